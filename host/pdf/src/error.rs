//! Error types: whole-file failures ([`PdfError`]) and per-page failures ([`PageError`]).

use thiserror::Error;

use crate::budget::Budget;

/// A failure that stops the whole file from being read.
///
/// Per-page problems never produce this; they are reported as [`PageError`] inside
/// [`crate::PageOutcome`] so that one bad page never stops the whole book.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The bytes are not a PDF at all (for example a text file renamed to `.pdf`).
    #[error("not a PDF file: {0}")]
    NotPdf(String),
    /// The file starts like a PDF but its structure is damaged beyond repair.
    #[error("the PDF file is damaged beyond repair: {0}")]
    Damaged(String),
    /// The file is encrypted and the password we have (none, or the one given) does not open it.
    #[error("the PDF file is encrypted and needs a password to open ({0})")]
    Encrypted(String),
    /// The file opened but contains no pages.
    #[error("the PDF file has no pages")]
    NoPages,
    /// Loading the file would exceed a budget (only [`Budget::ObjectStreamBytes`] is enforced
    /// while loading; see [`crate::Budgets`]).
    #[error("the PDF file was not read: {} (budget {})", budget.describe(*limit), budget.field_name())]
    OverBudget {
        /// The budget exceeded.
        budget: Budget,
        /// Its limit, in the budget's unit.
        limit: u64,
    },
}

/// Why a single page produced no usable text.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PageError {
    /// The page draws no text at all; typically a scanned (image-only) page.
    #[error("page {page} has no text layer (image-only?{})", image_note(*.images))]
    NoText {
        /// 1-based page number.
        page: u32,
        /// Number of images the page draws (0 for a blank page).
        images: u32,
    },
    /// The page draws text, but its fonts give no way to turn it into Unicode.
    #[error("page {page} has text that cannot be decoded (fonts without a Unicode mapping)")]
    Undecodable {
        /// 1-based page number.
        page: u32,
    },
    /// Reading the page would exceed one of the [`crate::Budgets`]: a page budget (the page
    /// itself is too costly) or a file budget (the file spent it on earlier pages, or on this
    /// one). Nothing of the page is kept; the other pages are read as usual.
    #[error("page {page} was not read: {} (budget {})", budget.describe(*limit), budget.field_name())]
    OverBudget {
        /// 1-based page number.
        page: u32,
        /// The budget exceeded.
        budget: Budget,
        /// Its limit, in the budget's unit (bytes, a count, or milliseconds for
        /// [`Budget::PageTime`]).
        limit: u64,
    },
    /// The page object or its content stream is damaged.
    #[error("page {page} is damaged: {reason}")]
    Damaged {
        /// 1-based page number.
        page: u32,
        /// What went wrong, in words.
        reason: String,
    },
}

fn image_note(images: u32) -> String {
    match images {
        0 => " the page is blank".to_string(),
        1 => " it draws 1 image".to_string(),
        n => format!(" it draws {n} images"),
    }
}

impl PageError {
    /// The 1-based page number this error is about.
    pub fn page(&self) -> u32 {
        match self {
            PageError::NoText { page, .. }
            | PageError::Undecodable { page }
            | PageError::Damaged { page, .. }
            | PageError::OverBudget { page, .. } => *page,
        }
    }
}
