//! Property tests of the Markdown → Typst emitter: whatever the text, the generated Typst
//! compiles, and text prints exactly as written (never as Typst code).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chancery_pdf::layout_text;
use chancery_pdf::markup::{markdown_to_typst, text};
use proptest::prelude::*;

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

const PAGE: &str =
    "#set page(width: 60cm, height: auto, margin: 1cm)\n#set text(hyphenate: false)\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any text, Typst syntax included, prints as itself.
    #[test]
    fn any_text_prints_literally(s in "[ -~äéßçÅ—“”«»€\n]{0,120}") {
        let source = format!("{PAGE}{}", text(&s));
        let laid_out = layout_text(&source).unwrap();
        prop_assert_eq!(squeeze(&laid_out), squeeze(&s));
    }

    /// Any Markdown (headings, lists, tables, code, links, HTML, footnotes…) gives Typst that
    /// compiles.
    #[test]
    fn any_markdown_compiles(md in "([ -~\n]|#|\\||`|\\*|\\[\\^1\\]|\n- |\n\n|\n```\n|<[a-z]+>|\\$){0,80}") {
        let source = format!("{PAGE}{}", markdown_to_typst(&md, &BTreeSet::new()));
        prop_assert!(layout_text(&source).is_ok(), "{}", source);
    }
}

#[test]
fn typst_syntax_in_text_is_inert() {
    for s in [
        "#panic()",
        "$x$",
        "@ref",
        "<lab>",
        "*b*",
        "_i_",
        "\\",
        "`r`",
        "#{1+1}",
        "\"",
        "#\"x\";.len()",
        "= h",
        "// c",
        "/* c",
    ] {
        let out = layout_text(&format!("{PAGE}{}", text(s))).unwrap();
        assert_eq!(squeeze(&out), squeeze(s), "{s}");
    }
}
