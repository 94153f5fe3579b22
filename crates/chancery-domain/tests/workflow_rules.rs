//! The report workflow (DESIGN §1, §2): each rule and refusal, `may_edit` / `may_start`, and
//! the agreement between `available_actions` and `transition`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::{
    Action, ActionKind, Outcome, Refusal, ReportFacts, available_actions, may_edit, may_start,
    transition,
};

use ReportStatus::{Accepted, Cleared, Draft, InClearance, Returned, Transmitted};

fn post(code: &str) -> PostCode {
    PostCode::parse(code).unwrap()
}

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn actor(name: &str, role: Role, at: Option<&str>) -> Actor {
    Actor::new(user(name), role, Classification::Secret, at.map(post)).unwrap()
}

fn drafter() -> Actor {
    actor("ottawa.drafter", Role::PostDrafter, Some("OTTAWA"))
}
fn approver() -> Actor {
    actor("ottawa.approver", Role::PostApprover, Some("OTTAWA"))
}
fn paris_drafter() -> Actor {
    actor("paris.drafter", Role::PostDrafter, Some("PARIS"))
}
fn paris_approver() -> Actor {
    actor("paris.approver", Role::PostApprover, Some("PARIS"))
}
fn hq() -> Actor {
    actor("hq.editor", Role::HqEditor, None)
}
fn reader() -> Actor {
    actor("reader", Role::Reader, None)
}
fn admin() -> Actor {
    actor("admin", Role::Admin, None)
}

fn all_actors() -> Vec<Actor> {
    vec![
        drafter(),
        approver(),
        paris_drafter(),
        paris_approver(),
        hq(),
        reader(),
        admin(),
    ]
}

/// Runs `action` by `who` on an OTTAWA report in `status`, drafted by `ottawa.drafter`, with
/// `findings` blocking lint findings.
fn run(
    status: ReportStatus,
    findings: usize,
    action: Action,
    who: &Actor,
) -> Result<Outcome, Refusal> {
    let ottawa = post("OTTAWA");
    let drafters = [user("ottawa.drafter")];
    let facts = ReportFacts {
        status,
        post: &ottawa,
        drafters: &drafters,
        blocking_findings: findings,
    };
    transition(&facts, &action, who)
}

fn to(status: ReportStatus) -> Outcome {
    Outcome {
        to: status,
        freezes_version: false,
        lint_override: None,
    }
}

fn ret(reason: &str) -> Action {
    Action::Return {
        reason: reason.to_string(),
    }
}

fn transmit(reason: Option<&str>) -> Action {
    Action::Transmit {
        override_reason: reason.map(str::to_string),
    }
}

// --- submit -------------------------------------------------------------------------------

#[test]
fn drafter_or_approver_submits_a_draft_or_returned_report() {
    for who in [drafter(), approver()] {
        assert_eq!(run(Draft, 0, Action::Submit, &who), Ok(to(InClearance)));
        assert_eq!(run(Returned, 0, Action::Submit, &who), Ok(to(InClearance)));
    }
}

#[test]
fn submit_is_not_blocked_by_lint_findings() {
    assert_eq!(
        run(Draft, 3, Action::Submit, &drafter()),
        Ok(to(InClearance))
    );
}

#[test]
fn submit_in_other_statuses_is_wrong_status() {
    for status in [InClearance, Cleared, Transmitted, Accepted] {
        assert_eq!(
            run(status, 0, Action::Submit, &drafter()),
            Err(Refusal::WrongStatus {
                action: "submit",
                status
            })
        );
    }
}

#[test]
fn hq_reader_and_admin_cannot_submit() {
    for (who, role) in [
        (hq(), "hq_editor"),
        (reader(), "reader"),
        (admin(), "admin"),
    ] {
        assert_eq!(
            run(Draft, 0, Action::Submit, &who),
            Err(Refusal::WrongRole {
                action: "submit",
                role
            })
        );
    }
}

#[test]
fn other_post_cannot_submit() {
    assert_eq!(
        run(Draft, 0, Action::Submit, &paris_drafter()),
        Err(Refusal::OtherPost {
            action: "submit",
            post: post("OTTAWA")
        })
    );
}

