//! Paragraph text shared by the emitters: citations turned into endnote references, user
//! Markdown kept from breaking the document around it, and escaping of our own strings.

use std::collections::BTreeMap;

use chancery_domain::markdown::citations;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::model::Paragraph;

/// The Markdown dialect of report text (as `chancery-domain` reads it).
pub(crate) fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// How an endnote reference is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefStyle {
    /// A GFM footnote reference `[^3]`.
    Footnote,
    /// Literal `[3]` (escaped), for plain text.
    Bracket,
}

/// Escapes text for Markdown: every character that could start markup is backslash-escaped,
/// and line breaks become spaces, so our own strings (titles, names, reasons) print literally.
pub(crate) fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' | '$'
            | '^' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes every ASCII punctuation character: for text shown as-is that must not be Markdown.
fn escape_all(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `md` ends where it seems to: a following block is read as a new paragraph. An
/// unclosed code fence, HTML comment or `<script>` block would swallow the rest of the
/// document.
fn contained(md: &str) -> bool {
    let probe = format!("{md}\n\n\u{E000}\n");
    let events: Vec<Event<'_>> = Parser::new_ext(&probe, options()).collect();
    let mut depth = 0usize;
    let mut last_top_start = None;
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Start(_) => {
                if depth == 0 {
                    last_top_start = Some(i);
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    match last_top_start {
        Some(i) => matches!(
            &events[i..],
            [Event::Start(Tag::Paragraph), Event::Text(t), Event::End(TagEnd::Paragraph)] if &**t == "\u{E000}"
        ),
        None => false,
    }
}

/// Escapes `[^` (a footnote) where the user wrote it, so report text cannot define or hijack
/// endnotes.
fn escape_footnotes(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut prev_backslash = false;
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' && !prev_backslash && chars.peek() == Some(&'^') {
            out.push('\\');
        }
        prev_backslash = c == '\\' && !prev_backslash;
        out.push(c);
    }
    out
}

/// A heading written inside a section drops below the document's own heading levels.
fn demote_heading(md: &str) -> String {
    let hashes = md.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && md[hashes..].starts_with([' ', '\t']) {
        let level = (hashes + 3).min(6);
        format!("{}{}", "#".repeat(level), &md[hashes..])
    } else {
        md.to_string()
    }
}

/// The citation brackets of `md` replaced by endnote references in `style`.
fn replace_citations(md: &str, notes: &BTreeMap<String, u32>, style: RefStyle) -> String {
    let found = citations(md);
    let mut out = String::with_capacity(md.len());
    let mut at = 0;
    let mut i = 0;
    while i < found.len() {
        let range = found[i].range.clone();
        let mut j = i;
        let mut refs = String::new();
        while j < found.len() && found[j].range == range {
            let c = &found[j];
            let n = notes.get(&c.key.to_string()).copied().unwrap_or(0);
            let locator = c.locator.as_deref().map(md_escape);
            match style {
                RefStyle::Footnote => {
                    refs.push_str(&format!("[^{n}]"));
                    if let Some(l) = locator {
                        refs.push_str(&format!(" ({l})"));
                    }
                }
                RefStyle::Bracket => match locator {
                    Some(l) => refs.push_str(&format!("\\[{n}, {l}\\]")),
                    None => refs.push_str(&format!("\\[{n}\\]")),
                },
            }
            j += 1;
        }
        if range.start >= at
            && let (Some(before), true) = (md.get(at..range.start), range.end <= md.len())
        {
            out.push_str(before);
            out.push_str(&refs);
            at = range.end;
        }
        i = j;
    }
    out.push_str(md.get(at..).unwrap_or(""));
    out
}

/// A paragraph's Markdown ready to sit in the compiled document: endnote references in place
/// of citations, user footnotes escaped, headings demoted, and, when it would not end where it
/// should (an unclosed fence or HTML block), its text shown literally instead.
pub fn with_note_refs(p: &Paragraph) -> String {
    paragraph_markdown(p, RefStyle::Footnote)
}

pub(crate) fn paragraph_markdown(p: &Paragraph, style: RefStyle) -> String {
    if p.withheld {
        // `[paragraph withheld: C]` is built by the loader, never user text; an undefined
        // shortcut reference, it prints literally.
        return p.markdown.clone();
    }
    let notes: BTreeMap<String, u32> = p
        .citations
        .iter()
        .map(|c| (c.key.clone(), c.note))
        .collect();
    let md = demote_heading(&escape_footnotes(p.markdown.trim_end()));
    let md = replace_citations(&md, &notes, style);
    if contained(&md) {
        md
    } else {
        md.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(escape_all)
            .collect::<Vec<_>>()
            .join("  \n")
    }
}

/// Markdown as plain text (for the cable): markup dropped, list items on their own lines,
/// footnote references as `[n]`.
pub fn plain_text(md: &str) -> String {
    let mut out = String::new();
    let mut cell = 0usize;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::FootnoteReference(l) => out.push_str(&format!("[{l}]")),
            Event::Start(Tag::Item) => out.push_str("\n- "),
            Event::Start(Tag::TableRow | Tag::TableHead) => cell = 0,
            Event::Start(Tag::TableCell) => {
                if cell > 0 {
                    out.push_str(" | ");
                }
                cell += 1;
            }
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) => out.push('\n'),
            Event::Rule => out.push_str("\n---\n"),
            _ => {}
        }
    }
    out.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CitationRef;
    use chancery_domain::Classification;

    fn para(md: &str, cites: &[(&str, u32)]) -> Paragraph {
        Paragraph {
            marking: Classification::Unclassified,
            withheld: false,
            markdown: md.into(),
            citations: cites
                .iter()
                .map(|(k, n)| CitationRef {
                    key: (*k).into(),
                    note: *n,
                    locator: None,
                })
                .collect(),
        }
    }

    #[test]
    fn citations_become_footnotes_with_locators() {
        let p = para(
            "(U) Rose [@S12, p. 4] and [@S1; @S2].",
            &[("S12", 3), ("S1", 1), ("S2", 2)],
        );
        assert_eq!(with_note_refs(&p), "(U) Rose [^3] (p. 4) and [^1][^2].");
        assert_eq!(
            plain_text(&paragraph_markdown(&p, RefStyle::Bracket)),
            "(U) Rose [3, p. 4] and [1][2]."
        );
    }

    #[test]
    fn user_footnotes_headings_and_unclosed_blocks_are_neutralised() {
        let p = para("(U) See [^1].\n\n[^1]: forged", &[]);
        assert!(with_note_refs(&p).contains("\\[^1]"));
        assert_eq!(with_note_refs(&para("# (U) Title", &[])), "#### (U) Title");
        let fence = with_note_refs(&para("(U) x\n```\nunclosed", &[]));
        assert!(contained(&fence), "{fence}");
        let comment = with_note_refs(&para("<!-- (U) open", &[]));
        assert!(contained(&comment), "{comment}");
        assert!(contained("(U) plain paragraph"));
    }

    #[test]
    fn escaping_keeps_markup_literal() {
        assert_eq!(md_escape("a*b_[c]|<d>"), "a\\*b\\_\\[c\\]\\|\\<d\\>");
    }
}
