//! Property tests for reading report Markdown: the readers never panic, their ranges are sound,
//! and adding explicit markings only inserts markings, is idempotent and marks every portion.

use chancery_domain::Classification;
use chancery_domain::markdown::{
    Portion, citations, judgments, normalise, portions, with_explicit_markings,
};
use proptest::prelude::*;

/// Strings dense in Markdown syntax, citations, markings and digits.
fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("[@S12]".to_string()),
            Just("[@S1; @TP2, p. 4]".to_string()),
            Just("(U) ".to_string()),
            Just("(S)".to_string()),
            Just("`".to_string()),
            Just("```".to_string()),
            Just("<div>".to_string()),
            Just("</div>".to_string()),
            Just("| a |".to_string()),
            Just("|---|".to_string()),
            Just("[^1]: ".to_string()),
            Just("    ".to_string()),
            "[\\[\\]@#*`>|\\-_ 0-9a-zA-Z(),.;:!<>/\\\\%$+=~^&é]{1,12}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Plausible report sections: paragraphs, headings, lists, quotes, tables and code built from
/// words, figures, markings and citations.
fn section() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-z]{1,8}",
        "[0-9]{1,3}(,[0-9]{3})?",
        Just("[@S3]".to_string()),
        Just("[@INC2, p. 4]".to_string()),
        Just("`code 12`".to_string()),
        Just("**bold**".to_string()),
        Just("\\*".to_string()),
        Just("&amp;".to_string()),
        Just("[link](https://example.org)".to_string()),
    ];
    let line = prop::collection::vec(word, 1..6).prop_map(|w| w.join(" "));
    let mark = prop_oneof![
        Just(String::new()),
        Just("(U) ".to_string()),
        Just("(SBU) ".to_string()),
        Just("(C) ".to_string()),
        Just("(S) ".to_string()),
    ];
    let block = (0..8u8, mark, line.clone(), line).prop_map(|(kind, mark, a, b)| match kind {
        0 => format!("{mark}{a}\n{b}"),
        1 => format!("## {mark}{a}"),
        2 => format!("- {mark}{a}\n- {b}"),
        3 => format!("1. {mark}{a}\n2. {b}"),
        4 => format!("> {mark}{a}\n> {b}"),
        5 => format!("| {mark}{a} | x |\n|---|---|\n| {b} | y |"),
        6 => format!("```\n{mark}{a}\n```"),
        _ => format!("[^1]: {mark}{a}"),
    });
    prop::collection::vec(block, 0..8).prop_map(|blocks| blocks.join("\n\n"))
}

fn level() -> impl Strategy<Value = Classification> {
    prop::sample::select(Classification::ALL.to_vec())
}

fn assert_sound(markdown: &str, ps: &[Portion]) {
    let mut end = 0;
    for (i, p) in ps.iter().enumerate() {
        assert_eq!(p.index, i);
        assert!(
            p.range.start >= end && p.range.end <= markdown.len(),
            "{p:?}"
        );
        assert_eq!(markdown.get(p.range.clone()), Some(p.markdown.as_str()));
        for c in &p.citations {
            assert!(
                p.range.start <= c.range.start && c.range.end <= p.range.end,
                "{c:?}"
            );
        }
        end = p.range.end;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalise_is_split_whitespace_joined_by_one_space(
        s in prop::collection::vec(
            prop_oneof![
                Just(" ".to_string()),
                Just("\u{a0}".to_string()),
                Just("\u{3000}".to_string()),
                Just("\u{b}".to_string()),
                Just("\r\n".to_string()),
                "[a-zé—]{1,6}",
                any::<String>(),
            ],
            0..20,
        )
    ) {
        let s = s.concat();
        prop_assert_eq!(normalise(&s), s.split_whitespace().collect::<Vec<_>>().join(" "));
    }

    #[test]
    fn readers_never_panic_and_ranges_are_sound(markdown in any::<String>(), default in level()) {
        let ps = portions(&markdown, default);
        assert_sound(&markdown, &ps);
        let _ = judgments(&ps);
        for c in citations(&markdown) {
            prop_assert!(markdown.get(c.range.clone()).is_some_and(|s| s.starts_with('[')));
        }
    }

    #[test]
    fn readers_handle_markdown_syntax(markdown in markdownish(), default in level()) {
        let ps = portions(&markdown, default);
        assert_sound(&markdown, &ps);
        for p in &ps {
            prop_assert!(p.marking >= default || p.explicit, "{p:?}");
        }
        let all = citations(&markdown);
        let in_portions: usize = ps.iter().map(|p| p.citations.len()).sum();
        prop_assert_eq!(all.len(), in_portions);
        for c in &all {
            prop_assert!(markdown.get(c.range.clone()).is_some_and(|s| s.starts_with('[') && s.ends_with(']')));
        }
    }

    #[test]
    fn explicit_markings_on_sections(markdown in section(), default in level()) {
        check_explicit(&markdown, default)?;
        let before = portions(&markdown, default);
        let after = portions(&with_explicit_markings(&markdown, default), default);
        prop_assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            prop_assert_eq!(&b.text, &a.text);
            prop_assert_eq!(b.marking, a.marking);
            prop_assert_eq!(b.citations.len(), a.citations.len());
        }
    }

    #[test]
    fn explicit_markings_on_markdown_syntax(markdown in markdownish(), default in level()) {
        check_explicit(&markdown, default)?;
    }

    #[test]
    fn explicit_markings_on_any_string(markdown in any::<String>(), default in level()) {
        check_explicit(&markdown, default)?;
    }
}

/// The rewrite only inserts markings, marks every portion, and is idempotent.
fn check_explicit(markdown: &str, default: Classification) -> Result<(), TestCaseError> {
    let out = with_explicit_markings(markdown, default);
    let ps = portions(&out, default);
    prop_assert!(ps.iter().all(|p| p.explicit), "{out:?} -> {ps:#?}");
    prop_assert_eq!(with_explicit_markings(&out, default), out.clone());
    // Only insertions: the input is a subsequence of the output and the length grew by whole
    // markings.
    let mark = format!("{} ", default.portion_mark());
    prop_assert_eq!((out.len() - markdown.len()) % mark.len(), 0);
    let mut rest = out.chars();
    prop_assert!(markdown.chars().all(|c| rest.any(|o| o == c)));
    Ok(())
}
