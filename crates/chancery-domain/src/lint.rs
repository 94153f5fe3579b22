//! Evidence lints (DESIGN §4): stable codes, run on every save, blocking transmission unless an
//! approver overrides them with a written reason.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::evidence::{Confidence, Grade};
use crate::ids::{SectionKey, TalkingPointId};
use crate::markdown::{self, Block, BlockKind, CitationKey, Judgment, Portion};
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

    /// Whether an unresolved finding stops the report being transmitted. Every rule does;
    /// only an approver's written override (printed in the compiled output) lets it through.
    pub fn blocks_transmission(self) -> bool {
        true
    }

    /// Whether a finding is refused when the text is saved rather than reported as a lint:
    /// personal data (E006) is never stored, even in a draft.
    pub fn rejected_on_save(self) -> bool {
        self == LintCode::E006
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

/// Runs E001, E002, E003, E004, E005 (tables of counts without a rate) and E007 over a report; findings in template order.
///
/// Within a section, findings about the whole section (E007) come first, then findings about
/// each portion in order. Sections that are not in the template are ignored.
pub fn lint_report(input: &LintInput<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for section in input.template {
        let markdown = input.sections.get(&section.key).map_or("", String::as_str);
        let blocks = markdown::blocks(markdown, input.default_marking);
        let portions: Vec<Portion> = blocks.iter().map(|b| b.portion.clone()).collect();
        let judgments = markdown::judgments(&portions);
        let mut found = section_findings(input, section, &portions, &judgments);
        for block in &blocks {
            portion_findings(input, &section.key, block, &mut found);
            if block.kind == BlockKind::Table {
                found.extend(raw_count_table(&section.key, block));
            }
        }
        for judgment in &judgments {
            if let Some(finding) = thin_judgment(input, &section.key, judgment) {
                found.push(finding);
            }
        }
        // Stable: keeps rule order within a portion.
        found.sort_by_key(|f| f.portion);
        out.extend(found);
    }
    out
}

/// Human numbering of a portion in messages.
fn paragraph(index: usize) -> usize {
    index + 1
}

/// A finding about `section`.
fn finding(
    code: LintCode,
    section: &SectionKey,
    portion: Option<usize>,
    message: String,
) -> Finding {
    Finding {
        code,
        section: Some(section.clone()),
        portion,
        message,
    }
}

/// Whether a citation key names existing evidence (a recorded source or incident).
fn resolves(input: &LintInput<'_>, key: &CitationKey) -> bool {
    match key {
        CitationKey::Source(n) => input.sources.contains_key(n),
        CitationKey::Incident(n) => input.incidents.contains(n),
        _ => false,
    }
}

/// E007 for one template section.
fn section_findings(
    input: &LintInput<'_>,
    section: &TemplateSection,
    portions: &[Portion],
    judgments: &[Judgment],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let title = section.title.trim();
    let blank = portions.iter().all(|p| p.text.trim().is_empty());
    if blank {
        if section.required {
            out.push(finding(
                LintCode::E007,
                &section.key,
                None,
                format!(
                    "required section \"{title}\" is empty: write it before the report is transmitted"
                ),
            ));
        }
        return out;
    }
    let cited: HashSet<&CitationKey> = portions
        .iter()
        .flat_map(|p| &p.citations)
        .map(|c| &c.key)
        .filter(|k| resolves(input, k))
        .collect();
    let min = usize::try_from(section.min_citations).unwrap_or(usize::MAX);
    if cited.len() < min {
        let n = cited.len();
        out.push(finding(
            LintCode::E007,
            &section.key,
            None,
            format!(
                "section \"{title}\" cites {n} distinct source{}; the template asks for at least {min}: cite more sources or incidents with [@S<n>] / [@INC<n>]",
                if n == 1 { "" } else { "s" }
            ),
        ));
    }
    if section.confidence_required && judgments.is_empty() {
        out.push(finding(
            LintCode::E007,
            &section.key,
            None,
            format!(
                "section \"{title}\" needs a judgment with a stated confidence: start a paragraph with \"Judgment (high confidence):\", \"Judgment (moderate confidence):\" or \"Judgment (low confidence):\""
            ),
        ));
    }
    out
}

/// E001, E002 and E003 for one portion.
fn portion_findings(
    input: &LintInput<'_>,
    section: &SectionKey,
    block: &Block,
    out: &mut Vec<Finding>,
) {
    let portion = &block.portion;
    let n = paragraph(portion.index);
    let at = Some(portion.index);
    if block.kind != BlockKind::Heading
        && portion.citations.is_empty()
        && let Some(figure) = first_figure(&block.prose)
    {
        out.push(finding(
            LintCode::E001,
            section,
            at,
            format!(
                "paragraph {n} states \"{figure}\" without a citation: cite the source with [@S<n>]"
            ),
        ));
    }
    let mut seen = HashSet::new();
    for citation in &portion.citations {
        if !seen.insert(&citation.key) {
            continue;
        }
        let message = match &citation.key {
            CitationKey::Source(id) if !input.sources.contains_key(id) => (
                LintCode::E002,
                format!(
                    "paragraph {n} cites S{id}, which is not in the evidence locker: record the source or correct the key"
                ),
            ),
            CitationKey::Incident(id) if !input.incidents.contains(id) => (
                LintCode::E002,
                format!(
                    "paragraph {n} cites INC{id}, which is not a recorded incident: record the incident or correct the key"
                ),
            ),
            CitationKey::Unknown(raw) => (
                LintCode::E002,
                format!(
                    "paragraph {n} cites \"@{raw}\", which is not a citation key: cite a source as [@S<n>] or an incident as [@INC<n>]"
                ),
            ),
            CitationKey::Engagement(id) => (
                LintCode::E003,
                format!(
                    "paragraph {n} cites ENG{id}, an engagement: engagements and talking points are never evidence; cite the source behind the statement"
                ),
            ),
            CitationKey::TalkingPoint(id) => {
                let ours = input.talking_points.iter().any(|tp| tp.0 == *id);
                (
                    LintCode::E003,
                    format!(
                        "paragraph {n} cites TP{id}, a talking point{}: talking points and engagements are never evidence; cite the source behind the statement",
                        if ours {
                            ""
                        } else {
                            " (not one of this tasking's)"
                        }
                    ),
                )
            }
            CitationKey::Source(_) | CitationKey::Incident(_) => continue,
        };
        out.push(finding(message.0, section, at, message.1));
    }
}

/// E005 for a table portion: counts compared across countries or groups without a rate.
fn raw_count_table(section: &SectionKey, block: &Block) -> Option<Finding> {
    let table = crate::disclosure::Table::from_markdown(&block.portion.markdown)?;
    let found = crate::disclosure::raw_count_comparison(&table, &table.guessed_measures())?;
    Some(finding(
        LintCode::E005,
        section,
        Some(block.portion.index),
        format!("paragraph {}: {found}", paragraph(block.portion.index)),
    ))
}

/// E004 for one judgment.
fn thin_judgment(
    input: &LintInput<'_>,
    section: &SectionKey,
    judgment: &Judgment,
) -> Option<Finding> {
    if judgment.confidence != Confidence::High {
        return None;
    }
    let mut cited: Vec<(i64, &SourceFacts)> = Vec::new();
    for c in &judgment.citations {
        if let CitationKey::Source(id) = c.key
            && let Some(facts) = input.sources.get(&id)
            && !cited.iter().any(|(seen, _)| *seen == id)
        {
            cited.push((id, facts));
        }
    }
    let roots: HashSet<i64> = cited.iter().map(|(_, f)| f.root).collect();
    let all_weak = !cited.is_empty() && cited.iter().all(|(_, f)| f.grade.reliability.is_weak());
    if roots.len() >= 2 && !all_weak {
        return None;
    }
    let listed = cited
        .iter()
        .map(|(id, f)| format!("S{id} {}", f.grade))
        .collect::<Vec<_>>()
        .join(", ");
    let listed = if listed.is_empty() {
        String::new()
    } else {
        format!(" ({listed})")
    };
    let mut reasons = Vec::new();
    if roots.len() < 2 {
        let k = roots.len();
        reasons.push(format!(
            "{k} independent source{}",
            if k == 1 { "" } else { "s" }
        ));
    }
    if all_weak {
        reasons.push("sources graded D–F only".to_string());
    }
    Some(finding(
        LintCode::E004,
        section,
        Some(judgment.portion),
        format!(
            "high-confidence judgment in paragraph {} rests on {}{listed}: cite at least two independent sources, not all graded D–F, or lower the confidence",
            paragraph(judgment.portion),
            reasons.join(" and ")
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// E001: figures.

/// Month names that make a number next to them a date. English names are matched as written
/// (capitalised) so that "300 may" stays a figure; French, German, Dutch and Spanish names in
/// any case.
const MONTH: &str = r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)|(?i:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre|januar|februar|m[äa]rz|maerz|juni|juli|oktober|dezember|januari|februari|maart|mei|augustus|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre))\b\.?";

/// A plausible year.
const YEAR: &str = r"(?:1[89]|2[01])\d{2}";

/// A day of the month, possibly as an ordinal (`1st`, `1er`) or German `12.`.
const DAY: &str = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th|er|e)?\.?";

/// One legal or document reference number: `3`, `8(1)(b)`, `2011/95`, `3.1`.
const REF: &str = r"\d+(?:[./:]\d+)*(?:\([0-9A-Za-z]{1,4}\))*";

/// Spans of prose that contain digits but are not figures: URLs, e-mail addresses, dates,
/// times, year ranges, legal and document references, enumerators.
static NOT_FIGURES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)\b(?:https?://|www\.)\S+".to_string(),
        r"[^\s@]+@\S+".to_string(),
        r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b".to_string(),
        format!(r"\b\d{{1,2}}[/.]\d{{1,2}}[/.]{YEAR}\b"),
        format!(r"\b{YEAR}/\d{{1,2}}/\d{{1,2}}\b"),
        format!(r"\b{DAY}(?:\s+of)?\s+{MONTH}(?:,?\s+{YEAR}\b)?"),
        format!(r"\b{MONTH}\s+(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?\b(?:,?\s+{YEAR}\b)?"),
        format!(r"\b{MONTH}\s+{YEAR}\b"),
        format!(r"\b(?:FY\s?)?{YEAR}\s?[-–—/]\s?(?:{YEAR}|\d{{2}})\b"),
        r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?(?:a\.m\.|p\.m\.|am\b|pm\b|h\b))?".to_string(),
        r"(?i)\b\d{1,2}\s?(?:a\.m\.|p\.m\.)".to_string(),
        format!(
            r"(?:(?i:\b(?:sections?|subsections?|articles?|paragraphs?|paras?\.?|subparagraphs?|chapters?|chap\.|clauses?|schedules?|annex(?:es)?|annexe|appendix|appendices|parts?|titles?|bills?|rules?|regulations?|tables?|figures?|figs?\.|pages?|footnotes?|notes?|resolutions?|directives?|amendments?|recommendations?|volumes?|vol\.|nos?\.|protocol|phase|stage|tier|pillar|priority|objective|option|question|scenario|round|wave|level|iso|convention))|\b(?:[Aa]rts?\.|ss?\.|pp?\.|ch\.)|§§?)\s*(?:\([A-Z]+\)\s*)?{REF}(?:\s*(?:,\s|and\s|to\s|or\s|&\s|[-–])\s*{REF})*"
        ),
        r"\(\d{1,2}\)".to_string(),
    ]
    .iter()
    .map(|p| markdown::compile(p))
    .collect()
});

