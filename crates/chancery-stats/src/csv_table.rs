//! The CSV engine behind plain CSV (long and World Bank layouts) and SDMX-CSV: a streaming
//! reader that turns each record into an observation following a [`RowPlan`] worked out once
//! from the header.
//!
//! The hot loop reuses one `csv::ByteRecord`, decodes only the fields it needs, and caches the
//! last country, period, series, unit and status it saw, so long runs of one series cost no
//! allocation beyond the observation's `Arc` clones.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use crate::common::{Deduper, Interner, QuoteTracker, Seen, Value, parse_value, show_value};
use crate::country::{Country, CountryMap, Resolved};
use crate::error::{Duplicate, ImportError, Location};
use crate::observation::{
    CountrySpec, Duplicates, Flags, ImportOptions, MissingValues, Observation, PeriodSpec,
    SkipReason, SourceInfo, Summary,
};
use crate::period::Period;

/// A column by name, or a constant for every row (a World Bank file names no series; the
/// caller does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Read from this column (header name, matched case-insensitively).
    Column(String),
    /// The same text for every row.
    Fixed(String),
}

/// Where periods are in a plain CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodColumns {
    /// One column holds the period; one row per observation (long layout).
    Column(String),
    /// Every header cell that is a period (`1960`, …, `2024`) is a value column: the World Bank
    /// bulk download layout, one row per country and series.
    Wide,
}

/// How to read a plain CSV file whose header is not Chancery's long layout.
///
/// Column names are matched case-insensitively, ignoring surrounding spaces. Rows before the
/// first row containing the `country` column (the World Bank's "Data Source" preamble) are
/// skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// Column with the country code.
    pub country: String,
    /// Series code: a column or a fixed name.
    pub series: Field,
    /// Period column, or wide year columns.
    pub period: PeriodColumns,
    /// Value column (ignored for [`PeriodColumns::Wide`]).
    pub value: Option<String>,
    /// Unit: a column or a fixed unit.
    pub unit: Option<Field>,
    /// Status/flag column.
    pub status: Option<String>,
    /// Note column.
    pub note: Option<String>,
    /// Source attached to every observation (e.g. the World Bank table the file came from).
    pub source: Option<SourceInfo>,
}

impl ColumnMapping {
    /// The World Bank long layout of `datasets/population` and WDI indicator mirrors:
    /// `Country Name,Country Code,Year,Value`. The file does not name its series, so the
    /// caller does (e.g. `SP.POP.TOTL`).
    pub fn world_bank(series: &str) -> Self {
        ColumnMapping {
            country: "Country Code".to_string(),
            series: Field::Fixed(series.to_string()),
            period: PeriodColumns::Column("Year".to_string()),
            value: Some("Value".to_string()),
            unit: None,
            status: None,
            note: None,
            source: None,
        }
    }

    /// The World Bank's API bulk download (`API_<indicator>_DS2_…csv`): a "Data Source" /
    /// "Last Updated Date" preamble, then `Country Name,Country Code,Indicator Name,Indicator
    /// Code,1960,…,2024,` with one column per year and a trailing comma.
    pub fn wdi_bulk() -> Self {
        ColumnMapping {
            country: "Country Code".to_string(),
            series: Field::Column("Indicator Code".to_string()),
            period: PeriodColumns::Wide,
            value: None,
            unit: None,
            status: None,
            note: None,
            source: None,
        }
    }

    /// Sets the source attached to every observation.
    #[must_use]
    pub fn with_source(mut self, source: SourceInfo) -> Self {
        self.source = Some(source);
        self
    }

    /// Sets a fixed unit.
    #[must_use]
    pub fn with_unit(mut self, unit: &str) -> Self {
        self.unit = Some(Field::Fixed(unit.to_string()));
        self
    }
}

#[derive(Debug, Clone)]
pub(crate) enum CountryCol {
    Column(usize),
    Fixed(Country),
}

#[derive(Debug, Clone)]
pub(crate) enum SeriesCols {
    /// Values of these columns joined with `.`; when the list is empty, the value of
    /// `fallback` (SDMX: the dataflow id).
    Columns {
        cols: Vec<usize>,
        fallback: Option<usize>,
    },
    Fixed(String),
}

#[derive(Debug, Clone)]
pub(crate) enum PeriodCol {
    Column(usize),
    Wide(Vec<(usize, Period)>),
    Fixed(Period),
}

#[derive(Debug, Clone)]
pub(crate) enum UnitCol {
    Column(usize),
    Fixed(String),
}

