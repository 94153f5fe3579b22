//! The series and indicator catalogue (DESIGN §3, §6) and the indicator engine.
//!
//! A **series** is what publishers count or measure (`population_total`,
//! `asylum_applications_new_unhcr`); an **indicator** divides one series by another and
//! multiplies by a factor (`asylum_rate_per_100k = asylum_applications_new_unhcr /
//! population_total × 100000`), so countries are compared as rates with denominators.
//!
//! [`compute`] is pure: it is handed the observations (each with its vintage and source) and
//! returns, for every (country, period) of the numerator, either a value that carries the exact
//! observations it was computed from or a [`Gap`] saying why there is none. It never pairs a
//! numerator with a denominator of another period, and never chooses silently between two
//! vintages of the same observation.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::tasking::toml_error;

/// What a series measures, which decides how it may be compared and published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// A count of people or things (persons, dwellings, claims): compared across countries only
    /// as a rate (E005), and small counts are suppressed (E009).
    Count,
    /// Already a rate or ratio published as such (per 1,000, per day).
    Rate,
    /// A percentage published as such.
    Percent,
    /// A government target or planned level, not a count of anything that happened.
    Target,
}

impl SeriesKind {
    /// `count`, `rate`, …
    pub fn code(self) -> &'static str {
        match self {
            SeriesKind::Count => "count",
            SeriesKind::Rate => "rate",
            SeriesKind::Percent => "percent",
            SeriesKind::Target => "target",
        }
    }
}

/// A series definition: what a code in the statistics means and what to watch out for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesDef {
    /// The series code as stored with observations.
    pub code: String,
    /// Human name.
    pub name: String,
    /// Unit of the values.
    pub unit: String,
    /// What the series measures.
    pub kind: SeriesKind,
    /// Who publishes it.
    pub publisher: String,
    /// What exactly is counted or measured.
    pub definition: String,
    /// Publisher caveats and known comparability problems.
    #[serde(default)]
    pub caveats: Vec<String>,
}

/// How an indicator's denominator is taken from its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenominatorUse {
    /// The series' value in the same period.
    #[default]
    Level,
    /// The change of the series from the previous year to this one (annual periods only), e.g.
    /// population growth.
    Change,
}

/// An indicator: numerator / denominator × factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable code (`asylum_rate_per_100k`), named by tasking templates.
    pub code: String,
    /// Human name.
    pub name: String,
    /// Numerator series code.
    pub numerator: String,
    /// Denominator series code.
    pub denominator: String,
    /// How the denominator is used.
    #[serde(default)]
    pub denominator_use: DenominatorUse,
    /// Multiplier (100000 for "per 100,000").
    pub factor: f64,
    /// Unit of the result (`per 100,000 residents`).
    pub unit: String,
    /// Decimal places the value is shown with.
    #[serde(default = "one")]
    pub decimals: u8,
    /// What the indicator does not say, and comparability problems.
    #[serde(default)]
    pub caveats: Vec<String>,
}

fn one() -> u8 {
    1
}

/// Deployment settings for publishing statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSettings {
    /// Counts below this are published as `<N` and rates derived from them are suppressed
    /// (E009). Default 10.
    #[serde(default = "ten")]
    pub small_cell_threshold: u64,
}

fn ten() -> u64 {
    10
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        DisclosureSettings {
            small_cell_threshold: ten(),
        }
    }
}

/// The whole catalogue (`content/indicators.toml`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Publishing settings.
    #[serde(default)]
    pub disclosure: DisclosureSettings,
    /// Series definitions.
    #[serde(default)]
    pub series: Vec<SeriesDef>,
    /// Indicators.
    #[serde(default)]
    pub indicators: Vec<IndicatorDef>,
}

