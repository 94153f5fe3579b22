//! Editing records, `derived_from`, account administration and the section history, through
//! the app: each write is checked like its creation, audited once, and a refusal writes
//! nothing.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use chancery_app::AppError;
use chancery_domain::Classification;
use chancery_domain::evidence::{MeasureType, PolicySpec};
use chancery_domain::ids::{CountryCode, Username};
use chancery_domain::user::Role;

use crate::common::{Backend, TestApp, engagement_spec, incident_spec, pc, sk, source_spec};

fn policy(title: &str, source: Option<i64>) -> PolicySpec {
    PolicySpec {
        country: CountryCode::parse("CAN").unwrap(),
        title: title.into(),
        measure_type: MeasureType::PlanTarget,
        announced: None,
        in_force: None,
        description: "Levels plan.".into(),
        source,
        targets: Vec::new(),
        marking: Classification::Unclassified,
    }
}

async fn incidents_are_edited_by_their_post_and_hq_only(backend: Backend) {
    let t = TestApp::new(backend).await;
    let s1 = t.source("Police statistics").await;
    let s2 = t.source("Court record").await;
    let id = t
        .app
        .add_incident(&t.drafter, &incident_spec("OTTAWA", vec![s1]))
        .await
        .unwrap();
    let mut changed = incident_spec("OTTAWA", vec![s1, s2]);
    changed.victims = Some(4);
    changed.summary = "Arson attack on a hotel housing asylum claimants; one more injured.".into();
    let n = t.audit_count().await;
    t.app
        .update_incident(&t.drafter2, id, &changed)
        .await
        .unwrap();
    assert_eq!(t.audit_count().await, n + 1);
    let row = t.app.visible_incident(&t.hq, id).await.unwrap();
    assert_eq!(row.spec, changed);
    assert_eq!(t.rows("incident_sources").await, 2);

    // Another post's staff, readers and admins may not; nor may a move to another post.
    let refusals = [
        (&t.paris_drafter, changed.clone()),
        (&t.reader, changed.clone()),
        (&t.admin, changed.clone()),
        (&t.drafter, incident_spec("PARIS", vec![s1])),
    ];
    for (who, spec) in refusals {
        let err = t.app.update_incident(who, id, &spec).await.unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden(_)),
            "{}: {err}",
            who.username
        );
    }
    // No sources, personal data, a marking above the editor's clearance: refused.
    let mut bad = changed.clone();
    bad.sources.clear();
    assert!(matches!(
        t.app
            .update_incident(&t.drafter, id, &bad)
            .await
            .unwrap_err(),
        AppError::Invalid(_)
    ));
    let mut bad = changed.clone();
    bad.summary = "Reported to desk@example.org".into();
    assert!(matches!(
        t.app
            .update_incident(&t.drafter, id, &bad)
            .await
            .unwrap_err(),
        AppError::PersonalData { .. }
    ));
    let mut bad = changed.clone();
    bad.marking = Classification::Secret;
    assert!(matches!(
        t.app
            .update_incident(&t.drafter, id, &bad)
            .await
            .unwrap_err(),
        AppError::Invalid(_)
    ));
    // A missing id is not found.
    assert!(matches!(
        t.app
            .update_incident(&t.hq, id + 100, &changed)
            .await
            .unwrap_err(),
        AppError::NotFound(_)
    ));
    assert_eq!(
        t.app.visible_incident(&t.hq, id).await.unwrap().spec,
        changed
    );
    assert_eq!(t.audit_count().await, n + 1);
    t.assert_chain_verifies().await;
}

