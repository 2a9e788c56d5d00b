//! Reading order: columns, full-width bands, and lines within them.
//!
//! A page's gutter is the vertical strip in its middle crossed by the fewest fragments,
//! with plenty of text ending left of it and starting right of it. Fragments that cross the
//! gutter (chapter titles, wide table rows) are full width: they cut the page into bands,
//! and each band is read left column first, then right column.

use crate::blocks::build_blocks;
use crate::headings::HeadingStyles;
use crate::lines::Fragment;
use crate::model::{Block, BlockKind};
use crate::pipeline::RawPage;
use crate::words::WordDictionary;

/// A line of a region: fragments on one baseline, left to right.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    /// The fragments (more than one means table cells or a gap-separated line).
    pub(crate) fragments: Vec<&'a Fragment>,
    /// Left edge.
    pub(crate) x0: f32,
    /// Right edge.
    pub(crate) x1: f32,
    /// Baseline.
    pub(crate) y: f32,
    /// Largest font size among its fragments.
    pub(crate) size: f32,
}

impl Line<'_> {
    /// All fragments' text joined with single spaces.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.fragments {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&f.text);
        }
        out
    }

    /// Every character of every fragment is bold.
    pub(crate) fn bold(&self) -> bool {
        self.fragments.iter().all(|f| f.bold && f.bold_prefix >= f.text.chars().count())
    }
}

/// A part of the page read as one column: its lines in order and its horizontal extent.
#[derive(Debug)]
pub(crate) struct Region<'a> {
    /// Lines top to bottom.
    pub(crate) lines: Vec<Line<'a>>,
    /// Column index (0 = left or full width).
    pub(crate) column: u8,
    /// Left edge of the column.
    pub(crate) left: f32,
    /// Right edge of the column.
    pub(crate) right: f32,
}

/// Finds the page's column gutter, if it has two columns.
fn find_gutter(fragments: &[Fragment], width: f32) -> Option<f32> {
    if fragments.len() < 8 {
        return None;
    }
    let lo = (width * 0.3) as i32;
    let hi = (width * 0.7) as i32;
    let mut best: Option<(usize, i32, i32)> = None; // (crossings, run start, run end)
    let mut run: Option<(usize, i32, i32)> = None;
    for x in lo..=hi {
        let xf = x as f32;
        let crossing = fragments.iter().filter(|f| f.x0 < xf - 0.5 && f.x1 > xf + 0.5).count();
        run = match run {
            Some((c, s, _)) if c == crossing => Some((c, s, x)),
            _ => Some((crossing, x, x)),
        };
        if let Some((c, s, e)) = run {
            let better = match best {
                None => true,
                Some((bc, bs, be)) => c < bc || (c == bc && e - s > be - bs),
            };
            if better {
                best = Some((c, s, e));
            }
        }
    }
    let (crossings, start, end) = best?;
    let gutter = (start + end) as f32 / 2.0;
    let left: Vec<&Fragment> = fragments.iter().filter(|f| f.x1 <= gutter).collect();
    let right: Vec<&Fragment> = fragments.iter().filter(|f| f.x0 >= gutter).collect();
    let total = fragments.len();
    // Real columns: text lines (not just table cells) on both sides, and few lines cross.
    let long = |f: &&&Fragment| f.x1 - f.x0 > width * 0.2;
    let ok = left.len() >= 3
        && right.len() >= 3
        && left.iter().filter(long).count() >= 2
        && right.iter().filter(long).count() >= 2
        && crossings * 4 <= total;
    ok.then_some(gutter)
}

/// Groups fragments (already in one region) into lines by baseline.
fn group_lines<'a>(mut fragments: Vec<&'a Fragment>) -> Vec<Line<'a>> {
    fragments.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));
    let mut lines: Vec<Line<'a>> = Vec::new();
    for f in fragments {
        if let Some(line) = lines.last_mut()
            && (f.y - line.y).abs() <= (line.size.min(f.size) * 0.35).max(1.0)
        {
            line.fragments.push(f);
            line.x0 = line.x0.min(f.x0);
            line.x1 = line.x1.max(f.x1);
            line.size = line.size.max(f.size);
            continue;
        }
        lines.push(Line { fragments: vec![f], x0: f.x0, x1: f.x1, y: f.y, size: f.size });
    }
    for line in &mut lines {
        line.fragments.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    lines
}

