//! Shipped content (`content/`): posts, vocabularies, taskings; and the demo built from it.

use std::collections::HashMap;
use std::path::Path;

use chancery_domain::Classification;
use chancery_domain::evidence::{
    Grade, MeasureType, PartialDate, PolicySpec, PolicyTarget, SourceKind, SourceSpec, VocabTerm,
};
use chancery_domain::ids::{CountryCode, PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::post::Post;
use chancery_domain::tasking::toml_error;
use chancery_domain::user::{Actor, Role};
use chancery_domain::workflow::Action;
use chancery_store::{Capture, TaskingImport};
use serde::{Deserialize, Serialize};

use crate::users::random_password;
use crate::{App, AppError, AppResult, By};

/// What loading `content/` did.
#[derive(Debug, Clone, Serialize)]
pub struct ContentSummary {
    /// Posts loaded.
    pub posts: usize,
    /// Vocabulary terms loaded.
    pub vocabulary_terms: usize,
    /// Taskings imported, and whether each was new.
    pub taskings: Vec<(TaskingRef, bool)>,
    /// Series defined in the indicator catalogue (`indicators.toml`), if the folder has one.
    pub series: usize,
    /// Indicators defined in the catalogue.
    pub indicators: usize,
    /// Whether the catalogue differed from the one in force (and was stored).
    pub catalogue_changed: bool,
}

/// One demo account (password shown once).
#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    /// Login.
    pub username: String,
    /// Role.
    pub role: String,
    /// Post, if post-scoped.
    pub post: Option<String>,
    /// Clearance.
    pub clearance: String,
    /// Password, printed once.
    pub password: String,
}

