//! The consolidated report compiled from real databases: the demo (snapshots), clearance and
//! release editions, endnotes, determinism, bad input, hostile text and the indicators part.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery_app::{By, StatsQuery, StatsView};
use chancery_compile::model::{Cell, Chart, Document, EndnoteStatus, IndicatorRow, IndicatorTable};
use chancery_compile::{CompileError, Format, Options, cable, html, json, markdown, render_text};
use chancery_domain::Classification;
use chancery_domain::report::ReportStatus;
use chancery_stats::{Format as StatsFormat, ImportOptions};
use common::{Backend, CONFIDENTIAL, Fixture, SECRET, mixed, tr};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use scraper::{Html, Selector};

/// Every text format of a document.
fn all_text(doc: &Document) -> Vec<(Format, String)> {
    [Format::Markdown, Format::Json, Format::Cable, Format::Html]
        .into_iter()
        .map(|f| (f, render_text(doc, f).unwrap()))
        .collect()
}

fn transmitted() -> Options {
    Options {
        include_transmitted: true,
        ..Options::default()
    }
}

/// The demo's transmission times come from the clock: pin them so snapshots are stable.
fn pin_clock_fields(doc: &mut Document) {
    for s in &mut doc.completeness {
        if s.first_transmitted.is_some() {
            s.first_transmitted = Some("[first transmitted]".into());
            s.timeliness = "[timeliness]".into();
        }
    }
    for v in &mut doc.manifest.report_versions {
        v.transmitted_at = "[transmitted at]".into();
    }
}

async fn the_demo_tasking_compiles_to_stable_markdown_cable_and_json(backend: Backend) {
    let f = Fixture::demo(backend).await;
    let t = tr("CHN-2026-0001");
    let options = Options {
        date: Some("2026-12-01".into()),
        ..transmitted()
    };
    let mut doc = f.compile("hq.editor", &t, &options).await;
    assert_eq!(
        doc.chapters.len(),
        1,
        "OTTAWA is the demo's transmitted report"
    );
    assert_eq!(doc.chapters[0].post, "OTTAWA");
    assert_eq!(doc.completeness.len(), 12);
    assert_eq!(doc.cover.banner, Classification::SensitiveButUnclassified);
    // The demo's OTTAWA report is on time against the tasking's due date (2027-01-29) when the
    // transmission happened before it, which is the case for any run before that date.
    let ottawa = &doc.completeness[0];
    assert!(ottawa.first_transmitted.is_some());
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    // Shared sources are cited once: one endnote per source, numbered by first use.
    let keys: Vec<&str> = doc.endnotes.iter().map(|n| n.key.as_str()).collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(keys.len(), unique.len());
    // The indicators' sources come first (that part precedes the chapters), then the first
    // source the OTTAWA report cites.
    let mut indicator_notes: Vec<u32> = doc
        .indicators
        .tables
        .iter()
        .flat_map(|t| t.notes.clone())
        .collect();
    indicator_notes.sort_unstable();
    indicator_notes.dedup();
    assert!(!indicator_notes.is_empty());
    assert_eq!(doc.endnotes[indicator_notes.len()].key, "S1");
    assert!(
        doc.endnotes
            .iter()
            .all(|n| n.status == EndnoteStatus::Source)
    );
    assert_eq!(doc.manifest.sources.len(), doc.endnotes.len());

    pin_clock_fields(&mut doc);
    insta::assert_snapshot!("demo_markdown", markdown(&doc));
    insta::assert_snapshot!("demo_cable", cable(&doc));
    insta::assert_snapshot!("demo_json", json(&doc));
}

async fn compiling_twice_gives_the_same_bytes_in_every_format(backend: Backend) {
    let f = Fixture::demo(backend).await;
    let t = tr("CHN-2026-0001");
    let first = all_text(&f.compile("hq.editor", &t, &transmitted()).await);
    let second = all_text(&f.compile("hq.editor", &t, &transmitted()).await);
    for ((format, a), (_, b)) in first.iter().zip(&second) {
        assert!(a == b, "{format:?} differs between two compilations");
        assert!(a.len() > 1000, "{format:?} is suspiciously short");
    }
}

