//! Fixtures for the app-layer tests: the real [`App`] on a fresh database of the backend a test
//! runs on (a temp-file SQLite database, or a fresh PostgreSQL database on the server named by
//! `CHANCERY_TEST_POSTGRES`) with the shipped `content/` loaded and one account per role, plus
//! builders for taskings, reports and records (STYLE "Tests": builders, not hand-written SQL).

use std::fmt::Write as _;
use std::path::Path;

use chancery_app::{App, AppResult};
use chancery_domain::Classification;
use chancery_domain::evidence::{
    EngagementSpec, IncidentSpec, LegalStatus, PartialDate, SourceKind, SourceSpec, Verification,
};
use chancery_domain::ids::{
    CountryCode, PostCode, SectionKey, TalkingPointId, TaskingRef, Username, VocabCode,
};
use chancery_domain::lint::Finding;
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::Action;
use chancery_store::{OpenMode, ReportRow, Store};
pub use chancery_testkit::Backend;
use chancery_testkit::PgDatabase;
use sqlx::{AnyConnection, Connection};
use tempfile::TempDir;

/// The shipped content folder.
pub const CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");

pub fn content_dir() -> &'static Path {
    Path::new(CONTENT)
}

pub fn pc(code: &str) -> PostCode {
    PostCode::parse(code).unwrap()
}

pub fn sk(key: &str) -> SectionKey {
    SectionKey::parse(key).unwrap()
}

pub fn clearance(code: &str) -> Classification {
    Classification::parse(code).unwrap()
}

/// Where a test database lives; dropping it removes the database.
enum Place {
    Sqlite { _dir: TempDir },
    Postgres { _db: PgDatabase },
}

/// A migrated, empty database: no content, no users.
pub struct Bare {
    pub app: App,
    /// The database URL (`sqlite:PATH` or `postgres://…`).
    pub url: String,
    // Declared last, so the database outlives the pool.
    _place: Place,
}

impl Bare {
    /// A fresh database on `backend` (PostgreSQL only runs when the test server is configured:
    /// see `chancery_testkit::on_every_backend!`).
    pub async fn new(backend: Backend) -> Bare {
        let (url, place) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite:{}", dir.path().join("chancery.db").display());
                (url, Place::Sqlite { _dir: dir })
            }
            Backend::Postgres => {
                let db = PgDatabase::create("the app suite")
                    .await
                    .expect("the PostgreSQL leg runs only when the test server is configured");
                (db.url().to_string(), Place::Postgres { _db: db })
            }
        };
        let store = Store::open(&url, OpenMode::Create).await.unwrap();
        store.migrate().await.unwrap();
        Bare {
            app: App::new(store),
            url,
            _place: place,
        }
    }

    /// Rows in `table`, counted through a second connection to the same database.
    pub async fn rows(&self, table: &str) -> i64 {
        let mut conn = AnyConnection::connect(&self.url).await.unwrap();
        let n = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        n
    }

    /// Observations stored, over every vintage (each block counts its own).
    pub async fn observations(&self) -> i64 {
        let mut conn = AnyConnection::connect(&self.url).await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(observations), 0) AS BIGINT) FROM observation_blocks",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        n
    }

    pub async fn audit_count(&self) -> usize {
        self.app.store.audit_events().await.unwrap().len()
    }

    /// Asserts the audit chain verifies in full.
    pub async fn assert_chain_verifies(&self) {
        let n = self.audit_count().await;
        assert_eq!(
            self.app.audit_verify().await.unwrap(),
            Ok(u64::try_from(n).unwrap())
        );
    }
}

/// A database with the shipped content and these accounts (all added by `admin`):
///
/// | field | username | role | clearance | post |
/// |---|---|---|---|---|
/// | admin | admin | admin | S | |
/// | hq | hq.editor | hq_editor | S | |
/// | reader | reader | reader | SBU | |
/// | drafter, drafter2 | ottawa.drafter(2) | post_drafter | C | OTTAWA |
/// | approver, approver2 | ottawa.approver(2) | post_approver | C | OTTAWA |
/// | paris_drafter / paris_approver | paris.… | post_… | C | PARIS |
pub struct TestApp {
    pub bare: Bare,
    pub app: App,
    pub admin: Actor,
    pub hq: Actor,
    pub reader: Actor,
    pub drafter: Actor,
    pub drafter2: Actor,
    pub approver: Actor,
    pub approver2: Actor,
    pub paris_drafter: Actor,
    pub paris_approver: Actor,
}

