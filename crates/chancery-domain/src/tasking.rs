//! Taskings: what HQ asks posts to report on, with the template each report follows and the
//! talking points posts deliver (DESIGN §3). Taskings are also TOML files (`content/taskings/`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::classification::Classification;
use crate::ids::{PostCode, SectionKey, TalkingPointId, TaskingRef};

/// Where a tasking is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskingStatus {
    /// Being prepared at HQ; posts do not see it yet.
    Draft,
    /// Sent to its addressee posts; reports may be drafted.
    Issued,
    /// No further reports are expected.
    Closed,
}

impl TaskingStatus {
    /// The code used in the database and output.
    pub fn code(self) -> &'static str {
        match self {
            TaskingStatus::Draft => "draft",
            TaskingStatus::Issued => "issued",
            TaskingStatus::Closed => "closed",
        }
    }

    /// Parses a status code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(TaskingStatus::Draft),
            "issued" => Some(TaskingStatus::Issued),
            "closed" => Some(TaskingStatus::Closed),
            _ => None,
        }
    }
}

/// One section of a tasking's report template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSection {
    /// Stable key, e.g. `public_safety`.
    pub key: SectionKey,
    /// Heading shown to drafters and readers.
    pub title: String,
    /// What HQ wants in this section (Markdown).
    pub guidance: String,
    /// Whether the section must have content before transmission (E007).
    #[serde(default = "yes")]
    pub required: bool,
    /// Minimum number of distinct citations the section must carry.
    #[serde(default)]
    pub min_citations: u32,
    /// Whether the section must contain at least one judgment with a stated confidence.
    #[serde(default)]
    pub confidence_required: bool,
    /// Indicator codes the section must present (E008, checked once statistics exist).
    #[serde(default)]
    pub indicators: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A numbered talking point posts deliver to the host government. Never evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalkingPoint {
    /// `TP1`, `TP2`, … in order.
    pub id: TalkingPointId,
    /// What the post says.
    pub text: String,
}

/// A tasking as written in a TOML file and stored in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskingSpec {
    /// Reference such as `CHN-2026-0001`.
    pub reference: TaskingRef,
    /// One-line subject.
    pub subject: String,
    /// Overall classification of the tasking text and the default portion marking of reports.
    pub classification: Classification,
    /// The HQ office that issues it.
    pub issuing_office: String,
    /// Date reports are due.
    #[serde(with = "crate::dates")]
    pub due: Date,
    /// Cable TAGS (e.g. `PHUM`, `SMIG`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Posts asked to report.
    pub addressees: Vec<PostCode>,
    /// The instructions (Markdown).
    pub body: String,
    /// Report template, in order.
    pub sections: Vec<TemplateSection>,
    /// Talking points, numbered from TP1.
    #[serde(default)]
    pub talking_points: Vec<TalkingPoint>,
}

/// A tasking file that could not be read; the message names the file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct TaskingFileError {
    /// The file (as given by the caller).
    pub file: String,
    /// What is wrong and where.
    pub message: String,
}

impl TaskingSpec {
    /// Parses and validates a tasking TOML file. `file` is only used in error messages.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, TaskingFileError> {
        let err = |message: String| TaskingFileError {
            file: file.to_string(),
            message,
        };
        let spec: TaskingSpec = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
        spec.validate().map_err(err)?;
        Ok(spec)
    }

    /// Checks rules a TOML schema cannot express; returns the field path and the problem.
    pub fn validate(&self) -> Result<(), String> {
        if self.subject.trim().is_empty() {
            return Err("field `subject`: must not be empty".into());
        }
        if self.addressees.is_empty() {
            return Err("field `addressees`: list at least one post".into());
        }
        let mut seen = BTreeSet::new();
        for post in &self.addressees {
            if !seen.insert(post) {
                return Err(format!("field `addressees`: post {post} is listed twice"));
            }
        }
        if self.sections.is_empty() {
            return Err("field `sections`: the template needs at least one section".into());
        }
        let mut keys = BTreeSet::new();
        for (i, s) in self.sections.iter().enumerate() {
            if !keys.insert(&s.key) {
                return Err(format!(
                    "field `sections[{i}].key`: section {} is defined twice",
                    s.key
                ));
            }
            if s.title.trim().is_empty() {
                return Err(format!("field `sections[{i}].title`: must not be empty"));
            }
        }
        for (i, tp) in self.talking_points.iter().enumerate() {
            let expected = TalkingPointId(u32::try_from(i + 1).unwrap_or(u32::MAX));
            if tp.id != expected {
                return Err(format!(
                    "field `talking_points[{i}].id`: talking points are numbered in order; expected {expected}, found {}",
                    tp.id
                ));
            }
            if tp.text.trim().is_empty() {
                return Err(format!(
                    "field `talking_points[{i}].text`: must not be empty"
                ));
            }
        }
        Ok(())
    }

    /// The template section with `key`, if any.
    pub fn section(&self, key: &SectionKey) -> Option<&TemplateSection> {
        self.sections.iter().find(|s| &s.key == key)
    }
}

/// Renders a TOML error as `line L, column C: message`, naming the field when toml does.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let source_line = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}, column {column}: {message} (in `{source_line}`)")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
reference = "CHN-2026-0009"
subject = "Test"
classification = "SBU"
issuing_office = "HQ"
due = 2027-01-31
addressees = ["OTTAWA"]
body = "Report."

[[sections]]
key = "summary"
title = "Summary"
guidance = "Sum up."

[[talking_points]]
id = "TP1"
text = "We are willing to collaborate."
"#;

    #[test]
    fn parses_a_minimal_tasking() {
        let t = TaskingSpec::from_toml("t.toml", MINIMAL).unwrap();
        assert_eq!(t.reference.as_str(), "CHN-2026-0009");
        assert!(t.sections[0].required);
        assert_eq!(t.sections[0].min_citations, 0);
    }

    #[test]
    fn malformed_toml_names_file_line_and_field() {
        let bad = MINIMAL.replace("classification = \"SBU\"", "classification = \"TOPSECRET\"");
        let e = TaskingSpec::from_toml("t.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml: line 4"), "{e}");
        assert!(e.contains("TOPSECRET"), "{e}");

        let missing = MINIMAL.replace("subject = \"Test\"\n", "");
        let e = TaskingSpec::from_toml("t.toml", &missing)
            .unwrap_err()
            .to_string();
        assert!(e.contains("subject"), "{e}");

        let unknown = MINIMAL.replace("body = ", "bodyy = \"x\"\nbody = ");
        let e = TaskingSpec::from_toml("t.toml", &unknown)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bodyy"), "{e}");
    }

    #[test]
    fn talking_points_must_be_in_order() {
        let bad = MINIMAL.replace("id = \"TP1\"", "id = \"TP2\"");
        let e = TaskingSpec::from_toml("t.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("talking_points[0].id"), "{e}");
    }

    #[test]
    fn duplicate_section_keys_are_refused() {
        let bad = format!(
            "{MINIMAL}\n[[sections]]\nkey = \"summary\"\ntitle = \"Again\"\nguidance = \"x\"\n"
        );
        let e = TaskingSpec::from_toml("t.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("defined twice"), "{e}");
    }
}
