//! The audit chain (DESIGN §8): each event's hash covers its content and the previous event's
//! hash, so changing, inserting or deleting any stored event breaks every later link.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Bytes from hex, or `None` if it is not valid hex.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    hex::decode(s).ok()
}

/// What happened, before it is sealed into the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Username of the acting user, or `system` for loads and migrations.
    pub actor: String,
    /// Dotted action name, e.g. `report.transmit`.
    pub action: String,
    /// Kind of object acted on, e.g. `report`.
    pub object_kind: String,
    /// Identifier of the object, e.g. `CHN-2026-0001/OTTAWA`.
    pub object_id: String,
    /// Details as JSON (never passwords or report text; digests instead).
    pub payload: serde_json::Value,
}

impl AuditRecord {
    /// Builds a record.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        object_kind: impl Into<String>,
        object_id: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        AuditRecord {
            actor: actor.into(),
            action: action.into(),
            object_kind: object_kind.into(),
            object_id: object_id.into(),
            payload,
        }
    }
}

impl AuditRecord {
    /// The same record about another object id (for objects whose id the store assigns).
    pub fn for_object(&self, object_id: impl Into<String>) -> AuditRecord {
        AuditRecord {
            object_id: object_id.into(),
            ..self.clone()
        }
    }
}

/// A sealed event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// RFC 3339 UTC time.
    pub at: String,
    /// Acting user.
    pub actor: String,
    /// Action name.
    pub action: String,
    /// Object kind.
    pub object_kind: String,
    /// Object identifier.
    pub object_id: String,
    /// Payload JSON text exactly as hashed.
    pub payload: String,
    /// SHA-256 of `payload`.
    pub payload_sha256: String,
    /// Hash of the previous event ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

impl AuditEvent {
    /// Seals `record` as event `seq` after `prev_hash`.
    pub fn seal(record: &AuditRecord, seq: i64, at: String, prev_hash: &str) -> AuditEvent {
        // serde_json::Value's Display is infallible and, with the default map type, sorts keys,
        // so the payload text is canonical.
        let payload = record.payload.to_string();
        let payload_sha256 = sha256_hex(payload.as_bytes());
        let mut event = AuditEvent {
            seq,
            at,
            actor: record.actor.clone(),
            action: record.action.clone(),
            object_kind: record.object_kind.clone(),
            object_id: record.object_id.clone(),
            payload,
            payload_sha256,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        event.hash = event.compute_hash();
        event
    }

    /// The hash this event should carry, from its fields (length-prefixed, so no two different
    /// field lists hash the same input).
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        for field in [
            seq.as_str(),
            &self.at,
            &self.actor,
            &self.action,
            &self.object_kind,
            &self.object_id,
            &self.payload_sha256,
            &self.prev_hash,
        ] {
            h.update(field.len().to_string().as_bytes());
            h.update(b":");
            h.update(field.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }
}

/// The first event that does not fit the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event {seq} ({action} on {object}): {reason}")]
pub struct ChainBreak {
    /// The event's sequence number.
    pub seq: i64,
    /// Its action, to help a reader find it.
    pub action: String,
    /// Its object.
    pub object: String,
    /// What does not match.
    pub reason: String,
}

/// Walks events in sequence order; returns how many were verified, or the first break.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS.to_string();
    let mut count = 0;
    for (expected_seq, e) in (1_i64..).zip(events) {
        let brk = |reason: String| ChainBreak {
            seq: e.seq,
            action: e.action.clone(),
            object: format!("{} {}", e.object_kind, e.object_id),
            reason,
        };
        if e.seq != expected_seq {
            return Err(brk(format!(
                "expected event {expected_seq} next: an event was deleted or inserted"
            )));
        }
        if e.prev_hash != prev {
            return Err(brk(
                "prev_hash does not match the previous event's hash".into()
            ));
        }
        if sha256_hex(e.payload.as_bytes()) != e.payload_sha256 {
            return Err(brk(
                "payload does not match its digest: the payload was altered".into(),
            ));
        }
        if e.compute_hash() != e.hash {
            return Err(brk(
                "hash does not match the event's content: the event was altered".into(),
            ));
        }
        prev = e.hash.clone();
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
            let rec = AuditRecord::new(
                "alice",
                "report.submit",
                "report",
                format!("R{seq}"),
                serde_json::json!({"n": seq}),
            );
            out.push(AuditEvent::seal(
                &rec,
                seq,
                "2026-01-01T00:00:00Z".into(),
                &prev,
            ));
        }
        out
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn any_field_change_is_caught_at_that_event() {
        for field in 0..5 {
            let mut c = chain(5);
            let e = &mut c[2];
            match field {
                0 => e.actor = "mallory".into(),
                1 => e.action = "report.accept".into(),
                2 => e.payload = "{\"n\":99}".into(),
                3 => e.at = "2026-01-02T00:00:00Z".into(),
                _ => e.object_id = "R9".into(),
            }
            assert_eq!(verify_chain(&c).unwrap_err().seq, 3, "field {field}");
        }
    }

    #[test]
    fn deletion_and_rehash_are_caught() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&c).unwrap_err().seq, 3);

        // Re-sealing an altered event fixes its own hash but breaks the next link.
        let mut c = chain(5);
        c[1].payload = "{\"n\":42}".into();
        c[1].payload_sha256 = sha256_hex(c[1].payload.as_bytes());
        c[1].hash = c[1].compute_hash();
        assert_eq!(verify_chain(&c).unwrap_err().seq, 3);
    }
}
