//! Search (issue 6): the page at `/search`, and the pieces the API's `GET /api/v1/search`
//! shares with it (parsing the query string, running the search as the signed-in user).
//!
//! The clearance and post-scope filter is inside the index query
//! (`chancery_search::SearchIndex::visibility`): totals, facet counts and snippets only ever
//! count what the user may see.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::user::Actor;
use chancery_search::{
    DEFAULT_PER_PAGE, FACETS, FacetCount, Hit, QueryError, SearchError, SearchRequest,
    SearchResults,
};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::pages::{Chrome, UserBox, html};

/// Parses `q`, `page`, `per_page` and one value per facet name from a raw query string.
/// Unknown parameters, repeated ones and malformed numbers are 400s naming the parameter;
/// empty filter values (an unselected form field) are ignored.
pub(crate) fn parse_request(raw: Option<&str>) -> Result<SearchRequest, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| WebError::field("query", format!("the query string is malformed: {e}")))?;
    let mut req = SearchRequest {
        q: String::new(),
        filters: BTreeMap::new(),
        page: 1,
        per_page: DEFAULT_PER_PAGE,
    };
    let mut seen = std::collections::BTreeSet::new();
    for (key, value) in pairs {
        if !seen.insert(key.clone()) {
            return Err(WebError::field(
                &key,
                format!("{key}: given twice; give each parameter once"),
            ));
        }
        let number = |v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| WebError::field(&key, format!("{key}: {v:?} is not a whole number")))
        };
        match key.as_str() {
            "q" => req.q = value,
            "page" => req.page = number(&value)?,
            "per_page" => req.per_page = number(&value)?,
            name if FACETS.contains(&name) => {
                let value = value.trim().to_string();
                if !value.is_empty() {
                    req.filters.insert(key, value);
                }
            }
            other => {
                return Err(WebError::field(
                    other,
                    format!(
                        "unknown parameter {other:?}: use q, page, per_page or a filter ({})",
                        FACETS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(req)
}

/// The field a query error is about.
fn field_of(e: &QueryError, req: &SearchRequest) -> String {
    match e {
        QueryError::PageBeyondEnd { .. } => "page".into(),
        QueryError::BadFilter(detail) => {
            for name in ["page", "per_page"] {
                if detail.starts_with(&format!("{name}:")) {
                    return name.into();
                }
            }
            req.filters
                .keys()
                .find(|k| {
                    detail.contains(&format!("filter {k}=")) || detail.contains(&format!("\"{k}\""))
                })
                .cloned()
                .unwrap_or_else(|| "q".into())
        }
        _ => "q".into(),
    }
}

/// Runs `req` as `actor`: catches the index up with the database first (so a user finds what
/// they just saved), checks that a post or tasking filter names something that exists (and,
/// for a tasking, that the user may see), then searches.
pub(crate) async fn run(
    state: &AppState,
    actor: &Actor,
    req: SearchRequest,
) -> Result<SearchResults, WebError> {
    req.check()
        .map_err(|e| WebError::field(&field_of(&e, &req), e.to_string()))?;
    for (name, value) in &req.filters {
        check_exists(state, actor, name, value).await?;
    }
    let store = state.app.store.clone();
    state
        .search
        .catch_up(&store)
        .await
        .map_err(|e| WebError::Internal(format!("search index: {e}")))?;
    let index = state.search.clone();
    let actor = actor.clone();
    let query = req.clone();
    let result = tokio::task::spawn_blocking(move || index.search(&actor, &query))
        .await
        .map_err(|e| WebError::Internal(format!("search task: {e}")))?;
    match result {
        Ok(r) => Ok(r),
        Err(SearchError::Query(e)) => Err(WebError::field(&field_of(&e, &req), e.to_string())),
        Err(e) => Err(WebError::Internal(format!("search: {e}"))),
    }
}

/// A post filter must name a post; a tasking filter a tasking the user may see (the same
/// message either way, so a hidden tasking's existence does not leak).
async fn check_exists(
    state: &AppState,
    actor: &Actor,
    name: &str,
    value: &str,
) -> Result<(), WebError> {
    match name {
        "post" => {
            let known = match PostCode::parse(value) {
                Ok(p) => state
                    .app
                    .store
                    .post(&p)
                    .await
                    .map_err(|e| WebError::Internal(e.to_string()))?
                    .is_some(),
                Err(_) => false,
            };
            if !known {
                return Err(WebError::field(
                    "post",
                    format!(
                        "filter post={value:?}: there is no such post (see the post facet for the posts with results)"
                    ),
                ));
            }
        }
        "tasking" => {
            let visible = match TaskingRef::parse(value) {
                Ok(t) => state.app.show_tasking(actor, &t).await.is_ok(),
                Err(_) => false,
            };
            if !visible {
                return Err(WebError::field(
                    "tasking",
                    format!("filter tasking={value:?}: no tasking you can see has that reference"),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

struct FacetBox {
    name: &'static str,
    label: &'static str,
    values: Vec<FacetLink>,
}

struct FacetLink {
    value: String,
    count: u64,
    href: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    q: String,
    error: Option<String>,
    results: Option<SearchResults>,
    facets: Vec<FacetBox>,
    /// Active filters: name, label, value, link without it.
    filters: Vec<(String, String, String, String)>,
    prev: Option<String>,
    next: Option<String>,
}

fn label(name: &str) -> &'static str {
    match name {
        "kind" => "Kind",
        "post" => "Post",
        "country" => "Country",
        "tasking" => "Tasking",
        "section" => "Section",
        "year" => "Year",
        "classification" => "Classification",
        "grade" => "Source grade",
        _ => "Other",
    }
}

/// `/search?…` with `q`, `filters` and `page`.
fn href(q: &str, filters: &BTreeMap<String, String>, page: u64) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    ser.append_pair("q", q);
    for (k, v) in filters {
        ser.append_pair(k, v);
    }
    if page > 1 {
        ser.append_pair("page", &page.to_string());
    }
    format!("/search?{}", ser.finish())
}

/// `GET /search`: the search box, and with `q` the results, facets and pages.
pub async fn search_page(
    State(state): State<AppState>,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let req = parse_request(raw.as_deref())?;
    let mut page = SearchPage {
        user: None,
        csrf: String::new(),
        banner: None,
        q: req.q.clone(),
        error: None,
        results: None,
        facets: Vec::new(),
        filters: req
            .filters
            .iter()
            .map(|(k, v)| {
                let mut rest = req.filters.clone();
                rest.remove(k);
                (
                    k.clone(),
                    label(k).to_string(),
                    v.clone(),
                    href(&req.q, &rest, 1),
                )
            })
            .collect(),
        prev: None,
        next: None,
    };
    let mut status = StatusCode::OK;
    let mut top: Option<Classification> = None;
    if !req.q.trim().is_empty() {
        match run(&state, &me.actor, req.clone()).await {
            Ok(results) => {
                top = results
                    .hits
                    .iter()
                    .filter_map(|h| Classification::parse(&h.classification).ok())
                    .max();
                page.facets = facet_boxes(&req, &results.facets);
                if results.page > 1 {
                    page.prev = Some(href(&req.q, &req.filters, results.page - 1));
                }
                if results.page < results.pages {
                    page.next = Some(href(&req.q, &req.filters, results.page + 1));
                }
                page.results = Some(results);
            }
            Err(WebError::BadRequest { detail, .. }) => {
                status = StatusCode::BAD_REQUEST;
                page.error = Some(detail);
            }
            Err(e) => return Err(e),
        }
    }
    let chrome = Chrome::new(&me, top);
    page.user = chrome.user;
    page.csrf = chrome.csrf;
    page.banner = chrome.banner;
    let mut response = html(page)?;
    *response.status_mut() = status;
    Ok(response.into_response())
}

fn facet_boxes(req: &SearchRequest, facets: &BTreeMap<String, Vec<FacetCount>>) -> Vec<FacetBox> {
    FACETS
        .iter()
        .filter_map(|name| {
            let values = facets.get(*name)?;
            if values.is_empty() {
                return None;
            }
            Some(FacetBox {
                name,
                label: label(name),
                values: values
                    .iter()
                    .map(|v| {
                        let mut filters = req.filters.clone();
                        filters.insert(name.to_string(), v.value.clone());
                        FacetLink {
                            value: v.value.clone(),
                            count: v.count,
                            selected: req.filters.get(*name) == Some(&v.value),
                            href: href(&req.q, &filters, 1),
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

impl SearchPage {
    fn hits(&self) -> &[Hit] {
        self.results.as_ref().map_or(&[], |r| r.hits.as_slice())
    }
}
