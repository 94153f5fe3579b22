//! The `chancery` binary on PostgreSQL: the demo moved from SQLite with every object and the
//! audit chain intact, the demo built directly on a server, backup and restore, bad database
//! URLs (named by host, port and database, never with the password) and `grant-app-role`.
//!
//! Each test that needs a server gets a fresh database on `CHANCERY_TEST_POSTGRES` (an admin
//! URL) and drops it at the end; without that variable they say so and pass, except under
//! `CI=true`, where they fail.

// Helpers outside #[test] functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{DEMO_TASKING as T, Db, PgDb, export_rows, pg_bool, pg_sql, unique_name};
use serde_json::Value;

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

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

/// What a reader sees of the demo, through the read commands (every tasking, report, source,
/// incident, engagement and policy measure they list or show).
fn views(db: &Db) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for args in [
        &["--as", "hq.editor", "--json", "tasking", "list"][..],
        &["--as", "hq.editor", "--json", "tasking", "show", T],
        &["--as", "hq.editor", "--json", "report", "show", T, "OTTAWA"],
        &[
            "--as",
            "london.drafter",
            "--json",
            "report",
            "show",
            T,
            "LONDON",
        ],
        &["--as", "hq.editor", "--json", "source", "list"],
        &["--as", "hq.editor", "--json", "incident", "list"],
        &["--as", "hq.editor", "--json", "engagement", "list"],
        &["--as", "hq.editor", "--json", "policy", "list"],
        &["--json", "post", "list"],
    ] {
        out.push((args.join(" "), db.ok(args).stdout));
    }
    out
}

/// The demo built on SQLite, exported, imported into PostgreSQL: the audit chain verifies and
/// every row, hence every object, is equal.
#[test]
fn the_demo_moves_from_sqlite_to_postgresql() {
    let Some(pg) = PgDb::new("the_demo_moves_from_sqlite_to_postgresql") else {
        return;
    };
    let lite = Db::demo();
    let export = lite.dir.path().join("demo.jsonl");
    let export = path_str(&export);
    lite.ok(&["export", "-o", export]);
    let lite_rows = lite.export_rows();

    let run = pg.ok(&["import-all", export]);
    assert!(run.stdout.contains("audit chain intact"), "{}", run.stdout);
    let verified = pg.ok(&["--json", "audit", "verify"]).json();
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["events"], lite.audit_events());
    let pg_export = pg.ok(&["export"]).stdout;
    assert!(
        pg_export.lines().next().unwrap().contains("\"postgres\""),
        "{}",
        pg_export.lines().next().unwrap()
    );
    assert_eq!(
        export_rows(&pg_export),
        lite_rows,
        "every row must be the same on PostgreSQL"
    );
    for ((args, on_pg), (_, on_lite)) in views(&pg).into_iter().zip(views(&lite)) {
        assert_eq!(on_pg, on_lite, "chancery {args:?} reads differently");
    }
    assert_eq!(completeness(&pg)["OTTAWA"]["status"], "transmitted");

    // Importing again is refused, and changes nothing.
    pg.refused(&["import-all", export], &["not empty"]);
    // The moved database keeps working: a write continues the chain on both sides alike.
    for db in [&*pg, &lite] {
        db.ok(&[
            "--as",
            "london.drafter",
            "report",
            "comment",
            T,
            "LONDON",
            "Please add the 2024 figures.",
        ]);
        db.ok(&["audit", "verify"]);
    }
    let moved: Vec<String> = pg
        .export_rows()
        .into_iter()
        .filter(|l| !l.contains("\"audit_events\""))
        .collect();
    let stayed: Vec<String> = lite
        .export_rows()
        .into_iter()
        .filter(|l| !l.contains("\"audit_events\""))
        .collect();
    // The comment row (its id continues after the imported ones) is the same, bar its time.
    let strip_time = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .map(|l| {
                let mut v: Value = serde_json::from_str(&l).unwrap();
                if v["table"] == "comments" {
                    v["row"]["created_at"] = Value::Null;
                }
                v.to_string()
            })
            .collect()
    };
    assert_eq!(strip_time(moved), strip_time(stayed));
}