/// A number as written: `380,000`, `0.8`, `1,049,500`.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| markdown::compile(r"\d+(?:[.,]\d+)*"));

/// How a figure is quoted in a message: the number with its unit or scale word.
static FIGURE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    markdown::compile(
        r"^\d+(?:[.,]\d+)*(?:\s?%|\s+(?i:per\s?cent|percent|million|billion|thousand|trillion)\b|[A-Za-z]+\b)?",
    )
});

/// Words after a number that make it a quantity even if it looks like a year.
static SCALE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    markdown::compile(r"^\s*(?:%|(?i:per\s?cent|percent|million|billion|thousand|trillion)\b)")
});

/// Suffixes that make `21st`, `3e`, `1er` ordinals.
const ORDINAL_SUFFIXES: &[&str] = &[
    "st", "nd", "rd", "th", "er", "re", "e", "ème", "eme", "de", "ste", "te",
];

/// Unit or scale suffixes glued to a number that keep it a figure (`5km`, `£3bn`, `30pc`).
const UNIT_SUFFIXES: &[&str] = &[
    "m", "bn", "b", "mn", "k", "km", "kg", "t", "kt", "mt", "pc", "x", "mm", "cm", "g", "l", "ha",
    "gb", "mb", "tb", "gw", "mw", "kw", "kwh",
];

