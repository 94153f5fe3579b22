//! The API's request and response bodies. They are defined here, not derived on the domain
//! types, so the wire format (and the OpenAPI document generated from it) changes only when
//! this file does. Codes are the same strings the CLI and the files use (`SBU`, `in_clearance`,
//! `official_statistics`, `B2`).

use chancery_app::{CompletenessRow, ReportView, TaskingView};
use chancery_domain::Classification;
use chancery_domain::evidence::{LegalStatus, MeasureType, PartialDate, SourceKind, Verification};
use chancery_domain::ids::{CountryCode, PostCode, TalkingPointId, TaskingRef, VocabCode};
use chancery_domain::lint::Finding;
use chancery_store::{ApiTokenRow, EngagementRow, IncidentRow, PolicyRow, ReportRow, SourceRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error envelope every API error uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// One entry per problem (currently always one).
    pub errors: Vec<ErrorItem>,
}

/// One problem with a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// Machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `too_large`, `method_not_allowed`, `internal`.
    pub code: String,
    /// What was wrong and what to do, for people. Internal errors say only that something
    /// failed (the cause is logged with the request id).
    pub detail: String,
    /// The offending input on 400s: a JSON path into the body (`revision`, `targets[0].value`,
    /// `$` for the body as a whole), a query parameter (`per_page`) or a header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

macro_rules! page {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// This page's items.
            pub items: Vec<$item>,
            /// The page number (from 1).
            pub page: usize,
            /// The page size asked for.
            pub per_page: usize,
            /// How many items there are in all (that the user may see).
            pub total: usize,
        }

        impl $name {
            /// Cuts one page out of the full list.
            pub fn of(all: Vec<$item>, p: super::extract::Pagination) -> Self {
                let (items, total) = p.slice(all);
                $name { items, page: p.page, per_page: p.per_page, total }
            }
        }
    };
}

page!(
    /// A page of taskings.
    TaskingPage,
    TaskingDto
);
page!(
    /// A page of sources.
    SourcePage,
    SourceDto
);
page!(
    /// A page of incidents.
    IncidentPage,
    IncidentDto
);
page!(
    /// A page of engagements.
    EngagementPage,
    EngagementDto
);
page!(
    /// A page of policy measures.
    PolicyPage,
    PolicyDto
);
page!(
    /// A page of API tokens.
    TokenPage,
    TokenDto
);

/// A tasking as the user may see it, with where each addressee post stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskingDto {
    /// Reference, e.g. `CHN-2026-0001`.
    pub reference: String,
    /// One-line subject.
    pub subject: String,
    /// Classification of the tasking and default portion marking of its reports (`U`, `SBU`,
    /// `C`, `S`).
    pub classification: String,
    /// The issuing HQ office.
    pub issuing_office: String,
    /// Due date (`YYYY-MM-DD`).
    pub due: String,
    /// Cable TAGS.
    pub tags: Vec<String>,
    /// Addressee posts.
    pub addressees: Vec<String>,
    /// Instructions (Markdown).
    pub body: String,
    /// The report template, in order.
    pub sections: Vec<TemplateSectionDto>,
    /// Talking points for démarches.
    pub talking_points: Vec<TalkingPointDto>,
    /// `draft`, `issued` or `closed`.
    pub status: String,
    /// When issued.
    pub issued_at: Option<String>,
    /// One row per addressee post.
    pub completeness: Vec<CompletenessDto>,
}

/// One section of a tasking's report template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSectionDto {
    /// Stable key, used in section URLs.
    pub key: String,
    /// Heading.
    pub title: String,
    /// What HQ wants here (Markdown).
    pub guidance: String,
    /// Must have content before transmission.
    pub required: bool,
    /// Minimum distinct citations.
    pub min_citations: u32,
    /// Must state a confidence on a judgment.
    pub confidence_required: bool,
}

/// A numbered talking point.
#[derive(Debug, Serialize, ToSchema)]
pub struct TalkingPointDto {
    /// `TP1`, `TP2`, …
    pub id: String,
    /// What the post says.
    pub text: String,
}

