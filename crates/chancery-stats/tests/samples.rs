//! Every real sample file imports (or fails as designed), with values picked by hand from the
//! files. Provenance of the files: `tests/samples/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::fs::File;
use std::path::PathBuf;

use chancery_stats::{
    ColumnMapping, Country, CountryMap, CountrySpec, Format, Import, ImportError, ImportOptions,
    MissingValues, Observation, Period, PeriodSpec, Resolved, SkipReason, detect, import,
};

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn sample(rel: &str) -> PathBuf {
    path(&format!("tests/samples/{rel}"))
}

fn run(rel: &str, format: Format, opts: &ImportOptions) -> Result<Import, ImportError> {
    import(File::open(sample(rel)).unwrap(), format, opts)
}

fn ok(rel: &str, opts: &ImportOptions) -> Import {
    let result = run(rel, Format::Auto, opts).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let s = &result.summary;
    assert_eq!(
        s.rows,
        s.observations + s.skipped_total(),
        "{rel}: every row is accounted for"
    );
    assert_eq!(s.observations, result.observations.len() as u64);
    result
}

fn country(code: &str) -> Country {
    Country::from_alpha3(code).unwrap()
}

fn fixed(code: &str) -> ImportOptions {
    ImportOptions {
        country: CountrySpec::Fixed(country(code)),
        ..ImportOptions::default()
    }
}

/// The one observation for (country, series, period).
fn find<'a>(obs: &'a [Observation], c: &str, series: &str, period: &str) -> &'a Observation {
    let p = Period::parse(period).unwrap();
    let hits: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.country.as_str() == c && &*o.series == series && o.period == p)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{c} {series} {period}: {} matches",
        hits.len()
    );
    hits[0]
}

#[test]
fn every_sample_is_detected_as_its_format() {
    for (rel, want) in [
        ("csv/worldbank-population.csv", Format::Csv),
        ("sdmx-csv/sdmx10-data_v1.csv", Format::SdmxCsv),
        ("sdmx-csv/sdmx10-data_v1_exception.csv", Format::SdmxCsv),
        ("sdmx-csv/sdmx20-data_v2.csv", Format::SdmxCsv),
        ("sdmx-csv/sdmx21-data_v21.csv", Format::SdmxCsv),
        ("sdmx-csv/sdmx21-csv_labels_both.csv", Format::SdmxCsv),
        ("json-stat/cso-ie-CIA01.json", Format::JsonStat),
        ("json-stat/eurostat-nama_gdp_c-v1.json", Format::JsonStat),
        ("json-stat/jsonstat-org-collection.json", Format::JsonStat),
    ] {
        let bytes = std::fs::read(sample(rel)).unwrap();
        assert_eq!(
            detect(&bytes[..bytes.len().min(4096)]).unwrap(),
            want,
            "{rel}"
        );
    }
}

// ---- the data pack -------------------------------------------------------------------------

