//! The HTML form: one self-contained file. The body is the Markdown form rendered by
//! pulldown-cmark and sanitised by ammonia (no script, no event handlers, no external
//! resources: images only as inline SVG data); the stylesheet is inline and has a print part
//! that repeats the classification banner on every printed page.

use std::collections::HashSet;
use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::markdown::{
    ChartLinks, INDICATORS, MarkdownStyle, chart_data_uri, markdown_with, outline,
};
use crate::model::Document;
use crate::text::options;

/// The stylesheet (no `url()`, no imports: nothing is fetched).
const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #555; --rule: #b9b9b9; --band: #f3f1ea; }
html { font-family: "Libertinus Serif", "Linux Libertine", Georgia, "Times New Roman", serif; color: var(--ink); background: #fff; }
body { margin: 0; line-height: 1.5; font-size: 11.5pt; }
main { max-width: 44rem; margin: 0 auto; padding: 2.5rem 1.5rem 3rem; }
.banner { text-align: center; font: bold 10pt/1.8 "DejaVu Sans", Arial, sans-serif; letter-spacing: .08em; background: var(--band); border-bottom: 1px solid var(--rule); }
.banner.bottom { border-top: 1px solid var(--rule); border-bottom: 0; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 1.5rem 0 1rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
h4, h5, h6 { font-size: 1rem; margin: 1rem 0 .3rem; }
p { margin: 0 0 .7rem; text-align: justify; hyphens: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: 10pt; }
th, td { border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); padding: .25rem .45rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 1.5px solid var(--ink); }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; word-break: break-all; }
sup.footnote-reference a { text-decoration: none; }
.footnote-definition { font-size: 9.5pt; margin: 0 0 .35rem; display: flex; gap: .5rem; }
.footnote-definition p { margin: 0; text-align: left; }
.footnote-definition-label { min-width: 1.6rem; }
img { max-width: 100%; }
figure.chart { margin: 1rem 0 1.4rem; }
figure.chart figcaption { font-size: 9.5pt; font-style: italic; color: var(--muted); }
a { color: #1d3f73; }
@media print {
  @page { size: A4; margin: 22mm 18mm 20mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .banner { position: fixed; left: 0; right: 0; background: none; border: 0; }
  .banner.top { top: -14mm; }
  .banner.bottom { bottom: -12mm; }
  h2 { break-before: page; }
  h2, h3 { break-after: avoid; }
  table, figure, img { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  nav.contents { break-after: page; }
}
"#;

/// Escapes text for HTML (our own strings outside the sanitised body).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether an `href` may stay: web and mail links and in-document anchors.
fn safe_href(v: &str) -> bool {
    let v = v.trim_start().to_ascii_lowercase();
    v.starts_with("https://")
        || v.starts_with("http://")
        || v.starts_with("mailto:")
        || v.starts_with('#')
}

/// The sanitiser: ammonia's safe defaults, plus ids and classes (the document's own anchors),
/// and images only as inline SVG data (nothing is fetched, and an SVG shown as an image cannot
/// run script).
fn sanitise(html: &str) -> String {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id", "class"])
        .rm_tags(["area", "map"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "data"]))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") => value
                .starts_with("data:image/svg+xml;base64,")
                .then_some(value.into()),
            (_, "href") => safe_href(value).then_some(value.into()),
            (_, "src" | "srcset" | "longdesc" | "cite") => None,
            _ => Some(value.into()),
        });
    b.clean(html).to_string()
}

/// The HTML form.
///
/// The body is rendered in two parts, each sanitised: everything up to the end of the
/// indicators part, and the rest. The charts go between them as `<img>` elements with `data:`
/// SVG sources built here, not by the sanitiser: they are our own output, an SVG shown as an
/// image cannot run script, and megabytes of base64 need no parsing. Endnote references and
/// definitions are written here too, with the endnote's own number, so the two parts number
/// them alike.
pub fn html(doc: &Document) -> String {
    let md = markdown_with(
        doc,
        MarkdownStyle {
            cover: true,
            toc: true,
            banners: false,
            charts: ChartLinks::Omitted,
        },
    );
    let titles = outline(doc);
    // The outline index of the heading that follows the indicators part.
    let charts_before = titles
        .iter()
        .position(|t| t == INDICATORS)
        .filter(|_| !doc.indicators.charts.is_empty())
        .map(|i| i + 1);
    // The body's parts: those before the charts (`done`), then the one being written.
    let mut done: Vec<Vec<Event<'_>>> = Vec::new();
    let mut part: Vec<Event<'_>> = Vec::new();
    let mut next = 0usize;
    let mut events = Parser::new_ext(&md, options()).peekable();
    while let Some(event) = events.next() {
        let event = match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                id: _,
                classes,
                attrs,
            }) => {
                // Give the document's own second-level headings the ids the contents link to.
                let mut inner = Vec::new();
                while let Some(e) = events.next_if(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                {
                    inner.push(e);
                }
                let text: String = inner
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let id = if titles.get(next).is_some_and(|t| *t == text) {
                    if charts_before == Some(next) {
                        done.push(std::mem::take(&mut part));
                    }
                    next += 1;
                    Some(CowStr::from(format!("s{next}")))
                } else {
                    None
                };
                part.push(Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    id,
                    classes,
                    attrs,
                }));
                part.extend(inner);
                continue;
            }
            Event::FootnoteReference(name) => Event::InlineHtml(
                format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{n}\">{n}</a></sup>",
                    n = escape(&name)
                )
                .into(),
            ),
            Event::Start(Tag::FootnoteDefinition(name)) => Event::Html(
                format!(
                    "<div class=\"footnote-definition\" id=\"{n}\"><sup class=\"footnote-definition-label\">{n}</sup>",
                    n = escape(&name)
                )
                .into(),
            ),
            Event::End(TagEnd::FootnoteDefinition) => Event::Html("</div>\n".into()),
            other => other,
        };
        part.push(event);
    }
    let mut body = String::with_capacity(md.len() * 2);
    let split = !done.is_empty();
    done.push(part);
    for (i, part) in done.into_iter().enumerate() {
        if i > 0 {
            push_charts(&mut body, doc);
        }
        let mut html = String::with_capacity(md.len());
        pulldown_cmark::html::push_html(&mut html, part.into_iter());
        body.push_str(&sanitise(&html));
    }
    if charts_before.is_some() && !split {
        // The heading after the indicators part was not found (it always is): keep the charts.
        push_charts(&mut body, doc);
    }
    let banner = escape(&doc.cover.banner_text);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{banner} — {reference}: {subject}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<div class=\"banner top\">{banner}</div>\n<main>\n{body}</main>\n<div class=\"banner bottom\">{banner}</div>\n</body>\n</html>\n",
        reference = escape(&doc.cover.reference),
        subject = escape(&doc.cover.subject),
    )
}

/// The charts as figures: the SVG as a `data:` image, its title as the alternative text and its
/// source line as the caption.
fn push_charts(body: &mut String, doc: &Document) {
    for chart in &doc.indicators.charts {
        let _ = writeln!(
            body,
            "<figure class=\"chart\"><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            chart_data_uri(chart),
            escape(&chart.title),
            escape(&chart.source)
        );
    }
}
