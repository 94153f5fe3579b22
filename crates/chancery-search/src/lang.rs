//! Languages: one analyzer per language (tokenize, drop over-long tokens, lower-case, fold
//! accents, drop stop words, stem), and one index field per language.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

/// A language the index stems. Anything else is indexed without stemming ([`Lang::Other`]),
/// still lower-cased and accent-folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English (the default deployment language).
    En,
    /// French.
    Fr,
    /// German.
    De,
    /// Italian.
    It,
    /// Spanish.
    Es,
    /// Swedish.
    Sv,
    /// Dutch.
    Nl,
    /// Any other language: no stemming, no stop words.
    Other,
}

impl Lang {
    /// Every analyzer the index has.
    pub const ALL: [Lang; 8] = [
        Lang::En,
        Lang::Fr,
        Lang::De,
        Lang::It,
        Lang::Es,
        Lang::Sv,
        Lang::Nl,
        Lang::Other,
    ];

    /// The ISO 639-1 code (`xx` for [`Lang::Other`]).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::It => "it",
            Lang::Es => "es",
            Lang::Sv => "sv",
            Lang::Nl => "nl",
            Lang::Other => "xx",
        }
    }

    /// A deployment's report language: one of the languages with a stemmer (`en`, `fr`,
    /// `de`, `it`, `es`, `sv`, `nl`), else a message saying which codes are accepted.
    pub fn report_language(code: &str) -> Result<Lang, String> {
        let lang = Lang::from_code(code);
        if lang == Lang::Other || lang.code() != code.trim().to_ascii_lowercase() {
            return Err(format!(
                "report language {code:?} is not supported: give one of {}",
                Lang::ALL
                    .into_iter()
                    .filter(|l| *l != Lang::Other)
                    .map(Lang::code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(lang)
    }

    /// The analyzer for an ISO 639-1 code; unknown codes get [`Lang::Other`].
    pub fn from_code(code: &str) -> Lang {
        let code = code.trim().to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|l| *l != Lang::Other && l.code() == code)
            .unwrap_or(Lang::Other)
    }

    fn stemmer(self) -> Option<Language> {
        Some(match self {
            Lang::En => Language::English,
            Lang::Fr => Language::French,
            Lang::De => Language::German,
            Lang::It => Language::Italian,
            Lang::Es => Language::Spanish,
            Lang::Sv => Language::Swedish,
            Lang::Nl => Language::Dutch,
            Lang::Other => return None,
        })
    }

    /// The name of this language's tokenizer and text field.
    pub fn field_name(self) -> String {
        format!("text_{}", self.code())
    }

    /// The full analyzer (what documents are indexed with, and words are searched with).
    pub fn analyzer(self) -> TextAnalyzer {
        let base = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter);
        match self.stemmer() {
            Some(lang) => match StopWordFilter::new(lang) {
                Some(stop) => base.filter(stop).filter(Stemmer::new(lang)).build(),
                None => base.filter(Stemmer::new(lang)).build(),
            },
            None => base.build(),
        }
    }

    /// Tokens of `text` with their positions, as this language indexes them.
    pub fn tokens(self, text: &str) -> Vec<(usize, String)> {
        let mut analyzer = self.analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.position, t.text.clone()));
        }
        out
    }
}

/// Lower-cases and folds accents without stemming (for `prefix*` searches).
pub fn fold(text: &str) -> Vec<String> {
    let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_folds_per_language() {
        assert_eq!(Lang::En.tokens("Countries' housing")[0].1, "countri");
        assert_eq!(
            Lang::Fr.tokens("Réfugiés")[0].1,
            Lang::Fr.tokens("refugie")[0].1
        );
        assert_eq!(
            Lang::De.tokens("Flüchtlinge")[0].1,
            Lang::De.tokens("fluchtling")[0].1
        );
        assert!(Lang::En.tokens("the of and").is_empty());
        assert_eq!(Lang::from_code("FR"), Lang::Fr);
        assert_eq!(Lang::from_code("pt"), Lang::Other);
        assert_eq!(Lang::Other.tokens("Ação")[0].1, "acao");
        assert_eq!(fold("Sécurité"), vec!["securite".to_string()]);
    }
}
