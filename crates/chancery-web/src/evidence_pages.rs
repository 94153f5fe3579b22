//! The evidence locker: sources filtered by kind, grade, publisher and text; a source added
//! with an uploaded capture (SHA-256 shown); grading (A–F, 1–6, rationale; the grader is the
//! current user); `derived_from`; the source page; the citation picker; and the live preview
//! of report Markdown used by the editor's script.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chancery_domain::Classification;
use chancery_domain::evidence::{
    Credibility, Grade, PartialDate, Reliability, SourceKind, SourceSpec,
};
use chancery_domain::user::{Actor, Role};
use chancery_store::{Capture, SourceRow};
use tower_sessions::Session;

use crate::AppState;
use crate::auth::{CurrentUser, check_csrf};
use crate::error::WebError;
use crate::fields::{
    self, CheckedForm, Fields, FormError, bad_request, classification_options, options, path_id,
};
use crate::pages::{Chrome, UserBox, html};
use crate::render::markdown_cited;

/// The evidence locker's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sources", get(list).post(add))
        .route("/sources/picker", get(picker))
        .route("/sources/{id}", get(detail))
        .route("/sources/{id}/grade", post(grade))
        .route("/sources/{id}/capture", get(capture))
        .route("/sources/{id}/derived-from", post(derived_from))
        .route("/preview", post(preview))
        .route("/static/editor.js", get(script))
}

/// Whether the role records evidence (the app layer decides; this only hides forms).
pub(crate) fn records_evidence(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::PostDrafter | Role::PostApprover | Role::HqEditor
    )
}

/// Titles of the sources `actor` may see, for citation link titles.
pub(crate) async fn visible_titles(
    state: &AppState,
    actor: &Actor,
) -> Result<HashMap<i64, String>, WebError> {
    Ok(state
        .app
        .list_sources(actor)
        .await?
        .into_iter()
        .map(|s| (s.id, s.spec.title))
        .collect())
}

struct SourceLine {
    id: i64,
    grade: String,
    rationale: String,
    kind: String,
    publisher: String,
    title: String,
    published: String,
    sha: String,
    graded_by: String,
    derived_from: Option<i64>,
}

fn line(s: SourceRow) -> SourceLine {
    SourceLine {
        id: s.id,
        grade: s.grade.to_string(),
        rationale: s.grade_rationale.unwrap_or_default(),
        kind: s.spec.kind.code().into(),
        publisher: s.spec.publisher,
        title: s.spec.title,
        published: s.spec.published.map(|d| d.to_string()).unwrap_or_default(),
        sha: s
            .capture_sha256
            .map(|h| h.chars().take(16).collect())
            .unwrap_or_default(),
        graded_by: s.graded_by.unwrap_or_default(),
        derived_from: s.spec.derived_from,
    }
}

/// The locker's filter, as given in the query string.
struct Filter {
    kind: Option<SourceKind>,
    reliability: Option<Reliability>,
    credibility: Option<Credibility>,
    publisher: String,
    q: String,
}

impl Filter {
    fn parse(f: &Fields) -> Result<Filter, WebError> {
        let (reliability, credibility) = match f.get("grade") {
            "" => (None, None),
            g if g.len() == 1 => (
                Some(
                    Reliability::parse(&g.to_ascii_uppercase())
                        .map_err(|e| fields::invalid("grade", e))?,
                ),
                None,
            ),
            g => {
                let grade = Grade::parse(&g.to_ascii_uppercase())
                    .map_err(|e| fields::invalid("grade", e))?;
                (Some(grade.reliability), Some(grade.credibility))
            }
        };
        Ok(Filter {
            kind: f.optional("kind", SourceKind::parse)?,
            reliability,
            credibility,
            publisher: f.get("publisher").to_lowercase(),
            q: f.get("q").to_lowercase(),
        })
    }

