//! Chancery's persistence layer.
//!
//! All SQL lives here. Every method that writes takes the [`AuditRecord`] describing the change
//! and commits it in the same transaction as the change, so the audit chain and the data can
//! never disagree. SQL is kept to what SQLite and PostgreSQL both accept (`$n` placeholders,
//! `RETURNING`, text timestamps) so the PostgreSQL backend implements this same API.
//!
//! Optimistic concurrency: reports carry a `lock_version`; writers pass the version they read
//! and get [`StoreError::Conflict`] if someone else wrote in between.

mod audit;
mod blocks;
mod db;
mod edits;
mod error;
mod evidence;
mod outbox;
mod people;
mod portable;
mod reports;
mod stats;
mod taskings;
mod web;

pub use chancery_domain::audit::AuditRecord;
pub use db::{Backend, OpenMode, Store, redact as redact_url};
pub use error::StoreError;
pub use evidence::{
    Capture, EngagementRow, EvidenceKey, IncidentRow, LintEvidence, PolicyRow, SourceRow,
};
pub use outbox::{OutboxPrune, OutboxRow, SEARCHED_KINDS};
pub use people::UserRow;
pub use portable::{APPEND_ONLY, EPHEMERAL, ImportSummary, TABLES};
pub use reports::{
    CommentRow, Frozen, ReportRow, SectionHead, SectionRow, Transition, TransmissionTimes,
    VersionRow, VersionSummary,
};
pub use stats::{
    CatalogueRow, CurrentObservation, IMPORT_BATCH, NewVintage, ObservationImport, ObservationRow,
    StoredImport, VintageRow,
};
pub use taskings::{TaskingImport, TaskingRow};
pub use web::{ApiTokenRow, SessionRow};

/// The current time as stored: RFC 3339, UTC, whole seconds.
pub fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
