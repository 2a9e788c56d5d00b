//! Monster stat blocks: recognizing the `"<Size> <type>, <alignment>"` line that opens one,
//! and reading the block into the `monsters` collection's fields.

use serde_json::{Map, Value, json};

use super::text::{clean, is_title, labelled_fields, leading_integer, prose};

/// Creature sizes, as printed.
const SIZES: [&str; 6] = ["Tiny", "Small", "Medium", "Large", "Huge", "Gargantuan"];

/// Creature types (and `swarm`, which opens "swarm of Tiny beasts").
const TYPES: [&str; 15] = [
    "aberration",
    "beast",
    "celestial",
    "construct",
    "dragon",
    "elemental",
    "fey",
    "fiend",
    "giant",
    "humanoid",
    "monstrosity",
    "ooze",
    "plant",
    "undead",
    "swarm",
];

/// The labelled lines of a stat block's header, in printed order.
const HEADER_KEYS: [&str; 13] = [
    "Armor Class",
    "Hit Points",
    "Speed",
    "STR",
    "Saving Throws",
    "Skills",
    "Damage Vulnerabilities",
    "Damage Resistances",
    "Damage Immunities",
    "Condition Immunities",
    "Senses",
    "Languages",
    "Challenge",
];

/// The six abilities, by the abbreviations saving throws use.
const ABILITIES: [(&str, &str); 6] = [
    ("str", "strength"),
    ("dex", "dexterity"),
    ("con", "constitution"),
    ("int", "intelligence"),
    ("wis", "wisdom"),
    ("cha", "charisma"),
];

/// Whether cleaned `text` starts like a stat block's kind line: a size, then a creature type
/// (`Large aberration, lawful evil`, `Medium swarm of Tiny beasts, unaligned`).
pub fn is_kind_line(text: &str) -> bool {
    let mut words = text.split(' ');
    let (Some(size), Some(kind)) = (words.next(), words.next()) else { return false };
    let kind = kind.trim_end_matches(',');
    SIZES.contains(&size) && TYPES.contains(&kind) && text.contains(',')
}

/// Whether the cleaned text after a kind line has a stat block's first fields: `Armor
/// Class`, and `Hit Points` or (should an extractor misplace that line) `Challenge`.
pub fn confirms(following: &str) -> bool {
    following.contains("Armor Class") && (following.contains("Hit Points") || following.contains("Challenge"))
}

/// Whether a cleaned line reads like part of a stat block's header: it starts with one of
/// its labels, or holds only ability names and `N (+M)` scores.
pub fn is_header_line(text: &str) -> bool {
    let labelled = HEADER_KEYS.iter().any(|key| text.starts_with(key));
    let scores = text.split(' ').all(|token| {
        let token = token.trim_matches(['(', ')']);
        ABILITIES.iter().any(|(short, _)| token.eq_ignore_ascii_case(short))
            || token.trim_start_matches(['+', '-']).parse::<i64>().is_ok()
    });
    labelled || scores
}

/// Whether a cleaned body line is one of a stat block's own sub-headings.
pub fn is_block_heading(text: &str) -> bool {
    ["Actions", "Reactions", "Legendary Actions", "Lair Actions"].iter().any(|h| h.eq_ignore_ascii_case(text))
}

/// A challenge rating as a number: `1/8` is 0.125.
fn challenge_rating(text: &str) -> Option<f64> {
    let token = text.split_whitespace().next()?;
    match token.split_once('/') {
        Some((n, d)) => Some(n.parse::<f64>().ok()? / d.parse::<f64>().ok()?),
        None => token.parse().ok(),
    }
}

/// The six ability scores: the first six `N (+M)` pairs of `text`.
fn ability_scores(text: &str) -> Vec<i64> {
    let mut scores = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let before = rest[..open].trim_end();
        let score_start = before.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
        let inside = &rest[open + 1..];
        let modifier = inside.split(')').next().unwrap_or("").trim();
        let signed = modifier.starts_with(['+', '-']) && modifier[1..].trim().parse::<i64>().is_ok();
        if let (true, Ok(score)) = (signed, before[score_start..].parse::<i64>()) {
            scores.push(score);
            if scores.len() == 6 {
                break;
            }
        }
        rest = inside;
    }
    scores
}

