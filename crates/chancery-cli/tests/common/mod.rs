//! Helpers for the end-to-end tests: run the `chancery` binary against a database in a temporary
//! folder, and dump that database (every table in `sqlite_master`, or on PostgreSQL every table,
//! column, index, trigger and grant of the schema) to prove a refused command changed nothing.

// Each test binary uses a different subset of these helpers, and like the tests they panic on
// failure.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};

/// The demo's tasking.
pub const DEMO_TASKING: &str = "CHN-2026-0001";

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The shipped content folder.
pub fn content_dir() -> PathBuf {
    workspace().join("content")
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The arguments after `--database URL`, for messages.
    pub args: Vec<String>,
    /// Exit code (None if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "chancery {:?}: stdout is not JSON ({e}):\n{}",
                self.args, self.stdout
            )
        })
    }

    /// The single error line on stderr, without the `error: ` prefix. Fails unless stderr is
    /// exactly one line starting with `error: `.
    pub fn error_line(&self) -> &str {
        let text = self.stderr.strip_suffix('\n').unwrap_or(&self.stderr);
        assert!(
            !text.contains('\n'),
            "chancery {:?}: the error must be one line, got:\n{}",
            self.args,
            self.stderr
        );
        text.strip_prefix("error: ").unwrap_or_else(|| {
            panic!(
                "chancery {:?}: stderr must start with `error: `, got:\n{}",
                self.args, self.stderr
            )
        })
    }
}

/// A database file in its own temporary folder.
#[derive(Debug)]
pub struct Db {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// The database file.
    pub path: PathBuf,
    /// `sqlite:PATH`.
    pub url: String,
}

impl Db {
    /// A database path that does not exist yet.
    pub fn empty() -> Db {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("chancery.db");
        let url = format!("sqlite:{}", path.display());
        Db { dir, path, url }
    }

    /// `init` with the shipped content, then the first admin (`admin`, clearance S).
    pub fn initialised() -> Db {
        let db = Db::empty();
        let content = content_dir();
        db.ok(&["init", "--content", content.to_str().expect("utf-8 path")]);
        db.ok(&[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--clearance",
            "S",
        ]);
        db
    }

    /// The demo database (`demo --no-serve`).
    pub fn demo() -> Db {
        let db = Db::empty();
        db.build_demo();
        db
    }

    /// Runs `demo --no-serve` on this database.
    pub fn build_demo(&self) -> Run {
        let content = content_dir();
        self.ok(&[
            "demo",
            "--no-serve",
            "--content",
            content.to_str().expect("utf-8 path"),
        ])
    }

    /// Runs `chancery --database URL ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// Runs the binary with `stdin` piped in.
    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chancery"))
            .arg("--database")
            .arg(&self.url)
            .args(args)
            .env_remove("CHANCERY_DATABASE")
            .env("RUST_BACKTRACE", "0")
            .current_dir(self.dir.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the chancery binary runs");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin is piped")
                .write_all(text.as_bytes())
                .expect("stdin is written");
        }
        let out = child.wait_with_output().expect("chancery finishes");
        Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts exit code 0 with nothing on stderr.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(0),
            "chancery {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        assert_eq!(run.stderr, "", "chancery {args:?} wrote to stderr");
        run
    }

    /// Runs a command that must be refused: exit code 1, nothing on stdout, exactly one
    /// `error: …` line on stderr containing every `needle`, and the database unchanged (every
    /// table, the schema and the number of audit events). Returns the error line.
    pub fn refused(&self, args: &[&str], needles: &[&str]) -> String {
        let before = self.snapshot();
        let line = self.failed(args, needles);
        let after = self.snapshot();
        before.assert_same(&after, &format!("chancery {args:?}"));
        line
    }

    /// Like [`Db::refused`] without the snapshot, for a database that cannot be read (an
    /// unreachable server, a file that does not exist). Returns the error line.
    pub fn failed(&self, args: &[&str], needles: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(1),
            "chancery {args:?} must fail with exit code 1:\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        assert_eq!(
            run.stdout, "",
            "chancery {args:?} must print nothing on stdout when refused"
        );
        let line = run.error_line().to_string();
        for needle in needles {
            assert!(
                line.contains(needle),
                "chancery {args:?}: the error should mention {needle:?}, got: {line}"
            );
        }
        line
    }

    /// Writes a file next to the database and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("test file is written");
        path
    }

    /// Every table of the database, dumped.
    pub fn snapshot(&self) -> Snapshot {
        if self.is_postgres() {
            pg_snapshot(&self.url)
        } else {
            snapshot(&self.path)
        }
    }

    /// The rows of `export` on standard output, without the header line (which names the
    /// backend), so two databases with equal content give equal lists.
    pub fn export_rows(&self) -> Vec<String> {
        export_rows(&self.ok(&["export"]).stdout)
    }

    /// Runs SQL statements directly (tampering, probing triggers); the result of each.
    pub fn sql(&self, statements: &[&str]) -> Vec<Result<u64, String>> {
        if self.is_postgres() {
            return pg_sql(&self.url, statements);
        }
        let path = self.path.clone();
        let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        block_on(async move {
            let mut conn = connect(&path).await;
            let mut results = Vec::new();
            for s in &statements {
                results.push(
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s.as_str()))
                        .execute(&mut conn)
                        .await
                        .map(|r| r.rows_affected())
                        .map_err(|e| e.to_string()),
                );
            }
            conn.close().await.expect("connection closes");
            results
        })
    }

    /// One integer from a query.
    pub fn count(&self, query: &str) -> i64 {
        if self.is_postgres() {
            return pg_scalar(&self.url, query);
        }
        let path = self.path.clone();
        let query = query.to_string();
        block_on(async move {
            let mut conn = connect(&path).await;
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str()))
                .fetch_one(&mut conn)
                .await
                .expect("count query runs");
            conn.close().await.expect("connection closes");
            n
        })
    }

    /// Observations stored, over every vintage (each block counts its own).
    pub fn observations(&self) -> i64 {
        self.count("SELECT CAST(COALESCE(SUM(observations), 0) AS BIGINT) FROM observation_blocks")
    }

    /// Whether the database is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// The number of audit events.
    pub fn audit_events(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM audit_events")
    }
}

