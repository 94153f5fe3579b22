//! Administration (admin role only, like the admin pages): accounts (create, change role,
//! clearance and post, reset the password, disable and enable) and the posts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_domain::ids::Username;
use chancery_domain::user::{Actor, Role};

use super::app_error;
use super::auth::ApiUser;
use super::dto::{
    ErrorEnvelope, NewUser, PostDto, UserActive, UserChange, UserDto, UserPage, UserPassword,
};
use super::extract::{ApiJson, ApiPath, Pagination};
use crate::AppState;
use crate::error::{ApiError, WebError};

/// A role code from a body, or a 400 naming `role` and the codes there are.
fn role(s: &str) -> Result<Role, WebError> {
    s.parse::<Role>().map_err(|e| {
        let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        WebError::field(
            "role",
            format!("role: {e}; use one of {}", codes.join(", ")),
        )
    })
}

/// An account name from the path: one that cannot exist is simply not found.
fn username(s: &str) -> Result<Username, WebError> {
    Username::parse(s).map_err(|_| WebError::NotFound)
}

/// The account as stored now.
async fn user_dto(state: &AppState, me: &ApiUser, name: &Username) -> Result<UserDto, ApiError> {
    let all = state.app.list_users(&me.actor).await.map_err(app_error)?;
    all.into_iter()
        .find(|u| &u.actor.username == name)
        .map(Into::into)
        .ok_or(ApiError(WebError::NotFound))
}

/// Every account (admin only).
#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "admin",
    params(Pagination),
    responses(
        (status = 200, description = "A page of accounts", body = UserPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<UserPage>, ApiError> {
    let all = state.app.list_users(&me.actor).await.map_err(app_error)?;
    Ok(Json(UserPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Creates an account with a one-time password (in this response only).
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "admin",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created; the password is shown this once", body = UserPassword),
        (status = 400, description = "Bad username, role, clearance or post", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 409, description = "The username is taken", body = ErrorEnvelope),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<UserPassword>), ApiError> {
    let name = Username::parse(&b.username)
        .map_err(|e| WebError::field("username", format!("username: {e}")))?;
    let new = Actor::new(name.clone(), role(&b.role)?, b.clearance, b.post)
        .map_err(|e| WebError::field("post", format!("post: {e}")))?;
    let password = state
        .app
        .create_user(&me.actor, &new)
        .await
        .map_err(app_error)?;
    let user = user_dto(&state, &me, &name).await?;
    Ok((StatusCode::CREATED, Json(UserPassword { user, password })))
}

/// Changes an account's role, clearance and post. An admin cannot take the admin role from
/// themselves.
#[utoipa::path(
    put,
    path = "/admin/users/{name}",
    tag = "admin",
    params(("name" = String, Path, description = "Username")),
    request_body = UserChange,
    responses(
        (status = 200, description = "Changed", body = UserDto),
        (status = 400, description = "Bad role, clearance or post", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    )
)]
pub async fn update_user(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(b): ApiJson<UserChange>,
) -> Result<Json<UserDto>, ApiError> {
    let name = username(&name)?;
    let changed = Actor::new(name.clone(), role(&b.role)?, b.clearance, b.post)
        .map_err(|e| WebError::field("post", format!("post: {e}")))?;
    state
        .app
        .update_user(
            &me.actor,
            &name,
            changed.role,
            changed.clearance,
            changed.post,
        )
        .await
        .map_err(app_error)?;
    Ok(Json(user_dto(&state, &me, &name).await?))
}

/// Sets a new random password on an account, shown in this response only.
#[utoipa::path(
    post,
    path = "/admin/users/{name}/password",
    tag = "admin",
    params(("name" = String, Path, description = "Username")),
    responses(
        (status = 200, description = "The new one-time password", body = UserPassword),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<UserPassword>, ApiError> {
    let name = username(&name)?;
    let password = state
        .app
        .reset_password(&me.actor, &name)
        .await
        .map_err(app_error)?;
    let user = user_dto(&state, &me, &name).await?;
    Ok(Json(UserPassword { user, password }))
}

/// Disables (`false`) or enables (`true`) an account. Disabling ends the account's sessions
/// and revokes its API tokens at once; a disabled account cannot log in. An admin cannot
/// disable their own account.
#[utoipa::path(
    put,
    path = "/admin/users/{name}/active",
    tag = "admin",
    params(("name" = String, Path, description = "Username")),
    request_body = UserActive,
    responses(
        (status = 200, description = "Done", body = UserDto),
        (status = 400, description = "Bad body, or your own account", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    )
)]
pub async fn set_active(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(b): ApiJson<UserActive>,
) -> Result<Json<UserDto>, ApiError> {
    let name = username(&name)?;
    state
        .app
        .set_user_active(&me.actor, &name, b.active)
        .await
        .map_err(app_error)?;
    Ok(Json(user_dto(&state, &me, &name).await?))
}

/// Every post (admin only).
#[utoipa::path(
    get,
    path = "/admin/posts",
    tag = "admin",
    responses(
        (status = 200, description = "The posts", body = Vec<PostDto>),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
    )
)]
pub async fn list_posts(
    State(state): State<AppState>,
    me: ApiUser,
) -> Result<Json<Vec<PostDto>>, ApiError> {
    let posts = state.app.list_posts(&me.actor).await.map_err(app_error)?;
    Ok(Json(
        posts
            .into_iter()
            .map(|p| PostDto {
                code: p.code.to_string(),
                name: p.name,
                kind: p.kind.code().into(),
                country: p.country.to_string(),
                region: p.region,
            })
            .collect(),
    ))
}
