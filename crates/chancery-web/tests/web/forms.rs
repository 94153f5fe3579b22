//! Forms shown again on a 400 with the user's input and the error beside the field (issue 3,
//! item 3), policy measure targets edited in the page, and accounts disabled and enabled from
//! the admin page (a disabled account's open session ends at once; its login answers like a
//! wrong password).

use axum::http::StatusCode;
use chancery_domain::ids::Username;
use chancery_testkit::Backend;

use crate::common::TestApp;

async fn policy_targets_are_edited_in_the_page(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.login("hq.editor").await;
    let policy = app
        .store()
        .policies()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.spec.targets.len() >= 2)
        .expect("a demo measure with targets");
    let action = format!("/policies/{}", policy.id);
    let page = c.get(&action).await;
    page.assert_status(StatusCode::OK);
    let form = page.doc().form(&action);
    let lines: Vec<&str> = form["targets"].lines().collect();
    assert_eq!(
        lines.len(),
        policy.spec.targets.len(),
        "{}",
        form["targets"]
    );
    let first = &policy.spec.targets[0];
    assert_eq!(
        lines[0],
        format!(
            "{} | {} | {} | {}",
            first.series, first.period, first.value, first.unit
        )
    );

    // Change one value, drop the rest, add one.
    let csrf = page.doc().csrf();
    let mut sent: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for name in ["measure_type", "marking"] {
        let selected = page
            .doc()
            .attr(&format!("select[name={name}] option[selected]"), "value")
            .unwrap();
        sent.push((name.into(), selected));
    }
    let targets = format!(
        "{} | {} | 123456 | {}\n\nnew_series | 2030 | 7.5 | per cent",
        first.series, first.period, first.unit
    );
    sent.retain(|(k, _)| k != "targets");
    sent.push(("targets".into(), targets.clone()));
    sent.push(("csrf".into(), csrf.clone()));
    let pairs: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let before = app.audit_count().await;
    c.post(&action, &pairs).await.assert_redirect(&action);
    assert_eq!(app.audit_count().await, before + 1);
    let after = app
        .store()
        .policies()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == policy.id)
        .unwrap();
    assert_eq!(after.spec.targets.len(), 2);
    assert_eq!(after.spec.targets[0].value, 123456.0);
    assert_eq!(after.spec.targets[1].series, "new_series");
    assert_eq!(after.spec.targets[1].unit, "per cent");

    // A bad line: 400, the error beside the targets, the text and the other fields kept.
    for bad in [
        "new_series | 2030 | lots | per cent",
        "new_series | 2030",
        " | 2030 | 1 | x",
        "a | 2030 | inf | x",
    ] {
        let mut pairs = pairs.clone();
        pairs.retain(|(k, _)| *k != "targets" && *k != "title");
        pairs.push(("targets", bad));
        pairs.push(("title", "A title as typed"));
        let r = c.post(&action, &pairs).await;
        r.assert_status(StatusCode::BAD_REQUEST);
        let doc = r.doc();
        assert!(doc.text("#error-targets").contains("line 1"), "{bad}");
        let shown = doc.form(&action);
        assert_eq!(shown["targets"].trim(), bad.trim());
        assert_eq!(shown["title"], "A title as typed");
    }
    assert_eq!(app.audit_count().await, before + 1);
}