// --- clear --------------------------------------------------------------------------------

#[test]
fn approver_clears_a_report_in_clearance() {
    assert_eq!(
        run(InClearance, 0, Action::Clear, &approver()),
        Ok(to(Cleared))
    );
}

#[test]
fn clear_is_not_blocked_by_lint_findings() {
    assert_eq!(
        run(InClearance, 5, Action::Clear, &approver()),
        Ok(to(Cleared))
    );
}

#[test]
fn drafter_cannot_clear() {
    assert_eq!(
        run(InClearance, 0, Action::Clear, &drafter()),
        Err(Refusal::WrongRole {
            action: "clear",
            role: "post_drafter"
        })
    );
}

#[test]
fn approver_who_drafted_the_version_cannot_clear_it() {
    let ottawa = post("OTTAWA");
    let drafters = [user("ottawa.drafter"), user("ottawa.approver")];
    let facts = ReportFacts {
        status: InClearance,
        post: &ottawa,
        drafters: &drafters,
        blocking_findings: 0,
    };
    let refusal = transition(&facts, &Action::Clear, &approver());
    assert_eq!(
        refusal,
        Err(Refusal::OwnDraft {
            user: user("ottawa.approver")
        })
    );
    let message = refusal.unwrap_err().to_string();
    assert!(message.contains("another approver"), "{message}");

    let second = actor("ottawa.approver2", Role::PostApprover, Some("OTTAWA"));
    assert_eq!(transition(&facts, &Action::Clear, &second), Ok(to(Cleared)));
}

#[test]
fn clear_in_other_statuses_is_wrong_status() {
    for status in [Draft, Cleared, Transmitted, Accepted, Returned] {
        assert_eq!(
            run(status, 0, Action::Clear, &approver()),
            Err(Refusal::WrongStatus {
                action: "clear",
                status
            })
        );
    }
}

#[test]
fn other_post_approver_cannot_clear() {
    assert_eq!(
        run(InClearance, 0, Action::Clear, &paris_approver()),
        Err(Refusal::OtherPost {
            action: "clear",
            post: post("OTTAWA")
        })
    );
}

#[test]
fn wrong_status_comes_before_own_draft() {
    let ottawa = post("OTTAWA");
    let drafters = [user("ottawa.approver")];
    let facts = ReportFacts {
        status: Draft,
        post: &ottawa,
        drafters: &drafters,
        blocking_findings: 0,
    };
    assert_eq!(
        transition(&facts, &Action::Clear, &approver()),
        Err(Refusal::WrongStatus {
            action: "clear",
            status: Draft
        })
    );
}

// --- transmit -----------------------------------------------------------------------------

#[test]
fn approver_transmits_a_cleared_report_and_freezes_the_version() {
    assert_eq!(
        run(Cleared, 0, transmit(None), &approver()),
        Ok(Outcome {
            to: Transmitted,
            freezes_version: true,
            lint_override: None
        })
    );
}

#[test]
fn blocking_findings_need_an_override_reason() {
    for reason in [None, Some(""), Some("   \n\t")] {
        assert_eq!(
            run(Cleared, 2, transmit(reason), &approver()),
            Err(Refusal::LintsBlock { count: 2 })
        );
    }
    assert_eq!(
        run(
            Cleared,
            2,
            transmit(Some("  Figures confirmed by phone with the ministry. ")),
            &approver()
        ),
        Ok(Outcome {
            to: Transmitted,
            freezes_version: true,
            lint_override: Some("Figures confirmed by phone with the ministry.".to_string())
        })
    );
}

#[test]
fn an_override_without_findings_is_accepted_but_not_recorded() {
    assert_eq!(
        run(Cleared, 0, transmit(Some("just in case")), &approver()),
        Ok(Outcome {
            to: Transmitted,
            freezes_version: true,
            lint_override: None
        })
    );
}

