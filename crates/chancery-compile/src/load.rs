//! Builds the [`Document`] for one reader from the database, through the app and store layers.
//!
//! Access is decided exactly as everywhere else: the tasking and each report through
//! `App::show_tasking` and [`may_see`], each paragraph with [`Resource::Paragraph`] (the rule
//! `App::show_report` applies), each record with [`Resource::Record`]. What a reader may not see
//! never enters the document: a withheld paragraph is only its marker, and its citations are
//! neither numbered nor resolved.

use std::collections::{BTreeMap, HashMap, HashSet};

use chancery_app::{App, CompletenessRow};
use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::audit::sha256_hex;
use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::markdown::{Citation, CitationKey, Portion, citations, portions};
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingSpec;
use chancery_domain::user::Actor;
use chancery_store::{IncidentRow, ReportRow, SourceRow, VersionRow};
use rayon::prelude::*;
use serde::Deserialize;

use crate::model::*;
use crate::{CompileError, Options};

/// A frozen report version's content (written by `App::act` at transmission).
#[derive(Deserialize)]
struct Frozen {
    sections: Vec<FrozenSection>,
}

#[derive(Deserialize)]
struct FrozenSection {
    key: String,
    body: String,
}

/// A frozen report version read back: whether it still matches its recorded SHA-256, and each
/// template section's portions (in template order) with the citations of each portion.
struct ParsedVersion {
    hash_matches: bool,
    sections: Vec<Vec<(Portion, Vec<Citation>)>>,
}

fn parse_version(
    version: &VersionRow,
    spec: &TaskingSpec,
) -> Result<ParsedVersion, serde_json::Error> {
    let hash_matches = sha256_hex(version.content_json.as_bytes()) == version.content_sha256;
    let frozen: Frozen = serde_json::from_str(&version.content_json)?;
    let sections = spec
        .sections
        .iter()
        .map(|template| {
            let body = frozen
                .sections
                .iter()
                .find(|s| s.key == template.key.as_str())
                .map_or("", |s| s.body.as_str());
            portions(body, spec.classification)
                .into_iter()
                .map(|p| {
                    let cited = citations(&p.markdown);
                    (p, cited)
                })
                .collect()
        })
        .collect();
    Ok(ParsedVersion {
        hash_matches,
        sections,
    })
}

/// Endnote numbers by first use; remembers where each key was first cited.
#[derive(Default)]
struct Notes {
    numbers: BTreeMap<String, u32>,
    order: Vec<(CitationKey, String)>,
}

impl Notes {
    fn number(&mut self, key: &CitationKey, place: impl FnOnce() -> String) -> u32 {
        let label = key.to_string();
        if let Some(n) = self.numbers.get(&label) {
            return *n;
        }
        let n = u32::try_from(self.order.len() + 1).unwrap_or(u32::MAX);
        self.numbers.insert(label, n);
        self.order.push((key.clone(), place()));
        n
    }
}

/// What the reader may see of records, and the release level's filter.
struct Filter<'a> {
    actor: &'a Actor,
    release: Option<Classification>,
}

impl Filter<'_> {
    fn releasable(&self, marking: Classification) -> bool {
        self.release.is_none_or(|level| marking <= level)
    }

    fn record(&self, post: Option<&PostCode>, marking: Classification) -> bool {
        self.releasable(marking) && may_see(self.actor, &Resource::Record { post, marking })
    }
}

/// One included report: its row and the version compiled.
struct Included {
    report: ReportRow,
    version: VersionRow,
}

