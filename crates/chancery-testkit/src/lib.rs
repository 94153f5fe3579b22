//! Test support shared by Chancery's test suites (a dev-dependency only, never shipped).
//!
//! - [`Backend`]: the backends a test run covers. SQLite always; PostgreSQL when
//!   `CHANCERY_TEST_POSTGRES` names a server. When it does not, the PostgreSQL leg says why it
//!   is skipped, except under `CI=true`, where a missing server is a failure.
//! - [`PgDatabase`]: a fresh database on that server, unique per test, dropped when the value
//!   is dropped; [`PgDatabase::copy`] clones a prepared one (`CREATE DATABASE … TEMPLATE`), so
//!   an expensive fixture (the demo) is built once per test process.
//! - [`on_every_backend!`]: turns `async fn name(backend: Backend)` test bodies into one
//!   `#[tokio::test]` per backend (`sqlite::name`, `postgres::name`).

#![expect(
    clippy::expect_used,
    reason = "test support: a failure here is a failed test, and says what failed"
)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

/// The environment variable naming the PostgreSQL server of the PostgreSQL legs: an admin URL
/// (a role that may create databases), such as `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_VAR: &str = "CHANCERY_TEST_POSTGRES";

/// A database engine a test can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file (always available).
    Sqlite,
    /// A fresh database on the server named by [`POSTGRES_VAR`].
    Postgres,
}

impl Backend {
    /// Every backend, SQLite first.
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

    /// The backend's name, for messages and database names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Whether this run covers `test` on this backend. SQLite always; PostgreSQL when
    /// [`POSTGRES_VAR`] is set (otherwise the skip is printed, or under `CI=true` this panics).
    pub fn runs(self, test: &str) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => postgres_admin_url(test).is_some(),
        }
    }

    /// The backends this run covers for `test`, SQLite first.
    pub fn covered(test: &str) -> Vec<Backend> {
        Backend::ALL.into_iter().filter(|b| b.runs(test)).collect()
    }
}

/// The PostgreSQL server for tests ([`POSTGRES_VAR`]). `None` after printing why the
/// PostgreSQL leg of `test` is skipped; under `CI=true` a missing server panics instead.
pub fn postgres_admin_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {POSTGRES_VAR} is not set: the PostgreSQL leg of {test} must run in CI"
            );
            eprintln!(
                "skipping the PostgreSQL leg of {test}: set {POSTGRES_VAR} to a PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it"
            );
            None
        }
    }
}

/// A name unique across test processes and threads (databases, roles): `PREFIX_PID_SEQ_NANOS`.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Every test database starts with this, followed by the creating process's id.
const PREFIX: &str = "chancery_test";

/// A fresh database on the test server, dropped (`WITH (FORCE)`, so open pools do not stop
/// it) when this value is dropped. Never shared between tests.
#[derive(Debug)]
pub struct PgDatabase {
    url: String,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// A new empty database, or `None` when no server is configured (see
    /// [`postgres_admin_url`]).
    pub async fn create(test: &str) -> Option<PgDatabase> {
        let admin_url = postgres_admin_url(test)?;
        Some(PgDatabase::make(admin_url, None).await)
    }

    /// [`PgDatabase::create`] for code outside an async runtime (the CLI tests).
    pub fn create_blocking(test: &str) -> Option<PgDatabase> {
        let test = test.to_string();
        on_own_thread(async move { PgDatabase::create(&test).await })
    }

    /// A new database holding a copy of this one (`CREATE DATABASE … TEMPLATE`). Nothing may
    /// be connected to this one while it is copied: close its pools first.
    pub async fn copy(&self) -> PgDatabase {
        PgDatabase::make(self.admin_url.clone(), Some(&self.name)).await
    }

    /// [`PgDatabase::copy`] for code outside an async runtime.
    pub fn copy_blocking(&self) -> PgDatabase {
        let admin_url = self.admin_url.clone();
        let template = self.name.clone();
        on_own_thread(async move { PgDatabase::make(admin_url, Some(&template)).await })
    }

    async fn make(admin_url: String, template: Option<&str>) -> PgDatabase {
        let name = unique_name(PREFIX);
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("the PostgreSQL test server accepts the admin URL");
        sweep_stale(&admin_url, &mut admin).await;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        // A template is briefly "in use" while a pool that just closed finishes
        // disconnecting: retry for a few seconds rather than fail the test.
        let mut tries = 0;
        loop {
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str()))
                .execute(&mut admin)
                .await
            {
                Ok(_) => break,
                Err(e) if tries < 50 && e.to_string().contains("being accessed by other users") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{sql}: {e}"),
            }
        }
        let _ = admin.close().await;
        PgDatabase {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        }
    }

    /// The database's URL (the admin URL with the database name replaced).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The admin URL the database was created through.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Never panic here: this may run while a failed test unwinds.
        let result = on_own_thread(async move {
            let mut conn = PgConnection::connect(&admin_url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await?;
            conn.close().await
        });
        if let Err(e) = result {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// Drops, once per process, the test databases left by test processes of this machine that
/// are gone (killed tests, and the per-process templates kept in statics, which are never
/// dropped). Only for a server on this machine, where the process ids mean something, and
/// only databases older than an hour (their creation time needs a superuser to read; without
/// one nothing is swept).
async fn sweep_stale(admin_url: &str, admin: &mut PgConnection) {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::SeqCst) || !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let local = admin_url
        .parse::<sqlx::postgres::PgConnectOptions>()
        .is_ok_and(|o| {
            matches!(o.get_host(), "127.0.0.1" | "localhost" | "::1")
                || o.get_host().starts_with('/')
        });
    if !local {
        return;
    }
    let names: Vec<String> = match sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'chancery\\_test\\_%'
         AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification < now() - interval '1 hour'",
    )
    .fetch_all(&mut *admin)
    .await
    {
        Ok(names) => names,
        Err(_) => return,
    };
    for name in names {
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_prefix('_'))
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(&mut *admin)
            .await;
    }
}

/// Runs `fut` to completion on a new thread with its own runtime, so it works both inside an
/// async test (where blocking on the test's own runtime would panic) and in plain code.
pub fn on_own_thread<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
            .block_on(fut)
    })
    .join()
    .expect("the helper thread finishes")
}

/// Declares one `#[tokio::test]` per backend for each named `async fn NAME(backend: Backend)`
/// of the enclosing module: `sqlite::NAME` always, `postgres::NAME` when
/// `CHANCERY_TEST_POSTGRES` is set (skipped with a message otherwise; a failure under
/// `CI=true`). The runtime has two worker threads, so tests can race real connections.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::Backend::Postgres.runs(stringify!($name)) {
                        super::$name($crate::Backend::Postgres).await;
                    }
                }
            )+
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }

    #[test]
    fn unique_names_differ_and_carry_the_process_id() {
        let (a, b) = (unique_name("p"), unique_name("p"));
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("p_{}_", std::process::id())), "{a}");
    }
}