async fn a_reader_never_receives_a_paragraph_above_their_clearance_in_any_format(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let (t, _) = mixed(&f).await;

    // The SBU reader: C and S paragraphs are markers; the S source is never named.
    let doc = f.compile("reader", &t, &Options::default()).await;
    assert_eq!(doc.cover.banner, Classification::SensitiveButUnclassified);
    for (format, out) in all_text(&doc) {
        for leak in [SECRET, CONFIDENTIAL, "Liaison report", "liaison partner"] {
            assert!(!out.contains(leak), "{format:?} leaks {leak:?}");
        }
        assert!(out.contains("[paragraph withheld: C]"), "{format:?}");
        assert!(out.contains("[paragraph withheld: S]"), "{format:?}");
        assert!(out.contains("judges the trend durable"), "{format:?}");
    }

    // The U reader may not see the SBU tasking at all: the same not-found as a missing one.
    let u = f.user("reader.u").await;
    let e = chancery_compile::compile(&f.app, &u, &t, &Options::default())
        .await
        .unwrap_err();
    assert!(matches!(e, CompileError::NotFound(_)), "{e}");

    // HQ, cleared S, sees everything: the banner is the highest marking present.
    let doc = f.compile("hq.editor", &t, &Options::default()).await;
    assert_eq!(doc.cover.banner, Classification::Secret);
    for (format, out) in all_text(&doc) {
        assert!(out.contains(SECRET), "{format:?}");
        assert!(!out.contains("paragraph withheld"), "{format:?}");
    }

    // Another post's staff see only accepted reports of other posts: PARIS staff see OTTAWA's
    // (accepted) paragraphs up to C, never PARIS-transmitted content from another post's view.
    let doc = f.compile("paris.drafter", &t, &transmitted()).await;
    let posts: Vec<&str> = doc.chapters.iter().map(|c| c.post.as_str()).collect();
    assert_eq!(posts, ["OTTAWA", "PARIS"]);
    for (format, out) in all_text(&doc) {
        assert!(!out.contains(SECRET), "{format:?}");
        assert!(out.contains(CONFIDENTIAL), "{format:?}");
    }
    let doc = f.compile("ottawa.drafter", &t, &transmitted()).await;
    let posts: Vec<&str> = doc.chapters.iter().map(|c| c.post.as_str()).collect();
    assert_eq!(
        posts,
        ["OTTAWA"],
        "PARIS is only transmitted: not visible to OTTAWA staff"
    );
}

/// The findings frozen at transmission (computed over everything stored) are named in the
/// completeness table only where the reader can read the paragraph they are about.
async fn overridden_findings_are_named_only_for_paragraphs_the_reader_may_read(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let t = f.tasking("CHN-2026-0101", &[("summary", "Summary")]).await;
    let u = f
        .source("Population estimates", Classification::Unclassified, true)
        .await;
    let summary = format!(
        "(U) Arrivals are counted by the department [@S{u}].\n\n(C) {CONFIDENTIAL} puts 312 people in detention."
    );
    f.report(
        &t,
        "OTTAWA",
        &[("summary", &summary)],
        ReportStatus::Accepted,
    )
    .await;
    let overridden = |doc: &Document| {
        let row = doc
            .completeness
            .iter()
            .find(|s| s.post == "OTTAWA")
            .unwrap();
        assert!(row.included && row.override_reason.is_some());
        row.overridden_codes.clone()
    };
    let hq = f.compile("hq.editor", &t, &Options::default()).await;
    assert_eq!(
        overridden(&hq),
        ["E001"],
        "the uncited figure in the (C) paragraph"
    );
    let reader = f.compile("reader", &t, &Options::default()).await;
    assert_eq!(overridden(&reader), Vec::<String>::new());
    for (format, out) in all_text(&reader) {
        assert!(
            !out.contains("E001"),
            "{format:?} names a finding on a withheld paragraph"
        );
    }
}