/// The first figure in prose (code spans already replaced), as written, if any.
pub(crate) fn first_figure(prose: &str) -> Option<String> {
    let mut masked = prose.to_string();
    for re in NOT_FIGURES.iter() {
        let spans: Vec<Range<usize>> = re.find_iter(&masked).map(|m| m.range()).collect();
        for span in spans {
            if let Some(part) = masked.get(span.clone()) {
                let blank = " ".repeat(part.len());
                masked.replace_range(span, &blank);
            }
        }
    }
    NUMBER.find_iter(&masked).find_map(|m| {
        let (start, end) = (whole_number_start(prose, m.start()), m.end());
        let number = prose.get(start..end)?;
        let before = prose.get(..start)?;
        let after = prose.get(end..)?;
        let mut back = before.chars().rev();
        let prev = back.next();
        let prev2 = back.next();
        // Identifiers: S12, TP3, G7, COVID-19, C-12, A/RES/77.
        if prev.is_some_and(char::is_alphanumeric) {
            return None;
        }
        if prev.is_some_and(|c| matches!(c, '-' | '‐' | '‑' | '/' | '_' | '.'))
            && prev2.is_some_and(char::is_alphabetic)
        {
            return None;
        }
        let suffix: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
        let plain = number.bytes().all(|b| b.is_ascii_digit());
        if !suffix.is_empty() {
            let lower = suffix.to_lowercase();
            if plain && ORDINAL_SUFFIXES.contains(&lower.as_str()) {
                return None;
            }
            let year_decade = plain && lower == "s" && is_year(number);
            if year_decade || !UNIT_SUFFIXES.contains(&lower.as_str()) {
                return None;
            }
        }
        let currency = prev.is_some_and(|c| matches!(c, '$' | '€' | '£' | '¥'));
        if plain && is_year(number) && !currency && !SCALE_AFTER.is_match(after) {
            return None;
        }
        let quoted = FIGURE_TAIL
            .find(prose.get(start..)?)
            .map_or(number, |t| t.as_str());
        let symbol = if currency {
            prev.map(String::from)
        } else {
            None
        };
        Some(format!("{}{quoted}", symbol.unwrap_or_default()))
    })
}

/// Where the number containing the digit at `start` begins: masking a reference can leave
/// only the tail of a number (`section 3, 4,000` leaves `000`).
fn whole_number_start(prose: &str, start: usize) -> usize {
    let mut start = start;
    loop {
        let mut back = prose.get(..start).unwrap_or("").char_indices().rev();
        match back.next() {
            Some((i, c)) if c.is_ascii_digit() => start = i,
            Some((i, ',' | '.')) if back.next().is_some_and(|(_, d)| d.is_ascii_digit()) => {
                start = i;
            }
            _ => return start,
        }
    }
}

