//! Finding the typed blocks of a book (monster stat blocks and spell entries): where each
//! starts (its name line), where it ends, and its record fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::text::{Line, clean, is_title, markdown_heading};
use super::{monster, spell};

/// A block longer than this (in characters) is cut at a paragraph break: without headings
/// in the page text, nothing else ends the last spell or monster before a rules chapter.
pub const MAX_BLOCK: usize = 9000;

/// How many non-blank lines after the kind line its confirming fields must appear in.
const CONFIRM_LINES: usize = 8;

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A monster stat block (`monsters`).
    Monster,
    /// A spell entry (`spells`).
    Spell,
}

impl Kind {
    /// The collection (chunk content type) of this kind.
    pub fn collection(self) -> &'static str {
        match self {
            Kind::Monster => "monsters",
            Kind::Spell => "spells",
        }
    }
}

/// A typed block: lines `start..end` of the document.
#[derive(Debug, Clone)]
pub struct Block {
    /// Monster or spell.
    pub kind: Kind,
    /// The name, cleaned.
    pub name: String,
    /// The name's line (the block's first).
    pub start: usize,
    /// The kind line (`Large aberration, …` / `2nd-level evocation`); equals `start` when
    /// the name shares its line.
    pub kind_line: usize,
    /// Where the kind text starts in the cleaned kind line (after a name on the same line).
    pub kind_offset: usize,
    /// One past the last line.
    pub end: usize,
}

/// The kind a cleaned line starts with, if any.
fn kind_at(text: &str) -> Option<Kind> {
    if monster::is_kind_line(text) {
        Some(Kind::Monster)
    } else if spell::kind(text).is_some() {
        Some(Kind::Spell)
    } else {
        None
    }
}

/// The kind of block cleaned `text` opens, with where the kind text starts: at the line's
/// start, or after a name on the same line when an extractor joined them.
fn opening(text: &str) -> Option<(Kind, usize)> {
    if let Some(kind) = kind_at(text) {
        return Some((kind, 0));
    }
    text.match_indices(' ')
        .map(|(at, _)| at + 1)
        .take_while(|&at| at <= 80)
        .filter(|&at| text[at..].starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()))
        .find_map(|at| {
            let kind = kind_at(&text[at..])?;
            is_title(text[..at].trim(), 8).then_some((kind, at))
        })
}

/// The cleaned text of `lines[from..]`, its first `count` non-blank lines joined by spaces.
fn following_text(lines: &[Line], from: usize, count: usize) -> String {
    lines[from..]
        .iter()
        .filter(|l| !l.is_blank())
        .take(count)
        .map(|l| clean(&l.text))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a cleaned name line can be a block's name.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= 80
        && !text.ends_with(['.', ',', ';', ':'])
        && kind_at(text).is_none()
}

/// Every block of `lines`, in order.
pub fn find(lines: &[Line]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let text = clean(&line.text);
        let Some((kind, offset)) = opening(&text) else { continue };
        let following = following_text(lines, i, CONFIRM_LINES);
        let confirmed = match kind {
            Kind::Monster => monster::confirms(&following),
            Kind::Spell => spell::confirms(&following),
        };
        if !confirmed {
            continue;
        }
        let floor = blocks.last().map_or(0, |b| b.kind_line + 1);
        let (start, name) = if offset > 0 {
            (i, text[..offset].trim().to_owned())
        } else {
            match (floor..i).rev().find(|&j| !lines[j].is_blank()) {
                Some(j) if is_name(&clean(&lines[j].text)) => (j, clean(&lines[j].text)),
                _ => continue,
            }
        };
        blocks.push(Block { kind, name, start, kind_line: i, kind_offset: offset, end: lines.len() });
    }
    let starts: Vec<usize> = blocks.iter().map(|b| b.start).skip(1).chain([lines.len()]).collect();
    for (block, next) in blocks.iter_mut().zip(starts) {
        block.end = end_of(lines, block, next);
    }
    blocks
}

