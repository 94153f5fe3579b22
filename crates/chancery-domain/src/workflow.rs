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
use crate::user::{Actor, Role};

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
///
/// The rules (DESIGN §1, §2):
///
/// | action | who | from | to |
/// |---|---|---|---|
/// | submit | `post_drafter` or `post_approver` of the report's post | draft, returned | in_clearance |
/// | clear | `post_approver` of the post, who drafted no part of the current version | in_clearance | cleared |
/// | transmit | `post_approver` of the post | cleared | transmitted (freezes the version) |
/// | accept | `hq_editor` | transmitted | accepted |
/// | return | `post_approver` of the post | in_clearance, cleared | draft |
/// | return | `hq_editor` | transmitted | returned |
///
/// `admin` and `reader` never act on reports. An accepted report is final.
///
/// Checks run in the order that gives the most helpful refusal: the actor's role
/// ([`Refusal::WrongRole`]), then their post ([`Refusal::OtherPost`]), then the report's status
/// ([`Refusal::WrongStatus`]), and last the action's own conditions: separation of duties
/// ([`Refusal::OwnDraft`]), lint findings ([`Refusal::LintsBlock`]) and the return reason
/// ([`Refusal::ReasonRequired`]).
///
/// A [`Refusal::WrongStatus`] names the report's status, so callers should first check that the
/// actor may see the report at all ([`crate::access::may_see`]) and answer "not found" if not.
///
/// Transmission with blocking lint findings needs a non-blank override reason; its trimmed text
/// is returned in [`Outcome::lint_override`] to be stored and printed in compiled output. When
/// there are no blocking findings an override reason is accepted but **not** recorded
/// (`lint_override` is `None`): nothing was overridden, and printing a reason would suggest
/// otherwise.
pub fn transition(
    facts: &ReportFacts<'_>,
    action: &Action,
    actor: &Actor,
) -> Result<Outcome, Refusal> {
    let kind = action.kind();
    let verb = kind.code();
    let allowed_roles: &[Role] = match kind {
        ActionKind::Submit => &[Role::PostDrafter, Role::PostApprover],
        ActionKind::Clear | ActionKind::Transmit => &[Role::PostApprover],
        ActionKind::Accept => &[Role::HqEditor],
        ActionKind::Return => &[Role::PostApprover, Role::HqEditor],
    };
    if !allowed_roles.contains(&actor.role) {
        return Err(Refusal::WrongRole {
            action: verb,
            role: actor.role.code(),
        });
    }
    check_post(facts.post, actor, verb)?;

    let wrong_status = || Refusal::WrongStatus {
        action: verb,
        status: facts.status,
    };
    let to = match (kind, actor.role, facts.status) {
        (ActionKind::Submit, _, ReportStatus::Draft | ReportStatus::Returned) => {
            ReportStatus::InClearance
        }
        (ActionKind::Clear, _, ReportStatus::InClearance) => ReportStatus::Cleared,
        (ActionKind::Transmit, _, ReportStatus::Cleared) => ReportStatus::Transmitted,
        (ActionKind::Accept, _, ReportStatus::Transmitted) => ReportStatus::Accepted,
        (
            ActionKind::Return,
            Role::PostApprover,
            ReportStatus::InClearance | ReportStatus::Cleared,
        ) => ReportStatus::Draft,
        (ActionKind::Return, Role::HqEditor, ReportStatus::Transmitted) => ReportStatus::Returned,
        _ => return Err(wrong_status()),
    };

    let mut lint_override = None;
    match action {
        Action::Clear => {
            if facts.drafters.contains(&actor.username) {
                return Err(Refusal::OwnDraft {
                    user: actor.username.clone(),
                });
            }
        }
        Action::Transmit { override_reason } => {
            if facts.blocking_findings > 0 {
                match non_blank(override_reason.as_deref()) {
                    Some(reason) => lint_override = Some(reason.to_string()),
                    None => {
                        return Err(Refusal::LintsBlock {
                            count: facts.blocking_findings,
                        });
                    }
                }
            }
        }
        Action::Return { reason } => {
            if non_blank(Some(reason)).is_none() {
                return Err(Refusal::ReasonRequired { action: verb });
            }
        }
        Action::Submit | Action::Accept => {}
    }

    Ok(Outcome {
        to,
        freezes_version: to == ReportStatus::Transmitted,
        lint_override,
    })
}

/// Whether `actor` may change section text of the report now.
///
/// Only the post's own staff (`post_drafter` or `post_approver` of `post`) edit, and only while
/// the report is editable (draft or returned; see [`ReportStatus::is_editable`]). Refusals follow
/// the same order as [`transition`]: role, post, status. The action is named `edit`.
pub fn may_edit(status: ReportStatus, post: &PostCode, actor: &Actor) -> Result<(), Refusal> {
    may_start_or_edit(post, actor, "edit")?;
    if status.is_editable() {
        Ok(())
    } else {
        Err(Refusal::WrongStatus {
            action: "edit",
            status,
        })
    }
}

/// Whether `actor` may start the report of `post` (the tasking must be issued to that post).
///
/// Only `post_drafter` or `post_approver` of `post` may. Whether the tasking is issued to the
/// post is the caller's check. The action is named `start`.
pub fn may_start(post: &PostCode, actor: &Actor) -> Result<(), Refusal> {
    may_start_or_edit(post, actor, "start")
}

/// The actions `actor` could take now (ignoring lint findings, which an override can lift).
///
/// A kind is listed exactly when [`transition`] would allow it given a non-blank reason (for
/// return) and a non-blank override reason (for transmit): this function asks [`transition`]
/// itself, so the two never disagree. Listed in workflow order: submit, clear, transmit, accept,
/// return.
pub fn available_actions(facts: &ReportFacts<'_>, actor: &Actor) -> Vec<ActionKind> {
    const PLACEHOLDER: &str = "reason";
    [
        Action::Submit,
        Action::Clear,
        Action::Transmit {
            override_reason: Some(PLACEHOLDER.to_string()),
        },
        Action::Accept,
        Action::Return {
            reason: PLACEHOLDER.to_string(),
        },
    ]
    .iter()
    .filter(|action| transition(facts, action, actor).is_ok())
    .map(Action::kind)
    .collect()
}

/// The role and post check shared by [`may_start`] and [`may_edit`].
fn may_start_or_edit(post: &PostCode, actor: &Actor, verb: &'static str) -> Result<(), Refusal> {
    if !actor.role.is_post_scoped() {
        return Err(Refusal::WrongRole {
            action: verb,
            role: actor.role.code(),
        });
    }
    check_post(post, actor, verb)
}

/// Post-scoped actors act only on their own post; system-wide roles pass.
fn check_post(post: &PostCode, actor: &Actor, verb: &'static str) -> Result<(), Refusal> {
    if actor.role.is_post_scoped() && !actor.is_at(post) {
        return Err(Refusal::OtherPost {
            action: verb,
            post: post.clone(),
        });
    }
    Ok(())
}

/// The trimmed text, if there is any.
fn non_blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}
