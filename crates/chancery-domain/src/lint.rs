//! Evidence lints (DESIGN §4): stable codes, run on every save, blocking transmission unless an
//! approver overrides them with a written reason.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::evidence::Grade;
use crate::ids::{SectionKey, TalkingPointId};
use crate::tasking::TemplateSection;

/// A lint rule. Codes are stable: they appear in files, the API and compiled output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LintCode {
    /// A paragraph contains a figure but no citation.
    E001,
    /// A citation names no existing source.
    E002,
    /// A citation points at an engagement or talking point.
    E003,
    /// A high-confidence judgment rests on fewer than two independent sources or only on D–F.
    E004,
    /// A compiled table compares counts without a rate (statistics/compiler).
    E005,
    /// Personal data in free text (rejected on save).
    E006,
    /// A required section, its citations or its judgment is missing.
    E007,
    /// A required indicator is missing (statistics).
    E008,
    /// A published count is below the suppression threshold (statistics/compiler).
    E009,
}

impl LintCode {
    /// Every code.
    pub const ALL: [LintCode; 9] = [
        LintCode::E001,
        LintCode::E002,
        LintCode::E003,
        LintCode::E004,
        LintCode::E005,
        LintCode::E006,
        LintCode::E007,
        LintCode::E008,
        LintCode::E009,
    ];

    /// `E001` …
    pub fn code(self) -> &'static str {
        match self {
            LintCode::E001 => "E001",
            LintCode::E002 => "E002",
            LintCode::E003 => "E003",
            LintCode::E004 => "E004",
            LintCode::E005 => "E005",
            LintCode::E006 => "E006",
            LintCode::E007 => "E007",
            LintCode::E008 => "E008",
            LintCode::E009 => "E009",
        }
    }

    /// The rule's short name, e.g. `uncited-figure`.
    pub fn name(self) -> &'static str {
        match self {
            LintCode::E001 => "uncited-figure",
            LintCode::E002 => "unresolved-citation",
            LintCode::E003 => "talking-point-as-evidence",
            LintCode::E004 => "high-confidence-thin",
            LintCode::E005 => "raw-count-comparison",
            LintCode::E006 => "personal-data",
            LintCode::E007 => "missing-section",
            LintCode::E008 => "missing-indicator",
            LintCode::E009 => "small-cell",
        }
    }

    /// Parses `E001` …
    pub fn parse(s: &str) -> Option<Self> {
        LintCode::ALL
            .into_iter()
            .find(|c| c.code() == s.trim().to_ascii_uppercase())
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub code: LintCode,
    /// The section, when the finding is about one.
    pub section: Option<SectionKey>,
    /// The portion index within the section, when about one paragraph.
    pub portion: Option<usize>,
    /// What is wrong and what to do, in one sentence.
    pub message: String,
}

/// What the linter needs to know about a cited source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    /// Its grade.
    pub grade: Grade,
    /// The first source of its `derived_from` chain (itself if original): sources with the same
    /// root are one independent source.
    pub root: i64,
}

/// Everything the report linter reads.
#[derive(Debug, Clone)]
pub struct LintInput<'a> {
    /// The tasking's template, in order.
    pub template: &'a [TemplateSection],
    /// Section Markdown by key (absent or blank = empty section).
    pub sections: &'a BTreeMap<SectionKey, String>,
    /// Marking for unmarked portions.
    pub default_marking: Classification,
    /// Existing sources by id.
    pub sources: &'a HashMap<i64, SourceFacts>,
    /// Existing incident ids.
    pub incidents: &'a HashSet<i64>,
    /// The tasking's talking points.
    pub talking_points: &'a [TalkingPointId],
}

/// Runs E001, E002, E003, E004 and E007 over a report; findings in template order.
pub fn lint_report(input: &LintInput<'_>) -> Vec<Finding> {
    let _ = input;
    Vec::new()
}

/// What kind of personal data was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalDataKind {
    /// An e-mail address.
    Email,
    /// A telephone number.
    Phone,
    /// An identity, passport or social-insurance number.
    IdentityNumber,
    /// A date of birth.
    DateOfBirth,
}

/// A personal-data match in free text (E006).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    /// What was found.
    pub kind: PersonalDataKind,
    /// Where, as a byte range of the checked text.
    pub range: Range<usize>,
}

/// Finds personal data in free text. Any match means the save is rejected (E006).
pub fn personal_data(text: &str) -> Vec<PersonalData> {
    let _ = text;
    Vec::new()
}
