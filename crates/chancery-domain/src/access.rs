//! Access decisions (DESIGN §5): one pure function deciding whether a user may see an object or
//! a paragraph. Pages, API, search, exports and compiled output all ask it.

use crate::classification::Classification;
use crate::ids::PostCode;
use crate::report::ReportStatus;
use crate::tasking::TaskingStatus;
use crate::user::{Actor, Role};

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
    /// How far a post has got with its report (status, version, lint counts), without any
    /// of its text: HQ manages completeness across posts; post staff see their own post's.
    ReportProgress {
        /// The report's post.
        post: &'a PostCode,
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
///
/// The rules (DESIGN §1, §5), for every role including `admin`, which never bypasses them:
///
/// - **Clearance**: anything carrying a marking (tasking, paragraph, record) is visible only if
///   `actor.clearance >= marking`.
/// - **Tasking**: a draft tasking is visible to `hq_editor` and `admin` only. An issued or closed
///   tasking is visible to `hq_editor`, `admin`, `reader`, and to post staff whose post is one
///   of its addressees.
/// - **Report** (its existence, status and metadata):
///   - post staff (`post_drafter`, `post_approver`) see their own post's report in any status,
///     and other posts' reports only once accepted;
///   - `hq_editor` sees reports that have reached HQ (transmitted, accepted, returned;
///     [`ReportStatus::has_reached_hq`]), never a post's draft;
///   - `reader` and `admin` see transmitted and accepted reports.
/// - **Paragraph**: visible when its report is visible and the clearance check passes.
/// - **Record** (source, incident, engagement, policy measure), after the clearance check:
///   a record owned by no post is visible to everyone; a record owned by a post is visible to
///   that post's staff, to `hq_editor`, `reader` and `admin`, and to staff of *other* posts
///   only when it is marked `U`. (A post's working records above `U` stay within the post and HQ.)
///
/// A post-scoped actor without a post (which [`Actor::new`] never builds) is treated as staff of
/// no post: it sees only what is open to other posts' staff.
pub fn may_see(actor: &Actor, resource: &Resource<'_>) -> bool {
    match *resource {
        Resource::Tasking {
            status,
            addressees,
            marking,
        } => cleared_for(actor, marking) && may_see_tasking(actor, status, addressees),
        Resource::Report { post, status } => may_see_report(actor, post, status),
        Resource::ReportProgress { post } => match actor.role {
            Role::HqEditor | Role::Admin => true,
            Role::PostDrafter | Role::PostApprover => actor.is_at(post),
            Role::Reader => false,
        },
        Resource::Paragraph {
            post,
            status,
            marking,
        } => cleared_for(actor, marking) && may_see_report(actor, post, status),
        Resource::Record { post, marking } => {
            cleared_for(actor, marking) && may_see_record(actor, post, marking)
        }
    }
}

/// The clearance rule: never above the actor's clearance.
fn cleared_for(actor: &Actor, marking: Classification) -> bool {
    actor.clearance >= marking
}

/// Tasking visibility, apart from clearance.
fn may_see_tasking(actor: &Actor, status: TaskingStatus, addressees: &[PostCode]) -> bool {
    match (actor.role, status) {
        (Role::HqEditor | Role::Admin, _) => true,
        (_, TaskingStatus::Draft) => false,
        (Role::Reader, TaskingStatus::Issued | TaskingStatus::Closed) => true,
        (Role::PostDrafter | Role::PostApprover, TaskingStatus::Issued | TaskingStatus::Closed) => {
            addressees.iter().any(|p| actor.is_at(p))
        }
    }
}

/// Report visibility (existence, status, metadata).
fn may_see_report(actor: &Actor, post: &PostCode, status: ReportStatus) -> bool {
    match actor.role {
        Role::PostDrafter | Role::PostApprover => {
            actor.is_at(post) || status == ReportStatus::Accepted
        }
        Role::HqEditor => status.has_reached_hq(),
        Role::Reader | Role::Admin => {
            matches!(status, ReportStatus::Transmitted | ReportStatus::Accepted)
        }
    }
}

/// Record visibility, apart from clearance.
fn may_see_record(actor: &Actor, post: Option<&PostCode>, marking: Classification) -> bool {
    match post {
        None => true,
        Some(post) => {
            !actor.role.is_post_scoped()
                || actor.is_at(post)
                || marking == Classification::Unclassified
        }
    }
}
