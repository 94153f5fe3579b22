//! Bad input through the `chancery` binary: every refusal is one `error: …` line on stderr that
//! says what and where, a non-zero exit code, and no change at all to the database.

mod common;

use common::{DEMO_TASKING as T, Db};

const MINIMAL_TASKING: &str = r#"reference = "CHN-2026-0009"
subject = "Test tasking"
classification = "SBU"
issuing_office = "HQ"
due = 2027-01-31
addressees = ["OTTAWA"]
body = "Report."

[[sections]]
key = "summary"
title = "Summary"
guidance = "Sum up."
min_citations = 1

[[talking_points]]
id = "TP1"
text = "We are willing to collaborate."
"#;

fn tasking_with(from: &str, to: &str) -> String {
    assert!(MINIMAL_TASKING.contains(from), "{from:?} is in the tasking");
    MINIMAL_TASKING.replacen(from, to, 1)
}

/// The "database unchanged" check used by every refusal above is not vacuous: it sees the
/// demo's content, and it sees one successful command's change.
#[test]
fn the_snapshot_sees_every_change() {
    let db = Db::demo();
    let before = db.snapshot();
    assert!(
        before.rows("audit_events") > 100,
        "{:?}",
        before.tables.keys()
    );
    assert!(before.rows("section_revisions") > 0);
    assert!(
        before.tables["sqlite_master"]
            .iter()
            .any(|r| r.contains("audit_events_no_update"))
    );
    db.ok(&[
        "--as",
        "london.drafter",
        "report",
        "comment",
        T,
        "LONDON",
        "Please add the 2024 figures.",
    ]);
    let after = db.snapshot();
    assert_ne!(before.digest(), after.digest());
    assert_eq!(after.rows("comments"), before.rows("comments") + 1);
    assert_eq!(after.rows("audit_events"), before.rows("audit_events") + 1);
    let caught = std::panic::catch_unwind(|| before.assert_same(&after, "a comment"));
    assert!(caught.is_err(), "assert_same must fail on a change");
}

