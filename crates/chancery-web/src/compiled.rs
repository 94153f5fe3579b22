//! The consolidated report as a download: `GET /taskings/{ref}/compiled?format=…` for the UI
//! (the form on the tasking page), and the rendering the API's
//! `GET /api/v1/taskings/{ref}/compiled` shares. Compiled as the signed-in user, so clearance
//! and post scope are those of every other page; a tasking the user may not see is the plain
//! 404.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chancery_compile::{CompileError, Format, Options};
use chancery_domain::Classification;
use chancery_domain::ids::TaskingRef;
use chancery_domain::user::Actor;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// What to compile, from the query string.
#[derive(Debug, Clone)]
pub(crate) struct CompileQuery {
    format: Format,
    options: Options,
}

impl CompileQuery {
    /// Parses `format` (html, pdf, md, json, cable; default html), `release` (U, SBU, C, S or
    /// empty), `transmitted` (1/true/on) and `date` (YYYY-MM-DD); anything else is a 400
    /// naming the parameter.
    pub(crate) fn parse(query: Option<&str>) -> Result<CompileQuery, WebError> {
        let mut out = CompileQuery {
            format: Format::Html,
            options: Options::default(),
        };
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "format" => {
                    out.format = Format::parse(&value)
                        .map_err(|e| WebError::field("format", e.to_string()))?;
                }
                "release" if value.trim().is_empty() => out.options.release = None,
                "release" => {
                    out.options.release = Some(
                        Classification::parse(&value)
                            .map_err(|e| WebError::field("release", format!("release: {e}")))?,
                    );
                }
                "transmitted" => {
                    out.options.include_transmitted = match value.as_ref() {
                        "1" | "true" | "on" | "yes" => true,
                        "" | "0" | "false" | "off" | "no" => false,
                        other => {
                            return Err(WebError::field(
                                "transmitted",
                                format!("transmitted: {other:?} is not a yes/no value: use 1 or 0"),
                            ));
                        }
                    };
                }
                "date" if value.is_empty() => out.options.date = None,
                "date" => {
                    chancery_domain::dates::parse(&value)
                        .map_err(|e| WebError::field("date", format!("date: {e}")))?;
                    out.options.date = Some(value.into_owned());
                }
                other => {
                    return Err(WebError::field(
                        other,
                        format!(
                            "unknown query parameter {other:?}: this takes format, release, transmitted and date"
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn compile_error(e: CompileError) -> WebError {
    match e {
        CompileError::NotFound(_) => WebError::NotFound,
        CompileError::Invalid(detail) => WebError::field("release", detail),
        CompileError::Corrupt(detail) => WebError::Internal(detail),
        CompileError::App(e) => e.into(),
    }
}

/// Compiles `reference` as `actor` and answers with the file as an attachment (never cached:
/// it holds what this user may read).
pub(crate) async fn render(
    state: &AppState,
    actor: &Actor,
    reference: &str,
    query: &CompileQuery,
) -> Result<Response, WebError> {
    let t = TaskingRef::parse(reference).map_err(|_| WebError::NotFound)?;
    let doc = chancery_compile::compile(&state.app, actor, &t, &query.options)
        .await
        .map_err(compile_error)?;
    let format = query.format;
    let text = chancery_compile::render_text(&doc, format);
    let bytes = match text {
        Some(text) => text.into_bytes(),
        // Typesetting is CPU work: keep it off the async workers.
        None => tokio::task::spawn_blocking(move || chancery_pdf::pdf(&doc))
            .await
            .map_err(|e| WebError::Internal(format!("PDF task: {e}")))?
            .map_err(|e| WebError::Internal(e.to_string()))?,
    };
    let disposition = format!(
        "attachment; filename=\"{}.{}\"",
        t.as_str(),
        format.extension()
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /taskings/{reference}/compiled`: the download behind the tasking page's form.
pub async fn download(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(reference): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let query = CompileQuery::parse(query.as_deref())?;
    render(&state, &me.actor, &reference, &query).await
}
