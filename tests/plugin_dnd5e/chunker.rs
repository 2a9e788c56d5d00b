//! The 5e chunker on the whole SRD 5.1 through the real runtime, measured against the
//! Open5e export beside the PDF: how many of its monsters (AC, HP, CR) and spells (level,
//! school) the chunker recognizes with those fields exactly right, and that the chunks
//! cover every page and every line.
//!
//! Pages come from [`srd_pages`]: the host's own extractor (`ttrpg-pdf`), exactly what
//! `ttrpg ingest` hands the chunker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ttrpg_plugin_runtime::model::{Chunk, Document, Page};

use super::fixture;
use super::services::SRD_DIR;
use super::srd_records::{Entry, MONSTER_FIELDS, REQUIRED_PERCENT, SPELL_FIELDS, Score, open5e};

/// The SRD 5.1 as published.
const SRD_PDF: &str = "SRD5.1-CCBY4.0License.pdf";

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

    let entries: Vec<Entry> = chunks
        .iter()
        .map(|c| Entry { collection: &c.content_type, fields: &c.metadata, page: c.page_start.into() })
        .collect();
    let srd = Path::new(SRD_DIR);
    let monsters = Score::of("monsters", &entries, &open5e(srd, "open5e-Creature.json"), MONSTER_FIELDS);
    let spells = Score::of("spells", &entries, &open5e(srd, "open5e-Spell.json"), SPELL_FIELDS);
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
