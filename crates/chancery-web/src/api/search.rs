//! `GET /search`: full-text search over report paragraphs and evidence, filtered by the
//! caller's clearance and post scope inside the index query (totals, facets and snippets
//! count only what the caller may see).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiUser;
use super::dto::ErrorEnvelope;
use crate::AppState;
use crate::error::ApiError;
use crate::search_pages;

/// Query parameters (documentation; the handler parses the raw query string so that unknown
/// parameters are refused by name).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the parameters; parsing is by search_pages::parse_request"
)]
pub struct SearchParams {
    /// The query: words (all must match, stemmed per language, accents ignored),
    /// `"a phrase"`, `-excluded`, `prefix*`. At most 400 characters.
    q: String,
    /// Page, from 1. A page after the last is a 400 naming the last page.
    #[param(minimum = 1, default = 1)]
    page: Option<u64>,
    /// Results per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    per_page: Option<u64>,
    /// Filter: `paragraph`, `source`, `incident`, `engagement` or `policy`.
    kind: Option<String>,
    /// Filter: post code (`OTTAWA`).
    post: Option<String>,
    /// Filter: ISO 3166-1 alpha-3 country (`CAN`).
    country: Option<String>,
    /// Filter: tasking reference (`CHN-2026-0001`).
    tasking: Option<String>,
    /// Filter: report section key (`summary`).
    section: Option<String>,
    /// Filter: year (`2025`).
    year: Option<String>,
    /// Filter: classification of the paragraph or record (`U`, `SBU`, `C`, `S`).
    classification: Option<String>,
    /// Filter: source grade (`B2`).
    grade: Option<String>,
}

/// One result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitDto {
    /// `paragraph`, `source`, `incident`, `engagement` or `policy`.
    pub kind: String,
    /// Heading.
    pub title: String,
    /// The matching passage as HTML: text escaped, matched words in `<b>`.
    pub snippet_html: String,
    /// Path of the object in the web UI, with the paragraph's anchor.
    pub link: String,
    /// Portion marking or record marking.
    pub classification: String,
    /// Post.
    pub post: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Tasking.
    pub tasking: Option<String>,
    /// Report section.
    pub section: Option<String>,
    /// Year.
    pub year: Option<String>,
    /// Source grade.
    pub grade: Option<String>,
    /// Report version (paragraphs).
    pub version: Option<i64>,
    /// Section revision (paragraphs).
    pub revision: Option<i64>,
}

/// A facet value with its count.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetDto {
    /// The value (use it as the filter of the same name).
    pub value: String,
    /// Results with it.
    pub count: u64,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPageDto {
    /// The query as understood.
    pub query: String,
    /// Results in all pages.
    pub total: u64,
    /// This page.
    pub page: u64,
    /// Results per page.
    pub per_page: u64,
    /// Number of pages (at least 1).
    pub pages: u64,
    /// Words ignored as too common.
    pub ignored: Vec<String>,
    /// This page's results, best first (BM25; newer first on ties).
    pub items: Vec<SearchHitDto>,
    /// Per facet (`kind`, `post`, `country`, `tasking`, `section`, `year`, `classification`,
    /// `grade`), its values by count.
    pub facets: BTreeMap<String, Vec<FacetDto>>,
}

/// Searches report paragraphs, sources, incidents, engagements and policy measures.
#[utoipa::path(
    get,
    path = "/search",
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of results", body = SearchPageDto),
        (status = 400, description = "Bad query (empty, unbalanced quote, only common words, over 400 characters), unknown parameter or filter value, or a page after the last", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    me: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchPageDto>, ApiError> {
    let req = search_pages::parse_request(raw.as_deref())?;
    let r = search_pages::run(&state, &me.actor, req).await?;
    Ok(Json(SearchPageDto {
        query: r.query,
        total: r.total,
        page: r.page,
        per_page: r.per_page,
        pages: r.pages,
        ignored: r.ignored,
        items: r
            .hits
            .into_iter()
            .map(|h| SearchHitDto {
                kind: h.kind,
                title: h.title,
                snippet_html: h.snippet_html,
                link: h.link,
                classification: h.classification,
                post: h.post,
                country: h.country,
                tasking: h.tasking,
                section: h.section,
                year: h.year,
                grade: h.grade,
                version: h.version,
                revision: h.revision,
            })
            .collect(),
        facets: r
            .facets
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.into_iter()
                        .map(|f| FacetDto {
                            value: f.value,
                            count: f.count,
                        })
                        .collect(),
                )
            })
            .collect(),
    }))
}