#[test]
fn data_pack_parses_entirely() {
    let file = File::open(path("../../content/data/observations.csv")).unwrap();
    let result = import(file, Format::Auto, &ImportOptions::default()).unwrap();
    assert_eq!(result.observations.len(), 1150);
    assert_eq!(result.summary.rows, 1150);
    assert_eq!(result.summary.skipped_total(), 0);
    let obs = &result.observations;

    let claims = find(obs, "CAN", "asylum_claims_total", "2019");
    assert_eq!(claims.value, Some(64177.0));
    assert_eq!(claims.line, 640);
    assert_eq!(claims.unit.as_deref(), Some("persons"));
    let source = claims.source.as_deref().unwrap();
    assert_eq!(source.publisher.as_deref(), Some("IRCC"));
    assert!(
        source
            .title
            .as_deref()
            .unwrap()
            .starts_with("CIMM - Asylum and Safe Third Country Agreement")
    );
    assert!(
        source
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://www.canada.ca/")
    );

    let pop = find(obs, "CAN", "population_total", "2024");
    assert_eq!(pop.value, Some(41_288_599.0));
    assert_eq!(pop.line, 31);
    assert_eq!(
        pop.source.as_deref().unwrap().retrieved_from.as_deref(),
        Some(
            "github:datasets/population:data/population.csv@425fc447a53a26c767a15a7de60c4cc2478a0595"
        )
    );
    assert!(pop.note.as_deref().unwrap().starts_with("mid-year"));
    assert_eq!(
        find(obs, "GBR", "net_migration", "2020").value,
        Some(144_221.0)
    );

    // The odd periods normalise.
    let fy = find(obs, "AUS", "humanitarian_programme_places", "FY2016-17");
    assert_eq!(fy.value, Some(13750.0));
    assert_eq!(fy.period.to_string(), "FY2016-17");
    let per_day = find(
        obs,
        "CAN",
        "irregular_asylum_claims_per_day",
        "2023-04/2023-08",
    );
    assert_eq!(per_day.value, Some(9.0));
    assert!(per_day.period.is_range());
    let q3 = find(obs, "CAN", "npr_net_change", "2025-Q3");
    assert_eq!(q3.value, Some(-176_479.0));
    assert_eq!(q3.period.to_string(), "2025-Q3", "2025Q3 in the file");
    let roxham = find(
        obs,
        "CAN",
        "roxham_interceptions_cumulative",
        "2017/2023-09",
    );
    assert_eq!(roxham.value, Some(113_000.0));

    // Shared strings are interned: one allocation per distinct source.
    let a = find(obs, "AUS", "population_total", "2015")
        .source
        .clone()
        .unwrap();
    let b = find(obs, "AUS", "population_total", "2016")
        .source
        .clone()
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
}

// ---- plain CSV: World Bank ---------------------------------------------------------------

#[test]
fn world_bank_population_with_a_column_mapping() {
    let opts = ImportOptions {
        columns: Some(ColumnMapping::world_bank("SP.POP.TOTL").with_unit("persons")),
        ..ImportOptions::default()
    };
    let result = ok("csv/worldbank-population.csv", &opts);
    assert_eq!(result.summary.rows, 17195);
    assert_eq!(
        result.summary.skipped_not_a_country(),
        3185,
        "49 World Bank aggregates"
    );
    assert_eq!(
        result
            .summary
            .skipped_for(&SkipReason::NotACountry { code: "WLD".into() }),
        65
    );
    assert_eq!(result.observations.len(), 14010);
    let can = find(&result.observations, "CAN", "SP.POP.TOTL", "2019");
    assert_eq!(
        (can.value, can.line, can.unit.as_deref()),
        (Some(37_618_495.0), 2336, Some("persons"))
    );
    assert_eq!(
        find(&result.observations, "GRC", "SP.POP.TOTL", "2024").value,
        Some(10_405_134.0)
    );
    assert_eq!(
        find(&result.observations, "XKX", "SP.POP.TOTL", "2024").value,
        Some(1_594_353.0)
    );
    assert_eq!(
        find(&result.observations, "ABW", "SP.POP.TOTL", "1960").line,
        2
    );
}

#[test]
fn world_bank_file_without_a_mapping_asks_for_the_series() {
    let err = run(
        "csv/worldbank-population.csv",
        Format::Auto,
        &ImportOptions::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, ImportError::MissingColumn { column, line: 1, .. } if column == "series"),
        "{text}"
    );
    assert!(text.contains("world_bank"), "{text}");
    assert!(
        text.contains("Country Name, Country Code, Year, Value"),
        "{text}"
    );
}

/// The World Bank API bulk layout (preamble, blank lines, one column per year, trailing comma),
/// as in `LesibaFrans/youth-unemployment-data@984729c8:data/world_bank/world_bank_dataset.csv`
/// (SL.UEM.1524.ZS, last updated 2025-07-01), cut to three rows and the last three years.
const WDI_BULK: &str = r#""Data Source","World Development Indicators",

"Last Updated Date","2025-07-01",

