//! The Markdown form (GFM, endnotes as footnotes). It is also what the HTML and PDF forms are
//! rendered from, so the three always say the same thing.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::json::document_sha256;
use crate::model::*;
use crate::text::{md_escape, with_note_refs};

/// How charts are referenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartLinks {
    /// Inline `data:image/svg+xml;base64,…` images: the file stands alone.
    DataUri,
    /// `chart-N.svg` (numbered from 1), for a renderer that serves the files itself (PDF).
    Files,
    /// Not written: the renderer places them itself (the HTML form, after sanitising).
    Omitted,
}

/// What the Markdown holds besides the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownStyle {
    /// The title block (the PDF sets its own cover).
    pub cover: bool,
    /// A list of contents linking to `#s1`, `#s2`… (the HTML form gives its headings these ids).
    pub toc: bool,
    /// Banner lines at the top and bottom (the PDF prints them in every header and footer).
    pub banners: bool,
    /// How charts are referenced.
    pub charts: ChartLinks,
}

impl MarkdownStyle {
    /// The standalone Markdown file.
    pub const FILE: MarkdownStyle = MarkdownStyle {
        cover: true,
        toc: false,
        banners: true,
        charts: ChartLinks::DataUri,
    };
}

/// The Markdown form.
pub fn markdown(doc: &Document) -> String {
    markdown_with(doc, MarkdownStyle::FILE)
}

/// Status codes as words.
pub(crate) fn words(code: &str) -> String {
    match code {
        "on_time" => "on time".into(),
        "not_started" => "not started".into(),
        "not_received" => "not received".into(),
        "in_clearance" => "in clearance".into(),
        other => other.replace('_', " "),
    }
}

/// The edition as one line.
pub(crate) fn edition_line(e: &Edition) -> String {
    match e {
        Edition::Reader {
            username,
            clearance,
        } => format!(
            "Compiled for {username} (clearance {clearance}); paragraphs above that clearance are withheld"
        ),
        Edition::Release { level } => {
            format!("Releasable edition: only {level} content")
        }
    }
}

/// The title of the indicators part in the outline.
pub(crate) const INDICATORS: &str = "Indicators";

/// The second-level headings, in order (the HTML form's `s1`, `s2`… ids follow this list).
pub fn outline(doc: &Document) -> Vec<String> {
    let mut h = vec!["Completeness".to_string()];
    if !doc.indicators.is_empty() {
        h.push(INDICATORS.into());
    }
    for c in &doc.chapters {
        h.push(chapter_title(c));
    }
    h.push("Notes".into());
    h.push("Appendix: manifest".into());
    if !doc.errors.is_empty() {
        h.push("Errors".into());
    }
    h
}

pub(crate) fn chapter_title(c: &Chapter) -> String {
    if c.post_name.is_empty() {
        c.post.clone()
    } else {
        format!("{} — {} ({})", c.post, c.post_name, c.country)
    }
}

/// A chart as an image reference.
fn chart_image(i: usize, chart: &Chart, links: ChartLinks) -> Option<String> {
    let target = match links {
        ChartLinks::DataUri => chart_data_uri(chart),
        ChartLinks::Files => format!("chart-{}.svg", i + 1),
        ChartLinks::Omitted => return None,
    };
    Some(format!("![{}]({target})", md_escape(&chart.title)))
}

/// A chart as a `data:` URI (an SVG shown as an image cannot run script or fetch anything).
pub(crate) fn chart_data_uri(chart: &Chart) -> String {
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(chart.svg.as_bytes())
    )
}

/// One GFM table row of already-escaped cells.
fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header(out: &mut String, cells: &[&str]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
    let _ = writeln!(out, "|{}", cells.iter().map(|_| "---|").collect::<String>());
}

