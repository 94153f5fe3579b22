//! Publishing rules for statistics (DESIGN §4): E005 (raw counts compared across countries or
//! groups without a rate) and E009 (small-cell suppression).
//!
//! The report linter, the compiler and the statistics explorer all call these functions, so a
//! table is judged and a small count is hidden the same way everywhere.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::indicator::SeriesKind;

/// What a table column holds, for E005.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Raw counts (persons, claims, dwellings).
    Count,
    /// A rate, ratio, share or percentage: comparable across groups of different size.
    Rate,
    /// Labels, dates, targets or anything else that is not compared as a count.
    Other,
}

impl Measure {
    /// The measure of a catalogue series.
    pub fn of_series(kind: SeriesKind) -> Measure {
        match kind {
            SeriesKind::Count => Measure::Count,
            SeriesKind::Rate | SeriesKind::Percent => Measure::Rate,
            SeriesKind::Target => Measure::Other,
        }
    }

    /// Guesses a column's measure from its header and cells, for tables written by hand:
    /// a header naming a rate (`per 1,000`, `%`, `rate`, `share`, `ratio`, `per cent`) or
    /// cells with `%` make a rate; otherwise a column whose cells are all numbers is a count.
    pub fn guess(header: &str, cells: &[&str]) -> Measure {
        let h = header.to_lowercase();
        let rate_words = [
            "per ",
            "per\u{a0}",
            "%",
            "rate",
            "share",
            "ratio",
            "percent",
            "per cent",
            "proportion",
            "‰",
            "index",
        ];
        if rate_words.iter().any(|w| h.contains(w)) {
            return Measure::Rate;
        }
        let filled: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if filled.is_empty() {
            return Measure::Other;
        }
        if filled.iter().all(|c| c.ends_with('%')) {
            return Measure::Rate;
        }
        if filled.iter().all(|c| is_number(c)) {
            Measure::Count
        } else {
            Measure::Other
        }
    }
}

/// A number as written in a table: digits with `,` or thin-space grouping, optional sign and
/// decimals, or `<10` (a suppressed count).
fn is_number(cell: &str) -> bool {
    let c = cell
        .trim()
        .trim_start_matches(['<', '−', '-', '+', '~'])
        .trim_start_matches("about ");
    !c.is_empty()
        && c.chars().any(|ch| ch.is_ascii_digit())
        && c.chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, ',' | '.' | ' ' | '\u{202f}' | '\u{a0}'))
}

/// A cell's text without `[@S1]`-style citations, trimmed.
fn strip_citations(cell: &str) -> String {
    let mut out = String::new();
    let mut rest = cell;
    while let Some(start) = rest.find("[@") {
        out.push_str(&rest[..start]);
        match rest[start..].find(']') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    crate::markdown::normalise(&out)
}

/// A table as the rules see it: a label column naming the rows (countries, groups, periods)
/// and measure columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The header of each column, the label column first.
    pub headers: Vec<String>,
    /// The cells of each row, the label first.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads the first GitHub-style table in `markdown` (portion markings and citations are
    /// kept as text), or `None` when there is none.
    pub fn from_markdown(markdown: &str) -> Option<Table> {
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        let mut headers = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut in_table = false;
        let mut in_head = false;
        let mut cell: Option<String> = None;
        for event in Parser::new_ext(markdown, options) {
            match event {
                Event::Start(Tag::Table(_)) => in_table = true,
                Event::End(TagEnd::Table) => break,
                Event::Start(Tag::TableHead) => in_head = true,
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => cell = Some(String::new()),
                Event::End(TagEnd::TableCell) => {
                    let text = strip_citations(&cell.take().unwrap_or_default());
                    if in_head {
                        headers.push(text);
                    } else if let Some(row) = rows.last_mut() {
                        row.push(text);
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some(c) = cell.as_mut() {
                        c.push_str(&t);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(c) = cell.as_mut() {
                        c.push(' ');
                    }
                }
                _ => {}
            }
        }
        in_table.then_some(Table { headers, rows })
    }

    /// The measure of each column after the label column, guessed from headers and cells.
    pub fn guessed_measures(&self) -> Vec<Measure> {
        (1..self.headers.len())
            .map(|i| {
                let cells: Vec<&str> = self
                    .rows
                    .iter()
                    .map(|r| r.get(i).map_or("", String::as_str))
                    .collect();
                Measure::guess(&self.headers[i], &cells)
            })
            .collect()
    }
}

/// An E005 finding: what is compared and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawCountComparison {
    /// The count columns' headers.
    pub count_columns: Vec<String>,
    /// How many rows (countries or groups) they compare.
    pub groups: usize,
}

impl std::fmt::Display for RawCountComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the table compares raw counts ({}) across {} countries or groups without a rate: add a rate column with its denominator (e.g. per 100,000 residents); counts may stay alongside",
            self.count_columns.join(", "),
            self.groups
        )
    }
}

