//! Sources (with captured content and grades), incidents, engagements and policy measures.

use std::collections::HashMap;

use chancery_domain::Classification;
use chancery_domain::audit::{AuditRecord, sha256_hex};
use chancery_domain::evidence::{
    Credibility, EngagementSpec, Grade, IncidentSpec, PolicySpec, Reliability, SourceSpec,
};
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::lint::SourceFacts;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::db::{Store, Tx, require_post};
use crate::error::StoreError;

/// A source or an incident, as a citation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKey {
    /// `S<id>`.
    Source(i64),
    /// `INC<id>`.
    Incident(i64),
}

/// What the linter resolves citations against ([`Store::lint_evidence`]).
#[derive(Debug, Clone, Default)]
pub struct LintEvidence {
    /// Grade and independence root of every source.
    pub sources: HashMap<i64, SourceFacts>,
    /// The ids of all incidents, ascending.
    pub incidents: Vec<i64>,
    /// Each source's and incident's marking and owning post (sources have none): who may
    /// know it exists.
    pub access: HashMap<EvidenceKey, (Classification, Option<PostCode>)>,
}

/// Captured content of a source (a file or text), stored content-addressed.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Original file name, or a label such as `observations.csv rows`.
    pub name: String,
    /// Media type, e.g. `text/csv`.
    pub media_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A stored source.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// Id; cited as `S<id>`.
    pub id: i64,
    /// Its metadata.
    pub spec: SourceSpec,
    /// Current grade.
    pub grade: Grade,
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

/// A stored incident.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    /// Id; cited as `INC<id>`.
    pub id: i64,
    /// The incident.
    pub spec: IncidentSpec,
    /// Who recorded it.
    pub created_by: String,
}

/// A stored engagement.
#[derive(Debug, Clone)]
pub struct EngagementRow {
    /// Id.
    pub id: i64,
    /// The engagement.
    pub spec: EngagementSpec,
    /// Who recorded it.
    pub created_by: String,
}

/// A stored policy measure.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    /// Id.
    pub id: i64,
    /// The measure.
    pub spec: PolicySpec,
    /// Who recorded it.
    pub created_by: String,
}

fn corrupt<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::corrupt(e)
}

fn marking(r: &AnyRow) -> Result<Classification, StoreError> {
    Classification::parse(&r.try_get::<String, _>("marking")?).map_err(corrupt)
}

fn parse_opt<T, E: std::fmt::Display>(
    v: Option<String>,
    f: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    v.map(|s| f(&s)).transpose().map_err(corrupt)
}

const SOURCE_COLUMNS: &str = "id, kind, publisher, title, url, published, language, marking, derived_from,
    capture_sha256, capture_name, retrieved_at, reliability, credibility, grade_rationale, graded_by,
    graded_at, created_by";

fn source_from_row(r: &AnyRow) -> Result<SourceRow, StoreError> {
    use chancery_domain::evidence::{PartialDate, SourceKind};
    Ok(SourceRow {
        id: r.try_get("id")?,
        spec: SourceSpec {
            kind: SourceKind::parse(&r.try_get::<String, _>("kind")?).map_err(corrupt)?,
            publisher: r.try_get("publisher")?,
            title: r.try_get("title")?,
            url: r.try_get("url")?,
            published: parse_opt(r.try_get("published")?, PartialDate::parse)?,
            language: r.try_get("language")?,
            marking: marking(r)?,
            derived_from: r.try_get("derived_from")?,
        },
        grade: Grade {
            reliability: Reliability::parse(&r.try_get::<String, _>("reliability")?)
                .map_err(corrupt)?,
            credibility: Credibility::parse(&r.try_get::<String, _>("credibility")?)
                .map_err(corrupt)?,
        },
        grade_rationale: r.try_get("grade_rationale")?,
        graded_by: r.try_get("graded_by")?,
        graded_at: r.try_get("graded_at")?,
        capture_sha256: r.try_get("capture_sha256")?,
        capture_name: r.try_get("capture_name")?,
        retrieved_at: r.try_get("retrieved_at")?,
        created_by: r.try_get("created_by")?,
    })
}

pub(crate) async fn require_source(tx: &mut Tx, id: i64, field: &str) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM sources WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound(format!("{field}: source S{id}"))),
    }
}

