//! The whole flow through the forms, as people click it: draft (preview, save, refused saves),
//! submit, clear, transmit (with an override while lints remain), accept, and reading it with
//! a lower clearance.

use axum::http::StatusCode;
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::user::Role;
use chancery_domain::workflow::Action;

use crate::common::{Backend, Client, Doc, TASKING, TestApp, report_path};

const SECTION: &str = "public_safety";
const OPEN_TEXT: &str = "(U) Police recorded 1,204 violent incidents at reception centres in 2024 [@S9], a rate of 3.1 per 1,000 residents [@S10].";
const SECRET_WORD: &str = "ZEPHYRINE";
const SECRET_TEXT: &str =
    "(C) A senior interior official privately described the ZEPHYRINE review as stalled.";

fn lint_codes(doc: &Doc) -> Vec<String> {
    doc.texts("#lint li code")
}

fn status_of(doc: &Doc) -> String {
    doc.text("h1 .status")
}

/// Posts the form at `action` on `doc`, with `changes` applied to its fields.
async fn submit_form(
    c: &mut Client,
    doc: &Doc,
    action: &str,
    changes: &[(&str, &str)],
) -> crate::common::Resp {
    let mut fields = doc.form(action);
    for (k, v) in changes {
        fields.insert((*k).into(), (*v).into());
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post(action, &pairs).await
}

async fn draft_clear_transmit_accept_and_read_through_the_forms(backend: Backend) {
    let app = TestApp::new(backend).await;
    let london = report_path("LONDON");
    let section_action = format!("{london}/sections/{SECTION}");

    // --- The drafter opens the draft: lints from the demo, an empty section to write.
    let mut drafter = app.login("london.drafter").await;
    let page = drafter.get(&london).await;
    page.assert_status(StatusCode::OK);
    let doc = page.doc();
    assert_eq!(status_of(&doc), "draft");
    let lints_before = lint_codes(&doc);
    assert!(!lints_before.is_empty());
    let form = doc.form(&section_action);
    assert_eq!(form.get("revision").map(String::as_str), Some("0"));
    assert_eq!(form.get("body").map(String::as_str), Some(""));
    let body = format!("{OPEN_TEXT}\n\n{SECRET_TEXT}");

    // Preview: rendered, kept in the editor, not saved.
    let before = app.snapshot().await;
    let r = submit_form(
        &mut drafter,
        &doc,
        &section_action,
        &[("body", &body), ("intent", "preview")],
    )
    .await;
    r.assert_status(StatusCode::OK);
    let preview = r.doc();
    let shown = preview.text(&format!("#{SECTION} .preview"));
    assert!(shown.contains("1,204 violent incidents"), "{shown}");
    assert_eq!(preview.form(&section_action)["body"], body);
    assert!(preview.has(&format!("#{SECTION} details[open]")));
    assert_eq!(app.snapshot().await, before, "a preview must not write");

    // Save: a new revision, the lint panel changes.
    let r = submit_form(
        &mut drafter,
        &doc,
        &section_action,
        &[("body", &body), ("intent", "save")],
    )
    .await;
    r.assert_status(StatusCode::OK);
    let saved = r.doc();
    let notice = saved.text("[role=status]");
    assert!(
        notice.contains(&format!("Saved {SECTION} as revision 1")),
        "{notice}"
    );
    let lints_after = lint_codes(&saved);
    assert!(
        lints_after.len() < lints_before.len(),
        "writing a required section with its citations should clear a finding: {lints_before:?} → {lints_after:?}"
    );
    let stored = app.section("LONDON", SECTION).await.unwrap();
    assert_eq!(stored.revision, 1);
    assert!(stored.body.contains("[@S9]") && stored.body.contains(SECRET_WORD));
    assert_eq!(app.audit_count().await, before.audit_events + 1);
    // The paragraphs show with their markings, and the editor moved on to revision 1.
    let marks = saved.texts(&format!("#{SECTION} .portion .mark"));
    assert_eq!(marks, ["(U)", "(C)"]);
    assert_eq!(saved.form(&section_action)["revision"], "1");

    // Personal data (E006): refused with 400, the text kept, nothing saved.
    let before = app.snapshot().await;
    let personal = "(U) The victim can be reached at jane.doe@example.org for interviews.";
    let r = submit_form(
        &mut drafter,
        &saved,
        &section_action,
        &[("body", personal), ("intent", "save")],
    )
    .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let refused = r.doc();
    let problem = refused.text("main [role=alert]");
    assert!(
        problem.contains("E006") || problem.to_lowercase().contains("personal data"),
        "{problem}"
    );
    assert_eq!(refused.form(&section_action)["body"], personal);
    assert!(refused.has(&format!("#{SECTION} details[open]")));
    assert_eq!(app.snapshot().await, before);

    // A stale revision (someone saved since the editor was opened): 409, text kept.
    let stale = "(U) An edit made on an old copy of the section [@S9] [@S10].";
    let r = submit_form(
        &mut drafter,
        &doc,
        &section_action,
        &[("body", stale), ("intent", "save")],
    )
    .await;
    r.assert_status(StatusCode::CONFLICT);
    let conflict = r.doc();
    assert!(
        conflict
            .text("main [role=alert]")
            .contains("changed by someone else")
    );
    assert_eq!(conflict.form(&section_action)["body"], stale);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.section("LONDON", SECTION).await.unwrap().revision, 1);

    // The drafter may submit, not clear.
    let actions = saved.form_actions();
    assert!(actions.contains(&format!("{london}/actions/submit")));
    assert!(!actions.contains(&format!("{london}/actions/clear")));
    let csrf = saved.csrf();
    let r = drafter
        .post(&format!("{london}/actions/clear"), &[("csrf", &csrf)])
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.doc().text("main [role=alert]").contains("may not clear"));
    assert_eq!(app.snapshot().await, before);
    let page = drafter.get(&london).await.doc();
    let r = submit_form(
        &mut drafter,
        &page,
        &format!("{london}/actions/submit"),
        &[],
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(status_of(&r.doc()), "in_clearance");

    // --- The approver (who drafted nothing) clears, then transmits.
    let mut approver = app.login("london.approver").await;
    let page = approver.get(&london).await.doc();
    assert!(
        !page.has(&format!("form[action='{section_action}']")),
        "no editor once submitted"
    );
    let r = submit_form(
        &mut approver,
        &page,
        &format!("{london}/actions/clear"),
        &[],
    )
    .await;
    r.assert_status(StatusCode::OK);
    let cleared = r.doc();
    assert_eq!(status_of(&cleared), "cleared");
    let remaining = lint_codes(&cleared);
    assert!(
        !remaining.is_empty(),
        "the demo draft still has missing sections"
    );
    let transmit = format!("{london}/actions/transmit");
    assert!(cleared.form(&transmit).contains_key("override_reason"));

    let before = app.snapshot().await;
    let r = submit_form(
        &mut approver,
        &cleared,
        &transmit,
        &[("override_reason", "  ")],
    )
    .await;
    r.assert_status(StatusCode::CONFLICT);
    let blocked = r.doc();
    let problem = blocked.text("main [role=alert]");
    assert!(problem.contains("block transmission"), "{problem}");
    // The page names the lints that block it.
    assert_eq!(lint_codes(&blocked), remaining);
    assert_eq!(app.snapshot().await, before);

    let reason = "HQ agreed on 3 March to receive the partial report now";
    let r = submit_form(
        &mut approver,
        &cleared,
        &transmit,
        &[("override_reason", reason)],
    )
    .await;
    r.assert_status(StatusCode::OK);
    let sent = r.doc();
    assert_eq!(status_of(&sent), "transmitted");
    let versions = sent.text("main section li");
    assert!(
        versions.contains(&format!("lint override: {reason}")),
        "{versions}"
    );

    // --- Another post's drafter: the report does not exist for them, exactly like a missing one.
    let mut ottawa = app.login("ottawa.drafter").await;
    let hidden = ottawa.get(&london).await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    for missing in [
        report_path("NOWHERE"),
        "/taskings/CHN-2099-0001/reports/LONDON".to_string(),
        format!("/taskings/{TASKING}/reports/not-a-post"),
    ] {
        let r = ottawa.get(&missing).await;
        r.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(r.body, hidden.body, "{missing}");
    }
    assert!(!hidden.body.contains(SECRET_WORD) && !hidden.body.contains("1,204"));

    // --- HQ accepts.
    let mut hq = app.login("hq.editor").await;
    let page = hq.get(&london).await.doc();
    assert_eq!(
        page.texts(".actions button"),
        ["accept", "return"],
        "HQ may accept or return a transmitted report"
    );
    let r = submit_form(&mut hq, &page, &format!("{london}/actions/accept"), &[]).await;
    r.assert_status(StatusCode::OK);
    let accepted = r.doc();
    assert_eq!(status_of(&accepted), "accepted");
    // HQ (cleared S) reads everything; the banner is the highest marking shown.
    assert!(accepted.text(&format!("#{SECTION}")).contains(SECRET_WORD));
    assert_eq!(accepted.texts(".banner"), ["CONFIDENTIAL", "CONFIDENTIAL"]);

    // --- The reader, cleared SBU: the (C) paragraph is withheld, never sent.
    let mut reader = app.login("reader").await;
    let r = reader.get(&london).await;
    r.assert_status(StatusCode::OK);
    let doc = r.doc();
    assert!(
        !r.body.contains(SECRET_WORD),
        "withheld text reached the reader"
    );
    let portions = doc.texts(&format!("#{SECTION} .portion"));
    assert_eq!(portions.len(), 2);
    assert!(portions[0].contains("1,204 violent incidents"));
    assert_eq!(portions[1], "(C) [paragraph withheld: C]");
    assert!(doc.has(&format!("#{SECTION} .portion.withheld")));
    // Banner top and bottom: the highest level the reader actually sees.
    assert_eq!(
        doc.texts(".banner"),
        ["SENSITIVE BUT UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED"]
    );
    // Lint findings quote text: not shown to someone who cannot see all of it.
    assert!(doc.texts("#lint li").is_empty());

    // Once accepted, other posts may read it too.
    let r = ottawa.get(&london).await;
    r.assert_status(StatusCode::OK);
}