pub(crate) async fn load(
    app: &App,
    actor: &Actor,
    reference: &TaskingRef,
    options: &Options,
) -> Result<Document, CompileError> {
    if let Some(level) = options.release
        && level > actor.clearance
    {
        return Err(CompileError::Invalid(format!(
            "--release {level}: above the clearance of {} ({}); a releasable edition can only hold what its compiler may read",
            actor.username, actor.clearance
        )));
    }
    let view = app
        .show_tasking(actor, reference)
        .await
        .map_err(app_error)?;
    let spec = &view.tasking;
    let store = &app.store;
    let posts: BTreeMap<String, chancery_domain::post::Post> = store
        .posts()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|p| (p.code.to_string(), p))
        .collect();
    let reports = store.reports_for(reference).await.map_err(store_error)?;
    let filter = Filter {
        actor,
        release: options.release,
    };
    let mut errors = Vec::new();

    // Which reports go in, and their versions.
    let mut included: BTreeMap<String, Included> = BTreeMap::new();
    let mut first_transmitted: BTreeMap<String, String> = BTreeMap::new();
    for post in &spec.addressees {
        let Some(report) = reports.iter().find(|r| &r.post == post) else {
            continue;
        };
        let visible = may_see(
            actor,
            &Resource::Report {
                post,
                status: report.status,
            },
        );
        let progress = may_see(actor, &Resource::ReportProgress { post });
        if !(visible || progress) {
            continue;
        }
        let versions = store.versions(report.id).await.map_err(store_error)?;
        if let Some(first) = versions.first() {
            first_transmitted.insert(post.to_string(), first.transmitted_at.clone());
        }
        let admitted = report.status == ReportStatus::Accepted
            || (options.include_transmitted && report.status == ReportStatus::Transmitted);
        if !(visible && admitted) {
            continue;
        }
        match versions.last() {
            Some(v) => {
                included.insert(
                    post.to_string(),
                    Included {
                        report: report.clone(),
                        version: v.clone(),
                    },
                );
            }
            None => errors.push(Issue {
                code: "missing-version".into(),
                detail: format!(
                    "{post}: report is {} but has no transmitted version",
                    report.status
                ),
            }),
        }
    }

    let date = match &options.date {
        Some(d) => d.clone(),
        None => included
            .values()
            .map(|i| day(&i.version.transmitted_at))
            .max()
            .or_else(|| view.issued_at.as_deref().map(day))
            .unwrap_or_else(|| chancery_domain::dates::format(spec.due)),
    };
    let due = chancery_domain::dates::format(spec.due);

    let sources: BTreeMap<i64, SourceRow> = store
        .sources()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let incidents: BTreeMap<i64, IncidentRow> = store
        .incidents()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let labels: BTreeMap<String, String> = store
        .vocab("incident_categories")
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|t| (t.code.to_string(), t.label))
        .collect();
    let mut engagements = store.engagements().await.map_err(store_error)?;
    engagements.sort_by_key(|a| (a.spec.date, a.id));
    let policies = store.policies().await.map_err(store_error)?;

    let mut notes = Notes::default();
    // The indicators part comes before the chapters, so its sources are the first endnotes.
    let loaded = crate::indicators::load(app, actor, options.release, spec, &posts, &mut errors)
        .await
        .map_err(app_error)?;
    let mut indicators = loaded.indicators;
    for (table, ids) in indicators.tables.iter_mut().zip(&loaded.sources) {
        for id in ids {
            let n = notes.number(&CitationKey::Source(*id), || {
                format!("the indicator table {}", table.code)
            });
            if !table.notes.contains(&n) {
                table.notes.push(n);
            }
        }
    }
    let mut banner = Classification::Unclassified;
    // Reading the frozen versions is most of the work and each stands alone: in parallel.
    let mut parsed: BTreeMap<&str, Result<ParsedVersion, serde_json::Error>> = included
        .par_iter()
        .map(|(post, inc)| (post.as_str(), parse_version(&inc.version, spec)))
        .collect();
    let mut chapters = Vec::new();
    let mut manifest_versions = Vec::new();
    // The paragraphs each post's chapter shows in full, by (section key, index): the frozen
    // findings the completeness table names are only those about what the reader can read.
    let mut shown: HashMap<&str, HashSet<(String, usize)>> = HashMap::new();
    for post in &spec.addressees {
        let (Some(inc), Some(version)) =
            (included.get(post.as_str()), parsed.remove(post.as_str()))
        else {
            continue;
        };
        let info = posts.get(post.as_str());
        let country = info.map(|p| p.country.to_string()).unwrap_or_default();
        let version = version.map_err(|e| {
            CompileError::Corrupt(format!(
                "{post} version {}: frozen content is not readable: {e}",
                inc.version.version_no
            ))
        })?;
        if !version.hash_matches {
            errors.push(Issue {
                code: "version-hash-mismatch".into(),
                detail: format!(
                    "{post} version {}: the frozen content does not match its recorded SHA-256",
                    inc.version.version_no
                ),
            });
        }
        let mut sections = Vec::new();
        for (template, portions) in spec.sections.iter().zip(version.sections) {
            let mut paragraphs = Vec::new();
            for (p, cited) in portions {
                let visible = may_see(
                    actor,
                    &Resource::Paragraph {
                        post,
                        status: inc.report.status,
                        marking: p.marking,
                    },
                );
                if !filter.releasable(p.marking) {
                    continue;
                }
                if !visible {
                    paragraphs.push(Paragraph {
                        marking: p.marking,
                        withheld: true,
                        markdown: format!("[paragraph withheld: {}]", p.marking),
                        citations: Vec::new(),
                    });
                    continue;
                }
                banner = banner.max(p.marking);
                shown
                    .entry(post.as_str())
                    .or_default()
                    .insert((template.key.to_string(), p.index));
                let refs = cited
                    .into_iter()
                    .map(|c| CitationRef {
                        key: c.key.to_string(),
                        note: notes.number(&c.key, || {
                            format!(
                                "{post}, section \"{}\", paragraph {}",
                                template.title,
                                p.index + 1
                            )
                        }),
                        locator: c.locator,
                    })
                    .collect();
                paragraphs.push(Paragraph {
                    marking: p.marking,
                    withheld: false,
                    markdown: p.markdown,
                    citations: refs,
                });
            }
            if options.release.is_some() && paragraphs.is_empty() {
                continue;
            }
            sections.push(Section {
                key: template.key.to_string(),
                title: template.title.clone(),
                paragraphs,
            });
        }

        // Incidents by category, counts suppressed below the threshold.
        let mut groups: BTreeMap<String, (u64, u64, Classification)> = BTreeMap::new();
        for i in incidents.values() {
            if &i.spec.post != post || !filter.record(Some(post), i.spec.marking) {
                continue;
            }
            let g = groups.entry(i.spec.category.to_string()).or_insert((
                0,
                0,
                Classification::Unclassified,
            ));
            g.0 += 1;
            g.1 += u64::from(i.spec.victims.unwrap_or(0));
            g.2 = g.2.max(i.spec.marking);
        }
        let threshold = options.suppression_threshold;
        let incident_groups: Vec<IncidentGroup> = groups
            .into_iter()
            .map(|(category, (n, victims, marking))| {
                banner = banner.max(marking);
                IncidentGroup {
                    label: labels
                        .get(&category)
                        .cloned()
                        .unwrap_or_else(|| category.clone()),
                    category,
                    incidents: Count::new(n, threshold),
                    victims: Count::new(victims, threshold),
                    marking,
                }
            })
            .collect();

        let engagement_list: Vec<EngagementSummary> = engagements
            .iter()
            .filter(|e| {
                &e.spec.post == post
                    && e.spec.tasking.as_ref() == Some(reference)
                    && filter.record(Some(post), e.spec.marking)
            })
            .map(|e| {
                banner = banner.max(e.spec.marking);
                EngagementSummary {
                    marking: e.spec.marking,
                    date: chancery_domain::dates::format(e.spec.date),
                    host_office: e.spec.host_office.clone(),
                    official_title: e.spec.official_title.clone(),
                    talking_points: e
                        .spec
                        .talking_points
                        .iter()
                        .map(|t| t.to_string())
                        .collect(),
                    host_response: e.spec.host_response.clone(),
                    follow_up: e.spec.follow_up.clone(),
                }
            })
            .collect();

        let mut timeline: Vec<(String, String, i64, &chancery_store::PolicyRow)> = policies
            .iter()
            .filter(|p| {
                p.spec.country.to_string() == country && filter.record(None, p.spec.marking)
            })
            .map(|p| {
                let date = p
                    .spec
                    .announced
                    .as_ref()
                    .or(p.spec.in_force.as_ref())
                    .map_or_else(|| "undated".to_string(), |d| d.to_string());
                (date, p.spec.title.clone(), p.id, p)
            })
            .collect();
        timeline.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        let policy_entries = timeline
            .into_iter()
            .map(|(date, _, _, p)| {
                banner = banner.max(p.spec.marking);
                PolicyEntry {
                    marking: p.spec.marking,
                    date,
                    announced: p.spec.announced.as_ref().map(|d| d.to_string()),
                    in_force: p.spec.in_force.as_ref().map(|d| d.to_string()),
                    title: p.spec.title.clone(),
                    measure_type: p.spec.measure_type.code().to_string(),
                    note: p.spec.source.map(|id| {
                        notes.number(&CitationKey::Source(id), || {
                            format!("{post}, policy timeline: {}", p.spec.title)
                        })
                    }),
                }
            })
            .collect();

        manifest_versions.push(ManifestVersion {
            post: post.to_string(),
            version: inc.version.version_no,
            status: inc.report.status.code().to_string(),
            transmitted_at: inc.version.transmitted_at.clone(),
            sha256: inc.version.content_sha256.clone(),
        });
        chapters.push(Chapter {
            post: post.to_string(),
            post_name: info.map(|p| p.name.clone()).unwrap_or_default(),
            country,
            status: inc.report.status.code().to_string(),
            version: inc.version.version_no,
            sections,
            incidents: incident_groups,
            engagements: engagement_list,
            policies: policy_entries,
        });
    }

    // Endnotes, in order of first use.
    let mut endnotes = Vec::new();
    let mut manifest_sources = Vec::new();
    for (i, (key, place)) in notes.order.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let note = endnote(number, key, &sources, &incidents, &labels, &filter);
        match note.status {
            EndnoteStatus::Source => manifest_sources.push(ManifestSource {
                key: note.key.clone(),
                capture_sha256: note.sha256.clone(),
            }),
            EndnoteStatus::Missing => errors.push(Issue {
                code: "missing-source".into(),
                detail: format!(
                    "{key} (note {number}), first cited in {place}: not found — the record was deleted or never existed"
                ),
            }),
            EndnoteStatus::NotEvidence => errors.push(Issue {
                code: "not-evidence".into(),
                detail: format!(
                    "{key} (note {number}), first cited in {place}: engagements and talking points are not evidence (E003)"
                ),
            }),
            EndnoteStatus::Incident | EndnoteStatus::Withheld => {}
        }
        endnotes.push(note);
    }

    let completeness = spec
        .addressees
        .iter()
        .zip(&view.completeness)
        .map(|(post, row)| {
            summary_row(
                post,
                row,
                posts.get(post.as_str()),
                included.get(post.as_str()),
                shown.get(post.as_str()),
                first_transmitted.get(post.as_str()),
                timeliness(
                    &row.status,
                    first_transmitted.get(post.as_str()),
                    &date,
                    &due,
                ),
            )
        })
        .collect();

    if chapters.is_empty() {
        errors.push(Issue {
            code: "no-reports".into(),
            detail: if options.include_transmitted {
                format!("{reference}: no accepted or transmitted report is visible to {}: only the cover and the completeness table are compiled", actor.username)
            } else {
                format!("{reference}: no accepted report is visible to {}: only the cover and the completeness table are compiled (add --include-transmitted to compile transmitted versions)", actor.username)
            },
        });
    }

    let edition = match options.release {
        Some(level) => Edition::Release { level },
        None => Edition::Reader {
            username: actor.username.to_string(),
            clearance: actor.clearance,
        },
    };
    Ok(Document {
        schema: SCHEMA,
        cover: Cover {
            reference: reference.to_string(),
            subject: spec.subject.clone(),
            issuing_office: spec.issuing_office.clone(),
            tags: spec.tags.clone(),
            date,
            due,
            banner,
            banner_text: banner.banner().to_string(),
            edition,
            reports_included: chapters.len(),
            addressees: spec.addressees.len(),
            includes_transmitted: options.include_transmitted,
        },
        completeness,
        indicators,
        chapters,
        endnotes,
        errors,
        manifest: Manifest {
            report_versions: manifest_versions,
            sources: manifest_sources,
        },
    })
}

