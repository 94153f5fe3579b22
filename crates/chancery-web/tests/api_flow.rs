//! The JSON API end to end, in-process against the demo: authentication (tokens, sessions and
//! CSRF), the whole report flow, clearance filtering, identical 404s, input errors naming the
//! field, pagination, and that every refused request writes nothing (the audit chain does not
//! grow).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod api_support;

use api_support::{Auth, Backend, TASKING, TestApp, report_url};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

const SECRET_PHRASE: &str = "privately expects the backlog to clear";

/// Runs `$call`, asserts it was refused as `$check` says, and that no audit event was written.
macro_rules! refused {
    ($t:expr, $call:expr, $check:expr) => {{
        let before = $t.audit_count().await;
        let r = $call;
        $check(&r);
        assert_eq!(
            $t.audit_count().await,
            before,
            "a refused request wrote an audit event"
        );
        r
    }};
}

async fn token_auth_and_revocation(backend: Backend) {
    let t = TestApp::new(backend).await;

    let r = refused!(
        t,
        t.api(Method::GET, "/api/v1/me", Auth::None, None).await,
        |r: &api_support::Resp| {
            r.error(StatusCode::UNAUTHORIZED, "unauthorized");
        }
    );
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    for bad in ["Basic YWRtaW46eA==", "Bearer ", "Bearer chy_0000"] {
        let r = t
            .send(
                axum::http::Request::get("/api/v1/taskings")
                    .header(header::AUTHORIZATION, bad)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        r.error(StatusCode::UNAUTHORIZED, "unauthorized");
    }

    // Tokens are created from a session and shown once.
    let browser = t.login("london.drafter").await;
    let created = t
        .api(
            Method::POST,
            "/api/v1/me/tokens",
            Auth::Session(&browser, Some(&browser.csrf)),
            Some(json!({"label": "scripts"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let token = created.json["token"].as_str().unwrap().to_string();
    let id = created.json["id"].as_i64().unwrap();
    assert!(token.starts_with("chy_") && token.len() > 60);

    let me = t.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["username"], "london.drafter");
    assert_eq!(me.json["role"], "post_drafter");
    assert_eq!(me.json["post"], "LONDON");
    assert_eq!(me.json["auth"], "token");
    assert!(me.json.get("csrf_token").is_none());

    // Listing never shows the secret; the database holds only its hash.
    let list = t.get("/api/v1/me/tokens", &token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json["items"][0]["id"], id);
    assert_eq!(list.json["items"][0]["label"], "scripts");
    assert!(!list.text().contains(&token));
    let secret = &token.as_bytes()[4..];
    assert!(
        !t.database_bytes()
            .await
            .windows(secret.len())
            .any(|w| w == secret),
        "the token is stored in clear"
    );

    // A token cannot mint tokens.
    refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/me/tokens",
            &token,
            Some(json!({"label": "more"}))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
    // A label is required.
    refused!(
        t,
        t.api(
            Method::POST,
            "/api/v1/me/tokens",
            Auth::Session(&browser, Some(&browser.csrf)),
            Some(json!({"label": "  "})),
        )
        .await,
        |r: &api_support::Resp| r.bad_field("label")
    );

    // Revoked tokens stop at once; another user's token id is not found.
    let other = t.token("ottawa.drafter").await;
    refused!(
        t,
        t.call(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            &other,
            None
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::NOT_FOUND, "not_found");
        }
    );
    let before = t.audit_count().await;
    let r = t
        .call(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(t.audit_count().await, before + 1, "revocation is audited");
    refused!(
        t,
        t.get("/api/v1/me", &token).await,
        |r: &api_support::Resp| {
            r.error(StatusCode::UNAUTHORIZED, "unauthorized");
        }
    );
    assert_eq!(t.get("/api/v1/me", &other).await.status, StatusCode::OK);
}

async fn sessions_need_the_csrf_header_on_changes_and_tokens_do_not(backend: Backend) {
    let t = TestApp::new(backend).await;
    let browser = t.login("london.drafter").await;
    let comments = format!("{}/comments", report_url("LONDON"));

    let r = t
        .api(
            Method::GET,
            "/api/v1/taskings",
            Auth::Session(&browser, None),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "reads need no CSRF header");

    for csrf in [None, Some("forged"), Some("")] {
        refused!(
            t,
            t.api(
                Method::POST,
                &comments,
                Auth::Session(&browser, csrf),
                Some(json!({"body": "Please check the figures."})),
            )
            .await,
            |r: &api_support::Resp| {
                let e = r.error(StatusCode::FORBIDDEN, "forbidden");
                assert!(e["detail"].as_str().unwrap().contains("X-CSRF-Token"));
            }
        );
    }
    let ok = t
        .api(
            Method::POST,
            &comments,
            Auth::Session(&browser, Some(&browser.csrf)),
            Some(json!({"body": "Please check the figures."})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());

    // Bearer requests need no CSRF header.
    let token = t.token("london.drafter").await;
    let ok = t
        .call(
            Method::POST,
            &comments,
            &token,
            Some(json!({"body": "Second look done.", "section": "summary"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());

    // An Authorization header is authoritative: a bad one is refused even with a session.
    let r = t
        .send(
            axum::http::Request::get("/api/v1/me")
                .header(header::COOKIE, &browser.cookie)
                .header(header::AUTHORIZATION, "Bearer chy_nope")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    r.error(StatusCode::UNAUTHORIZED, "unauthorized");

    // Logging out ends API access through the cookie.
    let logout = t
        .send(
            axum::http::Request::post("/logout")
                .header(header::COOKIE, &browser.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!("csrf={}", browser.csrf)))
                .unwrap(),
        )
        .await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    t.api(
        Method::GET,
        "/api/v1/me",
        Auth::Session(&browser, None),
        None,
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "unauthorized");
}

fn section_revisions(report: &Value) -> Vec<(String, i64)> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_string(),
                s["revision"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn the_whole_flow_and_clearance_filtering(backend: Backend) {
    let t = TestApp::new(backend).await;
    let drafter = t.token("london.drafter").await;
    let approver = t.token("london.approver").await;
    let hq = t.token("hq.editor").await;
    let reader = t.token("reader").await;
    let url = report_url("LONDON");

    let report = t.get(&url, &drafter).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    assert_eq!(report.json["status"], "draft");
    assert_eq!(report.json["actions"], json!(["submit"]));

    // The drafter writes every section; the summary holds a Confidential paragraph and an
    // uncited figure (E001), which the approver will have to override.
    for (key, revision) in section_revisions(&report.json) {
        let mut body = format!(
            "(U) The post reviewed the evidence on {key} with the host ministry [@S1] [@S2] [@S3]."
        );
        if key == "summary" {
            body.push_str(&format!(
                "\n\n(C) The ministry {SECRET_PHRASE} by spring.\n\n(U) Arrivals reached 123,456 last year."
            ));
        }
        let saved = t
            .call(
                Method::PUT,
                &format!("{url}/sections/{key}"),
                &drafter,
                Some(json!({"body": body, "revision": revision})),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{key}: {}", saved.text());
        assert_eq!(
            saved.json["revision"].as_i64().unwrap(),
            revision.max(0) + 1
        );
        assert!(saved.json["findings"].is_array());
    }

    // Saving again from a stale revision is a conflict, and writes nothing.
    refused!(
        t,
        t.call(
            Method::PUT,
            &format!("{url}/sections/summary"),
            &drafter,
            Some(json!({"body": "(U) Overwrite.", "revision": 1})),
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );

    let lint = t.get(&format!("{url}/lint"), &drafter).await;
    assert_eq!(lint.status, StatusCode::OK);
    let findings = lint.json["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "E001" && f["section"] == "summary"),
        "{}",
        lint.text()
    );

    // Workflow refusals are 409s with the reason.
    refused!(
        t,
        t.call(
            Method::POST,
            &format!("{url}/actions/clear"),
            &drafter,
            None
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    let r = t
        .call(
            Method::POST,
            &format!("{url}/actions/submit"),
            &drafter,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["status"], "in_clearance");

    let r = t
        .call(
            Method::POST,
            &format!("{url}/actions/clear"),
            &approver,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.json["status"], "cleared", "{}", r.text());

    let r = refused!(
        t,
        t.call(
            Method::POST,
            &format!("{url}/actions/transmit"),
            &approver,
            None
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    assert!(
        r.json["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("finding"),
        "{}",
        r.text()
    );
    let r = t
        .call(
            Method::POST,
            &format!("{url}/actions/transmit"),
            &approver,
            Some(json!({"override_reason": "Home Office figures arrive next week; HQ asked for this version now."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["status"], "transmitted");

    let r = t
        .call(Method::POST, &format!("{url}/actions/accept"), &hq, None)
        .await;
    assert_eq!(r.json["status"], "accepted", "{}", r.text());

    // HQ (cleared S) sees the Confidential paragraph and the recorded override.
    let full = t.get(&url, &hq).await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.text().contains(SECRET_PHRASE));
    assert_eq!(full.json["banner"], "C");
    assert!(
        full.json["versions"][0]["lint_override"]
            .as_str()
            .is_some_and(|o| o.contains("Home Office"))
    );

    // The reader (cleared SBU) gets the marker, never the text, nor findings quoting it.
    let seen = t.get(&url, &reader).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    assert!(!seen.text().contains(SECRET_PHRASE), "{}", seen.text());
    assert!(seen.text().contains("[paragraph withheld: C]"));
    assert_eq!(seen.json["findings_withheld"], true);
    assert_eq!(
        seen.json["banner"], "U",
        "the highest marking shown, not the withheld one"
    );
    let summary = &seen.json["sections"][0]["paragraphs"];
    assert!(
        summary
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["withheld"] == true && p["marking"] == "C")
    );
    let lint = t.get(&format!("{url}/lint"), &reader).await;
    assert_eq!(lint.status, StatusCode::OK);
    assert!(!lint.text().contains(SECRET_PHRASE));
}

async fn missing_and_invisible_are_the_same_404(backend: Backend) {
    let t = TestApp::new(backend).await;
    let ottawa = t.token("ottawa.drafter").await;
    let reader = t.token("reader").await;

    // LONDON's draft exists, but OTTAWA staff may not see it.
    let invisible = t.get(&report_url("LONDON"), &ottawa).await;
    let missing = [
        t.get(&report_url("CANBERRA"), &ottawa).await,
        t.get(&report_url("NOWHERE"), &ottawa).await,
        t.get("/api/v1/taskings/CHN-2099-0042/reports/OTTAWA", &ottawa)
            .await,
    ];
    invisible.error(StatusCode::NOT_FOUND, "not_found");
    for m in &missing {
        assert_eq!(m.status, invisible.status);
        assert_eq!(
            m.bytes,
            invisible.bytes,
            "{} vs {}",
            m.text(),
            invisible.text()
        );
    }
    assert!(!invisible.text().contains("LONDON"));

    // The same for lint, saves and actions on the other post's draft.
    let lint = t
        .get(&format!("{}/lint", report_url("LONDON")), &ottawa)
        .await;
    assert_eq!(lint.bytes, invisible.bytes);
    for (method, path, body) in [
        (
            Method::PUT,
            format!("{}/sections/summary", report_url("LONDON")),
            Some(json!({"body": "(U) Mine now.", "revision": 1})),
        ),
        (
            Method::POST,
            format!("{}/actions/submit", report_url("LONDON")),
            None,
        ),
        (
            Method::POST,
            format!("{}/comments", report_url("LONDON")),
            Some(json!({"body": "Hello."})),
        ),
    ] {
        let r = refused!(
            t,
            t.call(method, &path, &ottawa, body).await,
            |r: &api_support::Resp| {
                r.error(StatusCode::NOT_FOUND, "not_found");
            }
        );
        assert_eq!(r.bytes, invisible.bytes, "{path}");
    }

    // Draft taskings are HQ-only: a reader cannot tell one from a missing reference.
    let draft = t.get("/api/v1/taskings/CHN-2026-0002", &reader).await;
    let none = t.get("/api/v1/taskings/CHN-2026-0999", &reader).await;
    draft.error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(draft.bytes, none.bytes);

    // Sources above the caller's clearance are missing too.
    let gone = t.get("/api/v1/sources/999999/grade", &reader).await;
    gone.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let r = t
        .call(
            Method::POST,
            "/api/v1/sources/S999999/grade",
            &t.token("hq.editor").await,
            Some(json!({"grade": "B2", "rationale": "Official."})),
        )
        .await;
    r.error(StatusCode::NOT_FOUND, "not_found");

    // Unknown endpoints answer in the envelope too.
    t.get("/api/v1/nothing-here", &reader)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

async fn bad_input_is_a_400_naming_the_field(backend: Backend) {
    let t = TestApp::new(backend).await;
    let drafter = t.token("london.drafter").await;
    let url = format!("{}/sections/summary", report_url("LONDON"));
    let report = t.get(&report_url("LONDON"), &drafter).await;
    let revision = report.json["sections"][0]["revision"].as_i64().unwrap();

    let cases: Vec<(&str, String)> = vec![
        ("body", json!({"body": 5, "revision": revision}).to_string()),
        ("revision", json!({"body": "(U) x"}).to_string()),
        (
            "revision",
            json!({"body": "(U) x", "revision": "2"}).to_string(),
        ),
        (
            "colour",
            json!({"body": "(U) x", "revision": revision, "colour": "red"}).to_string(),
        ),
        // Truncated JSON: the field being read when it ended.
        (
            "revision",
            "{\"body\": \"(U) x\", \"revision\": ".to_string(),
        ),
        ("$", "not json at all".to_string()),
        ("$", String::new()),
    ];
    for (field, body) in cases {
        refused!(
            t,
            t.raw(
                Method::PUT,
                &url,
                Auth::Bearer(&drafter),
                Some("application/json"),
                body.clone()
            )
            .await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    refused!(
        t,
        t.raw(
            Method::PUT,
            &url,
            Auth::Bearer(&drafter),
            Some("text/plain"),
            json!({"body": "(U) x", "revision": revision}).to_string(),
        )
        .await,
        |r: &api_support::Resp| r.bad_field("content-type")
    );

    // Personal data is refused with the E006 text.
    let r = refused!(
        t,
        t.call(
            Method::PUT,
            &url,
            &drafter,
            Some(json!({"body": "(U) Write to jane.doe@example.org for details.", "revision": revision})),
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::BAD_REQUEST, "bad_request");
        }
    );
    assert!(
        r.json["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("E006")
    );

    // Fields of the evidence forms, including nested ones and domain validation.
    let records: Vec<(&str, &str, Value)> = vec![
        (
            "/api/v1/sources",
            "kind",
            json!({"kind": "blog", "publisher": "P", "title": "T"}),
        ),
        (
            "/api/v1/sources",
            "publisher",
            json!({"kind": "news_report", "publisher": " ", "title": "T"}),
        ),
        (
            "/api/v1/sources",
            "published",
            json!({"kind": "news_report", "publisher": "P", "title": "T", "published": "2024-13"}),
        ),
        (
            "/api/v1/incidents",
            "post",
            json!({"post": "not a post!", "occurred": "2025", "country": "GBR",
                   "category": "hate_crime_against_migrants", "legal_status": "unknown",
                   "verification": "unverified", "summary": "s", "marking": "U", "sources": [1]}),
        ),
        (
            "/api/v1/incidents",
            "victims",
            json!({"post": "LONDON", "occurred": "2025", "country": "GBR", "victims": -1,
                   "category": "hate_crime_against_migrants", "legal_status": "unknown",
                   "verification": "unverified", "summary": "s", "marking": "U", "sources": [1]}),
        ),
        (
            "/api/v1/engagements",
            "date",
            json!({"post": "LONDON", "date": "yesterday", "host_office": "Home Office",
                   "official_title": "Director", "host_response": "Noted.", "marking": "U"}),
        ),
        (
            "/api/v1/policies",
            "targets[0].value",
            json!({"country": "GBR", "title": "Plan", "measure_type": "plan_target",
                   "description": "d", "targets": [{"series": "s", "period": "2026", "value": "many", "unit": "persons"}]}),
        ),
        (
            "/api/v1/sources/S1/grade",
            "grade",
            json!({"grade": "Z9", "rationale": "Because."}),
        ),
    ];
    for (path, field, body) in records {
        refused!(
            t,
            t.call(Method::POST, path, &drafter, Some(body)).await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }

    // Actions: unknown ones are not found; fields that do not apply are named.
    let actions = format!("{}/actions", report_url("LONDON"));
    refused!(
        t,
        t.call(Method::POST, &format!("{actions}/publish"), &drafter, None)
            .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::NOT_FOUND, "not_found");
        }
    );
    refused!(
        t,
        t.call(
            Method::POST,
            &format!("{actions}/submit"),
            &drafter,
            Some(json!({"reason": "x"}))
        )
        .await,
        |r: &api_support::Resp| r.bad_field("reason")
    );
    refused!(
        t,
        t.call(
            Method::POST,
            &format!("{actions}/submit"),
            &drafter,
            Some(json!({"because": "x"}))
        )
        .await,
        |r: &api_support::Resp| r.bad_field("because")
    );

    // Role refusals: a drafter does not import taskings; a reader records no evidence.
    refused!(
        t,
        t.raw(
            Method::POST,
            "/api/v1/taskings",
            Auth::Bearer(&drafter),
            Some("application/toml"),
            std::fs::read_to_string(format!(
                "{}/taskings/CHN-2026-0002-worker-rights.toml",
                api_support::CONTENT
            ))
            .unwrap(),
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
    let reader = t.token("reader").await;
    refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/sources",
            &reader,
            Some(json!({"kind": "news_report", "publisher": "P", "title": "T"})),
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );

    // Wrong methods are 405s in the envelope.
    refused!(
        t,
        t.call(Method::DELETE, "/api/v1/taskings", &drafter, None)
            .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        }
    );
}

async fn lists_are_paginated_with_a_hard_cap(backend: Backend) {
    let t = TestApp::new(backend).await;
    let hq = t.token("hq.editor").await;

    let all = t.get("/api/v1/sources?per_page=100", &hq).await;
    assert_eq!(all.status, StatusCode::OK);
    let total = all.json["total"].as_u64().unwrap();
    assert!(total >= 3, "{}", all.text());
    assert_eq!(all.json["items"].as_array().unwrap().len() as u64, total);
    assert_eq!(all.json["per_page"], 100);

    let second = t.get("/api/v1/sources?page=2&per_page=1", &hq).await;
    assert_eq!(second.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(second.json["items"][0]["id"], all.json["items"][1]["id"]);
    assert_eq!(second.json["page"], 2);
    assert_eq!(second.json["total"].as_u64().unwrap(), total);

    let beyond = t.get("/api/v1/sources?page=999", &hq).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(beyond.json["items"], json!([]));
    assert_eq!(beyond.json["total"].as_u64().unwrap(), total);

    let default = t.get("/api/v1/taskings", &hq).await;
    assert_eq!(default.json["page"], 1);
    assert_eq!(default.json["per_page"], 20);

    for (query, field) in [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("pages=2", "pages"),
    ] {
        for list in [
            "taskings",
            "sources",
            "incidents",
            "engagements",
            "policies",
        ] {
            t.get(&format!("/api/v1/{list}?{query}"), &hq)
                .await
                .bad_field(field);
        }
    }
}

async fn hq_imports_and_issues_and_posts_record_evidence(backend: Backend) {
    let t = TestApp::new(backend).await;
    let hq = t.token("hq.editor").await;
    let drafter = t.token("london.drafter").await;
    let file = std::fs::read_to_string(format!(
        "{}/taskings/CHN-2026-0002-worker-rights.toml",
        api_support::CONTENT
    ))
    .unwrap();

    // Already loaded with the content: importing it again changes nothing.
    let again = t
        .raw(
            Method::POST,
            "/api/v1/taskings",
            Auth::Bearer(&hq),
            Some("application/toml"),
            file.clone(),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json["status"], "draft");

    let renumbered = file.replace("CHN-2026-0002", "CHN-2026-0077");
    let created = t
        .raw(
            Method::POST,
            "/api/v1/taskings",
            Auth::Bearer(&hq),
            Some("application/toml"),
            renumbered,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json["reference"], "CHN-2026-0077");

    refused!(
        t,
        t.raw(
            Method::POST,
            "/api/v1/taskings",
            Auth::Bearer(&hq),
            Some("application/toml"),
            "reference = 12\n",
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::BAD_REQUEST, "bad_request");
        }
    );

    // Posts cannot see the draft until it is issued.
    t.get("/api/v1/taskings/CHN-2026-0077", &drafter)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/taskings/CHN-2026-0077/issue",
            &drafter,
            None
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
    let issued = t
        .call(
            Method::POST,
            "/api/v1/taskings/CHN-2026-0077/issue",
            &hq,
            None,
        )
        .await;
    assert_eq!(issued.json["status"], "issued", "{}", issued.text());
    // Addressed to OTTAWA, not LONDON: OTTAWA starts its report; LONDON cannot see it.
    assert!(!issued.text().contains("LONDON"));
    t.get("/api/v1/taskings/CHN-2026-0077", &drafter)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    let ottawa = t.token("ottawa.drafter").await;
    let start = "/api/v1/taskings/CHN-2026-0077/reports/OTTAWA";
    let started = t.call(Method::POST, start, &ottawa, None).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    assert_eq!(started.json["status"], "draft");
    assert_eq!(started.json["actions"], json!(["submit"]));
    refused!(
        t,
        t.call(Method::POST, start, &ottawa, None).await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    let visible = t.get("/api/v1/taskings?per_page=100", &drafter).await;
    assert!(
        visible.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["reference"] == TASKING)
    );

    // Evidence: a source with a capture, graded; an incident, an engagement, a policy.
    let source = t
        .call(
            Method::POST,
            "/api/v1/sources",
            &drafter,
            Some(json!({"kind": "government_statement", "publisher": "Home Office",
                        "title": "Immigration statistics, year ending 2025", "url": "https://www.gov.uk/",
                        "published": "2025-11", "capture": {"name": "note.txt", "text": "captured"}})),
        )
        .await;
    assert_eq!(source.status, StatusCode::CREATED, "{}", source.text());
    assert_eq!(source.json["grade"], "F6");
    assert_eq!(source.json["capture_sha256"].as_str().unwrap().len(), 64);
    let key = source.json["key"].as_str().unwrap().to_string();
    let id = source.json["id"].as_i64().unwrap();
    let graded = t
        .call(
            Method::POST,
            &format!("/api/v1/sources/{key}/grade"),
            &drafter,
            Some(json!({"grade": "B2", "rationale": "Official statistics body."})),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    assert_eq!(graded.json["grade"], "B2");
    assert_eq!(graded.json["graded_by"], "london.drafter");

    let incident = t
        .call(
            Method::POST,
            "/api/v1/incidents",
            &drafter,
            Some(json!({"post": "LONDON", "occurred": "2025-06", "country": "GBR",
                        "category": "hate_crime_against_migrants", "legal_status": "charged",
                        "verification": "corroborated", "summary": "Arson attack on a hotel housing asylum seekers.",
                        "marking": "SBU", "sources": [id]})),
        )
        .await;
    assert_eq!(incident.status, StatusCode::CREATED, "{}", incident.text());
    refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/incidents",
            &drafter,
            Some(
                json!({"post": "OTTAWA", "occurred": "2025-06", "country": "CAN",
                        "category": "hate_crime_against_migrants", "legal_status": "charged",
                        "verification": "corroborated", "summary": "Not ours.",
                        "marking": "U", "sources": [id]})
            ),
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
    let engagement = t
        .call(
            Method::POST,
            "/api/v1/engagements",
            &drafter,
            Some(json!({"post": "LONDON", "tasking": TASKING, "date": "2026-01-15",
                        "host_office": "Home Office", "official_title": "Director, Migration Policy",
                        "talking_points": ["TP1"], "host_response": "Noted the concerns.", "marking": "SBU"})),
        )
        .await;
    assert_eq!(
        engagement.status,
        StatusCode::CREATED,
        "{}",
        engagement.text()
    );
    let policy = t
        .call(
            Method::POST,
            "/api/v1/policies",
            &drafter,
            Some(
                json!({"country": "GBR", "title": "Border Security Act", "measure_type": "law",
                        "description": "Creates new border offences.", "source": id}),
            ),
        )
        .await;
    assert_eq!(policy.status, StatusCode::CREATED, "{}", policy.text());

    for (list, id) in [
        ("incidents", &incident),
        ("engagements", &engagement),
        ("policies", &policy),
    ] {
        let page = t.get(&format!("/api/v1/{list}?per_page=100"), &hq).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == id.json["id"]),
            "{list}: {}",
            page.text()
        );
    }
    // Another post's SBU incident stays within the post and HQ.
    let theirs = t.get("/api/v1/incidents?per_page=100", &ottawa).await;
    assert!(
        !theirs.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == incident.json["id"])
    );
}

/// Optimistic concurrency under real concurrent requests (issue 7, item 4): two clients save
/// the same section from the same revision at once, then two approvers clear the report at
/// once. Each time exactly one wins; the other gets a 409 `conflict` and nothing of it is
/// written.
async fn racing_saves_and_actions_exactly_one_wins(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (one, two) = (
        t.token("london.drafter").await,
        t.token("london.drafter").await,
    );
    let url = report_url("LONDON");
    let path = format!("{url}/sections/summary");
    let winners = |a: &api_support::Resp, b: &api_support::Resp| {
        let ok = [a, b].iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(ok, 1, "exactly one wins: {} / {}", a.text(), b.text());
        let loser = if a.status == StatusCode::OK { b } else { a };
        loser.error(StatusCode::CONFLICT, "conflict");
        a.status == StatusCode::OK
    };
    for round in 0..3 {
        let report = t.get(&url, &one).await;
        let (_, revision) = section_revisions(&report.json)
            .into_iter()
            .find(|(k, _)| k == "summary")
            .unwrap();
        let texts = [
            format!("(U) Editor one writes this in round {round} [@S1]."),
            format!("(U) Editor two writes that in round {round} [@S2]."),
        ];
        let before = t.audit_count().await;
        let (a, b) = tokio::join!(
            t.call(
                Method::PUT,
                &path,
                &one,
                Some(json!({"body": texts[0], "revision": revision}))
            ),
            t.call(
                Method::PUT,
                &path,
                &two,
                Some(json!({"body": texts[1], "revision": revision}))
            ),
        );
        let winner = if winners(&a, &b) {
            &texts[0]
        } else {
            &texts[1]
        };
        assert_eq!(t.audit_count().await, before + 1, "round {round}");
        let report = t.get(&url, &one).await;
        let summary = report.json["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "summary")
            .unwrap()
            .clone();
        assert_eq!(summary["revision"].as_i64().unwrap(), revision + 1);
        assert_eq!(summary["paragraphs"][0]["markdown"], winner.as_str());
    }

    let submitted = t
        .call(Method::POST, &format!("{url}/actions/submit"), &one, None)
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text());
    let (first, second) = (
        t.token("london.approver").await,
        t.token("london.approver").await,
    );
    let clear = format!("{url}/actions/clear");
    let before = t.audit_count().await;
    let (a, b) = tokio::join!(
        t.call(Method::POST, &clear, &first, None),
        t.call(Method::POST, &clear, &second, None),
    );
    winners(&a, &b);
    assert_eq!(t.audit_count().await, before + 1);
    assert_eq!(t.get(&url, &first).await.json["status"], "cleared");
}

chancery_testkit::on_every_backend!(
    token_auth_and_revocation,
    sessions_need_the_csrf_header_on_changes_and_tokens_do_not,
    the_whole_flow_and_clearance_filtering,
    missing_and_invisible_are_the_same_404,
    bad_input_is_a_400_naming_the_field,
    lists_are_paginated_with_a_hard_cap,
    hq_imports_and_issues_and_posts_record_evidence,
    racing_saves_and_actions_exactly_one_wins,
);
