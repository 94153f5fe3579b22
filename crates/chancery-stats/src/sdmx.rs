//! SDMX-CSV 1.0 (`DATAFLOW,…`) and 2.x (`STRUCTURE,STRUCTURE_ID[,ACTION],…`).
//!
//! Without the data structure definition, which columns are dimensions and which are
//! attributes is inferred: a column is an attribute when its name is a well-known SDMX
//! attribute (`OBS_STATUS`, `OBS_FLAG`, `CONF_STATUS`, `UNIT_MULT`, …) or when it comes after
//! `TIME_PERIOD` or `OBS_VALUE` (SDMX-CSV writes dimensions first); every other column is a
//! dimension. [`ImportOptions::sdmx_attributes`] overrides the guess for files that put
//! attributes elsewhere. The country dimension (`REF_AREA`, `GEO`/`geo`, `COUNTRY`, or the one
//! named by [`CountrySpec::Column`]) is taken out; the remaining dimensions, in column order,
//! joined with `.`, are the series key, as SDMX writes series keys. A file with no other
//! dimension uses its dataflow id as the series.
//!
//! Files written with labels (`FREQ: Frequency` headers, `A: Annual` cells) are read by code.
//! An empty or `NaN` `OBS_VALUE` is a missing value: skipped with a reason by default, kept as
//! `None` with [`MissingValues::Keep`](crate::MissingValues::Keep). Rows with `ACTION` `D`
//! (delete) are skipped with a reason.

use std::io::Read;

use crate::csv_table::{
    CountryCol, CsvReader, PeriodCol, RowPlan, SeriesCols, SourcePlan, UnitCol, check_delimiter,
    csv_error, csv_reader, decode_header, find, header_list, is_blank, line_of,
};
use crate::error::{ImportError, Location};
use crate::observation::{CountrySpec, ImportOptions, PeriodSpec};

/// Attribute names SDMX data commonly carries (SDMX cross-domain concepts, ECB, Eurostat, BIS).
const KNOWN_ATTRIBUTES: &[&str] = &[
    "OBS_STATUS",
    "OBS_FLAG",
    "OBS_CONF",
    "CONF_STATUS",
    "OBS_PRE_BREAK",
    "OBS_COM",
    "COMMENT_OBS",
    "COMMENT_TS",
    "UNIT_MULT",
    "DECIMALS",
    "TITLE",
    "TITLE_COMPL",
    "TIME_FORMAT",
    "COLLECTION",
    "AVAILABILITY",
    "COMPILATION",
    "SOURCE_AGENCY",
    "BASE_PER",
    "BREAKS",
    "DATA_COMP",
    "NAT_TITLE",
    "UNIT_INDEX_BASE",
    "COVERAGE",
    "EMBARGO_TIME",
    "PUBL_PUBLIC",
    "PUBL_ECB",
    "PUBL_MU",
    "REF_PERIOD_DETAIL",
    "LAST UPDATE",
    "LAST_UPDATE",
];

/// Country dimension names tried in order.
const COUNTRY_DIMS: &[&str] = &["REF_AREA", "GEO", "COUNTRY"];

/// Opens an SDMX-CSV 1.0 or 2.x file for streaming.
pub fn read_sdmx_csv<R: Read>(input: R, opts: &ImportOptions) -> Result<CsvReader<R>, ImportError> {
    let mut csv = csv_reader(input, opts.delimiter);
    let mut record = csv::ByteRecord::new();
    loop {
        if !csv
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(e, 1))?
        {
            return Err(ImportError::Malformed {
                at: Location::Line(csv.position().line()),
                message: "the file is empty; SDMX-CSV starts with a header row".to_string(),
            });
        }
        if !is_blank(&record) {
            break;
        }
    }
    let line = line_of(&record);
    let raw = decode_header(&record);
    check_delimiter(&raw, line, opts.delimiter)?;
    let plan = plan(raw, line, opts)?;
    Ok(CsvReader::new(csv, plan, opts))
}

fn upper(name: &str) -> String {
    name.trim().to_ascii_uppercase()
}