fn new_actor(name: &str, role: Role, level: &str, post: Option<&str>) -> Actor {
    Actor::new(
        Username::parse(name).unwrap(),
        role,
        clearance(level),
        post.map(pc),
    )
    .unwrap()
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        let bare = Bare::new(backend).await;
        let app = bare.app.clone();
        app.load_content(content_dir()).await.unwrap();
        let admin = new_actor("admin", Role::Admin, "S", None);
        app.add_user(None, &admin, None).await.unwrap();
        let mut t = TestApp {
            bare,
            app,
            hq: admin.clone(),
            reader: admin.clone(),
            drafter: admin.clone(),
            drafter2: admin.clone(),
            approver: admin.clone(),
            approver2: admin.clone(),
            paris_drafter: admin.clone(),
            paris_approver: admin.clone(),
            admin,
        };
        t.hq = t.user("hq.editor", Role::HqEditor, "S", None).await;
        t.reader = t.user("reader", Role::Reader, "SBU", None).await;
        t.drafter = t
            .user("ottawa.drafter", Role::PostDrafter, "C", Some("OTTAWA"))
            .await;
        t.drafter2 = t
            .user("ottawa.drafter2", Role::PostDrafter, "C", Some("OTTAWA"))
            .await;
        t.approver = t
            .user("ottawa.approver", Role::PostApprover, "C", Some("OTTAWA"))
            .await;
        t.approver2 = t
            .user("ottawa.approver2", Role::PostApprover, "C", Some("OTTAWA"))
            .await;
        t.paris_drafter = t
            .user("paris.drafter", Role::PostDrafter, "C", Some("PARIS"))
            .await;
        t.paris_approver = t
            .user("paris.approver", Role::PostApprover, "C", Some("PARIS"))
            .await;
        t
    }

    /// Adds an account (as `admin`, without a password).
    pub async fn user(&self, name: &str, role: Role, level: &str, post: Option<&str>) -> Actor {
        let actor = new_actor(name, role, level, post);
        self.app
            .add_user(Some(&self.admin), &actor, None)
            .await
            .unwrap();
        actor
    }

    /// A tasking builder; nothing is stored until `import` or `issue`.
    pub fn tasking(&self, reference: &str) -> TaskingBuilder<'_> {
        TaskingBuilder {
            t: self,
            reference: reference.into(),
            classification: "SBU".into(),
            posts: vec!["OTTAWA".into(), "PARIS".into()],
            sections: Vec::new(),
            talking_points: 2,
        }
    }

    /// A report builder for `post`'s report on `tasking`, drafted by the post's first drafter.
    pub fn report<'a>(&'a self, tasking: &TaskingRef, post: &str) -> ReportBuilder<'a> {
        ReportBuilder {
            t: self,
            tasking: tasking.clone(),
            post: pc(post),
            drafter: None,
            sections: Vec::new(),
            stage: ReportStatus::Draft,
        }
    }

    /// The post's first drafter and first approver.
    pub fn staff(&self, post: &PostCode) -> (&Actor, &Actor) {
        match post.as_str() {
            "OTTAWA" => (&self.drafter, &self.approver),
            "PARIS" => (&self.paris_drafter, &self.paris_approver),
            other => panic!("no staff at {other} in the fixture"),
        }
    }

    pub async fn save(
        &self,
        who: &Actor,
        tasking: &TaskingRef,
        post: &str,
        section: &str,
        markdown: &str,
    ) -> AppResult<(i64, Vec<Finding>)> {
        self.app
            .save_section(who, tasking, &pc(post), &sk(section), markdown, None)
            .await
    }

    pub async fn act(
        &self,
        who: &Actor,
        tasking: &TaskingRef,
        post: &str,
        action: Action,
    ) -> AppResult<ReportRow> {
        self.app.act(who, tasking, &pc(post), &action).await
    }

    pub async fn report_row(&self, tasking: &TaskingRef, post: &str) -> ReportRow {
        self.app
            .store
            .report(tasking, &pc(post))
            .await
            .unwrap()
            .unwrap()
    }

    /// The stored (current) body of one section.
    pub async fn stored_body(
        &self,
        tasking: &TaskingRef,
        post: &str,
        section: &str,
    ) -> Option<String> {
        let r = self.report_row(tasking, post).await;
        self.app
            .store
            .sections(r.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.key.as_str() == section)
            .map(|s| s.body)
    }

    pub async fn rows(&self, table: &str) -> i64 {
        self.bare.rows(table).await
    }

    pub async fn audit_count(&self) -> usize {
        self.bare.audit_count().await
    }

    pub async fn assert_chain_verifies(&self) {
        self.bare.assert_chain_verifies().await;
    }

    /// Records a source graded A1 (both by `hq`) and returns its id.
    pub async fn source(&self, title: &str) -> i64 {
        let id = self
            .app
            .add_source(&self.hq, &source_spec(title), None)
            .await
            .unwrap();
        let a1 = chancery_domain::evidence::Grade::parse("A1").unwrap();
        self.app
            .grade_source(&self.hq, id, a1, "The statistics office's own table.")
            .await
            .unwrap();
        id
    }
}

