//! Server-rendered pages: one askama struct per page, next to its handler.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chancery_app::AppError;
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::user::Actor;
use chancery_domain::workflow::{Action, ActionKind};
use chancery_store::StoreError;
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::{CurrentUser, check_csrf};
use crate::error::{Form, WebError};
use crate::render::{markdown_cached, markdown_cited, markdown_cited_cached, titles_key};

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct UserBox {
    /// Login.
    pub username: String,
    /// Role code.
    pub role: String,
    /// Clearance code.
    pub clearance: String,
    /// Post, if post-scoped.
    pub post: Option<String>,
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The header's user box.
    pub user: Option<UserBox>,
    /// The CSRF token for forms.
    pub csrf: String,
    /// Classification banner (level code, text) for pages showing classified content.
    pub banner: Option<(String, String)>,
}

impl Chrome {
    /// The frame for `me`, with a banner at `level` if given.
    pub fn new(me: &CurrentUser, level: Option<Classification>) -> Chrome {
        Chrome {
            user: Some(UserBox {
                username: me.actor.username.to_string(),
                role: me.actor.role.to_string(),
                clearance: me.actor.clearance.to_string(),
                post: me.actor.post.as_ref().map(|p| p.to_string()),
            }),
            csrf: me.csrf.clone(),
            banner: level.map(|l| (l.code().to_string(), l.banner().to_string())),
        }
    }
}

