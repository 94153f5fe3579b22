//! An in-memory Typst `World`: one generated main file, chart files served from memory, the
//! fonts bundled in typst-assets (loaded once per process) and a fixed date.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::PdfError;

/// Fonts, font book and standard library, built once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

struct ReportWorld {
    main: Source,
    files: BTreeMap<String, Bytes>,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(name, _)| file_id(&format!("/{name}")) == Some(id))
            .map(|(_, bytes)| bytes.clone())
            .ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

/// Lays out Typst `source` (with `files` available as `/NAME`); `date` (`YYYY-MM-DD`) is what
/// `datetime.today()` returns.
fn layout(
    source: &str,
    files: BTreeMap<String, Vec<u8>>,
    date: &str,
) -> Result<PagedDocument, PdfError> {
    let main_id = file_id("/main.typ").ok_or_else(|| PdfError::Typeset("bad main path".into()))?;
    let mut parts = date.split('-').map(|p| p.parse::<i32>().ok());
    let today = match (parts.next(), parts.next(), parts.next()) {
        (Some(Some(y)), Some(Some(m)), Some(Some(d))) => Datetime::from_ymd(
            y,
            u8::try_from(m).unwrap_or(1),
            u8::try_from(d).unwrap_or(1),
        ),
        _ => None,
    };
    let world = ReportWorld {
        main: Source::new(main_id, source.to_string()),
        files: files.into_iter().map(|(k, v)| (k, Bytes::new(v))).collect(),
        today,
    };
    typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|diags| PdfError::Typeset(describe(&diags)))
}

/// Typesets Typst `source` (with `files` available as `/NAME`) into a PDF. `date`
/// (`YYYY-MM-DD`) is what `datetime.today()` returns.
pub fn typeset(
    source: &str,
    files: BTreeMap<String, Vec<u8>>,
    date: &str,
) -> Result<Vec<u8>, PdfError> {
    let document = layout(source, files, date)?;
    let bytes = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|diags| PdfError::Export(describe(&diags)))?;
    // Typst memoises across calls; keep a long-running server's cache from growing.
    typst::comemo::evict(10);
    Ok(bytes)
}

/// The text typst lays out for `source`, in reading order, runs separated by spaces: what a
/// reader of the PDF would read (used to check that report text prints literally).
pub fn layout_text(source: &str) -> Result<String, PdfError> {
    let document = layout(source, BTreeMap::new(), "2026-01-01")?;
    let mut out = String::new();
    for page in document.pages() {
        frame_text(&page.frame, &mut out);
    }
    Ok(out)
}

fn frame_text(frame: &typst::layout::Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            typst::layout::FrameItem::Group(g) => frame_text(&g.frame, out),
            typst::layout::FrameItem::Text(t) => {
                out.push_str(t.text.as_str());
                out.push(' ');
            }
            _ => {}
        }
    }
}

fn describe(diags: &[typst::diag::SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let hints: Vec<&str> = d.hints.iter().map(|h| h.v.as_str()).collect();
            if hints.is_empty() {
                d.message.to_string()
            } else {
                format!("{} (hint: {})", d.message, hints.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
