//! The built-in chunker: used when a book has no game system, or its system's plugin
//! leaves chunking to the host.
//!
//! It reads the extractor's light Markdown: `#` … `######` lines are headings and set the
//! section path ("Combat › Making an Attack"), blank lines separate paragraphs, and a
//! paragraph whose lines are ` | `-separated cells is a table. Each section's paragraphs
//! are packed into chunks within the token budget ([`super::split`]). Every non-blank line
//! that is not a heading ends up in a chunk; headings live in the chunks' section path.

use ttrpg_plugin_runtime::model::{Chunk, Document};

use super::split::{Paragraph, SplitConfig, TokenCounter, pack};

/// The built-in chunker's name in reports and document records.
pub const NAME: &str = "built-in";

/// The content type of the built-in chunker's chunks.
pub const RULES: &str = "rules";

/// A section: its heading path and its paragraphs.
#[derive(Debug, Default)]
struct Section {
    path: Vec<String>,
    paragraphs: Vec<Paragraph>,
}

/// The heading level and text of a Markdown heading line.
pub fn heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim();
    let level = trimmed.chars().take_while(|&c| c == '#').count();
    let text = trimmed[level..].trim();
    ((1..=6).contains(&level) && trimmed[level..].starts_with(' ') && !text.is_empty())
        .then_some((level, text))
}

/// Whether a paragraph's lines look like table rows.
fn is_table(lines: &[&str]) -> bool {
    !lines.is_empty() && lines.iter().filter(|l| l.contains(" | ")).count() * 2 > lines.len()
}

/// Splits the document into sections by heading, in reading order.
fn sections(document: &Document) -> Vec<Section> {
    let mut sections = vec![Section::default()];
    // The open headings, outermost first, with their levels.
    let mut open: Vec<(usize, String)> = Vec::new();
    for page in &document.pages {
        let mut block: Vec<&str> = Vec::new();
        let flush = |block: &mut Vec<&str>, sections: &mut Vec<Section>| {
            if block.is_empty() {
                return;
            }
            let table = is_table(block);
            let text = if table { block.join("\n") } else { block.join(" ") };
            if let Some(section) = sections.last_mut() {
                section.paragraphs.push(Paragraph { page: page.number, text, table });
            }
            block.clear();
        };
        for line in page.text.lines() {
            if let Some((level, title)) = heading(line) {
                flush(&mut block, &mut sections);
                while open.last().is_some_and(|(open_level, _)| *open_level >= level) {
                    open.pop();
                }
                open.push((level, title.to_owned()));
                let path = open.iter().map(|(_, title)| title.clone()).collect();
                sections.push(Section { path, paragraphs: Vec::new() });
            } else if line.trim().is_empty() {
                flush(&mut block, &mut sections);
            } else {
                block.push(line.trim());
            }
        }
        flush(&mut block, &mut sections);
    }
    sections.retain(|s| !s.paragraphs.is_empty());
    sections
}

/// Chunks a document the built-in way.
pub fn chunk(document: &Document, counter: &dyn TokenCounter, config: SplitConfig) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for section in sections(document) {
        for packed in pack(&section.paragraphs, counter, config) {
            chunks.push(Chunk {
                page_start: packed.page_start,
                page_end: packed.page_end,
                section_path: section.path.clone(),
                content_type: RULES.to_owned(),
                text: packed.text,
                metadata: serde_json::Value::Object(Default::default()),
            });
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use ttrpg_plugin_runtime::model::Page;

    use super::*;
    use crate::library::ingest::split::WordCounter;

    fn document(pages: &[&str]) -> Document {
        Document {
            book: "Test Book".into(),
            pages: pages
                .iter()
                .enumerate()
                .map(|(i, text)| Page { number: i as u32 + 1, text: (*text).into() })
                .collect(),
        }
    }

    #[test]
    fn headings_give_section_paths_that_carry_across_pages() {
        let doc = document(&[
            "# Combat\n\nIntro to combat.\n\n## Making an Attack\n\nRoll a d20.",
            "Add your modifier.\n\n## Cover\n\nWalls help.\n\n# Spellcasting\n\nMagic.",
        ]);
        let chunks = chunk(&doc, &WordCounter, SplitConfig::default());
        let view: Vec<(Vec<&str>, &str, u32, u32)> = chunks
            .iter()
            .map(|c| {
                (
                    c.section_path.iter().map(String::as_str).collect(),
                    c.text.as_str(),
                    c.page_start,
                    c.page_end,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                (vec!["Combat"], "Intro to combat.", 1, 1),
                (vec!["Combat", "Making an Attack"], "Roll a d20.\n\nAdd your modifier.", 1, 2),
                (vec!["Combat", "Cover"], "Walls help.", 2, 2),
                (vec!["Spellcasting"], "Magic.", 2, 2),
            ]
        );
        assert!(chunks.iter().all(|c| c.content_type == RULES && c.metadata == serde_json::json!({})));
    }

    #[test]
    fn sibling_headings_replace_each_other_whatever_levels_were_skipped() {
        let doc = document(&[
            "# Conditions\n\n#### Blinded\n\nCannot see.\n\n#### Charmed\n\nFriendly.\n\n## Madness\n\nOdd.",
        ]);
        let paths: Vec<String> = chunk(&doc, &WordCounter, SplitConfig::default())
            .iter()
            .map(|c| c.section_path.join(" › "))
            .collect();
        assert_eq!(paths, ["Conditions › Blinded", "Conditions › Charmed", "Conditions › Madness"]);
    }

    #[test]
    fn paragraph_lines_are_joined_and_tables_keep_their_rows() {
        let doc = document(&[
            "# Armor\n\nArmor protects\nyou.\n\nArmor | Cost | AC\nPadded | 5 gp | 11\nLeather | 10 gp | 11",
        ]);
        let chunks = chunk(&doc, &WordCounter, SplitConfig::default());
        assert_eq!(chunks.len(), 1);
        assert_eq!(
            chunks[0].text,
            "Armor protects you.\n\nArmor | Cost | AC\nPadded | 5 gp | 11\nLeather | 10 gp | 11"
        );
    }

    #[test]
    fn text_before_any_heading_has_an_empty_path() {
        let chunks =
            chunk(&document(&["Legal notice.\n\n# Races\n\nElves."]), &WordCounter, SplitConfig::default());
        assert_eq!(chunks[0].section_path, Vec::<String>::new());
        assert_eq!(chunks[0].text, "Legal notice.");
    }

    #[test]
    fn a_hashtag_word_is_not_a_heading() {
        assert_eq!(heading("#hashtag"), None);
        assert_eq!(heading("### Grappled"), Some((3, "Grappled")));
        assert_eq!(heading("#######  x"), None);
    }
}
