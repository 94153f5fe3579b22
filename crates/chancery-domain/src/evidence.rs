//! Evidence and records: sources with grades, incidents (events, never persons), engagements,
//! policy measures (DESIGN §3).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::ids::{CountryCode, PostCode, TalkingPointId, TaskingRef, VocabCode};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in files, the CLI and the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a code; the error lists the accepted codes.
            pub fn parse(s: &str) -> Result<Self, String> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s).ok_or_else(|| {
                    let all: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    format!("unknown {} {:?}: expected one of {}", $what, s, all.join(", "))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s)
            }
        }
    };
}

code_enum!(
    /// What kind of publication or record a source is.
    SourceKind, "source kind" {
        /// Figures from a national or international statistics body.
        OfficialStatistics => "official_statistics",
        /// Statute, regulation or treaty text.
        Legislation => "legislation",
        /// Judgment, decision or court filing.
        CourtRecord => "court_record",
        /// Press release, plan, ministerial statement.
        GovernmentStatement => "government_statement",
        /// Hansard, committee evidence, order-paper answer.
        ParliamentaryRecord => "parliamentary_record",
        /// Report by a non-governmental organisation.
        NgoReport => "ngo_report",
        /// Peer-reviewed or academic work.
        AcademicStudy => "academic_study",
        /// Press report.
        NewsReport => "news_report",
        /// Post's own note of a meeting (not host-government position unless stated).
        MeetingNote => "meeting_note",
    }
);

code_enum!(
    /// Source reliability, Admiralty scale: A (completely reliable) … F (cannot be judged).
    Reliability, "reliability grade" {
        /// Completely reliable.
        A => "A",
        /// Usually reliable.
        B => "B",
        /// Fairly reliable.
        C => "C",
        /// Not usually reliable.
        D => "D",
        /// Unreliable.
        E => "E",
        /// Reliability cannot be judged (the default).
        F => "F",
    }
);

code_enum!(
    /// Information credibility, Admiralty scale: 1 (confirmed) … 6 (cannot be judged).
    Credibility, "credibility grade" {
        /// Confirmed by other sources.
        Confirmed => "1",
        /// Probably true.
        Probable => "2",
        /// Possibly true.
        Possible => "3",
        /// Doubtful.
        Doubtful => "4",
        /// Improbable.
        Improbable => "5",
        /// Truth cannot be judged (the default).
        CannotJudge => "6",
    }
);

impl Reliability {
    /// D, E and F: a source that cannot carry a high-confidence judgment on its own (E004).
    pub fn is_weak(self) -> bool {
        self >= Reliability::D
    }
}

/// A source's grade, e.g. `B2`. Ungraded sources are `F6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// How reliable the publisher is.
    pub reliability: Reliability,
    /// How credible this piece of information is.
    pub credibility: Credibility,
}

impl Default for Grade {
    fn default() -> Self {
        Grade {
            reliability: Reliability::F,
            credibility: Credibility::CannotJudge,
        }
    }
}

impl Grade {
    /// Parses `B2`-style grades.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let mut chars = s.chars();
        let (Some(r), Some(c), None) = (chars.next(), chars.next(), chars.next()) else {
            return Err(format!(
                "invalid grade {s:?}: expected a letter A-F and a digit 1-6, e.g. B2"
            ));
        };
        Ok(Grade {
            reliability: Reliability::parse(&r.to_string())?,
            credibility: Credibility::parse(&c.to_string())?,
        })
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.reliability, self.credibility)
    }
}

/// A date known to the year, the month or the day: `2017`, `2023-09`, `2023-03-25`.
///
/// Records of real events are often dated only to the month; pretending otherwise would invent
/// precision. Ordering is chronological by the earliest day the value can mean.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate(String);

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking the month and day exist.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("invalid date {s:?}: expected YYYY, YYYY-MM or YYYY-MM-DD");
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| {
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u16>().ok())
                .flatten()
        };
        match parts.as_slice() {
            [y] => num(y, 4).map(|_| ()).ok_or_else(bad)?,
            [y, m] => {
                num(y, 4).ok_or_else(bad)?;
                let m = num(m, 2).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(bad());
                }
            }
            [_, _, _] => {
                crate::dates::parse(s).map_err(|_| bad())?;
            }
            _ => return Err(bad()),
        }
        Ok(PartialDate(s.to_string()))
    }

    /// The date as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PartialDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PartialDate::parse(&s)
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.0
    }
}