#[derive(Debug, Clone)]
pub(crate) enum SourcePlan {
    None,
    Columns {
        publisher: Option<usize>,
        title: Option<usize>,
        url: Option<usize>,
        retrieved_from: Option<usize>,
    },
    /// SDMX: the structure id (`BIS:BIS_DER(1.0)`): agency as publisher, id as title.
    Structure(usize),
    Fixed(Arc<SourceInfo>),
}

/// Which column holds what, worked out once from the header.
#[derive(Debug, Clone)]
pub(crate) struct RowPlan {
    pub names: Vec<String>,
    pub header_line: u64,
    pub country: CountryCol,
    pub series: SeriesCols,
    pub period: PeriodCol,
    pub value: Option<usize>,
    pub unit: Option<UnitCol>,
    pub status: Option<usize>,
    pub confidentiality: Option<usize>,
    pub source: SourcePlan,
    pub note: Option<usize>,
    pub action: Option<usize>,
    /// SDMX-CSV with labels: cells are `CODE: Label`; take the code.
    pub labels: bool,
}

/// Normalises a header name for matching: trimmed, BOM removed, lower case, spaces and `-`
/// as `_`.
pub(crate) fn norm(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

pub(crate) fn find(names: &[String], candidates: &[&str]) -> Option<usize> {
    candidates.iter().find_map(|c| {
        let c = norm(c);
        names.iter().position(|n| norm(n) == c)
    })
}

pub(crate) fn header_list(names: &[String]) -> String {
    names
        .iter()
        .filter(|n| !n.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Takes the code from an SDMX `CODE: Label` cell.
pub(crate) fn strip_label(b: &[u8]) -> &[u8] {
    match b.windows(2).position(|w| w == b": ") {
        Some(i) => &b[..i],
        None => b,
    }
}

pub(crate) fn decode_header(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect()
}

/// A blank line (empty, or only a `\r` from a CRLF file).
pub(crate) fn is_blank(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty())
}

pub(crate) fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// The header is one column but contains another common delimiter: the file uses that one.
pub(crate) fn check_delimiter(
    names: &[String],
    line: u64,
    delimiter: u8,
) -> Result<(), ImportError> {
    if names.len() != 1 {
        return Ok(());
    }
    let expected = delimiter_name(delimiter);
    for (c, name) in [
        (';', "semicolon"),
        ('\t', "tab"),
        ('|', "pipe"),
        (',', "comma"),
    ] {
        if c as u32 != u32::from(delimiter) && names[0].contains(c) {
            return Err(ImportError::WrongDelimiter {
                line,
                expected,
                found: c,
                found_name: name,
            });
        }
    }
    Ok(())
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "pipe",
        _ => "delimiter",
    }
}

/// A CSV reader over the quote tracker.
///
/// Records end at `\n` only: with the csv crate's default CRLF terminator, a record after a
/// `\r\n` line end reports the line before its own (the `\n` is counted only when the next
/// record is read). A `\r` left at the end of a line is whitespace that [`field_of`] trims, and
/// a line holding only `\r` is blank ([`is_blank`]).
pub(crate) fn csv_reader<R: Read>(r: R, delimiter: u8) -> csv::Reader<QuoteTracker<R>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(64 * 1024)
        .from_reader(QuoteTracker::new(r, delimiter))
}

pub(crate) fn csv_error(e: csv::Error, line: u64) -> ImportError {
    let at = Location::Line(e.position().map_or(line, csv::Position::line));
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ImportError::Io(io),
        other => ImportError::Malformed {
            at,
            message: format!("CSV error: {other:?}"),
        },
    }
}

fn field_of(record: &csv::ByteRecord, labels: bool, col: usize) -> &[u8] {
    let f = record.get(col).unwrap_or(b"").trim_ascii();
    if labels { strip_label(f) } else { f }
}

fn text_of<'a>(
    record: &'a csv::ByteRecord,
    plan: &RowPlan,
    col: usize,
    line: u64,
) -> Result<&'a str, ImportError> {
    std::str::from_utf8(field_of(record, plan.labels, col)).map_err(|_| utf8_error(plan, col, line))
}

fn utf8_error(plan: &RowPlan, col: usize, line: u64) -> ImportError {
    ImportError::Field {
        at: Location::Line(line),
        column: plan.names[col].clone(),
        message: "not valid UTF-8 text; save the file as UTF-8".to_string(),
    }
}

/// Unit, flags, source and note of a kept row.
type Extras = (
    Option<Arc<str>>,
    Flags,
    Option<Arc<SourceInfo>>,
    Option<Arc<str>>,
);

