//! The search outbox (issue 6): which objects changed, in commit order, for every app server's
//! search index to catch up on.
//!
//! [`note`] runs inside [`crate::audit::append`], which every write transaction calls: the row
//! describing what changed commits or rolls back with the change itself, and no write path can
//! forget it. `seq` is assigned as `MAX(seq) + 1` while the transaction holds the write lock
//! (SQLite `BEGIN IMMEDIATE`, the PostgreSQL advisory lock), so a reader never sees `seq` N+1
//! committed before N: "everything after the last `seq` I applied" is always complete.

use chancery_domain::audit::AuditRecord;
use sqlx::Row;

use crate::db::{Store, Tx};
use crate::error::StoreError;

/// Object kinds whose changes search shows (the audit record's `object_kind`).
pub const SEARCHED_KINDS: &[&str] = &[
    "report",
    "tasking",
    "source",
    "incident",
    "engagement",
    "policy",
    "post",
];

/// One changed object, as the outbox records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Position in commit order (from 1).
    pub seq: i64,
    /// What changed: one of [`SEARCHED_KINDS`].
    pub object_kind: String,
    /// Which one, as the audit event names it (`CHN-2026-0001/OTTAWA`, `S12`, `INC3`, …).
    pub object_id: String,
}

/// Appends the outbox row for `record` inside the caller's write transaction, if the object is
/// one search shows.
pub(crate) async fn note(tx: &mut Tx, record: &AuditRecord) -> Result<(), StoreError> {
    if !SEARCHED_KINDS.contains(&record.object_kind.as_str()) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO search_outbox (seq, object_kind, object_id, at)
         SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3 FROM search_outbox",
    )
    .bind(&record.object_kind)
    .bind(&record.object_id)
    .bind(crate::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The last outbox `seq` committed (0 when empty).
    pub async fn search_outbox_head(&self) -> Result<i64, StoreError> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM search_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(head.unwrap_or(0))
    }

    /// Up to `limit` outbox rows after `after`, in `seq` order.
    pub async fn search_outbox_since(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, object_kind, object_id FROM search_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    seq: r.try_get("seq")?,
                    object_kind: r.try_get("object_kind")?,
                    object_id: r.try_get("object_id")?,
                })
            })
            .collect()
    }

    /// Names this database: the random id its migration drew, and the hash of its first
    /// audit event (so a copy whose history was replaced by an import differs too). A search
    /// index built from another database is recognised and rebuilt.
    pub async fn identity(&self) -> Result<String, StoreError> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM search_identity LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let hash: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events ORDER BY seq LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(format!(
            "{}:{}",
            id.unwrap_or_default(),
            hash.unwrap_or_default()
        ))
    }
}
