use chancery_domain::audit::{AuditEvent, AuditRecord, GENESIS};
use sqlx::Row;

use crate::db::{Store, Tx};
use crate::error::StoreError;

/// Appends `record` to the chain inside `tx`. The caller's write transaction holds the write
/// lock, so reading the last hash and inserting cannot race another writer. Changes search shows
/// also get their search-outbox row here, in the same transaction.
pub(crate) async fn append(tx: &mut Tx, record: &AuditRecord) -> Result<AuditEvent, StoreError> {
    let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (seq, prev) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let event = AuditEvent::seal(record, seq, crate::now(), &prev);
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, object_kind, object_id, payload, payload_sha256, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(event.seq)
    .bind(&event.at)
    .bind(&event.actor)
    .bind(&event.action)
    .bind(&event.object_kind)
    .bind(&event.object_id)
    .bind(&event.payload)
    .bind(&event.payload_sha256)
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&mut **tx)
    .await?;
    crate::outbox::note(tx, record).await?;
    Ok(event)
}

impl Store {
    /// Every audit event in chain order.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, object_kind, object_id, payload, payload_sha256, prev_hash, hash
             FROM audit_events ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    object_kind: r.try_get("object_kind")?,
                    object_id: r.try_get("object_id")?,
                    payload: r.try_get("payload")?,
                    payload_sha256: r.try_get("payload_sha256")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// Records an event that changes nothing else (e.g. a refused login, an export).
    pub async fn record(&self, record: &AuditRecord) -> Result<AuditEvent, StoreError> {
        let mut tx = self.write().await?;
        let e = append(&mut tx, record).await?;
        tx.commit().await?;
        Ok(e)
    }
}
