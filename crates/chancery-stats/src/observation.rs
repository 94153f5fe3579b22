//! What the importers produce: observations, the summary of what was skipped and why, and the
//! options every importer understands.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::country::{Country, CountryMap};
use crate::period::Period;

/// One statistical value: a country, a series, a period, the number and where it came from.
///
/// Strings that repeat across rows (series, unit, status, source) are shared `Arc`s, interned
/// per import, so a million observations of a few series cost a few allocations, not millions.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The country (aggregates never get here: they are skipped with a reason).
    pub country: Country,
    /// Series code: the file's series/indicator column, or for SDMX-CSV and JSON-stat the
    /// dimensions other than country and time joined with `.` in column (or `id`) order.
    pub series: Arc<str>,
    /// Reference period, normalised.
    pub period: Period,
    /// The value; `None` only when [`MissingValues::Keep`] is set and the cell was empty,
    /// `null`, `:`, `..` or `NaN`.
    pub value: Option<f64>,
    /// Unit as the file states it (`persons`, `PC`, `Euro Million`), if it states one.
    pub unit: Option<Arc<str>>,
    /// Status flags (provisional, break, estimate, …) and the raw status code.
    pub flags: Flags,
    /// Where the figure was published, when the file says (CSV source columns, the SDMX
    /// dataflow, the JSON-stat dataset's `source`/`label`/`href`).
    pub source: Option<Arc<SourceInfo>>,
    /// Free-text note from a CSV `note` column.
    pub note: Option<Arc<str>>,
    /// Where it came from: for CSV formats the 1-based line the record starts on; for
    /// JSON-stat, which has no meaningful lines, the 0-based flat index of the cell in its
    /// dataset's `value`.
    pub line: u64,
}

/// Observation status, from SDMX `OBS_STATUS`/`CONF_STATUS`, Eurostat `OBS_FLAG` letters, a
/// JSON-stat `status` or a CSV status column.
///
/// Upper-case letters follow SDMX's CL_OBS_STATUS (`B` break, `E` estimated, `F` forecast, `I`
/// imputed, `P` provisional); lower-case letters follow Eurostat's flags (`b`, `c` confidential,
/// `e`, `f`, `p`, `s` Eurostat estimate). Several letters may be combined (`bep`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// The raw status code(s) as they appeared, e.g. `A`, `M`, `bep`.
    pub status: Option<Arc<str>>,
    /// Provisional figure, likely to be revised (`P`, `p`).
    pub provisional: bool,
    /// Estimated or imputed rather than observed (`E`, `I`, `e`, `s`).
    pub estimate: bool,
    /// Forecast or projection (`F`, `f`).
    pub forecast: bool,
    /// Break in the series: not comparable with earlier periods (`B`, `b`).
    pub break_in_series: bool,
    /// Confidential (Eurostat `c`, SDMX `CONF_STATUS`/`OBS_CONF` `C`, `N` or `D`).
    pub confidential: bool,
}

impl Flags {
    /// Reads status letters; unknown letters are kept in `status` but set no flag.
    pub fn from_status(status: &str) -> Flags {
        let status = status.trim();
        let mut flags = Flags {
            status: (!status.is_empty()).then(|| Arc::from(status)),
            ..Flags::default()
        };
        for c in status.chars() {
            match c {
                'P' | 'p' => flags.provisional = true,
                'E' | 'I' | 'e' | 's' => flags.estimate = true,
                'F' | 'f' => flags.forecast = true,
                'B' | 'b' => flags.break_in_series = true,
                'c' => flags.confidential = true,
                _ => {}
            }
        }
        flags
    }

    /// Adds an SDMX confidentiality code (`CONF_STATUS`/`OBS_CONF`): `C`, `N` and `D` mean
    /// confidential; `F` (free) and others do not.
    pub fn with_confidentiality(mut self, code: &str) -> Flags {
        if matches!(code.trim(), "C" | "N" | "D") {
            self.confidential = true;
        }
        self
    }
}

