//! Grouping characters into line fragments: runs of text on one baseline with no big gap.
//!
//! Characters are sorted by baseline and x, so the drawing order in the file does not
//! matter. A gap wider than [`SPLIT_GAP_EM`] ends a fragment (column gutters, table cells);
//! a gap wider than [`SPACE_GAP_EM`] becomes a space.

use crate::interpret::TextChar;

/// Gap (in ems of the font size) that separates two fragments.
const SPLIT_GAP_EM: f32 = 1.1;
/// Gap (in ems) that counts as a word space when no space glyph was drawn.
const SPACE_GAP_EM: f32 = 0.17;

/// A run of text on one baseline, in top-down page coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fragment {
    /// The text, single-spaced, trimmed.
    pub(crate) text: String,
    /// Left edge.
    pub(crate) x0: f32,
    /// Right edge.
    pub(crate) x1: f32,
    /// Baseline.
    pub(crate) y: f32,
    /// Dominant font size.
    pub(crate) size: f32,
    /// Most of its letters are bold.
    pub(crate) bold: bool,
    /// Most of its letters are italic.
    pub(crate) italic: bool,
    /// All of it was drawn as `/Artifact` marked content.
    pub(crate) artifact: bool,
    /// Number of leading characters that are bold (for run-in headings).
    pub(crate) bold_prefix: usize,
    /// Horizontal extent of each space-separated word of `text`, in order.
    pub(crate) words: Vec<(f32, f32)>,
}

impl Fragment {
    /// Top of the text (approximate ascender line).
    pub(crate) fn top(&self) -> f32 {
        self.y - self.size * 0.75
    }

    /// Bottom of the text (approximate descender line).
    pub(crate) fn bottom(&self) -> f32 {
        self.y + self.size * 0.25
    }
}

/// Builds fragments from a page's characters.
pub(crate) fn fragments(chars: &[TextChar]) -> Vec<Fragment> {
    let mut sorted: Vec<&TextChar> = chars.iter().filter(|c| c.x1.is_finite() && c.y.is_finite()).collect();
    sorted.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));

    let mut out = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        // One baseline cluster: chars whose baseline is within a fraction of the first's size.
        let reference = sorted[start];
        let tolerance = (reference.size * 0.3).clamp(0.5, 6.0);
        let mut end = start + 1;
        while end < sorted.len() && sorted[end].y - reference.y <= tolerance {
            end += 1;
        }
        let mut line: Vec<&TextChar> = sorted[start..end].to_vec();
        line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        split_line(&line, &mut out);
        start = end;
    }
    out
}

#[derive(Default)]
struct Builder {
    text: String,
    x0: f32,
    x1: f32,
    y_sum: f32,
    size_sum: f32,
    letters: usize,
    bold: usize,
    italic: usize,
    artifact: usize,
    all: usize,
    bold_prefix: usize,
    bold_run_open: bool,
    chars: usize,
    words: Vec<(f32, f32)>,
    in_word: bool,
}

impl Builder {
    fn push(&mut self, c: &TextChar) {
        if self.all == 0 {
            self.x0 = c.x0;
            self.bold_run_open = true;
        }
        self.all += 1;
        self.x1 = self.x1.max(c.x1);
        self.text.push(c.c);
        self.chars += 1;
        if c.artifact {
            self.artifact += 1;
        }
        if c.c == ' ' {
            self.in_word = false;
        } else {
            match self.words.last_mut() {
                Some(word) if self.in_word => word.1 = word.1.max(c.x1),
                _ => self.words.push((c.x0, c.x1)),
            }
            self.in_word = true;
            self.letters += 1;
            self.y_sum += c.y;
            self.size_sum += c.size;
            if c.bold {
                self.bold += 1;
            }
            if c.italic {
                self.italic += 1;
            }
        }
        if self.bold_run_open {
            if c.bold || c.c == ' ' {
                self.bold_prefix = self.chars;
            } else {
                self.bold_run_open = false;
            }
        }
    }

    fn finish(self, out: &mut Vec<Fragment>) {
        if self.letters == 0 {
            return;
        }
        let text = self.text.trim_end().to_string();
        let n = self.letters as f32;
        out.push(Fragment {
            bold_prefix: self.bold_prefix.min(text.chars().count()),
            text,
            x0: self.x0,
            x1: self.x1,
            y: self.y_sum / n,
            size: self.size_sum / n,
            bold: self.bold * 2 > self.letters,
            italic: self.italic * 2 > self.letters,
            artifact: self.artifact == self.all,
            words: self.words,
        });
    }
}

fn split_line(line: &[&TextChar], out: &mut Vec<Fragment>) {
    let mut current = Builder::default();
    let mut last: Option<&TextChar> = None; // last non-space char
    let mut pending_space = false;
    for &c in line {
        if c.c == ' ' {
            if last.is_some() {
                pending_space = true;
            }
            continue;
        }
        if let Some(prev) = last {
            // Skip a duplicate drawn on top (fake bold / shadow).
            if prev.c == c.c && (c.x0 - prev.x0).abs() < 0.15 * c.size.max(1.0) {
                continue;
            }
            let em = prev.size.max(c.size).max(1.0);
            let gap = c.x0 - prev.x1;
            if gap > SPLIT_GAP_EM * em || gap < -0.6 * em {
                std::mem::take(&mut current).finish(out);
                pending_space = false;
            } else if gap > SPACE_GAP_EM * em {
                pending_space = true;
            }
        }
        if pending_space && current.all > 0 {
            let space = TextChar { c: ' ', ..*c };
            current.push(&space);
        }
        pending_space = false;
        current.push(c);
        last = Some(c);
    }
    current.finish(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(c: char, x0: f32, y: f32) -> TextChar {
        TextChar { c, x0, x1: x0 + 5.0, y, size: 10.0, bold: false, italic: false, artifact: false }
    }

    #[test]
    fn splits_on_gaps_and_inserts_spaces() {
        let chars = vec![
            ch('a', 0.0, 100.0),
            ch('b', 5.0, 100.0),
            ch('c', 12.0, 100.2),
            ch('d', 100.0, 100.0),
            ch('e', 0.0, 120.0),
        ];
        let f = fragments(&chars);
        let texts: Vec<&str> = f.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, vec!["ab c", "d", "e"]);
    }
}
