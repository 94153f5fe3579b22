//! Bad input: each mistake gives one clear error naming where it is and what was expected.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chancery_stats::{
    CountryMap, Format, ImportError, ImportOptions, Location, SkipReason, import, read_csv,
    read_json_stat, read_sdmx_csv,
};

fn fail(text: &str, format: Format) -> (ImportError, String) {
    let err = import(text.as_bytes(), format, &ImportOptions::default()).unwrap_err();
    let shown = err.to_string();
    (err, shown)
}

const HEADER: &str = "country,series,period,value,unit\n";

#[test]
fn wrong_delimiter_says_what_it_looks_like() {
    let (err, text) = fail("country;series;period;value\nCAN;x;2024;1\n", Format::Auto);
    assert!(
        matches!(
            err,
            ImportError::WrongDelimiter {
                line: 1,
                found: ';',
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("expected comma-separated values"), "{text}");
    assert!(text.contains("semicolon-separated"), "{text}");
    // The same file with the right delimiter imports.
    let opts = ImportOptions {
        delimiter: b';',
        ..ImportOptions::default()
    };
    let ok = import(
        "country;series;period;value\nCAN;x;2024;1,5\n".as_bytes(),
        Format::Csv,
        &opts,
    );
    assert!(
        matches!(ok, Err(ImportError::Field { .. })),
        "1,5 is not a number: {ok:?}"
    );
    let ok = import(
        "country;series;period;value\nCAN;x;2024;1.5\n".as_bytes(),
        Format::Csv,
        &opts,
    )
    .unwrap();
    assert_eq!(ok.observations[0].value, Some(1.5));
    // Tabs too, and in SDMX-CSV.
    let (_, text) = fail("STRUCTURE\tSTRUCTURE_ID\tOBS_VALUE\n", Format::SdmxCsv);
    assert!(text.contains("tab-separated"), "{text}");
}

#[test]
fn missing_required_column_is_named() {
    let (err, text) = fail(
        "country,series,period,unit\nCAN,x,2024,persons\n",
        Format::Csv,
    );
    assert!(
        matches!(&err, ImportError::MissingColumn { column, line: 1, .. } if column == "value"),
        "{text}"
    );
    assert!(
        text.contains("obs_value"),
        "lists the accepted aliases: {text}"
    );
    assert!(
        text.contains("the header has: country, series, period, unit"),
        "{text}"
    );
    let (err, text) = fail(
        "STRUCTURE,STRUCTURE_ID,REF_AREA,OBS_VALUE\ndataflow,X:Y(1.0),CA,1\n",
        Format::SdmxCsv,
    );
    assert!(
        matches!(&err, ImportError::MissingColumn { column, .. } if column == "TIME_PERIOD"),
        "{text}"
    );
    let (err, text) = fail(
        "STRUCTURE,STRUCTURE_ID,FREQ,TIME_PERIOD,OBS_VALUE\ndataflow,X:Y(1.0),A,2024,1\n",
        Format::SdmxCsv,
    );
    assert!(
        matches!(&err, ImportError::MissingColumn { column, .. } if column == "REF_AREA"),
        "{text}"
    );
    assert!(text.contains("--country-dim"), "{text}");
}

#[test]
fn non_numeric_value_names_line_and_column() {
    let (err, text) = fail(
        &format!("{HEADER}CAN,x,2023,5,p\nCAN,x,2024,about 5,p\n"),
        Format::Csv,
    );
    assert!(
        matches!(&err, ImportError::Field { at: Location::Line(3), column, .. } if column == "value"),
        "{text}"
    );
    assert!(text.contains("line 3, column \"value\""), "{text}");
    assert!(
        text.contains("expected a number") && text.contains("\"about 5\""),
        "{text}"
    );
    let sdmx =
        "DATAFLOW,REF_AREA,FREQ,TIME_PERIOD,OBS_VALUE,OBS_STATUS\nE:D(1.0),DE,A,2024,12x,A\n";
    let (err, text) = fail(sdmx, Format::Auto);
    assert!(
        matches!(&err, ImportError::Field { at: Location::Line(2), column, .. } if column == "OBS_VALUE"),
        "{text}"
    );
}

#[test]
fn invalid_period_says_why() {
    let (err, text) = fail(&format!("{HEADER}CAN,x,2024-13,5,p\n"), Format::Csv);
    assert!(
        matches!(&err, ImportError::Field { at: Location::Line(2), column, .. } if column == "period"),
        "{text}"
    );
    assert!(text.contains("month 13 is out of range"), "{text}");
    let (_, text) = fail(&format!("{HEADER}CAN,x,2021-W53,5,p\n"), Format::Csv);
    assert!(text.contains("2021 has 52 ISO weeks"), "{text}");
}

#[test]
fn unknown_country_names_the_line_and_offers_a_map() {
    let (err, text) = fail(
        &format!("{HEADER}CAN,x,2024,5,p\nXYZ,x,2024,5,p\n"),
        Format::Csv,
    );
    assert!(
        matches!(&err, ImportError::UnknownCountry { at: Location::Line(3), code, .. } if code == "XYZ"),
        "{text}"
    );
    assert!(text.contains("--country-map"), "{text}");
    // With a map, the same file imports.
    let opts = ImportOptions {
        country_map: CountryMap::parse("XYZ,-").unwrap(),
        ..ImportOptions::default()
    };
    let ok = read_csv(
        format!("{HEADER}CAN,x,2024,5,p\nXYZ,x,2024,5,p\n").as_bytes(),
        &opts,
    )
    .unwrap()
    .collect_all()
    .unwrap();
    assert_eq!(ok.observations.len(), 1);
    assert_eq!(
        ok.summary
            .skipped_for(&SkipReason::NotACountry { code: "XYZ".into() }),
        1
    );
}

#[test]
fn conflicting_duplicate_names_both_lines() {
    let csv = format!("{HEADER}CAN,x,2024,5,p\nAUS,x,2024,7,p\nCA,x,2024,6,p\n");
    let (err, text) = fail(&csv, Format::Csv);
    let ImportError::Duplicate(d) = &err else {
        panic!("{text}")
    };
    assert_eq!((d.first.line(), d.at.line()), (Some(2), Some(4)));
    assert!(text.contains("line 2 has 5, line 4 has 6"), "{text}");
    assert!(text.contains("CAN x 2024"), "{text}");
    // Periods are compared normalised: 2024Q3 and 2024-Q3 are the same key.
    let (_, text) = fail(
        &format!("{HEADER}CAN,x,2024Q3,5,p\nCAN,x,2024-Q3,6,p\n"),
        Format::Csv,
    );
    assert!(text.contains("line 2 has 5, line 3 has 6"), "{text}");
    // An identical repeat is harmless: skipped and counted.
    let ok = import(
        format!("{HEADER}CAN,x,2024,5,p\nCAN,x,2024,5,p\n").as_bytes(),
        Format::Csv,
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(ok.observations.len(), 1);
    assert_eq!(ok.summary.skipped_for(&SkipReason::Duplicate), 1);
}

#[test]
fn json_stat_size_value_mismatch() {
    let doc = r#"{"version":"2.0","class":"dataset","id":["geo","time"],"size":[2,2],
        "dimension":{"geo":{"category":{"index":["CA","AU"]}},"time":{"category":{"index":["2023","2024"]}}},
        "value":[1,2,3]}"#;
    let (err, text) = fail(doc, Format::Auto);
    assert!(
        matches!(
            err,
            ImportError::SizeMismatch {
                expected: 4,
                found: 3,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("`size` [2, 2] describes 4 cells but the dense `value` array has 3"),
        "{text}"
    );
    // A category count that disagrees with size is caught too.
    let doc = doc.replace(r#""size":[2,2]"#, r#""size":[3,2]"#);
    let (err, text) = fail(&doc, Format::Auto);
    assert!(matches!(err, ImportError::JsonStat { .. }), "{text}");
    assert!(
        text.contains("dimension.geo.category") && text.contains("2 categories but `size` says 3"),
        "{text}"
    );
}

#[test]
fn truncated_csv_mid_quote() {
    let pack = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/data/observations.csv"
    ))
    .unwrap();
    // Cut inside the quoted note of the last record, and inside a quoted title mid-record.
    let last_quote = pack.rfind("\"mid-year").unwrap() + 10;
    for cut in [last_quote, pack.find("\"Population, total").unwrap() + 5] {
        let (err, text) = fail(&pack[..cut], Format::Auto);
        assert!(matches!(err, ImportError::Malformed { .. }), "{text}");
        assert!(text.contains("truncated"), "{text}");
        let line = pack[..cut].lines().count() as u64;
        assert_eq!(
            err.location().and_then(Location::line),
            Some(line),
            "{text}"
        );
    }
    // A line cut before its last fields is a field-count error naming the line.
    let (err, text) = fail(&format!("{HEADER}CAN,x,2024,5,p\nCAN,x,20"), Format::Csv);
    assert_eq!(err.location().and_then(Location::line), Some(3), "{text}");
    assert!(text.contains("expected 5 comma-separated fields"), "{text}");
}

#[test]
fn truncated_json() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/samples/json-stat/jsonstat-org-oecd.json"
    ))
    .unwrap();
    let (err, text) = fail(&doc[..doc.len() / 2], Format::Auto);
    assert!(matches!(err, ImportError::Json { .. }), "{text}");
    assert!(text.contains("EOF while parsing"), "{text}");
    assert!(text.contains("JSON syntax error at line"), "{text}");
    let err = read_json_stat("{\"a\": 1}".as_bytes(), &ImportOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("without a JSON-stat dataset"),
        "{err}"
    );
}

