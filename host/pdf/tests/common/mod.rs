//! Shared helpers for the integration tests: the SRD test document, text comparison, and a
//! builder for generated PDFs ([`book`]).
#![allow(dead_code)]

pub mod book;
pub mod hostile_files;

use std::sync::OnceLock;

use ttrpg_pdf::Extraction;

/// Where the D&D SRD 5.1 test document lives.
pub const SRD_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/srd51/SRD5.1-CCBY4.0License.pdf");

/// The SRD's bytes, or `None` (after printing a SKIPPED line) when the file is absent.
pub fn srd_bytes() -> Option<&'static [u8]> {
    static BYTES: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| std::fs::read(SRD_PATH).ok());
    if bytes.is_none() {
        println!("SKIPPED: {SRD_PATH} not found");
    }
    bytes.as_deref()
}

/// The SRD extracted once per test binary.
pub fn srd() -> Option<&'static Extraction> {
    static EXTRACTION: OnceLock<Option<Extraction>> = OnceLock::new();
    let bytes = srd_bytes()?;
    EXTRACTION.get_or_init(|| Some(ttrpg_pdf::extract(bytes).expect("the SRD extracts"))).as_ref()
}

/// The light-Markdown text of an SRD page (panics if the page failed).
pub fn page_text(extraction: &Extraction, number: u32) -> String {
    extraction.page_text(number).unwrap_or_else(|| panic!("page {number} has no text"))
}

/// Lowercase alphanumeric words, everything else a separator; ligatures expanded.
pub fn words(text: &str) -> Vec<String> {
    let text = text
        .replace('\u{FB01}', "fi")
        .replace('\u{FB02}', "fl")
        .replace('\u{FB00}', "ff")
        .replace('\u{FB03}', "ffi")
        .replace('\u{FB04}', "ffl");
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Splits text into sentences (at `.`, `!`, `?` followed by whitespace, and at blank
/// lines) as word lists.
pub fn sentences(text: &str, min_words: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let blank_line = c == '\n' && current.trim_end_matches([' ', '\t', '\r', '\u{a0}']).ends_with("\n\n");
        if blank_line || (matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace())) {
            let w = words(&current);
            if w.len() >= min_words {
                out.push(w);
            }
            current.clear();
        }
    }
    let w = words(&current);
    if w.len() >= min_words {
        out.push(w);
    }
    out
}

/// Fraction of `reference`'s sentences (≥ `min_words` words) found as contiguous word
/// runs in `candidate`; also returns the sentences that were not found.
pub fn contiguous_share(reference: &str, candidate: &str, min_words: usize) -> (usize, usize, Vec<String>) {
    let haystack = format!(" {} ", words(candidate).join(" "));
    let mut found = 0;
    let mut total = 0;
    let mut missing = Vec::new();
    for sentence in sentences(reference, min_words) {
        total += 1;
        let needle = format!(" {} ", sentence.join(" "));
        if haystack.contains(&needle) {
            found += 1;
        } else {
            missing.push(sentence.join(" "));
        }
    }
    (found, total, missing)
}

/// pdftotext's text of the whole file, one string per page, or `None` if it cannot run.
pub fn pdftotext_pages(path: &str) -> Option<Vec<String>> {
    let output = std::process::Command::new("pdftotext").args(["-enc", "UTF-8", path, "-"]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    Some(text.split('\u{c}').map(str::to_string).collect())
}

fn digits_normalized(line: &str) -> String {
    let words = words(line);
    words
        .iter()
        .map(|w| if w.chars().all(|c| c.is_ascii_digit()) { "#" } else { w.as_str() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Removes running headers/footers from pdftotext pages, so that the comparison measures
/// reading order and not furniture: among the first and last three lines of each page,
/// lines that are bare numbers, and lines (digits normalized) that recur there on more
/// than a tenth of the pages.
pub fn without_furniture(pages: &[String]) -> Vec<String> {
    const EDGE: usize = 3;
    let edge_lines = |page: &str| -> Vec<(usize, String)> {
        let lines: Vec<&str> = page.lines().collect();
        let n = lines.len();
        lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < EDGE || *i + EDGE >= n)
            .map(|(i, l)| (i, digits_normalized(l)))
            .collect()
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for page in pages {
        let mut seen = std::collections::HashSet::new();
        for (_, key) in edge_lines(page) {
            if !key.is_empty() && seen.insert(key.clone()) {
                *counts.entry(key).or_default() += 1;
            }
        }
    }
    let limit = pages.len() / 10 + 2;
    pages
        .iter()
        .map(|page| {
            let drop: std::collections::HashSet<usize> = edge_lines(page)
                .into_iter()
                .filter(|(_, key)| key == "#" || counts.get(key).copied().unwrap_or(0) > limit)
                .map(|(i, _)| i)
                .collect();
            page.lines()
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Position of `needle` in `haystack` (panics with context when absent).
pub fn position(haystack: &str, needle: &str) -> usize {
    haystack.find(needle).unwrap_or_else(|| panic!("{needle:?} not found in:\n{haystack}"))
}