pub fn source_spec(title: &str) -> SourceSpec {
    SourceSpec {
        kind: SourceKind::OfficialStatistics,
        publisher: "Statistics Canada".into(),
        title: title.into(),
        url: Some("https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=1710000901".into()),
        published: Some(PartialDate::parse("2025-09").unwrap()),
        language: "en".into(),
        marking: Classification::Unclassified,
        derived_from: None,
    }
}

pub fn incident_spec(post: &str, sources: Vec<i64>) -> IncidentSpec {
    IncidentSpec {
        post: pc(post),
        occurred: PartialDate::parse("2025-06").unwrap(),
        occurred_until: None,
        country: CountryCode::parse("CAN").unwrap(),
        region: Some("Ontario".into()),
        locality: None,
        category: VocabCode::parse("hate_crime_against_migrants").unwrap(),
        victims: Some(3),
        suspects: Some(1),
        legal_status: LegalStatus::Charged,
        verification: Verification::Corroborated,
        summary: "Arson attack on a hotel housing asylum claimants.".into(),
        marking: Classification::Unclassified,
        sources,
    }
}

pub fn engagement_spec(post: &str, tasking: Option<&TaskingRef>, tps: &[u32]) -> EngagementSpec {
    EngagementSpec {
        post: pc(post),
        tasking: tasking.cloned(),
        date: chancery_domain::dates::parse("2026-02-10").unwrap(),
        host_office: "Immigration, Refugees and Citizenship Canada".into(),
        official_title: "Assistant Deputy Minister, Policy".into(),
        talking_points: tps.iter().map(|n| TalkingPointId(*n)).collect(),
        host_response: "Welcomed the offer of collaboration on statistics.".into(),
        follow_up: "Exchange of methodology notes.".into(),
        marking: Classification::SensitiveButUnclassified,
    }
}

/// Builds a tasking TOML file and imports it through the app, as HQ would.
pub struct TaskingBuilder<'a> {
    t: &'a TestApp,
    reference: String,
    classification: String,
    posts: Vec<String>,
    sections: Vec<(String, u32)>,
    talking_points: u32,
}