impl Catalogue {
    /// Parses and validates a catalogue; errors name the line and field (the caller adds the
    /// file name).
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        catalogue.validate(text)?;
        Ok(catalogue)
    }

    /// The series with this code.
    pub fn series(&self, code: &str) -> Option<&SeriesDef> {
        self.series.iter().find(|s| s.code == code)
    }

    /// The indicator with this code.
    pub fn indicator(&self, code: &str) -> Option<&IndicatorDef> {
        self.indicators.iter().find(|i| i.code == code)
    }

    fn validate(&self, text: &str) -> Result<(), String> {
        // Points at the line of the offending entry's `code = "…"` so the author can find it.
        // A duplicate is reported at its last definition, everything else at the first.
        let locate = |table: &str, code: &str, field: &str, msg: String, last: bool| {
            let needle = format!("code = \"{code}\"");
            let mut in_table = false;
            let mut line = None;
            for (i, l) in text.lines().enumerate() {
                let t = l.trim();
                if t.starts_with("[[") {
                    in_table = t == format!("[[{table}]]");
                }
                if in_table && t == needle {
                    line = Some(i + 1);
                    if !last {
                        break;
                    }
                }
            }
            match line {
                Some(n) => format!("line {n}: [[{table}]] {code:?}, field `{field}`: {msg}"),
                None => format!("[[{table}]] {code:?}, field `{field}`: {msg}"),
            }
        };
        let at = |table: &str, code: &str, field: &str, msg: String| {
            locate(table, code, field, msg, false)
        };
        let valid_code = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let mut seen = HashSet::new();
        for s in &self.series {
            if !valid_code(&s.code) {
                return Err(at(
                    "series",
                    &s.code,
                    "code",
                    "use lower-case letters, digits and _ only".into(),
                ));
            }
            if !seen.insert(s.code.as_str()) {
                return Err(locate(
                    "series",
                    &s.code,
                    "code",
                    "defined twice".into(),
                    true,
                ));
            }
            for (field, value) in [
                ("name", &s.name),
                ("unit", &s.unit),
                ("publisher", &s.publisher),
                ("definition", &s.definition),
            ] {
                if value.trim().is_empty() {
                    return Err(at("series", &s.code, field, "must not be empty".into()));
                }
            }
        }
        let mut seen = HashSet::new();
        for i in &self.indicators {
            if !valid_code(&i.code) {
                return Err(at(
                    "indicators",
                    &i.code,
                    "code",
                    "use lower-case letters, digits and _ only".into(),
                ));
            }
            if !seen.insert(i.code.as_str()) || self.series(&i.code).is_some() {
                return Err(locate(
                    "indicators",
                    &i.code,
                    "code",
                    "defined twice (codes are shared by series and indicators)".into(),
                    true,
                ));
            }
            for (field, code) in [("numerator", &i.numerator), ("denominator", &i.denominator)] {
                if self.series(code).is_none() {
                    return Err(at(
                        "indicators",
                        &i.code,
                        field,
                        format!("{code:?} is not a [[series]] code in this catalogue"),
                    ));
                }
            }
            if !(i.factor.is_finite() && i.factor > 0.0) {
                return Err(at(
                    "indicators",
                    &i.code,
                    "factor",
                    format!("must be a positive number, not {}", i.factor),
                ));
            }
            if i.name.trim().is_empty() || i.unit.trim().is_empty() {
                let field = if i.name.trim().is_empty() {
                    "name"
                } else {
                    "unit"
                };
                return Err(at("indicators", &i.code, field, "must not be empty".into()));
            }
            if i.decimals > 6 {
                return Err(at("indicators", &i.code, "decimals", "at most 6".into()));
            }
        }
        if self.disclosure.small_cell_threshold == 0 {
            return Err(
                "[disclosure] field `small_cell_threshold`: must be at least 1 (10 is usual)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// Where an observation came from: enough to cite it and to trace a revision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The import (vintage) that brought this value.
    pub vintage: i64,
    /// The publication's URL as the file gave it.
    pub source_url: Option<String>,
    /// The publication's title as the file gave it.
    pub source_title: Option<String>,
    /// The evidence-locker source for that publication, when one is linked.
    pub source_id: Option<i64>,
}

/// One observation handed to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Series code.
    pub series: String,
    /// Canonical period (`2024`, `2024-Q3`, `2024-07-01`, …).
    pub period: String,
    /// The value.
    pub value: f64,
    /// Where it came from.
    pub provenance: Provenance,
}

/// One computed indicator value with everything it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// Indicator code.
    pub indicator: String,
    /// Country.
    pub country: String,
    /// Period (the same for numerator and denominator).
    pub period: String,
    /// numerator / denominator × factor.
    pub value: f64,
    /// The numerator observation.
    pub numerator: Point,
    /// The denominator observation(s): one for a level; for a change, this period's and the
    /// previous period's.
    pub denominator: Vec<Point>,
    /// The denominator value used (the level, or the change).
    pub denominator_value: f64,
}

impl IndicatorValue {
    /// Every vintage the value rests on, without repeats.
    pub fn vintages(&self) -> BTreeSet<i64> {
        std::iter::once(&self.numerator)
            .chain(&self.denominator)
            .map(|p| p.provenance.vintage)
            .collect()
    }

    /// Every source URL the value rests on, without repeats.
    pub fn source_urls(&self) -> BTreeSet<&str> {
        std::iter::once(&self.numerator)
            .chain(&self.denominator)
            .filter_map(|p| p.provenance.source_url.as_deref())
            .collect()
    }
}