fn region<'a>(fragments: Vec<&'a Fragment>, column: u8) -> Option<Region<'a>> {
    if fragments.is_empty() {
        return None;
    }
    let left = fragments.iter().map(|f| f.x0).fold(f32::INFINITY, f32::min);
    let right = fragments.iter().map(|f| f.x1).fold(f32::NEG_INFINITY, f32::max);
    Some(Region { lines: group_lines(fragments), column, left, right })
}

/// The empty strip between the columns: from the usual right edge of the left column's
/// text lines to the left edge of the right column's text lines. Only long fragments (text
/// lines, not table cells) are used, so tables do not move the edges.
fn gutter_strip(fragments: &[Fragment], gutter: f32) -> (f32, f32) {
    let page_left = fragments.iter().map(|f| f.x0).fold(f32::INFINITY, f32::min);
    let long = |f: &&Fragment| f.x1 - f.x0 > (gutter - page_left) * 0.5;
    let mut left_ends: Vec<f32> =
        fragments.iter().filter(long).filter(|f| f.x1 <= gutter).map(|f| f.x1).collect();
    left_ends.sort_by(f32::total_cmp);
    let left_edge = left_ends.get(left_ends.len() * 9 / 10).copied().unwrap_or(gutter);
    let right_edge =
        fragments.iter().filter(long).filter(|f| f.x0 >= gutter).map(|f| f.x0).fold(f32::INFINITY, f32::min);
    let right_edge = if right_edge.is_finite() { right_edge } else { gutter };
    if right_edge - left_edge > 4.0 {
        (left_edge + 1.0, right_edge - 1.0)
    } else {
        (gutter - 1.0, gutter + 1.0)
    }
}

/// Vertical extents of full-width material: fragments crossing the gutter, and rows of a
/// wide table (short cells on both sides, two or more on the left, one sitting in the gutter strip).
fn full_width_spans(fragments: &[Fragment], gutter: f32, body: f32) -> Vec<(f32, f32)> {
    let crosses = |f: &Fragment| f.x0 < gutter - 0.5 && f.x1 > gutter + 0.5;
    let mut spans: Vec<(f32, f32)> =
        fragments.iter().filter(|f| crosses(f)).map(|f| (f.top(), f.bottom())).collect();
    let (strip_left, strip_right) = gutter_strip(fragments, gutter);
    let page_left = fragments.iter().map(|f| f.x0).fold(f32::INFINITY, f32::min);
    let column_width = (gutter - page_left).max(1.0);
    for row in group_lines(fragments.iter().collect()) {
        let left = row.fragments.iter().filter(|f| f.x1 <= gutter + 0.5).count();
        let right = row.fragments.len() - left;
        let in_strip = row.fragments.iter().any(|f| f.x1.min(strip_right) - f.x0.max(strip_left) > 2.0);
        // Table cells are short; a row holding a column-wide text line is two columns side by side.
        let cells_only = row.fragments.iter().all(|f| f.x1 - f.x0 < column_width * 0.6);
        if left >= 2 && right >= 1 && in_strip && cells_only {
            spans.push((row.y - row.size * 0.75, row.y + row.size * 0.25));
        }
    }
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f32, f32)> = Vec::new();
    for (top, bottom) in spans {
        match merged.last_mut() {
            Some(last) if top <= last.1 + body * 1.5 => last.1 = last.1.max(bottom),
            _ => merged.push((top, bottom)),
        }
    }
    // A heading or caption just above full-width material belongs with it.
    for span in &mut merged {
        loop {
            let caption = fragments.iter().find(|f| {
                let heading_like = f.size > body * 1.1 || (f.bold && f.bold_prefix >= f.text.chars().count());
                heading_like && f.bottom() < span.0 && f.bottom() > span.0 - f.size * 1.8 && f.text.len() < 80
            });
            match caption {
                Some(f) => span.0 = f.top(),
                None => break,
            }
        }
    }
    merged
}

