//! The store contract: what every backend must do, written as functions over a `&Store` so the
//! PostgreSQL backend can run the same suite (STYLE "Storage": one shared test suite), and run
//! here against a fresh temp-file SQLite database per test.
//!
//! Backend-specific checks (append-only triggers, blob row counts) live in `sqlite_only` below:
//! they open a second raw connection on the same file, as an operator with database access would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use chancery_store::{OpenMode, Store};
use chancery_testkit::PgDatabase;
use tempfile::TempDir;

/// A migrated SQLite store in a temp directory that lives as long as the value.
struct TempDb {
    store: Store,
    path: PathBuf,
    _dir: TempDir,
}

impl TempDb {
    async fn new() -> TempDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chancery.db");
        let store = Store::open_path(&path, OpenMode::Create).await.unwrap();
        store.migrate().await.unwrap();
        TempDb {
            store,
            path,
            _dir: dir,
        }
    }
}

/// A fresh, migrated PostgreSQL store (the database is dropped with the returned guard), or
/// `None` when no server is configured (see `chancery_testkit::postgres_admin_url`).
async fn pg_store(test: &str) -> Option<(Store, PgDatabase)> {
    let db = PgDatabase::create(test).await?;
    let store = Store::open(db.url(), OpenMode::Existing).await.unwrap();
    store.migrate().await.unwrap();
    Some((store, db))
}

/// Runs each named contract function against a fresh SQLite store and, when a server is
/// configured, a fresh PostgreSQL database.
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = TempDb::new().await;
                contract::$name(&db.store).await;
            }
        )+
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((store, _db)) = pg_store(stringify!($name)).await else { return };
                    contract::$name(&store).await;
                    store.close().await;
                }
            )+
        }
    };
}

on_every_backend!(
    export_covers_every_table,
    every_content_table_moves_the_generation,
    committed_changes_move_the_generation,
    observations_are_versioned_by_vintage,
    migrations_are_idempotent,
    every_write_appends_exactly_one_audit_event,
    failed_writes_leave_no_rows_and_no_event,
    late_failure_rolls_back_earlier_statements,
    tasking_import_is_idempotent_and_never_overwrites,
    stale_section_save_conflicts_and_writes_nothing,
    stale_transition_conflicts_and_writes_nothing,
    concurrent_transitions_exactly_one_wins,
    concurrent_section_saves_exactly_one_wins,
    hq_return_starts_a_new_version_and_keeps_the_frozen_one,
    source_roots_follow_derived_from_chains,
    identical_captures_share_one_blob,
    edits_replace_records_with_one_event_each,
);

/// The backend-independent contract.
mod contract {
    use chancery_domain::Classification;
    use chancery_domain::audit::{AuditEvent, AuditRecord, sha256_hex, verify_chain};
    use chancery_domain::evidence::{
        Credibility, EngagementSpec, Grade, IncidentSpec, LegalStatus, MeasureType, PartialDate,
        PolicySpec, Reliability, SourceKind, SourceSpec, Verification, VocabTerm,
    };
    use chancery_domain::ids::{
        CountryCode, PostCode, SectionKey, TalkingPointId, TaskingRef, Username, VocabCode,
    };
    use chancery_domain::post::{Post, PostKind};
    use chancery_domain::report::ReportStatus;
    use chancery_domain::tasking::{TalkingPoint, TaskingSpec, TaskingStatus, TemplateSection};
    use chancery_domain::user::{Actor, Role};
    use chancery_store::{
        Capture, Frozen, ReportRow, Store, StoreError, TaskingImport, Transition,
    };
    use serde_json::json;
    use time::macros::date;

    // ---- fixtures ------------------------------------------------------------------------------

    fn rec(action: &str) -> AuditRecord {
        AuditRecord::new("system", action, "test", "x", json!({"step": action}))
    }

    fn post_code(code: &str) -> PostCode {
        PostCode::parse(code).unwrap()
    }

    fn name(n: &str) -> Username {
        Username::parse(n).unwrap()
    }

    fn key(k: &str) -> SectionKey {
        SectionKey::parse(k).unwrap()
    }

    fn post(code: &str, country: &str) -> Post {
        Post {
            code: post_code(code),
            name: format!("Embassy {code}"),
            kind: PostKind::Embassy,
            country: CountryCode::parse(country).unwrap(),
            region: "Test".into(),
        }
    }

    fn actor(n: &str, role: Role, at: Option<&str>) -> Actor {
        Actor::new(name(n), role, Classification::Secret, at.map(post_code)).unwrap()
    }

    /// A one-section tasking addressed to `posts`.
    pub(crate) fn tasking(reference: &str, posts: &[&str]) -> TaskingSpec {
        TaskingSpec {
            reference: TaskingRef::parse(reference).unwrap(),
            subject: "Store contract".into(),
            classification: Classification::SensitiveButUnclassified,
            issuing_office: "HQ".into(),
            due: date!(2027 - 01 - 31),
            tags: vec!["PHUM".into()],
            addressees: posts.iter().map(|p| post_code(p)).collect(),
            body: "(U) Report.".into(),
            sections: vec![TemplateSection {
                key: key("summary"),
                title: "Summary".into(),
                guidance: "Sum up.".into(),
                required: true,
                min_citations: 0,
                confidence_required: false,
                indicators: vec![],
            }],
            talking_points: vec![TalkingPoint {
                id: TalkingPointId(1),
                text: "We are willing to collaborate.".into(),
            }],
        }
    }

    fn source(title: &str, derived_from: Option<i64>) -> SourceSpec {
        SourceSpec {
            kind: SourceKind::OfficialStatistics,
            publisher: "Statistics Office".into(),
            title: title.into(),
            url: Some("https://stats.example/table".into()),
            published: Some(PartialDate::parse("2025-03").unwrap()),
            language: "en".into(),
            marking: Classification::Unclassified,
            derived_from,
        }
    }

    fn incident(category: &str, sources: Vec<i64>) -> IncidentSpec {
        IncidentSpec {
            post: post_code("OTTAWA"),
            occurred: PartialDate::parse("2025-06").unwrap(),
            occurred_until: None,
            country: CountryCode::parse("CAN").unwrap(),
            region: Some("Ontario".into()),
            locality: None,
            category: VocabCode::parse(category).unwrap(),
            victims: Some(2),
            suspects: Some(1),
            legal_status: LegalStatus::Charged,
            verification: Verification::Corroborated,
            summary: "An attack on asylum accommodation.".into(),
            marking: Classification::Unclassified,
            sources,
        }
    }

    fn engagement(tasking: Option<&str>) -> EngagementSpec {
        EngagementSpec {
            post: post_code("OTTAWA"),
            tasking: tasking.map(|t| TaskingRef::parse(t).unwrap()),
            date: date!(2026 - 02 - 10),
            host_office: "Immigration ministry".into(),
            official_title: "Assistant Deputy Minister".into(),
            talking_points: vec![TalkingPointId(1)],
            host_response: "Welcomed the offer.".into(),
            follow_up: String::new(),
            marking: Classification::SensitiveButUnclassified,
        }
    }

    fn policy(source: Option<i64>) -> PolicySpec {
        PolicySpec {
            country: CountryCode::parse("CAN").unwrap(),
            title: "Levels plan".into(),
            measure_type: MeasureType::PlanTarget,
            announced: Some(PartialDate::parse("2025-11-04").unwrap()),
            in_force: None,
            description: "Sets admission targets.".into(),
            source,
            targets: vec![],
            marking: Classification::Unclassified,
        }
    }

    fn submit() -> Transition {
        Transition {
            to: ReportStatus::InClearance,
            freeze: None,
            new_version: false,
            return_reason: None,
        }
    }