/// Where one addressee post stands on a tasking.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletenessDto {
    /// The post.
    pub post: String,
    /// Report status; `not_started`; or `not_received` when the viewer may not follow this
    /// post's progress.
    pub status: String,
    /// The version being drafted or last transmitted.
    pub version: Option<i64>,
    /// When the latest version was transmitted.
    pub transmitted_at: Option<String>,
    /// `on_time`, `late`, `pending` or `-`.
    pub timeliness: String,
    /// Open lint findings (absent when the viewer may not see the report).
    pub lint_findings: Option<usize>,
    /// Codes of the open findings.
    pub lint_codes: Vec<String>,
}

impl From<CompletenessRow> for CompletenessDto {
    fn from(c: CompletenessRow) -> Self {
        CompletenessDto {
            post: c.post.to_string(),
            status: c.status,
            version: c.version,
            transmitted_at: c.transmitted_at,
            timeliness: c.timeliness,
            lint_findings: c.lint_findings,
            lint_codes: c.lint_codes,
        }
    }
}

impl From<TaskingView> for TaskingDto {
    fn from(v: TaskingView) -> Self {
        let t = v.tasking;
        TaskingDto {
            reference: t.reference.to_string(),
            subject: t.subject,
            classification: t.classification.code().into(),
            issuing_office: t.issuing_office,
            due: chancery_domain::dates::format(t.due),
            tags: t.tags,
            addressees: t.addressees.iter().map(ToString::to_string).collect(),
            body: t.body,
            sections: t
                .sections
                .into_iter()
                .map(|s| TemplateSectionDto {
                    key: s.key.to_string(),
                    title: s.title,
                    guidance: s.guidance,
                    required: s.required,
                    min_citations: s.min_citations,
                    confidence_required: s.confidence_required,
                })
                .collect(),
            talking_points: t
                .talking_points
                .into_iter()
                .map(|tp| TalkingPointDto {
                    id: tp.id.to_string(),
                    text: tp.text,
                })
                .collect(),
            status: v.status.code().into(),
            issued_at: v.issued_at,
            completeness: v.completeness.into_iter().map(Into::into).collect(),
        }
    }
}

/// One lint finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    /// Rule code, e.g. `E001`.
    pub code: String,
    /// Rule name, e.g. `uncited-figure`.
    pub name: String,
    /// The section, when the finding is about one.
    pub section: Option<String>,
    /// The paragraph within the section, numbered from 1, when about one.
    pub paragraph: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl From<Finding> for FindingDto {
    fn from(f: Finding) -> Self {
        FindingDto {
            code: f.code.code().into(),
            name: f.code.name().into(),
            section: f.section.map(|s| s.to_string()),
            paragraph: f.portion.map(|p| p + 1),
            message: f.message,
        }
    }
}

/// Findings on a report's current text that the user may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct LintDto {
    /// The findings.
    pub findings: Vec<FindingDto>,
}

/// A report as the user may see it: paragraphs above their clearance are replaced by
/// `[paragraph withheld: C]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    /// Tasking reference.
    pub tasking: String,
    /// Tasking subject.
    pub subject: String,
    /// The reporting post.
    pub post: String,
    /// `draft`, `in_clearance`, `cleared`, `transmitted`, `accepted` or `returned`.
    pub status: String,
    /// Version being drafted or last transmitted.
    pub version: i64,
    /// Highest marking among the paragraphs shown.
    pub banner: String,
    /// Sections in template order.
    pub sections: Vec<SectionDto>,
    /// Open lint findings (empty when `findings_withheld`).
    pub findings: Vec<FindingDto>,
    /// True when findings are withheld because some paragraph is.
    pub findings_withheld: bool,
    /// Transmitted versions.
    pub versions: Vec<VersionDto>,
    /// Comments and return reasons.
    pub comments: Vec<CommentDto>,
    /// Workflow actions this user may take now (`submit`, `clear`, …).
    pub actions: Vec<String>,
    /// Changes with every save and workflow step; send it back as `lock_version` with an
    /// action so the action applies only to the report as you saw it (409 otherwise).
    pub lock_version: i64,
}