fn plan(raw: Vec<String>, line: u64, opts: &ImportOptions) -> Result<RowPlan, ImportError> {
    let labels = raw.iter().any(|n| n.contains(": "));
    let names: Vec<String> = raw
        .iter()
        .map(|n| match n.split_once(": ") {
            Some((code, _)) if labels => code.trim().to_string(),
            _ => n.clone(),
        })
        .collect();
    let up: Vec<String> = names.iter().map(|n| upper(n)).collect();
    let (layout, structure_id, mut structural): (&'static str, usize, Vec<usize>) = match (
        up.first().map(String::as_str),
        up.get(1).map(String::as_str),
    ) {
        (Some("DATAFLOW"), _) => ("SDMX-CSV 1.0", 0, vec![0]),
        (Some("STRUCTURE"), Some("STRUCTURE_ID")) => ("SDMX-CSV 2.x", 1, vec![0, 1]),
        (first, _) => {
            return Err(ImportError::Malformed {
                at: Location::Line(line),
                message: format!(
                    "not SDMX-CSV: the first column must be DATAFLOW (SDMX-CSV 1.0) or STRUCTURE followed by STRUCTURE_ID (SDMX-CSV 2.x), found {:?}",
                    first.unwrap_or("")
                ),
            });
        }
    };
    let action = if layout == "SDMX-CSV 2.x" {
        up.iter().position(|n| n == "ACTION")
    } else {
        None
    };
    structural.extend(action);
    structural.extend(up.iter().position(|n| n == "STRUCTURE_NAME"));
    let missing = |column: &str| ImportError::MissingColumn {
        line,
        column: column.to_string(),
        layout,
        also: String::new(),
        found: header_list(&names),
    };
    let value = up
        .iter()
        .position(|n| n == "OBS_VALUE")
        .ok_or_else(|| missing("OBS_VALUE"))?;
    let period = match &opts.period {
        PeriodSpec::Fixed(p) => PeriodCol::Fixed(*p),
        PeriodSpec::Column(c) => {
            PeriodCol::Column(find(&names, &[c.as_str()]).ok_or_else(|| missing(c))?)
        }
        PeriodSpec::Auto => PeriodCol::Column(
            up.iter()
                .position(|n| n == "TIME_PERIOD")
                .ok_or_else(|| missing("TIME_PERIOD"))?,
        ),
    };
    let time = match period {
        PeriodCol::Column(c) => Some(c),
        _ => None,
    };
    // Where the observation part starts: dimensions come before it.
    let obs_start = time.map_or(value, |t| t.min(value));
    let is_attribute = |i: usize| match &opts.sdmx_attributes {
        Some(list) => list.iter().any(|a| upper(a) == up[i]),
        None => i > obs_start || KNOWN_ATTRIBUTES.contains(&up[i].as_str()),
    };
    let candidates: Vec<usize> = (0..names.len())
        .filter(|&i| {
            !structural.contains(&i) && Some(i) != time && i != value && !names[i].is_empty()
        })
        .collect();
    let dims: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| !is_attribute(i))
        .collect();
    let country = match &opts.country {
        CountrySpec::Fixed(c) => CountryCol::Fixed(*c),
        CountrySpec::Column(c) => {
            CountryCol::Column(find(&names, &[c.as_str()]).ok_or_else(|| missing(c))?)
        }
        CountrySpec::Auto => {
            let found = COUNTRY_DIMS
                .iter()
                .find_map(|d| dims.iter().copied().find(|&i| up[i] == *d));
            CountryCol::Column(found.ok_or_else(|| ImportError::MissingColumn {
                line,
                column: "REF_AREA".to_string(),
                layout,
                also: " (also accepted: GEO, geo, COUNTRY; name the country dimension with --country-dim, or give a fixed country for files about one country)".to_string(),
                found: header_list(&names),
            })?)
        }
    };
    let country_col = match country {
        CountryCol::Column(c) => Some(c),
        CountryCol::Fixed(_) => None,
    };
    let series_cols: Vec<usize> = dims
        .iter()
        .copied()
        .filter(|&i| Some(i) != country_col)
        .collect();
    let col = |list: &[&str]| list.iter().find_map(|n| up.iter().position(|u| u == n));
    let unit = candidates
        .iter()
        .copied()
        .find(|&i| matches!(up[i].as_str(), "UNIT_MEASURE" | "UNIT"));
    Ok(RowPlan {
        header_line: line,
        country,
        series: SeriesCols::Columns {
            cols: series_cols,
            fallback: Some(structure_id),
        },
        period,
        value: Some(value),
        unit: unit.map(UnitCol::Column),
        status: col(&["OBS_STATUS", "OBS_FLAG"]),
        confidentiality: col(&["CONF_STATUS", "OBS_CONF"]),
        source: SourcePlan::Structure(structure_id),
        note: None,
        action,
        labels,
        names,
    })
}
