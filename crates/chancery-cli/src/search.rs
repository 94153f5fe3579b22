//! `chancery search QUERY` and `chancery search reindex` (issue 6).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use chancery_app::App;
use chancery_search::{DEFAULT_PER_PAGE, Lang, SearchError, SearchIndex, SearchRequest};
use chancery_store::{OpenMode, Store};
use clap::{Args, Subcommand};

use crate::output::Out;

/// `search` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SearchArgs {
    /// What to do instead of searching.
    #[command(subcommand)]
    pub command: Option<SearchCmd>,
    /// The query: words, "a phrase" (quote it for the shell too), -excluded, prefix*.
    pub query: Vec<String>,
    /// A filter NAME=VALUE (kind, post, country, tasking, section, year, classification,
    /// grade); repeat for several.
    #[arg(long = "filter", short = 'f', value_name = "NAME=VALUE")]
    pub filters: Vec<String>,
    /// Page, from 1.
    #[arg(long, default_value_t = 1)]
    pub page: u64,
    /// Results per page (1 to 100).
    #[arg(long, default_value_t = DEFAULT_PER_PAGE)]
    pub per_page: u64,
    /// The index folder (default: next to an SQLite database, `DB.search`; for PostgreSQL,
    /// `./chancery-search`).
    #[arg(long, env = "CHANCERY_SEARCH_INDEX")]
    pub index: Option<PathBuf>,
}

/// `search` subcommands.
#[derive(Debug, Subcommand)]
pub enum SearchCmd {
    /// Rebuild the search index from the database.
    Reindex {
        /// The index folder (default as for `search`).
        #[arg(long, env = "CHANCERY_SEARCH_INDEX")]
        index: Option<PathBuf>,
    },
}

/// Where the index of the database at `url` lives, unless `flag` says: beside an SQLite file
/// (`chancery.db.search`), else `./chancery-search`. `None` for an in-memory database.
pub fn index_dir(url: &str, flag: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir);
    }
    if url.contains(":memory:") {
        return None;
    }
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) => {
            let path = path.split('?').next().unwrap_or(path);
            Some(PathBuf::from(format!("{path}.search")))
        }
        None => Some(PathBuf::from("chancery-search")),
    }
}

/// Opens (or creates) the index for `url`, analysing reports in `lang`.
pub fn open_index(url: &str, flag: Option<PathBuf>, lang: Lang) -> Result<SearchIndex> {
    Ok(match index_dir(url, flag) {
        Some(dir) => SearchIndex::open_dir(&dir, lang)
            .with_context(|| format!("while opening the search index {}", dir.display()))?,
        None => SearchIndex::in_memory(lang)?,
    })
}

/// Runs `chancery search …`.
pub async fn run(
    db: &str,
    as_user: Option<&str>,
    args: SearchArgs,
    lang: Lang,
    out: Out,
) -> Result<()> {
    if let Some(SearchCmd::Reindex { index }) = args.command {
        return reindex(db, index, lang, out).await;
    }
    let Some(name) = as_user else {
        bail!("search shows what a user may see: pass --as USERNAME (see `chancery user list`)");
    };
    let store = Store::open(db, OpenMode::Existing).await?;
    store.check_schema().await?;
    let app = App::new(store.clone());
    let actor = app.actor(name).await?;
    let mut filters = BTreeMap::new();
    for f in &args.filters {
        let Some((k, v)) = f.split_once('=') else {
            bail!("--filter {f:?}: write NAME=VALUE, e.g. --filter post=OTTAWA");
        };
        if filters
            .insert(k.trim().to_string(), v.trim().to_string())
            .is_some()
        {
            bail!("--filter {}: given twice; give each filter once", k.trim());
        }
    }
    let req = SearchRequest {
        q: args.query.join(" "),
        filters,
        page: args.page,
        per_page: args.per_page,
    };
    req.check().map_err(|e| anyhow!("{e}"))?;
    let index = open_index(db, args.index, lang)?;
    match index.catch_up(&store).await {
        Ok(r) if r.rebuilt => eprintln!(
            "search index {}: built from the database ({} documents)",
            index.location, r.docs
        ),
        Ok(_) => {}
        // A running server holds the index's writer and keeps it current: search it as is.
        Err(SearchError::Engine(e)) if e.to_string().contains("lock") => eprintln!(
            "search index {}: in use by a running server, searched as that server keeps it",
            index.location
        ),
        Err(e) => return Err(e).context("while bringing the search index up to date"),
    }
    let results = index.search(&actor, &req).map_err(|e| anyhow!("{e}"))?;
    out.value(&results, || {
        say!(
            "{} result{} for {}{}",
            results.total,
            if results.total == 1 { "" } else { "s" },
            results.query,
            if results.pages > 1 {
                format!(" (page {} of {})", results.page, results.pages)
            } else {
                String::new()
            }
        );
        if !results.ignored.is_empty() {
            say!("ignored common words: {}", results.ignored.join(", "));
        }
        for (i, h) in results.hits.iter().enumerate() {
            let n = (results.page - 1) * results.per_page + i as u64 + 1;
            say!();
            say!("{n:>3}. ({}) {}  [{}]", h.classification, h.title, h.kind);
            say!("     {}", plain(&h.snippet_html));
            say!("     {}", h.link);
        }
        for (facet, values) in &results.facets {
            if values.is_empty() {
                continue;
            }
            let list: Vec<String> = values
                .iter()
                .map(|v| format!("{} {}", v.value, v.count))
                .collect();
            say!("{facet}: {}", list.join(", "));
        }
    })
}

/// A snippet for a terminal: `<b>` becomes `*`, entities are decoded.
fn plain(html: &str) -> String {
    html.replace("<b>", "*")
        .replace("</b>", "*")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace('\n', " ")
}

async fn reindex(db: &str, index: Option<PathBuf>, lang: Lang, out: Out) -> Result<()> {
    let store = Store::open(db, OpenMode::Existing).await?;
    store.check_schema().await?;
    let index = open_index(db, index, lang)?;
    let started = std::time::Instant::now();
    let r = index.rebuild(&store).await.map_err(|e| match e {
        SearchError::Engine(e) if e.to_string().contains("lock") => anyhow!(
            "the search index {} is in use by a running server (which keeps it current); stop it first or pass --index",
            index.location
        ),
        e => anyhow!("{e}"),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    out.value(
        &serde_json::json!({"index": index.location, "documents": r.docs, "seq": r.seq, "seconds": seconds}),
        || {
            say!(
                "search index {}: rebuilt, {} documents (outbox at {}) in {:.1} s",
                index.location,
                r.docs,
                r.seq,
                seconds
            );
        },
    )
}
