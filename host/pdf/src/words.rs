//! Joining lines into running text, with a document-wide word list to decide hyphenation.
//!
//! `"hyphen-" + "ated"` becomes `"hyphenated"` when that word occurs elsewhere in the
//! document; it stays `"two-handed"` when the hyphenated form occurs elsewhere, or when the
//! joined form is never seen and the part after the hyphen is a word of its own.

use std::collections::HashSet;

use crate::error::PageError;
use crate::pipeline::RawPage;

/// Every word of the document, lowercased, with and without inner hyphens.
#[derive(Debug, Default)]
pub(crate) struct WordDictionary {
    words: HashSet<String>,
}

fn core(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
}

impl WordDictionary {
    /// Collects the words of all pages. Words cut by a line-end hyphen are skipped.
    pub(crate) fn from_pages(pages: &[Result<RawPage, PageError>]) -> WordDictionary {
        let mut words = HashSet::new();
        for page in pages.iter().flatten() {
            for fragment in &page.fragments {
                let mut tokens = fragment.text.split_whitespace().peekable();
                while let Some(token) = tokens.next() {
                    let is_last = tokens.peek().is_none();
                    if is_last && token.ends_with('-') {
                        continue;
                    }
                    let word = core(token);
                    if !word.is_empty() && !words.contains(word) {
                        words.insert(word.to_lowercase());
                    }
                }
            }
        }
        WordDictionary { words }
    }

    fn knows(&self, word: &str) -> bool {
        self.words.contains(&word.to_lowercase())
    }

    /// Whether a line ending in `head-` followed by a line starting with `tail` should drop
    /// the hyphen (a word split for line breaking) rather than keep it (a compound).
    pub(crate) fn should_join(&self, head: &str, tail: &str) -> bool {
        let head = core(head).trim_end_matches('-');
        let tail_word = core(tail);
        if head.is_empty() || tail_word.is_empty() {
            return false;
        }
        let starts_lower = tail_word.chars().next().is_some_and(char::is_lowercase);
        let head_ends_letter = head.chars().last().is_some_and(char::is_alphabetic);
        if !starts_lower || !head_ends_letter {
            return false;
        }
        let joined = format!("{head}{tail_word}");
        let hyphenated = format!("{head}-{tail_word}");
        if self.knows(&hyphenated) && !self.knows(&joined) {
            return false;
        }
        if self.knows(&joined) {
            return true;
        }
        // Neither form seen elsewhere: a compound when the tail is a word in its own right
        // ("briar-" + "choked"), a split word otherwise ("hyphen-" + "ated").
        let first_tail = tail_word.split('-').next().unwrap_or(tail_word);
        !(self.knows(first_tail) && first_tail.len() > 2)
    }

    /// Appends line `next` to running text `text`, joining a hyphenated word when right.
    pub(crate) fn append_line(&self, text: &mut String, next: &str) {
        let next = next.trim();
        if next.is_empty() {
            return;
        }
        if text.is_empty() {
            text.push_str(next);
            return;
        }
        if text.ends_with('\u{AD}') {
            text.pop();
            text.push_str(next);
            return;
        }
        if text.ends_with('-') && !text.ends_with(" -") && !text.ends_with("--") {
            let head = text.rsplit(' ').next().unwrap_or("");
            let tail = next.split(' ').next().unwrap_or("");
            if self.should_join(head, tail) {
                text.pop();
            }
            text.push_str(next);
            return;
        }
        // A dash or slash at a line end joins without a space ("end—" + "that").
        if !text.ends_with(['—', '/']) {
            text.push(' ');
        }
        text.push_str(next);
    }

    #[cfg(test)]
    pub(crate) fn from_words(list: &[&str]) -> WordDictionary {
        WordDictionary { words: list.iter().map(|w| w.to_lowercase()).collect() }
    }
}

/// Removes soft hyphens left inside a line.
pub(crate) fn strip_soft_hyphens(text: &str) -> String {
    text.replace('\u{AD}', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_keeps() {
        let dict = WordDictionary::from_words(&[
            "hyphenated",
            "two-handed",
            "two",
            "handed",
            "close",
            "set",
            "choked",
        ]);
        let mut t = String::from("a hyphen-");
        dict.append_line(&mut t, "ated word");
        assert_eq!(t, "a hyphenated word");
        let mut t = String::from("a two-");
        dict.append_line(&mut t, "handed sword");
        assert_eq!(t, "a two-handed sword");
        let mut t = String::from("close-");
        dict.append_line(&mut t, "set rivets");
        assert_eq!(t, "close-set rivets");
        let mut t = String::from("unknown-");
        dict.append_line(&mut t, "ish");
        assert_eq!(t, "unknownish");
        let mut t = String::from("briar-");
        dict.append_line(&mut t, "choked forests");
        assert_eq!(t, "briar-choked forests");
    }
}
