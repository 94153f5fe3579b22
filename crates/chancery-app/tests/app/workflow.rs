//! The report workflow through the app (DESIGN §2): drafting, clearance, transmission and
//! acceptance; return paths; versions; separation of duties; lint-blocked transmission; E006.

use chancery_app::AppError;
use chancery_domain::audit::sha256_hex;
use chancery_domain::lint::{LintCode, PersonalDataKind};
use chancery_domain::report::ReportStatus;
use chancery_domain::workflow::{Action, ActionKind, Refusal};
use chancery_store::StoreError;

use crate::common::{Backend, TestApp, pc};

fn ret(reason: &str) -> Action {
    Action::Return {
        reason: reason.into(),
    }
}

fn transmit(reason: Option<&str>) -> Action {
    Action::Transmit {
        override_reason: reason.map(String::from),
    }
}

async fn draft_submit_clear_transmit_accept(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0901").issue().await;
    let before = t.audit_count().await;

    let r = t
        .app
        .new_report(&t.drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Draft, 1));
    let (rev, findings) = t
        .save(
            &t.drafter,
            &tasking,
            "OTTAWA",
            "summary",
            "(U) The post has nothing to add yet.",
        )
        .await
        .unwrap();
    assert_eq!(rev, 1);
    assert!(findings.is_empty(), "{findings:?}");

    let view = t
        .app
        .show_report(&t.drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(view.actions, [ActionKind::Submit]);

    let r = t
        .act(&t.drafter, &tasking, "OTTAWA", Action::Submit)
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::InClearance);
    let view = t
        .app
        .show_report(&t.approver, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(view.actions, [ActionKind::Clear, ActionKind::Return]);

    let r = t
        .act(&t.approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Cleared);
    let r = t
        .act(&t.approver, &tasking, "OTTAWA", transmit(None))
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Transmitted, 1));

    let versions = t.app.store.versions(r.id).await.unwrap();
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    assert_eq!(v.version_no, 1);
    assert_eq!(v.transmitted_by, "ottawa.approver");
    assert_eq!(v.content_sha256, sha256_hex(v.content_json.as_bytes()));
    assert_eq!(v.findings_json, "[]");
    assert_eq!(v.lint_override, None);
    let content: serde_json::Value = serde_json::from_str(&v.content_json).unwrap();
    assert_eq!(content["post"], "OTTAWA");
    assert_eq!(content["sections"][0]["key"], "summary");
    assert_eq!(
        content["sections"][0]["body"],
        "(U) The post has nothing to add yet."
    );
    assert_eq!(content["sections"][0]["markings"], serde_json::json!(["U"]));

    let r = t
        .act(&t.hq, &tasking, "OTTAWA", Action::Accept)
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Accepted);

    // Accepted is final.
    let err = t
        .act(&t.hq, &tasking, "OTTAWA", ret("late thought"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::WrongStatus { .. })),
        "{err}"
    );

    let events = t.app.store.audit_events().await.unwrap();
    let actions: Vec<(&str, &str)> = events[before..]
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("report.new", "ottawa.drafter"),
            ("report.save_section", "ottawa.drafter"),
            ("report.submit", "ottawa.drafter"),
            ("report.clear", "ottawa.approver"),
            ("report.transmit", "ottawa.approver"),
            ("report.accept", "hq.editor"),
        ]
    );
    assert!(
        events[before..]
            .iter()
            .all(|e| e.object_id == "CHN-2026-0901/OTTAWA")
    );
    t.assert_chain_verifies().await;
}

async fn reports_start_only_on_issued_taskings_for_their_addressees(backend: Backend) {
    let t = TestApp::new(backend).await;
    let draft = t.tasking("CHN-2026-0902").import().await;
    // A draft tasking is invisible to posts.
    let err = t
        .app
        .new_report(&t.drafter, &draft, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");

    let only_paris = t.tasking("CHN-2026-0903").posts(["PARIS"]).issue().await;
    let err = t
        .app
        .new_report(&t.drafter, &only_paris, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::NotFound(_)),
        "not addressed to OTTAWA: {err}"
    );

    let both = t.tasking("CHN-2026-0904").issue().await;
    // Staff of one post cannot start another post's report; HQ does not draft.
    let err = t
        .app
        .new_report(&t.drafter, &both, &pc("PARIS"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::OtherPost { .. })),
        "{err}"
    );
    let err = t
        .app
        .new_report(&t.hq, &both, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::WrongRole { .. })),
        "{err}"
    );
    assert!(t.app.store.reports_for(&both).await.unwrap().is_empty());

    t.app
        .new_report(&t.drafter, &both, &pc("OTTAWA"))
        .await
        .unwrap();
    let err = t
        .app
        .new_report(&t.drafter2, &both, &pc("OTTAWA"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::AlreadyExists(_))),
        "{err}"
    );
}