/// State of a wide row being emitted cell by cell.
#[derive(Debug)]
struct WideRow {
    line: u64,
    /// `Err` with the reason when the row's code is not a country.
    country: Result<Country, SkipReason>,
    series: (Arc<str>, u32),
    unit: Option<Arc<str>>,
    flags: Flags,
    source: Option<Arc<SourceInfo>>,
    note: Option<Arc<str>>,
    next: usize,
}

/// A streaming reader of CSV or SDMX-CSV observations.
///
/// Iterate it for `Result<Observation, ImportError>`; after the first error it yields nothing
/// more. The file is read in 64 KiB chunks, never whole. [`CsvReader::summary`] tells what was
/// skipped so far. An error at any point means the file as a whole is bad: callers storing
/// observations as they stream must roll back (a file cut off inside a quoted field is only
/// noticed at its end).
#[derive(Debug)]
pub struct CsvReader<R: Read> {
    csv: csv::Reader<QuoteTracker<R>>,
    plan: RowPlan,
    record: csv::ByteRecord,
    country_map: CountryMap,
    missing: MissingValues,
    dedup: Option<Deduper>,
    summary: Summary,
    series: Interner,
    units: Interner,
    notes: Interner,
    countries: HashMap<Box<[u8]>, Resolved>,
    /// The last country code seen and what it resolved to (files are grouped by country).
    last_code: Vec<u8>,
    last_resolved: Option<Resolved>,
    /// Why the last code is skipped, when it is not a country.
    not_a_country: SkipReason,
    /// Flags by raw status and confidentiality bytes (`status \0 conf`).
    flag_cache: HashMap<Box<[u8]>, Flags>,
    last_flags: Option<Flags>,
    last_flag_key: Vec<u8>,
    statuses: Interner,
    last_source: Option<(Vec<u8>, Arc<SourceInfo>)>,
    fixed_series: Option<(Arc<str>, u32)>,
    fixed_unit: Option<Arc<str>>,
    key: Vec<u8>,
    wide: Option<WideRow>,
    failed: bool,
}

impl<R: Read> CsvReader<R> {
    pub(crate) fn new(
        csv: csv::Reader<QuoteTracker<R>>,
        plan: RowPlan,
        opts: &ImportOptions,
    ) -> Self {
        let mut series = Interner::default();
        let fixed_series = match &plan.series {
            SeriesCols::Fixed(s) => Some(series.intern(s)),
            SeriesCols::Columns { .. } => None,
        };
        let fixed_unit = match &plan.unit {
            Some(UnitCol::Fixed(u)) => Some(Arc::from(u.as_str())),
            _ => None,
        };
        CsvReader {
            csv,
            plan,
            record: csv::ByteRecord::new(),
            country_map: opts.country_map.clone(),
            missing: opts.missing,
            dedup: (opts.duplicates == Duplicates::Check).then(Deduper::default),
            summary: Summary::default(),
            series,
            units: Interner::default(),
            notes: Interner::default(),
            countries: HashMap::new(),
            last_code: Vec::new(),
            last_resolved: None,
            not_a_country: SkipReason::MissingValue,
            flag_cache: HashMap::new(),
            last_flags: None,
            last_flag_key: Vec::new(),
            statuses: Interner::default(),
            last_source: None,
            fixed_series,
            fixed_unit,
            key: Vec::with_capacity(128),
            wide: None,
            failed: false,
        }
    }

    /// Rows read, observations produced and rows skipped (with reasons) so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Bytes read from the input so far (for progress bars).
    pub fn bytes_read(&self) -> u64 {
        self.csv.get_ref().bytes()
    }

    /// Reads everything, returning the observations and the summary, or the first error.
    pub fn collect_all(mut self) -> Result<crate::Import, ImportError> {
        let mut observations = Vec::new();
        while let Some(obs) = self.next_observation()? {
            observations.push(obs);
        }
        Ok(crate::Import {
            observations,
            summary: self.summary,
        })
    }

