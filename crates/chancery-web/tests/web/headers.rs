//! Security headers on every kind of response, and pages that a strict CSP does not break.

use axum::http::StatusCode;

use crate::common::{Backend, Resp, TestApp, report_path};

#[track_caller]
fn assert_security_headers(what: &str, r: &Resp) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for want in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&want), "{what}: CSP {csp} lacks {want}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: CSP {csp}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    let referrer = r.header("referrer-policy").unwrap_or_default();
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer),
        "{what}: Referrer-Policy {referrer:?}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(r.header("x-request-id").is_some(), "{what}: no request id");
}

/// Nothing on the page needs `'unsafe-inline'`: no inline script, style or event handler.
#[track_caller]
fn assert_no_inline_code(what: &str, r: &Resp) {
    let doc = r.doc();
    assert!(!doc.has("script:not([src])"), "{what}: inline <script>");
    assert!(!doc.has("style"), "{what}: <style> element");
    assert!(!doc.has("[style]"), "{what}: style attribute");
    for e in doc.all("*") {
        for (name, _) in e.value().attrs() {
            assert!(!name.starts_with("on"), "{what}: {name} handler");
        }
    }
}

async fn pages_errors_404s_redirects_and_the_stylesheet_carry_the_security_headers(
    backend: Backend,
) {
    let app = TestApp::new(backend).await;
    let mut anon = app.client();
    let mut drafter = app.login("london.drafter").await;
    let mut responses: Vec<(&str, Resp)> = vec![
        ("login page", anon.get("/login").await),
        ("redirect to login", anon.get("/").await),
        ("404 (no route)", anon.get("/no/such/page").await),
        ("405", anon.get("/logout").await),
        ("stylesheet", anon.get("/static/app.css").await),
        ("health", anon.get("/healthz").await),
        (
            "403 (CSRF)",
            anon.post("/login", &[("username", "x"), ("password", "y")])
                .await,
        ),
        ("dashboard", drafter.get("/").await),
        ("tasking", drafter.get("/taskings/CHN-2026-0001").await),
        ("report", drafter.get(&report_path("LONDON")).await),
        ("sources", drafter.get("/sources").await),
        ("account", drafter.get("/account").await),
        (
            "404 (hidden report)",
            drafter.get(&report_path("WELLINGTON")).await,
        ),
        (
            "404 (missing tasking)",
            drafter.get("/taskings/CHN-2099-0001").await,
        ),
    ];
    let csrf = drafter.csrf("/").await;
    responses.push((
        "409 (illegal action)",
        drafter
            .post(
                &format!("{}/actions/clear", report_path("LONDON")),
                &[("csrf", &csrf)],
            )
            .await,
    ));
    responses.push((
        "400 (bad form)",
        drafter
            .post(
                &format!("{}/sections/summary", report_path("LONDON")),
                &[("csrf", &csrf), ("body", "x")],
            )
            .await,
    ));
    let expected = [
        StatusCode::OK,
        StatusCode::SEE_OTHER,
        StatusCode::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED,
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::FORBIDDEN,
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::NOT_FOUND,
        StatusCode::NOT_FOUND,
        StatusCode::CONFLICT,
        StatusCode::BAD_REQUEST,
    ];
    assert_eq!(responses.len(), expected.len());
    for ((what, r), want) in responses.iter().zip(expected) {
        assert_eq!(r.status, want, "{what}: {}", r.body);
        assert_security_headers(what, r);
        let html = r
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        if html {
            assert_no_inline_code(what, r);
            // Pages (including error pages) are never cached: they may be about classified work.
            assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
        }
    }
    let css = &responses[4].1;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
}

chancery_testkit::on_every_backend!(
    pages_errors_404s_redirects_and_the_stylesheet_carry_the_security_headers,
);