/// A dump of a database: the schema (`sqlite_master`) and every row of every table, each row
/// rendered with SQL `quote()` and the rows sorted, so two dumps are equal exactly when the
/// content is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Table name to sorted rows; the schema is under `sqlite_master`.
    pub tables: BTreeMap<String, Vec<String>>,
}

impl Snapshot {
    /// SHA-256 over the whole dump.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (table, rows) in &self.tables {
            h.update(table.as_bytes());
            h.update(b"\n");
            for r in rows {
                h.update(r.as_bytes());
                h.update(b"\n");
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Rows in one table.
    pub fn rows(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, Vec::len)
    }

    /// Fails, naming the tables that differ, unless `other` is the same.
    pub fn assert_same(&self, other: &Snapshot, what: &str) {
        if self == other {
            return;
        }
        let mut diffs = Vec::new();
        let names: std::collections::BTreeSet<&String> =
            self.tables.keys().chain(other.tables.keys()).collect();
        for name in names {
            let a = self.tables.get(name).cloned().unwrap_or_default();
            let b = other.tables.get(name).cloned().unwrap_or_default();
            if a != b {
                let gone: Vec<&String> = a.iter().filter(|r| !b.contains(r)).take(3).collect();
                let new: Vec<&String> = b.iter().filter(|r| !a.contains(r)).take(3).collect();
                diffs.push(format!(
                    "{name}: {} -> {} rows; removed {gone:?}; added {new:?}",
                    a.len(),
                    b.len()
                ));
            }
        }
        panic!("{what} changed the database:\n{}", diffs.join("\n"));
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

async fn connect(path: &Path) -> SqliteConnection {
    assert!(path.exists(), "{} does not exist", path.display());
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false);
    SqliteConnection::connect_with(&options)
        .await
        .expect("test connection opens")
}

/// Dumps every table listed in `sqlite_master`.
pub fn snapshot(path: &Path) -> Snapshot {
    let path = path.to_path_buf();
    block_on(async move {
        let mut conn = connect(&path).await;
        let mut tables = BTreeMap::new();
        let schema: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
        )
        .fetch_all(&mut conn)
        .await
        .expect("schema is read");
        let names: Vec<String> = schema
            .iter()
            .filter(|(kind, ..)| kind == "table")
            .map(|(_, name, ..)| name.clone())
            .collect();
        tables.insert(
            "sqlite_master".to_string(),
            schema.iter().map(|row| format!("{row:?}")).collect(),
        );
        for name in names {
            let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA table_info(\"{name}\")"
            )))
            .fetch_all(&mut conn)
            .await
            .expect("columns are read")
            .iter()
            .map(|r| r.get::<String, _>("name"))
            .collect();
            assert!(!columns.is_empty(), "table {name} has no columns");
            let expr = columns
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT {expr} FROM \"{name}\""
            )))
            .fetch_all(&mut conn)
            .await
            .expect("rows are read");
            rows.sort();
            tables.insert(name, rows);
        }
        conn.close().await.expect("connection closes");
        Snapshot { tables }
    })
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sections of a `report show --json` view: key to the list of (marking, withheld, markdown).
pub fn portions(report: &Value) -> Vec<(String, String, bool, String)> {
    let mut out = Vec::new();
    for s in report["sections"].as_array().expect("sections array") {
        let key = s["key"].as_str().expect("section key").to_string();
        for p in s["portions"].as_array().expect("portions array") {
            out.push((
                key.clone(),
                p["marking"].as_str().expect("marking").to_string(),
                p["withheld"].as_bool().expect("withheld flag"),
                p["markdown"].as_str().expect("markdown").to_string(),
            ));
        }
    }
    out
}

