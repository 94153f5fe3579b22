//! The Chancery side of `bench/search.sh`: builds an index from a JSON-lines corpus (written
//! by `bench/search_corpus.py`) and times the fixed query mix, warm, as a reader cleared for
//! `C`. Prints one JSON line: build rate, p50/p99 latency, resident memory.
//!
//! Usage: search_bench CORPUS QUERIES INDEX_DIR ROUNDS
//!
//! With `REUSE=1` the index an earlier run left in INDEX_DIR is searched without rebuilding
//! (for profiling queries; the build figures are then meaningless).

use std::io::BufRead;
use std::time::Instant;

use chancery_domain::Classification;
use chancery_domain::ids::Username;
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;
use chancery_domain::user::{Actor, Role};
use chancery_search::{Access, DocKind, IndexState, Lang, SearchDoc, SearchIndex, SearchRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, corpus, queries, dir, rounds] = args.as_slice() else {
        return Err("usage: search_bench CORPUS QUERIES INDEX_DIR ROUNDS".into());
    };
    let rounds: usize = rounds.parse()?;
    let dir = std::path::Path::new(dir);
    let index = SearchIndex::open_dir(dir, Lang::En)?;

    let started = Instant::now();
    let mut n = 0u64;
    let reuse = std::env::var_os("REUSE").is_some();
    if !reuse {
        index.begin_rebuild()?;
        let mut batch = Vec::with_capacity(10_000);
        for line in std::io::BufReader::new(std::fs::File::open(corpus)?).lines() {
            batch.push(doc(&serde_json::from_str(&line?)?)?);
            if batch.len() == 10_000 {
                index.add(&batch)?;
                n += batch.len() as u64;
                batch.clear();
            }
        }
        n += batch.len() as u64;
        index.add(&batch)?;
        index.finish_rebuild(&IndexState {
            schema: chancery_search::SCHEMA_VERSION,
            ..IndexState::default()
        })?;
    }
    let build = started.elapsed().as_secs_f64();

    let reader = Actor::new(
        Username::parse("bench.reader")?,
        Role::Reader,
        Classification::Confidential,
        None,
    )?;
    let queries: Vec<String> = std::fs::read_to_string(queries)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let request = |q: &str| SearchRequest {
        q: q.to_string(),
        filters: Default::default(),
        page: 1,
        per_page: 20,
    };
    // The first query after a commit computes the viewer's visible-document statistics
    // (then cached for the searcher generation): timed on its own.
    let t = Instant::now();
    let mut totals = vec![index.search(&reader, &request(&queries[0]))?.total];
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    for q in &queries[1..] {
        totals.push(index.search(&reader, &request(q))?.total);
    }
    let visible = time_mix(&index, &reader, &queries, rounds, &request)?;
    // The same mix scored with tantivy's index-wide statistics, for the cost of the above.
    index.use_index_wide_statistics(true);
    let index_wide = time_mix(&index, &reader, &queries, rounds, &request)?;
    index.use_index_wide_statistics(false);
    let per_query: Vec<serde_json::Value> = queries
        .iter()
        .zip(&visible.per_query)
        .zip(&totals)
        .map(|((q, ms), total)| serde_json::json!({"q": q, "median_ms": round3(*ms), "total": total}))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "docs": n,
            "build_s": (build * 100.0).round() / 100.0,
            "docs_per_s": (n as f64 / build).round(),
            "p50_ms": round3(visible.p50),
            "p99_ms": round3(visible.p99),
            "index_wide_p50_ms": round3(index_wide.p50),
            "index_wide_p99_ms": round3(index_wide.p99),
            "first_query_ms": round3(first_ms),
            "rss_mb": rss_mb(),
            "per_query": per_query,
        })
    );
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

struct Timings {
    p50: f64,
    p99: f64,
    /// Median per query of the mix, in its order.
    per_query: Vec<f64>,
}

/// Runs the mix `rounds` times (warm) and returns the latency percentiles in ms.
fn time_mix(
    index: &SearchIndex,
    actor: &Actor,
    queries: &[String],
    rounds: usize,
    request: &dyn Fn(&str) -> SearchRequest,
) -> Result<Timings, Box<dyn std::error::Error>> {
    let mut all = Vec::new();
    let mut per_query = vec![Vec::new(); queries.len()];
    for _ in 0..rounds {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let r = index.search(actor, &request(q))?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(r);
            all.push(ms);
            per_query[i].push(ms);
        }
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
    };
    Ok(Timings {
        p50: pct(&mut all, 0.5),
        p99: pct(&mut all, 0.99),
        per_query: per_query.iter_mut().map(|v| pct(v, 0.5)).collect(),
    })
}

fn doc(v: &serde_json::Value) -> Result<SearchDoc, Box<dyn std::error::Error>> {
    let s = |k: &str| v[k].as_str().map(str::to_string);
    let kind = DocKind::parse(v["kind"].as_str().unwrap_or("")).ok_or("bad kind")?;
    let marking = Classification::parse(v["marking"].as_str().unwrap_or(""))?;
    let access = match kind {
        DocKind::Paragraph => Access::Paragraph {
            tasking_status: TaskingStatus::Issued,
            tasking_marking: Classification::Unclassified,
            addressees: vec![s("post").unwrap_or_default()],
            report_status: ReportStatus::parse(v["status"].as_str().unwrap_or(""))
                .ok_or("bad status")?,
        },
        _ => Access::Record { owner: None },
    };
    Ok(SearchDoc {
        key: s("key").unwrap_or_default(),
        object: s("key").unwrap_or_default(),
        kind,
        title: s("title").unwrap_or_default(),
        body: s("body").unwrap_or_default(),
        lang: Lang::from_code(v["lang"].as_str().unwrap_or("en")),
        marking,
        post: s("post"),
        country: s("country"),
        tasking: s("tasking"),
        section: s("section"),
        date: s("date"),
        grade: s("grade"),
        version: None,
        revision: None,
        link: String::new(),
        access,
    })
}

/// Resident memory of this process, in MiB (Linux).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}
