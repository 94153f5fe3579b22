//! Importing official statistics: parse (chancery-stats) and store as one vintage in one
//! transaction (chancery-store), streaming. Idempotent: the same file again changes nothing.
//!
//! A parser thread reads the file (hashing it as it goes) and hands batches of observations
//! over a bounded channel to the writer, which compares them with what is stored while the
//! next batch is parsed and keeps the new or changed ones (about 50 bytes each, text shared);
//! at the end of the file they are written as one block per (series, country). The first
//! parse or database error stops both sides and rolls the transaction back: nothing of the
//! file is stored.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use chancery_domain::audit::hex_encode;
use chancery_domain::user::Role;
use chancery_stats::{
    Country, Format, ImportError, ImportOptions, Observation, Period, SourceInfo, Summary,
};
use chancery_store::{IMPORT_BATCH, NewVintage, ObservationRow};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::{App, AppError, AppResult, By, audit};

/// One skip reason in an import report.
#[derive(Debug, Clone, Serialize)]
pub struct SkipLine {
    /// Why.
    pub reason: String,
    /// How many rows or cells.
    pub count: u64,
    /// The first few lines (or JSON-stat cell indices).
    pub examples: Vec<u64>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct StatsImportReport {
    /// The file as named.
    pub file: String,
    /// The format read.
    pub format: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows (or cells) examined.
    pub rows_read: u64,
    /// Observations found.
    pub observations: u64,
    /// New or changed observations stored.
    pub imported: u64,
    /// Observations identical to what is stored.
    pub unchanged: u64,
    /// Skipped rows by reason.
    pub skipped: Vec<SkipLine>,
    /// The vintage recorded, if anything changed.
    pub vintage: Option<i64>,
    /// Whether nothing was written because it was a dry run.
    pub dry_run: bool,
}

/// A source's publisher, title and URL, shared.
type SourceFields = [Option<Arc<str>>; 3];

/// Turns parsed observations into rows to store, sharing text instead of copying it: the
/// parser already shares series, units, statuses and notes; countries, periods and source
/// fields are shared here, so a row costs no allocation once its strings have been seen.
#[derive(Default)]
struct Rows {
    countries: Shared<Country>,
    periods: Shared<Period>,
    /// The last source seen (files name one or a few) and its fields.
    source: Option<(Arc<SourceInfo>, SourceFields)>,
}

/// One shared text per key (a country, a period).
struct Shared<K> {
    texts: HashMap<K, Arc<str>>,
    last: Option<(K, Arc<str>)>,
}

impl<K> Default for Shared<K> {
    fn default() -> Self {
        Shared {
            texts: HashMap::new(),
            last: None,
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash> Shared<K> {
    /// The text of `key`, made by `text` the first time. Consecutive rows mostly share their
    /// country or their period (files come sorted by one of them), so the previous row's key
    /// is compared before anything is looked up.
    fn get(&mut self, key: K, text: impl FnOnce(K) -> Arc<str>) -> Arc<str> {
        if let Some((last, shared)) = &self.last
            && *last == key
        {
            return Arc::clone(shared);
        }
        let shared = Arc::clone(self.texts.entry(key).or_insert_with(|| text(key)));
        self.last = Some((key, Arc::clone(&shared)));
        shared
    }
}

impl Rows {
    fn row(&mut self, o: Observation) -> ObservationRow {
        let country = self.countries.get(o.country, |c| c.as_str().into());
        let period = self.periods.get(o.period, |p| p.to_string().into());
        let [publisher, title, url] = match &o.source {
            None => [None, None, None],
            Some(source) => {
                if !self
                    .source
                    .as_ref()
                    .is_some_and(|(last, _)| Arc::ptr_eq(last, source))
                {
                    let field = |f: &Option<String>| f.as_deref().map(Arc::from);
                    let fields = [
                        field(&source.publisher),
                        field(&source.title),
                        field(&source.url),
                    ];
                    self.source = Some((Arc::clone(source), fields));
                }
                self.source
                    .as_ref()
                    .map_or([None, None, None], |(_, fields)| fields.clone())
            }
        };
        ObservationRow {
            country,
            series: o.series,
            period,
            value: o.value,
            unit: o.unit,
            status: o.flags.status,
            provisional: o.flags.provisional,
            estimate: o.flags.estimate,
            break_in_series: o.flags.break_in_series,
            source_publisher: publisher,
            source_title: title,
            source_url: url,
            note: o.note,
            line: i64::try_from(o.line).unwrap_or(i64::MAX),
        }
    }
}

/// Batches in flight between the parser thread and the writer.
const BATCHES_IN_FLIGHT: usize = 4;

/// What the parser thread hands the writer, in this order: the format, batches, the end.
enum Parsed {
    Format(Format),
    Batch(Vec<Observation>),
    Done { summary: Summary, sha256: String },
}

/// Reads the input in large chunks and hashes them on a thread of its own, so the parser
/// thread (the busier of the import's two) does not spend its time in SHA-256. The chunks are
/// shared with the hashing thread, not copied; at most [`HASH_CHUNKS_IN_FLIGHT`] wait for it.
struct Hashing<R> {
    inner: R,
    chunk: Arc<Vec<u8>>,
    pos: usize,
    to_hasher: Option<std::sync::mpsc::SyncSender<Arc<Vec<u8>>>>,
    hasher: Option<std::thread::JoinHandle<String>>,
}

const HASH_CHUNK: usize = 256 * 1024;
const HASH_CHUNKS_IN_FLIGHT: usize = 16;

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        let (to_hasher, chunks) =
            std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(HASH_CHUNKS_IN_FLIGHT);
        let hasher = std::thread::spawn(move || {
            let mut h = Sha256::new();
            for chunk in chunks {
                h.update(chunk.as_slice());
            }
            hex_encode(&h.finalize())
        });
        Hashing {
            inner,
            chunk: Arc::new(Vec::new()),
            pos: 0,
            to_hasher: Some(to_hasher),
            hasher: Some(hasher),
        }
    }

    /// The SHA-256 of everything read, in hex.
    fn finish(mut self) -> std::io::Result<String> {
        drop(self.to_hasher.take());
        self.hasher
            .take()
            .and_then(|h| h.join().ok())
            .ok_or_else(|| std::io::Error::other("the hashing thread stopped"))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            let mut next = vec![0; HASH_CHUNK];
            let n = self.inner.read(&mut next)?;
            if n == 0 {
                return Ok(0);
            }
            next.truncate(n);
            self.chunk = Arc::new(next);
            self.pos = 0;
            let sent = self
                .to_hasher
                .as_ref()
                .is_some_and(|h| h.send(Arc::clone(&self.chunk)).is_ok());
            if !sent {
                return Err(std::io::Error::other("the hashing thread stopped"));
            }
        }
        let rest = &self.chunk[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// The parser thread: detects the format, streams batches, then reads whatever is left of
/// the input so the hash covers the whole file. Stops when the writer hangs up.
fn parse(
    input: impl Read,
    format: Format,
    options: &ImportOptions,
    out: &mpsc::Sender<Result<Parsed, ImportError>>,
) -> Result<(), ImportError> {
    let mut input = Hashing::new(input);
    let mut prefix = Vec::with_capacity(8192);
    (&mut input).take(8192).read_to_end(&mut prefix)?;
    let format = match format {
        Format::Auto => chancery_stats::detect(&prefix)?,
        f => f,
    };
    if out.blocking_send(Ok(Parsed::Format(format))).is_err() {
        return Ok(());
    }
    let mut observations =
        chancery_stats::open(Cursor::new(prefix).chain(&mut input), format, options)?;
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for obs in &mut observations {
        batch.push(obs?);
        if batch.len() == IMPORT_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(IMPORT_BATCH));
            if out.blocking_send(Ok(Parsed::Batch(full))).is_err() {
                return Ok(());
            }
        }
    }
    let summary = observations.summary().clone();
    drop(observations);
    std::io::copy(&mut input, &mut std::io::sink())?;
    if !batch.is_empty() && out.blocking_send(Ok(Parsed::Batch(batch))).is_err() {
        return Ok(());
    }
    let sha256 = input.finish()?;
    let _ = out.blocking_send(Ok(Parsed::Done { summary, sha256 }));
    Ok(())
}

impl App {
    /// Imports a statistics file held in memory. All or nothing; the same file twice changes
    /// nothing. See [`App::import_statistics_from`].
    pub async fn import_statistics(
        &self,
        by: By<'_>,
        file: &str,
        bytes: &[u8],
        format: Format,
        options: &ImportOptions,
        dry_run: bool,
    ) -> AppResult<StatsImportReport> {
        self.import_statistics_from(
            by,
            file,
            Cursor::new(bytes.to_vec()),
            format,
            options,
            dry_run,
            &|_| {},
        )
        .await
    }