/// One section of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionDto {
    /// Template key.
    pub key: String,
    /// Heading.
    pub title: String,
    /// Current revision (0 if never written); send it back when saving.
    pub revision: i64,
    /// Who saved the current revision.
    pub author: Option<String>,
    /// Paragraphs in order, withheld ones as markers.
    pub paragraphs: Vec<ParagraphDto>,
}

/// One paragraph, or the marker standing for a withheld one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParagraphDto {
    /// Portion marking.
    pub marking: String,
    /// Withheld from this user.
    pub withheld: bool,
    /// The Markdown (with its `(X)` marking), or `[paragraph withheld: C]`.
    pub markdown: String,
}

/// A transmitted version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// Number.
    pub version: i64,
    /// SHA-256 of the frozen content.
    pub sha256: String,
    /// Who transmitted it.
    pub transmitted_by: String,
    /// When.
    pub transmitted_at: String,
    /// The approver's reason for transmitting despite lint findings.
    pub lint_override: Option<String>,
}

/// A comment or return reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    /// `comment` or `return`.
    pub kind: String,
    /// Section, if about one.
    pub section: Option<String>,
    /// Author.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub at: String,
}

impl From<ReportView> for ReportDto {
    fn from(v: ReportView) -> Self {
        ReportDto {
            tasking: v.tasking.to_string(),
            subject: v.subject,
            post: v.post.to_string(),
            status: v.status.code().into(),
            version: v.version,
            banner: v.banner.code().into(),
            sections: v
                .sections
                .into_iter()
                .map(|s| SectionDto {
                    key: s.key.to_string(),
                    title: s.title,
                    revision: s.revision,
                    author: s.author,
                    paragraphs: s
                        .portions
                        .into_iter()
                        .map(|p| ParagraphDto {
                            marking: p.marking.code().into(),
                            withheld: p.withheld,
                            markdown: p.markdown,
                        })
                        .collect(),
                })
                .collect(),
            findings: v.findings.into_iter().map(Into::into).collect(),
            findings_withheld: v.findings_withheld,
            versions: v
                .versions
                .into_iter()
                .map(|x| VersionDto {
                    version: x.version,
                    sha256: x.sha256,
                    transmitted_by: x.transmitted_by,
                    transmitted_at: x.transmitted_at,
                    lint_override: x.lint_override,
                })
                .collect(),
            comments: v
                .comments
                .into_iter()
                .map(|c| CommentDto {
                    kind: c.kind,
                    section: c.section,
                    author: c.author,
                    body: c.body,
                    at: c.at,
                })
                .collect(),
            actions: v.actions.iter().map(|a| a.code().to_string()).collect(),
            lock_version: v.lock_version,
        }
    }
}

/// Where a report stands after a workflow action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStateDto {
    /// Tasking reference.
    pub tasking: String,
    /// The post.
    pub post: String,
    /// The new status.
    pub status: String,
    /// The version now being drafted or last transmitted.
    pub version: i64,
    /// The report's new lock version.
    pub lock_version: i64,
}

impl From<ReportRow> for ReportStateDto {
    fn from(r: ReportRow) -> Self {
        ReportStateDto {
            tasking: r.tasking.to_string(),
            post: r.post.to_string(),
            status: r.status.code().into(),
            version: r.version_no,
            lock_version: r.lock_version,
        }
    }
}

/// `PUT …/sections/{key}`: the section's whole new text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSection {
    /// Markdown; paragraphs may start with a portion marking such as `(C)`; unmarked ones take
    /// the tasking's classification.
    pub body: String,
    /// The revision the text was based on (from the report view; 0 for a new section). A
    /// different current revision means someone else saved meanwhile: 409.
    pub revision: i64,
}