/// A new source as recorded by a post or loaded from content. Grading is a separate act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// What kind of publication it is.
    pub kind: SourceKind,
    /// Who published it (an organisation).
    pub publisher: String,
    /// Its title.
    pub title: String,
    /// Where it can be found.
    #[serde(default)]
    pub url: Option<String>,
    /// Publication date, as precise as known.
    #[serde(default)]
    pub published: Option<PartialDate>,
    /// ISO 639-1 language code of the content, e.g. `en`, `fr`.
    #[serde(default = "english")]
    pub language: String,
    /// Portion marking of the source record itself.
    #[serde(default = "unclassified")]
    pub marking: Classification,
    /// The source this one repeats (an echo is not independent corroboration).
    #[serde(default)]
    pub derived_from: Option<i64>,
}

fn english() -> String {
    "en".to_string()
}

fn unclassified() -> Classification {
    Classification::Unclassified
}

impl SourceSpec {
    /// Checks required text fields and the URL and language shapes.
    pub fn validate(&self) -> Result<(), String> {
        if self.publisher.trim().is_empty() {
            return Err("field `publisher`: must not be empty".into());
        }
        if self.title.trim().is_empty() {
            return Err("field `title`: must not be empty".into());
        }
        if let Some(url) = &self.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!(
                "field `url`: {url:?} must start with https:// or http://"
            ));
        }
        let lang_ok = (2..=3).contains(&self.language.len())
            && self.language.bytes().all(|b| b.is_ascii_lowercase());
        if !lang_ok {
            return Err(format!(
                "field `language`: {:?} is not an ISO 639-1 code such as en, fr, de",
                self.language
            ));
        }
        Ok(())
    }
}

code_enum!(
    /// Where the criminal or administrative process behind an incident stands.
    LegalStatus, "legal status" {
        /// Reported or under investigation; nobody charged.
        Suspected => "suspected",
        /// Charges laid; no final judgment.
        Charged => "charged",
        /// Conviction that is final (no appeal pending).
        ConvictedFinal => "convicted_final",
        /// Acquitted or charges dropped.
        Acquitted => "acquitted",
        /// Not known.
        Unknown => "unknown",
    }
);

code_enum!(
    /// How far an incident's account has been checked.
    Verification, "verification status" {
        /// One account, not checked.
        Unverified => "unverified",
        /// Independent sources agree.
        Corroborated => "corroborated",
        /// Confirmed by an official record (court, police, ministry).
        Confirmed => "confirmed",
        /// Checked and not substantiated by the available evidence.
        NotSubstantiated => "not_substantiated",
    }
);

/// An incident: an *event*, never a person. No field holds a name, an age, an origin or any
/// other attribute of an individual; free text is checked for personal data on save (E006).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// The post that recorded it.
    pub post: PostCode,
    /// When it happened (start of a range).
    pub occurred: PartialDate,
    /// End of the range, if it spanned time.
    #[serde(default)]
    pub occurred_until: Option<PartialDate>,
    /// Country where it happened.
    pub country: CountryCode,
    /// Province, state or region.
    #[serde(default)]
    pub region: Option<String>,
    /// City or locality (never a street address).
    #[serde(default)]
    pub locality: Option<String>,
    /// Controlled-vocabulary category (symmetric: offences by and against migrants, …).
    pub category: VocabCode,
    /// Number of victims, if known.
    #[serde(default)]
    pub victims: Option<u32>,
    /// Number of suspects, if known.
    #[serde(default)]
    pub suspects: Option<u32>,
    /// Where the legal process stands.
    pub legal_status: LegalStatus,
    /// How far the account is verified.
    pub verification: Verification,
    /// What happened, without identifying anyone.
    pub summary: String,
    /// Portion marking.
    pub marking: Classification,
    /// Sources (at least one).
    pub sources: Vec<i64>,
}

impl IncidentSpec {
    /// Checks the rules serde cannot: at least one source, a sane date range, a summary.
    pub fn validate(&self) -> Result<(), String> {
        if self.sources.is_empty() {
            return Err("field `sources`: an incident needs at least one source".into());
        }
        if self.summary.trim().is_empty() {
            return Err("field `summary`: must not be empty".into());
        }
        if let Some(until) = &self.occurred_until
            && until < &self.occurred
        {
            return Err(format!(
                "field `occurred_until`: {until} is before the start {}",
                self.occurred
            ));
        }
        Ok(())
    }
}

