//! Users, roles and the acting user (DESIGN §1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::ids::{PostCode, Username};

/// What a user may do. Post-scoped roles act only on their own post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, posts and vocabularies; reads like a reader (never bypasses clearance).
    Admin,
    /// HQ desk officer: drafts and issues taskings, accepts or returns reports, compiles.
    HqEditor,
    /// Drafts the post's reports and records its evidence.
    PostDrafter,
    /// Clears and transmits the post's reports, or returns them to draft.
    PostApprover,
    /// Reads transmitted and accepted reports and compiled output.
    Reader,
}

impl Role {
    /// Every role, in the order they are listed to people.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::HqEditor,
        Role::PostDrafter,
        Role::PostApprover,
        Role::Reader,
    ];

    /// The code used in files, the CLI and the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::HqEditor => "hq_editor",
            Role::PostDrafter => "post_drafter",
            Role::PostApprover => "post_approver",
            Role::Reader => "reader",
        }
    }

    /// Whether the role is confined to one post (and so must have one).
    pub fn is_post_scoped(self) -> bool {
        matches!(self, Role::PostDrafter | Role::PostApprover)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = UserError;
    fn from_str(s: &str) -> Result<Self, UserError> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s.trim())
            .ok_or_else(|| UserError::UnknownRole(s.to_string()))
    }
}

/// A user as the rules see it: who, what role, what clearance, which post.
///
/// Built only through [`Actor::new`], which enforces that post-scoped roles have a post and
/// system-wide roles have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The account name.
    pub username: Username,
    /// What the user may do.
    pub role: Role,
    /// The highest marking the user may read.
    pub clearance: Classification,
    /// The user's post, for post-scoped roles.
    pub post: Option<PostCode>,
}

impl Actor {
    /// Checks the role/post pairing and builds the actor.
    pub fn new(
        username: Username,
        role: Role,
        clearance: Classification,
        post: Option<PostCode>,
    ) -> Result<Self, UserError> {
        match (role.is_post_scoped(), &post) {
            (true, None) => Err(UserError::PostRequired(role)),
            (false, Some(p)) => Err(UserError::PostNotAllowed(role, p.clone())),
            _ => Ok(Actor {
                username,
                role,
                clearance,
                post,
            }),
        }
    }

    /// Whether this user belongs to `post` (post-scoped roles only).
    pub fn is_at(&self, post: &PostCode) -> bool {
        self.post.as_ref() == Some(post)
    }
}

/// Why a user definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// The role string is not one of the five roles.
    #[error(
        "unknown role {0:?}: expected one of admin, hq_editor, post_drafter, post_approver, reader"
    )]
    UnknownRole(String),
    /// A post-scoped role was given without a post.
    #[error("role {0} works for one post: give the post (e.g. --post OTTAWA)")]
    PostRequired(Role),
    /// A system-wide role was given a post.
    #[error("role {0} is not tied to a post, but post {1} was given: leave the post out")]
    PostNotAllowed(Role, PostCode),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Username {
        Username::parse(s).unwrap()
    }

    #[test]
    fn post_scoped_roles_need_a_post() {
        let ottawa = PostCode::parse("OTTAWA").unwrap();
        assert!(
            Actor::new(
                name("d0"),
                Role::PostDrafter,
                Classification::Confidential,
                None
            )
            .is_err()
        );
        assert!(
            Actor::new(
                name("d1"),
                Role::PostDrafter,
                Classification::Confidential,
                Some(ottawa.clone())
            )
            .is_ok()
        );
        assert!(
            Actor::new(
                name("hq"),
                Role::HqEditor,
                Classification::Secret,
                Some(ottawa)
            )
            .is_err()
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
