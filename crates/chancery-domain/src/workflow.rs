//! The report workflow (DESIGN §2) as one transition function over (state, action, actor).
//!
//! ```text
//! draft --submit--> in_clearance --clear--> cleared --transmit--> transmitted --accept--> accepted
//!   ^                    |                     |                       |
//!   └──── return ────────┴─────────────────────┘                       └─ return --> returned
//! returned --submit--> in_clearance   (edits to a returned report go into a new version)
//! ```
//!
//! Every caller (CLI, web, API) goes through [`transition`]; nothing else changes a status.

use serde::{Deserialize, Serialize};

use crate::ids::{PostCode, Username};
use crate::report::ReportStatus;
use crate::user::Actor;

/// A workflow action on a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Drafter sends the draft to the post's approver.
    Submit,
    /// Approver clears (approves) it.
    Clear,
    /// Approver sends it to HQ. Blocking lint findings need a written override reason.
    Transmit {
        /// Why the approver transmits despite lint findings.
        override_reason: Option<String>,
    },
    /// HQ accepts it.
    Accept,
    /// Approver (before transmission) or HQ (after) sends it back, with a reason.
    Return {
        /// What must change.
        reason: String,
    },
}

/// The name of an action without its data, for listing what a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// See [`Action::Submit`].
    Submit,
    /// See [`Action::Clear`].
    Clear,
    /// See [`Action::Transmit`].
    Transmit,
    /// See [`Action::Accept`].
    Accept,
    /// See [`Action::Return`].
    Return,
}

impl Action {
    /// The action's kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Submit => ActionKind::Submit,
            Action::Clear => ActionKind::Clear,
            Action::Transmit { .. } => ActionKind::Transmit,
            Action::Accept => ActionKind::Accept,
            Action::Return { .. } => ActionKind::Return,
        }
    }
}

impl ActionKind {
    /// The verb used in the CLI and audit (`submit`, …).
    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Submit => "submit",
            ActionKind::Clear => "clear",
            ActionKind::Transmit => "transmit",
            ActionKind::Accept => "accept",
            ActionKind::Return => "return",
        }
    }
}

/// What the rules need to know about a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFacts<'a> {
    /// Current status.
    pub status: ReportStatus,
    /// The report's post.
    pub post: &'a PostCode,
    /// Users who wrote any part of the current version (separation of duties).
    pub drafters: &'a [Username],
    /// Number of blocking lint findings on the current version.
    pub blocking_findings: usize,
}

/// The result of an allowed transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The new status.
    pub to: ReportStatus,
    /// Whether the current version becomes immutable (transmission).
    pub freezes_version: bool,
    /// The approver's override reason, stored and printed in compiled output.
    pub lint_override: Option<String>,
}

/// Why a transition was refused. Messages say what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The action does not apply in this status.
    #[error("cannot {action} a report that is {status}")]
    WrongStatus {
        /// Attempted action.
        action: &'static str,
        /// Current status.
        status: ReportStatus,
    },
    /// The actor's role may not take this action.
    #[error("{role} users may not {action} reports")]
    WrongRole {
        /// Attempted action.
        action: &'static str,
        /// Actor's role.
        role: &'static str,
    },
    /// The actor belongs to another post.
    #[error("only staff of {post} may {action} its report")]
    OtherPost {
        /// Attempted action.
        action: &'static str,
        /// The report's post.
        post: PostCode,
    },
    /// Separation of duties: the actor drafted the current version.
    #[error("{user} drafted this version and so cannot clear it: another approver must clear it")]
    OwnDraft {
        /// The actor.
        user: Username,
    },
    /// Lint findings block transmission.
    #[error(
        "{count} lint finding(s) block transmission: fix them, or transmit with an override reason"
    )]
    LintsBlock {
        /// Number of blocking findings.
        count: usize,
    },
    /// A reason is required and was empty.
    #[error("a written reason is required to {action}")]
    ReasonRequired {
        /// Attempted action.
        action: &'static str,
    },
}

/// Decides an action. Pure: the caller persists the outcome and its audit event together.
pub fn transition(
    facts: &ReportFacts<'_>,
    action: &Action,
    actor: &Actor,
) -> Result<Outcome, Refusal> {
    let _ = (facts, action, actor);
    Err(Refusal::ReasonRequired { action: "stub" })
}

/// Whether `actor` may change section text of the report now.
pub fn may_edit(status: ReportStatus, post: &PostCode, actor: &Actor) -> Result<(), Refusal> {
    let _ = (status, post, actor);
    Err(Refusal::ReasonRequired { action: "stub" })
}

/// Whether `actor` may start the report of `post` (the tasking must be issued to that post).
pub fn may_start(post: &PostCode, actor: &Actor) -> Result<(), Refusal> {
    let _ = (post, actor);
    Err(Refusal::ReasonRequired { action: "stub" })
}

/// The actions `actor` could take now (ignoring lint findings, which an override can lift).
pub fn available_actions(facts: &ReportFacts<'_>, actor: &Actor) -> Vec<ActionKind> {
    let _ = (facts, actor);
    Vec::new()
}
