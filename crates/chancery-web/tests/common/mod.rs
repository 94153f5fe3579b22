//! The web test harness: the real application (`App::build_demo` on the shipped `content/`
//! folder, `chancery_web::router`) driven in process with `tower::ServiceExt::oneshot`, a
//! cookie-jar client that logs in through the login form, and helpers that parse pages with
//! `scraper` so tests assert on structure.
//!
//! Every test runs on a [`Backend`]: SQLite, and PostgreSQL when `CHANCERY_TEST_POSTGRES`
//! names a server (`chancery_testkit::on_every_backend!`). The demo is built once per test
//! process and backend (the bytes of an SQLite file, or a PostgreSQL template database); every
//! [`TestApp`] starts from its own copy, so tests never see each other's writes.

#![allow(dead_code)] // each test module uses a different part of the harness

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chancery_app::App;
use chancery_domain::Classification;
use chancery_domain::audit::AuditRecord;
use chancery_domain::ids::{PostCode, TaskingRef, Username};
use chancery_domain::user::{Actor, Role};
use chancery_store::{CommentRow, OpenMode, ReportRow, SectionRow, Store, VersionRow};
pub use chancery_testkit::Backend;
use chancery_testkit::PgDatabase;
use chancery_web::{AppState, WebConfig, router};
use http_body_util::BodyExt;
use scraper::{ElementRef, Html, Selector};
use std::sync::Arc;
use tempfile::TempDir;
use tower::ServiceExt;

/// The shipped content folder.
pub const CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");
/// The demo's issued tasking.
pub const TASKING: &str = "CHN-2026-0001";
/// Where the demo's issued tasking's reports live.
pub fn report_path(post: &str) -> String {
    format!("/taskings/{TASKING}/reports/{post}")
}

/// The demo database and its logins, built once per test process and backend: the bytes of
/// an SQLite file, or a PostgreSQL database nothing stays connected to (copied per test with
/// `CREATE DATABASE … TEMPLATE`; kept for the whole process, then swept by a later run).
struct Template {
    image: Image,
    passwords: HashMap<String, String>,
}

static SQLITE_TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();
static POSTGRES_TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

/// Builds the demo into `store` (migrated, empty) and returns the logins.
pub async fn build_demo(store: &Store) -> HashMap<String, String> {
    store.migrate().await.unwrap();
    let summary = App::new(store.clone())
        .build_demo(Path::new(CONTENT))
        .await
        .unwrap();
    summary
        .users
        .into_iter()
        .map(|u| (u.username, u.password))
        .collect()
}

async fn template(backend: Backend) -> &'static Template {
    let cell = match backend {
        Backend::Sqlite => &SQLITE_TEMPLATE,
        Backend::Postgres => &POSTGRES_TEMPLATE,
    };
    cell.get_or_init(|| async move {
        let db = Database::empty(backend).await;
        let store = Store::open(&db.url, OpenMode::Create).await.unwrap();
        let passwords = build_demo(&store).await;
        let image = db.image(&store).await;
        store.close().await;
        Template { image, passwords }
    })
    .await
}

/// A copy of a database taken at one moment, to start fresh databases from.
#[derive(Debug, Clone)]
pub enum Image {
    /// A consistent copy of an SQLite file.
    Sqlite(Arc<Vec<u8>>),
    /// A PostgreSQL database used only as a template.
    Postgres(Arc<PgDatabase>),
}

/// Where a test database lives; the database is removed when the last handle goes.
#[derive(Debug)]
enum Place {
    Sqlite { _dir: TempDir },
    Postgres(PgDatabase),
}

/// A test database: its URL, and what keeps it alive.
#[derive(Debug, Clone)]
pub struct Database {
    /// `sqlite:PATH` or `postgres://…/NAME`.
    pub url: String,
    /// The SQLite file, if SQLite.
    pub path: Option<PathBuf>,
    place: Arc<Place>,
}