    /// The next observation, `None` at the end of the file.
    pub fn next_observation(&mut self) -> Result<Option<Observation>, ImportError> {
        if self.failed {
            return Ok(None);
        }
        let result = self.advance();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn advance(&mut self) -> Result<Option<Observation>, ImportError> {
        loop {
            if self.wide.is_some() {
                if let Some(obs) = self.next_wide_cell()? {
                    return Ok(Some(obs));
                }
                continue;
            }
            let more = self
                .csv
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(e, self.plan.header_line))?;
            if !more {
                if self.csv.get_ref().in_quotes() {
                    return Err(ImportError::Malformed {
                        at: Location::Line(self.csv.position().line()),
                        message: "the file ends inside a quoted field: it looks truncated"
                            .to_string(),
                    });
                }
                return Ok(None);
            }
            if is_blank(&self.record) {
                continue;
            }
            let line = line_of(&self.record);
            if self.record.len() != self.plan.names.len() {
                return Err(self.width_error(line));
            }
            if let Some(obs) = self.row(line)? {
                return Ok(Some(obs));
            }
        }
    }

    fn width_error(&mut self, line: u64) -> ImportError {
        let found = self.record.len();
        // A short last record is what a file cut off inside a quoted field looks like.
        let mut rest = csv::ByteRecord::new();
        let at_end = matches!(self.csv.read_byte_record(&mut rest), Ok(false));
        if at_end && self.csv.get_ref().in_quotes() {
            return ImportError::Malformed {
                at: Location::Line(line),
                message: "the file ends inside a quoted field that starts on this line: it looks truncated".to_string(),
            };
        }
        ImportError::Malformed {
            at: Location::Line(line),
            message: format!(
                "expected {} comma-separated fields as in the header (line {}), found {found}; an unquoted delimiter inside a value, or a cut-off line?",
                self.plan.names.len(),
                self.plan.header_line
            ),
        }
    }

    /// The row's country; `None` when the code is not a country (an aggregate or mapped
    /// away), with the reason left in `self.not_a_country`.
    fn country(&mut self, line: u64) -> Result<Option<Country>, ImportError> {
        let col = match self.plan.country {
            CountryCol::Fixed(c) => return Ok(Some(c)),
            CountryCol::Column(col) => col,
        };
        let raw = field_of(&self.record, self.plan.labels, col);
        if self.last_resolved.is_none() || self.last_code.as_slice() != raw {
            let resolved = match self.countries.get(raw) {
                Some(r) => *r,
                None => {
                    let text = text_of(&self.record, &self.plan, col, line)?;
                    let r = self.country_map.resolve(text).map_err(|e| {
                        ImportError::UnknownCountry {
                            at: Location::Line(line),
                            column: self.plan.names[col].clone(),
                            code: e.code,
                        }
                    })?;
                    self.countries.insert(raw.into(), r);
                    r
                }
            };
            if resolved == Resolved::NotACountry {
                let code = text_of(&self.record, &self.plan, col, line)?.to_string();
                self.not_a_country = SkipReason::NotACountry { code };
            }
            self.last_code.clear();
            self.last_code.extend_from_slice(raw);
            self.last_resolved = Some(resolved);
        }
        Ok(match self.last_resolved {
            Some(Resolved::Country(c)) => Some(c),
            _ => None,
        })
    }

    fn series(&mut self, line: u64) -> Result<(Arc<str>, u32), ImportError> {
        if let Some(s) = &self.fixed_series {
            return Ok(s.clone());
        }
        let SeriesCols::Columns { cols, fallback } = &self.plan.series else {
            return Ok((Arc::from(""), 0));
        };
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for (i, &col) in cols.iter().enumerate() {
            if i > 0 {
                key.push(b'.');
            }
            key.extend_from_slice(field_of(&self.record, self.plan.labels, col));
        }
        if cols.is_empty()
            && let Some(f) = fallback
        {
            key.extend_from_slice(field_of(&self.record, self.plan.labels, *f));
        }
        let result = if key.is_empty() {
            Err(ImportError::Field {
                at: Location::Line(line),
                column: cols
                    .first()
                    .or(fallback.as_ref())
                    .map_or_else(String::new, |&c| self.plan.names[c].clone()),
                message: "the series code is empty".to_string(),
            })
        } else {
            self.series
                .intern_bytes(&key)
                .map_err(|_| ImportError::Field {
                    at: Location::Line(line),
                    column: cols
                        .first()
                        .map_or_else(String::new, |&c| self.plan.names[c].clone()),
                    message: "not valid UTF-8 text; save the file as UTF-8".to_string(),
                })
        };
        self.key = key;
        result
    }

    fn period(&self, col: usize, line: u64) -> Result<Period, ImportError> {
        let raw = field_of(&self.record, self.plan.labels, col);
        Period::parse_bytes(raw).map_err(|reason| ImportError::Field {
            at: Location::Line(line),
            column: self.plan.names[col].clone(),
            message: format!(
                "invalid period {:?}: {reason}",
                String::from_utf8_lossy(raw)
            ),
        })
    }

