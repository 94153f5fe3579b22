//! Official statistics: vintages and observations.

use std::collections::{HashMap, HashSet};

use chancery_domain::audit::AuditRecord;
use sqlx::Row;

use crate::audit::append;
use crate::db::{Store, Tx};
use crate::error::StoreError;

/// One observation to store, already validated and normalised by the importer.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    /// ISO 3166-1 alpha-3.
    pub country: String,
    /// Series code.
    pub series: String,
    /// Canonical period.
    pub period: String,
    /// Value (None: published as missing).
    pub value: Option<f64>,
    /// Unit.
    pub unit: Option<String>,
    /// Raw status code.
    pub status: Option<String>,
    /// Provisional figure.
    pub provisional: bool,
    /// Estimated figure.
    pub estimate: bool,
    /// Break in series.
    pub break_in_series: bool,
    /// Publisher named in the file.
    pub source_publisher: Option<String>,
    /// Title named in the file.
    pub source_title: Option<String>,
    /// URL named in the file.
    pub source_url: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Line (or cell index) in the file.
    pub line: i64,
}

/// The file an import came from.
#[derive(Debug, Clone)]
pub struct NewVintage {
    /// File name as given.
    pub file_name: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// Format name.
    pub format: String,
    /// Who imported it.
    pub imported_by: String,
    /// Rows (or cells) the importer examined.
    pub rows_read: i64,
    /// Rows it skipped, with reasons reported separately.
    pub skipped: i64,
}

/// What storing an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StoredImport {
    /// The vintage recorded (None when nothing changed, or on a dry run).
    pub vintage: Option<i64>,
    /// Observations new or with a changed value/unit/status.
    pub imported: u64,
    /// Observations identical to the current value.
    pub unchanged: u64,
}

/// A stored vintage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VintageRow {
    /// Id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// File SHA-256.
    pub file_sha256: String,
    /// Format.
    pub format: String,
    /// When.
    pub imported_at: String,
    /// Who.
    pub imported_by: String,
}

type Key = (String, String, String);
type Current = (Option<f64>, Option<String>, Option<String>);

/// Parameters per observation row in an INSERT.
const PARAMS: usize = 15;

/// Rows per INSERT statement: 2,000 rows of 15 parameters is 30,000, below both engines'
/// limits (SQLite 32,766 host parameters, PostgreSQL 65,535). Every full batch uses the same
/// SQL text, so each connection prepares it once and reuses it from its statement cache.
pub const IMPORT_BATCH: usize = 2000;

const COLUMNS: &str = "country, series, period, vintage_id, value, unit, status, provisional, estimate, \
                       break_in_series, source_publisher, source_title, source_url, note, line";

/// `INSERT INTO observations (…) VALUES ($1, …, $15), ($16, …)` for `rows` rows.
///
/// The one exception to `$n` placeholders: on SQLite this statement uses anonymous `?`
/// (same positions, same binds). sqlx binds SQLite parameters by asking SQLite each
/// parameter's name, a linear search over the statement's named parameters, which makes a
/// 30,000-parameter statement quadratic (about 0.2 ms per row, most of an import's time);
/// anonymous parameters have no names to search.
fn insert_sql(rows: usize, sqlite: bool) -> String {
    let mut sql = format!("INSERT INTO observations ({COLUMNS}) VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for k in 1..=PARAMS {
            if k > 1 {
                sql.push_str(", ");
            }
            if sqlite {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&(i * PARAMS + k).to_string());
            }
        }
        sql.push(')');
    }
    sql
}

/// SQLite page cache for the import connection while it imports, in KiB (negative: KiB, as
/// `PRAGMA cache_size` counts). An import inserts every observation into the primary-key
/// B-tree in file order, not key order; with SQLite's default 2 MiB cache most of those
/// inserts evict a dirty page that has to be spilled and read back. 256 MiB keeps the tree of
/// a few million observations in memory. Only memory use changes: durability and atomicity
/// (the one transaction, the WAL) are the same, and the default is restored afterwards.
const IMPORT_CACHE_KIB: i64 = 256 * 1024;
const DEFAULT_CACHE_KIB: i64 = 2000;

/// An import in progress: one write transaction in which the vintage was recorded first and
/// observations are inserted batch by batch as the caller parses them ([`Self::add`]).
/// [`Self::finish`] completes the vintage and commits; an error at any point (parse or
/// database), [`Self::abort`] or dropping it rolls everything back, vintage included, so a
/// file is stored whole or not at all.
///
/// Idempotence: the first time a series appears, its current stored values (if any) are read
/// once; observations equal to their current value are counted unchanged and not written. A
/// series never stored before skips the comparison. Memory is bounded by one batch plus the
/// stored values of the series the file revises, never by the file.
#[derive(Debug)]
pub struct ObservationImport {
    tx: Tx,
    sqlite: bool,
    vintage: Option<i64>,
    current: HashMap<Key, Current>,
    seen: HashSet<String>,
    imported: u64,
    unchanged: u64,
    full_sql: String,
}

