//! Statistics as evidence: the catalogue, the data pack's publications as graded sources, the
//! explorer use case, and the OTTAWA report's figures traced to the observations of the
//! sources it cites.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chancery_app::{AppError, By, StatsQuery};
use chancery_domain::Classification;
use chancery_domain::indicator::{self, Point, Provenance};
use chancery_domain::markdown::{CitationKey, portions};

use crate::common::{Backend, Bare, content_dir};

fn query(code: &str, countries: &[&str], from: Option<&str>, to: Option<&str>) -> StatsQuery {
    StatsQuery {
        code: code.into(),
        countries: countries.iter().map(|c| c.to_string()).collect(),
        from: from.map(str::to_string),
        to: to.map(str::to_string),
    }
}

async fn the_catalogue_loads_once_and_bad_files_name_line_and_field(backend: Backend) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    let file = content_dir().join("indicators.toml");
    assert!(app.load_catalogue(By::System, &file).await.unwrap());
    assert!(
        !app.load_catalogue(By::System, &file).await.unwrap(),
        "same file twice: unchanged"
    );
    let c = app.catalogue().await.unwrap();
    assert!(c.indicator("asylum_rate_per_100k").is_some());
    assert!(c.indicator("net_migration_per_1000").is_some());
    assert_eq!(c.disclosure.small_cell_threshold, 10);

    // Every series code of the data pack has a definition.
    let mut reader = csv::Reader::from_path(content_dir().join("data/observations.csv")).unwrap();
    let codes: BTreeSet<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    let missing: Vec<&String> = codes.iter().filter(|s| c.series(s).is_none()).collect();
    assert!(
        missing.is_empty(),
        "series without a definition: {missing:?}"
    );
    // And every tasking's required indicator is in the catalogue.
    for t in ["CHN-2026-0001-migration.toml"] {
        let text = std::fs::read_to_string(content_dir().join("taskings").join(t)).unwrap();
        for code in ["asylum_rate_per_100k", "net_migration_per_1000"] {
            assert!(text.contains(code));
            assert!(c.indicator(code).is_some(), "{code}");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("indicators.toml");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "denominator = \"population_total\"",
        "denominator = \"population\"",
        1,
    );
    std::fs::write(&bad, &text).unwrap();
    let err = app.load_catalogue(By::System, &bad).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, AppError::Invalid(_)));
    assert!(
        message.starts_with(&format!("{}: line ", bad.display())),
        "{message}"
    );
    assert!(
        message.contains("field `denominator`: \"population\" is not a [[series]] code"),
        "{message}"
    );
    // The catalogue in force is unchanged.
    assert_eq!(app.catalogue().await.unwrap(), c);
}

/// The data pack's distinct publications (source_url), in file order.
fn publications() -> Vec<(String, bool)> {
    let mut reader = csv::Reader::from_path(content_dir().join("data/observations.csv")).unwrap();
    let mut out: Vec<(String, bool)> = Vec::new();
    for r in reader.records() {
        let r = r.unwrap();
        let secondary = r[9].to_ascii_lowercase().contains("secondary");
        match out.iter_mut().find(|(u, _)| u == &r[7]) {
            Some(p) => p.1 |= secondary,
            None => out.push((r[7].to_string(), secondary)),
        }
    }
    out
}

