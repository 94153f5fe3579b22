//! The demo (DESIGN §11) built from the real `content/` folder.

use std::collections::BTreeSet;

use chancery_app::AppError;
use chancery_domain::audit::sha256_hex;
use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::lint::LintCode;
use chancery_domain::markdown::{CitationKey, citations};
use chancery_domain::report::ReportStatus;

use crate::common::{Backend, Bare, content_dir};

async fn demo_builds_the_whole_flow_from_the_shipped_content(backend: Backend) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    let summary = app.build_demo(content_dir()).await.unwrap();
    assert_eq!(summary.tasking.as_str(), "CHN-2026-0001");
    assert_eq!(summary.sources, app.store.sources().await.unwrap().len());
    let tasking = TaskingRef::parse("CHN-2026-0001").unwrap();
    let hq = app.actor("hq.editor").await.unwrap();
    let ottawa = PostCode::parse("OTTAWA").unwrap();

    // Every role has an account.
    let roles: BTreeSet<String> = summary.users.iter().map(|u| u.role.clone()).collect();
    let expected: BTreeSet<String> = [
        "admin",
        "hq_editor",
        "post_drafter",
        "post_approver",
        "reader",
    ]
    .map(String::from)
    .into();
    assert_eq!(roles, expected);

    // OTTAWA: transmitted, with zero findings at transmission and now.
    let r = app.store.report(&tasking, &ottawa).await.unwrap().unwrap();
    assert_eq!((r.status, r.version_no), (ReportStatus::Transmitted, 1));
    let versions = app.store.versions(r.id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].findings_json, "[]");
    assert_eq!(versions[0].lint_override, None);
    assert_eq!(versions[0].transmitted_by, "ottawa.approver");
    assert_eq!(
        versions[0].content_sha256,
        sha256_hex(versions[0].content_json.as_bytes())
    );
    assert_eq!(app.lint(&hq, &tasking, &ottawa).await.unwrap(), []);

    // LONDON: a draft with an uncited figure and missing sections.
    let london_drafter = app.actor("london.drafter").await.unwrap();
    let london = PostCode::parse("LONDON").unwrap();
    let r = app.store.report(&tasking, &london).await.unwrap().unwrap();
    assert_eq!(r.status, ReportStatus::Draft);
    let codes: BTreeSet<LintCode> = app
        .lint(&london_drafter, &tasking, &london)
        .await
        .unwrap()
        .iter()
        .map(|f| f.code)
        .collect();
    assert!(codes.contains(&LintCode::E001), "{codes:?}");
    assert!(codes.contains(&LintCode::E007), "{codes:?}");
    // HQ does not see a post's draft.
    assert!(matches!(
        app.lint(&hq, &tasking, &london).await,
        Err(AppError::NotFound(_))
    ));

    // WELLINGTON waits in clearance; posts not started have no report.
    let wellington = PostCode::parse("WELLINGTON").unwrap();
    let r = app
        .store
        .report(&tasking, &wellington)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, ReportStatus::InClearance);
    assert!(
        app.store
            .report(&tasking, &PostCode::parse("PARIS").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // Every citation in OTTAWA resolves to a stored source with a capture and a named grader.
    let report = app.store.report(&tasking, &ottawa).await.unwrap().unwrap();
    let sections = app.store.sections(report.id).await.unwrap();
    assert_eq!(sections.len(), 8, "all eight template sections are written");
    let mut cited = BTreeSet::new();
    for s in &sections {
        for c in citations(&s.body) {
            match c.key {
                CitationKey::Source(n) => {
                    cited.insert(n);
                }
                other => panic!("section {}: OTTAWA cites {other}, not a source", s.key),
            }
        }
    }
    assert!(cited.len() >= 10, "OTTAWA cites {} sources", cited.len());
    let users: BTreeSet<String> = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.actor.username.to_string())
        .collect();
    for id in &cited {
        let s = app
            .store
            .source(*id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("S{id} is cited but not stored"));
        let sha = s
            .capture_sha256
            .clone()
            .unwrap_or_else(|| panic!("S{id} has no capture"));
        let bytes = app.store.blob(&sha).await.unwrap().unwrap();
        assert!(!bytes.is_empty(), "S{id}");
        assert_eq!(sha256_hex(&bytes), sha, "S{id}: capture matches its digest");
        let grader = s
            .graded_by
            .clone()
            .unwrap_or_else(|| panic!("S{id} is ungraded"));
        assert!(users.contains(&grader), "S{id} graded by unknown {grader}");
        assert!(
            s.graded_at.is_some() && s.grade_rationale.is_some(),
            "S{id}"
        );
        assert_ne!(s.grade.to_string(), "F6", "S{id} keeps the default grade");
    }

    b.assert_chain_verifies().await;

    // The demo needs an empty database.
    let err = app.build_demo(content_dir()).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err}");
}

async fn loading_content_twice_changes_nothing(backend: Backend) {
    let b = Bare::new(backend).await;
    let first = b.app.load_content(content_dir()).await.unwrap();
    assert_eq!(first.posts, 12);
    assert!(first.taskings.iter().all(|(_, created)| *created));
    assert_eq!(first.taskings.len(), 2);
    let taskings = b.app.store.taskings().await.unwrap();

    let second = b.app.load_content(content_dir()).await.unwrap();
    assert!(second.taskings.iter().all(|(_, created)| !created));
    let again = b.app.store.taskings().await.unwrap();
    let shas = |rows: &[chancery_store::TaskingRow]| -> Vec<String> {
        rows.iter().map(|t| t.spec_sha256.clone()).collect()
    };
    assert_eq!(shas(&again), shas(&taskings));
    assert_eq!(b.app.store.posts().await.unwrap().len(), 12);
    b.assert_chain_verifies().await;
}

chancery_testkit::on_every_backend!(
    demo_builds_the_whole_flow_from_the_shipped_content,
    loading_content_twice_changes_nothing,
);