"Country Name","Country Code","Indicator Name","Indicator Code","2022","2023","2024",
"Africa Eastern and Southern","AFE","Unemployment, youth total (% of total labor force ages 15-24) (modeled ILO estimate)","SL.UEM.1524.ZS","13.6202170443066","13.3678095636379","13.2830016969731",
"Afghanistan","AFG","Unemployment, youth total (% of total labor force ages 15-24) (modeled ILO estimate)","SL.UEM.1524.ZS","17.365","17.291","16.691",
"Andorra","AND","Unemployment, youth total (% of total labor force ages 15-24) (modeled ILO estimate)","SL.UEM.1524.ZS","","","",
"Australia","AUS","Unemployment, youth total (% of total labor force ages 15-24) (modeled ILO estimate)","SL.UEM.1524.ZS","8.459","8.375","9.471",
"#;

#[test]
fn world_bank_bulk_download_is_recognised() {
    let result = import(WDI_BULK.as_bytes(), Format::Auto, &ImportOptions::default()).unwrap();
    assert_eq!(result.observations.len(), 6);
    assert_eq!(result.summary.rows, 12, "one per year cell");
    assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue), 3);
    assert_eq!(
        result
            .summary
            .skipped_for(&SkipReason::NotACountry { code: "AFE".into() }),
        3
    );
    let aus = find(&result.observations, "AUS", "SL.UEM.1524.ZS", "2024");
    assert_eq!((aus.value, aus.line), (Some(9.471), 9));
    assert_eq!(
        find(&result.observations, "AFG", "SL.UEM.1524.ZS", "2022").value,
        Some(17.365)
    );
    // Same through an explicit mapping.
    let opts = ImportOptions {
        columns: Some(ColumnMapping::wdi_bulk()),
        ..ImportOptions::default()
    };
    assert_eq!(
        import(WDI_BULK.as_bytes(), Format::Csv, &opts).unwrap(),
        result
    );
}

// ---- SDMX-CSV ------------------------------------------------------------------------------

const BIS_HKD_TO1: &str = "A.U.A.B.5J.A.1E.A.HKD.TO1.A.A.3.C";

#[test]
fn sdmx_10_bis_derivatives() {
    // BIS_DER has no REF_AREA: its reporting-country dimension holds `5J` (all reporting
    // countries), an aggregate. With a fixed country, every dimension is in the series key.
    let result = ok("sdmx-csv/sdmx10-data_v1.csv", &fixed("CHE"));
    assert_eq!(result.summary.rows, 1000);
    assert_eq!(result.observations.len(), 360);
    assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue), 640);
    let o = find(&result.observations, "CHE", BIS_HKD_TO1, "2004");
    assert_eq!((o.value, o.line), (Some(14206.490766), 4));
    assert_eq!(o.flags.status.as_deref(), Some("A"));
    assert!(!o.flags.confidential, "OBS_CONF F is free");
    let source = o.source.as_deref().unwrap();
    assert_eq!(
        (source.publisher.as_deref(), source.title.as_deref()),
        (Some("BIS"), Some("BIS:BIS_DER(1.0)"))
    );
    let jpy = find(
        &result.observations,
        "CHE",
        "A.U.A.B.5J.A.1E.A.JPY.USD.A.A.3.C",
        "2019",
    );
    assert_eq!((jpy.value, jpy.line), (Some(360_639.654074), 326));
}

#[test]
fn sdmx_10_reporting_country_5j_is_an_aggregate() {
    let opts = ImportOptions {
        country: CountrySpec::Column("DER_REP_CTY".into()),
        ..ImportOptions::default()
    };
    let result = ok("sdmx-csv/sdmx10-data_v1.csv", &opts);
    assert!(result.observations.is_empty());
    assert_eq!(
        result
            .summary
            .skipped_for(&SkipReason::NotACountry { code: "5J".into() }),
        1000
    );
    // A country map can say what 5J should count as.
    let opts = ImportOptions {
        country: CountrySpec::Column("DER_REP_CTY".into()),
        country_map: CountryMap::new().with("5J", Resolved::Country(country("CHE"))),
        ..ImportOptions::default()
    };
    let result = ok("sdmx-csv/sdmx10-data_v1.csv", &opts);
    assert_eq!(result.observations.len(), 360);
    // DER_REP_CTY is the country now, so it leaves the series key.
    assert_eq!(
        find(
            &result.observations,
            "CHE",
            "A.U.A.B.A.1E.A.HKD.TO1.A.A.3.C",
            "2004"
        )
        .value,
        Some(14206.490766)
    );
}

