//! Logging in and out, throttling, cookies and session lifetimes.

use std::time::Duration;

use axum::http::StatusCode;
use chancery_web::WebConfig;

use crate::common::{Backend, Client, TestApp};

/// A logged-in page shows the user in the header; a logged-out request goes to the login form.
async fn logged_in_as(c: &mut Client) -> Option<String> {
    let r = c.get("/").await;
    match r.status {
        StatusCode::OK => Some(r.doc().text("header nav a[href='/account']")),
        StatusCode::SEE_OTHER => {
            assert_eq!(r.location(), Some("/login"));
            None
        }
        other => panic!("GET / answered {other}: {}", r.body),
    }
}

async fn wrong_password_and_unknown_user_get_the_same_401_page_and_no_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let before = app.snapshot().await;
    let mut c = app.client();
    let csrf = c.csrf("/login").await;

    let wrong = c
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "london.drafter"),
                ("password", "not-the-password-at-all"),
            ],
        )
        .await;
    wrong.assert_status(StatusCode::UNAUTHORIZED);
    let doc = wrong.doc();
    assert_eq!(doc.text("main [role=alert]"), "Wrong username or password.");
    // The form comes back, with the username kept and the password not.
    assert_eq!(
        doc.attr("input[name=username]", "value").as_deref(),
        Some("london.drafter")
    );
    assert_eq!(doc.attr("input[name=password]", "value"), None);
    assert_eq!(logged_in_as(&mut c).await, None);

    let unknown = c
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "nobody.here"),
                ("password", "not-the-password-at-all"),
            ],
        )
        .await;
    assert_eq!(unknown.status, wrong.status);
    // Byte for byte the same page, apart from the username typed in.
    assert_eq!(
        unknown.body.replace("nobody.here", "USER"),
        wrong.body.replace("london.drafter", "USER")
    );
    assert_eq!(logged_in_as(&mut c).await, None);
    // Failed logins write no audit event and change nothing.
    assert_eq!(app.snapshot().await, before);
}

async fn five_failures_lock_the_account_and_the_address_even_for_the_right_password(
    backend: Backend,
) {
    let app = TestApp::new(backend).await;
    let fail = |c: &mut Client, user: &'static str| {
        let mut c = c.clone();
        async move {
            let r = c.login(user, "wrong-password-123").await;
            r.assert_status(StatusCode::UNAUTHORIZED);
        }
    };

    // The account: five failures from one address.
    let mut a = app.client().with_addr("10.0.0.1:5000");
    for _ in 0..5 {
        fail(&mut a, "london.drafter").await;
    }
    let right = app.password("london.drafter");
    let r = a.login("london.drafter", &right).await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    let detail = r.doc().text(".error-detail");
    assert!(detail.contains("wait"), "{detail}");
    assert!(!r.body.contains(&right));
    assert_eq!(logged_in_as(&mut a).await, None);
    // The account stays locked from any other address.
    let mut b = app.client().with_addr("10.0.0.2:5000");
    b.login("london.drafter", &right)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(logged_in_as(&mut b).await, None);

    // The address: five failures on five different (unknown) accounts.
    let mut c = app.client().with_addr("10.0.0.3:5000");
    for user in ["ghost1", "ghost2", "ghost3", "ghost4", "ghost5"] {
        fail(&mut c, user).await;
    }
    let ottawa = app.password("ottawa.drafter");
    c.login("ottawa.drafter", &ottawa)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(logged_in_as(&mut c).await, None);
    // The same account from a clean address is fine.
    let mut d = app.client().with_addr("10.0.0.4:5000");
    d.login("ottawa.drafter", &ottawa)
        .await
        .assert_redirect("/");
    assert_eq!(
        logged_in_as(&mut d).await.as_deref(),
        Some("ottawa.drafter")
    );
}

