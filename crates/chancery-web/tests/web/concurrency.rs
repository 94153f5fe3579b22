//! Optimistic concurrency under real concurrent requests (issue 7, item 4): two app servers
//! (each its own connection pool) over one database, requests racing on the runtime's worker
//! threads. Two editors saving the same section from the same revision: exactly one saves, the
//! other gets 409 with its text still in the editor. Two approvers acting on one report at
//! once: exactly one transition happens, the other gets 409 naming the conflict.

use axum::http::StatusCode;
use chancery_domain::Classification;
use chancery_domain::user::Role;
use chancery_web::WebConfig;

use crate::common::{Backend, Client, Doc, Resp, TestApp, report_path};

/// The fields of the form posting to `action` on `doc`, with `changes` applied.
fn fields(doc: &Doc, action: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = doc.form(action);
    for (k, v) in changes {
        fields.insert((*k).into(), (*v).into());
    }
    fields.into_iter().collect()
}

/// Sends both form posts at once, each from its own task, and returns both responses.
async fn race(
    (one, action_one, fields_one): (Client, String, Vec<(String, String)>),
    (two, action_two, fields_two): (Client, String, Vec<(String, String)>),
) -> (Resp, Resp) {
    let post = |mut c: Client, action: String, fields: Vec<(String, String)>| {
        tokio::spawn(async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            c.post(&action, &pairs).await
        })
    };
    let a = post(one, action_one, fields_one);
    let b = post(two, action_two, fields_two);
    let (a, b) = tokio::join!(a, b);
    (a.unwrap(), b.unwrap())
}

async fn two_editors_saving_one_section_at_once_exactly_one_wins(backend: Backend) {
    let a = TestApp::new(backend).await;
    let b = a.second_server(WebConfig::default()).await;
    let london = report_path("LONDON");
    let action = format!("{london}/sections/public_safety");
    // Two sessions of the drafter, one on each server.
    let mut one = a.login("london.drafter").await;
    let mut two = b.login("london.drafter").await;
    for round in 0..3 {
        let page_one = one.get(&london).await.doc();
        let page_two = two.get(&london).await.doc();
        let base = page_one.form(&action)["revision"].clone();
        assert_eq!(page_two.form(&action)["revision"], base, "round {round}");
        let text_one = format!("(U) Editor one writes this in round {round} [@S9].");
        let text_two = format!("(U) Editor two writes that in round {round} [@S10].");
        let before = a.snapshot().await;
        let (r1, r2) = race(
            (
                one.clone(),
                action.clone(),
                fields(
                    &page_one,
                    &action,
                    &[("body", &text_one), ("intent", "save")],
                ),
            ),
            (
                two.clone(),
                action.clone(),
                fields(
                    &page_two,
                    &action,
                    &[("body", &text_two), ("intent", "save")],
                ),
            ),
        )
        .await;
        let statuses = [r1.status, r2.status];
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "round {round}: one save wins, one conflicts: {statuses:?}\n{}\n{}",
            r1.body,
            r2.body
        );
        let (winner, loser, lost_text) = if r1.status == StatusCode::OK {
            (&text_one, &r2, &text_two)
        } else {
            (&text_two, &r1, &text_one)
        };
        // The loser's page says why and keeps what it typed, ready to merge and save again.
        let conflict = loser.doc();
        assert!(
            conflict
                .text("main [role=alert]")
                .contains("changed by someone else"),
            "{}",
            loser.body
        );
        assert_eq!(&conflict.form(&action)["body"], lost_text);
        // Exactly one new revision, the winner's, and one audit event.
        let stored = b.section("LONDON", "public_safety").await.unwrap();
        assert_eq!(stored.revision, base.parse::<i64>().unwrap() + 1);
        assert!(stored.body.contains(winner.trim_start_matches("(U) ")));
        assert_eq!(a.audit_count().await, before.audit_events + 1);
    }
    a.close().await;
    b.close().await;
}

async fn two_approvers_acting_on_one_report_at_once_exactly_one_transition(backend: Backend) {
    let mut a = TestApp::new(backend).await;
    let hash = chancery_app::hash_password("second-approver-pw").unwrap();
    a.add_user(
        "wellington.approver2",
        Role::PostApprover,
        Classification::Confidential,
        Some("WELLINGTON"),
        "second-approver-pw",
        &hash,
    )
    .await;
    let b = a.second_server(WebConfig::default()).await;
    let wellington = report_path("WELLINGTON");
    assert_eq!(
        a.report_row("WELLINGTON").await.unwrap().status.code(),
        "in_clearance"
    );
    let mut first = a.login("wellington.approver").await;
    let mut second = b.login("wellington.approver2").await;
    let page_first = first.get(&wellington).await.doc();
    let page_second = second.get(&wellington).await.doc();
    let clear = format!("{wellington}/actions/clear");
    let ret = format!("{wellington}/actions/return");
    let before = a.snapshot().await;
    let (r1, r2) = race(
        (
            first.clone(),
            clear.clone(),
            fields(&page_first, &clear, &[]),
        ),
        (
            second.clone(),
            ret.clone(),
            fields(&page_second, &ret, &[("reason", "Needs the 2025 figures.")]),
        ),
    )
    .await;
    let statuses = [r1.status, r2.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "one action wins, one conflicts: {statuses:?}\n{}\n{}",
        r1.body,
        r2.body
    );
    let (want, loser) = if r1.status == StatusCode::OK {
        ("cleared", &r2)
    } else {
        ("draft", &r1)
    };
    let alert = loser.doc().text("main [role=alert]");
    assert!(!alert.is_empty(), "{}", loser.body);
    let row = b.report_row("WELLINGTON").await.unwrap();
    assert_eq!(row.status.code(), want);
    assert_eq!(row.lock_version, before_lock(&before, "WELLINGTON") + 1);
    assert_eq!(a.audit_count().await, before.audit_events + 1);
    let verified = a.state.app.audit_verify().await.unwrap().unwrap();
    assert_eq!(usize::try_from(verified).unwrap(), b.audit_count().await);
    a.close().await;
    b.close().await;
}

/// The lock version `post`'s report had in `snapshot`.
fn before_lock(snapshot: &crate::common::Snapshot, post: &str) -> i64 {
    snapshot
        .reports
        .iter()
        .find(|(r, ..)| r.post.as_str() == post)
        .map(|(r, ..)| r.lock_version)
        .unwrap()
}

chancery_testkit::on_every_backend!(
    two_editors_saving_one_section_at_once_exactly_one_wins,
    two_approvers_acting_on_one_report_at_once_exactly_one_transition,
);
