//! Search errors, grouped by what the caller can do.

use std::path::PathBuf;

use crate::parse::QueryError;

/// Why a search or an index update failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The user's query or filters are wrong: show the message (HTTP 400).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The index folder cannot be used.
    #[error("search index folder {path}: {reason}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The search engine failed.
    #[error("search index: {0}")]
    Engine(#[from] tantivy::TantivyError),
    /// Reading the database failed.
    #[error("reading the database for the search index: {0}")]
    Store(#[from] chancery_store::StoreError),
    /// A bug or an inconsistent state.
    #[error("search: {0}")]
    Internal(String),
}
