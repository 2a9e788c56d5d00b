//! The D&D 5e chunker: monster stat blocks and spell entries become typed `monsters` and
//! `spells` chunks whose metadata holds the record's fields (the collection schemas' names),
//! condition definitions become `conditions` chunks, and everything else is split by
//! heading into `rules` chunks that carry their section path.
//!
//! Page text may come one printed line per line (pdftotext) or as light Markdown (headings
//! as `#` lines, a paragraph per line, table cells split by ` | `); the recognizers clean
//! each line first ([`text::clean`]: heading marks, soft hyphens, Unicode minus signs).
//!
//! - A **stat block** opens with a line `<Size> <type>, <alignment>` whose next lines hold
//!   `Armor Class` and `Hit Points`; its name is the line before. The header runs through
//!   `Challenge N (X XP)`; then traits, `Actions`, `Reactions`, `Legendary Actions`, each a
//!   list of `Name. Description` entries.
//! - A **spell** opens with `<N>th-level <school>` or `<School> cantrip` (maybe `(ritual)`)
//!   followed by `Casting Time:`; then `Range:`, `Components:`, `Duration:`, the
//!   description and `At Higher Levels.`
//! - A block ends at the next block's name, at a Markdown heading (other than a stat
//!   block's own `Actions`…), or past `blocks::MAX_BLOCK` characters at a paragraph break.
//!   It may run over page and column breaks: `page_end` is then past `page_start`.
//!
//! Spell records get their `classes` from the book's class spell lists (`spell_lists.rs`).
//!
//! Every non-blank line of every page ends up in exactly one chunk: a heading with nothing
//! under it joins the chunk that follows it.

mod blocks;
mod monster;
mod sections;
mod spell;
mod spell_lists;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};

use ttrpg_plugin_sdk::{Chunk, Document};

use blocks::Block;
use sections::{Section, section_chunks};
use text::{Line, markdown_heading};

/// The lines of every page, in order.
fn lines_of(document: &Document) -> Vec<Line> {
    document
        .pages
        .iter()
        .flat_map(|page| page.text.lines().map(|l| Line { page: page.number, text: l.trim_end().to_owned() }))
        .collect()
}

/// What a typed block's chunk needs besides the block: the book, its lines, and the spell
/// lists' classes by folded spell name.
struct Context<'a> {
    book: &'a str,
    lines: &'a [Line],
    classes: BTreeMap<String, Vec<String>>,
}

/// The chunk of a typed block; `headings` are heading lines waiting for a body, shown first.
fn block_chunk(context: &Context, block: &Block, headings: &[&Line], path: Vec<String>) -> Chunk {
    let lines = context.lines;
    let mut shown: Vec<&Line> = headings.to_vec();
    shown.extend(&lines[block.start..block.end]);
    let pages = || shown.iter().filter(|l| !l.is_blank()).map(|l| l.page);
    Chunk {
        page_start: pages().min().unwrap_or(1),
        page_end: pages().max().unwrap_or(1),
        section_path: path,
        content_type: block.kind.collection().into(),
        text: sections::chunk_text(&shown),
        metadata: blocks::record(block, lines, context.book, &context.classes).to_string(),
    }
}

/// Chunks a 5e book.
pub fn chunk(document: &Document) -> Result<Vec<Chunk>, String> {
    if document.pages.is_empty() {
        return Err(format!("document `{}` has no pages", document.book));
    }
    let lines = lines_of(document);
    let blocks = blocks::find(&lines);
    let spells: Vec<String> =
        blocks.iter().filter(|b| b.kind == blocks::Kind::Spell).map(|b| b.name.clone()).collect();
    let starts: BTreeSet<usize> = blocks.iter().map(|b| b.start).collect();
    let classes = spell_lists::classes_by_spell(&lines, &spells, &starts);
    let context = Context { book: &document.book, lines: &lines, classes };
    let mut chunks = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    let titles = |path: &[(usize, String)]| path.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    let mut section = Section { path: Vec::new(), lines: Vec::new() };
    let mut has_body = false;
    let mut next_block = blocks.iter().peekable();
    let mut i = 0;
    while i < lines.len() {
        if let Some(block) = next_block.next_if(|b| b.start == i) {
            let heading_only = !has_body;
            if !heading_only {
                section_chunks(&document.book, &section, &mut chunks);
            }
            let held = if heading_only { std::mem::take(&mut section.lines) } else { Vec::new() };
            match markdown_heading(&lines[i].text) {
                Some((level, _)) => {
                    path.retain(|(l, _)| *l < level);
                    path.push((level, block.name.clone()));
                }
                None => path.push((7, block.name.clone())),
            }
            chunks.push(block_chunk(&context, block, &held, titles(&path)));
            path.retain(|(l, _)| *l < 7);
            section = Section { path: titles(&path), lines: Vec::new() };
            has_body = false;
            i = block.end;
            continue;
        }
        let line = &lines[i];
        if let Some((level, title)) = markdown_heading(&line.text) {
            if has_body {
                section_chunks(&document.book, &section, &mut chunks);
                section.lines.clear();
                has_body = false;
            }
            path.retain(|(l, _)| *l < level);
            path.push((level, title));
            section.path = titles(&path);
            section.lines.push(line);
        } else if !line.is_blank() {
            has_body = true;
            section.lines.push(line);
        } else if !section.lines.is_empty() {
            section.lines.push(line);
        }
        i += 1;
    }
    section_chunks(&document.book, &section, &mut chunks);
    Ok(chunks)
}

#[cfg(test)]
mod tests;