async fn engagements_and_policies_are_edited_and_audited(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2027-0001").talking_points(3).issue().await;
    let id = t
        .app
        .add_engagement(&t.drafter, &engagement_spec("OTTAWA", Some(&tasking), &[1]))
        .await
        .unwrap();
    let n = t.audit_count().await;
    let delivered = engagement_spec("OTTAWA", Some(&tasking), &[1, 3]);
    t.app
        .update_engagement(&t.approver, id, &delivered)
        .await
        .unwrap();
    let row = t.app.visible_engagement(&t.hq, id).await.unwrap();
    assert_eq!(row.spec.talking_points, delivered.talking_points);
    // A talking point the tasking does not have; another post's staff.
    let err = t
        .app
        .update_engagement(
            &t.drafter,
            id,
            &engagement_spec("OTTAWA", Some(&tasking), &[9]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TP9"), "{err}");
    let err = t
        .app
        .update_engagement(&t.paris_drafter, id, &delivered)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::NotFound(_) | AppError::Forbidden(_)),
        "{err}"
    );

    let s = t.source("Levels plan").await;
    let pm = t
        .app
        .add_policy(&t.hq, &policy("Levels plan 2026", None))
        .await
        .unwrap();
    let m = t.audit_count().await;
    t.app
        .update_policy(&t.drafter, pm, &policy("Levels plan 2026–2028", Some(s)))
        .await
        .unwrap();
    let row = t.app.visible_policy(&t.reader, pm).await.unwrap();
    assert_eq!(row.spec.title, "Levels plan 2026–2028");
    assert_eq!(row.spec.source, Some(s));
    for who in [&t.reader, &t.admin] {
        let err = t
            .app
            .update_policy(who, pm, &policy("Renamed", None))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    }
    let err = t
        .app
        .update_policy(&t.hq, pm, &policy("  ", None))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    assert_eq!(t.audit_count().await, m + 1);
    assert_eq!(
        m,
        n + 1 + 2 + 1,
        "engagement edit, source add and grade, policy add"
    );
    t.assert_chain_verifies().await;
}