async fn another_posts_report_is_a_404_identical_to_a_missing_one_for_every_route(
    backend: Backend,
) {
    let app = TestApp::new(backend).await;
    let mut ottawa = app.login("ottawa.drafter").await;
    let csrf = ottawa.csrf("/").await;
    let before = app.snapshot().await;
    // WELLINGTON (in clearance) and LONDON (draft) are not OTTAWA's to see.
    for hidden_post in ["WELLINGTON", "LONDON"] {
        for (what, missing) in [
            ("missing post", "NOWHERE".to_string()),
            ("bad post code", "not-a-post".to_string()),
        ] {
            let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
                (String::new(), vec![]),
                ("/new".into(), vec![("csrf", &csrf)]),
                (
                    "/sections/summary".into(),
                    vec![
                        ("csrf", &csrf),
                        ("revision", "1"),
                        ("body", "(U) x"),
                        ("intent", "save"),
                    ],
                ),
                (
                    "/sections/summary".into(),
                    vec![
                        ("csrf", &csrf),
                        ("revision", "1"),
                        ("body", "(U) x"),
                        ("intent", "preview"),
                    ],
                ),
                (
                    "/actions/submit".into(),
                    vec![("csrf", &csrf), ("lock", "1")],
                ),
                (
                    "/actions/clear".into(),
                    vec![("csrf", &csrf), ("lock", "999")],
                ),
                (
                    "/actions/return".into(),
                    vec![("csrf", &csrf), ("reason", "r")],
                ),
                ("/comments".into(), vec![("csrf", &csrf), ("body", "hello")]),
            ];
            for (suffix, form) in routes {
                let (a, b) = if suffix.is_empty() {
                    (
                        ottawa.get(&report_path(hidden_post)).await,
                        ottawa.get(&report_path(&missing)).await,
                    )
                } else {
                    (
                        ottawa
                            .post(&format!("{}{suffix}", report_path(hidden_post)), &form)
                            .await,
                        ottawa
                            .post(&format!("{}{suffix}", report_path(&missing)), &form)
                            .await,
                    )
                };
                if suffix == "/new" {
                    // Starting someone else's report is refused by rule (existing or not) and says
                    // nothing about its progress.
                    assert_eq!(
                        a.status,
                        StatusCode::CONFLICT,
                        "{hidden_post}{suffix}: {}",
                        a.body
                    );
                    assert!(!a.body.contains("in_clearance") && !a.body.contains("draft"));
                    continue;
                }
                assert_eq!(
                    a.status,
                    StatusCode::NOT_FOUND,
                    "{hidden_post}{suffix}: {}",
                    a.body
                );
                assert_eq!(
                    b.status,
                    StatusCode::NOT_FOUND,
                    "{what}{suffix}: {}",
                    b.body
                );
                assert_eq!(a.body, b.body, "{hidden_post}{suffix} vs {what}");
            }
        }
    }
    assert_eq!(app.snapshot().await, before);
}