impl TaskingBuilder<'_> {
    pub fn classification(mut self, code: &str) -> Self {
        self.classification = code.into();
        self
    }

    pub fn posts<const N: usize>(mut self, posts: [&str; N]) -> Self {
        self.posts = posts.iter().map(|p| (*p).to_string()).collect();
        self
    }

    /// Adds a required section asking for `min_citations` distinct citations. Without any,
    /// the tasking has one `summary` section with no minimum.
    pub fn section(mut self, key: &str, min_citations: u32) -> Self {
        self.sections.push((key.into(), min_citations));
        self
    }

    pub fn talking_points(mut self, n: u32) -> Self {
        self.talking_points = n;
        self
    }

    pub fn toml(&self) -> String {
        let posts: Vec<String> = self.posts.iter().map(|p| format!("{p:?}")).collect();
        let mut s = format!(
            "reference = {:?}\nsubject = \"Test tasking\"\nclassification = {:?}\nissuing_office = \"HQ\"\ndue = 2027-01-31\naddressees = [{}]\nbody = \"(U) Report.\"\n",
            self.reference,
            self.classification,
            posts.join(", ")
        );
        let sections = if self.sections.is_empty() {
            vec![("summary".to_string(), 0)]
        } else {
            self.sections.clone()
        };
        for (key, min) in sections {
            write!(
                s,
                "\n[[sections]]\nkey = {key:?}\ntitle = \"Section {key}\"\nguidance = \"Write it.\"\nmin_citations = {min}\n"
            )
            .unwrap();
        }
        for n in 1..=self.talking_points {
            write!(
                s,
                "\n[[talking_points]]\nid = \"TP{n}\"\ntext = \"Talking point {n}.\"\n"
            )
            .unwrap();
        }
        s
    }

    /// Imports the tasking as a draft (by `hq`).
    pub async fn import(self) -> TaskingRef {
        let (reference, _) = self
            .t
            .app
            .import_tasking(
                chancery_app::By::User(&self.t.hq),
                &format!("{}.toml", self.reference),
                &self.toml(),
            )
            .await
            .unwrap();
        reference
    }

    /// Imports and issues the tasking (by `hq`).
    pub async fn issue(self) -> TaskingRef {
        let t = self.t;
        let reference = self.import().await;
        t.app
            .issue_tasking(chancery_app::By::User(&t.hq), &reference)
            .await
            .unwrap();
        reference
    }
}

/// Starts a report, writes its sections and walks it through the real workflow to a stage.
pub struct ReportBuilder<'a> {
    t: &'a TestApp,
    tasking: TaskingRef,
    post: PostCode,
    drafter: Option<&'a Actor>,
    sections: Vec<(String, String)>,
    stage: ReportStatus,
}

impl<'a> ReportBuilder<'a> {
    pub fn section(mut self, key: &str, markdown: &str) -> Self {
        self.sections.push((key.into(), markdown.into()));
        self
    }

    /// Who starts and writes the report (default: the post's first drafter).
    pub fn drafted_by(mut self, who: &'a Actor) -> Self {
        self.drafter = Some(who);
        self
    }

    /// Draft, in_clearance, cleared, transmitted, accepted or returned (by HQ).
    pub fn stage(mut self, stage: ReportStatus) -> Self {
        self.stage = stage;
        self
    }

    pub async fn build(self) -> ReportRow {
        let t = self.t;
        let (drafter, approver) = t.staff(&self.post);
        let drafter = self.drafter.unwrap_or(drafter);
        t.app
            .new_report(drafter, &self.tasking, &self.post)
            .await
            .unwrap();
        for (key, md) in &self.sections {
            t.app
                .save_section(drafter, &self.tasking, &self.post, &sk(key), md, None)
                .await
                .unwrap();
        }
        let steps = [
            (ReportStatus::InClearance, drafter, Action::Submit),
            (ReportStatus::Cleared, approver, Action::Clear),
            (
                ReportStatus::Transmitted,
                approver,
                Action::Transmit {
                    override_reason: Some("Test fixture: findings accepted.".into()),
                },
            ),
            (ReportStatus::Accepted, &t.hq, Action::Accept),
        ];
        let target = match self.stage {
            ReportStatus::Returned => ReportStatus::Transmitted,
            s => s,
        };
        let mut row = t.report_row(&self.tasking, self.post.as_str()).await;
        for (reached, who, action) in steps {
            if row.status == target {
                break;
            }
            row = t
                .app
                .act(who, &self.tasking, &self.post, &action)
                .await
                .unwrap();
            assert_eq!(row.status, reached);
        }
        if self.stage == ReportStatus::Returned {
            row = t
                .app
                .act(
                    &t.hq,
                    &self.tasking,
                    &self.post,
                    &Action::Return {
                        reason: "Test fixture: revise.".into(),
                    },
                )
                .await
                .unwrap();
        }
        assert_eq!(row.status, self.stage);
        row
    }
}
