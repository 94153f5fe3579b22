//! Outbox pruning (issue 6): several indexes (one per app server) follow one database; rows
//! every live index has applied are deleted, rows a live index still needs are kept, an
//! index forgotten after the retention window rebuilds from the tables when it comes back,
//! and `seq` keeps counting up across pruning. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chancery_app::App;
use chancery_domain::Classification;
use chancery_domain::evidence::{PartialDate, SourceKind, SourceSpec};
use chancery_domain::ids::Username;
use chancery_domain::user::{Actor, Role};
use chancery_search::{Lang, SearchIndex, SearchRequest};
use chancery_store::{OpenMode, Store};
use chancery_testkit::{Backend, PgDatabase, on_every_backend};

on_every_backend!(
    rows_every_live_index_applied_are_pruned_and_a_forgotten_index_rebuilds,
    pruning_keeps_the_newest_row_so_seq_keeps_counting,
);

/// A fresh, migrated store on `backend` (and what keeps it alive).
async fn store(backend: Backend, test: &str) -> (Store, Option<PgDatabase>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => {
            let s = Store::open_path(&dir.path().join("c.db"), OpenMode::Create)
                .await
                .unwrap();
            s.migrate().await.unwrap();
            (s, None, dir)
        }
        Backend::Postgres => {
            let db = PgDatabase::create(test).await.unwrap();
            let s = Store::open(db.url(), OpenMode::Existing).await.unwrap();
            s.migrate().await.unwrap();
            (s, Some(db), dir)
        }
    }
}

async fn editor(app: &App) -> Actor {
    let admin = Actor::new(
        Username::parse("admin").unwrap(),
        Role::Admin,
        Classification::Secret,
        None,
    )
    .unwrap();
    app.add_user(None, &admin, Some("a long enough passphrase"))
        .await
        .unwrap();
    let hq = Actor::new(
        Username::parse("hq.editor").unwrap(),
        Role::HqEditor,
        Classification::Secret,
        None,
    )
    .unwrap();
    app.add_user(Some(&admin), &hq, Some("another long passphrase"))
        .await
        .unwrap();
    hq
}

/// Records a source titled `title` (one outbox row).
async fn add_source(app: &App, by: &Actor, title: &str) {
    app.add_source(
        by,
        &SourceSpec {
            kind: SourceKind::OfficialStatistics,
            publisher: "Statistics Office".into(),
            title: title.into(),
            url: None,
            published: Some(PartialDate::parse("2025-09").unwrap()),
            language: "en".into(),
            marking: Classification::Unclassified,
            derived_from: None,
        },
        None,
    )
    .await
    .unwrap();
}

fn total(index: &SearchIndex, actor: &Actor, q: &str) -> u64 {
    index
        .search(
            actor,
            &SearchRequest {
                q: q.into(),
                filters: Default::default(),
                page: 1,
                per_page: 20,
            },
        )
        .unwrap()
        .total
}

async fn rows_every_live_index_applied_are_pruned_and_a_forgotten_index_rebuilds(backend: Backend) {
    let (store, _pg, _dir) = store(
        backend,
        "rows_every_live_index_applied_are_pruned_and_a_forgotten_index_rebuilds",
    )
    .await;
    let app = App::new(store.clone());
    let hq = editor(&app).await;
    // Two servers' indexes, both current.
    let a = SearchIndex::in_memory(Lang::En).unwrap();
    let b = SearchIndex::in_memory(Lang::En).unwrap();
    assert_ne!(a.reader_id, b.reader_id);
    add_source(&app, &hq, "Quarterly housing completions").await;
    a.catch_up(&store).await.unwrap();
    b.catch_up(&store).await.unwrap();
    let at_both = store.search_outbox_head().await.unwrap();

    // More writes; only A follows them. B's position holds the rows it has not applied.
    for n in 0..5 {
        add_source(&app, &hq, &format!("Asylum claims table {n}")).await;
    }
    let head = store.search_outbox_head().await.unwrap();
    a.catch_up(&store).await.unwrap();
    a.report_now(&store).await.unwrap();
    assert_eq!(
        store.search_outbox_since(at_both, 100).await.unwrap().len() as i64,
        head - at_both,
        "rows B has not applied are kept"
    );
    assert_eq!(
        store.search_outbox_since(0, 100).await.unwrap()[0].seq,
        at_both + 1,
        "rows both applied are gone"
    );

    // B catches up from the rows kept for it, without a rebuild; then everything but the
    // newest row goes.
    let r = b.catch_up(&store).await.unwrap();
    assert_eq!((r.rebuilt, r.applied), (false, head - at_both));
    assert_eq!(total(&b, &hq, "asylum"), 5);
    b.report_now(&store).await.unwrap();
    assert_eq!(store.search_outbox_len().await.unwrap(), 1);

    // C was current at `head`, then went away for longer than the retention window: its
    // registration is forgotten, the rows after it are pruned while it is away, and when it
    // comes back it notices the gap and rebuilds from the tables.
    let c = SearchIndex::in_memory(Lang::En).unwrap();
    c.catch_up(&store).await.unwrap();
    store
        .search_reader_report_at(&c.reader_id, head, "2000-01-01T00:00:00Z")
        .await
        .unwrap();
    for n in 0..3 {
        add_source(&app, &hq, &format!("Reception capacity report {n}")).await;
    }
    a.catch_up(&store).await.unwrap();
    b.catch_up(&store).await.unwrap();
    a.report_now(&store).await.unwrap();
    b.report_now(&store).await.unwrap();
    assert_eq!(
        store.search_outbox_len().await.unwrap(),
        1,
        "C no longer holds rows"
    );
    let back = c.catch_up(&store).await.unwrap();
    assert!(back.rebuilt, "{back:?}");
    assert!(
        back.reason.as_deref().unwrap_or("").contains("were pruned"),
        "{back:?}"
    );
    assert_eq!(total(&c, &hq, "reception"), 3);
    assert_eq!(c.fingerprint().unwrap(), a.fingerprint().unwrap());
    store.close().await;
}

async fn pruning_keeps_the_newest_row_so_seq_keeps_counting(backend: Backend) {
    let (store, _pg, _dir) = store(
        backend,
        "pruning_keeps_the_newest_row_so_seq_keeps_counting",
    )
    .await;
    let app = App::new(store.clone());
    let hq = editor(&app).await;
    // No reader registered: nothing is pruned.
    add_source(&app, &hq, "First table").await;
    add_source(&app, &hq, "Second table").await;
    let head = store.search_outbox_head().await.unwrap();
    let pruned = store
        .search_outbox_prune(std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(pruned.deleted, 0);
    assert_eq!(store.search_outbox_len().await.unwrap(), head);

    let index = SearchIndex::in_memory(Lang::En).unwrap();
    index.catch_up(&store).await.unwrap();
    index.report_now(&store).await.unwrap();
    assert_eq!(store.search_outbox_len().await.unwrap(), 1);
    assert_eq!(store.search_outbox_head().await.unwrap(), head);
    add_source(&app, &hq, "Third table").await;
    assert_eq!(store.search_outbox_head().await.unwrap(), head + 1);
    let r = index.catch_up(&store).await.unwrap();
    assert_eq!((r.rebuilt, r.applied, r.seq), (false, 1, head + 1));
    assert_eq!(total(&index, &hq, "table"), 3);
    store.close().await;
}
