//! Diplomatic posts (DESIGN §3).

use serde::{Deserialize, Serialize};

use crate::ids::{CountryCode, PostCode};

/// Whether a post is an embassy or a consulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// An embassy (or high commission) in a capital.
    Embassy,
    /// A consulate or consulate-general.
    Consulate,
}

impl PostKind {
    /// The code used in files and the database.
    pub fn code(self) -> &'static str {
        match self {
            PostKind::Embassy => "embassy",
            PostKind::Consulate => "consulate",
        }
    }

    /// Parses `embassy` or `consulate`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "embassy" => Some(PostKind::Embassy),
            "consulate" => Some(PostKind::Consulate),
            _ => None,
        }
    }
}

/// A diplomatic post that receives taskings and sends reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Short code, e.g. `OTTAWA`.
    pub code: PostCode,
    /// Display name, e.g. "Embassy in Ottawa".
    pub name: String,
    /// Embassy or consulate.
    pub kind: PostKind,
    /// Host country (ISO 3166-1 alpha-3).
    pub country: CountryCode,
    /// Region used to group posts in listings, e.g. "Western Europe".
    pub region: String,
}