impl Database {
    /// A new empty database (not migrated).
    pub async fn empty(backend: Backend) -> Database {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().unwrap();
                let path = dir.path().join("chancery.db");
                Database {
                    url: format!("sqlite:{}", path.display()),
                    path: Some(path),
                    place: Arc::new(Place::Sqlite { _dir: dir }),
                }
            }
            Backend::Postgres => {
                let db = PgDatabase::create("the web suite")
                    .await
                    .expect("the PostgreSQL leg runs only when the test server is configured");
                Database {
                    url: db.url().to_string(),
                    path: None,
                    place: Arc::new(Place::Postgres(db)),
                }
            }
        }
    }

    /// A new database holding what `image` holds.
    pub async fn from_image(image: &Image) -> Database {
        match image {
            Image::Sqlite(bytes) => {
                let db = Database::empty(Backend::Sqlite).await;
                std::fs::write(db.path.as_ref().unwrap(), bytes.as_slice()).unwrap();
                db
            }
            Image::Postgres(template) => {
                let db = template.copy().await;
                Database {
                    url: db.url().to_string(),
                    path: None,
                    place: Arc::new(Place::Postgres(db)),
                }
            }
        }
    }

    /// An image of this database as `store` (open on it) sees it now. On PostgreSQL `store`'s
    /// pool is closed (a template must have no connections): open a new one to go on.
    pub async fn image(&self, store: &Store) -> Image {
        match &*self.place {
            Place::Sqlite { .. } => {
                let dir = TempDir::new().unwrap();
                let path = dir.path().join("copy.db");
                store.backup_sqlite(&path).await.unwrap();
                Image::Sqlite(Arc::new(std::fs::read(&path).unwrap()))
            }
            Place::Postgres(db) => {
                store.close().await;
                Image::Postgres(Arc::new(db.copy().await))
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match &*self.place {
            Place::Sqlite { .. } => Backend::Sqlite,
            Place::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A fresh copy of the demo on `backend`, and its logins.
pub async fn demo_database(backend: Backend) -> (Database, HashMap<String, String>) {
    let t = template(backend).await;
    (Database::from_image(&t.image).await, t.passwords.clone())
}

/// One app server over a database of its own (or shared, see [`TestApp::second_server`]).
#[derive(Debug)]
pub struct TestApp {
    /// What the handlers see.
    pub state: AppState,
    /// The whole application.
    pub router: Router,
    /// Demo logins (and any added with [`TestApp::add_user`]).
    pub passwords: HashMap<String, String>,
    /// The database.
    pub db: Database,
}

impl TestApp {
    /// The demo on `backend` with default settings.
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_config(backend, WebConfig::default()).await
    }

    /// The demo (a fresh copy) on `backend` with `config`.
    pub async fn with_config(backend: Backend, config: WebConfig) -> TestApp {
        let (db, passwords) = demo_database(backend).await;
        TestApp::open(db, passwords, config).await
    }

    /// An app server over `db` (already holding the demo).
    pub async fn open(
        db: Database,
        passwords: HashMap<String, String>,
        config: WebConfig,
    ) -> TestApp {
        let store = Store::open(&db.url, OpenMode::Existing).await.unwrap();
        store.check_schema().await.unwrap();
        let state = AppState::new(App::new(store), config).unwrap();
        TestApp {
            router: router(state.clone()),
            state,
            passwords,
            db,
        }
    }

    /// Which backend this app runs on.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A second, independent app server (its own store, pool and state) over the same
    /// database.
    pub async fn second_server(&self, config: WebConfig) -> TestApp {
        TestApp::open(self.db.clone(), self.passwords.clone(), config).await
    }

    /// An image of this app's database, to start copies from (see [`TestApp::copy_from`]).
    pub async fn image(&mut self) -> Image {
        let image = self.db.image(self.store()).await;
        if self.backend() == Backend::Postgres {
            // Taking the image closed the pool: reconnect, keeping the state's settings.
            let store = Store::open(&self.db.url, OpenMode::Existing).await.unwrap();
            self.state.app = App::new(store);
            self.router = router(self.state.clone());
        }
        image
    }

    /// Another app server with this one's settings and logins over a fresh copy of `image`
    /// (from [`TestApp::image`]): sessions in the copy stay valid.
    pub async fn copy_from(&self, image: &Image) -> TestApp {
        let db = Database::from_image(image).await;
        let store = Store::open(&db.url, OpenMode::Existing).await.unwrap();
        // The same settings and timing-equaliser hash; only the database differs.
        let mut state = self.state.clone();
        state.app = App::new(store);
        TestApp {
            router: router(state.clone()),
            state,
            passwords: self.passwords.clone(),
            db,
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.state.app.store
    }

    /// The password of a demo (or added) user.
    pub fn password(&self, user: &str) -> String {
        self.passwords
            .get(user)
            .unwrap_or_else(|| panic!("no password for {user}"))
            .clone()
    }

    /// A client with no session, connecting from 127.0.0.1.
    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }

    /// A client logged in as `user` (through the login form).
    pub async fn login(&self, user: &str) -> Client {
        let mut c = self.client();
        let r = c.login(user, &self.password(user)).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login as {user} failed: {}",
            r.body
        );
        c
    }

    /// The account as the rules see it.
    pub async fn actor(&self, user: &str) -> Actor {
        self.state.app.actor(user).await.unwrap()
    }

    /// Adds an account with `password_hash` (an argon2 PHC string; tests hash once and reuse
    /// it, since hashing is deliberately slow) and remembers `password`.
    pub async fn add_user(
        &mut self,
        name: &str,
        role: Role,
        clearance: Classification,
        post: Option<&str>,
        password: &str,
        password_hash: &str,
    ) {
        let actor = Actor::new(
            Username::parse(name).unwrap(),
            role,
            clearance,
            post.map(|p| PostCode::parse(p).unwrap()),
        )
        .unwrap();
        self.store()
            .insert_user(
                &actor,
                Some(password_hash),
                &AuditRecord::new(
                    "admin",
                    "user.add",
                    "user",
                    name,
                    serde_json::json!({"role": role.code(), "clearance": clearance.code()}),
                ),
            )
            .await
            .unwrap();
        self.passwords.insert(name.into(), password.into());
    }

    /// Everything a refused request must leave unchanged.
    pub async fn snapshot(&self) -> Snapshot {
        let store = self.store();
        let mut reports = Vec::new();
        for t in store.taskings().await.unwrap() {
            for r in store.reports_for(&t.spec.reference).await.unwrap() {
                let sections = store.sections(r.id).await.unwrap();
                let comments = store.comments(r.id).await.unwrap();
                let versions = store.versions(r.id).await.unwrap();
                reports.push((r, sections, comments, versions));
            }
        }
        Snapshot {
            audit_events: store.audit_events().await.unwrap().len(),
            reports,
        }
    }

    /// The stored report of `post` for the demo tasking.
    pub async fn report_row(&self, post: &str) -> Option<ReportRow> {
        self.store()
            .report(
                &TaskingRef::parse(TASKING).unwrap(),
                &PostCode::parse(post).unwrap(),
            )
            .await
            .unwrap()
    }

    /// The stored text of one section of `post`'s report.
    pub async fn section(&self, post: &str, key: &str) -> Option<SectionRow> {
        let row = self.report_row(post).await?;
        self.store()
            .sections(row.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.key.as_str() == key)
    }

    /// Number of audit events.
    pub async fn audit_count(&self) -> usize {
        self.store().audit_events().await.unwrap().len()
    }

    /// Closes the pool (so a database can be dropped).
    pub async fn close(&self) {
        self.store().close().await;
    }
}

/// One report with its sections, comments and versions.
pub type ReportState = (ReportRow, Vec<SectionRow>, Vec<CommentRow>, Vec<VersionRow>);

/// The state of every report, and the audit chain's length. (Its `Debug` is a summary, so a
/// failed comparison stays readable; equality compares everything.)
#[derive(PartialEq, Eq)]
pub struct Snapshot {
    /// Audit events so far.
    pub audit_events: usize,
    /// Each report with its sections, comments and versions.
    pub reports: Vec<ReportState>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "audit events: {}", self.audit_events)?;
        for (r, sections, comments, versions) in &self.reports {
            let sections: Vec<String> = sections
                .iter()
                .map(|s| {
                    let digest = chancery_domain::audit::sha256_hex(s.body.as_bytes());
                    format!("{}@{}:{}", s.key, s.revision, &digest[..8])
                })
                .collect();
            writeln!(
                f,
                "{} {} {} v{} lock {}: sections [{}], {} comments, {} versions",
                r.tasking,
                r.post,
                r.status,
                r.version_no,
                r.lock_version,
                sections.join(" "),
                comments.len(),
                versions.len()
            )?;
        }
        Ok(())
    }
}

