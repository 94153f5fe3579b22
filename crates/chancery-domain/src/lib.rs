//! Chancery's domain: the types and rules of taskings, reports, evidence and clearance.
//!
//! Pure code: no I/O, no async, no database. The store persists what these rules decide; the
//! CLI and the web layer build validated types at the edge and call in here.

pub mod access;
pub mod audit;
pub mod classification;
pub mod dates;
pub mod disclosure;
pub mod evidence;
pub mod ids;
pub mod indicator;
pub mod lint;
pub mod markdown;
pub mod post;
pub mod report;
pub mod tasking;
pub mod user;
pub mod workflow;

pub use classification::Classification;