async fn a_release_edition_holds_only_releasable_paragraphs_and_no_markers(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let (t, [u, sbu, _]) = mixed(&f).await;
    let options = Options {
        release: Some(Classification::Unclassified),
        ..Options::default()
    };
    let doc = f.compile("hq.editor", &t, &options).await;
    assert_eq!(doc.cover.banner, Classification::Unclassified);
    for (format, out) in all_text(&doc) {
        assert!(
            !out.contains("withheld: "),
            "{format:?} has a withheld marker"
        );
        for leak in [SECRET, CONFIDENTIAL, "durable", "Internal working table"] {
            assert!(!out.contains(leak), "{format:?} leaks {leak:?}");
        }
        assert!(out.contains("Arrivals rose to 4,200"), "{format:?}");
        assert!(out.contains("UNCLASSIFIED"), "{format:?}");
        assert!(!out.contains("SENSITIVE BUT UNCLASSIFIED"), "{format:?}");
    }
    let keys: Vec<String> = doc.endnotes.iter().map(|n| n.key.clone()).collect();
    assert!(keys.contains(&format!("S{u}")));
    assert!(
        !keys.contains(&format!("S{sbu}")),
        "cited only by an SBU paragraph"
    );

    // Above the compiler's own clearance: refused, nothing compiled.
    let reader = f.user("reader").await;
    let options = Options {
        release: Some(Classification::Confidential),
        ..Options::default()
    };
    let e = chancery_compile::compile(&f.app, &reader, &t, &options)
        .await
        .unwrap_err();
    assert!(matches!(e, CompileError::Invalid(_)), "{e}");
    assert!(e.to_string().contains("--release C"), "{e}");
}

async fn endnotes_are_numbered_by_first_use_and_a_deleted_source_is_named(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let (t, [u, sbu, s]) = mixed(&f).await;
    let doc = f.compile("hq.editor", &t, &Options::default()).await;
    let keys: Vec<String> = doc.endnotes.iter().map(|n| n.key.clone()).collect();
    let gone = s + 1;
    assert_eq!(
        keys,
        [
            format!("S{u}"),
            format!("S{sbu}"),
            format!("S{s}"),
            format!("S{gone}")
        ]
    );
    let missing = &doc.endnotes[3];
    assert_eq!(missing.status, EndnoteStatus::Missing);
    assert!(missing.text.contains("not found"), "{}", missing.text);
    assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
    assert_eq!(doc.errors[0].code, "missing-source");
    assert!(doc.errors[0].detail.contains(&format!("S{gone}")));
    assert!(doc.errors[0].detail.contains("Public safety"));

    let md = markdown(&doc);
    assert!(
        md.contains("Arrivals rose to 4,200 in 2024 [^1] (p. 4)."),
        "{md}"
    );
    assert!(md.contains("durable [^2] [^1]."), "{md}");
    assert!(
        md.contains(&format!("[^4]: S{gone}: source not found")),
        "{md}"
    );
    assert!(md.contains("## Errors"), "{md}");
    let c = cable(&doc);
    assert!(c.contains("[1, p. 4]"), "{c}");
    assert!(c.contains("ERRORS"), "{c}");
    // The override reason is printed next to the findings it overrode.
    let paris = doc.completeness.iter().find(|r| r.post == "PARIS").unwrap();
    assert!(!paris.included, "PARIS is transmitted, not accepted");
    let ottawa = doc
        .completeness
        .iter()
        .find(|r| r.post == "OTTAWA")
        .unwrap();
    assert!(
        ottawa.included && ottawa.override_reason.is_none(),
        "lint-clean: no override"
    );
    // Manifest: the version's hash and the sources' capture hashes.
    assert_eq!(doc.manifest.report_versions.len(), 1);
    assert_eq!(doc.manifest.report_versions[0].sha256.len(), 64);
    assert!(md.contains(&doc.manifest.report_versions[0].sha256));
    assert_eq!(doc.manifest.sources.len(), 3);
}

