//! Helpers for the end-to-end tests: run the `chancery` binary against a database in a temporary
//! folder, and dump that database (every table in `sqlite_master`) to prove a refused command
//! changed nothing.

// Each test binary uses a different subset of these helpers, and like the tests they panic on
// failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

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
        let after = self.snapshot();
        before.assert_same(&after, &format!("chancery {args:?}"));
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
        snapshot(&self.path)
    }

    /// Runs SQL statements directly (tampering, probing triggers); the result of each.
    pub fn sql(&self, statements: &[&str]) -> Vec<Result<u64, String>> {
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
