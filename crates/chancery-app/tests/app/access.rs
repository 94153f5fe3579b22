//! Classification and access (DESIGN §1, §5): what each role and clearance sees of a report.

use chancery_app::{AppError, ReportView};
use chancery_domain::Classification;
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};

use crate::common::{Backend, TestApp, pc};

const U: Classification = Classification::Unclassified;
const SBU: Classification = Classification::SensitiveButUnclassified;
const C: Classification = Classification::Confidential;
const S: Classification = Classification::Secret;

/// One paragraph at each level, each with a word that names its level.
const FOUR_LEVELS: &str = "(U) Public paragraph.\n\n(SBU) Sensitive paragraph.\n\n(C) Confidential paragraph.\n\n(S) Secret paragraph.";

/// (marking, withheld, markdown) of every portion in the view.
fn portions(view: &ReportView) -> Vec<(Classification, bool, String)> {
    view.sections
        .iter()
        .flat_map(|s| &s.portions)
        .map(|p| (p.marking, p.withheld, p.markdown.clone()))
        .collect()
}

async fn paragraphs_above_clearance_are_withheld_and_the_banner_is_what_is_shown(backend: Backend) {
    let t = TestApp::new(backend).await;
    // An unclassified tasking, so that every reader may see the report itself.
    let tasking = t.tasking("CHN-2026-0921").classification("U").issue().await;
    // A drafter cleared to S writes the four-level report; it is transmitted.
    let secret_drafter = t
        .user("ottawa.secret", Role::PostDrafter, "S", Some("OTTAWA"))
        .await;
    t.report(&tasking, "OTTAWA")
        .drafted_by(&secret_drafter)
        .section("summary", FOUR_LEVELS)
        .stage(ReportStatus::Transmitted)
        .build()
        .await;

    let mut viewers: Vec<Actor> = Vec::new();
    for level in ["U", "SBU", "C", "S"] {
        let name = format!("reader.{}", level.to_lowercase());
        viewers.push(t.user(&name, Role::Reader, level, None).await);
    }
    viewers.push(t.user("admin.u", Role::Admin, "U", None).await);
    viewers.push(t.user("hq.c", Role::HqEditor, "C", None).await);
    viewers.push(t.approver.clone()); // post staff, C

    for who in &viewers {
        let view = t
            .app
            .show_report(who, &tasking, &pc("OTTAWA"))
            .await
            .unwrap();
        let got = portions(&view);
        assert_eq!(got.len(), 4, "{}", who.username);
        let mut highest_shown = U;
        for ((marking, withheld, markdown), level) in got.iter().zip([U, SBU, C, S]) {
            assert_eq!(*marking, level);
            let should_see = who.clearance >= level;
            assert_eq!(!*withheld, should_see, "{} on {level}", who.username);
            if should_see {
                assert!(markdown.starts_with(&level.portion_mark()), "{markdown}");
                highest_shown = highest_shown.max(level);
            } else {
                assert_eq!(markdown, &format!("[paragraph withheld: {level}]"));
            }
        }
        assert_eq!(view.banner, highest_shown, "{}", who.username);
        assert_eq!(view.banner, who.clearance, "{}", who.username);

        // Nothing above clearance anywhere in the serialised view (the API's JSON).
        let json = serde_json::to_string(&view).unwrap();
        for (level, word) in [(SBU, "Sensitive"), (C, "Confidential"), (S, "Secret")] {
            assert_eq!(
                json.contains(&format!("{word} paragraph")),
                who.clearance >= level,
                "{} and the {level} paragraph",
                who.username
            );
        }
    }

    // A tasking above the user's clearance hides its reports entirely.
    let sbu = t.tasking("CHN-2026-0920").issue().await;
    t.report(&sbu, "OTTAWA")
        .section("summary", "(U) Public.")
        .stage(ReportStatus::Transmitted)
        .build()
        .await;
    let err = t
        .app
        .show_report(&viewers[0], &sbu, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    t.app
        .show_report(&viewers[1], &sbu, &pc("OTTAWA"))
        .await
        .unwrap();

    // The S-cleared drafter's own view shows everything.
    let view = t
        .app
        .show_report(&secret_drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert!(portions(&view).iter().all(|(_, withheld, _)| !withheld));
    assert_eq!(view.banner, S);
}

async fn banner_is_the_highest_marking_held_not_the_clearance(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t
        .tasking("CHN-2026-0922")
        .classification("U")
        .section("summary", 0)
        .section("public_safety", 0)
        .issue()
        .await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) One.\n\n(SBU) Two.")
        .stage(ReportStatus::Transmitted)
        .build()
        .await;
    let view = t
        .app
        .show_report(&t.hq, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(t.hq.clearance, S);
    assert_eq!(view.banner, SBU);
}

async fn who_sees_a_report_in_each_status(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0923").issue().await;
    let admin = t.admin.clone();
    // Expected visibility by status: draft, in_clearance, cleared, transmitted, accepted, returned.
    let cases: [(&str, &Actor, [bool; 6]); 7] = [
        (
            "own drafter",
            &t.drafter,
            [true, true, true, true, true, true],
        ),
        (
            "own approver",
            &t.approver,
            [true, true, true, true, true, true],
        ),
        (
            "other post drafter",
            &t.paris_drafter,
            [false, false, false, false, true, false],
        ),
        (
            "other post approver",
            &t.paris_approver,
            [false, false, false, false, true, false],
        ),
        ("hq", &t.hq, [false, false, false, true, true, true]),
        (
            "reader",
            &t.reader,
            [false, false, false, true, true, false],
        ),
        ("admin", &admin, [false, false, false, true, true, false]),
    ];
    let stages = [
        ReportStatus::Draft,
        ReportStatus::InClearance,
        ReportStatus::Cleared,
        ReportStatus::Transmitted,
        ReportStatus::Accepted,
        ReportStatus::Returned,
    ];
    for (i, stage) in stages.into_iter().enumerate() {
        // One report per stage, each on its own tasking.
        let reference = format!("CHN-2026-093{i}");
        let tasking_i = t.tasking(&reference).issue().await;
        t.report(&tasking_i, "OTTAWA")
            .section("summary", "(U) Text.")
            .stage(stage)
            .build()
            .await;
        for (label, who, visible) in &cases {
            let shown = t.app.show_report(who, &tasking_i, &pc("OTTAWA")).await;
            let linted = t.app.lint(who, &tasking_i, &pc("OTTAWA")).await;
            if visible[i] {
                let view = shown.unwrap_or_else(|e| panic!("{label} on {stage}: {e}"));
                assert_eq!(view.status, stage);
                linted.unwrap();
            } else {
                let err = shown.unwrap_err();
                assert!(
                    matches!(err, AppError::NotFound(_)),
                    "{label} on {stage}: {err}"
                );
                assert!(
                    matches!(linted, Err(AppError::NotFound(_))),
                    "{label} on {stage}"
                );
            }
        }
    }
    // The untouched tasking has no OTTAWA report at all.
    let err = t
        .app
        .show_report(&t.drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
}

async fn unmarked_paragraphs_are_stored_with_the_taskings_classification(backend: Backend) {
    let t = TestApp::new(backend).await;
    for (reference, level) in [
        ("CHN-2026-0941", "SBU"),
        ("CHN-2026-0942", "U"),
        ("CHN-2026-0943", "C"),
    ] {
        let tasking = t.tasking(reference).classification(level).issue().await;
        t.report(&tasking, "OTTAWA").build().await;
        let (_, findings) = t
            .save(
                &t.drafter,
                &tasking,
                "OTTAWA",
                "summary",
                "First paragraph, unmarked.\n\n(C) Marked confidential.\n\n- an unmarked list item\n- another",
            )
            .await
            .unwrap();
        assert!(findings.is_empty(), "{findings:?}");
        let stored = t.stored_body(&tasking, "OTTAWA", "summary").await.unwrap();
        assert_eq!(
            stored,
            format!(
                "({level}) First paragraph, unmarked.\n\n(C) Marked confidential.\n\n- ({level}) an unmarked list item\n- another"
            )
        );
        // Saving the stored text again changes nothing (the rewrite is idempotent).
        t.save(&t.drafter, &tasking, "OTTAWA", "summary", &stored)
            .await
            .unwrap();
        assert_eq!(
            t.stored_body(&tasking, "OTTAWA", "summary").await.unwrap(),
            stored
        );
    }
}

async fn lint_never_quotes_paragraphs_above_the_users_clearance(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t
        .tasking("CHN-2026-0944")
        .section("summary", 1)
        .section("detail", 1)
        .issue()
        .await;
    let secret_drafter = t
        .user("ottawa.secret", Role::PostDrafter, "S", Some("OTTAWA"))
        .await;
    let junior = t
        .user("ottawa.junior", Role::PostDrafter, "SBU", Some("OTTAWA"))
        .await;
    t.report(&tasking, "OTTAWA")
        .drafted_by(&secret_drafter)
        .section(
            "summary",
            "(SBU) The post saw 1,234 arrivals.\n\n(S) A liaison service counted 98,765 crossings.",
        )
        .section("detail", "(U) Detail to follow.")
        .build()
        .await;

    let everything = t
        .app
        .lint(&secret_drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert!(
        everything.iter().any(|f| f.message.contains("98,765")),
        "{everything:#?}"
    );

    // (section, portion, code): E007 on both sections (no citations), E001 on both figures.
    let summary = Some(crate::common::sk("summary"));
    let detail = Some(crate::common::sk("detail"));
    let keys = |fs: &[chancery_domain::lint::Finding]| -> Vec<_> {
        fs.iter()
            .map(|f| (f.section.clone(), f.portion, f.code))
            .collect()
    };
    use chancery_domain::lint::LintCode::{E001, E007};
    assert_eq!(
        keys(&everything),
        [
            (summary.clone(), None, E007),
            (summary.clone(), Some(0), E001),
            (summary.clone(), Some(1), E001),
            (detail.clone(), None, E007),
        ]
    );

    // The SBU drafter sees neither the S paragraph's finding nor the summary's section-level
    // finding (its citation count covers the S paragraph); the rest is kept.
    let findings = t.app.lint(&junior, &tasking, &pc("OTTAWA")).await.unwrap();
    assert_eq!(
        keys(&findings),
        [
            (summary.clone(), Some(0), E001),
            (detail.clone(), None, E007)
        ]
    );
    let text = serde_json::to_string(&findings).unwrap();
    assert!(
        !text.contains("98,765"),
        "lint leaks an S paragraph to an SBU user: {text}"
    );
    assert!(
        text.contains("1,234"),
        "findings the user may see are kept: {text}"
    );

    // Saving another section returns the whole report's findings: filtered the same way.
    let (_, on_save) = t
        .save(
            &junior,
            &tasking,
            "OTTAWA",
            "detail",
            "(SBU) Detail, no figures.",
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&on_save).unwrap();
    assert!(
        !text.contains("98,765"),
        "save leaks an S paragraph to an SBU user: {text}"
    );
    assert!(text.contains("1,234"), "{text}");
}

async fn nobody_writes_above_their_clearance_or_overwrites_what_they_cannot_see(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t
        .tasking("CHN-2026-0922")
        .classification("U")
        .section("summary", 0)
        .section("public_safety", 0)
        .issue()
        .await;
    let low = t
        .user("ottawa.sbu", Role::PostDrafter, "SBU", Some("OTTAWA"))
        .await;
    let high = t
        .user("ottawa.s", Role::PostDrafter, "S", Some("OTTAWA"))
        .await;
    t.app
        .new_report(&high, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    let audit_before = t.audit_count().await;

    // Writing a paragraph marked above one's clearance is refused, nothing written.
    let err = t
        .save(
            &low,
            &tasking,
            "OTTAWA",
            "summary",
            "(U) Fine.\n\n(C) Too high.",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("paragraph 2 is marked C"), "{err}");
    assert_eq!(t.stored_body(&tasking, "OTTAWA", "summary").await, None);
    assert_eq!(t.audit_count().await, audit_before);

    // A section holding a paragraph above the editor's clearance cannot be replaced by them.
    t.save(&high, &tasking, "OTTAWA", "summary", FOUR_LEVELS)
        .await
        .unwrap();
    let err = t
        .save(&low, &tasking, "OTTAWA", "summary", "(U) Replaced.")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    assert_eq!(
        t.stored_body(&tasking, "OTTAWA", "summary")
            .await
            .as_deref(),
        Some(FOUR_LEVELS)
    );
    // Other sections stay open to the lower-cleared drafter.
    t.save(&low, &tasking, "OTTAWA", "public_safety", "(SBU) Text.")
        .await
        .unwrap();
}

async fn readers_and_admins_read_but_do_not_comment(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0923").classification("U").issue().await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) Text.")
        .stage(ReportStatus::Accepted)
        .build()
        .await;
    let reader = t.user("reader.c", Role::Reader, "C", None).await;
    let admin = t.user("admin.c", Role::Admin, "C", None).await;
    let before = t.audit_count().await;
    for who in [&reader, &admin] {
        let err = t
            .app
            .comment(who, &tasking, &pc("OTTAWA"), None, "A remark.")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    }
    assert_eq!(t.audit_count().await, before);
    t.app
        .comment(&t.drafter, &tasking, &pc("OTTAWA"), None, "A remark.")
        .await
        .unwrap();
}

/// A citation of a source the user may not see reads, in their lint, exactly like a citation
/// of a source that does not exist; and it blocks their transmission as it would for a missing
/// source, or the action's outcome would tell them the source exists.
async fn lint_does_not_tell_whether_evidence_above_the_users_clearance_exists(backend: Backend) {
    use chancery_domain::lint::LintCode;
    use chancery_domain::workflow::{Action, Refusal};

    let t = TestApp::new(backend).await;
    let tasking = t
        .tasking("CHN-2026-0945")
        .classification("SBU")
        .section("summary", 0)
        .issue()
        .await;
    let mut spec = crate::common::source_spec("Liaison service crossing counts");
    spec.marking = S;
    let secret = t.app.add_source(&t.hq, &spec, None).await.unwrap();
    let a1 = chancery_domain::evidence::Grade::parse("A1").unwrap();
    t.app
        .grade_source(&t.hq, secret, a1, "The service's own count.")
        .await
        .unwrap();
    let missing = secret + 1000;
    let junior = t
        .user("ottawa.junior2", Role::PostDrafter, "SBU", Some("OTTAWA"))
        .await;
    let junior_approver = t
        .user(
            "ottawa.junior.approver",
            Role::PostApprover,
            "SBU",
            Some("OTTAWA"),
        )
        .await;
    let secret_approver = t
        .user(
            "ottawa.secret.approver",
            Role::PostApprover,
            "S",
            Some("OTTAWA"),
        )
        .await;
    let body = format!(
        "(SBU) Crossings were counted [@S{secret}].\n\n(SBU) Departures were counted [@S{missing}]."
    );
    t.report(&tasking, "OTTAWA")
        .drafted_by(&junior)
        .section("summary", &body)
        .stage(ReportStatus::Cleared)
        .build()
        .await;

    let e002 = |fs: &[chancery_domain::lint::Finding]| -> Vec<String> {
        fs.iter()
            .filter(|f| f.code == LintCode::E002)
            .map(|f| f.message.clone())
            .collect()
    };
    let seen_by_junior = t.app.lint(&junior, &tasking, &pc("OTTAWA")).await.unwrap();
    let messages = e002(&seen_by_junior);
    assert_eq!(messages.len(), 2, "{seen_by_junior:#?}");
    // The two messages differ in the paragraph number and the key alone.
    assert_eq!(
        messages[0]
            .replace(&format!("S{secret}"), "S?")
            .replace("paragraph 1", "paragraph ?"),
        messages[1]
            .replace(&format!("S{missing}"), "S?")
            .replace("paragraph 2", "paragraph ?"),
    );
    let seen_by_hq = t
        .app
        .lint(&secret_approver, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(
        e002(&seen_by_hq),
        [messages[1].clone()],
        "a user cleared for the source sees it resolve"
    );

    // Both approvers are blocked by the missing source; only the SBU approver also by the
    // secret one, which is unresolved in their eyes.
    let transmit = Action::Transmit {
        override_reason: None,
    };
    for (who, blocking) in [(&junior_approver, 2), (&secret_approver, 1)] {
        match t.act(who, &tasking, "OTTAWA", transmit.clone()).await {
            Err(AppError::Refused(Refusal::LintsBlock { count })) => {
                assert_eq!(count, blocking, "{}", who.username)
            }
            other => panic!("{}: expected a lint block, got {other:?}", who.username),
        }
    }
}

chancery_testkit::on_every_backend!(
    paragraphs_above_clearance_are_withheld_and_the_banner_is_what_is_shown,
    banner_is_the_highest_marking_held_not_the_clearance,
    who_sees_a_report_in_each_status,
    unmarked_paragraphs_are_stored_with_the_taskings_classification,
    lint_never_quotes_paragraphs_above_the_users_clearance,
    lint_does_not_tell_whether_evidence_above_the_users_clearance_exists,
    nobody_writes_above_their_clearance_or_overwrites_what_they_cannot_see,
    readers_and_admins_read_but_do_not_comment,
);
