//! The statistics explorer (DESIGN §9): pick a series or indicator, countries and years; see a
//! table and a chart with the sources and caveats; download exactly that table as CSV.
//!
//! Every signed-in role may read statistics. Small counts and the rates derived from them are
//! suppressed (E009) by the use case, so the page, the CSV and the API show the same cells.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chancery_app::{StatsQuery, StatsView};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::pages::{Chrome, UserBox, html};

/// Reads `code`, `countries` (repeated or comma-separated), `from` and `to` from a query
/// string. `None` when no `code` was given (the empty form). Unknown or repeated parameters
/// are a 400 naming the parameter.
pub(crate) fn parse_query(raw: Option<&str>) -> Result<Option<StatsQuery>, WebError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| WebError::field("query", format!("malformed query string: {e}")))?;
    let mut q = StatsQuery::default();
    let mut code = None;
    for (key, value) in pairs {
        let once = |slot: &Option<String>| {
            if slot.is_some() {
                Err(WebError::field(
                    &key,
                    format!("parameter `{key}` is given twice: give it once"),
                ))
            } else {
                Ok(())
            }
        };
        match key.as_str() {
            "code" => {
                once(&code)?;
                code = Some(value);
            }
            "countries" => q.countries.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            ),
            "from" => {
                once(&q.from)?;
                q.from = Some(value);
            }
            "to" => {
                once(&q.to)?;
                q.to = Some(value);
            }
            other => {
                return Err(WebError::field(
                    other,
                    format!(
                        "unknown parameter `{other}`: the explorer takes code, countries, from and to"
                    ),
                ));
            }
        }
    }
    Ok(code.map(|c| StatsQuery { code: c, ..q }))
}

/// Turns a use-case error into a 400 naming the parameter (`parameter `from`: …`).
pub(crate) fn parameter_error(e: chancery_app::AppError) -> WebError {
    match WebError::from(e) {
        WebError::BadRequest {
            field: None,
            detail,
        } => {
            let field = detail
                .strip_prefix("parameter `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string());
            WebError::BadRequest { field, detail }
        }
        other => other,
    }
}

/// One choice in the series/indicator picker.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Whether it is the one shown.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    indicators: Vec<Choice>,
    series: Vec<Choice>,
    countries: String,
    from: String,
    to: String,
    view: Option<StatsView>,
    chart: Option<String>,
    csv_link: String,
}

/// `GET /statistics`: the explorer.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let query = parse_query(raw.as_deref())?;
    let catalogue = state.app.catalogue().await?;
    let view = match &query {
        Some(q) => Some(
            state
                .app
                .explore(&me.actor, q)
                .await
                .map_err(parameter_error)?,
        ),
        None => None,
    };
    let selected = query.as_ref().map(|q| q.code.trim().to_string());
    let choice = |code: &str, label: String| Choice {
        code: code.to_string(),
        selected: selected.as_deref() == Some(code),
        label,
    };
    let indicators = catalogue
        .indicators
        .iter()
        .map(|i| choice(&i.code, format!("{} ({})", i.name, i.unit)))
        .collect();
    let series = catalogue
        .series
        .iter()
        .map(|s| choice(&s.code, format!("{} ({})", s.name, s.unit)))
        .collect();
    let chrome = Chrome::new(&me, None);
    let q = query.unwrap_or_default();
    let csv_link = match &raw {
        Some(r) if view.is_some() => format!("/statistics.csv?{r}"),
        _ => String::new(),
    };
    html(StatisticsPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: chrome.banner,
        indicators,
        series,
        countries: q.countries.join(","),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        chart: view.as_ref().and_then(StatsView::chart_svg),
        view,
        csv_link,
    })
}

/// `GET /statistics.csv`: the table the page shows, as CSV.
pub async fn csv(
    State(state): State<AppState>,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let Some(query) = parse_query(raw.as_deref())? else {
        return Err(WebError::field(
            "code",
            "parameter `code`: choose a series or an indicator",
        ));
    };
    let view = state
        .app
        .explore(&me.actor, &query)
        .await
        .map_err(parameter_error)?;
    csv_response(&view)
}

/// A CSV download of `view`.
pub(crate) fn csv_response(view: &StatsView) -> Result<Response, WebError> {
    let body = view
        .to_csv()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"{}.csv\"", view.code);
    let mut r = body.into_response();
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
