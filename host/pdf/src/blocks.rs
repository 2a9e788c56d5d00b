//! Lines of one region → blocks: headings, paragraphs (lines joined), list items, tables.

use crate::headings::HeadingStyles;
use crate::layout::{Line, Region};
use crate::model::{Block, BlockKind, Rect};
use crate::tables::{TableBuilder, is_row};
use crate::words::{WordDictionary, strip_soft_hyphens};

const BULLETS: [char; 5] = ['•', '●', '▪', '◦', '–'];

fn rect(line: &Line<'_>) -> Rect {
    Rect { x0: line.x0, y0: line.y - line.size * 0.75, x1: line.x1, y1: line.y + line.size * 0.25 }
}

/// What a line starts or continues.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LineRole {
    Heading(u8),
    Row,
    Bullet,
    Text,
}

struct Open {
    kind: BlockKind,
    text: String,
    bbox: Rect,
    size: f32,
    last: usize,
    lines: usize,
    hang_x: Option<f32>,
    table: Option<TableBuilder>,
}

/// A line opening with a bold label such as `Range:`, `Armor Class` or `Heavy Armor.`
/// followed by regular text (a run-in heading or stat-block property).
fn starts_with_bold(line: &Line<'_>) -> bool {
    let first = line.fragments[0];
    let label: String = first.text.chars().take(first.bold_prefix).collect();
    first.bold_prefix < first.text.chars().count()
        && label.trim().chars().filter(|c| c.is_alphabetic()).count() >= 3
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', ':', '!', '?', '”', '"', ')'])
}

fn role(line: &Line<'_>, styles: &HeadingStyles, width: f32) -> LineRole {
    let text = line.text();
    if let Some(level) = styles.level_for_size(line.size)
        && text.chars().count() < 120
    {
        return LineRole::Heading(level);
    }
    if is_row(line) {
        return LineRole::Row;
    }
    let first = text.chars().next().unwrap_or(' ');
    if BULLETS.contains(&first) && first != '–' {
        return LineRole::Bullet;
    }
    // A bold line at body size, standing alone and short: the lowest heading level.
    let body = styles.body_size;
    if line.bold()
        && (line.size - body).abs() < body * 0.12
        && text.chars().count() < 60
        && (line.x1 - line.x0) < width * 0.75
        && !text.ends_with(['.', ',', ';'])
    {
        return LineRole::Heading(4);
    }
    LineRole::Text
}

