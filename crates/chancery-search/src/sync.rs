//! Keeping an index current with the database: documents derived from the stored objects,
//! catching up on the search outbox, rebuilding from scratch, and the follower loop each
//! server runs.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::markdown::portions;
use chancery_store::{
    EngagementRow, IncidentRow, OutboxRow, PolicyRow, ReportRow, SourceRow, Store, TaskingRow,
};

use crate::doc::{Access, DocKind, SearchDoc};
use crate::error::SearchError;
use crate::index::{IndexState, SearchIndex};
use crate::lang::Lang;
use crate::schema::SCHEMA_VERSION;

/// Outbox rows applied per commit while catching up.
const BATCH_ROWS: i64 = 500;
/// How long an index may go without reporting its position before it is forgotten (and the
/// outbox rows it still needed may be pruned: it rebuilds when it comes back).
pub const READER_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// How often an index reports its position and prunes the outbox, at most.
pub const REPORT_EVERY: Duration = Duration::from_secs(60);
/// Captured source text indexed, at most (bytes).
const MAX_CAPTURE_BYTES: usize = 256 * 1024;

/// What one catch-up did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Whether the index was rebuilt from the database (missing, stale, another database).
    pub rebuilt: bool,
    /// Why, when rebuilt.
    pub reason: Option<String>,
    /// Outbox rows applied.
    pub applied: i64,
    /// The outbox position the index now reflects.
    pub seq: i64,
    /// Documents in the index.
    pub docs: u64,
}

/// A database object whose documents can be (re)built.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Object {
    Report(TaskingRef, PostCode),
    Source(i64),
    Incident(i64),
    Engagement(i64),
    Policy(i64),
}

impl Object {
    fn key(&self) -> String {
        match self {
            Object::Report(t, p) => format!("report:{t}/{p}"),
            Object::Source(id) => format!("source:{id}"),
            Object::Incident(id) => format!("incident:{id}"),
            Object::Engagement(id) => format!("engagement:{id}"),
            Object::Policy(id) => format!("policy:{id}"),
        }
    }
}

/// What the database looks like for building documents (posts' countries, taskings).
struct Context {
    countries: HashMap<String, String>,
    taskings: HashMap<String, TaskingRow>,
    lang: Lang,
}

impl Context {
    async fn load(store: &Store, lang: Lang) -> Result<Context, SearchError> {
        let countries = store
            .posts()
            .await?
            .into_iter()
            .map(|p| (p.code.as_str().to_string(), p.country.as_str().to_string()))
            .collect();
        let taskings = store
            .taskings()
            .await?
            .into_iter()
            .map(|t| (t.spec.reference.as_str().to_string(), t))
            .collect();
        Ok(Context {
            countries,
            taskings,
            lang,
        })
    }

    fn country_of(&self, post: &PostCode) -> Option<String> {
        self.countries.get(post.as_str()).cloned()
    }
}