/// The date part of an RFC 3339 timestamp.
fn day(ts: &str) -> String {
    ts.get(..10).unwrap_or(ts).to_string()
}

/// Timeliness from the data, never the clock: the first transmission against the due date,
/// or, before any, the compilation's date against it.
fn timeliness(status: &str, first: Option<&String>, date: &str, due: &str) -> String {
    if status == "not_received" {
        "-".to_string()
    } else if let Some(first) = first {
        if day(first).as_str() <= due {
            "on_time".into()
        } else {
            "late".into()
        }
    } else if date > due {
        "late".into()
    } else {
        "pending".into()
    }
}

fn summary_row(
    post: &PostCode,
    row: &CompletenessRow,
    info: Option<&chancery_domain::post::Post>,
    included: Option<&Included>,
    shown: Option<&HashSet<(String, usize)>>,
    first: Option<&String>,
    timeliness: String,
) -> PostSummary {
    let (overridden_codes, override_reason) = match included {
        Some(inc) => {
            // Frozen at transmission against everything stored: a finding about a paragraph
            // the reader is not shown would tell them something about its text.
            let readable = |f: &serde_json::Value| {
                let section = f.get("section").and_then(|s| s.as_str());
                let index = f.get("portion").and_then(|p| p.as_u64());
                match (section, index.and_then(|i| usize::try_from(i).ok())) {
                    (Some(section), Some(index)) => {
                        shown.is_some_and(|s| s.contains(&(section.to_string(), index)))
                    }
                    _ => true,
                }
            };
            let mut codes: Vec<String> =
                serde_json::from_str::<Vec<serde_json::Value>>(&inc.version.findings_json)
                    .unwrap_or_default()
                    .iter()
                    .filter(|f| readable(f))
                    .filter_map(|f| f.get("code").and_then(|c| c.as_str()).map(String::from))
                    .collect();
            codes.sort();
            codes.dedup();
            (codes, inc.version.lint_override.clone())
        }
        None => (Vec::new(), None),
    };
    PostSummary {
        post: post.to_string(),
        post_name: info.map(|p| p.name.clone()).unwrap_or_default(),
        country: info.map(|p| p.country.to_string()).unwrap_or_default(),
        status: row.status.clone(),
        version: included.map(|i| i.version.version_no).or(row.version),
        included: included.is_some(),
        timeliness,
        first_transmitted: first.map(|f| day(f)),
        open_findings: row.lint_findings,
        finding_codes: row.lint_codes.clone(),
        overridden_codes,
        override_reason,
    }
}

