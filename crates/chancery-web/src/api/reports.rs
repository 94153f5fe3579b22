//! Reports: start, read (clearance-filtered), save sections, lint, workflow actions, comments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_domain::ids::SectionKey;
use chancery_domain::workflow::Action;

use super::auth::ApiUser;
use super::dto::{
    ActionBody, Created, ErrorEnvelope, LintDto, NewComment, ReportDto, ReportStateDto,
    SaveSection, SavedSection,
};
use super::extract::{ApiJson, ApiJsonOrDefault, ApiPath};
use super::{app_error, post_code, section_key, tasking_ref};
use crate::AppState;
use crate::error::{ApiError, WebError};

/// The report of a post on a tasking, as the caller may see it: paragraphs above their
/// clearance are `[paragraph withheld: C]`, and lint findings are withheld when any paragraph
/// is.
#[utoipa::path(
    operation_id = "show_report",
    get,
    path = "/taskings/{reference}/reports/{post}",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code, e.g. OTTAWA"),
    ),
    responses(
        (status = 200, description = "The report", body = ReportDto),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 404, description = "No such report, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post)): ApiPath<(String, String)>,
) -> Result<Json<ReportDto>, ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let view = state
        .app
        .show_report(&me.actor, &t, &p)
        .await
        .map_err(app_error)?;
    Ok(Json(view.into()))
}

/// Starts the post's report on an issued tasking (the post's drafters and approvers).
#[utoipa::path(
    operation_id = "start_report",
    post,
    path = "/taskings/{reference}/reports/{post}",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code"),
    ),
    responses(
        (status = 201, description = "Started", body = ReportDto),
        (status = 400, description = "The tasking is not issued or not addressed to the post", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such tasking, or not visible to you", body = ErrorEnvelope),
        (status = 409, description = "Refused by the workflow, or already started", body = ErrorEnvelope),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<ReportDto>), ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    state
        .app
        .new_report(&me.actor, &t, &p)
        .await
        .map_err(app_error)?;
    let view = state
        .app
        .show_report(&me.actor, &t, &p)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Replaces one section's text with a new revision; answers with the report's lint findings.
/// Personal data (E006) and paragraphs marked above the caller's clearance are refused (400);
/// a stale `revision` is a conflict (409).
#[utoipa::path(
    operation_id = "save_section",
    put,
    path = "/taskings/{reference}/reports/{post}/sections/{key}",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code"),
        ("key" = String, Path, description = "Template section key"),
    ),
    request_body = SaveSection,
    responses(
        (status = 200, description = "Saved", body = SavedSection),
        (status = 400, description = "Bad body, unknown section, personal data (E006) or marking above clearance", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "May not edit this section, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such report, or not visible to you", body = ErrorEnvelope),
        (status = 409, description = "Changed since `revision`, or not editable in this status", body = ErrorEnvelope),
    )
)]
pub async fn save_section(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post, key)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<SaveSection>,
) -> Result<Json<SavedSection>, ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let key = section_key(&key)?;
    let (revision, findings) = state
        .app
        .save_section(&me.actor, &t, &p, &key, &body.body, Some(body.revision))
        .await
        .map_err(app_error)?;
    Ok(Json(SavedSection {
        revision,
        findings: findings.into_iter().map(Into::into).collect(),
    }))
}

/// The lint findings on the report's current text that the caller may see.
#[utoipa::path(
    operation_id = "lint_report",
    get,
    path = "/taskings/{reference}/reports/{post}/lint",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code"),
    ),
    responses(
        (status = 200, description = "The findings", body = LintDto),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 404, description = "No such report, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn lint(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post)): ApiPath<(String, String)>,
) -> Result<Json<LintDto>, ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let findings = state.app.lint(&me.actor, &t, &p).await.map_err(app_error)?;
    Ok(Json(LintDto {
        findings: findings.into_iter().map(Into::into).collect(),
    }))
}

/// Builds the workflow action from the path and body, refusing fields that do not apply.
fn action_from(name: &str, body: ActionBody) -> Result<(Action, Option<i64>), WebError> {
    if !["submit", "clear", "transmit", "accept", "return"].contains(&name) {
        return Err(WebError::NotFound);
    }
    let ActionBody {
        reason,
        override_reason,
        lock_version,
    } = body;
    if let Some(v) = lock_version.filter(|v| *v < 0) {
        return Err(WebError::field(
            "lock_version",
            format!(
                "lock_version: {v} is not a lock version; send the report's `lock_version` as read"
            ),
        ));
    }
    if name != "return" && reason.is_some() {
        return Err(WebError::field(
            "reason",
            "reason: only the return action takes a reason",
        ));
    }
    if name != "transmit" && override_reason.is_some() {
        return Err(WebError::field(
            "override_reason",
            "override_reason: only the transmit action takes an override reason",
        ));
    }
    let action = match name {
        "submit" => Action::Submit,
        "clear" => Action::Clear,
        "transmit" => Action::Transmit {
            override_reason: override_reason.filter(|r| !r.trim().is_empty()),
        },
        "accept" => Action::Accept,
        _ => Action::Return {
            reason: reason.unwrap_or_default(),
        },
    };
    Ok((action, lock_version))
}

/// Takes a workflow action: `submit` (drafter), `clear` and `transmit` (the post's approver;
/// blocking lint findings need `override_reason`), `accept` and `return` (HQ; `return` also by
/// the approver before transmission, with `reason`). A refusal is 409 with the reason. With
/// `lock_version` (from the report as read), the action applies only if the report has not
/// changed since; otherwise 409 and nothing changes.
#[utoipa::path(
    operation_id = "act_on_report",
    post,
    path = "/taskings/{reference}/reports/{post}/actions/{action}",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code"),
        ("action" = String, Path, description = "submit, clear, transmit, accept or return"),
    ),
    request_body(content = Option<ActionBody>, description = "May be empty"),
    responses(
        (status = 200, description = "Done", body = ReportStateDto),
        (status = 400, description = "Bad body", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such report or action, or not visible to you", body = ErrorEnvelope),
        (status = 409, description = "Refused by the workflow, with the reason, or the report changed since `lock_version`", body = ErrorEnvelope),
    )
)]
pub async fn act(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post, action)): ApiPath<(String, String, String)>,
    ApiJsonOrDefault(body): ApiJsonOrDefault<ActionBody>,
) -> Result<Json<ReportStateDto>, ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let (action, seen) = action_from(&action, body)?;
    let row = state
        .app
        .act_on_seen(&me.actor, &t, &p, &action, seen)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// Adds a comment to a report (anyone who may see it), optionally about one section.
#[utoipa::path(
    operation_id = "add_comment",
    post,
    path = "/taskings/{reference}/reports/{post}/comments",
    tag = "reports",
    params(
        ("reference" = String, Path, description = "Tasking reference"),
        ("post" = String, Path, description = "Post code"),
    ),
    request_body = NewComment,
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "Empty, personal data (E006), or unknown section", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such report, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn comment(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath((reference, post)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let section = match &body.section {
        Some(s) => {
            let key = SectionKey::parse(s)
                .map_err(|e| WebError::field("section", format!("section: {e}")))?;
            let tasking = state
                .app
                .show_tasking(&me.actor, &t)
                .await
                .map_err(app_error)?;
            if !tasking.tasking.sections.iter().any(|s| s.key == key) {
                return Err(WebError::field(
                    "section",
                    format!("section: tasking {t} has no section \"{key}\""),
                )
                .into());
            }
            Some(key)
        }
        None => None,
    };
    let id = state
        .app
        .comment(&me.actor, &t, &p, section.as_ref(), &body.body)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