/// Renders a page with the headers every HTML response carries.
pub fn html<T: Template>(page: T) -> Result<Response, WebError> {
    let body = page
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))?;
    let mut r = Html(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

fn tasking_ref(s: &str) -> Result<TaskingRef, WebError> {
    TaskingRef::parse(s).map_err(|_| WebError::NotFound)
}

fn post_code(s: &str) -> Result<PostCode, WebError> {
    PostCode::parse(s).map_err(|_| WebError::NotFound)
}

/// `GET /static/app.css`.
pub async fn stylesheet() -> Response {
    let mut r = include_str!("../static/app.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

struct TaskingLine {
    reference: String,
    status: String,
    subject: String,
    due: String,
    posts: usize,
    transmitted: usize,
}

struct WorkItem {
    tasking: String,
    post: String,
    what: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    taskings: Vec<TaskingLine>,
    work: Vec<WorkItem>,
}

fn work_for(actor: &Actor, status: &str) -> Option<&'static str> {
    use chancery_domain::user::Role::*;
    match (actor.role, status) {
        (PostDrafter, "not_started") => Some("to start"),
        (PostDrafter | PostApprover, "draft") => Some("to draft"),
        (PostDrafter | PostApprover, "returned") => Some("returned by HQ: revise"),
        (PostApprover, "in_clearance") => Some("to clear"),
        (PostApprover, "cleared") => Some("to transmit"),
        (HqEditor, "transmitted") => Some("to accept or return"),
        _ => None,
    }
}

/// `GET /`: my work and the taskings I may see, with completeness.
pub async fn dashboard(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, WebError> {
    // The dashboard shows no lint counts: the brief list skips linting every report.
    let views = state.app.list_taskings_brief(&me.actor).await?;
    let mut work = Vec::new();
    let mut taskings = Vec::new();
    for v in &views {
        for c in &v.completeness {
            let mine = match &me.actor.post {
                Some(p) => p == &c.post,
                None => true,
            };
            if mine
                && v.status == chancery_domain::tasking::TaskingStatus::Issued
                && let Some(what) = work_for(&me.actor, &c.status)
            {
                work.push(WorkItem {
                    tasking: v.tasking.reference.to_string(),
                    post: c.post.to_string(),
                    what: what.into(),
                });
            }
        }
        taskings.push(TaskingLine {
            reference: v.tasking.reference.to_string(),
            status: v.status.code().into(),
            subject: v.tasking.subject.clone(),
            due: chancery_domain::dates::format(v.tasking.due),
            posts: v.completeness.len(),
            transmitted: v
                .completeness
                .iter()
                .filter(|c| c.status == "transmitted" || c.status == "accepted")
                .count(),
        });
    }
    let chrome = Chrome::new(&me, None);
    html(Dashboard {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        taskings,
        work,
    })
}

struct SectionLine {
    key: String,
    title: String,
    required: bool,
    min_citations: u32,
    confidence_required: bool,
    guidance_html: Arc<str>,
}

struct CompletenessLine {
    post: String,
    status: String,
    version: String,
    timeliness: String,
    transmitted_at: String,
    lint: String,
    open: bool,
    can_start: bool,
}

#[derive(Template)]
#[template(path = "tasking.html")]
struct TaskingPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    reference: String,
    status: String,
    subject: String,
    office: String,
    due: String,
    issued: Option<String>,
    tags: String,
    body_html: Arc<str>,
    sections: Vec<SectionLine>,
    talking_points: Vec<(String, String)>,
    rows: Vec<CompletenessLine>,
}

/// `GET /taskings/{reference}`.
pub async fn tasking(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(reference): Path<String>,
) -> Result<Response, WebError> {
    let reference = tasking_ref(&reference)?;
    let v = state.app.show_tasking(&me.actor, &reference).await?;
    let t = &v.tasking;
    let issued = v.status == chancery_domain::tasking::TaskingStatus::Issued;
    let rows = v
        .completeness
        .iter()
        .map(|c| CompletenessLine {
            post: c.post.to_string(),
            status: c.status.clone(),
            version: c
                .version
                .map(|n| n.to_string())
                .unwrap_or_else(|| "–".into()),
            timeliness: c.timeliness.clone(),
            transmitted_at: c.transmitted_at.clone().unwrap_or_else(|| "–".into()),
            lint: match c.lint_findings {
                Some(0) => "clean".into(),
                Some(n) => format!("{n} ({})", c.lint_codes.join(", ")),
                None => "–".into(),
            },
            open: c.version.is_some(),
            can_start: issued
                && c.status == "not_started"
                && chancery_domain::workflow::may_start(&c.post, &me.actor).is_ok(),
        })
        .collect();
    let chrome = Chrome::new(&me, Some(t.classification));
    html(TaskingPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        reference: t.reference.to_string(),
        status: v.status.code().into(),
        subject: t.subject.clone(),
        office: t.issuing_office.clone(),
        due: chancery_domain::dates::format(t.due),
        issued: v.issued_at.clone(),
        tags: t.tags.join(" "),
        body_html: markdown_cached(&state.html, &t.body),
        sections: t
            .sections
            .iter()
            .map(|s| SectionLine {
                key: s.key.to_string(),
                title: s.title.clone(),
                required: s.required,
                min_citations: s.min_citations,
                confidence_required: s.confidence_required,
                guidance_html: markdown_cached(&state.html, &s.guidance),
            })
            .collect(),
        talking_points: t
            .talking_points
            .iter()
            .map(|p| (p.id.to_string(), p.text.clone()))
            .collect(),
        rows,
    })
}

struct PortionLine {
    marking: String,
    withheld: bool,
    html: Arc<str>,
}

struct SectionBlock {
    key: String,
    title: String,
    revision: i64,
    portions: Vec<PortionLine>,
    draft: String,
    preview: Option<String>,
    open: bool,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    tasking: String,
    post: String,
    subject: String,
    status: String,
    version: i64,
    lock: i64,
    notice: Option<String>,
    problem: Option<String>,
    findings_withheld: bool,
    findings: Vec<(String, String, String, String)>,
    actions: Vec<String>,
    editable: bool,
    can_comment: bool,
    sections: Vec<SectionBlock>,
    versions: Vec<(i64, String, String, String, Option<String>)>,
    comments: Vec<(String, String, String, String)>,
}

/// Unsaved text to show back in an editor (a preview, or a save refused with a conflict).
struct Pending {
    section: SectionKey,
    body: String,
    preview: bool,
}

async fn report_page(
    state: &AppState,
    me: &CurrentUser,
    tasking: &TaskingRef,
    post: &PostCode,
    notice: Option<String>,
    problem: Option<String>,
    pending: Option<Pending>,
) -> Result<Response, WebError> {
    let v = state.app.show_report(&me.actor, tasking, post).await?;
    let editable = chancery_domain::workflow::may_edit(v.status, post, &me.actor).is_ok();
    // Editors see the stored Markdown of the sections they may see all of (a section holding a
    // paragraph withheld from them is neither shown raw nor editable by them).
    let raw: HashMap<String, String> = if editable {
        let report_id = state
            .app
            .store
            .report(tasking, post)
            .await?
            .ok_or(WebError::NotFound)?
            .id;
        state
            .app
            .store
            .sections(report_id)
            .await?
            .into_iter()
            .map(|s| (s.key.to_string(), s.body))
            .collect()
    } else {
        HashMap::new()
    };
    let titles = crate::evidence_pages::visible_titles(state, &me.actor).await?;
    let tkey = titles_key(&titles);
    let sections = v
        .sections
        .iter()
        .map(|s| {
            let pend = pending.as_ref().filter(|p| p.section == s.key);
            let all_visible = s.portions.iter().all(|p| !p.withheld);
            SectionBlock {
                key: s.key.to_string(),
                title: s.title.clone(),
                revision: s.revision,
                portions: s
                    .portions
                    .iter()
                    .map(|p| PortionLine {
                        marking: p.marking.code().into(),
                        withheld: p.withheld,
                        html: if p.withheld {
                            format!("[paragraph withheld: {}]", p.marking).into()
                        } else {
                            markdown_cited_cached(
                                &state.html,
                                strip_mark(&p.markdown),
                                &titles,
                                &tkey,
                            )
                        },
                    })
                    .collect(),
                draft: pend
                    .map(|p| p.body.clone())
                    .or_else(|| raw.get(s.key.as_str()).filter(|_| all_visible).cloned())
                    .unwrap_or_default(),
                preview: pend
                    .filter(|p| p.preview)
                    .map(|p| markdown_cited(&p.body, &titles)),
                open: pend.is_some(),
            }
        })
        .collect();
    let chrome = Chrome::new(me, Some(v.banner));
    html(ReportPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        tasking: tasking.to_string(),
        post: post.to_string(),
        subject: v.subject.clone(),
        status: v.status.code().into(),
        version: v.version,
        lock: v.lock_version,
        notice,
        problem,
        findings_withheld: v.findings_withheld,
        findings: v
            .findings
            .iter()
            .map(|f| {
                let place = match (&f.section, f.portion) {
                    (Some(s), Some(p)) => format!("{s} ¶{}", p + 1),
                    (Some(s), None) => s.to_string(),
                    _ => "report".into(),
                };
                (
                    f.code.code().to_string(),
                    f.code.name().to_string(),
                    place,
                    f.message.clone(),
                )
            })
            .collect(),
        actions: v.actions.iter().map(|a| a.code().to_string()).collect(),
        editable,
        can_comment: chancery_app::may_comment(&me.actor, post),
        sections,
        versions: v
            .versions
            .iter()
            .map(|x| {
                (
                    x.version,
                    x.transmitted_at.clone(),
                    x.transmitted_by.clone(),
                    x.sha256.clone(),
                    x.lint_override.clone(),
                )
            })
            .collect(),
        comments: v
            .comments
            .iter()
            .map(|c| {
                (
                    c.author.clone(),
                    c.kind.clone(),
                    c.at.clone(),
                    c.body.clone(),
                )
            })
            .collect(),
    })
}

