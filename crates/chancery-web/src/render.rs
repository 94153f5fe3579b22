//! User Markdown to safe HTML: pulldown-cmark renders, ammonia sanitises. Citations `[@S12]`
//! become links into the evidence locker.

use pulldown_cmark::{BrokenLink, CowStr, Options, Parser, html};

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
