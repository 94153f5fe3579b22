//! The page caches (parsed sections, lint findings, rendered paragraphs) must never change what
//! anyone sees: a paragraph cached for a cleared viewer is still withheld from a lower
//! clearance, and a new revision, a new source or a regraded source shows at once, on this
//! server and on a second one over the same database (whose caches were warm too).

use axum::http::StatusCode;
use chancery_domain::Classification;
use chancery_domain::evidence::{Grade, SourceKind, SourceSpec};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::user::Role;
use chancery_domain::workflow::Action;
use chancery_testkit::Backend;
use chancery_web::WebConfig;

use crate::common::{Client, Doc, TASKING, TestApp, report_path};

const SECRET_WORD: &str = "ZEPHYRINE";

fn lint_codes(doc: &Doc) -> Vec<String> {
    doc.texts("#lint li code")
}

/// The lint cell of `post` in the completeness table of the tasking page.
fn lint_cell(doc: &Doc, post: &str) -> String {
    doc.all("table.grid tbody tr")
        .into_iter()
        .map(|row| {
            row.select(&scraper::Selector::parse("td").unwrap())
                .map(crate::common::text_of)
                .collect::<Vec<_>>()
        })
        .find(|cells| cells[0] == post)
        .map(|cells| cells[5].clone())
        .unwrap()
}

#[tokio::test]
async fn paragraphs_and_findings_cached_for_a_cleared_viewer_stay_withheld_from_a_lower_one() {
    let mut app = TestApp::new(Backend::Sqlite).await;
    let password = "canberra-password-1";
    let hash = chancery_app::hash_password(password).unwrap();
    for (name, role) in [
        ("canberra.drafter", Role::PostDrafter),
        ("canberra.approver", Role::PostApprover),
    ] {
        app.add_user(
            name,
            role,
            Classification::Confidential,
            Some("CANBERRA"),
            password,
            &hash,
        )
        .await;
    }
    // A transmitted report whose only uncited figure (E001) is in a (C) paragraph.
    let t = TaskingRef::parse(TASKING).unwrap();
    let p = PostCode::parse("CANBERRA").unwrap();
    let drafter = app.actor("canberra.drafter").await;
    let approver = app.actor("canberra.approver").await;
    let a = &app.state.app;
    a.new_report(&drafter, &t, &p).await.unwrap();
    let body = "(U) Arrivals are reported by the department [@S9] [@S10].\n\n(C) A ZEPHYRINE estimate puts 4,000 people in unlawful detention.";
    a.save_section(
        &drafter,
        &t,
        &p,
        &SectionKey::parse("summary").unwrap(),
        body,
        None,
    )
    .await
    .unwrap();
    a.act(&drafter, &t, &p, &Action::Submit).await.unwrap();
    a.act(&approver, &t, &p, &Action::Clear).await.unwrap();
    let transmit = Action::Transmit {
        override_reason: Some("partial report".into()),
    };
    a.act(&approver, &t, &p, &transmit).await.unwrap();
    let canberra = report_path("CANBERRA");
    let tasking = format!("/taskings/{TASKING}");

    // HQ (cleared S) fills every cache: the (C) paragraph parsed and rendered, the E001 finding
    // linted, the completeness table counted.
    let mut hq = app.login("hq.editor").await;
    for _ in 0..2 {
        let page = hq.get(&canberra).await;
        page.assert_status(StatusCode::OK);
        assert!(page.body.contains(SECRET_WORD));
        assert!(lint_codes(&page.doc()).contains(&"E001".to_string()));
        assert!(lint_cell(&hq.get(&tasking).await.doc(), "CANBERRA").contains("E001"));
    }

    // The reader (SBU), served from those caches, gets the marker and nothing about the text.
    let mut reader = app.login("reader").await;
    for _ in 0..2 {
        let page = reader.get(&canberra).await;
        page.assert_status(StatusCode::OK);
        assert!(
            !page.body.contains(SECRET_WORD) && !page.body.contains("4,000"),
            "a cached (C) paragraph reached the reader"
        );
        let doc = page.doc();
        let portions = doc.texts("#summary .portion");
        assert_eq!(portions.len(), 2, "{portions:?}");
        assert!(portions[0].starts_with("(U) Arrivals"), "{portions:?}");
        assert_eq!(portions[1], "(C) [paragraph withheld: C]");
        assert!(doc.texts("#lint li").is_empty());
        let cell = lint_cell(&reader.get(&tasking).await.doc(), "CANBERRA");
        assert!(!cell.contains("E001"), "cached finding leaked: {cell}");
        // The dashboard and the API go through the same caches.
        let dash = reader.get("/").await;
        assert!(!dash.body.contains(SECRET_WORD));
    }

    // And the cleared viewer still gets everything after the reader's views.
    let page = hq.get(&canberra).await;
    assert!(page.body.contains(SECRET_WORD));
    assert!(lint_codes(&page.doc()).contains(&"E001".to_string()));
}

