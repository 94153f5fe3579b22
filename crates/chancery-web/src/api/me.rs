//! The authenticated user and their API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::auth::{ApiUser, Via};
use super::dto::{CreatedToken, ErrorEnvelope, MeDto, NewToken, TokenPage};
use super::extract::{ApiJson, ApiPath, Pagination};
use crate::AppState;
use crate::error::{ApiError, WebError};

/// Who the caller is; with session authentication, also the CSRF token to send back.
#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    responses(
        (status = 200, description = "The caller", body = MeDto),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn me(me: ApiUser) -> Json<MeDto> {
    let (auth, csrf_token) = match me.via {
        Via::Token => ("token", None),
        Via::Session { csrf } => ("session", Some(csrf)),
    };
    Json(MeDto {
        username: me.actor.username.to_string(),
        role: me.actor.role.code().into(),
        clearance: me.actor.clearance.code().into(),
        post: me.actor.post.as_ref().map(ToString::to_string),
        auth: auth.into(),
        csrf_token,
    })
}

/// The caller's API tokens, newest first (never their secrets).
#[utoipa::path(
    get,
    path = "/me/tokens",
    tag = "me",
    params(Pagination),
    responses(
        (status = 200, description = "A page of tokens", body = TokenPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<TokenPage>, ApiError> {
    let all = state.app.store.api_tokens(&me.actor.username).await?;
    Ok(Json(TokenPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Creates an API token. Only from a logged-in session (or `chancery token create`): a token
/// cannot mint further tokens, so revoking a leaked one is enough to shut it out. The secret
/// is in this response only; the server keeps its SHA-256.
#[utoipa::path(
    post,
    path = "/me/tokens",
    tag = "me",
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; the token is shown this once", body = CreatedToken),
        (status = 400, description = "Empty or long label", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Authenticated by a token, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn create_token(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    if me.via == Via::Token {
        return Err(WebError::Forbidden(
            "tokens are created from a logged-in session or with `chancery token create`, not with another token".into(),
        )
        .into());
    }
    let created = super::auth::create_token(&state.app, &me.actor, &body.label).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: created.id,
            label: body.label.trim().to_string(),
            token: created.secret,
        }),
    ))
}

/// Revokes one of the caller's tokens; it stops working at once.
#[utoipa::path(
    delete,
    path = "/me/tokens/{id}",
    tag = "me",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No live token of yours with this id", body = ErrorEnvelope),
    )
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| WebError::NotFound)?;
    super::auth::revoke_token(&state.app, &me.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