/// The portion's Markdown without its leading `(X)` marking (shown separately).
fn strip_mark(md: &str) -> &str {
    let t = md.trim_start();
    for c in Classification::ALL {
        if let Some(rest) = t.strip_prefix(&c.portion_mark()) {
            return rest.trim_start();
        }
    }
    md
}

/// `GET /taskings/{reference}/reports/{post}`.
pub async fn report(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((reference, post)): Path<(String, String)>,
) -> Result<Response, WebError> {
    report_page(
        &state,
        &me,
        &tasking_ref(&reference)?,
        &post_code(&post)?,
        None,
        None,
        None,
    )
    .await
}

/// A form carrying only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /taskings/{reference}/reports/{post}/new`.
pub async fn start_report(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path((reference, post)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    state.app.new_report(&me.actor, &t, &p).await?;
    Ok(Redirect::to(&format!("/taskings/{t}/reports/{p}")).into_response())
}

/// The section editor form.
#[derive(Debug, Deserialize)]
pub struct SectionForm {
    #[serde(default)]
    csrf: String,
    revision: i64,
    body: String,
    #[serde(default)]
    intent: String,
}

/// `POST /taskings/{reference}/reports/{post}/sections/{section}`: preview or save. A refused
/// save (conflict, personal data, clearance) shows the page again with the text kept.
pub async fn save_section(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path((reference, post, section)): Path<(String, String, String)>,
    Form(form): Form<SectionForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let key = SectionKey::parse(&section).map_err(|_| WebError::NotFound)?;
    if form.intent == "preview" {
        let pending = Pending {
            section: key,
            body: form.body,
            preview: true,
        };
        return report_page(&state, &me, &t, &p, None, None, Some(pending)).await;
    }
    match state
        .app
        .save_section(&me.actor, &t, &p, &key, &form.body, Some(form.revision))
        .await
    {
        Ok((rev, findings)) => {
            let note = format!(
                "Saved {key} as revision {rev}; {} lint finding(s).",
                findings.len()
            );
            report_page(&state, &me, &t, &p, Some(note), None, None).await
        }
        Err(e) => {
            let e = WebError::from(e);
            if matches!(e, WebError::NotFound | WebError::Internal(_)) {
                return Err(e);
            }
            let pending = Pending {
                section: key,
                body: form.body,
                preview: false,
            };
            let mut r = report_page(
                &state,
                &me,
                &t,
                &p,
                None,
                Some(e.to_string()),
                Some(pending),
            )
            .await?;
            *r.status_mut() = e.status();
            Ok(r)
        }
    }
}

/// A workflow action form.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    override_reason: String,
    lock: Option<i64>,
}