    fn to(status: ReportStatus) -> Transition {
        Transition {
            to: status,
            ..submit()
        }
    }

    fn transmit(content: &str) -> Transition {
        Transition {
            to: ReportStatus::Transmitted,
            freeze: Some(Frozen {
                content_json: content.into(),
                findings_json: "[]".into(),
                lint_override: None,
            }),
            new_version: false,
            return_reason: None,
        }
    }

    /// What most tests start from: two posts, a vocabulary, three users, an issued tasking.
    pub(crate) struct Seed {
        pub drafter: Actor,
        pub approver: Actor,
        pub hq: Actor,
        pub tasking: TaskingRef,
        pub ottawa: PostCode,
    }

    pub(crate) async fn seed(store: &Store) -> Seed {
        store
            .upsert_posts(
                &[post("OTTAWA", "CAN"), post("PARIS", "FRA")],
                &rec("post.load"),
            )
            .await
            .unwrap();
        store
            .replace_vocab(
                "incident_categories",
                &[VocabTerm {
                    code: VocabCode::parse("attack_on_asylum_accommodation").unwrap(),
                    label: "Attack on asylum accommodation".into(),
                    definition: String::new(),
                }],
                &rec("vocab.load"),
            )
            .await
            .unwrap();
        let drafter = actor("ottawa.drafter", Role::PostDrafter, Some("OTTAWA"));
        let approver = actor("ottawa.approver", Role::PostApprover, Some("OTTAWA"));
        let hq = actor("hq.editor", Role::HqEditor, None);
        for a in [&drafter, &approver, &hq] {
            store.insert_user(a, None, &rec("user.add")).await.unwrap();
        }
        let spec = tasking("CHN-2026-0100", &["OTTAWA", "PARIS"]);
        store
            .import_tasking(&spec, &rec("tasking.import"))
            .await
            .unwrap();
        store
            .set_tasking_status(
                &spec.reference,
                TaskingStatus::Draft,
                TaskingStatus::Issued,
                Some("hq.editor"),
                &rec("tasking.issue"),
            )
            .await
            .unwrap();
        Seed {
            drafter,
            approver,
            hq,
            tasking: spec.reference,
            ottawa: post_code("OTTAWA"),
        }
    }

    async fn new_report(store: &Store, s: &Seed) -> ReportRow {
        store
            .create_report(&s.tasking, &s.ottawa, &rec("report.new"))
            .await
            .unwrap()
    }

    async fn events(store: &Store) -> Vec<AuditEvent> {
        store.audit_events().await.unwrap()
    }

    /// Asserts the chain holds exactly `n` events and verifies.
    async fn chain_is(store: &Store, n: usize) {
        let events = events(store).await;
        assert_eq!(events.len(), n, "audit events: {events:#?}");
        assert_eq!(verify_chain(&events), Ok(n as u64));
    }

    /// Asserts exactly one event was appended since `before`, with `action`, and the chain
    /// verifies. Returns the new event.
    async fn one_more(store: &Store, before: usize, action: &str) -> AuditEvent {
        let events = events(store).await;
        assert_eq!(
            events.len(),
            before + 1,
            "{action}: expected exactly one new audit event, got {:#?}",
            &events[before.min(events.len())..]
        );
        assert_eq!(verify_chain(&events), Ok(events.len() as u64));
        let last = events.last().unwrap().clone();
        assert_eq!(last.action, action);
        assert_eq!(last.seq, i64::try_from(events.len()).unwrap());
        last
    }

    // ---- the contract -------------------------------------------------------------------------

    pub(crate) async fn migrations_are_idempotent(store: &Store) {
        store.check_schema().await.unwrap();
        store
            .upsert_posts(&[post("OTTAWA", "CAN")], &rec("post.load"))
            .await
            .unwrap();
        // Migrating an up-to-date database again changes nothing and loses nothing.
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        store.check_schema().await.unwrap();
        assert_eq!(store.posts().await.unwrap(), vec![post("OTTAWA", "CAN")]);
        chain_is(store, 1).await;
    }

    /// Export everything from `from` (filled by the audit test's writes), import into the empty
    /// `to`: every row equal, the chain intact, identities continue after the imported ids.
    pub(crate) async fn export_import_round_trip(from: &Store, to: &Store) {
        every_write_appends_exactly_one_audit_event(from).await;
        let mut a = Vec::new();
        let exported = from.export(&mut a).await.unwrap();
        let summary = to.import_all(&a[..]).await.unwrap();
        assert_eq!(summary.rows, exported);
        assert!(summary.tables >= 12, "{summary:?}");
        let mut b = Vec::new();
        to.export(&mut b).await.unwrap();
        let body = |x: &[u8]| {
            String::from_utf8(x.to_vec())
                .unwrap()
                .lines()
                .skip(1)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            body(&a),
            body(&b),
            "every row must survive the move unchanged"
        );
        assert_eq!(
            verify_chain(&to.audit_events().await.unwrap()).unwrap(),
            verify_chain(&from.audit_events().await.unwrap()).unwrap()
        );
        // New rows continue after the imported ids.
        let max_source = to
            .sources()
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .max()
            .unwrap();
        let id = to
            .insert_source(
                &source("After the move", None),
                None,
                "system",
                &rec("source.add"),
            )
            .await
            .unwrap();
        assert_eq!(id, max_source + 1);
        // A second import is refused: the target is no longer empty.
        let err = to.import_all(&a[..]).await.unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
    }