#[test]
fn unsupported_format_lists_the_supported_ones() {
    for (input, found) in [
        (
            "<?xml version=\"1.0\"?><message:GenericData/>",
            "SDMX-ML is not supported",
        ),
        ("PK\u{3}\u{4}binary", "xlsx"),
        ("", "empty"),
        ("just some words\nand more\n", "no delimiter"),
        ("[1, 2, 3]", "JSON array"),
    ] {
        let (err, text) = fail(input, Format::Auto);
        assert!(
            matches!(err, ImportError::UnsupportedFormat { .. }),
            "{text}"
        );
        assert!(text.contains(found), "{text}");
        assert!(
            text.contains("supported formats: csv")
                && text.contains("sdmx-csv")
                && text.contains("json-stat"),
            "{text}"
        );
    }
    let err = "xlsx".parse::<Format>().unwrap_err();
    assert!(
        err.to_string()
            .contains("use auto, csv, sdmx-csv or json-stat"),
        "{err}"
    );
    assert_eq!("SDMX-CSV".parse::<Format>().unwrap(), Format::SdmxCsv);
}

#[test]
fn sdmx_rows_with_the_wrong_field_count() {
    let sdmx = "DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nE:D(1.0),DE,2024,1\nE:D(1.0),FR,2024\n";
    let err = read_sdmx_csv(sdmx.as_bytes(), &ImportOptions::default())
        .unwrap()
        .collect_all()
        .unwrap_err();
    assert_eq!(err.location().and_then(Location::line), Some(3), "{err}");
    assert!(
        err.to_string()
            .contains("expected 4 comma-separated fields as in the header (line 1), found 3"),
        "{err}"
    );
}

#[test]
fn streaming_stops_after_the_first_error() {
    let csv = format!("{HEADER}CAN,x,2023,5,p\nCAN,x,2024,oops,p\nCAN,x,2025,6,p\n");
    let items: Vec<_> = read_csv(csv.as_bytes(), &ImportOptions::default())
        .unwrap()
        .collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok() && items[1].is_err());
}
