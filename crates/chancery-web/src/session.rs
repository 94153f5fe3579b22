//! Sessions kept in the database (tower-sessions with a store of our own), so any app server
//! can continue a session another one started. Only a SHA-256 of each session id is stored.
//!
//! Loading a session also reads the data generation (one query); the loaded record carries it
//! under [`GENERATION`], which is never stored.

use chancery_domain::audit::sha256_hex;
use chancery_store::Store;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

/// The database-backed session store.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl DbSessionStore {
    /// Wraps the application's store.
    pub fn new(store: Store) -> Self {
        DbSessionStore { store }
    }
}

/// The record key under which a loaded session carries the data generation it was read with
/// ([`chancery_store::Store::generation`]); stripped before a session is stored.
pub const GENERATION: &str = "~generation";

/// The record's data as stored: without the generation.
fn stored_data(record: &Record) -> Result<String> {
    let encode = |e: serde_json::Error| Error::Encode(e.to_string());
    if record.data.contains_key(GENERATION) {
        let mut data = record.data.clone();
        data.remove(GENERATION);
        serde_json::to_string(&data).map_err(encode)
    } else {
        serde_json::to_string(&record.data).map_err(encode)
    }
}

fn key(id: &Id) -> String {
    sha256_hex(id.to_string().as_bytes())
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = stored_data(record)?;
        // A collision on a 128-bit random id is astronomically unlikely; draw again if it happens.
        while !self
            .store
            .session_create(&key(&record.id), &data, record.expiry_date.unix_timestamp())
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = stored_data(record)?;
        self.store
            .session_save(&key(&record.id), &data, record.expiry_date.unix_timestamp())
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let Some(row) = self
            .store
            .session_load(&key(id), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut data: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        data.insert(GENERATION.into(), row.generation.into());
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.store.session_delete(&key(id)).await.map_err(backend)
    }
}
