//! Reused pages (`x-cache: hit`): a repeat view of the dashboard, a tasking or a report is
//! answered from the copy rendered for the same session while the data generation is
//! unchanged — and never once anything it shows has changed, for another session, or after
//! the session ended.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chancery_domain::audit::sha256_hex;
use chancery_domain::ids::Username;
use chancery_web::WebConfig;

use crate::common::{Backend, Client, Resp, TASKING, TestApp, report_path};

fn cache(r: &Resp) -> &str {
    r.headers
        .get("x-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn view(c: &mut Client, path: &str) -> Resp {
    let r = c.get(path).await;
    r.assert_status(StatusCode::OK);
    r
}

async fn repeat_views_are_reused_until_the_data_changes(backend: Backend) {
    let app = &TestApp::new(backend).await;
    let london = report_path("LONDON");
    let tasking = format!("/taskings/{TASKING}");
    let mut drafter = app.login("london.drafter").await;
    for path in ["/", tasking.as_str(), london.as_str()] {
        let first = view(&mut drafter, path).await;
        let again = view(&mut drafter, path).await;
        assert_eq!(
            (cache(&first), cache(&again)),
            ("miss", "hit"),
            "GET {path}"
        );
        assert_eq!(
            first.bytes, again.bytes,
            "GET {path}: a reused page differs"
        );
        assert!(again.headers.get("set-cookie").is_none());
    }

    // A browser asking for gzip gets the same page, compressed (once, when it was kept).
    let plain = view(&mut drafter, &london).await;
    let packed = drafter
        .send(
            Request::get(london.as_str())
                .header("accept-encoding", "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    packed.assert_status(StatusCode::OK);
    assert_eq!(cache(&packed), "hit");
    assert_eq!(packed.headers["content-encoding"], "gzip");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed.bytes[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, plain.bytes);

    // Another session of the same account has its own pages (its own CSRF token).
    let mut other = app.login("london.drafter").await;
    let theirs = view(&mut other, &london).await;
    assert_eq!(cache(&theirs), "miss");
    let mine = view(&mut drafter, &london).await;
    assert_ne!(theirs.doc().csrf(), mine.doc().csrf());

    // A change made through this session shows on the next view.
    let page = mine.doc();
    let action = format!("{london}/sections/public_safety");
    let form = page.form(&action);
    let text = "(U) Reused pages never hide a change. [@S1]";
    let saved = drafter
        .post(
            &action,
            &[
                ("csrf", &form["csrf"]),
                ("revision", &form["revision"]),
                ("body", text),
                ("intent", "save"),
            ],
        )
        .await;
    assert!(
        saved.status.is_success() || saved.status.is_redirection(),
        "{}",
        saved.body
    );
    let after = view(&mut drafter, &london).await;
    assert_eq!(cache(&after), "miss");
    assert!(after.body.contains("Reused pages never hide a change."));

    // So does a change made by anyone else, through the other session: it moves the
    // generation, and every kept page is rendered again.
    view(&mut drafter, &london).await;
    assert_eq!(cache(&view(&mut drafter, &london).await), "hit");
    let csrf = other.csrf("/account").await;
    other
        .post("/logout", &[("csrf", &csrf)])
        .await
        .assert_redirect("/login");
    assert_eq!(
        cache(&view(&mut drafter, &london).await),
        "hit",
        "sessions do not count"
    );
    let store = app.store();
    let approver = app.actor("london.approver").await;
    app.state
        .app
        .act(
            &approver,
            &chancery_domain::ids::TaskingRef::parse(TASKING).unwrap(),
            &chancery_domain::ids::PostCode::parse("LONDON").unwrap(),
            &chancery_domain::workflow::Action::Submit,
        )
        .await
        .unwrap();
    let moved = view(&mut drafter, &london).await;
    assert_eq!(cache(&moved), "miss");
    assert_eq!(moved.doc().text("h1 .status"), "in_clearance");

    // Sessions are stored without the generation they were read with.
    let id = drafter.session_cookie().unwrap();
    let row = store
        .session_load(&sha256_hex(id.as_bytes()), 0)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.data.contains("generation"), "{}", row.data);

    // A disabled account is refused at once, kept pages or not.
    let admin = app.actor("admin").await;
    app.state
        .app
        .set_user_active(&admin, &Username::parse("london.drafter").unwrap(), false)
        .await
        .unwrap();
    drafter.get(&london).await.assert_redirect("/login");
    app.close().await;
}

chancery_testkit::on_every_backend!(repeat_views_are_reused_until_the_data_changes);

#[tokio::test]
async fn pages_are_rendered_every_time_when_reuse_is_off() {
    let app = TestApp::with_config(
        Backend::Sqlite,
        WebConfig {
            reuse_pages: false,
            ..WebConfig::default()
        },
    )
    .await;
    let mut hq = app.login("hq.editor").await;
    for _ in 0..2 {
        let r = view(&mut hq, "/").await;
        assert!(r.headers.get("x-cache").is_none());
    }
}
