//! BM25 statistics over what the viewer may see.
//!
//! tantivy's default statistics (document count, average field length, document frequency of
//! each term) cover the whole index, so paragraphs a viewer may not read would change the
//! order of the results they may read, and the snippet chosen for them. Each search instead
//! scores with statistics computed over the documents the viewer's visibility query matches:
//! two indexes that agree on what a viewer may see give that viewer the same ranking and
//! snippets, whatever else they hold.
//!
//! Per searcher generation and visibility class (clearance, role, post), the visible
//! documents of each segment are kept as a bit set, together with their count and the sum of
//! their field lengths; document frequencies are counted on demand by walking a term's
//! postings through that bit set, and remembered for the generation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{
    Bm25StatisticsProvider, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{
    BitSet, DocId, DocSet, Score, Searcher, SeekDangerResult, SegmentOrdinal, SegmentReader,
    TERMINATED, Term,
};

/// Document frequencies remembered per class and generation, at most (then forgotten).
const MAX_CACHED_TERMS: usize = 50_000;
/// Visibility classes remembered per generation, at most (then forgotten).
const MAX_CACHED_CLASSES: usize = 64;

/// Who is searching, as far as visibility goes: the parts of an actor `visibility` reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct VisibilityClass {
    pub clearance: u64,
    pub role: chancery_domain::user::Role,
    pub post: Option<String>,
}

impl VisibilityClass {
    /// The class of `actor`.
    pub fn of(actor: &chancery_domain::user::Actor) -> VisibilityClass {
        VisibilityClass {
            clearance: crate::doc::rank(actor.clearance),
            role: actor.role,
            post: actor.post.as_ref().map(|p| p.as_str().to_string()),
        }
    }
}

/// The statistics of the documents one visibility class may see, in one searcher generation.
pub(crate) struct VisibleStats {
    /// Per segment (in searcher order), the visible live documents.
    visible: Vec<Arc<BitSet>>,
    /// The segments' ids, in the same order.
    segments: Vec<tantivy::index::SegmentId>,
    num_docs: u64,
    tokens: HashMap<Field, u64>,
    doc_freq: Mutex<HashMap<Term, u64>>,
    /// The segments' readers, for walking postings.
    searcher: Searcher,
}

/// Caches [`VisibleStats`] for the current searcher generation.
#[derive(Default)]
pub(crate) struct StatsCache {
    generation: Mutex<(u64, HashMap<VisibilityClass, Arc<VisibleStats>>)>,
}

