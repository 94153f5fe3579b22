//! `chancery compile` through the binary: every format of the demo, the same bytes twice, and
//! bad input refused with a message naming the option and nothing written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{DEMO_TASKING as T, Db};

#[test]
fn the_demo_compiles_in_every_format_and_twice_to_the_same_bytes() {
    let db = Db::demo();
    for format in ["html", "pdf", "md", "json", "cable"] {
        let mut outputs = Vec::new();
        for run in 0..2 {
            let file = db.dir.path().join(format!("report-{run}.{format}"));
            let out = db.ok(&[
                "--as",
                "hq.editor",
                "compile",
                T,
                "--format",
                format,
                "--include-transmitted",
                "-o",
                file.to_str().unwrap(),
            ]);
            assert!(out.stdout.starts_with("wrote "), "{}", out.stdout);
            outputs.push(std::fs::read(&file).unwrap());
        }
        assert!(
            outputs[0] == outputs[1],
            "{format}: two compilations differ"
        );
        assert!(outputs[0].len() > 2000, "{format}: too short");
    }
    // To standard output, and the JSON summary with -o.
    let md = db.ok(&[
        "--as",
        "reader",
        "compile",
        T,
        "--format",
        "md",
        "--include-transmitted",
    ]);
    assert!(
        md.stdout.starts_with("**SENSITIVE BUT UNCLASSIFIED**"),
        "{}",
        &md.stdout[..200]
    );
    assert!(md.stdout.contains("## OTTAWA"));
    let file = db.dir.path().join("r.json");
    let summary = db
        .ok(&[
            "--as",
            "hq.editor",
            "--json",
            "compile",
            T,
            "--format",
            "json",
            "--include-transmitted",
            "-o",
            file.to_str().unwrap(),
        ])
        .json();
    assert_eq!(summary["reports"], 1);
    assert_eq!(summary["banner"], "SBU");
    assert_eq!(summary["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn without_accepted_reports_the_cover_is_still_compiled_with_a_warning() {
    let db = Db::demo();
    let run = db.run(&["--as", "hq.editor", "compile", T, "--format", "cable"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("SUBJECT: (U) CONSOLIDATED REPORT"));
    assert!(
        run.stdout
            .contains("1. (U) SUMMARY: This report compiles 0 of 12")
    );
    assert!(run.stderr.contains("warning: no-reports"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--include-transmitted"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_is_refused_naming_the_option_and_nothing_is_written() {
    let db = Db::demo();
    let out = db.dir.path().join("out.html");
    let o = out.to_str().unwrap();
    db.refused(
        &[
            "--as",
            "hq.editor",
            "compile",
            T,
            "--format",
            "docx",
            "-o",
            o,
        ],
        &["--format", "docx", "html, pdf, md, json, cable"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "compile",
            T,
            "--release",
            "TOPSECRET",
            "-o",
            o,
        ],
        &["--release", "TOPSECRET"],
    );
    db.refused(
        &["--as", "reader", "compile", T, "--release", "C", "-o", o],
        &["--release C", "clearance"],
    );
    db.refused(
        &["--as", "hq.editor", "compile", "CHN-2026-0999", "-o", o],
        &["CHN-2026-0999", "not found"],
    );
    db.refused(
        &["--as", "hq.editor", "compile", "not-a-ref", "-o", o],
        &["not-a-ref"],
    );
    db.refused(
        &[
            "--as",
            "hq.editor",
            "compile",
            T,
            "--date",
            "2026-13-01",
            "-o",
            o,
        ],
        &["--date"],
    );
    db.refused(&["compile", T, "-o", o], &["--as"]);
    assert!(!out.exists(), "a refused compile wrote its output");
    let nowhere = db.dir.path().join("no/such/folder/out.html");
    db.refused(
        &[
            "--as",
            "hq.editor",
            "compile",
            T,
            "-o",
            nowhere.to_str().unwrap(),
        ],
        &["-o", "cannot write"],
    );
    let folder = db.dir.path().to_str().unwrap().to_string();
    db.refused(
        &["--as", "hq.editor", "compile", T, "-o", &folder],
        &["is a directory"],
    );
    // No stray partial files.
    let stray: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}