/// A meeting or démarche with host-government officials (by office and title, never private
/// persons). Never evidence: citing one is E003.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementSpec {
    /// The post that held it.
    pub post: PostCode,
    /// The tasking whose talking points were delivered, if any.
    #[serde(default)]
    pub tasking: Option<TaskingRef>,
    /// When.
    #[serde(with = "crate::dates")]
    pub date: time::Date,
    /// The host office met, e.g. "Immigration, Refugees and Citizenship Canada".
    pub host_office: String,
    /// Official title of the interlocutor, e.g. "Assistant Deputy Minister, Policy".
    pub official_title: String,
    /// Talking points delivered.
    #[serde(default)]
    pub talking_points: Vec<TalkingPointId>,
    /// What the host side said.
    pub host_response: String,
    /// Agreed or planned follow-up.
    #[serde(default)]
    pub follow_up: String,
    /// Portion marking.
    pub marking: Classification,
}

code_enum!(
    /// The legal form of a host-government policy measure.
    MeasureType, "measure type" {
        /// Primary legislation.
        Law => "law",
        /// Secondary legislation or rule.
        Regulation => "regulation",
        /// A published target (e.g. an immigration levels plan).
        PlanTarget => "plan_target",
        /// A spending or service programme.
        Programme => "programme",
        /// An international agreement or protocol.
        Agreement => "agreement",
        /// An announced intention without legal force yet.
        Announcement => "announcement",
    }
);

/// A quantitative target attached to a policy measure, as a series value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyTarget {
    /// Series code, e.g. `pr_target_total_lp2026`.
    pub series: String,
    /// Period, e.g. `2026`.
    pub period: String,
    /// Target value.
    pub value: f64,
    /// Unit, e.g. `persons`.
    pub unit: String,
}

/// A host-government measure: law, regulation, plan target, programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Host country.
    pub country: CountryCode,
    /// Short title.
    pub title: String,
    /// Legal form.
    pub measure_type: MeasureType,
    /// When announced.
    #[serde(default)]
    pub announced: Option<PartialDate>,
    /// When in force.
    #[serde(default)]
    pub in_force: Option<PartialDate>,
    /// What it does.
    pub description: String,
    /// Source documenting it.
    #[serde(default)]
    pub source: Option<i64>,
    /// Quantitative targets.
    #[serde(default)]
    pub targets: Vec<PolicyTarget>,
    /// Portion marking.
    #[serde(default = "unclassified")]
    pub marking: Classification,
}

code_enum!(
    /// Confidence attached to an analytic judgment.
    Confidence, "confidence" {
        /// Well-corroborated by independent, reliable sources.
        High => "high",
        /// Credibly sourced but with gaps or alternatives.
        Moderate => "moderate",
        /// Fragmentary or weakly sourced.
        Low => "low",
    }
);

/// A vocabulary term (incident categories and the like), loaded from `content/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VocabTerm {
    /// Stable code.
    pub code: VocabCode,
    /// Label shown to people.
    pub label: String,
    /// What it covers.
    #[serde(default)]
    pub definition: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_parse_and_print() {
        let g = Grade::parse("B2").unwrap();
        assert_eq!(g.reliability, Reliability::B);
        assert_eq!(g.credibility, Credibility::Probable);
        assert_eq!(g.to_string(), "B2");
        assert_eq!(Grade::default().to_string(), "F6");
        assert!(Grade::parse("G1").is_err());
        assert!(Grade::parse("A7").is_err());
        assert!(Grade::parse("A12").is_err());
        assert!(Reliability::D.is_weak() && !Reliability::C.is_weak());
    }

    #[test]
    fn partial_dates() {
        for ok in ["2017", "2023-09", "2023-03-25"] {
            assert_eq!(PartialDate::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["17", "2023-13", "2023-02-30", "2023/09", "2023-9", ""] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
        assert!(PartialDate::parse("2023").unwrap() < PartialDate::parse("2023-03").unwrap());
    }

    #[test]
    fn enums_list_accepted_codes_on_error() {
        let e = SourceKind::parse("blog").unwrap_err();
        assert!(e.contains("official_statistics"), "{e}");
        assert_eq!(
            LegalStatus::parse("convicted_final"),
            Ok(LegalStatus::ConvictedFinal)
        );
    }
}
