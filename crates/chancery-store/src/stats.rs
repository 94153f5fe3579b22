//! Official statistics: vintages and observations.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::task::Poll;

use chancery_domain::audit::AuditRecord;
use rayon::prelude::*;
use sqlx::Row;

use crate::audit::append;
use crate::blocks::{Attributes, Block, Pending, encode};
use crate::db::{Store, Tx};
use crate::error::StoreError;

/// One observation to store, already validated and normalised by the importer. Text is
/// shared (`Arc<str>`): an importer hands the same unit, status or source to many rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    /// ISO 3166-1 alpha-3.
    pub country: Arc<str>,
    /// Series code.
    pub series: Arc<str>,
    /// Canonical period.
    pub period: Arc<str>,
    /// Value (None: published as missing).
    pub value: Option<f64>,
    /// Unit.
    pub unit: Option<Arc<str>>,
    /// Raw status code.
    pub status: Option<Arc<str>>,
    /// Provisional figure.
    pub provisional: bool,
    /// Estimated figure.
    pub estimate: bool,
    /// Break in series.
    pub break_in_series: bool,
    /// Publisher named in the file.
    pub source_publisher: Option<Arc<str>>,
    /// Title named in the file.
    pub source_title: Option<Arc<str>>,
    /// URL named in the file.
    pub source_url: Option<Arc<str>>,
    /// Note.
    pub note: Option<Arc<str>>,
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

/// (series, country): one block per pair and vintage.
type Pair = (Arc<str>, Arc<str>);
/// What decides whether an observation changed: value, unit and status.
/// Stored as the value's bits ([`NO_VALUE`] when missing) and the unit's and status's numbers
/// in the import's [`Texts`] (0 when absent): 16 bytes an observation, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    bits: u64,
    unit: u32,
    status: u32,
}

/// Value bits standing for "missing": a NaN pattern, and stored values are never NaN.
const NO_VALUE: u64 = u64::MAX;

/// Numbers for the periods, units and statuses of stored observations, so the stored values an
/// import compares against are small and share nothing per observation. 0 is "absent".
#[derive(Debug, Default)]
struct Texts {
    ids: Map<Arc<str>, u32>,
}

impl Texts {
    /// The number of `text`, added if new.
    fn add(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return 0 };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        // More than 4 billion distinct texts would exhaust memory long before.
        let id = u32::try_from(self.ids.len() + 1).unwrap_or(u32::MAX);
        self.ids.insert(Arc::from(text), id);
        id
    }

    /// The number of `text` if any stored observation has it; `Some(0)` for no text.
    fn get(&self, text: Option<&str>) -> Option<u32> {
        match text {
            None => Some(0),
            Some(t) => self.ids.get(t).copied(),
        }
    }
}
/// Hash maps keyed by what an import file supplies: foldhash is fast on short keys and seeded
/// per process, so a crafted file cannot aim at collisions.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// Something per country of one series.
type ByCountry<V> = Map<Arc<str>, V>;

/// Observations per batch handed to [`ObservationImport::add`] by a streaming importer: large
/// enough that the per-batch work (a channel hop, a progress report) is noise, small enough
/// that a progress bar moves.
pub const IMPORT_BATCH: usize = 2000;

/// What an import knows of one series: the stored values of its countries (current value by
/// period) and the observations it keeps to write, by country.
#[derive(Debug, Default)]
struct SeriesState {
    /// By country, then period number (in [`Texts`]).
    current: ByCountry<Map<u32, Current>>,
    pending: ByCountry<Vec<Pending>>,
}

/// Each distinct combination of attributes an import has seen, numbered.
#[derive(Debug, Default)]
struct AttributeTable {
    list: Vec<Attributes>,
    ids: Map<Attributes, u32>,
}

impl AttributeTable {
    /// Whether `r` has the attributes numbered `id` (rows of one file mostly repeat the
    /// previous row's; shared text compares by pointer first).
    fn matches(&self, id: u32, r: &ObservationRow) -> bool {
        fn same(a: &Option<Arc<str>>, b: &Option<Arc<str>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                (None, None) => true,
                _ => false,
            }
        }
        self.list.get(id as usize).is_some_and(|a| {
            a.provisional == r.provisional
                && a.estimate == r.estimate
                && a.break_in_series == r.break_in_series
                && same(&a.unit, &r.unit)
                && same(&a.status, &r.status)
                && same(&a.source_publisher, &r.source_publisher)
                && same(&a.source_title, &r.source_title)
                && same(&a.source_url, &r.source_url)
                && same(&a.note, &r.note)
        })
    }

    /// The number of `r`'s attributes, added if new.
    fn id_of(&mut self, r: &ObservationRow) -> u32 {
        let attributes = Attributes {
            unit: r.unit.clone(),
            status: r.status.clone(),
            provisional: r.provisional,
            estimate: r.estimate,
            break_in_series: r.break_in_series,
            source_publisher: r.source_publisher.clone(),
            source_title: r.source_title.clone(),
            source_url: r.source_url.clone(),
            note: r.note.clone(),
        };
        if let Some(&id) = self.ids.get(&attributes) {
            return id;
        }
        // More than 4 billion distinct combinations would exhaust memory long before.
        let id = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(attributes.clone());
        self.ids.insert(attributes, id);
        id
    }
}