async fn approver_returns_to_draft_from_clearance_and_from_cleared(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0905").issue().await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) First draft.")
        .stage(ReportStatus::InClearance)
        .build()
        .await;

    // A return needs a written reason; a blank one writes nothing.
    let n = t.audit_count().await;
    let err = t
        .act(&t.approver, &tasking, "OTTAWA", ret("   "))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::ReasonRequired { .. })),
        "{err}"
    );
    assert_eq!(t.audit_count().await, n);
    assert_eq!(
        t.report_row(&tasking, "OTTAWA").await.status,
        ReportStatus::InClearance
    );

    let r = t
        .act(
            &t.approver,
            &tasking,
            "OTTAWA",
            ret("  Cite the figures.  "),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Draft, 1));

    t.save(
        &t.drafter,
        &tasking,
        "OTTAWA",
        "summary",
        "(U) Second draft.",
    )
    .await
    .unwrap();
    t.act(&t.drafter, &tasking, "OTTAWA", Action::Submit)
        .await
        .unwrap();
    t.act(&t.approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap();
    let r = t
        .act(&t.approver, &tasking, "OTTAWA", ret("On reflection, no."))
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Draft, 1));
    assert!(
        t.app.store.versions(r.id).await.unwrap().is_empty(),
        "nothing transmitted"
    );

    let view = t
        .app
        .show_report(&t.drafter, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    let returns: Vec<(&str, &str, &str)> = view
        .comments
        .iter()
        .map(|c| (c.kind.as_str(), c.author.as_str(), c.body.as_str()))
        .collect();
    assert_eq!(
        returns,
        [
            ("return", "ottawa.approver", "Cite the figures."),
            ("return", "ottawa.approver", "On reflection, no."),
        ]
    );
}

async fn hq_return_opens_a_new_version_and_the_transmitted_one_stays_frozen(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0906").issue().await;
    let r = t
        .report(&tasking, "OTTAWA")
        .section("summary", "(U) Version one text.")
        .stage(ReportStatus::Transmitted)
        .build()
        .await;
    let v1 = t.app.store.versions(r.id).await.unwrap();
    assert_eq!(v1.len(), 1);
    assert!(v1[0].content_json.contains("Version one text."));

    // HQ sees the transmitted report and returns it.
    let view = t
        .app
        .show_report(&t.hq, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(view.actions, [ActionKind::Accept, ActionKind::Return]);
    let r = t
        .act(&t.hq, &tasking, "OTTAWA", ret("Add the 2025 figures."))
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Returned, 2));

    // The next save goes into version 2.
    let (rev, _) = t
        .save(
            &t.drafter2,
            &tasking,
            "OTTAWA",
            "summary",
            "(U) Version two text.",
        )
        .await
        .unwrap();
    assert_eq!(rev, 2);
    let sections = t.app.store.sections(r.id).await.unwrap();
    assert_eq!((sections[0].version_no, sections[0].revision), (2, 2));
    assert_eq!(
        t.app.store.drafters(r.id, 2).await.unwrap()[0].as_str(),
        "ottawa.drafter2"
    );

    // Version 1 is untouched by the edit: same content, same digest, and the digest is right.
    let after_edit = t.app.store.versions(r.id).await.unwrap();
    assert_eq!(after_edit, v1);
    assert_eq!(
        after_edit[0].content_sha256,
        sha256_hex(after_edit[0].content_json.as_bytes())
    );
    assert!(!after_edit[0].content_json.contains("Version two"));

    // Resubmitted from returned, cleared and transmitted as version 2.
    let r = t
        .act(&t.drafter2, &tasking, "OTTAWA", Action::Submit)
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::InClearance);
    t.act(&t.approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap();
    let r = t
        .act(&t.approver, &tasking, "OTTAWA", transmit(None))
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Transmitted, 2));
    let versions = t.app.store.versions(r.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0], v1[0]);
    assert_eq!(versions[1].version_no, 2);
    assert!(versions[1].content_json.contains("Version two text."));
    assert_ne!(versions[1].content_sha256, versions[0].content_sha256);

    let view = t
        .app
        .show_report(&t.reader, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    let shas: Vec<&str> = view.versions.iter().map(|v| v.sha256.as_str()).collect();
    assert_eq!(
        shas,
        [
            versions[0].content_sha256.as_str(),
            versions[1].content_sha256.as_str()
        ]
    );
    assert_eq!(view.comments[0].body, "Add the 2025 figures.");
}

