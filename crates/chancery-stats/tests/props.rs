//! Property tests: no parser panics on arbitrary input, and well-formed files generated from
//! random observations parse back to exactly those observations (CSV long, SDMX-CSV 2.x,
//! JSON-stat 2.0 dense and sparse).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;

use chancery_stats::period::Point;
use chancery_stats::{
    Country, CountryMap, Format, ImportOptions, Observation, Period, SkipReason, import, read_csv,
    read_json_stat, read_sdmx_csv,
};
use proptest::prelude::*;
use serde_json::{Value, json};

// ---- generators ------------------------------------------------------------------------------

fn country() -> impl Strategy<Value = Country> {
    let all: Vec<Country> = Country::all().collect();
    proptest::sample::select(all)
}

fn point() -> impl Strategy<Value = Point> {
    let y = 1900u16..2100;
    prop_oneof![
        y.clone().prop_map(Point::Year),
        (y.clone(), 1u8..=2).prop_map(|(y, h)| Point::Half(y, h)),
        (y.clone(), 1u8..=4).prop_map(|(y, q)| Point::Quarter(y, q)),
        (y.clone(), 1u8..=12).prop_map(|(y, m)| Point::Month(y, m)),
        (y.clone(), 1u8..=52).prop_map(|(y, w)| Point::Week(y, w)),
        (y.clone(), 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Point::Day(y, m, d)),
        y.prop_map(Point::FiscalYear),
    ]
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![
        4 => point().prop_map(Period::from),
        1 => (1900u16..2050, 0u16..30).prop_map(|(a, len)| {
            Period::range(Point::Year(a), Point::Month(a + len, 6)).unwrap()
        }),
    ]
}

/// Another way publishers write the same period.
fn respell(p: Period, variant: u8) -> String {
    let one = |pt: Point| match (pt, variant % 3) {
        (Point::Quarter(y, q), 1) => format!("{y}Q{q}"),
        (Point::Month(y, m), 1) => format!("{y}-M{m:02}"),
        (Point::Half(y, h), 1) => format!("{y}H{h}"),
        (Point::FiscalYear(y), 1) => format!("FY{y}-{}", y + 1),
        (Point::Week(y, w), 2) => format!("{y}W{w}"),
        (Point::Quarter(y, q), 2) => format!("{y}-q{q}"),
        _ => pt.to_string(),
    };
    match p.end() {
        None => one(p.start()),
        Some(end) => format!("{}/{}", one(p.start()), one(end)),
    }
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (-1_000_000_000i64..1_000_000_000, 0u32..7).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        1 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
    ]
}

/// A generated observation with the text variants used to write it.
#[derive(Debug, Clone)]
struct Gen {
    country: Country,
    series: String,
    period: Period,
    value: Option<f64>,
    unit: Option<String>,
    status: Option<String>,
    note: Option<String>,
    publisher: Option<String>,
    spelling: u8,
    alpha2: bool,
}

fn gen_obs(series: impl Strategy<Value = String>) -> impl Strategy<Value = Gen> {
    (
        country(),
        series,
        period(),
        proptest::option::weighted(0.9, value()),
        proptest::option::of("[a-z]{1,6}( [a-z]{1,6})?"),
        proptest::option::of(proptest::sample::select(vec![
            "A", "E", "P", "B", "e", "p", "bep",
        ])),
        proptest::option::of("[ -~]{1,20}(\n[ -~]{0,10})?"),
        proptest::option::of("[A-Za-z ,\"]{1,20}"),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(
            |(country, series, period, value, unit, status, note, publisher, spelling, alpha2)| {
                Gen {
                    country,
                    series,
                    period,
                    value,
                    unit,
                    status: status.map(str::to_string),
                    note: note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
                    publisher: publisher
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty()),
                    spelling,
                    alpha2,
                }
            },
        )
}

/// Observations with unique (country, series, period).
fn unique(list: Vec<Gen>) -> Vec<Gen> {
    let mut seen = BTreeMap::new();
    for g in list {
        seen.entry((g.country, g.series.clone(), g.period))
            .or_insert(g);
    }
    seen.into_values().collect()
}

fn code(g: &Gen) -> &'static str {
    if g.alpha2 {
        g.country.alpha2()
    } else {
        g.country.as_str()
    }
}

fn key(o: &Observation) -> (Country, String, Period) {
    (o.country, o.series.to_string(), o.period)
}

fn bits(v: Option<f64>) -> Option<u64> {
    v.map(f64::to_bits)
}

// ---- no panics -------------------------------------------------------------------------------

