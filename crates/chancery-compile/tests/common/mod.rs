//! Fixtures for the compiler's tests (also used by chancery-pdf's): the real app on a temp-file
//! SQLite database or a fresh PostgreSQL database (`Backend`), built through the use cases (taskings imported and issued by HQ, reports
//! drafted, cleared, transmitted and accepted by the right people), never by hand-written SQL.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chancery_app::{App, By};
use chancery_compile::{Document, Options};
use chancery_domain::Classification;
use chancery_domain::evidence::{Grade, PartialDate, SourceKind, SourceSpec};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::Action;
use chancery_store::{OpenMode, Store};
pub use chancery_testkit::Backend;
use chancery_testkit::PgDatabase;
use tempfile::TempDir;

/// The shipped content folder.
pub fn content_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../content")).to_path_buf()
}

pub fn pc(code: &str) -> PostCode {
    PostCode::parse(code).unwrap()
}

pub fn tr(reference: &str) -> TaskingRef {
    TaskingRef::parse(reference).unwrap()
}

/// Where a test database lives; dropping it removes the database.
enum Place {
    Sqlite { _dir: TempDir },
    Postgres { _db: PgDatabase },
}

/// A migrated database on one backend.
pub struct Fixture {
    pub app: App,
    /// The database URL (`sqlite:PATH` or `postgres://…`).
    pub url: String,
    // Declared last, so the database outlives the pool.
    _place: Place,
}

impl Fixture {
    async fn bare(backend: Backend) -> Fixture {
        let (url, place) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite:{}", dir.path().join("chancery.db").display());
                (url, Place::Sqlite { _dir: dir })
            }
            Backend::Postgres => {
                let db = PgDatabase::create("the compiler suite")
                    .await
                    .expect("the PostgreSQL leg runs only when the test server is configured");
                (db.url().to_string(), Place::Postgres { _db: db })
            }
        };
        let store = Store::open(&url, OpenMode::Create).await.unwrap();
        store.migrate().await.unwrap();
        Fixture {
            app: App::new(store),
            url,
            _place: place,
        }
    }

    /// The demo database (`chancery demo`): OTTAWA transmitted, WELLINGTON in clearance, LONDON
    /// in draft.
    pub async fn demo(backend: Backend) -> Fixture {
        let f = Fixture::bare(backend).await;
        f.app.build_demo(&content_dir()).await.unwrap();
        f
    }

    /// Shipped content plus these accounts: `admin`, `hq.editor` (S), `reader` (SBU),
    /// `reader.u` (U), `ottawa.drafter` / `ottawa.approver` (S), `paris.drafter` /
    /// `paris.approver` (C).
    pub async fn staffed(backend: Backend) -> Fixture {
        let f = Fixture::bare(backend).await;
        f.app.load_content(&content_dir()).await.unwrap();
        let admin = actor("admin", Role::Admin, "S", None);
        f.app.add_user(None, &admin, None).await.unwrap();
        for (name, role, level, post) in [
            ("hq.editor", Role::HqEditor, "S", None),
            ("reader", Role::Reader, "SBU", None),
            ("reader.u", Role::Reader, "U", None),
            ("ottawa.drafter", Role::PostDrafter, "S", Some("OTTAWA")),
            ("ottawa.approver", Role::PostApprover, "S", Some("OTTAWA")),
            ("paris.drafter", Role::PostDrafter, "C", Some("PARIS")),
            ("paris.approver", Role::PostApprover, "C", Some("PARIS")),
        ] {
            f.app
                .add_user(Some(&admin), &actor(name, role, level, post), None)
                .await
                .unwrap();
        }
        f
    }

    pub async fn user(&self, name: &str) -> Actor {
        self.app.actor(name).await.unwrap()
    }

    /// Imports and issues a tasking addressed to OTTAWA and PARIS with the given sections
    /// (key, title), classified SBU.
    pub async fn tasking(&self, reference: &str, sections: &[(&str, &str)]) -> TaskingRef {
        let mut toml = format!(
            "reference = {reference:?}\nsubject = \"Test tasking\"\nclassification = \"SBU\"\nissuing_office = \"HQ\"\ndue = 2027-01-31\ntags = [\"PHUM\"]\naddressees = [\"OTTAWA\", \"PARIS\"]\nbody = \"(U) Report.\"\n"
        );
        for (key, title) in sections {
            toml.push_str(&format!(
                "\n[[sections]]\nkey = {key:?}\ntitle = {title:?}\nguidance = \"Write it.\"\n"
            ));
        }
        toml.push_str(
            "\n[[talking_points]]\nid = \"TP1\"\ntext = \"We are willing to collaborate.\"\n",
        );
        let hq = self.user("hq.editor").await;
        let (r, _) = self
            .app
            .import_tasking(By::User(&hq), "test.toml", &toml)
            .await
            .unwrap();
        self.app.issue_tasking(By::User(&hq), &r).await.unwrap();
        r
    }

    /// Records a source graded B2 by HQ; its id.
    pub async fn source(&self, title: &str, marking: Classification, graded: bool) -> i64 {
        let hq = self.user("hq.editor").await;
        let spec = SourceSpec {
            kind: SourceKind::OfficialStatistics,
            publisher: "Statistics Office".into(),
            title: title.into(),
            url: Some("https://stats.example.org/table/1".into()),
            published: Some(PartialDate::parse("2025-09").unwrap()),
            language: "en".into(),
            marking,
            derived_from: None,
        };
        let capture = chancery_store::Capture {
            name: "table.csv".into(),
            media_type: "text/csv".into(),
            bytes: format!("title,{title}\n").into_bytes(),
        };
        let id = self
            .app
            .add_source(&hq, &spec, Some(&capture))
            .await
            .unwrap();
        if graded {
            self.app
                .grade_source(&hq, id, Grade::parse("B2").unwrap(), "Official table.")
                .await
                .unwrap();
        }
        id
    }

    /// Writes a post's report and walks it to `stage` through the real workflow (transmitted
    /// with a written override when lints find anything).
    pub async fn report(
        &self,
        tasking: &TaskingRef,
        post: &str,
        sections: &[(&str, &str)],
        stage: ReportStatus,
    ) {
        let lower = post.to_ascii_lowercase();
        let drafter = self.user(&format!("{lower}.drafter")).await;
        let approver = self.user(&format!("{lower}.approver")).await;
        let hq = self.user("hq.editor").await;
        let post = pc(post);
        self.app.new_report(&drafter, tasking, &post).await.unwrap();
        for (key, md) in sections {
            self.app
                .save_section(
                    &drafter,
                    tasking,
                    &post,
                    &SectionKey::parse(key).unwrap(),
                    md,
                    None,
                )
                .await
                .unwrap();
        }
        let steps = [
            (ReportStatus::InClearance, &drafter, Action::Submit),
            (ReportStatus::Cleared, &approver, Action::Clear),
            (
                ReportStatus::Transmitted,
                &approver,
                Action::Transmit {
                    override_reason: Some(
                        "Figures to be cited in the next version; transmitted for the deadline."
                            .into(),
                    ),
                },
            ),
            (ReportStatus::Accepted, &hq, Action::Accept),
        ];
        let mut status = ReportStatus::Draft;
        for (to, who, action) in steps {
            if status == stage {
                break;
            }
            status = self
                .app
                .act(who, tasking, &post, &action)
                .await
                .unwrap()
                .status;
            assert_eq!(status, to);
        }
    }

    /// Compiles as `user`.
    pub async fn compile(&self, user: &str, tasking: &TaskingRef, options: &Options) -> Document {
        let actor = self.user(user).await;
        chancery_compile::compile(&self.app, &actor, tasking, options)
            .await
            .unwrap()
    }
}

