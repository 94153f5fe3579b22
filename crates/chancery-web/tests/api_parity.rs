//! The API offers what the pages offer (issue 3): editing incidents, engagements and policy
//! measures (targets included), `derived_from`, the admin's accounts (create, change, reset,
//! disable/enable) and posts, and workflow actions on the report as the client saw it
//! (`lock_version`). Each with its refusals (403/404/409, writing nothing) and bad input (400
//! naming the field). Also: references to sources the caller may not see are refused exactly
//! like missing ones, and issuing an issued tasking is a 409.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod api_support;

use api_support::{Auth, Backend, TASKING, TestApp, report_url};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

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

fn incident(post: &str, marking: &str, summary: &str) -> Value {
    json!({
        "post": post,
        "occurred": "2025-06",
        "country": "GBR",
        "category": "hate_crime_against_migrants",
        "legal_status": "charged",
        "verification": "corroborated",
        "summary": summary,
        "marking": marking,
        "sources": [1],
    })
}

fn engagement(post: &str, marking: &str) -> Value {
    json!({
        "post": post,
        "date": "2026-02-10",
        "host_office": "Home Office",
        "official_title": "Director, Migration Policy",
        "host_response": "Noted the request.",
        "marking": marking,
    })
}

fn policy(source: Option<i64>) -> Value {
    json!({
        "country": "GBR",
        "title": "Asylum processing plan",
        "measure_type": "plan_target",
        "description": "Clears the backlog.",
        "source": source,
        "targets": [{"series": "asylum_backlog", "period": "2026", "value": 20000.0, "unit": "cases"}],
    })
}