    /// Imports a statistics file read from `input`, streaming: parsed on a thread of its
    /// own, stored batch by batch in one transaction that records the vintage first. All or
    /// nothing (a bad row anywhere, even the last, leaves the database as it was); the same
    /// file twice changes nothing (the second import reports every observation unchanged
    /// and records no vintage); a revised value is stored under a new vintage. `progress`
    /// is told the number of observations stored (or counted, on a dry run) so far, after
    /// each batch.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_statistics_from(
        &self,
        by: By<'_>,
        file: &str,
        input: impl Read + Send + 'static,
        format: Format,
        options: &ImportOptions,
        dry_run: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> AppResult<StatsImportReport> {
        if let By::User(a) = by
            && a.role == Role::Reader
        {
            return Err(AppError::Forbidden(format!(
                "{} is a reader; readers do not import statistics",
                a.username
            )));
        }
        let invalid = |e: ImportError| AppError::invalid(format!("{file}: {e}"));
        let (tx, mut rx) = mpsc::channel(BATCHES_IN_FLIGHT);
        let options = options.clone();
        let parser = tokio::task::spawn_blocking(move || {
            if let Err(e) = parse(input, format, &options, &tx) {
                let _ = tx.blocking_send(Err(e));
            }
        });
        let stopped = || {
            AppError::invalid(format!(
                "{file}: the importer stopped before the end of the file"
            ))
        };
        let format = match rx.recv().await {
            Some(Ok(Parsed::Format(f))) => f,
            Some(Err(e)) => return Err(invalid(e)),
            _ => return Err(stopped()),
        };
        let mut vintage = NewVintage {
            file_name: file.to_string(),
            // Completed when the whole file has been read.
            file_sha256: String::new(),
            format: format.name().to_string(),
            imported_by: match by {
                By::User(a) => a.username.to_string(),
                By::System => "system".into(),
            },
            rows_read: 0,
            skipped: 0,
        };
        let mut import = self.store.begin_import(&vintage, dry_run).await?;
        // Converted here rather than on the parser thread, which has the more work of the two.
        let mut rows = Rows::default();
        let summary = loop {
            let failed = match rx.recv().await {
                Some(Ok(Parsed::Batch(batch))) => match import
                    .add(&batch.into_iter().map(|o| rows.row(o)).collect::<Vec<_>>())
                    .await
                {
                    Ok(()) => {
                        let (stored, unchanged) = import.counts();
                        progress(stored + unchanged);
                        continue;
                    }
                    Err(e) => AppError::from(e),
                },
                Some(Ok(Parsed::Done { summary, sha256 })) => {
                    vintage.file_sha256 = sha256;
                    break summary;
                }
                Some(Err(e)) => invalid(e),
                Some(Ok(Parsed::Format(_))) | None => stopped(),
            };
            // Hanging up stops the parser; the rollback undoes every batch and the vintage.
            drop(rx);
            import.abort().await;
            let _ = parser.await;
            return Err(failed);
        };
        let _ = parser.await;
        vintage.rows_read = i64::try_from(summary.rows).unwrap_or(i64::MAX);
        vintage.skipped = i64::try_from(summary.skipped_total()).unwrap_or(i64::MAX);
        let record = audit(
            by,
            "statistics.import",
            "vintage",
            "",
            json!({"file": file, "sha256": vintage.file_sha256, "format": format.name()}),
        );
        let stored = import.finish(&vintage, &record).await?;
        Ok(StatsImportReport {
            file: file.to_string(),
            format: format.name().to_string(),
            sha256: vintage.file_sha256,
            rows_read: summary.rows,
            observations: summary.observations,
            imported: stored.imported,
            unchanged: stored.unchanged,
            skipped: summary
                .skipped
                .iter()
                .map(|(reason, s)| SkipLine {
                    reason: reason.to_string(),
                    count: s.count,
                    examples: s.examples.clone(),
                })
                .collect(),
            vintage: stored.vintage,
            dry_run,
        })
    }
}
