//! The index itself: opening (on disk or in memory), replacing an object's documents and
//! committing them together with the outbox position they reflect.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::query::AllQuery;
use tantivy::schema::{Term, Value};
use tantivy::{Document, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use crate::doc::{Access, SearchDoc, rank};
use crate::error::SearchError;
use crate::lang::Lang;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::stats::StatsCache;

/// Memory the writer may buffer before flushing a segment.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

/// What a committed index reflects: stored in the commit payload, so it changes atomically
/// with the documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IndexState {
    /// [`SCHEMA_VERSION`] of the index.
    pub schema: u32,
    /// The database it was built from ([`chancery_store::Store::identity`]).
    pub db: String,
    /// The last search-outbox `seq` applied.
    pub seq: i64,
    /// The language reports and records were analysed in (the deployment's report language
    /// when it was built): an index of another language is rebuilt.
    #[serde(default)]
    pub lang: String,
}

/// A search index. Cheap to share behind an `Arc`; writes are serialised inside.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    /// Serialises catching up, so two callers never apply the same outbox rows at once.
    pub(crate) sync: tokio::sync::Mutex<()>,
    /// Where it lives, for logs.
    pub location: String,
    /// The language of reports and records (the deployment's).
    pub default_lang: Lang,
    /// BM25 statistics per visibility class, for the current searcher generation.
    pub(crate) stats: StatsCache,
    /// Score with index-wide statistics instead (only for the benchmark's comparison).
    pub(crate) index_wide_stats: AtomicBool,
    /// Facet values by ordinal, per segment.
    pub(crate) facet_terms: crate::query::FacetTerms,
    /// This index's name in the database's `search_readers`: random, kept in the index
    /// folder (so a restarted server, or a CLI run on its folder, reports as the same reader);
    /// random per process for an index in memory.
    pub reader_id: String,
    /// When and at which `seq` this index last reported its position (and pruned).
    pub(crate) last_report: Mutex<Option<(std::time::Instant, i64)>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An index held in memory (tests, and servers without an index folder): it starts empty
    /// and is built from the database on first use.
    pub fn in_memory(default_lang: Lang) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        SearchIndex::wrap(index, fields, "memory".into(), default_lang, reader_id())
    }

    /// Opens the index in `dir`, creating it if missing. An index of another schema version,
    /// or one that cannot be opened, is replaced by an empty one (it is a derived cache; the
    /// next catch-up rebuilds it and says so).
    pub fn open_dir(dir: &Path, default_lang: Lang) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Io {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let location = dir.display().to_string();
        let (schema, fields) = schema::build();
        let existing = dir.join("meta.json").exists();
        if existing {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema => {
                    let opened = SearchIndex::wrap(
                        index,
                        fields.clone(),
                        location.clone(),
                        default_lang,
                        reader_id_in(dir)?,
                    )?;
                    if opened.state()?.schema == SCHEMA_VERSION {
                        return Ok(opened);
                    }
                    tracing::warn!(index = %location, "search index has another schema version: rebuilding it");
                }
                Ok(_) => {
                    tracing::warn!(index = %location, "search index has another schema: rebuilding it")
                }
                Err(e) => {
                    tracing::warn!(index = %location, error = %e, "search index cannot be opened: rebuilding it")
                }
            }
            clear_dir(dir)?;
        }
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Io {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let index = Index::create(directory, schema, Default::default())?;
        SearchIndex::wrap(index, fields, location, default_lang, reader_id_in(dir)?)
    }

    fn wrap(
        mut index: Index,
        fields: Fields,
        location: String,
        default_lang: Lang,
        reader_id: String,
    ) -> Result<SearchIndex, SearchError> {
        schema::register_analyzers(&index);
        // A search visits its segments on one thread per core (see `finish_rebuild`).
        index.set_default_multithread_executor()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            fields,
            reader,
            writer: Mutex::new(None),
            sync: tokio::sync::Mutex::new(()),
            location,
            default_lang,
            stats: StatsCache::default(),
            index_wide_stats: AtomicBool::new(false),
            facet_terms: Default::default(),
            reader_id,
            last_report: Mutex::new(None),
        })
    }

    /// Scores with tantivy's index-wide BM25 statistics instead of those of the documents the
    /// viewer may see. Only for `bench/search.sh`, which measures what the latter cost; never
    /// switched on by the application.
    #[doc(hidden)]
    pub fn use_index_wide_statistics(&self, on: bool) {
        self.index_wide_stats.store(on, Ordering::Relaxed);
    }

    /// What the last commit reflects (the default state for an index never committed).
    pub fn state(&self) -> Result<IndexState, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(match metas.payload {
            Some(p) => serde_json::from_str(&p).unwrap_or_default(),
            None => IndexState::default(),
        })
    }

    /// What the index committed in `dir` reflects, read without opening it for writing or
    /// changing anything (for tools and tests watching a server's index).
    pub fn read_state(dir: &Path) -> Result<IndexState, SearchError> {
        let index = Index::open_in_dir(dir)?;
        Ok(match index.load_metas()?.payload {
            Some(p) => serde_json::from_str(&p).unwrap_or_default(),
            None => IndexState::default(),
        })
    }

    /// Every document's stored fields as JSON, by key: two indexes holding the same documents
    /// have equal fingerprints (used to check an index against one rebuilt from the database).
    pub fn fingerprint(&self) -> Result<BTreeMap<String, String>, SearchError> {
        let searcher = self.reader.searcher();
        let schema = self.index.schema();
        let mut out = BTreeMap::new();
        for addr in searcher.search(&AllQuery, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let key = doc
                .get_first(self.fields.key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            out.insert(key, doc.to_json(&schema));
        }
        Ok(out)
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| SearchError::Internal("the index writer lock is poisoned".into()))?;
        if guard.is_none() {
            *guard = Some(self.index.writer(WRITER_HEAP_BYTES)?);
        }
        match guard.as_mut() {
            Some(w) => f(w),
            None => Err(SearchError::Internal("no index writer".into())),
        }
    }

    /// Replaces every document of each of `objects` by `docs`, and commits with `state`:
    /// the documents and the outbox position change together or not at all.
    pub fn replace(
        &self,
        objects: &[String],
        docs: &[SearchDoc],
        state: &IndexState,
    ) -> Result<(), SearchError> {
        self.with_writer(|w| {
            for o in objects {
                w.delete_term(Term::from_field_text(self.fields.object, o));
            }
            for d in docs {
                w.add_document(self.to_tantivy(d))?;
            }
            self.commit(w, state)
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Starts a rebuild (or a bulk load): every document is deleted (not yet committed).
    pub fn begin_rebuild(&self) -> Result<(), SearchError> {
        self.with_writer(|w| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    /// Adds documents to a rebuild in progress (not yet committed).
    pub fn add(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.with_writer(|w| {
            for d in docs {
                w.add_document(self.to_tantivy(d))?;
            }
            Ok(())
        })
    }

    /// Commits a rebuild with `state`, then merges its segments into one per core: a bulk load
    /// leaves one segment per writer flush, and every search pays per segment (term lookups,
    /// facet columns, the visibility bit sets), but segments are what a search spreads over
    /// its threads. The documents are committed before the merge, so a crash during it loses
    /// nothing.
    pub fn finish_rebuild(&self, state: &IndexState) -> Result<(), SearchError> {
        self.with_writer(|w| {
            self.commit(w, state)?;
            let mut segments = self.index.searchable_segment_metas()?;
            let parts = std::thread::available_parallelism().map_or(1, usize::from);
            if segments.len() > parts {
                // Deal the segments, largest first, onto `parts` groups of about equal size.
                segments.sort_by_key(|m| std::cmp::Reverse(m.num_docs()));
                let mut groups: Vec<(u64, Vec<SegmentId>)> = vec![(0, Vec::new()); parts];
                for m in segments {
                    if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
                        g.0 += u64::from(m.num_docs());
                        g.1.push(m.id());
                    }
                }
                for (_, ids) in groups {
                    if ids.len() > 1 {
                        w.merge(&ids).wait()?;
                    }
                }
            }
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Drops uncommitted changes (a rebuild that failed half-way).
    pub fn rollback(&self) -> Result<(), SearchError> {
        self.with_writer(|w| {
            w.rollback()?;
            Ok(())
        })
    }

    fn commit(&self, w: &mut IndexWriter, state: &IndexState) -> Result<(), SearchError> {
        let payload = serde_json::to_string(state)
            .map_err(|e| SearchError::Internal(format!("index state: {e}")))?;
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        Ok(())
    }

    fn to_tantivy(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &d.key);
        doc.add_text(f.object, &d.object);
        doc.add_text(f.kind, d.kind.code());
        let opt = |doc: &mut TantivyDocument, field, v: Option<&str>| {
            doc.add_text(field, v.unwrap_or(""));
        };
        opt(&mut doc, f.post, d.post.as_deref());
        opt(&mut doc, f.country, d.country.as_deref());
        opt(&mut doc, f.tasking, d.tasking.as_deref());
        opt(&mut doc, f.section, d.section.as_deref());
        opt(&mut doc, f.year, d.year());
        opt(&mut doc, f.grade, d.grade.as_deref());
        doc.add_text(f.class, d.marking.code());
        doc.add_u64(f.level, rank(d.level()));
        doc.add_u64(f.recency, d.recency());
        doc.add_u64(f.order, stable_hash(&d.key));
        match &d.access {
            Access::Paragraph {
                tasking_status,
                addressees,
                report_status,
                ..
            } => {
                doc.add_text(f.rstatus, report_status.code());
                let open = !matches!(
                    tasking_status,
                    chancery_domain::tasking::TaskingStatus::Draft
                );
                doc.add_text(f.topen, if open { "1" } else { "0" });
                for a in addressees {
                    doc.add_text(f.addressee, a);
                }
            }
            Access::Record { owner } => {
                doc.add_text(f.owned, if owner.is_some() { "1" } else { "0" });
            }
        }
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.body);
        doc.add_text(f.link, &d.link);
        doc.add_text(f.lang, d.lang.code());
        if let Some(v) = d.version {
            doc.add_i64(f.version, v);
        }
        if let Some(r) = d.revision {
            doc.add_i64(f.revision, r);
        }
        let text = f.text_of(d.lang);
        doc.add_text(text, &d.title);
        doc.add_text(text, &d.body);
        doc
    }
}

/// The file in an index folder holding the index's reader id.
const READER_ID_FILE: &str = "chancery-reader-id";

/// The reader id kept in `dir`, created if missing.
fn reader_id_in(dir: &Path) -> Result<String, SearchError> {
    let path = dir.join(READER_ID_FILE);
    let io = |e: std::io::Error| SearchError::Io {
        path: path.clone(),
        reason: e.to_string(),
    };
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        Ok(_) => {
            let id = reader_id();
            std::fs::write(&path, &id).map_err(io)?;
            Ok(id)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = reader_id();
            std::fs::write(&path, &id).map_err(io)?;
            Ok(id)
        }
        Err(e) => Err(io(e)),
    }
}

/// A new reader id: the process id and a random number (std's per-process random hash keys,
/// mixed with the time).
fn reader_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{}-{:016x}", std::process::id(), h.finish())
}

/// FNV-1a of `key`: the last tie-breaker between results, the same in every index holding the
/// document (unlike its address, which depends on segments).
fn stable_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    let io = |path: PathBuf, e: std::io::Error| SearchError::Io {
        path,
        reason: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir.to_path_buf(), e))? {
        let entry = entry.map_err(|e| io(dir.to_path_buf(), e))?;
        let path = entry.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| io(path.clone(), e))?;
        } else {
            std::fs::remove_file(&path).map_err(|e| io(path.clone(), e))?;
        }
    }
    Ok(())
}