/// Adds a source as hq.editor (cleared S); returns its id.
async fn add_source(t: &TestApp, hq: &str, marking: &str, title: &str) -> i64 {
    let r = t
        .call(
            Method::POST,
            "/api/v1/sources",
            hq,
            Some(json!({
                "kind": "meeting_note",
                "publisher": "Embassy London",
                "title": title,
                "marking": marking,
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json["id"].as_i64().unwrap()
}

async fn records_are_edited_through_the_api(backend: Backend) {
    let t = TestApp::new(backend).await;
    let london = t.token("london.drafter").await;
    let ottawa = t.token("ottawa.drafter").await;
    let reader = t.token("reader").await;
    let hq = t.token("hq.editor").await;

    // An incident: recorded, edited by its post, read back as edited.
    let r = t
        .call(
            Method::POST,
            "/api/v1/incidents",
            &london,
            Some(incident("LONDON", "C", "First account.")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json["id"].as_i64().unwrap();
    let url = format!("/api/v1/incidents/INC{id}");
    let mut changed = incident("LONDON", "C", "Corrected account.");
    changed["victims"] = json!(3);
    let before = t.audit_count().await;
    let r = t
        .call(Method::PUT, &url, &london, Some(changed.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["summary"], "Corrected account.");
    assert_eq!(r.json["victims"], 3);
    assert_eq!(r.json["key"], format!("INC{id}"));
    assert_eq!(t.audit_count().await, before + 1);
    let listed = t.get("/api/v1/incidents", &london).await;
    assert!(listed.text().contains("Corrected account."));

    // Another post's (C) incident is not there for OTTAWA: the same 404 as a missing one.
    let hidden = refused!(
        t,
        t.call(Method::PUT, &url, &ottawa, Some(changed.clone()))
            .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::NOT_FOUND, "not_found");
        }
    );
    let missing = t
        .call(
            Method::PUT,
            "/api/v1/incidents/INC999999",
            &ottawa,
            Some(changed.clone()),
        )
        .await;
    assert_eq!(hidden.bytes, missing.bytes);
    // Moving it to another post is refused; a reader (SBU) does not see a (C) incident.
    refused!(
        t,
        t.call(
            Method::PUT,
            &url,
            &london,
            Some(incident("OTTAWA", "C", "Moved."))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
    refused!(
        t,
        t.call(Method::PUT, &url, &reader, Some(changed.clone()))
            .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::NOT_FOUND, "not_found");
        }
    );

    // An engagement.
    let r = t
        .call(
            Method::POST,
            "/api/v1/engagements",
            &london,
            Some(engagement("LONDON", "SBU")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let eid = r.json["id"].as_i64().unwrap();
    let mut e = engagement("LONDON", "SBU");
    e["follow_up"] = json!("Send the figures.");
    e["tasking"] = json!(TASKING);
    e["talking_points"] = json!(["TP1"]);
    let r = t
        .call(
            Method::PUT,
            &format!("/api/v1/engagements/{eid}"),
            &london,
            Some(e),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["follow_up"], "Send the figures.");
    assert_eq!(r.json["talking_points"], json!(["TP1"]));

    // A policy measure, targets included; readers may not edit it.
    let r = t
        .call(Method::POST, "/api/v1/policies", &hq, Some(policy(Some(1))))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pid = r.json["id"].as_i64().unwrap();
    let purl = format!("/api/v1/policies/PM{pid}");
    let mut p = policy(Some(1));
    p["targets"] = json!([
        {"series": "asylum_backlog", "period": "2026", "value": 15000.0, "unit": "cases"},
        {"series": "asylum_decisions", "period": "2026", "value": 90000.0, "unit": "decisions"},
    ]);
    let r = t.call(Method::PUT, &purl, &london, Some(p.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["targets"].as_array().unwrap().len(), 2);
    assert_eq!(r.json["targets"][0]["value"], 15000.0);
    refused!(
        t,
        t.call(Method::PUT, &purl, &reader, Some(p)).await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
}

async fn record_bodies_with_bad_input_are_400_naming_the_field(backend: Backend) {
    let t = TestApp::new(backend).await;
    let london = t.token("london.drafter").await;
    let hq = t.token("hq.editor").await;
    let r = t
        .call(
            Method::POST,
            "/api/v1/incidents",
            &london,
            Some(incident("LONDON", "U", "An account.")),
        )
        .await;
    let inc = format!("/api/v1/incidents/{}", r.json["id"]);
    let r = t
        .call(Method::POST, "/api/v1/policies", &hq, Some(policy(None)))
        .await;
    let pm = format!("/api/v1/policies/{}", r.json["id"]);
    let with = |mut v: Value, key: &str, value: Value| {
        v[key] = value;
        v
    };
    let without = |mut v: Value, key: &str| {
        v.as_object_mut().unwrap().remove(key);
        v
    };
    let base = incident("LONDON", "U", "An account.");
    let cases: Vec<(&str, &str, Value)> = vec![
        (&inc, "victims", with(base.clone(), "victims", json!(-1))),
        (&inc, "victims", with(base.clone(), "victims", json!("two"))),
        (&inc, "summary", without(base.clone(), "summary")),
        (&inc, "colour", with(base.clone(), "colour", json!("red"))),
        (
            &inc,
            "occurred",
            with(base.clone(), "occurred", json!("2025-13")),
        ),
        (&inc, "marking", with(base.clone(), "marking", json!("TOP"))),
        (
            &inc,
            "category",
            with(base.clone(), "category", json!("no_such_category")),
        ),
        (
            &inc,
            "sources",
            with(base.clone(), "sources", json!([999999])),
        ),
        (&pm, "targets[0].value", {
            let mut p = policy(None);
            p["targets"][0]["value"] = json!("many");
            p
        }),
        (&pm, "targets[0].series", {
            let mut p = policy(None);
            p["targets"][0]["series"] = json!(" ");
            p
        }),
        (
            &pm,
            "measure_type",
            with(policy(None), "measure_type", json!("decree")),
        ),
        (&pm, "title", without(policy(None), "title")),
        (&pm, "source", with(policy(None), "source", json!(999999))),
    ];
    for (url, field, body) in cases {
        let token = if url == inc { &london } else { &hq };
        refused!(
            t,
            t.call(Method::PUT, url, token, Some(body.clone())).await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    // Not JSON, or no body.
    refused!(
        t,
        t.raw(
            Method::PUT,
            &inc,
            Auth::Bearer(&london),
            Some("application/json"),
            "{\"post\": ",
        )
        .await,
        |r: &api_support::Resp| assert_eq!(r.status, StatusCode::BAD_REQUEST)
    );
    refused!(
        t,
        t.call(Method::PUT, &pm, &hq, None).await,
        |r: &api_support::Resp| assert_eq!(r.status, StatusCode::BAD_REQUEST)
    );
}

/// A request body citing a source id.
type BodyOf = Box<dyn Fn(i64) -> Value>;

async fn references_to_hidden_sources_are_refused_like_missing_ones(backend: Backend) {
    let t = TestApp::new(backend).await;
    let hq = t.token("hq.editor").await;
    let london = t.token("london.drafter").await; // cleared C
    let secret = add_source(&t, &hq, "S", "Secret assessment").await;
    let missing = secret + 1000;
    // The detail names the id the caller gave; otherwise the two answers are the same.
    let same = |a: &api_support::Resp, b: &api_support::Resp, field: &str| {
        a.bad_field(field);
        b.bad_field(field);
        assert_eq!(
            a.text().replace(&format!("S{secret}"), "S?"),
            b.text().replace(&format!("S{missing}"), "S?"),
        );
    };
    let mut bodies: Vec<(Method, String, String, BodyOf)> = vec![
        (
            Method::POST,
            "/api/v1/policies".into(),
            "source".into(),
            Box::new(|s| policy(Some(s))),
        ),
        (
            Method::POST,
            "/api/v1/incidents".into(),
            "sources".into(),
            Box::new(|s| {
                let mut v = incident("LONDON", "U", "An account.");
                v["sources"] = json!([1, s]);
                v
            }),
        ),
        (
            Method::POST,
            "/api/v1/sources".into(),
            "derived_from".into(),
            Box::new(
                |s| json!({"kind": "news_report", "publisher": "A paper", "title": "Echo", "derived_from": s}),
            ),
        ),
    ];
    let r = t
        .call(
            Method::POST,
            "/api/v1/policies",
            &london,
            Some(policy(None)),
        )
        .await;
    let pm = r.json["id"].as_i64().unwrap();
    bodies.push((
        Method::PUT,
        format!("/api/v1/policies/{pm}"),
        "source".into(),
        Box::new(|s| policy(Some(s))),
    ));
    let own = add_source(&t, &london, "U", "A later note").await;
    bodies.push((
        Method::PUT,
        format!("/api/v1/sources/S{own}/derived_from"),
        "derived_from".into(),
        Box::new(|s| json!({ "derived_from": s })),
    ));
    for (method, url, field, body) in bodies {
        let a = refused!(
            t,
            t.call(method.clone(), &url, &london, Some(body(secret)))
                .await,
            |_: &api_support::Resp| ()
        );
        let b = refused!(
            t,
            t.call(method.clone(), &url, &london, Some(body(missing)))
                .await,
            |_: &api_support::Resp| ()
        );
        same(&a, &b, &field);
        assert!(!a.text().contains("Secret assessment"));
    }
    // hq.editor (cleared S) may cite it.
    let r = t
        .call(
            Method::POST,
            "/api/v1/policies",
            &hq,
            Some(policy(Some(secret))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // And a policy measure marked above the caller's clearance is refused.
    let mut p = policy(None);
    p["marking"] = json!("S");
    refused!(
        t,
        t.call(Method::POST, "/api/v1/policies", &london, Some(p))
            .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::BAD_REQUEST, "bad_request");
        }
    );
    // An engagement naming a tasking the caller may not see (the draft, HQ only).
    let mut e = engagement("LONDON", "U");
    e["tasking"] = json!("CHN-2026-0002");
    let hidden = refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/engagements",
            &london,
            Some(e.clone())
        )
        .await,
        |r: &api_support::Resp| r.bad_field("tasking")
    );
    e["tasking"] = json!("CHN-2099-0001");
    let absent = t
        .call(Method::POST, "/api/v1/engagements", &london, Some(e))
        .await;
    assert_eq!(
        hidden.text().replace("CHN-2026-0002", "?"),
        absent.text().replace("CHN-2099-0001", "?")
    );
}

async fn derived_from_is_marked_and_cleared(backend: Backend) {
    let t = TestApp::new(backend).await;
    let hq = t.token("hq.editor").await;
    let reader = t.token("reader").await;
    let older = add_source(&t, &hq, "U", "The original").await;
    let newer = add_source(&t, &hq, "U", "The echo").await;
    let url = format!("/api/v1/sources/S{newer}/derived_from");
    let before = t.audit_count().await;
    let r = t
        .call(
            Method::PUT,
            &url,
            &hq,
            Some(json!({ "derived_from": older })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["derived_from"], older);
    let r = t
        .call(
            Method::PUT,
            &url,
            &hq,
            Some(json!({ "derived_from": null })),
        )
        .await;
    assert_eq!(r.json["derived_from"], Value::Null);
    assert_eq!(t.audit_count().await, before + 2);
    for (body, field) in [
        (json!({ "derived_from": newer }), "derived_from"), // itself
        (json!({ "derived_from": 0 }), "derived_from"),
        (json!({ "derived_from": "S1" }), "derived_from"),
        (json!({}), "derived_from"), // required: an empty body never clears by accident
        (json!({ "derived_from": 1, "also": 2 }), "also"),
    ] {
        refused!(
            t,
            t.call(Method::PUT, &url, &hq, Some(body)).await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    refused!(
        t,
        t.call(
            Method::PUT,
            &format!("/api/v1/sources/S{older}/derived_from"),
            &hq,
            Some(json!({ "derived_from": newer }))
        )
        .await,
        |r: &api_support::Resp| r.bad_field("derived_from")
    );
    refused!(
        t,
        t.call(
            Method::PUT,
            &url,
            &reader,
            Some(json!({ "derived_from": older }))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::FORBIDDEN, "forbidden");
        }
    );
}

async fn admins_manage_accounts_through_the_api(backend: Backend) {
    let t = TestApp::new(backend).await;
    let admin = t.token("admin").await;
    let hq = t.token("hq.editor").await;

    let users = t.get("/api/v1/admin/users", &admin).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text());
    assert!(users.json["total"].as_u64().unwrap() >= 5);
    let posts = t.get("/api/v1/admin/posts", &admin).await;
    assert!(posts.text().contains("\"OTTAWA\""));

    let r = t
        .call(
            Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(json!({"username": "rome.drafter", "role": "post_drafter", "clearance": "SBU", "post": "ROME"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json["user"]["post"], "ROME");
    assert_eq!(r.json["user"]["active"], true);
    let password = r.json["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 12);
    let r = t
        .call(
            Method::PUT,
            "/api/v1/admin/users/rome.drafter",
            &admin,
            Some(json!({"role": "post_approver", "clearance": "C", "post": "ROME"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["role"], "post_approver");
    assert_eq!(r.json["clearance"], "C");
    let r = t
        .call(
            Method::POST,
            "/api/v1/admin/users/rome.drafter/password",
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_ne!(r.json["password"].as_str().unwrap(), password);

    // Refusals: other roles 403, unknown accounts 404, taken names 409, bad bodies 400.
    for (method, url, body) in [
        (Method::GET, "/api/v1/admin/users", None),
        (Method::GET, "/api/v1/admin/posts", None),
        (
            Method::POST,
            "/api/v1/admin/users",
            Some(json!({"username": "x.y", "role": "reader", "clearance": "U"})),
        ),
        (
            Method::PUT,
            "/api/v1/admin/users/rome.drafter/active",
            Some(json!({"active": false})),
        ),
        (
            Method::POST,
            "/api/v1/admin/users/rome.drafter/password",
            None,
        ),
    ] {
        refused!(
            t,
            t.call(method, url, &hq, body).await,
            |r: &api_support::Resp| {
                r.error(StatusCode::FORBIDDEN, "forbidden");
            }
        );
    }
    refused!(
        t,
        t.call(
            Method::PUT,
            "/api/v1/admin/users/no.such.user",
            &admin,
            Some(json!({"role": "reader", "clearance": "U"}))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::NOT_FOUND, "not_found");
        }
    );
    refused!(
        t,
        t.call(
            Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(json!({"username": "rome.drafter", "role": "reader", "clearance": "U"}))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    let new = |u: &str, role: &str, c: Value, post: Option<&str>| json!({"username": u, "role": role, "clearance": c, "post": post});
    for (body, field) in [
        (new("Bad Name", "reader", json!("U"), None), "username"),
        (new("a.b", "emperor", json!("U"), None), "role"),
        (new("a.b", "reader", json!("TS"), None), "clearance"),
        (new("a.b", "reader", json!(3), None), "clearance"),
        (new("a.b", "post_drafter", json!("U"), None), "post"),
        (new("a.b", "reader", json!("U"), Some("ATLANTIS")), "post"),
        (json!({"role": "reader", "clearance": "U"}), "username"),
        (
            json!({"username": "a.b", "role": "reader", "clearance": "U", "admin": true}),
            "admin",
        ),
    ] {
        refused!(
            t,
            t.call(Method::POST, "/api/v1/admin/users", &admin, Some(body))
                .await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    for (body, field) in [
        (json!({"active": "no"}), "active"),
        (json!({}), "active"),
        (json!({"active": false, "why": "x"}), "why"),
    ] {
        refused!(
            t,
            t.call(
                Method::PUT,
                "/api/v1/admin/users/rome.drafter/active",
                &admin,
                Some(body)
            )
            .await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    // An admin cannot lock themselves out.
    refused!(
        t,
        t.call(
            Method::PUT,
            "/api/v1/admin/users/admin/active",
            &admin,
            Some(json!({"active": false}))
        )
        .await,
        |r: &api_support::Resp| r.bad_field("active")
    );
}

async fn a_disabled_account_stops_at_once(backend: Backend) {
    let t = TestApp::new(backend).await;
    let admin = t.token("admin").await;
    let token = t.token("london.drafter").await;
    let browser = t.login("london.drafter").await;
    let bystander = t.login("london.approver").await;
    let bystander_token = t.token("london.approver").await;
    let me = |auth| t.api(Method::GET, "/api/v1/me", auth, None);
    assert_eq!(me(Auth::Bearer(&token)).await.status, StatusCode::OK);
    assert_eq!(
        me(Auth::Session(&browser, None)).await.status,
        StatusCode::OK
    );

    let before = t.audit_count().await;
    let r = t
        .call(
            Method::PUT,
            "/api/v1/admin/users/london.drafter/active",
            &admin,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["active"], false);
    assert_eq!(t.audit_count().await, before + 1);
    let events = t.app.store.audit_events().await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, "user.disable");
    assert_eq!(last.object_id, "london.drafter");
    let payload: Value = serde_json::from_str(&last.payload).unwrap();
    assert_eq!(payload["tokens_revoked"], 1);
    assert_eq!(payload["sessions_ended"], 1);

    // Its token and its session stop working at once.
    me(Auth::Bearer(&token))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    me(Auth::Session(&browser, None))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Nobody else's session or token is touched.
    assert_eq!(
        me(Auth::Session(&bystander, None)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        me(Auth::Bearer(&bystander_token)).await.status,
        StatusCode::OK
    );
    // Logging in with the right password answers exactly like a wrong password.
    let login = |password: String| {
        let t = &t;
        async move {
            let page = t
                .send(
                    axum::http::Request::get("/login")
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            let cookie = page
                .headers
                .get_all(axum::http::header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
                .find(|c| c.starts_with("chancery_session="))
                .unwrap();
            let csrf = page
                .text()
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string();
            let body = serde_urlencoded::to_string([
                ("username", "london.drafter"),
                ("password", password.as_str()),
                ("csrf", csrf.as_str()),
            ])
            .unwrap();
            let r = t
                .send(
                    axum::http::Request::post("/login")
                        .header(axum::http::header::COOKIE, cookie)
                        .header(
                            axum::http::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(axum::body::Body::from(body))
                        .unwrap(),
                )
                .await;
            // The form's CSRF token differs per session; the rest must be the same.
            let text = r.text().replace(&csrf, "CSRF");
            (r.status, text)
        }
    };
    let right = login(t.passwords["london.drafter"].clone()).await;
    let wrong = login("not-the-password".into()).await;
    assert_eq!(right.0, StatusCode::UNAUTHORIZED);
    assert_eq!(right.0, wrong.0);
    let strip_csrf = |s: &str| {
        s.split("name=\"csrf\" value=\"")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    part.split_once('"').map(|x| x.1).unwrap_or("").to_string()
                }
            })
            .collect::<String>()
    };
    assert_eq!(strip_csrf(&right.1), strip_csrf(&wrong.1));

    // Enabled again: the old token stays revoked; a new login works.
    let r = t
        .call(
            Method::PUT,
            "/api/v1/admin/users/london.drafter/active",
            &admin,
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(r.json["active"], true);
    let events = t.app.store.audit_events().await.unwrap();
    assert_eq!(events.last().unwrap().action, "user.enable");
    me(Auth::Bearer(&token))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    me(Auth::Session(&browser, None))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    let again = t.login("london.drafter").await;
    assert_eq!(me(Auth::Session(&again, None)).await.status, StatusCode::OK);
}

async fn actions_apply_to_the_report_as_seen(backend: Backend) {
    let t = TestApp::new(backend).await;
    let drafter = t.token("london.drafter").await;
    let report = t.get(&report_url("LONDON"), &drafter).await;
    let seen = report.json["lock_version"].as_i64().unwrap();
    // Someone saves meanwhile: the lock version moves on.
    let revision = report.json["sections"][0]["revision"].as_i64().unwrap();
    let key = report.json["sections"][0]["key"].as_str().unwrap();
    let saved = t
        .call(
            Method::PUT,
            &format!("{}/sections/{key}", report_url("LONDON")),
            &drafter,
            Some(json!({"body": "(U) A newer text [@S9] [@S10].", "revision": revision})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let submit = format!("{}/actions/submit", report_url("LONDON"));
    refused!(
        t,
        t.call(
            Method::POST,
            &submit,
            &drafter,
            Some(json!({ "lock_version": seen }))
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    for (body, field) in [
        (json!({"lock_version": -1}), "lock_version"),
        (json!({"lock_version": "7"}), "lock_version"),
        (json!({"lock_version": 1.5}), "lock_version"),
    ] {
        refused!(
            t,
            t.call(Method::POST, &submit, &drafter, Some(body)).await,
            |r: &api_support::Resp| r.bad_field(field)
        );
    }
    let now = t.get(&report_url("LONDON"), &drafter).await.json["lock_version"]
        .as_i64()
        .unwrap();
    assert!(now > seen);
    let r = t
        .call(
            Method::POST,
            &submit,
            &drafter,
            Some(json!({ "lock_version": now })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json["status"], "in_clearance");
    assert!(r.json["lock_version"].as_i64().unwrap() > now);
}

async fn issuing_an_issued_tasking_is_a_conflict(backend: Backend) {
    let t = TestApp::new(backend).await;
    let hq = t.token("hq.editor").await;
    let r = refused!(
        t,
        t.call(
            Method::POST,
            &format!("/api/v1/taskings/{TASKING}/issue"),
            &hq,
            None
        )
        .await,
        |r: &api_support::Resp| {
            r.error(StatusCode::CONFLICT, "conflict");
        }
    );
    assert!(r.text().contains("already issued"), "{}", r.text());
}

async fn captures_download_with_their_hash_to_those_who_may_see_them(backend: Backend) {
    let t = TestApp::new(backend).await;
    let reader = t.token("reader").await;
    let hq = t.token("hq.editor").await;
    let london = t.token("london.drafter").await;
    let sources = t.get("/api/v1/sources?per_page=100", &reader).await;
    let s1 = sources.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == 1)
        .unwrap()
        .clone();
    let want_sha = s1["capture_sha256"].as_str().unwrap();
    let browser = t.login("reader").await;
    for (url, auth) in [
        ("/api/v1/sources/S1/capture", Auth::Bearer(&reader)),
        ("/sources/S1/capture", Auth::Session(&browser, None)),
    ] {
        let r = t.api(Method::GET, url, auth, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
        assert_eq!(
            chancery_domain::audit::sha256_hex(&r.bytes),
            want_sha,
            "{url}: the bytes are not the ones whose SHA-256 is shown"
        );
        let h = |name: &str| r.headers[name].to_str().unwrap().to_string();
        assert!(
            ["text/plain", "text/csv"].contains(&h("content-type").as_str()),
            "{}",
            h("content-type")
        );
        assert!(h("content-disposition").starts_with("attachment; filename="));
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert!(h("content-security-policy").starts_with("sandbox"));
    }
    // A capture whose name and media type are hostile still downloads as an attachment with
    // a header-safe name, and never as HTML in the application's origin.
    let r = t
        .call(
            Method::POST,
            "/api/v1/sources",
            &hq,
            Some(json!({
                "kind": "news_report",
                "publisher": "A paper",
                "title": "Hostile capture",
                "capture": {"name": "a\"b\r\nX: y é.html", "media_type": "text/html\r\nX: y", "text": "<script>alert(1)</script>"},
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json["id"].as_i64().unwrap();
    let r = t
        .get(&format!("/api/v1/sources/{id}/capture"), &reader)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/octet-stream");
    let d = r.headers["content-disposition"].to_str().unwrap();
    assert!(d.starts_with("attachment; filename=\"a_b__X__y_"), "{d}");
    assert!(
        d.contains("filename*=UTF-8''a%22b%0D%0AX%3A%20y%20%C3%A9.html"),
        "{d}"
    );
    assert!(r.headers.get("x").is_none());

    // Hidden (S) source: the same 404 as a missing one; a source without capture: 404.
    let secret = add_source(&t, &hq, "S", "Secret assessment").await;
    let hidden = t
        .get(&format!("/api/v1/sources/S{secret}/capture"), &london)
        .await;
    hidden.error(StatusCode::NOT_FOUND, "not_found");
    let missing = t.get("/api/v1/sources/S999999/capture", &london).await;
    assert_eq!(hidden.bytes, missing.bytes);
    t.get(&format!("/api/v1/sources/S{secret}/capture"), &hq)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

chancery_testkit::on_every_backend!(
    records_are_edited_through_the_api,
    record_bodies_with_bad_input_are_400_naming_the_field,
    references_to_hidden_sources_are_refused_like_missing_ones,
    derived_from_is_marked_and_cleared,
    admins_manage_accounts_through_the_api,
    a_disabled_account_stops_at_once,
    actions_apply_to_the_report_as_seen,
    issuing_an_issued_tasking_is_a_conflict,
    captures_download_with_their_hash_to_those_who_may_see_them,
);
