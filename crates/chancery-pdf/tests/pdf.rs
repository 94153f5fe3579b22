//! The PDF form, checked the way a reader sees it: text extracted with `pdftotext` (poppler-utils)
//! page by page, and one page rendered to PNG with `pdftoppm` (kept under
//! `target/compiled/`). Without poppler-utils these tests say why and skip, except under
//! `CI=true`, where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../chancery-compile/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Command;

use chancery_compile::Options;
use chancery_domain::report::ReportStatus;
use common::{Backend, CONFIDENTIAL, Fixture, SECRET, mixed, tr};

/// Where rendered files are kept for people to look at.
fn out_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/compiled"
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether poppler-utils is here; under CI it must be.
fn poppler() -> bool {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdftotext (poppler-utils) is required under CI"
        );
        eprintln!("skipping: pdftotext not found (install poppler-utils)");
    }
    found
}

/// The PDF's text, one string per page.
fn pages(name: &str, pdf: &[u8]) -> Vec<String> {
    let path = out_dir().join(name);
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(String::from).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn transmitted() -> Options {
    Options {
        include_transmitted: true,
        ..Options::default()
    }
}

async fn the_demo_pdf_has_the_banner_on_every_page_endnotes_and_a_rendered_page(backend: Backend) {
    let f = Fixture::demo(backend).await;
    let doc = f
        .compile("hq.editor", &tr("CHN-2026-0001"), &transmitted())
        .await;
    let pdf = chancery_pdf::pdf(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        chancery_pdf::pdf(&doc).unwrap() == pdf,
        "two renderings differ"
    );
    if !poppler() {
        return;
    }
    // One file per backend: the two legs run at the same time.
    let name = format!("demo-{}", backend.name());
    let pages = pages(&format!("{name}.pdf"), &pdf);
    assert!(pages.len() >= 5, "{} pages", pages.len());
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.matches("SENSITIVE BUT UNCLASSIFIED").count() >= 2,
            "page {} lacks the banner in header and footer:\n{page}",
            i + 1
        );
        assert!(
            page.contains(&format!("{} of {total}", i + 1)),
            "page {} number",
            i + 1
        );
    }
    let all = pages.join("\n");
    assert!(all.contains("Contents"));
    assert!(all.contains("CONSOLIDATED REPORT"));
    assert!(all.contains("Completeness"));
    assert!(all.contains("Notes"));
    assert!(all.contains("Statistics Canada"), "an endnote's publisher");
    assert!(all.contains("Grade A"), "endnotes carry grades");
    assert!(all.contains("Appendix: manifest"));

    // One page as an image, to look at.
    let png = out_dir().join(format!("{name}-page"));
    let status = Command::new("pdftoppm")
        .args(["-f", "4", "-l", "4", "-r", "70", "-png", "-singlefile"])
        .arg(out_dir().join(format!("{name}.pdf")))
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(std::fs::metadata(png.with_extension("png")).unwrap().len() > 10_000);
}

async fn a_low_clearance_reader_gets_withheld_markers_in_the_pdf_never_the_text(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let (t, _) = mixed(&f).await;
    let doc = f.compile("reader", &t, &Options::default()).await;
    let pdf = chancery_pdf::pdf(&doc).unwrap();
    let (source, _) = chancery_pdf::typst_source(&doc);
    assert!(!source.contains(SECRET) && !source.contains(CONFIDENTIAL));
    if !poppler() {
        return;
    }
    let all = pages(&format!("withheld-{}.pdf", backend.name()), &pdf).join("\n");
    assert!(all.contains("[paragraph withheld: C]"), "{all}");
    assert!(all.contains("[paragraph withheld: S]"));
    assert!(!all.contains(SECRET) && !all.contains(CONFIDENTIAL));
    assert!(
        all.contains("source not found"),
        "the deleted source is named"
    );
    assert!(all.contains("Errors"));
}

/// Typst syntax and Markdown that must print literally.
const HOSTILE: &str = "(U) #set page(fill: red) $x^2$ @label <lbl> \\ `tick` #import \"@preview/x:1.0.0\" // not a comment /* nor this */ = heading? ] [ ) } #{ panic() } <script>alert(1)</script>";

async fn hostile_report_text_prints_literally_in_the_pdf(backend: Backend) {
    let f = Fixture::staffed(backend).await;
    let t = f.tasking("CHN-2026-0102", &[("summary", "Summary")]).await;
    f.report(
        &t,
        "OTTAWA",
        &[("summary", HOSTILE)],
        ReportStatus::Accepted,
    )
    .await;
    let doc = f.compile("hq.editor", &t, &Options::default()).await;
    let pdf = chancery_pdf::pdf(&doc).unwrap();
    let text = chancery_pdf::layout_text(&chancery_pdf::typst_source(&doc).0).unwrap();
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    for literal in [
        "#set page(fill: red)",
        "$x^2$",
        "@label <lbl>",
        "#import \"@preview/x:1.0.0\"",
        "// not a comment /* nor this */ = heading? ] [ ) } #{ panic() }",
        "<script>alert(1)</script>",
    ] {
        assert!(
            squeeze(&text).contains(&squeeze(literal)),
            "{literal} missing from:\n{text}"
        );
    }
    if poppler() {
        let all = pages(&format!("hostile-{}.pdf", backend.name()), &pdf).join("\n");
        assert!(all.contains("#set page(fill: red)"), "{all}");
    }
}

chancery_testkit::on_every_backend!(
    the_demo_pdf_has_the_banner_on_every_page_endnotes_and_a_rendered_page,
    a_low_clearance_reader_gets_withheld_markers_in_the_pdf_never_the_text,
    hostile_report_text_prints_literally_in_the_pdf,
);
