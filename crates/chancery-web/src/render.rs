//! User Markdown to safe HTML: pulldown-cmark renders, ammonia sanitises. Citations `[@S12]`
//! read like endnote references: the link text is `[S12]` (`[S12, p. 4]` with a locator), the
//! link goes to the source's page and its title is the source's title when the caller knows it
//! (only sources the viewer may see are ever passed in).

use std::collections::HashMap;
use std::sync::Arc;

use chancery_app::cache::BoundedCache;
use pulldown_cmark::{BrokenLink, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// Rendered, sanitised HTML by the exact Markdown it came from and the citation titles it was
/// rendered with. The key is the whole input, so an entry is never stale and any number of
/// servers may keep their own; clearance filtering happens before a paragraph is looked up, so
/// the cache only ever holds text some viewer was entitled to, and serves it only for the same
/// text and the same visible titles.
pub type HtmlCache = BoundedCache<String, Arc<str>>;

/// A digest of the citation titles a viewer may see, computed once per page: part of the
/// [`HtmlCache`] key, so viewers who may see different sources never share an entry.
pub fn titles_key(titles: &HashMap<i64, String>) -> String {
    let mut ids: Vec<_> = titles.iter().collect();
    ids.sort();
    let mut text = String::new();
    for (id, title) in ids {
        text.push_str(&format!("{id}\u{1f}{title}\u{1e}"));
    }
    chancery_domain::audit::sha256_hex(text.as_bytes())
}

/// [`markdown_cited`], through `cache`; `key` is [`titles_key`] of `titles`.
pub fn markdown_cited_cached(
    cache: &HtmlCache,
    md: &str,
    titles: &HashMap<i64, String>,
    key: &str,
) -> Arc<str> {
    let cache_key = format!("{key}\0{md}");
    if let Some(html) = cache.get(&cache_key) {
        return html;
    }
    cache.insert(cache_key, markdown_cited(md, titles).into())
}

/// [`markdown`] (no citation titles), through `cache`.
pub fn markdown_cached(cache: &HtmlCache, md: &str) -> Arc<str> {
    markdown_cited_cached(cache, md, &HashMap::new(), "")
}

/// Renders Markdown written by users to HTML that is safe to embed in a page.
#[cfg(test)]
fn markdown(md: &str) -> String {
    markdown_cited(md, &HashMap::new())
}

/// Like [`markdown`], with `titles` (source id → title) giving citation links their title.
pub fn markdown_cited(md: &str, titles: &HashMap<i64, String>) -> String {
    let mut cb = |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        let label = link.reference.trim();
        let key = label
            .strip_prefix('@')?
            .split([',', ';'])
            .next()?
            .trim()
            .to_string();
        let source = key
            .strip_prefix('S')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0);
        let (anchor, title) = match source {
            Some(id) => (
                format!("/sources/S{id}"),
                titles
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("Source S{id}")),
            ),
            None => ("#".into(), key),
        };
        Some((anchor.into(), title.into()))
    };
    let parser = Parser::new_with_broken_link_callback(
        md,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        Some(&mut cb),
    );
    // Inside a citation link, the text `@S12, p. 4` becomes `[S12, p. 4]`.
    let mut in_citation = false;
    let events = parser.map(|event| match event {
        Event::Start(Tag::Link {
            link_type:
                LinkType::ShortcutUnknown | LinkType::ReferenceUnknown | LinkType::CollapsedUnknown,
            ref dest_url,
            ..
        }) => {
            in_citation = dest_url.starts_with("/sources/S") || dest_url.as_ref() == "#";
            event
        }
        Event::End(TagEnd::Link) => {
            in_citation = false;
            event
        }
        Event::Text(text) if in_citation => {
            Event::Text(format!("[{}]", text.replace('@', "")).into())
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
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
        assert!(html.contains("href=\"/sources/S12\""), "{html}");
        assert!(html.contains(">[S12, p. 4]</a>"), "{html}");
        assert!(html.contains("title=\"Source S12\""), "{html}");
    }

    #[test]
    fn citations_read_like_endnote_references_with_the_source_title() {
        let titles = HashMap::from([(10, "Asylum claimants processed".to_string())]);
        let html = markdown_cited(
            "Claims rose [@S10] (see [the table](https://example.org)).",
            &titles,
        );
        assert!(html.contains("href=\"/sources/S10\""), "{html}");
        assert!(
            html.contains("title=\"Asylum claimants processed\""),
            "{html}"
        );
        assert!(html.contains(">[S10]</a>"), "{html}");
        // Ordinary links keep their text.
        assert!(html.contains(">the table</a>"), "{html}");
        assert!(!html.contains("@S10"), "{html}");
    }
}