/// A four-digit year between 1800 and 2199.
fn is_year(digits: &str) -> bool {
    digits.len() == 4
        && digits
            .parse::<u16>()
            .is_ok_and(|y| (1800..=2199).contains(&y))
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
///
/// Tuned for precision: official statistics (`380,000`, `1,049,500`, `2026–2028`,
/// `2023-03-25`, `0.8%`, table numbers such as `17-10-0009-01`) never match. Matches are
/// returned in text order and never overlap.
pub fn personal_data(text: &str) -> Vec<PersonalData> {
    let mut found: Vec<PersonalData> = Vec::new();
    let mut add = |kind: PersonalDataKind, range: Range<usize>| {
        if !found
            .iter()
            .any(|f| f.range.start < range.end && range.start < f.range.end)
        {
            found.push(PersonalData { kind, range });
        }
    };
    for m in EMAIL.find_iter(text) {
        add(PersonalDataKind::Email, m.range());
    }
    for m in DATE_OF_BIRTH.find_iter(text) {
        add(PersonalDataKind::DateOfBirth, m.range());
    }
    for caps in ID_AFTER_KEYWORD.captures_iter(text) {
        if let (Some(whole), Some(number)) = (caps.get(0), caps.get(1))
            && let Some(len) = identity_number_len(number.as_str())
        {
            add(
                PersonalDataKind::IdentityNumber,
                whole.start()..number.start() + len,
            );
        }
    }
    for re in BARE_IDS.iter() {
        for m in re.find_iter(text) {
            let round = m.as_str().ends_with(" 000");
            if stands_alone(text, m.range()) && !round {
                add(PersonalDataKind::IdentityNumber, m.range());
            }
        }
    }
    for (re, min, max) in PHONES.iter() {
        for m in re.find_iter(text) {
            let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
            if (*min..=*max).contains(&digits) && stands_alone(text, m.range()) {
                add(PersonalDataKind::Phone, m.range());
            }
        }
    }
    found.sort_by_key(|f| f.range.start);
    found
}

/// Whether a digit pattern is not part of a longer number: no digit or letter touches it, and
/// no digit follows a separator right next to it (`1 100 000 000`, `17-10-0009-01`).
fn stands_alone(text: &str, range: Range<usize>) -> bool {
    let before = text.get(..range.start).unwrap_or("");
    let after = text.get(range.end..).unwrap_or("");
    let mut back = before.chars().rev();
    let mut fwd = after.chars();
    let touches = |c: Option<char>, next: Option<char>| match c {
        Some(c) if c.is_alphanumeric() => true,
        Some(' ' | '.' | ',' | '-' | '/' | '–') => next.is_some_and(|n| n.is_ascii_digit()),
        _ => false,
    };
    let (p1, p2) = (back.next(), back.next());
    let (n1, n2) = (fwd.next(), fwd.next());
    !(touches(p1, p2) || touches(n1, n2) || p1 == Some('+'))
}

/// The length of an identity number after a keyword, once trailing words are dropped: at
/// least six letters or digits of which at least two are digits.
fn identity_number_len(candidate: &str) -> Option<usize> {
    let mut len = 0;
    let mut alnum = 0;
    let mut digits = 0;
    for (i, group) in candidate.split_inclusive([' ', '-', '/', '.']).enumerate() {
        let core = group.trim_end_matches([' ', '-', '/', '.']);
        let group_digits = core.bytes().filter(u8::is_ascii_digit).count();
        // A trailing word (`SIN 046454286 ON FILE`) is not part of the number; a single check
        // letter (`AB 12 34 56 C`) is.
        if i > 0 && group_digits == 0 && core.len() > 1 {
            break;
        }
        len += group.len();
        alnum += core.len();
        digits += group_digits;
    }
    let len = candidate
        .get(..len)?
        .trim_end_matches([' ', '-', '/', '.'])
        .len();
    (alnum >= 6 && digits >= 2).then_some(len)
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    markdown::compile(
        r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b",
    )
});

static DATE_OF_BIRTH: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre|januar|februar|m[äa]rz|maerz|juni|juli|oktober|dezember|januari|februari|maart|mei|augustus|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b\.?";
    let date = format!(
        r"(?:{DAY}\s+(?:of\s+)?{month},?\s+\d{{4}}|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|{month}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}}))\b"
    );
    markdown::compile(&format!(
        r"(?i)\b(?:born(?:\s+on|\s+in)?|date\s+of\s+birth|d\.o\.b\.?|dob|birth\s*date|n[ée]e?(?:\s+le)?|date\s+de\s+naissance|geboren(?:\s+am|\s+op)?|geb\.|geburtsdatum|geboortedatum|nacid[oa](?:\s+el)?|fecha\s+de\s+nacimiento)\s*[:\-–]?\s*{date}"
    ))
});

