//! The classes' spell lists ("Bard Spells", "Cleric Spells", …): which classes have each
//! spell, for the `classes` field of spell records. A list's names are matched against the
//! spells the book describes, longest name first, so they are found whether the list
//! comes one name per line or run together in one paragraph.

use std::collections::{BTreeMap, BTreeSet};

use super::text::{Line, clean, markdown_heading};

/// The SRD classes that cast spells, lowercase.
const CLASSES: [&str; 8] = ["bard", "cleric", "druid", "paladin", "ranger", "sorcerer", "warlock", "wizard"];

/// Longest a list runs, in lines, when nothing else ends it.
const MAX_LIST_LINES: usize = 400;

/// A spell name folded to its words: lowercase letters and digits, apostrophes dropped.
pub fn words(name: &str) -> Vec<String> {
    name.to_lowercase()
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The class whose list a line heads: `Wizard Spells` alone on a line, or anywhere in a
/// Markdown heading (an extractor may run a neighbouring column's words into it).
fn list_class(line: &str) -> Option<&'static str> {
    let text = clean(line);
    let words: Vec<&str> = text.split(' ').collect();
    let is_heading = markdown_heading(line).is_some();
    if !is_heading && words.len() != 2 {
        return None;
    }
    words.windows(2).filter(|pair| pair[1] == "Spells").find_map(|pair| {
        let class = pair[0].to_lowercase();
        CLASSES.iter().find(|c| **c == class).copied()
    })
}

/// The classes of every spell in `spells` (by folded name, words joined by spaces) that
/// the lists in `lines` name; `stops` are lines a list cannot run past (block starts).
pub fn classes_by_spell(
    lines: &[Line],
    spells: &[String],
    stops: &BTreeSet<usize>,
) -> BTreeMap<String, Vec<String>> {
    let names: BTreeSet<Vec<String>> = spells.iter().map(|s| words(s)).filter(|w| !w.is_empty()).collect();
    let longest = names.iter().map(Vec::len).max().unwrap_or(0);
    let mut classes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(class) = list_class(&line.text) else { continue };
        let level = markdown_heading(&line.text).map(|(level, _)| level);
        let mut tokens: Vec<String> = Vec::new();
        for (i, next) in lines.iter().enumerate().skip(start + 1).take(MAX_LIST_LINES) {
            let ends_list = match markdown_heading(&next.text) {
                Some((l, _)) => level.is_some_and(|level| l <= level),
                None => false,
            };
            if ends_list || stops.contains(&i) || list_class(&next.text).is_some() {
                break;
            }
            tokens.extend(words(&next.text));
        }
        let mut at = 0;
        while at < tokens.len() {
            let found =
                (1..=longest.min(tokens.len() - at)).rev().find(|n| names.contains(&tokens[at..at + n]));
            match found {
                Some(n) => {
                    let entry = classes.entry(tokens[at..at + n].join(" ")).or_default();
                    if !entry.iter().any(|c| c == class) {
                        entry.push(class.to_owned());
                    }
                    at += n;
                }
                None => at += 1,
            }
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines().map(|l| Line { page: 1, text: l.to_owned() }).collect()
    }

    #[test]
    fn lists_one_name_a_line_or_run_together() {
        let spells: Vec<String> = ["Cure Wounds", "Mass Cure Wounds", "Light", "Dancing Lights", "Fireball"]
            .map(String::from)
            .to_vec();
        let text = "### Bard Spells\n#### Cantrips (0 Level)\nDancing Lights\nLight\n#### 5th Level\nMass Cure Wounds\n\
                    ### Polymorph Wizard Spells\nDancing Lights Fireball Light\n## Spell Descriptions\nFireball\nCure Wounds\n";
        let classes = classes_by_spell(&lines(text), &spells, &BTreeSet::new());
        assert_eq!(classes["dancing lights"], ["bard", "wizard"]);
        assert_eq!(classes["light"], ["bard", "wizard"]);
        assert_eq!(classes["mass cure wounds"], ["bard"]);
        assert_eq!(classes["fireball"], ["wizard"]);
        assert!(!classes.contains_key("cure wounds"), "{classes:?}");
    }
}
