//! Clearance inside the query (issue 6, item 4): documents at every level, in every report
//! status and tasking state, owned by various posts, are indexed; for every kind of viewer the
//! search must return exactly what `access::may_see` allows: the same total, the same facet
//! counts, the same pages (in the same order) and the same snippets as a search over an index
//! holding only the documents that viewer may see. Generated cases check the index's
//! visibility query against `may_see` itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};

use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;
use chancery_domain::user::{Actor, Role};
use chancery_search::{
    Access, DocKind, IndexState, Lang, SCHEMA_VERSION, SearchDoc, SearchIndex, SearchRequest,
};
use proptest::prelude::*;

const POSTS: [&str; 3] = ["OTTAWA", "LONDON", "PARIS"];
const STATUSES: [ReportStatus; 6] = [
    ReportStatus::Draft,
    ReportStatus::InClearance,
    ReportStatus::Cleared,
    ReportStatus::Transmitted,
    ReportStatus::Accepted,
    ReportStatus::Returned,
];
const TASKING_STATES: [TaskingStatus; 3] = [
    TaskingStatus::Draft,
    TaskingStatus::Issued,
    TaskingStatus::Closed,
];

/// What may_see says about a document (the oracle, restated through the domain function).
fn allowed(actor: &Actor, d: &SearchDoc) -> bool {
    match &d.access {
        Access::Paragraph {
            tasking_status,
            tasking_marking,
            addressees,
            report_status,
        } => {
            let post = PostCode::parse(d.post.as_deref().unwrap()).unwrap();
            let addressees: Vec<PostCode> = addressees
                .iter()
                .map(|a| PostCode::parse(a).unwrap())
                .collect();
            may_see(
                actor,
                &Resource::Tasking {
                    status: *tasking_status,
                    addressees: &addressees,
                    marking: *tasking_marking,
                },
            ) && may_see(
                actor,
                &Resource::Report {
                    post: &post,
                    status: *report_status,
                },
            ) && may_see(
                actor,
                &Resource::Paragraph {
                    post: &post,
                    status: *report_status,
                    marking: d.marking,
                },
            )
        }
        Access::Record { owner } => {
            let owner = owner.as_deref().map(|o| PostCode::parse(o).unwrap());
            may_see(
                actor,
                &Resource::Record {
                    post: owner.as_ref(),
                    marking: d.marking,
                },
            )
        }
    }
}

/// A different date for every `n` below 6,720, so recency orders equal scores completely.
fn unique_date(n: usize) -> String {
    format!(
        "{}-{:02}-{:02}",
        2000 + n / 336,
        1 + (n / 28) % 12,
        1 + n % 28
    )
}

fn actors() -> Vec<Actor> {
    let mut out = Vec::new();
    for clearance in Classification::ALL {
        for role in [Role::Admin, Role::HqEditor, Role::Reader] {
            out.push(
                Actor::new(Username::parse("viewer").unwrap(), role, clearance, None).unwrap(),
            );
        }
        for role in [Role::PostDrafter, Role::PostApprover] {
            for post in POSTS {
                out.push(
                    Actor::new(
                        Username::parse("viewer").unwrap(),
                        role,
                        clearance,
                        Some(PostCode::parse(post).unwrap()),
                    )
                    .unwrap(),
                );
            }
        }
    }
    out
}

/// A paragraph with the given facts; every document holds the word "migration" once, its own
/// serial word, and the same number of words, so BM25 scores tie and recency decides order.
fn paragraph(
    n: usize,
    marking: Classification,
    tasking_marking: Classification,
    tasking_status: TaskingStatus,
    addressees: &[&str],
    post: &str,
    status: ReportStatus,
) -> SearchDoc {
    SearchDoc {
        key: format!("para:{n}"),
        object: format!("obj:{n}"),
        kind: DocKind::Paragraph,
        title: format!("Paragraph {n}"),
        body: format!(
            "Migration pressure on housing, serial w{n}x level {}.",
            marking.code()
        ),
        lang: Lang::En,
        marking,
        post: Some(post.into()),
        country: Some(format!("C{}", &post[..2])),
        tasking: Some("CHN-2026-0001".into()),
        section: Some(["summary", "housing"][n % 2].into()),
        date: Some(unique_date(n)),
        grade: None,
        version: Some(1),
        revision: Some(1),
        link: format!("/p/{n}"),
        access: Access::Paragraph {
            tasking_status,
            tasking_marking,
            addressees: addressees.iter().map(|a| a.to_string()).collect(),
            report_status: status,
        },
    }
}

