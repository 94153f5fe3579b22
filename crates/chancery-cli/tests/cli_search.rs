//! `chancery search` end to end (issue 6): searching as users of different clearances, bad
//! input, `search reindex`, and crash consistency: a `chancery serve` child killed while its
//! index catches up is restarted, catches up, and its index then equals one built afresh from
//! the database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chancery_domain::audit::AuditRecord;
use chancery_domain::evidence::{SourceKind, SourceSpec};
use chancery_search::{Lang, SearchIndex};
use chancery_store::{Capture, OpenMode, Store};
use common::Db;

#[test]
fn search_as_users_of_different_clearances() {
    let db = Db::demo();
    let as_json = |user: &str| {
        let run = db.run(&["--as", user, "--json", "search", "\"Safe Third Country\""]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.json()
    };
    let drafter = as_json("ottawa.drafter");
    let reader = as_json("reader");
    let hq = as_json("hq.editor");
    let paragraphs = |v: &serde_json::Value| {
        v["facets"]["kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["value"] == "paragraph")
            .map_or(0, |f| f["count"].as_u64().unwrap())
    };
    assert!(paragraphs(&drafter) >= 2, "{drafter}");
    assert_eq!(paragraphs(&hq), paragraphs(&drafter));
    assert_eq!(paragraphs(&reader), paragraphs(&drafter));
    for v in [&drafter, &reader, &hq] {
        assert_eq!(
            v["total"].as_u64().unwrap(),
            v["hits"].as_array().unwrap().len() as u64
        );
    }
    // Text output names the results and highlights matches.
    let text = db.run(&["--as", "reader", "search", "Safe", "Third", "Country"]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert!(
        text.stdout.contains("results for Safe Third Country"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("*Safe*"), "{}", text.stdout);
}

#[test]
fn bad_search_input_is_refused_with_a_clear_message() {
    let db = Db::demo();
    let long = "word ".repeat(90);
    for (args, needle) in [
        (vec!["search", "\"safe third"], "is not closed"),
        (
            vec!["search", "the", "of", "and"],
            "only holds common words",
        ),
        (vec!["search", long.as_str()], "at most 400"),
        (
            vec!["search", "migration", "--filter", "colour=red"],
            "unknown filter",
        ),
        (
            vec!["search", "migration", "--filter", "classification=TS"],
            "expected one of U, SBU, C, S",
        ),
        (
            vec!["search", "migration", "--page", "999"],
            "beyond the last page",
        ),
        (
            vec!["search", "migration", "--per-page", "1000"],
            "per_page",
        ),
        (vec!["search", "--", "-migration"], "only excludes"),
    ] {
        let mut full = vec!["--as", "reader"];
        full.extend(args.iter().copied());
        let run = db.run(&full);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stdout);
        let line = run.stderr.lines().last().unwrap_or("");
        assert!(
            line.starts_with("error: ") && line.contains(needle),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = db.run(&["search", "migration"]);
    assert!(run.stderr.contains("--as"), "{}", run.stderr);
}

/// A running `chancery serve`, its standard error collected by a thread.
struct Server {
    child: Child,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    fn start(db: &Db) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chancery"))
            .args(["--database", &db.url, "serve", "--bind", "127.0.0.1:0"])
            .env_remove("CHANCERY_DATABASE")
            .env_remove("CHANCERY_SEARCH_INDEX")
            .env("RUST_LOG", "info")
            .current_dir(db.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        Server { child, log }
    }

    fn wait_for_log(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.contains(needle) {
                return log;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "no {needle:?} in:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Ctrl-C: a graceful stop.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        self.child.wait().unwrap();
        let mut rest = String::new();
        let _ = self
            .child
            .stderr
            .take()
            .map(|mut s| s.read_to_string(&mut rest));
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Adds `n` sources (each its own write transaction, so `n` outbox rows).
fn add_sources(db: &Db, n: usize) {
    rt().block_on(async {
        let store = Store::open_path(&db.path, OpenMode::Existing)
            .await
            .unwrap();
        for i in 0..n {
            let spec = SourceSpec {
                kind: SourceKind::NewsReport,
                publisher: format!("Crash Test Gazette {}", i % 17),
                title: format!("Reception capacity bulletin number {i}"),
                url: None,
                published: None,
                language: ["en", "fr", "de"][i % 3].into(),
                marking: chancery_domain::Classification::Unclassified,
                derived_from: None,
            };
            let capture = Capture {
                name: format!("bulletin-{i}.txt"),
                media_type: "text/plain".into(),
                bytes: format!("Bulletin {i}: reception centres report occupancy figures.")
                    .into_bytes(),
            };
            let audit =
                AuditRecord::new("admin", "source.add", "source", "", serde_json::json!({}));
            store
                .insert_source(&spec, Some(&capture), "admin", &audit)
                .await
                .unwrap();
        }
        store.close().await;
    });
}

fn index_dir(db: &Db) -> std::path::PathBuf {
    db.dir.path().join("chancery.db.search")
}

fn committed_seq(dir: &Path) -> i64 {
    SearchIndex::read_state(dir).unwrap().seq
}

#[test]
fn a_server_killed_mid_indexing_catches_up_on_restart_and_equals_the_database() {
    let db = Db::demo();
    let dir = index_dir(&db);

    // No index yet: the server builds one and says so.
    let server = Server::start(&db);
    server.wait_for_log("search index rebuilt from the database");
    server.stop();
    let (head0, store_head) = rt().block_on(async {
        let store = Store::open_path(&db.path, OpenMode::Existing)
            .await
            .unwrap();
        (
            committed_seq(&dir),
            store.search_outbox_head().await.unwrap(),
        )
    });
    assert_eq!(head0, store_head);

    // Thousands of changes to catch up on, committed in batches: kill the server between two.
    add_sources(&db, 4000);
    let head = rt().block_on(async {
        Store::open_path(&db.path, OpenMode::Existing)
            .await
            .unwrap()
            .search_outbox_head()
            .await
            .unwrap()
    });
    let server = Server::start(&db);
    let start = Instant::now();
    let killed_at = loop {
        let seq = committed_seq(&dir);
        if seq > head0 && seq < head {
            server.kill();
            break seq;
        }
        assert!(
            seq < head,
            "the server caught up on all {} changes before it could be killed mid-way",
            head - head0
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(killed_at > head0 && killed_at < head);
    assert_eq!(
        committed_seq(&dir),
        killed_at,
        "what was committed stays committed"
    );

    // Restarted, it applies the rest and logs it.
    let server = Server::start(&db);
    let log = server.wait_for_log("search index caught up");
    server.stop();
    assert!(log.contains(&format!("seq={head}")), "{log}");
    assert_eq!(committed_seq(&dir), head);

    // The index equals one built from the database now.
    rt().block_on(async {
        let store = Store::open_path(&db.path, OpenMode::Existing)
            .await
            .unwrap();
        let fresh = SearchIndex::in_memory(Lang::En).unwrap();
        fresh.rebuild(&store).await.unwrap();
        let on_disk = SearchIndex::open_dir(&dir, Lang::En).unwrap();
        let want = fresh.fingerprint().unwrap();
        assert!(want.len() > 4000);
        assert_eq!(on_disk.fingerprint().unwrap(), want);
    });
}

#[test]
fn reindex_rebuilds_and_reports() {
    let db = Db::demo();
    let run = db.run(&["--json", "search", "reindex"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let v = run.json();
    assert!(v["documents"].as_u64().unwrap() > 50, "{v}");
    assert!(index_dir(&db).join("meta.json").exists());
}

#[test]
fn the_report_language_is_a_setting_and_changing_it_rebuilds_the_index() {
    let db = Db::demo();
    // An unsupported code is refused before anything runs, naming the flag and the choices.
    let bad = db.run(&[
        "--report-language",
        "xx",
        "--as",
        "reader",
        "search",
        "migration",
    ]);
    assert_eq!(bad.code, Some(2), "{}", bad.stdout);
    assert!(
        bad.stderr.contains("--report-language")
            && bad
                .stderr
                .contains("give one of en, fr, de, it, es, sv, nl"),
        "{}",
        bad.stderr
    );
    // In English, "the" is a stop word; in a French deployment it is an ordinary word, and
    // the index (built in English first) is rebuilt in French, which the run says.
    let en = db.run(&["--as", "reader", "search", "the"]);
    assert_eq!(en.code, Some(1));
    assert!(
        en.stderr.contains("only holds common words"),
        "{}",
        en.stderr
    );
    let fr = db.run(&[
        "--report-language",
        "fr",
        "--as",
        "reader",
        "--json",
        "search",
        "the",
    ]);
    assert_eq!(fr.code, Some(0), "{}", fr.stderr);
    assert!(
        fr.stderr.contains("built from the database"),
        "{}",
        fr.stderr
    );
    assert!(fr.json()["total"].as_u64().unwrap() > 0, "{}", fr.stdout);
    // Back in English: rebuilt again, and "the" is a stop word again.
    let again = db.run(&["--as", "reader", "search", "the"]);
    assert!(
        again.stderr.contains("built from the database"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("only holds common words"),
        "{}",
        again.stderr
    );
}