impl StatsCache {
    /// The statistics of `class` in `searcher`'s generation, computed from `visibility` (the
    /// class's query) unless already known.
    pub fn get(
        &self,
        searcher: &Searcher,
        class: &VisibilityClass,
        visibility: &dyn Query,
        text_fields: &[Field],
    ) -> tantivy::Result<Arc<VisibleStats>> {
        let generation = searcher.generation().generation_id();
        {
            let guard = self.lock();
            if guard.0 == generation
                && let Some(s) = guard.1.get(class)
            {
                return Ok(s.clone());
            }
        }
        let stats = Arc::new(VisibleStats::compute(searcher, visibility, text_fields)?);
        let mut guard = self.lock();
        if guard.0 != generation {
            *guard = (generation, HashMap::new());
        }
        if guard.1.len() >= MAX_CACHED_CLASSES {
            guard.1.clear();
        }
        guard.1.insert(class.clone(), stats.clone());
        Ok(stats)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, (u64, HashMap<VisibilityClass, Arc<VisibleStats>>)> {
        // A panic while holding the lock leaves nothing half-written worth refusing: the map
        // only ever holds complete entries.
        self.generation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl VisibleStats {
    fn compute(
        searcher: &Searcher,
        visibility: &dyn Query,
        text_fields: &[Field],
    ) -> tantivy::Result<VisibleStats> {
        let collector = VisibleCollector {
            fields: text_fields.to_vec(),
        };
        let mut per_segment = searcher.search(visibility, &collector)?;
        per_segment.sort_by_key(|s| s.0);
        let mut tokens: HashMap<Field, u64> = text_fields.iter().map(|f| (*f, 0)).collect();
        let mut num_docs = 0;
        let mut visible = Vec::with_capacity(per_segment.len());
        for (_, bits, count, sums) in per_segment {
            num_docs += count;
            for (field, n) in sums {
                *tokens.entry(field).or_default() += n;
            }
            visible.push(Arc::new(bits));
        }
        Ok(VisibleStats {
            segments: searcher
                .segment_readers()
                .iter()
                .map(SegmentReader::segment_id)
                .collect(),
            visible,
            num_docs,
            tokens,
            doc_freq: Mutex::new(HashMap::new()),
            searcher: searcher.clone(),
        })
    }

    fn df_cache(&self) -> std::sync::MutexGuard<'_, HashMap<Term, u64>> {
        self.doc_freq
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Number of visible documents containing `term`.
    fn count(&self, term: &Term) -> tantivy::Result<u64> {
        let mut n = 0;
        for (reader, bits) in self.searcher.segment_readers().iter().zip(&self.visible) {
            let inverted = reader.inverted_index(term.field())?;
            let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if bits.contains(doc) {
                    n += 1;
                }
                doc = postings.advance();
            }
        }
        Ok(n)
    }

    /// The weight a snippet gives a matched term (tantivy's own rule, `1 / (1 + df)`), with
    /// the visible document frequency.
    pub fn snippet_weight(&self, term: &Term) -> tantivy::Result<Option<Score>> {
        let df = self.doc_freq(term)?;
        Ok((df > 0).then(|| 1.0 / (1.0 + df as Score)))
    }
}

impl Bm25StatisticsProvider for VisibleStats {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.tokens.get(&field).copied().unwrap_or(0))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        // BM25 divides by it; an empty visible set scores nothing anyway.
        Ok(self.num_docs.max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(n) = self.df_cache().get(term) {
            return Ok(*n);
        }
        let n = self.count(term)?;
        let mut c = self.df_cache();
        if c.len() >= MAX_CACHED_TERMS {
            c.clear();
        }
        c.insert(term.clone(), n);
        Ok(n)
    }
}

/// The visible documents of a class as a query: the cached bit sets, so filtering by
/// visibility costs an intersection with a bit set instead of evaluating the level range and
/// scope terms again on every search. The same set as the visibility query it was built from.
#[derive(Clone)]
pub(crate) struct VisibleQuery(pub Arc<VisibleStats>);

impl std::fmt::Debug for VisibleQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VisibleQuery({} documents)", self.0.num_docs)
    }
}

impl Query for VisibleQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for VisibleQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let id = reader.segment_id();
        Ok(match self.0.segments.iter().position(|s| *s == id) {
            Some(i) => Box::new(VisibleDocs::new(self.0.visible[i].clone(), boost)),
            // A segment of another generation (never: the statistics are per generation).
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let id = reader.segment_id();
        let visible = self
            .0
            .segments
            .iter()
            .position(|s| *s == id)
            .is_some_and(|i| self.0.visible[i].contains(doc));
        if visible {
            Ok(Explanation::new("visible to the viewer", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is not visible"
            )))
        }
    }
}

/// One segment's visible documents as a scorer built to follow: a search intersects them
/// with the text query, and testing a document is one bit, so its cost is set above any
/// posting list's (the intersection then walks the text's matches and tests each here, never
/// the hundreds of thousands of visible documents), and `seek_danger` answers without
/// scanning for the next visible document.
struct VisibleDocs {
    bits: Arc<BitSet>,
    doc: DocId,
    boost: Score,
}

impl VisibleDocs {
    fn new(bits: Arc<BitSet>, boost: Score) -> VisibleDocs {
        let mut docs = VisibleDocs {
            bits,
            doc: 0,
            boost,
        };
        docs.doc = docs.next_from(0);
        docs
    }

    fn bits(&self) -> &BitSet {
        &self.bits
    }

    /// The first visible document at or after `target`, or `TERMINATED`.
    fn next_from(&self, target: DocId) -> DocId {
        let bits = self.bits();
        if target >= bits.max_value() {
            return TERMINATED;
        }
        let bucket = target / 64;
        let mut first = bits.tinyset(bucket);
        while let Some(low) = first.pop_lowest() {
            if low >= target % 64 {
                return bucket * 64 + low;
            }
        }
        match bits.first_non_empty_bucket(bucket + 1) {
            Some(b) => bits
                .tinyset(b)
                .pop_lowest()
                .map_or(TERMINATED, |low| b * 64 + low),
            None => TERMINATED,
        }
    }
}

