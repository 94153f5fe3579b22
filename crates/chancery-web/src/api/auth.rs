//! Who is calling the API: a per-user bearer token, or the browser's session cookie (the same
//! session the pages use). Session callers must send the session's CSRF token in
//! `X-CSRF-Token` on every state-changing request; token callers need none (a browser never
//! attaches a bearer token on its own). Also the token lifecycle shared with the CLI.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chancery_app::App;
use chancery_domain::audit::AuditRecord;
use chancery_domain::user::Actor;
use chancery_store::StoreError;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::{CurrentUser, check_csrf};
use crate::error::WebError;

/// The header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Prefix of every API token, so a leaked one is recognisable (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "chy_";

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer …`.
    Token,
    /// The session cookie; `csrf` is the session's token.
    Session {
        /// The value `X-CSRF-Token` must carry.
        csrf: String,
    },
}

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// Who, as the rules see them (reloaded every request: a disabled account stops at once).
    pub actor: Actor,
    /// How they authenticated.
    pub via: Via,
}

fn unauthorized(detail: &'static str) -> Response {
    let mut r = super::envelope(StatusCode::UNAUTHORIZED, "unauthorized", detail);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"chancery\""),
    );
    r
}

impl<S> FromRequestParts<S> for ApiUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let app_state = AppState::from_ref(state);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty());
            let Some(token) = token else {
                return Err(unauthorized(
                    "the Authorization header must be `Bearer <token>`",
                ));
            };
            let owner = app_state
                .app
                .store
                .api_token_user(token)
                .await
                .map_err(|e| WebError::from(e).into_api())?;
            let Some(owner) = owner else {
                return Err(unauthorized(
                    "the API token is unknown or revoked: create a new one",
                ));
            };
            let actor = app_state
                .app
                .actor(&owner)
                .await
                .map_err(|_| unauthorized("the token's account is disabled"))?;
            return Ok(ApiUser {
                actor,
                via: Via::Token,
            });
        }
        let me = match CurrentUser::from_request_parts(parts, state).await {
            Ok(me) => me,
            Err(WebError::Unauthorized) => {
                return Err(unauthorized(
                    "send `Authorization: Bearer <token>` or log in (the session cookie)",
                ));
            }
            Err(other) => return Err(other.into_api()),
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let session = Session::from_request_parts(parts, state)
                .await
                .map_err(|(_, m)| WebError::Internal(m.to_string()).into_api())?;
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            check_csrf(&session, sent).await.map_err(|e| match e {
                WebError::Forbidden(_) => WebError::Forbidden(
                    "with session authentication, send the session's CSRF token in the X-CSRF-Token header (GET /api/v1/me returns it)"
                        .into(),
                )
                .into_api(),
                other => other.into_api(),
            })?;
        }
        Ok(ApiUser {
            actor: me.actor,
            via: Via::Session { csrf: me.csrf },
        })
    }
}

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The label is empty or too long.
    #[error("label: {0}")]
    Label(String),
    /// The operating system gave no randomness.
    #[error("no randomness available: {0}")]
    Random(String),
    /// No live token with that id belongs to the user.
    #[error("no live token {0} of yours")]
    NotFound(i64),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TokenError> for WebError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Label(m) => WebError::field("label", format!("label: {m}")),
            TokenError::NotFound(_) => WebError::NotFound,
            TokenError::Random(m) => WebError::Internal(m),
            TokenError::Store(s) => s.into(),
        }
    }
}

/// A token just created: `secret` is shown once and never stored (only its SHA-256 is).
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Id, for listing and revoking.
    pub id: i64,
    /// The bearer secret.
    pub secret: String,
}

/// Creates an API token for `actor` labelled `label` (audited as `token.create`).
pub async fn create_token(app: &App, actor: &Actor, label: &str) -> Result<NewToken, TokenError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(TokenError::Label(
            "say what the token is for, e.g. \"nightly export\"".into(),
        ));
    }
    if label.chars().count() > 100 {
        return Err(TokenError::Label("use at most 100 characters".into()));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    let secret: String = std::iter::once(TOKEN_PREFIX.to_string())
        .chain(bytes.iter().map(|b| format!("{b:02x}")))
        .collect();
    let record = AuditRecord::new(
        actor.username.as_str(),
        "token.create",
        "api_token",
        "",
        serde_json::json!({"label": label}),
    );
    let id = app
        .store
        .api_token_create(&actor.username, label, &secret, &record)
        .await?;
    Ok(NewToken { id, secret })
}

/// Revokes one of `actor`'s live tokens (audited as `token.revoke`).
pub async fn revoke_token(app: &App, actor: &Actor, id: i64) -> Result<(), TokenError> {
    let record = AuditRecord::new(
        actor.username.as_str(),
        "token.revoke",
        "api_token",
        "",
        serde_json::json!({}),
    );
    if app
        .store
        .api_token_revoke(&actor.username, id, &record)
        .await?
    {
        Ok(())
    } else {
        Err(TokenError::NotFound(id))
    }
}