async fn every_data_pack_publication_is_a_graded_source_linked_to_its_observations(
    backend: Backend,
) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    let summary = app.build_demo(content_dir()).await.unwrap();
    let sources = app.store.sources().await.unwrap();
    let by_url: HashMap<&str, _> = sources
        .iter()
        .filter_map(|s| s.spec.url.as_deref().map(|u| (u, s)))
        .collect();
    let pubs = publications();
    assert_eq!(pubs.len(), 56);
    assert!(summary.data_pack_sources > 0);
    for (url, secondary) in &pubs {
        let s = by_url
            .get(url.as_str())
            .unwrap_or_else(|| panic!("no source for {url}"));
        assert_ne!(s.grade.to_string(), "F6", "{url} is ungraded");
        assert!(s.grade_rationale.as_deref().is_some_and(|r| !r.is_empty()));
        assert!(s.capture_sha256.is_some(), "{url}: no captured rows");
        if *secondary {
            assert!(
                s.grade.reliability.code() >= "B",
                "{url}: a secondary reproduction graded {}",
                s.grade
            );
        }
    }
    // The automatic rule: official publisher's own site A2, reproductions C3, rationale says so.
    let destatis = by_url["https://www.destatis.de/DE/PresseService/Presse/Pressemitteilungen/2018/05/PD18_183_31121.html"];
    assert_eq!(destatis.grade.to_string(), "A2");
    assert_eq!(destatis.spec.kind.code(), "official_statistics");
    assert!(
        destatis
            .grade_rationale
            .as_deref()
            .unwrap()
            .starts_with("Official statistics read at source")
    );
    let idealista = by_url
        .iter()
        .find(|(u, _)| u.contains("idealista.com"))
        .unwrap()
        .1;
    assert_eq!(idealista.grade.to_string(), "C3");
    assert_eq!(idealista.spec.kind.code(), "news_report");
    assert!(
        idealista
            .grade_rationale
            .as_deref()
            .unwrap()
            .contains("Secondary reproduction on www.idealista.com")
    );

    // Every current observation resolves to the source of its publication.
    let all_series: BTreeSet<String> = app
        .store
        .observed_series()
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let refs: Vec<&str> = all_series.iter().map(String::as_str).collect();
    let observations = app.store.current_observations(&refs, &[]).await.unwrap();
    assert_eq!(observations.len(), 1150);
    for o in &observations {
        let url = o.source_url.as_deref().unwrap();
        assert_eq!(
            o.source_id,
            Some(by_url[url].id),
            "{} {} {}",
            o.country,
            o.series,
            o.period
        );
    }
}

async fn the_explorer_shows_rates_with_sources_caveats_and_gaps(backend: Backend) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    app.build_demo(content_dir()).await.unwrap();
    let reader = app.actor("reader").await.unwrap();

    let v = app
        .explore(
            &reader,
            &query(
                "asylum_rate_per_100k",
                &["CAN", "NZL"],
                Some("2019"),
                Some("2025"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(v.what, "indicator");
    let can_2024 = v
        .rows
        .iter()
        .find(|r| r.country == "CAN" && r.period == "2024")
        .unwrap();
    // UNHCR 173,931 applications over World Bank 41,288,599 residents.
    assert_eq!(can_2024.shown, "421");
    assert_eq!(can_2024.numerator.as_deref(), Some("173,931"));
    assert_eq!(can_2024.sources, ["S9", "S10"]);
    assert_eq!(can_2024.vintages.len(), 1);
    assert!(
        v.rows
            .iter()
            .all(|r| r.period.as_str() >= "2019" && r.period.as_str() <= "2025")
    );
    assert!(
        v.rows
            .iter()
            .all(|r| r.country == "CAN" || r.country == "NZL")
    );
    // 2025 has applications but no population: reported, never paired with 2024.
    assert!(
        v.gaps
            .iter()
            .any(|g| g.contains("CAN") && g.contains("2025") && g.contains("2024")),
        "{:?}",
        v.gaps
    );
    assert!(
        v.sources
            .iter()
            .any(|s| s.label == "S10" && s.grade.as_deref() == Some("A2"))
    );
    assert!(v.caveats.iter().any(|c| c.contains("UNHCR")));
    let svg = v.chart_svg().unwrap();
    assert!(svg.contains(">CAN<") && svg.contains(">NZL<") && svg.contains("Source:"));

    // The CSV is the table as shown.
    let csv_text = String::from_utf8(v.to_csv().unwrap()).unwrap();
    let mut lines = csv_text.lines();
    assert_eq!(
        lines.next(),
        Some("country,period,code,value,unit,numerator,denominator,vintages,sources")
    );
    assert_eq!(csv_text.lines().count(), v.rows.len() + 1);
    assert!(csv_text.contains("CAN,2024,asylum_rate_per_100k,421,\"per 100,000 residents\",\"173,931\",\"41,288,599\",1,S9 S10"), "{csv_text}");

    // All 12 countries for one year: a bar chart.
    let v = app
        .explore(
            &reader,
            &query("refugees_hosted_per_1000", &[], Some("2024"), Some("2024")),
        )
        .await
        .unwrap();
    assert_eq!(v.rows.len(), 12);
    assert!(v.chart_svg().unwrap().contains("class=\"bar\""));

    // A series: small counts are suppressed (E009), rates stay.
    let v = app
        .explore(
            &reader,
            &query("irregular_asylum_claims_per_day", &["CAN"], None, None),
        )
        .await
        .unwrap();
    assert!(
        v.rows.iter().any(|r| r.shown == "9"),
        "a rate is not a count: shown"
    );

    // Bad parameters name the parameter.
    for (q, parameter) in [
        (query("", &[], None, None), "code"),
        (query("no_such_series", &[], None, None), "code"),
        (
            query("population_total", &["CANADA"], None, None),
            "countries",
        ),
        (query("population_total", &[], Some("20x5"), None), "from"),
        (
            query("population_total", &[], Some("2020"), Some("2015")),
            "to",
        ),
    ] {
        let err = app.explore(&reader, &q).await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("parameter `{parameter}`: ")),
            "{err}"
        );
    }
}

