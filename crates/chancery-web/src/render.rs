//! User Markdown to safe HTML: pulldown-cmark renders, ammonia sanitises. Citations `[@S12]`
//! become links into the evidence locker.

use std::sync::Arc;

use chancery_app::cache::BoundedCache;
use pulldown_cmark::{BrokenLink, CowStr, Options, Parser, html};

/// Rendered, sanitised HTML by the exact Markdown it came from. The key is the whole input, so
/// an entry is never stale and any number of servers may keep their own; clearance filtering
/// happens before a paragraph is looked up, so the cache only ever holds text some viewer was
/// entitled to, and serves it only for the same text.
pub type HtmlCache = BoundedCache<String, Arc<str>>;

/// [`markdown`], through `cache`.
pub fn markdown_cached(cache: &HtmlCache, md: &str) -> Arc<str> {
    if let Some(html) = cache.get(md) {
        return html;
    }
    cache.insert(md.to_string(), markdown(md).into())
}

/// Renders Markdown written by users to HTML that is safe to embed in a page.
pub fn markdown(md: &str) -> String {
    let mut cb = |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        let label = link.reference.trim();
        let key = label
            .strip_prefix('@')?
            .split([',', ';'])
            .next()?
            .trim()
            .to_string();
        let anchor = if key.starts_with('S') {
            format!("/sources#{key}")
        } else {
            "#".into()
        };
        Some((anchor.into(), key.into()))
    };
    let parser = Parser::new_with_broken_link_callback(
        md,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        Some(&mut cb),
    );
    let mut out = String::new();
    html::push_html(&mut out, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_stripped_and_citations_linked() {
        let html =
            markdown("Hello <script>alert(1)</script> [@S12, p. 4] and [x](javascript:alert(1))");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"/sources#S12\""), "{html}");
    }
}
