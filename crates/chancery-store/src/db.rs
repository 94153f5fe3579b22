use std::path::{Path, PathBuf};
use std::str::FromStr;

use chancery_domain::ids::PostCode;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::StoreError;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether opening may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if missing (init, migrate, demo).
    Create,
    /// The database must already exist (every other command).
    Existing,
}

/// Which database engine is behind a [`Store`]. The SQL is shared; only a few statements
/// (schema introspection, how a write transaction takes its lock) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (the default).
    Sqlite,
    /// PostgreSQL server (multi-user deployments).
    Postgres,
}

/// A handle on the database. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

pub(crate) type Tx = Transaction<'static, Any>;

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

/// Lock key that serialises writers on PostgreSQL (SQLite has one writer by construction).
const WRITE_LOCK: i64 = 0x4348_414e_4345_5259; // "CHANCERY"

impl Store {
    /// Opens the database at `url`: `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:` or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`. SQLite gets a WAL journal, foreign keys and a
    /// 5 s busy timeout. Errors name the file or host and port, never the password.
    pub async fn open(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
        install_default_drivers();
        if url.starts_with("sqlite:") {
            Store::open_sqlite(url, mode).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::open_postgres(url).await
        } else {
            Err(StoreError::BadUrl(redact(url)))
        }
    }

    async fn open_sqlite(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
        let in_memory = url.contains(":memory:");
        let path = sqlite_path(url);
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
        let url = if in_memory || url.contains("mode=") {
            url.to_string()
        } else {
            let sep = if url.contains('?') { '&' } else { '?' };
            let m = if mode == OpenMode::Create {
                "rwc"
            } else {
                "rw"
            };
            format!("{url}{sep}mode={m}")
        };
        let pool = AnyPoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            // An embedded database cannot drop a connection: pinging it before every query
            // (sqlx's default) only doubles the round trips to the connection's worker thread.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    let journal = if in_memory { "MEMORY" } else { "WAL" };
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "PRAGMA journal_mode = {journal}"
                    )))
                    .await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Store {
            pool,
            backend: Backend::Sqlite,
        })
    }

    async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let target = postgres_target(url);
        let connect_error = |e: sqlx::Error| StoreError::Connect {
            target: target.clone(),
            reason: e.to_string(),
        };
        // One direct attempt first: a pool would retry until its timeout before reporting.
        let probe = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .map_err(connect_error)?;
        <sqlx::AnyConnection as sqlx::Connection>::close(probe)
            .await
            .map_err(connect_error)?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(connect_error)?;
        Ok(Store {
            pool,
            backend: Backend::Postgres,
        })
    }

    /// Opens a database file by path (tests and tools).
    pub async fn open_path(path: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        Store::open(&format!("sqlite:{}", path.display()), mode).await
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        }
    }

    /// Applies pending migrations. Refuses a database migrated by a newer binary.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.refuse_newer().await?;
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Checks the database is at exactly this binary's schema version.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        self.refuse_newer().await?;
        let applied = self.applied_version().await?;
        let binary = self.binary_version();
        if applied < binary {
            return Err(StoreError::Corrupt(format!(
                "the database is at schema version {applied}, older than this binary's {binary}: run `chancery migrate`"
            )));
        }
        Ok(())
    }

    async fn applied_version(&self) -> Result<i64, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let has_table: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        if has_table == 0 {
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
        let binary = self.binary_version();
        if database > binary {
            return Err(StoreError::NewerSchema { database, binary });
        }
        Ok(())
    }

    fn binary_version(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Starts a write transaction holding the database's write lock, so read-then-write
    /// sequences such as appending to the audit chain cannot interleave with another writer:
    /// `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL.
    pub(crate) async fn write(&self) -> Result<Tx, StoreError> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file an `sqlite:` URL names.
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// `host:port/database` of a PostgreSQL URL, for messages (never the password).
fn postgres_target(url: &str) -> String {
    match sqlx::postgres::PgConnectOptions::from_str(url) {
        Ok(o) => format!(
            "{}:{}/{}",
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => redact(url),
    }
}

/// A URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
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
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
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
        assert!(err.to_string().contains("99999"), "{err}");
    }

    #[tokio::test]
    async fn bad_url_is_refused_without_printing_a_password() {
        let err = Store::open("mysql://root:hunter2@db/x", OpenMode::Create)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)));
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn unreachable_postgres_names_host_and_port_but_not_the_password() {
        // Port 1 on loopback: nothing listens there.
        let err = Store::open(
            "postgres://chancery:hunter2@127.0.0.1:1/chancery",
            OpenMode::Existing,
        )
        .await
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Connect { .. }), "{msg}");
        assert!(msg.contains("127.0.0.1:1/chancery"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(redact("postgres://h/d"), "postgres://h/d");
    }
}
