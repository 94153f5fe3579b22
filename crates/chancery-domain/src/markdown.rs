//! Reading report Markdown: portions (paragraphs) with their markings, citations and judgments.
//!
//! Everything here walks pulldown-cmark's event stream, never raw text, so code spans, code
//! blocks and real links are never misread as citations or markings.
//!
//! Syntax (documented for drafters in content/README.md, "Writing report sections"):
//! - Portion marking: a top-level block (paragraph, list, table, quote, heading) whose text
//!   starts with `(U)`, `(SBU)`, `(C)` or `(S)`. Unmarked blocks take the report's default
//!   marking (the tasking's classification) and are reported as not explicitly marked. A nested
//!   block (list item, quoted paragraph, table cell) starting with a higher marking raises the
//!   whole portion to it.
//! - Citation: `[@S12]`, `[@S12, p. 4]`, several in one bracket separated by `;`
//!   (`[@S1; @S2, table 3]`). Keys: `S<n>` source, `INC<n>` incident, `ENG<n>` engagement,
//!   `TP<n>` talking point. Any other key is kept as [`CitationKey::Unknown`].
//! - Judgment: a portion whose text (after the marking) starts with
//!   `Judgment (high confidence):`, `Judgment (moderate confidence):` or
//!   `Judgment (low confidence):` (case-insensitive). Its citations support it; a sentence
//!   starting `Alternatives considered:` in the same portion records the alternatives.

use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{BrokenLink, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::classification::Classification;
use crate::evidence::Confidence;

/// What a citation points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CitationKey {
    /// `S<n>`: a source in the evidence locker.
    Source(i64),
    /// `INC<n>`: an incident record.
    Incident(i64),
    /// `ENG<n>`: an engagement (never evidence: E003).
    Engagement(i64),
    /// `TP<n>`: a talking point (never evidence: E003).
    TalkingPoint(u32),
    /// Anything else written after `@`.
    Unknown(String),
}

impl std::fmt::Display for CitationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CitationKey::Source(n) => write!(f, "S{n}"),
            CitationKey::Incident(n) => write!(f, "INC{n}"),
            CitationKey::Engagement(n) => write!(f, "ENG{n}"),
            CitationKey::TalkingPoint(n) => write!(f, "TP{n}"),
            CitationKey::Unknown(s) => f.write_str(s),
        }
    }
}

/// One citation found in Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// What it points at.
    pub key: CitationKey,
    /// Locator such as `p. 4`, if given.
    pub locator: Option<String>,
    /// Byte range of the whole bracket in the Markdown.
    pub range: Range<usize>,
}

/// A top-level block of a section with its portion marking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portion {
    /// Position within the section, from 0.
    pub index: usize,
    /// The marking (explicit, or the default), raised to the highest marking a nested block
    /// carries (`- (S) item` inside a list makes the whole list `S`).
    pub marking: Classification,
    /// Whether the block carried its own marking.
    pub explicit: bool,
    /// Byte range of the block in the section Markdown.
    pub range: Range<usize>,
    /// The block's Markdown source.
    pub markdown: String,
    /// The block's plain text (no markup, no marking, citations removed).
    pub text: String,
    /// Citations in the block, in order.
    pub citations: Vec<Citation>,
}

/// An analytic judgment written in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgment {
    /// Index of the portion holding it.
    pub portion: usize,
    /// Stated confidence.
    pub confidence: Confidence,
    /// The judgment's text.
    pub statement: String,
    /// Supporting citations.
    pub citations: Vec<Citation>,
    /// Alternatives considered, if written.
    pub alternatives: Option<String>,
}

/// Stands in for a code span in the prose text used for markings and figures: it is neither
/// whitespace, a digit nor a letter, so a code span can never look like a marking or a figure.
pub(crate) const CODE_SENTINEL: char = '\u{FFFC}';