fn cookie_attrs(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

async fn login_rotates_the_session_id_and_sets_httponly_samesite_lax_cookies(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.client();
    let page = c.get("/login").await;
    page.assert_status(StatusCode::OK);
    let before = c
        .session_cookie()
        .expect("the login form starts a session (CSRF)");
    let events = app.audit_count().await;

    let r = c
        .post(
            "/login",
            &[
                ("csrf", &page.doc().csrf()),
                ("username", "reader"),
                ("password", &app.password("reader")),
            ],
        )
        .await;
    r.assert_redirect("/");
    let set = r.set_cookies();
    let session: Vec<&String> = set
        .iter()
        .filter(|s| s.starts_with("chancery_session="))
        .collect();
    assert_eq!(session.len(), 1, "{set:?}");
    let attrs = cookie_attrs(session[0]);
    assert!(attrs.contains(&"httponly".into()), "{attrs:?}");
    assert!(attrs.contains(&"samesite=lax".into()), "{attrs:?}");
    assert!(attrs.contains(&"path=/".into()), "{attrs:?}");
    assert!(!attrs.contains(&"secure".into()), "plain HTTP: {attrs:?}");
    let after = c.session_cookie().unwrap();
    assert_ne!(before, after, "the session id must change at login");
    assert_eq!(logged_in_as(&mut c).await.as_deref(), Some("reader"));
    // Exactly one audit event: the login.
    let log = app.store().audit_events().await.unwrap();
    assert_eq!(log.len(), events + 1);
    assert_eq!(log.last().unwrap().action, "auth.login");

    // The pre-login id is dead: whoever planted it gains nothing.
    let mut planted = app.client();
    planted.jar.insert("chancery_session".into(), before);
    assert_eq!(logged_in_as(&mut planted).await, None);

    // Served over TLS: Secure too.
    let tls = TestApp::with_config(
        backend,
        WebConfig {
            secure_cookies: true,
            ..WebConfig::default()
        },
    )
    .await;
    let mut c = tls.client();
    let r = c.login("reader", &tls.password("reader")).await;
    r.assert_redirect("/");
    let set = r.set_cookies();
    let attrs = cookie_attrs(
        set.iter()
            .find(|s| s.starts_with("chancery_session="))
            .unwrap(),
    );
    assert!(attrs.contains(&"secure".into()), "{attrs:?}");
    assert!(attrs.contains(&"httponly".into()), "{attrs:?}");
}

async fn logout_needs_the_csrf_token_and_ends_the_session_on_the_server(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.login("reader").await;
    let csrf = c.csrf("/").await;
    let cookie = c.session_cookie().unwrap();

    let r = c.post("/logout", &[]).await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(logged_in_as(&mut c).await.as_deref(), Some("reader"));
    let r = c.post("/logout", &[("csrf", "0000")]).await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(logged_in_as(&mut c).await.as_deref(), Some("reader"));

    let r = c.post("/logout", &[("csrf", &csrf)]).await;
    r.assert_redirect("/login");
    assert_eq!(c.session_cookie(), None, "the cookie is removed");
    assert_eq!(logged_in_as(&mut c).await, None);
    // Replaying the old cookie does not bring the session back.
    let mut replay = app.client();
    replay.jar.insert("chancery_session".into(), cookie);
    assert_eq!(logged_in_as(&mut replay).await, None);
}

async fn the_absolute_timeout_ends_even_an_active_session(backend: Backend) {
    let app = TestApp::with_config(
        backend,
        WebConfig {
            absolute_timeout: Duration::from_secs(1),
            ..WebConfig::default()
        },
    )
    .await;
    let mut c = app.login("reader").await;
    assert_eq!(logged_in_as(&mut c).await.as_deref(), Some("reader"));
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = c.get("/").await;
    }
    let r = c.get("/sources").await;
    r.assert_redirect("/login");
    assert_eq!(logged_in_as(&mut c).await, None);
}

async fn the_idle_timeout_counts_from_the_last_request(backend: Backend) {
    let app = TestApp::with_config(
        backend,
        WebConfig {
            idle_timeout: Duration::from_secs(2),
            ..WebConfig::default()
        },
    )
    .await;
    let mut c = app.login("reader").await;
    // Active for longer than the idle timeout: still logged in.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            logged_in_as(&mut c).await.as_deref(),
            Some("reader"),
            "an active session must not expire"
        );
    }
    // Then idle for longer than it: logged out.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = c.get("/taskings/CHN-2026-0001").await;
    r.assert_redirect("/login");
}

chancery_testkit::on_every_backend!(
    wrong_password_and_unknown_user_get_the_same_401_page_and_no_session,
    five_failures_lock_the_account_and_the_address_even_for_the_right_password,
    login_rotates_the_session_id_and_sets_httponly_samesite_lax_cookies,
    logout_needs_the_csrf_token_and_ends_the_session_on_the_server,
    the_absolute_timeout_ends_even_an_active_session,
    the_idle_timeout_counts_from_the_last_request,
);
