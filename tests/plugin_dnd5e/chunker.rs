//! The 5e chunker on the whole SRD 5.1 through the real runtime, measured against the
//! Open5e export beside the PDF: how many of its monsters (AC, HP, CR) and spells (level,
//! school) the chunker recognizes with those fields exactly right, and that the chunks
//! cover every page and every line.
//!
//! Pages come from [`srd_pages`]: the host's own extractor (`ttrpg-pdf`), exactly what
//! `ttrpg ingest` hands the chunker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;
use ttrpg_plugin_runtime::model::{Chunk, Document, Page};

use super::fixture;
use super::services::SRD_DIR;

/// The SRD 5.1 as published.
const SRD_PDF: &str = "SRD5.1-CCBY4.0License.pdf";

/// The share of Open5e records that must be recognized with every compared field right.
const REQUIRED_PERCENT: f64 = 95.0;

/// The SRD's pages in reading order, or `None` (with a `SKIPPED:` line) when the PDF is
/// missing.
pub fn srd_pages() -> Option<Vec<Page>> {
    let pdf = PathBuf::from(SRD_DIR).join(SRD_PDF);
    let Ok(bytes) = std::fs::read(&pdf) else {
        println!("SKIPPED: no SRD 5.1 PDF at {}", pdf.display());
        return None;
    };
    let extraction =
        ttrpg_pdf::extract(&bytes).unwrap_or_else(|err| panic!("extracting {}: {err}", pdf.display()));
    Some(
        extraction
            .pages
            .into_iter()
            .map(|outcome| Page {
                number: outcome.number,
                text: outcome.result.map(|page| page.to_text()).unwrap_or_default(),
            })
            .collect(),
    )
}

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

/// The `fields` of every record in an Open5e export file of the SRD 5.1 (`srd-2014`).
fn open5e(file: &str) -> Vec<Value> {
    let path = PathBuf::from(SRD_DIR).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let records: Vec<Value> = serde_json::from_str(&text).unwrap();
    records.into_iter().map(|r| r["fields"].clone()).filter(|f| f["document"] == "srd-2014").collect()
}

/// A JSON number or numeric string (`"0.125"`) as a float.
fn number(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// How well one collection's chunks match the Open5e records.
struct Score {
    collection: &'static str,
    total: usize,
    recognized: usize,
    /// Records with every compared field right.
    all_exact: usize,
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
    /// Compares `fields` (Open5e name, chunk field) of the chunks of `collection` with `records`.
    fn of(
        collection: &'static str,
        chunks: &[Chunk],
        records: &[Value],
        fields: &[(&'static str, &str)],
    ) -> Score {
        let mut found: BTreeMap<String, &Chunk> = BTreeMap::new();
        for chunk in chunks.iter().filter(|c| c.content_type == collection) {
            let name = chunk.metadata["name"].as_str().unwrap_or_default();
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
            let printed = chunk.metadata["name"].as_str().unwrap_or_default();
            if fold(printed) != fold(name) {
                score.by_catalogue_name.push(format!("{name} (printed \"{printed}\")"));
            }
            matched.insert(fold(printed));
            score.recognized += 1;
            let mut all = true;
            for (i, (open5e_field, chunk_field)) in fields.iter().enumerate() {
                let (want, got) = (&record[*open5e_field], &chunk.metadata[*chunk_field]);
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
        for chunk in chunks.iter().filter(|c| c.content_type == collection) {
            let name = chunk.metadata["name"].as_str().unwrap_or_default();
            if !matched.contains(&fold(name)) {
                score.extra.push(format!("{name} (p. {})", chunk.page_start));
            }
        }
        score
    }

    fn percent(&self, n: usize) -> f64 {
        100.0 * n as f64 / self.total.max(1) as f64
    }

    fn print(&self) {
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

/// Every page with text lies in some chunk's page range, and every non-blank line of a
/// page is in the text of a chunk covering that page.
fn assert_covers_every_page(pages: &[Page], chunks: &[Chunk]) {
    let mut text_by_page: BTreeMap<u32, String> = BTreeMap::new();
    for chunk in chunks {
        for page in chunk.page_start..=chunk.page_end {
            let text = text_by_page.entry(page).or_default();
            text.push_str(&chunk.text);
            text.push('\n');
        }
    }
    let mut lost = Vec::new();
    for page in pages.iter().filter(|p| !p.text.trim().is_empty()) {
        let Some(text) = text_by_page.get(&page.number) else {
            lost.push(format!("page {} is in no chunk", page.number));
            continue;
        };
        for line in page.text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !text.contains(line) {
                lost.push(format!("page {}: {line:?}", page.number));
            }
        }
    }
    assert!(
        lost.is_empty(),
        "{} line(s) in no chunk, e.g.:\n{}",
        lost.len(),
        lost[..lost.len().min(20)].join("\n")
    );
}

#[tokio::test]
async fn the_chunker_recognizes_the_srd_and_covers_every_page() {
    let Some(pages) = srd_pages() else { return };
    let f = fixture().await;
    let document = Document { book: "SRD 5.1".into(), pages };
    let started = std::time::Instant::now();
    let chunks = f.plugin.chunk(0, &document).await.unwrap().expect("dnd5e has a chunker");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for chunk in &chunks {
        *kinds.entry(chunk.content_type.as_str()).or_default() += 1;
    }
    println!(
        "{} pages → {} chunks {kinds:?} in {:.2?}",
        document.pages.len(),
        chunks.len(),
        started.elapsed()
    );
    assert_covers_every_page(&document.pages, &chunks);

    let monsters = Score::of(
        "monsters",
        &chunks,
        &open5e("open5e-Creature.json"),
        &[
            ("armor_class", "armor_class"),
            ("hit_points", "hit_points"),
            ("challenge_rating", "challenge_rating"),
        ],
    );
    let spells = Score::of(
        "spells",
        &chunks,
        &open5e("open5e-Spell.json"),
        &[("level", "level"), ("school", "school")],
    );
    monsters.print();
    spells.print();
    for score in [&monsters, &spells] {
        assert!(
            score.percent(score.all_exact) >= REQUIRED_PERCENT,
            "only {:.1}% of the SRD's {} recognized with every compared field right",
            score.percent(score.all_exact),
            score.collection
        );
    }
}
