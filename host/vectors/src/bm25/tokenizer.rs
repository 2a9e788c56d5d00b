//! Text → BM25 terms: Unicode word segmentation, lowercase, English stop words removed,
//! Snowball English stemming for alphabetic words; words containing a digit are kept verbatim.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

use super::stop_words::is_stop_word;

/// Splits `text` into normalised BM25 terms, in order, duplicates kept.
///
/// * words follow Unicode (UAX #29) word boundaries, so `2d6`, `1d8`, `d20` and `3.5` stay whole
///   and punctuation such as `+`, `/` or `-` separates words;
/// * curly apostrophes become `'`, then everything is lowercased;
/// * English stop words (NLTK list) are dropped; `ac`, `dc`, `hp` are not stop words;
/// * words with a digit (dice, levels, editions) are not stemmed, the rest get Snowball English.
pub fn tokenize(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    text.unicode_words()
        .filter_map(|word| {
            let word = word.replace(['\u{2019}', '\u{2018}'], "'").to_lowercase();
            if word.is_empty() || is_stop_word(&word) {
                return None;
            }
            if word.chars().any(|c| c.is_numeric()) {
                return Some(word);
            }
            let stem = stemmer.stem(&word).into_owned();
            let stem = stem.trim_end_matches('\'').to_owned();
            (!stem.is_empty()).then_some(stem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_stems_and_drops_stop_words() {
        assert_eq!(tokenize("The Wizard casts Spells"), ["wizard", "cast", "spell"]);
        assert_eq!(tokenize("Attacking attacks attacked"), ["attack", "attack", "attack"]);
    }

    #[test]
    fn keeps_dice_and_numbers_whole() {
        assert_eq!(tokenize("Deal 2d6 fire damage, or 1d8+2."), ["deal", "2d6", "fire", "damag", "1d8", "2"]);
        assert_eq!(tokenize("Roll a d20; add +5"), ["roll", "d20", "add", "5"]);
        assert_eq!(tokenize("D&D 3.5 edition"), ["3.5", "edit"]);
    }

    #[test]
    fn keeps_rpg_abbreviations() {
        assert_eq!(tokenize("AC 15, DC 13 Wisdom save"), ["ac", "15", "dc", "13", "wisdom", "save"]);
        assert_eq!(tokenize("HP and XP"), ["hp", "xp"]);
    }

    #[test]
    fn handles_possessives_and_curly_apostrophes() {
        assert_eq!(tokenize("the creature’s turn"), ["creatur", "turn"]);
        assert_eq!(tokenize("the creature's turn"), ["creatur", "turn"]);
        assert!(tokenize("don’t won't").is_empty());
    }

    #[test]
    fn splits_on_hyphens_slashes_and_handles_unicode() {
        assert_eq!(tokenize("5-foot radius"), ["5", "foot", "radius"]);
        assert_eq!(tokenize("Strength/Dexterity"), ["strength", "dexter"]);
        assert_eq!(tokenize("Épée CAFÉ"), ["épée", "café"]);
    }

    #[test]
    fn empty_and_punctuation_only_inputs_give_no_terms() {
        assert!(tokenize("").is_empty());
        assert!(tokenize("  ... --- !!! ").is_empty());
        assert!(tokenize("the of and").is_empty());
    }
}
