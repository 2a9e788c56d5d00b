//! The extraction result: pages made of typed blocks, and their light-Markdown rendering.

use crate::error::PageError;

/// Everything extracted from one PDF file.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// One outcome per page, in file order (`pages[i].number == i + 1`).
    pub pages: Vec<PageOutcome>,
    /// Number of pages in the file.
    pub page_count: u32,
    /// The body text font size (most common size in the document), in points.
    pub body_font_size: f32,
}

impl Extraction {
    /// Pages that failed, with their errors.
    pub fn errors(&self) -> impl Iterator<Item = &PageError> {
        self.pages.iter().filter_map(|p| p.result.as_ref().err())
    }

    /// The plain (light Markdown) text of page `number` (1-based), if it was extracted.
    pub fn page_text(&self, number: u32) -> Option<String> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.pages.get(index)?.result.as_ref().ok().map(Page::to_text)
    }
}

/// What happened to one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageOutcome {
    /// 1-based index of the page in the file.
    pub number: u32,
    /// The page's text, or why there is none.
    pub result: Result<Page, PageError>,
}

/// One page's text in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// 1-based index of the page in the file.
    pub number: u32,
    /// Width of the page in points.
    pub width: f32,
    /// Height of the page in points.
    pub height: f32,
    /// Blocks in reading order.
    pub blocks: Vec<Block>,
}

/// A rectangle in page space: points, origin at the top-left corner, y growing downwards.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// Width of the rectangle.
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading; level 1 is the biggest type in the document.
    Heading {
        /// 1 (`#`) to 4 (`####`).
        level: u8,
    },
    /// Running text, lines joined into one.
    Paragraph,
    /// A table: one row per line, cells separated by `" | "`.
    Table,
    /// A bulleted list item (its text without the bullet; rendered as `- text`).
    ListItem,
}

/// A piece of a page: a heading, paragraph, table or list item.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// What the block is.
    pub kind: BlockKind,
    /// Its text: one line for headings, paragraphs and list items; one line per row for tables.
    pub text: String,
    /// Where it sits on the page.
    pub bbox: Rect,
    /// Reading column it came from: 0 for full width or the left column, 1 for the next, and so on.
    pub column: u8,
    /// Dominant font size in points.
    pub font_size: f32,
}

impl Page {
    /// The page as light Markdown: headings as `#` lines, paragraphs separated by a blank
    /// line, tables one row per line with cells separated by `" | "`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            match block.kind {
                BlockKind::Heading { level } => {
                    for _ in 0..level.clamp(1, 6) {
                        out.push('#');
                    }
                    out.push(' ');
                    out.push_str(&block.text);
                }
                BlockKind::ListItem => {
                    out.push_str("- ");
                    out.push_str(&block.text);
                }
                BlockKind::Paragraph | BlockKind::Table => out.push_str(&block.text),
            }
        }
        out
    }
}
