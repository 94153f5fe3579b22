//! Reports, section revisions, transmitted versions and comments.

use chancery_domain::audit::{AuditRecord, sha256_hex};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::report::ReportStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::db::Store;
use crate::error::StoreError;

/// A stored report (one per tasking and post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// Row id.
    pub id: i64,
    /// Its tasking.
    pub tasking: TaskingRef,
    /// Its post.
    pub post: PostCode,
    /// Workflow status.
    pub status: ReportStatus,
    /// The version being drafted or last transmitted (from 1).
    pub version_no: i64,
    /// Optimistic-concurrency counter: bumped by every change.
    pub lock_version: i64,
    /// When created.
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
}

/// The current text of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRow {
    /// Template key.
    pub key: SectionKey,
    /// Markdown.
    pub body: String,
    /// SHA-256 of `body` (revisions are immutable, so this names the text for caches).
    pub body_sha256: String,
    /// Revision number within the report (from 1).
    pub revision: i64,
    /// Version the revision belongs to.
    pub version_no: i64,
    /// Who saved it.
    pub author: String,
    /// When.
    pub saved_at: String,
}

/// A transmitted, frozen version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    /// Version number.
    pub version_no: i64,
    /// The frozen content (JSON).
    pub content_json: String,
    /// SHA-256 of `content_json`.
    pub content_sha256: String,
    /// Lint findings at transmission (JSON).
    pub findings_json: String,
    /// The approver's written override reason, if findings were overridden.
    pub lint_override: Option<String>,
    /// Who transmitted.
    pub transmitted_by: String,
    /// When.
    pub transmitted_at: String,
}

/// A transmitted version as listed: what a report page shows, without the frozen content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSummary {
    /// Version number.
    pub version_no: i64,
    /// SHA-256 of the frozen content.
    pub content_sha256: String,
    /// The approver's written override reason, if findings were overridden.
    pub lint_override: Option<String>,
    /// Who transmitted.
    pub transmitted_by: String,
    /// When.
    pub transmitted_at: String,
}

/// Which revision of a section is current, without its text (the text is immutable per
/// revision, so `body_sha256` names it for caches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionHead {
    /// The report.
    pub report_id: i64,
    /// Template key.
    pub key: SectionKey,
    /// Current revision.
    pub revision: i64,
    /// SHA-256 of the current text.
    pub body_sha256: String,
}

/// When a report was first and last transmitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransmissionTimes {
    /// The report.
    pub report_id: i64,
    /// The first transmission (timeliness is judged on it).
    pub first_at: String,
    /// The latest transmission.
    pub last_at: String,
}

/// A comment on a report or one of its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRow {
    /// Row id.
    pub id: i64,
    /// Version commented on.
    pub version_no: i64,
    /// Section, or none for the whole report.
    pub section: Option<String>,
    /// `comment`, or `return` for the reason given when returning the report.
    pub kind: String,
    /// Author.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: String,
}

/// A decided workflow transition, to be persisted atomically with its audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// New status.
    pub to: ReportStatus,
    /// Freeze the current version with this content (transmission).
    pub freeze: Option<Frozen>,
    /// Start a new version for later edits (HQ returned the report).
    pub new_version: bool,
    /// A reason to store as a `return` comment.
    pub return_reason: Option<String>,
}

/// The frozen content of a transmitted version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// The version's content as canonical JSON.
    pub content_json: String,
    /// Lint findings at transmission, as JSON.
    pub findings_json: String,
    /// Override reason, if findings were overridden.
    pub lint_override: Option<String>,
}

