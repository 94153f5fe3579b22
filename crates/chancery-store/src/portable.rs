//! Portable export and import of the whole database as JSON lines, so a deployment can move
//! between backends (SQLite → PostgreSQL) or be restored, with every row and the audit chain
//! preserved exactly.
//!
//! Format: a header line `{"backend":"sqlite","chancery_export":1,"rows":R,"schema_version":N}`,
//! then one line per row, `{"table":"posts","row":{"code":"OTTAWA",…}}`, tables in foreign-key
//! order and rows in key order (so two equal databases export byte-identical files). Bytes are
//! written as `{"hex":"…"}`. The header announces the number of rows, so a file cut short even
//! between two lines is refused rather than half-imported.

use std::io::{BufRead, Write};

use serde_json::{Map, Value, json};
use sqlx::Row;

use crate::db::{Backend, Store, Tx};
use crate::error::StoreError;

/// Every table, parents before children. A test checks no table of the schema is missing.
pub const TABLES: &[&str] = &[
    "posts",
    "users",
    "api_tokens",
    "vocab_terms",
    "taskings",
    "tasking_addressees",
    "reports",
    "section_revisions",
    "report_versions",
    "comments",
    "blobs",
    "sources",
    "source_grades",
    "incidents",
    "incident_sources",
    "engagements",
    "policy_measures",
    "vintages",
    "observation_blocks",
    "indicator_catalogues",
    "statistics_sources",
    "audit_events",
];

/// Tables of short-lived or derived state, left out of exports: sessions and login throttling
/// are short-lived; the search outbox is derived (it only tells running servers what to
/// re-index, and an imported database is re-indexed from its tables, so carrying it over
/// would only replay changes the new database's index never needs); the search identity names
/// one database, and an imported one must get its own; the search readers are the positions
/// of running servers' indexes in that outbox; the data generation counts changes to one
/// database (an imported one starts its own count).
pub const EPHEMERAL: &[&str] = &[
    "data_generation",
    "sessions",
    "login_throttle",
    "search_outbox",
    "search_identity",
    "search_readers",
];

/// The export format version.
const FORMAT: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Bytes,
    Bool,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Rows written.
    pub rows: u64,
    /// Tables that received rows.
    pub tables: usize,
}