/// Whether a row label is a period (`2024`, `2024-Q3`, `FY2018-19`): a table whose rows are
/// periods follows one country over time and compares no groups.
fn is_period_label(label: &str) -> bool {
    let l = label.trim();
    let l = l.strip_prefix("FY").unwrap_or(l);
    l.len() >= 4
        && l.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && l[4..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | 'Q' | 'W' | '–'))
}

/// E005: a table with two or more groups (rows that are not periods) and at least one count
/// column but no rate column. `measures` gives each column after the label column (use
/// [`Table::guessed_measures`] for hand-written tables, [`Measure::of_series`] when the columns
/// come from the catalogue).
pub fn raw_count_comparison(table: &Table, measures: &[Measure]) -> Option<RawCountComparison> {
    let groups: Vec<&Vec<String>> = table
        .rows
        .iter()
        .filter(|r| r.first().is_some_and(|l| !l.trim().is_empty()))
        .collect();
    if groups.len() < 2 || groups.iter().all(|r| is_period_label(&r[0])) {
        return None;
    }
    if measures.contains(&Measure::Rate) {
        return None;
    }
    let count_columns: Vec<String> = measures
        .iter()
        .enumerate()
        .filter(|(_, m)| **m == Measure::Count)
        .map(|(i, _)| table.headers.get(i + 1).cloned().unwrap_or_default())
        .collect();
    (!count_columns.is_empty()).then_some(RawCountComparison {
        count_columns,
        groups: groups.len(),
    })
}

/// E009: small-cell suppression at a deployment's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Counts whose magnitude is below this are not published (default 10).
    pub threshold: u64,
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression { threshold: 10 }
    }
}

/// A value as it may be published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Published {
    /// Shown as is.
    Shown {
        /// The value.
        value: f64,
    },
    /// A count below the threshold: shown as `<threshold`.
    SmallCount {
        /// The threshold.
        threshold: u64,
    },
    /// A rate derived from a suppressed count: not shown at all.
    DerivedFromSmallCount,
}

impl Published {
    /// The value when it may be shown.
    pub fn value(&self) -> Option<f64> {
        match self {
            Published::Shown { value } => Some(*value),
            _ => None,
        }
    }

    /// How the cell is printed: the value with `decimals` places and thousands separators,
    /// `<10`, or `suppressed`.
    pub fn display(&self, decimals: u8) -> String {
        match self {
            Published::Shown { value } => format_number(*value, decimals),
            Published::SmallCount { threshold } => format!("<{threshold}"),
            Published::DerivedFromSmallCount => "suppressed".into(),
        }
    }
}

impl Suppression {
    /// Whether a count of this size must be suppressed. Counts are checked by magnitude (a net
    /// change of −3 people is as identifying as +3); zero is a count below the threshold too.
    pub fn is_small(&self, count: f64) -> bool {
        count.abs() < self.threshold as f64
    }

    /// A series value, suppressed when it is a small count (only [`SeriesKind::Count`]
    /// series are counts of people or things; rates, percentages and targets pass).
    pub fn value(&self, kind: SeriesKind, value: f64) -> Published {
        if kind == SeriesKind::Count && self.is_small(value) {
            Published::SmallCount {
                threshold: self.threshold,
            }
        } else {
            Published::Shown { value }
        }
    }

    /// A rate derived from counts: suppressed when any count it rests on (numerator or
    /// denominator observations, given with their series kinds) is small.
    pub fn derived(&self, value: f64, inputs: &[(SeriesKind, f64)]) -> Published {
        if inputs
            .iter()
            .any(|(kind, v)| *kind == SeriesKind::Count && self.is_small(*v))
        {
            Published::DerivedFromSmallCount
        } else {
            Published::Shown { value }
        }
    }
}