fn record(n: usize, kind: DocKind, marking: Classification, owner: Option<&str>) -> SearchDoc {
    SearchDoc {
        key: format!("rec:{n}"),
        object: format!("obj:{n}"),
        kind,
        title: format!("Record {n}"),
        body: format!(
            "Migration pressure on housing, serial w{n}x level {}.",
            marking.code()
        ),
        lang: Lang::En,
        marking,
        post: owner.map(str::to_string),
        country: Some("CAN".into()),
        tasking: None,
        section: None,
        date: Some(unique_date(n)),
        grade: (kind == DocKind::Source).then(|| ["A1", "B2", "F6"][n % 3].to_string()),
        version: None,
        revision: None,
        link: format!("/r/{n}"),
        access: Access::Record {
            owner: owner.map(str::to_string),
        },
    }
}

/// Every combination of paragraph facts, and records at every level and owner.
fn corpus() -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    let mut n = 0;
    for marking in Classification::ALL {
        for tasking_marking in [Classification::Unclassified, Classification::Confidential] {
            for tasking_status in TASKING_STATES {
                for addressees in [
                    &["OTTAWA", "LONDON"][..],
                    &["OTTAWA", "LONDON", "PARIS"][..],
                ] {
                    for post in ["OTTAWA", "LONDON"] {
                        for status in STATUSES {
                            n += 1;
                            docs.push(paragraph(
                                n,
                                marking,
                                tasking_marking,
                                tasking_status,
                                addressees,
                                post,
                                status,
                            ));
                        }
                    }
                }
            }
        }
        for kind in [
            DocKind::Source,
            DocKind::Incident,
            DocKind::Engagement,
            DocKind::Policy,
        ] {
            for owner in [None, Some("OTTAWA"), Some("LONDON")] {
                n += 1;
                docs.push(record(n, kind, marking, owner));
            }
        }
    }
    docs
}

fn index_of(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::in_memory(Lang::En).unwrap();
    let objects: Vec<String> = docs.iter().map(|d| d.object.clone()).collect();
    index
        .replace(
            &objects,
            docs,
            &IndexState {
                schema: SCHEMA_VERSION,
                db: "test".into(),
                seq: 1,
                lang: "en".into(),
            },
        )
        .unwrap();
    index
}

/// Every page of a search, as (total, facets, [(key, snippet)] in order).
type Seen = (
    u64,
    BTreeMap<String, Vec<(String, u64)>>,
    Vec<(String, String)>,
);

fn all_pages(index: &SearchIndex, actor: &Actor, q: &str, filters: &[(&str, &str)]) -> Seen {
    let mut page = 1;
    let mut hits = Vec::new();
    loop {
        let req = SearchRequest {
            q: q.into(),
            filters: filters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            page,
            per_page: 7,
        };
        let r = index.search(actor, &req).unwrap();
        hits.extend(
            r.hits
                .iter()
                .map(|h| (h.key.clone(), h.snippet_html.clone())),
        );
        let facets = r
            .facets
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.iter().map(|f| (f.value.clone(), f.count)).collect(),
                )
            })
            .collect();
        if page >= r.pages {
            assert_eq!(hits.len() as u64, r.total, "pages add up to the total");
            return (r.total, facets, hits);
        }
        page += 1;
    }
}

