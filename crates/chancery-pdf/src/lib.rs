//! The PDF form of the consolidated report.
//!
//! `chancery-compile` gives the report as Markdown; [`markup::markdown_to_typst`] turns it into
//! Typst markup (every user string a Typst string literal, so nothing a report says can act as
//! Typst code); a preamble adds the cover, the classification banner in every page header and
//! footer, the contents and page numbers; typst, as a library, typesets it in memory with the
//! fonts bundled in typst-assets and writes the PDF. Nothing is read from disk or the network,
//! and the date comes from the document, so the same report gives the same bytes.
//!
//! typst lives only in this crate, so the rest of the workspace builds without it.

pub mod markup;
mod world;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chancery_compile::model::Document;
use chancery_compile::{ChartLinks, MarkdownStyle, markdown_with};

use crate::markup::{markdown_to_typst, string, text};

pub use world::{layout_text, typeset};

/// Why no PDF was produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Typst refused the generated markup (a bug in the emitter: user text cannot cause it).
    #[error("typesetting failed: {0}")]
    Typeset(String),
    /// PDF export failed.
    #[error("PDF export failed: {0}")]
    Export(String),
}

/// The PDF form of a compiled report.
pub fn pdf(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let (main, files) = typst_source(doc);
    typeset(&main, files, &doc.cover.date)
}

/// The Typst source of the report and the files it refers to (charts as `chart-N.svg`).
pub fn typst_source(doc: &Document) -> (String, BTreeMap<String, Vec<u8>>) {
    let files: BTreeMap<String, Vec<u8>> = doc
        .indicators
        .charts
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("chart-{}.svg", i + 1), c.svg.clone().into_bytes()))
        .collect();
    let names: BTreeSet<String> = files.keys().cloned().collect();
    let body = markdown_with(
        doc,
        MarkdownStyle {
            cover: false,
            toc: false,
            banners: false,
            charts: ChartLinks::Files,
        },
    );
    let mut out = preamble(doc);
    out.push_str(&markdown_to_typst(&body, &names));
    (out, files)
}

/// Page set-up, cover and contents. Text is justified without hyphenation: hyphenating took a
/// third of the typesetting time, and justified text reads well enough without it.
fn preamble(doc: &Document) -> String {
    let c = &doc.cover;
    let banner = string(&c.banner_text);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#set document(title: {}, author: {})",
        string(&format!("{}: {}", c.reference, c.subject)),
        string(&c.issuing_office)
    );
    let _ = writeln!(
        s,
        r##"#set page(paper: "a4", margin: (x: 22mm, top: 27mm, bottom: 25mm),
  header: align(center, text(size: 8.5pt, weight: "bold", {banner})),
  footer: context {{
    set text(size: 8.5pt)
    grid(columns: (1fr, auto, 1fr),
      align(left, {reference}),
      align(center, text(weight: "bold", {banner})),
      align(right, counter(page).display("1 of 1", both: true)))
  }})
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en", hyphenate: false)
#set par(justify: true, leading: 0.62em, spacing: 0.95em)
#set heading(numbering: "1.1")
#show heading.where(level: 1): it => {{ v(4mm); text(size: 17pt, it); v(2mm) }}
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading.where(level: 3): set text(size: 11pt)
#set table(stroke: 0.4pt + luma(160), inset: 5pt)
#show table: set text(size: 9pt)
#show table: set par(justify: false)
#show table.cell.where(y: 0): strong
#show raw: set text(font: "DejaVu Sans Mono", size: 8.5pt)
#show link: set text(fill: rgb("#1d3f73"))
#show figure.caption: set text(size: 9pt)
"##,
        reference = string(&c.reference),
    );
    // Cover.
    s.push_str("#v(28mm)\n");
    let _ = writeln!(
        s,
        "#text(size: 10pt, weight: \"bold\", {})\n",
        string("CONSOLIDATED REPORT")
    );
    let _ = writeln!(
        s,
        "#block(width: 100%, text(size: 21pt, weight: \"bold\", {}))\n#v(10mm)",
        string(&c.subject)
    );
    s.push_str("#grid(columns: (34mm, 1fr), row-gutter: 7pt, column-gutter: 6pt,\n");
    for (k, v) in c.facts() {
        let _ = writeln!(
            s,
            "  text(weight: \"bold\", {}), {},",
            string(k),
            string(&v)
        );
    }
    s.push_str(")\n#v(1fr)\n");
    let _ = writeln!(
        s,
        "#block(width: 100%, inset: 8pt, stroke: 0.5pt + luma(120), [{}])",
        text(&edition_note(doc))
    );
    s.push_str("#pagebreak()\n#outline(title: [Contents], depth: 2)\n#pagebreak()\n");
    s
}

fn edition_note(doc: &Document) -> String {
    use chancery_compile::model::Edition;
    match &doc.cover.edition {
        Edition::Reader {
            username,
            clearance,
        } => format!(
            "Compiled for {username} (clearance {clearance}). Paragraphs above that clearance are withheld and marked as such. The banner gives the highest classification actually present."
        ),
        Edition::Release { level } => format!(
            "Releasable edition: only content marked {level} or below. The banner gives the highest classification actually present."
        ),
    }
}