/// What kind of top-level block a portion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// A paragraph.
    Paragraph,
    /// An ATX or setext heading.
    Heading,
    /// A bullet or ordered list.
    List,
    /// A table.
    Table,
    /// A block quote.
    Quote,
    /// A fenced or indented code block.
    Code,
    /// A raw HTML block.
    Html,
    /// A footnote definition.
    Footnote,
    /// Anything else pulldown-cmark may report at top level.
    Other,
}

/// A portion together with what the linter and the marking rewriter need beyond the public
/// fields.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The block's kind.
    pub(crate) kind: BlockKind,
    /// The public view.
    pub(crate) portion: Portion,
    /// Plain text without the marking, with citations removed and each code span replaced by
    /// [`CODE_SENTINEL`]: what figures are looked for in.
    pub(crate) prose: String,
    /// Where a marking is inserted when the block has none: the start of its first inline
    /// content.
    pub(crate) insert_at: usize,
}

/// Parser options shared by every reader of report Markdown.
fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// Whether a reference label is a citation (`@…`).
fn is_citation_label(label: &str) -> bool {
    label.trim_start().starts_with('@')
}

/// Turns undefined `[@…]` references into links the event walk recognises as citations. Labels
/// with a definition (`[@S1]: https://…`) never reach this callback, so they stay real links.
fn cite_callback<'a>(link: BrokenLink<'a>) -> Option<(CowStr<'a>, CowStr<'a>)> {
    let kind_ok = matches!(
        link.link_type,
        LinkType::Shortcut | LinkType::Collapsed | LinkType::Reference
    );
    (kind_ok && is_citation_label(&link.reference))
        .then_some((CowStr::Borrowed(""), CowStr::Borrowed("")))
}

/// The event stream (with byte ranges) of report Markdown, citations recognised.
fn events(markdown: &str) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    Parser::new_with_broken_link_callback(markdown, options(), Some(cite_callback))
        .into_offset_iter()
}

/// Parses one citation key as written after `@`.
fn parse_key(raw: &str) -> CitationKey {
    let digits_after = |prefix: &str| {
        let head = raw.get(..prefix.len())?;
        let rest = raw.get(prefix.len()..)?;
        (head.eq_ignore_ascii_case(prefix)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit()))
        .then_some(rest)
    };
    let parsed = if let Some(n) = digits_after("INC") {
        n.parse().ok().map(CitationKey::Incident)
    } else if let Some(n) = digits_after("ENG") {
        n.parse().ok().map(CitationKey::Engagement)
    } else if let Some(n) = digits_after("TP") {
        n.parse().ok().map(CitationKey::TalkingPoint)
    } else if let Some(n) = digits_after("S") {
        n.parse().ok().map(CitationKey::Source)
    } else {
        None
    };
    parsed.unwrap_or_else(|| CitationKey::Unknown(raw.to_string()))
}

/// Parses the inside of one citation bracket (`@S1; @S2, table 3`). A part that does not start
/// with `@` is kept as an unknown key so that it is reported rather than silently dropped.
fn parse_bracket(inner: &str, range: &Range<usize>, out: &mut Vec<Citation>) {
    for part in inner.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some(rest) = part.strip_prefix('@') else {
            out.push(Citation {
                key: CitationKey::Unknown(part.to_string()),
                locator: None,
                range: range.clone(),
            });
            continue;
        };
        let end = rest
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let (key, tail) = rest.split_at(end);
        let tail = tail.trim_start();
        let locator = tail.strip_prefix(',').unwrap_or(tail).trim();
        out.push(Citation {
            key: parse_key(key),
            locator: (!locator.is_empty()).then(|| locator.to_string()),
            range: range.clone(),
        });
    }
}

/// The inside of a `[…]` bracket as written in the source.
fn bracket_inner(source: &str) -> Option<&str> {
    source.strip_prefix('[')?.strip_suffix(']')
}

