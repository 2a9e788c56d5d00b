//! Reading collection records out of search hits, and matching names. Pure and host-free.

use serde_json::{Map, Value};

/// The attribution that must accompany SRD 5.1 content shown to people.
pub const SRD_ATTRIBUTION: &str = "This work includes material taken from the System Reference \
Document 5.1 (\"SRD 5.1\") by Wizards of the Coast LLC and available at \
https://dnd.wizards.com/resources/systems-reference-document. The SRD 5.1 is licensed under the \
Creative Commons Attribution 4.0 International License available at \
https://creativecommons.org/licenses/by/4.0/legalcode.";

/// The record fields inside a hit's payload: the payload itself when it holds a `name`,
/// else the first of its `data`, `fields`, `record` or `metadata` objects that does.
pub fn record_of(payload: &Value) -> Option<Map<String, Value>> {
    let named = |v: &Value| v.as_object().filter(|o| o.get("name").is_some_and(Value::is_string)).cloned();
    named(payload)
        .or_else(|| ["data", "fields", "record", "metadata"].iter().find_map(|k| named(&payload[*k])))
}

/// Where a record is printed, for people: "SRD 5.1, p. 283" (or "pp. 283–284"), from the
/// first of its `sources` (the host lists the winning source first) that has a book and
/// a page; `None` when no source has one (a structured import alone).
pub fn citation(record: &Map<String, Value>) -> Option<String> {
    let cite = |source: &Map<String, Value>| {
        let book = source.get("book")?.as_str()?;
        let start = source.get("page_start")?.as_i64()?;
        let end = source.get("page_end").and_then(Value::as_i64).unwrap_or(start);
        Some(if end > start {
            format!("{book}, pp. {start}\u{2013}{end}")
        } else {
            format!("{book}, p. {start}")
        })
    };
    let sources = record.get("sources").and_then(Value::as_array);
    sources.into_iter().flatten().filter_map(Value::as_object).find_map(cite).or_else(|| cite(record))
}

/// Takes the host's list of a record's sources out of it (each with its book, pages,
/// section and where the record came from), leaving the record's own fields.
pub fn take_sources(record: &mut Map<String, Value>) -> Vec<Value> {
    match record.remove("sources") {
        Some(Value::Array(sources)) => sources,
        _ => Vec::new(),
    }
}

/// A record's string field, or "" when missing.
pub fn text<'a>(record: &'a Map<String, Value>, field: &str) -> &'a str {
    record.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A record's number field (a JSON number or a numeric string such as `"10.000"`).
pub fn number(record: &Map<String, Value>, field: &str) -> Option<f64> {
    match record.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A record's whole-number field.
pub fn integer(record: &Map<String, Value>, field: &str) -> Option<i64> {
    number(record, field).map(|n| n.round() as i64)
}

/// The ability modifier of a score: `floor((score - 10) / 2)`.
pub fn ability_modifier(score: i64) -> i64 {
    (score - 10).div_euclid(2)
}

/// A name folded for comparison: lowercase, letters and digits only, single spaces.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Edit distance between two short strings (Levenshtein, by characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Whether `found` is close enough to `wanted` to answer a lookup for it: the same after
/// folding, one containing the other as whole words, or a few typos apart.
pub fn is_close(wanted: &str, found: &str) -> bool {
    let (w, f) = (fold(wanted), fold(found));
    if w.is_empty() || f.is_empty() {
        return false;
    }
    let words = |s: &str| format!(" {s} ");
    words(&f).contains(&words(&w))
        || words(&w).contains(&words(&f))
        || distance(&w, &f) <= (w.chars().count() / 4).max(1)
}

/// How a lookup was answered.
#[derive(Debug, PartialEq)]
pub enum Pick {
    /// The record whose name equals the wanted one (case-insensitively), at this index.
    Exact(usize),
    /// No exact match; the best close hit, at this index.
    Close(usize),
    /// Nothing close; the names found, best first.
    None(Vec<String>),
}

/// Picks the record for a lookup of `wanted` among names, best hit first.
pub fn pick(wanted: &str, names: &[&str]) -> Pick {
    let w = fold(wanted);
    if let Some(i) = names.iter().position(|n| fold(n) == w) {
        return Pick::Exact(i);
    }
    match names.iter().position(|n| is_close(wanted, n)) {
        Some(i) => Pick::Close(i),
        None => Pick::None(names.iter().map(|n| n.to_string()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn records_are_found_at_the_top_or_nested() {
        let top = json!({"name": "Goblin", "challenge_rating": 0.25});
        assert_eq!(text(&record_of(&top).unwrap(), "name"), "Goblin");
        let nested = json!({"book": "SRD", "data": {"name": "Orc", "challenge_rating": "0.500"}});
        let orc = record_of(&nested).unwrap();
        assert_eq!((text(&orc, "name"), number(&orc, "challenge_rating")), ("Orc", Some(0.5)));
        assert!(record_of(&json!({"book": "SRD"})).is_none());
    }

    #[test]
    fn citations_come_from_the_first_source_with_a_page() {
        let imported_first = json!({"name": "Goblin", "sources": [
            {"record_source": "open5e", "book": "SRD 5.1", "page_start": null},
            {"record_source": "book:x", "book": "SRD 5.1", "page_start": 315, "page_end": 316},
        ]});
        let mut record = record_of(&imported_first).unwrap();
        assert_eq!(citation(&record).as_deref(), Some("SRD 5.1, pp. 315\u{2013}316"));
        assert_eq!(take_sources(&mut record).len(), 2);
        assert!(!record.contains_key("sources"));
        let alone = json!({"name": "Orc", "book": "Monster Manual", "page_start": 246, "page_end": 246});
        assert_eq!(citation(&record_of(&alone).unwrap()).as_deref(), Some("Monster Manual, p. 246"));
        assert_eq!(citation(&record_of(&json!({"name": "Orc", "book": "SRD 5.1"})).unwrap()), None);
    }

    #[test]
    fn modifiers_round_down() {
        let mods: Vec<i64> = [1, 8, 9, 10, 11, 12, 20, 30].iter().map(|&s| ability_modifier(s)).collect();
        assert_eq!(mods, [-5, -1, -1, 0, 0, 1, 5, 10]);
    }

    #[test]
    fn lookups_prefer_exact_names_then_close_ones() {
        assert_eq!(pick("goblin", &["Goblin Boss", "Goblin"]), Pick::Exact(1));
        assert_eq!(pick("Adult Red Dragn", &["Adult Red Dragon", "Red Dragon Wyrmling"]), Pick::Close(0));
        assert_eq!(pick("Goblin King", &["Goblin", "Hobgoblin"]), Pick::Close(0));
        assert_eq!(pick("Tarrasque", &["Goblin", "Orc"]), Pick::None(vec!["Goblin".into(), "Orc".into()]));
        assert_eq!(pick("x", &[]), Pick::None(vec![]));
        assert!(is_close("fire ball", "Fireball"));
    }
}
