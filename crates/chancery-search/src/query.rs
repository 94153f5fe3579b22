//! Searching: the user's words, their filters, and the viewer's clearance and post scope, all
//! in one tantivy query, so the total, the facet counts, the page and the snippets are all
//! computed over what the viewer may see and nothing else.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use chancery_domain::Classification;
use chancery_domain::report::ReportStatus;
use chancery_domain::user::{Actor, Role};
use serde::Serialize;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery,
    RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocId, Order, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyDocument};

use crate::doc::{DocKind, rank};
use crate::error::SearchError;
use crate::index::SearchIndex;
use crate::lang::{Lang, fold};
use crate::parse::{Needle, ParsedQuery, QueryError, parse};
use crate::stats::{VisibilityClass, VisibleQuery, VisibleStats};

/// Results per page, at most.
pub const MAX_PER_PAGE: u64 = 100;
/// Results per page unless asked.
pub const DEFAULT_PER_PAGE: u64 = 20;
/// Characters of context in a snippet.
const SNIPPET_CHARS: usize = 240;

/// A search as asked (validated by [`SearchRequest::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the user typed.
    pub q: String,
    /// Filters: facet name → value (each facet at most once).
    pub filters: BTreeMap<String, String>,
    /// Page, from 1.
    pub page: u64,
    /// Results per page (1..=[`MAX_PER_PAGE`]).
    pub per_page: u64,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// What it is.
    pub kind: String,
    /// Heading.
    pub title: String,
    /// HTML: the matching passage, HTML-escaped, with matches in `<b>`.
    pub snippet_html: String,
    /// Where it is in the web UI.
    pub link: String,
    /// Its own marking (portion marking or record marking).
    pub classification: String,
    /// Post, if any.
    pub post: Option<String>,
    /// Country, if any.
    pub country: Option<String>,
    /// Tasking, if any.
    pub tasking: Option<String>,
    /// Section, if any.
    pub section: Option<String>,
    /// Year, if known.
    pub year: Option<String>,
    /// Source grade, if a source.
    pub grade: Option<String>,
    /// Report version (paragraphs).
    pub version: Option<i64>,
    /// Section revision (paragraphs).
    pub revision: Option<i64>,
    /// Unique key.
    pub key: String,
}

/// A facet value and how many results carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Results with it (among those the viewer may see).
    pub count: u64,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// The query as understood.
    pub query: String,
    /// Results the viewer may see, in all pages.
    pub total: u64,
    /// This page (from 1).
    pub page: u64,
    /// Results per page.
    pub per_page: u64,
    /// Number of pages (at least 1).
    pub pages: u64,
    /// The results of this page.
    pub hits: Vec<Hit>,
    /// Per facet, its values by count (descending) then value.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Words ignored as too common (stop words).
    pub ignored: Vec<String>,
}

/// The facet (and filter) names.
pub const FACETS: [&str; 8] = [
    "kind",
    "post",
    "country",
    "tasking",
    "section",
    "year",
    "classification",
    "grade",
];

impl SearchRequest {
    /// Checks page, per-page and filter names and values (not whether a value occurs).
    pub fn check(&self) -> Result<(), QueryError> {
        if self.page == 0 {
            return Err(QueryError::BadFilter(
                "page: pages are numbered from 1".into(),
            ));
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(QueryError::BadFilter(format!(
                "per_page: give a number from 1 to {MAX_PER_PAGE}"
            )));
        }
        for (name, value) in &self.filters {
            check_filter(name, value)?;
        }
        Ok(())
    }
}

