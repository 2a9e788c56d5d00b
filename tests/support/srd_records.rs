//! The SRD 5.1's monsters and spells as something recognized them (the 5e chunker's typed
//! chunks, or the records an ingestion made of them), scored against the Open5e export
//! beside the PDF: how many are recognized with every compared field exactly right. Used by
//! the chunker test and by the whole-ingest test, so both report the same figures.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// The share of Open5e records that must be recognized with every compared field right.
pub const REQUIRED_PERCENT: f64 = 95.0;

/// Monster fields compared (Open5e's name, ours).
pub const MONSTER_FIELDS: &[(&str, &str)] =
    &[("armor_class", "armor_class"), ("hit_points", "hit_points"), ("challenge_rating", "challenge_rating")];

/// Spell fields compared.
pub const SPELL_FIELDS: &[(&str, &str)] = &[("level", "level"), ("school", "school")];

/// A name folded for matching: lowercase letters and digits, apostrophes dropped.
fn fold(name: &str) -> String {
    name.to_lowercase()
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The other names a catalogue name (`Gnome, Deep (Svirfneblin)`, `Elf, Drow`) goes by:
/// turned around (`Deep Gnome (Svirfneblin)`) and its part after the comma (`Drow`).
fn catalogue_names(name: &str) -> Vec<String> {
    let Some((head, tail)) = name.split_once(", ") else { return Vec::new() };
    let (words, parenthesis) =
        tail.split_once(" (").map_or((tail, String::new()), |(w, p)| (w, format!(" ({p}")));
    vec![format!("{words} {head}{parenthesis}"), tail.to_owned()]
}

/// The `fields` of every record in an Open5e export file of the SRD 5.1 (`srd-2014`) in
/// the folder `srd_dir`.
pub fn open5e(srd_dir: &Path, file: &str) -> Vec<Value> {
    let path = srd_dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let records: Vec<Value> = serde_json::from_str(&text).unwrap();
    records.into_iter().map(|r| r["fields"].clone()).filter(|f| f["document"] == "srd-2014").collect()
}

/// A JSON number or numeric string (`"0.125"`) as a float.
fn number(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// One recognized entry: its collection, fields (with a `name`) and first page.
pub struct Entry<'a> {
    /// The collection (`monsters`).
    pub collection: &'a str,
    /// The fields, as the chunk's metadata or the record's data holds them.
    pub fields: &'a Value,
    /// The page it starts on.
    pub page: i64,
}

/// How well one collection's entries match the Open5e records.
pub struct Score {
    /// The collection.
    pub collection: &'static str,
    total: usize,
    recognized: usize,
    /// Records with every compared field right.
    pub all_exact: usize,
    /// Per compared field: how many are right.
    exact: Vec<(&'static str, usize)>,
    /// Open5e names with no chunk.
    missing: Vec<String>,
    /// `name: field expected X, got Y`.
    wrong: Vec<String>,
    /// Open5e names matched only through another form of a catalogue name.
    by_catalogue_name: Vec<String>,
    /// Chunk names with no Open5e record.
    extra: Vec<String>,
}

impl Score {
    /// Compares `fields` (Open5e name, entry field) of the entries of `collection` with `records`.
    pub fn of(
        collection: &'static str,
        entries: &[Entry],
        records: &[Value],
        fields: &[(&'static str, &str)],
    ) -> Score {
        let mut found: BTreeMap<String, &Entry> = BTreeMap::new();
        for chunk in entries.iter().filter(|c| c.collection == collection) {
            let name = chunk.fields["name"].as_str().unwrap_or_default();
            found.entry(fold(name)).or_insert(chunk);
            for other in catalogue_names(name) {
                found.entry(fold(&other)).or_insert(chunk);
            }
        }
        let mut score = Score {
            collection,
            total: records.len(),
            recognized: 0,
            all_exact: 0,
            exact: fields.iter().map(|(f, _)| (*f, 0)).collect(),
            missing: Vec::new(),
            wrong: Vec::new(),
            by_catalogue_name: Vec::new(),
            extra: Vec::new(),
        };
        let mut matched: BTreeSet<String> = BTreeSet::new();
        for record in records {
            let name = record["name"].as_str().unwrap_or_default();
            let Some(chunk) = found.get(&fold(name)) else {
                score.missing.push(name.to_owned());
                continue;
            };
            let printed = chunk.fields["name"].as_str().unwrap_or_default();
            if fold(printed) != fold(name) {
                score.by_catalogue_name.push(format!("{name} (printed \"{printed}\")"));
            }
            matched.insert(fold(printed));
            score.recognized += 1;
            let mut all = true;
            for (i, (open5e_field, chunk_field)) in fields.iter().enumerate() {
                let (want, got) = (&record[*open5e_field], &chunk.fields[*chunk_field]);
                let same = match (number(want), number(got)) {
                    (Some(a), Some(b)) => a == b,
                    _ => want == got,
                };
                if same {
                    score.exact[i].1 += 1;
                } else {
                    all = false;
                    score.wrong.push(format!("{name}: {chunk_field} Open5e {want}, chunk {got}"));
                }
            }
            score.all_exact += usize::from(all);
        }
        for chunk in entries.iter().filter(|c| c.collection == collection) {
            let name = chunk.fields["name"].as_str().unwrap_or_default();
            if !matched.contains(&fold(name)) {
                score.extra.push(format!("{name} (p. {})", chunk.page));
            }
        }
        score
    }

    /// `n` as a share of the Open5e records, in percent.
    pub fn percent(&self, n: usize) -> f64 {
        100.0 * n as f64 / self.total.max(1) as f64
    }

    /// Prints the figures and the lists of misses.
    pub fn print(&self) {
        let fields: Vec<String> = self
            .exact
            .iter()
            .map(|(field, n)| format!("{} exact {:.1}%", field_label(field), self.percent(*n)))
            .collect();
        println!(
            "{} recognized: {}/{} ({:.1}%), {}; all compared fields exact: {}/{} ({:.1}%)",
            self.collection,
            self.recognized,
            self.total,
            self.percent(self.recognized),
            fields.join(", "),
            self.all_exact,
            self.total,
            self.percent(self.all_exact)
        );
        let list = |title: &str, items: &[String]| {
            if !items.is_empty() {
                let shown: Vec<&str> = items.iter().take(15).map(String::as_str).collect();
                let more = items.len().saturating_sub(15);
                let more = if more > 0 { format!(" … and {more} more") } else { String::new() };
                println!("  {title} ({}): {}{more}", items.len(), shown.join("; "));
            }
        };
        list("not recognized", &self.missing);
        list("fields differing from Open5e", &self.wrong);
        list("matched by catalogue name", &self.by_catalogue_name);
        list("in the PDF, not in Open5e", &self.extra);
    }
}

/// How the figures name a compared field.
fn field_label(field: &str) -> &str {
    match field {
        "armor_class" => "AC",
        "hit_points" => "HP",
        "challenge_rating" => "CR",
        other => other,
    }
}
