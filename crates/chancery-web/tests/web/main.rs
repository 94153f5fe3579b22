//! Web integration tests: the real router over the real demo, in process (harness in
//! `tests/common`). One test binary (one link) for all of them; each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod caches;
mod compiled;
mod concurrency;
mod csrf;
mod flow;
mod forms;
mod headers;
mod login;
mod matrix;
mod pages;
mod reuse;
mod statistics;
mod two_servers;