impl Store {
    /// The vintage that imported a file with this SHA-256, if any.
    pub async fn vintage_by_sha(&self, sha: &str) -> Result<Option<VintageRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, file_name, file_sha256, format, imported_at, imported_by FROM vintages WHERE file_sha256 = $1",
        )
        .bind(sha)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(VintageRow {
                id: r.try_get("id")?,
                file_name: r.try_get("file_name")?,
                file_sha256: r.try_get("file_sha256")?,
                format: r.try_get("format")?,
                imported_at: r.try_get("imported_at")?,
                imported_by: r.try_get("imported_by")?,
            })
        })
        .transpose()
    }

    /// Starts an import: takes the write lock and records the vintage (its hash and counts
    /// are completed by [`ObservationImport::finish`]). With `dry_run` nothing is written;
    /// the import only counts.
    pub async fn begin_import(
        &self,
        vintage: &NewVintage,
        dry_run: bool,
    ) -> Result<ObservationImport, StoreError> {
        let mut tx = self.write().await?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        if sqlite {
            set_cache(&mut tx, IMPORT_CACHE_KIB).await?;
        }
        let id = if dry_run {
            None
        } else {
            Some(
                sqlx::query_scalar(
                    "INSERT INTO vintages (file_name, file_sha256, format, imported_at, imported_by, rows_read,
                         observations, imported, unchanged, skipped)
                     VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7) RETURNING id",
                )
                .bind(&vintage.file_name)
                .bind(&vintage.file_sha256)
                .bind(&vintage.format)
                .bind(crate::now())
                .bind(&vintage.imported_by)
                .bind(vintage.rows_read)
                .bind(vintage.skipped)
                .fetch_one(&mut *tx)
                .await?,
            )
        };
        Ok(ObservationImport {
            tx,
            sqlite,
            vintage: id,
            current: HashMap::new(),
            seen: HashSet::new(),
            imported: 0,
            unchanged: 0,
            full_sql: insert_sql(IMPORT_BATCH, sqlite),
        })
    }

    /// Stores an import in one transaction: observations whose current value differs (or
    /// that are new) are written under a new vintage; identical ones are counted unchanged.
    /// Nothing is written when nothing changed. With `dry_run`, counts only.
    pub async fn import_observations(
        &self,
        vintage: &NewVintage,
        rows: &[ObservationRow],
        dry_run: bool,
        audit: &AuditRecord,
    ) -> Result<StoredImport, StoreError> {
        let mut import = self.begin_import(vintage, dry_run).await?;
        for chunk in rows.chunks(IMPORT_BATCH) {
            if let Err(e) = import.add(chunk).await {
                import.abort().await;
                return Err(e);
            }
        }
        import.finish(vintage, audit).await
    }
    /// The current value of every period of `series` for `country`, oldest period first.
    pub async fn series_values(
        &self,
        series: &str,
        country: &str,
    ) -> Result<Vec<(String, Option<f64>, Option<String>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.period, o.value, o.unit, o.vintage_id FROM observations o
             WHERE o.series = $1 AND o.country = $2 AND o.vintage_id = (
                 SELECT MAX(p.vintage_id) FROM observations p
                 WHERE p.country = o.country AND p.series = o.series AND p.period = o.period)
             ORDER BY o.period",
        )
        .bind(series)
        .bind(country)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("period")?,
                    r.try_get("value")?,
                    r.try_get("unit")?,
                    r.try_get("vintage_id")?,
                ))
            })
            .collect()
    }
}

