//! The pages of issue 3 item 2 beyond the report flow: the evidence locker (filter, upload,
//! grade, derived_from, source page, citation picker), the live preview, incidents,
//! engagements and policy measures, admin, API tokens and the revision history. Each with its
//! bad input: a 400 naming the field (413 above the upload limit, 403 without the CSRF token),
//! and nothing written.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chancery_domain::Classification;
use chancery_domain::audit::sha256_hex;
use chancery_domain::user::Role;
use chancery_testkit::Backend;
use chancery_web::WebConfig;

use crate::common::{Client, Resp, TestApp, report_path};

/// A `multipart/form-data` body: text fields, and optionally one file field.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "chancery-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The fields of a valid new source.
pub fn source_fields(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("kind", "official_statistics"),
        ("publisher", "Statistics Canada"),
        ("title", "Asylum claimants processed, monthly"),
        (
            "url",
            "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=1710000901",
        ),
        ("published", "2025-09"),
        ("language", "en"),
        ("marking", "U"),
    ]
}

/// POSTs a multipart form.
pub async fn post_multipart(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> Resp {
    let (ct, body) = multipart(fields, file);
    c.post_raw(path, &ct, body).await
}

/// A 400 naming `field`: the form shown again, the message above it and beside the field.
#[track_caller]
fn assert_field(r: &Resp, field: &str) {
    r.assert_status(StatusCode::BAD_REQUEST);
    let doc = r.doc();
    if !doc.has("#form-error") {
        // A form not shown again (a query, an action button): the error page names the field.
        let detail = doc.text(".error-detail");
        assert!(detail.contains(&format!("\"{field}\"")), "{detail}");
        return;
    }
    let summary = doc.text("#form-error");
    let beside = doc.text(&format!("#error-{field}"));
    assert_eq!(summary, beside);
    assert!(
        summary.contains(&format!("\"{field}\"")) || summary.contains(&format!("`{field}`")),
        "{summary}"
    );
}

/// A 400 naming `field` whose form (posting to `action`) shows again what was `sent`.
#[track_caller]
fn assert_field_kept(r: &Resp, field: &str, action: &str, sent: &[(&str, &str)]) {
    assert!(
        r.doc().has("#form-error"),
        "the form is not shown again: {}",
        r.body
    );
    assert_field(r, field);
    let shown = r.doc().form(action);
    for (name, value) in sent {
        if let Some(v) = shown.get(*name).filter(|_| *name != "csrf") {
            assert_eq!(v.trim(), value.trim(), "field {name} not kept");
        }
    }
}

fn with_field<'a>(
    fields: &[(&'a str, &'a str)],
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| *k != name).copied().collect();
    out.push((name, value));
    out
}

fn without<'a>(fields: &[(&'a str, &'a str)], name: &str) -> Vec<(&'a str, &'a str)> {
    fields.iter().filter(|(k, _)| *k != name).copied().collect()
}

