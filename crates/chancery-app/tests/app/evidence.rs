//! Evidence records through the app: sources and grades, incidents, engagements, policies.

use chancery_app::AppError;
use chancery_domain::Classification;
use chancery_domain::audit::sha256_hex;
use chancery_domain::evidence::{Grade, MeasureType, PolicySpec};
use chancery_domain::ids::CountryCode;
use chancery_store::{Capture, StoreError};

use crate::common::{Backend, TestApp, engagement_spec, incident_spec, source_spec};

/// Rows of every evidence table, to show a refused use case wrote nothing.
async fn evidence_rows(t: &TestApp) -> [i64; 6] {
    let mut out = [0; 6];
    for (slot, table) in out.iter_mut().zip([
        "sources",
        "source_grades",
        "incidents",
        "incident_sources",
        "engagements",
        "policy_measures",
    ]) {
        *slot = t.rows(table).await;
    }
    out
}

async fn sources_are_captured_and_graded_by_a_named_user(backend: Backend) {
    let t = TestApp::new(backend).await;
    let capture = Capture {
        name: "table.csv".into(),
        media_type: "text/csv".into(),
        bytes: b"geo,period,value\nCAN,2024,173000\n".to_vec(),
    };
    let id = t
        .app
        .add_source(
            &t.drafter,
            &source_spec("Asylum claimants processed"),
            Some(&capture),
        )
        .await
        .unwrap();
    t.app
        .grade_source(
            &t.drafter2,
            id,
            Grade::parse("A2").unwrap(),
            "  The statistics office's own table.  ",
        )
        .await
        .unwrap();
    let s = t.app.visible_source(&t.reader, id).await.unwrap();
    assert_eq!(s.created_by, "ottawa.drafter");
    assert_eq!(s.grade.to_string(), "A2");
    assert_eq!(s.graded_by.as_deref(), Some("ottawa.drafter2"));
    assert_eq!(
        s.grade_rationale.as_deref(),
        Some("The statistics office's own table.")
    );
    assert_eq!(s.capture_sha256, Some(sha256_hex(&capture.bytes)));
    assert_eq!(
        t.app.store.blob(&sha256_hex(&capture.bytes)).await.unwrap(),
        Some(capture.bytes)
    );

    let n = t.audit_count().await;
    let rows = evidence_rows(&t).await;
    // A grade needs a rationale; readers and admins do not record evidence.
    let err = t
        .app
        .grade_source(&t.hq, id, Grade::parse("B2").unwrap(), "  ")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    for who in [&t.reader, &t.admin] {
        let err = t
            .app
            .add_source(who, &source_spec("Anything"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err}");
        let err = t
            .app
            .grade_source(who, id, Grade::parse("B2").unwrap(), "x")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    }
    // A source marked above the recorder's clearance; a malformed URL.
    let mut secret = source_spec("Secret annex");
    secret.marking = Classification::Secret;
    let err = t
        .app
        .add_source(&t.drafter, &secret, None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    let mut bad_url = source_spec("Bad URL");
    bad_url.url = Some("ftp://example.org".into());
    let err = t
        .app
        .add_source(&t.drafter, &bad_url, None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
    // Grading a source the grader may not see, or that does not exist, is "not found".
    let mut confidential = source_spec("Confidential note");
    confidential.marking = Classification::Confidential;
    let hidden = t.app.add_source(&t.hq, &confidential, None).await.unwrap();
    let sbu_staff = t
        .user(
            "ottawa.sbu",
            chancery_domain::user::Role::PostDrafter,
            "SBU",
            Some("OTTAWA"),
        )
        .await;
    let n = n + 2; // the source and the account
    let rows = [rows[0] + 1, rows[1], rows[2], rows[3], rows[4], rows[5]];
    for missing in [hidden, 999] {
        let err = t
            .app
            .grade_source(&sbu_staff, missing, Grade::parse("A1").unwrap(), "x")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err}");
    }
    assert_eq!(evidence_rows(&t).await, rows);
    assert_eq!(t.audit_count().await, n);
}

async fn incidents_need_sources_and_belong_to_the_recorders_post(backend: Backend) {
    let t = TestApp::new(backend).await;
    let sid = t.source("Police-reported hate crime").await;
    let (n, rows) = (t.audit_count().await, evidence_rows(&t).await);

    let err = t
        .app
        .add_incident(&t.drafter, &incident_spec("OTTAWA", vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref m) if m.contains("source")),
        "{err}"
    );

    let err = t
        .app
        .add_incident(&t.paris_drafter, &incident_spec("OTTAWA", vec![sid]))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    let err = t
        .app
        .add_incident(&t.drafter, &incident_spec("OTTAWA", vec![sid, 999]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(m) if m.starts_with("field `sources`")),
        "{err}"
    );

    let mut unknown = incident_spec("OTTAWA", vec![sid]);
    unknown.category = chancery_domain::ids::VocabCode::parse("not_a_category").unwrap();
    let err = t.app.add_incident(&t.drafter, &unknown).await.unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::NotFound(_))),
        "{err}"
    );

    let mut personal = incident_spec("OTTAWA", vec![sid]);
    personal.summary = "The victim, born 1985-03-12, was injured.".into();
    let err = t.app.add_incident(&t.drafter, &personal).await.unwrap_err();
    assert!(matches!(err, AppError::PersonalData { .. }), "{err}");

    let err = t
        .app
        .add_incident(&t.reader, &incident_spec("OTTAWA", vec![sid]))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    assert_eq!(evidence_rows(&t).await, rows);
    assert_eq!(t.audit_count().await, n);

    let id = t
        .app
        .add_incident(&t.drafter, &incident_spec("OTTAWA", vec![sid]))
        .await
        .unwrap();
    let stored = t.app.list_incidents(&t.approver).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].id, stored[0].created_by.as_str()),
        (id, "ottawa.drafter")
    );
    assert_eq!(stored[0].spec, incident_spec("OTTAWA", vec![sid]));
    // HQ may record for any post.
    t.app
        .add_incident(&t.hq, &incident_spec("PARIS", vec![sid]))
        .await
        .unwrap();
}