async fn engagement_and_incident_forms_keep_the_input_on_a_400(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.login("london.drafter").await;
    let csrf = c.csrf("/engagements").await;
    let sent = [
        ("csrf", csrf.as_str()),
        ("post", "LONDON"),
        ("date", "2026-02-31"),
        ("host_office", "Home Office"),
        ("official_title", "Director, Asylum Policy"),
        ("tasking", "CHN-2026-0001"),
        ("talking_points", "TP1"),
        ("host_response", "Will reply in writing."),
        ("follow_up", "Chase in March."),
        ("marking", "C"),
    ];
    let before = app.audit_count().await;
    let r = c.post("/engagements", &sent).await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let doc = r.doc();
    assert!(doc.text("#error-date").contains("\"date\""));
    assert_eq!(doc.text("#form-error"), doc.text("#error-date"));
    let shown = doc.form("/engagements");
    for k in [
        "date",
        "host_office",
        "official_title",
        "host_response",
        "follow_up",
    ] {
        let v = sent.iter().find(|(name, _)| *name == k).unwrap().1;
        assert_eq!(shown[k].trim(), v, "{k} not kept");
    }
    assert!(doc.has("input[name=talking_points][value=TP1][checked]"));
    assert_eq!(
        doc.attr("select[name=marking] option[selected]", "value")
            .as_deref(),
        Some("C")
    );
    assert_eq!(
        doc.attr("select[name=tasking] option[selected]", "value")
            .as_deref(),
        Some("CHN-2026-0001")
    );

    // An incident citing a source that does not exist: the field named by the use case.
    let incident = [
        ("csrf", csrf.as_str()),
        ("post", "LONDON"),
        ("occurred", "2025-06"),
        ("country", "GBR"),
        ("category", "hate_crime_against_migrants"),
        ("legal_status", "charged"),
        ("verification", "corroborated"),
        ("summary", "An account as typed."),
        ("marking", "U"),
        ("sources", "S1, S99999"),
    ];
    let r = c.post("/incidents", &incident).await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let doc = r.doc();
    assert!(doc.text("#error-sources").contains("S99999"));
    let shown = doc.form("/incidents");
    assert_eq!(shown["summary"], "An account as typed.");
    assert_eq!(shown["sources"], "S1, S99999");
    assert_eq!(app.audit_count().await, before);
}

async fn admins_disable_and_enable_accounts_in_the_page(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut admin = app.login("admin").await;
    let mut drafter = app.login("london.drafter").await;
    drafter.get("/").await.assert_status(StatusCode::OK);
    let csrf = admin.csrf("/admin/users").await;
    let action = "/admin/users/london.drafter/active";
    let page = admin.get("/admin/users").await;
    assert!(page.doc().form_actions().contains(&action.to_string()));

    let before = app.audit_count().await;
    admin
        .post(action, &[("csrf", csrf.as_str()), ("active", "false")])
        .await
        .assert_redirect("/admin/users");
    assert_eq!(app.audit_count().await, before + 1);
    let name = Username::parse("london.drafter").unwrap();
    assert!(!app.store().user(&name).await.unwrap().unwrap().active);
    let page = admin.get("/admin/users").await;
    assert!(
        page.doc()
            .text("#user-london\\.drafter")
            .contains("(disabled)")
    );
    // The open session is over at once, and the right password answers like a wrong one.
    drafter.get("/").await.assert_redirect("/login");
    let right = app
        .client()
        .login("london.drafter", &app.password("london.drafter"))
        .await;
    let wrong = app.client().login("london.drafter", "wrong-password").await;
    right.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(right.status, wrong.status);
    assert_eq!(
        right.doc().text(".error-detail"),
        wrong.doc().text(".error-detail")
    );

    // Bad values, and not one's own account.
    for (value, who) in [("maybe", "london.drafter"), ("", "london.drafter")] {
        let r = admin
            .post(
                &format!("/admin/users/{who}/active"),
                &[("csrf", csrf.as_str()), ("active", value)],
            )
            .await;
        r.assert_status(StatusCode::BAD_REQUEST);
    }
    admin
        .post(
            "/admin/users/admin/active",
            &[("csrf", csrf.as_str()), ("active", "false")],
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(app.audit_count().await, before + 1);
    let mut reader = app.login("reader").await;
    let reader_csrf = reader.csrf("/account").await;
    let before = app.audit_count().await; // the reader's login is audited
    reader
        .post(
            action,
            &[("csrf", reader_csrf.as_str()), ("active", "true")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count().await, before);

    admin
        .post(action, &[("csrf", csrf.as_str()), ("active", "true")])
        .await
        .assert_redirect("/admin/users");
    app.login("london.drafter").await;
}

chancery_testkit::on_every_backend!(
    policy_targets_are_edited_in_the_page,
    engagement_and_incident_forms_keep_the_input_on_a_400,
    admins_disable_and_enable_accounts_in_the_page,
);