static ID_AFTER_KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    markdown::compile(
        r"(?i)\b(?:passports?|passeport|pasaporte|reisepass|paspoort|identity\s+(?:card|document|number|no\.?)|id\s+(?:card|number|no\.?|document)|id|i\.d\.|national\s+id|carte\s+d'identit[ée]|personalausweis|ausweis(?:nummer)?|identiteitskaart|sin|social\s+insurance|social\s+security|ssn|national\s+insurance|nino|nir|dni|nie|bsn|burgerservicenummer|ppsn?|tax\s+file|tfn|ird|health\s+card|medicare|driver'?s\s+licen[cs]e|permis\s+de\s+conduire|f[üu]hrerschein)(?:\s+(?:card|number|no\.?|nr\.?|num[ée]ro|#))*\s*[:#]?\s*(?-i:([A-Z0-9]+(?:[ \-/.][A-Z0-9]+){0,5}))",
    )
});

/// Bare identity numbers: Canadian SIN (`123-456-789`, `123 456 789`) and UK National
/// Insurance numbers (`AB123456C`).
static BARE_IDS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\b\d{3}-\d{3}-\d{3}\b",
        r"\b\d{3} \d{3} \d{3}\b",
        r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
    ]
    .iter()
    .map(|p| markdown::compile(p))
    .collect()
});