    fn keeps(&self, s: &SourceRow) -> bool {
        self.kind.is_none_or(|k| k == s.spec.kind)
            && self.reliability.is_none_or(|r| r == s.grade.reliability)
            && self.credibility.is_none_or(|c| c == s.grade.credibility)
            && (self.publisher.is_empty()
                || s.spec.publisher.to_lowercase().contains(&self.publisher))
            && (self.q.is_empty()
                || s.spec.title.to_lowercase().contains(&self.q)
                || s.spec.publisher.to_lowercase().contains(&self.q))
    }
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    sources: Vec<SourceLine>,
    total: usize,
    kinds: Vec<(String, String, bool)>,
    grade: String,
    publisher: String,
    q: String,
    can_record: bool,
    markings: Vec<(String, String, bool)>,
    max_upload: usize,
    /// The add form: its error, what was sent, and the kinds with the sent one selected.
    error: FormError,
    new: Fields,
    new_kinds: Vec<(String, String, bool)>,
}

/// `GET /sources?kind=&grade=&publisher=&q=`: the locker, filtered.
async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    list_page(&state, &me, Fields::query(raw), None).await
}

async fn list_page(
    state: &AppState,
    me: &CurrentUser,
    query: Fields,
    sent: Option<(Fields, FormError)>,
) -> Result<Response, WebError> {
    let filter = Filter::parse(&query)?;
    let all = state.app.list_sources(&me.actor).await?;
    let total = all.len();
    let shown: Vec<SourceRow> = all.into_iter().filter(|s| filter.keeps(s)).collect();
    let top = shown.iter().map(|s| s.spec.marking).max();
    let chrome = Chrome::new(me, top);
    let (new, error) = sent.unwrap_or_default();
    let kind_options = |selected: &str| {
        options(
            SourceKind::ALL
                .iter()
                .map(|k| (k.code(), k.code().replace('_', " "))),
            selected,
        )
    };
    html(SourcesPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        sources: shown.into_iter().map(line).collect(),
        total,
        kinds: options(
            SourceKind::ALL
                .iter()
                .map(|k| (k.code(), k.code().replace('_', " "))),
            query.get("kind"),
        ),
        grade: query.get("grade").to_string(),
        publisher: query.get("publisher").to_string(),
        q: query.get("q").to_string(),
        can_record: records_evidence(&me.actor),
        markings: classification_options(match new.get("marking") {
            "" => "U",
            m => m,
        }),
        max_upload: state.config.max_body_bytes,
        new_kinds: kind_options(new.get("kind")),
        error,
        new,
    })
}

/// `POST /sources` (multipart): records a source, with its capture file if one is attached.
async fn add(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    body: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let mp = body.map_err(|_| WebError::BadRequest {
        field: None,
        detail: "send the form as multipart/form-data (the page's form does this)".into(),
    })?;
    let mut f = Fields::multipart(mp, "capture", state.config.max_body_bytes).await?;
    check_csrf(&session, f.csrf()).await?;
    let file = f.file.take();
    let had_file = file.is_some();
    match add_source(&state, &me, &f, file).await {
        Ok(id) => Ok(Redirect::to(&format!("/sources/S{id}?added=1")).into_response()),
        Err(e) => {
            let mut error = FormError::of(e)?;
            if had_file {
                error
                    .detail
                    .push_str(" (choose the capture file again: it is not kept)");
            }
            list_page(&state, &me, Fields::default(), Some((f, error)))
                .await
                .map(bad_request)
        }
    }
}

/// Checks and records a source from the add form; its id.
async fn add_source(
    state: &AppState,
    me: &CurrentUser,
    f: &Fields,
    file: Option<(String, String, String, Vec<u8>)>,
) -> Result<i64, WebError> {
    let spec = SourceSpec {
        kind: f.parse("kind", SourceKind::parse)?,
        publisher: f.required("publisher")?.to_string(),
        title: f.required("title")?.to_string(),
        url: f.text("url"),
        published: f.optional("published", PartialDate::parse)?,
        language: f.text("language").unwrap_or_else(|| "en".into()),
        marking: f
            .optional("marking", fields::classification)?
            .unwrap_or(Classification::Unclassified),
        derived_from: f.optional("derived_from", fields::source_id)?,
    };
    if let Some(u) = &spec.url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(fields::invalid(
            "url",
            format!("{u:?} must start with https:// or http://"),
        ));
    }
    let capture = file.map(|(_, name, media, bytes)| Capture {
        name: if name.is_empty() {
            "capture".into()
        } else {
            name
        },
        media_type: media,
        bytes,
    });
    Ok(state
        .app
        .add_source(&me.actor, &spec, capture.as_ref())
        .await?)
}