async fn text_is_editable_only_in_draft_or_returned(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0907").issue().await;
    let r = t
        .report(&tasking, "OTTAWA")
        .section("summary", "(U) Text.")
        .stage(ReportStatus::InClearance)
        .build()
        .await;
    let (n, revisions) = (t.audit_count().await, t.rows("section_revisions").await);
    for who in [&t.drafter, &t.approver] {
        let err = t
            .save(who, &tasking, "OTTAWA", "summary", "(U) Sneaky edit.")
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Refused(Refusal::WrongStatus { .. })),
            "{err}"
        );
    }
    // Other posts' staff do not even learn the report exists.
    let err = t
        .save(&t.paris_drafter, &tasking, "OTTAWA", "summary", "(U) x")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    assert_eq!(t.audit_count().await, n);
    assert_eq!(t.rows("section_revisions").await, revisions);
    assert_eq!(t.report_row(&tasking, "OTTAWA").await, r);

    // A section the template does not have.
    t.act(&t.approver, &tasking, "OTTAWA", ret("Edit it."))
        .await
        .unwrap();
    let err = t
        .save(&t.drafter, &tasking, "OTTAWA", "annex", "(U) x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref m) if m.contains("summary")),
        "{err}"
    );
}

async fn stale_editor_gets_a_conflict_and_nothing_is_written(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0908").issue().await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) One.")
        .build()
        .await;
    let summary = crate::common::sk("summary");
    let ottawa = pc("OTTAWA");
    let (rev, _) = t
        .app
        .save_section(
            &t.drafter2,
            &tasking,
            &ottawa,
            &summary,
            "(U) Two.",
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(rev, 2);
    let n = t.audit_count().await;
    // The first drafter still edits revision 1.
    let err = t
        .app
        .save_section(
            &t.drafter,
            &tasking,
            &ottawa,
            &summary,
            "(U) Also two.",
            Some(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::Conflict(_))),
        "{err}"
    );
    assert_eq!(t.audit_count().await, n);
    assert_eq!(
        t.stored_body(&tasking, "OTTAWA", "summary")
            .await
            .as_deref(),
        Some("(U) Two.")
    );
}

async fn whoever_drafted_the_current_version_cannot_clear_it(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0909").issue().await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) By the drafter.")
        .build()
        .await;
    // The approver edits too, then the drafter submits.
    t.save(
        &t.approver,
        &tasking,
        "OTTAWA",
        "summary",
        "(U) Approver's edit.",
    )
    .await
    .unwrap();
    t.act(&t.drafter, &tasking, "OTTAWA", Action::Submit)
        .await
        .unwrap();

    let n = t.audit_count().await;
    let err = t
        .act(&t.approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::OwnDraft { .. })),
        "{err}"
    );
    let view = t
        .app
        .show_report(&t.approver, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert!(
        !view.actions.contains(&ActionKind::Clear),
        "{:?}",
        view.actions
    );
    // Drafters may not clear at all; another post's approver does not see the draft.
    let err = t
        .act(&t.drafter, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::WrongRole { .. })),
        "{err}"
    );
    let err = t
        .act(&t.paris_approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    assert_eq!(t.audit_count().await, n);
    assert_eq!(
        t.report_row(&tasking, "OTTAWA").await.status,
        ReportStatus::InClearance
    );

    // A second approver who wrote nothing clears.
    let r = t
        .act(&t.approver2, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Cleared);
    // Transmission is not a clearance: the approver who edited may transmit.
    let r = t
        .act(&t.approver, &tasking, "OTTAWA", transmit(None))
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Transmitted);

    // Separation of duties is per version: in version 2 only drafter2 writes, so the approver
    // who drafted part of version 1 may clear it.
    t.act(&t.hq, &tasking, "OTTAWA", ret("Update."))
        .await
        .unwrap();
    t.save(&t.drafter2, &tasking, "OTTAWA", "summary", "(U) Updated.")
        .await
        .unwrap();
    t.act(&t.drafter2, &tasking, "OTTAWA", Action::Submit)
        .await
        .unwrap();
    let r = t
        .act(&t.approver, &tasking, "OTTAWA", Action::Clear)
        .await
        .unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Cleared, 2));
}