async fn without_accepted_reports_there_is_still_a_cover_and_the_completeness_table(
    backend: Backend,
) {
    let f = Fixture::staffed(backend).await;
    let t = f.tasking("CHN-2026-0101", &[("summary", "Summary")]).await;
    f.report(
        &t,
        "PARIS",
        &[("summary", "(U) Text.")],
        ReportStatus::Transmitted,
    )
    .await;
    let doc = f.compile("hq.editor", &t, &Options::default()).await;
    assert!(doc.chapters.is_empty());
    assert_eq!(doc.completeness.len(), 2);
    assert_eq!(doc.errors[0].code, "no-reports");
    assert!(doc.errors[0].detail.contains("--include-transmitted"));
    let md = markdown(&doc);
    assert!(md.contains("# Consolidated report: Test tasking"));
    assert!(md.contains("| PARIS | FRA | transmitted | 1 |"), "{md}");
    assert!(
        md.contains("| OTTAWA | CAN | not started | – | pending |"),
        "{md}"
    );

    let unknown = f.user("hq.editor").await;
    let e = chancery_compile::compile(&f.app, &unknown, &tr("CHN-2026-0999"), &Options::default())
        .await
        .unwrap_err();
    assert!(matches!(e, CompileError::NotFound(_)), "{e}");
    assert!(Format::parse("docx").is_err());
    assert_eq!(Format::parse("markdown").unwrap(), Format::Markdown);
}

/// Text written to break out of every format.
const HOSTILE: &str = "(U) <script>alert(1)</script> <img src=\"https://evil.example/x.png\" onerror=\"alert(2)\"> #set page(fill: red) $x^2$ @label <lbl> *bold* \\ `tick` _u_ [^1] [link](javascript:alert(3)) // comment = == \"quote\" 'apos'";

async fn hostile_report_text_stays_text_in_every_format(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let t = f
        .tasking(
            "CHN-2026-0102",
            &[("summary", "Summary"), ("public_safety", "Safety")],
        )
        .await;
    let fence =
        "(U) Opening a fence that never closes:\n\n```\n## Notes\n<script>alert(4)</script>";
    f.report(
        &t,
        "OTTAWA",
        &[("summary", HOSTILE), ("public_safety", fence)],
        ReportStatus::Accepted,
    )
    .await;
    let doc = f.compile("hq.editor", &t, &Options::default()).await;

    // Markdown: the document's own headings are exactly the outline, whatever the text says.
    let md = markdown(&doc);
    let mut h2 = Vec::new();
    let mut inside = None;
    for e in Parser::new_ext(&md, pulldown_cmark::Options::all()) {
        match e {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => inside = Some(String::new()),
            Event::Text(t) => {
                if let Some(s) = inside.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => h2.extend(inside.take()),
            _ => {}
        }
    }
    assert_eq!(h2, chancery_compile::outline(&doc), "{md}");

    // HTML: no script, no handler, no external resource, no javascript: link.
    let page = html(&doc);
    let parsed = Html::parse_document(&page);
    assert_no_active_content(&parsed);
    assert!(
        page.contains("#set page(fill: red)"),
        "the text is shown, as text"
    );
    assert!(
        !page.contains("<script"),
        "the script element is removed with its content"
    );

    // JSON: the paragraph comes back exactly as written.
    let value: serde_json::Value = serde_json::from_str(&json(&doc)).unwrap();
    assert_eq!(
        value["chapters"][0]["sections"][0]["paragraphs"][0]["markdown"],
        HOSTILE
    );

    // Cable: the text is there, in a numbered paragraph after the header.
    let c = cable(&doc);
    let header_end = c.find("\n\n1. ").unwrap();
    assert!(!c[..header_end].contains("alert"));
    assert!(c.contains("#set page(fill: red)"), "{c}");
}

/// Asserts a parsed page runs nothing and fetches nothing.
fn assert_no_active_content(page: &Html) {
    for tag in [
        "script",
        "iframe",
        "object",
        "embed",
        "link",
        "base",
        "form",
        "meta[http-equiv]",
    ] {
        let sel = Selector::parse(tag).unwrap();
        assert_eq!(page.select(&sel).count(), 0, "found <{tag}>");
    }
    let all = Selector::parse("*").unwrap();
    for el in page.select(&all) {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "handler {name}={value}");
            assert_ne!(name, "style", "inline style {value}");
            if matches!(name, "src" | "srcset" | "poster" | "data" | "background") {
                assert!(
                    value.starts_with("data:image/svg+xml;base64,"),
                    "external resource {name}={value}"
                );
            }
            if name == "href" {
                let v = value.to_ascii_lowercase();
                assert!(
                    v.starts_with('#')
                        || v.starts_with("https://")
                        || v.starts_with("http://")
                        || v.starts_with("mailto:"),
                    "href={value}"
                );
            }
        }
    }
    let style = Selector::parse("style").unwrap();
    for s in page.select(&style) {
        let css = s.text().collect::<String>();
        assert!(!css.contains("url(") && !css.contains("@import"), "{css}");
    }
}

