//! The consolidated report (DESIGN §7): a tasking's accepted post reports compiled into one
//! publication for one reader, in Markdown, JSON, cable text and self-contained HTML. The PDF
//! form is rendered from this crate's Markdown by `chancery-pdf`, which holds typst so that
//! nothing else has to build it.
//!
//! ```text
//! database ──load (as a reader: clearance, post scope, --release)──> Document ──> markdown / json / cable / html
//!                                                                              └─> chancery-pdf (Markdown → Typst → PDF)
//! ```
//!
//! Determinism: the same database state and options give byte-identical output in every format.
//! Nothing reads the clock (the date is the latest compiled version's, or given), every list is
//! ordered by the tasking or by a key, and no ids are generated.

mod cable;
mod html;
mod indicators;
mod json;
mod load;
mod markdown;
pub mod model;
mod text;

use chancery_app::App;
use chancery_domain::Classification;
use chancery_domain::ids::TaskingRef;
use chancery_domain::user::Actor;

pub use cable::cable;
pub use html::html;
pub use json::{document_sha256, json};
pub use markdown::{ChartLinks, MarkdownStyle, markdown, markdown_with, outline};
pub use model::Document;
pub use text::{plain_text, with_note_refs};

/// How to compile.
#[derive(Debug, Clone)]
pub struct Options {
    /// A releasable edition: only paragraphs (and records) at or below this level, with no
    /// withheld markers. At most the compiler's own clearance.
    pub release: Option<Classification>,
    /// Admit transmitted (not yet accepted) versions.
    pub include_transmitted: bool,
    /// The date printed on the cover (`YYYY-MM-DD`); default: the latest compiled version's.
    pub date: Option<String>,
    /// Counts below this are shown as `<N` (E009); default 10.
    pub suppression_threshold: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            release: None,
            include_transmitted: false,
            date: None,
            suppression_threshold: 10,
        }
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML file.
    Html,
    /// PDF (rendered by `chancery-pdf`).
    Pdf,
    /// GitHub-flavoured Markdown with endnotes as footnotes.
    Markdown,
    /// The structured report (schema in `docs/COMPILED.md`).
    Json,
    /// Plain-text cable.
    Cable,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Html,
        Format::Pdf,
        Format::Markdown,
        Format::Json,
        Format::Cable,
    ];

    /// The name used on the command line and in the API (`html`, `pdf`, `md`, `json`, `cable`).
    pub fn code(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Cable => "cable",
        }
    }

    /// Parses a format name.
    pub fn parse(s: &str) -> Result<Format, CompileError> {
        let s = s.trim().to_ascii_lowercase();
        let s = if s == "markdown" { "md".into() } else { s };
        Format::ALL
            .into_iter()
            .find(|f| f.code() == s)
            .ok_or_else(|| {
                CompileError::Invalid(format!(
                    "format {s:?}: expected one of html, pdf, md, json, cable"
                ))
            })
    }

    /// The media type of the output.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
            Format::Cable => "text/plain; charset=utf-8",
        }
    }

    /// The file extension for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Cable => "txt",
        }
    }
}

/// Why nothing could be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// Bad options (an unknown format, a release level above the compiler's clearance).
    #[error("{0}")]
    Invalid(String),
    /// The tasking does not exist or the user may not see it.
    #[error("{0} not found")]
    NotFound(String),
    /// Stored data that cannot be read.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The application refused or the database failed.
    #[error(transparent)]
    App(#[from] chancery_app::AppError),
}

/// Loads the consolidated report of `tasking` as `actor` may see it.
pub async fn compile(
    app: &App,
    actor: &Actor,
    tasking: &TaskingRef,
    options: &Options,
) -> Result<Document, CompileError> {
    load::load(app, actor, tasking, options).await
}

/// Renders a text format (every format but PDF, which `chancery-pdf` renders).
pub fn render_text(doc: &Document, format: Format) -> Option<String> {
    match format {
        Format::Html => Some(html(doc)),
        Format::Markdown => Some(markdown(doc)),
        Format::Json => Some(json(doc)),
        Format::Cable => Some(cable(doc)),
        Format::Pdf => None,
    }
}
