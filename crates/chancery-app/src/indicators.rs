//! The indicator catalogue and the statistics explorer's use case: a series or indicator for
//! some countries and years, as a table with its sources, caveats and chart, suppressed where
//! E009 says so, and downloadable as CSV exactly as shown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chancery_domain::access::{Resource, may_see};
use chancery_domain::audit::sha256_hex;
use chancery_domain::disclosure::{Published, Suppression, format_number};
use chancery_domain::indicator::{self, Catalogue, Point, Provenance, SeriesKind};
use chancery_domain::user::Actor;
use chancery_stats::chart::{BarChart, LineChart, Series as ChartSeries};
use chancery_store::CurrentObservation;
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, AppResult, By, audit};

/// What the explorer is asked for. Built from request parameters; [`App::explore`] validates
/// it and names the parameter that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// A series or indicator code of the catalogue.
    pub code: String,
    /// ISO 3166-1 alpha-3 codes; empty means every country with data.
    pub countries: Vec<String>,
    /// First year (inclusive).
    pub from: Option<String>,
    /// Last year (inclusive).
    pub to: Option<String>,
}

/// One row of the explorer table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// The value when it may be shown (None when suppressed).
    pub value: Option<f64>,
    /// The cell as shown: the number, `<10`, or `suppressed`.
    pub shown: String,
    /// For an indicator: the numerator value as shown (suppressed when small).
    pub numerator: Option<String>,
    /// For an indicator: the denominator value as shown (a change for change denominators).
    pub denominator: Option<String>,
    /// Vintages the value rests on.
    pub vintages: Vec<i64>,
    /// Source labels (`S12`) or, when no source is linked, the publication's URL.
    pub sources: Vec<String>,
}

/// A source behind the numbers shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsSource {
    /// `S12` when a graded source stands for the publication.
    pub label: String,
    /// Publisher.
    pub publisher: String,
    /// Title.
    pub title: String,
    /// URL.
    pub url: Option<String>,
    /// Grade (`A1`), when graded.
    pub grade: Option<String>,
}

/// What the explorer shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsView {
    /// The code asked for.
    pub code: String,
    /// `series` or `indicator`.
    pub what: &'static str,
    /// Name.
    pub name: String,
    /// Unit of the values.
    pub unit: String,
    /// The definition, or for an indicator its formula.
    pub definition: String,
    /// Countries asked for (empty: all).
    pub countries: Vec<String>,
    /// Year range asked for.
    pub from: Option<String>,
    /// Year range asked for.
    pub to: Option<String>,
    /// The table, by country then period.
    pub rows: Vec<StatsRow>,
    /// Why some (country, period) have no indicator value (period mismatches, missing
    /// denominators).
    pub gaps: Vec<String>,
    /// Sources of every value shown.
    pub sources: Vec<StatsSource>,
    /// Caveats of the series or indicator and of the series it uses.
    pub caveats: Vec<String>,
    /// The small-cell threshold in force.
    pub small_cell_threshold: u64,
    /// Decimal places shown.
    pub decimals: u8,
}

/// Sources in order: `S2` before `S10`, then unlinked URLs.
fn label_order(label: &str) -> (bool, i64, &str) {
    match label.strip_prefix('S').and_then(|n| n.parse::<i64>().ok()) {
        Some(n) => (false, n, label),
        None => (true, 0, label),
    }
}

fn invalid(parameter: &str, message: impl std::fmt::Display) -> AppError {
    AppError::invalid(format!("parameter `{parameter}`: {message}"))
}

fn year_of(period: &str) -> Option<i32> {
    let p = period.strip_prefix("FY").unwrap_or(period);
    p.get(..4)?.parse().ok()
}

fn parse_year(parameter: &str, value: &Option<String>) -> AppResult<Option<i32>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.parse::<i32>() {
            Ok(y) if (1800..=2200).contains(&y) && v.len() == 4 => Ok(Some(y)),
            _ => Err(invalid(
                parameter,
                format!("{v:?} is not a year such as 2015"),
            )),
        },
    }
}

