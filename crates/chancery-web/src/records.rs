//! Incidents, engagements (with the talking points delivered) and policy measures: list,
//! create, edit. One page per kind serves both the list (with the form to record a new one)
//! and the edit page of one record; the app layer checks and audits every write.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chancery_domain::evidence::{
    EngagementSpec, IncidentSpec, LegalStatus, MeasureType, PartialDate, PolicySpec, PolicyTarget,
    Verification,
};
use chancery_domain::ids::{CountryCode, PostCode, TalkingPointId, TaskingRef, VocabCode};
use chancery_domain::user::Actor;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::evidence_pages::records_evidence;
use crate::fields::{
    self, CheckedForm, Fields, FormError, bad_request, classification_options, options, path_id,
};
use crate::pages::{Chrome, UserBox, html};

/// The records' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(incidents).post(create_incident))
        .route("/incidents/{id}", get(incident).post(edit_incident))
        .route("/engagements", get(engagements).post(create_engagement))
        .route("/engagements/{id}", get(engagement).post(edit_engagement))
        .route("/policies", get(policies).post(create_policy))
        .route("/policies/{id}", get(policy).post(edit_policy))
}

type Choices = Vec<(String, String, bool)>;

fn opt_str<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Whether `actor` may edit a record of `post` (the app layer decides; this hides forms).
fn may_edit(actor: &Actor, post: Option<&PostCode>) -> bool {
    records_evidence(actor) && post.is_none_or(|p| !actor.role.is_post_scoped() || actor.is_at(p))
}

async fn post_choices(
    state: &AppState,
    actor: &Actor,
    selected: &str,
) -> Result<Choices, WebError> {
    let posts = state.app.store.posts().await?;
    Ok(options(
        posts
            .iter()
            .filter(|p| !actor.role.is_post_scoped() || actor.is_at(&p.code))
            .map(|p| (p.code.as_str(), format!("{} · {}", p.code, p.name))),
        selected,
    ))
}

/// After a successful write: the record's page.
fn to(path: String) -> Response {
    Redirect::to(&path).into_response()
}

// ----- incidents -----

struct IncidentLine {
    id: i64,
    occurred: String,
    post: String,
    place: String,
    category: String,
    counts: String,
    legal_status: String,
    verification: String,
    marking: String,
    sources: String,
}

#[derive(Default)]
struct IncidentValues {
    post: String,
    occurred: String,
    occurred_until: String,
    country: String,
    region: String,
    locality: String,
    victims: String,
    suspects: String,
    summary: String,
    sources: String,
}

impl IncidentValues {
    /// What the user sent, to show again with the error.
    fn sent(f: &Fields) -> Self {
        IncidentValues {
            post: f.get("post").into(),
            occurred: f.get("occurred").into(),
            occurred_until: f.get("occurred_until").into(),
            country: f.get("country").into(),
            region: f.get("region").into(),
            locality: f.get("locality").into(),
            victims: f.get("victims").into(),
            suspects: f.get("suspects").into(),
            summary: f.get("summary").into(),
            sources: f.get("sources").into(),
        }
    }
}

/// A page with a form: the form error to show (empty when there is none).
type Sent<'a> = Option<(&'a Fields, FormError)>;

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    error: FormError,
    rows: Vec<IncidentLine>,
    editing: Option<i64>,
    can_edit: bool,
    v: IncidentValues,
    posts: Choices,
    categories: Choices,
    legal_statuses: Choices,
    verifications: Choices,
    markings: Choices,
}

fn incident_spec(f: &Fields) -> Result<IncidentSpec, WebError> {
    Ok(IncidentSpec {
        post: f.parse("post", PostCode::parse)?,
        occurred: f.parse("occurred", PartialDate::parse)?,
        occurred_until: f.optional("occurred_until", PartialDate::parse)?,
        country: f.parse("country", CountryCode::parse)?,
        region: f.text("region"),
        locality: f.text("locality"),
        category: f.parse("category", VocabCode::parse)?,
        victims: f.optional("victims", fields::count)?,
        suspects: f.optional("suspects", fields::count)?,
        legal_status: f.parse("legal_status", LegalStatus::parse)?,
        verification: f.parse("verification", Verification::parse)?,
        summary: f.required("summary")?.to_string(),
        marking: f.parse("marking", fields::classification)?,
        sources: f.parse("sources", fields::source_ids)?,
    })
}