#[test]
fn lint_message_says_how_to_proceed() {
    let message = run(Cleared, 1, transmit(None), &approver())
        .unwrap_err()
        .to_string();
    assert!(message.contains("override reason"), "{message}");
}

#[test]
fn drafter_and_hq_cannot_transmit() {
    assert_eq!(
        run(Cleared, 0, transmit(None), &drafter()),
        Err(Refusal::WrongRole {
            action: "transmit",
            role: "post_drafter"
        })
    );
    assert_eq!(
        run(Cleared, 0, transmit(None), &hq()),
        Err(Refusal::WrongRole {
            action: "transmit",
            role: "hq_editor"
        })
    );
}

#[test]
fn transmit_in_other_statuses_is_wrong_status_even_with_findings() {
    for status in [Draft, InClearance, Transmitted, Accepted, Returned] {
        assert_eq!(
            run(status, 4, transmit(None), &approver()),
            Err(Refusal::WrongStatus {
                action: "transmit",
                status
            })
        );
    }
}

#[test]
fn other_post_approver_cannot_transmit() {
    assert_eq!(
        run(Cleared, 0, transmit(None), &paris_approver()),
        Err(Refusal::OtherPost {
            action: "transmit",
            post: post("OTTAWA")
        })
    );
}

// --- accept -------------------------------------------------------------------------------

#[test]
fn hq_accepts_a_transmitted_report() {
    assert_eq!(run(Transmitted, 0, Action::Accept, &hq()), Ok(to(Accepted)));
}

#[test]
fn accept_in_other_statuses_is_wrong_status() {
    for status in [Draft, InClearance, Cleared, Accepted, Returned] {
        assert_eq!(
            run(status, 0, Action::Accept, &hq()),
            Err(Refusal::WrongStatus {
                action: "accept",
                status
            })
        );
    }
}

#[test]
fn only_hq_accepts() {
    for (who, role) in [
        (drafter(), "post_drafter"),
        (approver(), "post_approver"),
        (reader(), "reader"),
        (admin(), "admin"),
    ] {
        assert_eq!(
            run(Transmitted, 0, Action::Accept, &who),
            Err(Refusal::WrongRole {
                action: "accept",
                role
            })
        );
    }
}

// --- return -------------------------------------------------------------------------------

#[test]
fn approver_returns_before_transmission_to_draft() {
    for status in [InClearance, Cleared] {
        assert_eq!(
            run(status, 0, ret("Add sources for §2."), &approver()),
            Ok(to(Draft))
        );
    }
}

#[test]
fn hq_returns_a_transmitted_report() {
    assert_eq!(
        run(Transmitted, 0, ret("Rates, not counts."), &hq()),
        Ok(to(Returned))
    );
}

#[test]
fn return_needs_a_reason() {
    for reason in ["", "  ", "\n"] {
        assert_eq!(
            run(InClearance, 0, ret(reason), &approver()),
            Err(Refusal::ReasonRequired { action: "return" })
        );
        assert_eq!(
            run(Transmitted, 0, ret(reason), &hq()),
            Err(Refusal::ReasonRequired { action: "return" })
        );
    }
}

#[test]
fn approver_cannot_return_after_transmission() {
    for status in [Draft, Transmitted, Accepted, Returned] {
        assert_eq!(
            run(status, 0, ret("x"), &approver()),
            Err(Refusal::WrongStatus {
                action: "return",
                status
            })
        );
    }
}

#[test]
fn hq_cannot_return_before_transmission_or_after_acceptance() {
    for status in [Draft, InClearance, Cleared, Accepted, Returned] {
        assert_eq!(
            run(status, 0, ret("x"), &hq()),
            Err(Refusal::WrongStatus {
                action: "return",
                status
            })
        );
    }
}

#[test]
fn drafter_cannot_return() {
    assert_eq!(
        run(InClearance, 0, ret("x"), &drafter()),
        Err(Refusal::WrongRole {
            action: "return",
            role: "post_drafter"
        })
    );
}

#[test]
fn status_is_checked_before_the_reason() {
    assert_eq!(
        run(Accepted, 0, ret(""), &hq()),
        Err(Refusal::WrongStatus {
            action: "return",
            status: Accepted
        })
    );
}

