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
    Created, DerivedFromBody, EngagementDto, EngagementPage, ErrorEnvelope, GradeBody, IncidentDto,
    IncidentPage, NewEngagement, NewIncident, NewPolicy, NewSource, PolicyDto, PolicyPage,
    SourceDto, SourcePage,
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
        (status = 400, description = "Invalid fields, personal data (E006), marking above your clearance, or a `derived_from` source that does not exist or that you may not see", body = ErrorEnvelope),
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
        (status = 400, description = "Invalid fields, a cited source that does not exist or that you may not see, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn add_incident(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewIncident>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let spec = incident_spec(b);
    crate::records::known_category(&state, &spec).await?;
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
        (status = 400, description = "Invalid fields, unknown or invisible tasking or talking point, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn add_engagement(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewEngagement>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let spec = engagement_spec(b)?;
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
        (status = 400, description = "Invalid fields, a source that does not exist or that you may not see, marking above your clearance, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not record evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
    )
)]
pub async fn add_policy(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<NewPolicy>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let spec = policy_spec(b)?;
    let id = state
        .app
        .add_policy(&me.actor, &spec)
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

fn incident_spec(b: NewIncident) -> IncidentSpec {
    IncidentSpec {
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
    }
}

fn engagement_spec(b: NewEngagement) -> Result<EngagementSpec, WebError> {
    let date = chancery_domain::dates::parse(&b.date)
        .map_err(|e| WebError::field("date", format!("date: {e}")))?;
    Ok(EngagementSpec {
        post: b.post,
        tasking: b.tasking,
        date,
        host_office: b.host_office,
        official_title: b.official_title,
        talking_points: b.talking_points,
        host_response: b.host_response,
        follow_up: b.follow_up,
        marking: b.marking,
    })
}

fn policy_spec(b: NewPolicy) -> Result<PolicySpec, WebError> {
    let mut targets = Vec::with_capacity(b.targets.len());
    for (i, t) in b.targets.into_iter().enumerate() {
        if !t.value.is_finite() {
            return Err(WebError::field(
                &format!("targets[{i}].value"),
                format!("targets[{i}].value: a target must be a finite number"),
            ));
        }
        for (name, text) in [("series", &t.series), ("period", &t.period)] {
            if text.trim().is_empty() {
                return Err(WebError::field(
                    &format!("targets[{i}].{name}"),
                    format!("targets[{i}].{name}: must not be empty"),
                ));
            }
        }
        targets.push(PolicyTarget {
            series: t.series,
            period: t.period,
            value: t.value,
            unit: t.unit,
        });
    }
    Ok(PolicySpec {
        country: b.country,
        title: b.title,
        measure_type: b.measure_type,
        announced: b.announced,
        in_force: b.in_force,
        description: b.description,
        source: b.source,
        targets,
        marking: b.marking.unwrap_or(Classification::Unclassified),
    })
}

/// A record id from the path: `12` or `INC12` (`ENG12`, `PM12`).
fn record_id(s: &str, prefix: &str) -> Result<i64, WebError> {
    crate::fields::path_id(s, prefix)
}

/// Replaces an incident (the same rules as recording one; post staff only their post's).
#[utoipa::path(
    put,
    path = "/incidents/{id}",
    tag = "evidence",
    params(("id" = String, Path, description = "Incident id, `3` or `INC3`")),
    request_body = NewIncident,
    responses(
        (status = 200, description = "Replaced", body = IncidentDto),
        (status = 400, description = "Invalid fields, a cited source that does not exist or that you may not see, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such incident, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn edit_incident(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewIncident>,
) -> Result<Json<IncidentDto>, ApiError> {
    let id = record_id(&id, "INC")?;
    state
        .app
        .visible_incident(&me.actor, id)
        .await
        .map_err(app_error)?;
    let spec = incident_spec(b);
    crate::records::known_category(&state, &spec).await?;
    state
        .app
        .update_incident(&me.actor, id, &spec)
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_incident(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// Replaces an engagement (the same rules as recording one).
#[utoipa::path(
    put,
    path = "/engagements/{id}",
    tag = "evidence",
    params(("id" = String, Path, description = "Engagement id, `2` or `ENG2`")),
    request_body = NewEngagement,
    responses(
        (status = 200, description = "Replaced", body = EngagementDto),
        (status = 400, description = "Invalid fields, unknown or invisible tasking or talking point, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Not allowed for this role or post, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such engagement, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn edit_engagement(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewEngagement>,
) -> Result<Json<EngagementDto>, ApiError> {
    let id = record_id(&id, "ENG")?;
    state
        .app
        .visible_engagement(&me.actor, id)
        .await
        .map_err(app_error)?;
    let spec = engagement_spec(b)?;
    state
        .app
        .update_engagement(&me.actor, id, &spec)
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_engagement(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// Replaces a policy measure, its quantitative targets included.
#[utoipa::path(
    put,
    path = "/policies/{id}",
    tag = "evidence",
    params(("id" = String, Path, description = "Policy measure id, `4` or `PM4`")),
    request_body = NewPolicy,
    responses(
        (status = 200, description = "Replaced", body = PolicyDto),
        (status = 400, description = "Invalid fields or targets, a source that does not exist or that you may not see, marking above your clearance, or personal data (E006)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not record evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such policy measure, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn edit_policy(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewPolicy>,
) -> Result<Json<PolicyDto>, ApiError> {
    let id = record_id(&id, "PM")?;
    state
        .app
        .visible_policy(&me.actor, id)
        .await
        .map_err(app_error)?;
    let spec = policy_spec(b)?;
    state
        .app
        .update_policy(&me.actor, id, &spec)
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_policy(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// Marks the source as repeating an older one (`derived_from`), or clears the mark with
/// `null`. An echo is not independent corroboration: the linter counts both as one.
#[utoipa::path(
    put,
    path = "/sources/{id}/derived_from",
    tag = "evidence",
    params(("id" = String, Path, description = "Source id, `12` or `S12`")),
    request_body = DerivedFromBody,
    responses(
        (status = 200, description = "Marked", body = SourceDto),
        (status = 400, description = "Bad body; the source itself, a newer one, or one that does not exist or that you may not see", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "Your role does not record evidence, or missing X-CSRF-Token", body = ErrorEnvelope),
        (status = 404, description = "No such source, or not visible to you", body = ErrorEnvelope),
    )
)]
pub async fn set_derived_from(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<DerivedFromBody>,
) -> Result<Json<SourceDto>, ApiError> {
    let id = source_id(&id)?;
    state
        .app
        .visible_source(&me.actor, id)
        .await
        .map_err(app_error)?;
    if let Some(p) = b.derived_from.filter(|p| *p < 1) {
        return Err(WebError::field(
            "derived_from",
            format!("derived_from: {p} is not a source id (ids start at 1)"),
        )
        .into());
    }
    state
        .app
        .mark_derived_from(&me.actor, id, b.derived_from)
        .await
        .map_err(app_error)?;
    let row = state
        .app
        .visible_source(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(Json(row.into()))
}

/// The captured content of a source, as recorded (its SHA-256 is the source's
/// `capture_sha256`), to those who may see the source. Always an attachment.
#[utoipa::path(
    get,
    path = "/sources/{id}/capture",
    tag = "evidence",
    params(("id" = String, Path, description = "Source id, `12` or `S12`")),
    responses(
        (status = 200, description = "The captured bytes, with the media type they were captured with", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 404, description = "No such source, not visible to you, or no capture", body = ErrorEnvelope),
    )
)]
pub async fn source_capture(
    State(state): State<AppState>,
    me: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = source_id(&id)?;
    let (name, media_type, bytes) = state
        .app
        .source_capture(&me.actor, id)
        .await
        .map_err(app_error)?;
    Ok(crate::evidence_pages::capture_response(
        &name,
        &media_type,
        bytes,
    ))
}
