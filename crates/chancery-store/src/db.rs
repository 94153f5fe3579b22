use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use chancery_domain::ids::PostCode;

use crate::error::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Whether opening may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if missing (init, migrate, demo).
    Create,
    /// The database must already exist (every other command).
    Existing,
}

/// A handle on the database. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
}

pub(crate) type Tx = Transaction<'static, Sqlite>;

/// Fails with `NotFound` unless `post` exists (inside the caller's transaction).
pub(crate) async fn require_post(tx: &mut Tx, post: &PostCode) -> Result<(), StoreError> {
    let found: Option<String> = sqlx::query_scalar("SELECT code FROM posts WHERE code = $1")
        .bind(post.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound(format!("post {post}"))),
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite:PATH`, `sqlite://PATH` or `sqlite::memory:`):
    /// WAL journal, foreign keys on, a 5 s busy timeout.
    pub async fn open(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        let options =
            SqliteConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_string()))?;
        let path = options.get_filename().to_path_buf();
        let in_memory = url.contains(":memory:");
        if mode == OpenMode::Existing && !in_memory && !path.exists() {
            return Err(StoreError::MissingDatabase(path));
        }
        if let Some(parent) = path
            .parent()
            .filter(|p| !in_memory && !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(StoreError::MissingFolder(path));
        }
        let options = options
            .create_if_missing(mode == OpenMode::Create)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        Ok(Store { pool })
    }

    /// Opens a database file by path (tests and tools).
    pub async fn open_path(path: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        Store::open(&format!("sqlite:{}", path.display()), mode).await
    }

    /// Applies pending migrations. Refuses a database migrated by a newer binary.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.refuse_newer().await?;
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Checks the database is at exactly this binary's schema version.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        self.refuse_newer().await?;
        let applied = self.applied_version().await?;
        if applied < binary_version() {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {applied}, older than this binary's {}: run `chancery migrate`",
                binary_version()
            )));
        }
        Ok(())
    }

    async fn applied_version(&self) -> Result<i64, StoreError> {
        let has_table: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&self.pool)
        .await?;
        if has_table.is_none() {
            return Ok(0);
        }
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    async fn refuse_newer(&self) -> Result<(), StoreError> {
        let database = self.applied_version().await?;
        let binary = binary_version();
        if database > binary {
            return Err(StoreError::NewerSchema { database, binary });
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so read-then-write sequences such as appending to the audit chain cannot
    /// interleave with another writer.
    pub(crate) async fn write(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn binary_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_file_is_refused_for_existing_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.db");
        let err = Store::open_path(&path, OpenMode::Existing)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::MissingDatabase(_)), "{err}");
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn migrates_and_checks_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_path(&dir.path().join("t.db"), OpenMode::Create)
            .await
            .unwrap();
        assert!(store.check_schema().await.is_err());
        store.migrate().await.unwrap();
        store.check_schema().await.unwrap();
        store.migrate().await.unwrap();
    }

    #[tokio::test]
    async fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_path(&dir.path().join("t.db"), OpenMode::Create)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99999, 'future', 1, x'00', 0)",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let err = store.check_schema().await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NewerSchema {
                    database: 99999,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn bad_url_is_refused() {
        let err = Store::open("mysql://x", OpenMode::Create)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)));
    }
}