fn report_from_row(r: &AnyRow) -> Result<ReportRow, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(ReportRow {
        id: r.try_get("id")?,
        tasking: TaskingRef::parse(&r.try_get::<String, _>("tasking_ref")?)
            .map_err(StoreError::corrupt)?,
        post: PostCode::parse(&r.try_get::<String, _>("post_code")?)
            .map_err(StoreError::corrupt)?,
        status: ReportStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt(format!("report status {status}")))?,
        version_no: r.try_get("version_no")?,
        lock_version: r.try_get("lock_version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A section revision from a row with `section_key, body, revision, version_no, author,
/// created_at`.
pub(crate) fn section_from_row(r: &AnyRow) -> Result<SectionRow, StoreError> {
    Ok(SectionRow {
        key: SectionKey::parse(&r.try_get::<String, _>("section_key")?)
            .map_err(StoreError::corrupt)?,
        body: r.try_get("body")?,
        body_sha256: r.try_get("body_sha256")?,
        revision: r.try_get("revision")?,
        version_no: r.try_get("version_no")?,
        author: r.try_get("author")?,
        saved_at: r.try_get("created_at")?,
    })
}

const REPORT_COLUMNS: &str =
    "id, tasking_ref, post_code, status, version_no, lock_version, created_at, updated_at";

impl Store {
    /// Starts the report of `post` for `tasking`, in draft.
    pub async fn create_report(
        &self,
        tasking: &TaskingRef,
        post: &PostCode,
        audit: &AuditRecord,
    ) -> Result<ReportRow, StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM reports WHERE tasking_ref = $1 AND post_code = $2")
                .bind(tasking.as_str())
                .bind(post.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if existing.is_some() {
            return Err(StoreError::AlreadyExists(format!(
                "the report of {post} for {tasking} already exists: use `chancery report show {tasking} {post}`"
            )));
        }
        let sql = format!(
            "INSERT INTO reports (tasking_ref, post_code, status, version_no, lock_version, created_at, updated_at)
             VALUES ($1, $2, 'draft', 1, 0, $3, $3) RETURNING {REPORT_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tasking.as_str())
            .bind(post.as_str())
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
        let report = report_from_row(&row)?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The report of `post` for `tasking`.
    pub async fn report(
        &self,
        tasking: &TaskingRef,
        post: &PostCode,
    ) -> Result<Option<ReportRow>, StoreError> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE tasking_ref = $1 AND post_code = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tasking.as_str())
            .bind(post.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// Every report of a tasking, by post.
    pub async fn reports_for(&self, tasking: &TaskingRef) -> Result<Vec<ReportRow>, StoreError> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE tasking_ref = $1 ORDER BY post_code"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tasking.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The current text of each section that has been written.
    pub async fn sections(&self, report_id: i64) -> Result<Vec<SectionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.section_key, s.body, s.body_sha256, s.revision, s.version_no, s.author, s.created_at
             FROM section_revisions s
             WHERE s.report_id = $1 AND s.revision = (
                 SELECT MAX(t.revision) FROM section_revisions t
                 WHERE t.report_id = s.report_id AND t.section_key = s.section_key)
             ORDER BY s.section_key",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(section_from_row).collect()
    }

    /// The current revision of every written section of every report of `tasking`, without
    /// the text: one query for a whole completeness table.
    pub async fn section_heads(
        &self,
        tasking: &TaskingRef,
    ) -> Result<Vec<SectionHead>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.report_id, s.section_key, s.revision, s.body_sha256
             FROM section_revisions s JOIN reports r ON r.id = s.report_id
             WHERE r.tasking_ref = $1 AND s.revision = (
                 SELECT MAX(t.revision) FROM section_revisions t
                 WHERE t.report_id = s.report_id AND t.section_key = s.section_key)
             ORDER BY s.report_id, s.section_key",
        )
        .bind(tasking.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SectionHead {
                    report_id: r.try_get("report_id")?,
                    key: SectionKey::parse(&r.try_get::<String, _>("section_key")?)
                        .map_err(StoreError::corrupt)?,
                    revision: r.try_get("revision")?,
                    body_sha256: r.try_get("body_sha256")?,
                })
            })
            .collect()
    }

    /// First and last transmission of every transmitted report of `tasking` (one aggregate
    /// query for a completeness table).
    pub async fn transmission_times(
        &self,
        tasking: &TaskingRef,
    ) -> Result<Vec<TransmissionTimes>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.report_id, MIN(v.transmitted_at) AS first_at, MAX(v.transmitted_at) AS last_at
             FROM report_versions v JOIN reports r ON r.id = v.report_id
             WHERE r.tasking_ref = $1
             GROUP BY v.report_id",
        )
        .bind(tasking.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TransmissionTimes {
                    report_id: r.try_get("report_id")?,
                    first_at: r.try_get("first_at")?,
                    last_at: r.try_get("last_at")?,
                })
            })
            .collect()
    }

    /// Users who saved any section in `version_no` (separation of duties).
    pub async fn drafters(
        &self,
        report_id: i64,
        version_no: i64,
    ) -> Result<Vec<Username>, StoreError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT author FROM section_revisions WHERE report_id = $1 AND version_no = $2 ORDER BY author",
        )
        .bind(report_id)
        .bind(version_no)
        .fetch_all(&self.pool)
        .await?;
        names
            .iter()
            .map(|n| Username::parse(n).map_err(StoreError::corrupt))
            .collect()
    }

    /// Saves a section as a new revision. `expected_revision` is the revision the editor
    /// started from (0 for a section never written): if another save landed in between, the
    /// save is refused with a conflict and nothing is written. Returns the new revision.
    pub async fn save_section(
        &self,
        report: &ReportRow,
        key: &SectionKey,
        body: &str,
        expected_revision: i64,
        author: &Username,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        let bumped = sqlx::query(
            "UPDATE reports SET lock_version = lock_version + 1, updated_at = $1
             WHERE id = $2 AND status = $3 AND version_no = $4",
        )
        .bind(&now)
        .bind(report.id)
        .bind(report.status.code())
        .bind(report.version_no)
        .execute(&mut *tx)
        .await?;
        if bumped.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "the report of {} for {}",
                report.post, report.tasking
            )));
        }
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(revision) FROM section_revisions WHERE report_id = $1 AND section_key = $2",
        )
        .bind(report.id)
        .bind(key.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let current = current.unwrap_or(0);
        if current != expected_revision {
            return Err(StoreError::Conflict(format!(
                "section {key} (you edited revision {expected_revision}; it is now at {current})"
            )));
        }
        let revision = current + 1;
        sqlx::query(
            "INSERT INTO section_revisions (report_id, version_no, section_key, revision, body, body_sha256, author, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(report.id)
        .bind(report.version_no)
        .bind(key.as_str())
        .bind(revision)
        .bind(body)
        .bind(sha256_hex(body.as_bytes()))
        .bind(author.as_str())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Persists a decided transition, its frozen version and return reason, and its audit
    /// event, in one transaction. Refused with a conflict if the report changed since read.
    pub async fn apply_transition(
        &self,
        report: &ReportRow,
        transition: &Transition,
        actor: &Username,
        audit: &AuditRecord,
    ) -> Result<ReportRow, StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        let next_version = report.version_no + i64::from(transition.new_version);
        let sql = format!(
            "UPDATE reports SET status = $1, version_no = $2, lock_version = lock_version + 1, updated_at = $3
             WHERE id = $4 AND lock_version = $5 RETURNING {REPORT_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(transition.to.code())
            .bind(next_version)
            .bind(&now)
            .bind(report.id)
            .bind(report.lock_version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "the report of {} for {}",
                report.post, report.tasking
            )));
        };
        let updated = report_from_row(&row)?;
        if let Some(frozen) = &transition.freeze {
            sqlx::query(
                "INSERT INTO report_versions (report_id, version_no, content_json, content_sha256, findings_json, lint_override, transmitted_by, transmitted_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(report.id)
            .bind(report.version_no)
            .bind(&frozen.content_json)
            .bind(sha256_hex(frozen.content_json.as_bytes()))
            .bind(&frozen.findings_json)
            .bind(&frozen.lint_override)
            .bind(actor.as_str())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(reason) = &transition.return_reason {
            sqlx::query(
                "INSERT INTO comments (report_id, version_no, section_key, kind, author, body, created_at)
                 VALUES ($1, $2, NULL, 'return', $3, $4, $5)",
            )
            .bind(report.id)
            .bind(report.version_no)
            .bind(actor.as_str())
            .bind(reason)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Transmitted versions, oldest first.
    pub async fn versions(&self, report_id: i64) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT version_no, content_json, content_sha256, findings_json, lint_override, transmitted_by, transmitted_at
             FROM report_versions WHERE report_id = $1 ORDER BY version_no",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionRow {
                    version_no: r.try_get("version_no")?,
                    content_json: r.try_get("content_json")?,
                    content_sha256: r.try_get("content_sha256")?,
                    findings_json: r.try_get("findings_json")?,
                    lint_override: r.try_get("lint_override")?,
                    transmitted_by: r.try_get("transmitted_by")?,
                    transmitted_at: r.try_get("transmitted_at")?,
                })
            })
            .collect()
    }

    /// Transmitted versions, oldest first, without their frozen content (for listing).
    pub async fn version_summaries(
        &self,
        report_id: i64,
    ) -> Result<Vec<VersionSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT version_no, content_sha256, lint_override, transmitted_by, transmitted_at
             FROM report_versions WHERE report_id = $1 ORDER BY version_no",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionSummary {
                    version_no: r.try_get("version_no")?,
                    content_sha256: r.try_get("content_sha256")?,
                    lint_override: r.try_get("lint_override")?,
                    transmitted_by: r.try_get("transmitted_by")?,
                    transmitted_at: r.try_get("transmitted_at")?,
                })
            })
            .collect()
    }

    /// Adds a comment on the current version.
    pub async fn add_comment(
        &self,
        report: &ReportRow,
        section: Option<&SectionKey>,
        author: &Username,
        body: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (report_id, version_no, section_key, kind, author, body, created_at)
             VALUES ($1, $2, $3, 'comment', $4, $5, $6) RETURNING id",
        )
        .bind(report.id)
        .bind(report.version_no)
        .bind(section.map(|s| s.as_str()))
        .bind(author.as_str())
        .bind(body)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Comments on a report, oldest first.
    pub async fn comments(&self, report_id: i64) -> Result<Vec<CommentRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, version_no, section_key, kind, author, body, created_at
             FROM comments WHERE report_id = $1 ORDER BY id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CommentRow {
                    id: r.try_get("id")?,
                    version_no: r.try_get("version_no")?,
                    section: r.try_get("section_key")?,
                    kind: r.try_get("kind")?,
                    author: r.try_get("author")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}