/// Why an indicator has no value for a (country, period) where its numerator exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "gap", rename_all = "snake_case")]
pub enum Gap {
    /// The denominator series has no observation for this country at all.
    NoDenominator {
        /// Country.
        country: String,
        /// The numerator's period.
        period: String,
        /// The denominator series.
        series: String,
    },
    /// The denominator exists for this country but not for the numerator's period. Never
    /// papered over by taking the nearest period.
    PeriodMismatch {
        /// Country.
        country: String,
        /// The numerator's period.
        numerator_period: String,
        /// The denominator series.
        series: String,
        /// The denominator periods nearest to it (before and after), for the message.
        denominator_periods: Vec<String>,
    },
    /// The denominator is zero (or its change is zero): no rate exists.
    ZeroDenominator {
        /// Country.
        country: String,
        /// Period.
        period: String,
    },
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gap::NoDenominator {
                country,
                period,
                series,
            } => write!(
                f,
                "{country} {period}: no {series} observation for {country} in any period"
            ),
            Gap::PeriodMismatch {
                country,
                numerator_period,
                series,
                denominator_periods,
            } => write!(
                f,
                "{country}: numerator period {numerator_period} has no {series} observation for the same period (denominator periods nearby: {}); periods are never mixed",
                denominator_periods.join(", ")
            ),
            Gap::ZeroDenominator { country, period } => {
                write!(f, "{country} {period}: the denominator is zero")
            }
        }
    }
}

/// The engine refuses its input (a caller error, not a data gap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Two observations of one (country, series, period) from different vintages were given:
    /// the caller must choose one (normally the latest); the engine never picks silently.
    #[error(
        "{country} {series} {period}: observations from vintages {first} and {second} were both given; pass exactly one vintage per observation"
    )]
    MixedVintages {
        /// Country.
        country: String,
        /// Series.
        series: String,
        /// Period.
        period: String,
        /// One vintage.
        first: i64,
        /// The other.
        second: i64,
    },
    /// `denominator_use = "change"` needs annual periods (`2024`).
    #[error(
        "{indicator}: the denominator is a change over the previous year, but period {period} is not a year"
    )]
    ChangeNeedsYears {
        /// Indicator.
        indicator: String,
        /// Period.
        period: String,
    },
}

/// What [`compute`] found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Computed {
    /// Values, ordered by country then period.
    pub values: Vec<IndicatorValue>,
    /// Numerator observations that produced no value, and why.
    pub gaps: Vec<Gap>,
}

type Index<'a> = BTreeMap<(&'a str, &'a str), &'a Point>;

fn index<'a>(points: &'a [Point], series: &str) -> Result<Index<'a>, EngineError> {
    let mut out: Index<'a> = BTreeMap::new();
    for p in points.iter().filter(|p| p.series == series) {
        if let Some(old) = out.insert((p.country.as_str(), p.period.as_str()), p)
            && old.provenance.vintage != p.provenance.vintage
        {
            return Err(EngineError::MixedVintages {
                country: p.country.clone(),
                series: p.series.clone(),
                period: p.period.clone(),
                first: old.provenance.vintage.min(p.provenance.vintage),
                second: old.provenance.vintage.max(p.provenance.vintage),
            });
        }
    }
    Ok(out)
}

fn previous_year(period: &str) -> Option<String> {
    if period.len() == 4 && period.bytes().all(|b| b.is_ascii_digit()) {
        let year: i32 = period.parse().ok()?;
        Some((year - 1).to_string())
    } else {
        None
    }
}

/// Computes `def` from `points` for every (country, period) where its numerator is observed.
///
/// `points` may hold any series; only the indicator's two are read. Each (country, series,
/// period) must appear at most once (one vintage), or the call fails with
/// [`EngineError::MixedVintages`].
pub fn compute(def: &IndicatorDef, points: &[Point]) -> Result<Computed, EngineError> {
    let num = index(points, &def.numerator)?;
    let den = index(points, &def.denominator)?;
    let mut out = Computed::default();
    for (&(country, period), &n) in &num {
        let same = |p: &str| den.get(&(country, p)).copied();
        let (denominator, denominator_value) = match def.denominator_use {
            DenominatorUse::Level => match same(period) {
                Some(d) => (vec![d.clone()], d.value),
                None => {
                    out.gaps
                        .push(mismatch(&den, country, period, &def.denominator));
                    continue;
                }
            },
            DenominatorUse::Change => {
                let prev = previous_year(period).ok_or_else(|| EngineError::ChangeNeedsYears {
                    indicator: def.code.clone(),
                    period: period.to_string(),
                })?;
                match (same(period), same(&prev)) {
                    (Some(d), Some(p)) => (vec![d.clone(), p.clone()], d.value - p.value),
                    _ => {
                        out.gaps
                            .push(mismatch(&den, country, period, &def.denominator));
                        continue;
                    }
                }
            }
        };
        if denominator_value == 0.0 {
            out.gaps.push(Gap::ZeroDenominator {
                country: country.to_string(),
                period: period.to_string(),
            });
            continue;
        }
        out.values.push(IndicatorValue {
            indicator: def.code.clone(),
            country: country.to_string(),
            period: period.to_string(),
            value: n.value / denominator_value * def.factor,
            numerator: n.clone(),
            denominator,
            denominator_value,
        });
    }
    Ok(out)
}