async fn the_html_form_is_one_self_contained_page_with_banners_and_contents(backend: Backend) {
    let f = Fixture::demo(backend).await;
    let doc = f
        .compile("hq.editor", &tr("CHN-2026-0001"), &transmitted())
        .await;
    let page = Html::parse_document(&html(&doc));
    assert_no_active_content(&page);
    let banners: Vec<String> = page
        .select(&Selector::parse(".banner").unwrap())
        .map(|b| b.text().collect())
        .collect();
    assert_eq!(banners, ["SENSITIVE BUT UNCLASSIFIED"; 2]);
    let outline = chancery_compile::outline(&doc);
    for (i, title) in outline.iter().enumerate() {
        let sel = Selector::parse(&format!("h2#s{}", i + 1)).unwrap();
        let h: String = page.select(&sel).next().unwrap().text().collect();
        assert_eq!(&h, title);
        let link = Selector::parse(&format!("a[href='#s{}']", i + 1)).unwrap();
        assert_eq!(page.select(&link).count(), 1, "contents entry for {title}");
    }
    let print = Selector::parse("style").unwrap();
    let css: String = page.select(&print).next().unwrap().text().collect();
    assert!(css.contains("@media print"));
    // Endnote references point at their notes.
    let refs = Selector::parse("sup.footnote-reference a").unwrap();
    let first = page.select(&refs).next().unwrap();
    let target = first.value().attr("href").unwrap().trim_start_matches('#');
    let note = Selector::parse(&format!("[id='{target}']")).unwrap();
    assert_eq!(page.select(&note).count(), 1);
}

/// A hand-made indicator table and chart in place of the demo's, to check every emitter on a
/// known table.
fn with_indicators(mut doc: Document) -> Document {
    doc.indicators = Default::default();
    doc.indicators.tables.push(IndicatorTable {
        code: "asylum_rate_per_100k".into(),
        title: "Asylum applications".into(),
        unit: "per 100,000 residents".into(),
        columns: vec!["2023".into(), "2024".into()],
        rows: vec![
            IndicatorRow {
                label: "CAN".into(),
                cells: vec![Cell::Value("357.1".into()), Cell::Value("419.0".into())],
            },
            IndicatorRow {
                label: "NZL".into(),
                cells: vec![Cell::Suppressed, Cell::Missing],
            },
        ],
        note: "Source: national statistics offices; rates suppressed where the count is below 10."
            .into(),
        notes: Vec::new(),
    });
    doc.indicators.charts.push(Chart {
        title: "Asylum rate".into(),
        svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\"><rect width=\"40\" height=\"20\" fill=\"#246\"/><text x=\"2\" y=\"14\">CAN</text></svg>".into(),
        source: "Source: IRCC; Statistics Canada.".into(),
    });
    doc
}

