//! Database operations through the `chancery` binary on SQLite: `export`, `import-all`, `backup`
//! and `restore`. A backup restores to the same content; every refusal is one line, changes
//! nothing (not the target, not the backup file), and a damaged or truncated export is never
//! half-restored.

// Helpers outside #[test] functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Db, sha256_hex};

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The files in a folder, sorted (to see nothing was left behind).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Fails if a restore left a temporary database (`*.restoring`, with or without its WAL) or a
/// partial export next to `db`.
fn assert_no_leftovers(db: &Db) {
    let left: Vec<String> = files_in(db.dir.path())
        .into_iter()
        .filter(|n| n.contains(".restoring") || n.contains(".partial"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A demo database with an export of it and an SQLite backup of it in its folder.
struct Source {
    db: Db,
    export: PathBuf,
    backup: PathBuf,
}

fn demo_with_backups() -> Source {
    let db = Db::demo();
    let export = db.dir.path().join("demo.jsonl");
    let backup = db.dir.path().join("demo-backup.db");
    let run = db.ok(&["export", "-o", path_str(&export)]);
    assert!(run.stdout.contains("exported"), "{}", run.stdout);
    let run = db.ok(&["backup", "-o", path_str(&backup)]);
    assert!(run.stdout.contains("backed up"), "{}", run.stdout);
    Source { db, export, backup }
}

#[test]
fn backup_then_restore_gives_back_every_row() {
    let src = demo_with_backups();
    let original = src.db.export_rows();
    assert!(
        original.len() > 100,
        "the demo exports {} rows",
        original.len()
    );
    let backup_bytes = read(&src.backup);
    assert_eq!(&backup_bytes[..16], b"SQLite format 3\0");
    let backup = path_str(&src.backup);

    // Into a database that does not exist yet: created from the backup.
    let fresh = Db::empty();
    let run = fresh.ok(&["restore", backup]);
    assert!(
        run.stdout.contains("audit events verified"),
        "{}",
        run.stdout
    );
    assert_eq!(fresh.export_rows(), original);
    fresh.ok(&["audit", "verify"]);
    assert_no_leftovers(&fresh);

    // Into a database in use: refused without --force, and nothing changes.
    let target = Db::initialised();
    let line = target.refused(&["restore", backup], &["not empty", "--force"]);
    assert!(line.contains(path_str(&target.path)), "{line}");
    let line = target.refused(
        &["restore", path_str(&src.export)],
        &["not empty", "--force"],
    );
    assert!(line.contains(path_str(&target.path)), "{line}");
    assert_no_leftovers(&target);

    // With --force the backup replaces it entirely, audit chain included.
    let run = target.ok(&["restore", backup, "--force"]);
    assert!(run.stdout.contains("restored"), "{}", run.stdout);
    assert_eq!(target.export_rows(), original);
    let verified = target.ok(&["--json", "audit", "verify"]).json();
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["events"], src.db.audit_events());
    assert_eq!(
        target.snapshot().tables["sqlite_master"],
        src.db.snapshot().tables["sqlite_master"],
        "the schema, triggers included, comes back too"
    );
    assert_no_leftovers(&target);
    // The restored database is fully usable: the next write continues the chain.
    target.ok(&[
        "--as",
        "london.drafter",
        "report",
        "comment",
        common::DEMO_TASKING,
        "LONDON",
        "Restored and still writable.",
    ]);
    target.ok(&["audit", "verify"]);

    // Restoring never changes the backup file itself.
    assert_eq!(
        sha256_hex(&read(&src.backup)),
        sha256_hex(&backup_bytes),
        "restore must only read the backup"
    );
    // And the source database was never touched by any of it.
    assert_eq!(src.db.export_rows(), original);
}

#[test]
fn an_export_restores_like_a_backup() {
    let src = demo_with_backups();
    let original = src.db.export_rows();
    let export = path_str(&src.export);

    // Into a new file, with `restore` and with `import-all`.
    let restored = Db::empty();
    restored.ok(&["restore", export]);
    assert_eq!(restored.export_rows(), original);
    restored.ok(&["audit", "verify"]);
    let imported = Db::empty();
    let run = imported.ok(&["import-all", export]);
    assert!(run.stdout.contains("audit chain intact"), "{}", run.stdout);
    assert_eq!(imported.export_rows(), original);

    // Into a freshly migrated, empty database.
    let migrated = Db::empty();
    migrated.ok(&["migrate"]);
    migrated.ok(&["restore", export]);
    assert_eq!(migrated.export_rows(), original);

    // Over a database in use, with --force.
    let target = Db::initialised();
    target.ok(&["restore", export, "--force"]);
    assert_eq!(target.export_rows(), original);
    target.ok(&["audit", "verify"]);
    assert_no_leftovers(&target);
}

#[test]
fn backup_and_export_never_overwrite_a_file() {
    let db = Db::demo();
    let existing = db.file("existing.bak", "keep me\n");
    let path = path_str(&existing);
    let line = db.refused(&["backup", "-o", path], &[path, "already exists"]);
    assert!(!line.starts_with("import"), "{line}");
    db.refused(&["export", "-o", path], &[path, "already exists"]);
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me\n");
    assert_no_leftovers(&db);
    // A backup into a folder that does not exist is refused too, and creates nothing.
    let nowhere = db.dir.path().join("no-such-folder").join("x.db");
    db.refused(&["backup", "-o", path_str(&nowhere)], &[]);
    assert!(!nowhere.parent().unwrap().exists());
}

#[test]
fn export_is_deterministic() {
    let db = Db::demo();
    let one = db.dir.path().join("one.jsonl");
    let two = db.dir.path().join("two.jsonl");
    db.ok(&["export", "-o", path_str(&one)]);
    db.ok(&["export", "-o", path_str(&two)]);
    let a = read(&one);
    assert_eq!(a, read(&two), "two exports of one database differ");
    assert_eq!(
        String::from_utf8(a.clone()).unwrap(),
        db.ok(&["export"]).stdout,
        "export to a file and to stdout differ"
    );
    // A JSON object per line: the header, then {"table", "row"}.
    let text = String::from_utf8(a).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["chancery_export"], 1, "{header}");
    assert_eq!(header["backend"], "sqlite", "{header}");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["table"].is_string() && v["row"].is_object(), "{line}");
    }
    // Exporting is read-only: the audit chain does not grow.
    let events = db.audit_events();
    db.ok(&["export"]);
    assert_eq!(db.audit_events(), events);
}