async fn set_cache(tx: &mut Tx, kib: i64) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl ObservationImport {
    /// Reads the current stored values of the series in `rows` not seen before in this import.
    async fn load_current(&mut self, rows: &[ObservationRow]) -> Result<(), StoreError> {
        for r in rows {
            if self.seen.contains(r.series.as_str()) {
                continue;
            }
            self.seen.insert(r.series.clone());
            let found = sqlx::query(
                "SELECT o.country, o.period, o.value, o.unit, o.status FROM observations o
                 WHERE o.series = $1 AND o.vintage_id = (
                     SELECT MAX(p.vintage_id) FROM observations p
                     WHERE p.series = o.series AND p.country = o.country AND p.period = o.period)",
            )
            .bind(&r.series)
            .fetch_all(&mut *self.tx)
            .await?;
            for f in found {
                self.current.insert(
                    (
                        f.try_get("country")?,
                        r.series.clone(),
                        f.try_get("period")?,
                    ),
                    (
                        f.try_get("value")?,
                        f.try_get("unit")?,
                        f.try_get("status")?,
                    ),
                );
            }
        }
        Ok(())
    }

    /// Adds a batch of observations (any number; [`IMPORT_BATCH`] is the natural size):
    /// the changed or new ones are inserted under the vintage, the others counted unchanged.
    pub async fn add(&mut self, rows: &[ObservationRow]) -> Result<(), StoreError> {
        self.load_current(rows).await?;
        let changed: Vec<&ObservationRow> = if self.current.is_empty() {
            rows.iter().collect()
        } else {
            rows.iter()
                .filter(|r| {
                    let key = (r.country.clone(), r.series.clone(), r.period.clone());
                    self.current.get(&key) != Some(&(r.value, r.unit.clone(), r.status.clone()))
                })
                .collect()
        };
        self.unchanged += (rows.len() - changed.len()) as u64;
        self.imported += changed.len() as u64;
        let Some(id) = self.vintage else {
            return Ok(());
        };
        for chunk in changed.chunks(IMPORT_BATCH) {
            let partial;
            let sql = if chunk.len() == IMPORT_BATCH {
                self.full_sql.as_str()
            } else {
                partial = insert_sql(chunk.len(), self.sqlite);
                partial.as_str()
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.country.as_str())
                    .bind(r.series.as_str())
                    .bind(r.period.as_str())
                    .bind(id)
                    .bind(r.value)
                    .bind(r.unit.as_deref())
                    .bind(r.status.as_deref())
                    .bind(i64::from(r.provisional))
                    .bind(i64::from(r.estimate))
                    .bind(i64::from(r.break_in_series))
                    .bind(r.source_publisher.as_deref())
                    .bind(r.source_title.as_deref())
                    .bind(r.source_url.as_deref())
                    .bind(r.note.as_deref())
                    .bind(r.line);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Observations stored (or, on a dry run, that would be) and unchanged so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.imported, self.unchanged)
    }

    /// Completes the vintage with the file's hash and counts, appends the audit event and
    /// commits. When nothing changed (or on a dry run) it rolls back instead: nothing is
    /// written, not even the vintage.
    pub async fn finish(
        mut self,
        vintage: &NewVintage,
        audit: &AuditRecord,
    ) -> Result<StoredImport, StoreError> {
        let (imported, unchanged) = (self.imported, self.unchanged);
        let id = match self.vintage {
            Some(id) if imported > 0 => id,
            _ => {
                self.abort().await;
                return Ok(StoredImport {
                    vintage: None,
                    imported,
                    unchanged,
                });
            }
        };
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE vintages SET file_sha256 = $1, format = $2, rows_read = $3, observations = $4,
                 imported = $5, unchanged = $6, skipped = $7
             WHERE id = $8",
        )
        .bind(&vintage.file_sha256)
        .bind(&vintage.format)
        .bind(vintage.rows_read)
        .bind(as_i64(imported + unchanged))
        .bind(as_i64(imported))
        .bind(as_i64(unchanged))
        .bind(vintage.skipped)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let mut audit = audit.for_object(format!("vintage {id}"));
        if let serde_json::Value::Object(m) = &mut audit.payload {
            m.insert("imported".into(), imported.into());
            m.insert("unchanged".into(), unchanged.into());
        }
        append(&mut self.tx, &audit).await?;
        if self.sqlite {
            set_cache(&mut self.tx, DEFAULT_CACHE_KIB).await?;
        }
        self.tx.commit().await?;
        Ok(StoredImport {
            vintage: Some(id),
            imported,
            unchanged,
        })
    }

    /// Rolls back everything this import wrote, vintage included. Errors are ignored: a
    /// rollback that fails leaves the transaction to be rolled back when the connection is
    /// dropped, with the same effect.
    pub async fn abort(mut self) {
        if self.sqlite {
            let _ = set_cache(&mut self.tx, DEFAULT_CACHE_KIB).await;
        }
        let _ = self.tx.rollback().await;
    }
}

/// A stored version of the indicator catalogue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogueRow {
    /// Id (the newest is in force).
    pub id: i64,
    /// The file it was loaded from.
    pub file_name: String,
    /// SHA-256 of the text.
    pub sha256: String,
    /// The TOML text.
    pub toml: String,
    /// When.
    pub loaded_at: String,
}

