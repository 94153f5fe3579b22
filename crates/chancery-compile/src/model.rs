//! The consolidated report as data: what every emitter renders, and what the JSON format
//! serialises (schema documented in `docs/COMPILED.md`).
//!
//! Everything here is already filtered for one reader: withheld paragraphs carry only their
//! marker, citations are resolved to numbered endnotes, and nothing in it depends on the wall
//! clock, map iteration order or random ids, so the same database state gives the same bytes.

use chancery_domain::Classification;
use serde::Serialize;

/// The schema identifier written at the top of the JSON form.
pub const SCHEMA: &str = "chancery.compiled/1";

/// The whole consolidated report.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Title page.
    pub cover: Cover,
    /// One row per addressee post, in the tasking's order.
    pub completeness: Vec<PostSummary>,
    /// Cross-country indicator tables and charts (empty until statistics are connected).
    pub indicators: Indicators,
    /// One chapter per post whose report is included, in the tasking's order.
    pub chapters: Vec<Chapter>,
    /// Endnotes, numbered by first use.
    pub endnotes: Vec<Endnote>,
    /// Problems found while compiling (missing sources, unresolved citations…); the output is
    /// still produced and names each of them.
    pub errors: Vec<Issue>,
    /// Hashes of what went in.
    pub manifest: Manifest,
}

/// Which edition this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edition {
    /// Compiled for one reader: paragraphs above their clearance are withheld markers.
    Reader {
        /// The reader's username.
        username: String,
        /// Their clearance.
        clearance: Classification,
    },
    /// A releasable edition: only paragraphs at or below `level`, and no withheld markers.
    Release {
        /// The release level.
        level: Classification,
    },
}

/// The title page.
#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    /// Tasking reference, e.g. `CHN-2026-0001`.
    pub reference: String,
    /// Tasking subject.
    pub subject: String,
    /// Issuing office.
    pub issuing_office: String,
    /// Cable TAGS.
    pub tags: Vec<String>,
    /// The report's date (`YYYY-MM-DD`): given by the caller, or the date of the latest
    /// report version included (so it derives from the data, never from the clock).
    pub date: String,
    /// Date reports were due.
    pub due: String,
    /// Highest marking actually present in the compiled content.
    pub banner: Classification,
    /// The banner as printed, e.g. `SENSITIVE BUT UNCLASSIFIED`.
    pub banner_text: String,
    /// For whom it was compiled.
    pub edition: Edition,
    /// Number of post reports included.
    pub reports_included: usize,
    /// Number of addressee posts.
    pub addressees: usize,
    /// Whether transmitted (not yet accepted) versions were admitted.
    pub includes_transmitted: bool,
}

impl Cover {
    /// The cover's facts as (label, value) rows, in the order every form prints them.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Reference", self.reference.clone()),
            ("Date", self.date.clone()),
            ("Classification", self.banner_text.clone()),
            ("Issued by", self.issuing_office.clone()),
            ("Reports due", self.due.clone()),
            (
                "Reports compiled",
                format!(
                    "{} of {} addressee posts{}",
                    self.reports_included,
                    self.addressees,
                    if self.includes_transmitted {
                        " (transmitted versions admitted)"
                    } else {
                        " (accepted versions only)"
                    }
                ),
            ),
            ("Tags", self.tags.join(", ")),
        ]
    }
}

/// One addressee post in the completeness table.
#[derive(Debug, Clone, Serialize)]
pub struct PostSummary {
    /// Post code.
    pub post: String,
    /// Post name.
    pub post_name: String,
    /// Host country (ISO 3166-1 alpha-3).
    pub country: String,
    /// Report status as this reader may know it (`not_started`, `not_received`, `draft`…).
    pub status: String,
    /// Version compiled (or last known).
    pub version: Option<i64>,
    /// Whether the post's chapter is in this compilation.
    pub included: bool,
    /// `on_time`, `late`, `pending` or `-` (unknown to this reader).
    pub timeliness: String,
    /// Date of first transmission, if any.
    pub first_transmitted: Option<String>,
    /// Open lint findings on the current text that this reader may see (None: not visible).
    pub open_findings: Option<usize>,
    /// Codes of those findings.
    pub finding_codes: Vec<String>,
    /// Codes of the findings the approver overrode at transmission of the compiled version.
    pub overridden_codes: Vec<String>,
    /// The approver's written reason for transmitting despite findings.
    pub override_reason: Option<String>,
}

