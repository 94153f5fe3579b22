//! Taskings and their addressees.

use chancery_domain::audit::{AuditRecord, sha256_hex};
use chancery_domain::ids::TaskingRef;
use chancery_domain::tasking::{TaskingSpec, TaskingStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::db::{Store, require_post};
use crate::error::StoreError;

/// A stored tasking.
#[derive(Debug, Clone)]
pub struct TaskingRow {
    /// The tasking as written.
    pub spec: TaskingSpec,
    /// Draft, issued or closed.
    pub status: TaskingStatus,
    /// When issued.
    pub issued_at: Option<String>,
    /// Who issued it.
    pub issued_by: Option<String>,
    /// SHA-256 of the stored spec (canonical JSON).
    pub spec_sha256: String,
}

/// Whether an import created the tasking or found it already there, identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskingImport {
    /// Newly stored.
    Created,
    /// Already stored with the same content: nothing changed.
    Unchanged,
}

fn tasking_from_row(r: &AnyRow) -> Result<TaskingRow, StoreError> {
    let spec: TaskingSpec =
        serde_json::from_str(&r.try_get::<String, _>("spec_json")?).map_err(StoreError::corrupt)?;
    let status: String = r.try_get("status")?;
    Ok(TaskingRow {
        spec,
        status: TaskingStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt(format!("tasking status {status}")))?,
        issued_at: r.try_get("issued_at")?,
        issued_by: r.try_get("issued_by")?,
        spec_sha256: r.try_get("spec_sha256")?,
    })
}

const TASKING_COLUMNS: &str = "spec_json, status, issued_at, issued_by, spec_sha256";

impl Store {
    /// Stores a new tasking in draft. Importing the same content again changes nothing;
    /// different content under an existing reference is refused.
    pub async fn import_tasking(
        &self,
        spec: &TaskingSpec,
        audit: &AuditRecord,
    ) -> Result<TaskingImport, StoreError> {
        let json = serde_json::to_string(spec).map_err(StoreError::corrupt)?;
        let sha = sha256_hex(json.as_bytes());
        let mut tx = self.write().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT spec_sha256 FROM taskings WHERE reference = $1")
                .bind(spec.reference.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            Some(s) if s == sha => return Ok(TaskingImport::Unchanged),
            Some(_) => {
                return Err(StoreError::AlreadyExists(format!(
                    "tasking {} already exists with different content: taskings are not overwritten; give the new one its own reference",
                    spec.reference
                )));
            }
            None => {}
        }
        for post in &spec.addressees {
            require_post(&mut tx, post).await.map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::NotFound(format!(
                    "addressee post {post} (load the posts first: `chancery post list` shows them)"
                )),
                other => other,
            })?;
        }
        sqlx::query(
            "INSERT INTO taskings (reference, subject, classification, due_date, status, spec_json, spec_sha256, created_at)
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7)",
        )
        .bind(spec.reference.as_str())
        .bind(&spec.subject)
        .bind(spec.classification.code())
        .bind(chancery_domain::dates::format(spec.due))
        .bind(&json)
        .bind(&sha)
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        for post in &spec.addressees {
            sqlx::query("INSERT INTO tasking_addressees (tasking_ref, post_code) VALUES ($1, $2)")
                .bind(spec.reference.as_str())
                .bind(post.as_str())
                .execute(&mut *tx)
                .await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(TaskingImport::Created)
    }

    /// One tasking.
    pub async fn tasking(&self, reference: &TaskingRef) -> Result<Option<TaskingRow>, StoreError> {
        let sql = format!("SELECT {TASKING_COLUMNS} FROM taskings WHERE reference = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(reference.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tasking_from_row).transpose()
    }

    /// All taskings, by reference.
    pub async fn taskings(&self) -> Result<Vec<TaskingRow>, StoreError> {
        let sql = format!("SELECT {TASKING_COLUMNS} FROM taskings ORDER BY reference");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(tasking_from_row).collect()
    }

    /// Moves a tasking from `from` to `to`; fails with a conflict if it is no longer in `from`.
    pub async fn set_tasking_status(
        &self,
        reference: &TaskingRef,
        from: TaskingStatus,
        to: TaskingStatus,
        by: Option<&str>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        let issued = to == TaskingStatus::Issued;
        let done = sqlx::query(
            "UPDATE taskings SET status = $1,
                 issued_at = CASE WHEN $2 THEN $3 ELSE issued_at END,
                 issued_by = CASE WHEN $2 THEN $4 ELSE issued_by END
             WHERE reference = $5 AND status = $6",
        )
        .bind(to.code())
        .bind(issued)
        .bind(&now)
        .bind(by)
        .bind(reference.as_str())
        .bind(from.code())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("tasking {reference}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
