//! The cable form: plain text with a classification line, the DATE/FROM/TO/SUBJECT/REF/TAGS
//! header and numbered paragraphs, each starting with its portion marking, summary first.

use std::fmt::Write as _;

use chancery_domain::Classification;

use crate::json::document_sha256;
use crate::markdown::{edition_line, words};
use crate::model::*;
use crate::text::{RefStyle, paragraph_markdown, plain_text};

/// Line width of the body.
const WIDTH: usize = 80;

/// Wraps one paragraph's lines at [`WIDTH`], continuation lines indented by `indent`.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        let mut col = if i == 0 { 0 } else { indent };
        let mut first = true;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let len = word.chars().count();
            if !first && col + 1 + len > WIDTH {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else if !first {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += len;
            first = false;
        }
    }
    out
}

/// Numbered paragraphs.
struct Body {
    out: String,
    n: usize,
}

impl Body {
    /// Adds paragraph `n`, starting with `marking` unless the text already does.
    fn para(&mut self, marking: Option<Classification>, text: &str) {
        self.n += 1;
        let prefix = format!("{}. ", self.n);
        let text = match marking {
            Some(m) if !text.starts_with(&m.portion_mark()) => {
                format!("{} {text}", m.portion_mark())
            }
            _ => text.to_string(),
        };
        let indent = prefix.len();
        let _ = writeln!(self.out, "{prefix}{}\n", wrap(&text, indent));
    }

    fn heading(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}\n", text.to_uppercase());
    }
}