/// Refuses a filter that names no facet or a value of the wrong shape.
pub fn check_filter(name: &str, value: &str) -> Result<(), QueryError> {
    let bad = |what: &str| {
        Err(QueryError::BadFilter(format!(
            "filter {name}={value:?}: {what}"
        )))
    };
    let upper_word = |v: &str, max: usize| {
        !v.is_empty()
            && v.len() <= max
            && v.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    match name {
        "kind" => {
            if DocKind::parse(value).is_none() {
                return bad("expected one of paragraph, source, incident, engagement, policy");
            }
        }
        "post" => {
            if !upper_word(value, 32) {
                return bad("expected a post code such as OTTAWA");
            }
        }
        "country" => {
            if !(value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase())) {
                return bad("expected an ISO 3166-1 alpha-3 code such as CAN");
            }
        }
        "tasking" => {
            if chancery_domain::ids::TaskingRef::parse(value).is_err() {
                return bad("expected a tasking reference such as CHN-2026-0001");
            }
        }
        "section" => {
            if chancery_domain::ids::SectionKey::parse(value).is_err() {
                return bad("expected a section key such as summary");
            }
        }
        "year" => {
            let ok = value.len() == 4
                && value.bytes().all(|b| b.is_ascii_digit())
                && ("1900"..="2100").contains(&value);
            if !ok {
                return bad("expected a year from 1900 to 2100");
            }
        }
        "classification" => {
            if Classification::parse(value).is_err() || value != value.trim() {
                return bad("expected one of U, SBU, C, S");
            }
        }
        "grade" => {
            let b = value.as_bytes();
            let ok = b.len() == 2 && (b'A'..=b'F').contains(&b[0]) && (b'1'..=b'6').contains(&b[1]);
            if !ok {
                return bad("expected a source grade such as B2 (A–F then 1–6)");
            }
        }
        _ => {
            return Err(QueryError::BadFilter(format!(
                "unknown filter {name:?}: filters are {}",
                FACETS.join(", ")
            )));
        }
    }
    Ok(())
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

/// The clauses of a Boolean query.
type Clauses = Vec<(Occur, Box<dyn Query>)>;

fn all_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(AllQuery),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Must, q)).collect(),
        )),
    }
}