impl StatsView {
    /// The table as CSV, exactly as shown (suppressed cells as `<10` / `suppressed`).
    pub fn to_csv(&self) -> AppResult<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let indicator = self.what == "indicator";
        let mut header = vec!["country", "period", "code", "value", "unit"];
        if indicator {
            header.extend(["numerator", "denominator"]);
        }
        header.extend(["vintages", "sources"]);
        let csv_err = |e: csv::Error| AppError::invalid(format!("CSV: {e}"));
        w.write_record(&header).map_err(csv_err)?;
        for r in &self.rows {
            let vintages: Vec<String> = r.vintages.iter().map(i64::to_string).collect();
            let mut record = vec![
                r.country.clone(),
                r.period.clone(),
                self.code.clone(),
                r.shown.clone(),
                self.unit.clone(),
            ];
            if indicator {
                record.push(r.numerator.clone().unwrap_or_default());
                record.push(r.denominator.clone().unwrap_or_default());
            }
            record.push(vintages.join(" "));
            record.push(r.sources.join(" "));
            w.write_record(&record).map_err(csv_err)?;
        }
        w.into_inner()
            .map_err(|e| AppError::invalid(format!("CSV: {e}")))
    }

    /// The chart of what is shown: a line chart over time, or a bar chart when every value is
    /// for one period. Suppressed values are left out (a gap in the line, no bar).
    pub fn chart_svg(&self) -> Option<String> {
        let shown: Vec<&StatsRow> = self.rows.iter().filter(|r| r.value.is_some()).collect();
        if shown.is_empty() {
            return None;
        }
        let periods: BTreeSet<&str> = shown.iter().map(|r| r.period.as_str()).collect();
        let source = format!(
            "Source: {}",
            self.sources
                .iter()
                .map(|s| format!("{} ({})", s.publisher, s.label))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if periods.len() == 1 {
            let period = periods.iter().next().copied().unwrap_or_default();
            let bars = shown
                .iter()
                .map(|r| (r.country.clone(), r.value.unwrap_or_default()))
                .collect();
            return Some(
                BarChart {
                    title: format!("{}, {period}", self.name),
                    x_label: "Country".into(),
                    y_label: self.unit.clone(),
                    bars,
                    source,
                    decimals: self.decimals,
                }
                .to_svg(),
            );
        }
        let mut by_country: BTreeMap<&str, Vec<(String, f64)>> = BTreeMap::new();
        for r in &shown {
            by_country
                .entry(&r.country)
                .or_default()
                .push((r.period.clone(), r.value.unwrap_or_default()));
        }
        Some(
            LineChart {
                title: self.name.clone(),
                x_label: "Period".into(),
                y_label: self.unit.clone(),
                series: by_country
                    .into_iter()
                    .map(|(c, points)| ChartSeries {
                        name: c.to_string(),
                        points,
                    })
                    .collect(),
                source,
                decimals: self.decimals,
            }
            .to_svg(),
        )
    }
}

impl App {
    /// Loads `content/indicators.toml` (validated: errors name the file, line and field) and
    /// stores it when it differs from the catalogue in force. Returns whether it was new.
    pub async fn load_catalogue(&self, by: By<'_>, path: &Path) -> AppResult<bool> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AppError::invalid(format!("{}: cannot read: {e}", path.display())))?;
        let catalogue = Catalogue::parse(&text)
            .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?;
        let sha = sha256_hex(text.as_bytes());
        let record = audit(
            by,
            "catalogue.load",
            "catalogue",
            "",
            json!({"file": path.display().to_string(), "sha256": sha,
                   "series": catalogue.series.len(), "indicators": catalogue.indicators.len()}),
        );
        Ok(self
            .store
            .save_catalogue(&path.display().to_string(), &sha, &text, &record)
            .await?)
    }

    /// The catalogue in force (empty when none was loaded yet).
    pub async fn catalogue(&self) -> AppResult<Catalogue> {
        match self.store.catalogue().await? {
            Some(row) => Catalogue::parse(&row.toml)
                .map_err(|e| AppError::invalid(format!("stored catalogue {}: {e}", row.file_name))),
            None => Ok(Catalogue::default()),
        }
    }

    /// The explorer: `query` as a table with sources, caveats and gaps, suppressed per E009.
    /// Any signed-in user may read statistics; sources above the user's clearance are not
    /// named. Bad parameters are [`AppError::Invalid`] naming the parameter.
    pub async fn explore(&self, actor: &Actor, query: &StatsQuery) -> AppResult<StatsView> {
        let catalogue = self.catalogue().await?;
        let code = query.code.trim();
        if code.is_empty() {
            return Err(invalid("code", "choose a series or an indicator"));
        }
        let mut countries = Vec::new();
        for c in &query.countries {
            let c = c.trim().to_ascii_uppercase();
            if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(invalid(
                    "countries",
                    format!("{c:?} is not an ISO 3166-1 alpha-3 code such as CAN"),
                ));
            }
            if !countries.contains(&c) {
                countries.push(c);
            }
        }
        let from = parse_year("from", &query.from)?;
        let to = parse_year("to", &query.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(invalid("to", format!("{t} is before from = {f}")));
        }
        let in_range = |period: &str| {
            year_of(period)
                .is_some_and(|y| from.is_none_or(|f| y >= f) && to.is_none_or(|t| y <= t))
        };
        let country_refs: Vec<&str> = countries.iter().map(String::as_str).collect();
        let threshold = catalogue.disclosure.small_cell_threshold;
        let suppression = Suppression { threshold };
        let kind_of = |series: &str| {
            catalogue
                .series(series)
                .map_or(SeriesKind::Count, |s| s.kind)
        };

