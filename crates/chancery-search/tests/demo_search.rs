//! Search over the real demo (issue 6, "done when"): "Safe Third Country" as the OTTAWA
//! drafter, an HQ editor, the demo reader and a low-clearance (U) reader returns what each may
//! see, with the counts worked out independently from the database; new writes reach the
//! index through the outbox; a refused write leaves no outbox row.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use chancery_app::App;
use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::markdown::portions;
use chancery_domain::user::{Actor, Role};
use chancery_search::{Lang, SearchIndex, SearchRequest, SearchResults};
use chancery_store::{OpenMode, Store};

const CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");
const PHRASE: &str = "safe third country";

async fn demo() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_path(&dir.path().join("demo.db"), OpenMode::Create)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let app = App::new(store);
    app.build_demo(Path::new(CONTENT)).await.unwrap();
    let admin = app.actor("admin").await.unwrap();
    let low = Actor::new(
        Username::parse("reader.u").unwrap(),
        Role::Reader,
        Classification::Unclassified,
        None,
    )
    .unwrap();
    app.add_user(Some(&admin), &low, Some("reader-u-password-1"))
        .await
        .unwrap();
    (dir, app)
}

/// Whether `text` holds the phrase, as the English analyzer reads it (stems in a row).
fn holds_phrase(text: &str) -> bool {
    let want: Vec<String> = Lang::En.tokens(PHRASE).into_iter().map(|t| t.1).collect();
    let got: Vec<String> = Lang::En.tokens(text).into_iter().map(|t| t.1).collect();
    got.windows(want.len()).any(|w| w == want.as_slice())
}

/// The number of paragraphs and records holding the phrase that `actor` may see, by kind,
/// worked out from the database and `may_see` (not from the index).
async fn expected(app: &App, actor: &Actor) -> BTreeMap<String, u64> {
    let store = &app.store;
    let mut out = BTreeMap::new();
    for t in store.taskings().await.unwrap() {
        let tasking_ok = may_see(
            actor,
            &Resource::Tasking {
                status: t.status,
                addressees: &t.spec.addressees,
                marking: t.spec.classification,
            },
        );
        for r in store.reports_for(&t.spec.reference).await.unwrap() {
            for s in store.sections(r.id).await.unwrap() {
                for p in portions(&s.body, t.spec.classification) {
                    let visible = tasking_ok
                        && may_see(
                            actor,
                            &Resource::Report {
                                post: &r.post,
                                status: r.status,
                            },
                        )
                        && may_see(
                            actor,
                            &Resource::Paragraph {
                                post: &r.post,
                                status: r.status,
                                marking: p.marking,
                            },
                        );
                    if visible && holds_phrase(&format!("{} {}", s.key, p.text)) {
                        *out.entry("paragraph".to_string()).or_default() += 1;
                    }
                }
            }
        }
    }
    for s in store.sources().await.unwrap() {
        let mut text = format!("{} {}", s.spec.title, s.spec.publisher);
        if let Some(sha) = &s.capture_sha256 {
            text.push(' ');
            text.push_str(&String::from_utf8_lossy(
                &store.blob(sha).await.unwrap().unwrap(),
            ));
        }
        let visible = may_see(
            actor,
            &Resource::Record {
                post: None,
                marking: s.spec.marking,
            },
        );
        if visible && holds_phrase(&text) {
            *out.entry("source".to_string()).or_default() += 1;
        }
    }
    for p in store.policies().await.unwrap() {
        let visible = may_see(
            actor,
            &Resource::Record {
                post: None,
                marking: p.spec.marking,
            },
        );
        if visible && holds_phrase(&format!("{} {}", p.spec.title, p.spec.description)) {
            *out.entry("policy".to_string()).or_default() += 1;
        }
    }
    for i in store.incidents().await.unwrap() {
        let visible = may_see(
            actor,
            &Resource::Record {
                post: Some(&i.spec.post),
                marking: i.spec.marking,
            },
        );
        if visible && holds_phrase(&i.spec.summary) {
            *out.entry("incident".to_string()).or_default() += 1;
        }
    }
    out
}

fn search(index: &SearchIndex, actor: &Actor, q: &str, per_page: u64) -> SearchResults {
    index
        .search(
            actor,
            &SearchRequest {
                q: q.into(),
                filters: BTreeMap::new(),
                page: 1,
                per_page,
            },
        )
        .unwrap()
}

fn by_kind(r: &SearchResults) -> BTreeMap<String, u64> {
    r.facets["kind"]
        .iter()
        .map(|f| (f.value.clone(), f.count))
        .collect()
}

