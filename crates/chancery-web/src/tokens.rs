//! My account → API tokens: list, create (the secret is shown once; only its SHA-256 is
//! kept), revoke. The same use cases as `/api/v1/me/tokens` and `chancery token`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::api::auth::{create_token, revoke_token};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::fields::{self, CheckedForm, path_id};
use crate::pages::{Chrome, UserBox, html};

/// The token routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(list).post(create))
        .route("/account/tokens/{id}/revoke", post(revoke))
}

struct TokenLine {
    id: i64,
    label: String,
    created_at: String,
    last_used_at: String,
    revoked_at: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    tokens: Vec<TokenLine>,
    created: Option<(String, String)>,
}

async fn page(
    state: &AppState,
    me: &CurrentUser,
    created: Option<(String, String)>,
) -> Result<Response, WebError> {
    let tokens = state
        .app
        .store
        .api_tokens(&me.actor.username)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at.unwrap_or_else(|| "never".into()),
            revoked_at: t.revoked_at,
        })
        .collect();
    let chrome = Chrome::new(me, None);
    html(TokensPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        tokens,
        created,
    })
}

/// `GET /account/tokens`.
async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    page(&state, &me, None).await
}

/// `POST /account/tokens` (`label`): the page again, with the new secret shown this once.
async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let label = f.required("label")?;
    let created =
        create_token(&state.app, &me.actor, label)
            .await
            .map_err(|e| match WebError::from(e) {
                WebError::BadRequest {
                    field: Some(f),
                    detail,
                } => fields::invalid(&f, detail),
                other => other,
            })?;
    page(&state, &me, Some((label.to_string(), created.secret))).await
}

/// `POST /account/tokens/{id}/revoke`: another user's token is a 404, like a missing one.
async fn revoke(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    _csrf_checked: CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "")?;
    revoke_token(&state.app, &me.actor, id).await?;
    Ok(Redirect::to("/account/tokens").into_response())
}