/// `1234567.891` with 1 decimal → `1,234,567.9`; negative numbers keep their sign.
pub fn format_number(value: f64, decimals: u8) -> String {
    let text = format!("{:.*}", usize::from(decimals), value.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(md: &str) -> Table {
        Table::from_markdown(md).unwrap()
    }

    #[test]
    fn counts_across_countries_without_a_rate_are_e005() {
        let t = table(
            "| country | asylum applications |\n|---|---|\n| Canada | 173,931 |\n| New Zealand | 1,020 |\n",
        );
        let found = raw_count_comparison(&t, &t.guessed_measures()).unwrap();
        assert_eq!(found.groups, 2);
        assert_eq!(found.count_columns, ["asylum applications"]);
        assert!(found.to_string().contains("without a rate"));
    }

    #[test]
    fn a_rate_column_alongside_counts_is_fine() {
        let t = table(
            "| country | applications | per 100,000 residents |\n|---|---|---|\n| Canada | 173,931 | 421 |\n| New Zealand | 1,020 | 19.5 |\n",
        );
        assert_eq!(raw_count_comparison(&t, &t.guessed_measures()), None);
        let t = table("| country | share |\n|---|---|\n| CAN | 21.3% |\n| NZL | 29% |\n");
        assert_eq!(raw_count_comparison(&t, &t.guessed_measures()), None);
    }

    #[test]
    fn one_country_over_time_and_non_numeric_tables_are_not_comparisons() {
        let t = table("| year | claims |\n|---|---|\n| 2015 | 16,058 |\n| 2019 | 64,177 |\n");
        assert_eq!(raw_count_comparison(&t, &t.guessed_measures()), None);
        let t = table("| country | measure |\n|---|---|\n| CAN | STCA |\n| AUS | plan |\n");
        assert_eq!(raw_count_comparison(&t, &t.guessed_measures()), None);
        let t = table("| country | claims |\n|---|---|\n| CAN | 16,058 |\n");
        assert_eq!(raw_count_comparison(&t, &t.guessed_measures()), None);
        assert_eq!(Table::from_markdown("no table here"), None);
    }

    #[test]
    fn catalogue_measures_decide_when_given() {
        let t = table("| country | value |\n|---|---|\n| CAN | 7.3 |\n| NZL | 4.0 |\n");
        assert!(raw_count_comparison(&t, &[Measure::Count]).is_some());
        assert!(raw_count_comparison(&t, &[Measure::of_series(SeriesKind::Percent)]).is_none());
        assert!(raw_count_comparison(&t, &[Measure::of_series(SeriesKind::Target)]).is_none());
    }

    #[test]
    fn small_counts_and_their_rates_are_suppressed() {
        let s = Suppression::default();
        assert_eq!(
            s.value(SeriesKind::Count, 9.0),
            Published::SmallCount { threshold: 10 }
        );
        assert_eq!(s.value(SeriesKind::Count, -3.0).display(0), "<10");
        assert_eq!(s.value(SeriesKind::Count, 0.0).display(0), "<10");
        assert_eq!(
            s.value(SeriesKind::Count, 10.0),
            Published::Shown { value: 10.0 }
        );
        assert_eq!(
            s.value(SeriesKind::Percent, 2.5),
            Published::Shown { value: 2.5 }
        );
        let rate = s.derived(
            0.2,
            &[(SeriesKind::Count, 4.0), (SeriesKind::Count, 2_000_000.0)],
        );
        assert_eq!(rate, Published::DerivedFromSmallCount);
        assert_eq!(rate.display(1), "suppressed");
        assert_eq!(rate.value(), None);
        let ok = s.derived(
            421.3,
            &[(SeriesKind::Count, 173_931.0), (SeriesKind::Count, 4.1e7)],
        );
        assert_eq!(ok.value(), Some(421.3));
        let strict = Suppression { threshold: 50 };
        assert!(strict.is_small(49.0) && !strict.is_small(50.0));
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(format_number(421.26, 0), "421");
        assert_eq!(format_number(-334_072.0, 0), "-334,072");
        assert_eq!(format_number(-0.04, 1), "0.0");
        assert_eq!(format_number(999.96, 1), "1,000.0");
    }
}
