//! Classification levels and portion markings (DESIGN §5).
//!
//! Levels are totally ordered: `U < SBU < C < S`. A user's clearance and a paragraph's portion
//! marking are both a [`Classification`]; access compares them with `>=`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A classification level, used both as a portion marking and as a user's clearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Classification {
    /// Unclassified: releasable to the public.
    #[serde(rename = "U")]
    Unclassified,
    /// Sensitive but unclassified.
    #[serde(rename = "SBU")]
    SensitiveButUnclassified,
    /// Confidential.
    #[serde(rename = "C")]
    Confidential,
    /// Secret.
    #[serde(rename = "S")]
    Secret,
}

impl Classification {
    /// Every level, lowest first.
    pub const ALL: [Classification; 4] = [
        Classification::Unclassified,
        Classification::SensitiveButUnclassified,
        Classification::Confidential,
        Classification::Secret,
    ];

    /// The short code used in portion markings, files and the database (`U`, `SBU`, `C`, `S`).
    pub fn code(self) -> &'static str {
        match self {
            Classification::Unclassified => "U",
            Classification::SensitiveButUnclassified => "SBU",
            Classification::Confidential => "C",
            Classification::Secret => "S",
        }
    }

    /// The banner text printed at the top and bottom of anything carrying this level.
    pub fn banner(self) -> &'static str {
        match self {
            Classification::Unclassified => "UNCLASSIFIED",
            Classification::SensitiveButUnclassified => "SENSITIVE BUT UNCLASSIFIED",
            Classification::Confidential => "CONFIDENTIAL",
            Classification::Secret => "SECRET",
        }
    }

    /// The portion marking as written at the start of a paragraph, e.g. `(SBU)`.
    pub fn portion_mark(self) -> String {
        format!("({})", self.code())
    }

    /// Parses a level code (`U`, `SBU`, `C`, `S`), case-insensitively.
    pub fn parse(s: &str) -> Result<Self, UnknownClassification> {
        let upper = s.trim().to_ascii_uppercase();
        Classification::ALL
            .into_iter()
            .find(|c| c.code() == upper)
            .ok_or_else(|| UnknownClassification(s.to_string()))
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Classification {
    type Err = UnknownClassification;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Classification::parse(s)
    }
}

/// A string that is not one of the configured classification codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown classification {0:?}: expected one of U, SBU, C, S")]
pub struct UnknownClassification(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered() {
        assert!(Classification::Unclassified < Classification::SensitiveButUnclassified);
        assert!(Classification::SensitiveButUnclassified < Classification::Confidential);
        assert!(Classification::Confidential < Classification::Secret);
    }

    #[test]
    fn parses_codes_and_rejects_others() {
        for c in Classification::ALL {
            assert_eq!(Classification::parse(c.code()), Ok(c));
        }
        assert_eq!(
            Classification::parse("sbu"),
            Ok(Classification::SensitiveButUnclassified)
        );
        assert!(Classification::parse("TS").is_err());
        assert!(Classification::parse("").is_err());
    }
}