/// Cross-country indicators: tables of rates and SVG charts (filled by the statistics engine).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Indicators {
    /// Rate tables.
    pub tables: Vec<IndicatorTable>,
    /// Charts.
    pub charts: Vec<Chart>,
}

impl Indicators {
    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.charts.is_empty()
    }
}

/// One indicator across countries and periods.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorTable {
    /// Indicator code, e.g. `asylum_rate_per_100k`.
    pub code: String,
    /// Heading.
    pub title: String,
    /// Unit of the values, e.g. `per 100,000 residents`.
    pub unit: String,
    /// Column headings (periods).
    pub columns: Vec<String>,
    /// One row per country.
    pub rows: Vec<IndicatorRow>,
    /// Definition, sources and caveats printed beneath.
    pub note: String,
    /// Endnote numbers of the graded sources the values rest on.
    pub notes: Vec<u32>,
}

impl IndicatorTable {
    /// The heading: the title, with the unit added when the title does not already say it.
    pub fn heading(&self) -> String {
        if self.unit.is_empty() || self.title.contains(&self.unit) {
            self.title.clone()
        } else {
            format!("{} ({})", self.title, self.unit)
        }
    }
}

/// One country's values.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    /// Row label (country).
    pub label: String,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

/// A table cell: a formatted value, suppressed (E009), or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Cell {
    /// A formatted value.
    Value(String),
    /// Suppressed: the count behind it is below the threshold.
    Suppressed,
    /// No data.
    Missing,
}

impl Cell {
    /// As printed: the value, `<10` for a suppressed cell, `–` for no data.
    pub fn display(&self, threshold: u64) -> String {
        match self {
            Cell::Value(v) => v.clone(),
            Cell::Suppressed => format!("<{threshold}"),
            Cell::Missing => "–".into(),
        }
    }
}

/// A chart, as an SVG document, with its source line.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Caption.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// Source line printed beneath.
    pub source: String,
}

/// One post's chapter.
#[derive(Debug, Clone, Serialize)]
pub struct Chapter {
    /// Post code.
    pub post: String,
    /// Post name.
    pub post_name: String,
    /// Host country (ISO 3166-1 alpha-3).
    pub country: String,
    /// Report status.
    pub status: String,
    /// Version compiled.
    pub version: i64,
    /// Sections in template order.
    pub sections: Vec<Section>,
    /// Incidents aggregated by category.
    pub incidents: Vec<IncidentGroup>,
    /// Engagements with the host government under this tasking.
    pub engagements: Vec<EngagementSummary>,
    /// Host-government policy measures, oldest first.
    pub policies: Vec<PolicyEntry>,
}

/// One template section.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Template key.
    pub key: String,
    /// Heading.
    pub title: String,
    /// Paragraphs in order.
    pub paragraphs: Vec<Paragraph>,
}

/// One paragraph (portion), or the marker for a withheld one.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    /// Portion marking.
    pub marking: Classification,
    /// Whether it is withheld from this reader (its text is then only the marker).
    pub withheld: bool,
    /// The paragraph's Markdown as written (citations as `[@S12]`), or
    /// `[paragraph withheld: C]`.
    pub markdown: String,
    /// Its citations, resolved to endnote numbers, in order.
    pub citations: Vec<CitationRef>,
}

/// A citation in a paragraph.
#[derive(Debug, Clone, Serialize)]
pub struct CitationRef {
    /// What was cited, e.g. `S12`.
    pub key: String,
    /// Endnote number.
    pub note: u32,
    /// Locator such as `p. 4`.
    pub locator: Option<String>,
}

/// A count that may be suppressed (E009: below the threshold it is shown as `<10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The count, absent when suppressed.
    pub value: Option<u64>,
    /// Whether it was suppressed.
    pub suppressed: bool,
}

