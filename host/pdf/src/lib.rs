//! Layout-aware PDF text extraction for tabletop RPG books, built on [`lopdf`].
//!
//! Reads pages the way a person does: two-column pages column by column, running headers,
//! footers and page numbers dropped, words hyphenated across lines joined, ligatures and odd
//! spacing normalized, tables kept as one block with one row per line. A bad page never stops
//! the whole book: each page gets its own [`PageOutcome`]. [`Budgets`] bound what a hostile
//! file may cost in memory and time; a page over budget is [`PageError::OverBudget`].
//!
//! ```no_run
//! let bytes = std::fs::read("book.pdf").unwrap();
//! let extraction = ttrpg_pdf::extract(&bytes).unwrap();
//! for page in &extraction.pages {
//!     match &page.result {
//!         Ok(p) => println!("--- page {}\n{}", p.number, p.to_text()),
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! ```

#![warn(missing_docs)]

mod blocks;
mod budget;
mod error;
mod fonts;
mod furniture;
mod glyph_text;
mod headings;
mod interpret;
mod layout;
mod lexer;
mod lines;
mod model;
mod objects;
mod pipeline;
mod tables;
mod words;

pub use budget::{Budget, Budgets};
pub use error::{PageError, PdfError};
pub use model::{Block, BlockKind, Extraction, Page, PageOutcome, Rect};

/// Knobs for [`extract_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractOptions {
    /// Password for encrypted files (the empty user password is always tried first).
    pub password: Option<String>,
    /// Drop running headers, footers and page numbers (default `true`).
    pub drop_page_furniture: bool,
    /// Number of worker threads reading pages; `0` means one per available core (default
    /// `0`). Each thread reads one page at a time, so the per-page part of peak memory (see
    /// [`Budgets`]) is multiplied by this: a host that caps memory should set it rather than
    /// take one thread per core. (lopdf parses the file itself on rayon's global pool before
    /// the pages are read.)
    pub threads: usize,
    /// Limits against hostile input (see [`Budgets`] for the defaults and what each bounds).
    pub budgets: Budgets,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions { password: None, drop_page_furniture: true, threads: 0, budgets: Budgets::default() }
    }
}

/// Extracts the text of every page of a PDF held in memory, with default options.
///
/// Fails only for whole-file problems: not a PDF, damaged beyond repair, or encrypted
/// with a password we do not have. Problems with single pages are reported per page.
pub fn extract(bytes: &[u8]) -> Result<Extraction, PdfError> {
    extract_with(bytes, &ExtractOptions::default(), &|_, _| {})
}

/// Extracts the text of every page, with options and a progress callback.
///
/// `progress(done, total)` is called from worker threads as pages finish (`done` counts
/// pages finished so far, in no particular page order).
pub fn extract_with(
    bytes: &[u8],
    options: &ExtractOptions,
    progress: &(dyn Fn(u32, u32) + Sync),
) -> Result<Extraction, PdfError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pipeline::run(bytes, options, progress))) {
        Ok(result) => result,
        Err(_) => Err(PdfError::Damaged(
            "the file's structure could not be read (internal error while parsing)".into(),
        )),
    }
}

/// Debugging aid: one line per fragment of page `number` (1-based) with its position, size
/// and style, in the order the layout sees them. Not part of the stable API.
#[doc(hidden)]
pub fn debug_fragments(bytes: &[u8], number: u32) -> Vec<String> {
    pipeline::debug_fragments(bytes, number)
}