/// An unknown category is a bad form field (the store would call it "not found").
pub(crate) async fn known_category(state: &AppState, spec: &IncidentSpec) -> Result<(), WebError> {
    let known = state.app.store.vocab("incident_categories").await?;
    if known.iter().any(|c| c.code == spec.category) {
        return Ok(());
    }
    let codes: Vec<&str> = known.iter().map(|c| c.code.as_str()).collect();
    Err(fields::invalid(
        "category",
        format!(
            "{:?} is not an incident category; use one of {}",
            spec.category.as_str(),
            codes.join(", ")
        ),
    ))
}

async fn incident_page(
    state: &AppState,
    me: &CurrentUser,
    editing: Option<i64>,
    sent: Sent<'_>,
) -> Result<Response, WebError> {
    let all = state.app.list_incidents(&me.actor).await?;
    let (mut v, mut selected, can_edit, level) = match editing {
        Some(id) => {
            let row = all.iter().find(|i| i.id == id).ok_or(WebError::NotFound)?;
            let s = &row.spec;
            let v = IncidentValues {
                post: s.post.to_string(),
                occurred: s.occurred.to_string(),
                occurred_until: opt_str(&s.occurred_until),
                country: s.country.to_string(),
                region: s.region.clone().unwrap_or_default(),
                locality: s.locality.clone().unwrap_or_default(),
                victims: opt_str(&s.victims),
                suspects: opt_str(&s.suspects),
                summary: s.summary.clone(),
                sources: s
                    .sources
                    .iter()
                    .map(|x| format!("S{x}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let selected = (
                s.category.to_string(),
                s.legal_status.code().to_string(),
                s.verification.code().to_string(),
                s.marking.code().to_string(),
            );
            (
                v,
                selected,
                may_edit(&me.actor, Some(&s.post)),
                Some(s.marking),
            )
        }
        None => (
            IncidentValues {
                post: opt_str(&me.actor.post),
                ..Default::default()
            },
            (
                String::new(),
                "unknown".to_string(),
                "unverified".to_string(),
                "U".to_string(),
            ),
            records_evidence(&me.actor),
            all.iter().map(|i| i.spec.marking).max(),
        ),
    };
    let error = match sent {
        Some((f, error)) => {
            v = IncidentValues::sent(f);
            selected = (
                f.get("category").into(),
                f.get("legal_status").into(),
                f.get("verification").into(),
                f.get("marking").into(),
            );
            error
        }
        None => FormError::default(),
    };
    let rows = if editing.is_some() {
        Vec::new()
    } else {
        all.iter()
            .map(|i| {
                let s = &i.spec;
                IncidentLine {
                    id: i.id,
                    occurred: match &s.occurred_until {
                        Some(u) => format!("{} – {u}", s.occurred),
                        None => s.occurred.to_string(),
                    },
                    post: s.post.to_string(),
                    place: [
                        Some(s.country.to_string()),
                        s.region.clone(),
                        s.locality.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                    category: s.category.to_string(),
                    counts: format!("{} / {}", opt_str(&s.victims), opt_str(&s.suspects)),
                    legal_status: s.legal_status.code().replace('_', " "),
                    verification: s.verification.code().replace('_', " "),
                    marking: s.marking.code().into(),
                    sources: s
                        .sources
                        .iter()
                        .map(|x| format!("S{x}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                }
            })
            .collect()
    };
    let categories = state.app.store.vocab("incident_categories").await?;
    let chrome = Chrome::new(me, level);
    html(IncidentsPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        error,
        rows,
        editing,
        can_edit,
        posts: post_choices(state, &me.actor, &v.post).await?,
        categories: options(
            categories
                .iter()
                .map(|c| (c.code.as_str(), c.label.clone())),
            &selected.0,
        ),
        legal_statuses: options(
            LegalStatus::ALL
                .iter()
                .map(|x| (x.code(), x.code().replace('_', " "))),
            &selected.1,
        ),
        verifications: options(
            Verification::ALL
                .iter()
                .map(|x| (x.code(), x.code().replace('_', " "))),
            &selected.2,
        ),
        markings: classification_options(&selected.3),
        v,
    })
}

/// `GET /incidents`.
async fn incidents(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    incident_page(&state, &me, None, None).await
}

/// `GET /incidents/{id}`: one incident, with the edit form when the user may edit it.
async fn incident(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    incident_page(&state, &me, Some(path_id(&id, "INC")?), None).await
}

/// `POST /incidents`.
async fn create_incident(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let done = async {
        let spec = incident_spec(&f)?;
        known_category(&state, &spec).await?;
        Ok(state.app.add_incident(&me.actor, &spec).await?)
    };
    match done.await {
        Ok(id) => Ok(to(format!("/incidents/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            incident_page(&state, &me, None, Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /incidents/{id}`.
async fn edit_incident(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "INC")?;
    state.app.visible_incident(&me.actor, id).await?;
    let done = async {
        let spec = incident_spec(&f)?;
        known_category(&state, &spec).await?;
        Ok::<_, WebError>(state.app.update_incident(&me.actor, id, &spec).await?)
    };
    match done.await {
        Ok(()) => Ok(to(format!("/incidents/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            incident_page(&state, &me, Some(id), Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}

// ----- engagements -----

struct EngagementLine {
    id: i64,
    date: String,
    post: String,
    host: String,
    tasking: String,
    talking_points: String,
    host_response: String,
    marking: String,
}

#[derive(Default)]
struct EngagementValues {
    post: String,
    date: String,
    host_office: String,
    official_title: String,
    host_response: String,
    follow_up: String,
}

/// A talking point offered as a checkbox: (tasking, id, text, checked).
struct PointChoice {
    tasking: String,
    id: String,
    text: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "engagements.html")]
struct EngagementsPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    error: FormError,
    rows: Vec<EngagementLine>,
    editing: Option<i64>,
    can_edit: bool,
    v: EngagementValues,
    posts: Choices,
    taskings: Choices,
    points: Vec<PointChoice>,
    markings: Choices,
}

fn engagement_spec(f: &Fields) -> Result<EngagementSpec, WebError> {
    let talking_points = f
        .all("talking_points")
        .into_iter()
        .map(|tp| {
            TalkingPointId::parse(tp)
                .map_err(|e| fields::invalid("talking_points", format!("{tp:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EngagementSpec {
        post: f.parse("post", PostCode::parse)?,
        tasking: f.optional("tasking", TaskingRef::parse)?,
        date: f.parse("date", chancery_domain::dates::parse)?,
        host_office: f.required("host_office")?.to_string(),
        official_title: f.required("official_title")?.to_string(),
        talking_points,
        host_response: f.required("host_response")?.to_string(),
        follow_up: f.get("follow_up").to_string(),
        marking: f.parse("marking", fields::classification)?,
    })
}

async fn engagement_page(
    state: &AppState,
    me: &CurrentUser,
    editing: Option<i64>,
    sent: Sent<'_>,
) -> Result<Response, WebError> {
    let all = state.app.list_engagements(&me.actor).await?;
    let current = match editing {
        Some(id) => Some(
            all.iter()
                .find(|e| e.id == id)
                .ok_or(WebError::NotFound)?
                .spec
                .clone(),
        ),
        None => None,
    };
    let views = state.app.list_taskings(&me.actor).await?;
    let (mut v, can_edit, level, mut tasking_sel, mut marking_sel) = match &current {
        Some(s) => (
            EngagementValues {
                post: s.post.to_string(),
                date: chancery_domain::dates::format(s.date),
                host_office: s.host_office.clone(),
                official_title: s.official_title.clone(),
                host_response: s.host_response.clone(),
                follow_up: s.follow_up.clone(),
            },
            may_edit(&me.actor, Some(&s.post)),
            Some(s.marking),
            opt_str(&s.tasking),
            s.marking.code().to_string(),
        ),
        None => (
            EngagementValues {
                post: opt_str(&me.actor.post),
                ..Default::default()
            },
            records_evidence(&me.actor),
            all.iter().map(|e| e.spec.marking).max(),
            String::new(),
            "U".to_string(),
        ),
    };
    let sent_points: Option<(String, Vec<String>)> = sent.as_ref().map(|(f, _)| {
        (
            f.get("tasking").to_string(),
            f.all("talking_points")
                .iter()
                .map(|x| x.to_string())
                .collect(),
        )
    });
    let error = match sent {
        Some((f, error)) => {
            v = EngagementValues {
                post: f.get("post").into(),
                date: f.get("date").into(),
                host_office: f.get("host_office").into(),
                official_title: f.get("official_title").into(),
                host_response: f.get("host_response").into(),
                follow_up: f.get("follow_up").into(),
            };
            tasking_sel = f.get("tasking").into();
            marking_sel = f.get("marking").into();
            error
        }
        None => FormError::default(),
    };
    let points = views
        .iter()
        .flat_map(|t| {
            t.tasking.talking_points.iter().map(|p| PointChoice {
                tasking: t.tasking.reference.to_string(),
                id: p.id.to_string(),
                text: p.text.clone(),
                checked: match &sent_points {
                    Some((tasking, points)) => {
                        tasking == t.tasking.reference.as_str()
                            && points.iter().any(|x| *x == p.id.to_string())
                    }
                    None => current.as_ref().is_some_and(|s| {
                        s.tasking.as_ref() == Some(&t.tasking.reference)
                            && s.talking_points.contains(&p.id)
                    }),
                },
            })
        })
        .collect();
    let rows = if editing.is_some() {
        Vec::new()
    } else {
        all.iter()
            .map(|e| {
                let s = &e.spec;
                EngagementLine {
                    id: e.id,
                    date: chancery_domain::dates::format(s.date),
                    post: s.post.to_string(),
                    host: format!("{}, {}", s.official_title, s.host_office),
                    tasking: opt_str(&s.tasking),
                    talking_points: s
                        .talking_points
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                    host_response: s.host_response.clone(),
                    marking: s.marking.code().into(),
                }
            })
            .collect()
    };
    let chrome = Chrome::new(me, level);
    html(EngagementsPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        error,
        rows,
        editing,
        can_edit,
        posts: post_choices(state, &me.actor, &v.post).await?,
        taskings: options(
            views.iter().map(|t| {
                (
                    t.tasking.reference.as_str(),
                    format!("{} · {}", t.tasking.reference, t.tasking.subject),
                )
            }),
            &tasking_sel,
        ),
        points,
        markings: classification_options(&marking_sel),
        v,
    })
}

/// `GET /engagements`.
async fn engagements(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    engagement_page(&state, &me, None, None).await
}

/// `GET /engagements/{id}`.
async fn engagement(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    engagement_page(&state, &me, Some(path_id(&id, "ENG")?), None).await
}

/// `POST /engagements`.
async fn create_engagement(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let done = async {
        let spec = engagement_spec(&f)?;
        Ok::<_, WebError>(state.app.add_engagement(&me.actor, &spec).await?)
    };
    match done.await {
        Ok(id) => Ok(to(format!("/engagements/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            engagement_page(&state, &me, None, Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /engagements/{id}`.
async fn edit_engagement(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "ENG")?;
    state.app.visible_engagement(&me.actor, id).await?;
    let done = async {
        let spec = engagement_spec(&f)?;
        Ok::<_, WebError>(state.app.update_engagement(&me.actor, id, &spec).await?)
    };
    match done.await {
        Ok(()) => Ok(to(format!("/engagements/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            engagement_page(&state, &me, Some(id), Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}

// ----- policy measures -----

struct PolicyLine {
    id: i64,
    country: String,
    title: String,
    measure_type: String,
    announced: String,
    in_force: String,
    source: String,
    targets: usize,
    marking: String,
}

#[derive(Default)]
struct PolicyValues {
    country: String,
    title: String,
    announced: String,
    in_force: String,
    description: String,
    source: String,
    /// One target a line: `series | period | value | unit`.
    targets: String,
}

/// A measure's targets as the form shows them, one a line.
fn targets_text(targets: &[PolicyTarget]) -> String {
    targets
        .iter()
        .map(|t| format!("{} | {} | {} | {}", t.series, t.period, t.value, t.unit))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the targets field: one `series | period | value | unit` a line (blank lines
/// ignored); the value a finite number.
fn parse_targets(text: &str) -> Result<Vec<PolicyTarget>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [series, period, value, unit] = parts[..] else {
            return Err(format!(
                "line {}: {line:?} is not `series | period | value | unit`",
                i + 1
            ));
        };
        if series.is_empty() || period.is_empty() {
            return Err(format!(
                "line {}: the series and the period must not be empty",
                i + 1
            ));
        }
        let value = value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("line {}: {value:?} is not a number", i + 1))?;
        out.push(PolicyTarget {
            series: series.into(),
            period: period.into(),
            value,
            unit: unit.into(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "policies.html")]
struct PoliciesPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    error: FormError,
    rows: Vec<PolicyLine>,
    editing: Option<i64>,
    can_edit: bool,
    v: PolicyValues,
    measure_types: Choices,
    markings: Choices,
}

fn policy_spec(f: &Fields) -> Result<PolicySpec, WebError> {
    Ok(PolicySpec {
        country: f.parse("country", CountryCode::parse)?,
        title: f.required("title")?.to_string(),
        measure_type: f.parse("measure_type", MeasureType::parse)?,
        announced: f.optional("announced", PartialDate::parse)?,
        in_force: f.optional("in_force", PartialDate::parse)?,
        description: f.get("description").to_string(),
        source: f.optional("source", fields::source_id)?,
        targets: parse_targets(f.raw("targets").unwrap_or_default())
            .map_err(|e| fields::invalid("targets", e))?,
        marking: f.parse("marking", fields::classification)?,
    })
}

async fn policy_page(
    state: &AppState,
    me: &CurrentUser,
    editing: Option<i64>,
    sent: Sent<'_>,
) -> Result<Response, WebError> {
    let all = state.app.list_policies(&me.actor).await?;
    let (mut v, level, mut type_sel, mut marking_sel) = match editing {
        Some(id) => {
            let s = &all
                .iter()
                .find(|p| p.id == id)
                .ok_or(WebError::NotFound)?
                .spec;
            (
                PolicyValues {
                    country: s.country.to_string(),
                    title: s.title.clone(),
                    announced: opt_str(&s.announced),
                    in_force: opt_str(&s.in_force),
                    description: s.description.clone(),
                    source: s.source.map(|x| format!("S{x}")).unwrap_or_default(),
                    targets: targets_text(&s.targets),
                },
                Some(s.marking),
                s.measure_type.code().to_string(),
                s.marking.code().to_string(),
            )
        }
        None => (
            PolicyValues::default(),
            all.iter().map(|p| p.spec.marking).max(),
            "law".to_string(),
            "U".to_string(),
        ),
    };
    let error = match sent {
        Some((f, error)) => {
            v = PolicyValues {
                country: f.get("country").into(),
                title: f.get("title").into(),
                announced: f.get("announced").into(),
                in_force: f.get("in_force").into(),
                description: f.get("description").into(),
                source: f.get("source").into(),
                targets: f.raw("targets").unwrap_or_default().into(),
            };
            type_sel = f.get("measure_type").into();
            marking_sel = f.get("marking").into();
            error
        }
        None => FormError::default(),
    };
    let rows = if editing.is_some() {
        Vec::new()
    } else {
        all.iter()
            .map(|p| {
                let s = &p.spec;
                PolicyLine {
                    id: p.id,
                    country: s.country.to_string(),
                    title: s.title.clone(),
                    measure_type: s.measure_type.code().replace('_', " "),
                    announced: opt_str(&s.announced),
                    in_force: opt_str(&s.in_force),
                    source: s.source.map(|x| format!("S{x}")).unwrap_or_default(),
                    targets: s.targets.len(),
                    marking: s.marking.code().into(),
                }
            })
            .collect()
    };
    let chrome = Chrome::new(me, level);
    html(PoliciesPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        error,
        rows,
        editing,
        can_edit: records_evidence(&me.actor),
        v,
        measure_types: options(
            MeasureType::ALL
                .iter()
                .map(|x| (x.code(), x.code().replace('_', " "))),
            &type_sel,
        ),
        markings: classification_options(&marking_sel),
    })
}

/// `GET /policies`.
async fn policies(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    policy_page(&state, &me, None, None).await
}

/// `GET /policies/{id}`.
async fn policy(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    policy_page(&state, &me, Some(path_id(&id, "PM")?), None).await
}

/// `POST /policies`.
async fn create_policy(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let done = async {
        let spec = policy_spec(&f)?;
        Ok::<_, WebError>(state.app.add_policy(&me.actor, &spec).await?)
    };
    match done.await {
        Ok(id) => Ok(to(format!("/policies/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            policy_page(&state, &me, None, Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /policies/{id}`, its quantitative targets included.
async fn edit_policy(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "PM")?;
    state.app.visible_policy(&me.actor, id).await?;
    let done = async {
        let spec = policy_spec(&f)?;
        Ok::<_, WebError>(state.app.update_policy(&me.actor, id, &spec).await?)
    };
    match done.await {
        Ok(()) => Ok(to(format!("/policies/{id}"))),
        Err(e) => {
            let error = FormError::of(e)?;
            policy_page(&state, &me, Some(id), Some((&f, error)))
                .await
                .map(bad_request)
        }
    }
}