    fn unit(&mut self, line: u64) -> Result<Option<Arc<str>>, ImportError> {
        match self.plan.unit {
            Some(UnitCol::Column(col)) => {
                let raw = field_of(&self.record, self.plan.labels, col);
                if raw.is_empty() {
                    return Ok(None);
                }
                match self.units.intern_bytes(raw) {
                    Ok((arc, _)) => Ok(Some(arc)),
                    Err(_) => Err(utf8_error(&self.plan, col, line)),
                }
            }
            Some(UnitCol::Fixed(_)) => Ok(self.fixed_unit.clone()),
            None => Ok(None),
        }
    }

    fn flags(&mut self, line: u64) -> Result<Flags, ImportError> {
        if self.plan.status.is_none() && self.plan.confidentiality.is_none() {
            return Ok(Flags::default());
        }
        let status = self
            .plan
            .status
            .map_or(&b""[..], |c| field_of(&self.record, self.plan.labels, c));
        let conf = self
            .plan
            .confidentiality
            .map_or(&b""[..], |c| field_of(&self.record, self.plan.labels, c));
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.extend_from_slice(status);
        key.push(0);
        key.extend_from_slice(conf);
        if let Some(f) = &self.last_flags
            && self.last_flag_key == key
        {
            let f = f.clone();
            self.key = key;
            return Ok(f);
        }
        let flags = match self.flag_cache.get(key.as_slice()) {
            Some(f) => f.clone(),
            None => {
                let text = |col: Option<usize>| match col {
                    Some(c) => text_of(&self.record, &self.plan, c, line),
                    None => Ok(""),
                };
                let (status, conf) = (text(self.plan.status)?, text(self.plan.confidentiality)?);
                let mut flags = Flags::from_status(status).with_confidentiality(conf);
                if !status.is_empty() {
                    flags.status = Some(self.statuses.intern(status).0);
                }
                self.flag_cache.insert(key.as_slice().into(), flags.clone());
                flags
            }
        };
        self.last_flag_key.clear();
        self.last_flag_key.extend_from_slice(&key);
        self.last_flags = Some(flags.clone());
        self.key = key;
        Ok(flags)
    }

    fn source(&mut self, line: u64) -> Result<Option<Arc<SourceInfo>>, ImportError> {
        let cols: [Option<usize>; 4] = match &self.plan.source {
            SourcePlan::None => return Ok(None),
            SourcePlan::Fixed(s) => return Ok(Some(Arc::clone(s))),
            SourcePlan::Structure(c) => [Some(*c), None, None, None],
            SourcePlan::Columns {
                publisher,
                title,
                url,
                retrieved_from,
            } => [*publisher, *title, *url, *retrieved_from],
        };
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for c in cols.iter().flatten() {
            key.extend_from_slice(field_of(&self.record, self.plan.labels, *c));
            key.push(0);
        }
        if let Some((last, arc)) = &self.last_source
            && *last == key
        {
            let arc = Arc::clone(arc);
            self.key = key;
            return Ok(Some(arc));
        }
        let mut parts: [Option<String>; 4] = Default::default();
        for (part, col) in parts.iter_mut().zip(cols) {
            if let Some(c) = col {
                let t = text_of(&self.record, &self.plan, c, line)?;
                if !t.is_empty() {
                    *part = Some(t.to_string());
                }
            }
        }
        let [a, b, c, d] = parts;
        let info = match &self.plan.source {
            SourcePlan::Structure(_) => {
                let id = a.unwrap_or_default();
                let agency = id.split_once(':').map(|(agency, _)| agency.to_string());
                SourceInfo {
                    publisher: agency,
                    title: Some(id),
                    url: None,
                    retrieved_from: None,
                }
            }
            _ => SourceInfo {
                publisher: a,
                title: b,
                url: c,
                retrieved_from: d,
            },
        };
        let arc = (info != SourceInfo::default()).then(|| Arc::new(info));
        let result = arc.clone();
        if let Some(arc) = arc {
            self.last_source = Some((key.clone(), arc));
        }
        self.key = key;
        Ok(result)
    }

    fn note(&mut self, line: u64) -> Result<Option<Arc<str>>, ImportError> {
        let Some(col) = self.plan.note else {
            return Ok(None);
        };
        let raw = field_of(&self.record, self.plan.labels, col);
        if raw.is_empty() {
            return Ok(None);
        }
        match self.notes.intern_bytes(raw) {
            Ok((arc, _)) => Ok(Some(arc)),
            Err(_) => Err(utf8_error(&self.plan, col, line)),
        }
    }