async fn indicator_tables_and_charts_are_rendered_by_every_emitter(backend: Backend) {
    let f = Fixture::demo(backend).await;
    let doc = f
        .compile("hq.editor", &tr("CHN-2026-0001"), &transmitted())
        .await;
    let doc = with_indicators(doc);
    let md = markdown(&doc);
    assert!(md.contains("## Indicators"));
    assert!(md.contains("| NZL | \\<10 | – |"), "{md}");
    assert!(
        md.contains("![Asylum rate](data:image/svg+xml;base64,"),
        "{md}"
    );
    let c = cable(&doc);
    assert!(c.contains("- NZL: 2023 <10; 2024 –"), "{c}");
    assert!(c.contains("CHART: Asylum rate"), "{c}");
    let v: serde_json::Value = serde_json::from_str(&json(&doc)).unwrap();
    assert_eq!(
        v["indicators"]["tables"][0]["rows"][1]["cells"][0]["kind"],
        "suppressed"
    );
    assert!(
        v["indicators"]["charts"][0]["svg"]
            .as_str()
            .unwrap()
            .starts_with("<svg")
    );
    let page = Html::parse_document(&html(&doc));
    assert_no_active_content(&page);
    let img = Selector::parse("img[src^='data:image/svg+xml;base64,']").unwrap();
    assert_eq!(page.select(&img).count(), 1);
    assert!(
        page.select(&Selector::parse("h2#s2").unwrap())
            .next()
            .unwrap()
            .text()
            .collect::<String>()
            == "Indicators"
    );
    // The chart is a figure at the end of the indicators part, with its source as caption.
    let text = html(&doc);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("<h2 id=\"s2\">") < at("<figure class=\"chart\">"));
    assert!(at("<figure class=\"chart\">") < at("<h2 id=\"s3\">"));
    let caption = Selector::parse("figure.chart figcaption").unwrap();
    assert_eq!(
        page.select(&caption)
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "Source: IRCC; Statistics Canada."
    );
    // The chart's title and source are escaped: they never become markup.
    let mut hostile = doc.clone();
    hostile.indicators.charts[0].title = "Rate\"><script>alert(1)</script>".into();
    hostile.indicators.charts[0].source = "<img src=x onerror=alert(2)>".into();
    let page = Html::parse_document(&html(&hostile));
    assert_no_active_content(&page);
    let img = Selector::parse("figure.chart img").unwrap();
    assert_eq!(
        page.select(&img).next().unwrap().value().attr("alt"),
        Some("Rate\"><script>alert(1)</script>")
    );
    assert_eq!(
        page.select(&caption)
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "<img src=x onerror=alert(2)>"
    );
}

/// The statistics explorer's view of one indicator for one country, as `user` sees it.
async fn explored(f: &Fixture, user: &str, code: &str, country: &str) -> StatsView {
    let actor = f.user(user).await;
    let query = StatsQuery {
        code: code.into(),
        countries: vec![country.into()],
        ..StatsQuery::default()
    };
    f.app.explore(&actor, &query).await.unwrap()
}

async fn the_template_indicators_are_the_explorers_rates_with_their_sources_as_first_endnotes(
    backend: Backend,
) {
    let f = Fixture::demo(backend).await;
    let doc = f
        .compile("hq.editor", &tr("CHN-2026-0001"), &transmitted())
        .await;
    // The indicators the template asks for, in template order, one row per addressee country.
    let codes: Vec<&str> = doc
        .indicators
        .tables
        .iter()
        .map(|t| t.code.as_str())
        .collect();
    assert_eq!(codes, ["asylum_rate_per_100k", "net_migration_per_1000"]);
    assert_eq!(doc.indicators.charts.len(), 2);
    let t = &doc.indicators.tables[0];
    assert_eq!(t.rows.len(), 12, "one row per host country");
    assert!(t.columns.len() <= 6 && t.columns.len() >= 2);
    // Every Canadian cell is the explorer's figure for that period.
    let view = explored(&f, "hq.editor", "asylum_rate_per_100k", "CAN").await;
    let canada = t.rows.iter().find(|r| r.label == "Canada").unwrap();
    for (period, cell) in t.columns.iter().zip(&canada.cells) {
        let row = view.rows.iter().find(|r| &r.period == period).unwrap();
        assert_eq!(cell, &Cell::Value(row.shown.clone()), "{period}");
    }
    // Australia has no 2024 population value: a gap, never a made-up number.
    let australia = t.rows.iter().find(|r| r.label == "Australia").unwrap();
    if let Some(i) = t.columns.iter().position(|c| c == "2024") {
        assert_eq!(australia.cells[i], Cell::Missing);
    }
    // The sources are endnotes numbered before any chapter's, and in the manifest.
    let mut numbers: Vec<u32> = doc
        .indicators
        .tables
        .iter()
        .flat_map(|t| t.notes.clone())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>());
    for n in &numbers {
        let note = &doc.endnotes[*n as usize - 1];
        assert_eq!(note.status, EndnoteStatus::Source);
        assert!(note.grade.is_some(), "{} is graded", note.key);
        assert!(doc.manifest.sources.iter().any(|m| m.key == note.key));
    }
    let md = markdown(&doc);
    assert!(
        md.contains("### New asylum applications per 100,000 residents\n"),
        "{md}"
    );
    assert!(
        md.contains(&format!("* [^{}]", t.notes[0])),
        "table note links its endnote"
    );
    assert!(cable(&doc).contains("(U) INDICATOR Net migration per 1,000 residents (modelled):"));
}

