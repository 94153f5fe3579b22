//! Import errors: each says what was wrong, where (line and column, or JSON-stat dataset and
//! cell) and, where there is one, what to do about it.

use std::fmt;
use std::sync::Arc;

use crate::country::Country;
use crate::period::Period;

/// The formats Chancery reads, as named in error messages and on the command line.
pub const SUPPORTED_FORMATS: &str = "csv (long: country,series,period,value[,unit,…]; World Bank \
     `Country Name,Country Code,Year,Value` and WDI bulk downloads), sdmx-csv (1.0 `DATAFLOW,…` \
     and 2.x `STRUCTURE,STRUCTURE_ID,…`), json-stat (2.0 dataset or collection, 1.x bundle)";

/// Where in the input something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a CSV record (the line the record starts on).
    Line(u64),
    /// A JSON-stat cell: the dataset's name and the 0-based flat index into its `value`.
    Cell {
        /// Dataset name (1.x bundle key, label, or `dataset`).
        dataset: Arc<str>,
        /// Flat index into `value`, as in JSON-stat's `size`/`id` row-major order.
        index: u64,
    },
}

impl Location {
    /// The CSV line, if this is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Location::Line(l) => Some(*l),
            Location::Cell { .. } => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(l) => write!(f, "line {l}"),
            Location::Cell { dataset, index } => write!(f, "dataset {dataset:?}, cell {index}"),
        }
    }
}

/// Why an import failed. Grouped by what the caller can do: fix the file (most variants),
/// choose another format or delimiter, or supply a country map.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading the input failed (file system, pipe).
    #[error("could not read the input: {0}")]
    Io(#[from] std::io::Error),

    /// The input is none of the supported formats, or the format named is unknown.
    #[error("unsupported format: {found}; supported formats: {SUPPORTED_FORMATS}")]
    UnsupportedFormat {
        /// What was found instead.
        found: String,
    },

    /// The header does not split on the expected delimiter but does on another one.
    #[error(
        "line {line}: expected {expected}-separated values, but the header is a single column \
         containing {found:?}; the file looks {found_name}-separated: save it with commas or set \
         the delimiter"
    )]
    WrongDelimiter {
        /// Line of the header.
        line: u64,
        /// Name of the delimiter that was expected ("comma").
        expected: &'static str,
        /// The delimiter character the header seems to use.
        found: char,
        /// Its name ("semicolon", "tab", …).
        found_name: &'static str,
    },

    /// A column the layout needs is absent from the header.
    #[error(
        "line {line}: missing required column {column:?} for {layout}{also}; the header has: {found}"
    )]
    MissingColumn {
        /// Line of the header.
        line: u64,
        /// The canonical name of the missing column.
        column: String,
        /// The layout being read ("long CSV", "SDMX-CSV 2.x", …).
        layout: &'static str,
        /// Other accepted names, pre-formatted (" (also accepted: indicator, year)") or empty.
        also: String,
        /// The header's columns, comma-separated.
        found: String,
    },

    /// The file's structure is broken: wrong number of fields, unterminated quote, not the
    /// expected layout.
    #[error("{at}: {message}")]
    Malformed {
        /// Where it was noticed.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },

    /// One field holds a value of the wrong kind (a word where a number belongs, an impossible
    /// date).
    #[error("{at}, column {column:?}: {message}")]
    Field {
        /// Record or cell.
        at: Location,
        /// Column (CSV) or dimension (JSON-stat) name.
        column: String,
        /// The value found and what was expected.
        message: String,
    },

    /// A country code that is neither ISO 3166-1 nor a known aggregate nor in the caller's map.
    #[error(
        "{at}, column {column:?}: unknown country code {code:?}: not an ISO 3166-1 alpha-2 or \
         alpha-3 code nor a known aggregate; map it with a country map (`--country-map`, a line \
         `{code},ISO3` or `{code},-` to skip it) or give the country explicitly"
    )]
    UnknownCountry {
        /// Record or cell.
        at: Location,
        /// Column or dimension holding the code.
        column: String,
        /// The code.
        code: String,
    },

    /// Two records give different values for the same country, series and period.
    #[error("{0}")]
    Duplicate(Box<Duplicate>),

    /// The JSON itself is broken (truncated, not JSON).
    #[error("JSON syntax error at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description, e.g. "EOF while parsing an object".
        message: String,
    },

    /// Valid JSON that is not valid JSON-stat.
    #[error("JSON-stat dataset {dataset:?}, {field}: {message}")]
    JsonStat {
        /// Dataset name.
        dataset: String,
        /// The member at fault, e.g. `dimension.geo.category.index`.
        field: String,
        /// What is wrong and what was expected.
        message: String,
    },

    /// A dense JSON-stat `value` array whose length is not the product of `size`.
    #[error(
        "JSON-stat dataset {dataset:?}: `size` {sizes:?} describes {expected} cells but the dense \
         `value` array has {found}"
    )]
    SizeMismatch {
        /// Dataset name.
        dataset: String,
        /// The `size` array.
        sizes: Vec<u64>,
        /// Product of `size`.
        expected: u64,
        /// Length of `value`.
        found: u64,
    },
}

impl ImportError {
    /// Where the error is, when it is tied to a record or cell.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ImportError::Duplicate(d) => Some(&d.at),
            ImportError::Malformed { at, .. }
            | ImportError::Field { at, .. }
            | ImportError::UnknownCountry { at, .. } => Some(at),
            _ => None,
        }
    }
}

/// The two places that give one (country, series, period) different values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "duplicate observation {country} {series} {period} with different values: {first} has \
     {first_value}, {at} has {value}; keep one of them"
)]
pub struct Duplicate {
    /// Country of both.
    pub country: Country,
    /// Series of both.
    pub series: Arc<str>,
    /// Period of both.
    pub period: Period,
    /// Where the first one is.
    pub first: Location,
    /// Its value (`empty` when missing).
    pub first_value: String,
    /// Where the second one is.
    pub at: Location,
    /// Its value.
    pub value: String,
}