#[tokio::test]
async fn the_evidence_locker_filters_records_uploads_grades_and_links_echoes() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut c = app.login("ottawa.drafter").await;
    let csrf = c.csrf("/sources").await;

    // Filters: by kind, by reliability letter or full grade, by publisher and text.
    let all = c.get("/sources").await.doc().all("#sources tbody tr").len();
    let stats = c.get("/sources?kind=official_statistics").await;
    let kinds = stats.doc().texts("#sources tbody tr td:nth-child(3)");
    assert!(
        !kinds.is_empty() && kinds.len() < all,
        "{} of {all}",
        kinds.len()
    );
    assert!(
        kinds.iter().all(|k| k == "official_statistics"),
        "{kinds:?}"
    );
    let publisher = app.store().sources().await.unwrap()[0]
        .spec
        .publisher
        .clone();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("publisher", &publisher.to_uppercase())
        .finish();
    let by_publisher = c.get(&format!("/sources?{query}")).await;
    let shown = by_publisher
        .doc()
        .texts("#sources tbody tr td:nth-child(4)");
    let wanted = publisher.to_lowercase();
    assert!(
        !shown.is_empty() && shown.iter().all(|p| p.to_lowercase().contains(&wanted)),
        "{shown:?}"
    );
    let nothing = c.get("/sources?q=no-such-words-anywhere").await;
    assert!(nothing.doc().all("#sources tbody tr").is_empty());
    for (query, field) in [
        ("kind=rumour", "kind"),
        ("grade=G7", "grade"),
        ("grade=Q", "grade"),
    ] {
        assert_field(&c.get(&format!("/sources?{query}")).await, field);
    }

    // Add with a capture file: the source page shows its SHA-256.
    let capture = b"geo,period,value\nCAN,2024,173000\n";
    let fields = source_fields(&csrf);
    let r = post_multipart(
        &mut c,
        "/sources",
        &fields,
        Some(("capture", "claims.csv", &capture[..])),
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let to = r.location().unwrap().to_string();
    let id: i64 = to
        .trim_start_matches("/sources/S")
        .trim_end_matches("?added=1")
        .parse()
        .unwrap();
    let page = c.get(&to).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.doc().text("#sha256"), sha256_hex(capture));
    assert!(page.doc().text("#added").contains(&sha256_hex(capture)));
    let stored = app.store().source(id).await.unwrap().unwrap();
    assert_eq!(stored.created_by, "ottawa.drafter");
    assert_eq!(stored.capture_name.as_deref(), Some("claims.csv"));
    assert_eq!(
        app.store()
            .blob(&sha256_hex(capture))
            .await
            .unwrap()
            .unwrap(),
        capture
    );

    // Bad input: each a 400 naming the field, nothing recorded.
    let count = app.store().sources().await.unwrap().len();
    let before = app.audit_count().await;
    for (name, value) in [
        ("kind", "rumour"),
        ("published", "2025-13"),
        ("marking", "TOPSECRET"),
        ("url", "ftp://example.org/file"),
        ("derived_from", "banana"),
        ("derived_from", "S99999"),
        ("title", " "),
    ] {
        let sent = with_field(&fields, name, value);
        let r = post_multipart(&mut c, "/sources", &sent, None).await;
        assert!(r.doc().has("#add-source[open] #form-error"), "{}", r.body);
        assert_field(&r, name);
        for (k, v) in &sent {
            if ["publisher", "title", "url", "published", "derived_from"].contains(k) {
                let shown = r
                    .doc()
                    .attr(&format!("#add-source input[name={k}]"), "value");
                assert_eq!(
                    shown.as_deref().map(str::trim),
                    Some(v.trim()),
                    "{k} not kept"
                );
            }
        }
    }
    let r = post_multipart(&mut c, "/sources", &without(&fields, "publisher"), None).await;
    assert_field(&r, "publisher");
    let r = c
        .post("/sources", &[("csrf", csrf.as_str()), ("title", "x")])
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let r = post_multipart(&mut c, "/sources", &without(&fields, "csrf"), None).await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.store().sources().await.unwrap().len(), count);
    assert_eq!(app.audit_count().await, before);

    // Grade: the grader is the current user.
    let grade_path = format!("/sources/S{id}/grade");
    let grade = [
        ("csrf", csrf.as_str()),
        ("reliability", "B"),
        ("credibility", "2"),
        ("rationale", "The statistics office's own table."),
    ];
    for (name, value) in [
        ("reliability", "G"),
        ("credibility", "7"),
        ("rationale", "  "),
    ] {
        let sent = with_field(&grade, name, value);
        assert_field_kept(&c.post(&grade_path, &sent).await, name, &grade_path, &sent);
    }
    c.post(&grade_path, &without(&grade, "csrf"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    c.post(&grade_path, &grade)
        .await
        .assert_redirect(&format!("/sources/S{id}"));
    let graded = app.store().source(id).await.unwrap().unwrap();
    assert_eq!(graded.grade.to_string(), "B2");
    assert_eq!(graded.graded_by.as_deref(), Some("ottawa.drafter"));
    assert!(c.get(&format!("/sources/S{id}")).await.body.contains("B2"));
    c.post("/sources/S999999/grade", &grade)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // derived_from: an older source; the page of each links the other.
    let derived = format!("/sources/S{id}/derived-from");
    let itself = format!("S{id}");
    let newer = format!("S{}", id + 1);
    for value in ["S99999", "nothing", itself.as_str(), newer.as_str()] {
        let sent = [("csrf", csrf.as_str()), ("derived_from", value)];
        let r = c.post(&derived, &sent).await;
        assert_field_kept(&r, "derived_from", &derived, &sent);
    }
    c.post(&derived, &[("csrf", &csrf), ("derived_from", "S1")])
        .await
        .assert_redirect(&format!("/sources/S{id}"));
    assert_eq!(
        app.store()
            .source(id)
            .await
            .unwrap()
            .unwrap()
            .spec
            .derived_from,
        Some(1)
    );
    let parent = c.get("/sources/S1").await;
    assert!(parent.doc().has(&format!("a[href='/sources/S{id}']")));
    c.post(&derived, &[("csrf", &csrf), ("derived_from", "")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        app.store()
            .source(id)
            .await
            .unwrap()
            .unwrap()
            .spec
            .derived_from,
        None
    );

    // Readers see the locker without the forms; a source id that does not exist is a 404.
    let mut reader = app.login("reader").await;
    let page = reader.get(&format!("/sources/S{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.doc().form_actions().iter().all(|a| a == "/logout"),
        "{:?}",
        page.doc().form_actions()
    );
    assert!(
        !reader
            .get("/sources")
            .await
            .doc()
            .has("form[action='/sources'][method=post]")
    );
    for path in ["/sources/S999999", "/sources/banana", "/sources/S0"] {
        assert_eq!(
            reader.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_upload_above_the_limit_is_a_413_and_records_nothing() {
    let config = WebConfig {
        max_body_bytes: 4096,
        ..WebConfig::default()
    };
    let app = TestApp::with_config(Backend::Sqlite, config).await;
    let mut c = app.login("ottawa.drafter").await;
    let csrf = c.csrf("/sources").await;
    assert!(c.get("/sources").await.body.contains("at most 4096 bytes"));
    let before = app.store().sources().await.unwrap().len();
    let big = vec![b'x'; 8192];
    let r = post_multipart(
        &mut c,
        "/sources",
        &source_fields(&csrf),
        Some(("capture", "big.csv", &big[..])),
    )
    .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let detail = r.doc().text(".error-detail");
    assert!(detail.contains("4096 bytes"), "{detail}");
    assert_eq!(app.store().sources().await.unwrap().len(), before);
    // Just under the limit is fine.
    let small = vec![b'y'; 2048];
    post_multipart(
        &mut c,
        "/sources",
        &source_fields(&csrf),
        Some(("capture", "ok.csv", &small[..])),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn citations_read_as_endnote_references_and_the_preview_renders_them() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut ottawa = app.login("ottawa.drafter").await;
    let mut c = app.login("london.drafter").await;
    let csrf = c.csrf("/").await;
    let s1 = app.store().source(1).await.unwrap().unwrap();

    let page = ottawa.get(&report_path("OTTAWA")).await;
    page.assert_status(StatusCode::OK);
    let doc = page.doc();
    let links = doc.all(".portion a[href^='/sources/S']");
    assert!(!links.is_empty());
    for a in links {
        let text = crate::common::text_of(a);
        assert!(text.starts_with("[S") && text.ends_with(']'), "{text}");
        let href = a.value().attr("href").unwrap();
        let id: i64 = href.trim_start_matches("/sources/S").parse().unwrap();
        let title = app.store().source(id).await.unwrap().unwrap().spec.title;
        assert_eq!(a.value().attr("title"), Some(title.as_str()));
    }
    // The editor carries the picker's no-JS link and the script is served from this origin.
    let editor = c.get(&report_path("LONDON")).await;
    assert!(
        editor
            .doc()
            .has("form a.picker-link[href='/sources/picker']")
    );
    assert!(editor.doc().has("script[src='/static/editor.js']"));
    let js = c.get("/static/editor.js").await;
    js.assert_status(StatusCode::OK);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("/preview"));

    let picker = c.get("/sources/picker").await;
    picker.assert_status(StatusCode::OK);
    assert!(picker.doc().has("#picker tr[data-code='[@S1]']"));

    let r = c
        .post(
            "/preview",
            &[
                ("csrf", &csrf),
                (
                    "body",
                    "(U) Claims rose [@S1, p. 4]. <script>alert(1)</script>",
                ),
            ],
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert!(r.body.contains(">[S1, p. 4]</a>"), "{}", r.body);
    assert_eq!(r.doc().attr("a", "title"), Some(s1.spec.title.clone()));
    assert!(!r.body.contains("<script"), "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    c.post("/preview", &[("body", "x")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_field(&c.post("/preview", &[("csrf", &csrf)]).await, "body");
}

#[tokio::test]
async fn incidents_engagements_and_policies_are_listed_created_and_edited() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut c = app.login("ottawa.drafter").await;
    let csrf = c.csrf("/incidents").await;
    let mut other = app.login("wellington.drafter").await;
    let other_csrf = other.csrf("/incidents").await;
    let mut reader = app.login("reader").await;
    let reader_csrf = reader.csrf("/policies").await;
    let before = app.audit_count().await;

    // Incident.
    let incident = [
        ("csrf", csrf.as_str()),
        ("post", "OTTAWA"),
        ("occurred", "2025-06"),
        ("country", "CAN"),
        ("region", "Ontario"),
        ("category", "hate_crime_against_migrants"),
        ("victims", "3"),
        ("suspects", "1"),
        ("legal_status", "charged"),
        ("verification", "corroborated"),
        (
            "summary",
            "Arson attack on a hotel housing asylum claimants.",
        ),
        ("marking", "U"),
        ("sources", "S1, S2"),
    ];
    for (name, value) in [
        ("occurred", "2025-13"),
        ("country", "Canada"),
        ("category", "no_such_category"),
        ("victims", "-1"),
        ("legal_status", "guilty"),
        ("sources", "S1, x"),
        ("sources", ""),
        ("summary", ""),
        ("post", "ottawa embassy"),
    ] {
        let sent = with_field(&incident, name, value);
        assert_field_kept(
            &c.post("/incidents", &sent).await,
            name,
            "/incidents",
            &sent,
        );
    }
    c.post("/incidents", &without(&incident, "csrf"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Another post: refused by rule.
    c.post("/incidents", &with_field(&incident, "post", "PARIS"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, before);
    let r = c.post("/incidents", &incident).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let path = r.location().unwrap().to_string();
    let edit = c.get(&path).await;
    edit.assert_status(StatusCode::OK);
    let form = edit.doc().form(&path);
    assert_eq!(form["sources"], "S1, S2");
    assert_eq!(form["victims"], "3");
    c.post(&path, &with_field(&incident, "victims", "4"))
        .await
        .assert_redirect(&path);
    assert_eq!(
        app.store()
            .incidents()
            .await
            .unwrap()
            .last()
            .unwrap()
            .spec
            .victims,
        Some(4)
    );
    assert!(
        c.get("/incidents")
            .await
            .doc()
            .has(&format!("a[href='{path}']"))
    );
    // Another post's drafter sees a U incident but may not edit it.
    let edit_form = with_field(&incident, "csrf", &other_csrf);
    other
        .post(&path, &edit_form)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    other
        .post("/incidents/999999", &edit_form)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Engagement with talking points delivered.
    let engagement = [
        ("csrf", csrf.as_str()),
        ("post", "OTTAWA"),
        ("date", "2026-02-10"),
        (
            "host_office",
            "Immigration, Refugees and Citizenship Canada",
        ),
        ("official_title", "Assistant Deputy Minister, Policy"),
        ("tasking", "CHN-2026-0001"),
        ("talking_points", "TP1"),
        ("talking_points", "TP2"),
        (
            "host_response",
            "Welcomed the offer of collaboration on statistics.",
        ),
        ("marking", "SBU"),
    ];
    for (name, value) in [
        ("date", "10/02/2026"),
        ("tasking", "nope"),
        ("talking_points", "point one"),
        ("host_office", ""),
    ] {
        assert_field(
            &c.post("/engagements", &with_field(&engagement, name, value))
                .await,
            name,
        );
    }
    let r = c.post("/engagements", &engagement).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let eng = r.location().unwrap().to_string();
    let page = c.get(&eng).await;
    let checked: Vec<String> = page
        .doc()
        .all("input[name=talking_points][checked]")
        .into_iter()
        .map(|e| e.value().attr("value").unwrap().to_string())
        .collect();
    assert_eq!(checked, ["TP1", "TP2"]);
    let only_tp3: Vec<_> = engagement
        .iter()
        .filter(|(k, _)| *k != "talking_points")
        .copied()
        .chain([("talking_points", "TP3")])
        .collect();
    c.post(&eng, &only_tp3).await.assert_redirect(&eng);
    let stored = app.store().engagements().await.unwrap();
    assert_eq!(stored.last().unwrap().spec.talking_points.len(), 1);
    // An SBU engagement of OTTAWA does not exist for PARIS staff: the same 404 as a missing id.
    let missing = other.get("/engagements/999999").await;
    let hidden = other.get(&eng).await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    assert!(
        !other
            .get("/engagements")
            .await
            .body
            .contains("Assistant Deputy Minister, Policy")
    );

    // Policy measure.
    let policy = [
        ("csrf", csrf.as_str()),
        ("country", "CAN"),
        ("title", "Immigration Levels Plan 2026–2028"),
        ("measure_type", "plan_target"),
        ("announced", "2025-11-04"),
        ("description", "Permanent resident admissions targets."),
        ("source", "S1"),
        ("marking", "U"),
    ];
    for (name, value) in [
        ("measure_type", "decree"),
        ("country", "XX1"),
        ("source", "S99999"),
        ("announced", "soon"),
        ("title", ""),
    ] {
        assert_field(
            &c.post("/policies", &with_field(&policy, name, value)).await,
            name,
        );
    }
    let r = c.post("/policies", &policy).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let pm = r.location().unwrap().to_string();
    c.post(&pm, &with_field(&policy, "title", "Levels Plan (amended)"))
        .await
        .assert_redirect(&pm);
    assert!(
        c.get("/policies")
            .await
            .body
            .contains("Levels Plan (amended)")
    );
    reader
        .post(&pm, &with_field(&policy, "csrf", &reader_csrf))
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Six writes, six audit events.
    assert_eq!(app.audit_count().await, before + 6);
}

#[tokio::test]
async fn admins_manage_accounts_with_one_time_passwords() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut admin = app.login("admin").await;
    let csrf = admin.csrf("/admin/users").await;
    assert!(admin.get("/admin/posts").await.body.contains("OTTAWA"));
    let new = [
        ("csrf", csrf.as_str()),
        ("username", "other.analyst"),
        ("role", "post_drafter"),
        ("clearance", "C"),
        ("post", "PARIS"),
    ];
    let before = app.audit_count().await;
    for (name, value) in [
        ("username", "Rome Drafter!"),
        ("role", "king"),
        ("clearance", "X"),
        ("post", ""),
    ] {
        let sent = with_field(&new, name, value);
        let r = admin.post("/admin/users", &sent).await;
        assert_field_kept(&r, name, "/admin/users", &sent);
    }
    admin
        .post("/admin/users", &without(&new, "csrf"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, before);
    let r = admin.post("/admin/users", &new).await;
    r.assert_status(StatusCode::OK);
    let password = r.doc().text("#one-time-password");
    let after_create = app.audit_count().await;
    assert_eq!(after_create, before + 1);
    app.client()
        .login("other.analyst", &password)
        .await
        .assert_redirect("/");
    let before = app.audit_count().await;

    let change = [
        ("csrf", csrf.as_str()),
        ("role", "post_approver"),
        ("clearance", "SBU"),
        ("post", "PARIS"),
    ];
    admin
        .post("/admin/users/other.analyst", &change)
        .await
        .assert_redirect("/admin/users");
    let a = app.actor("other.analyst").await;
    assert_eq!(
        (a.role, a.clearance),
        (Role::PostApprover, Classification::SensitiveButUnclassified)
    );
    assert_field(
        &admin
            .post(
                "/admin/users/other.analyst",
                &with_field(&change, "role", "reader"),
            )
            .await,
        "post",
    );
    admin
        .post("/admin/users/nobody.here", &change)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let r = admin
        .post("/admin/users/other.analyst/password", &[("csrf", &csrf)])
        .await;
    r.assert_status(StatusCode::OK);
    let second = r.doc().text("#one-time-password");
    assert_ne!(second, password);
    assert_eq!(
        app.client().login("other.analyst", &password).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.audit_count().await, before + 2, "one change, one reset");
    app.client()
        .login("other.analyst", &second)
        .await
        .assert_redirect("/");

    // Anyone else: refused, nothing listed.
    let mut hq = app.login("hq.editor").await;
    let hq_csrf = hq.csrf("/").await;
    let before = app.audit_count().await;
    for path in ["/admin/users", "/admin/posts"] {
        let r = hq.get(path).await;
        r.assert_status(StatusCode::FORBIDDEN);
        assert!(!r.body.contains("other.analyst"));
    }
    hq.post("/admin/users/other.analyst/password", &[("csrf", &hq_csrf)])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, before);
}

#[tokio::test]
async fn api_tokens_are_created_shown_once_and_revoked() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut c = app.login("ottawa.drafter").await;
    let csrf = c.csrf("/account/tokens").await;
    assert_field(
        &c.post("/account/tokens", &[("csrf", &csrf), ("label", " ")])
            .await,
        "label",
    );
    let long = "x".repeat(101);
    assert_field(
        &c.post("/account/tokens", &[("csrf", &csrf), ("label", &long)])
            .await,
        "label",
    );
    c.post("/account/tokens", &[("label", "nightly export")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = c
        .post(
            "/account/tokens",
            &[("csrf", &csrf), ("label", "nightly export")],
        )
        .await;
    r.assert_status(StatusCode::OK);
    let secret = r.doc().text("#new-token");
    // Shown once: the list no longer carries it.
    let list = c.get("/account/tokens").await;
    assert!(!list.body.contains(&secret));
    assert!(list.body.contains("nightly export"));

    let api = |secret: &str| {
        Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap()
    };
    let mut anon = app.client();
    anon.send(api(&secret)).await.assert_status(StatusCode::OK);
    let id = app
        .store()
        .api_tokens(&app.actor("ottawa.drafter").await.username)
        .await
        .unwrap()[0]
        .id;

    // Someone else's token id is a 404, and stays live.
    let mut other = app.login("wellington.drafter").await;
    let other_csrf = other.csrf("/account/tokens").await;
    other
        .post(
            &format!("/account/tokens/{id}/revoke"),
            &[("csrf", &other_csrf)],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    anon.send(api(&secret)).await.assert_status(StatusCode::OK);

    c.post(&format!("/account/tokens/{id}/revoke"), &[("csrf", &csrf)])
        .await
        .assert_redirect("/account/tokens");
    anon.send(api(&secret))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    assert!(
        c.get("/account/tokens")
            .await
            .doc()
            .text("#tokens")
            .contains("revoked")
    );
}

#[tokio::test]
async fn the_revision_history_diffs_words_and_withholds_paragraphs_above_the_viewer() {
    let mut app = TestApp::new(Backend::Sqlite).await;
    let hash = chancery_app::hash_password("history-password-1").unwrap();
    app.add_user(
        "london.sbu",
        Role::PostDrafter,
        Classification::SensitiveButUnclassified,
        Some("LONDON"),
        "history-password-1",
        &hash,
    )
    .await;
    let mut c = app.login("london.drafter").await;
    let csrf = c.csrf("/").await;
    let save = format!("{}/sections/summary", report_path("LONDON"));
    let start = app
        .section("LONDON", "summary")
        .await
        .map_or(0, |s| s.revision);
    let texts = [
        "(U) Asylum claims rose by 10% [@S1].\n\n(C) Assessment QUINCUNX alpha.",
        "(U) Asylum claims rose by 12% [@S1].\n\n(C) Assessment QUINCUNX beta.\n\n(U) A new closing paragraph.",
    ];
    for (i, body) in texts.iter().enumerate() {
        let revision = (start + i as i64).to_string();
        c.post(
            &save,
            &[
                ("csrf", &csrf),
                ("revision", &revision),
                ("body", body),
                ("intent", "save"),
            ],
        )
        .await
        .assert_status(StatusCode::OK);
    }
    let history = format!("{}/history?section=summary", report_path("LONDON"));
    let page = c.get(&history).await;
    page.assert_status(StatusCode::OK);
    let doc = page.doc();
    assert_eq!(doc.texts("#diff .diff-para del.diff"), ["10%", "alpha."]);
    assert!(
        doc.texts("#diff .diff-para ins.diff")
            .contains(&"12%".to_string())
    );
    assert!(doc.has("#diff .diff-inserted"));
    assert!(page.body.contains("QUINCUNX"));

    let mut low = app.login("london.sbu").await;
    let page = low.get(&history).await;
    page.assert_status(StatusCode::OK);
    assert!(
        !page.body.contains("QUINCUNX"),
        "a (C) paragraph reached an SBU user"
    );
    assert!(page.body.contains("[paragraph withheld: C]"));
    // The withheld paragraph changed, but the SBU reader's diff shows it unchanged.
    assert!(page.doc().all("#diff .diff-changed").len() == 1);

    for (query, field) in [
        ("section=nope", "section"),
        ("section=summary&from=x", "from"),
        ("section=summary&to=999", "to"),
    ] {
        let r = c
            .get(&format!("{}/history?{query}", report_path("LONDON")))
            .await;
        assert_field(&r, field);
    }
    // A report the user may not see: the plain 404.
    let mut other = app.login("wellington.drafter").await;
    let hidden = other.get(&history).await;
    let missing = other.get("/no/such/page").await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
}