async fn small_counts_and_rates_from_them_are_suppressed_at_the_configured_threshold(
    backend: Backend,
) {
    let b = Bare::new(backend).await;
    let app = &b.app;
    app.build_demo(content_dir()).await.unwrap();
    let reader = app.actor("reader").await.unwrap();
    // Quebec interceptions in 2024 were 648 and Manitoba's 114: above 10, shown.
    let v = app
        .explore(
            &reader,
            &query("irregular_interceptions_rcmp_manitoba", &[], None, None),
        )
        .await
        .unwrap();
    assert_eq!(v.rows[0].shown, "114");

    // A deployment with threshold 200 suppresses it, and the rate built on it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indicators.toml");
    let text = std::fs::read_to_string(content_dir().join("indicators.toml"))
        .unwrap()
        .replace("small_cell_threshold = 10", "small_cell_threshold = 200")
        + "\n[[indicators]]\ncode = \"manitoba_interceptions_per_100k\"\nname = \"Manitoba interceptions per 100,000 Canadians\"\nnumerator = \"irregular_interceptions_rcmp_manitoba\"\ndenominator = \"population_total\"\nfactor = 100000\nunit = \"per 100,000 residents\"\ndecimals = 2\n";
    std::fs::write(&file, text).unwrap();
    assert!(app.load_catalogue(By::System, &file).await.unwrap());
    let v = app
        .explore(
            &reader,
            &query("irregular_interceptions_rcmp_manitoba", &[], None, None),
        )
        .await
        .unwrap();
    assert_eq!((v.rows[0].shown.as_str(), v.rows[0].value), ("<200", None));
    let v = app
        .explore(
            &reader,
            &query("manitoba_interceptions_per_100k", &[], None, None),
        )
        .await
        .unwrap();
    assert_eq!(v.rows.len(), 1);
    assert_eq!(
        (v.rows[0].shown.as_str(), v.rows[0].value),
        ("suppressed", None)
    );
    assert_eq!(v.rows[0].numerator.as_deref(), Some("<200"));
    assert!(v.chart_svg().is_none(), "nothing publishable to chart");
    let csv_text = String::from_utf8(v.to_csv().unwrap()).unwrap();
    assert!(
        csv_text.contains(",suppressed,") && !csv_text.contains("114"),
        "{csv_text}"
    );
}