fn endnote(
    number: u32,
    key: &CitationKey,
    sources: &BTreeMap<i64, SourceRow>,
    incidents: &BTreeMap<i64, IncidentRow>,
    labels: &BTreeMap<String, String>,
    filter: &Filter<'_>,
) -> Endnote {
    let mut note = Endnote {
        number,
        key: key.to_string(),
        status: EndnoteStatus::Missing,
        text: String::new(),
        url: None,
        grade: None,
        sha256: None,
    };
    let withheld = |note: &mut Endnote, marking: Classification| {
        note.status = EndnoteStatus::Withheld;
        note.text = format!("[source withheld: {marking}]");
    };
    match key {
        CitationKey::Source(id) => match sources.get(id) {
            None => note.text = format!("{key}: source not found (deleted or never recorded)."),
            Some(s) if !filter.record(None, s.spec.marking) => withheld(&mut note, s.spec.marking),
            Some(s) => {
                note.status = EndnoteStatus::Source;
                let published = s
                    .spec
                    .published
                    .as_ref()
                    .map_or_else(|| "undated".to_string(), |d| d.to_string());
                note.text = format!(
                    "{}, \u{201c}{}\u{201d}, {published}.",
                    s.spec.publisher.trim(),
                    s.spec.title.trim()
                );
                note.url = s.spec.url.clone();
                note.grade = Some(s.grade.to_string());
                note.sha256 = s.capture_sha256.clone();
            }
        },
        CitationKey::Incident(id) => match incidents.get(id) {
            None => {
                note.text = format!("{key}: incident record not found (deleted or never recorded).")
            }
            Some(i) if !filter.record(Some(&i.spec.post), i.spec.marking) => {
                withheld(&mut note, i.spec.marking)
            }
            Some(i) => {
                note.status = EndnoteStatus::Incident;
                let category = i.spec.category.to_string();
                let label = labels.get(&category).unwrap_or(&category);
                let place = match &i.spec.region {
                    Some(r) => format!("{}, {r}", i.spec.country),
                    None => i.spec.country.to_string(),
                };
                note.text = format!(
                    "Incident record {key}: {label}, {}, {place}; legal status {}; {}.",
                    i.spec.occurred,
                    i.spec.legal_status.code(),
                    i.spec.verification.code()
                );
            }
        },
        CitationKey::Engagement(_) | CitationKey::TalkingPoint(_) => {
            note.status = EndnoteStatus::NotEvidence;
            note.text = format!("{key}: an engagement or talking point, which is not evidence.");
        }
        CitationKey::Unknown(raw) => {
            note.text = format!("{raw}: unresolved citation (no such source).");
        }
    }
    note
}

fn app_error(e: chancery_app::AppError) -> CompileError {
    match e {
        chancery_app::AppError::NotFound(what) => CompileError::NotFound(what),
        other => CompileError::App(other),
    }
}

fn store_error(e: chancery_store::StoreError) -> CompileError {
    CompileError::App(chancery_app::AppError::Store(e))
}
