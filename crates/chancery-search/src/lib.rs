//! Chancery's search (issue 6).
//!
//! - **A derived cache.** The tantivy index is built from the database and never written to
//!   by anything else. Every write transaction that changes something searchable appends a
//!   row to the search outbox (the store does it next to the audit append); each server
//!   applies the rows after the position its own index last committed
//!   ([`SearchIndex::catch_up`]), and that position is stored in the index's commit payload,
//!   so documents and position change together. `chancery search reindex` rebuilds from
//!   scratch ([`SearchIndex::rebuild`]).
//! - **Clearance inside the query.** [`SearchIndex::visibility`] restates
//!   `access::may_see` as a tantivy query that is part of every search, so totals, facet
//!   counts, pages and snippets are computed only over what the viewer may see.
//! - **Ranking from what the viewer may see.** BM25 statistics (document count, field
//!   lengths, document frequencies) and snippet term weights are computed over the documents
//!   the viewer's visibility query matches, cached per searcher generation and visibility
//!   class, so documents a viewer may not see never change their order or snippets.
//! - **Languages.** One text field per language, each with its analyzer (stop words,
//!   Snowball stemmer, accent folding); a source is indexed in its own language, reports and
//!   records in the deployment's; queries search every language field.

mod doc;
mod error;
mod index;
mod lang;
mod parse;
mod query;
mod schema;
mod stats;
mod sync;

pub use doc::{Access, DocKind, SearchDoc};
pub use error::SearchError;
pub use index::{IndexState, SearchIndex};
pub use lang::Lang;
pub use parse::{MAX_QUERY_CHARS, QueryError, parse};
pub use query::{
    DEFAULT_PER_PAGE, FACETS, FacetCount, Hit, MAX_PER_PAGE, SearchRequest, SearchResults,
    check_filter,
};
pub use schema::SCHEMA_VERSION;
pub use sync::SyncReport;