impl SearchIndex {
    /// Brings the index up to date with `store`: rebuilds it when it is missing, was built
    /// from another database or schema, or is ahead of the outbox (a replaced database);
    /// otherwise applies the outbox rows after the position it last committed. Each batch is
    /// committed with its position, so a crash loses at most the batch in progress, which the
    /// next catch-up applies again (applying a row twice gives the same documents).
    pub async fn catch_up(&self, store: &Store) -> Result<SyncReport, SearchError> {
        let _serial = self.sync.lock().await;
        let state = self.state()?;
        let db = store.identity().await?;
        let head = store.search_outbox_head().await?;
        let stale = if state.schema != SCHEMA_VERSION {
            Some("no index yet (or one of another version)".to_string())
        } else if state.lang != self.default_lang.code() {
            Some(format!(
                "the report language changed (index in {:?}, deployment in {:?})",
                state.lang,
                self.default_lang.code()
            ))
        } else if state.db != db {
            Some("the index was built from another database".to_string())
        } else if state.seq > head {
            Some(format!(
                "the index is ahead of the database (index at {}, outbox at {head})",
                state.seq
            ))
        } else {
            None
        };
        if let Some(reason) = stale {
            return self.rebuild_because(store, reason).await;
        }
        let mut seq = state.seq;
        let mut applied = 0;
        loop {
            let rows = store.search_outbox_since(seq, BATCH_ROWS).await?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                break;
            };
            // `seq` has no holes (assigned under the write lock), so a first row past
            // `seq + 1` means rows this index never applied were pruned: it was forgotten
            // (not seen within the retention window) and must start again from the tables.
            if rows.first().is_some_and(|r| r.seq > seq + 1) {
                let reason = format!(
                    "outbox rows {}..{} this index had not applied were pruned (it was not seen for over {} h)",
                    seq + 1,
                    rows.first().map_or(0, |r| r.seq - 1),
                    READER_RETENTION.as_secs() / 3600
                );
                return self.rebuild_because(store, reason).await;
            }
            let ctx = Context::load(store, self.default_lang).await?;
            let objects = objects_of(store, &rows).await?;
            let mut docs = Vec::new();
            for o in &objects {
                docs.extend(docs_of(store, &ctx, o).await?);
            }
            let keys: Vec<String> = objects.iter().map(Object::key).collect();
            self.replace(
                &keys,
                &docs,
                &IndexState {
                    schema: SCHEMA_VERSION,
                    db: db.clone(),
                    seq: last,
                    lang: self.default_lang.code().to_string(),
                },
            )?;
            applied += i64::try_from(rows.len()).unwrap_or(i64::MAX);
            seq = last;
        }
        self.report_position(store, seq, false).await?;
        Ok(SyncReport {
            rebuilt: false,
            reason: None,
            applied,
            seq,
            docs: self.num_docs(),
        })
    }

    async fn rebuild_because(
        &self,
        store: &Store,
        reason: String,
    ) -> Result<SyncReport, SearchError> {
        let mut report = self.rebuild_locked(store).await?;
        report.reason = Some(reason);
        self.report_position(store, report.seq, true).await?;
        Ok(report)
    }

    /// Records this index's outbox position in the database and prunes the outbox rows every
    /// live index has applied (see `search_readers`): when `now`, or when the position moved
    /// or [`REPORT_EVERY`] passed since the last report (catching up runs before every
    /// search, and most find nothing new).
    async fn report_position(&self, store: &Store, seq: i64, now: bool) -> Result<(), SearchError> {
        let due = {
            let last = self
                .last_report
                .lock()
                .map_err(|_| SearchError::Internal("the report lock is poisoned".into()))?;
            now || last.is_none_or(|(at, reported)| reported != seq || at.elapsed() >= REPORT_EVERY)
        };
        if !due {
            return Ok(());
        }
        store.search_reader_report(&self.reader_id, seq).await?;
        let pruned = store.search_outbox_prune(READER_RETENTION).await?;
        if pruned.deleted > 0 || pruned.forgotten > 0 {
            tracing::debug!(
                index = %self.location,
                deleted = pruned.deleted,
                forgotten = pruned.forgotten,
                "search outbox pruned"
            );
        }
        if let Ok(mut last) = self.last_report.lock() {
            *last = Some((Instant::now(), seq));
        }
        Ok(())
    }

    /// Records this index's position and prunes the outbox now (what catching up does at
    /// most every [`REPORT_EVERY`]; for tests and `chancery search reindex`).
    pub async fn report_now(&self, store: &Store) -> Result<(), SearchError> {
        let seq = self.state()?.seq;
        self.report_position(store, seq, true).await
    }

    /// Rebuilds the whole index from the database (`chancery search reindex`). Until it
    /// commits, searches see the previous index.
    pub async fn rebuild(&self, store: &Store) -> Result<SyncReport, SearchError> {
        let _serial = self.sync.lock().await;
        let report = self.rebuild_locked(store).await?;
        self.report_position(store, report.seq, true).await?;
        Ok(report)
    }

    async fn rebuild_locked(&self, store: &Store) -> Result<SyncReport, SearchError> {
        // The position is read before the data: whatever commits meanwhile is applied again
        // by the next catch-up.
        let head = store.search_outbox_head().await?;
        let db = store.identity().await?;
        // Registered at `head` before reading the tables, so other servers keep the rows
        // after it while this rebuild runs.
        store.search_reader_report(&self.reader_id, head).await?;
        let result = async {
            self.begin_rebuild()?;
            let ctx = Context::load(store, self.default_lang).await?;
            for t in ctx.taskings.values() {
                for r in store.reports_for(&t.spec.reference).await? {
                    self.add(&report_docs(store, &ctx, t, &r).await?)?;
                }
            }
            let sources = store.sources().await?;
            for s in &sources {
                self.add(&[source_doc(store, &ctx, s).await?])?;
            }
            let records: Vec<SearchDoc> = store
                .incidents()
                .await?
                .iter()
                .map(|i| incident_doc(&ctx, i))
                .chain(
                    store
                        .engagements()
                        .await?
                        .iter()
                        .map(|e| engagement_doc(&ctx, e)),
                )
                .chain(store.policies().await?.iter().map(|p| policy_doc(&ctx, p)))
                .collect();
            self.add(&records)?;
            self.finish_rebuild(&IndexState {
                schema: SCHEMA_VERSION,
                db: db.clone(),
                seq: head,
                lang: self.default_lang.code().to_string(),
            })
        }
        .await;
        if let Err(e) = result {
            let _ = self.rollback();
            return Err(e);
        }
        Ok(SyncReport {
            rebuilt: true,
            reason: None,
            applied: 0,
            seq: head,
            docs: self.num_docs(),
        })
    }

    /// Catches up now (logging what it did), then every `every`, until the process ends:
    /// what each app server runs so its own index follows the shared database.
    pub fn follow(self: Arc<Self>, store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut first = true;
            loop {
                let started = Instant::now();
                match self.catch_up(&store).await {
                    Ok(r) if r.rebuilt => tracing::info!(
                        index = %self.location,
                        reason = r.reason.as_deref().unwrap_or(""),
                        seq = r.seq,
                        docs = r.docs,
                        duration_ms = started.elapsed().as_millis() as u64,
                        "search index rebuilt from the database"
                    ),
                    Ok(r) if r.applied > 0 || first => tracing::info!(
                        index = %self.location,
                        applied = r.applied,
                        seq = r.seq,
                        docs = r.docs,
                        duration_ms = started.elapsed().as_millis() as u64,
                        "search index caught up"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(index = %self.location, error = %e, "search index could not catch up; retrying")
                    }
                }
                first = false;
                tokio::time::sleep(every).await;
            }
        })
    }
}