/// Blocks per INSERT statement (5 parameters each).
const BLOCK_BATCH: usize = 200;

const BLOCK_COLUMNS: &str = "series, country, vintage_id, observations, data";

/// `INSERT INTO observation_blocks (…) VALUES (…), (…)` for `rows` rows: `?` on SQLite, `$n`
/// on PostgreSQL.
fn insert_sql(rows: usize, sqlite: bool) -> String {
    const PARAMS: usize = 5;
    let mut sql = format!("INSERT INTO observation_blocks ({BLOCK_COLUMNS}) VALUES ");
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

/// An import in progress: one write transaction in which the vintage was recorded first.
/// [`Self::add`] compares observations batch by batch as the caller parses them with what is
/// stored, and keeps the new or changed ones; [`Self::finish`] writes them as one block per
/// (series, country), completes the vintage and commits. An error at any point (parse or
/// database), [`Self::abort`] or dropping it rolls everything back, vintage included, so a
/// file is stored whole or not at all.
///
/// Idempotence: the first time a series appears, its current stored values (if any) are read
/// once; observations equal to their current value are counted unchanged and not kept. A
/// series never stored before skips the comparison. Memory: the new or changed observations
/// (about 50 bytes each, their text shared) plus the stored values of the series the file
/// revises.
#[derive(Debug)]
pub struct ObservationImport {
    tx: Tx,
    sqlite: bool,
    vintage: Option<i64>,
    /// The series seen so far: their stored values and their new or changed observations.
    series: Map<Arc<str>, SeriesState>,
    texts: Texts,
    attributes: AttributeTable,
    imported: u64,
    unchanged: u64,
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
            sqlite: self.backend() == crate::Backend::Sqlite,
            vintage: id,
            series: Map::default(),
            texts: Texts::default(),
            attributes: AttributeTable::default(),
            imported: 0,
            unchanged: 0,
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
        if let Err(e) = import.add(rows).await {
            import.abort().await;
            return Err(e);
        }
        import.finish(vintage, audit).await
    }

    /// The current value of every period of `series` for `country`, oldest period first.
    pub async fn series_values(
        &self,
        series: &str,
        country: &str,
    ) -> Result<Vec<(String, Option<f64>, Option<String>, i64)>, StoreError> {
        let blocks = sqlx::query(
            "SELECT vintage_id, observations, data FROM observation_blocks
             WHERE series = $1 AND country = $2",
        )
        .bind(series)
        .bind(country)
        .fetch_all(&self.pool)
        .await?;
        let mut latest: BTreeMap<String, (Option<f64>, Option<String>, i64)> = BTreeMap::new();
        for b in blocks {
            let vintage: i64 = b.try_get("vintage_id")?;
            let what = format!("{series} {country} vintage {vintage}");
            let block = Block::decode(b.try_get("data")?, b.try_get("observations")?, &what)?;
            for o in block.rows() {
                if latest.get(o.period).is_none_or(|(_, _, v)| *v < vintage) {
                    latest.insert(
                        o.period.to_string(),
                        (o.value, o.unit.map(str::to_string), vintage),
                    );
                }
            }
        }
        Ok(latest
            .into_iter()
            .map(|(period, (value, unit, vintage))| (period, value, unit, vintage))
            .collect())
    }
}