#[test]
fn sdmx_10_missing_values_can_be_kept() {
    let opts = ImportOptions {
        missing: MissingValues::Keep,
        ..fixed("CHE")
    };
    let result = ok("sdmx-csv/sdmx10-data_v1.csv", &opts);
    assert_eq!(result.observations.len(), 1000);
    let missing = find(&result.observations, "CHE", BIS_HKD_TO1, "2002");
    assert_eq!(
        (missing.value, missing.flags.status.as_deref()),
        (None, Some("M"))
    );
    assert_eq!(
        result
            .observations
            .iter()
            .filter(|o| o.value.is_none())
            .count(),
        640
    );
}

#[test]
fn sdmx_10_exception_sample_fails_clearly() {
    for format in [Format::Auto, Format::SdmxCsv] {
        let err = run(
            "sdmx-csv/sdmx10-data_v1_exception.csv",
            format,
            &fixed("CHE"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.location().and_then(|l| l.line()), Some(1), "{text}");
        assert!(text.contains("not SDMX-CSV"), "{text}");
        assert!(
            text.contains("DATAFLOW") && text.contains("STRUCTURE_ID") && text.contains("\"FREQ\""),
            "{text}"
        );
    }
}

#[test]
fn sdmx_20_and_21_bis_excerpts() {
    let v20 = ok("sdmx-csv/sdmx20-data_v2.csv", &fixed("CHE"));
    let v21 = ok("sdmx-csv/sdmx21-data_v21.csv", &fixed("CHE"));
    assert_eq!(v20, v21, "the two files hold the same data");
    assert_eq!(v20.summary.rows, 20);
    assert_eq!(v20.observations.len(), 7);
    assert_eq!(
        find(&v20.observations, "CHE", BIS_HKD_TO1, "2019").value,
        Some(90268.313643)
    );
    let usd = find(
        &v20.observations,
        "CHE",
        "A.U.A.B.5J.A.1E.A.HKD.USD.A.A.3.C",
        "1992",
    );
    assert_eq!((usd.value, usd.line), (Some(6672.275), 20));
    assert_eq!(
        usd.source.as_deref().unwrap().title.as_deref(),
        Some("BIS:BIS_DER(1.0)")
    );
}

#[test]
fn sdmx_21_labels_take_the_code() {
    // Here attributes precede OBS_VALUE, so the guess needs help to keep them out of the key.
    let opts = ImportOptions {
        sdmx_attributes: Some(vec!["ATT1".into(), "ATT2".into()]),
        ..fixed("CHE")
    };
    let result = ok("sdmx-csv/sdmx21-csv_labels_both.csv", &opts);
    assert_eq!(result.observations.len(), 1);
    let o = &result.observations[0];
    assert_eq!(
        (&*o.series, o.period.to_string().as_str(), o.value, o.line),
        ("A.B", "2020", Some(1.0), 2)
    );
    assert_eq!(
        o.source.as_deref().unwrap().title.as_deref(),
        Some("MD:MD_TEST(1.0)")
    );
    // Without the list, ATT1 and ATT2 count as dimensions (documented guess).
    let guessed = ok("sdmx-csv/sdmx21-csv_labels_both.csv", &fixed("CHE"));
    assert_eq!(&*guessed.observations[0].series, "A.B.C.D");
}

// ---- JSON-stat -------------------------------------------------------------------------------

#[test]
fn json_stat_oecd_unemployment() {
    let result = ok(
        "json-stat/jsonstat-org-oecd.json",
        &ImportOptions::default(),
    );
    assert_eq!(result.summary.rows, 432);
    assert_eq!(result.observations.len(), 408);
    assert_eq!(
        result.summary.skipped_for(&SkipReason::NotACountry {
            code: "EU15".into()
        }),
        12
    );
    assert_eq!(
        result.summary.skipped_for(&SkipReason::NotACountry {
            code: "OECD".into()
        }),
        12
    );
    let obs = &result.observations;
    let aus = find(obs, "AUS", "UNR", "2003");
    assert_eq!(
        (aus.value, aus.line, aus.unit.as_deref()),
        (Some(5.943826289), 0, Some("%"))
    );
    assert!(!aus.flags.estimate);
    let aus13 = find(obs, "AUS", "UNR", "2013");
    assert_eq!(aus13.value, Some(5.50415003));
    assert!(aus13.flags.estimate, "status e");
    assert_eq!(find(obs, "CAN", "UNR", "2012").value, Some(7.32358421));
    assert_eq!(
        find(obs, "GBR", "UNR", "2010").value,
        Some(7.861627732),
        "UK is GBR"
    );
    assert_eq!(
        find(obs, "GRC", "UNR", "2014").value,
        Some(27.2364419),
        "GR is GRC"
    );
    let source = aus.source.as_deref().unwrap();
    assert_eq!(
        source.publisher.as_deref(),
        Some("Economic Outlook No 92 - December 2012 - OECD Annual Projections")
    );
    assert_eq!(
        source.url.as_deref(),
        Some("http://json-stat.org/samples/oecd.json")
    );
}

#[test]
fn json_stat_canada_population() {
    let result = ok(
        "json-stat/jsonstat-org-canada.json",
        &ImportOptions::default(),
    );
    assert_eq!(result.observations.len(), 120);
    let total = find(&result.observations, "CAN", "T.POP.T", "2012");
    assert_eq!(
        (total.value, total.unit.as_deref()),
        (Some(34880.5), Some("thousands of persons"))
    );
    assert_eq!(
        total.flags.status.as_deref(),
        Some("a"),
        "one status for every cell"
    );
    assert_eq!(
        find(&result.observations, "CAN", "T.POP.F", "2012").value,
        Some(17571.3)
    );
    assert_eq!(
        find(&result.observations, "CAN", "T.PERCENT.T", "2012")
            .unit
            .as_deref(),
        Some("%")
    );
}

#[test]
fn json_stat_galicia_needs_a_fixed_country() {
    // Its geo dimensions are Galician provinces, not countries.
    let err = run(
        "json-stat/jsonstat-org-galicia.json",
        Format::Auto,
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ImportError::UnknownCountry { column, code, .. } if column == "residence" && code == "T"),
        "{err}"
    );
    let result = ok("json-stat/jsonstat-org-galicia.json", &fixed("ESP"));
    assert_eq!(result.summary.rows, 3960);
    assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue), 4);
    assert_eq!(result.observations.len(), 3956);
    // Series: birth.age.gender.residence.concept.
    assert_eq!(
        find(&result.observations, "ESP", "T.T.T.T.pop", "2001").value,
        Some(2_695_880.0)
    );
    assert_eq!(
        find(&result.observations, "ESP", "T.T.T.15.pop", "2001").value,
        Some(1_096_027.0)
    );
}