/// The cable form.
pub fn cable(doc: &Document) -> String {
    let c = &doc.cover;
    let threshold = 10;
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", c.banner_text);
    let _ = writeln!(out, "DATE: {}", c.date);
    let _ = writeln!(out, "FROM: {}", one_line(&c.issuing_office));
    let posts: Vec<&str> = doc.completeness.iter().map(|s| s.post.as_str()).collect();
    let _ = writeln!(out, "TO: {}", posts.join(", "));
    let _ = writeln!(
        out,
        "SUBJECT: (U) CONSOLIDATED REPORT: {}",
        one_line(&c.subject)
    );
    let _ = writeln!(out, "REF: {}", c.reference);
    let _ = writeln!(out, "TAGS: {}", c.tags.join(", "));
    let _ = writeln!(out, "EDITION: {}\n", edition_line(&c.edition));

    let mut body = Body {
        out: String::new(),
        n: 0,
    };
    // Summary first: what was compiled, and where every post stands.
    let mut summary = format!(
        "SUMMARY: This report compiles {} of {} addressee post reports on {} ({}).",
        c.reports_included,
        c.addressees,
        c.reference,
        if c.includes_transmitted {
            "accepted and transmitted versions"
        } else {
            "accepted versions only"
        }
    );
    for s in &doc.completeness {
        let _ = write!(
            summary,
            "\n- {}: {}{}, {}",
            s.post,
            words(&s.status),
            s.version.map(|v| format!(" v{v}")).unwrap_or_default(),
            words(&s.timeliness)
        );
        if let Some(n) = s.open_findings
            && n > 0
        {
            let _ = write!(
                summary,
                ", {n} open finding(s) ({})",
                s.finding_codes.join(", ")
            );
        }
        if let Some(r) = &s.override_reason {
            let _ = write!(
                summary,
                "; transmitted despite {} with the reason: {}",
                s.overridden_codes.join(", "),
                one_line(r)
            );
        }
    }
    body.para(Some(Classification::Unclassified), &summary);

    for t in &doc.indicators.tables {
        let mut text = format!("INDICATOR {}:", one_line(&t.heading()));
        for r in &t.rows {
            let cells: Vec<String> = t
                .columns
                .iter()
                .zip(&r.cells)
                .map(|(col, cell)| format!("{col} {}", cell.display(threshold)))
                .collect();
            let _ = write!(text, "\n- {}: {}", one_line(&r.label), cells.join("; "));
        }
        let refs: String = t.notes.iter().map(|n| format!(" [{n}]")).collect();
        let _ = write!(text, "\n{}{refs}", one_line(&t.note));
        body.para(Some(Classification::Unclassified), &text);
    }
    for chart in &doc.indicators.charts {
        body.para(
            Some(Classification::Unclassified),
            &format!(
                "CHART: {} (shown in the HTML and PDF editions). {}",
                one_line(&chart.title),
                one_line(&chart.source)
            ),
        );
    }

    for ch in &doc.chapters {
        body.heading(&format!(
            "{} ({}), report version {}",
            ch.post, ch.country, ch.version
        ));
        for s in &ch.sections {
            body.heading(&format!("{}: {}", ch.post, s.title));
            for p in &s.paragraphs {
                if p.withheld {
                    body.para(None, &p.markdown);
                } else {
                    let text = plain_text(&paragraph_markdown(p, RefStyle::Bracket));
                    body.para(Some(p.marking), &text);
                }
            }
        }
        body.heading(&format!("{}: incidents, engagements and policy", ch.post));
        if ch.incidents.is_empty() {
            body.para(
                Some(Classification::Unclassified),
                "INCIDENTS: none recorded for this post.",
            );
        } else {
            let marking = ch
                .incidents
                .iter()
                .map(|g| g.marking)
                .max()
                .unwrap_or(Classification::Unclassified);
            let mut text = format!(
                "INCIDENTS by category (events, never persons; counts below {threshold} shown as <{threshold}):"
            );
            for g in &ch.incidents {
                let _ = write!(
                    text,
                    "\n- {}: {} incident(s), {} victim(s)",
                    one_line(&g.label),
                    g.incidents.display(threshold),
                    g.victims.display(threshold)
                );
            }
            body.para(Some(marking), &text);
        }
        for e in &ch.engagements {
            let mut text = format!(
                "ENGAGEMENT {}: {}, {}. Talking points delivered: {}. Response: {}",
                e.date,
                one_line(&e.host_office),
                one_line(&e.official_title),
                if e.talking_points.is_empty() {
                    "none".to_string()
                } else {
                    e.talking_points.join(", ")
                },
                one_line(&e.host_response)
            );
            if !e.follow_up.trim().is_empty() {
                let _ = write!(text, " Follow-up: {}", one_line(&e.follow_up));
            }
            body.para(Some(e.marking), &text);
        }
        for p in &ch.policies {
            let note = p.note.map(|n| format!(" [{n}]")).unwrap_or_default();
            body.para(
                Some(p.marking),
                &format!(
                    "POLICY {}: {} ({}; in force {}){note}",
                    p.date,
                    one_line(&p.title),
                    words(&p.measure_type),
                    p.in_force.as_deref().unwrap_or("-")
                ),
            );
        }
    }
    out.push_str(&body.out);

    out.push_str("NOTES\n\n");
    if doc.endnotes.is_empty() {
        out.push_str("No sources cited.\n");
    }
    for n in &doc.endnotes {
        let prefix = format!("[{}] ", n.number);
        let _ = writeln!(out, "{prefix}{}", wrap(&one_line(&n.line()), prefix.len()));
    }
    out.push_str("\nMANIFEST\n\n");
    for v in &doc.manifest.report_versions {
        let _ = writeln!(
            out,
            "{} v{} ({}, transmitted {}) SHA-256 {}",
            v.post, v.version, v.status, v.transmitted_at, v.sha256
        );
    }
    for s in &doc.manifest.sources {
        let _ = writeln!(
            out,
            "{} capture SHA-256 {}",
            s.key,
            s.capture_sha256.as_deref().unwrap_or("(nothing captured)")
        );
    }
    let _ = writeln!(out, "JSON form SHA-256 {}", document_sha256(doc));
    if !doc.errors.is_empty() {
        out.push_str("\nERRORS\n\n");
        for e in &doc.errors {
            let _ = writeln!(out, "- {}: {}", e.code, one_line(&e.detail));
        }
    }
    let _ = writeln!(out, "\n{}", c.banner_text);
    out
}

/// Text on one line (line breaks become spaces).
fn one_line(s: &str) -> String {
    chancery_domain::markdown::normalise(s)
}