fn mismatch(den: &Index<'_>, country: &str, period: &str, series: &str) -> Gap {
    let periods: Vec<&str> = den
        .keys()
        .filter(|(c, _)| *c == country)
        .map(|(_, p)| *p)
        .collect();
    if periods.is_empty() {
        return Gap::NoDenominator {
            country: country.to_string(),
            period: period.to_string(),
            series: series.to_string(),
        };
    }
    let before = periods.iter().rev().find(|p| **p < period);
    let after = periods.iter().find(|p| **p > period);
    let mut nearby: Vec<String> = before
        .into_iter()
        .chain(after)
        .map(|p| p.to_string())
        .collect();
    if nearby.is_empty() {
        // Only the period itself exists (a change needs the previous year too).
        nearby = periods.iter().map(|p| p.to_string()).collect();
    }
    Gap::PeriodMismatch {
        country: country.to_string(),
        numerator_period: period.to_string(),
        series: series.to_string(),
        denominator_periods: nearby,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(country: &str, series: &str, period: &str, value: f64, vintage: i64) -> Point {
        Point {
            country: country.into(),
            series: series.into(),
            period: period.into(),
            value,
            provenance: Provenance {
                vintage,
                source_url: Some(format!("https://example.org/{series}")),
                source_title: None,
                source_id: None,
            },
        }
    }

    fn rate() -> IndicatorDef {
        IndicatorDef {
            code: "asylum_rate_per_100k".into(),
            name: "Asylum applications per 100,000 residents".into(),
            numerator: "asylum".into(),
            denominator: "population".into(),
            denominator_use: DenominatorUse::Level,
            factor: 100_000.0,
            unit: "per 100,000 residents".into(),
            decimals: 0,
            caveats: vec![],
        }
    }

    #[test]
    fn computes_only_where_both_exist_in_the_same_period() {
        let points = vec![
            point("CAN", "asylum", "2024", 173_931.0, 1),
            point("CAN", "population", "2024", 41_288_599.0, 2),
            point("CAN", "asylum", "2025", 117_354.0, 1),
            point("CAN", "population", "2023", 40_083_484.0, 2),
            point("NZL", "asylum", "2024", 1_000.0, 1),
        ];
        let got = compute(&rate(), &points).unwrap();
        assert_eq!(got.values.len(), 1);
        let v = &got.values[0];
        assert_eq!((v.country.as_str(), v.period.as_str()), ("CAN", "2024"));
        assert!((v.value - 173_931.0 / 41_288_599.0 * 100_000.0).abs() < 1e-9);
        assert_eq!(v.numerator.value, 173_931.0);
        assert_eq!(v.denominator[0].value, 41_288_599.0);
        assert_eq!(v.vintages().into_iter().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            v.source_urls().into_iter().collect::<Vec<_>>(),
            [
                "https://example.org/asylum",
                "https://example.org/population"
            ]
        );
        assert_eq!(
            got.gaps,
            vec![
                Gap::PeriodMismatch {
                    country: "CAN".into(),
                    numerator_period: "2025".into(),
                    series: "population".into(),
                    denominator_periods: vec!["2024".into()],
                },
                Gap::NoDenominator {
                    country: "NZL".into(),
                    period: "2024".into(),
                    series: "population".into(),
                },
            ]
        );
        let message = got.gaps[0].to_string();
        assert!(
            message.contains("2025") && message.contains("2024"),
            "{message}"
        );
    }

    #[test]
    fn a_sub_annual_period_is_not_matched_to_its_year() {
        let points = vec![
            point("CAN", "asylum", "2024-07-01", 10.0, 1),
            point("CAN", "population", "2024", 100.0, 1),
        ];
        let got = compute(&rate(), &points).unwrap();
        assert!(got.values.is_empty());
        assert!(
            matches!(&got.gaps[0], Gap::PeriodMismatch { numerator_period, denominator_periods, .. }
            if numerator_period == "2024-07-01" && denominator_periods == &["2024".to_string()])
        );
    }

    #[test]
    fn two_vintages_of_one_observation_are_refused() {
        let points = vec![
            point("CAN", "asylum", "2024", 1.0, 3),
            point("CAN", "asylum", "2024", 2.0, 5),
            point("CAN", "population", "2024", 100.0, 1),
        ];
        let err = compute(&rate(), &points).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CAN asylum 2024: observations from vintages 3 and 5 were both given; pass exactly one vintage per observation"
        );
    }

    #[test]
    fn change_denominator_uses_this_and_last_year() {
        let mut def = rate();
        def.numerator = "dwellings".into();
        def.denominator_use = DenominatorUse::Change;
        def.factor = 1000.0;
        let points = vec![
            point("DEU", "dwellings", "2023", 294_400.0, 1),
            point("DEU", "population", "2023", 83_280_000.0, 2),
            point("DEU", "population", "2022", 83_800_000.0, 2),
            point("DEU", "dwellings", "2024", 251_900.0, 1),
            point("DEU", "dwellings", "2016", 1.0, 1),
        ];
        let got = compute(&def, &points).unwrap();
        assert_eq!(got.values.len(), 1);
        assert_eq!(got.values[0].denominator_value, 83_280_000.0 - 83_800_000.0);
        assert_eq!(got.values[0].denominator.len(), 2);
        assert_eq!(got.gaps.len(), 2);
        let mut bad = points.clone();
        bad.push(point("DEU", "dwellings", "2024-Q1", 1.0, 1));
        assert!(matches!(
            compute(&def, &bad),
            Err(EngineError::ChangeNeedsYears { .. })
        ));
    }

    #[test]
    fn zero_denominator_is_a_gap() {
        let points = vec![
            point("CAN", "asylum", "2024", 1.0, 1),
            point("CAN", "population", "2024", 0.0, 1),
        ];
        let got = compute(&rate(), &points).unwrap();
        assert!(got.values.is_empty());
        assert!(matches!(got.gaps[0], Gap::ZeroDenominator { .. }));
    }

    const GOOD: &str = r#"
[disclosure]
small_cell_threshold = 5

[[series]]
code = "population"
name = "Population"
unit = "persons"
kind = "count"
publisher = "World Bank"
definition = "Mid-year population."

[[series]]
code = "asylum"
name = "Asylum applications"
unit = "persons"
kind = "count"
publisher = "UNHCR"
definition = "New applications."
caveats = ["Excludes repeat applications."]

[[indicators]]
code = "asylum_rate"
name = "Asylum applications per 100,000"
numerator = "asylum"
denominator = "population"
factor = 100000
unit = "per 100,000 residents"
"#;

    #[test]
    fn catalogue_parses_and_looks_up() {
        let c = Catalogue::parse(GOOD).unwrap();
        assert_eq!(c.disclosure.small_cell_threshold, 5);
        assert_eq!(c.series("asylum").unwrap().caveats.len(), 1);
        assert_eq!(c.indicator("asylum_rate").unwrap().decimals, 1);
        assert!(c.indicator("nope").is_none());
    }

    #[test]
    fn catalogue_errors_name_line_and_field() {
        let bad = GOOD.replace("denominator = \"population\"", "denominator = \"pop\"");
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(
            err.starts_with("line 23: [[indicators]] \"asylum_rate\", field `denominator`"),
            "{err}"
        );
        assert!(err.contains("\"pop\" is not a [[series]] code"), "{err}");

        let bad = GOOD.replace(
            "kind = \"count\"\npublisher = \"UNHCR\"",
            "kind = \"tally\"\npublisher = \"UNHCR\"",
        );
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(
            err.starts_with("line 17, column 8: unknown variant `tally`"),
            "{err}"
        );

        let bad = GOOD.replace("factor = 100000", "factor = 100000\nfacter = 2");
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(err.contains("unknown field `facter`"), "{err}");

        let bad = GOOD.replace("factor = 100000", "factor = 0");
        assert!(
            Catalogue::parse(&bad)
                .unwrap_err()
                .contains("field `factor`")
        );

        let bad = GOOD.replace("code = \"asylum\"", "code = \"population\"");
        let err = Catalogue::parse(&bad).unwrap_err();
        assert!(
            err.starts_with("line 14: [[series]] \"population\", field `code`: defined twice"),
            "{err}"
        );

        let bad = GOOD.replace("small_cell_threshold = 5", "small_cell_threshold = 0");
        assert!(
            Catalogue::parse(&bad)
                .unwrap_err()
                .contains("small_cell_threshold")
        );
    }
}
