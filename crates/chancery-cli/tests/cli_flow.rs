//! The whole workflow through the `chancery` binary, from an empty database: accounts, a
//! tasking issued, evidence recorded, a report drafted section by section, cleared,
//! transmitted, returned, revised and accepted; with separation of duties and clearance
//! checked along the way.

// Helpers outside #[test] functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Db, PgDb};
use serde_json::Value;

/// The shipped worker-rights tasking (sections: summary, legal_framework, enforcement_safety,
/// voice_bargaining, assessment; addressed to OTTAWA, MADRID, ROME and DUBLIN).
const T: &str = "CHN-2026-0002";

const CONFIDENTIAL: &str =
    "The deputy minister privately conceded that inspection coverage of remote farms is poor.";

/// Section texts that satisfy every lint (citations, minimum citations, a judgment).
fn sections() -> Vec<(&'static str, String)> {
    vec![
        (
            "summary",
            format!(
                "(U) Federal labour inspectors carried out 1,250 inspections in agriculture in 2024 [@S1]. The Canada Labour Code sets the framework [@S2].\n\n(C) {CONFIDENTIAL}\n"
            ),
        ),
        (
            "legal_framework",
            "(U) The Canada Labour Code governs federally regulated employment [@S2]; provincial statutes cover most farm work [@S3].\n".into(),
        ),
        (
            "enforcement_safety",
            "(U) Inspections found violations in 12% of visited establishments [@S1] [@S2] [@S3].\n".into(),
        ),
        (
            "voice_bargaining",
            "(U) Union density in care work is reported in the survey [@S3].\n".into(),
        ),
        (
            "assessment",
            "(SBU) Judgment (moderate confidence): enforcement reaches few seasonal workers [@S1] [@S3]. Alternatives considered: that coverage is adequate but unreported.\n".into(),
        ),
    ]
}

fn add_user(db: &Db, name: &str, role: &str, clearance: &str, post: Option<&str>) {
    let mut args = vec![
        "--as",
        "admin",
        "user",
        "add",
        name,
        "--role",
        role,
        "--clearance",
        clearance,
    ];
    if let Some(p) = post {
        args.extend(["--post", p]);
    }
    let out = db.ok(&args);
    assert!(
        out.stdout.starts_with(&format!(
            "added {name} ({role}, clearance {clearance}); password (shown once): "
        )),
        "{}",
        out.stdout
    );
}

fn show(db: &Db, user: &str) -> Value {
    db.ok(&["--as", user, "--json", "report", "show", T, "OTTAWA"])
        .json()
}

/// `report VERB T OTTAWA EXTRA…` as `user`; checks the printed new status and version.
fn act(db: &Db, user: &str, verb: &str, extra: &[&str], expect: &str) {
    let mut args = vec!["--as", user, "report", verb, T, "OTTAWA"];
    args.extend(extra);
    let out = db.ok(&args);
    assert_eq!(out.stdout.trim(), format!("{T} OTTAWA: {expect}"));
}