/// The current value of one observation, with where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CurrentObservation {
    /// ISO alpha-3.
    pub country: String,
    /// Series code.
    pub series: String,
    /// Canonical period.
    pub period: String,
    /// Value (None: published as missing).
    pub value: Option<f64>,
    /// Unit.
    pub unit: Option<String>,
    /// The vintage that brought this value.
    pub vintage: i64,
    /// Publisher named in the file.
    pub source_publisher: Option<String>,
    /// Title named in the file.
    pub source_title: Option<String>,
    /// URL named in the file.
    pub source_url: Option<String>,
    /// The evidence-locker source linked to that URL, if any.
    pub source_id: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// Provisional / estimate / break flags.
    pub provisional: bool,
    /// Estimated.
    pub estimate: bool,
    /// Break in series.
    pub break_in_series: bool,
}

impl Store {
    /// Stores a catalogue version unless the newest stored one has the same SHA-256. Returns
    /// whether it was new.
    pub async fn save_catalogue(
        &self,
        file_name: &str,
        sha256: &str,
        toml: &str,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let newest: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM indicator_catalogues ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        if newest.as_deref() == Some(sha256) {
            return Ok(false);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO indicator_catalogues (file_name, sha256, toml, loaded_at, loaded_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(file_name)
        .bind(sha256)
        .bind(toml)
        .bind(crate::now())
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await?;
        append(&mut tx, &audit.for_object(format!("catalogue {id}"))).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The catalogue in force (the newest loaded), if any was loaded.
    pub async fn catalogue(&self) -> Result<Option<CatalogueRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, file_name, sha256, toml, loaded_at FROM indicator_catalogues ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(CatalogueRow {
                id: r.try_get("id")?,
                file_name: r.try_get("file_name")?,
                sha256: r.try_get("sha256")?,
                toml: r.try_get("toml")?,
                loaded_at: r.try_get("loaded_at")?,
            })
        })
        .transpose()
    }

    /// Links statistics publications (by the URL observation rows carry) to the sources that
    /// stand for them, in one transaction; an existing link for a URL is replaced.
    pub async fn link_statistics_sources(
        &self,
        links: &[(String, i64)],
        by: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let now = crate::now();
        for (url, id) in links {
            sqlx::query("DELETE FROM statistics_sources WHERE source_url = $1")
                .bind(url)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO statistics_sources (source_url, source_id, linked_at, linked_by)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(url)
            .bind(id)
            .bind(&now)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        let mut audit = audit.clone();
        if let serde_json::Value::Object(m) = &mut audit.payload {
            m.insert("links".into(), links.len().into());
        }
        append(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current value of every observation of `series` for `countries` (all countries when
    /// empty), ordered by country then period, each with its vintage and linked source.
    pub async fn current_observations(
        &self,
        series: &[&str],
        countries: &[&str],
    ) -> Result<Vec<CurrentObservation>, StoreError> {
        let mut out = Vec::new();
        for s in series {
            let rows = sqlx::query(
                "SELECT o.country, o.series, o.period, o.value, o.unit, o.vintage_id, o.source_publisher,
                        o.source_title, o.source_url, o.note, o.provisional, o.estimate, o.break_in_series,
                        l.source_id
                 FROM observations o LEFT JOIN statistics_sources l ON l.source_url = o.source_url
                 WHERE o.series = $1 AND o.vintage_id = (
                     SELECT MAX(p.vintage_id) FROM observations p
                     WHERE p.country = o.country AND p.series = o.series AND p.period = o.period)
                 ORDER BY o.country, o.period",
            )
            .bind(*s)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                let country: String = r.try_get("country")?;
                if !countries.is_empty() && !countries.contains(&country.as_str()) {
                    continue;
                }
                out.push(CurrentObservation {
                    country,
                    series: r.try_get("series")?,
                    period: r.try_get("period")?,
                    value: r.try_get("value")?,
                    unit: r.try_get("unit")?,
                    vintage: r.try_get("vintage_id")?,
                    source_publisher: r.try_get("source_publisher")?,
                    source_title: r.try_get("source_title")?,
                    source_url: r.try_get("source_url")?,
                    source_id: r.try_get("source_id")?,
                    note: r.try_get("note")?,
                    provisional: r.try_get::<i64, _>("provisional")? != 0,
                    estimate: r.try_get::<i64, _>("estimate")? != 0,
                    break_in_series: r.try_get::<i64, _>("break_in_series")? != 0,
                });
            }
        }
        Ok(out)
    }

    /// Every (series, country) pair with at least one observation, sorted.
    pub async fn observed_series(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT series, country FROM observations ORDER BY series, country",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("series")?, r.try_get("country")?)))
            .collect()
    }
}
