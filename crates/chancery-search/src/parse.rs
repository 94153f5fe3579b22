//! The query language people type: words, `"phrases"`, `-exclusions` and `prefix*`, parsed
//! into [`Clause`]s with a message naming what is wrong and where (never a panic).

use std::fmt;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 400;
/// The most clauses (words, phrases, prefixes) in one query.
pub const MAX_CLAUSES: usize = 32;
/// The shortest prefix before `*` (shorter ones would match most of the vocabulary).
pub const MIN_PREFIX_CHARS: usize = 2;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// What to look for.
    pub what: Needle,
    /// `-word`: documents containing it are left out.
    pub exclude: bool,
}

/// The text of a clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needle {
    /// One word (stemmed and accent-folded in each language).
    Word(String),
    /// Words that must appear together, in order.
    Phrase(String),
    /// Words starting with this text (accent-folded and lower-cased, not stemmed).
    Prefix(String),
}

/// Why a query was refused. Each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing to search for.
    #[error("the query is empty: type one or more words to search for")]
    Empty,
    /// Above [`MAX_QUERY_CHARS`].
    #[error("the query is {0} characters long; at most {MAX_QUERY_CHARS} are accepted: shorten it")]
    TooLong(usize),
    /// A `"` without its partner.
    #[error(
        "the quote at character {0} is not closed: phrases go between two double quotes, like \"safe third country\""
    )]
    UnbalancedQuote(usize),
    /// More than [`MAX_CLAUSES`] parts.
    #[error("the query has {0} words or phrases; at most {MAX_CLAUSES} are accepted")]
    TooManyClauses(usize),
    /// Only `-word`s.
    #[error("the query only excludes (-word): add at least one word to look for")]
    OnlyExclusions,
    /// `a*`.
    #[error("the prefix {0:?} is too short: give at least {MIN_PREFIX_CHARS} letters before *")]
    ShortPrefix(String),
    /// Every word is a stop word ("the", "of", …) in every language indexed.
    #[error(
        "the query only holds common words that are not indexed ({0}): add a more specific word"
    )]
    OnlyStopWords(String),
    /// A filter name or value that does not exist.
    #[error("{0}")]
    BadFilter(String),
    /// A page after the last one.
    #[error("page {page} is beyond the last page of results ({last}): go back to page {last}")]
    PageBeyondEnd {
        /// Page asked for.
        page: u64,
        /// The last page there is.
        last: u64,
    },
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Its clauses, in the order typed.
    pub clauses: Vec<Clause>,
}

impl fmt::Display for ParsedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if c.exclude {
                f.write_str("-")?;
            }
            match &c.what {
                Needle::Word(w) => f.write_str(w)?,
                Needle::Phrase(p) => write!(f, "\"{p}\"")?,
                Needle::Prefix(p) => write!(f, "{p}*")?,
            }
        }
        Ok(())
    }
}