    /// One long or SDMX record; wide records set up `self.wide` and return `None`.
    fn row(&mut self, line: u64) -> Result<Option<Observation>, ImportError> {
        if let Some(col) = self.plan.action
            && field_of(&self.record, self.plan.labels, col).eq_ignore_ascii_case(b"D")
        {
            self.summary.skip(&SkipReason::DeleteAction, line);
            return Ok(None);
        }
        let country = self.country(line)?;
        if let PeriodCol::Wide(_) = self.plan.period {
            let series = self.series(line)?;
            let country = country.ok_or_else(|| self.not_a_country.clone());
            self.wide = Some(WideRow {
                line,
                country,
                series,
                unit: self.unit(line)?,
                flags: self.flags(line)?,
                source: self.source(line)?,
                note: self.note(line)?,
                next: 0,
            });
            return Ok(None);
        }
        let Some(country) = country else {
            self.summary.skip(&self.not_a_country, line);
            return Ok(None);
        };
        let Some(value_col) = self.plan.value else {
            return Ok(None);
        };
        let value = match parse_value(field_of(&self.record, self.plan.labels, value_col)) {
            Ok(Value::Number(v)) => Some(v),
            Ok(Value::Missing) if self.missing == MissingValues::Keep => None,
            Ok(Value::Missing) => {
                self.summary.skip(&SkipReason::MissingValue, line);
                return Ok(None);
            }
            Err(message) => {
                return Err(ImportError::Field {
                    at: Location::Line(line),
                    column: self.plan.names[value_col].clone(),
                    message,
                });
            }
        };
        let period = match self.plan.period {
            PeriodCol::Column(col) => self.period(col, line)?,
            PeriodCol::Fixed(p) => p,
            PeriodCol::Wide(_) => return Ok(None),
        };
        let series = self.series(line)?;
        self.emit(country, series, period, value, line, |this| {
            Ok((
                this.unit(line)?,
                this.flags(line)?,
                this.source(line)?,
                this.note(line)?,
            ))
        })
    }

    /// Checks duplicates and builds the observation; `extras` computes unit, flags, source and
    /// note only for rows that are kept.
    fn emit(
        &mut self,
        country: Country,
        series: (Arc<str>, u32),
        period: Period,
        value: Option<f64>,
        line: u64,
        extras: impl FnOnce(&mut Self) -> Result<Extras, ImportError>,
    ) -> Result<Option<Observation>, ImportError> {
        if let Some(dedup) = &mut self.dedup {
            match dedup.check(country, series.1, period, value, line, 0) {
                Seen::New => {}
                Seen::Repeat => {
                    self.summary.skip(&SkipReason::Duplicate, line);
                    return Ok(None);
                }
                Seen::Conflict {
                    first,
                    value: first_value,
                    ..
                } => {
                    return Err(ImportError::Duplicate(Box::new(Duplicate {
                        country,
                        series: series.0,
                        period,
                        first: Location::Line(first),
                        first_value: show_value(first_value),
                        at: Location::Line(line),
                        value: show_value(value),
                    })));
                }
            }
        }
        let (unit, flags, source, note) = extras(self)?;
        self.summary.rows += 1;
        self.summary.observations += 1;
        Ok(Some(Observation {
            country,
            series: series.0,
            period,
            value,
            unit,
            flags,
            source,
            note,
            line,
        }))
    }

    fn next_wide_cell(&mut self) -> Result<Option<Observation>, ImportError> {
        let PeriodCol::Wide(cols) = &self.plan.period else {
            self.wide = None;
            return Ok(None);
        };
        let Some(row) = &mut self.wide else {
            return Ok(None);
        };
        let Some(&(col, period)) = cols.get(row.next) else {
            self.wide = None;
            return Ok(None);
        };
        row.next += 1;
        let line = row.line;
        let country = match &row.country {
            Ok(c) => *c,
            Err(reason) => {
                self.summary.skip(reason, line);
                return Ok(None);
            }
        };
        let series = row.series.clone();
        let value = match parse_value(field_of(&self.record, self.plan.labels, col)) {
            Ok(Value::Number(v)) => Some(v),
            Ok(Value::Missing) if self.missing == MissingValues::Keep => None,
            Ok(Value::Missing) => {
                self.summary.skip(&SkipReason::MissingValue, line);
                return Ok(None);
            }
            Err(message) => {
                return Err(ImportError::Field {
                    at: Location::Line(line),
                    column: self.plan.names[col].clone(),
                    message,
                });
            }
        };
        self.emit(country, series, period, value, line, |this| {
            let row = this.wide.as_ref();
            Ok((
                row.and_then(|r| r.unit.clone()),
                row.map(|r| r.flags.clone()).unwrap_or_default(),
                row.and_then(|r| r.source.clone()),
                row.and_then(|r| r.note.clone()),
            ))
        })
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<Observation, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_observation().transpose()
    }
}