/// Builds the blocks of one region.
pub(crate) fn build_blocks(
    region: &Region<'_>,
    styles: &HeadingStyles,
    dictionary: &WordDictionary,
) -> Vec<Block> {
    let width = (region.right - region.left).max(1.0);
    let lines = &region.lines;
    let roles: Vec<LineRole> = lines.iter().map(|l| role(l, styles, width)).collect();
    // A lone row-like line between text lines is more likely a loosely set text line.
    let roles: Vec<LineRole> = roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let neighbour_row =
                |j: Option<usize>| j.and_then(|j| roles.get(j)).is_some_and(|r| *r == LineRole::Row);
            if *r == LineRole::Row && !neighbour_row(i.checked_sub(1)) && !neighbour_row(Some(i + 1)) {
                let l = &lines[i];
                // Long cells make a loosely set text line, unless the first cell is a short
                // key as in roll tables ("3 | I see omens ...").
                let short_key = l.fragments[0].text.chars().count() <= 4;
                if short_key || l.fragments.iter().all(|f| f.text.len() <= 40) {
                    LineRole::Row
                } else {
                    LineRole::Text
                }
            } else {
                *r
            }
        })
        .collect();
    let spacing = typical_spacing(lines, styles.body_size);

    let mut blocks = Vec::new();
    let mut open: Option<Open> = None;
    for (i, line) in lines.iter().enumerate() {
        let role = roles[i];
        let mut hang_start: Option<f32> = None;
        let text = strip_soft_hyphens_inside(&line.text());
        let continues = match (&open, role) {
            (None, _) => false,
            (Some(o), role) => {
                let prev = &lines[o.last];
                let gap = line.y - prev.y;
                let loose = gap > spacing.max(prev.size * 1.05) * 1.45 || gap < -1.0;
                match (o.kind, role) {
                    (BlockKind::Heading { level }, LineRole::Heading(l)) => l == level && !loose,
                    (BlockKind::Table, LineRole::Row) => !loose || gap < spacing * 2.6,
                    (BlockKind::Table, LineRole::Text) => {
                        // A short line at the table's left edge: a category row ("Light Armor");
                        // or a row whose cells sit under the header's columns.
                        let category = text.chars().count() < 40
                            && (line.size - prev.size).abs() < 0.8
                            && o.bbox.x0 > line.x0 - line.size
                            && roles.get(i + 1) == Some(&LineRole::Row);
                        let under_header = o.table.as_ref().is_some_and(|t| t.splits_under_header(line));
                        !loose && (category || under_header)
                    }
                    (BlockKind::Paragraph | BlockKind::ListItem, LineRole::Text) => {
                        let em = line.size;
                        let indented = line.x0 - region.left > em * 0.8 && line.x0 - prev.x0 > em * 0.8;
                        let prev_text = prev.text();
                        let prev_short = prev.x1 < region.right - em * 4.0 && ends_sentence(&prev_text);
                        let size_change = (line.size - prev.size).abs() > 0.8;
                        let run_in = starts_with_bold(line);
                        let breaks_indent = match (o.kind, o.hang_x) {
                            // List items and hanging paragraphs end when a line comes back left.
                            (BlockKind::ListItem, _) => line.x0 < o.bbox.x0 + em * 0.4,
                            (_, Some(hang)) => line.x0 < hang - em * 0.5,
                            // Second line indented under a run-in label: a hanging indent.
                            (_, None) if o.lines == 1 && indented && starts_with_bold(&lines[o.last]) => {
                                hang_start = Some(line.x0);
                                false
                            }
                            _ => indented,
                        };
                        !(loose || breaks_indent || prev_short || size_change || run_in)
                    }
                    _ => false,
                }
            }
        };
        if continues && let Some(o) = open.as_mut() {
            o.bbox = o.bbox.union(rect(line));
            o.last = i;
            o.lines += 1;
            if hang_start.is_some() {
                o.hang_x = hang_start;
            }
            match o.kind {
                BlockKind::Table => {
                    if let Some(t) = o.table.as_mut() {
                        t.push_row(line);
                    }
                }
                BlockKind::Heading { .. } => {
                    o.text.push(' ');
                    o.text.push_str(&text);
                }
                _ => dictionary.append_line(&mut o.text, &text),
            }
            continue;
        }
        // A lone line that lines up with a wrapped table cell.
        if role == LineRole::Text
            && let Some(o) = open.as_mut()
            && o.kind == BlockKind::Table
            && line.y - lines[o.last].y < spacing * 1.6
            && o.table.as_mut().is_some_and(|t| t.continue_cell(line))
        {
            o.bbox = o.bbox.union(rect(line));
            o.last = i;
            continue;
        }
        if let Some(o) = open.take() {
            blocks.push(finish(o, region.column));
        }
        let (kind, body, table) = match role {
            LineRole::Heading(level) => (BlockKind::Heading { level }, text, None),
            LineRole::Row => {
                let mut t = TableBuilder::default();
                t.push_row(line);
                (BlockKind::Table, String::new(), Some(t))
            }
            LineRole::Bullet => {
                let stripped = text.trim_start_matches(BULLETS).trim_start().to_string();
                (BlockKind::ListItem, stripped, None)
            }
            LineRole::Text => (BlockKind::Paragraph, text, None),
        };
        open = Some(Open {
            kind,
            text: body,
            bbox: rect(line),
            size: line.size,
            last: i,
            lines: 1,
            hang_x: None,
            table,
        });
    }
    if let Some(o) = open.take() {
        blocks.push(finish(o, region.column));
    }
    blocks
}

fn strip_soft_hyphens_inside(text: &str) -> String {
    match text.strip_suffix('\u{AD}') {
        Some(head) => {
            let mut s = strip_soft_hyphens(head);
            s.push('\u{AD}');
            s
        }
        None => strip_soft_hyphens(text),
    }
}

fn finish(open: Open, column: u8) -> Block {
    let mut text = match (&open.table, open.kind) {
        (Some(t), BlockKind::Table) => t.render(),
        _ => open.text,
    };
    if text.ends_with('\u{AD}') {
        text.pop();
        text.push('-');
    }
    // A one-row "table" is just a gap-separated line.
    let kind = match (open.kind, &open.table) {
        (BlockKind::Table, Some(t)) if t.len() < 2 => BlockKind::Paragraph,
        (k, _) => k,
    };
    Block { kind, text, bbox: open.bbox, column, font_size: open.size }
}

/// Median baseline distance between consecutive body lines (fallback: 1.2 × body size).
fn typical_spacing(lines: &[Line<'_>], body: f32) -> f32 {
    let mut gaps: Vec<f32> = lines
        .windows(2)
        .filter(|w| (w[0].size - body).abs() < 1.0 && (w[1].size - body).abs() < 1.0)
        .map(|w| w[1].y - w[0].y)
        .filter(|g| *g > body * 0.8 && *g < body * 2.5)
        .collect();
    if gaps.is_empty() {
        return body * 1.2;
    }
    gaps.sort_by(f32::total_cmp);
    gaps[gaps.len() / 2]
}
