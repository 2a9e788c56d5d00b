//! Spell entries: recognizing the `"<N>th-level <school>"` / `"<School> cantrip"` line that opens
//! one, and reading the entry into the `spells` collection's fields.

use serde_json::{Map, Value, json};

use super::text::{find_phrase, labelled_fields, prose};

/// The schools of magic, lowercase.
const SCHOOLS: [&str; 8] = [
    "abjuration",
    "conjuration",
    "divination",
    "enchantment",
    "evocation",
    "illusion",
    "necromancy",
    "transmutation",
];

/// The labelled lines under a spell's level line, in printed order.
const HEADER_KEYS: [&str; 4] = ["Casting Time:", "Range:", "Components:", "Duration:"];

/// Level, school and ritual tag from the start of cleaned `text`: `2nd-level evocation`,
/// `1st-level abjuration (ritual)`, `Conjuration cantrip`.
pub fn kind(text: &str) -> Option<(u8, &'static str, bool)> {
    let lower = text.split(' ').take(4).collect::<Vec<_>>().join(" ").to_lowercase();
    let mut words = lower.split(' ');
    let first = words.next()?;
    let second = words.next().unwrap_or("");
    let ritual = lower.contains("(ritual)");
    if second.trim_end_matches(',') == "cantrip" {
        let school = SCHOOLS.iter().find(|s| **s == first)?;
        return Some((0, school, ritual));
    }
    let ordinal = first.strip_suffix("-level")?;
    let digits = ordinal.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let level: u8 = digits.parse().ok().filter(|l| (1..=9).contains(l))?;
    let school = SCHOOLS.iter().find(|s| **s == second.trim_end_matches(','))?;
    Some((level, school, ritual))
}

/// Whether the cleaned text after a level line has a spell's first field.
pub fn confirms(following: &str) -> bool {
    following.contains("Casting Time:")
}

/// The durations spells have: `Instantaneous`, `Concentration, up to 1 minute`,
/// `Until dispelled or triggered`, `8 hours`, `Special`. Returns how much of `text` one is.
fn duration_length(text: &str) -> Option<usize> {
    let prefix =
        ["Concentration, up to ", "Concentration up to ", "Up to "].iter().find(|p| text.starts_with(**p));
    let at = prefix.map_or(0, |p| p.len());
    let rest = &text[at..];
    for fixed in ["Instantaneous", "Until dispelled or triggered", "Until dispelled", "Special", "Permanent"]
    {
        if rest.starts_with(fixed) {
            return Some(at + fixed.len());
        }
    }
    let number = if rest.starts_with("one ") { 3 } else { rest.find(|c: char| !c.is_ascii_digit())? };
    let after = rest[number..].strip_prefix(' ').filter(|_| number > 0)?;
    let unit = ["rounds", "round", "minutes", "minute", "hours", "hour", "days", "day"]
        .iter()
        .find(|u| after.starts_with(**u))?;
    Some(at + number + 1 + unit.len())
}

/// Splits a `Duration:` value into the duration and any description text that follows on
/// the same line (when the extractor joined them into one paragraph).
pub fn split_duration(value: &str) -> (String, String) {
    match duration_length(value) {
        Some(len) => (value[..len].to_owned(), value[len..].trim().to_owned()),
        None => (value.to_owned(), String::new()),
    }
}

/// Reads the header (cleaned text from the level line through the duration) into `fields`;
/// returns the description text that followed the duration on its line, if any.
pub fn header_fields(kind_text: &str, header: &str, fields: &mut Map<String, Value>) -> String {
    let (level, school, ritual) = kind(kind_text).unwrap_or((0, "", false));
    fields.insert("level".into(), json!(level));
    fields.insert("school".into(), json!(school));
    fields.insert("ritual".into(), json!(ritual));
    let mut leftover = String::new();
    for (key, value) in labelled_fields(header, &HEADER_KEYS) {
        match key {
            "Casting Time:" => {
                fields.insert("casting_time".into(), json!(value));
            }
            "Range:" => {
                fields.insert("range".into(), json!(value));
            }
            "Components:" => {
                let (components, material) = match value.split_once('(') {
                    Some((c, m)) => (c.trim(), m.rsplit_once(')').map_or(m, |(inside, _)| inside).trim()),
                    None => (value.as_str(), ""),
                };
                fields.insert("components".into(), json!(components));
                fields.insert("material".into(), json!(material));
            }
            _ => {
                let (duration, rest) = split_duration(&value);
                fields.insert("concentration".into(), json!(duration.starts_with("Concentration")));
                fields.insert("duration".into(), json!(duration));
                leftover = rest;
            }
        }
    }
    leftover
}

/// Reads the description lines into `description` and `higher_levels`.
pub fn body_fields(leftover: &str, body: &[&str], fields: &mut Map<String, Value>) {
    let mut lines: Vec<&str> = Vec::with_capacity(body.len() + 1);
    if !leftover.is_empty() {
        lines.push(leftover);
    }
    lines.extend_from_slice(body);
    let text = prose(&lines);
    let (description, higher) = match find_phrase(&text, "At Higher Levels.", 0) {
        Some(at) => (text[..at].trim(), text[at + "At Higher Levels.".len()..].trim()),
        None => (text.trim(), ""),
    };
    fields.insert("description".into(), json!(description));
    fields.insert("higher_levels".into(), json!(higher));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind("2nd-level evocation"), Some((2, "evocation", false)));
        assert_eq!(kind("1st-level abjuration (ritual)"), Some((1, "abjuration", true)));
        assert_eq!(kind("Conjuration cantrip"), Some((0, "conjuration", false)));
        assert_eq!(kind("9th-level transmutation Casting Time: 1 action"), Some((9, "transmutation", false)));
        assert_eq!(kind("2nd-level spell slot"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(
            split_duration("Concentration, up to 1 minute A bright"),
            ("Concentration, up to 1 minute".into(), "A bright".into())
        );
        assert_eq!(split_duration("Until dispelled"), ("Until dispelled".into(), "".into()));
        assert_eq!(split_duration("8 hours"), ("8 hours".into(), "".into()));
        assert_eq!(
            split_duration("Concentration up to one minute Then"),
            ("Concentration up to one minute".into(), "Then".into())
        );
        assert_eq!(split_duration("Instantaneous You hurl"), ("Instantaneous".into(), "You hurl".into()));
        assert_eq!(split_duration("Whatever it is"), ("Whatever it is".into(), "".into()));
    }
}