#[test]
fn unknown_post_is_named() {
    let db = Db::demo();
    db.refused(
        &["--as", "ottawa.approver", "report", "new", T, "NOWHERE"],
        &["NOWHERE", T],
    );
    db.refused(
        &[
            "--as",
            "admin",
            "user",
            "add",
            "nowhere.drafter",
            "--role",
            "post_drafter",
            "--clearance",
            "C",
            "--post",
            "NOWHERE",
        ],
        &["post NOWHERE", "not found"],
    );
    // A post code that is not even well-formed says so.
    db.refused(
        &["--as", "hq.editor", "report", "show", T, "nowhere"],
        &["\"nowhere\"", "post code"],
    );
    // A tasking file addressed to an unknown post names the file and the post.
    let file = db.file(
        "bad-post.toml",
        &tasking_with(r#"["OTTAWA"]"#, r#"["OTTAWA", "NOWHERE"]"#),
    );
    let path = file.to_str().unwrap();
    db.refused(
        &["--as", "hq.editor", "tasking", "import", path],
        &[path, "NOWHERE"],
    );
}

#[test]
fn unknown_or_missing_user_is_refused() {
    let db = Db::demo();
    for args in [
        &["--as", "nobody", "report", "show", T, "OTTAWA"][..],
        &["--as", "nobody", "lint", T, "LONDON"],
        &["--as", "nobody", "report", "submit", T, "LONDON"],
        &[
            "--as",
            "nobody",
            "user",
            "add",
            "someone",
            "--role",
            "reader",
            "--clearance",
            "U",
        ],
    ] {
        db.refused(args, &["user nobody", "not found"]);
    }
    db.refused(&["report", "show", T, "OTTAWA"], &["--as USERNAME"]);
    // Only the very first account may be added without --as.
    db.refused(
        &[
            "user",
            "add",
            "intruder",
            "--role",
            "admin",
            "--clearance",
            "S",
        ],
        &["--as"],
    );
}

#[test]
fn illegal_transitions_are_refused() {
    let db = Db::demo();
    // HQ does not even learn that a post's draft exists.
    db.refused(
        &["--as", "hq.editor", "report", "accept", T, "LONDON"],
        &["report of LONDON", "not found"],
    );
    db.refused(
        &["--as", "london.drafter", "report", "accept", T, "LONDON"],
        &["refused", "post_drafter users may not accept"],
    );
    db.refused(
        &["--as", "london.approver", "report", "transmit", T, "LONDON"],
        &["refused", "cannot transmit a report that is draft"],
    );
    db.refused(
        &[
            "--as",
            "wellington.drafter",
            "report",
            "clear",
            T,
            "WELLINGTON",
        ],
        &["refused", "post_drafter users may not clear"],
    );
    db.refused(
        &["--as", "ottawa.approver", "report", "clear", T, "OTTAWA"],
        &["refused", "cannot clear a report that is transmitted"],
    );
    db.refused(
        &["--as", "london.approver", "report", "submit", T, "OTTAWA"],
        &["not found"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "report",
            "return",
            T,
            "OTTAWA",
            "--reason",
            "   ",
        ],
        &["refused", "written reason"],
    );
    // The error is said once, not repeated through its chain of causes.
    let line = db.refused(
        &[
            "--as",
            "wellington.drafter",
            "report",
            "clear",
            T,
            "WELLINGTON",
        ],
        &[],
    );
    assert_eq!(
        line.matches("may not clear").count(),
        1,
        "repeated message: {line}"
    );
}

#[test]
fn an_approver_who_drafted_the_version_cannot_clear_it() {
    let db = Db::demo();
    let summary = db.file(
        "summary.md",
        "(U) The approver rewrote the summary, which makes them a drafter of this version.\n",
    );
    db.ok(&[
        "--as",
        "london.approver",
        "report",
        "edit",
        T,
        "LONDON",
        "summary",
        summary.to_str().unwrap(),
    ]);
    db.ok(&["--as", "london.drafter", "report", "submit", T, "LONDON"]);
    db.refused(
        &["--as", "london.approver", "report", "clear", T, "LONDON"],
        &["london.approver drafted this version", "cannot clear"],
    );
    let view = db
        .ok(&[
            "--as",
            "london.approver",
            "--json",
            "report",
            "show",
            T,
            "LONDON",
        ])
        .json();
    assert_eq!(view["status"], "in_clearance");
    let actions: Vec<&str> = view["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        !actions.contains(&"clear"),
        "clear must not be offered to a drafter of the version: {actions:?}"
    );
    assert!(actions.contains(&"return"), "{actions:?}");
}

#[test]
fn lint_findings_block_transmission_unless_overridden_with_a_reason() {
    let db = Db::demo();
    let findings = db
        .run(&["--as", "london.drafter", "--json", "lint", T, "LONDON"])
        .json();
    let count = findings.as_array().unwrap().len();
    assert!(count > 0, "the demo LONDON draft has findings");
    db.ok(&["--as", "london.drafter", "report", "submit", T, "LONDON"]);
    db.ok(&["--as", "london.approver", "report", "clear", T, "LONDON"]);

    let expected = format!("{count} lint finding(s) block transmission");
    db.refused(
        &["--as", "london.approver", "report", "transmit", T, "LONDON"],
        &["refused", &expected, "override"],
    );
    db.refused(
        &[
            "--as",
            "london.approver",
            "report",
            "transmit",
            T,
            "LONDON",
            "--override",
            "  ",
        ],
        &[&expected],
    );

    let reason = "HQ asked for the partial draft before the ministerial visit";
    let out = db.ok(&[
        "--as",
        "london.approver",
        "report",
        "transmit",
        T,
        "LONDON",
        "--override",
        reason,
    ]);
    assert!(
        out.stdout.contains("transmitted (version 1)"),
        "{}",
        out.stdout
    );
    let view = db
        .ok(&[
            "--as",
            "london.approver",
            "--json",
            "report",
            "show",
            T,
            "LONDON",
        ])
        .json();
    assert_eq!(view["status"], "transmitted");
    let versions = view["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["lint_override"], reason);
    assert_eq!(versions[0]["transmitted_by"], "london.approver");
    // HQ sees it now, with the reason.
    let text = db.ok(&["--as", "hq.editor", "report", "show", T, "LONDON"]);
    assert!(
        text.stdout.contains(&format!("(lint override: {reason})")),
        "{}",
        text.stdout
    );
}

#[test]
fn malformed_tasking_files_name_file_line_and_field() {
    let db = Db::demo();
    let cases = [
        (
            "type.toml",
            tasking_with("min_citations = 1", r#"min_citations = "two""#),
            vec!["line 13", "min_citations", "\"two\""],
        ),
        (
            "unknown-field.toml",
            tasking_with("min_citations = 1", r#"colour = "red""#),
            vec!["line 13", "unknown field `colour`"],
        ),
        (
            "marking.toml",
            tasking_with(r#"classification = "SBU""#, r#"classification = "TOP""#),
            vec!["line 3", "classification", "TOP"],
        ),
        (
            "date.toml",
            tasking_with("due = 2027-01-31", r#"due = "soon""#),
            vec!["line 5", "due", "\"soon\""],
        ),
        (
            "syntax.toml",
            tasking_with("body = \"Report.\"", "body = \"Report."),
            vec!["line 7"],
        ),
    ];
    for (name, text, needles) in cases {
        let file = db.file(name, &text);
        let path = file.to_str().unwrap();
        let mut all = vec![path];
        all.extend(needles);
        db.refused(&["--as", "hq.editor", "tasking", "import", path], &all);
    }
    // Control: the same file without the defects imports (so each refusal above is about its
    // one bad field), and importing it again changes nothing.
    let good = db.file("good.toml", MINIMAL_TASKING);
    let path = good.to_str().unwrap();
    let out = db.ok(&["--as", "hq.editor", "tasking", "import", path]);
    assert_eq!(out.stdout.trim(), "CHN-2026-0009: imported as draft");
    let before = db.snapshot();
    let out = db.ok(&["--as", "hq.editor", "tasking", "import", path]);
    assert!(out.stdout.contains("unchanged"), "{}", out.stdout);
    let after = db.snapshot();
    assert_eq!(
        before.tables["taskings"], after.tables["taskings"],
        "re-import changed the tasking"
    );
    // Only HQ editors import.
    db.refused(
        &["--as", "ottawa.drafter", "tasking", "import", path],
        &["only HQ editors import taskings"],
    );
}

#[test]
fn an_unresolvable_citation_is_saved_but_linted_as_e002() {
    let db = Db::demo();
    let md = db.file(
        "public_safety.md",
        "(U) Police recorded 4,200 such offences in 2024 [@S999].\n",
    );
    let events = db.audit_events();
    let out = db.ok(&[
        "--as",
        "london.drafter",
        "report",
        "edit",
        T,
        "LONDON",
        "public_safety",
        md.to_str().unwrap(),
    ]);
    assert!(
        out.stdout
            .contains("CHN-2026-0001 LONDON public_safety: saved revision 1"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("E002"), "{}", out.stdout);
    assert_eq!(db.audit_events(), events + 1, "the save is audited");

    let lint = db.run(&["--as", "london.drafter", "--json", "lint", T, "LONDON"]);
    assert_eq!(lint.code, Some(2), "lint exits 2 with findings");
    let findings = lint.json();
    let e002: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "E002")
        .collect();
    assert_eq!(e002.len(), 1, "{findings:#}");
    assert_eq!(e002[0]["section"], "public_safety");
    assert!(
        e002[0]["message"].as_str().unwrap().contains("S999"),
        "{}",
        e002[0]
    );
    let text = db.run(&["--as", "london.drafter", "lint", T, "LONDON"]);
    assert_eq!(text.code, Some(2));
    assert!(
        text.stdout
            .lines()
            .any(|l| l.contains("E002") && l.contains("unresolved-citation") && l.contains("S999")),
        "{}",
        text.stdout
    );
    // The text was stored as written (with its marking).
    let view = db
        .ok(&[
            "--as",
            "london.drafter",
            "--json",
            "report",
            "show",
            T,
            "LONDON",
        ])
        .json();
    let stored: Vec<_> = common::portions(&view)
        .into_iter()
        .filter(|p| p.0 == "public_safety")
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].3.contains("[@S999]"), "{stored:?}");

    db.ok(&["--as", "london.drafter", "report", "submit", T, "LONDON"]);
    db.ok(&["--as", "london.approver", "report", "clear", T, "LONDON"]);
    db.refused(
        &["--as", "london.approver", "report", "transmit", T, "LONDON"],
        &["block transmission"],
    );
}

#[test]
fn personal_data_is_rejected_on_save_and_nothing_is_written() {
    let db = Db::demo();
    let cases = [
        (
            "email.md",
            "(U) Complaints can be sent to desk.officer@example.org for follow-up.\n",
            "an e-mail address",
        ),
        (
            "phone.md",
            "(U) The hotline is reachable on +44 20 7946 0958 during office hours.\n",
            "a telephone number",
        ),
        (
            "dob.md",
            "(U) The detainee, born on 12 March 1990, was released without charge.\n",
            "a date of birth",
        ),
    ];
    for (name, text, kind) in cases {
        let file = db.file(name, text);
        let path = file.to_str().unwrap();
        db.refused(
            &[
                "--as",
                "london.drafter",
                "report",
                "edit",
                T,
                "LONDON",
                "public_safety",
                path,
            ],
            &[path, "E006", "personal-data", "public_safety", kind],
        );
    }
    // Control: the same paragraph without the personal data saves.
    let clean = db.file(
        "clean.md",
        "(U) Complaints can be sent to the ministry's public inbox for follow-up.\n",
    );
    db.ok(&[
        "--as",
        "london.drafter",
        "report",
        "edit",
        T,
        "LONDON",
        "public_safety",
        clean.to_str().unwrap(),
    ]);
    // Comments are free text too.
    db.refused(
        &[
            "--as",
            "london.drafter",
            "report",
            "comment",
            T,
            "LONDON",
            "call me on +44 20 7946 0958",
        ],
        &["E006", "comment", "a telephone number"],
    );
}

#[test]
fn a_read_command_on_a_missing_database_says_to_run_init_and_creates_nothing() {
    let db = Db::empty();
    let path = db.path.to_str().unwrap().to_string();
    for args in [
        &["audit", "verify"][..],
        &["post", "list"],
        &["--as", "hq.editor", "report", "show", T, "OTTAWA"],
        &["--as", "hq.editor", "tasking", "list"],
        &["--as", "hq.editor", "lint", T, "OTTAWA"],
        &["content"],
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--clearance",
            "S",
        ],
    ] {
        let run = db.run(args);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        let line = run.error_line();
        assert!(line.contains(&path), "{args:?}: {line}");
        assert!(line.contains("does not exist"), "{args:?}: {line}");
        assert!(line.contains("chancery init"), "{args:?}: {line}");
        let left: Vec<_> = std::fs::read_dir(db.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} created {left:?}");
    }
}

#[test]
fn bad_arguments_get_a_clear_error() {
    let db = Db::demo();
    let add_source = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "--as",
            "ottawa.drafter",
            "source",
            "add",
            "--kind",
            "news_report",
            "--publisher",
            "The Daily",
            "--title",
            "Report on arrivals",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let refused = |args: &[String], needles: &[&str]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        db.refused(&args, needles)
    };
    refused(
        &add_source(&["--marking", "X"]),
        &["--marking", "\"X\"", "U, SBU, C, S"],
    );
    refused(
        &add_source(&["--published", "2024-13-45"]),
        &["--published", "\"2024-13-45\"", "YYYY-MM-DD"],
    );
    refused(
        &add_source(&["--derived-from", "12"]),
        &["--derived-from", "\"12\"", "not a source id"],
    );
    let mut bad_kind = add_source(&[]);
    bad_kind[5] = "rumour".into();
    refused(&bad_kind, &["--kind", "\"rumour\""]);
    db.refused(
        &[
            "--as",
            "hq.editor",
            "source",
            "grade",
            "S1",
            "G9",
            "--rationale",
            "x",
        ],
        &["grade \"G9\"", "reliability"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "source",
            "grade",
            "S1",
            "A9",
            "--rationale",
            "x",
        ],
        &["grade \"A9\"", "credibility"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "source",
            "grade",
            "X1",
            "B2",
            "--rationale",
            "x",
        ],
        &["\"X1\"", "not a source id", "S12"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "source",
            "grade",
            "S999",
            "B2",
            "--rationale",
            "x",
        ],
        &["source S999", "not found"],
    );
    db.refused(
        &[
            "--as",
            "ottawa.drafter",
            "engagement",
            "add",
            "--post",
            "OTTAWA",
            "--date",
            "2025-02-30",
            "--host-office",
            "IRCC",
            "--official-title",
            "Director General",
            "--response",
            "Noted",
            "--marking",
            "SBU",
        ],
        &["--date", "\"2025-02-30\""],
    );
    db.refused(
        &[
            "--as",
            "ottawa.drafter",
            "incident",
            "add",
            "--post",
            "OTTAWA",
            "--occurred",
            "2024",
            "--country",
            "CAN",
            "--category",
            "hate_crime",
            "--legal-status",
            "unknown",
            "--verification",
            "unverified",
            "--summary",
            "An attack on a shelter.",
            "--marking",
            "U",
            "--source",
            "S0",
        ],
        &["--source", "\"S0\"", "not a source id"],
    );
    db.refused(
        &[
            "--as",
            "admin",
            "user",
            "add",
            "x.reader",
            "--role",
            "reader",
            "--clearance",
            "TS",
        ],
        &["--clearance", "\"TS\""],
    );
    db.refused(
        &[
            "--as",
            "admin",
            "user",
            "add",
            "x.reader",
            "--role",
            "boss",
            "--clearance",
            "U",
        ],
        &["--role", "\"boss\""],
    );
    db.refused(
        &["--as", "hq.editor", "report", "show", "CHN-26", "OTTAWA"],
        &["\"CHN-26\"", "tasking reference"],
    );
    let md = db.file("s.md", "(U) Text.\n");
    db.refused(
        &[
            "--as",
            "london.drafter",
            "report",
            "edit",
            T,
            "LONDON",
            "nosuch",
            md.to_str().unwrap(),
        ],
        &["no section \"nosuch\"", "summary, migration_flows_policy"],
    );
    let missing = db.dir.path().join("missing.md");
    db.refused(
        &[
            "--as",
            "london.drafter",
            "report",
            "edit",
            T,
            "LONDON",
            "summary",
            missing.to_str().unwrap(),
        ],
        &[missing.to_str().unwrap()],
    );
}