#[test]
fn every_viewer_gets_exactly_what_may_see_allows_in_counts_facets_pages_and_snippets() {
    let docs = corpus();
    let full = index_of(&docs);
    for actor in actors() {
        let visible: Vec<SearchDoc> = docs
            .iter()
            .filter(|d| allowed(&actor, d))
            .cloned()
            .collect();
        let only_visible = index_of(&visible);
        for (q, filters) in [
            ("migration", &[][..]),
            ("housing", &[("kind", "paragraph")][..]),
            ("\"pressure on housing\"", &[("classification", "U")][..]),
            ("migr*", &[("post", "OTTAWA")][..]),
            ("migration -summary", &[("year", "2001")][..]),
        ] {
            let got = all_pages(&full, &actor, q, filters);
            let want = all_pages(&only_visible, &actor, q, filters);
            assert_eq!(
                got, want,
                "{} {} {:?} searching {q} {filters:?}",
                actor.role, actor.clearance, actor.post
            );
        }
        // And the visible set is exactly may_see's.
        let (total, _, hits) = all_pages(&full, &actor, "migration", &[]);
        let keys: BTreeSet<String> = hits.into_iter().map(|(k, _)| k).collect();
        let want: BTreeSet<String> = visible.iter().map(|d| d.key.clone()).collect();
        assert_eq!(
            keys, want,
            "{} {} {:?}",
            actor.role, actor.clearance, actor.post
        );
        assert_eq!(total as usize, visible.len());
    }
}

#[test]
fn a_word_only_in_secret_paragraphs_is_not_even_counted_below_secret() {
    let mut docs = corpus();
    let mut secret = paragraph(
        9000,
        Classification::Secret,
        Classification::Unclassified,
        TaskingStatus::Issued,
        &["OTTAWA"],
        "OTTAWA",
        ReportStatus::Accepted,
    );
    secret.body = "Quincunx appears only here.".into();
    docs.push(secret);
    let index = index_of(&docs);
    for actor in actors() {
        let req = SearchRequest {
            q: "quincunx".into(),
            filters: BTreeMap::new(),
            page: 1,
            per_page: 20,
        };
        let r = index.search(&actor, &req).unwrap();
        let cleared = actor.clearance == Classification::Secret;
        // An accepted report of an issued tasking: everyone may read it, except post staff of
        // posts the tasking is not addressed to.
        let addressee = !actor.role.is_post_scoped()
            || actor.post.as_ref().map(|p| p.as_str()) == Some("OTTAWA");
        let want = u64::from(cleared && addressee);
        assert_eq!(
            r.total, want,
            "{} {} {:?}",
            actor.role, actor.clearance, actor.post
        );
        let facet_total: u64 = r
            .facets
            .values()
            .flatten()
            .filter(|f| f.value == "S")
            .map(|f| f.count)
            .sum();
        assert_eq!(facet_total, want);
        if want == 0 {
            assert!(r.hits.is_empty());
            assert!(r.facets.values().all(|v| v.is_empty()), "{:?}", r.facets);
        } else {
            assert!(
                r.hits[0].snippet_html.contains("<b>Quincunx</b>"),
                "{}",
                r.hits[0].snippet_html
            );
        }
    }
}

/// Every page of a search as JSON (order, snippets, totals, facets: all a user is shown).
fn pages_json(index: &SearchIndex, actor: &Actor, q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let req = SearchRequest {
            q: q.into(),
            filters: BTreeMap::new(),
            page,
            per_page: 5,
        };
        let r = index.search(actor, &req).unwrap();
        out.push(serde_json::to_string(&r).unwrap());
        if page >= r.pages {
            return out;
        }
        page += 1;
    }
}

/// Paragraphs whose BM25 order depends on the statistics: some say "housing" twice in few
/// words, some "migration" twice in many, some both once; they differ in length, so the
/// average field length and each word's document frequency decide who comes first.
fn ranked_corpus() -> Vec<SearchDoc> {
    let filler = "the ministry notes the regional figures for the quarter";
    (0..24)
        .map(|n| {
            let mut d = paragraph(
                n + 1,
                Classification::Unclassified,
                Classification::Unclassified,
                TaskingStatus::Issued,
                &["OTTAWA"],
                "OTTAWA",
                ReportStatus::Accepted,
            );
            let padding = vec![filler; n % 4].join(" ");
            d.body = match n % 3 {
                0 => format!("Housing completions and housing starts fell. {padding}"),
                1 => format!("Migration rose; net migration doubled. {padding} {filler}"),
                _ => format!("Housing and migration together. {padding}"),
            };
            // One date for all: only the score and the key order results.
            d.date = Some("2026-01-01".into());
            d
        })
        .collect()
}