/// What the demo built.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// Content loaded.
    pub content: ContentSummary,
    /// The demo accounts.
    pub users: Vec<DemoUser>,
    /// The tasking the demo works on.
    pub tasking: TaskingRef,
    /// Sources registered.
    pub sources: usize,
    /// Of those, sources registered for data-pack publications no demo report cites, graded
    /// automatically (official publisher read at source, or secondary reproduction).
    pub data_pack_sources: usize,
    /// Policy measures registered.
    pub policies: usize,
    /// Observations imported from the data pack.
    pub observations: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostsFile {
    posts: Vec<Post>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabFile {
    incident_categories: Vec<VocabTerm>,
    source_kinds: Vec<VocabTerm>,
    legal_statuses: Vec<VocabTerm>,
    verification_statuses: Vec<VocabTerm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSourcesFile {
    sources: Vec<DemoSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSource {
    key: String,
    kind: SourceKind,
    publisher: String,
    title: String,
    url: Option<String>,
    published: Option<PartialDate>,
    #[serde(default = "english")]
    language: String,
    #[serde(default = "unclassified")]
    marking: Classification,
    grade: String,
    grade_rationale: String,
    derived_from: Option<String>,
    capture_text: Option<String>,
}

fn english() -> String {
    "en".into()
}

fn unclassified() -> Classification {
    Classification::Unclassified
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPoliciesFile {
    policies: Vec<DemoPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPolicy {
    country: CountryCode,
    title: String,
    measure_type: MeasureType,
    announced: Option<PartialDate>,
    in_force: Option<PartialDate>,
    description: String,
    source_key: Option<String>,
    #[serde(default)]
    targets: Vec<PolicyTarget>,
    #[serde(default = "unclassified")]
    marking: Classification,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFile {
    reports: Vec<DemoReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReport {
    post: PostCode,
    stage: String,
}

/// The tasking the demo drafts reports for.
pub const DEMO_TASKING: &str = "CHN-2026-0001";

fn read(path: &Path) -> AppResult<String> {
    std::fs::read_to_string(path)
        .map_err(|e| AppError::invalid(format!("{}: cannot read: {e}", path.display())))
}

fn parse_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> AppResult<T> {
    let text = read(path)?;
    toml::from_str(&text)
        .map_err(|e| AppError::invalid(format!("{}: {}", path.display(), toml_error(&text, &e))))
}

fn source_key(key: &str, file: &Path) -> AppResult<i64> {
    key.strip_prefix('S')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "{}: source key {key:?} must look like S12",
                file.display()
            ))
        })
}

impl App {
    /// Loads posts, vocabularies and every tasking under `dir` (idempotent).
    pub async fn load_content(&self, dir: &Path) -> AppResult<ContentSummary> {
        let posts_file = dir.join("posts.toml");
        let posts: PostsFile = parse_toml(&posts_file)?;
        self.upsert_posts(By::System, &posts.posts).await?;

        let vocab_file = dir.join("vocabularies.toml");
        let vocab: VocabFile = parse_toml(&vocab_file)?;
        check_enum_vocab(
            &vocab_file,
            "source_kinds",
            &vocab.source_kinds,
            SourceKind::ALL.iter().map(|k| k.code()),
        )?;
        check_enum_vocab(
            &vocab_file,
            "legal_statuses",
            &vocab.legal_statuses,
            chancery_domain::evidence::LegalStatus::ALL
                .iter()
                .map(|k| k.code()),
        )?;
        check_enum_vocab(
            &vocab_file,
            "verification_statuses",
            &vocab.verification_statuses,
            chancery_domain::evidence::Verification::ALL
                .iter()
                .map(|k| k.code()),
        )?;
        let mut terms = 0;
        for (name, list) in [
            ("incident_categories", &vocab.incident_categories),
            ("source_kinds", &vocab.source_kinds),
            ("legal_statuses", &vocab.legal_statuses),
            ("verification_statuses", &vocab.verification_statuses),
        ] {
            let record = chancery_domain::audit::AuditRecord::new(
                "system",
                "vocab.load",
                "vocabulary",
                name,
                serde_json::json!({"terms": list.len()}),
            );
            self.store.replace_vocab(name, list, &record).await?;
            terms += list.len();
        }

        let catalogue_file = dir.join("indicators.toml");
        let (catalogue_changed, series, indicators) = if catalogue_file.exists() {
            let changed = self.load_catalogue(By::System, &catalogue_file).await?;
            let catalogue = self.catalogue().await?;
            (changed, catalogue.series.len(), catalogue.indicators.len())
        } else {
            (false, 0, 0)
        };

        let mut files: Vec<_> = std::fs::read_dir(dir.join("taskings"))
            .map_err(|e| {
                AppError::invalid(format!(
                    "{}: cannot list taskings: {e}",
                    dir.join("taskings").display()
                ))
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut taskings = Vec::new();
        for f in files {
            let text = read(&f)?;
            let (reference, outcome) = self
                .import_tasking(By::System, &f.display().to_string(), &text)
                .await?;
            taskings.push((reference, outcome == TaskingImport::Created));
        }
        Ok(ContentSummary {
            posts: posts.posts.len(),
            vocabulary_terms: terms,
            taskings,
            series,
            indicators,
            catalogue_changed,
        })
    }

    /// Builds the demo in an empty database: content, one account per role, the migration
    /// tasking issued, the evidence locker, and reports at different stages (OTTAWA
    /// transmitted, others in clearance, in draft or not started).
    pub async fn build_demo(&self, dir: &Path) -> AppResult<DemoSummary> {
        if self.store.user_count().await? > 0 {
            return Err(AppError::invalid(
                "the demo needs an empty database: it already has users",
            ));
        }
        let content = self.load_content(dir).await?;
        let demo_dir = dir.join("demo");
        let demo: DemoFile = parse_toml(&demo_dir.join("demo.toml"))?;
        // Posts whose report is not started get no accounts and no report.
        let started: Vec<&DemoReport> = demo
            .reports
            .iter()
            .filter(|r| r.stage != "not_started")
            .collect();

        let mut users = Vec::new();
        let mut accounts: HashMap<String, Actor> = HashMap::new();
        let mut add = async |name: &str,
                             role: Role,
                             clearance: Classification,
                             post: Option<&PostCode>|
               -> AppResult<Actor> {
            let actor = Actor::new(
                Username::parse(name).map_err(|e| AppError::invalid(e.to_string()))?,
                role,
                clearance,
                post.cloned(),
            )
            .map_err(|e| AppError::invalid(e.to_string()))?;
            let password = random_password()?;
            self.add_user_unchecked(By::System, &actor, Some(&password))
                .await?;
            users.push(DemoUser {
                username: name.into(),
                role: role.code().into(),
                post: post.map(|p| p.to_string()),
                clearance: clearance.code().into(),
                password,
            });
            Ok(actor)
        };
        add("admin", Role::Admin, Classification::Secret, None).await?;
        let hq = add("hq.editor", Role::HqEditor, Classification::Secret, None).await?;
        add(
            "reader",
            Role::Reader,
            Classification::SensitiveButUnclassified,
            None,
        )
        .await?;
        for r in &started {
            let lower = r.post.as_str().to_ascii_lowercase();
            let d = add(
                &format!("{lower}.drafter"),
                Role::PostDrafter,
                Classification::Confidential,
                Some(&r.post),
            )
            .await?;
            let a = add(
                &format!("{lower}.approver"),
                Role::PostApprover,
                Classification::Confidential,
                Some(&r.post),
            )
            .await?;
            accounts.insert(format!("{}/drafter", r.post), d);
            accounts.insert(format!("{}/approver", r.post), a);
        }

        let tasking =
            TaskingRef::parse(DEMO_TASKING).map_err(|e| AppError::invalid(e.to_string()))?;
        self.issue_tasking(By::User(&hq), &tasking).await?;

        let mut sources = self.load_demo_sources(&hq, dir).await?;
        let observations = dir.join("data").join("observations.csv");
        let bytes = std::fs::read(&observations).map_err(|e| {
            AppError::invalid(format!("{}: cannot read: {e}", observations.display()))
        })?;
        let statistics = self
            .import_statistics(
                By::System,
                "content/data/observations.csv",
                &bytes,
                chancery_stats::Format::Csv,
                &chancery_stats::ImportOptions::default(),
                false,
            )
            .await?;
        let data_pack_sources = self
            .link_data_pack_sources(&hq, &dir.join("data"), &mut sources)
            .await?;
        let policies = self
            .load_demo_policies(&demo_dir.join("policies.toml"), &sources)
            .await?;

        for r in started {
            let (Some(drafter), Some(approver)) = (
                accounts.get(&format!("{}/drafter", r.post)),
                accounts.get(&format!("{}/approver", r.post)),
            ) else {
                continue;
            };
            self.stage_demo_report(&demo_dir, &tasking, r, drafter, approver, &hq)
                .await?;
        }
        Ok(DemoSummary {
            content,
            users,
            tasking,
            sources: sources.len(),
            data_pack_sources,
            policies,
            observations: statistics.imported,
        })
    }

    async fn load_demo_sources(&self, hq: &Actor, dir: &Path) -> AppResult<HashMap<String, i64>> {
        let file = dir.join("demo").join("sources.toml");
        let list: DemoSourcesFile = parse_toml(&file)?;
        let captures = DataPack::read(&dir.join("data"))?;
        let mut ids = HashMap::new();
        for s in list.sources {
            let want = source_key(&s.key, &file)?;
            let derived_from = match &s.derived_from {
                Some(k) => Some(*ids.get(k).ok_or_else(|| {
                    AppError::invalid(format!(
                        "{}: source {}: derived_from {k} must name an earlier source",
                        file.display(),
                        s.key
                    ))
                })?),
                None => None,
            };
            let spec = SourceSpec {
                kind: s.kind,
                publisher: s.publisher,
                title: s.title,
                url: s.url,
                published: s.published,
                language: s.language,
                marking: s.marking,
                derived_from,
            };
            let bytes = match (
                &s.capture_text,
                spec.url.as_deref().and_then(|u| captures.rows_for(u)),
            ) {
                (Some(text), _) => Some((text.clone().into_bytes(), "text/plain", "captured text")),
                (None, Some(rows)) => Some((rows, "text/csv", "data pack rows (content/data)")),
                (None, None) => None,
            };
            let Some((bytes, media_type, name)) = bytes else {
                return Err(AppError::invalid(format!(
                    "{}: source {}: no data-pack row has url {:?} and no capture_text is given: every demo source needs captured content",
                    file.display(),
                    s.key,
                    spec.url.unwrap_or_default()
                )));
            };
            let capture = Capture {
                name: name.into(),
                media_type: media_type.into(),
                bytes,
            };
            let id = self
                .add_source_as(By::User(hq), hq.username.as_str(), &spec, Some(&capture))
                .await?;
            if id != want {
                return Err(AppError::invalid(format!(
                    "{}: source {} was stored as S{id}: the demo needs an empty database and keys numbered S1, S2, … in order",
                    file.display(),
                    s.key
                )));
            }
            let grade = Grade::parse(&s.grade).map_err(|e| {
                AppError::invalid(format!("{}: source {}: {e}", file.display(), s.key))
            })?;
            self.grade_source(hq, id, grade, &s.grade_rationale).await?;
            ids.insert(s.key, id);
        }
        Ok(ids)
    }

    /// Makes every publication of the data pack (each distinct `source_url` of
    /// `observations.csv`) a graded source and links its observations to it. Publications a
    /// demo source already stands for (same URL) are linked to that source; the others are
    /// registered here, in order of first appearance, and graded by one rule whose rationale is
    /// stored with the grade: an official publisher's own site is official statistics read at
    /// source (A2); anything else, or a row the pack marks "secondary", is a reproduction (C3).
    /// Returns how many sources were registered.
    async fn link_data_pack_sources(
        &self,
        hq: &Actor,
        data_dir: &Path,
        sources: &mut HashMap<String, i64>,
    ) -> AppResult<usize> {
        let path = data_dir.join("observations.csv");
        let pack = DataPack::read(data_dir)?;
        let mut by_url: HashMap<String, i64> = HashMap::new();
        for s in self.store.sources().await? {
            if let Some(url) = s.spec.url {
                by_url.entry(url).or_insert(s.id);
            }
        }
        let mut reader = csv::Reader::from_path(&path)
            .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?;
        let headers = reader
            .headers()
            .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| AppError::invalid(format!("{}: no {name} column", path.display())))
        };
        let (url_c, publisher_c, title_c, note_c) = (
            col("source_url")?,
            col("source_publisher")?,
            col("source_title")?,
            col("note")?,
        );
        // (url, publisher, title, any row marked secondary), in order of first appearance.
        let mut publications: Vec<(String, String, String, bool)> = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| {
                AppError::invalid(format!("{}: row {}: {e}", path.display(), i + 2))
            })?;
            let field = |c: usize| record.get(c).unwrap_or("").trim().to_string();
            let url = field(url_c);
            if url.is_empty() {
                continue;
            }
            let secondary = field(note_c).to_ascii_lowercase().contains("secondary");
            match publications.iter_mut().find(|p| p.0 == url) {
                Some(p) => p.3 |= secondary,
                None => publications.push((url, field(publisher_c), field(title_c), secondary)),
            }
        }
        let mut links = Vec::new();
        let mut registered = 0;
        for (url, publisher, title, secondary) in publications {
            let id = match by_url.get(&url) {
                Some(id) => *id,
                None => {
                    let official = !secondary && official_host(&url);
                    let host = host_of(&url);
                    let spec = SourceSpec {
                        kind: if official {
                            SourceKind::OfficialStatistics
                        } else {
                            SourceKind::NewsReport
                        },
                        publisher,
                        title,
                        url: Some(url.clone()),
                        published: None,
                        // The data pack does not record the page's language.
                        language: "und".into(),
                        marking: Classification::Unclassified,
                        derived_from: None,
                    };
                    let capture = pack.rows_for(&url).map(|bytes| Capture {
                        name: "data pack rows (content/data)".into(),
                        media_type: "text/csv".into(),
                        bytes,
                    });
                    let id = self
                        .add_source_as(By::User(hq), hq.username.as_str(), &spec, capture.as_ref())
                        .await?;
                    let (grade, rationale) = if official {
                        (
                            "A2",
                            format!(
                                "Official statistics read at source: {} publishes them on its own site ({host}); not yet cross-checked against a second release.",
                                spec.publisher
                            ),
                        )
                    } else {
                        (
                            "C3",
                            format!(
                                "Secondary reproduction on {host} of figures attributed to {}{}; check against the primary release before publication.",
                                spec.publisher,
                                if secondary {
                                    " (the data pack marks the rows secondary)"
                                } else {
                                    ""
                                }
                            ),
                        )
                    };
                    let grade = Grade::parse(grade).map_err(AppError::Invalid)?;
                    self.grade_source(hq, id, grade, &rationale).await?;
                    sources.insert(format!("S{id}"), id);
                    by_url.insert(url.clone(), id);
                    registered += 1;
                    id
                }
            };
            links.push((url, id));
        }
        let record = chancery_domain::audit::AuditRecord::new(
            hq.username.as_str(),
            "statistics.link_sources",
            "statistics_sources",
            "content/data/observations.csv",
            serde_json::json!({"registered": registered}),
        );
        self.store
            .link_statistics_sources(&links, hq.username.as_str(), &record)
            .await?;
        Ok(registered)
    }

    async fn load_demo_policies(
        &self,
        file: &Path,
        sources: &HashMap<String, i64>,
    ) -> AppResult<usize> {
        let list: DemoPoliciesFile = parse_toml(file)?;
        for p in &list.policies {
            let source = match &p.source_key {
                Some(k) => Some(*sources.get(k).ok_or_else(|| {
                    AppError::invalid(format!(
                        "{}: policy {:?}: source_key {k} is not in sources.toml",
                        file.display(),
                        p.title
                    ))
                })?),
                None => None,
            };
            let spec = PolicySpec {
                country: p.country.clone(),
                title: p.title.clone(),
                measure_type: p.measure_type,
                announced: p.announced.clone(),
                in_force: p.in_force.clone(),
                description: p.description.clone(),
                source,
                targets: p.targets.clone(),
                marking: p.marking,
            };
            self.add_policy_as(By::System, "system", &spec).await?;
        }
        Ok(list.policies.len())
    }

    async fn stage_demo_report(
        &self,
        demo_dir: &Path,
        tasking: &TaskingRef,
        r: &DemoReport,
        drafter: &Actor,
        approver: &Actor,
        hq: &Actor,
    ) -> AppResult<()> {
        let order = [
            "draft",
            "in_clearance",
            "cleared",
            "transmitted",
            "accepted",
        ];
        let Some(stage) = order.iter().position(|s| *s == r.stage) else {
            return Err(AppError::invalid(format!(
                "{}: post {}: unknown stage {:?}: expected one of {}",
                demo_dir.join("demo.toml").display(),
                r.post,
                r.stage,
                order.join(", ")
            )));
        };
        self.new_report(drafter, tasking, &r.post).await?;
        let t = self.tasking_row(tasking).await?;
        let folder = demo_dir.join("reports").join(r.post.as_str());
        for s in &t.spec.sections {
            let path = folder.join(format!("{}.md", s.key));
            if path.exists() {
                let text = read(&path)?;
                self.save_section(drafter, tasking, &r.post, &s.key, &text, None)
                    .await
                    .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?;
            }
        }
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for e in entries.filter_map(Result::ok) {
                let name = e
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".md")
                    .to_string();
                let known = SectionKey::parse(&name)
                    .ok()
                    .is_some_and(|k| t.spec.section(&k).is_some());
                if !known {
                    return Err(AppError::invalid(format!(
                        "{}: not a section of {tasking}",
                        e.path().display()
                    )));
                }
            }
        }
        let steps: [(&Actor, Action); 4] = [
            (drafter, Action::Submit),
            (approver, Action::Clear),
            (
                approver,
                Action::Transmit {
                    override_reason: None,
                },
            ),
            (hq, Action::Accept),
        ];
        for (actor, action) in steps.iter().take(stage) {
            self.act(actor, tasking, &r.post, action)
                .await
                .map_err(|e| AppError::invalid(format!("demo report {}: {e}", r.post)))?;
        }
        Ok(())
    }
}