/// `POST /taskings/{reference}/reports/{post}/actions/{action}`. A refused action (illegal in
/// this status, blocked by lints, the report changed meanwhile) shows the report again with the
/// reason and the status code; a report the user may not see is a plain 404, whatever was sent.
pub async fn act(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path((reference, post, action)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    let action = match action.as_str() {
        "submit" => Action::Submit,
        "clear" => Action::Clear,
        "transmit" => Action::Transmit {
            override_reason: Some(form.override_reason).filter(|r| !r.trim().is_empty()),
        },
        "accept" => Action::Accept,
        "return" => Action::Return {
            reason: form.reason,
        },
        other => {
            return Err(WebError::field(
                "action",
                format!(
                    "\"{other}\" is not a workflow action: use submit, clear, transmit, accept or return"
                ),
            ));
        }
    };
    // Visibility first: whether a report exists, and its lock version, are facts about it too.
    state.app.show_report(&me.actor, &t, &p).await?;
    let kind: ActionKind = action.kind();
    // The action applies to the report as the user saw it: if it changed since, say so.
    let outcome: Result<_, WebError> = state
        .app
        .act_on_seen(&me.actor, &t, &p, &action, form.lock)
        .await
        .map_err(|e| match e {
            AppError::Store(StoreError::Conflict(_)) => WebError::Conflict(
                "the report changed since you opened it: check it below before acting again".into(),
            ),
            other => other.into(),
        });
    let row = match outcome {
        Ok(row) => row,
        Err(e @ (WebError::NotFound | WebError::Internal(_) | WebError::Unauthorized)) => {
            return Err(e);
        }
        Err(e) => {
            let mut r = report_page(&state, &me, &t, &p, None, Some(e.to_string()), None).await?;
            *r.status_mut() = e.status();
            return Ok(r);
        }
    };
    let note = format!(
        "{}: the report is now {} (version {}).",
        kind.code(),
        row.status,
        row.version_no
    );
    // The actor may no longer see the report (e.g. after transmission by post staff it still
    // is visible; after a return by HQ it is not): fall back to the tasking page.
    match report_page(&state, &me, &t, &p, Some(note), None, None).await {
        Err(WebError::NotFound) => Ok(Redirect::to(&format!("/taskings/{t}")).into_response()),
        other => other,
    }
}

/// The comment form.
#[derive(Debug, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    body: String,
}

/// `POST /taskings/{reference}/reports/{post}/comments`.
pub async fn comment(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path((reference, post)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&session, &form.csrf).await?;
    let (t, p) = (tasking_ref(&reference)?, post_code(&post)?);
    state
        .app
        .comment(&me.actor, &t, &p, None, &form.body)
        .await?;
    Ok(Redirect::to(&format!("/taskings/{t}/reports/{p}#comments")).into_response())
}
