//! The extraction pipeline: load the document, read pages in parallel, then apply the
//! document-wide passes (page furniture, heading levels, hyphenation dictionary).

use std::sync::atomic::{AtomicU32, Ordering};

use lopdf::{DecompressError, Document, LoadOptions};
use rayon::prelude::*;

use crate::ExtractOptions;
use crate::budget::{Budget, Budgets, FileMeter, PageMeter};
use crate::error::{PageError, PdfError};
use crate::fonts::FontCache;
use crate::interpret::{PageContent, PageFailure, interpret_page};
use crate::lines::{Fragment, fragments};
use crate::model::{Extraction, Page, PageOutcome};

/// A page after interpretation and line building, before document-wide passes.
pub(crate) struct RawPage {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) fragments: Vec<Fragment>,
}

/// Runs the whole extraction.
pub(crate) fn run(
    bytes: &[u8],
    options: &ExtractOptions,
    progress: &(dyn Fn(u32, u32) + Sync),
) -> Result<Extraction, PdfError> {
    let file = FileMeter::new(&options.budgets);
    let doc = load(bytes, options)?;
    let page_ids: Vec<(u32, lopdf::ObjectId)> = doc.get_pages().into_iter().collect();
    if page_ids.is_empty() {
        return Err(PdfError::NoPages);
    }
    let total = page_ids.len() as u32;
    let fonts = FontCache::default();
    let done = AtomicU32::new(0);

    let read_page = |&(number, id): &(u32, lopdf::ObjectId)| -> Result<RawPage, PageError> {
        let reader = PageReader { doc: &doc, fonts: &fonts, budgets: &options.budgets, file: &file };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.read(number, id)))
            .unwrap_or_else(|_| {
                Err(PageError::Damaged {
                    page: number,
                    reason: "internal error while reading the page".into(),
                })
            });
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(finished, total);
        result
    };
    let raw: Vec<Result<RawPage, PageError>> = if options.threads == 1 {
        page_ids.iter().map(read_page).collect()
    } else if options.threads == 0 {
        // rayon's global pool: one worker per core, started once per process.
        page_ids.par_iter().map(read_page).collect()
    } else {
        match rayon::ThreadPoolBuilder::new().num_threads(options.threads).build() {
            Ok(pool) => pool.install(|| page_ids.par_iter().map(read_page).collect()),
            Err(_) => page_ids.iter().map(read_page).collect(),
        }
    };

    let numbers: Vec<u32> = (1..=total).collect();
    let mut raw = raw;
    if options.drop_page_furniture {
        crate::furniture::remove_furniture(&mut raw);
    }
    let styles = crate::headings::HeadingStyles::from_pages(&raw);
    let dictionary = crate::words::WordDictionary::from_pages(&raw);
    let pages: Vec<PageOutcome> = raw
        .into_iter()
        .zip(numbers)
        .map(|(result, number)| PageOutcome {
            number,
            result: result.map(|raw| {
                let blocks = crate::layout::page_blocks(&raw, &styles, &dictionary);
                Page { number, width: raw.width, height: raw.height, blocks }
            }),
        })
        .collect();
    Ok(Extraction { pages, page_count: total, body_font_size: styles.body_size })
}

fn load(bytes: &[u8], options: &ExtractOptions) -> Result<Document, PdfError> {
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(PdfError::NotPdf(describe_non_pdf(bytes)));
    }
    let object_stream_bytes = options.budgets.object_stream_bytes;
    let load_options = LoadOptions {
        password: options.password.clone(),
        max_decompressed_size: Some(usize::try_from(object_stream_bytes).unwrap_or(usize::MAX)),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, load_options) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
            return Err(PdfError::OverBudget {
                budget: Budget::ObjectStreamBytes,
                limit: object_stream_bytes,
            });
        }
        Err(lopdf::Error::InvalidPassword) => {
            return Err(PdfError::Encrypted("the password given is wrong".into()));
        }
        Err(lopdf::Error::Decryption(e)) => return Err(PdfError::Encrypted(format!("cannot decrypt: {e}"))),
        Err(lopdf::Error::UnsupportedSecurityHandler(h)) => {
            return Err(PdfError::Encrypted(format!(
                "unsupported security handler {}",
                String::from_utf8_lossy(&h)
            )));
        }
        Err(e) => return Err(PdfError::Damaged(e.to_string())),
    };
    if doc.is_encrypted() && !doc.was_encrypted() {
        let reason = if options.password.is_some() {
            "the password given is wrong"
        } else {
            "it has a user password and none was given"
        };
        return Err(PdfError::Encrypted(reason.into()));
    }
    Ok(doc)
}