/// The outcome of a save.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedSection {
    /// The new revision.
    pub revision: i64,
    /// The report's lint findings after the save.
    pub findings: Vec<FindingDto>,
}

/// `POST …/actions/{action}`: what some actions need. The body may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `return`: what must change (required).
    #[serde(default)]
    pub reason: Option<String>,
    /// `transmit`: why the approver transmits despite blocking lint findings.
    #[serde(default)]
    pub override_reason: Option<String>,
    /// The report's `lock_version` as you last saw it: if the report changed since (a save,
    /// another action), the action is refused with 409 and nothing changes. Omit it to act on
    /// the report as it is now.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub lock_version: Option<i64>,
}

/// `POST …/comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The comment (no personal data).
    pub body: String,
    /// The section it is about, if one.
    #[serde(default)]
    pub section: Option<String>,
}

/// The id of something just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Its id.
    pub id: i64,
}

/// A source in the evidence locker.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    /// Id.
    pub id: i64,
    /// How reports cite it, e.g. `S12`.
    pub key: String,
    /// Kind code, e.g. `official_statistics`.
    pub kind: String,
    /// Publisher (an organisation).
    pub publisher: String,
    /// Title.
    pub title: String,
    /// Where it is found.
    pub url: Option<String>,
    /// Publication date, as precise as known (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
    pub published: Option<String>,
    /// Language (ISO 639-1).
    pub language: String,
    /// Marking of the source record.
    pub marking: String,
    /// The source this one repeats.
    pub derived_from: Option<i64>,
    /// Grade, e.g. `B2` (`F6` until graded).
    pub grade: String,
    /// Why it was graded so.
    pub grade_rationale: Option<String>,
    /// Who graded it.
    pub graded_by: Option<String>,
    /// When.
    pub graded_at: Option<String>,
    /// SHA-256 of the captured content.
    pub capture_sha256: Option<String>,
    /// Name of the captured content.
    pub capture_name: Option<String>,
    /// When captured.
    pub retrieved_at: Option<String>,
    /// Who recorded it.
    pub created_by: String,
}

impl From<SourceRow> for SourceDto {
    fn from(s: SourceRow) -> Self {
        SourceDto {
            id: s.id,
            key: format!("S{}", s.id),
            kind: s.spec.kind.code().into(),
            publisher: s.spec.publisher,
            title: s.spec.title,
            url: s.spec.url,
            published: s.spec.published.map(String::from),
            language: s.spec.language,
            marking: s.spec.marking.code().into(),
            derived_from: s.spec.derived_from,
            grade: s.grade.to_string(),
            grade_rationale: s.grade_rationale,
            graded_by: s.graded_by,
            graded_at: s.graded_at,
            capture_sha256: s.capture_sha256,
            capture_name: s.capture_name,
            retrieved_at: s.retrieved_at,
            created_by: s.created_by,
        }
    }
}

/// `POST /sources`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSource {
    /// `official_statistics`, `legislation`, `court_record`, `government_statement`,
    /// `parliamentary_record`, `ngo_report`, `academic_study`, `news_report` or `meeting_note`.
    #[schema(value_type = String, example = "official_statistics")]
    pub kind: SourceKind,
    /// Publisher (an organisation).
    pub publisher: String,
    /// Title.
    pub title: String,
    /// `https://` or `http://` URL.
    #[serde(default)]
    pub url: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2025-11")]
    pub published: Option<PartialDate>,
    /// ISO 639-1 code (default `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Marking of the record (default `U`), at most your clearance.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "U")]
    pub marking: Option<Classification>,
    /// Id of the source this one repeats.
    #[serde(default)]
    pub derived_from: Option<i64>,
    /// Captured content as text (its SHA-256 is recorded).
    #[serde(default)]
    pub capture: Option<NewCapture>,
}

/// Captured content of a source, as text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCapture {
    /// A file name for it.
    pub name: String,
    /// Its media type (default `text/plain`).
    #[serde(default)]
    pub media_type: Option<String>,
    /// The content.
    pub text: String,
}