    /// A damaged export is refused with its line number and leaves the target empty.
    pub(crate) async fn damaged_export_writes_nothing(from: &Store, to: &Store) {
        every_write_appends_exactly_one_audit_event(from).await;
        let mut a = Vec::new();
        from.export(&mut a).await.unwrap();
        let text = String::from_utf8(a).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let last = lines.len() - 1;
        lines[last] = "{\"table\": \"audit_events\", \"row\": {\"seq\": \"not a number\"}}";
        let damaged = lines.join("\n");
        let err = to.import_all(damaged.as_bytes()).await.unwrap_err();
        assert!(
            err.to_string().contains(&format!("line {}", last + 1)),
            "{err}"
        );
        for table in chancery_store::TABLES {
            let mut out = Vec::new();
            to.export(&mut out).await.unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap().lines().count(),
                1,
                "{table}: nothing may be half-imported"
            );
        }
        let truncated = &text[..text.len() / 2];
        assert!(to.import_all(truncated.as_bytes()).await.is_err());
        assert!(to.audit_events().await.unwrap().is_empty());
    }

    /// Statistics: an import is one vintage; the same rows again change nothing; a revised
    /// value is stored under a new vintage and becomes current, the old one kept.
    pub(crate) async fn observations_are_versioned_by_vintage(store: &Store) {
        use chancery_store::{NewVintage, ObservationRow};
        let obs = |period: &str, value: f64| ObservationRow {
            country: "CAN".into(),
            series: "asylum_claims_total".into(),
            period: period.into(),
            value: Some(value),
            unit: Some("persons".into()),
            status: None,
            provisional: false,
            estimate: false,
            break_in_series: false,
            source_publisher: Some("IRCC".into()),
            source_title: None,
            source_url: None,
            note: None,
            line: 2,
        };
        let vintage = |sha: &str| NewVintage {
            file_name: "claims.csv".into(),
            file_sha256: sha.into(),
            format: "csv".into(),
            imported_by: "system".into(),
            rows_read: 2,
            skipped: 0,
        };
        let first = [obs("2019", 64177.0), obs("2020", 23775.0)];
        let n = events(store).await.len();
        let dry = store
            .import_observations(&vintage("a"), &first, true, &rec("statistics.import"))
            .await
            .unwrap();
        assert_eq!((dry.vintage, dry.imported, dry.unchanged), (None, 2, 0));
        assert_eq!(events(store).await.len(), n, "a dry run writes nothing");
        let a = store
            .import_observations(&vintage("a"), &first, false, &rec("statistics.import"))
            .await
            .unwrap();
        assert_eq!((a.imported, a.unchanged), (2, 0));
        let again = store
            .import_observations(&vintage("a"), &first, false, &rec("statistics.import"))
            .await
            .unwrap();
        assert_eq!(
            (again.vintage, again.imported, again.unchanged),
            (None, 0, 2)
        );
        assert_eq!(
            events(store).await.len(),
            n + 1,
            "an unchanged import writes nothing"
        );
        let revised = [obs("2019", 64180.0), obs("2020", 23775.0)];
        let b = store
            .import_observations(&vintage("b"), &revised, false, &rec("statistics.import"))
            .await
            .unwrap();
        assert_eq!((b.imported, b.unchanged), (1, 1));
        let values = store
            .series_values("asylum_claims_total", "CAN")
            .await
            .unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(values[0].0, "2019");
        assert_eq!(values[0].1, Some(64180.0));
        assert_eq!(values[0].3, b.vintage.unwrap());
        assert_eq!(values[1].3, a.vintage.unwrap());
        assert_eq!(
            store.vintage_by_sha("a").await.unwrap().unwrap().id,
            a.vintage.unwrap()
        );
        chain_is(store, n + 2).await;
    }

    /// The export covers every table of the schema.
    pub(crate) async fn export_covers_every_table(store: &Store) {
        let mut tables = store.table_names().await.unwrap();
        tables.sort();
        let mut listed: Vec<String> = chancery_store::TABLES
            .iter()
            .chain(chancery_store::EPHEMERAL)
            .map(|t| t.to_string())
            .collect();
        listed.sort();
        assert_eq!(
            tables, listed,
            "add new tables to chancery_store::TABLES (in foreign-key order)"
        );
    }

    /// Tables whose changes do not move the data generation, each for its reason (see
    /// migration 0008): short-lived or derived state, API tokens' last-use stamps, and
    /// observations (always written with a new vintage, which counts).
    const NOT_COUNTED: &[&str] = &[
        "api_tokens",
        "data_generation",
        "login_throttle",
        "observation_blocks",
        "search_identity",
        "search_outbox",
        "search_readers",
        "sessions",
    ];

    /// Every other table has the triggers that move the generation: a new table without them
    /// would let a server reuse a page its change made stale.
    pub(crate) async fn every_content_table_moves_the_generation(store: &Store) {
        let expected: Vec<String> = store
            .table_names()
            .await
            .unwrap()
            .into_iter()
            .filter(|t| !NOT_COUNTED.contains(&t.as_str()))
            .collect();
        let mut counted = store.generation_tables().await.unwrap();
        counted.sort();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(
            counted, expected_sorted,
            "give new tables the data generation triggers (migration 0008) or list them here"
        );
    }

    /// Committed content changes move the generation; sessions, throttling, dry runs, unchanged
    /// imports and rolled-back writes do not; a session is read with the current generation.
    pub(crate) async fn committed_changes_move_the_generation(store: &Store) {
        use chancery_store::{NewVintage, ObservationRow};
        let g0 = store.generation().await.unwrap();
        store.session_save("s1", "{}", i64::MAX / 2).await.unwrap();
        store.throttle_fail("user:nobody", 100, 0).await.unwrap();
        assert_eq!(
            store.generation().await.unwrap(),
            g0,
            "sessions do not count"
        );
        store
            .upsert_posts(&[post("OTTAWA", "CAN")], &rec("post.load"))
            .await
            .unwrap();
        let g1 = store.generation().await.unwrap();
        assert!(g1 > g0, "a new post moves the generation ({g0} → {g1})");
        let session = store.session_load("s1", 0).await.unwrap().unwrap();
        assert_eq!((session.data.as_str(), session.generation), ("{}", g1));

        // A write that fails rolls back its count with it.
        let missing = store
            .set_user_active(&name("nobody"), false, &rec("user.disable"))
            .await;
        assert!(missing.is_err());
        assert_eq!(store.generation().await.unwrap(), g1);

        let obs = ObservationRow {
            country: "CAN".into(),
            series: "asylum_claims_total".into(),
            period: "2024".into(),
            value: Some(1.0),
            unit: None,
            status: None,
            provisional: false,
            estimate: false,
            break_in_series: false,
            source_publisher: None,
            source_title: None,
            source_url: None,
            note: None,
            line: 2,
        };
        let vintage = NewVintage {
            file_name: "x.csv".into(),
            file_sha256: "x".into(),
            format: "csv".into(),
            imported_by: "system".into(),
            rows_read: 1,
            skipped: 0,
        };
        let audit = rec("statistics.import");
        let import =
            |dry| store.import_observations(&vintage, std::slice::from_ref(&obs), dry, &audit);
        import(true).await.unwrap();
        assert_eq!(
            store.generation().await.unwrap(),
            g1,
            "a dry run writes nothing"
        );
        import(false).await.unwrap();
        let g2 = store.generation().await.unwrap();
        assert!(g2 > g1, "an import moves the generation");
        import(false).await.unwrap();
        assert_eq!(
            store.generation().await.unwrap(),
            g2,
            "an unchanged import writes nothing"
        );
    }

    pub(crate) async fn every_write_appends_exactly_one_audit_event(store: &Store) {
        let mut n = 0;
        store
            .upsert_posts(
                &[post("OTTAWA", "CAN"), post("PARIS", "FRA")],
                &rec("post.load"),
            )
            .await
            .unwrap();
        one_more(store, n, "post.load").await;
        n += 1;

        let terms = [VocabTerm {
            code: VocabCode::parse("attack_on_asylum_accommodation").unwrap(),
            label: "Attack".into(),
            definition: String::new(),
        }];
        store
            .replace_vocab("incident_categories", &terms, &rec("vocab.load"))
            .await
            .unwrap();
        one_more(store, n, "vocab.load").await;
        n += 1;
        assert_eq!(store.vocab("incident_categories").await.unwrap(), terms);

        let drafter = actor("ottawa.drafter", Role::PostDrafter, Some("OTTAWA"));
        let approver = actor("ottawa.approver", Role::PostApprover, Some("OTTAWA"));
        for a in [&drafter, &approver] {
            store.insert_user(a, None, &rec("user.add")).await.unwrap();
            one_more(store, n, "user.add").await;
            n += 1;
        }
        assert_eq!(store.user_count().await.unwrap(), 2);

        let spec = tasking("CHN-2026-0100", &["OTTAWA"]);
        assert_eq!(
            store
                .import_tasking(&spec, &rec("tasking.import"))
                .await
                .unwrap(),
            TaskingImport::Created
        );
        one_more(store, n, "tasking.import").await;
        n += 1;

        store
            .set_tasking_status(
                &spec.reference,
                TaskingStatus::Draft,
                TaskingStatus::Issued,
                None,
                &rec("tasking.issue"),
            )
            .await
            .unwrap();
        one_more(store, n, "tasking.issue").await;
        n += 1;

        let ottawa = post_code("OTTAWA");
        let report = store
            .create_report(&spec.reference, &ottawa, &rec("report.new"))
            .await
            .unwrap();
        one_more(store, n, "report.new").await;
        n += 1;

        let rev = store
            .save_section(
                &report,
                &key("summary"),
                "(U) Text.",
                0,
                &drafter.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        assert_eq!(rev, 1);
        one_more(store, n, "report.save_section").await;
        n += 1;

        store
            .add_comment(
                &report,
                Some(&key("summary")),
                &approver.username,
                "Cite this.",
                &rec("report.comment"),
            )
            .await
            .unwrap();
        one_more(store, n, "report.comment").await;
        n += 1;

        let report = store
            .report(&spec.reference, &ottawa)
            .await
            .unwrap()
            .unwrap();
        let report = store
            .apply_transition(&report, &submit(), &drafter.username, &rec("report.submit"))
            .await
            .unwrap();
        one_more(store, n, "report.submit").await;
        n += 1;

        let returned = Transition {
            to: ReportStatus::Draft,
            return_reason: Some("Add figures.".into()),
            ..submit()
        };
        store
            .apply_transition(
                &report,
                &returned,
                &approver.username,
                &rec("report.return"),
            )
            .await
            .unwrap();
        one_more(store, n, "report.return").await;
        n += 1;

        let capture = Capture {
            name: "table.csv".into(),
            media_type: "text/csv".into(),
            bytes: b"a,b\n1,2\n".to_vec(),
        };
        let sid = store
            .insert_source(
                &source("Table 1", None),
                Some(&capture),
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();
        let e = one_more(store, n, "source.add").await;
        n += 1;
        // The store names the new object and adds the capture digest to the payload.
        assert_eq!(e.object_id, format!("S{sid}"));
        let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(payload["capture_sha256"], json!(sha256_hex(&capture.bytes)));
        assert_eq!(payload["step"], json!("source.add"));

        store
            .grade_source(
                sid,
                Grade::parse("A1").unwrap(),
                "National statistics office.",
                &drafter.username,
                &rec("source.grade"),
            )
            .await
            .unwrap();
        one_more(store, n, "source.grade").await;
        n += 1;

        let inc = store
            .insert_incident(
                &incident("attack_on_asylum_accommodation", vec![sid]),
                "ottawa.drafter",
                &rec("incident.add"),
            )
            .await
            .unwrap();
        assert_eq!(
            one_more(store, n, "incident.add").await.object_id,
            format!("INC{inc}")
        );
        n += 1;

        let eng = store
            .insert_engagement(
                &engagement(Some("CHN-2026-0100")),
                "ottawa.drafter",
                &rec("engagement.add"),
            )
            .await
            .unwrap();
        assert_eq!(
            one_more(store, n, "engagement.add").await.object_id,
            format!("ENG{eng}")
        );
        n += 1;

        let pm = store
            .insert_policy(&policy(Some(sid)), "system", &rec("policy.add"))
            .await
            .unwrap();
        assert_eq!(
            one_more(store, n, "policy.add").await.object_id,
            format!("PM{pm}")
        );
        n += 1;

        store.record(&rec("login.refused")).await.unwrap();
        one_more(store, n, "login.refused").await;
        n += 1;

        // What was written reads back.
        let incidents = store.incidents().await.unwrap();
        assert_eq!(incidents.len(), 1);
        assert_eq!(
            incidents[0].spec,
            incident("attack_on_asylum_accommodation", vec![sid])
        );
        assert_eq!(
            store.engagements().await.unwrap()[0].spec,
            engagement(Some("CHN-2026-0100"))
        );
        assert_eq!(store.policies().await.unwrap()[0].spec, policy(Some(sid)));
        let comments = store.comments(report.id).await.unwrap();
        let kinds: Vec<&str> = comments.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["comment", "return"]);
        assert_eq!(comments[1].body, "Add figures.");
        chain_is(store, n).await;
    }

    pub(crate) async fn failed_writes_leave_no_rows_and_no_event(store: &Store) {
        let s = seed(store).await;
        let n = events(store).await.len();
        let users_before = store.user_count().await.unwrap();

        // A user at an unknown post.
        let stray = actor("stray.drafter", Role::PostDrafter, Some("ATLANTIS"));
        let err = store
            .insert_user(&stray, None, &rec("user.add"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(store.user(&stray.username).await.unwrap().is_none());
        assert_eq!(store.user_count().await.unwrap(), users_before);

        // A username that exists.
        let err = store
            .insert_user(&s.drafter, None, &rec("user.add"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");

        // A tasking with one unknown addressee among known ones.
        let bad = tasking("CHN-2026-0101", &["OTTAWA", "ATLANTIS"]);
        let err = store
            .import_tasking(&bad, &rec("tasking.import"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(store.tasking(&bad.reference).await.unwrap().is_none());
        assert_eq!(store.taskings().await.unwrap().len(), 1);

        // A second report for the same (tasking, post).
        new_report(store, &s).await;
        let n = n + 1;
        let err = store
            .create_report(&s.tasking, &s.ottawa, &rec("report.new"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
        // A report for a tasking that does not exist.
        let ghost = TaskingRef::parse("CHN-2026-0999").unwrap();
        assert!(
            store
                .create_report(&ghost, &s.ottawa, &rec("report.new"))
                .await
                .is_err()
        );
        assert!(store.report(&ghost, &s.ottawa).await.unwrap().is_none());

        // Incidents: unknown category, unknown source, unknown post.
        let sid = store
            .insert_source(
                &source("Table", None),
                None,
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();
        let n = n + 1;
        let err = store
            .insert_incident(
                &incident("alien_invasion", vec![sid]),
                "x",
                &rec("incident.add"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        let err = store
            .insert_incident(
                &incident("attack_on_asylum_accommodation", vec![sid, 999]),
                "x",
                &rec("incident.add"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound(ref m) if m.contains("S999")),
            "{err}"
        );
        let mut elsewhere = incident("attack_on_asylum_accommodation", vec![sid]);
        elsewhere.post = post_code("ATLANTIS");
        let err = store
            .insert_incident(&elsewhere, "x", &rec("incident.add"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(store.incidents().await.unwrap().is_empty());

        // A source derived from a source that does not exist: no source and no blob.
        let capture = Capture {
            name: "echo.txt".into(),
            media_type: "text/plain".into(),
            bytes: b"an echo of nothing".to_vec(),
        };
        let err = store
            .insert_source(
                &source("Echo", Some(999)),
                Some(&capture),
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert_eq!(store.sources().await.unwrap().len(), 1);
        assert!(
            store
                .blob(&sha256_hex(&capture.bytes))
                .await
                .unwrap()
                .is_none()
        );

        // Grading a source that does not exist.
        let err = store
            .grade_source(
                999,
                Grade::parse("A1").unwrap(),
                "x",
                &s.hq.username,
                &rec("source.grade"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        // A policy citing a source that does not exist; engagements at unknown posts or for
        // unknown taskings.
        let err = store
            .insert_policy(&policy(Some(999)), "system", &rec("policy.add"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(store.policies().await.unwrap().is_empty());
        let mut abroad = engagement(None);
        abroad.post = post_code("ATLANTIS");
        let err = store
            .insert_engagement(&abroad, "x", &rec("engagement.add"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert!(
            store
                .insert_engagement(
                    &engagement(Some("CHN-2026-0999")),
                    "x",
                    &rec("engagement.add")
                )
                .await
                .is_err()
        );
        assert!(store.engagements().await.unwrap().is_empty());

        // Moving a tasking that is not in the expected status.
        let err = store
            .set_tasking_status(
                &s.tasking,
                TaskingStatus::Draft,
                TaskingStatus::Issued,
                None,
                &rec("tasking.issue"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let t = store.tasking(&s.tasking).await.unwrap().unwrap();
        assert_eq!(t.status, TaskingStatus::Issued);
        assert_eq!(t.issued_by.as_deref(), Some("hq.editor"));

        chain_is(store, n).await;
    }

    pub(crate) async fn late_failure_rolls_back_earlier_statements(store: &Store) {
        // These writes fail on their second statement (a foreign key), after the first already
        // changed the report: the whole transaction must roll back.
        let s = seed(store).await;
        let report = new_report(store, &s).await;
        let n = events(store).await.len();
        let nobody = name("nobody");

        let err = store
            .save_section(
                &report,
                &key("summary"),
                "(U) x",
                0,
                &nobody,
                &rec("report.save_section"),
            )
            .await;
        assert!(err.is_err(), "a revision by an unknown author must fail");
        let after = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        assert_eq!(after, report, "lock_version bump rolled back");
        assert!(store.sections(report.id).await.unwrap().is_empty());

        // Walk to cleared, then transmit "as" an unknown user: the status update ran first.
        let r = store
            .apply_transition(
                &report,
                &submit(),
                &s.drafter.username,
                &rec("report.submit"),
            )
            .await
            .unwrap();
        let r = store
            .apply_transition(
                &r,
                &to(ReportStatus::Cleared),
                &s.approver.username,
                &rec("report.clear"),
            )
            .await
            .unwrap();
        let err = store
            .apply_transition(&r, &transmit("{}"), &nobody, &rec("report.transmit"))
            .await;
        assert!(
            err.is_err(),
            "a version transmitted by an unknown user must fail"
        );
        let after = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        assert_eq!(after, r, "status and lock_version rolled back");
        assert!(store.versions(report.id).await.unwrap().is_empty());
        chain_is(store, n + 2).await;
    }

    pub(crate) async fn tasking_import_is_idempotent_and_never_overwrites(store: &Store) {
        store
            .upsert_posts(&[post("OTTAWA", "CAN")], &rec("post.load"))
            .await
            .unwrap();
        let spec = tasking("CHN-2026-0100", &["OTTAWA"]);
        assert_eq!(
            store
                .import_tasking(&spec, &rec("tasking.import"))
                .await
                .unwrap(),
            TaskingImport::Created
        );
        let stored = store.tasking(&spec.reference).await.unwrap().unwrap();
        assert_eq!(stored.spec, spec);
        assert_eq!(stored.status, TaskingStatus::Draft);

        // The same content again: nothing changes, not even the audit chain.
        assert_eq!(
            store
                .import_tasking(&spec, &rec("tasking.import"))
                .await
                .unwrap(),
            TaskingImport::Unchanged
        );
        chain_is(store, 2).await;

        // Different content under the same reference is refused.
        let mut changed = spec.clone();
        changed.subject = "Something else".into();
        let err = store
            .import_tasking(&changed, &rec("tasking.import"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");
        let again = store.tasking(&spec.reference).await.unwrap().unwrap();
        assert_eq!(again.spec, spec);
        assert_eq!(again.spec_sha256, stored.spec_sha256);
        assert_eq!(store.taskings().await.unwrap().len(), 1);
        chain_is(store, 2).await;
    }

    pub(crate) async fn stale_section_save_conflicts_and_writes_nothing(store: &Store) {
        let s = seed(store).await;
        let report = new_report(store, &s).await;
        let summary = key("summary");
        let save = |body: &'static str, expected: i64, report: ReportRow| {
            let who = s.drafter.username.clone();
            let summary = summary.clone();
            async move {
                store
                    .save_section(
                        &report,
                        &summary,
                        body,
                        expected,
                        &who,
                        &rec("report.save_section"),
                    )
                    .await
            }
        };
        assert_eq!(save("(U) First.", 0, report.clone()).await.unwrap(), 1);
        let n = events(store).await.len();
        let before = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        assert_eq!(before.lock_version, report.lock_version + 1);

        // An editor who started from "never written" (0) lost the race.
        let err = save("(U) Stale.", 0, before.clone()).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let sections = store.sections(report.id).await.unwrap();
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].body, "(U) First.");
        assert_eq!(sections[0].revision, 1);
        assert_eq!(
            store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap(),
            before,
            "lock_version untouched by the refused save"
        );
        chain_is(store, n).await;

        // A revision from the future is refused too.
        let err = save("(U) Future.", 5, before.clone()).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");

        assert_eq!(save("(U) Second.", 1, before.clone()).await.unwrap(), 2);
        let sections = store.sections(report.id).await.unwrap();
        assert_eq!(
            (sections[0].revision, sections[0].body.as_str()),
            (2, "(U) Second.")
        );

        // A report row read before a status change is stale for saving.
        let current = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        store
            .apply_transition(
                &current,
                &submit(),
                &s.drafter.username,
                &rec("report.submit"),
            )
            .await
            .unwrap();
        let n = events(store).await.len();
        let err = save("(U) Late.", 2, current).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(store.sections(report.id).await.unwrap()[0].revision, 2);
        chain_is(store, n).await;
    }

    pub(crate) async fn stale_transition_conflicts_and_writes_nothing(store: &Store) {
        let s = seed(store).await;
        let stale = new_report(store, &s).await;
        store
            .save_section(
                &stale,
                &key("summary"),
                "(U) x",
                0,
                &s.drafter.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        let n = events(store).await.len();
        let fresh = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        assert!(fresh.lock_version > stale.lock_version);

        let err = store
            .apply_transition(
                &stale,
                &submit(),
                &s.drafter.username,
                &rec("report.submit"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(
            store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap(),
            fresh
        );
        chain_is(store, n).await;

        // Even a transmission with a frozen version writes nothing when stale.
        let err = store
            .apply_transition(
                &stale,
                &transmit("{}"),
                &s.approver.username,
                &rec("report.transmit"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert!(store.versions(stale.id).await.unwrap().is_empty());

        // The fresh row goes through and bumps lock_version once.
        let moved = store
            .apply_transition(
                &fresh,
                &submit(),
                &s.drafter.username,
                &rec("report.submit"),
            )
            .await
            .unwrap();
        assert_eq!(moved.status, ReportStatus::InClearance);
        assert_eq!(moved.lock_version, fresh.lock_version + 1);
        chain_is(store, n + 1).await;
    }

    /// Two editors save the same section from the same revision at the same moment: one
    /// revision is stored, the other editor gets a conflict (and keeps their text to retry).
    pub(crate) async fn concurrent_section_saves_exactly_one_wins(store: &Store) {
        let s = seed(store).await;
        let report = store
            .create_report(&s.tasking, &s.ottawa, &rec("report.new"))
            .await
            .unwrap();
        let summary = key("summary");
        for round in 0..3_i64 {
            let n = events(store).await.len();
            let spawn = |text: String| {
                let store = store.clone();
                let report = report.clone();
                let summary = summary.clone();
                let who = s.drafter.username.clone();
                tokio::spawn(async move {
                    store
                        .save_section(
                            &report,
                            &summary,
                            &text,
                            round,
                            &who,
                            &rec("report.save_section"),
                        )
                        .await
                })
            };
            let (a, b) = tokio::join!(
                spawn(format!("(U) Editor A, round {round}.")),
                spawn(format!("(U) Editor B, round {round}.")),
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(
                [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count(),
                1,
                "round {round}: exactly one save wins: {a:?} / {b:?}"
            );
            let loser = if a.is_ok() { &b } else { &a };
            assert!(matches!(loser, Err(StoreError::Conflict(_))), "{loser:?}");
            let stored = store.sections(report.id).await.unwrap();
            assert_eq!(stored.len(), 1);
            assert_eq!(stored[0].revision, round + 1);
            let winner = if a.is_ok() { "A" } else { "B" };
            assert!(
                stored[0].body.contains(&format!("Editor {winner}")),
                "{}",
                stored[0].body
            );
            chain_is(store, n + 1).await;
        }
    }

    pub(crate) async fn concurrent_transitions_exactly_one_wins(store: &Store) {
        let s = seed(store).await;
        for round in 0..3 {
            let spec = tasking(&format!("CHN-2026-02{round:02}"), &["OTTAWA"]);
            store
                .import_tasking(&spec, &rec("tasking.import"))
                .await
                .unwrap();
            let report = store
                .create_report(&spec.reference, &s.ottawa, &rec("report.new"))
                .await
                .unwrap();
            let n = events(store).await.len();

            // Two tasks act on the same row they both read: the drafter submits while the
            // approver returns it to draft with a reason.
            let returned = Transition {
                to: ReportStatus::Draft,
                return_reason: Some("Start over.".into()),
                ..submit()
            };
            let spawn = |t: Transition, who: Username, action: &'static str| {
                let store = store.clone();
                let report = report.clone();
                tokio::spawn(async move {
                    store
                        .apply_transition(&report, &t, &who, &rec(action))
                        .await
                })
            };
            let (a, b) = tokio::join!(
                spawn(submit(), s.drafter.username.clone(), "report.submit"),
                spawn(returned, s.approver.username.clone(), "report.return"),
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            let wins = [a.is_ok(), b.is_ok()];
            assert_eq!(
                wins.iter().filter(|w| **w).count(),
                1,
                "round {round}: exactly one wins: {a:?} / {b:?}"
            );
            let loser = if wins[0] { &b } else { &a };
            assert!(
                matches!(loser, Err(StoreError::Conflict(_))),
                "round {round}: the other gets a conflict: {loser:?}"
            );

            // Only the winner's effects are stored.
            let now = store
                .report(&spec.reference, &s.ottawa)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(now.lock_version, report.lock_version + 1);
            let comments = store.comments(report.id).await.unwrap();
            let last = events(store).await.pop().unwrap();
            if wins[0] {
                assert_eq!(now.status, ReportStatus::InClearance);
                assert!(comments.is_empty());
                assert_eq!(last.action, "report.submit");
            } else {
                assert_eq!(now.status, ReportStatus::Draft);
                assert_eq!(comments.len(), 1);
                assert_eq!(last.action, "report.return");
            }
            chain_is(store, n + 1).await;
        }
    }

    pub(crate) async fn hq_return_starts_a_new_version_and_keeps_the_frozen_one(store: &Store) {
        let s = seed(store).await;
        let r = new_report(store, &s).await;
        let summary = key("summary");
        store
            .save_section(
                &r,
                &summary,
                "(U) Version one.",
                0,
                &s.drafter.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        let r = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        let r = store
            .apply_transition(&r, &submit(), &s.drafter.username, &rec("report.submit"))
            .await
            .unwrap();
        let r = store
            .apply_transition(
                &r,
                &to(ReportStatus::Cleared),
                &s.approver.username,
                &rec("report.clear"),
            )
            .await
            .unwrap();
        let content = r#"{"sections":[{"body":"(U) Version one."}]}"#;
        let r = store
            .apply_transition(
                &r,
                &transmit(content),
                &s.approver.username,
                &rec("report.transmit"),
            )
            .await
            .unwrap();
        assert_eq!((r.status, r.version_no), (ReportStatus::Transmitted, 1));
        let v1 = store.versions(r.id).await.unwrap();
        assert_eq!(v1.len(), 1);
        assert_eq!(v1[0].version_no, 1);
        assert_eq!(v1[0].content_json, content);
        assert_eq!(v1[0].content_sha256, sha256_hex(content.as_bytes()));
        assert_eq!(v1[0].transmitted_by, "ottawa.approver");

        let hq_return = Transition {
            to: ReportStatus::Returned,
            freeze: None,
            new_version: true,
            return_reason: Some("Add the 2025 figures.".into()),
        };
        let r = store
            .apply_transition(&r, &hq_return, &s.hq.username, &rec("report.return"))
            .await
            .unwrap();
        assert_eq!((r.status, r.version_no), (ReportStatus::Returned, 2));
        let comments = store.comments(r.id).await.unwrap();
        assert_eq!(comments.len(), 1);
        assert_eq!(
            (
                comments[0].kind.as_str(),
                comments[0].version_no,
                comments[0].author.as_str()
            ),
            ("return", 1, "hq.editor")
        );

        // The next save goes into version 2, by another author.
        let rev = store
            .save_section(
                &r,
                &summary,
                "(U) Version two.",
                1,
                &s.approver.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        assert_eq!(rev, 2);
        let sections = store.sections(r.id).await.unwrap();
        assert_eq!(sections[0].version_no, 2);
        assert_eq!(sections[0].body, "(U) Version two.");
        assert_eq!(
            store.drafters(r.id, 1).await.unwrap(),
            vec![s.drafter.username.clone()]
        );
        assert_eq!(
            store.drafters(r.id, 2).await.unwrap(),
            vec![s.approver.username.clone()]
        );

        // Version 1 is exactly as transmitted, and no version 2 exists until transmission.
        assert_eq!(store.versions(r.id).await.unwrap(), v1);
    }

    /// Editing incidents, engagements, policy measures, `derived_from` and accounts: the row
    /// is replaced with one audit event; a missing id or reference writes nothing.
    pub(crate) async fn edits_replace_records_with_one_event_each(store: &Store) {
        let s = seed(store).await;
        let a = store
            .insert_source(&source("A", None), None, "hq.editor", &rec("source.add"))
            .await
            .unwrap();
        let b = store
            .insert_source(&source("B", None), None, "hq.editor", &rec("source.add"))
            .await
            .unwrap();
        let inc = store
            .insert_incident(
                &incident("attack_on_asylum_accommodation", vec![a]),
                "hq.editor",
                &rec("incident.add"),
            )
            .await
            .unwrap();
        let eng = store
            .insert_engagement(&engagement(None), "hq.editor", &rec("engagement.add"))
            .await
            .unwrap();
        let pm = store
            .insert_policy(&policy(None), "hq.editor", &rec("policy.add"))
            .await
            .unwrap();
        let n = events(store).await.len();

        let mut changed = incident("attack_on_asylum_accommodation", vec![a, b]);
        changed.victims = Some(5);
        store
            .update_incident(inc, &changed, &rec("incident.edit"))
            .await
            .unwrap();
        let mut met = engagement(Some("CHN-2026-0100"));
        met.host_response = "Agreed to exchange data.".into();
        store
            .update_engagement(eng, &met, &rec("engagement.edit"))
            .await
            .unwrap();
        let mut measure = policy(Some(b));
        measure.title = "Levels plan (amended)".into();
        store
            .update_policy(pm, &measure, &rec("policy.edit"))
            .await
            .unwrap();
        store
            .set_derived_from(b, Some(a), &rec("source.derived_from"))
            .await
            .unwrap();
        let promoted = Actor::new(
            name("ottawa.drafter"),
            Role::PostApprover,
            Classification::Confidential,
            Some(post_code("PARIS")),
        )
        .unwrap();
        store
            .update_user(&promoted, &rec("user.edit"))
            .await
            .unwrap();
        chain_is(store, n + 5).await;
        assert_eq!(store.incidents().await.unwrap()[0].spec, changed);
        assert_eq!(store.engagements().await.unwrap()[0].spec, met);
        assert_eq!(store.policies().await.unwrap()[0].spec, measure);
        assert_eq!(
            store.source(b).await.unwrap().unwrap().spec.derived_from,
            Some(a)
        );
        assert_eq!(
            store
                .user(&name("ottawa.drafter"))
                .await
                .unwrap()
                .unwrap()
                .actor,
            promoted
        );

        // Missing ids, sources, posts: refused, nothing written.
        let missing = [
            store
                .update_incident(inc + 99, &changed, &rec("incident.edit"))
                .await,
            store
                .update_incident(
                    inc,
                    &incident("attack_on_asylum_accommodation", vec![b + 99]),
                    &rec("incident.edit"),
                )
                .await,
            store
                .update_engagement(eng + 99, &met, &rec("engagement.edit"))
                .await,
            store
                .update_policy(pm, &policy(Some(b + 99)), &rec("policy.edit"))
                .await,
            store
                .set_derived_from(b + 99, Some(a), &rec("source.derived_from"))
                .await,
            store
                .update_user(&actor("nobody.here", Role::Reader, None), &rec("user.edit"))
                .await,
        ];
        for result in missing {
            assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
        }
        assert_eq!(store.incidents().await.unwrap()[0].spec, changed);
        assert_eq!(store.incidents().await.unwrap()[0].spec.sources, vec![a, b]);
        chain_is(store, n + 5).await;

        // Every revision of a section, oldest first.
        let report = new_report(store, &s).await;
        let summary = key("summary");
        store
            .save_section(
                &report,
                &summary,
                "(U) One.",
                0,
                &s.drafter.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        let report = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        store
            .save_section(
                &report,
                &summary,
                "(U) Two.",
                1,
                &s.drafter.username,
                &rec("report.save_section"),
            )
            .await
            .unwrap();
        let revisions = store.section_revisions(report.id, &summary).await.unwrap();
        let bodies: Vec<(i64, &str)> = revisions
            .iter()
            .map(|r| (r.revision, r.body.as_str()))
            .collect();
        assert_eq!(bodies, [(1, "(U) One."), (2, "(U) Two.")]);
        assert!(
            store
                .section_revisions(report.id, &key("other"))
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) async fn source_roots_follow_derived_from_chains(store: &Store) {
        let s = seed(store).await;
        let add = |title: &'static str, parent: Option<i64>| async move {
            store
                .insert_source(
                    &source(title, parent),
                    None,
                    "hq.editor",
                    &rec("source.add"),
                )
                .await
                .unwrap()
        };
        let original = add("Official table", None).await;
        let echo = add("Newspaper reprint", Some(original)).await;
        let echo_of_echo = add("Blog quoting the newspaper", Some(echo)).await;
        let independent = add("Court record", None).await;
        let also_original = add("Echo of the court record", Some(independent)).await;
        store
            .grade_source(
                original,
                Grade::parse("A1").unwrap(),
                "The statistics office itself.",
                &s.hq.username,
                &rec("source.grade"),
            )
            .await
            .unwrap();

        let facts = store.source_facts().await.unwrap();
        assert_eq!(facts.len(), 5);
        for (id, root) in [
            (original, original),
            (echo, original),
            (echo_of_echo, original),
            (independent, independent),
            (also_original, independent),
        ] {
            assert_eq!(facts[&id].root, root, "root of S{id}");
        }
        assert_eq!(
            facts[&original].grade,
            Grade {
                reliability: Reliability::A,
                credibility: Credibility::Confirmed
            }
        );
        assert_eq!(facts[&echo].grade, Grade::default(), "ungraded is F6");

        let graded = store.source(original).await.unwrap().unwrap();
        assert_eq!(graded.graded_by.as_deref(), Some("hq.editor"));
        assert_eq!(
            graded.grade_rationale.as_deref(),
            Some("The statistics office itself.")
        );
        assert!(graded.graded_at.is_some());
        assert_eq!(
            store.source(echo).await.unwrap().unwrap().spec.derived_from,
            Some(original)
        );
    }

    pub(crate) async fn identical_captures_share_one_blob(store: &Store) {
        seed(store).await;
        let bytes = b"country,series,period,value\nCAN,population,2024,41000000\n".to_vec();
        let capture = |name: &str, media: &str, bytes: &[u8]| Capture {
            name: name.into(),
            media_type: media.into(),
            bytes: bytes.to_vec(),
        };
        let a = store
            .insert_source(
                &source("First", None),
                Some(&capture("a.csv", "text/csv", &bytes)),
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();
        let b = store
            .insert_source(
                &source("Second", None),
                Some(&capture("b.txt", "text/plain", &bytes)),
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();
        let c = store
            .insert_source(
                &source("Third", None),
                Some(&capture("c.csv", "text/csv", b"other")),
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();
        let d = store
            .insert_source(
                &source("No capture", None),
                None,
                "hq.editor",
                &rec("source.add"),
            )
            .await
            .unwrap();

        let sha = sha256_hex(&bytes);
        let row = |id| async move { store.source(id).await.unwrap().unwrap() };
        let (ra, rb, rc, rd) = (row(a).await, row(b).await, row(c).await, row(d).await);
        assert_eq!(ra.capture_sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(rb.capture_sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(rc.capture_sha256, Some(sha256_hex(b"other")));
        assert_ne!(rc.capture_sha256, ra.capture_sha256);
        assert_eq!(ra.capture_name.as_deref(), Some("a.csv"));
        assert_eq!(rb.capture_name.as_deref(), Some("b.txt"));
        assert!(ra.retrieved_at.is_some());
        assert_eq!(
            (rd.capture_sha256, rd.capture_name, rd.retrieved_at),
            (None, None, None)
        );

        assert_eq!(store.blob(&sha).await.unwrap(), Some(bytes));
        assert_eq!(
            store.blob(&sha256_hex(b"other")).await.unwrap(),
            Some(b"other".to_vec())
        );
        assert_eq!(
            store.blob(&sha256_hex(b"never stored")).await.unwrap(),
            None
        );
    }
}

/// Checks that need the SQLite file itself.
mod sqlite_only {
    use chancery_domain::audit::{sha256_hex, verify_chain};
    use chancery_domain::ids::SectionKey;
    use chancery_domain::report::ReportStatus;
    use chancery_store::{Capture, Frozen, Transition};
    use sqlx::{Connection, SqliteConnection};

    use super::TempDb;
    use super::contract::seed;

    fn rec(action: &str) -> chancery_store::AuditRecord {
        chancery_store::AuditRecord::new("system", action, "test", "x", serde_json::json!({}))
    }

    async fn raw(db: &TempDb) -> SqliteConnection {
        SqliteConnection::connect(&format!("sqlite:{}", db.path.display()))
            .await
            .unwrap()
    }

    async fn count(conn: &mut SqliteConnection, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn frozen_versions_revisions_and_audit_refuse_update_and_delete() {
        let db = TempDb::new().await;
        let store = &db.store;
        let s = seed(store).await;
        let r = store
            .create_report(&s.tasking, &s.ottawa, &rec("report.new"))
            .await
            .unwrap();
        let summary = SectionKey::parse("summary").unwrap();
        store
            .save_section(
                &r,
                &summary,
                "(U) Text.",
                0,
                &s.drafter.username,
                &rec("save"),
            )
            .await
            .unwrap();
        let r = store.report(&s.tasking, &s.ottawa).await.unwrap().unwrap();
        let transmit = Transition {
            to: ReportStatus::Transmitted,
            freeze: Some(Frozen {
                content_json: "{\"v\":1}".into(),
                findings_json: "[]".into(),
                lint_override: None,
            }),
            new_version: false,
            return_reason: None,
        };
        store
            .apply_transition(&r, &transmit, &s.approver.username, &rec("report.transmit"))
            .await
            .unwrap();
        let versions = store.versions(r.id).await.unwrap();
        let sections = store.sections(r.id).await.unwrap();
        let events = store.audit_events().await.unwrap();

        let mut conn = raw(&db).await;
        // The connection can write: the refusals below come from the triggers, not from a
        // read-only handle.
        sqlx::query("UPDATE reports SET updated_at = updated_at")
            .execute(&mut conn)
            .await
            .unwrap();
        for (sql, says) in [
            (
                "UPDATE report_versions SET content_json = '{}'",
                "immutable",
            ),
            ("DELETE FROM report_versions", "immutable"),
            (
                "UPDATE section_revisions SET body = '(U) Rewritten.'",
                "append-only",
            ),
            ("DELETE FROM section_revisions", "append-only"),
            ("UPDATE audit_events SET actor = 'mallory'", "append-only"),
            ("DELETE FROM audit_events WHERE seq = 1", "append-only"),
        ] {
            let err = sqlx::query(sql).execute(&mut conn).await.unwrap_err();
            assert!(err.to_string().contains(says), "{sql}: {err}");
        }
        conn.close().await.unwrap();

        assert_eq!(store.versions(r.id).await.unwrap(), versions);
        assert_eq!(store.sections(r.id).await.unwrap(), sections);
        let after = store.audit_events().await.unwrap();
        assert_eq!(after, events);
        assert_eq!(verify_chain(&after), Ok(after.len() as u64));
    }

    #[tokio::test]
    async fn identical_captures_are_one_blob_row() {
        let db = TempDb::new().await;
        let store = &db.store;
        seed(store).await;
        let same = Capture {
            name: "rows.csv".into(),
            media_type: "text/csv".into(),
            bytes: b"a,b\n1,2\n".to_vec(),
        };
        let spec = |title: &str| chancery_domain::evidence::SourceSpec {
            kind: chancery_domain::evidence::SourceKind::NewsReport,
            publisher: "Daily".into(),
            title: title.into(),
            url: None,
            published: None,
            language: "en".into(),
            marking: chancery_domain::Classification::Unclassified,
            derived_from: None,
        };
        for title in ["One", "Two", "Three"] {
            store
                .insert_source(&spec(title), Some(&same), "hq.editor", &rec("source.add"))
                .await
                .unwrap();
        }
        let mut conn = raw(&db).await;
        assert_eq!(count(&mut conn, "sources").await, 3);
        assert_eq!(count(&mut conn, "blobs").await, 1);
        let (sha, size): (String, i64) = sqlx::query_as("SELECT sha256, size FROM blobs")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(sha, sha256_hex(&same.bytes));
        assert_eq!(size, 8);
    }

    #[tokio::test]
    async fn reopening_an_existing_file_keeps_its_data() {
        let db = TempDb::new().await;
        seed(&db.store).await;
        let n = db.store.audit_events().await.unwrap().len();
        db.store.close().await;
        let again = chancery_store::Store::open_path(&db.path, chancery_store::OpenMode::Existing)
            .await
            .unwrap();
        again.migrate().await.unwrap();
        again.check_schema().await.unwrap();
        assert_eq!(again.posts().await.unwrap().len(), 2);
        assert_eq!(again.audit_events().await.unwrap().len(), n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_sqlite_to_sqlite() {
    let (a, b) = (TempDb::new().await, TempDb::new().await);
    contract::export_import_round_trip(&a.store, &b.store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_export_into_sqlite_writes_nothing() {
    let (a, b) = (TempDb::new().await, TempDb::new().await);
    contract::damaged_export_writes_nothing(&a.store, &b.store).await;
}

/// Checks that need a PostgreSQL connection of their own.
mod postgres_only {
    use super::{TempDb, contract, pg_store};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn export_import_sqlite_to_postgres() {
        let Some((pg, _db)) = pg_store("export_import_sqlite_to_postgres").await else {
            return;
        };
        let lite = TempDb::new().await;
        contract::export_import_round_trip(&lite.store, &pg).await;
        pg.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn export_import_postgres_to_sqlite() {
        let Some((pg, _db)) = pg_store("export_import_postgres_to_sqlite").await else {
            return;
        };
        let lite = TempDb::new().await;
        contract::export_import_round_trip(&pg, &lite.store).await;
        pg.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn damaged_export_into_postgres_writes_nothing() {
        let Some((pg, _db)) = pg_store("damaged_export_into_postgres_writes_nothing").await else {
            return;
        };
        let lite = TempDb::new().await;
        contract::damaged_export_writes_nothing(&lite.store, &pg).await;
        pg.close().await;
    }

    #[tokio::test]
    async fn audit_rows_refuse_update_delete_and_truncate() {
        let Some((store, db)) = pg_store("audit_rows_refuse_update_delete_and_truncate").await
        else {
            return;
        };
        store
            .record(&chancery_store::AuditRecord::new(
                "system",
                "test.event",
                "test",
                "x",
                serde_json::json!({}),
            ))
            .await
            .unwrap();
        let mut raw = <sqlx::PgConnection as sqlx::Connection>::connect(db.url())
            .await
            .unwrap();
        for sql in [
            "UPDATE audit_events SET actor = 'mallory'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ] {
            let err = sqlx::query(sql).execute(&mut raw).await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&mut raw)
            .await
            .unwrap();
        assert_eq!(n, 1);
        drop(raw);
        store.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_app_role_cannot_change_append_only_tables() {
        let Some((store, db)) = pg_store("the_app_role_cannot_change_append_only_tables").await
        else {
            return;
        };
        store
            .record(&chancery_store::AuditRecord::new(
                "system",
                "test.event",
                "test",
                "x",
                serde_json::json!({}),
            ))
            .await
            .unwrap();
        let role = format!("app_{}", db.name().trim_start_matches("chancery_test_"));
        let url = db.url().to_string();
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {role} LOGIN")))
            .execute(&mut admin)
            .await
            .unwrap();
        store.grant_app_role(&role).await.unwrap();
        assert!(
            store
                .grant_app_role("Robert'); DROP TABLE x;--")
                .await
                .is_err()
        );

        // Connect as the app role: reads and appends work, changes to history do not.
        let app_url = url.replacen("postgres@", &format!("{role}@"), 1);
        let app = chancery_store::Store::open(&app_url, chancery_store::OpenMode::Existing)
            .await
            .unwrap();
        app.record(&chancery_store::AuditRecord::new(
            "system",
            "test.event",
            "test",
            "y",
            serde_json::json!({}),
        ))
        .await
        .unwrap();
        assert_eq!(app.audit_events().await.unwrap().len(), 2);
        let mut raw = <sqlx::PgConnection as sqlx::Connection>::connect(&app_url)
            .await
            .unwrap();
        for table in chancery_store::APPEND_ONLY {
            let column = match *table {
                "audit_events" => "at",
                "report_versions" => "transmitted_at",
                _ => "created_at",
            };
            for sql in [
                format!("UPDATE {table} SET {column} = {column}"),
                format!("DELETE FROM {table}"),
                format!("TRUNCATE {table}"),
            ] {
                let err = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&mut raw)
                    .await
                    .unwrap_err();
                assert!(
                    err.to_string().contains("permission denied"),
                    "{sql}: {err}"
                );
            }
        }
        drop(raw);
        app.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP OWNED BY {role}")))
            .execute(&mut admin)
            .await
            .unwrap();
        drop(admin);
        store.close().await;
        let server_url = db.admin_url().to_string();
        drop(db);
        let mut server = <sqlx::PgConnection as sqlx::Connection>::connect(&server_url)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE IF EXISTS {role}")))
            .execute(&mut server)
            .await
            .unwrap();
    }
}