/// `backup` on PostgreSQL writes a portable export; `restore` brings it back into a fresh
/// PostgreSQL database or an SQLite file; restores into a database in use are refused.
#[test]
fn postgresql_backup_and_restore() {
    let Some(pg) = PgDb::new("postgresql_backup_and_restore") else {
        return;
    };
    pg.build_demo();
    let original = pg.export_rows();
    let backup = pg.dir.path().join("pg-backup.jsonl");
    let backup = path_str(&backup);
    let run = pg.ok(&["backup", "-o", backup]);
    assert!(run.stdout.contains("restore"), "{}", run.stdout);
    pg.refused(&["backup", "-o", backup], &[backup, "already exists"]);

    // Into a second, fresh PostgreSQL database.
    let Some(other) = PgDb::new("postgresql_backup_and_restore") else {
        return;
    };
    other.ok(&["restore", backup]);
    assert_eq!(other.export_rows(), original);
    other.ok(&["audit", "verify"]);
    // Into SQLite.
    let lite = Db::empty();
    lite.ok(&["restore", backup]);
    assert_eq!(lite.export_rows(), original);
    lite.ok(&["audit", "verify"]);

    // A database in use is never overwritten, and --force cannot empty a PostgreSQL database.
    other.refused(&["restore", backup], &["not empty"]);
    other.refused(&["restore", backup, "--force"], &["--force", "PostgreSQL"]);
    // An SQLite backup file is for SQLite: the way to PostgreSQL is an export.
    let lite_backup = lite.dir.path().join("lite.db");
    lite.ok(&["backup", "-o", path_str(&lite_backup)]);
    let fresh = PgDb::new("postgresql_backup_and_restore").unwrap();
    fresh.ok(&["migrate"]);
    fresh.refused(
        &["restore", path_str(&lite_backup)],
        &["lite.db", "SQLite", "export"],
    );
    // A truncated or damaged export is never half-restored on PostgreSQL either.
    let text = std::fs::read_to_string(backup).unwrap();
    let cut_mid = fresh.file("cut.jsonl", &text[..text.len() / 2]);
    let lines: Vec<&str> = text.lines().collect();
    let at_boundary: String = lines[..lines.len() - 5]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    let cut_line = fresh.file("boundary.jsonl", &at_boundary);
    for file in [&cut_mid, &cut_line] {
        let file = path_str(file);
        fresh.refused(&["restore", file], &[file]);
        fresh.refused(&["import-all", file], &[file]);
    }
    assert!(pg_bool(
        &fresh.url,
        "SELECT NOT EXISTS (SELECT 1 FROM audit_events)"
    ));
    fresh.ok(&["restore", backup]);
    assert_eq!(fresh.export_rows(), original);
}