async fn tasking_page_lint_counts_say_nothing_about_withheld_paragraphs(backend: Backend) {
    let mut app = TestApp::new(backend).await;
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
    // The only uncited figure (E001) is in a (C) paragraph.
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

    let lint_cell = |doc: &Doc| {
        doc.all("table.grid tbody tr")
            .into_iter()
            .map(|row| {
                row.select(&scraper::Selector::parse("td").unwrap())
                    .map(crate::common::text_of)
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells[0] == "CANBERRA")
            .map(|cells| cells[5].clone())
            .unwrap()
    };
    let mut hq = app.login("hq.editor").await;
    let hq_lint = lint_cell(&hq.get(&format!("/taskings/{TASKING}")).await.doc());
    assert!(
        hq_lint.contains("E001"),
        "HQ (cleared S) sees the finding: {hq_lint}"
    );

    // The reader (SBU) reads the report with the (C) paragraph withheld and no findings...
    let mut reader = app.login("reader").await;
    let report = reader.get(&report_path("CANBERRA")).await;
    report.assert_status(StatusCode::OK);
    assert!(!report.body.contains(SECRET_WORD) && !report.body.contains("4,000"));
    assert!(report.doc().texts("#lint li").is_empty());
    // ...and the tasking page must not tell them either that it holds an uncited figure.
    let reader_lint = lint_cell(&reader.get(&format!("/taskings/{TASKING}")).await.doc());
    assert!(
        !reader_lint.contains("E001"),
        "the reader learns about a withheld paragraph from the completeness table: {reader_lint}"
    );
}

chancery_testkit::on_every_backend!(
    draft_clear_transmit_accept_and_read_through_the_forms,
    another_posts_report_is_a_404_identical_to_a_missing_one_for_every_route,
    tasking_page_lint_counts_say_nothing_about_withheld_paragraphs,
);
