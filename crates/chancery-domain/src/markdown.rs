//! Reading report Markdown: portions (paragraphs) with their markings, citations and judgments.
//!
//! Everything here walks pulldown-cmark's event stream, never raw text, so code spans, code
//! blocks and real links are never misread as citations or markings.
//!
//! Syntax (documented for drafters in docs/WRITING.md):
//! - Portion marking: a top-level block (paragraph, list, table, quote, heading) whose text
//!   starts with `(U)`, `(SBU)`, `(C)` or `(S)`. Unmarked blocks take the report's default
//!   marking (the tasking's classification) and are reported as not explicitly marked.
//! - Citation: `[@S12]`, `[@S12, p. 4]`, several in one bracket separated by `;`
//!   (`[@S1; @S2, table 3]`). Keys: `S<n>` source, `INC<n>` incident, `ENG<n>` engagement,
//!   `TP<n>` talking point. Any other key is kept as [`CitationKey::Unknown`].
//! - Judgment: a portion whose text (after the marking) starts with
//!   `Judgment (high confidence):`, `Judgment (moderate confidence):` or
//!   `Judgment (low confidence):` (case-insensitive). Its citations support it; a sentence
//!   starting `Alternatives considered:` in the same portion records the alternatives.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::evidence::Confidence;

/// What a citation points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CitationKey {
    /// `S<n>`: a source in the evidence locker.
    Source(i64),
    /// `INC<n>`: an incident record.
    Incident(i64),
    /// `ENG<n>`: an engagement (never evidence: E003).
    Engagement(i64),
    /// `TP<n>`: a talking point (never evidence: E003).
    TalkingPoint(u32),
    /// Anything else written after `@`.
    Unknown(String),
}

impl std::fmt::Display for CitationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CitationKey::Source(n) => write!(f, "S{n}"),
            CitationKey::Incident(n) => write!(f, "INC{n}"),
            CitationKey::Engagement(n) => write!(f, "ENG{n}"),
            CitationKey::TalkingPoint(n) => write!(f, "TP{n}"),
            CitationKey::Unknown(s) => f.write_str(s),
        }
    }
}

/// One citation found in Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// What it points at.
    pub key: CitationKey,
    /// Locator such as `p. 4`, if given.
    pub locator: Option<String>,
    /// Byte range of the whole bracket in the Markdown.
    pub range: Range<usize>,
}

/// A top-level block of a section with its portion marking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portion {
    /// Position within the section, from 0.
    pub index: usize,
    /// The marking (explicit, or the default).
    pub marking: Classification,
    /// Whether the block carried its own marking.
    pub explicit: bool,
    /// Byte range of the block in the section Markdown.
    pub range: Range<usize>,
    /// The block's Markdown source.
    pub markdown: String,
    /// The block's plain text (no markup, no marking, citations removed).
    pub text: String,
    /// Citations in the block, in order.
    pub citations: Vec<Citation>,
}

/// An analytic judgment written in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgment {
    /// Index of the portion holding it.
    pub portion: usize,
    /// Stated confidence.
    pub confidence: Confidence,
    /// The judgment's text.
    pub statement: String,
    /// Supporting citations.
    pub citations: Vec<Citation>,
    /// Alternatives considered, if written.
    pub alternatives: Option<String>,
}

/// Splits section Markdown into portions. `default` applies to unmarked blocks.
pub fn portions(markdown: &str, default: Classification) -> Vec<Portion> {
    let _ = (markdown, default);
    Vec::new()
}

/// All citations in a Markdown text, in order.
pub fn citations(markdown: &str) -> Vec<Citation> {
    let _ = markdown;
    Vec::new()
}

/// Judgments in a section.
pub fn judgments(portions: &[Portion]) -> Vec<Judgment> {
    let _ = portions;
    Vec::new()
}

/// Markdown rewritten with every portion carrying an explicit marking (unmarked blocks get
/// `default`), so what is stored says exactly what each paragraph is.
pub fn with_explicit_markings(markdown: &str, default: Classification) -> String {
    let _ = default;
    markdown.to_string()
}