/// `{"wisdom": 6}` from `Con +6, Wis +6`; `{"sleight_of_hand": 4}` from skills.
fn bonuses(text: &str, abilities: bool) -> Value {
    let mut map = Map::new();
    for part in text.split([',', ';']) {
        let part = part.trim();
        let Some(at) = part.rfind(['+', '-']) else { continue };
        let Some(bonus) = leading_integer(&part[at..]) else { continue };
        let name = part[..at].trim().to_lowercase();
        let key = if abilities {
            ABILITIES.iter().find(|(short, long)| name == *short || name == *long).map(|(_, l)| l.to_string())
        } else {
            Some(name.replace(' ', "_"))
        };
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            map.insert(key, json!(bonus));
        }
    }
    Value::Object(map)
}

/// `{"walk": 30, "fly": 60}` from `30 ft., fly 60 ft. (hover)`.
fn speeds(text: &str) -> Value {
    let mut map = Map::new();
    for part in text.split([',', ';']) {
        let part = part.trim();
        let (mode, rest) = match part.find(|c: char| c.is_ascii_digit()) {
            Some(0) => ("walk", part),
            Some(at) => (part[..at].trim(), &part[at..]),
            None => continue,
        };
        if let (Some(feet), true) = (leading_integer(rest), mode.chars().all(char::is_alphabetic)) {
            map.entry(mode.to_lowercase()).or_insert(json!(feet));
        }
    }
    Value::Object(map)
}

/// Size, type, subtype and alignment from `Medium humanoid (any race), any alignment`.
fn kind_fields(kind_line: &str, fields: &mut Map<String, Value>) {
    let close = kind_line.find(')').unwrap_or(0);
    let (before, alignment) = match kind_line[close..].find(',') {
        Some(at) => (&kind_line[..close + at], &kind_line[close + at + 1..]),
        None => (kind_line, ""),
    };
    let mut words = before.splitn(2, ' ');
    let size = words.next().unwrap_or("").to_lowercase();
    let rest = words.next().unwrap_or("").trim();
    let (kind, subtype) = match rest.split_once('(') {
        Some((kind, sub)) => (kind.trim(), sub.trim_end_matches(')').trim()),
        None => (rest, ""),
    };
    let kind = if kind.starts_with("swarm") { "swarm" } else { kind };
    fields.insert("size".into(), json!(size));
    fields.insert("type".into(), json!(kind.to_lowercase()));
    fields.insert("subtype".into(), json!(subtype));
    fields.insert("alignment".into(), json!(alignment.trim()));
}

/// The number and the parenthesis after it: `17 (natural armor)` → (17, "natural armor").
fn number_and_detail(text: &str) -> (Option<i64>, String) {
    let detail = text
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or(String::new(), |(inside, _)| inside.trim().to_owned());
    (leading_integer(text), detail)
}

/// Reads a stat block's header (the cleaned text from the kind line through `Challenge …`)
/// into `fields`.
pub fn header_fields(kind_line: &str, header: &str, fields: &mut Map<String, Value>) {
    kind_fields(kind_line, fields);
    for (key, value) in labelled_fields(header, &HEADER_KEYS) {
        match key {
            "Armor Class" => {
                let (ac, detail) = number_and_detail(&value);
                fields.insert("armor_class".into(), json!(ac));
                fields.insert("armor_detail".into(), json!(detail));
            }
            "Hit Points" => {
                let (hp, dice) = number_and_detail(&value);
                fields.insert("hit_points".into(), json!(hp));
                fields.insert("hit_dice".into(), json!(dice.replace(' ', "")));
            }
            "Speed" => {
                fields.insert("speed".into(), speeds(&value));
            }
            "STR" => {
                let scores = ability_scores(&value);
                for (i, (_, ability)) in ABILITIES.iter().enumerate() {
                    fields.insert((*ability).into(), json!(scores.get(i)));
                }
            }
            "Saving Throws" => {
                fields.insert("saving_throws".into(), bonuses(&value, true));
            }
            "Skills" => {
                fields.insert("skills".into(), bonuses(&value, false));
            }
            "Senses" => {
                let passive = value
                    .find("passive Perception")
                    .and_then(|at| leading_integer(&value[at + "passive Perception".len()..]));
                fields.insert("passive_perception".into(), json!(passive));
                fields.insert("senses".into(), json!(value));
            }
            "Challenge" => {
                let xp = value.split_once('(').and_then(|(_, rest)| leading_integer(rest));
                fields.insert("challenge_rating".into(), json!(challenge_rating(&value)));
                fields.insert("experience_points".into(), json!(xp));
            }
            other => {
                let field = other.to_lowercase().replace(' ', "_");
                fields.insert(field, json!(value));
            }
        }
    }
}

