//! In-memory caches for what a page view derives from stored text: parsed sections and lint
//! findings. Every key is (a hash of) the complete input of the computation it caches, never a
//! mutable id, so an entry can never be stale: a new revision, a regraded source or a new
//! incident is a new key. That keeps the caches correct with any number of app servers over
//! one database without any invalidation. Access decisions are never cached: callers filter
//! cached results for each viewer, every time.
//!
//! What is read from mutable rows (the evidence locker) is kept by data generation
//! ([`chancery_store::Store::generation`]), read from the database just before: an entry kept
//! under generation *g* holds the tables as they were at *g*, so it is exactly what a read now
//! would return while the generation is still *g*.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use chancery_domain::Classification;
use chancery_domain::lint::Finding;
use chancery_domain::markdown::Portion;

/// A map with a size bound: when full, it starts again empty (entries are cheap to recompute,
/// and a bound on memory matters more than the odd recomputation).
#[derive(Debug)]
pub struct BoundedCache<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> BoundedCache<K, V> {
    /// An empty cache holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        BoundedCache {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, V>> {
        // A panic while holding the lock cannot leave a half-written entry (insert is one
        // call), so a poisoned map is still a valid map.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value for `key`, if cached.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock().get(key).cloned()
    }

    /// Stores `value` under `key` and returns it.
    pub fn insert(&self, key: K, value: V) -> V {
        let mut map = self.lock();
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(key, value.clone());
        value
    }

    /// Number of entries (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A section's text split into portions, keyed by the SHA-256 of the stored body (section
/// revisions are immutable) and the marking unmarked portions take.
pub(crate) type SectionKey = (String, Classification);

/// The caches an [`crate::App`] keeps; shared by its clones.
#[derive(Debug)]
pub(crate) struct Caches {
    /// Portions of a section body.
    pub sections: BoundedCache<SectionKey, Arc<[Portion]>>,
    /// All lint findings of a report (before per-viewer filtering), keyed by a digest of every
    /// input of the linter: the tasking spec, each section body, and the evidence facts.
    pub findings: BoundedCache<String, Arc<[Finding]>>,
    /// The evidence facts the linter resolves citations against, by data generation.
    pub evidence: BoundedCache<i64, Arc<crate::reports::Evidence>>,
    /// Every source (before filtering per viewer), by data generation.
    pub sources: BoundedCache<i64, Arc<[chancery_store::SourceRow]>>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            sections: BoundedCache::new(4096),
            findings: BoundedCache::new(1024),
            evidence: BoundedCache::new(4),
            sources: BoundedCache::new(4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_starts_again_and_stays_bounded() {
        let c = BoundedCache::new(3);
        for i in 0..10 {
            c.insert(i, i * 2);
            assert!(c.len() <= 3);
        }
        assert_eq!(c.get(&9), Some(18));
        assert_eq!(c.get(&0), None);
    }
}