/// `POST /sources/{id}/grade`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeBody {
    /// Reliability A–F and credibility 1–6, e.g. `B2`.
    #[schema(example = "B2")]
    pub grade: String,
    /// Why.
    pub rationale: String,
}

/// An incident (an event, never a person).
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    /// Id.
    pub id: i64,
    /// How reports cite it, e.g. `INC3`.
    pub key: String,
    /// Recording post.
    pub post: String,
    /// When (start).
    pub occurred: String,
    /// End of the range.
    pub occurred_until: Option<String>,
    /// Country (ISO 3166-1 alpha-3).
    pub country: String,
    /// Region.
    pub region: Option<String>,
    /// Locality.
    pub locality: Option<String>,
    /// Category code.
    pub category: String,
    /// Number of victims.
    pub victims: Option<u32>,
    /// Number of suspects.
    pub suspects: Option<u32>,
    /// Legal status code.
    pub legal_status: String,
    /// Verification code.
    pub verification: String,
    /// What happened.
    pub summary: String,
    /// Marking.
    pub marking: String,
    /// Source ids.
    pub sources: Vec<i64>,
    /// Who recorded it.
    pub created_by: String,
}

impl From<IncidentRow> for IncidentDto {
    fn from(i: IncidentRow) -> Self {
        let s = i.spec;
        IncidentDto {
            id: i.id,
            key: format!("INC{}", i.id),
            post: s.post.to_string(),
            occurred: s.occurred.to_string(),
            occurred_until: s.occurred_until.map(String::from),
            country: s.country.to_string(),
            region: s.region,
            locality: s.locality,
            category: s.category.to_string(),
            victims: s.victims,
            suspects: s.suspects,
            legal_status: s.legal_status.code().into(),
            verification: s.verification.code().into(),
            summary: s.summary,
            marking: s.marking.code().into(),
            sources: s.sources,
            created_by: i.created_by,
        }
    }
}

/// `POST /incidents`. There is no field for a person, by design.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// Recording post (your own, for post staff).
    #[schema(value_type = String, example = "OTTAWA")]
    pub post: PostCode,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2025-06")]
    pub occurred: PartialDate,
    /// End of the range.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub occurred_until: Option<PartialDate>,
    /// Country (ISO 3166-1 alpha-3).
    #[schema(value_type = String, example = "CAN")]
    pub country: CountryCode,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Locality (never a street address).
    #[serde(default)]
    pub locality: Option<String>,
    /// Category code from the vocabulary.
    #[schema(value_type = String)]
    pub category: VocabCode,
    /// Number of victims.
    #[serde(default)]
    pub victims: Option<u32>,
    /// Number of suspects.
    #[serde(default)]
    pub suspects: Option<u32>,
    /// `suspected`, `charged`, `convicted_final`, `acquitted` or `unknown`.
    #[schema(value_type = String, example = "unknown")]
    pub legal_status: LegalStatus,
    /// `unverified`, `corroborated`, `confirmed` or `not_substantiated`.
    #[schema(value_type = String, example = "unverified")]
    pub verification: Verification,
    /// What happened, identifying nobody.
    pub summary: String,
    /// Marking.
    #[schema(value_type = String, example = "U")]
    pub marking: Classification,
    /// Source ids (at least one).
    pub sources: Vec<i64>,
}

/// An engagement with host-government officials.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementDto {
    /// Id.
    pub id: i64,
    /// The post that held it.
    pub post: String,
    /// The tasking whose talking points were delivered.
    pub tasking: Option<String>,
    /// Date (`YYYY-MM-DD`).
    pub date: String,
    /// Host office.
    pub host_office: String,
    /// The interlocutor's official title.
    pub official_title: String,
    /// Talking points delivered.
    pub talking_points: Vec<String>,
    /// What the host side said.
    pub host_response: String,
    /// Follow-up.
    pub follow_up: String,
    /// Marking.
    pub marking: String,
    /// Who recorded it.
    pub created_by: String,
}

