//! The consolidated report through the API: the same compilation as the UI's download, as the
//! caller may read it.

use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::auth::ApiUser;
use super::dto::ErrorEnvelope;
use super::extract::ApiPath;
use crate::AppState;
use crate::compiled::{CompileQuery, render};
use crate::error::ApiError;

/// The consolidated report of a tasking (DESIGN §7): accepted post reports (add
/// `transmitted=1` for transmitted ones), paragraphs above the caller's clearance withheld, or
/// a releasable edition with `release=U`. Deterministic: the same data gives the same bytes.
#[utoipa::path(
    operation_id = "compile_tasking",
    get,
    path = "/taskings/{reference}/compiled",
    tag = "taskings",
    params(
        ("reference" = String, Path, description = "Tasking reference, e.g. CHN-2026-0001"),
        ("format" = Option<String>, Query, description = "html (default), pdf, md, json or cable"),
        ("release" = Option<String>, Query, description = "Releasable edition at this level (U, SBU, C, S), at most your clearance"),
        ("transmitted" = Option<String>, Query, description = "1 to include transmitted, not yet accepted, versions"),
        ("date" = Option<String>, Query, description = "Date printed on the report (YYYY-MM-DD); default: the latest version's"),
    ),
    responses(
        (status = 200, description = "The compiled report (an attachment in the requested format)", content_type = "application/octet-stream"),
        (status = 400, description = "Bad format, release level or date", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 404, description = "No such tasking, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn compiled(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(reference): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = CompileQuery::parse(query.as_deref()).map_err(ApiError)?;
    render(&state, &me.actor, &reference, &query)
        .await
        .map_err(ApiError)
}
