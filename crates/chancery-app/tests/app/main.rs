//! App-layer integration tests: every use case through the real `App` on a temp-file SQLite
//! database with the shipped content loaded (fixtures in `tests/common`).
//!
//! One test binary (one link) for all app tests; each module is one area of the design.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[path = "../common/mod.rs"]
mod common;

mod access;
mod demo;
mod edits;
mod evidence;
mod statistics;
mod users;
mod workflow;