impl DocSet for VisibleDocs {
    fn advance(&mut self) -> DocId {
        self.doc = if self.doc == TERMINATED {
            TERMINATED
        } else {
            self.next_from(self.doc + 1)
        };
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.next_from(target);
        }
        self.doc
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= self.bits().max_value() {
            self.doc = TERMINATED;
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        if self.bits().contains(target) {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            SeekDangerResult::SeekLowerBound(target + 1)
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        u32::try_from(self.bits().len()).unwrap_or(u32::MAX)
    }

    fn cost(&self) -> u64 {
        u64::from(u32::MAX)
    }
}

impl Scorer for VisibleDocs {
    fn score(&mut self) -> Score {
        self.boost
    }
}

/// Collects, per segment, the visible documents, their number, and the sum of their lengths
/// in each text field.
struct VisibleCollector {
    fields: Vec<Field>,
}

struct VisibleSegment {
    ord: SegmentOrdinal,
    bits: BitSet,
    count: u64,
    norms: Vec<(Field, tantivy::fieldnorm::FieldNormReader, u64)>,
}

type SegmentFruit = (SegmentOrdinal, BitSet, u64, Vec<(Field, u64)>);

impl Collector for VisibleCollector {
    type Fruit = Vec<SegmentFruit>;
    type Child = VisibleSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<VisibleSegment> {
        let mut norms = Vec::with_capacity(self.fields.len());
        for f in &self.fields {
            norms.push((*f, segment.get_fieldnorms_reader(*f)?, 0));
        }
        Ok(VisibleSegment {
            ord,
            bits: BitSet::with_max_value(segment.max_doc()),
            count: 0,
            norms,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Vec<SegmentFruit>> {
        Ok(fruits)
    }
}

impl SegmentCollector for VisibleSegment {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.bits.insert(doc);
        self.count += 1;
        for (_, reader, sum) in &mut self.norms {
            *sum += u64::from(reader.fieldnorm(doc));
        }
    }

    fn harvest(self) -> SegmentFruit {
        (
            self.ord,
            self.bits,
            self.count,
            self.norms.into_iter().map(|(f, _, n)| (f, n)).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;
    use tantivy::{BitSet, DocSet, SeekDangerResult, TERMINATED};

    use super::VisibleDocs;

    fn bits(max: u32, docs: &[u32]) -> Arc<BitSet> {
        let mut b = BitSet::with_max_value(max);
        for d in docs {
            b.insert(*d);
        }
        Arc::new(b)
    }

    proptest! {
        /// Walking with `advance` yields exactly the set, in order; `seek` lands on the first
        /// member at or after the target; `seek_danger` finds members and gives a lower bound
        /// past the target for non-members.
        #[test]
        fn visible_docs_agree_with_the_bit_set(
            max in 1u32..2_000,
            raw in proptest::collection::vec(0u32..2_000, 0..300),
            targets in proptest::collection::vec(0u32..2_100, 1..40),
        ) {
            let docs: std::collections::BTreeSet<u32> = raw.into_iter().filter(|d| *d < max).collect();
            let list: Vec<u32> = docs.iter().copied().collect();
            let set = bits(max, &list);

            let mut walk = VisibleDocs::new(set.clone(), 1.0);
            let mut seen = Vec::new();
            while walk.doc() != TERMINATED {
                seen.push(walk.doc());
                walk.advance();
            }
            prop_assert_eq!(&seen, &list);

            let mut sorted = targets.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let mut seeker = VisibleDocs::new(set.clone(), 1.0);
            for t in &sorted {
                // `seek` never moves backwards: a target at or behind the cursor keeps it.
                let cur = seeker.doc();
                let expected = if *t <= cur {
                    cur
                } else {
                    docs.range(*t..).next().copied().unwrap_or(TERMINATED)
                };
                prop_assert_eq!(seeker.seek(*t), expected);
                prop_assert_eq!(seeker.doc(), expected);
            }
            let mut danger = VisibleDocs::new(set, 1.0);
            for t in &sorted {
                match danger.seek_danger(*t) {
                    SeekDangerResult::Found => {
                        prop_assert!(docs.contains(t));
                        prop_assert_eq!(danger.doc(), *t);
                    }
                    SeekDangerResult::SeekLowerBound(bound) => {
                        prop_assert!(!docs.contains(t));
                        let next = docs.range(*t..).next().copied().unwrap_or(TERMINATED);
                        prop_assert!(bound > *t && bound <= next, "bound {} for target {} (next {})", bound, t, next);
                    }
                }
            }
        }
    }
}