/// The publication a value was taken from, as far as the file says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceInfo {
    /// Publisher, e.g. `World Bank (WDI …)`, `Central Statistics Office, Ireland`, `BIS`.
    pub publisher: Option<String>,
    /// Title of the table or dataset (`Population, total`, `BIS:BIS_DER(1.0)`).
    pub title: Option<String>,
    /// Where it is published.
    pub url: Option<String>,
    /// The copy that was actually read, when different (the data pack's `retrieved_from`).
    pub retrieved_from: Option<String>,
}

/// Why a row (or cell) produced no observation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The code is an aggregate (`EU27_2020`, `OECD`, `WLD`, …) or mapped away by the
    /// caller's country map.
    NotACountry {
        /// The code as written.
        code: String,
    },
    /// The value is empty, `null`, `:`, `..`, `NA` or `NaN` (and [`MissingValues::Skip`] is
    /// in force).
    MissingValue,
    /// Same country, series, period and value as an earlier row: a harmless repeat.
    Duplicate,
    /// SDMX-CSV 2.x `ACTION` `D`: the row asks to delete an observation, not to add one.
    DeleteAction,
    /// A JSON-stat collection item that links to a dataset instead of embedding it.
    DatasetNotEmbedded {
        /// The item's `href` (or label).
        href: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotACountry { code } => write!(f, "not a country ({code})"),
            SkipReason::MissingValue => f.write_str("empty or missing value"),
            SkipReason::Duplicate => f.write_str("repeat of an earlier identical row"),
            SkipReason::DeleteAction => f.write_str("SDMX action D (delete)"),
            SkipReason::DatasetNotEmbedded { href } => {
                write!(f, "linked dataset not embedded ({href})")
            }
        }
    }
}

/// How many rows were skipped for one reason, with the first few places as examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skips {
    /// Number of rows or cells.
    pub count: u64,
    /// The first [`Skips::EXAMPLES`] lines (CSV) or cell indices (JSON-stat).
    pub examples: Vec<u64>,
}

impl Skips {
    /// How many example positions are kept per reason.
    pub const EXAMPLES: usize = 5;
}

/// What an import read, kept and skipped.
///
/// `rows == observations + skipped_total()` always holds: every data row (CSV), year cell
/// (wide CSV) or value cell (JSON-stat) is either an observation or a counted skip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows (long CSV, SDMX-CSV) or value cells (wide CSV, JSON-stat) examined.
    pub rows: u64,
    /// Observations produced.
    pub observations: u64,
    /// Skipped rows by reason.
    pub skipped: BTreeMap<SkipReason, Skips>,
}

impl Summary {
    /// Total skipped rows over all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().map(|s| s.count).sum()
    }

    /// How many were skipped for `reason`.
    pub fn skipped_for(&self, reason: &SkipReason) -> u64 {
        self.skipped.get(reason).map_or(0, |s| s.count)
    }

    /// How many aggregates (or mapped-away codes) were skipped, over all codes.
    pub fn skipped_not_a_country(&self) -> u64 {
        self.skipped
            .iter()
            .filter(|(r, _)| matches!(r, SkipReason::NotACountry { .. }))
            .map(|(_, s)| s.count)
            .sum()
    }

    /// Counts one skipped row (the reason is cloned only the first time it occurs).
    pub(crate) fn skip(&mut self, reason: &SkipReason, line: u64) {
        self.rows += 1;
        let entry = match self.skipped.get_mut(reason) {
            Some(entry) => entry,
            None => self.skipped.entry(reason.clone()).or_default(),
        };
        entry.count += 1;
        if entry.examples.len() < Skips::EXAMPLES {
            entry.examples.push(line);
        }
    }
}