const COUNTRY: &[&str] = &[
    "country",
    "country_code",
    "geo",
    "ref_area",
    "iso3",
    "iso_3",
];
const SERIES: &[&str] = &["series", "indicator", "series_code", "indicator_code"];
const PERIOD: &[&str] = &["period", "year", "time_period", "time", "date"];
const VALUE: &[&str] = &["value", "obs_value"];
const UNIT: &[&str] = &["unit", "unit_measure", "units"];
const STATUS: &[&str] = &["obs_status", "status", "obs_flag", "flag", "flags"];
const NOTE: &[&str] = &["note", "notes", "comment"];

fn also(list: &[&str]) -> String {
    format!(" (also accepted: {})", list[1..].join(", "))
}

/// Opens a plain CSV file: Chancery's long layout (`country,series,period,value,unit` plus
/// optional `source_publisher,source_title,source_url,retrieved_from,note`, or the data pack's
/// `country,indicator,year,…`), the World Bank bulk layout (recognised by its preamble or
/// header), or any layout given in [`ImportOptions::columns`].
pub fn read_csv<R: Read>(input: R, opts: &ImportOptions) -> Result<CsvReader<R>, ImportError> {
    let mut csv = csv_reader(input, opts.delimiter);
    let mut record = csv::ByteRecord::new();
    let mut preamble = 0;
    let (names, line, mapping) = loop {
        if !csv
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(e, 1))?
        {
            return Err(ImportError::Malformed {
                at: Location::Line(csv.position().line()),
                message: "no header row: the file is empty or has only a preamble".to_string(),
            });
        }
        if is_blank(&record) {
            continue;
        }
        let names = decode_header(&record);
        let line = line_of(&record);
        check_delimiter(&names, line, opts.delimiter)?;
        let wdi = find(&names, &["Country Code"]).is_some()
            && find(&names, &["Indicator Code"]).is_some();
        let preamble_row = names
            .first()
            .is_some_and(|n| matches!(norm(n).as_str(), "data_source" | "last_updated_date"));
        let mapping = match &opts.columns {
            Some(m) => find(&names, &[m.country.as_str()]).map(|_| m.clone()),
            None if wdi => Some(ColumnMapping::wdi_bulk()),
            None if preamble_row => None,
            None => break (names, line, None),
        };
        if let Some(m) = mapping {
            break (names, line, Some(m));
        }
        preamble += 1;
        if preamble > 20 {
            let column = opts
                .columns
                .as_ref()
                .map_or("Country Code", |m| m.country.as_str())
                .to_string();
            return Err(ImportError::MissingColumn {
                line,
                column,
                layout: "the CSV header (searched the first 20 rows)",
                also: String::new(),
                found: header_list(&names),
            });
        }
    };
    let plan = match mapping {
        Some(m) => mapped_plan(names, line, &m, opts)?,
        None => long_plan(names, line, opts)?,
    };
    Ok(CsvReader::new(csv, plan, opts))
}

fn required(
    names: &[String],
    list: &[&str],
    line: u64,
    layout: &'static str,
    extra: &str,
) -> Result<usize, ImportError> {
    find(names, list).ok_or_else(|| ImportError::MissingColumn {
        line,
        column: list[0].to_string(),
        layout,
        also: format!("{}{extra}", also(list)),
        found: header_list(names),
    })
}

fn named(
    names: &[String],
    name: &str,
    line: u64,
    layout: &'static str,
) -> Result<usize, ImportError> {
    find(names, &[name]).ok_or_else(|| ImportError::MissingColumn {
        line,
        column: name.to_string(),
        layout,
        also: String::new(),
        found: header_list(names),
    })
}

fn country_col(
    names: &[String],
    line: u64,
    opts: &ImportOptions,
    layout: &'static str,
) -> Result<CountryCol, ImportError> {
    Ok(match &opts.country {
        CountrySpec::Fixed(c) => CountryCol::Fixed(*c),
        CountrySpec::Column(name) => CountryCol::Column(named(names, name, line, layout)?),
        CountrySpec::Auto => CountryCol::Column(required(names, COUNTRY, line, layout, "")?),
    })
}

