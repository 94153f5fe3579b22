use std::path::PathBuf;

/// Store failures, grouped by what the caller can do about them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The object already exists (with different content).
    #[error("{0}")]
    AlreadyExists(String),
    /// Someone else changed the object since it was read: reload and retry.
    #[error("{0} was changed by someone else since you read it: reload and try again")]
    Conflict(String),
    /// A read command was pointed at a database file that does not exist.
    #[error(
        "database file {} does not exist: create it with `chancery init` (or `chancery demo --no-serve`), or pass --database",
        .0.display()
    )]
    MissingDatabase(PathBuf),
    /// The folder that should hold a new database file does not exist.
    #[error(
        "cannot create database file {}: its folder does not exist; create the folder or pass another --database",
        .0.display()
    )]
    MissingFolder(PathBuf),
    /// The database was migrated by a newer Chancery.
    #[error(
        "the database is at schema version {database}, newer than this binary's {binary}: upgrade chancery"
    )]
    NewerSchema {
        /// Highest migration applied in the database.
        database: i64,
        /// Highest migration this binary knows.
        binary: i64,
    },
    /// Stored data that does not parse (edited by hand, or a bug).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database URL is not understood.
    #[error(
        "unsupported database URL {0:?}: use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    BadUrl(String),
    /// The database server could not be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Connect {
        /// `host:port/database` (never the password).
        target: String,
        /// What the driver said.
        reason: String,
    },
    /// An operation that does not apply to this backend, or an invalid argument to one (the
    /// message says which).
    #[error("{0}")]
    Unsupported(String),
    /// An export file that cannot be imported; names the line.
    #[error("import: {0}")]
    Import(String),
    /// A database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
