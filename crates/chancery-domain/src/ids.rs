//! Validated identifiers, built once at the edge (files, forms, CLI arguments) and trusted after.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An identifier that failed validation: which kind, the rejected value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {expected}")]
pub struct InvalidId {
    /// What kind of identifier was being parsed ("post code", "username", …).
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// What a valid value looks like.
    pub expected: &'static str,
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $expected:literal, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `s` (after trimming) and wraps it.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                let s = s.trim();
                let check: fn(&str) -> bool = $check;
                if check(s) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(InvalidId { kind: $kind, value: s.to_string(), expected: $expected })
                }
            }

            /// The validated string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Self::parse(s)
            }
        }
    };
}

fn is_upper_code(s: &str, max: usize) -> bool {
    (2..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && s.as_bytes()[0].is_ascii_uppercase()
        && !s.ends_with('-')
}

string_id!(
    /// A diplomatic post's code, e.g. `OTTAWA`, `THE-HAGUE`.
    PostCode,
    "post code",
    "2-32 characters, upper-case letters, digits and '-', starting with a letter",
    |s| is_upper_code(s, 32)
);

string_id!(
    /// An ISO 3166-1 alpha-3 country code, e.g. `CAN`.
    CountryCode,
    "country code",
    "an ISO 3166-1 alpha-3 code: three upper-case letters such as CAN",
    |s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
);

string_id!(
    /// A login name. Staff accounts only; it names an account, not a private person.
    Username,
    "username",
    "2-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter",
    |s| (2..=64).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
);

string_id!(
    /// A tasking reference such as `CHN-2025-0001`: office prefix, year, serial.
    TaskingRef,
    "tasking reference",
    "PREFIX-YYYY-NNNN, e.g. CHN-2025-0001 (prefix 2-6 upper-case letters)",
    |s| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3
            && (2..=6).contains(&parts[0].len())
            && parts[0].bytes().all(|b| b.is_ascii_uppercase())
            && parts[1].len() == 4
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && (3..=6).contains(&parts[2].len())
            && parts[2].bytes().all(|b| b.is_ascii_digit())
    }
);

string_id!(
    /// A template section key such as `public_safety`.
    SectionKey,
    "section key",
    "1-48 characters: lower-case letters, digits and '_', starting with a letter",
    |s| (1..=48).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
);

string_id!(
    /// A controlled-vocabulary code such as `hate_crime_against_migrants`.
    VocabCode,
    "vocabulary code",
    "1-64 characters: lower-case letters, digits and '_', starting with a letter",
    |s| (1..=64).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
);

/// The number of a talking point within its tasking: `TP1`, `TP2`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TalkingPointId(pub u32);

impl TalkingPointId {
    /// Parses `TP<n>` with n ≥ 1.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        let s = s.trim();
        s.strip_prefix("TP")
            .and_then(|n| {
                if n.starts_with('0') {
                    None
                } else {
                    n.parse::<u32>().ok()
                }
            })
            .filter(|n| *n >= 1)
            .map(TalkingPointId)
            .ok_or_else(|| InvalidId {
                kind: "talking point",
                value: s.to_string(),
                expected: "TP followed by a number from 1, e.g. TP3",
            })
    }
}

impl fmt::Display for TalkingPointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TP{}", self.0)
    }
}

impl TryFrom<String> for TalkingPointId {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, InvalidId> {
        Self::parse(&s)
    }
}

impl From<TalkingPointId> for String {
    fn from(v: TalkingPointId) -> String {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_codes() {
        assert!(PostCode::parse("OTTAWA").is_ok());
        assert!(PostCode::parse("THE-HAGUE").is_ok());
        assert!(PostCode::parse("ottawa").is_err());
        assert!(PostCode::parse("-X").is_err());
        assert!(PostCode::parse("X").is_err());
    }

    #[test]
    fn tasking_refs() {
        assert!(TaskingRef::parse("CHN-2025-0001").is_ok());
        assert!(TaskingRef::parse("CHN-25-0001").is_err());
        assert!(TaskingRef::parse("chn-2025-0001").is_err());
        assert!(TaskingRef::parse("CHN-2025").is_err());
    }

    #[test]
    fn talking_points() {
        assert_eq!(TalkingPointId::parse("TP3"), Ok(TalkingPointId(3)));
        assert!(TalkingPointId::parse("TP0").is_err());
        assert!(TalkingPointId::parse("TP03").is_err());
        assert!(TalkingPointId::parse("T3").is_err());
        assert_eq!(TalkingPointId(12).to_string(), "TP12");
    }

    #[test]
    fn usernames_and_keys() {
        assert!(Username::parse("ottawa.drafter").is_ok());
        assert!(Username::parse("Ottawa").is_err());
        assert!(SectionKey::parse("public_safety").is_ok());
        assert!(SectionKey::parse("Public Safety").is_err());
        assert!(CountryCode::parse("CAN").is_ok());
        assert!(CountryCode::parse("CA").is_err());
    }
}