fn long_plan(names: Vec<String>, line: u64, opts: &ImportOptions) -> Result<RowPlan, ImportError> {
    const LAYOUT: &str = "long CSV (country,series,period,value)";
    let country = country_col(&names, line, opts, LAYOUT)?;
    let series = required(
        &names,
        SERIES,
        line,
        LAYOUT,
        "; a World Bank `Country Name,Country Code,Year,Value` file names no series, so map it with ColumnMapping::world_bank(\"SERIES.CODE\")",
    )?;
    let period = match &opts.period {
        PeriodSpec::Fixed(p) => PeriodCol::Fixed(*p),
        PeriodSpec::Column(name) => PeriodCol::Column(named(&names, name, line, LAYOUT)?),
        PeriodSpec::Auto => PeriodCol::Column(required(&names, PERIOD, line, LAYOUT, "")?),
    };
    let value = required(&names, VALUE, line, LAYOUT, "")?;
    let col = |list: &[&str]| find(&names, list);
    let source = SourcePlan::Columns {
        publisher: col(&["source_publisher", "publisher"]),
        title: col(&["source_title", "title"]),
        url: col(&["source_url", "url"]),
        retrieved_from: col(&["retrieved_from"]),
    };
    Ok(RowPlan {
        header_line: line,
        country,
        series: SeriesCols::Columns {
            cols: vec![series],
            fallback: None,
        },
        period,
        value: Some(value),
        unit: col(UNIT).map(UnitCol::Column),
        status: col(STATUS),
        confidentiality: None,
        source,
        note: col(NOTE),
        action: None,
        labels: false,
        names,
    })
}

fn mapped_plan(
    names: Vec<String>,
    line: u64,
    m: &ColumnMapping,
    opts: &ImportOptions,
) -> Result<RowPlan, ImportError> {
    const LAYOUT: &str = "the column mapping";
    let country = match &opts.country {
        CountrySpec::Auto => CountryCol::Column(named(&names, &m.country, line, LAYOUT)?),
        _ => country_col(&names, line, opts, LAYOUT)?,
    };
    let series = match &m.series {
        Field::Column(c) => SeriesCols::Columns {
            cols: vec![named(&names, c, line, LAYOUT)?],
            fallback: None,
        },
        Field::Fixed(s) => SeriesCols::Fixed(s.clone()),
    };
    let (period, value) = match (&opts.period, &m.period) {
        (PeriodSpec::Fixed(p), _) => (PeriodCol::Fixed(*p), value_col(&names, m, line)?),
        (PeriodSpec::Column(c), _) => (
            PeriodCol::Column(named(&names, c, line, LAYOUT)?),
            value_col(&names, m, line)?,
        ),
        (PeriodSpec::Auto, PeriodColumns::Column(c)) => (
            PeriodCol::Column(named(&names, c, line, LAYOUT)?),
            value_col(&names, m, line)?,
        ),
        (PeriodSpec::Auto, PeriodColumns::Wide) => {
            let cols: Vec<(usize, Period)> = names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| Period::parse(n).ok().map(|p| (i, p)))
                .collect();
            if cols.is_empty() {
                return Err(ImportError::Malformed {
                    at: Location::Line(line),
                    message: format!(
                        "no period columns (such as 1960, 2024) in the header: {}",
                        header_list(&names)
                    ),
                });
            }
            (PeriodCol::Wide(cols), None)
        }
    };
    let unit = match &m.unit {
        Some(Field::Column(c)) => Some(UnitCol::Column(named(&names, c, line, LAYOUT)?)),
        Some(Field::Fixed(u)) => Some(UnitCol::Fixed(u.clone())),
        None => None,
    };
    let status = m
        .status
        .as_deref()
        .map(|c| named(&names, c, line, LAYOUT))
        .transpose()?;
    let note = m
        .note
        .as_deref()
        .map(|c| named(&names, c, line, LAYOUT))
        .transpose()?;
    Ok(RowPlan {
        header_line: line,
        country,
        series,
        period,
        value,
        unit,
        status,
        confidentiality: None,
        source: m
            .source
            .clone()
            .map_or(SourcePlan::None, |s| SourcePlan::Fixed(Arc::new(s))),
        note,
        action: None,
        labels: false,
        names,
    })
}

fn value_col(names: &[String], m: &ColumnMapping, line: u64) -> Result<Option<usize>, ImportError> {
    let name = m.value.as_deref().unwrap_or("value");
    named(names, name, line, "the column mapping").map(Some)
}