#[test]
fn json_stat_hierarchy_has_neither_country_nor_time() {
    let err = run(
        "json-stat/jsonstat-org-hierarchy.json",
        Format::Auto,
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no country dimension"), "{err}");
    let opts = ImportOptions {
        period: PeriodSpec::Fixed(Period::parse("2011").unwrap()),
        ..fixed("AUS")
    };
    let result = ok("json-stat/jsonstat-org-hierarchy.json", &opts);
    assert!(
        result.observations.is_empty(),
        "its sparse value holds one null"
    );
    assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue), 1);
    let keep = ok(
        "json-stat/jsonstat-org-hierarchy.json",
        &ImportOptions {
            missing: MissingValues::Keep,
            ..opts
        },
    );
    assert_eq!(keep.observations.len(), 1);
    assert_eq!(
        (&*keep.observations[0].series, keep.observations[0].value),
        ("T", None)
    );
}

#[test]
fn json_stat_collection_with_embedded_datasets() {
    let result = ok(
        "json-stat/jsonstat-org-oecd-canada-col.json",
        &ImportOptions::default(),
    );
    assert_eq!(result.observations.len(), 408 + 120);
    assert_eq!(result.summary.skipped_not_a_country(), 24);
    assert_eq!(
        find(&result.observations, "AUS", "UNR", "2003").value,
        Some(5.943826289)
    );
    assert_eq!(
        find(&result.observations, "CAN", "T.POP.T", "2012").value,
        Some(34880.5)
    );
}