/// `demo --no-serve` works straight on an empty PostgreSQL database, and refuses one in use.
#[test]
fn the_demo_runs_on_postgresql() {
    let Some(pg) = PgDb::new("the_demo_runs_on_postgresql") else {
        return;
    };
    // With a password in the URL when the server lets that in (a server that trusts local
    // logins ignores it): the demo names the database but never prints the password.
    let with_password = pg
        .url
        .replacen("://postgres@", &format!("://postgres:{PASSWORD}@"), 1);
    let accepted = with_password != pg.url
        && !Db {
            dir: tempfile::tempdir().unwrap(),
            path: std::path::PathBuf::from("/nonexistent/not-used.db"),
            url: with_password.clone(),
        }
        .run(&["migrate"])
        .stderr
        .contains("cannot connect");
    let run = if accepted {
        let content = common::content_dir();
        let run = Db {
            dir: tempfile::tempdir().unwrap(),
            path: std::path::PathBuf::from("/nonexistent/not-used.db"),
            url: with_password,
        }
        .ok(&["demo", "--no-serve", "--content", path_str(&content)]);
        assert!(run.stdout.contains(":***@"), "{}", run.stdout);
        run
    } else {
        eprintln!("the server does not take this URL with a password: demo without one");
        pg.build_demo()
    };
    assert!(!run.stdout.contains(PASSWORD), "{}", run.stdout);
    assert!(run.stdout.contains(&pg.name), "the demo names its database");
    let posts = completeness(&pg);
    assert_eq!(posts["OTTAWA"]["status"], "transmitted", "{posts:?}");
    pg.ok(&["audit", "verify"]);

    // The PostgreSQL snapshot sees a change, so "unchanged" below means something.
    let before = pg.snapshot();
    assert!(before.rows("audit_events") > 100);
    assert!(!before.tables["pg:triggers"].is_empty());
    pg.ok(&[
        "--as",
        "london.drafter",
        "report",
        "comment",
        T,
        "LONDON",
        "More.",
    ]);
    let after = pg.snapshot();
    assert_eq!(after.rows("comments"), before.rows("comments") + 1);
    assert_ne!(before.digest(), after.digest());

    // A server database is never dropped by the demo: one in use is refused.
    let content = common::content_dir();
    pg.refused(
        &["demo", "--no-serve", "--content", path_str(&content)],
        &[],
    );
}

const PASSWORD: &str = "Pw-s3cret-9d1e";

/// Runs a few commands against `url`: each fails with one line naming `target`, and never the
/// password, on stdout or stderr.
fn refused_without_password(url: &str, target: &str) {
    let db = Db {
        dir: tempfile::tempdir().unwrap(),
        path: std::path::PathBuf::from("/nonexistent/not-used.db"),
        url: url.to_string(),
    };
    let export = db.file("x.jsonl", "{}\n");
    let export = path_str(&export);
    let out = db.dir.path().join("out.jsonl");
    for args in [
        &["audit", "verify"][..],
        &["migrate"],
        &["export"],
        &["backup", "-o", path_str(&out)],
        &["import-all", export],
        &["restore", export],
        &["grant-app-role", "chancery_app"],
        &["--as", "hq.editor", "tasking", "list"],
    ] {
        // `failed` checks stdout is empty and stderr is this one line.
        let line = db.failed(args, &[target, "PostgreSQL"]);
        assert!(
            !line.contains(PASSWORD),
            "chancery {args:?} printed the password: {line}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn an_unreachable_server_is_named_without_the_password() {
    // Port 1 on loopback: nothing listens there (no test server needed).
    refused_without_password(
        &format!("postgres://chancery:{PASSWORD}@127.0.0.1:1/chancery"),
        "127.0.0.1:1/chancery",
    );
}

#[test]
fn a_missing_database_or_role_is_named_without_the_password() {
    let Some(admin) = common::postgres_admin_url("a_missing_database_or_role") else {
        return;
    };
    let opts: sqlx::postgres::PgConnectOptions = admin.parse().unwrap();
    let server = format!("{}:{}", opts.get_host(), opts.get_port());
    let user = opts.get_username().to_string();

    // A database that does not exist.
    let missing = unique_name("no_such_db");
    refused_without_password(
        &format!("postgres://{user}:{PASSWORD}@{server}/{missing}"),
        &format!("{server}/{missing}"),
    );
    // A role that does not exist.
    let db = opts.get_database().unwrap_or("postgres");
    refused_without_password(
        &format!("postgres://no_such_role_x:{PASSWORD}@{server}/{db}"),
        &format!("{server}/{db}"),
    );
}

/// A role that must give a password (scram-sha-256) on the test server, as a URL without the
/// password: `CHANCERY_TEST_POSTGRES_SCRAM`, set by `.ci/run` (see README, "Tests").
const SCRAM_VAR: &str = "CHANCERY_TEST_POSTGRES_SCRAM";

#[test]
fn a_wrong_password_is_refused_naming_host_and_port_without_the_password() {
    let Ok(url) = std::env::var(SCRAM_VAR) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {SCRAM_VAR} is not set: the wrong-password test must run in CI"
        );
        eprintln!(
            "skipping a_wrong_password_is_refused: set {SCRAM_VAR} to postgres://ROLE@HOST:PORT/DB for a role the server asks a password of (scram-sha-256)"
        );
        return;
    };
    let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let server = format!("{}:{}", opts.get_host(), opts.get_port());
    let db = opts.get_database().unwrap_or("postgres");
    let user = opts.get_username();
    let wrong = format!("postgres://{user}:{PASSWORD}@{server}/{db}");
    // The server really asks this role for a password and refuses this one.
    let probe = Db {
        dir: tempfile::tempdir().unwrap(),
        path: std::path::PathBuf::from("/nonexistent/not-used.db"),
        url: wrong.clone(),
    };
    let run = probe.run(&["post", "list"]);
    assert_ne!(run.code, Some(0), "a wrong password was accepted");
    assert!(
        run.stderr.contains("password authentication failed"),
        "{}",
        run.stderr
    );
    // Every command says which server refused, never the password, and exits non-zero.
    refused_without_password(&wrong, &format!("{server}/{db}"));
}