#[tokio::test]
async fn safe_third_country_as_the_ottawa_drafter_hq_and_readers_of_two_clearances() {
    let (_dir, app) = demo().await;
    let index = SearchIndex::in_memory(Lang::En).unwrap();
    let first = index.catch_up(&app.store).await.unwrap();
    assert!(first.rebuilt, "an empty index is built from the database");
    assert!(first.docs > 50, "{first:?}");

    let mut totals = BTreeMap::new();
    for name in ["ottawa.drafter", "hq.editor", "reader", "reader.u"] {
        let actor = app.actor(name).await.unwrap();
        let r = search(&index, &actor, "\"Safe Third Country\"", 100);
        let want = expected(&app, &actor).await;
        assert_eq!(by_kind(&r), want, "{name}: counts by kind");
        assert_eq!(r.total, want.values().sum::<u64>(), "{name}: total");
        assert_eq!(r.hits.len() as u64, r.total.min(100));
        for h in &r.hits {
            assert!(
                Classification::parse(&h.classification).unwrap() <= actor.clearance,
                "{name}: {h:?}"
            );
            assert!(
                h.snippet_html.contains("<b>"),
                "{name}: no highlight in {h:?}"
            );
            if h.kind == "paragraph" {
                assert!(
                    h.link
                        .starts_with("/taskings/CHN-2026-0001/reports/OTTAWA#"),
                    "{h:?}"
                );
            }
        }
        totals.insert(name, (r.total, want));
    }
    // The OTTAWA report is transmitted: its (U) and (SBU) paragraphs are there for the drafter,
    // HQ and the SBU reader; the U reader may not see the SBU tasking at all.
    let paragraphs = |name: &str| totals[name].1.get("paragraph").copied().unwrap_or(0);
    assert!(paragraphs("ottawa.drafter") >= 2, "{totals:?}");
    assert_eq!(paragraphs("hq.editor"), paragraphs("ottawa.drafter"));
    assert_eq!(paragraphs("reader.u"), 0, "{totals:?}");
    assert!(
        totals["reader.u"].0 > 0,
        "U sources and policies still show: {totals:?}"
    );
    assert!(totals["reader.u"].0 < totals["reader"].0, "{totals:?}");
}

#[tokio::test]
async fn writes_reach_the_index_through_the_outbox_and_refused_writes_leave_none() {
    let (_dir, app) = demo().await;
    let index = SearchIndex::in_memory(Lang::En).unwrap();
    index.catch_up(&app.store).await.unwrap();
    let drafter = app.actor("london.drafter").await.unwrap();
    let hq = app.actor("hq.editor").await.unwrap();
    let t = TaskingRef::parse("CHN-2026-0001").unwrap();
    let london = PostCode::parse("LONDON").unwrap();
    let section = SectionKey::parse("public_safety").unwrap();
    assert_eq!(search(&index, &drafter, "zeppelinhangar", 10).total, 0);

    let head = app.store.search_outbox_head().await.unwrap();
    app.save_section(
        &drafter,
        &t,
        &london,
        &section,
        "(U) The zeppelinhangar reception centre opened [@S9].",
        None,
    )
    .await
    .unwrap();
    assert_eq!(app.store.search_outbox_head().await.unwrap(), head + 1);
    let r = index.catch_up(&app.store).await.unwrap();
    assert!(!r.rebuilt);
    assert_eq!((r.applied, r.seq), (1, head + 1));
    let found = search(&index, &drafter, "zeppelinhangar", 10);
    assert_eq!(found.total, 1);
    assert_eq!(
        found.hits[0].link,
        "/taskings/CHN-2026-0001/reports/LONDON#public_safety-p1"
    );
    assert_eq!(
        search(&index, &hq, "zeppelinhangar", 10).total,
        0,
        "a draft is not HQ's"
    );

    // A refused save (stale revision) writes nothing, outbox included.
    let stale = app
        .save_section(
            &drafter,
            &t,
            &london,
            &section,
            "(U) Zeppelinhangar again.",
            Some(0),
        )
        .await;
    assert!(stale.is_err());
    assert_eq!(app.store.search_outbox_head().await.unwrap(), head + 1);

    // The index records its position: a second catch-up has nothing to do.
    let again = index.catch_up(&app.store).await.unwrap();
    assert_eq!((again.applied, again.rebuilt), (0, false));
}

#[tokio::test]
async fn an_index_on_disk_survives_reopening_and_rebuilds_for_another_database() {
    let (dir, app) = demo().await;
    let path = dir.path().join("index");
    let index = SearchIndex::open_dir(&path, Lang::En).unwrap();
    let built = index.catch_up(&app.store).await.unwrap();
    assert!(built.rebuilt);
    drop(index);
    let reopened = SearchIndex::open_dir(&path, Lang::En).unwrap();
    let r = reopened.catch_up(&app.store).await.unwrap();
    assert!(!r.rebuilt, "{r:?}");
    assert_eq!(r.docs, built.docs);
    drop(reopened);

    let (_other_dir, other) = demo().await;
    let reopened = SearchIndex::open_dir(&path, Lang::En).unwrap();
    let r = reopened.catch_up(&other.store).await.unwrap();
    assert!(r.rebuilt, "another database's index is rebuilt");
    assert_eq!(
        r.reason.as_deref(),
        Some("the index was built from another database")
    );
}
