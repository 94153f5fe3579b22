//! The report page and the dashboard, rendered in process over the demo database (SQLite in a
//! temporary folder), so a regression on the hot path shows without wrk. The demo is built and
//! the user logged in outside the timed part.
//!
//! - `report_page` / `dashboard`: a whole GET through the router (session, access rules,
//!   queries, rendering) as `hq.editor`, with warm caches, as under load.
//! - `show_report_warm` / `show_report_cold`: the report view model alone, with the caches of a
//!   long-running server, and with fresh caches (the first view after a change).
//!
//! Run: `cargo bench -p chancery-web --bench pages`

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a broken bench

use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chancery_app::App;
use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::user::Actor;
use chancery_store::{OpenMode, Store};
use chancery_web::{AppState, WebConfig, router};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

const CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");
const REPORT: &str = "/taskings/CHN-2026-0001/reports/OTTAWA";

fn main() {
    divan::main();
}

/// The demo, served in process, with `hq.editor` logged in.
struct Fixture {
    rt: tokio::runtime::Runtime,
    app: App,
    router: Router,
    cookie: String,
    actor: Actor,
    _dir: TempDir,
}

fn request(method: &str, path: &str, cookie: Option<&str>, body: Option<String>) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    if body.is_some() {
        r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let mut req = r.body(Body::from(body.unwrap_or_default())).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

fn session_cookie(res: &axum::response::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chancery_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

async fn body_text(res: axum::response::Response) -> String {
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

impl Fixture {
    fn new() -> Fixture {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = TempDir::new().unwrap();
        let (app, router, cookie, actor) = rt.block_on(async {
            let store = Store::open_path(&dir.path().join("bench.db"), OpenMode::Create)
                .await
                .unwrap();
            store.migrate().await.unwrap();
            let app = App::new(store);
            let demo = app.build_demo(Path::new(CONTENT)).await.unwrap();
            let password = demo
                .users
                .iter()
                .find(|u| u.username == "hq.editor")
                .unwrap()
                .password
                .clone();
            let state = AppState::new(app.clone(), WebConfig::default()).unwrap();
            let router = router(state);
            // Log in through the form, as a browser would.
            let res = router
                .clone()
                .oneshot(request("GET", "/login", None, None))
                .await
                .unwrap();
            let cookie = session_cookie(&res).unwrap();
            let page = body_text(res).await;
            let csrf = page
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_string();
            let form = form_urlencoded::Serializer::new(String::new())
                .append_pair("username", "hq.editor")
                .append_pair("password", &password)
                .append_pair("csrf", &csrf)
                .finish();
            let res = router
                .clone()
                .oneshot(request("POST", "/login", Some(&cookie), Some(form)))
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "login failed");
            let cookie = session_cookie(&res).unwrap();
            let actor = app.actor("hq.editor").await.unwrap();
            (app, router, cookie, actor)
        });
        Fixture {
            rt,
            app,
            router,
            cookie,
            actor,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> usize {
        self.rt.block_on(async {
            let res = self
                .router
                .clone()
                .oneshot(request("GET", path, Some(&self.cookie), None))
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.into_body().collect().await.unwrap().to_bytes().len()
        })
    }
}

#[divan::bench(sample_count = 200)]
fn report_page(bencher: divan::Bencher) {
    let f = Fixture::new();
    f.get(REPORT);
    bencher.bench_local(|| f.get(REPORT));
}

#[divan::bench(sample_count = 200)]
fn dashboard(bencher: divan::Bencher) {
    let f = Fixture::new();
    f.get("/");
    bencher.bench_local(|| f.get("/"));
}

fn show_report(f: &Fixture, app: &App) -> usize {
    let t = TaskingRef::parse("CHN-2026-0001").unwrap();
    let p = PostCode::parse("OTTAWA").unwrap();
    f.rt.block_on(async {
        app.show_report(&f.actor, &t, &p)
            .await
            .unwrap()
            .sections
            .len()
    })
}

#[divan::bench(sample_count = 200)]
fn show_report_warm(bencher: divan::Bencher) {
    let f = Fixture::new();
    show_report(&f, &f.app);
    bencher.bench_local(|| show_report(&f, &f.app));
}

#[divan::bench(sample_count = 100)]
fn show_report_cold(bencher: divan::Bencher) {
    let f = Fixture::new();
    bencher
        .with_inputs(|| App::new(f.app.store.clone()))
        .bench_local_values(|app| show_report(&f, &app));
}
