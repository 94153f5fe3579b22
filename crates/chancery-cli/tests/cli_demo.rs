//! `chancery demo`, the audit chain, and idempotent content loading, through the binary.

// Helpers outside #[test] functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{DEMO_TASKING as T, Db};
use regex::Regex;
use serde_json::Value;

fn completeness(db: &Db) -> BTreeMap<String, Value> {
    let view = db
        .ok(&["--as", "hq.editor", "--json", "tasking", "show", T])
        .json();
    view["completeness"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["post"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

/// Whether a paragraph states a figure: a digit that is not part of a citation, a
/// talking-point number (`TP1`) or a year. This is the E001 notion of a figure (DESIGN §4: "a
/// number, not a date, section number or citation locator"); a bare "contains a digit" would
/// count "TP1 to TP5" and "since 2021" as figures.
fn states_a_figure(markdown: &str) -> bool {
    let not_figures = Regex::new(r"\[@[^\]]*\]|\bTP\d+\b|\b(?:18|19|20|21)\d\d\b").unwrap();
    not_figures
        .replace_all(markdown, "")
        .chars()
        .any(|c| c.is_ascii_digit())
}

#[test]
fn the_figure_filter_is_not_vacuous() {
    assert!(states_a_figure("(U) Arrivals rose to 4,200 in 2024."));
    assert!(states_a_figure("(U) About 7.6% of the population."));
    assert!(!states_a_figure(
        "(U) Since 2021 the post has asked for data [@S12, p. 4]."
    ));
    assert!(!states_a_figure("(SBU) The post will deliver TP1 to TP5."));
}

fn cited_keys(markdown: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("[@") {
        let after = &rest[start + 2..];
        let end = after.find(']').expect("citation is closed");
        let key = after[..end].split(',').next().unwrap().trim().to_string();
        keys.push(key);
        rest = &after[end..];
    }
    keys
}

#[test]
fn demo_builds_the_whole_flow() {
    let db = Db::empty();
    let out = db.build_demo();
    assert!(
        out.stdout
            .starts_with(&format!("Chancery demo database: {}", db.url)),
        "{}",
        out.stdout
    );
    for login in [
        "admin",
        "hq.editor",
        "reader",
        "ottawa.drafter",
        "london.approver",
    ] {
        assert!(out.stdout.contains(&format!("  {login} ")), "{login}");
    }

    let posts = completeness(&db);
    assert_eq!(posts.len(), 12);
    assert_eq!(posts["OTTAWA"]["status"], "transmitted");
    assert_eq!(posts["OTTAWA"]["lint_findings"], 0);
    assert_eq!(posts["OTTAWA"]["timeliness"], "on_time");
    assert_eq!(posts["WELLINGTON"]["status"], "in_clearance");
    assert_eq!(posts["LONDON"]["status"], "draft");
    assert_eq!(posts["CANBERRA"]["status"], "not_started");

    // OTTAWA: transmitted and lint-clean.
    let ottawa = db
        .ok(&["--as", "hq.editor", "--json", "report", "show", T, "OTTAWA"])
        .json();
    assert_eq!(ottawa["status"], "transmitted");
    assert_eq!(ottawa["findings"], Value::Array(vec![]));
    let versions = ottawa["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["lint_override"], Value::Null);
    let lint = db.run(&["--as", "hq.editor", "lint", T, "OTTAWA"]);
    assert_eq!(lint.code, Some(0), "{}", lint.stdout);
    assert_eq!(lint.stdout.trim(), "lint: clean");

    // Every figure is cited, and every cited source resolves, is captured and graded.
    let sources = db
        .ok(&["--as", "hq.editor", "--json", "source", "list"])
        .json();
    let sources: BTreeMap<String, Value> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_string(), s.clone()))
        .collect();
    assert!(sources.len() >= 30, "{}", sources.len());
    for (id, s) in &sources {
        let sha = s["capture_sha256"].as_str().unwrap_or("");
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}: capture_sha256 {sha:?}"
        );
        let grade = s["grade"].as_str().unwrap();
        assert!(
            grade.len() == 2 && grade != "F6",
            "{id}: graded {grade}, i.e. never graded"
        );
        assert_eq!(s["graded_by"], "hq.editor", "{id}");
        assert!(
            !s["grade_rationale"]
                .as_str()
                .unwrap_or("")
                .trim()
                .is_empty(),
            "{id}: no rationale"
        );
    }
    let paragraphs = common::portions(&ottawa);
    assert!(paragraphs.len() > 20, "{}", paragraphs.len());
    let mut figures = 0;
    let mut cited = std::collections::BTreeSet::new();
    for (section, _, withheld, markdown) in &paragraphs {
        assert!(!withheld, "HQ (S) sees everything");
        let keys = cited_keys(markdown);
        if states_a_figure(markdown) {
            figures += 1;
            assert!(
                !keys.is_empty(),
                "{section}: a paragraph with a figure has no citation: {markdown}"
            );
        }
        for k in keys {
            assert!(
                sources.contains_key(&k),
                "{section}: cites {k}, which `source list` does not have"
            );
            cited.insert(k);
        }
    }
    assert!(figures > 10, "{figures} paragraphs with figures");
    assert!(cited.len() > 10, "{cited:?}");

    // WELLINGTON awaits its approver; HQ does not see it yet, its own approver does.
    let wellington = db
        .ok(&[
            "--as",
            "wellington.approver",
            "--json",
            "report",
            "show",
            T,
            "WELLINGTON",
        ])
        .json();
    assert_eq!(wellington["status"], "in_clearance");
    let actions: Vec<&str> = wellington["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(actions, ["clear", "return"]);

    // LONDON: a draft with an uncited figure (E001) and missing sections (E007).
    let lint = db.run(&["--as", "london.drafter", "--json", "lint", T, "LONDON"]);
    assert_eq!(lint.code, Some(2));
    let codes: std::collections::BTreeSet<String> = lint
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(codes.contains("E001"), "{codes:?}");
    assert!(codes.contains("E007"), "{codes:?}");
    let text = db.run(&["--as", "london.drafter", "lint", T, "LONDON"]);
    assert_eq!(text.code, Some(2));
    assert!(
        text.stdout.contains("E001 uncited-figure"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("E007 missing-section"),
        "{}",
        text.stdout
    );

    let verify = db.ok(&["audit", "verify"]);
    assert!(
        verify.stdout.starts_with("audit chain intact: "),
        "{}",
        verify.stdout
    );
    let json = db.ok(&["--json", "audit", "verify"]).json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["events"], db.audit_events());
}

#[test]
fn demo_replaces_a_demo_database_but_never_another_one() {
    let db = Db::demo();
    let first_events = db.audit_events();
    // Something that exists only in the first build.
    db.ok(&[
        "--as",
        "admin",
        "user",
        "add",
        "leftover",
        "--role",
        "reader",
        "--clearance",
        "U",
    ]);
    let out = db.build_demo();
    assert!(
        out.stdout.contains("Chancery demo database"),
        "{}",
        out.stdout
    );
    assert_eq!(
        db.audit_events(),
        first_events,
        "the rebuilt demo starts from scratch"
    );
    db.refused(
        &["--as", "leftover", "report", "show", T, "OTTAWA"],
        &["user leftover not found"],
    );
    db.ok(&["audit", "verify"]);

    // A database that the demo did not build is refused and left as it was.
    let other = Db::initialised();
    let before = other.snapshot();
    let content = common::content_dir();
    let run = other.run(&["demo", "--no-serve", "--content", content.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.error_line();
    assert!(line.contains("refusing to replace"), "{line}");
    assert!(
        line.contains(other.path.to_str().unwrap()),
        "names the file: {line}"
    );
    before.assert_same(&other.snapshot(), "a refused demo");
    other.ok(&["--as", "admin", "user", "list"]);
}

#[test]
fn audit_triggers_refuse_changes_and_verify_names_a_tampered_event() {
    let db = Db::demo();
    let before = db.snapshot();
    let results = db.sql(&[
        "UPDATE audit_events SET payload = '{}' WHERE seq = 10",
        "DELETE FROM audit_events WHERE seq = 10",
        "DELETE FROM audit_events",
    ]);
    for r in &results {
        let err = r.as_ref().expect_err("the trigger refuses");
        assert!(err.contains("audit_events is append-only"), "{err}");
    }
    before.assert_same(&db.snapshot(), "refused UPDATE/DELETE on audit_events");
    db.ok(&["audit", "verify"]);

    let tampered = db.sql(&[
        "DROP TRIGGER audit_events_no_update",
        "UPDATE audit_events SET payload = '{\"tampered\":true}' WHERE seq = 10",
    ]);
    assert_eq!(tampered, [Ok(0), Ok(1)]);
    let run = db.run(&["audit", "verify"]);
    assert_ne!(run.code, Some(0));
    assert_eq!(run.stdout, "");
    let line = run.error_line();
    assert!(line.contains("audit chain broken at event 10 "), "{line}");
    assert!(line.contains("payload was altered"), "{line}");
    let json = db.run(&["--json", "audit", "verify"]);
    assert_ne!(json.code, Some(0));
    let v = json.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["seq"], 10);
}

#[test]
fn audit_verify_names_a_deleted_event() {
    let db = Db::demo();
    let done = db.sql(&[
        "DROP TRIGGER audit_events_no_delete",
        "DELETE FROM audit_events WHERE seq = 7",
    ]);
    assert_eq!(done, [Ok(0), Ok(1)]);
    let run = db.run(&["audit", "verify"]);
    assert_eq!(run.code, Some(1));
    let line = run.error_line();
    assert!(line.contains("event 8"), "{line}");
    assert!(line.contains("expected event 7"), "{line}");
}

#[test]
fn loading_content_again_changes_no_tasking() {
    let db = Db::initialised();
    let content = common::content_dir();
    let dir = content.to_str().unwrap();
    let before = db.snapshot();
    for _ in 0..2 {
        let out = db.ok(&["content", "--content", dir]);
        assert_eq!(
            out.stdout,
            "CHN-2026-0001: unchanged\nCHN-2026-0002: unchanged\nindicator catalogue: 56 series, 11 indicators (unchanged)\n"
        );
    }
    let after = db.snapshot();
    for table in [
        "taskings",
        "tasking_addressees",
        "posts",
        "vocab_terms",
        "users",
        "indicator_catalogues",
    ] {
        assert_eq!(
            before.tables[table], after.tables[table],
            "content reload changed {table}"
        );
    }
    let json = db.ok(&["--json", "content", "--content", dir]).json();
    assert_eq!(json["posts"], 12);
    assert_eq!(
        json["taskings"],
        serde_json::json!([["CHN-2026-0001", false], ["CHN-2026-0002", false]])
    );
    db.ok(&["audit", "verify"]);
}
