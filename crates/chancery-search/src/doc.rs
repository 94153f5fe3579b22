//! What the index holds: one [`SearchDoc`] per report paragraph, source, incident, engagement
//! and policy measure, with the facts the clearance filter needs ([`Access`]).

use chancery_domain::Classification;
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;

use crate::lang::Lang;

/// The kinds of searchable object (the `kind` facet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// One paragraph of a report section.
    Paragraph,
    /// An evidence source.
    Source,
    /// An incident (an event).
    Incident,
    /// An engagement with host officials.
    Engagement,
    /// A host-government policy measure.
    Policy,
}

impl DocKind {
    /// Every kind, in display order.
    pub const ALL: [DocKind; 5] = [
        DocKind::Paragraph,
        DocKind::Source,
        DocKind::Incident,
        DocKind::Engagement,
        DocKind::Policy,
    ];

    /// The code used in the index, URLs and JSON.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Paragraph => "paragraph",
            DocKind::Source => "source",
            DocKind::Incident => "incident",
            DocKind::Engagement => "engagement",
            DocKind::Policy => "policy",
        }
    }

    /// Parses a kind code.
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Who may see a document, restating exactly the inputs `access::may_see` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A report paragraph: visible when its tasking, its report and the paragraph itself are
    /// (what the report page shows).
    Paragraph {
        /// The tasking's status.
        tasking_status: TaskingStatus,
        /// The tasking's classification.
        tasking_marking: Classification,
        /// The tasking's addressee posts.
        addressees: Vec<String>,
        /// The report's status.
        report_status: ReportStatus,
    },
    /// A source, incident, engagement or policy measure.
    Record {
        /// The post that owns it (incidents, engagements), if any.
        owner: Option<String>,
    },
}

/// One indexed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Unique within the index (e.g. `para:CHN-2026-0001/OTTAWA:summary:3`).
    pub key: String,
    /// The database object it was derived from (`report:CHN-2026-0001/OTTAWA`, `source:12`):
    /// re-indexing an object replaces all its documents.
    pub object: String,
    /// What it is.
    pub kind: DocKind,
    /// A heading for the result list.
    pub title: String,
    /// The searchable text (Markdown source for paragraphs).
    pub body: String,
    /// The language of `title` and `body`.
    pub lang: Lang,
    /// Its own marking (a paragraph's portion marking, a record's marking).
    pub marking: Classification,
    /// The post (a report's, an incident's or engagement's).
    pub post: Option<String>,
    /// Host country (ISO alpha-3).
    pub country: Option<String>,
    /// Tasking reference.
    pub tasking: Option<String>,
    /// Report section key.
    pub section: Option<String>,
    /// The date the document is about (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), for the year facet
    /// and as the recency tie-breaker.
    pub date: Option<String>,
    /// Source grade (`B2`).
    pub grade: Option<String>,
    /// Report version (paragraphs).
    pub version: Option<i64>,
    /// Section revision (paragraphs).
    pub revision: Option<i64>,
    /// Where the result links to (a path of the web UI, with an anchor).
    pub link: String,
    /// Who may see it.
    pub access: Access,
}

impl SearchDoc {
    /// The level a reader needs: a paragraph also needs its tasking's classification.
    pub fn level(&self) -> Classification {
        match &self.access {
            Access::Paragraph {
                tasking_marking, ..
            } => self.marking.max(*tasking_marking),
            Access::Record { .. } => self.marking,
        }
    }

    /// The year of [`SearchDoc::date`].
    pub fn year(&self) -> Option<&str> {
        let d = self.date.as_deref()?;
        d.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
    }

    /// `date` as a sortable number (`YYYYMMDD`, missing parts as 0), 0 if none.
    pub fn recency(&self) -> u64 {
        let Some(d) = self.date.as_deref() else {
            return 0;
        };
        let digits: String = d.chars().filter(char::is_ascii_digit).take(8).collect();
        let padded = format!("{digits:0<8}");
        padded.parse().unwrap_or(0)
    }
}

/// The rank of a classification in the index (`U` = 0 … `S` = 3).
pub fn rank(c: Classification) -> u64 {
    match c {
        Classification::Unclassified => 0,
        Classification::SensitiveButUnclassified => 1,
        Classification::Confidential => 2,
        Classification::Secret => 3,
    }
}