impl Count {
    /// A count, suppressed when at least 1 and below `threshold`.
    pub fn new(n: u64, threshold: u64) -> Count {
        if n > 0 && n < threshold {
            Count {
                value: None,
                suppressed: true,
            }
        } else {
            Count {
                value: Some(n),
                suppressed: false,
            }
        }
    }

    /// As printed.
    pub fn display(&self, threshold: u64) -> String {
        match self.value {
            Some(n) => n.to_string(),
            None => format!("<{threshold}"),
        }
    }
}

/// Incidents of one category.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentGroup {
    /// Category code.
    pub category: String,
    /// Category label.
    pub label: String,
    /// Number of incidents.
    pub incidents: Count,
    /// Total victims recorded.
    pub victims: Count,
    /// Highest marking of the incidents counted.
    pub marking: Classification,
}

/// An engagement, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementSummary {
    /// Its marking.
    pub marking: Classification,
    /// Date.
    pub date: String,
    /// Host office.
    pub host_office: String,
    /// Official's title.
    pub official_title: String,
    /// Talking points delivered (`TP1`…).
    pub talking_points: Vec<String>,
    /// Host response.
    pub host_response: String,
    /// Follow-up.
    pub follow_up: String,
}

/// A policy measure on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyEntry {
    /// Its marking.
    pub marking: Classification,
    /// The date it is placed at (announced, else in force).
    pub date: String,
    /// When announced.
    pub announced: Option<String>,
    /// When in force.
    pub in_force: Option<String>,
    /// Title.
    pub title: String,
    /// Measure type code.
    pub measure_type: String,
    /// Endnote of its source, if any.
    pub note: Option<u32>,
}

/// What an endnote points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndnoteStatus {
    /// A source the reader may see.
    Source,
    /// An incident record the reader may see.
    Incident,
    /// Above the reader's clearance (or the release level): only its marking is given.
    Withheld,
    /// Not found: deleted, or never recorded.
    Missing,
    /// An engagement or talking point: never evidence (E003).
    NotEvidence,
}

/// One endnote.
#[derive(Debug, Clone, Serialize)]
pub struct Endnote {
    /// Its number.
    pub number: u32,
    /// What was cited, e.g. `S12`.
    pub key: String,
    /// What kind of note it is.
    pub status: EndnoteStatus,
    /// The note's text (publisher, title, date…), plain.
    pub text: String,
    /// URL, if any.
    pub url: Option<String>,
    /// Grade (e.g. `A1`), for sources.
    pub grade: Option<String>,
    /// SHA-256 of the captured content, for sources.
    pub sha256: Option<String>,
}

impl Endnote {
    /// The note as one line of plain text: text, URL, grade and SHA-256 prefix.
    pub fn line(&self) -> String {
        let mut s = self.text.clone();
        if let Some(url) = &self.url {
            s.push_str(&format!(" {url}"));
        }
        if let Some(g) = &self.grade {
            s.push_str(&format!(" Grade {g}."));
        }
        if let Some(h) = &self.sha256 {
            s.push_str(&format!(" SHA-256 {}.", sha_prefix(h)));
        }
        s
    }
}

/// The first 12 hex digits of a SHA-256, as printed in notes.
pub fn sha_prefix(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// A problem found while compiling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Stable code, e.g. `missing-source`.
    pub code: String,
    /// What and where.
    pub detail: String,
}

/// What went into the compilation.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Each post report version compiled.
    pub report_versions: Vec<ManifestVersion>,
    /// Each source cited that the reader may see.
    pub sources: Vec<ManifestSource>,
}

/// One report version.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestVersion {
    /// Post.
    pub post: String,
    /// Version number.
    pub version: i64,
    /// Status compiled from (`accepted` or `transmitted`).
    pub status: String,
    /// When transmitted.
    pub transmitted_at: String,
    /// SHA-256 of the frozen version.
    pub sha256: String,
}

/// One source capture.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestSource {
    /// `S12`.
    pub key: String,
    /// SHA-256 of its captured content (None: nothing captured).
    pub capture_sha256: Option<String>,
}