/// A browser without JavaScript: keeps cookies, follows nothing automatically.
#[derive(Debug, Clone)]
pub struct Client {
    router: Router,
    /// Cookies by name.
    pub jar: BTreeMap<String, String>,
    /// The address the server sees the requests come from.
    pub addr: SocketAddr,
}

impl Client {
    /// A client of `router` with an empty cookie jar.
    pub fn new(router: Router) -> Client {
        Client {
            router,
            jar: BTreeMap::new(),
            addr: "127.0.0.1:40000".parse().unwrap(),
        }
    }

    /// The same browser (same cookies) talking to another server.
    pub fn on(&self, router: &Router) -> Client {
        Client {
            router: router.clone(),
            ..self.clone()
        }
    }

    /// The same client seen as coming from another address.
    pub fn with_addr(mut self, addr: &str) -> Client {
        self.addr = addr.parse().unwrap();
        self
    }

    /// The session cookie's value, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.jar.get("chancery_session").cloned()
    }

    /// Sends `req` with the jar's cookies; stores cookies the response sets.
    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.headers_mut()
                .insert(header::COOKIE, cookies.join("; ").parse().unwrap());
        }
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let removed = value.is_empty()
                || attrs
                    .split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if removed {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().into(), value.trim().into());
            }
        }
        Resp {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap_or_default(),
            bytes: bytes.to_vec(),
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// `POST path` with a urlencoded form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// `POST path` with any body.
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// GET /login, then POST the login form with its CSRF token.
    pub async fn login(&mut self, user: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.doc().csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the page at `path` (a GET).
    pub async fn csrf(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        r.doc().csrf()
    }
}

/// A response with its body read.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text (empty when it is not UTF-8, such as a PDF: see `bytes`).
    pub body: String,
    /// Body as received.
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The body parsed as HTML.
    pub fn doc(&self) -> Doc {
        Doc(Html::parse_document(&self.body))
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The redirect target.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, want: StatusCode) -> &Self {
        assert_eq!(self.status, want, "unexpected status; body:\n{}", self.body);
        self
    }

    /// Asserts a redirect to `to`.
    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "body:\n{}", self.body);
        assert_eq!(self.location(), Some(to));
        self
    }
}

