//! Reports: one per (tasking, post), with per-section Markdown whose paragraphs carry portion
//! markings (DESIGN §3, §5).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a report is in the clearance flow (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Being written at post.
    Draft,
    /// Submitted to the post's approver.
    InClearance,
    /// Approved at post; ready to transmit.
    Cleared,
    /// Sent to HQ; the version is frozen.
    Transmitted,
    /// Accepted by HQ.
    Accepted,
    /// Sent back by HQ with comments; the post revises it as a new version.
    Returned,
}

impl ReportStatus {
    /// Every status.
    pub const ALL: [ReportStatus; 6] = [
        ReportStatus::Draft,
        ReportStatus::InClearance,
        ReportStatus::Cleared,
        ReportStatus::Transmitted,
        ReportStatus::Accepted,
        ReportStatus::Returned,
    ];

    /// The code used in the database, the CLI and JSON.
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::InClearance => "in_clearance",
            ReportStatus::Cleared => "cleared",
            ReportStatus::Transmitted => "transmitted",
            ReportStatus::Accepted => "accepted",
            ReportStatus::Returned => "returned",
        }
    }

    /// Parses a status code.
    pub fn parse(s: &str) -> Option<Self> {
        ReportStatus::ALL.into_iter().find(|st| st.code() == s)
    }

    /// Whether section text may be changed in this status.
    pub fn is_editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }

    /// Whether HQ has received this report (it has a transmitted version).
    pub fn has_reached_hq(self) -> bool {
        matches!(
            self,
            ReportStatus::Transmitted | ReportStatus::Accepted | ReportStatus::Returned
        )
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