struct Related {
    id: i64,
    title: String,
}

#[derive(Template)]
#[template(path = "source.html")]
struct SourcePage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    notice: Option<String>,
    id: i64,
    kind: String,
    publisher: String,
    title: String,
    url: Option<String>,
    published: String,
    language: String,
    marking: String,
    grade: String,
    rationale: String,
    graded_by: String,
    graded_at: String,
    capture_name: String,
    sha256: String,
    retrieved_at: String,
    created_by: String,
    derived_from: Option<Related>,
    echoes: Vec<Related>,
    can_record: bool,
    reliabilities: Vec<(String, String, bool)>,
    credibilities: Vec<(String, String, bool)>,
    /// A refused grading or `derived_from` form, shown again as sent with its error.
    grade_error: FormError,
    rationale_sent: String,
    derived_error: FormError,
    derived_sent: Option<String>,
}

/// Which form of the source page a refused submission came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceForm {
    Grade,
    DerivedFrom,
}

/// `GET /sources/{id}` (`S12` or `12`).
async fn detail(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let id = path_id(&id, "S")?;
    source_page(&state, &me, id, raw, None).await
}

async fn source_page(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    raw: Option<String>,
    sent: Option<(&Fields, FormError, SourceForm)>,
) -> Result<Response, WebError> {
    let s = state.app.visible_source(&me.actor, id).await?;
    let all = state.app.list_sources(&me.actor).await?;
    let derived_from = s.spec.derived_from.map(|d| Related {
        id: d,
        // The parent may be above the viewer's clearance: then only its code shows.
        title: all
            .iter()
            .find(|x| x.id == d)
            .map(|x| x.spec.title.clone())
            .unwrap_or_default(),
    });
    let echoes = all
        .iter()
        .filter(|x| x.spec.derived_from == Some(id))
        .map(|x| Related {
            id: x.id,
            title: x.spec.title.clone(),
        })
        .collect();
    let notice = Fields::query(raw).text("added").map(|_| {
        format!(
            "Recorded S{id}.{}",
            match &s.capture_sha256 {
                Some(h) => format!(" The capture's SHA-256 is {h}."),
                None => " No capture was attached.".into(),
            }
        )
    });
    let chrome = Chrome::new(me, Some(s.spec.marking));
    let (mut grade_error, mut derived_error) = (FormError::default(), FormError::default());
    let (mut rationale_sent, mut derived_sent) = (String::new(), None);
    let mut reliability = s.grade.reliability.code().to_string();
    let mut credibility = s.grade.credibility.code().to_string();
    match sent {
        Some((f, e, SourceForm::Grade)) => {
            grade_error = e;
            rationale_sent = f.raw("rationale").unwrap_or_default().to_string();
            reliability = f.get("reliability").to_string();
            credibility = f.get("credibility").to_string();
        }
        Some((f, e, SourceForm::DerivedFrom)) => {
            derived_error = e;
            derived_sent = Some(f.get("derived_from").to_string());
        }
        None => {}
    }
    html(SourcePage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        notice,
        id,
        kind: s.spec.kind.code().replace('_', " "),
        publisher: s.spec.publisher,
        title: s.spec.title,
        url: s
            .spec
            .url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        published: s.spec.published.map(|d| d.to_string()).unwrap_or_default(),
        language: s.spec.language,
        marking: s.spec.marking.code().into(),
        grade: s.grade.to_string(),
        rationale: s.grade_rationale.unwrap_or_default(),
        graded_by: s.graded_by.unwrap_or_default(),
        graded_at: s.graded_at.unwrap_or_default(),
        capture_name: s.capture_name.unwrap_or_default(),
        sha256: s.capture_sha256.unwrap_or_default(),
        retrieved_at: s.retrieved_at.unwrap_or_default(),
        created_by: s.created_by,
        derived_from,
        echoes,
        can_record: records_evidence(&me.actor),
        reliabilities: options(
            Reliability::ALL
                .iter()
                .map(|r| (r.code(), r.code().to_string())),
            &reliability,
        ),
        credibilities: options(
            Credibility::ALL
                .iter()
                .map(|c| (c.code(), c.code().to_string())),
            &credibility,
        ),
        grade_error,
        rationale_sent,
        derived_error,
        derived_sent,
    })
}

