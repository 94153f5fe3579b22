//! Chancery's statistics importers: official statistics as publishers really ship them, read
//! into validated [`Observation`]s that keep where every number came from.
//!
//! Formats: plain CSV in Chancery's long layout (and the data pack's
//! `country,indicator,year,…` header), World Bank files through a [`ColumnMapping`],
//! SDMX-CSV 1.0 and 2.x, and JSON-stat 2.0 datasets and collections and 1.x bundles.
//! [`import`] reads a whole file into an [`Import`]; [`open`] streams observations one by one
//! (CSV formats never hold the file in memory). Both normalise countries to ISO 3166-1 alpha-3
//! ([`Country`]) and periods to one canonical form ([`Period`]), skip aggregates and missing
//! values with reasons counted in the [`Summary`], and fail with an [`ImportError`] that names
//! the line and column (or JSON-stat dataset and cell) and what was expected.
//!
//! Pure library: no database, no I/O beyond the reader it is given.
//!
//! ```
//! use chancery_stats::{Format, ImportOptions, import};
//!
//! let csv = "country,series,period,value,unit\nCAN,asylum_claims,2019,64177,persons\nEU27_2020,asylum_claims,2019,1,persons\n";
//! let result = import(csv.as_bytes(), Format::Auto, &ImportOptions::default()).unwrap();
//! assert_eq!(result.observations.len(), 1);
//! assert_eq!(result.observations[0].country.as_str(), "CAN");
//! assert_eq!(result.summary.skipped_not_a_country(), 1);
//! ```

pub mod chart;
mod common;
pub mod country;
mod csv_table;
pub mod error;
mod jsonstat;
mod observation;
pub mod period;
mod sdmx;

use std::io::{Cursor, Read};

pub use country::{Country, CountryMap, Resolved};
pub use csv_table::{ColumnMapping, CsvReader, Field, PeriodColumns, read_csv};
pub use error::{Duplicate, ImportError, Location, SUPPORTED_FORMATS};
pub use jsonstat::read_json_stat;
pub use observation::{
    CountrySpec, Duplicates, Flags, Import, ImportOptions, MissingValues, Observation, PeriodSpec,
    SkipReason, Skips, SourceInfo, Summary,
};
pub use period::{Period, PeriodError};
pub use sdmx::read_sdmx_csv;

/// An input format, as the CLI's `--format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Decide from the content ([`detect`]).
    #[default]
    Auto,
    /// Plain CSV: long layout, or World Bank layouts.
    Csv,
    /// SDMX-CSV 1.0 or 2.x.
    SdmxCsv,
    /// JSON-stat 2.0 or 1.x.
    JsonStat,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Csv => "csv",
            Format::SdmxCsv => "sdmx-csv",
            Format::JsonStat => "json-stat",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = ImportError;

    /// `auto`, `csv`, `sdmx-csv` (or `sdmx`), `json-stat` (or `jsonstat`), case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "csv" => Ok(Format::Csv),
            "sdmx-csv" | "sdmx" | "sdmxcsv" => Ok(Format::SdmxCsv),
            "json-stat" | "jsonstat" => Ok(Format::JsonStat),
            other => Err(ImportError::UnsupportedFormat {
                found: format!("format name {other:?} (use auto, csv, sdmx-csv or json-stat)"),
            }),
        }
    }
}

