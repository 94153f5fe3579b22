//! Markdown → Typst markup, driven by pulldown-cmark events.
//!
//! Every piece of text from the Markdown is written as a Typst string literal, `#"…";`, with
//! only `\` and `"` escaped inside it: whatever a report says (`#`, `$`, `@`, `<`, `*`, `\`,
//! `_`, backticks, `//`, `=`), Typst reads it as a string and prints it literally. The trailing
//! `;` ends the expression, so text that follows (`.len()`) cannot extend it. Structure comes
//! only from our own calls (`#heading`, `#table`, `#list`…).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A Typst string literal holding `s` (escapes `\` and `"`; control characters as `\u{…}`).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as literal text in markup (nothing if empty).
pub fn text(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("#{};", string(s))
    }
}

/// Markdown options: those of report text.
fn options() -> Options {
    let mut o = Options::empty();
    o.insert(Options::ENABLE_TABLES);
    o.insert(Options::ENABLE_FOOTNOTES);
    o.insert(Options::ENABLE_STRIKETHROUGH);
    o
}

/// What an open container needs when it closes.
enum Open {
    Plain(&'static str),
    Table,
    Image { chart: Option<String> },
    Code { text: String, block: bool },
}

/// Converts Markdown to Typst markup. `charts` holds the virtual file names the renderer
/// serves (`chart-1.svg`…); an image pointing anywhere else shows only its description. Heading
/// level 2 becomes Typst level 1 (the document's chapters), and so on.
pub fn markdown_to_typst(md: &str, charts: &BTreeSet<String>) -> String {
    let mut out = String::with_capacity(md.len() * 2);
    let mut stack: Vec<Open> = Vec::new();
    for event in Parser::new_ext(md, options()) {
        // Inside a code span or block, gather the text.
        if let Some(Open::Code { text: buf, .. }) = stack.last_mut() {
            match &event {
                Event::Text(t) => {
                    buf.push_str(t);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => continue,
            }
        }
        match event {
            Event::Text(t) => out.push_str(&text(&t)),
            Event::Code(t) => {
                let _ = write!(out, "#raw({});", string(&t));
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => out.push_str(&text(&t)),
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&text(&t)),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push_str("#linebreak();"),
            Event::Rule => out.push_str("\n#line(length: 100%)\n"),
            Event::FootnoteReference(label) => {
                let _ = write!(out, "#super({});", string(&label));
            }
            Event::TaskListMarker(done) => out.push_str(if done { "☑ " } else { "☐ " }),
            Event::Start(tag) => start(tag, &mut out, &mut stack, charts),
            Event::End(tag) => end(tag, &mut out, &mut stack),
        }
    }
    out
}

fn start(tag: Tag<'_>, out: &mut String, stack: &mut Vec<Open>, charts: &BTreeSet<String>) {
    let open = match tag {
        Tag::Paragraph | Tag::HtmlBlock => Open::Plain("\n\n"),
        Tag::Heading { level, .. } => {
            let level = match level {
                HeadingLevel::H1 | HeadingLevel::H2 => 1,
                HeadingLevel::H3 => 2,
                _ => 3,
            };
            // A chapter starts a page. The break is written here, at the top level, not in a
            // show rule: typst lays out the runs of pages between top-level breaks in parallel.
            if level == 1 && stack.is_empty() {
                out.push_str("\n#pagebreak(weak: true)");
            }
            let _ = write!(out, "\n#heading(level: {level})[");
            Open::Plain("]\n")
        }
        Tag::BlockQuote(_) => {
            out.push_str("\n#quote(block: true)[");
            Open::Plain("]\n")
        }
        Tag::CodeBlock(kind) => Open::Code {
            text: String::new(),
            block: matches!(kind, CodeBlockKind::Fenced(_) | CodeBlockKind::Indented),
        },
        Tag::List(Some(first)) => {
            let _ = write!(out, "\n#enum(start: {first}, tight: true, ");
            Open::Plain(")\n")
        }
        Tag::List(None) => {
            out.push_str("\n#list(tight: true, ");
            Open::Plain(")\n")
        }
        Tag::Item => {
            out.push('[');
            Open::Plain("], ")
        }
        Tag::FootnoteDefinition(label) => {
            let _ = write!(
                out,
                "\n#grid(columns: (2.2em, 1fr), column-gutter: 0.2em, text(weight: \"bold\", {}), [",
                string(&format!("{label}."))
            );
            Open::Plain("])\n")
        }
        Tag::Table(alignments) => {
            let _ = write!(out, "\n#table(columns: {}, ", alignments.len().max(1));
            Open::Table
        }
        Tag::TableHead => {
            out.push_str("table.header(");
            Open::Plain("), ")
        }
        Tag::TableRow => Open::Plain(""),
        Tag::TableCell => {
            out.push('[');
            Open::Plain("], ")
        }
        Tag::Emphasis => {
            out.push_str("#emph[");
            Open::Plain("]")
        }
        Tag::Strong => {
            out.push_str("#strong[");
            Open::Plain("]")
        }
        Tag::Strikethrough => {
            out.push_str("#strike[");
            Open::Plain("]")
        }
        Tag::Link { dest_url, .. } => {
            let lower = dest_url.to_ascii_lowercase();
            if lower.starts_with("https://")
                || lower.starts_with("http://")
                || lower.starts_with("mailto:")
            {
                let _ = write!(out, "#link({})[", string(&dest_url));
                Open::Plain("]")
            } else {
                Open::Plain("")
            }
        }
        Tag::Image { dest_url, .. } => {
            let chart = charts
                .contains(dest_url.as_ref())
                .then(|| dest_url.to_string());
            if let Some(file) = &chart {
                let _ = write!(
                    out,
                    "\n#figure(image({}, width: 100%), caption: [",
                    string(&format!("/{file}"))
                );
            }
            Open::Image { chart }
        }
        _ => Open::Plain(""),
    };
    stack.push(open);
}

fn end(_tag: TagEnd, out: &mut String, stack: &mut Vec<Open>) {
    match stack.pop() {
        Some(Open::Plain(close)) => out.push_str(close),
        Some(Open::Table) => out.push_str(")\n"),
        Some(Open::Image { chart: Some(_) }) => out.push_str("])\n"),
        Some(Open::Image { chart: None }) => {}
        Some(Open::Code { text: code, block }) => {
            let _ = write!(out, "#raw(block: {block}, {});", string(&code));
            if block {
                out.push('\n');
            }
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_backslash_quote_and_controls() {
        assert_eq!(string(r#"a\b"c"#), r#""a\\b\"c""#);
        assert_eq!(string("x\u{7}"), "\"x\\u{7}\"");
    }

    #[test]
    fn structure_comes_from_markdown_text_stays_text() {
        let t = markdown_to_typst(
            "## Title #x\n\n*em* `#code` [a](https://e.org) [b](javascript:x)\n\n- one\n- two\n",
            &BTreeSet::new(),
        );
        assert!(t.contains("#heading(level: 1)[#\"Title #x\";]"), "{t}");
        assert!(t.contains("#emph[#\"em\";]"), "{t}");
        assert!(t.contains("#raw(\"#code\");"), "{t}");
        assert!(t.contains("#link(\"https://e.org\")[#\"a\";]"), "{t}");
        assert!(!t.contains("javascript"), "{t}");
        assert!(
            t.contains("#list(tight: true, [#\"one\";], [#\"two\";], )"),
            "{t}"
        );
    }
}
