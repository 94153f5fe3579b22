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

/// What [`Store::search_outbox_prune`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxPrune {
    /// Readers forgotten (not seen within the retention window).
    pub forgotten: u64,
    /// Outbox rows deleted.
    pub deleted: u64,
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

    /// Records that the search index `reader` has applied the outbox up to `seq` (now).
    pub async fn search_reader_report(&self, reader: &str, seq: i64) -> Result<(), StoreError> {
        self.search_reader_report_at(reader, seq, &crate::now())
            .await
    }

    /// [`Store::search_reader_report`] with an explicit time (RFC 3339, UTC), for tests of
    /// the retention window.
    pub async fn search_reader_report_at(
        &self,
        reader: &str,
        seq: i64,
        at: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO search_readers (reader, seq, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (reader) DO UPDATE SET seq = excluded.seq, seen_at = excluded.seen_at",
        )
        .bind(reader)
        .bind(seq)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Prunes the outbox: forgets readers not seen within `retention`, then deletes the rows
    /// every remaining reader has applied (at or below their lowest position), always keeping
    /// the newest row so `seq` keeps counting up. Nothing is deleted while no reader is
    /// registered.
    pub async fn search_outbox_prune(
        &self,
        retention: std::time::Duration,
    ) -> Result<OutboxPrune, StoreError> {
        let cutoff = time::OffsetDateTime::now_utc()
            - time::Duration::try_from(retention).unwrap_or(time::Duration::MAX);
        let cutoff = cutoff.replace_nanosecond(0).unwrap_or(cutoff);
        let seen_since = cutoff
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut tx = self.write().await?;
        let forgotten = sqlx::query("DELETE FROM search_readers WHERE seen_at < $1")
            .bind(&seen_since)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let deleted = sqlx::query(
            "DELETE FROM search_outbox
             WHERE seq <= (SELECT MIN(seq) FROM search_readers)
               AND seq < (SELECT MAX(seq) FROM search_outbox)",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(OutboxPrune { forgotten, deleted })
    }

    /// The outbox rows left (for operators and tests).
    pub async fn search_outbox_len(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM search_outbox")
            .fetch_one(&self.pool)
            .await?)
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