fn check_enum_vocab<'a>(
    file: &Path,
    table: &str,
    terms: &[VocabTerm],
    codes: impl Iterator<Item = &'a str>,
) -> AppResult<()> {
    let mut expected: Vec<&str> = codes.collect();
    let mut found: Vec<&str> = terms.iter().map(|t| t.code.as_str()).collect();
    expected.sort_unstable();
    found.sort_unstable();
    if expected != found {
        return Err(AppError::invalid(format!(
            "{}: [[{table}]] must list exactly these codes: {}",
            file.display(),
            expected.join(", ")
        )));
    }
    Ok(())
}

/// The host of an `http(s)://` URL, lower-cased.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a URL is on the site of an official statistical publisher or government (the
/// publishers of the data pack and their peers).
fn official_host(url: &str) -> bool {
    const OFFICIAL: [&str; 17] = [
        "canada.ca",
        "gc.ca",
        "gov.au",
        "govt.nz",
        "gov.uk",
        "worldbank.org",
        "unhcr.org",
        "un.org",
        "europa.eu",
        "destatis.de",
        "cso.ie",
        "cbs.nl",
        "scb.se",
        "ine.es",
        "insee.fr",
        "istat.it",
        "statbel.fgov.be",
    ];
    let host = host_of(url);
    OFFICIAL
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// The data pack's CSV rows grouped by source URL, used as each demo source's captured content:
/// per file, its header line and every row citing the URL.
struct DataPack {
    by_url: HashMap<String, Vec<Vec<u8>>>,
}

impl DataPack {
    fn read(dir: &Path) -> AppResult<DataPack> {
        let mut by_url: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for (file_no, (file, url_column)) in [
            ("observations.csv", "source_url"),
            ("policy_events.csv", "source_url"),
        ]
        .into_iter()
        .enumerate()
        {
            let path = dir.join(file);
            let mut reader = csv::Reader::from_path(&path)
                .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?;
            let headers = reader
                .headers()
                .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))?
                .clone();
            let Some(col) = headers.iter().position(|h| h == url_column) else {
                return Err(AppError::invalid(format!(
                    "{}: no {url_column} column",
                    path.display()
                )));
            };
            for (i, record) in reader.records().enumerate() {
                let record = record.map_err(|e| {
                    AppError::invalid(format!("{}: row {}: {e}", path.display(), i + 2))
                })?;
                let Some(url) = record.get(col) else { continue };
                let chunks = by_url.entry(url.to_string()).or_default();
                chunks.resize_with(file_no + 1, Vec::new);
                let entry = &mut chunks[file_no];
                let mut w = csv::Writer::from_writer(Vec::new());
                if entry.is_empty() {
                    w.write_record(&headers)
                        .map_err(|e| AppError::invalid(e.to_string()))?;
                }
                w.write_record(&record)
                    .map_err(|e| AppError::invalid(e.to_string()))?;
                entry.extend(
                    w.into_inner()
                        .map_err(|e| AppError::invalid(e.to_string()))?,
                );
            }
        }
        Ok(DataPack { by_url })
    }

    fn rows_for(&self, url: &str) -> Option<Vec<u8>> {
        let chunks = self.by_url.get(url)?;
        Some(
            chunks
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(&b"\n"[..]),
        )
    }
}
