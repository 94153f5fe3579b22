//! Property test of the report workflow: random sequences of (action, actor), with simulated
//! edits, applied to a model report that starts as a draft. Checks the invariants of DESIGN §1–§2
//! after every step.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::{
    Action, ActionKind, ReportFacts, available_actions, may_edit, transition,
};
use proptest::prelude::*;

use ReportStatus::{Accepted, Cleared, Draft, InClearance, Returned, Transmitted};

/// The edges of DESIGN §2, with the action that takes each one.
const EDGES: [(ReportStatus, ActionKind, ReportStatus); 8] = [
    (Draft, ActionKind::Submit, InClearance),
    (Returned, ActionKind::Submit, InClearance),
    (InClearance, ActionKind::Clear, Cleared),
    (Cleared, ActionKind::Transmit, Transmitted),
    (Transmitted, ActionKind::Accept, Accepted),
    (InClearance, ActionKind::Return, Draft),
    (Cleared, ActionKind::Return, Draft),
    (Transmitted, ActionKind::Return, Returned),
];

fn cast() -> Vec<Actor> {
    let mk = |name: &str, role: Role, at: Option<&str>| {
        Actor::new(
            Username::parse(name).unwrap(),
            role,
            Classification::Secret,
            at.map(|p| PostCode::parse(p).unwrap()),
        )
        .unwrap()
    };
    vec![
        mk("ott.d1", Role::PostDrafter, Some("OTTAWA")),
        mk("ott.d2", Role::PostDrafter, Some("OTTAWA")),
        mk("ott.a1", Role::PostApprover, Some("OTTAWA")),
        mk("ott.a2", Role::PostApprover, Some("OTTAWA")),
        mk("par.d1", Role::PostDrafter, Some("PARIS")),
        mk("par.a1", Role::PostApprover, Some("PARIS")),
        mk("hq.e1", Role::HqEditor, None),
        mk("hq.e2", Role::HqEditor, None),
        mk("reader", Role::Reader, None),
        mk("admin", Role::Admin, None),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    /// The actor tries to change section text; on success they join the drafters and the
    /// number of blocking findings becomes `findings`.
    Edit { who: usize, findings: usize },
    /// The actor tries a workflow action.
    Act { who: usize, action: Action },
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_string()),
        Just("\t\n".to_string()),
        Just("Sources re-checked.".to_string()),
        Just("  padded reason  ".to_string()),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Submit),
        Just(Action::Clear),
        proptest::option::of(text())
            .prop_map(|override_reason| Action::Transmit { override_reason }),
        Just(Action::Accept),
        text().prop_map(|reason| Action::Return { reason }),
    ]
}

fn step(actors: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..actors, 0usize..3).prop_map(|(who, findings)| Step::Edit { who, findings }),
        4 => (0..actors, action()).prop_map(|(who, action)| Step::Act { who, action }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn workflow_invariants_hold(steps in proptest::collection::vec(step(10), 0..150)) {
        let actors = cast();
        let ottawa = PostCode::parse("OTTAWA").unwrap();
        let mut status = Draft;
        let mut drafters: BTreeSet<Username> = BTreeSet::new();
        let mut findings = 0usize;

        for s in steps {
            match s {
                Step::Edit { who, findings: new } => {
                    let actor = &actors[who];
                    let allowed = may_edit(status, &ottawa, actor).is_ok();
                    prop_assert_eq!(
                        allowed,
                        actor.role.is_post_scoped() && actor.is_at(&ottawa) && status.is_editable()
                    );
                    if allowed {
                        drafters.insert(actor.username.clone());
                        findings = new;
                    }
                }
                Step::Act { who, action } => {
                    let actor = &actors[who];
                    let list: Vec<Username> = drafters.iter().cloned().collect();
                    let facts = ReportFacts {
                        status,
                        post: &ottawa,
                        drafters: &list,
                        blocking_findings: findings,
                    };
                    let offered = available_actions(&facts, actor);
                    let result = transition(&facts, &action, actor);
                    let kind = action.kind();
                    match result {
                        Err(_) => {}
                        Ok(outcome) => {
                            // Only the allowed edges, by the action that owns them.
                            prop_assert!(
                                EDGES.contains(&(status, kind, outcome.to)),
                                "{:?} --{:?}--> {:?} by {}", status, kind, outcome.to, actor.username
                            );
                            // Whatever succeeds was offered.
                            prop_assert!(offered.contains(&kind));
                            // Readers and admins never change anything.
                            prop_assert!(!matches!(actor.role, Role::Reader | Role::Admin));
                            // Staff of other posts never change the report.
                            prop_assert!(!actor.role.is_post_scoped() || actor.is_at(&ottawa));
                            // Separation of duties.
                            if outcome.to == Cleared {
                                prop_assert_eq!(actor.role, Role::PostApprover);
                                prop_assert!(!drafters.contains(&actor.username));
                            }
                            // Lints block transmission unless overridden in writing.
                            if outcome.to == Transmitted {
                                prop_assert!(outcome.freezes_version);
                                prop_assert_eq!(actor.role, Role::PostApprover);
                                let reason = match &action {
                                    Action::Transmit { override_reason } => override_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()),
                                    _ => None,
                                };
                                if findings > 0 {
                                    prop_assert!(reason.is_some());
                                    prop_assert_eq!(outcome.lint_override.as_deref(), reason);
                                } else {
                                    prop_assert_eq!(outcome.lint_override, None);
                                }
                            } else {
                                prop_assert!(!outcome.freezes_version);
                                prop_assert_eq!(&outcome.lint_override, &None);
                            }
                            if outcome.to == Accepted {
                                prop_assert_eq!(status, Transmitted);
                                prop_assert_eq!(actor.role, Role::HqEditor);
                            }
                            if let Action::Return { reason } = &action {
                                prop_assert!(!reason.trim().is_empty());
                            }
                            status = outcome.to;
                        }
                    }
                }
            }
        }
        // Accepted is final: whoever tries anything, nothing moves it.
        if status == Accepted {
            let list: Vec<Username> = drafters.iter().cloned().collect();
            let facts = ReportFacts { status, post: &ottawa, drafters: &list, blocking_findings: findings };
            for actor in &actors {
                prop_assert!(available_actions(&facts, actor).is_empty());
            }
        }
    }
}