/// The name of an entry a line starts (`Multiattack.`, `Enslave (3/Day).`), with the rest.
fn entry_start(text: &str) -> Option<(String, String)> {
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                let name = text[..at].trim();
                let rest = &text[at + 1..];
                let ends_word = rest.is_empty() || rest.starts_with(' ');
                return (ends_word && is_title(name, 7)).then(|| (name.to_owned(), rest.trim().to_owned()));
            }
            ':' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The lists of a stat block's body, by field, in printed order; each but the first
/// starts at a sub-heading with the same name (`Actions`, `Reactions`, `Legendary Actions`).
const BODY_LISTS: [(&str, &str); 4] = [
    ("traits", ""),
    ("actions", "actions"),
    ("reactions", "reactions"),
    ("legendary_actions", "legendary actions"),
];

/// One trait or action: its name and the cleaned lines of its description.
struct Entry {
    name: String,
    lines: Vec<String>,
}

/// Reads a stat block's body (the lines after `Challenge`) into traits, actions, reactions
/// and legendary actions: `[{"name", "description"}]` each. Text before a list's first
/// entry (the legendary actions' preamble) stays in the chunk text only.
pub fn body_fields(body: &[&str], fields: &mut Map<String, Value>) {
    let mut lists: [Vec<Entry>; 4] = Default::default();
    let mut list = 0;
    let mut previous_ends_sentence = true;
    for raw in body {
        let text = clean(raw);
        if text.is_empty() {
            previous_ends_sentence = true;
            continue;
        }
        let lower = text.to_ascii_lowercase();
        if let Some(heading) = BODY_LISTS.iter().skip(1).position(|(_, h)| *h == lower) {
            list = heading + 1;
            previous_ends_sentence = true;
            continue;
        }
        let entries = &mut lists[list];
        match entry_start(&text).filter(|_| previous_ends_sentence) {
            Some((name, rest)) => entries.push(Entry { name, lines: vec![rest] }),
            None => {
                if let Some(entry) = entries.last_mut() {
                    entry.lines.push(text.clone());
                }
            }
        }
        previous_ends_sentence = text.ends_with(['.', ')', ':']);
    }
    for ((field, _), entries) in BODY_LISTS.iter().zip(lists) {
        let list: Vec<Value> = entries
            .iter()
            .map(|entry| {
                let lines: Vec<&str> = entry.lines.iter().map(String::as_str).collect();
                json!({"name": entry.name, "description": prose(&lines)})
            })
            .collect();
        fields.insert((*field).into(), Value::Array(list));
    }
}

/// Where the header ends in cleaned `text` of the `Challenge` line: after its `(… XP)`.
pub fn challenge_end(text: &str) -> Option<usize> {
    let at = super::text::find_phrase(text, "Challenge", 0)?;
    let rest = &text[at..];
    let close = rest.find("XP)").map(|i| i + 3).or_else(|| rest.find(')').map(|i| i + 1))?;
    Some(at + close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_lines() {
        assert!(is_kind_line("Large aberration, lawful evil"));
        assert!(is_kind_line("Medium swarm of Tiny beasts, unaligned"));
        assert!(is_kind_line("Small humanoid (goblinoid), neutral evil"));
        assert!(!is_kind_line("Medium or smaller creature, it"));
        assert!(!is_kind_line("Large"));
    }

    #[test]
    fn header_parts() {
        assert_eq!(
            ability_scores("DEX CON 21 (+5) 9 (-1) 15 (+2) | 18 (+4) 15 (+2) 18 (+4) 3 (-4)"),
            [21, 9, 15, 18, 15, 18]
        );
        assert_eq!(
            speeds("10 ft., swim 40 ft., fly 60 ft. (hover)"),
            json!({"walk": 10, "swim": 40, "fly": 60})
        );
        assert_eq!(
            bonuses("Con +6, Int +8, Wis +6", true),
            json!({"constitution": 6, "intelligence": 8, "wisdom": 6})
        );
        assert_eq!(
            bonuses("Sleight of Hand +4, Stealth -1", false),
            json!({"sleight_of_hand": 4, "stealth": -1})
        );
        assert_eq!(challenge_rating("1/8 (25 XP)"), Some(0.125));
        assert_eq!(
            entry_start("Enslave (3/Day). The aboleth"),
            Some(("Enslave (3/Day)".into(), "The aboleth".into()))
        );
        assert_eq!(entry_start("Constitution saving throw. On a failure"), None);
        assert_eq!(entry_start("Cantrips (at will): light"), None);
    }
}