impl SearchIndex {
    /// What `actor` may see, as a query: the clearance check on the level field and the
    /// role's scope on the post, status and tasking fields, restating `access::may_see`
    /// (a test checks both agree on generated cases).
    pub fn visibility(&self, actor: &Actor) -> Box<dyn Query> {
        let f = &self.fields;
        let cleared: Box<dyn Query> = Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_u64(f.level, 0)),
            Bound::Included(Term::from_field_u64(f.level, rank(actor.clearance))),
        ));
        let statuses = |list: &[ReportStatus]| {
            any_of(list.iter().map(|s| term(f.rstatus, s.code())).collect())
        };
        let paragraph = term(f.kind, DocKind::Paragraph.code());
        let paragraphs: Box<dyn Query> = match (actor.role, actor.post.as_ref()) {
            (Role::PostDrafter | Role::PostApprover, Some(post)) => all_of(vec![
                paragraph,
                term(f.topen, "1"),
                term(f.addressee, post.as_str()),
                any_of(vec![
                    term(f.post, post.as_str()),
                    term(f.rstatus, ReportStatus::Accepted.code()),
                ]),
            ]),
            // A post-scoped role without a post (never built) sees no paragraph of any post.
            (Role::PostDrafter | Role::PostApprover, None) => Box::new(EmptyQuery),
            (Role::HqEditor, _) => all_of(vec![
                paragraph,
                statuses(&[
                    ReportStatus::Transmitted,
                    ReportStatus::Accepted,
                    ReportStatus::Returned,
                ]),
            ]),
            (Role::Reader, _) => all_of(vec![
                paragraph,
                term(f.topen, "1"),
                statuses(&[ReportStatus::Transmitted, ReportStatus::Accepted]),
            ]),
            (Role::Admin, _) => all_of(vec![
                paragraph,
                statuses(&[ReportStatus::Transmitted, ReportStatus::Accepted]),
            ]),
        };
        let record_kinds = any_of(
            DocKind::ALL
                .into_iter()
                .filter(|k| *k != DocKind::Paragraph)
                .map(|k| term(f.kind, k.code()))
                .collect(),
        );
        let records: Box<dyn Query> = if actor.role.is_post_scoped() {
            let mut open = vec![
                term(f.owned, "0"),
                term(f.class, Classification::Unclassified.code()),
            ];
            if let Some(post) = &actor.post {
                open.push(term(f.post, post.as_str()));
            }
            all_of(vec![record_kinds, any_of(open)])
        } else {
            record_kinds
        };
        all_of(vec![cleared, any_of(vec![paragraphs, records])])
    }

    /// The text part of a query: per clause, the union over the language fields; clauses
    /// that are stop words in the deployment language (or in every language) are ignored.
    fn text_query(&self, parsed: &ParsedQuery) -> Result<(Clauses, Vec<String>), QueryError> {
        let mut must = Vec::new();
        let mut must_not = Vec::new();
        let mut ignored = Vec::new();
        for clause in &parsed.clauses {
            let mut per_field: Vec<Box<dyn Query>> = Vec::new();
            match &clause.what {
                Needle::Word(w) | Needle::Phrase(w) => {
                    let has_text = w.chars().any(char::is_alphanumeric);
                    let is_stop = has_text
                        && self.default_lang.tokens(w).is_empty()
                        && matches!(clause.what, Needle::Word(_));
                    if !is_stop {
                        for (lang, field) in &self.fields.text {
                            let tokens = lang.tokens(w);
                            match tokens.len() {
                                0 => {}
                                1 => per_field.push(Box::new(TermQuery::new(
                                    Term::from_field_text(*field, &tokens[0].1),
                                    IndexRecordOption::WithFreqs,
                                ))),
                                _ => per_field.push(Box::new(PhraseQuery::new_with_offset(
                                    tokens
                                        .iter()
                                        .map(|(pos, t)| (*pos, Term::from_field_text(*field, t)))
                                        .collect(),
                                ))),
                            }
                        }
                    }
                    if per_field.is_empty() {
                        if has_text {
                            ignored.push(w.clone());
                        }
                        continue;
                    }
                }
                Needle::Prefix(p) => {
                    let folded = fold(p);
                    let [single] = folded.as_slice() else {
                        return Err(QueryError::BadFilter(format!(
                            "prefix {p}*: a prefix is one word (letters and digits only)"
                        )));
                    };
                    // One automaton for every language field.
                    let regex = tantivy_fst::Regex::new(&format!("{}.*", regex_escape(single)))
                        .map(Arc::new)
                        .map_err(|_| {
                            QueryError::BadFilter(format!("prefix {p}*: cannot be searched"))
                        })?;
                    for (_, field) in &self.fields.text {
                        per_field.push(Box::new(RegexQuery::from_regex(regex.clone(), *field)));
                    }
                }
            }
            let q = any_of(per_field);
            if clause.exclude {
                must_not.push(q);
            } else {
                must.push(q);
            }
        }
        if must.is_empty() {
            if !ignored.is_empty() {
                return Err(QueryError::OnlyStopWords(ignored.join(", ")));
            }
            return Err(QueryError::OnlyExclusions);
        }
        let mut clauses: Clauses = must.into_iter().map(|q| (Occur::Must, q)).collect();
        clauses.extend(must_not.into_iter().map(|q| (Occur::MustNot, q)));
        Ok((clauses, ignored))
    }

    /// Runs a search as `actor`.
    pub fn search(&self, actor: &Actor, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        req.check()?;
        let parsed = parse(&req.q)?;
        let (clauses, ignored) = self.text_query(&parsed)?;
        // The text alone (for snippets); the search itself is one flat conjunction of the
        // text clauses and the filters, so tantivy intersects them in one step, driven by the
        // sparsest clause.
        let text: Box<dyn Query> = Box::new(BooleanQuery::new(
            clauses.iter().map(|(o, q)| (*o, q.box_clone())).collect(),
        ));
        let f = &self.fields;
        let visibility = self.visibility(actor);
        let searcher = self.reader.searcher();
        // BM25 statistics over what this viewer may see (see `stats`), and that set as a bit
        // set per segment, the filter; unless switched off for a benchmark's comparison.
        let stats = if self
            .index_wide_stats
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            None
        } else {
            let text_fields: Vec<Field> = f.text.iter().map(|(_, field)| *field).collect();
            Some(self.stats.get(
                &searcher,
                &VisibilityClass::of(actor),
                &*visibility,
                &text_fields,
            )?)
        };
        let mut filters: Vec<Box<dyn Query>> = vec![match &stats {
            Some(s) => Box::new(VisibleQuery(s.clone())),
            None => visibility.box_clone(),
        }];
        for (name, value) in &req.filters {
            let field = f
                .facets()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, field)| field)
                .ok_or_else(|| QueryError::BadFilter(format!("unknown filter {name:?}")))?;
            let value = if name == "classification" {
                Classification::parse(value)
                    .map(|c| c.code().to_string())
                    .unwrap_or_else(|_| value.clone())
            } else {
                value.clone()
            };
            filters.push(term(field, &value));
        }
        let mut conjunction = clauses;
        conjunction.extend(filters.into_iter().map(|q| {
            let q: Box<dyn Query> = Box::new(ConstScoreQuery::new(q, 0.0));
            (Occur::Must, q)
        }));
        let query = BooleanQuery::new(conjunction);

        let offset = (req.page - 1) * req.per_page;
        let limit = usize::try_from(req.per_page).unwrap_or(20);
        // BM25, then recency (newer first) on equal scores, then a hash of the key (so equal
        // documents come in the same order whatever segments they landed in). The two columns
        // are read only for a document whose score can still enter the page.
        let top = TopDocs::with_limit(limit)
            .and_offset(usize::try_from(offset).unwrap_or(usize::MAX))
            .order_by((
                SortBySimilarityScore,
                (
                    SortByStaticFastValue::<u64>::for_field("recency"),
                    Order::Desc,
                ),
                (
                    SortByStaticFastValue::<u64>::for_field("order"),
                    Order::Desc,
                ),
            ));
        let facets = FacetCollector {
            fields: f.facets().iter().map(|(n, f)| (*n, *f)).collect(),
            terms: &self.facet_terms,
        };
        let collectors = (Count, top, facets);
        let (total, top, facet_counts) = match &stats {
            Some(stats) => {
                searcher.search_with_statistics_provider(&query, &collectors, &**stats)?
            }
            None => searcher.search(&query, &collectors)?,
        };
        let total = total as u64;
        let pages = total.div_ceil(req.per_page).max(1);
        if req.page > pages {
            return Err(QueryError::PageBeyondEnd {
                page: req.page,
                last: pages,
            }
            .into());
        }
        let mut generators: HashMap<Lang, SnippetGenerator> = HashMap::new();
        let mut hits = Vec::new();
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |field: Field| -> Option<String> {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let lang = Lang::from_code(&get(f.lang).unwrap_or_default());
            let lang = if get(f.lang).as_deref() == Some("xx") {
                Lang::Other
            } else {
                lang
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = generators.entry(lang) {
                slot.insert(snippet_generator(
                    &searcher,
                    stats.as_deref(),
                    &*text,
                    f.text_of(lang),
                )?);
            }
            let body = get(f.body).unwrap_or_default();
            // The passage of the body that matches; else the title, if that is what matched;
            // else the start of the body.
            let snippet_html = generators
                .get(&lang)
                .and_then(|g| {
                    [body.as_str(), get(f.title).unwrap_or_default().as_str()]
                        .into_iter()
                        .map(|text| g.snippet(text))
                        .find(|s| !s.highlighted().is_empty())
                        .map(|s| s.to_html())
                })
                .unwrap_or_else(|| escape_prefix(&body, SNIPPET_CHARS));
            hits.push(Hit {
                kind: get(f.kind).unwrap_or_default(),
                title: get(f.title).unwrap_or_default(),
                snippet_html,
                link: get(f.link).unwrap_or_default(),
                classification: get(f.class).unwrap_or_default(),
                post: get(f.post),
                country: get(f.country),
                tasking: get(f.tasking),
                section: get(f.section),
                year: get(f.year),
                grade: get(f.grade),
                version: doc.get_first(f.version).and_then(|v| v.as_i64()),
                revision: doc.get_first(f.revision).and_then(|v| v.as_i64()),
                key: get(f.key).unwrap_or_default(),
            });
        }
        Ok(SearchResults {
            query: parsed.to_string(),
            total,
            page: req.page,
            per_page: req.per_page,
            pages,
            hits,
            facets: facet_counts.into_sorted(),
            ignored,
        })
    }
}