async fn an_indicator_resting_on_a_small_count_is_suppressed_in_every_format(backend: Backend) {
    let f = Fixture::demo(backend).await;
    // A new vintage: New Zealand's 2024 asylum applications revised to 4 (below 10).
    let csv = "country,series,period,value,unit,source_publisher,source_title\nNZL,asylum_applications_new_unhcr,2024,4,persons,Test office,Test revision\n";
    f.app
        .import_statistics(
            By::System,
            "revision.csv",
            csv.as_bytes(),
            StatsFormat::Csv,
            &ImportOptions::default(),
            false,
        )
        .await
        .unwrap();
    let doc = f
        .compile("hq.editor", &tr("CHN-2026-0001"), &transmitted())
        .await;
    let t = &doc.indicators.tables[0];
    let i = t.columns.iter().position(|c| c == "2024").unwrap();
    let nz = t.rows.iter().find(|r| r.label == "New Zealand").unwrap();
    assert_eq!(nz.cells[i], Cell::Suppressed);
    let md = markdown(&doc);
    assert!(md.contains("| New Zealand |"), "{md}");
    let nz_line = md
        .lines()
        .find(|l| l.starts_with("| New Zealand |"))
        .unwrap();
    assert!(nz_line.ends_with("| \\<10 |"), "{nz_line}");
    let json: serde_json::Value = serde_json::from_str(&json(&doc)).unwrap();
    let cells = json["indicators"]["tables"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "New Zealand")
        .unwrap()["cells"]
        .clone();
    assert_eq!(cells[i]["kind"], "suppressed");
    // The rate itself (4 / 5.2 million) appears nowhere.
    let view = explored(&f, "hq.editor", "asylum_rate_per_100k", "NZL").await;
    assert!(
        view.rows
            .iter()
            .any(|r| r.period == "2024" && r.value.is_none())
    );
}

chancery_testkit::on_every_backend!(
    the_demo_tasking_compiles_to_stable_markdown_cable_and_json,
    compiling_twice_gives_the_same_bytes_in_every_format,
    a_reader_never_receives_a_paragraph_above_their_clearance_in_any_format,
    overridden_findings_are_named_only_for_paragraphs_the_reader_may_read,
    a_release_edition_holds_only_releasable_paragraphs_and_no_markers,
    endnotes_are_numbered_by_first_use_and_a_deleted_source_is_named,
    without_accepted_reports_there_is_still_a_cover_and_the_completeness_table,
    hostile_report_text_stays_text_in_every_format,
    the_html_form_is_one_self_contained_page_with_banners_and_contents,
    indicator_tables_and_charts_are_rendered_by_every_emitter,
    the_template_indicators_are_the_explorers_rates_with_their_sources_as_first_endnotes,
    an_indicator_resting_on_a_small_count_is_suppressed_in_every_format,
);
