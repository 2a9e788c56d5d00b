//! Reading-order agreement with poppler's `pdftotext` on the SRD, both ways:
//! how many of pdftotext's sentences appear contiguous in our text, and how many of ours
//! appear contiguous in pdftotext's. Prints the figures; skips without pdftotext or the SRD.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use common::{SRD_PATH, contiguous_share, pdftotext_pages, srd, without_furniture};

const MIN_WORDS: usize = 6;

#[test]
fn reading_order_agrees_with_pdftotext() {
    let Some(extraction) = srd() else { return };
    let Some(theirs) = pdftotext_pages(SRD_PATH) else {
        println!("SKIPPED: pdftotext not available; reading-order comparison not run");
        return;
    };
    let theirs = without_furniture(&theirs);
    let (mut found_theirs, mut total_theirs, mut found_ours, mut total_ours) = (0, 0, 0, 0);
    let mut their_misses = Vec::new();
    let mut our_misses = Vec::new();
    for outcome in &extraction.pages {
        let ours = outcome.result.as_ref().map(|p| p.to_text()).unwrap_or_default();
        let Some(their_page) = theirs.get(outcome.number as usize - 1) else {
            continue;
        };
        let (f, t, missing) = contiguous_share(their_page, &ours, MIN_WORDS);
        found_theirs += f;
        total_theirs += t;
        their_misses.extend(missing.into_iter().map(|m| (outcome.number, m)));
        let (f, t, missing) = contiguous_share(&ours, their_page, MIN_WORDS);
        found_ours += f;
        total_ours += t;
        our_misses.extend(missing.into_iter().map(|m| (outcome.number, m)));
    }
    let forward = found_theirs as f64 / total_theirs.max(1) as f64;
    let backward = found_ours as f64 / total_ours.max(1) as f64;
    println!(
        "pdftotext sentences found contiguous in ours: {found_theirs}/{total_theirs} = {:.1}%",
        forward * 100.0
    );
    println!(
        "our sentences found contiguous in pdftotext:  {found_ours}/{total_ours} = {:.1}%",
        backward * 100.0
    );
    println!("first pdftotext sentences we do not have contiguous:");
    for (page, s) in their_misses.iter().take(25) {
        println!("  p{page}: {s}");
    }
    println!("first of our sentences pdftotext does not have contiguous:");
    for (page, s) in our_misses.iter().take(25) {
        println!("  p{page}: {s}");
    }
    assert!(forward > 0.94, "reading-order agreement too low: {forward:.3}");
}
