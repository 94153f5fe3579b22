//! Every state-changing form needs the session's CSRF token: without it, or with a wrong
//! one (garbage, or another session's valid token), the answer is 403 and nothing is written.

use axum::http::StatusCode;
use chancery_domain::Classification;
use chancery_domain::ids::Username;
use chancery_domain::user::Role;

use crate::common::{Backend, TASKING, TestApp, report_path};

/// The three ways a token can be wrong: absent, garbage, another session's.
async fn bad_tokens(app: &TestApp) -> Vec<(&'static str, Option<String>)> {
    let other = app.login("reader").await.csrf("/").await;
    vec![
        ("no token", None),
        ("garbage token", Some("deadbeef".into())),
        ("empty token", Some(String::new())),
        ("another session's token", Some(other)),
    ]
}

async fn every_state_changing_post_without_the_right_token_is_403_and_writes_nothing(
    backend: Backend,
) {
    let mut app = TestApp::new(backend).await;
    let hash = chancery_app::hash_password("canberra-password-1").unwrap();
    app.add_user(
        "canberra.drafter",
        Role::PostDrafter,
        Classification::Confidential,
        Some("CANBERRA"),
        "canberra-password-1",
        &hash,
    )
    .await;
    let london = report_path("LONDON");
    // (user, path, fields besides the token), each allowed with the right token.
    type Case<'a> = (&'a str, String, Vec<(&'a str, String)>);
    let cases: Vec<Case> = vec![
        (
            "canberra.drafter",
            format!("/taskings/{TASKING}/reports/CANBERRA/new"),
            vec![],
        ),
        (
            "london.drafter",
            format!("{london}/sections/public_safety"),
            vec![
                ("revision", "0".into()),
                ("body", "(U) Ninety people were housed [@S1].".into()),
                ("intent", "save".into()),
            ],
        ),
        ("london.drafter", format!("{london}/actions/submit"), vec![]),
        (
            "london.drafter",
            format!("{london}/comments"),
            vec![("body", "Please check the figures.".into())],
        ),
        // Last: the control changes the password. (Logout: see the login tests.)
        (
            "london.drafter",
            "/account/password".into(),
            vec![
                ("current", app.password("london.drafter")),
                ("new", "a-brand-new-password-42".into()),
            ],
        ),
    ];
    let bad = bad_tokens(&app).await;
    for (user, path, fields) in &cases {
        let mut c = app.login(user).await;
        let good = c.csrf("/").await;
        let hash_before = app
            .store()
            .user(&Username::parse(user).unwrap())
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        let before = app.snapshot().await;
        for (what, token) in &bad {
            let mut form: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let r = c.post(path, &form).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{what} on {path}: {}",
                r.body
            );
            let detail = r.doc().text(".error-detail");
            assert!(detail.contains("security token"), "{detail}");
            assert_eq!(
                app.snapshot().await,
                before,
                "{what} on {path} wrote something"
            );
            let hash_after = app
                .store()
                .user(&Username::parse(user).unwrap())
                .await
                .unwrap()
                .unwrap()
                .password_hash;
            assert_eq!(hash_before, hash_after, "{what} changed the password");
            // Still logged in (a refused logout did not log out).
            c.get("/").await.assert_status(StatusCode::OK);
        }
        // The control: the right token is accepted.
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("csrf", &good));
        let r = c.post(path, &form).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::SEE_OTHER,
            "right token on {path}: {} {}",
            r.status,
            r.body
        );
        assert_ne!(app.snapshot().await, before, "{path} wrote nothing");
    }
}

async fn login_without_the_form_token_is_403_and_logs_nobody_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let before = app.snapshot().await;
    // A cross-site form has no session (so no token) or a guessed one.
    for token in [None, Some("deadbeef")] {
        let mut c = app.client();
        let _ = c.get("/login").await;
        let mut form = vec![
            ("username", "reader".to_string()),
            ("password", app.password("reader")),
        ];
        if let Some(t) = token {
            form.push(("csrf", t.into()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post("/login", &form)
            .await
            .assert_status(StatusCode::FORBIDDEN);
        c.get("/").await.assert_redirect("/login");
    }
    assert_eq!(app.snapshot().await, before);
}

chancery_testkit::on_every_backend!(
    every_state_changing_post_without_the_right_token_is_403_and_writes_nothing,
    login_without_the_form_token_is_403_and_logs_nobody_in,
);