/// The objects a batch of outbox rows touches (a tasking or a post touches its reports).
async fn objects_of(store: &Store, rows: &[OutboxRow]) -> Result<BTreeSet<Object>, SearchError> {
    let mut out = BTreeSet::new();
    let number = |id: &str, prefix: &str| id.strip_prefix(prefix).and_then(|n| n.parse().ok());
    for r in rows {
        let id = r.object_id.as_str();
        let parsed = match r.object_kind.as_str() {
            "report" => id.split_once('/').and_then(|(t, p)| {
                Some(Object::Report(
                    TaskingRef::parse(t).ok()?,
                    PostCode::parse(p).ok()?,
                ))
            }),
            "source" => number(id, "S").map(Object::Source),
            "incident" => number(id, "INC").map(Object::Incident),
            "engagement" => number(id, "ENG").map(Object::Engagement),
            "policy" => number(id, "PM").map(Object::Policy),
            "tasking" => {
                if let Ok(t) = TaskingRef::parse(id) {
                    for report in store.reports_for(&t).await? {
                        out.insert(Object::Report(report.tasking, report.post));
                    }
                }
                continue;
            }
            "post" => {
                for t in store.taskings().await? {
                    for report in store.reports_for(&t.spec.reference).await? {
                        out.insert(Object::Report(report.tasking, report.post));
                    }
                }
                continue;
            }
            _ => None,
        };
        match parsed {
            Some(o) => {
                out.insert(o);
            }
            None => tracing::warn!(
                seq = r.seq,
                kind = %r.object_kind,
                id = %r.object_id,
                "search outbox row names no object; skipped"
            ),
        }
    }
    Ok(out)
}

/// The current documents of one object (none if it no longer exists).
async fn docs_of(store: &Store, ctx: &Context, o: &Object) -> Result<Vec<SearchDoc>, SearchError> {
    Ok(match o {
        Object::Report(t, p) => {
            let (Some(tasking), Some(report)) =
                (ctx.taskings.get(t.as_str()), store.report(t, p).await?)
            else {
                return Ok(Vec::new());
            };
            report_docs(store, ctx, tasking, &report).await?
        }
        Object::Source(id) => match store.source(*id).await? {
            Some(s) => vec![source_doc(store, ctx, &s).await?],
            None => Vec::new(),
        },
        Object::Incident(id) => store
            .incidents()
            .await?
            .iter()
            .filter(|i| i.id == *id)
            .map(|i| incident_doc(ctx, i))
            .collect(),
        Object::Engagement(id) => store
            .engagements()
            .await?
            .iter()
            .filter(|e| e.id == *id)
            .map(|e| engagement_doc(ctx, e))
            .collect(),
        Object::Policy(id) => store
            .policies()
            .await?
            .iter()
            .filter(|p| p.id == *id)
            .map(|p| policy_doc(ctx, p))
            .collect(),
    })
}