impl ObservationImport {
    /// Reads the current stored values of the series in `rows` not seen before in this import.
    async fn load_current(&mut self, rows: &[ObservationRow]) -> Result<(), StoreError> {
        for r in rows {
            if self.series.contains_key(&*r.series) {
                continue;
            }
            let found = sqlx::query(
                "SELECT country, vintage_id, observations, data FROM observation_blocks
                 WHERE series = $1 ORDER BY country, vintage_id",
            )
            .bind(&*r.series)
            .fetch_all(&mut *self.tx)
            .await?;
            let series = &mut self
                .series
                .entry(Arc::clone(&r.series))
                .or_default()
                .current;
            let texts = &mut self.texts;
            for f in found {
                let country: String = f.try_get("country")?;
                let vintage: i64 = f.try_get("vintage_id")?;
                let what = format!("{} {country} vintage {vintage}", r.series);
                let block = Block::decode(f.try_get("data")?, f.try_get("observations")?, &what)?;
                let values = series.entry(Arc::from(country)).or_default();
                // Later vintages come later and replace what earlier ones said.
                for o in block.rows() {
                    let current = Current {
                        bits: o.value.map_or(NO_VALUE, f64::to_bits),
                        unit: texts.add(o.unit),
                        status: texts.add(o.status),
                    };
                    values.insert(texts.add(Some(o.period)), current);
                }
            }
        }
        Ok(())
    }

    /// Adds a batch of observations (any number): the changed or new ones are kept for the
    /// vintage, the others counted unchanged. Nothing is written before [`Self::finish`].
    pub async fn add(&mut self, rows: &[ObservationRow]) -> Result<(), StoreError> {
        self.load_current(rows).await?;
        let mut last_attributes = None;
        for r in rows {
            let Some(series) = self.series.get_mut(&*r.series) else {
                return Err(StoreError::corrupt(
                    "a series was not loaded before its rows",
                ));
            };
            let texts = &self.texts;
            let same = series
                .current
                .get(&*r.country)
                .and_then(|values| values.get(&texts.get(Some(&r.period))?))
                .is_some_and(|stored| {
                    let unit = texts.get(r.unit.as_deref());
                    let status = texts.get(r.status.as_deref());
                    stored.bits == r.value.map_or(NO_VALUE, f64::to_bits)
                        && Some(stored.unit) == unit
                        && Some(stored.status) == status
                });
            if same {
                self.unchanged += 1;
                continue;
            }
            self.imported += 1;
            if self.vintage.is_none() {
                continue;
            }
            let attributes = match last_attributes {
                Some(id) if self.attributes.matches(id, r) => id,
                _ => self.attributes.id_of(r),
            };
            last_attributes = Some(attributes);
            let pending = Pending {
                period: Arc::clone(&r.period),
                value: r.value,
                line: r.line,
                attributes,
            };
            match series.pending.get_mut(&*r.country) {
                Some(rows) => rows.push(pending),
                None => {
                    series.pending.insert(Arc::clone(&r.country), vec![pending]);
                }
            }
        }
        Ok(())
    }

    /// Observations stored (or, on a dry run, that would be) and unchanged so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.imported, self.unchanged)
    }

    /// Writes the kept observations as one block per (series, country), in key order. A
    /// period twice for one (series, country) is refused, naming both lines: an importer
    /// that does not check duplicates itself still cannot store two values for one key.
    async fn write_blocks(&mut self, vintage: i64) -> Result<(), StoreError> {
        let mut pending: Vec<(Pair, Vec<Pending>)> = std::mem::take(&mut self.series)
            .into_iter()
            .flat_map(|(series, state)| {
                state
                    .pending
                    .into_iter()
                    .map(move |(country, rows)| ((Arc::clone(&series), country), rows))
            })
            .collect();
        pending.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let full_sql = insert_sql(BLOCK_BATCH, self.sqlite);
        let (tx, attributes) = (&mut self.tx, &self.attributes.list);
        let mut chunks = pending.chunks_mut(BLOCK_BATCH);
        let mut next = chunks.next().map(|c| encode_chunk(c, attributes));
        while let Some(chunk) = next {
            let chunk = chunk?;
            let partial;
            let sql = if chunk.len() == BLOCK_BATCH {
                full_sql.as_str()
            } else {
                partial = insert_sql(chunk.len(), self.sqlite);
                partial.as_str()
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (series, country, observations, data) in chunk {
                q = q
                    .bind(series)
                    .bind(country)
                    .bind(vintage)
                    .bind(observations)
                    .bind(data);
            }
            // Hand this batch to the database, then encode the next one while it is written
            // (on SQLite the statement runs on sqlx's worker thread).
            let mut insert = std::pin::pin!(q.execute(&mut **tx));
            let started = std::future::poll_fn(|cx| Poll::Ready(insert.as_mut().poll(cx))).await;
            next = chunks.next().map(|c| encode_chunk(c, attributes));
            match started {
                Poll::Ready(done) => done?,
                Poll::Pending => insert.await?,
            };
        }
        Ok(())
    }

    /// Writes the blocks, completes the vintage with the file's hash and counts, appends the
    /// audit event and commits. When nothing changed (or on a dry run) it rolls back instead:
    /// nothing is written, not even the vintage.
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
        if let Err(e) = self.write_blocks(id).await {
            self.abort().await;
            return Err(e);
        }
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
    pub async fn abort(self) {
        let _ = self.tx.rollback().await;
    }
}

