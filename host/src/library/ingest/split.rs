//! Packs a section's paragraphs into chunks the embedding model reads whole.
//!
//! all-MiniLM-L6-v2 reads 256 tokens and ignores the rest, so a chunk must stay under a
//! token budget. Paragraphs are packed greedily; a paragraph longer than the budget is cut
//! between sentences (never inside one, unless a single sentence is itself too long, when
//! it is cut between words); a table longer than the budget is cut between rows, each
//! piece starting with the table's header row. When a section takes several chunks, each
//! chunk after the first starts with the previous chunk's last sentences (the overlap), so
//! a passage cut at a boundary is still found whole in one of them.

use unicode_segmentation::UnicodeSegmentation;

/// Counts tokens the way the embedding model does.
pub trait TokenCounter: Send + Sync {
    /// Tokens in `text`, special tokens excluded.
    fn count(&self, text: &str) -> usize;
}

/// Counts whitespace-separated words: the model-free counter for places (and unit tests)
/// that have no tokenizer. It undercounts subword tokens by about a third.
pub struct WordCounter;

impl TokenCounter for WordCounter {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

/// How big chunks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitConfig {
    /// Most tokens in a chunk's text.
    pub max_tokens: usize,
    /// Most tokens carried over from the previous chunk of the same section.
    pub overlap_tokens: usize,
}

impl Default for SplitConfig {
    /// 200 tokens of text (leaving room in MiniLM's 256 for the section path that is
    /// embedded with it) and up to 40 tokens of overlap.
    fn default() -> Self {
        SplitConfig { max_tokens: 200, overlap_tokens: 40 }
    }
}

/// One paragraph (or table) of a section, with the page it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// The page it starts on.
    pub page: u32,
    /// Its text: one line for a paragraph, one line per row for a table.
    pub text: String,
    /// Whether it is a table (cut between rows, header repeated).
    pub table: bool,
}

/// A chunk's text and the pages it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The text.
    pub text: String,
    /// First page.
    pub page_start: u32,
    /// Last page.
    pub page_end: u32,
}

/// A piece no longer than the budget, from paragraph `paragraph`.
#[derive(Debug, Clone)]
struct Unit {
    paragraph: usize,
    page: u32,
    text: String,
    tokens: usize,
    /// Overlap may repeat it (sentences, not table rows).
    repeatable: bool,
}

/// Packs `paragraphs` (one section, in reading order) into chunks within the budget.
pub fn pack(paragraphs: &[Paragraph], counter: &dyn TokenCounter, config: SplitConfig) -> Vec<Packed> {
    let max = config.max_tokens.max(8);
    let units = units(paragraphs, counter, max);
    let mut out: Vec<Packed> = Vec::new();
    let mut current: Vec<Unit> = Vec::new();
    let mut tokens = 0;
    for unit in units {
        if !current.is_empty() && tokens + unit.tokens > max {
            out.push(render(&current));
            let carried = overlap(&current, config.overlap_tokens, max - unit.tokens);
            tokens = carried.iter().map(|u| u.tokens).sum();
            current = carried;
        }
        tokens += unit.tokens;
        current.push(unit);
    }
    if !current.is_empty() {
        out.push(render(&current));
    }
    out
}

/// The trailing repeatable units of a full chunk worth carrying into the next one: at most
/// `budget` tokens and at most `room` (what the next unit leaves free).
fn overlap(chunk: &[Unit], budget: usize, room: usize) -> Vec<Unit> {
    let limit = budget.min(room);
    let mut carried = Vec::new();
    let mut tokens = 0;
    for unit in chunk.iter().rev() {
        if !unit.repeatable || tokens + unit.tokens > limit {
            break;
        }
        tokens += unit.tokens;
        carried.push(unit.clone());
    }
    // Carrying the whole chunk again would only repeat it.
    if carried.len() == chunk.len() {
        carried.clear();
    }
    carried.reverse();
    carried
}

/// Joins units: sentences of one paragraph with a space, paragraphs with a blank line,
/// table rows with a line break.
fn render(units: &[Unit]) -> Packed {
    let mut text = String::new();
    for (i, unit) in units.iter().enumerate() {
        if i > 0 {
            let same_paragraph = units[i - 1].paragraph == unit.paragraph;
            text.push_str(match (same_paragraph, unit.repeatable) {
                (true, true) => " ",
                (true, false) => "\n",
                (false, _) => "\n\n",
            });
        }
        text.push_str(&unit.text);
    }
    let page_start = units.iter().map(|u| u.page).min().unwrap_or(1);
    let page_end = units.iter().map(|u| u.page).max().unwrap_or(page_start);
    Packed { text, page_start, page_end }
}