fn edit(db: &Db, user: &str, section: &str, text: &str) -> String {
    let file = db.file(&format!("{section}.md"), text);
    db.ok(&[
        "--as",
        user,
        "report",
        "edit",
        T,
        "OTTAWA",
        section,
        file.to_str().unwrap(),
    ])
    .stdout
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn full_flow_from_an_empty_database() {
    full_flow(&Db::empty());
}

#[test]
fn full_flow_from_an_empty_postgresql_database() {
    if let Some(pg) = PgDb::new("full_flow_from_an_empty_postgresql_database") {
        full_flow(&pg);
    }
}

/// The flow on `db` (empty: no schema yet).
fn full_flow(db: &Db) {
    // init, then the first account without --as; it must be an admin.
    let content = common::content_dir();
    let out = db.ok(&["init", "--content", content.to_str().unwrap()]);
    assert!(
        out.stdout.contains("12 posts") && out.stdout.contains("2 tasking(s)"),
        "{}",
        out.stdout
    );
    db.refused(
        &[
            "user",
            "add",
            "hq",
            "--role",
            "hq_editor",
            "--clearance",
            "S",
        ],
        &["first account must be an admin"],
    );
    let out = db.ok(&[
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--clearance",
        "S",
    ]);
    assert!(
        out.stdout.contains("password (shown once)"),
        "{}",
        out.stdout
    );
    add_user(db, "hq", "hq_editor", "S", None);
    add_user(db, "ottawa.drafter", "post_drafter", "C", Some("OTTAWA"));
    add_user(db, "ottawa.approver", "post_approver", "C", Some("OTTAWA"));
    add_user(db, "ottawa.approver2", "post_approver", "C", Some("OTTAWA"));
    add_user(db, "madrid.drafter", "post_drafter", "C", Some("MADRID"));
    add_user(db, "reader", "reader", "SBU", None);
    // Only an admin adds users; a password can come from stdin.
    db.refused(
        &[
            "--as",
            "hq",
            "user",
            "add",
            "someone",
            "--role",
            "reader",
            "--clearance",
            "U",
        ],
        &["only an admin may add users"],
    );
    let run = db.run_with_stdin(
        &[
            "--as",
            "admin",
            "user",
            "add",
            "reader2",
            "--role",
            "reader",
            "--clearance",
            "U",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "added reader2 (reader, clearance U)");
    let users = db.ok(&["--as", "admin", "--json", "user", "list"]).json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    for n in ["admin", "hq", "ottawa.drafter", "reader2"] {
        assert!(names.contains(&n), "{names:?}");
    }

    // The tasking is a draft until HQ issues it; posts do not see drafts.
    db.refused(
        &["--as", "ottawa.drafter", "report", "new", T, "OTTAWA"],
        &["tasking CHN-2026-0002", "not found"],
    );
    db.refused(
        &["--as", "ottawa.drafter", "tasking", "issue", T],
        &["only HQ editors issue taskings"],
    );
    assert_eq!(
        db.ok(&["--as", "hq", "tasking", "issue", T]).stdout.trim(),
        format!("{T}: issued")
    );
    db.refused(&["--as", "hq", "tasking", "issue", T], &["already issued"]);
    let tasking = db
        .ok(&["--as", "ottawa.drafter", "--json", "tasking", "show", T])
        .json();
    assert_eq!(tasking["status"], "issued");
    assert_eq!(
        strs(&Value::Array(
            tasking["completeness"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["post"].clone())
                .collect()
        )),
        ["OTTAWA", "MADRID", "ROME", "DUBLIN"]
    );

    // Evidence: three sources with captured content, hashed; one graded by HQ.
    let captures = [
        ("cap1.txt", "Table 1: labour inspections by sector, 2024"),
        ("cap2.txt", "Canada Labour Code, Part II"),
        ("cap3.txt", "Care work survey, 2023 wave"),
    ];
    for (i, (name, text)) in captures.iter().enumerate() {
        let file = db.file(name, text);
        let out = db.ok(&[
            "--as",
            "ottawa.drafter",
            "source",
            "add",
            "--kind",
            "official_statistics",
            "--publisher",
            "Statistics Canada",
            "--title",
            &format!("Source {}", i + 1),
            "--published",
            "2025-03",
            "--capture",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.stdout.starts_with(&format!("S{}: recorded", i + 1)),
            "{}",
            out.stdout
        );
    }
    assert_eq!(
        db.ok(&[
            "--as",
            "hq",
            "source",
            "grade",
            "S1",
            "A1",
            "--rationale",
            "Official statistics from the national office."
        ])
        .stdout
        .trim(),
        "S1: graded A1 by hq"
    );
    let sources = db
        .ok(&["--as", "ottawa.drafter", "--json", "source", "list"])
        .json();
    let sources = sources.as_array().unwrap();
    assert_eq!(sources.len(), 3);
    for (s, (_, text)) in sources.iter().zip(captures) {
        assert_eq!(s["capture_sha256"], common::sha256_hex(text.as_bytes()));
    }
    assert_eq!(sources[0]["grade"], "A1");
    assert_eq!(sources[0]["graded_by"], "hq");
    assert_eq!(sources[1]["grade"], "F6", "ungraded sources default to F6");

    // Draft: only the post's own staff start it.
    db.refused(
        &["--as", "madrid.drafter", "report", "new", T, "OTTAWA"],
        &["only staff of OTTAWA"],
    );
    assert_eq!(
        db.ok(&["--as", "ottawa.drafter", "report", "new", T, "OTTAWA"])
            .stdout
            .trim(),
        format!("{T} OTTAWA: draft started")
    );
    let view = show(db, "ottawa.drafter");
    assert_eq!(view["status"], "draft");
    assert_eq!(view["version"], 1);
    assert_eq!(
        strs(&Value::Array(
            view["sections"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["key"].clone())
                .collect()
        )),
        [
            "summary",
            "legal_framework",
            "enforcement_safety",
            "voice_bargaining",
            "assessment"
        ]
    );
    assert_eq!(strs(&view["actions"]), ["submit"]);

    // Each section from a file. The first save of enforcement_safety cites a source that does
    // not exist: it is saved, and it alone blocks transmission.
    let mut texts = sections();
    let good_enforcement = texts[2].1.clone();
    texts[2].1 = good_enforcement.replace("[@S3]", "[@S3] [@S99]");
    for (key, text) in &texts {
        let out = edit(db, "ottawa.drafter", key, text);
        assert!(
            out.starts_with(&format!("{T} OTTAWA {key}: saved revision 1")),
            "{out}"
        );
    }
    let lint = db.run(&["--as", "ottawa.drafter", "--json", "lint", T, "OTTAWA"]);
    assert_eq!(lint.code, Some(2));
    let findings = lint.json();
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E002"], "{findings:#}");
    assert!(findings[0]["message"].as_str().unwrap().contains("S99"));

    // The drafter may not clear; the approver clears; the finding blocks transmission.
    act(
        db,
        "ottawa.drafter",
        "submit",
        &[],
        "in_clearance (version 1)",
    );
    db.refused(
        &["--as", "ottawa.drafter", "report", "clear", T, "OTTAWA"],
        &["post_drafter users may not clear"],
    );
    act(db, "ottawa.approver", "clear", &[], "cleared (version 1)");
    db.refused(
        &["--as", "ottawa.approver", "report", "transmit", T, "OTTAWA"],
        &["1 lint finding(s) block transmission"],
    );
    // The approver returns it to draft (same version); the drafter fixes the citation.
    act(
        db,
        "ottawa.approver",
        "return",
        &["--reason", "S99 is not in the locker"],
        "draft (version 1)",
    );
    let out = edit(
        db,
        "ottawa.drafter",
        "enforcement_safety",
        &good_enforcement,
    );
    assert!(out.contains("saved revision 2"), "{out}");
    assert!(out.contains("lint: clean"), "{out}");
    assert_eq!(
        db.run(&["--as", "ottawa.drafter", "lint", T, "OTTAWA"])
            .code,
        Some(0)
    );

    // Clear, transmit, and the other post and HQ see only what the rules allow.
    act(
        db,
        "ottawa.drafter",
        "submit",
        &[],
        "in_clearance (version 1)",
    );
    db.refused(
        &["--as", "hq", "report", "show", T, "OTTAWA"],
        &["report of OTTAWA", "not found"],
    );
    act(db, "ottawa.approver", "clear", &[], "cleared (version 1)");
    act(
        db,
        "ottawa.approver",
        "transmit",
        &[],
        "transmitted (version 1)",
    );
    for verb in ["show", "submit"] {
        db.refused(
            &["--as", "madrid.drafter", "report", verb, T, "OTTAWA"],
            &["report of OTTAWA for CHN-2026-0002 not found"],
        );
    }
    db.refused(
        &["--as", "madrid.drafter", "lint", T, "OTTAWA"],
        &["not found"],
    );
    let hq_view = show(db, "hq");
    assert_eq!(hq_view["status"], "transmitted");
    assert_eq!(strs(&hq_view["actions"]), ["accept", "return"]);
    let v1 = hq_view["versions"].as_array().unwrap();
    assert_eq!(v1.len(), 1);
    assert_eq!(v1[0]["version"], 1);
    assert_eq!(v1[0]["transmitted_by"], "ottawa.approver");
    assert_eq!(v1[0]["lint_override"], Value::Null);
    assert_eq!(v1[0]["sha256"].as_str().unwrap().len(), 64);
    // Editing a transmitted version is refused.
    let file = db.file("late.md", "(U) A late change.\n");
    db.refused(
        &[
            "--as",
            "ottawa.drafter",
            "report",
            "edit",
            T,
            "OTTAWA",
            "summary",
            file.to_str().unwrap(),
        ],
        &["cannot edit a report that is transmitted"],
    );

    // HQ returns it: status returned and a new version for the next edits.
    db.refused(
        &[
            "--as", "hq", "report", "return", T, "OTTAWA", "--reason", "",
        ],
        &["written reason"],
    );
    act(
        db,
        "hq",
        "return",
        &["--reason", "Add the 2025 inspection figures"],
        "returned (version 2)",
    );
    let view = show(db, "ottawa.drafter");
    assert_eq!(view["status"], "returned");
    assert_eq!(view["version"], 2);
    let returns: Vec<&Value> = view["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "return")
        .collect();
    assert_eq!(returns.len(), 2, "{:#}", view["comments"]);
    assert_eq!(returns[1]["author"], "hq");
    assert_eq!(returns[1]["body"], "Add the 2025 inspection figures");
    let out = edit(
        db,
        "ottawa.drafter",
        "voice_bargaining",
        "(U) Union density in care work is reported in the survey, including its 2025 wave [@S3].\n",
    );
    assert!(out.contains("saved revision 2"), "{out}");
    let revisions = db.count(
        "SELECT COUNT(*) FROM section_revisions WHERE section_key = 'voice_bargaining' AND version_no = 2",
    );
    assert_eq!(
        revisions, 1,
        "the edit after the return belongs to version 2"
    );

    // Separation of duties: an approver who edited this version cannot clear it; another can.
    let summary = sections()[0]
        .1
        .replace("1,250 inspections", "1,250 labour inspections");
    edit(db, "ottawa.approver", "summary", &summary);
    act(
        db,
        "ottawa.drafter",
        "submit",
        &[],
        "in_clearance (version 2)",
    );
    db.refused(
        &["--as", "ottawa.approver", "report", "clear", T, "OTTAWA"],
        &["ottawa.approver drafted this version and so cannot clear it"],
    );
    act(db, "ottawa.approver2", "clear", &[], "cleared (version 2)");
    act(
        db,
        "ottawa.approver",
        "transmit",
        &[],
        "transmitted (version 2)",
    );
    act(db, "hq", "accept", &[], "accepted (version 2)");
    db.refused(
        &["--as", "hq", "report", "accept", T, "OTTAWA"],
        &["cannot accept a report that is accepted"],
    );

    // The final structure, as HQ (clearance S) sees it.
    let view = show(db, "hq");
    assert_eq!(view["tasking"], T);
    assert_eq!(view["post"], "OTTAWA");
    assert_eq!(view["status"], "accepted");
    assert_eq!(view["version"], 2);
    assert_eq!(view["banner"], "C");
    assert_eq!(view["findings"], Value::Array(vec![]));
    assert_eq!(view["actions"], Value::Array(vec![]));
    let versions = view["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["version"], 2);
    assert_ne!(versions[0]["sha256"], versions[1]["sha256"]);
    let sections_json = view["sections"].as_array().unwrap();
    let revision = |key: &str| {
        sections_json
            .iter()
            .find(|s| s["key"] == key)
            .map(|s| (s["revision"].as_i64().unwrap(), s["author"].clone()))
            .unwrap()
    };
    assert_eq!(revision("summary"), (2, Value::from("ottawa.approver")));
    assert_eq!(
        revision("legal_framework"),
        (1, Value::from("ottawa.drafter"))
    );
    assert_eq!(
        revision("voice_bargaining"),
        (2, Value::from("ottawa.drafter"))
    );
    let all = common::portions(&view);
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|p| !p.2), "HQ (S) sees every paragraph");
    let markings: Vec<&str> = all.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(markings, ["U", "C", "U", "U", "U", "SBU"]);
    assert!(all[1].3.contains(CONFIDENTIAL));
    // Every transition and save is in the audit chain, which verifies.
    let actions = db.count(
        "SELECT COUNT(*) FROM audit_events WHERE object_id = 'CHN-2026-0002/OTTAWA' AND action LIKE 'report.%'",
    );
    // new + 5 + 1 + 1 + 1 saves, 2 returns by the post and HQ, submit ×3, clear ×3,
    // transmit ×2, accept.
    assert_eq!(actions, 1 + 8 + 2 + 3 + 3 + 2 + 1);
    let verify = db.ok(&["audit", "verify"]);
    assert!(
        verify.stdout.starts_with("audit chain intact"),
        "{}",
        verify.stdout
    );

    // Clearance: the reader (SBU) sees a marker for the (C) paragraph, never its text, and a
    // banner for what they see.
    let reader = show(db, "reader");
    assert_eq!(reader["banner"], "SBU");
    let seen = common::portions(&reader);
    assert_eq!(seen.len(), 6);
    assert_eq!(
        seen[1],
        (
            "summary".to_string(),
            "C".to_string(),
            true,
            "[paragraph withheld: C]".to_string()
        )
    );
    assert!(seen.iter().filter(|p| p.2).count() == 1);
    let text = db.ok(&["--as", "reader", "report", "show", T, "OTTAWA"]);
    assert!(!text.stdout.contains(CONFIDENTIAL), "{}", text.stdout);
    assert!(!text.stdout.contains("privately conceded"));
    assert!(text.stdout.contains("[paragraph withheld: C]"));
    assert!(
        text.stdout.starts_with("SENSITIVE BUT UNCLASSIFIED\n"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("CONFIDENTIAL"), "{}", text.stdout);
    let json = db.ok(&["--as", "reader", "--json", "report", "show", T, "OTTAWA"]);
    assert!(!json.stdout.contains("privately conceded"));
    // A reader cleared only for U sees neither the C nor the SBU paragraph.
    let u_reader = show(db, "reader2");
    assert_eq!(u_reader["banner"], "U");
    let withheld: Vec<String> = common::portions(&u_reader)
        .into_iter()
        .filter(|p| p.2)
        .map(|p| p.3)
        .collect();
    assert_eq!(
        withheld,
        ["[paragraph withheld: C]", "[paragraph withheld: SBU]"]
    );
    // Another post's drafter (cleared C) sees the report once accepted, in full.
    let madrid = show(db, "madrid.drafter");
    assert_eq!(madrid["banner"], "C");
    assert!(common::portions(&madrid).iter().all(|p| !p.2));
    assert_eq!(madrid["actions"], Value::Array(vec![]));
}
