//! The JSON form: the [`Document`] as documented in `docs/COMPILED.md`, plus the SHA-256 of
//! the document itself (the manifest's proof of the output).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::Document;

/// The JSON form with its own hash.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    document: &'a Document,
    /// SHA-256 of the compact JSON serialisation of `document` (every other field, in order).
    document_sha256: String,
}

/// SHA-256 (hex) of the compact JSON serialisation of the document: the fields of the JSON
/// form except `document_sha256`, in the order written, without whitespace.
pub fn document_sha256(doc: &Document) -> String {
    // Serialising plain data (strings, integers, enums) cannot fail.
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// The JSON form, pretty-printed, ending with a newline.
pub fn json(doc: &Document) -> String {
    let out = Output {
        document: doc,
        document_sha256: document_sha256(doc),
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