/// One document per paragraph of the report's current text (what the report page shows).
async fn report_docs(
    store: &Store,
    ctx: &Context,
    t: &TaskingRow,
    r: &ReportRow,
) -> Result<Vec<SearchDoc>, SearchError> {
    let sections = store.sections(r.id).await?;
    let mut docs = Vec::new();
    let object = Object::Report(r.tasking.clone(), r.post.clone()).key();
    let addressees: Vec<String> = t
        .spec
        .addressees
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    for s in &sections {
        let title = t
            .spec
            .section(&s.key)
            .map_or_else(|| s.key.as_str().to_string(), |ts| ts.title.clone());
        for p in portions(&s.body, t.spec.classification) {
            let n = p.index + 1;
            docs.push(SearchDoc {
                key: format!("para:{}/{}:{}:{n}", r.tasking, r.post, s.key),
                object: object.clone(),
                kind: DocKind::Paragraph,
                title: format!("{} {} · {} ¶{n}", r.tasking, r.post, title),
                body: p.text.clone(),
                lang: ctx.lang,
                marking: p.marking,
                post: Some(r.post.as_str().to_string()),
                country: ctx.country_of(&r.post),
                tasking: Some(r.tasking.as_str().to_string()),
                section: Some(s.key.as_str().to_string()),
                date: Some(s.saved_at.get(..10).unwrap_or(&s.saved_at).to_string()),
                grade: None,
                version: Some(r.version_no),
                revision: Some(s.revision),
                link: format!("/taskings/{}/reports/{}#{}-p{n}", r.tasking, r.post, s.key),
                access: Access::Paragraph {
                    tasking_status: t.status,
                    tasking_marking: t.spec.classification,
                    addressees: addressees.clone(),
                    report_status: r.status,
                },
            });
        }
    }
    Ok(docs)
}

async fn source_doc(store: &Store, ctx: &Context, s: &SourceRow) -> Result<SearchDoc, SearchError> {
    let mut body = s.spec.publisher.clone();
    if let Some(sha) = &s.capture_sha256
        && let Some(bytes) = store.blob(sha).await?
        && let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(MAX_CAPTURE_BYTES)])
            .or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()]))
    {
        body.push('\n');
        body.push_str(text);
    }
    let _ = ctx;
    Ok(SearchDoc {
        key: format!("source:{}", s.id),
        object: Object::Source(s.id).key(),
        kind: DocKind::Source,
        title: format!("S{} · {}", s.id, s.spec.title),
        body,
        lang: Lang::from_code(&s.spec.language),
        marking: s.spec.marking,
        post: None,
        country: None,
        tasking: None,
        section: None,
        date: s
            .spec
            .published
            .as_ref()
            .map(|d| d.as_str().to_string())
            .or_else(|| s.retrieved_at.clone()),
        grade: Some(s.grade.to_string()),
        version: None,
        revision: None,
        link: format!("/sources/S{}", s.id),
        access: Access::Record { owner: None },
    })
}

fn incident_doc(ctx: &Context, i: &IncidentRow) -> SearchDoc {
    let s = &i.spec;
    let place: Vec<&str> = [s.locality.as_deref(), s.region.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    SearchDoc {
        key: format!("incident:{}", i.id),
        object: Object::Incident(i.id).key(),
        kind: DocKind::Incident,
        title: format!(
            "INC{} · {} · {}",
            i.id,
            s.category.as_str(),
            place.join(", ")
        ),
        body: s.summary.clone(),
        lang: ctx.lang,
        marking: s.marking,
        post: Some(s.post.as_str().to_string()),
        country: Some(s.country.as_str().to_string()),
        tasking: None,
        section: None,
        date: Some(s.occurred.as_str().to_string()),
        grade: None,
        version: None,
        revision: None,
        link: format!("/incidents/INC{}", i.id),
        access: Access::Record {
            owner: Some(s.post.as_str().to_string()),
        },
    }
}

fn engagement_doc(ctx: &Context, e: &EngagementRow) -> SearchDoc {
    let s = &e.spec;
    SearchDoc {
        key: format!("engagement:{}", e.id),
        object: Object::Engagement(e.id).key(),
        kind: DocKind::Engagement,
        title: format!("ENG{} · {}, {}", e.id, s.official_title, s.host_office),
        body: format!("{}\n{}", s.host_response, s.follow_up),
        lang: ctx.lang,
        marking: s.marking,
        post: Some(s.post.as_str().to_string()),
        country: ctx.country_of(&s.post),
        tasking: s.tasking.as_ref().map(|t| t.as_str().to_string()),
        section: None,
        date: Some(chancery_domain::dates::format(s.date)),
        grade: None,
        version: None,
        revision: None,
        link: format!("/engagements/ENG{}", e.id),
        access: Access::Record {
            owner: Some(s.post.as_str().to_string()),
        },
    }
}

fn policy_doc(ctx: &Context, p: &PolicyRow) -> SearchDoc {
    let s = &p.spec;
    SearchDoc {
        key: format!("policy:{}", p.id),
        object: Object::Policy(p.id).key(),
        kind: DocKind::Policy,
        title: format!("PM{} · {}", p.id, s.title),
        body: s.description.clone(),
        lang: ctx.lang,
        marking: s.marking,
        post: None,
        country: Some(s.country.as_str().to_string()),
        tasking: None,
        section: None,
        date: s
            .in_force
            .as_ref()
            .or(s.announced.as_ref())
            .map(|d| d.as_str().to_string()),
        grade: None,
        version: None,
        revision: None,
        link: format!("/policies/PM{}", p.id),
        access: Access::Record { owner: None },
    }
}