// --- order and general rules ----------------------------------------------------------------

#[test]
fn role_is_checked_before_post_and_post_before_status() {
    // A drafter of another post trying to clear: wrong role, not other post.
    assert_eq!(
        run(Draft, 0, Action::Clear, &paris_drafter()),
        Err(Refusal::WrongRole {
            action: "clear",
            role: "post_drafter"
        })
    );
    // An approver of another post, wrong status: other post, not wrong status.
    assert_eq!(
        run(Accepted, 0, Action::Clear, &paris_approver()),
        Err(Refusal::OtherPost {
            action: "clear",
            post: post("OTTAWA")
        })
    );
}

#[test]
fn readers_and_admins_never_act() {
    let actions = [
        Action::Submit,
        Action::Clear,
        transmit(Some("x")),
        Action::Accept,
        ret("x"),
    ];
    for who in [reader(), admin()] {
        for status in ReportStatus::ALL {
            for action in &actions {
                assert!(
                    matches!(
                        run(status, 0, action.clone(), &who),
                        Err(Refusal::WrongRole { .. })
                    ),
                    "{:?} {status} {action:?}",
                    who.role
                );
            }
            assert!(
                available_actions(
                    &ReportFacts {
                        status,
                        post: &post("OTTAWA"),
                        drafters: &[],
                        blocking_findings: 0
                    },
                    &who
                )
                .is_empty()
            );
        }
    }
}

#[test]
fn nothing_moves_an_accepted_report() {
    let actions = [
        Action::Submit,
        Action::Clear,
        transmit(Some("x")),
        Action::Accept,
        ret("x"),
    ];
    for who in all_actors() {
        for action in &actions {
            assert!(run(Accepted, 0, action.clone(), &who).is_err());
        }
    }
}

#[test]
fn refusal_messages_name_action_and_status() {
    let m = run(Accepted, 0, ret("x"), &hq()).unwrap_err().to_string();
    assert_eq!(m, "cannot return a report that is accepted");
    let m = run(Draft, 0, Action::Accept, &reader())
        .unwrap_err()
        .to_string();
    assert_eq!(m, "reader users may not accept reports");
    let m = run(Draft, 0, Action::Submit, &paris_drafter())
        .unwrap_err()
        .to_string();
    assert_eq!(m, "only staff of OTTAWA may submit its report");
}

// --- may_edit / may_start -----------------------------------------------------------------

#[test]
fn post_staff_edit_draft_and_returned_reports() {
    let ottawa = post("OTTAWA");
    for who in [drafter(), approver()] {
        for status in ReportStatus::ALL {
            let result = may_edit(status, &ottawa, &who);
            if status.is_editable() {
                assert_eq!(result, Ok(()));
            } else {
                assert_eq!(
                    result,
                    Err(Refusal::WrongStatus {
                        action: "edit",
                        status
                    })
                );
            }
        }
    }
}

#[test]
fn nobody_else_edits() {
    let ottawa = post("OTTAWA");
    for who in [paris_drafter(), paris_approver()] {
        assert_eq!(
            may_edit(Draft, &ottawa, &who),
            Err(Refusal::OtherPost {
                action: "edit",
                post: ottawa.clone()
            })
        );
    }
    for who in [hq(), reader(), admin()] {
        assert_eq!(
            may_edit(Draft, &ottawa, &who),
            Err(Refusal::WrongRole {
                action: "edit",
                role: who.role.code()
            })
        );
    }
}

#[test]
fn only_post_staff_start_their_report() {
    let ottawa = post("OTTAWA");
    assert_eq!(may_start(&ottawa, &drafter()), Ok(()));
    assert_eq!(may_start(&ottawa, &approver()), Ok(()));
    assert_eq!(
        may_start(&ottawa, &paris_drafter()),
        Err(Refusal::OtherPost {
            action: "start",
            post: ottawa.clone()
        })
    );
    for who in [hq(), reader(), admin()] {
        assert_eq!(
            may_start(&ottawa, &who),
            Err(Refusal::WrongRole {
                action: "start",
                role: who.role.code()
            })
        );
    }
}