#[test]
fn import_all_into_a_database_in_use_is_refused() {
    let src = demo_with_backups();
    let export = path_str(&src.export);
    let target = Db::initialised();
    target.refused(&["import-all", export], &[export, "not empty"]);
    // Even into the very database it came from.
    src.db.refused(&["import-all", export], &["not empty"]);
}

#[test]
fn restore_refuses_what_is_not_a_chancery_backup() {
    let target = Db::initialised();
    let dir = target.dir.path();

    // Random bytes (not UTF-8, not SQLite).
    let mut noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    noise[0] = 0xff;
    let random = dir.join("random.bin");
    std::fs::write(&random, &noise).unwrap();
    // Text that is not an export, and an empty file.
    let text = target.file("notes.txt", "hello\nworld\n");
    let empty = target.file("empty.jsonl", "");
    // An SQLite database that is not Chancery's.
    let foreign = dir.join("foreign.db");
    let other = Db {
        dir: tempfile::tempdir().unwrap(),
        path: foreign.clone(),
        url: format!("sqlite:{}", foreign.display()),
    };
    std::fs::File::create(&foreign).unwrap();
    let made = other.sql(&[
        "CREATE TABLE recipes (name TEXT, minutes INTEGER)",
        "INSERT INTO recipes VALUES ('bread', 240)",
    ]);
    assert!(made.iter().all(Result::is_ok), "{made:?}");
    let foreign_bytes = read(&foreign);
    let missing = dir.join("missing.db");

    let cases: [(&Path, &[&str]); 5] = [
        (&random, &["random.bin"]),
        (&text, &["notes.txt", "line 1", "not a Chancery export"]),
        (&empty, &["empty.jsonl", "empty"]),
        (&foreign, &["foreign.db", "not a usable Chancery backup"]),
        (&missing, &["missing.db", "does not exist"]),
    ];
    for (file, needles) in cases {
        let file = path_str(file);
        // Without --force a database in use is refused whatever the file; with it, the file
        // is checked and refused.
        target.refused(&["restore", file], &[]);
        target.refused(&["restore", file, "--force"], needles);
        target.refused(&["import-all", file], &[file]);
        // Nor is a database created where there was none.
        let nothing = Db::empty();
        nothing.failed(&["restore", file], needles);
        assert!(
            !nothing.path.exists(),
            "a refused restore of {file} created {}",
            nothing.path.display()
        );
        assert_no_leftovers(&nothing);
    }
    assert_no_leftovers(&target);
    assert_eq!(read(&foreign), foreign_bytes, "restore changed foreign.db");
    assert!(!missing.exists());
}

#[test]
fn a_backup_whose_audit_chain_is_broken_is_refused() {
    let src = demo_with_backups();
    // Tamper with one event in the backup (bypassing the append-only trigger).
    let tampered = Db {
        dir: tempfile::tempdir().unwrap(),
        path: src.backup.clone(),
        url: format!("sqlite:{}", src.backup.display()),
    };
    let done = tampered.sql(&[
        "DROP TRIGGER audit_events_no_update",
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 7",
    ]);
    assert_eq!(done, vec![Ok(0), Ok(1)]);
    let target = Db::initialised();
    let backup = path_str(&src.backup);
    target.refused(
        &["restore", backup, "--force"],
        &[backup, "audit chain does not verify"],
    );
    assert_no_leftovers(&target);
}

