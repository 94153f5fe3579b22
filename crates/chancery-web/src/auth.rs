//! Logging in and out, the current-user extractor, CSRF tokens, login throttling.

use std::net::SocketAddr;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use askama::Template;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chancery_domain::audit::AuditRecord;
use chancery_domain::ids::Username;
use chancery_domain::user::Actor;
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;
use crate::error::{Form, WebError};
use crate::pages::{Chrome, html};

const USER: &str = "user";
const LOGIN_AT: &str = "login_at";
const CSRF: &str = "csrf";
const SEEN_AT: &str = "seen_at";

/// The logged-in user of a page request, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who, as the rules see them (reloaded each request, so a disabled account stops at once).
    pub actor: Actor,
    /// The token every form must send back.
    pub csrf: String,
    /// The data generation the session was read with (see [`crate::reuse`]).
    pub generation: Option<i64>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(e.to_string())
}

fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The session's CSRF token, creating one if needed.
pub async fn csrf_token(session: &Session) -> Result<String, WebError> {
    if let Some(t) = session.get::<String>(CSRF).await.map_err(internal)? {
        return Ok(t);
    }
    let t = random_token()?;
    session.insert(CSRF, &t).await.map_err(internal)?;
    Ok(t)
}

/// Refuses a state-changing request whose token does not match the session's.
pub async fn check_csrf(session: &Session, sent: &str) -> Result<(), WebError> {
    let expected = session.get::<String>(CSRF).await.map_err(internal)?;
    match expected {
        Some(t) if !sent.is_empty() && constant_time_eq(t.as_bytes(), sent.as_bytes()) => Ok(()),
        _ => Err(WebError::Forbidden(
            "the form's security token is missing or stale: reload the page and try again".into(),
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        // Already extracted for this request (by the page-reuse middleware).
        if let Some(me) = parts.extensions.get::<CurrentUser>() {
            return Ok(me.clone());
        }
        let state = AppState::from_ref(state);
        let session = Session::from_request_parts(parts, &state)
            .await
            .map_err(|(_, m)| WebError::Internal(m.to_string()))?;
        let Some(name) = session.get::<String>(USER).await.map_err(internal)? else {
            return Err(WebError::Unauthorized);
        };
        let login_at = session
            .get::<i64>(LOGIN_AT)
            .await
            .map_err(internal)?
            .unwrap_or(0);
        let absolute = i64::try_from(state.config.absolute_timeout.as_secs()).unwrap_or(i64::MAX);
        if now().saturating_sub(login_at) > absolute {
            session.flush().await.map_err(internal)?;
            return Err(WebError::Unauthorized);
        }
        let generation = session
            .get::<i64>(crate::session::GENERATION)
            .await
            .map_err(internal)?;
        let actor = match actor(&state, &name, generation).await {
            Some(a) => a,
            None => {
                session.flush().await.map_err(internal)?;
                return Err(WebError::Unauthorized);
            }
        };
        // tower-sessions writes a session (and so pushes its expiry back) only when its data
        // changes: without this the idle timeout would count from login, not from the last
        // request. Refreshing at most every quarter of the timeout (and at most a minute apart)
        // keeps the writes few.
        let idle = i64::try_from(state.config.idle_timeout.as_secs()).unwrap_or(i64::MAX);
        let seen_at = session.get::<i64>(SEEN_AT).await.map_err(internal)?;
        let now = now();
        if seen_at.is_none_or(|t| now.saturating_sub(t) >= (idle / 4).min(60)) {
            session.insert(SEEN_AT, now).await.map_err(internal)?;
        }
        let csrf = csrf_token(&session).await?;
        Ok(CurrentUser {
            actor,
            csrf,
            generation,
        })
    }
}

/// The active account `name`, reused while the data generation is the one it was read under
/// (disabling an account or changing its role moves the generation). `None` when there is no
/// such active account.
async fn actor(state: &AppState, name: &str, generation: Option<i64>) -> Option<Actor> {
    if let Some(g) = generation
        && let Some((seen, actor)) = state.actors.get(name)
        && seen == g
    {
        return Some(actor);
    }
    let actor = state.app.actor(name).await.ok()?;
    if let Some(g) = generation {
        state.actors.insert(name.to_string(), (g, actor.clone()));
    }
    Some(actor)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<crate::pages::UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    message: Option<String>,
    username: String,
}

/// `GET /login`.
pub async fn login_page(session: Session) -> Result<Response, WebError> {
    let csrf = csrf_token(&session).await?;
    html(LoginPage {
        user: None,
        csrf,
        banner: None,
        message: None,
        username: String::new(),
    })
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`: rate-limited per account and per address; the same work is done whether
/// or not the account exists; the session id is rotated on success.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let window = i64::try_from(state.config.throttle_window.as_secs()).unwrap_or(i64::MAX);
    let since = now() - window;
    let store = &state.app.store;
    let user_key = format!("user:{}", form.username.trim().to_ascii_lowercase());
    let addr_key = format!("addr:{}", addr.ip());
    let max = state.config.max_failed_logins;
    if store.throttle_failures(&user_key, since).await? >= max
        || store.throttle_failures(&addr_key, since).await? >= max
    {
        return Err(WebError::TooManyRequests(format!(
            "too many failed logins: wait {} minutes and try again",
            window / 60
        )));
    }
    let account = match Username::parse(&form.username) {
        Ok(name) => store.user(&name).await?,
        Err(_) => None,
    };
    let hash = account
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let verified = PasswordHash::new(&hash)
        .map(|h| {
            Argon2::default()
                .verify_password(form.password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    let ok = verified
        && account
            .as_ref()
            .is_some_and(|u| u.active && u.password_hash.is_some());
    let Some(account) = account.filter(|_| ok) else {
        store.throttle_fail(&user_key, now(), since).await?;
        store.throttle_fail(&addr_key, now(), since).await?;
        tracing::warn!(address = %addr.ip(), "failed login");
        let csrf = csrf_token(&session).await?;
        let page = LoginPage {
            user: None,
            csrf,
            banner: None,
            message: Some("Wrong username or password.".into()),
            username: form.username,
        };
        let mut response = html(page)?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    store.throttle_clear(&user_key).await?;
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER, account.actor.username.as_str())
        .await
        .map_err(internal)?;
    session.insert(LOGIN_AT, now()).await.map_err(internal)?;
    session
        .insert(CSRF, random_token()?)
        .await
        .map_err(internal)?;
    store
        .record(&AuditRecord::new(
            account.actor.username.as_str(),
            "auth.login",
            "user",
            account.actor.username.as_str(),
            serde_json::json!({}),
        ))
        .await?;
    Ok(Redirect::to("/").into_response())
}

/// A form carrying only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(session: Session, Form(form): Form<CsrfForm>) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    session.flush().await.map_err(internal)?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    user: Option<crate::pages::UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    notice: Option<String>,
    username: String,
    role: String,
    clearance: String,
}

fn account_page_for(me: &CurrentUser, notice: Option<String>) -> Result<Response, WebError> {
    let chrome = Chrome::new(me, None);
    html(AccountPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        notice,
        username: me.actor.username.to_string(),
        role: me.actor.role.to_string(),
        clearance: me.actor.clearance.to_string(),
    })
}

/// `GET /account`.
pub async fn account_page(me: CurrentUser) -> Result<Response, WebError> {
    account_page_for(&me, None)
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current: String,
    new: String,
}

/// `POST /account/password`.
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let store = &state.app.store;
    let row = store
        .user(&me.actor.username)
        .await?
        .ok_or(WebError::Unauthorized)?;
    let current_ok = row
        .password_hash
        .as_deref()
        .and_then(|h| PasswordHash::new(h).ok())
        .is_some_and(|h| {
            Argon2::default()
                .verify_password(form.current.as_bytes(), &h)
                .is_ok()
        });
    if !current_ok {
        return Err(WebError::field("current", "the current password is wrong"));
    }
    let hash = chancery_app::hash_password(&form.new)
        .map_err(|e| WebError::field("new", e.to_string()))?;
    store
        .set_password_hash(
            &me.actor.username,
            &hash,
            &AuditRecord::new(
                me.actor.username.as_str(),
                "user.password",
                "user",
                me.actor.username.as_str(),
                serde_json::json!({}),
            ),
        )
        .await?;
    // A new password ends every other way in: rotate this session's id.
    session.cycle_id().await.map_err(internal)?;
    account_page_for(&me, Some("Password changed.".into()))
}
