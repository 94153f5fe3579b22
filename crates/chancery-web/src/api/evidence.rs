//! The evidence locker: sources (with grading), incidents, engagements, policy measures.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_domain::Classification;
use chancery_domain::evidence::{
    EngagementSpec, Grade, IncidentSpec, PolicySpec, PolicyTarget, SourceSpec,
};
use chancery_store::Capture;

use super::app_error;
use super::auth::ApiUser;
use super::dto::{
    Created, EngagementPage, ErrorEnvelope, GradeBody, IncidentPage, NewEngagement, NewIncident,
    NewPolicy, NewSource, PolicyPage, SourceDto, SourcePage,
};
use super::extract::{ApiJson, ApiPath, Pagination};
use crate::AppState;
use crate::error::{ApiError, WebError};

/// Sources the caller may see (clearance applies to each source's marking).
#[utoipa::path(
    get,
    path = "/sources",
    tag = "evidence",
    params(Pagination),
    responses(
        (status = 200, description = "A page of sources", body = SourcePage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list_sources(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<SourcePage>, ApiError> {
    let all = state.app.list_sources(&me.actor).await.map_err(app_error)?;
    Ok(Json(SourcePage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Records a source (post staff and HQ editors), ungraded (`F6`) until graded.
#[utoipa::path(
    post,
    path = "/sources",
    tag = "evidence",
    request_body = NewSource,
    responses(
        (status = 201, description = "Recorded", body = SourceDto),
        (status = 400, description = "Invalid fields, personal data (E006), or marking above your clearance", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not record evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn add_source(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(body): ApiJson<NewSource>,
) -> Result<(StatusCode, Json<SourceDto>), ApiError> {
    let spec = SourceSpec {
        kind: body.kind,
        publisher: body.publisher,
        title: body.title,
        url: body.url,
        published: body.published,
        language: body.language.unwrap_or_else(|| "en".into()),
        marking: body.marking.unwrap_or(Classification::Unclassified),
        derived_from: body.derived_from,
    };
    let capture = body.capture.map(|c| Capture {
        name: c.name,
        media_type: c.media_type.unwrap_or_else(|| "text/plain".into()),
        bytes: c.text.into_bytes(),
    });
    let id = state
        .app
        .add_source(&me.actor, &spec, capture.as_ref())
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_source(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// A source id from the path: `12` or `S12`.
fn source_id(s: &str) -> Result<i64, WebError> {
    let digits = s.strip_prefix('S').unwrap_or(s);
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

/// Grades a source (Admiralty scale, with a rationale); the grader is recorded.
#[utoipa::path(
    post,
    path = "/sources/{id}/grade",
    tag = "evidence",
    params(("id" = String, Path, description = "Source id, `12` or `S12`")),
    request_body = GradeBody,
    responses(
        (status = 200, description = "Graded", body = SourceDto),
        (status = 400, description = "Bad grade or empty rationale", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not grade evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such source, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn grade_source(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<GradeBody>,
) -> Result<Json<SourceDto>, ApiError> {
    let id = source_id(&id)?;
    let grade =
        Grade::parse(&body.grade).map_err(|e| WebError::field("grade", format!("grade: {e}")))?;
    state
        .app
        .grade_source(&me.actor, id, grade, &body.rationale)
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_source(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// Incidents the caller may see.
#[utoipa::path(
    get,
    path = "/incidents",
    tag = "evidence",
    params(Pagination),
    responses(
        (status = 200, description = "A page of incidents", body = IncidentPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list_incidents(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<IncidentPage>, ApiError> {
    let all = state
        .app
        .list_incidents(&me.actor)
        .await
        .map_err(app_error)?;
    Ok(Json(IncidentPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Records an incident (an event, never a person) for the caller's post.
#[utoipa::path(
    post,
    path = "/incidents",
    tag = "evidence",
    request_body = NewIncident,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, description = "Invalid fields or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "A cited source does not exist or is not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn add_incident(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewIncident>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let spec = IncidentSpec {
        post: b.post,
        occurred: b.occurred,
        occurred_until: b.occurred_until,
        country: b.country,
        region: b.region,
        locality: b.locality,
        category: b.category,
        victims: b.victims,
        suspects: b.suspects,
        legal_status: b.legal_status,
        verification: b.verification,
        summary: b.summary,
        marking: b.marking,
        sources: b.sources,
    };
    let id = state
        .app
        .add_incident(&me.actor, &spec)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Engagements the caller may see.
#[utoipa::path(
    get,
    path = "/engagements",
    tag = "evidence",
    params(Pagination),
    responses(
        (status = 200, description = "A page of engagements", body = EngagementPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list_engagements(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<EngagementPage>, ApiError> {
    let all = state
        .app
        .list_engagements(&me.actor)
        .await
        .map_err(app_error)?;
    Ok(Json(EngagementPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Records an engagement with host-government officials (by office and title).
#[utoipa::path(
    post,
    path = "/engagements",
    tag = "evidence",
    request_body = NewEngagement,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, description = "Invalid fields, unknown talking point, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "The tasking does not exist or is not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn add_engagement(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewEngagement>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let date = chancery_domain::dates::parse(&b.date)
        .map_err(|e| WebError::field("date", format!("date: {e}")))?;
    let spec = EngagementSpec {
        post: b.post,
        tasking: b.tasking,
        date,
        host_office: b.host_office,
        official_title: b.official_title,
        talking_points: b.talking_points,
        host_response: b.host_response,
        follow_up: b.follow_up,
        marking: b.marking,
    };
    let id = state
        .app
        .add_engagement(&me.actor, &spec)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Policy measures the caller may see.
#[utoipa::path(
    get,
    path = "/policies",
    tag = "evidence",
    params(Pagination),
    responses(
        (status = 200, description = "A page of policy measures", body = PolicyPage),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn list_policies(
    State(state): State<AppState>,
    me: ApiUser,
    page: Pagination,
) -> Result<Json<PolicyPage>, ApiError> {
    let all = state
        .app
        .list_policies(&me.actor)
        .await
        .map_err(app_error)?;
    Ok(Json(PolicyPage::of(
        all.into_iter().map(Into::into).collect(),
        page,
    )))
}

/// Records a host-government policy measure.
#[utoipa::path(
    post,
    path = "/policies",
    tag = "evidence",
    request_body = NewPolicy,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, description = "Invalid fields or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not record evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn add_policy(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewPolicy>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let spec = PolicySpec {
        country: b.country,
        title: b.title,
        measure_type: b.measure_type,
        announced: b.announced,
        in_force: b.in_force,
        description: b.description,
        source: b.source,
        targets: b
            .targets
            .into_iter()
            .map(|t| PolicyTarget {
                series: t.series,
                period: t.period,
                value: t.value,
                unit: t.unit,
            })
            .collect(),
        marking: b.marking.unwrap_or(Classification::Unclassified),
    };
    let id = state
        .app
        .add_policy(&me.actor, &spec)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