/// The Markdown form in a given style.
pub fn markdown_with(doc: &Document, style: MarkdownStyle) -> String {
    let mut out = String::new();
    let threshold = 10;
    let c = &doc.cover;
    if style.banners {
        let _ = writeln!(out, "**{}**\n", c.banner_text);
    }
    if style.cover {
        let _ = writeln!(out, "# Consolidated report: {}\n", md_escape(&c.subject));
        header(&mut out, &["", ""]);
        let mut facts = c.facts();
        // The edition goes before the tags.
        facts.insert(facts.len() - 1, ("Edition", edition_line(&c.edition)));
        for (k, v) in facts {
            row(&mut out, &[format!("**{k}**"), md_escape(&v)]);
        }
        out.push('\n');
    }
    let outline = outline(doc);
    if style.toc {
        out.push_str("**Contents**\n\n");
        for (i, h) in outline.iter().enumerate() {
            let _ = writeln!(out, "{}. [{}](#s{})", i + 1, md_escape(h), i + 1);
        }
        out.push('\n');
    }

    // Completeness.
    out.push_str("## Completeness\n\n");
    header(
        &mut out,
        &[
            "Post",
            "Country",
            "Status",
            "Version",
            "Timeliness",
            "Open findings",
            "Overridden at transmission",
        ],
    );
    for s in &doc.completeness {
        row(
            &mut out,
            &[
                md_escape(&s.post),
                md_escape(&s.country),
                md_escape(&words(&s.status)),
                s.version.map_or_else(|| "–".into(), |v| v.to_string()),
                md_escape(&words(&s.timeliness)),
                match s.open_findings {
                    Some(0) => "none".into(),
                    Some(n) => format!("{n} ({})", s.finding_codes.join(", ")),
                    None => "–".into(),
                },
                if s.overridden_codes.is_empty() {
                    "–".into()
                } else {
                    s.overridden_codes.join(", ")
                },
            ],
        );
    }
    out.push('\n');
    let reasons: Vec<&PostSummary> = doc
        .completeness
        .iter()
        .filter(|s| s.override_reason.is_some())
        .collect();
    if !reasons.is_empty() {
        out.push_str("Approvers' reasons for transmitting despite findings:\n\n");
        for s in reasons {
            let _ = writeln!(
                out,
                "- **{}**: {}",
                md_escape(&s.post),
                md_escape(s.override_reason.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }

    // Indicators.
    if !doc.indicators.is_empty() {
        let _ = writeln!(out, "## {INDICATORS}\n");
        for t in &doc.indicators.tables {
            let _ = writeln!(out, "### {}\n", md_escape(&t.heading()));
            let mut cols = vec!["Country".to_string()];
            cols.extend(t.columns.iter().map(|c| md_escape(c)));
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            header(&mut out, &cols);
            for r in &t.rows {
                let mut cells = vec![md_escape(&r.label)];
                cells.extend(r.cells.iter().map(|c| md_escape(&c.display(threshold))));
                row(&mut out, &cells);
            }
            let refs: String = t.notes.iter().map(|n| format!(" [^{n}]")).collect();
            let _ = writeln!(out, "\n*{}*{refs}\n", md_escape(&t.note));
        }
        for (i, chart) in doc.indicators.charts.iter().enumerate() {
            if let Some(image) = chart_image(i, chart, style.charts) {
                let _ = writeln!(out, "{image}\n\n*{}*\n", md_escape(&chart.source));
            }
        }
    }

    // Chapters.
    for ch in &doc.chapters {
        let _ = writeln!(out, "## {}\n", md_escape(&chapter_title(ch)));
        let _ = writeln!(
            out,
            "*Report version {}, {}.*\n",
            ch.version,
            words(&ch.status)
        );
        for s in &ch.sections {
            let _ = writeln!(out, "### {}\n", md_escape(&s.title));
            if s.paragraphs.is_empty() {
                out.push_str("*No text.*\n\n");
            }
            for p in &s.paragraphs {
                let _ = writeln!(out, "{}\n", with_note_refs(p));
            }
        }
        out.push_str("### Incidents\n\n");
        if ch.incidents.is_empty() {
            out.push_str("No incidents recorded for this post.\n\n");
        } else {
            header(&mut out, &["Category", "Marking", "Incidents", "Victims"]);
            for g in &ch.incidents {
                row(
                    &mut out,
                    &[
                        md_escape(&g.label),
                        g.marking.portion_mark(),
                        md_escape(&g.incidents.display(threshold)),
                        md_escape(&g.victims.display(threshold)),
                    ],
                );
            }
            let _ = writeln!(
                out,
                "\nIncidents are events, never persons. Counts below {threshold} are shown as \\<{threshold}.\n"
            );
        }
        out.push_str("### Engagements with the host government\n\n");
        if ch.engagements.is_empty() {
            out.push_str("No engagement recorded under this tasking.\n\n");
        } else {
            for e in &ch.engagements {
                let tps = if e.talking_points.is_empty() {
                    "none".to_string()
                } else {
                    e.talking_points.join(", ")
                };
                let mut line = format!(
                    "- {} **{}**: {}, {}. Talking points delivered: {}. Response: {}",
                    e.marking.portion_mark(),
                    e.date,
                    md_escape(&e.host_office),
                    md_escape(&e.official_title),
                    tps,
                    md_escape(&e.host_response)
                );
                if !e.follow_up.trim().is_empty() {
                    let _ = write!(line, " Follow-up: {}", md_escape(&e.follow_up));
                }
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        out.push_str("### Policy timeline\n\n");
        if ch.policies.is_empty() {
            out.push_str("No policy measure recorded for this country.\n\n");
        } else {
            header(&mut out, &["Date", "Measure", "Type", "In force"]);
            for p in &ch.policies {
                let note = p.note.map(|n| format!(" [^{n}]")).unwrap_or_default();
                row(
                    &mut out,
                    &[
                        md_escape(&p.date),
                        format!("{} {}{note}", p.marking.portion_mark(), md_escape(&p.title)),
                        md_escape(&words(&p.measure_type)),
                        md_escape(p.in_force.as_deref().unwrap_or("–")),
                    ],
                );
            }
            out.push('\n');
        }
    }

    // Endnotes.
    out.push_str("## Notes\n\n");
    if doc.endnotes.is_empty() {
        out.push_str("No sources cited.\n\n");
    }
    for n in &doc.endnotes {
        let _ = writeln!(out, "[^{}]: {}\n", n.number, note_markdown(n));
    }

    // Manifest.
    out.push_str("## Appendix: manifest\n\n");
    if doc.manifest.report_versions.is_empty() {
        out.push_str("No report version compiled.\n\n");
    } else {
        header(
            &mut out,
            &["Post", "Version", "Status", "Transmitted", "SHA-256"],
        );
        for v in &doc.manifest.report_versions {
            row(
                &mut out,
                &[
                    md_escape(&v.post),
                    v.version.to_string(),
                    md_escape(&v.status),
                    md_escape(&v.transmitted_at),
                    format!("`{}`", v.sha256),
                ],
            );
        }
        out.push('\n');
    }
    if !doc.manifest.sources.is_empty() {
        header(&mut out, &["Source", "Captured content SHA-256"]);
        for s in &doc.manifest.sources {
            row(
                &mut out,
                &[
                    md_escape(&s.key),
                    s.capture_sha256
                        .as_deref()
                        .map_or_else(|| "nothing captured".into(), |h| format!("`{h}`")),
                ],
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "SHA-256 of the JSON form of this report: `{}`\n",
        document_sha256(doc)
    );

    if !doc.errors.is_empty() {
        out.push_str("## Errors\n\n");
        for e in &doc.errors {
            let _ = writeln!(out, "- `{}`: {}", e.code, md_escape(&e.detail));
        }
        out.push('\n');
    }
    if style.banners {
        let _ = writeln!(out, "**{}**", c.banner_text);
    }
    out
}

/// An endnote as Markdown (URL as an autolink).
fn note_markdown(n: &Endnote) -> String {
    let mut s = md_escape(&n.text);
    if let Some(url) = &n.url {
        if url.starts_with("https://") || url.starts_with("http://") {
            let _ = write!(s, " <{}>", url.replace(['<', '>', ' '], ""));
        } else {
            let _ = write!(s, " {}", md_escape(url));
        }
    }
    if let Some(g) = &n.grade {
        let _ = write!(s, " Grade {}.", md_escape(g));
    }
    if let Some(h) = &n.sha256 {
        let _ = write!(s, " SHA-256 `{}`.", sha_prefix(h));
    }
    s
}