#[test]
fn post_scoped_actor_without_a_post_is_treated_as_another_post() {
    // Actor's fields are public; a hand-built actor without a post must not act anywhere.
    let stray = Actor {
        username: user("stray"),
        role: Role::PostApprover,
        clearance: Classification::Secret,
        post: None,
    };
    let ottawa = post("OTTAWA");
    assert!(matches!(
        may_start(&ottawa, &stray),
        Err(Refusal::OtherPost { .. })
    ));
    assert!(matches!(
        run(InClearance, 0, Action::Clear, &stray),
        Err(Refusal::OtherPost { .. })
    ));
}

// --- available_actions --------------------------------------------------------------------

fn available(
    status: ReportStatus,
    who: &Actor,
    drafters: &[Username],
    findings: usize,
) -> Vec<ActionKind> {
    let ottawa = post("OTTAWA");
    available_actions(
        &ReportFacts {
            status,
            post: &ottawa,
            drafters,
            blocking_findings: findings,
        },
        who,
    )
}

#[test]
fn available_actions_by_role_and_status() {
    let drafters = [user("ottawa.drafter")];
    use ActionKind as K;
    assert_eq!(available(Draft, &drafter(), &drafters, 0), vec![K::Submit]);
    assert_eq!(available(InClearance, &drafter(), &drafters, 0), vec![]);
    assert_eq!(
        available(InClearance, &approver(), &drafters, 0),
        vec![K::Clear, K::Return]
    );
    assert_eq!(
        available(Cleared, &approver(), &drafters, 7),
        vec![K::Transmit, K::Return],
        "lint findings do not hide transmit: an override can lift them"
    );
    assert_eq!(
        available(Transmitted, &hq(), &drafters, 0),
        vec![K::Accept, K::Return]
    );
    assert_eq!(available(Accepted, &hq(), &drafters, 0), vec![]);
    assert_eq!(
        available(Returned, &approver(), &drafters, 0),
        vec![K::Submit]
    );
    assert_eq!(
        available(InClearance, &paris_approver(), &drafters, 0),
        vec![]
    );

    let own = [user("ottawa.approver")];
    assert_eq!(
        available(InClearance, &approver(), &own, 0),
        vec![K::Return],
        "separation of duties hides clear"
    );
}

#[test]
fn available_actions_agree_with_transition_everywhere() {
    let drafter_sets: [Vec<Username>; 3] = [
        vec![],
        vec![user("ottawa.drafter")],
        vec![user("ottawa.drafter"), user("ottawa.approver")],
    ];
    for who in all_actors() {
        for status in ReportStatus::ALL {
            for drafters in &drafter_sets {
                for findings in [0, 1, 3] {
                    let listed = available(status, &who, drafters, findings);
                    let ottawa = post("OTTAWA");
                    let facts = ReportFacts {
                        status,
                        post: &ottawa,
                        drafters,
                        blocking_findings: findings,
                    };
                    for (action, kind) in [
                        (Action::Submit, ActionKind::Submit),
                        (Action::Clear, ActionKind::Clear),
                        (transmit(Some("override")), ActionKind::Transmit),
                        (Action::Accept, ActionKind::Accept),
                        (ret("why"), ActionKind::Return),
                    ] {
                        let ok = transition(&facts, &action, &who).is_ok();
                        assert_eq!(
                            listed.contains(&kind),
                            ok,
                            "{} {status} {kind:?} drafters={drafters:?} findings={findings}",
                            who.username
                        );
                    }
                    // Without an override, transmit succeeds iff listed and nothing blocks.
                    let bare = transition(&facts, &transmit(None), &who).is_ok();
                    assert_eq!(
                        bare,
                        listed.contains(&ActionKind::Transmit) && findings == 0
                    );
                    // Without a reason, return never succeeds.
                    assert!(transition(&facts, &ret(" "), &who).is_err());
                }
            }
        }
    }
}