/// A restore or import that fails part-way (a truncated file, a damaged line) writes nothing:
/// the target is exactly as before, and no temporary database is left behind.
#[test]
fn an_interrupted_restore_leaves_nothing_half_restored() {
    let src = demo_with_backups();
    let text = std::fs::read_to_string(&src.export).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 300, "{} lines", lines.len());

    // Cut in the middle of a line: the error names the last, incomplete line.
    let cut = text.len() / 2;
    assert_ne!(text.as_bytes()[cut - 1], b'\n');
    let mid_line = text[..cut].matches('\n').count() + 1;
    // Cut cleanly between two lines: every line parses, but rows are missing.
    let at_boundary: String = lines[..200].iter().map(|l| format!("{l}\n")).collect();
    // One corrupted line near the end (the audit events), the rest intact.
    let bad_line = lines.len() - 3;
    let mut corrupted: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    corrupted[bad_line - 1] = corrupted[bad_line - 1].replacen("\"seq\":", "\"seq\":\"x", 1);
    assert_ne!(corrupted[bad_line - 1], lines[bad_line - 1]);
    // A row that breaks a constraint only the database sees (a duplicate), late in the file.
    let mut duplicate: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    duplicate.push(lines[lines.len() - 1].to_string());
    let dup_line = duplicate.len();

    let target = Db::initialised();
    let damaged = [
        (
            target.file("mid-line.jsonl", &text[..cut]),
            format!("line {mid_line}"),
        ),
        (
            target.file("boundary.jsonl", &at_boundary),
            "truncated".to_string(),
        ),
        (
            target.file("corrupted.jsonl", &(corrupted.join("\n") + "\n")),
            format!("line {bad_line}"),
        ),
        (
            target.file("duplicate.jsonl", &(duplicate.join("\n") + "\n")),
            format!("line {dup_line}"),
        ),
    ];
    for (file, needle) in &damaged {
        let file = path_str(file);
        // Into a freshly migrated, empty database: it stays empty.
        let empty = Db::empty();
        empty.ok(&["migrate"]);
        empty.refused(&["import-all", file], &[file, needle]);
        empty.refused(&["restore", file], &[file, needle]);
        assert_eq!(empty.audit_events(), 0);
        // Over a database in use with --force: it stays as it was.
        target.refused(&["restore", file, "--force"], &[file, needle]);
        assert_no_leftovers(&target);
        // Into a new file: none is created.
        let nothing = Db::empty();
        nothing.failed(&["restore", file], &[file, needle]);
        assert!(!nothing.path.exists(), "{file}: a half-restored database");
        assert_no_leftovers(&nothing);
    }
    // A failed attempt does not get in the way of the next one.
    target.ok(&["restore", path_str(&src.export), "--force"]);
    assert_eq!(target.export_rows(), src.db.export_rows());
    assert_no_leftovers(&target);
}

#[test]
fn grant_app_role_is_for_postgresql() {
    let db = Db::initialised();
    let line = db.refused(&["grant-app-role", "chancery_app"], &["PostgreSQL"]);
    assert!(!line.starts_with("import"), "{line}");
}

/// A database migrated by a newer Chancery is refused by every command, naming both versions,
/// and is never changed.
#[test]
fn a_newer_schema_is_refused_naming_both_versions() {
    let db = Db::initialised();
    let binary = db.count("SELECT MAX(version) FROM _sqlx_migrations");
    // Made before the database turns "newer".
    let export = db.dir.path().join("before.jsonl");
    db.ok(&["export", "-o", path_str(&export)]);
    let backup = db.dir.path().join("before.db");
    db.ok(&["backup", "-o", path_str(&backup)]);

    const FUTURE: i64 = 90_000_000_000_001;
    let done = db.sql(&[&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES ({FUTURE}, 'from the future', 1, x'00', 0)"
    )]);
    assert_eq!(done, vec![Ok(1)]);
    let future = FUTURE.to_string();
    let ours = format!("binary's {binary}");
    let needles: &[&str] = &[&future, &ours, "newer"];
    let content = common::content_dir();
    let out = db.dir.path().join("after.out");
    for args in [
        &["audit", "verify"][..],
        &["migrate"],
        &["init", "--content", path_str(&content)],
        &["content", "--content", path_str(&content)],
        &["post", "list"],
        &["--as", "admin", "user", "list"],
        &["--as", "admin", "tasking", "list"],
        &["export"],
        &["export", "-o", path_str(&out)],
        &["backup", "-o", path_str(&out)],
        &["import-all", path_str(&export)],
        &["restore", path_str(&backup)],
        &["restore", path_str(&backup), "--force"],
        &["restore", path_str(&export), "--force"],
        &["grant-app-role", "chancery_app"],
    ] {
        db.refused(args, needles);
    }
    assert!(!out.exists());
    assert_no_leftovers(&db);

    // A newer backup is refused too, whatever it is restored into.
    let newer = db.dir.path().join("newer.db");
    let done = db.sql(&[&format!("VACUUM INTO '{}'", newer.display())]);
    assert_eq!(done, vec![Ok(0)]);
    let target = Db::initialised();
    let newer = path_str(&newer);
    target.refused(&["restore", newer, "--force"], needles);
    let nothing = Db::empty();
    nothing.failed(&["restore", newer], needles);
    assert!(!nothing.path.exists());
}