/// Secret paragraphs that would shift the statistics if they were counted: many mention
/// housing, all are long (so counted, they would raise the average length and change how
/// BM25 weighs a short paragraph saying "housing" once against a longer one saying it twice).
fn secret_paragraphs() -> Vec<SearchDoc> {
    (0..60)
        .map(|n| {
            let mut d = paragraph(
                1000 + n,
                Classification::Secret,
                Classification::Unclassified,
                TaskingStatus::Issued,
                &["OTTAWA"],
                "OTTAWA",
                ReportStatus::Accepted,
            );
            d.body = format!(
                "Housing {} assessment of the housing pressure in the capital region. {}",
                "housing ".repeat(n % 5),
                "A long annex of figures on every municipality and reception centre. ".repeat(20)
            );
            d
        })
        .collect()
}

#[test]
fn documents_a_viewer_may_not_see_do_not_change_their_ranking_or_snippets() {
    let visible = ranked_corpus();
    let with_secrets: Vec<SearchDoc> = visible.iter().cloned().chain(secret_paragraphs()).collect();
    let a = index_of(&visible);
    let b = index_of(&with_secrets);
    let low = Actor::new(
        Username::parse("reader.c").unwrap(),
        Role::Reader,
        Classification::Confidential,
        None,
    )
    .unwrap();
    for q in [
        "housing migration",
        "housing",
        "migration -starts",
        "\"housing starts\"",
    ] {
        assert_eq!(
            pages_json(&a, &low, q),
            pages_json(&b, &low, q),
            "searching {q}: the secret paragraphs changed what a C reader is shown"
        );
    }
    // The check can fail: with tantivy's index-wide statistics, the secret paragraphs do
    // reorder the visible ones.
    a.use_index_wide_statistics(true);
    b.use_index_wide_statistics(true);
    assert_ne!(
        pages_json(&a, &low, "housing"),
        pages_json(&b, &low, "housing"),
        "index-wide statistics were expected to leak into the order"
    );
    // And a viewer cleared for secret sees the secret paragraphs ranked among the rest.
    let secret = Actor::new(
        Username::parse("reader.s").unwrap(),
        Role::Reader,
        Classification::Secret,
        None,
    )
    .unwrap();
    b.use_index_wide_statistics(false);
    let r = b
        .search(
            &secret,
            &SearchRequest {
                q: "housing".into(),
                filters: BTreeMap::new(),
                page: 1,
                per_page: 100,
            },
        )
        .unwrap();
    assert_eq!(r.total, 60 + 16);
}

fn arb_doc() -> impl Strategy<Value = SearchDoc> {
    let level = prop::sample::select(Classification::ALL.to_vec());
    let post = prop::sample::select(POSTS.to_vec());
    prop_oneof![
        (
            level.clone(),
            level.clone(),
            prop::sample::select(TASKING_STATES.to_vec()),
            prop::sample::subsequence(POSTS.to_vec(), 0..=3),
            post,
            prop::sample::select(STATUSES.to_vec()),
        )
            .prop_map(|(m, tm, ts, addr, p, s)| paragraph(0, m, tm, ts, &addr, p, s)),
        (
            level,
            prop::sample::select(vec![
                DocKind::Source,
                DocKind::Incident,
                DocKind::Engagement,
                DocKind::Policy
            ]),
            prop::option::of(prop::sample::select(POSTS.to_vec())),
        )
            .prop_map(|(m, k, o)| record(0, k, m, o)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn the_index_visibility_query_is_may_see(docs in prop::collection::vec(arb_doc(), 1..40)) {
        let docs: Vec<SearchDoc> = docs
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                d.key = format!("k{i}");
                d.object = format!("o{i}");
                d
            })
            .collect();
        let index = index_of(&docs);
        for actor in actors() {
            let (_, _, hits) = all_pages(&index, &actor, "migration", &[]);
            let got: BTreeSet<String> = hits.into_iter().map(|(k, _)| k).collect();
            let want: BTreeSet<String> =
                docs.iter().filter(|d| allowed(&actor, d)).map(|d| d.key.clone()).collect();
            prop_assert_eq!(got, want, "{} {} {:?}", actor.role, actor.clearance, actor.post);
        }
    }
}