/// The lines of an export after its header.
pub fn export_rows(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    let header = lines.next().expect("an export has a header line");
    assert!(
        header.contains("\"chancery_export\""),
        "not a header: {header}"
    );
    lines.map(str::to_string).collect()
}

pub use chancery_testkit::{postgres_admin_url, unique_name};

/// Runs SQL statements on a PostgreSQL database; the result of each.
pub fn pg_sql(url: &str, statements: &[&str]) -> Vec<Result<u64, String>> {
    let url = url.to_string();
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    block_on(async move {
        let mut conn = sqlx::PgConnection::connect(&url)
            .await
            .expect("test connection to PostgreSQL opens");
        let mut results = Vec::new();
        for s in &statements {
            results.push(
                sqlx::raw_sql(sqlx::AssertSqlSafe(s.as_str()))
                    .execute(&mut conn)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(|e| e.to_string()),
            );
        }
        conn.close().await.expect("connection closes");
        results
    })
}

/// One boolean from a query on a PostgreSQL database.
pub fn pg_bool(url: &str, query: &str) -> bool {
    pg_scalar(url, query)
}

/// One value from a query on a PostgreSQL database.
pub fn pg_scalar<T>(url: &str, query: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let url = url.to_string();
    let query = query.to_string();
    block_on(async move {
        let mut conn = sqlx::PgConnection::connect(&url)
            .await
            .expect("test connection to PostgreSQL opens");
        let value: T = sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str()))
            .fetch_one(&mut conn)
            .await
            .expect("query runs");
        conn.close().await.expect("connection closes");
        value
    })
}

/// A fresh, empty PostgreSQL database on the test server, dropped when this is dropped.
/// Dereferences to a [`Db`] whose URL points at it, so `run`, `ok`, `refused` and `snapshot`
/// work as on SQLite; files go in the [`Db`]'s temporary folder.
#[derive(Debug)]
pub struct PgDb {
    db: Db,
    /// The database on the server (dropped last, after the [`Db`]).
    pub database: chancery_testkit::PgDatabase,
    /// The database name.
    pub name: String,
}

impl PgDb {
    /// A new empty database, or `None` when no server is configured (see
    /// [`postgres_admin_url`]).
    pub fn new(test: &str) -> Option<PgDb> {
        let database = chancery_testkit::PgDatabase::create_blocking(test)?;
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("not-used.db");
        Some(PgDb {
            db: Db {
                dir,
                path,
                url: database.url().to_string(),
            },
            name: database.name().to_string(),
            database,
        })
    }
}

impl std::ops::Deref for PgDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

/// Dumps a PostgreSQL database: every row of every table of the current schema (each row as
/// its text form, sorted), plus its columns, indexes, triggers and table grants.
pub fn pg_snapshot(url: &str) -> Snapshot {
    let url = url.to_string();
    block_on(async move {
        let mut conn = sqlx::PgConnection::connect(&url)
            .await
            .expect("test connection to PostgreSQL opens");
        let mut tables = BTreeMap::new();
        let catalog = [
            (
                "pg:columns",
                "SELECT concat_ws('|', table_name, column_name, data_type, is_nullable, column_default)
                 FROM information_schema.columns WHERE table_schema = current_schema()",
            ),
            (
                "pg:indexes",
                "SELECT concat_ws('|', tablename, indexname, indexdef) FROM pg_indexes
                 WHERE schemaname = current_schema()",
            ),
            (
                "pg:triggers",
                "SELECT concat_ws('|', event_object_table, trigger_name, event_manipulation, action_statement)
                 FROM information_schema.triggers WHERE trigger_schema = current_schema()",
            ),
            (
                "pg:grants",
                "SELECT concat_ws('|', grantee, table_name, privilege_type)
                 FROM information_schema.role_table_grants WHERE table_schema = current_schema()",
            ),
        ];
        for (key, sql) in catalog {
            let mut rows: Vec<String> = sqlx::query_scalar(sql)
                .fetch_all(&mut conn)
                .await
                .expect("catalog is read");
            rows.sort();
            tables.insert(key.to_string(), rows);
        }
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("tables are listed");
        for name in names {
            let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT t::text FROM \"{name}\" t"
            )))
            .fetch_all(&mut conn)
            .await
            .expect("rows are read");
            rows.sort();
            tables.insert(name, rows);
        }
        conn.close().await.expect("connection closes");
        Snapshot { tables }
    })
}