/// `GET /sources/{id}/capture`: the captured bytes, to those who may see the source.
async fn capture(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = path_id(&id, "S")?;
    let (name, media_type, bytes) = state.app.source_capture(&me.actor, id).await?;
    Ok(capture_response(&name, &media_type, bytes))
}

/// A capture as a download: always an attachment (never rendered in the application's
/// origin), its recorded media type when that is a well-formed one, `nosniff`, a sandboxing
/// CSP, not cached; the file name is sanitised for the header (ASCII fallback plus the UTF-8
/// name, RFC 6266).
pub(crate) fn capture_response(name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    let well_formed = media_type.split_once('/').is_some_and(|(a, b)| {
        let token = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
        };
        let b = b.split(';').next().unwrap_or("").trim();
        token(a) && token(b)
    });
    let content_type = if well_formed {
        media_type.trim().to_string()
    } else {
        "application/octet-stream".to_string()
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let header_value = |v: &str| {
        HeaderValue::from_str(v)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    (
        [
            (header::CONTENT_TYPE, header_value(&content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// `POST /sources/{id}/grade`: reliability, credibility, rationale.
async fn grade(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "S")?;
    // Visibility first: a source the user may not see is a 404 whatever was sent.
    state.app.visible_source(&me.actor, id).await?;
    let done = async {
        let grade = Grade {
            reliability: f.parse("reliability", Reliability::parse)?,
            credibility: f.parse("credibility", Credibility::parse)?,
        };
        let rationale = f.required("rationale")?;
        state
            .app
            .grade_source(&me.actor, id, grade, rationale)
            .await?;
        Ok::<_, WebError>(())
    };
    match done.await {
        Ok(()) => Ok(Redirect::to(&format!("/sources/S{id}")).into_response()),
        Err(e) => {
            let error = FormError::of(e)?;
            source_page(&state, &me, id, None, Some((&f, error, SourceForm::Grade)))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /sources/{id}/derived-from`: the source this one repeats (empty clears it).
async fn derived_from(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let id = path_id(&id, "S")?;
    state.app.visible_source(&me.actor, id).await?;
    let done = async {
        let parent = f.optional("derived_from", fields::source_id)?;
        state
            .app
            .mark_derived_from(&me.actor, id, parent)
            .await
            .map_err(|e| match WebError::from(e) {
                WebError::BadRequest { detail, .. } => fields::invalid("derived_from", detail),
                other => other,
            })
    };
    match done.await {
        Ok(()) => Ok(Redirect::to(&format!("/sources/S{id}")).into_response()),
        Err(e) => {
            let error = FormError::of(e)?;
            let sent = Some((&f, error, SourceForm::DerivedFrom));
            source_page(&state, &me, id, None, sent)
                .await
                .map(bad_request)
        }
    }
}

#[derive(Template)]
#[template(path = "picker.html")]
struct PickerPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    sources: Vec<SourceLine>,
}

/// `GET /sources/picker`: the sources the user may cite, with their grade and the code to
/// copy. The editor's script loads this page and inserts the code at the cursor.
async fn picker(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    let list = state.app.list_sources(&me.actor).await?;
    let top = list.iter().map(|s| s.spec.marking).max();
    let chrome = Chrome::new(&me, top);
    html(PickerPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        sources: list.into_iter().map(line).collect(),
    })
}

/// `POST /preview` (`csrf`, `body`): the Markdown rendered as the report page will show it
/// (sanitised; citation titles only of sources the user may see), as an HTML fragment.
async fn preview(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let body = f
        .raw("body")
        .ok_or_else(|| WebError::field("body", "the form field \"body\" is missing"))?;
    let titles = visible_titles(&state, &me.actor).await?;
    let mut r = Html(markdown_cited(body, &titles)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /static/editor.js`: the editor's progressive enhancement (live preview, citation
/// picker). Served from this origin, so the strict CSP (`script-src 'self'`) holds.
async fn script() -> Response {
    let mut r = include_str!("../static/editor.js").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}