fn no_panic(bytes: &[u8]) {
    let opts = ImportOptions::default();
    let _ = import(bytes, Format::Auto, &opts);
    let _ = import(bytes, Format::Csv, &opts);
    let _ = import(bytes, Format::SdmxCsv, &opts);
    let _ = import(bytes, Format::JsonStat, &opts);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        no_panic(&bytes);
    }

    #[test]
    fn csv_like_text_after_a_valid_header_never_panics(
        header in proptest::sample::select(vec![
            "country,series,period,value,unit,note\n",
            "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,FREQ,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n",
            "DATAFLOW: Flow,REF_AREA: Area,TIME_PERIOD: Time,OBS_VALUE: Value\n",
            "\"Data Source\",\"WDI\",\n\n\"Country Name\",\"Country Code\",\"Indicator Name\",\"Indicator Code\",\"2023\",\"2024\",\n",
        ]),
        body in "[A-Za-z0-9,;\"\r\n :._/-]{0,400}",
    ) {
        no_panic(format!("{header}{body}").as_bytes());
    }

    #[test]
    fn mutated_json_stat_never_panics(cut in 0usize..2000, pos in 0usize..2000, byte in any::<u8>()) {
        let doc = include_bytes!("samples/json-stat/jsonstat-org-canada.json");
        let mut v = doc.to_vec();
        let pos = pos % v.len();
        v[pos] = byte;
        v.truncate(v.len() - cut.min(v.len()));
        no_panic(&v);
        let _ = read_json_stat(&v[..], &ImportOptions::default());
    }

    #[test]
    fn period_and_country_parsers_never_panic(s in "\\PC{0,24}") {
        let _ = Period::parse(&s);
        let _ = Country::normalise(&s);
        let _ = CountryMap::parse(&s);
        let _ = s.parse::<Format>();
    }

    #[test]
    fn periods_round_trip_through_their_canonical_form(p in period(), variant in any::<u8>()) {
        prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
        prop_assert_eq!(Period::parse(&respell(p, variant)).unwrap(), p);
        prop_assert!(p.first_day() <= p.last_day());
    }
}

// ---- round trips -----------------------------------------------------------------------------

fn write_long_csv(list: &[Gen]) -> (Vec<u8>, Vec<u64>) {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "country",
        "series",
        "period",
        "value",
        "unit",
        "obs_status",
        "source_publisher",
        "note",
    ])
    .unwrap();
    let mut lines = Vec::new();
    let mut line = 2u64;
    for g in list {
        lines.push(line);
        let value = g.value.map_or_else(String::new, |v| v.to_string());
        let note = g.note.clone().unwrap_or_default();
        line += 1 + note.matches('\n').count() as u64;
        w.write_record([
            code(g),
            &g.series,
            &respell(g.period, g.spelling),
            &value,
            g.unit.as_deref().unwrap_or(""),
            g.status.as_deref().unwrap_or(""),
            g.publisher.as_deref().unwrap_or(""),
            &note,
        ])
        .unwrap();
    }
    (w.into_inner().unwrap(), lines)
}