// ---- The OTTAWA report's figures ----------------------------------------------------------

/// A number as written in the report: its value and how many decimals it was written with.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    text: String,
    value: f64,
    decimals: i32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The statistics written in a paragraph: numbers, skipping years and year ranges, day-of-month
/// numbers in dates, clock times and numbers glued to letters (plan codes, `Q3`, `S12`).
fn figures(text: &str) -> Vec<Figure> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = c.is_ascii_digit()
            && (i == 0 || !chars[i - 1].is_alphanumeric() && chars[i - 1] != '_');
        if !starts {
            i += 1;
            continue;
        }
        let negative = i > 0
            && (chars[i - 1] == '−' || chars[i - 1] == '-')
            && (i < 2 || !chars[i - 2].is_alphanumeric());
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || ((chars[j] == ',' || chars[j] == '.')
                    && j + 1 < chars.len()
                    && chars[j + 1].is_ascii_digit()))
        {
            j += 1;
        }
        let raw: String = chars[i..j].iter().collect();
        let next: String = chars[j..(j + 12).min(chars.len())].iter().collect();
        let prev: String = chars[i.saturating_sub(1)..i].iter().collect();
        let glued = j < chars.len() && (chars[j].is_alphabetic() || chars[j] == '_');
        let year_like = raw.len() == 4
            && !raw.contains(',')
            && (1900..=2100).contains(&raw.parse::<i32>().unwrap_or(0));
        let day = MONTHS.iter().any(|m| next.trim_start().starts_with(m)) && raw.len() <= 2;
        let time = next.starts_with(':') || prev == ":";
        let range_part = prev == "–" || next.starts_with('–');
        let before: String = chars[i.saturating_sub(4)..i].iter().collect();
        let rate_unit = before.eq_ignore_ascii_case("per ");
        if !(glued || year_like || day || time || range_part || rate_unit) {
            let clean = raw.replace(',', "");
            let decimals = clean.split_once('.').map_or(0, |(_, f)| f.len() as i32);
            let mut value: f64 = clean.parse().unwrap_or(f64::NAN);
            if next.trim_start().starts_with("million") {
                value *= 1e6;
            }
            if negative {
                value = -value;
            }
            out.push(Figure {
                text: raw,
                value,
                decimals: if next.trim_start().starts_with("million") {
                    decimals - 6
                } else {
                    decimals
                },
            });
        }
        i = j;
    }
    out
}

/// Whether `candidate` written with the figure's precision gives the figure.
fn matches(f: &Figure, candidate: f64) -> bool {
    let scale = 10f64.powi(f.decimals);
    ((candidate * scale).round() - f.value * scale).abs() < 1e-6
        || (candidate - f.value).abs() < 1e-9
}

/// Numbers found in a source's captured text (data-pack rows, policy descriptions).
fn numbers_in(text: &str) -> Vec<f64> {
    figures(&text.replace(['"', ';'], " "))
        .into_iter()
        .map(|f| f.value)
        .chain(
            // Years and plain integers in CSV cells, which `figures` skips as dates.
            text.split([',', '"', ' '])
                .filter_map(|t| t.trim().parse::<f64>().ok()),
        )
        .collect()
}

/// Figures in the OTTAWA report that are not statistics of a cited source, each with the
/// reason (the report shows the arithmetic or the figure is not a statistic).
const NOT_STATISTICS: &[(&str, &str)] = &[
    (
        "1.22",
        "sum of two cited IRCC figures (471,817 + 752,779), the arithmetic is in the text",
    ),
    (
        "4.9",
        "residents added per housing start: 1,205,115 divided by 245,120, shown in the text",
    ),
    (
        "10",
        "the small-cell threshold (E009): counts below it are not published",
    ),
];