async fn engagements_deliver_only_the_taskings_talking_points(backend: Backend) {
    let t = TestApp::new(backend).await;
    let tasking = t.tasking("CHN-2026-0951").talking_points(3).issue().await;
    let draft = t.tasking("CHN-2026-0952").import().await;
    let (n, rows) = (t.audit_count().await, evidence_rows(&t).await);

    let err = t
        .app
        .add_engagement(
            &t.drafter,
            &engagement_spec("OTTAWA", Some(&tasking), &[1, 4]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref m) if m.contains("TP4")),
        "{err}"
    );

    let err = t
        .app
        .add_engagement(&t.drafter, &engagement_spec("OTTAWA", None, &[1]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(_)),
        "talking points without a tasking: {err}"
    );

    let err = t
        .app
        .add_engagement(
            &t.paris_drafter,
            &engagement_spec("OTTAWA", Some(&tasking), &[1]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    let mut blank = engagement_spec("OTTAWA", Some(&tasking), &[1]);
    blank.official_title = "  ".into();
    let err = t.app.add_engagement(&t.drafter, &blank).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");

    let mut personal = engagement_spec("OTTAWA", Some(&tasking), &[1]);
    personal.follow_up = "Write to desk.officer@example.org.".into();
    let err = t
        .app
        .add_engagement(&t.drafter, &personal)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::PersonalData { .. }), "{err}");

    // A draft tasking is invisible to posts, so its talking points cannot be cited.
    let err = t
        .app
        .add_engagement(&t.drafter, &engagement_spec("OTTAWA", Some(&draft), &[1]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(m) if m.starts_with("field `tasking`")),
        "{err}"
    );

    assert_eq!(evidence_rows(&t).await, rows);
    assert_eq!(t.audit_count().await, n);

    let spec = engagement_spec("OTTAWA", Some(&tasking), &[1, 3]);
    t.app.add_engagement(&t.drafter, &spec).await.unwrap();
    let stored = t.app.list_engagements(&t.approver).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].spec, spec);
    // An SBU engagement of OTTAWA stays within OTTAWA and HQ.
    assert!(
        t.app
            .list_engagements(&t.paris_drafter)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.app.list_engagements(&t.hq).await.unwrap().len(), 1);
}

async fn policies_are_recorded_with_their_source(backend: Backend) {
    let t = TestApp::new(backend).await;
    let sid = t.source("Immigration Levels Plan").await;
    let spec = PolicySpec {
        country: CountryCode::parse("CAN").unwrap(),
        title: "2026-2028 Immigration Levels Plan".into(),
        measure_type: MeasureType::PlanTarget,
        announced: Some(chancery_domain::evidence::PartialDate::parse("2025-11-04").unwrap()),
        in_force: None,
        description: "Permanent-resident admissions of 380,000 a year.".into(),
        source: Some(sid),
        targets: vec![],
        marking: Classification::Unclassified,
    };
    let before = t.app.store.policies().await.unwrap().len();
    t.app.add_policy(&t.drafter, &spec).await.unwrap();
    let policies = t.app.list_policies(&t.reader).await.unwrap();
    assert_eq!(policies.len(), before + 1);
    let ours = policies.iter().find(|p| p.spec == spec).unwrap();
    assert_eq!(ours.created_by, "ottawa.drafter");

    let n = t.audit_count().await;
    let mut dangling = spec.clone();
    dangling.source = Some(999);
    let err = t.app.add_policy(&t.drafter, &dangling).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(m) if m.starts_with("field `source`")),
        "{err}"
    );
    let err = t.app.add_policy(&t.reader, &spec).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    assert_eq!(t.audit_count().await, n);
}

chancery_testkit::on_every_backend!(
    sources_are_captured_and_graded_by_a_named_user,
    incidents_need_sources_and_belong_to_the_recorders_post,
    engagements_deliver_only_the_taskings_talking_points,
    policies_are_recorded_with_their_source,
);