        let mut view;
        let mut used: Vec<CurrentObservation> = Vec::new();
        if let Some(def) = catalogue.indicator(code) {
            let observations = self
                .store
                .current_observations(&[&def.numerator, &def.denominator], &country_refs)
                .await?;
            let points: Vec<Point> = observations
                .iter()
                .filter_map(|o| {
                    Some(Point {
                        country: o.country.clone(),
                        series: o.series.clone(),
                        period: o.period.clone(),
                        value: o.value?,
                        provenance: Provenance {
                            vintage: o.vintage,
                            source_url: o.source_url.clone(),
                            source_title: o.source_title.clone(),
                            source_id: o.source_id,
                        },
                    })
                })
                .collect();
            let computed = indicator::compute(def, &points)
                .map_err(|e| AppError::invalid(format!("indicator {code}: {e}")))?;
            let num_kind = kind_of(&def.numerator);
            let den_kind = kind_of(&def.denominator);
            let mut rows = Vec::new();
            for v in computed.values.iter().filter(|v| in_range(&v.period)) {
                let mut inputs = vec![(num_kind, v.numerator.value)];
                inputs.extend(v.denominator.iter().map(|d| (den_kind, d.value)));
                let published = suppression.derived(v.value, &inputs);
                let keys: BTreeSet<(&str, &str, &str)> = std::iter::once(&v.numerator)
                    .chain(&v.denominator)
                    .map(|p| (p.series.as_str(), p.country.as_str(), p.period.as_str()))
                    .collect();
                used.extend(
                    observations
                        .iter()
                        .filter(|o| {
                            keys.contains(&(
                                o.series.as_str(),
                                o.country.as_str(),
                                o.period.as_str(),
                            ))
                        })
                        .cloned(),
                );
                rows.push(StatsRow {
                    country: v.country.clone(),
                    period: v.period.clone(),
                    value: published.value(),
                    shown: published.display(def.decimals),
                    numerator: Some(suppression.value(num_kind, v.numerator.value).display(0)),
                    denominator: Some(suppression.value(den_kind, v.denominator_value).display(0)),
                    vintages: v.vintages().into_iter().collect(),
                    sources: v.source_urls().into_iter().map(str::to_string).collect(),
                });
            }
            // A country whose numerator exists in other periods but not in one where the
            // denominator does is named too, so a missing row is never silent.
            let numerator_keys: BTreeSet<(&str, &str)> = points
                .iter()
                .filter(|p| p.series == def.numerator)
                .map(|p| (p.country.as_str(), p.period.as_str()))
                .collect();
            let numerator_countries: BTreeSet<&str> =
                numerator_keys.iter().map(|(c, _)| *c).collect();
            let missing_numerators: Vec<String> = points
                .iter()
                .filter(|p| {
                    p.series == def.denominator
                        && in_range(&p.period)
                        && numerator_countries.contains(p.country.as_str())
                        && !numerator_keys.contains(&(p.country.as_str(), p.period.as_str()))
                })
                .map(|p| {
                    format!(
                        "{} {}: no {} observation for this period ({} has one)",
                        p.country, p.period, def.numerator, def.denominator
                    )
                })
                .collect();
            let mut caveats = def.caveats.clone();
            for s in [&def.numerator, &def.denominator] {
                if let Some(series) = catalogue.series(s) {
                    caveats.extend(
                        series
                            .caveats
                            .iter()
                            .map(|c| format!("{}: {c}", series.name)),
                    );
                }
            }
            let den_text = match def.denominator_use {
                indicator::DenominatorUse::Level => def.denominator.clone(),
                indicator::DenominatorUse::Change => {
                    format!("(change in {} from the previous year)", def.denominator)
                }
            };
            view = StatsView {
                code: def.code.clone(),
                what: "indicator",
                name: def.name.clone(),
                unit: def.unit.clone(),
                definition: format!(
                    "{} / {den_text} × {}",
                    def.numerator,
                    format_number(def.factor, 0)
                ),
                countries: countries.clone(),
                from: from.map(|y| y.to_string()),
                to: to.map(|y| y.to_string()),
                rows,
                gaps: computed
                    .gaps
                    .iter()
                    .filter(|g| match g {
                        indicator::Gap::NoDenominator { period, .. }
                        | indicator::Gap::ZeroDenominator { period, .. } => in_range(period),
                        indicator::Gap::PeriodMismatch {
                            numerator_period, ..
                        } => in_range(numerator_period),
                    })
                    .map(ToString::to_string)
                    .chain(missing_numerators)
                    .collect(),
                sources: Vec::new(),
                caveats,
                small_cell_threshold: threshold,
                decimals: def.decimals,
            };
        } else if let Some(def) = catalogue.series(code) {
            let observations = self
                .store
                .current_observations(&[&def.code], &country_refs)
                .await?;
            let decimals = match def.kind {
                SeriesKind::Count | SeriesKind::Target => 0,
                SeriesKind::Rate | SeriesKind::Percent => 1,
            };
            let mut rows = Vec::new();
            for o in observations.iter().filter(|o| in_range(&o.period)) {
                let Some(value) = o.value else { continue };
                let published = suppression.value(def.kind, value);
                let shown = match published {
                    // Keep the published precision of rates and percentages.
                    Published::Shown { value } if decimals > 0 => value.to_string(),
                    p => p.display(decimals),
                };
                used.push(o.clone());
                rows.push(StatsRow {
                    country: o.country.clone(),
                    period: o.period.clone(),
                    value: published.value(),
                    shown,
                    numerator: None,
                    denominator: None,
                    vintages: vec![o.vintage],
                    sources: o.source_url.iter().cloned().collect(),
                });
            }
            view = StatsView {
                code: def.code.clone(),
                what: "series",
                name: def.name.clone(),
                unit: def.unit.clone(),
                definition: def.definition.clone(),
                countries: countries.clone(),
                from: from.map(|y| y.to_string()),
                to: to.map(|y| y.to_string()),
                rows,
                gaps: Vec::new(),
                sources: Vec::new(),
                caveats: def.caveats.clone(),
                small_cell_threshold: threshold,
                decimals,
            };
        } else {
            return Err(invalid(
                "code",
                format!("{code:?} is neither a series nor an indicator of the catalogue"),
            ));
        }
        self.attach_sources(actor, &mut view, &used).await?;
        Ok(view)
    }

    /// Fills the view's source list and each row's source labels from the observations used.
    async fn attach_sources(
        &self,
        actor: &Actor,
        view: &mut StatsView,
        used: &[CurrentObservation],
    ) -> AppResult<()> {
        let mut labels: BTreeMap<String, StatsSource> = BTreeMap::new();
        for o in used {
            let Some(url) = &o.source_url else { continue };
            if labels.contains_key(url) {
                continue;
            }
            let linked = match o.source_id {
                Some(id) => self.store.source(id).await?.filter(|s| {
                    may_see(
                        actor,
                        &Resource::Record {
                            post: None,
                            marking: s.spec.marking,
                        },
                    )
                }),
                None => None,
            };
            let entry = match linked {
                Some(s) => StatsSource {
                    label: format!("S{}", s.id),
                    publisher: s.spec.publisher.clone(),
                    title: s.spec.title.clone(),
                    url: s.spec.url.clone(),
                    grade: Some(s.grade.to_string()),
                },
                None => StatsSource {
                    label: url.clone(),
                    publisher: o.source_publisher.clone().unwrap_or_default(),
                    title: o.source_title.clone().unwrap_or_default(),
                    url: Some(url.clone()),
                    grade: None,
                },
            };
            labels.insert(url.clone(), entry);
        }
        // Rows carry the URLs of the observations they rest on; show them as source labels.
        for row in &mut view.rows {
            let mut found: Vec<String> = row
                .sources
                .iter()
                .map(|url| {
                    labels
                        .get(url)
                        .map_or_else(|| url.clone(), |s| s.label.clone())
                })
                .collect();
            found.sort_by(|a, b| label_order(a).cmp(&label_order(b)));
            found.dedup();
            row.sources = found;
        }
        let mut sources: Vec<StatsSource> = labels.into_values().collect();
        sources.sort_by(|a, b| label_order(&a.label).cmp(&label_order(&b.label)));
        view.sources = sources;
        Ok(())
    }
}