/// The citations carried by a link event, and whether the link's text is itself citation
/// syntax (and so not prose). `None` when the link is not a citation.
fn link_citations(
    markdown: &str,
    range: &Range<usize>,
    link_type: LinkType,
    id: &str,
) -> Option<(Vec<Citation>, bool)> {
    if !is_citation_label(id) {
        return None;
    }
    let source = markdown.get(range.clone())?;
    let mut out = Vec::new();
    match link_type {
        // `[@S1]`
        LinkType::ShortcutUnknown => {
            parse_bracket(bracket_inner(source).unwrap_or(id), range, &mut out);
            Some((out, true))
        }
        // `[@S1][]`: the event range stops before the empty `[]`.
        LinkType::CollapsedUnknown => {
            let whole = if markdown.get(range.end..)?.starts_with("[]") {
                range.start..range.end + 2
            } else {
                range.clone()
            };
            parse_bracket(bracket_inner(source).unwrap_or(id), &whole, &mut out);
            Some((out, true))
        }
        // `[@S1][@S2]` (two adjacent citations) or `[text][@S2]`.
        LinkType::ReferenceUnknown => {
            let split = label_bracket_start(source)?;
            let (text_part, label_part) = source.split_at(split);
            let text_range = range.start..range.start + split;
            let label_range = range.start + split..range.end;
            let text_is_citation = bracket_inner(text_part).is_some_and(is_citation_label);
            if text_is_citation && let Some(inner) = bracket_inner(text_part) {
                parse_bracket(inner, &text_range, &mut out);
            }
            parse_bracket(
                bracket_inner(label_part).unwrap_or(id),
                &label_range,
                &mut out,
            );
            Some((out, text_is_citation))
        }
        _ => None,
    }
}

/// Where the final `[label]` of a full reference link starts: the last unescaped `[`.
fn label_bracket_start(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    (1..bytes.len())
        .rev()
        .find(|&i| bytes[i] == b'[' && bytes[i - 1] != b'\\')
}

/// Collapses runs of whitespace (as [`char::is_whitespace`] defines it) to one space and trims:
/// the same as `s.split_whitespace().collect::<Vec<_>>().join(" ")`, in one pass over the
/// bytes that copies whole words (this runs over every paragraph the linter and the compiler
/// read, and most of it is ASCII).
pub fn normalise(s: &str) -> String {
    let bytes = s.as_bytes();
    if is_normal(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut word: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (space, len) = if b.is_ascii() {
            // U+000B is white space for `char::is_whitespace` but not for `u8::is_ascii_whitespace`.
            (b.is_ascii_whitespace() || b == 0x0B, 1)
        } else {
            s.get(i..)
                .and_then(|rest| rest.chars().next())
                .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8()))
        };
        match (space, word) {
            (true, Some(start)) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&s[start..i]);
                word = None;
            }
            (false, None) => word = Some(i),
            _ => {}
        }
        i += len;
    }
    if let Some(start) = word {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&s[start..]);
    }
    out
}

/// Whether `s` is already normalised: no white space but single ASCII spaces between words.
fn is_normal(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut after_space = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b' ' {
            if after_space {
                return false;
            }
            after_space = true;
            i += 1;
        } else if b.is_ascii() {
            if b.is_ascii_whitespace() || b == 0x0B {
                return false;
            }
            after_space = false;
            i += 1;
        } else {
            match s.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) if !c.is_whitespace() => i += c.len_utf8(),
                _ => return false,
            }
            after_space = false;
        }
    }
    !after_space || bytes.is_empty()
}

/// Splits a leading portion marking (`(U)`, `(SBU)`, `(C)`, `(S)`, followed by a space or the
/// end) off normalised text.
fn split_marking(text: &str) -> Option<(Classification, &str)> {
    Classification::ALL.into_iter().find_map(|c| {
        let rest = text.strip_prefix(c.portion_mark().as_str())?;
        if rest.is_empty() {
            Some((c, rest))
        } else {
            rest.strip_prefix(' ').map(|r| (c, r))
        }
    })
}