/// A parsed page.
#[derive(Debug)]
pub struct Doc(pub Html);

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
}

/// An element's text, whitespace collapsed.
pub fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Doc {
    /// Every element matching `css`.
    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.0.select(&sel(css)).collect()
    }

    /// Whether anything matches `css`.
    pub fn has(&self, css: &str) -> bool {
        self.0.select(&sel(css)).next().is_some()
    }

    /// The text of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(text_of).collect()
    }

    /// The text of the one element matching `css` (fails if none).
    #[track_caller]
    pub fn text(&self, css: &str) -> String {
        let all = self.texts(css);
        assert!(!all.is_empty(), "nothing matches {css}");
        all.join(" ")
    }

    /// An attribute of the first element matching `css`.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.0
            .select(&sel(css))
            .next()
            .and_then(|e| e.value().attr(name).map(str::to_string))
    }

    /// The page's CSRF token (every form carries the same one).
    #[track_caller]
    pub fn csrf(&self) -> String {
        let tokens: Vec<String> = self
            .all("input[name=csrf]")
            .into_iter()
            .filter_map(|e| e.value().attr("value").map(str::to_string))
            .collect();
        assert!(!tokens.is_empty(), "no CSRF field on the page");
        assert!(
            tokens.iter().all(|t| t == &tokens[0]),
            "forms carry different tokens"
        );
        tokens[0].clone()
    }

    /// The fields (name → value) of the form posting to `action`; textareas included.
    #[track_caller]
    pub fn form(&self, action: &str) -> BTreeMap<String, String> {
        let forms: Vec<_> = self
            .all("form")
            .into_iter()
            .filter(|f| f.value().attr("action") == Some(action))
            .collect();
        assert_eq!(forms.len(), 1, "expected one form posting to {action}");
        let mut fields = BTreeMap::new();
        for input in forms[0].select(&sel("input[name], textarea[name]")) {
            let name = input.value().attr("name").unwrap().to_string();
            let value = if input.value().name() == "textarea" {
                input.text().collect()
            } else {
                input.value().attr("value").unwrap_or_default().to_string()
            };
            fields.insert(name, value);
        }
        fields
    }

    /// The action paths of every form on the page.
    pub fn form_actions(&self) -> Vec<String> {
        self.all("form")
            .into_iter()
            .filter_map(|f| f.value().attr("action").map(str::to_string))
            .collect()
    }
}