/// Telephone numbers with the digit counts they must have: international `+` forms, North
/// American `(613) 555-0100` / `613-555-0100` / `613 555 0100`, and national forms that start
/// with a trunk `0` (`020 7946 0958`, `06 12 34 56 78`, `(02) 9876 5432`).
static PHONES: LazyLock<Vec<(Regex, usize, usize)>> = LazyLock::new(|| {
    [
        (
            r"\+\d{1,3}(?:[ .\-]?\(\d{1,4}\))?(?:[ .\-]?\d{1,5}){1,6}",
            8,
            15,
        ),
        (r"(?:\b1[ .\-])?\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}\b", 10, 11),
        (r"(?:\b1[ .\-])?\b\d{3}[ .\-]\d{3}[ .\-]\d{4}\b", 10, 11),
        (
            r"(?:\(0\d{1,4}\)|\b0\d{1,4})(?:[ .\-/]?\d{2,8}){1,5}\b",
            9,
            15,
        ),
    ]
    .into_iter()
    .map(|(p, min, max)| (markdown::compile(p), min, max))
    .collect()
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::CODE_SENTINEL;

    // ---- E001 figure detection -------------------------------------------------------------

    #[test]
    fn figures_are_found_and_quoted() {
        let cases = [
            ("Claims rose to 144,000 in 2023.", "144,000"),
            ("Unemployment was 0.8% higher.", "0.8%"),
            ("Unemployment was 6.5 per cent.", "6.5 per cent"),
            ("The plan admits 1,049,500 people.", "1,049,500"),
            ("Spending reached $1.2 billion.", "$1.2 billion"),
            ("About 3 million people moved.", "3 million"),
            ("A £3bn fund was announced.", "£3bn"),
            ("One in 5 applicants waited.", "5"),
            ("Claims rose 2000% in 2023.", "2000%"),
            ("In the 2024 plan, 485,000 admissions.", "485,000"),
            ("The queue held 7 people on 25 March 2023.", "7"),
            ("Section 3, 4,000 people.", "4,000"),
            ("Crossings fell to 165/day.", "165"),
            ("It was a 3-year programme.", "3"),
            ("Rates per 100,000 population.", "100,000"),
        ];
        for (text, figure) in cases {
            assert_eq!(first_figure(text).as_deref(), Some(figure), "{text}");
        }
    }

    #[test]
    fn dates_references_identifiers_and_ordinals_are_not_figures() {
        let clean = [
            "On 25 March 2023 the protocol entered into force.",
            "In March 2023 and again on 1 January 2026 the rules changed.",
            "The 2026–2028 plan and the 2024-25 budget, FY2024-25 and FY 2024-25.",
            "Published 2023-03-25 and updated 2024-07-01T10:30.",
            "It was adopted on March 25, 2023, in force from 12/03/2024.",
            "Under section 3, § 4, article 8(1)(b), Art. 12 and para. 2 of chapter 3.",
            "Bill C-12 and Bill 21 amend s. 91(2) and Regulation (EU) 2024/1347.",
            "Talking point TP3 cites S12; COVID-19 hit G7 and G20 members.",
            "The 1st, 21st and 3rd reports of the third session.",
            "Stage 2 of Phase 1 began in the 1990s, at 10:30 a.m.",
            "Grade B2 sources, Q3 results and H1N1 vaccine.",
            "Conditions: (1) residence and (2) language.",
            "See https://www.canada.ca/en/2024/report-123.html or www.gc.ca/2025.",
            "Directive 2011/95/EU and Table 17-10-0009-01 apply.",
            "No figures here at all.",
        ];
        for text in clean {
            assert_eq!(first_figure(text), None, "{text}");
        }
    }

    #[test]
    fn code_spans_hide_their_numbers() {
        let prose = format!("Use the {CODE_SENTINEL} flag.");
        assert_eq!(first_figure(&prose), None);
    }

    // ---- lint_report ------------------------------------------------------------------------

    fn section(key: &str, required: bool, min: u32, judgment: bool) -> TemplateSection {
        TemplateSection {
            key: SectionKey::parse(key).unwrap(),
            title: key.replace('_', " "),
            guidance: String::new(),
            required,
            min_citations: min,
            confidence_required: judgment,
            indicators: Vec::new(),
        }
    }

    fn facts(grade: &str, root: i64) -> SourceFacts {
        SourceFacts {
            grade: Grade::parse(grade).unwrap(),
            root,
        }
    }

    /// Sources 1 (A1), 2 (B2), 3 (B2, an echo of 2), 4 (D3), 5 (E5); incident 7.
    struct World {
        template: Vec<TemplateSection>,
        sections: BTreeMap<SectionKey, String>,
        sources: HashMap<i64, SourceFacts>,
        incidents: HashSet<i64>,
        talking_points: Vec<TalkingPointId>,
    }

    impl World {
        fn new(template: Vec<TemplateSection>) -> Self {
            World {
                template,
                sections: BTreeMap::new(),
                sources: HashMap::from([
                    (1, facts("A1", 1)),
                    (2, facts("B2", 2)),
                    (3, facts("B2", 2)),
                    (4, facts("D3", 4)),
                    (5, facts("E5", 5)),
                ]),
                incidents: HashSet::from([7]),
                talking_points: vec![TalkingPointId(1), TalkingPointId(2)],
            }
        }

        fn with(mut self, key: &str, markdown: &str) -> Self {
            self.sections
                .insert(SectionKey::parse(key).unwrap(), markdown.to_string());
            self
        }

        fn lint(&self) -> Vec<Finding> {
            lint_report(&LintInput {
                template: &self.template,
                sections: &self.sections,
                default_marking: Classification::Unclassified,
                sources: &self.sources,
                incidents: &self.incidents,
                talking_points: &self.talking_points,
            })
        }
    }

    fn one_section(markdown: &str) -> Vec<Finding> {
        World::new(vec![section("body", false, 0, false)])
            .with("body", markdown)
            .lint()
    }

    fn codes(findings: &[Finding]) -> Vec<(LintCode, Option<usize>)> {
        findings.iter().map(|f| (f.code, f.portion)).collect()
    }

    #[test]
    fn e005_tables_of_counts_across_countries_need_a_rate() {
        let counts = "(U) Asylum applications in 2024 [@S1]:\n\n| country | applications [@S1] |\n|---|---|\n| Canada | 173,931 |\n| New Zealand | 1,020 |\n";
        let found = one_section(counts);
        assert_eq!(codes(&found), vec![(LintCode::E005, Some(1))]);
        assert!(
            found[0].message.starts_with(
                "paragraph 2: the table compares raw counts (applications) across 2 countries"
            ),
            "{}",
            found[0].message
        );
        let with_rate = "(U) Asylum applications in 2024 [@S1]:\n\n| country | applications | per 100,000 residents |\n|---|---|---|\n| Canada | 173,931 [@S1] | 421 |\n| New Zealand | 1,020 | 19.5 |\n";
        assert!(one_section(with_rate).is_empty());
        let over_time =
            "| year | claims [@S1] |\n|---|---|\n| 2015 | 16,058 |\n| 2019 | 64,177 |\n";
        assert!(one_section(over_time).is_empty());
    }

    #[test]
    fn e001_uncited_figures() {
        assert!(one_section("In 2023, claims rose to 144,000 [@S3].").is_empty());
        assert!(one_section("On 25 March 2023 the protocol entered into force.").is_empty());
        assert!(one_section("# 3. Public safety in 2024\n\nNo numbers.").is_empty());
        assert!(one_section("Use the `--limit 500` flag, see [@S1, p. 44].").is_empty());
        assert!(one_section("Section 3 of Bill C-12 (TP3 aside).").is_empty());

        let found = one_section("Context.\n\n(U) Claims rose to 144,000 in 2023.");
        assert_eq!(codes(&found), vec![(LintCode::E001, Some(1))]);
        assert_eq!(
            found[0].message,
            "paragraph 2 states \"144,000\" without a citation: cite the source with [@S<n>]"
        );
        assert_eq!(
            found[0].section.as_ref().map(SectionKey::as_str),
            Some("body")
        );

        // One finding per portion, naming the first figure.
        let found = one_section("Rates of 0.8% and 5 million.");
        assert_eq!(codes(&found), vec![(LintCode::E001, Some(0))]);
        assert!(
            found[0].message.contains("\"0.8%\""),
            "{}",
            found[0].message
        );

        // Lists and tables are one portion each; a code block is checked too.
        let found = one_section(
            "- 12 cases\n- 30 cases\n\n| year | n |\n|---|---|\n| 2024 | 7 |\n\n```\n42\n```",
        );
        assert_eq!(
            codes(&found),
            vec![
                (LintCode::E001, Some(0)),
                (LintCode::E001, Some(1)),
                (LintCode::E001, Some(2))
            ]
        );
    }

    #[test]
    fn e002_unresolved_citations() {
        assert!(one_section("Fine [@S1; @INC7].").is_empty());
        let found = one_section("Bad [@S99] and [@INC8] and [@Smith2020] and [@S99] again.");
        assert_eq!(
            codes(&found),
            vec![
                (LintCode::E002, Some(0)),
                (LintCode::E002, Some(0)),
                (LintCode::E002, Some(0))
            ]
        );
        assert!(found[0].message.contains("S99"), "{}", found[0].message);
        assert!(found[1].message.contains("INC8"), "{}", found[1].message);
        assert!(
            found[2].message.contains("@Smith2020"),
            "{}",
            found[2].message
        );
    }

    #[test]
    fn e003_talking_points_and_engagements_are_never_evidence() {
        let found = one_section("We said so [@TP1].\n\nThey said so [@ENG4].\n\nAlso [@TP9].");
        assert_eq!(
            codes(&found),
            vec![
                (LintCode::E003, Some(0)),
                (LintCode::E003, Some(1)),
                (LintCode::E003, Some(2))
            ]
        );
        assert!(found[0].message.contains("TP1"));
        assert!(found[1].message.contains("ENG4"));
        assert!(found[2].message.contains("not one of this tasking"));
        // A figure cited only to a talking point is E003, not also E001.
        let found = one_section("Claims reached 144,000 [@TP1].");
        assert_eq!(codes(&found), vec![(LintCode::E003, Some(0))]);
    }

    #[test]
    fn e004_high_confidence_needs_two_independent_strong_sources() {
        let j =
            |cites: &str| one_section(&format!("Judgment (high confidence): it holds {cites}."));
        assert!(j("[@S1; @S2]").is_empty());
        assert!(
            j("[@S1; @S4]").is_empty(),
            "one strong source suffices with two roots"
        );
        assert_eq!(codes(&j("[@S1]")), vec![(LintCode::E004, Some(0))]);
        // S3 is an echo of S2: one independent source.
        let echo = j("[@S2; @S3]");
        assert_eq!(codes(&echo), vec![(LintCode::E004, Some(0))]);
        assert!(
            echo[0].message.contains("1 independent source"),
            "{}",
            echo[0].message
        );
        // Two independent sources, but both graded D–F.
        let weak = j("[@S4; @S5]");
        assert_eq!(codes(&weak), vec![(LintCode::E004, Some(0))]);
        assert!(weak[0].message.contains("D–F"), "{}", weak[0].message);
        // Unresolvable and incident citations do not count as sources.
        assert_eq!(codes(&j("[@S1; @INC7]")), vec![(LintCode::E004, Some(0))]);
        assert_eq!(
            codes(&j("[@S1; @S99]")),
            vec![(LintCode::E002, Some(0)), (LintCode::E004, Some(0))]
        );
        // Moderate and low confidence are not held to this bar.
        assert!(one_section("Judgment (moderate confidence): it holds [@S5].").is_empty());
        assert!(one_section("Judgment (low confidence): it holds [@S5].").is_empty());
    }

    #[test]
    fn e007_missing_sections_citations_and_judgments() {
        let template = vec![
            section("summary", true, 0, false),
            section("optional", false, 0, false),
            section("evidence", true, 2, false),
            section("assessment", true, 0, true),
        ];
        let world = World::new(template.clone())
            .with("summary", "  \n")
            .with("optional", "");
        let found = world.lint();
        assert_eq!(
            found
                .iter()
                .map(|f| (
                    f.code,
                    f.section.as_ref().map(SectionKey::as_str),
                    f.portion
                ))
                .collect::<Vec<_>>(),
            vec![
                (LintCode::E007, Some("summary"), None),
                (LintCode::E007, Some("evidence"), None),
                (LintCode::E007, Some("assessment"), None),
            ]
        );
        assert!(
            found[0].message.contains("\"summary\" is empty"),
            "{}",
            found[0].message
        );

        let world = World::new(template.clone())
            .with("summary", "(U) Written.")
            .with(
                "evidence",
                "Cited [@S1] and again [@S1, p. 2] and [@S99] and [@TP1].",
            )
            .with("assessment", "Some analysis without a judgment.");
        let found = world.lint();
        assert_eq!(
            found
                .iter()
                .map(|f| (
                    f.code,
                    f.section.as_ref().map(SectionKey::as_str),
                    f.portion
                ))
                .collect::<Vec<_>>(),
            vec![
                (LintCode::E007, Some("evidence"), None),
                (LintCode::E002, Some("evidence"), Some(0)),
                (LintCode::E003, Some("evidence"), Some(0)),
                (LintCode::E007, Some("assessment"), None),
            ]
        );
        assert!(
            found[0].message.contains("cites 1 distinct source"),
            "{}",
            found[0].message
        );
        assert!(
            found[3].message.contains("Judgment (high confidence):"),
            "{}",
            found[3].message
        );

        let world = World::new(template)
            .with("summary", "Written.")
            .with("evidence", "Cited [@S1] and [@INC7].")
            .with("assessment", "Judgment (moderate confidence): holds [@S1].")
            .with("not_in_template", "Claims rose to 144,000 [@TP1].");
        assert_eq!(world.lint(), Vec::new());
    }

    #[test]
    fn findings_follow_template_then_portion_order() {
        let world = World::new(vec![
            section("b_first", false, 0, false),
            section("a_second", true, 0, false),
        ])
        .with("a_second", "Figure 1,000.\n\nAnother 2,000.")
        .with("b_first", "Uncited 5%.\n\nBad [@S42].");
        let found = world.lint();
        assert_eq!(
            found
                .iter()
                .map(|f| (
                    f.section.as_ref().map(SectionKey::as_str),
                    f.portion,
                    f.code
                ))
                .collect::<Vec<_>>(),
            vec![
                (Some("b_first"), Some(0), LintCode::E001),
                (Some("b_first"), Some(1), LintCode::E002),
                (Some("a_second"), Some(0), LintCode::E001),
                (Some("a_second"), Some(1), LintCode::E001),
            ]
        );
    }

    #[test]
    fn code_helpers() {
        assert!(LintCode::ALL.iter().all(|c| c.blocks_transmission()));
        let on_save: Vec<LintCode> = LintCode::ALL
            .into_iter()
            .filter(|c| c.rejected_on_save())
            .collect();
        assert_eq!(on_save, vec![LintCode::E006]);
        assert_eq!(LintCode::parse(" e004 "), Some(LintCode::E004));
    }

    // ---- E006 personal data -----------------------------------------------------------------

    fn kinds(text: &str) -> Vec<(PersonalDataKind, &str)> {
        personal_data(text)
            .into_iter()
            .map(|p| (p.kind, &text[p.range]))
            .collect()
    }

    #[test]
    fn e006_finds_emails_and_phones() {
        use PersonalDataKind::{Email, Phone};
        assert_eq!(
            kinds("Write to jane.doe@example.gc.ca or call (613) 555-0100."),
            vec![(Email, "jane.doe@example.gc.ca"), (Phone, "(613) 555-0100")]
        );
        for phone in [
            "+1 613 555 0100",
            "+44 20 7946 0958",
            "+33 (0)1 23 45 67 89",
            "613-555-0100",
            "613 555 0100",
            "613.555.0100",
            "1-800-555-0199",
            "020 7946 0958",
            "06 12 34 56 78",
            "(02) 9876 5432",
            "0612345678",
        ] {
            let text = format!("The contact number is {phone} for callers.");
            assert_eq!(kinds(&text), vec![(Phone, phone)], "{text}");
        }
    }

    #[test]
    fn e006_finds_identity_numbers() {
        use PersonalDataKind::IdentityNumber;
        for (text, found) in [
            ("His passport AB1234567 was seized.", "passport AB1234567"),
            ("passport number: 123456789.", "passport number: 123456789"),
            ("SIN 046 454 286 on file", "SIN 046 454 286"),
            (
                "social insurance number 123-456-789",
                "social insurance number 123-456-789",
            ),
            ("ID card X12345678 was shown", "ID card X12345678"),
            ("DNI 12345678Z", "DNI 12345678Z"),
            ("BSN 123456782", "BSN 123456782"),
            ("PPS 1234567T", "PPS 1234567T"),
            (
                "national insurance number AB 12 34 56 C",
                "national insurance number AB 12 34 56 C",
            ),
            ("his number 123-456-789 was", "123-456-789"),
            ("his number 123 456 789 was", "123 456 789"),
            ("NINO AB123456C", "NINO AB123456C"),
            ("holder of AB123456C", "AB123456C"),
        ] {
            assert_eq!(kinds(text), vec![(IdentityNumber, found)], "{text}");
        }
    }

    #[test]
    fn e006_finds_dates_of_birth() {
        use PersonalDataKind::DateOfBirth;
        for (text, found) in [
            (
                "He was born on 12 March 1985 in Aleppo.",
                "born on 12 March 1985",
            ),
            ("born 1985-03-12", "born 1985-03-12"),
            ("date of birth: 12/03/1985", "date of birth: 12/03/1985"),
            ("DOB 1985-03-12", "DOB 1985-03-12"),
            ("né le 12 mars 1985", "né le 12 mars 1985"),
            ("geboren am 12. März 1985", "geboren am 12. März 1985"),
            ("born March 12, 1985", "born March 12, 1985"),
            ("born in March 1985", "born in March 1985"),
        ] {
            assert_eq!(kinds(text), vec![(DateOfBirth, found)], "{text}");
        }
    }

    #[test]
    fn e006_leaves_official_statistics_alone() {
        let clean = [
            "Canada admitted 483,640 permanent residents in 2024 [@S1].",
            "The 2025–2027 Levels Plan targets 395,000 in 2025, 380,000 in 2026 and 365,000 in 2027.",
            "380,000 permanent residents in 2026; 1,049,500 people; 0.8% of the population.",
            "The 2026–2028 plan; the 2024-25 budget; FY2024-25; published 2023-03-25.",
            "StatCan Table 17-10-0009-01 and 98-316-X2021001; ISBN 978-0-12-345678-9.",
            "Rates per 100 000; 12 345 678 residents; 100 000 000 in total; +2.3% growth.",
            "Irregular claims fell from 165/day to 9/day; about 113,000 since 2017.",
            "People born in 1990 or born abroad; passport holders; ID requirements; SIN program.",
            "The date of birth field is not collected; section 8 of the Privacy Act.",
            "Cite [@S12] and [@INC3, p. 4]; TP3; Bill C-12; COVID-19.",
            "In force from 12:01 a.m. on Saturday 25 March 2023.",
        ];
        for text in clean {
            assert_eq!(kinds(text), Vec::new(), "{text}");
        }
    }

    #[test]
    fn e006_ranges_are_ordered_and_disjoint() {
        let text = "Mail a@b.org, call +1 613 555 0100, DOB 1985-03-12, passport AB1234567.";
        let found = personal_data(text);
        assert_eq!(found.len(), 4);
        for pair in found.windows(2) {
            assert!(pair[0].range.end <= pair[1].range.start);
        }
    }
}
