//! Everything that is not a typed block, split by Markdown heading into `rules` chunks that
//! carry their section path (sections under a "Conditions" heading become `conditions`).

use serde_json::json;
use ttrpg_plugin_sdk::Chunk;

use super::text::{Line, prose};

/// Longest `rules` chunk, in characters (typed blocks are kept whole).
pub const MAX_CHUNK: usize = 2000;

/// The lines of one heading section, ready to become chunks.
pub struct Section<'a> {
    /// Headings above and including this section's own, outermost first.
    pub path: Vec<String>,
    /// Its lines, heading lines first; blank lines mark paragraph breaks.
    pub lines: Vec<&'a Line>,
}

/// Paragraphs (runs of non-blank lines) of `lines`.
fn paragraphs<'a>(lines: &[&'a Line]) -> Vec<Vec<&'a Line>> {
    let mut out: Vec<Vec<&Line>> = vec![Vec::new()];
    for line in lines {
        if line.is_blank() {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.push(line);
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The text of `lines` as a chunk shows it: lines trimmed, paragraphs split by a blank line.
pub fn chunk_text(lines: &[&Line]) -> String {
    paragraphs(lines)
        .iter()
        .map(|p| p.iter().map(|l| l.text.trim()).collect::<Vec<_>>().join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Splits a paragraph's lines into pieces of at most `max` characters, between lines (a
/// single longer line stays whole, so every line lands in one chunk intact).
fn pieces(paragraph: &[&Line], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in paragraph {
        let text = line.text.trim();
        match out.last_mut() {
            Some(piece) if piece.chars().count() + 1 + text.chars().count() <= max => {
                piece.push('\n');
                piece.push_str(text);
            }
            _ => out.push(text.to_owned()),
        }
    }
    out
}

/// Whether a section is a condition's definition: its parent heading is "Conditions" (or
/// ends so, as "Appendix PH-A: Conditions").
fn is_condition(path: &[String]) -> bool {
    path.len() >= 2 && path[path.len() - 2].to_lowercase().ends_with("conditions")
}

/// The chunks of one section: one `conditions` chunk for a condition, else `rules` chunks
/// of whole paragraphs packed up to [`MAX_CHUNK`] characters (a longer paragraph is split
/// between its lines).
pub fn section_chunks(book: &str, section: &Section, out: &mut Vec<Chunk>) {
    if section.lines.iter().all(|l| l.is_blank()) {
        return;
    }
    let pages = || section.lines.iter().filter(|l| !l.is_blank()).map(|l| l.page);
    let name = section.path.last().cloned().unwrap_or_else(|| book.to_owned());
    if is_condition(&section.path) {
        let body: Vec<&str> = section.lines.iter().skip(1).map(|l| l.text.as_str()).collect();
        out.push(Chunk {
            page_start: pages().min().unwrap_or(1),
            page_end: pages().max().unwrap_or(1),
            section_path: section.path.clone(),
            content_type: "conditions".into(),
            text: chunk_text(&section.lines),
            metadata: json!({"name": name, "description": prose(&body), "source": book}).to_string(),
        });
        return;
    }
    let parent = match section.path.len() {
        0 | 1 => name.clone(),
        n => section.path[..n - 1].join(" > "),
    };
    let mut pending: Option<(u32, u32, String)> = None;
    let mut flush = |pending: &mut Option<(u32, u32, String)>| {
        if let Some((start, end, text)) = pending.take() {
            // The rule's text is the chunk's own: not repeated as `description`, which would
            // double what a book's chunks weigh against the host's result limit.
            let metadata = json!({"name": name, "section": parent, "source": book});
            out.push(Chunk {
                page_start: start,
                page_end: end,
                section_path: section.path.clone(),
                content_type: "rules".into(),
                text,
                metadata: metadata.to_string(),
            });
        }
    };
    for paragraph in paragraphs(&section.lines) {
        let (first, last) = (paragraph[0].page, paragraph[paragraph.len() - 1].page);
        for piece in pieces(&paragraph, MAX_CHUNK) {
            let fits = pending
                .as_ref()
                .is_some_and(|(_, _, t)| t.chars().count() + 2 + piece.chars().count() <= MAX_CHUNK);
            match pending.as_mut() {
                Some((_, end, t)) if fits => {
                    t.push_str("\n\n");
                    t.push_str(&piece);
                    *end = last;
                }
                _ => {
                    flush(&mut pending);
                    pending = Some((first, last, piece));
                }
            }
        }
    }
    flush(&mut pending);
}
