//! Statistics: the explorer's table as JSON or CSV, and the series and indicator catalogue.
//! Any authenticated role may read them.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::dto::ErrorEnvelope;
use crate::AppState;
use crate::error::{ApiError, WebError};
use crate::statistics_pages::{csv_response, parameter_error, parse_query};

/// One row of a statistics table.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRowDto {
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Canonical period.
    pub period: String,
    /// The value, absent when suppressed (E009).
    pub value: Option<f64>,
    /// The cell as shown: the number, `<10` or `suppressed`.
    pub shown: String,
    /// Indicators: the numerator as shown.
    pub numerator: Option<String>,
    /// Indicators: the denominator as shown.
    pub denominator: Option<String>,
    /// Vintages (imports) the value rests on.
    pub vintages: Vec<i64>,
    /// Source labels (`S12`) or publication URLs.
    pub sources: Vec<String>,
}

/// A source behind a statistics table.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsSourceDto {
    /// `S12`, or the URL when no graded source stands for the publication.
    pub label: String,
    /// Publisher.
    pub publisher: String,
    /// Title.
    pub title: String,
    /// URL.
    pub url: Option<String>,
    /// Grade such as `A1`.
    pub grade: Option<String>,
}

/// A series or indicator for some countries and years, with sources, caveats and chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    /// Series or indicator code.
    pub code: String,
    /// `series` or `indicator`.
    pub what: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Definition, or the indicator's formula.
    pub definition: String,
    /// Countries asked for (empty: all).
    pub countries: Vec<String>,
    /// First year asked for.
    pub from: Option<String>,
    /// Last year asked for.
    pub to: Option<String>,
    /// The table.
    pub rows: Vec<StatsRowDto>,
    /// Why some values could not be computed (period mismatches, missing denominators).
    pub gaps: Vec<String>,
    /// Sources of the values shown.
    pub sources: Vec<StatsSourceDto>,
    /// Caveats.
    pub caveats: Vec<String>,
    /// Counts below this are suppressed.
    pub small_cell_threshold: u64,
    /// The chart as a standalone SVG document.
    pub chart_svg: Option<String>,
}

impl From<chancery_app::StatsView> for StatsDto {
    fn from(v: chancery_app::StatsView) -> Self {
        let chart_svg = v.chart_svg();
        StatsDto {
            code: v.code,
            what: v.what.to_string(),
            name: v.name,
            unit: v.unit,
            definition: v.definition,
            countries: v.countries,
            from: v.from,
            to: v.to,
            rows: v
                .rows
                .into_iter()
                .map(|r| StatsRowDto {
                    country: r.country,
                    period: r.period,
                    value: r.value,
                    shown: r.shown,
                    numerator: r.numerator,
                    denominator: r.denominator,
                    vintages: r.vintages,
                    sources: r.sources,
                })
                .collect(),
            gaps: v.gaps,
            sources: v
                .sources
                .into_iter()
                .map(|s| StatsSourceDto {
                    label: s.label,
                    publisher: s.publisher,
                    title: s.title,
                    url: s.url,
                    grade: s.grade,
                })
                .collect(),
            caveats: v.caveats,
            small_cell_threshold: v.small_cell_threshold,
            chart_svg,
        }
    }
}

/// A catalogue entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueEntry {
    /// Code.
    pub code: String,
    /// `series` or `indicator`.
    pub what: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Definition, or the indicator's formula.
    pub definition: String,
    /// Caveats.
    pub caveats: Vec<String>,
}

async fn view(
    state: &AppState,
    me: &ApiUser,
    raw: Option<&str>,
) -> Result<chancery_app::StatsView, ApiError> {
    let Some(query) = parse_query(raw)? else {
        return Err(
            WebError::field("code", "parameter `code`: choose a series or an indicator").into(),
        );
    };
    Ok(state
        .app
        .explore(&me.actor, &query)
        .await
        .map_err(parameter_error)?)
}

/// A series or indicator for some countries and years (`?code=&countries=CAN,NZL&from=&to=`).
#[utoipa::path(
    operation_id = "explore_statistics",
    get,
    path = "/statistics",
    tag = "statistics",
    params(
        ("code" = String, Query, description = "Series or indicator code of the catalogue"),
        ("countries" = Option<String>, Query, description = "ISO 3166-1 alpha-3 codes, comma-separated or repeated; all when absent"),
        ("from" = Option<String>, Query, description = "First year, e.g. 2015"),
        ("to" = Option<String>, Query, description = "Last year, e.g. 2024"),
    ),
    responses(
        (status = 200, description = "The table with sources, caveats and chart", body = StatsDto),
        (status = 400, description = "A missing, unknown or malformed parameter (named in `field`)", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn explore(
    State(state): State<AppState>,
    me: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<StatsDto>, ApiError> {
    Ok(Json(view(&state, &me, raw.as_deref()).await?.into()))
}

/// The same table as CSV, exactly the cells the JSON and the page show.
#[utoipa::path(
    operation_id = "explore_statistics_csv",
    get,
    path = "/statistics/csv",
    tag = "statistics",
    params(
        ("code" = String, Query, description = "Series or indicator code of the catalogue"),
        ("countries" = Option<String>, Query, description = "ISO 3166-1 alpha-3 codes, comma-separated or repeated"),
        ("from" = Option<String>, Query, description = "First year"),
        ("to" = Option<String>, Query, description = "Last year"),
    ),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 400, description = "A missing, unknown or malformed parameter", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn explore_csv(
    State(state): State<AppState>,
    me: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let v = view(&state, &me, raw.as_deref()).await?;
    Ok(csv_response(&v)?)
}

/// The series and indicators of the catalogue in force.
#[utoipa::path(
    operation_id = "statistics_catalogue",
    get,
    path = "/statistics/catalogue",
    tag = "statistics",
    responses(
        (status = 200, description = "Indicators, then series", body = Vec<CatalogueEntry>),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    )
)]
pub async fn catalogue(
    State(state): State<AppState>,
    _me: ApiUser,
) -> Result<Json<Vec<CatalogueEntry>>, ApiError> {
    let c = state.app.catalogue().await.map_err(super::app_error)?;
    let mut out: Vec<CatalogueEntry> = c
        .indicators
        .iter()
        .map(|i| CatalogueEntry {
            code: i.code.clone(),
            what: "indicator".into(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            definition: format!("{} / {} × {}", i.numerator, i.denominator, i.factor),
            caveats: i.caveats.clone(),
        })
        .collect();
    out.extend(c.series.iter().map(|s| CatalogueEntry {
        code: s.code.clone(),
        what: "series".into(),
        name: s.name.clone(),
        unit: s.unit.clone(),
        definition: s.definition.clone(),
        caveats: s.caveats.clone(),
    }));
    Ok(Json(out))
}