/// A snippet generator for `field`: tantivy's, with each query term weighted by its document
/// frequency among the visible documents when `stats` is given.
fn snippet_generator(
    searcher: &Searcher,
    stats: Option<&VisibleStats>,
    query: &dyn Query,
    field: Field,
) -> tantivy::Result<SnippetGenerator> {
    let Some(stats) = stats else {
        let mut g = SnippetGenerator::create(searcher, query, field)?;
        g.set_max_num_chars(SNIPPET_CHARS);
        return Ok(g);
    };
    let mut terms = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term.clone());
        }
    });
    let mut weights = BTreeMap::new();
    for term in terms {
        if let Some(text) = term.value().as_str()
            && let Some(w) = stats.snippet_weight(&term)?
        {
            weights.insert(text.to_string(), w);
        }
    }
    Ok(SnippetGenerator::new(
        weights,
        searcher.index().tokenizer_for_field(field)?,
        field,
        SNIPPET_CHARS,
    ))
}

/// The first `max` characters of `text`, HTML-escaped (a snippet when no word matched the
/// body, e.g. a match in the title only).
fn escape_prefix(text: &str, max: usize) -> String {
    let cut: String = text.chars().take(max).collect();
    let mut out = String::with_capacity(cut.len());
    for c in cut.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

/// Counts facet values over every matching document (the same set `Count` counts).
struct FacetCollector<'a> {
    fields: Vec<(&'static str, Field)>,
    terms: &'a FacetTerms,
}

/// Each segment's facet values by ordinal, read from its dictionaries once (segments never
/// change; a search would otherwise decode a dictionary block per value it counted).
#[derive(Default)]
pub(crate) struct FacetTerms(
    std::sync::Mutex<HashMap<(tantivy::index::SegmentId, Field), TermList>>,
);

/// A facet's values by ordinal.
type TermList = Arc<[String]>;

/// Segment-and-field entries kept at most (then all forgotten: merged-away segments').
const MAX_FACET_TERM_LISTS: usize = 512;

impl FacetTerms {
    fn of(
        &self,
        segment: tantivy::index::SegmentId,
        field: Field,
        column: &tantivy::columnar::StrColumn,
    ) -> Arc<[String]> {
        let lock = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(t) = lock().get(&(segment, field)) {
            return t.clone();
        }
        let dictionary = column.dictionary();
        let terms: Arc<[String]> = (0..column.num_terms() as u64)
            .map(|ord| {
                let mut bytes = Vec::new();
                match dictionary.ord_to_term(ord, &mut bytes) {
                    Ok(true) => String::from_utf8(bytes).unwrap_or_default(),
                    _ => String::new(),
                }
            })
            .collect();
        let mut map = lock();
        if map.len() >= MAX_FACET_TERM_LISTS {
            map.clear();
        }
        map.insert((segment, field), terms.clone());
        terms
    }
}

/// Facet counts.
struct FacetFruit {
    counts: BTreeMap<String, HashMap<String, u64>>,
}

impl FacetFruit {
    fn into_sorted(self) -> BTreeMap<String, Vec<FacetCount>> {
        self.counts
            .into_iter()
            .map(|(name, values)| {
                let mut list: Vec<FacetCount> = values
                    .into_iter()
                    .filter(|(v, _)| !v.is_empty())
                    .map(|(value, count)| FacetCount { value, count })
                    .collect();
                list.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                (name, list)
            })
            .collect()
    }
}

/// One facet's column in a segment, its counts by ordinal, and its values by ordinal.
type FacetColumn = (
    &'static str,
    Option<tantivy::columnar::StrColumn>,
    Vec<u64>,
    Arc<[String]>,
);

struct FacetSegment {
    columns: Vec<FacetColumn>,
    /// Matching documents not counted yet: counted a block at a time, one column after the
    /// other, which reads each column's values in a batch.
    pending: Vec<DocId>,
    /// Scratch for one block's ordinals.
    ords: Vec<Option<u64>>,
}

/// Documents per facet-counting block.
const FACET_BLOCK: usize = 1024;

impl FacetSegment {
    fn flush(&mut self) {
        let docs = &self.pending;
        let ords = &mut self.ords[..docs.len()];
        for (_, column, counts, _) in &mut self.columns {
            let Some(column) = column else { continue };
            ords.fill(None);
            column.ords().first_vals(docs, ords);
            for ord in ords.iter().flatten() {
                if let Some(slot) = usize::try_from(*ord).ok().and_then(|o| counts.get_mut(o)) {
                    *slot += 1;
                }
            }
        }
        self.pending.clear();
    }
}

impl Collector for FacetCollector<'_> {
    type Fruit = FacetFruit;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let mut columns = Vec::new();
        for (name, field) in &self.fields {
            let field_name = segment.schema().get_field_name(*field).to_string();
            let column = segment.fast_fields().str(&field_name)?;
            let size = column.as_ref().map_or(0, |c| c.num_terms());
            let terms = column.as_ref().map_or_else(
                || Arc::from(Vec::new()),
                |c| self.terms.of(segment.segment_id(), *field, c),
            );
            columns.push((*name, column, vec![0u64; size], terms));
        }
        Ok(FacetSegment {
            columns,
            pending: Vec::with_capacity(FACET_BLOCK),
            ords: vec![None; FACET_BLOCK],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(&'static str, HashMap<String, u64>)>>,
    ) -> tantivy::Result<FacetFruit> {
        let mut counts: BTreeMap<String, HashMap<String, u64>> = self
            .fields
            .iter()
            .map(|(n, _)| (n.to_string(), HashMap::new()))
            .collect();
        for fruit in fruits {
            for (name, values) in fruit {
                let entry = counts.entry(name.to_string()).or_default();
                for (v, c) in values {
                    *entry.entry(v).or_default() += c;
                }
            }
        }
        Ok(FacetFruit { counts })
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Vec<(&'static str, HashMap<String, u64>)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == FACET_BLOCK {
            self.flush();
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.flush();
        self.columns
            .into_iter()
            .map(|(name, _, counts, terms)| {
                let mut out = HashMap::new();
                for (ord, n) in counts.into_iter().enumerate() {
                    if n > 0
                        && let Some(term) = terms.get(ord)
                    {
                        out.insert(term.clone(), n);
                    }
                }
                (name, out)
            })
            .collect()
    }
}