#[test]
fn json_stat_collection_of_links_reports_each_link() {
    let result = ok(
        "json-stat/jsonstat-org-collection.json",
        &ImportOptions::default(),
    );
    assert!(result.observations.is_empty());
    assert_eq!(result.summary.skipped_total(), 8);
    let reason = SkipReason::DatasetNotEmbedded {
        href: "http://json-stat.org/samples/oecd.json".into(),
    };
    assert_eq!(result.summary.skipped_for(&reason), 1);
}

#[test]
fn json_stat_eurostat_v1_bundle() {
    let result = ok(
        "json-stat/eurostat-nama_gdp_c-v1.json",
        &ImportOptions::default(),
    );
    let s = &result.summary;
    assert_eq!(s.rows, 3036);
    assert_eq!(
        s.skipped_not_a_country(),
        7 * 69,
        "EA, EA12, EA17, EA18, EU15, EU27, EU28"
    );
    assert_eq!(
        s.skipped_for(&SkipReason::MissingValue),
        1552,
        "null values with status ':'"
    );
    assert_eq!(result.observations.len(), 1001);
    let obs = &result.observations;
    let series = "EUR_HAB.B1GM";
    let at = find(obs, "AUT", series, "1976");
    assert_eq!((at.value, at.line), (Some(5000.0), 30));
    let source = at.source.as_deref().unwrap();
    assert_eq!(
        source.title.as_deref(),
        Some("GDP and main components - Current prices")
    );
    assert_eq!(
        find(obs, "GRC", series, "2008").value,
        Some(20800.0),
        "EL is GRC"
    );
    assert_eq!(
        find(obs, "GBR", series, "2013").value,
        Some(29600.0),
        "UK is GBR"
    );
    assert_eq!(find(obs, "USA", series, "2013").value, Some(39900.0));
    let es = find(obs, "ESP", series, "1991");
    assert_eq!(es.value, Some(11400.0));
    assert!(es.flags.estimate && es.flags.status.as_deref() == Some("e"));
    let lv = find(obs, "LVA", series, "1995");
    assert_eq!(lv.value, Some(1500.0));
    assert!(lv.flags.break_in_series);
}