/// Fails with `NotFound` unless the incident's post, category and sources exist.
pub(crate) async fn require_incident_refs(
    tx: &mut Tx,
    spec: &IncidentSpec,
) -> Result<(), StoreError> {
    require_post(tx, &spec.post).await?;
    let category: Option<String> = sqlx::query_scalar(
        "SELECT code FROM vocab_terms WHERE vocab = 'incident_categories' AND code = $1",
    )
    .bind(spec.category.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if category.is_none() {
        return Err(StoreError::NotFound(format!(
            "incident category {} (see content/vocabularies.toml)",
            spec.category
        )));
    }
    for s in &spec.sources {
        require_source(tx, *s, "sources").await?;
    }
    Ok(())
}

/// Links incident `id` to `sources`.
pub(crate) async fn link_incident_sources(
    tx: &mut Tx,
    id: i64,
    sources: &[i64],
) -> Result<(), StoreError> {
    for s in sources {
        sqlx::query("INSERT INTO incident_sources (incident_id, source_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(s)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Records a source and its captured content (hashed, stored once per distinct content).
    /// The audit record's payload gets the capture's SHA-256 added. Returns the new id.
    pub async fn insert_source(
        &self,
        spec: &SourceSpec,
        capture: Option<&Capture>,
        created_by: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        if let Some(parent) = spec.derived_from {
            require_source(&mut tx, parent, "derived_from").await?;
        }
        let capture_sha = match capture {
            Some(c) => {
                let sha = sha256_hex(&c.bytes);
                sqlx::query(
                    "INSERT INTO blobs (sha256, size, media_type, content) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&sha)
                .bind(i64::try_from(c.bytes.len()).unwrap_or(i64::MAX))
                .bind(&c.media_type)
                .bind(&c.bytes)
                .execute(&mut *tx)
                .await?;
                Some(sha)
            }
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sources (kind, publisher, title, url, published, language, marking, derived_from,
                 capture_sha256, capture_name, retrieved_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(spec.kind.code())
        .bind(&spec.publisher)
        .bind(&spec.title)
        .bind(&spec.url)
        .bind(spec.published.as_ref().map(|d| d.as_str()))
        .bind(&spec.language)
        .bind(spec.marking.code())
        .bind(spec.derived_from)
        .bind(&capture_sha)
        .bind(capture.map(|c| c.name.as_str()))
        .bind(capture.map(|_| now.clone()))
        .bind(created_by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let mut audit = audit.for_object(format!("S{id}"));
        if let serde_json::Value::Object(m) = &mut audit.payload {
            m.insert("capture_sha256".into(), capture_sha.clone().into());
        }
        append(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Grades a source (keeping every earlier grading in `source_grades`).
    pub async fn grade_source(
        &self,
        id: i64,
        grade: Grade,
        rationale: &str,
        by: &Username,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        let done = sqlx::query(
            "UPDATE sources SET reliability = $1, credibility = $2, grade_rationale = $3, graded_by = $4, graded_at = $5
             WHERE id = $6",
        )
        .bind(grade.reliability.code())
        .bind(grade.credibility.code())
        .bind(rationale)
        .bind(by.as_str())
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound(format!("source S{id}")));
        }
        sqlx::query(
            "INSERT INTO source_grades (source_id, reliability, credibility, rationale, graded_by, graded_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(grade.reliability.code())
        .bind(grade.credibility.code())
        .bind(rationale)
        .bind(by.as_str())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One source.
    pub async fn source(&self, id: i64) -> Result<Option<SourceRow>, StoreError> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(source_from_row).transpose()
    }

    /// All sources, by id.
    pub async fn sources(&self) -> Result<Vec<SourceRow>, StoreError> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source_from_row).collect()
    }

    /// The captured bytes with this SHA-256.
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The captured bytes with this SHA-256 and the media type they were captured with.
    pub async fn blob_with_type(
        &self,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT media_type, content FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("media_type")?, r.try_get("content")?)))
            .transpose()
    }

    /// Grade and independence root of every source, for the linter.
    pub async fn source_facts(&self) -> Result<HashMap<i64, SourceFacts>, StoreError> {
        Ok(self.lint_evidence().await?.sources)
    }

    /// The ids of all incidents (what the linter needs to resolve `[@INC3]`).
    pub async fn incident_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(self.lint_evidence().await?.incidents)
    }

    /// What the linter resolves citations against, in one narrow query: the grade and
    /// independence root of every source, the ids of all incidents, and the marking (and,
    /// for incidents, the post) that decide who may know each exists.
    pub async fn lint_evidence(&self) -> Result<LintEvidence, StoreError> {
        let rows = sqlx::query(
            "SELECT 'S' AS kind, id, derived_from, reliability, credibility, marking,
                 NULL AS post_code FROM sources
             UNION ALL
             SELECT 'I' AS kind, id, NULL, NULL, NULL, marking, post_code FROM incidents",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut parent: HashMap<i64, Option<i64>> = HashMap::with_capacity(rows.len());
        let mut grades: Vec<(i64, Grade)> = Vec::with_capacity(rows.len());
        let mut incidents = Vec::new();
        let mut access = HashMap::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let post = r
                .try_get::<Option<String>, _>("post_code")?
                .map(|p| PostCode::parse(&p).map_err(corrupt))
                .transpose()?;
            if r.try_get::<String, _>("kind")? == "I" {
                access.insert(EvidenceKey::Incident(id), (marking(r)?, post));
                incidents.push(id);
                continue;
            }
            access.insert(EvidenceKey::Source(id), (marking(r)?, post));
            parent.insert(id, r.try_get("derived_from")?);
            let text = |c: &str| -> Result<String, StoreError> {
                r.try_get::<Option<String>, _>(c)?
                    .ok_or_else(|| corrupt(format!("source S{id}: no {c}")))
            };
            grades.push((
                id,
                Grade {
                    reliability: Reliability::parse(&text("reliability")?).map_err(corrupt)?,
                    credibility: Credibility::parse(&text("credibility")?).map_err(corrupt)?,
                },
            ));
        }
        let root = |mut id: i64| {
            // derived_from always points at an older source (checked on insert), so the chain
            // ends; the step bound guards against hand-edited cycles.
            for _ in 0..parent.len() {
                match parent.get(&id).copied().flatten() {
                    Some(p) => id = p,
                    None => break,
                }
            }
            id
        };
        let facts = grades
            .into_iter()
            .map(|(id, grade)| {
                (
                    id,
                    SourceFacts {
                        grade,
                        root: root(id),
                    },
                )
            })
            .collect();
        incidents.sort_unstable();
        Ok(LintEvidence {
            sources: facts,
            incidents,
            access,
        })
    }

    /// Records an incident (its post, category and sources must exist). Returns the id.
    pub async fn insert_incident(
        &self,
        spec: &IncidentSpec,
        created_by: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        require_incident_refs(&mut tx, spec).await?;
        let id: i64 = bind_incident(
            sqlx::query(
                "INSERT INTO incidents (post_code, occurred, occurred_until, country, region, locality, category,
                     victims, suspects, legal_status, verification, summary, marking, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            ),
            spec,
        )
        .bind(created_by)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        link_incident_sources(&mut tx, id, &spec.sources).await?;
        append(&mut tx, &audit.for_object(format!("INC{id}"))).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// All incidents, by id.
    pub async fn incidents(&self) -> Result<Vec<IncidentRow>, StoreError> {
        use chancery_domain::evidence::{LegalStatus, PartialDate, Verification};
        use chancery_domain::ids::{CountryCode, VocabCode};
        let rows = sqlx::query(
            "SELECT id, post_code, occurred, occurred_until, country, region, locality, category, victims, suspects,
                 legal_status, verification, summary, marking, created_by FROM incidents ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let links = sqlx::query(
            "SELECT incident_id, source_id FROM incident_sources ORDER BY incident_id, source_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut sources: HashMap<i64, Vec<i64>> = HashMap::new();
        for l in &links {
            sources
                .entry(l.try_get("incident_id")?)
                .or_default()
                .push(l.try_get("source_id")?);
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let count = |c: &str| -> Result<Option<u32>, StoreError> {
                    r.try_get::<Option<i64>, _>(c)?
                        .map(u32::try_from)
                        .transpose()
                        .map_err(corrupt)
                };
                Ok(IncidentRow {
                    id,
                    spec: IncidentSpec {
                        post: PostCode::parse(&r.try_get::<String, _>("post_code")?)
                            .map_err(corrupt)?,
                        occurred: PartialDate::parse(&r.try_get::<String, _>("occurred")?)
                            .map_err(corrupt)?,
                        occurred_until: parse_opt(
                            r.try_get("occurred_until")?,
                            PartialDate::parse,
                        )?,
                        country: CountryCode::parse(&r.try_get::<String, _>("country")?)
                            .map_err(corrupt)?,
                        region: r.try_get("region")?,
                        locality: r.try_get("locality")?,
                        category: VocabCode::parse(&r.try_get::<String, _>("category")?)
                            .map_err(corrupt)?,
                        victims: count("victims")?,
                        suspects: count("suspects")?,
                        legal_status: LegalStatus::parse(&r.try_get::<String, _>("legal_status")?)
                            .map_err(corrupt)?,
                        verification: Verification::parse(&r.try_get::<String, _>("verification")?)
                            .map_err(corrupt)?,
                        summary: r.try_get("summary")?,
                        marking: marking(r)?,
                        sources: sources.remove(&id).unwrap_or_default(),
                    },
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    /// Records an engagement (its post, and tasking if given, must exist). Returns the id.
    pub async fn insert_engagement(
        &self,
        spec: &EngagementSpec,
        created_by: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        require_post(&mut tx, &spec.post).await?;
        let tps = serde_json::to_string(&spec.talking_points).map_err(corrupt)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO engagements (post_code, tasking_ref, date, host_office, official_title, talking_points,
                 host_response, follow_up, marking, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(spec.post.as_str())
        .bind(spec.tasking.as_ref().map(|t| t.as_str()))
        .bind(chancery_domain::dates::format(spec.date))
        .bind(&spec.host_office)
        .bind(&spec.official_title)
        .bind(&tps)
        .bind(&spec.host_response)
        .bind(&spec.follow_up)
        .bind(spec.marking.code())
        .bind(created_by)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        append(&mut tx, &audit.for_object(format!("ENG{id}"))).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// All engagements, by id.
    pub async fn engagements(&self) -> Result<Vec<EngagementRow>, StoreError> {
        use chancery_domain::ids::TaskingRef;
        let rows = sqlx::query(
            "SELECT id, post_code, tasking_ref, date, host_office, official_title, talking_points, host_response,
                 follow_up, marking, created_by FROM engagements ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EngagementRow {
                    id: r.try_get("id")?,
                    spec: EngagementSpec {
                        post: PostCode::parse(&r.try_get::<String, _>("post_code")?)
                            .map_err(corrupt)?,
                        tasking: parse_opt(r.try_get("tasking_ref")?, TaskingRef::parse)?,
                        date: chancery_domain::dates::parse(&r.try_get::<String, _>("date")?)
                            .map_err(corrupt)?,
                        host_office: r.try_get("host_office")?,
                        official_title: r.try_get("official_title")?,
                        talking_points: serde_json::from_str(
                            &r.try_get::<String, _>("talking_points")?,
                        )
                        .map_err(corrupt)?,
                        host_response: r.try_get("host_response")?,
                        follow_up: r.try_get("follow_up")?,
                        marking: marking(r)?,
                    },
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    /// Records a policy measure (its source, if given, must exist). Returns the id.
    pub async fn insert_policy(
        &self,
        spec: &PolicySpec,
        created_by: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        if let Some(s) = spec.source {
            require_source(&mut tx, s, "source").await?;
        }
        let targets = serde_json::to_string(&spec.targets).map_err(corrupt)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO policy_measures (country, title, measure_type, announced, in_force, description, source_id,
                 targets_json, marking, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(spec.country.as_str())
        .bind(&spec.title)
        .bind(spec.measure_type.code())
        .bind(spec.announced.as_ref().map(|d| d.as_str()))
        .bind(spec.in_force.as_ref().map(|d| d.as_str()))
        .bind(&spec.description)
        .bind(spec.source)
        .bind(&targets)
        .bind(spec.marking.code())
        .bind(created_by)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        append(&mut tx, &audit.for_object(format!("PM{id}"))).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// All policy measures, by country then date, undated ones first (`NULLS FIRST`: SQLite's
    /// default, but PostgreSQL puts NULLs last unless told).
    pub async fn policies(&self) -> Result<Vec<PolicyRow>, StoreError> {
        use chancery_domain::evidence::{MeasureType, PartialDate};
        use chancery_domain::ids::CountryCode;
        let rows = sqlx::query(
            "SELECT id, country, title, measure_type, announced, in_force, description, source_id, targets_json,
                 marking, created_by FROM policy_measures ORDER BY country, COALESCE(in_force, announced) NULLS FIRST, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PolicyRow {
                    id: r.try_get("id")?,
                    spec: PolicySpec {
                        country: CountryCode::parse(&r.try_get::<String, _>("country")?)
                            .map_err(corrupt)?,
                        title: r.try_get("title")?,
                        measure_type: MeasureType::parse(&r.try_get::<String, _>("measure_type")?)
                            .map_err(corrupt)?,
                        announced: parse_opt(r.try_get("announced")?, PartialDate::parse)?,
                        in_force: parse_opt(r.try_get("in_force")?, PartialDate::parse)?,
                        description: r.try_get("description")?,
                        source: r.try_get("source_id")?,
                        targets: serde_json::from_str(&r.try_get::<String, _>("targets_json")?)
                            .map_err(corrupt)?,
                        marking: marking(r)?,
                    },
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }
}

/// Binds the 13 columns of an incident, in the order `INSERT` and `UPDATE` list them ($1–$13).
pub(crate) fn bind_incident<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    spec: &'q IncidentSpec,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(spec.post.as_str())
        .bind(spec.occurred.as_str())
        .bind(spec.occurred_until.as_ref().map(|d| d.as_str()))
        .bind(spec.country.as_str())
        .bind(&spec.region)
        .bind(&spec.locality)
        .bind(spec.category.as_str())
        .bind(spec.victims.map(i64::from))
        .bind(spec.suspects.map(i64::from))
        .bind(spec.legal_status.code())
        .bind(spec.verification.code())
        .bind(&spec.summary)
        .bind(spec.marking.code())
}