async fn derived_from_points_at_an_older_visible_source(backend: Backend) {
    let t = TestApp::new(backend).await;
    let original = t.source("Original release").await;
    let echo = t
        .app
        .add_source(&t.drafter, &source_spec("Wire story repeating it"), None)
        .await
        .unwrap();
    let mut secret = source_spec("Secret assessment");
    secret.marking = Classification::Secret;
    let hidden = t.app.add_source(&t.hq, &secret, None).await.unwrap();
    let n = t.audit_count().await;
    t.app
        .mark_derived_from(&t.drafter, echo, Some(original))
        .await
        .unwrap();
    assert_eq!(
        t.app
            .visible_source(&t.reader, echo)
            .await
            .unwrap()
            .spec
            .derived_from,
        Some(original)
    );
    // The linter now sees one independent root.
    let facts = t.app.store.source_facts().await.unwrap();
    assert_eq!(facts[&echo].root, original);

    // Itself, a newer source, a source above clearance, a missing one; readers: refused.
    for (who, id, parent) in [
        (&t.drafter, echo, Some(echo)),
        (&t.drafter, original, Some(echo)),
    ] {
        let err = t.app.mark_derived_from(who, id, parent).await.unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{err}");
    }
    let err = t
        .app
        .mark_derived_from(&t.drafter, hidden, Some(original))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    // A parent the drafter may not see is refused exactly like one that does not exist.
    let hidden_parent = t
        .app
        .mark_derived_from(&t.drafter, echo, Some(hidden))
        .await
        .unwrap_err();
    let err = t
        .app
        .mark_derived_from(&t.drafter, echo, Some(echo + 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(m) if m.starts_with("field `derived_from`")),
        "{err}"
    );
    assert_eq!(
        hidden_parent
            .to_string()
            .replace(&format!("S{hidden}"), "S?"),
        err.to_string().replace(&format!("S{}", echo + 1000), "S?")
    );
    let err = t
        .app
        .mark_derived_from(&t.reader, echo, None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    assert_eq!(t.audit_count().await, n + 1);

    t.app.mark_derived_from(&t.hq, echo, None).await.unwrap();
    assert_eq!(
        t.app
            .visible_source(&t.hq, echo)
            .await
            .unwrap()
            .spec
            .derived_from,
        None
    );
    t.assert_chain_verifies().await;
}

async fn admins_change_accounts_and_reset_passwords(backend: Backend) {
    let t = TestApp::new(backend).await;
    let name = Username::parse("ottawa.drafter").unwrap();
    let n = t.audit_count().await;
    t.app
        .update_user(
            &t.admin,
            &name,
            Role::PostApprover,
            Classification::Secret,
            Some(pc("PARIS")),
        )
        .await
        .unwrap();
    let a = t.app.actor("ottawa.drafter").await.unwrap();
    assert_eq!(
        (a.role, a.clearance, a.post),
        (
            Role::PostApprover,
            Classification::Secret,
            Some(pc("PARIS"))
        )
    );
    // A post-scoped role needs a post; HQ roles have none; nobody else may; an admin keeps
    // their own admin role; a missing account is not found.
    let bad = [
        (&t.admin, "ottawa.drafter", Role::PostDrafter, None),
        (&t.admin, "ottawa.drafter", Role::Reader, Some(pc("PARIS"))),
        (&t.admin, "admin", Role::Reader, None),
    ];
    for (who, user, role, post) in bad {
        let err = t
            .app
            .update_user(
                who,
                &Username::parse(user).unwrap(),
                role,
                Classification::Unclassified,
                post,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)), "{err}");
    }
    let err = t
        .app
        .update_user(
            &t.hq,
            &name,
            Role::Reader,
            Classification::Unclassified,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    let err = t
        .app
        .update_user(
            &t.admin,
            &Username::parse("nobody").unwrap(),
            Role::Reader,
            Classification::Unclassified,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    assert_eq!(t.audit_count().await, n + 1);

    let password = t.app.reset_password(&t.admin, &name).await.unwrap();
    assert!(password.len() >= 12);
    let stored = t
        .app
        .store
        .user(&name)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    let hash = PasswordHash::new(&stored).unwrap();
    assert!(
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    );
    let err = t.app.reset_password(&t.drafter2, &name).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    assert!(matches!(
        t.app.list_users(&t.hq).await.unwrap_err(),
        AppError::Forbidden(_)
    ));

    let created = Username::parse("rome.drafter").unwrap();
    let new = chancery_domain::user::Actor::new(
        created.clone(),
        Role::PostDrafter,
        Classification::Confidential,
        Some(pc("PARIS")),
    )
    .unwrap();
    let first = t.app.create_user(&t.admin, &new).await.unwrap();
    assert_ne!(first, password);
    assert!(
        t.app
            .list_users(&t.admin)
            .await
            .unwrap()
            .iter()
            .any(|u| u.actor == new)
    );
    t.assert_chain_verifies().await;
}

async fn section_history_withholds_paragraphs_above_the_viewer(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2027-0002").classification("U").issue().await;
    t.report(&tasking, "OTTAWA")
        .section(
            "summary",
            "(U) First open text.\n\n(C) Confidential QUINCUNX.",
        )
        .build()
        .await;
    t.save(
        &t.drafter,
        &tasking,
        "OTTAWA",
        "summary",
        "(U) Second open text.\n\n(C) Confidential QUINCUNX revised.",
    )
    .await
    .unwrap();
    let low = t
        .user("ottawa.low", Role::PostDrafter, "U", Some("OTTAWA"))
        .await;
    let history = t
        .app
        .section_history(&low, &tasking, &pc("OTTAWA"), &sk("summary"))
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    for r in &history {
        assert_eq!(r.paragraphs.len(), 2);
        assert!(!r.paragraphs[0].2);
        assert_eq!(r.paragraphs[1].1, "[paragraph withheld: C]");
        assert!(r.paragraphs.iter().all(|p| !p.1.contains("QUINCUNX")));
    }
    let full = t
        .app
        .section_history(&t.drafter, &tasking, &pc("OTTAWA"), &sk("summary"))
        .await
        .unwrap();
    assert!(full[1].paragraphs[1].1.contains("QUINCUNX revised"));
    // Another post's staff do not see the draft at all.
    let err = t
        .app
        .section_history(&t.paris_drafter, &tasking, &pc("OTTAWA"), &sk("summary"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
}

chancery_testkit::on_every_backend!(
    incidents_are_edited_by_their_post_and_hq_only,
    engagements_and_policies_are_edited_and_audited,
    derived_from_points_at_an_older_visible_source,
    admins_change_accounts_and_reset_passwords,
    section_history_withholds_paragraphs_above_the_viewer,
);