/// Where `block` ends: before the next block, a heading that is not one of its own
/// sub-headings, or (past [`MAX_BLOCK`] characters) a paragraph break.
fn end_of(lines: &[Line], block: &Block, next_start: usize) -> usize {
    let mut end = next_start;
    for (j, line) in lines.iter().enumerate().take(next_start).skip(block.kind_line + 1) {
        if let Some((_, heading)) = markdown_heading(&line.text)
            && !(block.kind == Kind::Monster && monster::is_block_heading(&heading))
        {
            end = j;
            break;
        }
    }
    let mut size = 0;
    let mut last_break = None;
    for (j, line) in lines.iter().enumerate().take(end).skip(block.start) {
        size += line.text.len() + 1;
        if line.is_blank() && j > block.kind_line + 1 {
            last_break = Some(j);
        }
        if size > MAX_BLOCK {
            end = last_break.unwrap_or(j);
            break;
        }
    }
    while end > block.kind_line + 1 && lines[end - 1].is_blank() {
        end -= 1;
    }
    end
}

/// The record fields of `block`; `classes` are the spell lists' classes by folded spell name.
pub fn record(block: &Block, lines: &[Line], book: &str, classes: &BTreeMap<String, Vec<String>>) -> Value {
    let mut fields = Map::new();
    fields.insert("name".into(), json!(block.name));
    let kind_text = clean(&lines[block.kind_line].text)[block.kind_offset..].to_owned();
    let rest = &lines[block.kind_line + 1..block.end];
    match block.kind {
        Kind::Monster => monster_fields(&kind_text, rest, &mut fields),
        Kind::Spell => {
            spell_fields(&kind_text, rest, &mut fields);
            let listed = classes.get(&super::spell_lists::words(&block.name).join(" "));
            fields.insert("classes".into(), json!(listed.cloned().unwrap_or_default()));
        }
    }
    fields.insert("source".into(), json!(book));
    fields.insert("page".into(), json!(lines[block.start].page));
    Value::Object(fields)
}

/// How many of `lines` (blank ones included) are header lines, counting from the first.
fn header_run(lines: &[Line], is_header_line: impl Fn(&str) -> bool) -> usize {
    let mut run = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.is_blank() {
            continue;
        }
        if !is_header_line(&clean(&line.text)) {
            break;
        }
        run = i + 1;
    }
    run
}

/// The header (the kind line through the line `is_last_header_line` picks or, failing
/// that, the run of lines `is_header_line` accepts) and the body after.
fn split_header<'a>(
    kind_text: &str,
    rest: &'a [Line],
    is_last_header_line: impl Fn(&str) -> bool,
    is_header_line: impl Fn(&str) -> bool,
) -> (String, Vec<&'a str>) {
    let mut header = kind_text.to_owned();
    if is_last_header_line(kind_text) {
        return (header, rest.iter().map(|l| l.text.as_str()).collect());
    }
    let last = rest.iter().take(60).position(|l| is_last_header_line(&clean(&l.text)));
    let header_lines = last.map_or_else(|| header_run(rest, &is_header_line), |i| i + 1);
    for line in &rest[..header_lines] {
        header.push(' ');
        header.push_str(&clean(&line.text));
    }
    (header, rest[header_lines..].iter().map(|l| l.text.as_str()).collect())
}

fn monster_fields(kind_text: &str, rest: &[Line], fields: &mut Map<String, Value>) {
    let (header, mut body) =
        split_header(kind_text, rest, |t| monster::challenge_end(t).is_some(), monster::is_header_line);
    let (header, after) = match monster::challenge_end(&header) {
        Some(at) => (header[..at].to_owned(), header[at..].trim().to_owned()),
        None => (header, String::new()),
    };
    monster::header_fields(kind_text, &header, fields);
    if !after.is_empty() {
        body.insert(0, &after);
    }
    monster::body_fields(&body, fields);
}

fn spell_fields(kind_text: &str, rest: &[Line], fields: &mut Map<String, Value>) {
    let (header, body) = split_header(kind_text, rest, |t| t.contains("Duration:"), |_| false);
    let leftover = spell::header_fields(kind_text, &header, fields);
    spell::body_fields(&leftover, &body, fields);
}