/// Recognises the format from the first bytes of a file (a few KiB are plenty).
///
/// JSON objects are JSON-stat; CSV whose header starts with `DATAFLOW` or
/// `STRUCTURE` or has an `OBS_VALUE` column is SDMX-CSV; other delimited text is plain CSV.
/// XML (SDMX-ML), spreadsheets, archives and text without delimiters are refused with an
/// error listing the supported formats.
pub fn detect(prefix: &[u8]) -> Result<Format, ImportError> {
    let text = prefix
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(prefix)
        .trim_ascii_start();
    let unsupported = |found: &str| {
        Err(ImportError::UnsupportedFormat {
            found: found.to_string(),
        })
    };
    let Some(&first) = text.first() else {
        return unsupported("an empty file");
    };
    if text.starts_with(b"PK\x03\x04") {
        return unsupported("a ZIP archive (an .xlsx workbook? export it as CSV)");
    }
    if text.starts_with(b"\xD0\xCF\x11\xE0") {
        return unsupported("an old Excel/Office file (export it as CSV)");
    }
    match first {
        b'{' => return Ok(Format::JsonStat),
        b'[' => return unsupported("a JSON array (JSON-stat is a JSON object)"),
        b'<' => {
            return unsupported(
                "XML or HTML (SDMX-ML is not supported; ask the publisher for SDMX-CSV)",
            );
        }
        _ => {}
    }
    if text.contains(&0) {
        return unsupported("binary data");
    }
    let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let header = String::from_utf8_lossy(&text[..line_end]);
    if !header.contains([',', ';', '\t', '|']) {
        return unsupported("text whose first line has no delimiter (not CSV, SDMX-CSV or JSON)");
    }
    let cells: Vec<String> = header
        .split([',', ';', '\t'])
        .map(|c| c.trim().trim_matches('"').to_ascii_uppercase())
        .collect();
    let first_cell = cells.first().map(String::as_str).unwrap_or("");
    let first_code = first_cell.split(": ").next().unwrap_or("");
    if matches!(first_code, "DATAFLOW" | "STRUCTURE")
        || cells
            .iter()
            .any(|c| c == "OBS_VALUE" || c.starts_with("OBS_VALUE:"))
    {
        return Ok(Format::SdmxCsv);
    }
    Ok(Format::Csv)
}

/// A stream of observations from any supported format: iterate for
/// `Result<Observation, ImportError>`, then read [`Observations::summary`].
#[derive(Debug)]
pub enum Observations<'r> {
    /// CSV or SDMX-CSV, read as it is iterated.
    Csv(Box<CsvReader<Input<'r>>>),
    /// JSON-stat, parsed up front.
    JsonStat {
        /// Remaining observations.
        observations: std::vec::IntoIter<Observation>,
        /// The summary of the whole document.
        summary: Summary,
    },
}

impl Observations<'_> {
    /// Rows read and skipped so far (for JSON-stat: for the whole document).
    pub fn summary(&self) -> &Summary {
        match self {
            Observations::Csv(r) => r.summary(),
            Observations::JsonStat { summary, .. } => summary,
        }
    }
}

impl Iterator for Observations<'_> {
    type Item = Result<Observation, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Observations::Csv(r) => r.next(),
            Observations::JsonStat { observations, .. } => observations.next().map(Ok),
        }
    }
}

/// The input of [`open`], type-erased so one [`Observations`] type covers every reader.
pub struct Input<'r>(Box<dyn Read + 'r>);

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Input")
    }
}

/// Opens `input` as `format` (detecting it first for [`Format::Auto`]) and returns a stream of
/// observations.
pub fn open<'r>(
    input: impl Read + 'r,
    format: Format,
    opts: &ImportOptions,
) -> Result<Observations<'r>, ImportError> {
    let (format, input): (Format, Input<'r>) = match format {
        Format::Auto => {
            let mut input = input;
            let mut prefix = Vec::with_capacity(8192);
            (&mut input).take(8192).read_to_end(&mut prefix)?;
            let format = detect(&prefix)?;
            (format, Input(Box::new(Cursor::new(prefix).chain(input))))
        }
        other => (other, Input(Box::new(input))),
    };
    match format {
        Format::Csv => Ok(Observations::Csv(Box::new(read_csv(input, opts)?))),
        Format::SdmxCsv => Ok(Observations::Csv(Box::new(read_sdmx_csv(input, opts)?))),
        Format::JsonStat | Format::Auto => {
            let Import {
                observations,
                summary,
            } = read_json_stat(input, opts)?;
            Ok(Observations::JsonStat {
                observations: observations.into_iter(),
                summary,
            })
        }
    }
}

/// Reads a whole file into memory: every observation and the summary, or the first error
/// (all or nothing).
pub fn import(
    input: impl Read,
    format: Format,
    opts: &ImportOptions,
) -> Result<Import, ImportError> {
    match open(input, format, opts)? {
        Observations::Csv(reader) => reader.collect_all(),
        Observations::JsonStat {
            observations,
            summary,
        } => Ok(Import {
            observations: observations.collect(),
            summary,
        }),
    }
}
