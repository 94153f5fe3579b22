//! `chancery import` of real third-party statistics files (the samples kept with the
//! importers, `crates/chancery-stats/tests/samples/`) through the binary: the summary it
//! prints, idempotence, and refusals that leave the database as it was.

mod common;

use common::{Db, workspace};

fn sample(rel: &str) -> String {
    workspace()
        .join("crates/chancery-stats/tests/samples")
        .join(rel)
        .display()
        .to_string()
}

/// The number printed before `label` in the summary line (`… 20 imported, 0 unchanged …`).
fn count(summary: &str, label: &str) -> u64 {
    let at = summary
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {summary}"));
    summary[..at]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before {label:?} in {summary}"))
}

#[test]
fn a_real_sdmx_file_imports_once_then_changes_nothing() {
    let db = Db::initialised();
    let file = sample("sdmx-csv/sdmx21-data_v21.csv");
    let args = ["--as", "admin", "import", &file, "--country", "CHE"];

    // A dry run counts and writes nothing.
    let before = db.snapshot();
    let observations_before = db.observations();
    let dry = db.ok(&[&args[..], &["--dry-run"]].concat());
    assert!(dry.stdout.starts_with("dry run: "), "{}", dry.stdout);
    // 20 rows, 13 of them without a value (the file's own gaps).
    assert_eq!(count(&dry.stdout, "imported"), 7, "{}", dry.stdout);
    before.assert_same(&db.snapshot(), "import --dry-run");

    let first = db.ok(&args);
    assert_eq!(count(&first.stdout, "rows read"), 20, "{}", first.stdout);
    assert_eq!(count(&first.stdout, "imported"), 7, "{}", first.stdout);
    assert_eq!(count(&first.stdout, "unchanged"), 0, "{}", first.stdout);
    assert_eq!(count(&first.stdout, "skipped\n"), 13, "{}", first.stdout);
    assert!(
        first
            .stdout
            .contains("skipped       13  empty or missing value (e.g. line 2, 3, 5"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("recorded as vintage"),
        "{}",
        first.stdout
    );
    let after_first = db.snapshot();
    assert_eq!(db.observations(), observations_before + 7);
    assert_eq!(after_first.rows("vintages"), before.rows("vintages") + 1);

    // The same file again: every observation unchanged, no vintage, nothing written.
    let second = db.ok(&args);
    assert_eq!(count(&second.stdout, "imported"), 0, "{}", second.stdout);
    assert_eq!(count(&second.stdout, "unchanged"), 7, "{}", second.stdout);
    assert!(!second.stdout.contains("vintage"), "{}", second.stdout);
    after_first.assert_same(&db.snapshot(), "a second import of the same file");
}

#[test]
fn a_real_json_stat_bundle_imports_with_its_own_country_dimension() {
    let db = Db::initialised();
    let file = sample("json-stat/eurostat-nama_gdp_c-v1.json");
    let out = db.ok(&["--as", "admin", "import", &file]);
    assert!(out.stdout.contains("(json-stat,"), "{}", out.stdout);
    let imported = count(&out.stdout, "imported");
    assert!(imported > 0, "{}", out.stdout);
    assert_eq!(db.observations(), imported as i64);
}

#[test]
fn bad_statistics_files_and_arguments_are_refused_without_a_trace() {
    let db = Db::initialised();
    // The sample the SDMX reference reader rejects: the error names the file, the line and
    // what the header lacks.
    let malformed = sample("sdmx-csv/sdmx10-data_v1_exception.csv");
    db.refused(
        &["--as", "admin", "import", &malformed, "--country", "CHE"],
        &["sdmx10-data_v1_exception.csv", "line 1", "not SDMX-CSV"],
    );
    // An unsupported format name lists the supported ones.
    let good = sample("sdmx-csv/sdmx21-data_v21.csv");
    db.refused(
        &["--as", "admin", "import", &good, "--format", "xlsx"],
        &["--format", "xlsx", "auto, csv, sdmx-csv or json-stat"],
    );
    // A file that does not exist.
    db.refused(
        &["--as", "admin", "import", "no-such-file.csv"],
        &["no-such-file.csv"],
    );
}