impl From<EngagementRow> for EngagementDto {
    fn from(e: EngagementRow) -> Self {
        let s = e.spec;
        EngagementDto {
            id: e.id,
            post: s.post.to_string(),
            tasking: s.tasking.map(|t| t.to_string()),
            date: chancery_domain::dates::format(s.date),
            host_office: s.host_office,
            official_title: s.official_title,
            talking_points: s.talking_points.iter().map(ToString::to_string).collect(),
            host_response: s.host_response,
            follow_up: s.follow_up,
            marking: s.marking.code().into(),
            created_by: e.created_by,
        }
    }
}

/// `POST /engagements`: officials by office and title, never private persons.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEngagement {
    /// The post (your own, for post staff).
    #[schema(value_type = String, example = "OTTAWA")]
    pub post: PostCode,
    /// The tasking whose talking points were delivered.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "CHN-2026-0001")]
    pub tasking: Option<TaskingRef>,
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-01-15")]
    pub date: String,
    /// Host office.
    pub host_office: String,
    /// The interlocutor's official title.
    pub official_title: String,
    /// Talking points delivered (`TP1`, …).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub talking_points: Vec<TalkingPointId>,
    /// What the host side said.
    pub host_response: String,
    /// Follow-up.
    #[serde(default)]
    pub follow_up: String,
    /// Marking.
    #[schema(value_type = String, example = "SBU")]
    pub marking: Classification,
}

/// A quantitative target of a policy measure.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyTargetDto {
    /// Series code.
    pub series: String,
    /// Period.
    pub period: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
}

/// A host-government policy measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDto {
    /// Id.
    pub id: i64,
    /// Host country.
    pub country: String,
    /// Title.
    pub title: String,
    /// Measure type code.
    pub measure_type: String,
    /// When announced.
    pub announced: Option<String>,
    /// When in force.
    pub in_force: Option<String>,
    /// What it does.
    pub description: String,
    /// Documenting source id.
    pub source: Option<i64>,
    /// Targets.
    pub targets: Vec<PolicyTargetDto>,
    /// Marking.
    pub marking: String,
    /// Who recorded it.
    pub created_by: String,
}

impl From<PolicyRow> for PolicyDto {
    fn from(p: PolicyRow) -> Self {
        let s = p.spec;
        PolicyDto {
            id: p.id,
            country: s.country.to_string(),
            title: s.title,
            measure_type: s.measure_type.code().into(),
            announced: s.announced.map(String::from),
            in_force: s.in_force.map(String::from),
            description: s.description,
            source: s.source,
            targets: s
                .targets
                .into_iter()
                .map(|t| PolicyTargetDto {
                    series: t.series,
                    period: t.period,
                    value: t.value,
                    unit: t.unit,
                })
                .collect(),
            marking: s.marking.code().into(),
            created_by: p.created_by,
        }
    }
}

/// `POST /policies`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    /// Host country (ISO 3166-1 alpha-3).
    #[schema(value_type = String, example = "CAN")]
    pub country: CountryCode,
    /// Title.
    pub title: String,
    /// `law`, `regulation`, `plan_target`, `programme`, `agreement` or `announcement`.
    #[schema(value_type = String, example = "law")]
    pub measure_type: MeasureType,
    /// When announced.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub announced: Option<PartialDate>,
    /// When in force.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub in_force: Option<PartialDate>,
    /// What it does.
    pub description: String,
    /// Documenting source id.
    #[serde(default)]
    pub source: Option<i64>,
    /// Targets.
    #[serde(default)]
    pub targets: Vec<PolicyTargetDto>,
    /// Marking (default `U`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub marking: Option<Classification>,
}