fn describe_non_pdf(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "the file is empty".into();
    }
    let sample = &bytes[..bytes.len().min(512)];
    let printable = sample.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count();
    if printable * 10 >= sample.len() * 9 {
        "it looks like a text file (no %PDF- header)".into()
    } else {
        "no %PDF- header in its first 1024 bytes".into()
    }
}

/// What reading one page needs: the document, its shared fonts, and the budgets with what
/// the file has spent of them.
struct PageReader<'a> {
    doc: &'a Document,
    fonts: &'a FontCache,
    budgets: &'a Budgets,
    file: &'a FileMeter,
}

impl PageReader<'_> {
    fn read(&self, number: u32, id: lopdf::ObjectId) -> Result<RawPage, PageError> {
        let over_budget = |budget: Budget| PageError::OverBudget {
            page: number,
            budget,
            limit: self.budgets.limit(budget),
        };
        if let Some(budget) = self.file.spent(self.budgets) {
            return Err(over_budget(budget));
        }
        let meter = PageMeter::new(self.budgets, self.file);
        let content: PageContent =
            interpret_page(self.doc, self.fonts, meter, id).map_err(|failure| match failure {
                PageFailure::Damaged(reason) => PageError::Damaged { page: number, reason },
                PageFailure::OverBudget(budget) => over_budget(budget),
            })?;
        let fragments = fragments(&content.chars);
        drop(content.chars);
        if fragments.is_empty() {
            if content.unknown_glyphs > 0 {
                return Err(PageError::Undecodable { page: number });
            }
            if !content.problems.is_empty() {
                return Err(PageError::Damaged { page: number, reason: content.problems.join("; ") });
            }
            return Err(PageError::NoText { page: number, images: content.images });
        }
        self.file.charge_text(self.budgets, retained_bytes(&fragments)).map_err(over_budget)?;
        Ok(RawPage { width: content.width, height: content.height, fragments })
    }
}

/// Memory a page's fragments hold until the document-wide passes (see
/// [`Budgets::file_text_bytes`]).
fn retained_bytes(fragments: &[Fragment]) -> u64 {
    let word = std::mem::size_of::<(f32, f32)>();
    fragments
        .iter()
        .map(|f| (std::mem::size_of::<Fragment>() + f.text.len() + f.words.len() * word) as u64)
        .sum()
}

/// See [`crate::debug_fragments`].
pub(crate) fn debug_fragments(bytes: &[u8], number: u32) -> Vec<String> {
    let Ok(doc) = load(bytes, &ExtractOptions::default()) else {
        return vec!["cannot load".into()];
    };
    let Some(id) = doc.get_pages().get(&number).copied() else {
        return vec!["no such page".into()];
    };
    let budgets = Budgets::default();
    let (fonts, file) = (FontCache::default(), FileMeter::new(&budgets));
    let reader = PageReader { doc: &doc, fonts: &fonts, budgets: &budgets, file: &file };
    match reader.read(number, id) {
        Ok(page) => page
            .fragments
            .iter()
            .map(|f| {
                format!(
                    "x {:6.1}-{:6.1} y {:6.1} size {:4.1}{}{}{} bp{} {:?}",
                    f.x0,
                    f.x1,
                    f.y,
                    f.size,
                    if f.bold { " B" } else { "" },
                    if f.italic { " I" } else { "" },
                    if f.artifact { " A" } else { "" },
                    f.bold_prefix,
                    f.text
                )
            })
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}