impl Store {
    async fn columns(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &str,
    ) -> Result<Vec<(String, Kind)>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            Backend::Postgres => {
                "SELECT column_name::text, data_type::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
        };
        let rows = sqlx::query(sql).bind(table).fetch_all(&mut *conn).await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get(0)?;
                let ty: String = r.try_get(1)?;
                let kind = match ty.to_ascii_lowercase().as_str() {
                    "integer" | "bigint" | "smallint" => Kind::Int,
                    "real" | "double precision" | "numeric" => Kind::Real,
                    "blob" | "bytea" => Kind::Bytes,
                    "boolean" => Kind::Bool,
                    _ => Kind::Text,
                };
                Ok((name, kind))
            })
            .collect()
    }

    /// Writes every row of every table as JSON lines. Returns the number of rows.
    pub async fn export(&self, out: &mut impl Write) -> Result<u64, StoreError> {
        // One read transaction: a consistent snapshot even while others write. On PostgreSQL
        // that takes REPEATABLE READ (the default, READ COMMITTED, gives each statement its
        // own snapshot); an SQLite read transaction keeps one snapshot from its first read.
        let mut tx = match self.backend() {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
        };
        let mut announced: i64 = 0;
        for table in TABLES {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut *tx)
                    .await?;
            announced += n;
        }
        let header = json!({
            "chancery_export": FORMAT,
            "schema_version": self.schema_version().await?,
            "backend": match self.backend() { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" },
            "rows": announced,
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut count = 0;
        for table in TABLES {
            let columns = self.columns(&mut tx, table).await?;
            // Byte order for text on both engines, so equal databases export identical files.
            let order: Vec<String> = columns
                .iter()
                .filter(|(_, k)| *k != Kind::Bytes)
                .map(|(n, k)| match (k, self.backend()) {
                    (Kind::Text, Backend::Postgres) => format!("{n} COLLATE \"C\""),
                    _ => n.clone(),
                })
                .collect();
            let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
            let sql = format!(
                "SELECT {} FROM {table} ORDER BY {}",
                names.join(", "),
                order.join(", ")
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *tx)
                .await?;
            for r in &rows {
                let mut obj = Map::new();
                for (i, (name, kind)) in columns.iter().enumerate() {
                    obj.insert(name.clone(), read_value(r, i, *kind)?);
                }
                writeln!(out, "{}", json!({"table": table, "row": obj})).map_err(io)?;
                count += 1;
            }
        }
        tx.commit().await?;
        if i64::try_from(count).ok() != Some(announced) {
            return Err(StoreError::Import(format!(
                "exported {count} rows but counted {announced}: the snapshot was not consistent"
            )));
        }
        Ok(count)
    }

    /// Loads an export into this database, which must be migrated and empty. One transaction:
    /// on any error nothing is written. Errors name the line.
    pub async fn import_all(&self, input: impl BufRead) -> Result<ImportSummary, StoreError> {
        let mut lines = input.lines().enumerate();
        let bad =
            |line: usize, msg: String| StoreError::Import(format!("line {}: {msg}", line + 1));
        let Some((_, header)) = lines.next() else {
            return Err(StoreError::Import(
                "the file is empty: expected a Chancery export".into(),
            ));
        };
        let header: Value = serde_json::from_str(&header.map_err(io)?)
            .map_err(|e| bad(0, format!("not a Chancery export header: {e}")))?;
        if header.get("chancery_export").and_then(Value::as_i64) != Some(FORMAT) {
            return Err(bad(
                0,
                format!("not a Chancery export (format {FORMAT}) header"),
            ));
        }
        let theirs = header
            .get("schema_version")
            .and_then(Value::as_i64)
            .unwrap_or(-1);
        let announced = header
            .get("rows")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad(0, "the header does not say how many rows follow".into()))?;
        let ours = self.schema_version().await?;
        if theirs != ours {
            return Err(bad(
                0,
                format!(
                    "the export is at schema version {theirs}, this database at {ours}: export and import with the same Chancery version"
                ),
            ));
        }
        let mut tx = self.write().await?;
        for table in TABLES {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut *tx)
                    .await?;
            if n > 0 {
                return Err(StoreError::Import(format!(
                    "the target database is not empty (table {table} has {n} rows): import into a freshly migrated database"
                )));
            }
        }
        let mut columns: std::collections::HashMap<&str, Vec<(String, Kind)>> =
            std::collections::HashMap::new();
        for table in TABLES {
            columns.insert(table, self.columns(&mut tx, table).await?);
        }
        let mut rows = 0;
        let mut last_line = 1;
        let mut seen = std::collections::HashSet::new();
        for (i, line) in lines {
            last_line = i + 1;
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let v: Value =
                serde_json::from_str(&line).map_err(|e| bad(i, format!("invalid JSON: {e}")))?;
            let table = v
                .get("table")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(i, "missing \"table\"".into()))?;
            let Some((table, cols)) = columns.get_key_value(table) else {
                return Err(bad(i, format!("unknown table {table:?}")));
            };
            let row = v
                .get("row")
                .and_then(Value::as_object)
                .ok_or_else(|| bad(i, "missing \"row\" object".into()))?;
            if let Some(extra) = row.keys().find(|k| !cols.iter().any(|(n, _)| n == *k)) {
                return Err(bad(i, format!("table {table} has no column {extra:?}")));
            }
            let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
            let params: Vec<String> = (1..=cols.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                params.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (name, kind) in cols {
                let value = row.get(name).unwrap_or(&Value::Null);
                q = bind_value(q, value, *kind)
                    .map_err(|e| bad(i, format!("{table}.{name}: {e}")))?;
            }
            q.execute(&mut *tx)
                .await
                .map_err(|e| bad(i, format!("{table}: {e}")))?;
            seen.insert(*table);
            rows += 1;
        }
        if rows != announced {
            // Nothing is committed: the transaction rolls back when dropped.
            return Err(StoreError::Import(format!(
                "the file ends at line {last_line} with {rows} rows, but its header announces {announced}: {}; nothing was imported",
                if rows < announced {
                    "it is truncated"
                } else {
                    "rows were added after the export"
                }
            )));
        }
        if self.backend() == Backend::Postgres {
            reset_identities(&mut tx, &columns).await?;
        }
        tx.commit().await?;
        Ok(ImportSummary {
            rows,
            tables: seen.len(),
        })
    }

    /// The highest migration applied.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Names of the application tables in the schema (for checking [`TABLES`] is complete).
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY table_name"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    /// Writes a consistent copy of an SQLite database to `path` (`VACUUM INTO`), online.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "file backups are for SQLite; use `chancery export` on PostgreSQL".into(),
            ));
        }
        if path.exists() {
            return Err(StoreError::AlreadyExists(format!(
                "{} already exists: choose a new backup file",
                path.display()
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

async fn reset_identities(
    tx: &mut Tx,
    columns: &std::collections::HashMap<&str, Vec<(String, Kind)>>,
) -> Result<(), StoreError> {
    for table in TABLES {
        if columns
            .get(table)
            .is_some_and(|c| c.iter().any(|(n, _)| n == "id"))
        {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
            )))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn read_value(r: &sqlx::any::AnyRow, i: usize, kind: Kind) -> Result<Value, StoreError> {
    Ok(match kind {
        Kind::Int => r
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Kind::Real => r
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Kind::Bool => r
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::from),
        Kind::Text => r
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::from),
        Kind::Bytes => r.try_get::<Option<Vec<u8>>, _>(i)?.map_or(
            Value::Null,
            |b| json!({"hex": chancery_domain::audit::hex_encode(&b)}),
        ),
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_value<'q>(q: AnyQuery<'q>, v: &Value, kind: Kind) -> Result<AnyQuery<'q>, String> {
    Ok(match (kind, v) {
        (Kind::Int, Value::Null) => q.bind(None::<i64>),
        (Kind::Int, v) => q.bind(
            v.as_i64()
                .ok_or_else(|| format!("expected an integer, found {v}"))?,
        ),
        (Kind::Real, Value::Null) => q.bind(None::<f64>),
        (Kind::Real, v) => q.bind(
            v.as_f64()
                .ok_or_else(|| format!("expected a number, found {v}"))?,
        ),
        (Kind::Bool, Value::Null) => q.bind(None::<bool>),
        (Kind::Bool, v) => q.bind(
            v.as_bool()
                .ok_or_else(|| format!("expected true or false, found {v}"))?,
        ),
        (Kind::Text, Value::Null) => q.bind(None::<String>),
        (Kind::Text, Value::String(s)) => q.bind(s.clone()),
        (Kind::Text, v) => return Err(format!("expected a string, found {v}")),
        (Kind::Bytes, Value::Null) => q.bind(None::<Vec<u8>>),
        (Kind::Bytes, v) => {
            let hex = v
                .get("hex")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("expected {{\"hex\": …}}, found {v}"))?;
            q.bind(chancery_domain::audit::hex_decode(hex).ok_or("invalid hex")?)
        }
    })
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Import(format!("I/O error: {e}"))
}

/// Tables whose rows are never changed or removed once written.
pub const APPEND_ONLY: &[&str] = &["audit_events", "report_versions", "section_revisions"];

impl Store {
    /// PostgreSQL: lets `role` (the role app servers log in as, not the schema owner) read and
    /// write the application tables, but never UPDATE, DELETE or TRUNCATE the append-only ones:
    /// privileges refuse first, the triggers stay as a second line.
    pub async fn grant_app_role(&self, role: &str) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres {
            return Err(StoreError::Unsupported(
                "roles are a PostgreSQL feature; an SQLite file is protected by its triggers and file permissions".into(),
            ));
        }
        let valid = !role.is_empty()
            && role.len() <= 63
            && role
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !role.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::Unsupported(format!(
                "invalid role name {role:?}: use lower-case letters, digits and '_'"
            )));
        }
        let mut tx = self.write().await?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&mut *tx)
            .await?;
        let schema = format!("\"{}\"", schema.replace('"', "\"\""));
        let statements = [
            format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"),
            format!(
                "REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {role}",
                APPEND_ONLY.join(", ")
            ),
        ];
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
