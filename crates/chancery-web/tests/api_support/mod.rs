//! The API test harness: the real application router (pages, sessions, security headers and
//! the API) over a fresh copy of the demo built from the shipped `content/` folder, on SQLite
//! or PostgreSQL (the copies come from the web harness, `tests/common`), called in-process
//! with `tower::ServiceExt::oneshot`.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

#[path = "../common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chancery_app::App;
use chancery_store::{OpenMode, Store};
pub use chancery_testkit::Backend;
use chancery_web::{AppState, WebConfig};
#[allow(unused_imports, reason = "not every test binary uses it")]
pub use common::CONTENT;
use common::{Database, demo_database};
use serde_json::Value;
use tower::ServiceExt;

/// The demo tasking.
pub const TASKING: &str = "CHN-2026-0001";

/// The application on a fresh demo database.
pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub passwords: HashMap<String, String>,
    pub db: Database,
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Resp {
    /// The text of the body.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the error envelope with `status` and `code`; returns the first error item.
    pub fn error(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.text());
        let ct = self.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(ct.starts_with("application/json"), "content type {ct}");
        let errors = self.json["errors"].as_array().expect("an errors array");
        assert_eq!(errors.len(), 1, "{}", self.text());
        assert_eq!(errors[0]["code"], code, "{}", self.text());
        assert!(errors[0]["detail"].as_str().is_some_and(|d| !d.is_empty()));
        &errors[0]
    }

    /// Asserts a 400 naming `field`.
    pub fn bad_field(&self, field: &str) {
        let e = self.error(StatusCode::BAD_REQUEST, "bad_request");
        assert_eq!(e["field"], field, "{}", self.text());
    }
}

/// A logged-in browser session: its cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The session cookie, with the X-CSRF-Token header if given.
    Session(&'a Browser, Option<&'a str>),
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chancery_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

impl TestApp {
    /// A fresh copy of the demo on `backend`.
    pub async fn new(backend: Backend) -> TestApp {
        let (db, passwords) = demo_database(backend).await;
        let store = Store::open(&db.url, OpenMode::Existing).await.unwrap();
        let app = App::new(store);
        let state = AppState::new(app.clone(), WebConfig::default()).unwrap();
        TestApp {
            router: chancery_web::router(state),
            app,
            passwords,
            db,
        }
    }

    /// Sends one request.
    pub async fn send(&self, mut req: Request<Body>) -> Resp {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            bytes,
            json,
        }
    }

    /// An API request with a raw body and content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        match auth {
            Auth::None => {}
            Auth::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Session(b, csrf) => {
                req = req.header(header::COOKIE, &b.cookie);
                if let Some(c) = csrf {
                    req = req.header("x-csrf-token", c);
                }
            }
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        self.send(req.body(body.into()).unwrap()).await
    }

    /// An API request with a JSON body (or none).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Resp {
        match body {
            Some(v) => {
                self.raw(method, path, auth, Some("application/json"), v.to_string())
                    .await
            }
            None => self.raw(method, path, auth, None, Body::empty()).await,
        }
    }

    /// GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.api(Method::GET, path, Auth::Bearer(token), None).await
    }

    /// POST/PUT/DELETE with a bearer token.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.api(method, path, Auth::Bearer(token), body).await
    }

    /// A fresh API token for a demo user (created the way the CLI does).
    pub async fn token(&self, username: &str) -> String {
        let actor = self.app.actor(username).await.unwrap();
        chancery_web::api::create_token(&self.app, &actor, "test")
            .await
            .unwrap()
            .secret
    }

    /// Logs in through the login form; returns the session cookie and the session's CSRF
    /// token as `GET /api/v1/me` reports it.
    pub async fn login(&self, username: &str) -> Browser {
        let page = self
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let cookie = session_cookie(&page.headers).expect("a session cookie");
        let html = page.text();
        let form_csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a csrf field")
            .to_string();
        let body = serde_urlencoded::to_string([
            ("username", username),
            ("password", self.passwords[username].as_str()),
            ("csrf", form_csrf.as_str()),
        ])
        .unwrap();
        let res = self
            .send(
                Request::post("/login")
                    .header(header::COOKIE, &cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
        let cookie = session_cookie(&res.headers).expect("a rotated session cookie");
        let browser = Browser {
            cookie,
            csrf: String::new(),
        };
        let me = self
            .api(
                Method::GET,
                "/api/v1/me",
                Auth::Session(&browser, None),
                None,
            )
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text());
        assert_eq!(me.json["auth"], "session");
        Browser {
            csrf: me.json["csrf_token"].as_str().unwrap().to_string(),
            ..browser
        }
    }

    /// Every byte the database keeps: on SQLite the file and its write-ahead log as stored on
    /// disk; on PostgreSQL (whose files are the server's) every row of every table, exported.
    pub async fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.db.path {
            Some(path) => {
                out = std::fs::read(path).unwrap();
                if let Ok(more) = std::fs::read(format!("{}-wal", path.display())) {
                    out.extend(more);
                }
            }
            None => {
                self.app.store.export(&mut out).await.unwrap();
            }
        }
        out
    }

    /// How many audit events the chain holds.
    pub async fn audit_count(&self) -> usize {
        self.app.store.audit_events().await.unwrap().len()
    }
}

/// The URL of a report.
pub fn report_url(post: &str) -> String {
    format!("/api/v1/taskings/{TASKING}/reports/{post}")
}