fn actor(name: &str, role: Role, level: &str, post: Option<&str>) -> Actor {
    Actor::new(
        Username::parse(name).unwrap(),
        role,
        Classification::parse(level).unwrap(),
        post.map(pc),
    )
    .unwrap()
}

/// Secret and confidential text that must never reach a reader cleared below it.
pub const SECRET: &str = "ZEBRA-SECRET-7431";
pub const CONFIDENTIAL: &str = "OKAPI-CONFIDENTIAL-2209";

/// A tasking with OTTAWA accepted (paragraphs U, SBU, C and S, citing sources marked U, SBU and
/// S, one source deleted after transmission) and PARIS transmitted. Returns the reference and
/// the ids of the sources (u, sbu, secret).
pub async fn mixed(f: &Fixture) -> (TaskingRef, [i64; 3]) {
    let t = f
        .tasking(
            "CHN-2026-0100",
            &[("summary", "Summary"), ("public_safety", "Public safety")],
        )
        .await;
    let u = f
        .source("Population estimates", Classification::Unclassified, true)
        .await;
    let sbu = f
        .source(
            "Internal working table",
            Classification::SensitiveButUnclassified,
            true,
        )
        .await;
    let s = f
        .source("Liaison report", Classification::Secret, true)
        .await;
    let gone = f
        .source("Withdrawn release", Classification::Unclassified, false)
        .await;
    let summary = format!(
        "(U) Arrivals rose to 4,200 in 2024 [@S{u}, p. 4].\n\n(SBU) The post judges the trend durable [@S{sbu}] [@S{u}].\n\n(C) {CONFIDENTIAL} the ministry expects a revision.\n\n(S) {SECRET} according to a liaison partner [@S{s}]."
    );
    let safety = format!("(U) A withdrawn release put the figure at 12 [@S{gone}].");
    f.report(
        &t,
        "OTTAWA",
        &[("summary", &summary), ("public_safety", &safety)],
        ReportStatus::Accepted,
    )
    .await;
    f.report(
        &t,
        "PARIS",
        &[("summary", "(U) Nothing to add since the last report.")],
        ReportStatus::Transmitted,
    )
    .await;
    delete_source(f, gone).await;
    (t, [u, sbu, s])
}

/// Deletes a source row behind the app's back, as an operator purging it would.
pub async fn delete_source(f: &Fixture, id: i64) {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&f.url).await.unwrap();
    sqlx::query("DELETE FROM sources WHERE id = $1")
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}