/// Splits a page into regions in reading order.
pub(crate) fn regions<'a>(page: &'a RawPage, body: f32) -> Vec<Region<'a>> {
    let fragments: &'a [Fragment] = &page.fragments;
    let Some(gutter) = find_gutter(fragments, page.width) else {
        return region(fragments.iter().collect(), 0).into_iter().collect();
    };
    let spans = full_width_spans(fragments, gutter, body);
    let mut out = Vec::new();
    let in_band = |f: &Fragment, lo: f32, hi: f32| f.y > lo && f.y <= hi;
    let push_columns = |lo: f32, hi: f32, out: &mut Vec<Region<'a>>| {
        let band: Vec<&'a Fragment> = fragments.iter().filter(|f| in_band(f, lo, hi)).collect();
        let left: Vec<&'a Fragment> = band.iter().copied().filter(|f| f.x1 <= gutter + 0.5).collect();
        let right: Vec<&'a Fragment> = band.iter().copied().filter(|f| f.x1 > gutter + 0.5).collect();
        out.extend(region(left, 0));
        out.extend(region(right, 1));
    };
    let mut cursor = f32::NEG_INFINITY;
    for &(top, bottom) in &spans {
        push_columns(cursor, top, &mut out);
        let full: Vec<&Fragment> = fragments.iter().filter(|f| in_band(f, top, bottom)).collect();
        out.extend(region(full, 0));
        cursor = bottom;
    }
    push_columns(cursor, f32::INFINITY, &mut out);
    out
}

/// Whether `next` (first block of a column) carries on the paragraph `last` ended with.
fn continues_paragraph(last: &Block, next: &Block) -> bool {
    let ends_open = !last.text.trim_end().ends_with(['.', ':', '!', '?', '”', '"', ')']);
    let starts_lower = next.text.chars().next().is_some_and(|c| c.is_lowercase());
    matches!(last.kind, BlockKind::Paragraph | BlockKind::ListItem)
        && next.kind == BlockKind::Paragraph
        && ends_open
        && starts_lower
        && (last.font_size - next.font_size).abs() < 0.8
}

/// The blocks of a page in reading order.
pub(crate) fn page_blocks(
    page: &RawPage,
    styles: &HeadingStyles,
    dictionary: &WordDictionary,
) -> Vec<crate::model::Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for region in regions(page, styles.body_size) {
        let mut region_blocks = build_blocks(&region, styles, dictionary);
        // A table cut by a column break goes on at the top of the next column, perhaps
        // after the wrapped end of its last cell.
        if let Some(last) = blocks.last_mut()
            && last.kind == BlockKind::Table
        {
            let continued = match region_blocks.as_slice() {
                [first, ..] if first.kind == BlockKind::Table => 1,
                [first, second, ..]
                    if first.kind == BlockKind::Paragraph
                        && first.text.chars().count() < 40
                        && second.kind == BlockKind::Table =>
                {
                    2
                }
                _ => 0,
            };
            for block in region_blocks.drain(..continued) {
                last.text.push('\n');
                last.text.push_str(&block.text);
                last.bbox = last.bbox.union(block.bbox);
            }
        }
        let mut region_blocks = region_blocks.into_iter();
        // A paragraph cut by a column break continues at the top of the next column.
        if let Some(first) = region_blocks.next() {
            match blocks.last_mut() {
                Some(last) if continues_paragraph(last, &first) => {
                    dictionary.append_line(&mut last.text, &first.text);
                    last.bbox = last.bbox.union(first.bbox);
                }
                _ => blocks.push(first),
            }
        }
        blocks.extend(region_blocks);
    }
    blocks
}
