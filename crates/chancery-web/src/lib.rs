//! Chancery's web application: server-rendered pages (askama), the JSON API, accounts and
//! database-backed sessions. Every response goes through the same access rules as the CLI
//! (`chancery-app` → `chancery-domain::access`).

mod admin;
pub mod api;
mod auth;
mod compiled;
mod error;
mod evidence_pages;
mod fields;
mod history;
mod pages;
mod records;
mod render;
mod reuse;
mod search_pages;
mod session;
mod statistics_pages;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use chancery_app::App;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use error::WebError;

/// How the server behaves; defaults suit a local demo.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Log out after this long without a request.
    pub idle_timeout: Duration,
    /// Log out this long after login, however active.
    pub absolute_timeout: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Failed logins allowed per account and per address within `throttle_window`.
    pub max_failed_logins: i64,
    /// The window for counting failed logins.
    pub throttle_window: Duration,
    /// Answer a repeat view of a page from the copy rendered for the same session while the
    /// data has not changed (see `reuse`); off only to measure or debug rendering.
    pub reuse_pages: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(10 * 60 * 60),
            max_body_bytes: 10 * 1024 * 1024,
            max_failed_logins: 5,
            throttle_window: Duration::from_secs(15 * 60),
            reuse_pages: true,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Server settings.
    pub config: Arc<WebConfig>,
    /// A real argon2 hash of a random password, verified against when a username does not
    /// exist, so a login takes the same time whether or not the account exists.
    pub(crate) dummy_hash: Arc<String>,
    /// Rendered Markdown by its source text (see [`render::HtmlCache`]).
    pub(crate) html: Arc<render::HtmlCache>,
    /// This server's search index (its own; kept current from the database's outbox).
    pub search: Arc<chancery_search::SearchIndex>,
    /// Signed-in accounts by data generation (see [`reuse`]).
    pub(crate) actors: Arc<reuse::ActorCache>,
    /// Rendered pages by session, URL and data generation (see [`reuse`]).
    pub(crate) pages: Arc<reuse::PageCache>,
}

impl AppState {
    /// Builds the state (hashes the timing-equaliser password once), with a search index in
    /// memory that is built from the database on first use ([`AppState::with_search`] gives
    /// a server its index folder).
    pub fn new(app: App, config: WebConfig) -> anyhow::Result<Self> {
        let dummy = chancery_app::random_password()?;
        let dummy_hash = chancery_app::hash_password(&format!("{dummy}{dummy}"))?;
        let search = chancery_search::SearchIndex::in_memory(chancery_search::Lang::En)?;
        Ok(AppState {
            app,
            config: Arc::new(config),
            dummy_hash: Arc::new(dummy_hash),
            html: Arc::new(render::HtmlCache::new(16 * 1024)),
            search: Arc::new(search),
            actors: Arc::new(reuse::ActorCache::new(4096)),
            pages: Arc::new(reuse::PageCache::new(reuse::PAGES)),
        })
    }

    /// The same state with `index` as its search index.
    pub fn with_search(self, index: chancery_search::SearchIndex) -> Self {
        AppState {
            search: Arc::new(index),
            ..self
        }
    }
}

#[derive(Debug, Clone, Default)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).ok()?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application as an axum router.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(session::DbSessionStore::new(state.app.store.clone()))
        .with_name("chancery_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(state.config.idle_timeout.as_secs()).unwrap_or(i64::MAX),
        )));
    let request_id = HeaderName::from_static("x-request-id");
    let static_header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let max_body = state.config.max_body_bytes;
    // The pages most visited, and most costly to render, are reused while nothing changed.
    let reused = Router::new()
        .route("/", get(pages::dashboard))
        .route("/taskings/{reference}", get(pages::tasking))
        .route("/taskings/{reference}/reports/{post}", get(pages::report))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reuse::reuse_pages,
        ));
    Router::new()
        .merge(reused)
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/account", get(auth::account_page))
        .route("/account/password", post(auth::change_password))
        .route("/statistics", get(statistics_pages::page))
        .route("/statistics.csv", get(statistics_pages::csv))
        .route("/taskings/{reference}/compiled", get(compiled::download))
        .route(
            "/taskings/{reference}/reports/{post}/new",
            post(pages::start_report),
        )
        .route(
            "/taskings/{reference}/reports/{post}/sections/{section}",
            post(pages::save_section),
        )
        .route(
            "/taskings/{reference}/reports/{post}/actions/{action}",
            post(pages::act),
        )
        .route(
            "/taskings/{reference}/reports/{post}/comments",
            post(pages::comment),
        )
        .route("/search", get(search_pages::search_page))
        .route("/static/app.css", get(pages::stylesheet))
        .merge(evidence_pages::routes().merge(records::routes()))
        .merge(
            admin::routes()
                .merge(tokens::routes())
                .merge(history::routes()),
        )
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api::router())
        .fallback(|| async { WebError::NotFound })
        .layer(sessions)
        // The limit the body extractors enforce (axum's own default is 2 MiB whatever is
        // configured); `error::Form` answers a body above it with a 413 page.
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        .layer(static_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(static_header(header::REFERRER_POLICY, "same-origin"))
        .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, RequestIds))
        .with_state(state)
}

/// Serves until Ctrl-C (graceful: in-flight requests finish). Calls `ready` with the bound
/// address once listening (port 0 picks a free port).
pub async fn serve(
    state: AppState,
    bind: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    let addr = listener.local_addr()?;
    // This server's index follows the database (catching up at start, logging what it did).
    let follower = state
        .search
        .clone()
        .follow(state.app.store.clone(), Duration::from_secs(1));
    ready(addr);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    follower.abort();
    Ok(())
}