/// The marking a nested block's text starts with (any whitespace may follow it).
fn leading_marking(text: &str) -> Option<Classification> {
    let text = text.trim_start();
    Classification::ALL.into_iter().find(|c| {
        text.strip_prefix(c.portion_mark().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })
}

/// Replaces HTML tags and comments by spaces, keeping the text between them.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

/// Accumulates one top-level block while walking events.
struct Builder {
    kind: BlockKind,
    range: Range<usize>,
    text: String,
    prose: String,
    html: String,
    citations: Vec<Citation>,
    insert_at: Option<usize>,
    /// Offsets in `prose` where nested blocks (list items, quoted paragraphs, cells) start.
    nested: Vec<usize>,
    in_citation: bool,
    after_citation: bool,
}

impl Builder {
    fn new(tag: &Tag<'_>, range: Range<usize>) -> Self {
        let kind = match tag {
            Tag::Paragraph => BlockKind::Paragraph,
            Tag::Heading { .. } => BlockKind::Heading,
            Tag::List(_) => BlockKind::List,
            Tag::Table(_) => BlockKind::Table,
            Tag::BlockQuote(_) => BlockKind::Quote,
            Tag::CodeBlock(_) => BlockKind::Code,
            Tag::HtmlBlock => BlockKind::Html,
            Tag::FootnoteDefinition(_) => BlockKind::Footnote,
            _ => BlockKind::Other,
        };
        Builder {
            kind,
            range,
            text: String::new(),
            prose: String::new(),
            html: String::new(),
            citations: Vec::new(),
            insert_at: None,
            nested: Vec::new(),
            in_citation: false,
            after_citation: false,
        }
    }

    /// Records the first inline content's start as the marking insertion point. Text events
    /// start after a backslash escape, so step back over one.
    fn inline_at(&mut self, markdown: &str, start: usize) {
        if self.insert_at.is_none() {
            let escaped = start > 0 && markdown.as_bytes().get(start - 1) == Some(&b'\\');
            self.insert_at = Some(if escaped { start - 1 } else { start });
        }
    }

    fn push(&mut self, text: &str, prose: Option<&str>) {
        if std::mem::take(&mut self.after_citation)
            && text.starts_with(['.', ',', ';', ':', '!', '?', ')'])
        {
            let keep = self.text.trim_end().len();
            self.text.truncate(keep);
            let keep = self.prose.trim_end().len();
            self.prose.truncate(keep);
        }
        self.text.push_str(text);
        match prose {
            Some(p) => self.prose.push_str(p),
            None => self.prose.push(CODE_SENTINEL),
        }
    }

    fn space(&mut self) {
        self.text.push(' ');
        self.prose.push(' ');
    }

    fn event(&mut self, markdown: &str, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Link { link_type, id, .. } => {
                    self.inline_at(markdown, range.start);
                    if let Some((found, skip_text)) =
                        link_citations(markdown, &range, link_type, &id)
                    {
                        self.citations.extend(found);
                        self.in_citation = skip_text;
                        self.after_citation = true;
                    }
                }
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Image { .. } => self.inline_at(markdown, range.start),
                _ => self.nested.push(self.prose.len()),
            },
            Event::End(end) => match end {
                TagEnd::Link => {
                    if std::mem::take(&mut self.in_citation) {
                        self.after_citation = true;
                    }
                }
                TagEnd::HtmlBlock => {
                    let stripped = strip_tags(&std::mem::take(&mut self.html));
                    self.push(&stripped, Some(&stripped));
                    self.space();
                }
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Image => {}
                _ => self.space(),
            },
            Event::Text(t) => {
                self.inline_at(markdown, range.start);
                if !self.in_citation {
                    self.push(&t, Some(&t));
                }
            }
            Event::Code(t) => {
                self.inline_at(markdown, range.start);
                if !self.in_citation {
                    self.push(&t, None);
                }
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.inline_at(markdown, range.start);
                self.push(&t, Some(&t));
            }
            Event::Html(t) => {
                self.inline_at(markdown, range.start);
                self.html.push_str(&t);
            }
            Event::InlineHtml(_) | Event::FootnoteReference(_) | Event::TaskListMarker(_) => {
                self.inline_at(markdown, range.start);
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => self.space(),
        }
    }

    fn finish(mut self, markdown: &str, index: usize, default: Classification) -> Option<Block> {
        let insert_at = self.insert_at?;
        if !self.html.is_empty() {
            let stripped = strip_tags(&std::mem::take(&mut self.html));
            self.push(&stripped, Some(&stripped));
        }
        let source = markdown.get(self.range.clone()).unwrap_or("");
        let end = self.range.start + source.trim_end().len();
        let range = self.range.start..end;
        // A nested block marked higher than the block itself (`- (S) item` in a list) raises
        // the whole portion: content is never shown below the marking its author gave it.
        let nested = self
            .nested
            .iter()
            .filter_map(|&at| leading_marking(self.prose.get(at..)?))
            .max();
        let text = normalise(&self.text);
        let prose = normalise(&self.prose);
        let (marking, explicit, text, prose) = match split_marking(&prose) {
            Some((marking, rest)) => {
                let text = split_marking(&text).map_or(text.as_str(), |(_, t)| t);
                (marking, true, text.to_string(), rest.to_string())
            }
            None => (default, false, text, prose),
        };
        let marking = nested.map_or(marking, |n| n.max(marking));
        Some(Block {
            kind: self.kind,
            portion: Portion {
                index,
                marking,
                explicit,
                markdown: markdown.get(range.clone()).unwrap_or("").to_string(),
                range,
                text,
                citations: self.citations,
            },
            prose,
            insert_at,
        })
    }
}