/// Breaks paragraphs into units no longer than `max` tokens.
fn units(paragraphs: &[Paragraph], counter: &dyn TokenCounter, max: usize) -> Vec<Unit> {
    let mut out = Vec::new();
    for (index, paragraph) in paragraphs.iter().enumerate() {
        let text = paragraph.text.trim();
        if text.is_empty() {
            continue;
        }
        let unit = |text: String, tokens: usize, repeatable: bool| Unit {
            paragraph: index,
            page: paragraph.page,
            text,
            tokens,
            repeatable,
        };
        let tokens = counter.count(text);
        if tokens <= max {
            out.push(unit(text.to_owned(), tokens, !paragraph.table));
        } else if paragraph.table {
            for (rows, tokens) in table_pieces(text, counter, max) {
                out.push(unit(rows, tokens, false));
            }
        } else {
            for sentence in text.split_sentence_bounds().map(str::trim).filter(|s| !s.is_empty()) {
                let tokens = counter.count(sentence);
                if tokens <= max {
                    out.push(unit(sentence.to_owned(), tokens, true));
                } else {
                    for (words, tokens) in word_windows(sentence, counter, max) {
                        out.push(unit(words, tokens, false));
                    }
                }
            }
        }
    }
    out
}

/// A long table cut between rows into pieces within `max`, each after the first starting
/// with the header row.
fn table_pieces(table: &str, counter: &dyn TokenCounter, max: usize) -> Vec<(String, usize)> {
    let mut rows = table.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = rows.next() else { return Vec::new() };
    let header_tokens = counter.count(header);
    let mut pieces = Vec::new();
    let mut piece = header.to_owned();
    let mut tokens = header_tokens;
    let mut has_rows = false;
    for row in rows {
        let row_tokens = counter.count(row);
        if has_rows && tokens + row_tokens > max {
            pieces.push((std::mem::replace(&mut piece, header.to_owned()), tokens));
            tokens = header_tokens;
        }
        piece.push('\n');
        piece.push_str(row);
        tokens += row_tokens;
        has_rows = true;
    }
    pieces.push((piece, tokens));
    pieces
}

/// A sentence too long for one chunk, cut between words.
fn word_windows(sentence: &str, counter: &dyn TokenCounter, max: usize) -> Vec<(String, usize)> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut tokens = 0;
    for word in sentence.split_whitespace() {
        let word_tokens = counter.count(word).max(1);
        if !piece.is_empty() && tokens + word_tokens > max {
            pieces.push((std::mem::take(&mut piece), tokens));
            tokens = 0;
        }
        if !piece.is_empty() {
            piece.push(' ');
        }
        piece.push_str(word);
        tokens += word_tokens;
    }
    if !piece.is_empty() {
        pieces.push((piece, tokens));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(page: u32, text: &str) -> Paragraph {
        Paragraph { page, text: text.into(), table: false }
    }

    const TIGHT: SplitConfig = SplitConfig { max_tokens: 12, overlap_tokens: 5 };

    #[test]
    fn short_paragraphs_share_one_chunk_with_their_pages() {
        let out = pack(&[para(3, "One two three."), para(4, "Four five.")], &WordCounter, TIGHT);
        assert_eq!(out, [Packed { text: "One two three.\n\nFour five.".into(), page_start: 3, page_end: 4 }]);
    }

    #[test]
    fn long_paragraphs_are_cut_between_sentences_with_overlap() {
        let text = "Alpha beta gamma delta one. Epsilon zeta eta theta two. Iota kappa lambda mu three. Nu xi omicron pi four.";
        let out = pack(&[para(1, text)], &WordCounter, TIGHT);
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(out[0].text, "Alpha beta gamma delta one. Epsilon zeta eta theta two.");
        // The next chunk repeats the last sentence that fits the overlap budget.
        assert_eq!(out[1].text, "Epsilon zeta eta theta two. Iota kappa lambda mu three.");
        assert_eq!(out[2].text, "Iota kappa lambda mu three. Nu xi omicron pi four.");
        for chunk in &out {
            assert!(WordCounter.count(&chunk.text) <= 12);
            assert!(chunk.text.ends_with('.'), "a sentence was cut: {chunk:?}");
        }
    }

    #[test]
    fn long_tables_are_cut_between_rows_and_repeat_the_header() {
        let rows: Vec<String> = (1..=8).map(|l| format!("{l} | +{} | x y", 2 + (l - 1) / 4)).collect();
        let table = format!("Level | Proficiency Bonus | Features\n{}", rows.join("\n"));
        let out = pack(&[Paragraph { page: 9, text: table, table: true }], &WordCounter, TIGHT);
        assert!(out.len() >= 3, "{out:#?}");
        for chunk in &out {
            assert!(chunk.text.starts_with("Level | Proficiency Bonus | Features\n"), "{chunk:?}");
        }
        let all: String = out.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
        for row in &rows {
            assert_eq!(all.matches(row.as_str()).count(), 1, "row {row} once");
        }
    }

    #[test]
    fn a_sentence_longer_than_the_budget_is_cut_between_words() {
        let words: Vec<String> = (0..30).map(|i| format!("w{i}")).collect();
        let out = pack(&[para(2, &words.join(" "))], &WordCounter, TIGHT);
        let rejoined: Vec<&str> = out.iter().flat_map(|c| c.text.split_whitespace()).collect();
        assert_eq!(rejoined, words.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.iter().all(|c| WordCounter.count(&c.text) <= 12));
    }

    #[test]
    fn blank_paragraphs_make_no_chunks() {
        assert!(pack(&[para(1, "  "), para(2, "")], &WordCounter, TIGHT).is_empty());
    }
}
