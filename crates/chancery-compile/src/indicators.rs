//! The cross-country indicator tables and charts: for every indicator the tasking's template
//! asks for, the statistics explorer's view ([`App::explore`]) over the addressees' host
//! countries, as a table of the latest periods and a line chart. Rates only (the catalogue
//! defines each indicator as numerator / denominator × factor); cells resting on a count below
//! the small-cell threshold are suppressed by the explorer (E009) and stay suppressed here.

use std::collections::{BTreeMap, BTreeSet};

use chancery_app::{App, StatsQuery, StatsView};
use chancery_domain::Classification;
use chancery_domain::post::Post;
use chancery_domain::tasking::TaskingSpec;
use chancery_domain::user::Actor;
use chancery_stats::country::Country;

use crate::model::{Cell, Chart, IndicatorRow, IndicatorTable, Indicators, Issue};

/// The indicators part, and for each table the ids of the graded sources behind it (in the
/// order the explorer lists them), which the loader turns into endnotes.
pub(crate) struct Loaded {
    pub indicators: Indicators,
    pub sources: Vec<Vec<i64>>,
}

/// How many of the latest periods a table shows (the chart shows them all).
pub const TABLE_PERIODS: usize = 6;

/// Tables and charts for the indicators `spec`'s template requires, read as `actor` would (or
/// at the release level, when lower, so a releasable edition names only releasable sources).
/// An indicator the catalogue does not define, or one without data, becomes an error line.
pub(crate) async fn load(
    app: &App,
    actor: &Actor,
    release: Option<Classification>,
    spec: &TaskingSpec,
    posts: &BTreeMap<String, Post>,
    errors: &mut Vec<Issue>,
) -> Result<Loaded, chancery_app::AppError> {
    let mut codes: Vec<&str> = Vec::new();
    for section in &spec.sections {
        for code in &section.indicators {
            if !codes.contains(&code.as_str()) {
                codes.push(code);
            }
        }
    }
    let mut countries: Vec<String> = Vec::new();
    for post in &spec.addressees {
        if let Some(p) = posts.get(post.as_str()) {
            let c = p.country.to_string();
            if !countries.contains(&c) {
                countries.push(c);
            }
        }
    }
    let mut reader = actor.clone();
    if let Some(level) = release {
        reader.clearance = reader.clearance.min(level);
    }
    let mut out = Loaded {
        indicators: Indicators::default(),
        sources: Vec::new(),
    };
    for code in codes {
        let query = StatsQuery {
            code: code.to_string(),
            countries: countries.clone(),
            from: None,
            to: None,
        };
        let view = match app.explore(&reader, &query).await {
            Ok(view) => view,
            Err(chancery_app::AppError::Invalid(detail)) => {
                errors.push(Issue {
                    code: "indicator".into(),
                    detail: format!("indicator {code}: {detail}"),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        if view.rows.is_empty() {
            errors.push(Issue {
                code: "indicator".into(),
                detail: format!(
                    "indicator {code}: no data for {} in the statistics imported",
                    countries.join(", ")
                ),
            });
            continue;
        }
        let (table, chart) = table_and_chart(&view, &countries);
        out.indicators.tables.push(table);
        out.indicators.charts.extend(chart);
        out.sources.push(
            view.sources
                .iter()
                .filter_map(|s| s.label.strip_prefix('S')?.parse().ok())
                .collect(),
        );
    }
    Ok(out)
}

/// The first four-digit number in `s`, e.g. `2025` in `CAN: numerator period 2025 has…`.
fn first_year(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let four = &bytes[i..i + 4];
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        (bounded && four.iter().all(u8::is_ascii_digit)).then(|| &s[i..i + 4])
    })
}

/// The country's name, e.g. `Canada`, or the code when unknown.
fn country_name(code: &str) -> String {
    Country::from_alpha3(code).map_or_else(|| code.to_string(), |c| c.name().to_string())
}

fn table_and_chart(view: &StatsView, countries: &[String]) -> (IndicatorTable, Option<Chart>) {
    let periods: BTreeSet<&str> = view.rows.iter().map(|r| r.period.as_str()).collect();
    let columns: Vec<String> = periods
        .iter()
        .rev()
        .take(TABLE_PERIODS)
        .rev()
        .map(|p| (*p).to_string())
        .collect();
    let rows = countries
        .iter()
        .map(|country| IndicatorRow {
            label: country_name(country),
            cells: columns
                .iter()
                .map(|period| {
                    match view
                        .rows
                        .iter()
                        .find(|r| &r.country == country && &r.period == period)
                    {
                        Some(r) if r.value.is_some() => Cell::Value(r.shown.clone()),
                        Some(_) => Cell::Suppressed,
                        None => Cell::Missing,
                    }
                })
                .collect(),
        })
        .collect();
    // Publishers here; the full reference (title, grade, SHA-256) is the endnote.
    let mut publishers: Vec<&str> = Vec::new();
    for s in &view.sources {
        if !publishers.contains(&s.publisher.as_str()) {
            publishers.push(&s.publisher);
        }
    }
    let sources = publishers.join("; ");
    let mut note = format!(
        "{}. Sources: {sources}.",
        view.definition.trim_end_matches('.')
    );
    // Gaps (period mismatches, missing denominators) only for the periods the table shows:
    // the period a gap is about is the first year it names.
    let gaps = view
        .gaps
        .iter()
        .filter(|g| first_year(g).is_some_and(|y| columns.iter().any(|c| c.starts_with(y))));
    for caveat in view.caveats.iter().chain(gaps) {
        note.push(' ');
        note.push_str(caveat.trim());
        if !caveat.trim_end().ends_with('.') {
            note.push('.');
        }
    }
    let chart = view.chart_svg().map(|svg| Chart {
        title: view.name.clone(),
        svg,
        source: format!("Source: {sources}"),
    });
    (
        IndicatorTable {
            code: view.code.clone(),
            title: view.name.clone(),
            unit: view.unit.clone(),
            columns,
            rows,
            note,
            notes: Vec::new(),
        },
        chart,
    )
}

#[cfg(test)]
mod tests {
    use super::first_year;

    #[test]
    fn a_gap_is_about_the_first_year_it_names() {
        assert_eq!(
            first_year("CAN: numerator period 2025 has no population_total (nearby: 2024)"),
            Some("2025")
        );
        assert_eq!(first_year("AUS 2024: no observation"), Some("2024"));
        assert_eq!(first_year("per 100000 residents"), None);
        assert_eq!(first_year("no year"), None);
    }
}