proptest! {
    #[test]
    fn long_csv_round_trips(list in proptest::collection::vec(gen_obs("[a-z][a-z0-9_]{0,11}"), 0..40), reversed in any::<bool>()) {
        let mut list = unique(list);
        if reversed {
            // Out of time order: the duplicate check's unsorted path.
            list.reverse();
        }
        let (bytes, lines) = write_long_csv(&list);
        let result = import(&bytes[..], Format::Auto, &ImportOptions::default()).unwrap();
        let kept: Vec<(&Gen, u64)> = list.iter().zip(lines).filter(|(g, _)| g.value.is_some()).collect();
        prop_assert_eq!(result.observations.len(), kept.len());
        prop_assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue) as usize, list.len() - kept.len());
        for (o, (g, line)) in result.observations.iter().zip(kept) {
            prop_assert_eq!(key(o), (g.country, g.series.clone(), g.period));
            prop_assert_eq!(bits(o.value), bits(g.value));
            prop_assert_eq!(o.line, line);
            prop_assert_eq!(o.unit.as_deref(), g.unit.as_deref());
            prop_assert_eq!(o.flags.status.as_deref(), g.status.as_deref());
            prop_assert_eq!(o.note.as_deref(), g.note.as_deref());
            prop_assert_eq!(o.source.as_ref().and_then(|s| s.publisher.as_deref()), g.publisher.as_deref());
        }
        // Streaming gives the same observations.
        let streamed: Vec<Observation> = read_csv(&bytes[..], &ImportOptions::default()).unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(streamed, result.observations);
    }

    #[test]
    fn sdmx_csv_2_round_trips(
        dims in 1usize..4,
        list in proptest::collection::vec(gen_obs(Just(String::new())), 0..40),
        parts in proptest::collection::vec("[A-Z0-9_]{1,5}", 40 * 3),
    ) {
        // Series keys with `dims` parts, one column each.
        let list: Vec<Gen> = list
            .into_iter()
            .enumerate()
            .map(|(i, mut g)| {
                g.series = parts[i * 3..i * 3 + dims].join(".");
                g
            })
            .collect();
        let list = unique(list);
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["STRUCTURE".to_string(), "STRUCTURE_ID".into(), "ACTION".into(), "REF_AREA".into()];
        header.extend((1..=dims).map(|d| format!("DIM{d}")));
        header.extend(["TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MEASURE"].map(String::from));
        w.write_record(&header).unwrap();
        for g in &list {
            let mut row = vec!["dataflow".to_string(), "ESTAT:TEST(1.0)".into(), "I".into(), code(g).to_string()];
            row.extend(g.series.split('.').map(String::from));
            row.push(respell(g.period, g.spelling));
            row.push(g.value.map_or_else(String::new, |v| v.to_string()));
            row.push(g.status.clone().unwrap_or_default());
            row.push(g.unit.clone().unwrap_or_default());
            w.write_record(&row).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let result = read_sdmx_csv(&bytes[..], &ImportOptions::default()).unwrap().collect_all().unwrap();
        let kept: Vec<(usize, &Gen)> = list.iter().enumerate().filter(|(_, g)| g.value.is_some()).collect();
        prop_assert_eq!(result.observations.len(), kept.len());
        for (o, (i, g)) in result.observations.iter().zip(kept) {
            prop_assert_eq!(key(o), (g.country, g.series.clone(), g.period));
            prop_assert_eq!(bits(o.value), bits(g.value));
            prop_assert_eq!(o.line, i as u64 + 2);
            prop_assert_eq!(o.unit.as_deref(), g.unit.as_deref());
            prop_assert_eq!(o.flags.status.as_deref(), g.status.as_deref());
            prop_assert_eq!(o.source.as_ref().and_then(|s| s.title.as_deref()), Some("ESTAT:TEST(1.0)"));
        }
    }

    #[test]
    fn json_stat_2_round_trips_dense_and_sparse(
        list in proptest::collection::vec(gen_obs("[a-z]{1,3}"), 0..40),
        sparse in any::<bool>(),
        units in any::<bool>(),
    ) {
        let list = unique(list);
        // The cube: every country, period and series that occurs.
        let mut countries: Vec<Country> = list.iter().map(|g| g.country).collect();
        countries.sort();
        countries.dedup();
        let mut periods: Vec<Period> = list.iter().map(|g| g.period).collect();
        periods.sort();
        periods.dedup();
        let mut series: Vec<String> = list.iter().map(|g| g.series.clone()).collect();
        series.sort();
        series.dedup();
        let (nc, np, ns) = (countries.len(), periods.len(), series.len());
        let total = nc * np * ns;
        let index = |g: &Gen| {
            let c = countries.iter().position(|x| *x == g.country).unwrap();
            let p = periods.iter().position(|x| *x == g.period).unwrap();
            let s = series.iter().position(|x| *x == g.series).unwrap();
            (c * np + p) * ns + s
        };
        let unit_of = |s: &str| format!("unit of {s}");
        let mut dense = vec![Value::Null; total];
        let mut status_dense = vec![Value::Null; total];
        let mut value_sparse = serde_json::Map::new();
        let mut status_sparse = serde_json::Map::new();
        for g in &list {
            let i = index(g);
            let v = g.value.map_or(Value::Null, |v| json!(v));
            dense[i] = v.clone();
            value_sparse.insert(i.to_string(), v);
            if let Some(s) = &g.status {
                status_dense[i] = json!(s);
                status_sparse.insert(i.to_string(), json!(s));
            }
        }
        let geo_index: Vec<&str> = countries.iter().map(|c| c.alpha2()).collect();
        let time_index: Vec<String> = periods.iter().enumerate().map(|(i, p)| respell(*p, i as u8)).collect();
        let mut concept = json!({"category": {"index": series}});
        if units {
            let u: serde_json::Map<String, Value> = series.iter().map(|s| (s.clone(), json!({"label": unit_of(s)}))).collect();
            concept["category"]["unit"] = Value::Object(u);
        }
        let doc = json!({
            "version": "2.0",
            "class": "dataset",
            "label": "generated",
            "source": "proptest",
            "id": ["area", "year", "concept"],
            "size": [nc, np, ns],
            "role": {"geo": ["area"], "time": ["year"], "metric": ["concept"]},
            "dimension": {
                "area": {"category": {"index": geo_index}},
                "year": {"category": {"index": time_index}},
                "concept": concept,
            },
            "value": if sparse { Value::Object(value_sparse) } else { Value::Array(dense) },
            "status": if sparse { Value::Object(status_sparse) } else { Value::Array(status_dense) },
        });
        let bytes = serde_json::to_vec(&doc).unwrap();
        let result = import(&bytes[..], Format::Auto, &ImportOptions::default()).unwrap();
        let mut want: Vec<&Gen> = list.iter().filter(|g| g.value.is_some()).collect();
        want.sort_by_key(|g| index(g));
        prop_assert_eq!(result.observations.len(), want.len());
        let missing = if sparse { list.len() - want.len() } else { total - want.len() };
        prop_assert_eq!(result.summary.skipped_for(&SkipReason::MissingValue) as usize, missing);
        for (o, g) in result.observations.iter().zip(want) {
            prop_assert_eq!(key(o), (g.country, g.series.clone(), g.period));
            prop_assert_eq!(bits(o.value), bits(g.value));
            prop_assert_eq!(o.line, index(g) as u64);
            prop_assert_eq!(o.flags.status.as_deref(), g.status.as_deref());
            prop_assert_eq!(o.unit.clone().map(|u| u.to_string()), units.then(|| unit_of(&g.series)));
            prop_assert_eq!(o.source.as_ref().and_then(|s| s.publisher.as_deref()), Some("proptest"));
        }
    }
}
