//! The index schema: one field per facet and filter, the visibility facts, stored display
//! fields, and one text field per language (each with its own analyzer).

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::lang::Lang;

/// Bump when the schema or the analyzers change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// The fields, looked up once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Unique document key.
    pub key: Field,
    /// Database object the document derives from (delete by this to re-index an object).
    pub object: Field,
    /// Facets and filters (string, fast).
    pub kind: Field,
    /// Post code.
    pub post: Field,
    /// Country.
    pub country: Field,
    /// Tasking reference.
    pub tasking: Field,
    /// Section key.
    pub section: Field,
    /// Year.
    pub year: Field,
    /// Own marking code (`U`, …): the classification facet.
    pub class: Field,
    /// Source grade.
    pub grade: Field,
    /// Level needed to read (rank 0–3, max of own and tasking marking).
    pub level: Field,
    /// Recency (`YYYYMMDD`), the tie-breaker.
    pub recency: Field,
    /// A hash of the key: the last tie-breaker, independent of segments.
    pub order: Field,
    /// Report status (paragraphs).
    pub rstatus: Field,
    /// `1` when the tasking is issued or closed (paragraphs).
    pub topen: Field,
    /// The tasking's addressees (paragraphs, multi-valued).
    pub addressee: Field,
    /// `1` when the record is owned by a post.
    pub owned: Field,
    /// Display: heading.
    pub title: Field,
    /// Display: text (snippets are cut from it).
    pub body: Field,
    /// Display: link.
    pub link: Field,
    /// Display: language code of the analyzer.
    pub lang: Field,
    /// Display: report version.
    pub version: Field,
    /// Display: section revision.
    pub revision: Field,
    /// Searchable text, one field per language.
    pub text: Vec<(Lang, Field)>,
}

impl Fields {
    /// The text field of `lang`.
    pub fn text_of(&self, lang: Lang) -> Field {
        self.text
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, f)| *f)
            // Every language has a field (built from Lang::ALL); Other is the fallback.
            .unwrap_or(self.text[self.text.len() - 1].1)
    }

    /// The facet fields, by the name used in URLs and JSON.
    pub fn facets(&self) -> [(&'static str, Field); 8] {
        [
            ("kind", self.kind),
            ("post", self.post),
            ("country", self.country),
            ("tasking", self.tasking),
            ("section", self.section),
            ("year", self.year),
            ("classification", self.class),
            ("grade", self.grade),
        ]
    }
}

/// Builds the schema.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let facet = STRING | FAST | STORED;
    let text = |lang: Lang| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&lang.field_name())
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        object: b.add_text_field("object", STRING),
        kind: b.add_text_field("kind", facet.clone()),
        post: b.add_text_field("post", facet.clone()),
        country: b.add_text_field("country", facet.clone()),
        tasking: b.add_text_field("tasking", facet.clone()),
        section: b.add_text_field("section", facet.clone()),
        year: b.add_text_field("year", facet.clone()),
        class: b.add_text_field("classification", facet.clone()),
        grade: b.add_text_field("grade", facet),
        level: b.add_u64_field("level", INDEXED | FAST),
        recency: b.add_u64_field("recency", FAST | STORED),
        order: b.add_u64_field("order", FAST),
        rstatus: b.add_text_field("rstatus", STRING),
        topen: b.add_text_field("topen", STRING),
        addressee: b.add_text_field("addressee", STRING),
        owned: b.add_text_field("owned", STRING),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        link: b.add_text_field("link", STORED),
        lang: b.add_text_field("lang", STORED),
        version: b.add_i64_field("version", STORED),
        revision: b.add_i64_field("revision", STORED),
        text: Lang::ALL
            .into_iter()
            .map(|l| (l, b.add_text_field(&l.field_name(), text(l))))
            .collect(),
    };
    (b.build(), fields)
}

/// Registers each language's analyzer under its field's tokenizer name.
pub fn register_analyzers(index: &Index) {
    for l in Lang::ALL {
        index.tokenizers().register(&l.field_name(), l.analyzer());
    }
}