/// The LONDON draft is edited through server A while server B (over the same database) has
/// its caches warm; B must show each change on the next request.
async fn check_changes_show_at_once(a: &TestApp, b: &TestApp) {
    let london = report_path("LONDON");
    let section = "public_safety";
    let action = format!("{london}/sections/{section}");
    let mut on_a = a.login("london.drafter").await;
    let mut on_b: Client = on_a.on(&b.router);
    // Warm both servers' caches.
    let before_a = on_a.get(&london).await.doc();
    let before_b = on_b.get(&london).await.doc();
    assert_eq!(lint_codes(&before_a), lint_codes(&before_b));
    let tasking_before = lint_cell(
        &on_b.get(&format!("/taskings/{TASKING}")).await.doc(),
        "LONDON",
    );

    // Cite two sources that do not exist yet: E002 twice.
    let store = a.store();
    let next = store
        .sources()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .max()
        .unwrap()
        + 1;
    let body = format!(
        "(U) Judgment (high confidence): reception capacity in {SECRET_WORD} centres was exceeded [@S{next}] [@S{}].",
        next + 1
    );
    let form = before_a.form(&action);
    let r = on_a
        .post(
            &action,
            &[
                ("csrf", &form["csrf"]),
                ("revision", &form["revision"]),
                ("body", &body),
                ("intent", "save"),
            ],
        )
        .await;
    r.assert_status(StatusCode::OK);

    let doc = on_b.get(&london).await.doc();
    assert!(
        doc.text(&format!("#{section} .portion"))
            .contains(SECRET_WORD),
        "server B still shows the old revision"
    );
    let revision: i64 = form["revision"].parse().unwrap();
    assert_eq!(doc.form(&action)["revision"], (revision + 1).to_string());
    let codes = lint_codes(&doc);
    assert_eq!(
        codes.iter().filter(|c| *c == "E002").count(),
        2,
        "server B's findings are stale: {codes:?}"
    );
    let tasking_after = lint_cell(
        &on_b.get(&format!("/taskings/{TASKING}")).await.doc(),
        "LONDON",
    );
    assert_ne!(tasking_before, tasking_after);
    assert!(tasking_after.contains("E002"), "{tasking_after}");

    // The sources are recorded through A (ungraded: F6): no longer unresolved, but a
    // high-confidence judgment on weak sources (E004).
    let drafter = a.actor("london.drafter").await;
    let spec = |title: &str| SourceSpec {
        kind: SourceKind::parse("ngo_report").unwrap(),
        publisher: "Reception Monitor".into(),
        title: title.into(),
        url: None,
        published: None,
        language: "en".into(),
        marking: Classification::Unclassified,
        derived_from: None,
    };
    let first = a
        .state
        .app
        .add_source(&drafter, &spec("Capacity survey"), None)
        .await
        .unwrap();
    let second = a
        .state
        .app
        .add_source(&drafter, &spec("Occupancy audit"), None)
        .await
        .unwrap();
    assert_eq!((first, second), (next, next + 1));
    let codes = lint_codes(&on_b.get(&london).await.doc());
    assert!(!codes.contains(&"E002".to_string()), "{codes:?}");
    assert!(codes.contains(&"E004".to_string()), "{codes:?}");

    // Graded B2 through A: two independent, adequately graded sources: E004 clears on B.
    for id in [first, second] {
        a.state
            .app
            .grade_source(&drafter, id, Grade::parse("B2").unwrap(), "audited figures")
            .await
            .unwrap();
    }
    let codes = lint_codes(&on_b.get(&london).await.doc());
    assert!(!codes.contains(&"E004".to_string()), "{codes:?}");
    // Server A agrees.
    assert_eq!(codes, lint_codes(&on_a.get(&london).await.doc()));
}

async fn changes_show_at_once_on_a_second_server(backend: Backend) {
    let a = TestApp::new(backend).await;
    let b = a.second_server(WebConfig::default()).await;
    check_changes_show_at_once(&a, &b).await;
}

chancery_testkit::on_every_backend!(changes_show_at_once_on_a_second_server);

#[tokio::test]
async fn an_editor_never_gets_the_raw_text_of_a_section_holding_a_withheld_paragraph() {
    let mut app = TestApp::new(Backend::Sqlite).await;
    let password = "canberra-password-1";
    let hash = chancery_app::hash_password(password).unwrap();
    app.add_user(
        "canberra.senior",
        Role::PostDrafter,
        Classification::Confidential,
        Some("CANBERRA"),
        password,
        &hash,
    )
    .await;
    app.add_user(
        "canberra.junior",
        Role::PostDrafter,
        Classification::SensitiveButUnclassified,
        Some("CANBERRA"),
        password,
        &hash,
    )
    .await;
    let t = TaskingRef::parse(TASKING).unwrap();
    let p = PostCode::parse("CANBERRA").unwrap();
    let senior = app.actor("canberra.senior").await;
    let a = &app.state.app;
    a.new_report(&senior, &t, &p).await.unwrap();
    let body = format!("(U) Arrivals are reported [@S9].\n\n(C) The {SECRET_WORD} review stalled.");
    a.save_section(
        &senior,
        &t,
        &p,
        &SectionKey::parse("summary").unwrap(),
        &body,
        None,
    )
    .await
    .unwrap();
    // The senior drafter sees and edits the whole section.
    let mut c = app.login("canberra.senior").await;
    let page = c.get(&report_path("CANBERRA")).await;
    assert!(page.body.contains(SECRET_WORD));
    // The junior drafter (SBU) may edit the report, but gets neither the (C) paragraph nor the
    // section's raw Markdown in the editor.
    let mut c = app.login("canberra.junior").await;
    let page = c.get(&report_path("CANBERRA")).await;
    page.assert_status(StatusCode::OK);
    assert!(
        !page.body.contains(SECRET_WORD),
        "the editor's textarea carried a withheld paragraph"
    );
    let doc = page.doc();
    assert!(doc.has("#summary .portion.withheld"));
}
