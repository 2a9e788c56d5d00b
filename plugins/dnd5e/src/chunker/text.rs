//! Text helpers shared by the recognizers: cleaning a line of extracted text for matching,
//! Markdown headings, numbers, and finding labelled fields in a run of text.

/// A line of the document with the page it is on.
#[derive(Debug, Clone)]
pub struct Line {
    /// Page number, 1-based.
    pub page: u32,
    /// The line as extracted, trailing whitespace removed.
    pub text: String,
}

impl Line {
    /// Whether the line holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A line cleaned for matching: Markdown heading marks and emphasis stars removed, soft
/// hyphens dropped, the hyphen look-alikes (U+2010, U+2011, U+2012) and the minus sign
/// (U+2212) made ASCII `-` with runs of them folded to one, every kind of whitespace
/// (tabs, no-break spaces) made one space, table cell bars (` | `) made spaces.
pub fn clean(line: &str) -> String {
    let unmarked = line.trim().trim_start_matches('#');
    let mut out = String::with_capacity(unmarked.len());
    let mut last = ' ';
    for c in unmarked.chars() {
        let c = match c {
            '\u{00AD}' | '*' => continue,
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => '-',
            '|' => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if (c == ' ' && last == ' ') || (c == '-' && last == '-') {
            continue;
        }
        out.push(c);
        last = c;
    }
    out.trim_end().to_owned()
}

/// The level (number of `#`) and text of a Markdown heading line.
pub fn markdown_heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim();
    let hashes = trimmed.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&hashes) || !trimmed[hashes..].starts_with(' ') {
        return None;
    }
    let text = clean(trimmed);
    (!text.is_empty()).then_some((hashes, text))
}

/// The integer at the start of `text` (after spaces), commas between digits allowed
/// (`5,900`), with a leading `+` or `-`.
pub fn leading_integer(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let (sign, rest) = match text.chars().next()? {
        '-' | '\u{2212}' => (-1, text[text.chars().next()?.len_utf8()..].trim_start()),
        '+' => (1, text[1..].trim_start()),
        _ => (1, text),
    };
    let digits: String =
        rest.chars().take_while(|c| c.is_ascii_digit() || *c == ',').filter(char::is_ascii_digit).collect();
    digits.parse::<i64>().ok().map(|n| sign * n)
}

/// Words that stay lowercase inside a title (`Protection from Evil and Good`).
const SMALL_WORDS: [&str; 15] =
    ["a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "over", "the", "with"];

/// Whether `text` reads like a title: at most `max_words` words, each capitalized (or a
/// small word, a number, or inside parentheses), starting with a capital letter.
pub fn is_title(text: &str, max_words: usize) -> bool {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 60 || !text.starts_with(|c: char| c.is_uppercase()) {
        return false;
    }
    let mut depth = 0usize;
    let mut words = 0;
    for word in text.split(' ') {
        let inside = depth > 0 || word.starts_with('(');
        depth += word.matches('(').count();
        depth = depth.saturating_sub(word.matches(')').count());
        if inside {
            continue;
        }
        words += 1;
        let first = word.chars().next().unwrap_or(' ');
        let ok = first.is_uppercase() || first.is_ascii_digit() || SMALL_WORDS.contains(&word);
        if !ok || words > max_words {
            return false;
        }
    }
    true
}

/// Position of `key` in `text` at or after `from`, as a whole phrase: at the start or after
/// a space, and followed by a space, a colon, or the end.
pub fn find_phrase(text: &str, key: &str, from: usize) -> Option<usize> {
    let mut start = from;
    while let Some(offset) = text.get(start..)?.find(key) {
        let at = start + offset;
        let before_ok = at == 0 || text[..at].ends_with(' ');
        let after = &text[at + key.len()..];
        let after_ok = after.is_empty() || after.starts_with([' ', ':']) || key.ends_with(':');
        if before_ok && after_ok {
            return Some(at);
        }
        start = at + key.len();
    }
    None
}

/// Splits `text` at the labelled fields in `keys` (each looked for once, in order, after the
/// previous one found): `(key, value)` pairs for the keys present, each value running to
/// the next key found.
pub fn labelled_fields<'k>(text: &str, keys: &[&'k str]) -> Vec<(&'k str, String)> {
    let mut found: Vec<(&str, usize)> = Vec::new();
    let mut from = 0;
    for key in keys {
        if let Some(at) = find_phrase(text, key, from) {
            found.push((key, at));
            from = at + key.len();
        }
    }
    found
        .iter()
        .enumerate()
        .map(|(i, (key, at))| {
            let end = found.get(i + 1).map_or(text.len(), |(_, next)| *next);
            let value = text[at + key.len()..end].trim().trim_start_matches(':').trim();
            (*key, value.to_owned())
        })
        .collect()
}

/// Text for a record field: the cleaned lines joined with spaces, paragraphs (split by
/// blank lines) with a newline.
pub fn prose(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut paragraph_break = false;
    for line in lines {
        let cleaned = clean(line);
        if cleaned.is_empty() {
            paragraph_break = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push(if paragraph_break { '\n' } else { ' ' });
        }
        out.push_str(&cleaned);
        paragraph_break = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_folds_hyphens_minus_signs_and_marks() {
        assert_eq!(clean("#### 2nd-\u{AD}\u{2010}\u{2011}level\t evocation "), "2nd-level evocation");
        assert_eq!(clean("21 (+5) | 9 (\u{2212}1)"), "21 (+5) 9 (-1)");
        assert_eq!(clean("**Armor Class** 15"), "Armor Class 15");
        assert_eq!(markdown_heading("## Monsters (A)"), Some((2, "Monsters (A)".into())));
        assert_eq!(markdown_heading("#hashtag"), None);
    }

    #[test]
    fn numbers_titles_and_fields() {
        assert_eq!(leading_integer(" 5,900 XP"), Some(5900));
        assert_eq!(leading_integer("\u{2212}1)"), Some(-1));
        assert_eq!(leading_integer("+12"), Some(12));
        assert!(is_title("Protection from Evil and Good", 8));
        assert!(is_title("Enslave (3/Day)", 8));
        assert!(!is_title("Constitution saving throw", 8));
        let fields = labelled_fields(
            "Casting Time: 1 action Range: 90 feet Duration: 1 hour",
            &["Casting Time:", "Range:", "Components:", "Duration:"],
        );
        assert_eq!(
            fields,
            [
                ("Casting Time:", "1 action".into()),
                ("Range:", "90 feet".into()),
                ("Duration:", "1 hour".into())
            ]
        );
        assert_eq!(find_phrase("DEXTROUS STR 10", "STR", 0), Some(9));
    }
}