/// The authenticated user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// Login.
    pub username: String,
    /// `admin`, `hq_editor`, `post_drafter`, `post_approver` or `reader`.
    pub role: String,
    /// Clearance (`U`, `SBU`, `C`, `S`).
    pub clearance: String,
    /// Post, for post staff.
    pub post: Option<String>,
    /// `token` or `session`.
    pub auth: String,
    /// With session authentication: the token to send as `X-CSRF-Token` on every
    /// state-changing request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// An API token (never its secret, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    /// Id (for revoking).
    pub id: i64,
    /// What it is for.
    pub label: String,
    /// When created.
    pub created_at: String,
    /// When last used.
    pub last_used_at: Option<String>,
    /// When revoked.
    pub revoked_at: Option<String>,
}

impl From<ApiTokenRow> for TokenDto {
    fn from(t: ApiTokenRow) -> Self {
        TokenDto {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// `POST /me/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. `nightly export`.
    pub label: String,
}

/// A new token: the secret is shown here once; only its SHA-256 is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// Id (for revoking).
    pub id: i64,
    /// What it is for.
    pub label: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

page!(
    /// A page of accounts.
    UserPage,
    UserDto
);

/// An account (admin only).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Login.
    pub username: String,
    /// `admin`, `hq_editor`, `post_drafter`, `post_approver` or `reader`.
    pub role: String,
    /// Clearance (`U`, `SBU`, `C`, `S`).
    pub clearance: String,
    /// Post, for post staff.
    pub post: Option<String>,
    /// False when disabled (cannot log in; no sessions or tokens).
    pub active: bool,
}

impl From<chancery_store::UserRow> for UserDto {
    fn from(u: chancery_store::UserRow) -> Self {
        UserDto {
            username: u.actor.username.to_string(),
            role: u.actor.role.code().into(),
            clearance: u.actor.clearance.code().into(),
            post: u.actor.post.map(|p| p.to_string()),
            active: u.active,
        }
    }
}

/// `POST /admin/users`: a new account; its one-time password is in the answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login (lower case letters, digits, `.`, `-`, `_`), e.g. `rome.drafter`.
    #[schema(example = "rome.drafter")]
    pub username: String,
    /// `admin`, `hq_editor`, `post_drafter`, `post_approver` or `reader`.
    #[schema(example = "post_drafter")]
    pub role: String,
    /// Clearance (`U`, `SBU`, `C`, `S`).
    #[schema(value_type = String, example = "SBU")]
    pub clearance: Classification,
    /// Post: required for post drafters and approvers, absent for the other roles.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "ROME")]
    pub post: Option<PostCode>,
}

/// `PUT /admin/users/{name}`: the account's role, clearance and post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `admin`, `hq_editor`, `post_drafter`, `post_approver` or `reader`.
    #[schema(example = "post_approver")]
    pub role: String,
    /// Clearance (`U`, `SBU`, `C`, `S`).
    #[schema(value_type = String, example = "C")]
    pub clearance: Classification,
    /// Post: required for post drafters and approvers, absent for the other roles.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "ROME")]
    pub post: Option<PostCode>,
}

/// `PUT /admin/users/{name}/active`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserActive {
    /// False disables the account (its sessions end and its API tokens are revoked at
    /// once); true enables it again.
    pub active: bool,
}

/// An account with a one-time password, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPassword {
    /// The account.
    pub user: UserDto,
    /// The one-time password: hand it over in person; the owner changes it under My account.
    pub password: String,
}

/// A post (admin only).
#[derive(Debug, Serialize, ToSchema)]
pub struct PostDto {
    /// Code, e.g. `OTTAWA`.
    pub code: String,
    /// Name.
    pub name: String,
    /// `embassy` or `consulate`.
    pub kind: String,
    /// Host country (ISO 3166-1 alpha-3).
    pub country: String,
    /// Region.
    pub region: String,
}

/// `PUT /sources/{id}/derived_from`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerivedFromBody {
    /// Id of the older source this one repeats; `null` clears the mark (required, so an
    /// empty body never clears it by accident).
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(minimum = 1)]
    pub derived_from: Option<i64>,
}
