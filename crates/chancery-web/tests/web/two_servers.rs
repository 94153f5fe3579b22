//! Two app servers, one database (issue 7, item 5): app servers keep no state of their own, so
//! a session started on one continues on the other and a change made through one is seen
//! through the other at once. Run over one SQLite file, and over one PostgreSQL database when
//! `CHANCERY_TEST_POSTGRES` names a server.

use axum::http::StatusCode;
use chancery_web::WebConfig;

use crate::common::{Backend, TestApp, report_path};

async fn check_two_servers(a: &TestApp, b: &TestApp) {
    let london = report_path("LONDON");
    // Log in through A; the same cookie is a session on B.
    let mut drafter_a = a.login("london.drafter").await;
    let mut drafter_b = drafter_a.on(&b.router);
    let r = drafter_b.get("/").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.doc().text("header nav a[href='/account']"),
        "london.drafter"
    );

    // A transition made on A is visible on B immediately.
    let page = drafter_a.get(&london).await.doc();
    assert_eq!(page.text("h1 .status"), "draft");
    let submit = format!("{london}/actions/submit");
    let form = page.form(&submit);
    let r = drafter_a
        .post(&submit, &[("csrf", &form["csrf"]), ("lock", &form["lock"])])
        .await;
    r.assert_status(StatusCode::OK);
    let on_b = drafter_b.get(&london).await;
    on_b.assert_status(StatusCode::OK);
    assert_eq!(on_b.doc().text("h1 .status"), "in_clearance");

    // The other way round: a form served by B is accepted by A (one session, one token).
    let mut approver_b = b.login("london.approver").await;
    let page = approver_b.get(&london).await.doc();
    let clear = format!("{london}/actions/clear");
    let form = page.form(&clear);
    let mut approver_a = approver_b.on(&a.router);
    let r = approver_a
        .post(&clear, &[("csrf", &form["csrf"]), ("lock", &form["lock"])])
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        approver_b.get(&london).await.doc().text("h1 .status"),
        "cleared"
    );

    // Logging out on B ends the session everywhere.
    let csrf = drafter_b.csrf("/").await;
    drafter_b
        .post("/logout", &[("csrf", &csrf)])
        .await
        .assert_redirect("/login");
    drafter_a.get("/").await.assert_redirect("/login");

    // Both servers wrote to one audit chain, which still verifies.
    let verified = a.state.app.audit_verify().await.unwrap().unwrap();
    assert_eq!(usize::try_from(verified).unwrap(), b.audit_count().await);
}

async fn two_servers_over_one_database_share_sessions_and_state(backend: Backend) {
    let a = TestApp::new(backend).await;
    let b = a.second_server(WebConfig::default()).await;
    check_two_servers(&a, &b).await;
    a.close().await;
    b.close().await;
}

chancery_testkit::on_every_backend!(two_servers_over_one_database_share_sessions_and_state);
