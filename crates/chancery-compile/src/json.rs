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
    // Streamed into the hash (a 300-post report with its charts is megabytes of JSON).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
    // Serialising plain data (strings, integers, enums) into a hash cannot fail.
    let _ = serde_json::to_writer(&mut out, doc);
    let _ = std::io::Write::flush(&mut out);
    let (HashWriter(hash), _) = out.into_parts();
    hex::encode(hash.finalize())
}

/// An `io::Write` that feeds a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
