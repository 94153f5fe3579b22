//! Access decisions (DESIGN §5): one pure function deciding whether a user may see an object or
//! a paragraph. Pages, API, search, exports and compiled output all ask it.

use crate::classification::Classification;
use crate::ids::PostCode;
use crate::report::ReportStatus;
use crate::tasking::TaskingStatus;
use crate::user::Actor;

/// Something a user might see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// A tasking (its text; marking = tasking classification).
    Tasking {
        /// Draft taskings are HQ-only.
        status: TaskingStatus,
        /// Posts it is addressed to.
        addressees: &'a [PostCode],
        /// Its classification.
        marking: Classification,
    },
    /// A report as a whole (its existence, status and metadata).
    Report {
        /// The report's post.
        post: &'a PostCode,
        /// Its status.
        status: ReportStatus,
    },
    /// One paragraph of a report.
    Paragraph {
        /// The report's post.
        post: &'a PostCode,
        /// The report's status.
        status: ReportStatus,
        /// The paragraph's portion marking.
        marking: Classification,
    },
    /// An evidence or record object (source, incident, engagement, policy measure).
    Record {
        /// The post that owns it, if any.
        post: Option<&'a PostCode>,
        /// Its marking.
        marking: Classification,
    },
}

/// Whether `actor` may see `resource`.
pub fn may_see(actor: &Actor, resource: &Resource<'_>) -> bool {
    let _ = (actor, resource);
    false
}