async fn personal_data_is_rejected_on_save_and_nothing_is_written(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0910").issue().await;
    let r = t
        .report(&tasking, "OTTAWA")
        .section("summary", "(U) Clean text.")
        .build()
        .await;
    let (n, revisions) = (t.audit_count().await, t.rows("section_revisions").await);
    assert_eq!(revisions, 1);
    for (text, kind) in [
        (
            "(U) Write to the claimant at a.claimant@example.org for details.",
            PersonalDataKind::Email,
        ),
        (
            "(U) The family can be reached on +1 613 555 0100.",
            PersonalDataKind::Phone,
        ),
        (
            "(U) His passport AB1234567 was seized at the border.",
            PersonalDataKind::IdentityNumber,
        ),
        (
            "(U) The suspect, born on 12 March 1985, was charged.",
            PersonalDataKind::DateOfBirth,
        ),
    ] {
        // In a second paragraph too: the whole text is checked, not the first block only.
        let body = format!("(U) An innocent first paragraph.\n\n{text}");
        let err = t
            .save(&t.drafter, &tasking, "OTTAWA", "summary", &body)
            .await
            .unwrap_err();
        match &err {
            AppError::PersonalData { location, found } => {
                assert!(location.contains("summary"), "{location}");
                assert!(
                    found.iter().any(|f| f.kind == kind),
                    "{kind:?} in {found:?}"
                );
            }
            other => panic!("{kind:?}: expected E006, got {other}"),
        }
        assert!(err.to_string().starts_with("E006"), "{err}");
        assert_eq!(t.rows("section_revisions").await, revisions, "{kind:?}");
        assert_eq!(t.audit_count().await, n, "{kind:?}");
        assert_eq!(t.report_row(&tasking, "OTTAWA").await, r, "{kind:?}");
        assert_eq!(
            t.stored_body(&tasking, "OTTAWA", "summary")
                .await
                .as_deref(),
            Some("(U) Clean text.")
        );
    }
    // Comments are checked as well.
    let err = t
        .app
        .comment(
            &t.approver,
            &tasking,
            &pc("OTTAWA"),
            None,
            "Call me on +1 613 555 0100.",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::PersonalData { .. }), "{err}");
    assert_eq!(t.rows("comments").await, 0);
}

async fn lint_findings_block_transmission_unless_overridden_with_a_reason(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t
        .tasking("CHN-2026-0911")
        .section("summary", 1)
        .issue()
        .await;
    t.report(&tasking, "OTTAWA")
        .section("summary", "(U) Asylum claims rose by 42% in 2024.")
        .stage(ReportStatus::Cleared)
        .build()
        .await;
    let findings = t
        .app
        .lint(&t.approver, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    let codes: Vec<LintCode> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, [LintCode::E007, LintCode::E001], "{findings:#?}");

    let n = t.audit_count().await;
    for reason in [None, Some(""), Some("   ")] {
        let err = t
            .act(&t.approver, &tasking, "OTTAWA", transmit(reason))
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Refused(Refusal::LintsBlock { count: 2 })),
            "{reason:?}: {err}"
        );
    }
    assert_eq!(t.audit_count().await, n);
    assert_eq!(t.rows("report_versions").await, 0);

    let r = t
        .act(
            &t.approver,
            &tasking,
            "OTTAWA",
            transmit(Some("  HQ asked for the partial report now.  ")),
        )
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Transmitted);
    let v = &t.app.store.versions(r.id).await.unwrap()[0];
    assert_eq!(
        v.lint_override.as_deref(),
        Some("HQ asked for the partial report now.")
    );
    let frozen: Vec<chancery_domain::lint::Finding> =
        serde_json::from_str(&v.findings_json).unwrap();
    assert_eq!(frozen, findings);

    let event = t.app.store.audit_events().await.unwrap().pop().unwrap();
    assert_eq!(event.action, "report.transmit");
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(
        payload["lint_override"],
        "HQ asked for the partial report now."
    );
    assert_eq!(payload["findings"], 2);

    let view = t
        .app
        .show_report(&t.hq, &tasking, &pc("OTTAWA"))
        .await
        .unwrap();
    assert_eq!(
        view.versions[0].lint_override.as_deref(),
        Some("HQ asked for the partial report now.")
    );
}

async fn a_clean_report_transmits_without_recording_an_override(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0912").issue().await;
    let r = t
        .report(&tasking, "OTTAWA")
        .section("summary", "(U) Nothing to report.")
        .stage(ReportStatus::Cleared)
        .build()
        .await;
    let r2 = t
        .act(
            &t.approver,
            &tasking,
            "OTTAWA",
            transmit(Some("just in case")),
        )
        .await
        .unwrap();
    assert_eq!(r2.status, ReportStatus::Transmitted);
    assert_eq!(
        t.app.store.versions(r.id).await.unwrap()[0].lint_override,
        None
    );
}

chancery_testkit::on_every_backend!(
    draft_submit_clear_transmit_accept,
    reports_start_only_on_issued_taskings_for_their_addressees,
    approver_returns_to_draft_from_clearance_and_from_cleared,
    hq_return_opens_a_new_version_and_the_transmitted_one_stays_frozen,
    text_is_editable_only_in_draft_or_returned,
    stale_editor_gets_a_conflict_and_nothing_is_written,
    whoever_drafted_the_current_version_cannot_clear_it,
    personal_data_is_rejected_on_save_and_nothing_is_written,
    lint_findings_block_transmission_unless_overridden_with_a_reason,
    a_clean_report_transmits_without_recording_an_override,
);