/// Splits section Markdown into top-level blocks with everything the linter needs. Blocks with
/// no inline content at all (a thematic break, an empty list item or heading) are not portions:
/// there is nothing in them to mark.
pub(crate) fn blocks(markdown: &str, default: Classification) -> Vec<Block> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Builder> = None;
    for (event, range) in events(markdown) {
        match &event {
            Event::Start(tag) => {
                if depth == 0 {
                    current = Some(Builder::new(tag, range.clone()));
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        let closing = depth == 0 && matches!(event, Event::End(_));
        if let Some(builder) = current.as_mut() {
            builder.event(markdown, event, range);
        }
        if closing
            && let Some(builder) = current.take()
            && let Some(block) = builder.finish(markdown, out.len(), default)
        {
            out.push(block);
        }
    }
    out
}

/// Splits section Markdown into portions. `default` applies to unmarked blocks.
pub fn portions(markdown: &str, default: Classification) -> Vec<Portion> {
    blocks(markdown, default)
        .into_iter()
        .map(|b| b.portion)
        .collect()
}

/// All citations in a Markdown text, in order.
pub fn citations(markdown: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    for (event, range) in events(markdown) {
        if let Event::Start(Tag::Link { link_type, id, .. }) = event
            && let Some((found, _)) = link_citations(markdown, &range, link_type, &id)
        {
            out.extend(found);
        }
    }
    out
}

/// Compiles one of this crate's built-in patterns.
///
/// The patterns are string constants exercised by the tests of every module that uses them; an
/// invalid one is a programming error, never a property of the input, so it panics.
///
/// `\b` is made an ASCII word boundary: a Unicode `\b` makes the regex engine fall back to its
/// slowest matcher on any non-ASCII text (an en dash, an accented letter), which report text
/// always contains. Every built-in pattern anchors on ASCII digits and letters, so nothing is
/// lost.
pub(crate) fn compile(pattern: &str) -> regex::Regex {
    let pattern = pattern.replace(r"\b", r"(?-u:\b)");
    match regex::Regex::new(&pattern) {
        Ok(re) => re,
        Err(e) => panic!("invalid built-in pattern {pattern:?}: {e}"),
    }
}

static JUDGMENT: LazyLock<regex::Regex> = LazyLock::new(|| {
    compile(r"(?i)^judge?ment\s*\(\s*(high|moderate|low)\s+confidence\s*\)\s*:\s*")
});

static ALTERNATIVES: LazyLock<regex::Regex> =
    LazyLock::new(|| compile(r"(?i)\balternatives\s+considered\s*:\s*"));

/// Judgments in a section.
pub fn judgments(portions: &[Portion]) -> Vec<Judgment> {
    portions
        .iter()
        .filter_map(|p| {
            let head = JUDGMENT.captures(&p.text)?;
            let confidence = match head.get(1)?.as_str().to_ascii_lowercase().as_str() {
                "high" => Confidence::High,
                "moderate" => Confidence::Moderate,
                _ => Confidence::Low,
            };
            let rest = p.text.get(head.get(0)?.end()..)?;
            let (statement, alternatives) = match ALTERNATIVES.find(rest) {
                Some(m) => {
                    let alt = rest.get(m.end()..).unwrap_or("").trim();
                    (
                        rest.get(..m.start()).unwrap_or("").trim(),
                        (!alt.is_empty()).then(|| alt.to_string()),
                    )
                }
                None => (rest.trim(), None),
            };
            Some(Judgment {
                portion: p.index,
                confidence,
                statement: statement.to_string(),
                citations: p.citations.clone(),
                alternatives,
            })
        })
        .collect()
}

/// Markdown rewritten with every portion carrying an explicit marking (unmarked blocks get
/// `default`), so what is stored says exactly what each paragraph is.
///
/// Only `(X) ` is inserted, at the start of each unmarked block's first text (after the list
/// marker, after a heading's `#`s, inside the first table cell with content); every other byte
/// is kept. Marked blocks are left alone, so the rewrite is idempotent.
pub fn with_explicit_markings(markdown: &str, default: Classification) -> String {
    let mark = format!("{} ", default.portion_mark());
    let mut out = markdown.to_string();
    // A marking turns a raw HTML block into a paragraph, which can expose blocks the HTML block
    // used to swallow; each pass marks those, and a line can only start a block once.
    let passes = markdown.lines().count() + 1;
    for _ in 0..passes {
        let points: Vec<usize> = blocks(&out, default)
            .into_iter()
            .filter(|b| !b.portion.explicit)
            .map(|b| b.insert_at)
            .collect();
        if points.is_empty() {
            break;
        }
        for at in points.into_iter().rev() {
            if out.is_char_boundary(at) {
                out.insert_str(at, &mark);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: Classification = Classification::Unclassified;
    const SBU: Classification = Classification::SensitiveButUnclassified;
    const C: Classification = Classification::Confidential;
    const S: Classification = Classification::Secret;

    fn keys(markdown: &str) -> Vec<CitationKey> {
        citations(markdown).into_iter().map(|c| c.key).collect()
    }

    // ---- citations ------------------------------------------------------------------------

    #[test]
    fn citation_keys_locators_and_ranges() {
        let md = "Claims rose [@S12] and [@S12, p. 4], then [@S1; @S2, table 3].";
        let found = citations(md);
        assert_eq!(found.len(), 4);
        assert_eq!(found[0].key, CitationKey::Source(12));
        assert_eq!(found[0].locator, None);
        assert_eq!(&md[found[0].range.clone()], "[@S12]");
        assert_eq!(found[1].locator.as_deref(), Some("p. 4"));
        assert_eq!(&md[found[1].range.clone()], "[@S12, p. 4]");
        assert_eq!(found[2].key, CitationKey::Source(1));
        assert_eq!(found[3].key, CitationKey::Source(2));
        assert_eq!(found[3].locator.as_deref(), Some("table 3"));
        assert_eq!(&md[found[3].range.clone()], "[@S1; @S2, table 3]");
    }

    #[test]
    fn every_key_kind_is_mapped() {
        assert_eq!(
            keys("[@S3] [@INC4] [@ENG5] [@TP6] [@Smith2020] [@X]"),
            vec![
                CitationKey::Source(3),
                CitationKey::Incident(4),
                CitationKey::Engagement(5),
                CitationKey::TalkingPoint(6),
                CitationKey::Unknown("Smith2020".into()),
                CitationKey::Unknown("X".into()),
            ]
        );
        // Keys are read as written, not as pulldown-cmark normalises labels.
        assert_eq!(
            keys("[@s7] [@inc8]"),
            vec![CitationKey::Source(7), CitationKey::Incident(8)]
        );
        assert_eq!(
            keys("[@S99999999999999999999]"),
            vec![CitationKey::Unknown("S99999999999999999999".into())]
        );
    }

    #[test]
    fn code_links_definitions_and_plain_brackets_are_not_citations() {
        assert!(keys("Use `[@S12]` in text.").is_empty());
        assert!(keys("```\n[@S12]\n```").is_empty());
        assert!(keys("    [@S12] indented code").is_empty());
        assert!(keys("A [@S1](https://example.org) link.").is_empty());
        assert!(keys("[@S1]: https://example.org\n\nSee [@S1].").is_empty());
        assert!(keys("A [note] and [S12] and ![@S3].").is_empty());
        assert!(keys("Footnote[^1].\n\n[^1]: text").is_empty());
    }

    #[test]
    fn adjacent_and_collapsed_citations() {
        let md = "Both [@S1][@S2] and [@S3][] here.";
        let found = citations(md);
        let ranges: Vec<&str> = found.iter().map(|c| &md[c.range.clone()]).collect();
        assert_eq!(ranges, vec!["[@S1]", "[@S2]", "[@S3][]"]);
        assert_eq!(
            found.iter().map(|c| c.key.clone()).collect::<Vec<_>>(),
            vec![
                CitationKey::Source(1),
                CitationKey::Source(2),
                CitationKey::Source(3)
            ]
        );
    }

    #[test]
    fn a_bracket_part_without_at_is_kept_as_unknown() {
        assert_eq!(
            keys("[@S1; see p. 4]"),
            vec![
                CitationKey::Source(1),
                CitationKey::Unknown("see p. 4".into())
            ]
        );
    }

    // ---- portions -------------------------------------------------------------------------

    #[test]
    fn portions_split_top_level_blocks_with_markings() {
        let md = "(C) First paragraph [@S1].\n\nSecond paragraph.\n\n# (SBU) Heading\n\n- (S) item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n---\n";
        let ps = portions(md, U);
        assert_eq!(ps.len(), 6, "{ps:#?}");
        for (i, p) in ps.iter().enumerate() {
            assert_eq!(p.index, i);
            assert_eq!(&md[p.range.clone()], p.markdown);
        }
        assert_eq!((ps[0].marking, ps[0].explicit), (C, true));
        assert_eq!(ps[0].text, "First paragraph.");
        assert_eq!(ps[0].markdown, "(C) First paragraph [@S1].");
        assert_eq!(ps[0].citations.len(), 1);
        assert_eq!((ps[1].marking, ps[1].explicit), (U, false));
        assert_eq!(ps[1].text, "Second paragraph.");
        assert_eq!((ps[2].marking, ps[2].explicit), (SBU, true));
        assert_eq!(ps[2].text, "Heading");
        assert_eq!((ps[3].marking, ps[3].explicit), (S, true));
        assert_eq!(ps[3].text, "item one item two");
        assert_eq!(ps[4].text, "a b 1 2");
        assert_eq!(ps[5].text, "quoted");
    }

    #[test]
    fn marking_needs_a_space_or_the_end_and_is_never_read_from_code() {
        let p = |md: &str| portions(md, SBU).remove(0);
        assert_eq!((p("(U)").marking, p("(U)").explicit), (U, true));
        assert_eq!(p("(U)").text, "");
        assert!(!p("(U)text").explicit);
        assert!(!p("(TS) text").explicit);
        assert!(!p("(u) text").explicit);
        assert!(!p("`(S)` text").explicit);
        assert!(!p("text (S) later").explicit);
        assert_eq!(p("**(C)** bold start").marking, C);
        assert_eq!(p("(SBU)\ncontinued").text, "continued");
    }

    #[test]
    fn a_higher_nested_marking_raises_the_portion() {
        let ps = portions(
            "- (U) public\n- (S) secret item\n\n> (C) one\n>\n> (SBU) two",
            U,
        );
        assert_eq!((ps[0].marking, ps[0].explicit), (S, true));
        assert_eq!((ps[1].marking, ps[1].explicit), (C, true));
        let ps = portions("- plain\n- (SBU) item", U);
        assert_eq!((ps[0].marking, ps[0].explicit), (SBU, false));
    }

    #[test]
    fn text_drops_markup_citations_and_extra_whitespace() {
        let ps = portions(
            "(U) Claims   rose to **144,000** [@S3].\nSee [the report](https://x.org) and `code`[^1].\n\n[^1]: A note.",
            U,
        );
        assert_eq!(
            ps[0].text,
            "Claims rose to 144,000. See the report and code."
        );
        assert_eq!(ps[1].text, "A note.");
    }

    #[test]
    fn empty_blocks_are_not_portions() {
        assert!(portions("", U).is_empty());
        assert!(portions("   \n\n", U).is_empty());
        assert!(portions("---\n\n#\n\n- \n", U).is_empty());
    }

    #[test]
    fn code_and_html_blocks_are_portions() {
        let ps = portions("```\n(C) code 12\n```\n\n<div>\nraw <b>html</b>\n</div>", U);
        assert_eq!(ps.len(), 2);
        assert_eq!((ps[0].marking, ps[0].text.as_str()), (C, "code 12"));
        assert_eq!(ps[1].text, "raw html");
    }

    // ---- judgments ------------------------------------------------------------------------

    #[test]
    fn judgments_are_read_with_confidence_and_alternatives() {
        let md = "(U) Judgment (high confidence): Claims will stay high [@S1; @S2]. Alternatives considered: a fall after the protocol.\n\n**judgment (Moderate Confidence):** pressure eases.\n\nJudgement (low confidence): maybe.\n\nA judgment (high confidence): not at the start.\n\nJudgment: no confidence stated.";
        let js = judgments(&portions(md, U));
        assert_eq!(js.len(), 3, "{js:#?}");
        assert_eq!(js[0].portion, 0);
        assert_eq!(js[0].confidence, Confidence::High);
        assert_eq!(js[0].statement, "Claims will stay high.");
        assert_eq!(js[0].citations.len(), 2);
        assert_eq!(
            js[0].alternatives.as_deref(),
            Some("a fall after the protocol.")
        );
        assert_eq!(
            (js[1].portion, js[1].confidence, js[1].statement.as_str()),
            (1, Confidence::Moderate, "pressure eases.")
        );
        assert_eq!(js[1].alternatives, None);
        assert_eq!((js[2].portion, js[2].confidence), (2, Confidence::Low));
    }

    // ---- explicit markings ----------------------------------------------------------------

    #[test]
    fn markings_are_inserted_where_the_text_starts() {
        let md = "Plain paragraph.\n\n# Heading\n\n- item\n- (S) other\n\n1. first\n\n| | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n\\*escaped\n\n(C) already\n\n---\n\n[^1]: note\n";
        let out = with_explicit_markings(md, SBU);
        assert_eq!(
            out,
            "(SBU) Plain paragraph.\n\n# (SBU) Heading\n\n- (SBU) item\n- (S) other\n\n1. (SBU) first\n\n| | (SBU) b |\n|---|---|\n| 1 | 2 |\n\n> (SBU) quote\n\n(SBU) \\*escaped\n\n(C) already\n\n---\n\n[^1]: (SBU) note\n"
        );
        assert!(portions(&out, U).iter().all(|p| p.explicit));
        assert_eq!(with_explicit_markings(&out, SBU), out);
    }

    #[test]
    fn inserting_markings_keeps_text_and_citations() {
        let md = "Claims rose to 144,000 [@S3].\n\n- a [@S1]\n- b";
        let before = portions(md, C);
        let out = with_explicit_markings(md, C);
        let after = portions(&out, U);
        assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(b.text, a.text);
            assert_eq!(a.marking, C);
            let bk: Vec<_> = b.citations.iter().map(|c| &c.key).collect();
            let ak: Vec<_> = a.citations.iter().map(|c| &c.key).collect();
            assert_eq!(bk, ak);
        }
    }
}
