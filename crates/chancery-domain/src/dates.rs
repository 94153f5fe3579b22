//! Calendar dates as ISO 8601 strings (`2026-03-25`) in every file format and in the database.
//!
//! TOML files may write dates either as bare TOML dates (`due = 2027-01-31`) or as strings.

use serde::{Deserialize, Deserializer, Serializer};
use time::Date;
use time::macros::format_description;

const ISO: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// Parses `YYYY-MM-DD`.
pub fn parse(s: &str) -> Result<Date, String> {
    Date::parse(s.trim(), ISO).map_err(|_| format!("invalid date {s:?}: expected YYYY-MM-DD"))
}

/// Formats as `YYYY-MM-DD`.
pub fn format(d: Date) -> String {
    // Formatting a valid Date with a static description cannot fail.
    d.format(ISO).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Toml(toml::value::Datetime),
    Str(String),
}

fn from_raw<E: serde::de::Error>(raw: Raw) -> Result<Date, E> {
    let s = match raw {
        Raw::Toml(dt) => dt.to_string(),
        Raw::Str(s) => s,
    };
    parse(&s).map_err(E::custom)
}

/// Serde `with` module for a required date.
pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*d))
}

/// Serde `with` module for a required date.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    from_raw(Raw::deserialize(d)?)
}

/// Serde `with` module for an optional date.
pub mod option {
    use super::*;

    /// Serialises `None` as null.
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&format(*d)),
            None => s.serialize_none(),
        }
    }

    /// Accepts a missing/null value, a TOML date or a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<Raw>::deserialize(d)?.map(from_raw).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let d = parse("2023-03-25").unwrap();
        assert_eq!(format(d), "2023-03-25");
        assert!(parse("2023-02-30").is_err());
        assert!(parse("25/03/2023").is_err());
    }
}
