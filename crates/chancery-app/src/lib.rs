//! Chancery's use cases.
//!
//! Each public method of [`App`] is one thing a user does: it resolves the acting user, loads
//! what the rules need, asks the domain (`chancery-domain`) for a decision and persists the
//! outcome together with its audit event through one store call (one transaction). The CLI and
//! the web layer are thin shells over these methods, so the rules hold identically everywhere.

pub mod cache;
mod content;
mod edits;
mod error;
mod evidence;
mod indicators;
mod reports;
mod statistics;
mod taskings;
mod users;

use std::sync::Arc;

use chancery_domain::audit::{AuditRecord, ChainBreak, verify_chain};
use chancery_domain::ids::Username;
use chancery_domain::lint::personal_data;
use chancery_domain::user::Actor;
use chancery_store::Store;

pub use content::{ContentSummary, DemoSummary, DemoUser};
pub use edits::RevisionView;
pub use error::{AppError, AppResult};
pub use indicators::{StatsQuery, StatsRow, StatsSource, StatsView};
pub use reports::{PortionView, ReportView, SectionView, may_comment};
pub use statistics::{SkipLine, StatsImportReport};
pub use taskings::{CompletenessRow, TaskingView};
pub use users::{hash_password, random_password};

/// The application: a store plus the rules, and caches of what is derived from immutable
/// text (see [`cache`]); clones share the caches.
#[derive(Debug, Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    cache: Arc<cache::Caches>,
}

/// The acting user of a use case: a real account, or the system itself (content loading,
/// migrations), which is recorded as `system` in the audit chain.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A user account.
    User(&'a Actor),
    /// Chancery itself, loading shipped content.
    System,
}

impl By<'_> {
    fn name(&self) -> &str {
        match self {
            By::User(a) => a.username.as_str(),
            By::System => "system",
        }
    }
}

impl App {
    /// Wraps a store.
    pub fn new(store: Store) -> Self {
        App {
            store,
            cache: Arc::default(),
        }
    }

    /// Resolves a username to an active account.
    pub async fn actor(&self, username: &str) -> AppResult<Actor> {
        let name = Username::parse(username).map_err(|e| AppError::invalid(e.to_string()))?;
        match self.store.user(&name).await? {
            Some(u) if u.active => Ok(u.actor),
            Some(_) => Err(AppError::Forbidden(format!("account {name} is disabled"))),
            None => Err(AppError::NotFound(format!("user {name}"))),
        }
    }

    /// Walks the audit chain; the number of events verified, or the first broken one.
    pub async fn audit_verify(&self) -> AppResult<Result<u64, ChainBreak>> {
        let events = self.store.audit_events().await?;
        Ok(verify_chain(&events))
    }
}

fn audit(
    by: By<'_>,
    action: &str,
    kind: &str,
    id: impl Into<String>,
    payload: serde_json::Value,
) -> AuditRecord {
    AuditRecord::new(by.name(), action, kind, id, payload)
}

/// Rejects free text holding personal data (E006), naming where it was found.
fn reject_personal_data(location: &str, text: &str) -> AppResult<()> {
    let found = personal_data(text);
    if found.is_empty() {
        Ok(())
    } else {
        Err(AppError::PersonalData {
            location: location.to_string(),
            found,
        })
    }
}
