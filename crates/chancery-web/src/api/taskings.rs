//! Taskings: list, show, import (HQ editors) and issue.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::By;
use chancery_store::TaskingImport;

use super::auth::ApiUser;
use super::dto::{ErrorEnvelope, TaskingDto, TaskingPage};
use super::extract::{ApiPath, ApiText, Pagination};
use super::{app_error, tasking_ref};
use crate::AppState;
use crate::error::ApiError;

/// Taskings the caller may see, with completeness per post.
#[utoipa::path(
    operation_id = "list_taskings",
    get,
    path = "/taskings",
    tag = "taskings",
    params(Pagination),
    responses(
        (status = 200, description = "A page of taskings", body = TaskingPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<TaskingPage>, ApiError> {
    let all = state
        .app
        .list_taskings(&me.actor)
        .await
        .map_err(app_error)?;
    Ok(Json(TaskingPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// One tasking.
#[utoipa::path(
    operation_id = "show_tasking",
    get,
    path = "/taskings/{reference}",
    tag = "taskings",
    params(("reference" = String, Path, description = "Tasking reference, e.g. CHN-2026-0001")),
    responses(
        (status = 200, description = "The tasking", body = TaskingDto),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 404, description = "No such tasking, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<TaskingDto>, ApiError> {
    let t = tasking_ref(&reference)?;
    let view = state
        .app
        .show_tasking(&me.actor, &t)
        .await
        .map_err(app_error)?;
    Ok(Json(view.into()))
}

/// Imports a tasking file (TOML, as in `content/taskings/`) as a draft. HQ editors only.
/// Importing identical content again changes nothing (200 instead of 201).
#[utoipa::path(
    operation_id = "import_tasking",
    post,
    path = "/taskings",
    tag = "taskings",
    request_body(content = String, content_type = "application/toml", description = "The tasking file"),
    responses(
        (status = 201, description = "Imported as a draft", body = TaskingDto),
        (status = 200, description = "Already imported with this content", body = TaskingDto),
        (status = 400, description = "The file does not parse or validate", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an HQ editor, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    me: ApiUser,
    ApiText(text): ApiText,
) -> Result<(StatusCode, Json<TaskingDto>), ApiError> {
    let (reference, outcome) = state
        .app
        .import_tasking(By::User(&me.actor), "request body", &text)
        .await
        .map_err(app_error)?;
    let view = state
        .app
        .show_tasking(&me.actor, &reference)
        .await
        .map_err(app_error)?;
    let status = match outcome {
        TaskingImport::Created => StatusCode::CREATED,
        TaskingImport::Unchanged => StatusCode::OK,
    };
    Ok((status, Json(view.into())))
}

/// Issues a draft tasking to its addressee posts. HQ editors only.
#[utoipa::path(
    operation_id = "issue_tasking",
    post,
    path = "/taskings/{reference}/issue",
    tag = "taskings",
    params(("reference" = String, Path, description = "Tasking reference")),
    responses(
        (status = 200, description = "Issued", body = TaskingDto),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not an HQ editor, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such tasking", body = ErrorEnvelope),
        (status = 409, description = "Already issued (or closed): only a draft tasking can be issued", body = ErrorEnvelope),
    )
)]
pub async fn issue(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<TaskingDto>, ApiError> {
    let t = tasking_ref(&reference)?;
    state
        .app
        .issue_tasking(By::User(&me.actor), &t)
        .await
        .map_err(app_error)?;
    let view = state
        .app
        .show_tasking(&me.actor, &t)
        .await
        .map_err(app_error)?;
    Ok(Json(view.into()))
}