#[test]
fn json_stat_cso_ireland_bundle() {
    let err = run(
        "json-stat/cso-ie-CIA01.json",
        Format::Auto,
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no country dimension"), "{err}");
    // A table about Ireland: the county becomes part of the series key.
    let result = ok("json-stat/cso-ie-CIA01.json", &fixed("IRL"));
    assert_eq!(result.observations.len(), 37 * 15 * 15);
    let state = find(&result.observations, "IRL", "-.CIA01C01", "2000");
    assert_eq!(
        (state.value, state.unit.as_deref()),
        (Some(41692.0), Some("Euro Million"))
    );
    assert_eq!(
        find(&result.observations, "IRL", "-.CIA01C02", "2000").value,
        Some(9407.0)
    );
    let cork = find(&result.observations, "IRL", "5001.CIA01C08", "2014");
    assert_eq!(
        (cork.value, cork.unit.as_deref()),
        (Some(25950.0), Some("Euro"))
    );
    assert_eq!(
        cork.source.as_deref().unwrap().publisher.as_deref(),
        Some("Central Statistics Office, Ireland")
    );
}

// ---- layouts not covered by the samples --------------------------------------------------------

/// Eurostat's SDMX-CSV 1.0 export: a `LAST UPDATE` column, lower-case dimension ids, `geo` with
/// Eurostat's own codes and aggregates, `OBS_FLAG` letters. Figures: first-time asylum
/// applicants 2024 as quoted in the data pack's README (DEU 229,700; ESP 164,000; FRA 130,900).
const EUROSTAT_SDMX_10: &str = "\
DATAFLOW,LAST UPDATE,freq,citizen,sex,unit,age,applicant,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG
ESTAT:MIGR_ASYAPPCTZA(1.0),20/03/25 23:00:00,A,TOTAL,T,PER,TOTAL,FRST,DE,2024,229700,
ESTAT:MIGR_ASYAPPCTZA(1.0),20/03/25 23:00:00,A,TOTAL,T,PER,TOTAL,FRST,EL,2024,,:
ESTAT:MIGR_ASYAPPCTZA(1.0),20/03/25 23:00:00,A,TOTAL,T,PER,TOTAL,FRST,ES,2024,164000,p
ESTAT:MIGR_ASYAPPCTZA(1.0),20/03/25 23:00:00,A,TOTAL,T,PER,TOTAL,FRST,EU27_2020,2024,912000,e
ESTAT:MIGR_ASYAPPCTZA(1.0),20/03/25 23:00:00,A,TOTAL,T,PER,TOTAL,FRST,FR,2024,130900,
";

#[test]
fn eurostat_sdmx_10_layout() {
    let result = import(
        EUROSTAT_SDMX_10.as_bytes(),
        Format::Auto,
        &ImportOptions::default(),
    )
    .unwrap();
    let s = &result.summary;
    assert_eq!((s.rows, s.observations), (5, 3));
    assert_eq!(s.skipped_for(&SkipReason::MissingValue), 1);
    assert_eq!(
        s.skipped_for(&SkipReason::NotACountry {
            code: "EU27_2020".into()
        }),
        1
    );
    let series = "A.TOTAL.T.PER.TOTAL.FRST";
    let de = find(&result.observations, "DEU", series, "2024");
    assert_eq!(
        (de.value, de.unit.as_deref(), de.line),
        (Some(229_700.0), Some("PER"), 2)
    );
    let es = find(&result.observations, "ESP", series, "2024");
    assert!(es.flags.provisional);
    assert_eq!(es.flags.status.as_deref(), Some("p"));
    assert_eq!(
        es.source.as_deref().unwrap().publisher.as_deref(),
        Some("ESTAT")
    );
    assert_eq!(
        find(&result.observations, "FRA", series, "2024").value,
        Some(130_900.0)
    );
    // Kept missing values carry Eurostat's ':' flag.
    let keep = ImportOptions {
        missing: MissingValues::Keep,
        ..ImportOptions::default()
    };
    let kept = import(EUROSTAT_SDMX_10.as_bytes(), Format::Auto, &keep).unwrap();
    let gr = find(&kept.observations, "GRC", series, "2024");
    assert_eq!((gr.value, gr.flags.status.as_deref()), (None, Some(":")));
}

#[test]
fn sdmx_2x_delete_actions_are_skipped() {
    let csv = "\
STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS
dataflow,OECD.ELS:DF_MIG(1.0),I,CAN,INFLOW,2023,471550,A,F
dataflow,OECD.ELS:DF_MIG(1.0),D,CAN,INFLOW,2022,0,,
dataflow,OECD.ELS:DF_MIG(1.0),I,NZL,INFLOW,2023,52000,P,C
";
    let result = import(csv.as_bytes(), Format::Auto, &ImportOptions::default()).unwrap();
    assert_eq!(result.observations.len(), 2);
    assert_eq!(result.summary.skipped_for(&SkipReason::DeleteAction), 1);
    let nz = find(&result.observations, "NZL", "INFLOW", "2023");
    assert!(nz.flags.provisional && nz.flags.confidential);
    assert!(
        !find(&result.observations, "CAN", "INFLOW", "2023")
            .flags
            .confidential
    );
}

#[test]
fn streaming_gives_what_import_collects() {
    for rel in [
        "sdmx-csv/sdmx10-data_v1.csv",
        "json-stat/jsonstat-org-oecd-canada-col.json",
    ] {
        let opts = if rel.starts_with("sdmx") {
            fixed("CHE")
        } else {
            ImportOptions::default()
        };
        let mut stream =
            chancery_stats::open(File::open(sample(rel)).unwrap(), Format::Auto, &opts).unwrap();
        let streamed: Vec<Observation> = stream.by_ref().map(Result::unwrap).collect();
        let collected = ok(rel, &opts);
        assert_eq!(streamed, collected.observations, "{rel}");
        assert_eq!(stream.summary(), &collected.summary, "{rel}");
    }
}