#[tokio::test]
async fn every_figure_in_the_ottawa_report_resolves_to_an_observation_or_indicator_of_a_cited_source()
 {
    let b = Bare::new(Backend::Sqlite).await;
    let app = &b.app;
    app.build_demo(content_dir()).await.unwrap();
    let catalogue = app.catalogue().await.unwrap();
    let series: BTreeSet<String> = app
        .store
        .observed_series()
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let refs: Vec<&str> = series.iter().map(String::as_str).collect();
    let observations = app.store.current_observations(&refs, &[]).await.unwrap();
    let mut by_source: BTreeMap<i64, Vec<&chancery_store::CurrentObservation>> = BTreeMap::new();
    for o in &observations {
        by_source.entry(o.source_id.unwrap()).or_default().push(o);
    }
    let mut captured: HashMap<i64, String> = HashMap::new();
    for s in app.store.sources().await.unwrap() {
        if let Some(sha) = &s.capture_sha256 {
            let bytes = app.store.blob(sha).await.unwrap().unwrap();
            captured.insert(s.id, String::from_utf8_lossy(&bytes).into_owned());
        }
    }

    let dir = content_dir().join("demo/reports/OTTAWA");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut checked = 0;
    let mut unresolved = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for p in portions(&text, Classification::Unclassified) {
            let cited: BTreeSet<i64> = p
                .citations
                .iter()
                .filter_map(|c| match c.key {
                    CitationKey::Source(id) => Some(id),
                    _ => None,
                })
                .collect();
            // Candidates: observation values of the cited sources, numbers in their captured
            // content, and every catalogue indicator computed from their observations.
            let mut candidates: Vec<f64> = Vec::new();
            let mut points = Vec::new();
            for id in &cited {
                for o in by_source.get(id).into_iter().flatten() {
                    if let Some(v) = o.value {
                        candidates.push(v);
                        points.push(Point {
                            country: o.country.clone(),
                            series: o.series.clone(),
                            period: o.period.clone(),
                            value: v,
                            provenance: Provenance {
                                vintage: o.vintage,
                                source_url: o.source_url.clone(),
                                source_title: None,
                                source_id: o.source_id,
                            },
                        });
                    }
                }
                if let Some(t) = captured.get(id) {
                    candidates.extend(numbers_in(t));
                }
            }
            for def in &catalogue.indicators {
                let computed = indicator::compute(def, &points).unwrap();
                candidates.extend(computed.values.iter().map(|v| v.value));
            }
            // Year-on-year changes of a cited series (population growth, for one).
            let mut annual: BTreeMap<(&str, &str, i32), f64> = BTreeMap::new();
            for p in &points {
                if let Ok(year) = p.period.parse::<i32>() {
                    annual.insert((&p.country, &p.series, year), p.value);
                }
            }
            for (&(country, series, year), value) in &annual {
                if let Some(previous) = annual.get(&(country, series, year - 1)) {
                    candidates.push(value - previous);
                }
            }
            for f in figures(&p.text) {
                checked += 1;
                if NOT_STATISTICS.iter().any(|(t, _)| *t == f.text) {
                    continue;
                }
                if !candidates.iter().any(|c| matches(&f, *c)) {
                    unresolved.push(format!(
                        "{}: paragraph {}: {:?} (cites {:?})",
                        file.file_name().unwrap().to_string_lossy(),
                        p.index + 1,
                        f.text,
                        cited
                    ));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} figures found: the extractor is broken"
    );
    assert!(
        unresolved.is_empty(),
        "figures that match no observation or indicator of a cited source:\n{}",
        unresolved.join("\n")
    );
}

#[test]
fn figure_extraction_skips_dates_and_codes() {
    let found: Vec<String> = figures("On 25 March 2023, 271,839 were admitted (−9,330 in 2015; 7.6 per 1,000; 21.33% at 12:01 a.m.; Q3 and the 2024–2026 plan; about 1.22 million)")
        .into_iter()
        .map(|f| format!("{}={}", f.text, f.value))
        .collect();
    assert_eq!(
        found,
        [
            "271,839=271839",
            "9,330=-9330",
            "7.6=7.6",
            "21.33=21.33",
            "1.22=1220000"
        ]
    );
    let f = Figure {
        text: "421".into(),
        value: 421.0,
        decimals: 0,
    };
    assert!(matches(&f, 421.26) && !matches(&f, 421.6));
}

/// A seeded SDMX-CSV 2.0 file of `rows` observations (several import batches), one series
/// per indicator and sex; `edit` may rewrite a data line (1-based file line) before it is
/// written.
fn sdmx_file(rows: usize, edit: impl Fn(usize, String) -> String) -> Vec<u8> {
    let countries = ["CAN", "DEU", "FRA", "ITA", "ESP"];
    let mut out = String::from(
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n",
    );
    for i in 0..rows {
        let year = 1990 + i % 30;
        let country = countries[(i / 30) % countries.len()];
        let indicator = i / (30 * countries.len());
        let line = format!(
            "dataflow,TEST:FLOW(1.0),I,{country},IND{indicator:03},T,{year},{}.5,A\n",
            i * 7
        );
        out.push_str(&edit(i + 2, line));
    }
    out.into_bytes()
}

const ROWS: usize = 5_000;

async fn import(
    b: &Bare,
    bytes: Vec<u8>,
    options: &chancery_stats::ImportOptions,
) -> Result<chancery_app::StatsImportReport, AppError> {
    let seen = std::sync::Mutex::new(Vec::new());
    let report = b
        .app
        .import_statistics_from(
            By::System,
            "synthetic.csv",
            std::io::Cursor::new(bytes),
            chancery_stats::Format::Auto,
            options,
            false,
            &|n| seen.lock().unwrap().push(n),
        )
        .await;
    // Progress is reported after every batch, never falling, and ends at the whole count.
    let seen = seen.into_inner().unwrap();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    if let Ok(r) = &report {
        assert_eq!(
            seen.last().copied(),
            Some(r.imported + r.unchanged),
            "{seen:?}"
        );
        assert!(
            seen.len() > 1,
            "{ROWS} rows come in several batches: {seen:?}"
        );
    }
    report
}

async fn nothing_stored(b: &Bare, audit_events: usize) {
    assert_eq!(b.observations().await, 0, "no observation may be left");
    assert_eq!(b.rows("vintages").await, 0, "not even the vintage");
    assert_eq!(b.audit_count().await, audit_events);
}

async fn a_file_bad_at_a_late_row_stores_nothing(backend: Backend) {
    let b = Bare::new(backend).await;
    let events = b.audit_count().await;
    let defaults = chancery_stats::ImportOptions::default();
    // A parse error two batches in: a non-numeric value on line 4,600.
    let bad = sdmx_file(ROWS, |n, line| {
        if n == 4_600 {
            line.replace(".5,A", ".5x,A")
        } else {
            line
        }
    });
    let err = import(&b, bad, &defaults).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("synthetic.csv: line 4600"), "{message}");
    assert!(message.contains("OBS_VALUE"), "{message}");
    nothing_stored(&b, events).await;

    // A truncated file: cut inside the last record's quoted field.
    let mut cut = sdmx_file(ROWS, |_, line| line);
    cut.extend_from_slice(b"dataflow,\"TEST:FLOW(1.0");
    let err = import(&b, cut, &defaults).await.unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    nothing_stored(&b, events).await;

    // A store error late in the file: with the importer's duplicate check off, a repeated key
    // on the last line reaches the store, which refuses two values for one key, naming both.
    let mut repeated = sdmx_file(ROWS, |_, line| line);
    let first_data_line = sdmx_file(1, |_, line| line)
        .split(|&c| c == b'\n')
        .nth(1)
        .unwrap()
        .to_vec();
    repeated.extend_from_slice(&first_data_line);
    repeated.push(b'\n');
    let ignore = chancery_stats::ImportOptions {
        duplicates: chancery_stats::Duplicates::Ignore,
        ..chancery_stats::ImportOptions::default()
    };
    let err = import(&b, repeated, &ignore).await.unwrap_err();
    assert!(matches!(err, AppError::Store(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("IND000.T, CAN, period 1990 appears twice")
            && message.contains(&format!("lines 2 and {}", ROWS + 2)),
        "{message}"
    );
    nothing_stored(&b, events).await;

    // Control: the same file without the defect imports whole, as one vintage.
    let good = import(&b, sdmx_file(ROWS, |_, line| line), &defaults)
        .await
        .unwrap();
    assert_eq!((good.imported, good.unchanged), (ROWS as u64, 0));
    assert_eq!(b.observations().await, ROWS as i64);
    assert_eq!(b.rows("vintages").await, 1);
    b.assert_chain_verifies().await;
}

async fn a_reimport_changes_nothing_and_a_revision_is_a_new_vintage(backend: Backend) {
    let b = Bare::new(backend).await;
    let defaults = chancery_stats::ImportOptions::default();
    let bytes = sdmx_file(ROWS, |_, line| line);
    let first = import(&b, bytes.clone(), &defaults).await.unwrap();
    assert_eq!((first.imported, first.unchanged), (ROWS as u64, 0));
    assert_eq!(first.sha256, chancery_domain::audit::sha256_hex(&bytes));
    let v1 = first.vintage.unwrap();
    let stored = b
        .app
        .store
        .vintage_by_sha(&first.sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.id, stored.format.as_str()), (v1, "sdmx-csv"));
    let events = b.audit_count().await;

    let again = import(&b, bytes, &defaults).await.unwrap();
    assert_eq!(
        (again.imported, again.unchanged, again.vintage),
        (0, ROWS as u64, None),
        "the same file twice changes nothing"
    );
    assert_eq!(b.rows("vintages").await, 1);
    assert_eq!(b.observations().await, ROWS as i64);
    assert_eq!(b.audit_count().await, events);

    // One value revised late in the file (line 4,900: IND032, DEU, 1990+4898%30): stored
    // under a new vintage that becomes current for that key only.
    let revised = sdmx_file(ROWS, |n, line| {
        if n == 4_900 {
            line.replace(".5,A", ".25,A")
        } else {
            line
        }
    });
    let second = import(&b, revised, &defaults).await.unwrap();
    assert_eq!((second.imported, second.unchanged), (1, ROWS as u64 - 1));
    let v2 = second.vintage.unwrap();
    assert!(v2 > v1);
    assert_eq!(b.rows("vintages").await, 2);
    assert_eq!(b.observations().await, ROWS as i64 + 1);
    let i = 4_900 - 2;
    let (series, country, year) = (
        format!("IND{:03}.T", i / 150),
        ["CAN", "DEU", "FRA", "ITA", "ESP"][(i / 30) % 5],
        (1990 + i % 30).to_string(),
    );
    let values = b.app.store.series_values(&series, country).await.unwrap();
    assert_eq!(values.len(), 30);
    for (period, value, _, vintage) in values {
        if period == year {
            assert_eq!((value, vintage), (Some(i as f64 * 7.0 + 0.25), v2));
        } else {
            assert_eq!(vintage, v1, "{period}");
        }
    }
    b.assert_chain_verifies().await;
}

chancery_testkit::on_every_backend!(
    the_catalogue_loads_once_and_bad_files_name_line_and_field,
    every_data_pack_publication_is_a_graded_source_linked_to_its_observations,
    the_explorer_shows_rates_with_sources_caveats_and_gaps,
    small_counts_and_rates_from_them_are_suppressed_at_the_configured_threshold,
    a_file_bad_at_a_late_row_stores_nothing,
    a_reimport_changes_nothing_and_a_revision_is_a_new_vintage,
);