/// One batch of blocks ready to insert: series, country, observation count, data.
type EncodedBlock = (String, String, i64, String);

/// Puts each (series, country)'s observations in period order and encodes them as a block. A
/// period twice is refused, naming both lines: an importer that does not check duplicates
/// itself still cannot store two values for one key.
fn encode_chunk(
    chunk: &mut [(Pair, Vec<Pending>)],
    attributes: &[Attributes],
) -> Result<Vec<EncodedBlock>, StoreError> {
    // On every core: the parser is done by now, and SQLite writes the previous batch on its
    // own thread meanwhile.
    chunk
        .par_iter_mut()
        .map(|((series, country), rows)| {
            if !rows.is_sorted_by(|a, b| a.period < b.period) {
                rows.sort_by(|a, b| a.period.cmp(&b.period));
                if let Some(w) = rows.windows(2).find(|w| w[0].period == w[1].period) {
                    let (a, b) = (w[0].line.min(w[1].line), w[0].line.max(w[1].line));
                    return Err(StoreError::AlreadyExists(format!(
                        "series {series}, {country}, period {} appears twice in one import (lines {a} and {b})",
                        w[0].period
                    )));
                }
            }
            Ok((
                series.to_string(),
                country.to_string(),
                i64::try_from(rows.len()).unwrap_or(i64::MAX),
                encode(rows, attributes)?,
            ))
        })
        .collect()
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
        let links: HashMap<String, i64> =
            sqlx::query("SELECT source_url, source_id FROM statistics_sources")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("source_url")?, r.try_get("source_id")?)))
                .collect::<Result<_, StoreError>>()?;
        let mut out = Vec::new();
        for s in series {
            let blocks = sqlx::query(
                "SELECT country, vintage_id, observations, data FROM observation_blocks
                 WHERE series = $1 ORDER BY country, vintage_id",
            )
            .bind(*s)
            .fetch_all(&self.pool)
            .await?;
            // Per country, each period's observation from the latest vintage (blocks come in
            // vintage order, so a later one replaces an earlier one).
            let mut latest: BTreeMap<(String, String), CurrentObservation> = BTreeMap::new();
            for b in blocks {
                let country: String = b.try_get("country")?;
                if !countries.is_empty() && !countries.contains(&country.as_str()) {
                    continue;
                }
                let vintage: i64 = b.try_get("vintage_id")?;
                let what = format!("{s} {country} vintage {vintage}");
                let block = Block::decode(b.try_get("data")?, b.try_get("observations")?, &what)?;
                for o in block.rows() {
                    let text = |t: Option<&str>| t.map(str::to_string);
                    latest.insert(
                        (country.clone(), o.period.to_string()),
                        CurrentObservation {
                            country: country.clone(),
                            series: s.to_string(),
                            period: o.period.to_string(),
                            value: o.value,
                            unit: text(o.unit),
                            vintage,
                            source_publisher: text(o.source_publisher),
                            source_title: text(o.source_title),
                            source_url: text(o.source_url),
                            source_id: o.source_url.and_then(|u| links.get(u).copied()),
                            note: text(o.note),
                            provisional: o.provisional,
                            estimate: o.estimate,
                            break_in_series: o.break_in_series,
                        },
                    );
                }
            }
            out.extend(latest.into_values());
        }
        Ok(out)
    }

    /// Every (series, country) pair with at least one observation, sorted.
    pub async fn observed_series(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT series, country FROM observation_blocks ORDER BY series, country",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("series")?, r.try_get("country")?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{OpenMode, Store};

    /// Migration 0009 moves observations stored one per row into blocks without changing
    /// any value, unit, flag, source, note or line, and the latest vintage stays current.
    async fn observations_move_into_blocks_unchanged(url: &str) {
        let store = Store::open(url, OpenMode::Create).await.unwrap();
        store.migrator().run_to(8, &store.pool).await.unwrap();
        for (id, sha) in [(1, "a"), (2, "b")] {
            sqlx::query(
                "INSERT INTO vintages (id, file_name, file_sha256, format, imported_at, imported_by,
                     rows_read, observations, imported, unchanged, skipped)
                 VALUES ($1, 'f.csv', $2, 'csv', '2026-01-01T00:00:00Z', 'system', 2, 2, 2, 0, 0)",
            )
            .bind(id)
            .bind(sha)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        // (country, series, period, vintage, value, unit, status, provisional, estimate,
        // break, publisher, title, url, note, line)
        type Old<'a> = (
            &'a str,
            &'a str,
            &'a str,
            i64,
            Option<f64>,
            Option<&'a str>,
            Option<&'a str>,
            i64,
            i64,
            i64,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            i64,
        );
        let old: [Old<'_>; 5] = [
            (
                "CAN",
                "pop",
                "2020",
                1,
                Some(38_000_000.0),
                Some("persons"),
                Some("A"),
                0,
                0,
                0,
                Some("StatCan"),
                Some("Table 1"),
                Some("https://example.org/t1"),
                None,
                2,
            ),
            (
                "CAN",
                "pop",
                "2021",
                1,
                Some(0.1 + 0.2),
                Some("persons"),
                Some("P"),
                1,
                0,
                0,
                Some("StatCan"),
                Some("Table 1"),
                Some("https://example.org/t1"),
                Some("revised \"later\""),
                3,
            ),
            (
                "CAN",
                "pop",
                "2020",
                2,
                Some(38_000_001.5),
                Some("persons"),
                Some("E"),
                0,
                1,
                1,
                None,
                None,
                None,
                None,
                7,
            ),
            (
                "CAN", "pop", "2022", 2, None, None, None, 0, 0, 0, None, None, None, None, 8,
            ),
            (
                "NZL",
                "pop",
                "2020",
                1,
                Some(5.1e6),
                Some("persons"),
                None,
                0,
                0,
                0,
                None,
                None,
                None,
                None,
                4,
            ),
        ];
        for o in old {
            sqlx::query(
                "INSERT INTO observations (country, series, period, vintage_id, value, unit, status,
                     provisional, estimate, break_in_series, source_publisher, source_title,
                     source_url, note, line)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(o.0)
            .bind(o.1)
            .bind(o.2)
            .bind(o.3)
            .bind(o.4)
            .bind(o.5)
            .bind(o.6)
            .bind(o.7)
            .bind(o.8)
            .bind(o.9)
            .bind(o.10)
            .bind(o.11)
            .bind(o.12)
            .bind(o.13)
            .bind(o.14)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        store.migrate().await.unwrap();
        store.check_schema().await.unwrap();

        let blocks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM observation_blocks")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(blocks, 3, "one block per (series, country, vintage)");
        let current = store.current_observations(&["pop"], &[]).await.unwrap();
        let got: Vec<_> = current
            .iter()
            .map(|o| (o.country.as_str(), o.period.as_str(), o.value, o.vintage))
            .collect();
        assert_eq!(
            got,
            [
                ("CAN", "2020", Some(38_000_001.5), 2),
                ("CAN", "2021", Some(0.1 + 0.2), 1),
                ("CAN", "2022", None, 2),
                ("NZL", "2020", Some(5.1e6), 1),
            ]
        );
        let c2020 = &current[0];
        assert!(c2020.estimate && c2020.break_in_series && !c2020.provisional);
        assert_eq!(c2020.source_publisher, None);
        let c2021 = &current[1];
        assert!(c2021.provisional && !c2021.estimate);
        assert_eq!(c2021.note.as_deref(), Some("revised \"later\""));
        assert_eq!(c2021.source_url.as_deref(), Some("https://example.org/t1"));
        assert_eq!(c2021.unit.as_deref(), Some("persons"));
        assert_eq!(current[2].unit, None);
        let values = store.series_values("pop", "CAN").await.unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(
            values[0],
            ("2020".into(), Some(38_000_001.5), Some("persons".into()), 2)
        );
        assert_eq!(
            store.observed_series().await.unwrap(),
            [
                ("pop".to_string(), "CAN".to_string()),
                ("pop".into(), "NZL".into())
            ]
        );
    }

    #[tokio::test]
    async fn observations_move_into_blocks_unchanged_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("m.db").display());
        observations_move_into_blocks_unchanged(&url).await;
    }

    #[tokio::test]
    async fn observations_move_into_blocks_unchanged_on_postgres() {
        let test = "observations_move_into_blocks_unchanged_on_postgres";
        let Some(db) = chancery_testkit::PgDatabase::create(test).await else {
            return;
        };
        observations_move_into_blocks_unchanged(db.url()).await;
    }
}