/// Parses what the user typed.
pub fn parse(input: &str) -> Result<ParsedQuery, QueryError> {
    let chars = input.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong(chars));
    }
    let mut clauses = Vec::new();
    let mut it = input.char_indices().peekable();
    let mut position = 0usize; // in characters, for messages
    while let Some(&(_, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            position += 1;
            continue;
        }
        let mut exclude = false;
        if c == '-' {
            exclude = true;
            it.next();
            position += 1;
        }
        match it.peek() {
            Some(&(_, '"')) => {
                let open = position + 1;
                it.next();
                position += 1;
                let mut phrase = String::new();
                let mut closed = false;
                for (_, ch) in it.by_ref() {
                    position += 1;
                    if ch == '"' {
                        closed = true;
                        break;
                    }
                    phrase.push(ch);
                }
                if !closed {
                    return Err(QueryError::UnbalancedQuote(open));
                }
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                if !phrase.is_empty() {
                    clauses.push(Clause {
                        what: Needle::Phrase(phrase),
                        exclude,
                    });
                }
            }
            Some(_) => {
                let mut word = String::new();
                while let Some(&(_, ch)) = it.peek() {
                    if ch.is_whitespace() {
                        break;
                    }
                    if ch == '"' {
                        return Err(QueryError::UnbalancedQuote(position + 1)
                            .or_phrase_inside(input, position));
                    }
                    word.push(ch);
                    it.next();
                    position += 1;
                }
                let what = match word.strip_suffix('*') {
                    Some(stem) => {
                        let stem = stem.trim_end_matches('*');
                        if stem.chars().filter(|c| c.is_alphanumeric()).count() < MIN_PREFIX_CHARS {
                            return Err(QueryError::ShortPrefix(word));
                        }
                        Needle::Prefix(stem.to_string())
                    }
                    None => Needle::Word(word),
                };
                clauses.push(Clause { what, exclude });
            }
            None => {}
        }
    }
    if clauses.is_empty() {
        return Err(QueryError::Empty);
    }
    if clauses.len() > MAX_CLAUSES {
        return Err(QueryError::TooManyClauses(clauses.len()));
    }
    if clauses.iter().all(|c| c.exclude) {
        return Err(QueryError::OnlyExclusions);
    }
    Ok(ParsedQuery { clauses })
}

impl QueryError {
    /// A quote in the middle of a word (`safe"third`) is balanced or not depending on the
    /// rest of the query; say which quote is unmatched when it is.
    fn or_phrase_inside(self, input: &str, position: usize) -> QueryError {
        let quotes = input.chars().filter(|c| *c == '"').count();
        if quotes % 2 == 1 {
            QueryError::UnbalancedQuote(position + 1)
        } else {
            QueryError::BadFilter(format!(
                "the quote at character {} is inside a word: put a space before a phrase, like safe \"third country\"",
                position + 1
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clauses(q: &str) -> Vec<Clause> {
        parse(q).unwrap().clauses
    }

    #[test]
    fn words_phrases_exclusions_and_prefixes() {
        let c = clauses(r#"housing "safe  third country" -Roxham migr*"#);
        assert_eq!(
            c,
            vec![
                Clause {
                    what: Needle::Word("housing".into()),
                    exclude: false
                },
                Clause {
                    what: Needle::Phrase("safe third country".into()),
                    exclude: false
                },
                Clause {
                    what: Needle::Word("Roxham".into()),
                    exclude: true
                },
                Clause {
                    what: Needle::Prefix("migr".into()),
                    exclude: false
                },
            ]
        );
        assert_eq!(
            parse(r#"-"a b" c"#).unwrap().to_string(),
            r#"-"a b" c"#.to_string()
        );
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(parse("   "), Err(QueryError::Empty));
        assert_eq!(parse(r#""""#), Err(QueryError::Empty));
        assert_eq!(
            parse(r#"safe "third country"#),
            Err(QueryError::UnbalancedQuote(6))
        );
        assert_eq!(parse("-roxham"), Err(QueryError::OnlyExclusions));
        assert!(matches!(parse("a*"), Err(QueryError::ShortPrefix(_))));
        assert!(matches!(parse("*"), Err(QueryError::ShortPrefix(_))));
        let long = "word ".repeat(100);
        assert_eq!(parse(&long), Err(QueryError::TooLong(500)));
        let many = "w ".repeat(40);
        assert_eq!(parse(&many), Err(QueryError::TooManyClauses(40)));
        assert!(matches!(
            parse(r#"ab"c"#),
            Err(QueryError::UnbalancedQuote(3))
        ));
        assert!(matches!(parse(r#"ab"c "d"#), Err(QueryError::BadFilter(_))));
        for e in [
            QueryError::Empty,
            QueryError::TooLong(401),
            QueryError::UnbalancedQuote(1),
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,450}") {
            let _ = parse(&s);
        }
    }
}