/// Drops a cluster-wide role when the test ends (after the database that holds its grants).
struct Role {
    admin_url: String,
    name: String,
}

impl Drop for Role {
    fn drop(&mut self) {
        let r = pg_sql(
            &self.admin_url,
            &[&format!("DROP ROLE IF EXISTS {}", self.name)],
        );
        if let Err(e) = &r[0] {
            eprintln!("could not drop role {}: {e}", self.name);
        }
    }
}

#[test]
fn grant_app_role_on_postgresql() {
    let Some(admin) = common::postgres_admin_url("grant_app_role_on_postgresql") else {
        return;
    };
    let name = unique_name("chancery_app");
    let made = pg_sql(&admin, &[&format!("CREATE ROLE {name} LOGIN")]);
    assert!(made[0].is_ok(), "{made:?}");
    // Declared before the database, so dropped after it (the grants go with the database).
    let _role = Role {
        admin_url: admin.clone(),
        name: name.clone(),
    };
    let pg = PgDb::new("grant_app_role_on_postgresql").unwrap();
    pg.ok(&["migrate"]);

    // Invalid names are refused before anything is granted; so is a role that does not exist.
    for bad in [
        "",
        "Chancery",
        "app-server",
        "9lives",
        "x; DROP TABLE users",
        "app\"",
    ] {
        let line = pg.refused(&["grant-app-role", bad], &["role"]);
        assert!(line.contains("invalid role name"), "{bad:?}: {line}");
        assert!(!line.starts_with("import"), "{line}");
    }
    pg.refused(
        &["grant-app-role", "no_such_role_at_all"],
        &["no_such_role_at_all"],
    );

    let run = pg.ok(&["grant-app-role", &name]);
    assert!(run.stdout.contains(&name), "{}", run.stdout);
    let may = |table: &str, privilege: &str| {
        pg_bool(
            &pg.url,
            &format!("SELECT has_table_privilege('{name}', '{table}', '{privilege}')"),
        )
    };
    for table in ["audit_events", "report_versions", "section_revisions"] {
        assert!(may(table, "SELECT") && may(table, "INSERT"), "{table}");
        for privilege in ["UPDATE", "DELETE", "TRUNCATE"] {
            assert!(!may(table, privilege), "{name} may {privilege} {table}");
        }
    }
    for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
        assert!(
            may("reports", privilege),
            "{name} may not {privilege} reports"
        );
    }
    // Granting again is harmless.
    pg.ok(&["grant-app-role", &name]);
}