impl fmt::Display for Summary {
    /// One line of totals, then one line per skip reason, e.g. for a CLI's final report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows read, {} observations, {} skipped",
            self.rows,
            self.observations,
            self.skipped_total()
        )?;
        for (reason, skips) in &self.skipped {
            let examples: Vec<String> = skips.examples.iter().map(u64::to_string).collect();
            write!(
                f,
                "\n  {}: {} (e.g. at {})",
                reason,
                skips.count,
                examples.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Everything an import produced, when collected in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Import {
    /// The observations, in file order.
    pub observations: Vec<Observation>,
    /// Rows read and skipped, with reasons.
    pub summary: Summary,
}

/// What to do with a row whose value is missing (empty, `null`, `:`, `..`, `NA`, `NaN`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingValues {
    /// Skip it and count it under [`SkipReason::MissingValue`] (the default: a missing value
    /// is not evidence of anything).
    #[default]
    Skip,
    /// Keep it as an observation with `value: None`, e.g. to store that SDMX marked it `M`.
    Keep,
}

/// Where the country of each observation comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CountrySpec {
    /// Found by name: CSV `country` (and aliases); SDMX `REF_AREA`, `GEO`, `COUNTRY`; JSON-stat
    /// the dimension with role `geo`, else one named like those.
    #[default]
    Auto,
    /// This column (CSV, SDMX-CSV; the CLI's `--country-dim`) or dimension id (JSON-stat).
    Column(String),
    /// Every observation is this country; the file's geographic columns, if any, become part
    /// of the series key (for files about one country, e.g. CSO Ireland's county tables).
    Fixed(Country),
}

/// Where the period of each observation comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PeriodSpec {
    /// Found by name: CSV `period`/`year`/…; SDMX `TIME_PERIOD`; JSON-stat role `time`, else a
    /// dimension named `time`, `year`, `TIME_PERIOD`, `period`.
    #[default]
    Auto,
    /// This column or dimension id.
    Column(String),
    /// Every observation has this period (a file without a time dimension).
    Fixed(Period),
}

/// Whether two rows with the same country, series and period are checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Duplicates {
    /// Different values are an error naming both rows; identical repeats are skipped (the
    /// default). Costs about 40 bytes per observation.
    #[default]
    Check,
    /// Pass every row through (for callers that check against their own store).
    Ignore,
}

/// Options every importer understands. `ImportOptions::default()` suits well-formed files.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// Consulted before the ISO table for every country code.
    pub country_map: CountryMap,
    /// Where the country is.
    pub country: CountrySpec,
    /// Where the period is.
    pub period: PeriodSpec,
    /// Keep or skip missing values.
    pub missing: MissingValues,
    /// Duplicate-key checking.
    pub duplicates: Duplicates,
    /// Field delimiter for CSV and SDMX-CSV (default `,`).
    pub delimiter: u8,
    /// SDMX-CSV: the attribute columns, when the built-in guess (known attribute names, and
    /// every column after `TIME_PERIOD`/`OBS_VALUE`) is wrong for a file. Every other column
    /// that is not the country, time or value is a dimension and part of the series key.
    pub sdmx_attributes: Option<Vec<String>>,
    /// Plain CSV: an explicit column mapping (World Bank files, other layouts). Without one,
    /// the long layout and the World Bank bulk layout are recognised from the header.
    pub columns: Option<crate::csv_table::ColumnMapping>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            country_map: CountryMap::default(),
            country: CountrySpec::Auto,
            period: PeriodSpec::Auto,
            missing: MissingValues::Skip,
            duplicates: Duplicates::Check,
            delimiter: b',',
            sdmx_attributes: None,
            columns: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_letters_set_flags() {
        let f = Flags::from_status("bep");
        assert!(f.break_in_series && f.estimate && f.provisional && !f.forecast);
        assert_eq!(f.status.as_deref(), Some("bep"));
        let f = Flags::from_status("A");
        assert!(!f.break_in_series && !f.estimate && !f.provisional);
        assert_eq!(Flags::from_status(""), Flags::default());
        assert!(
            Flags::from_status("M")
                .with_confidentiality("C")
                .confidential
        );
        assert!(
            !Flags::from_status("A")
                .with_confidentiality("F")
                .confidential
        );
    }

    #[test]
    fn summary_counts_and_prints() {
        let mut s = Summary::default();
        for line in 2..10 {
            s.skip(&SkipReason::MissingValue, line);
        }
        s.skip(
            &SkipReason::NotACountry {
                code: "EU27_2020".into(),
            },
            11,
        );
        assert_eq!(s.rows, 9);
        assert_eq!(s.skipped_total(), 9);
        assert_eq!(
            s.skipped[&SkipReason::MissingValue].examples,
            [2, 3, 4, 5, 6]
        );
        assert_eq!(s.skipped_not_a_country(), 1);
        let text = s.to_string();
        assert!(
            text.contains("not a country (EU27_2020): 1 (e.g. at 11)"),
            "{text}"
        );
    }
}
