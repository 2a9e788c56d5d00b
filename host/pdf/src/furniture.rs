//! Running headers, footers and page numbers: found across the document and dropped.
//!
//! A fragment in the top or bottom margin band is furniture when it is a bare page number
//! (`12`, `Page 12`, `- 12 -`, roman numerals), or when its text — digits normalized —
//! recurs at about the same height on several pages (at least 3, and at least one page in 40).

use std::collections::HashMap;

use crate::error::PageError;
use crate::lines::Fragment;
use crate::pipeline::RawPage;

/// Fraction of the page height at the top and bottom searched for furniture.
const MARGIN_BAND: f32 = 0.08;
/// Pages on which a margin line must recur (at about the same height) to count as furniture:
/// at least this many, and at least one page in [`REPEAT_SHARE`] of the document.
const MIN_REPEATS: usize = 3;
/// See [`MIN_REPEATS`]: a heading that happens to top a column on a few pages of a long
/// book is not a running header.
const REPEAT_SHARE: usize = 40;
/// How far (points) the recurring copies may drift vertically.
const Y_TOLERANCE: f32 = 4.0;

fn in_margin(fragment: &Fragment, page: &RawPage) -> bool {
    let band = page.height * MARGIN_BAND;
    fragment.bottom() < band || fragment.top() > page.height - band
}

/// Text with digit runs replaced by `#`, lowercase, spaces removed.
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            if !c.is_whitespace() {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// True for text that is only a page number.
pub(crate) fn is_page_number(text: &str) -> bool {
    let t =
        text.trim().trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c == '|' || c.is_whitespace());
    let t = t.strip_prefix("Page ").or_else(|| t.strip_prefix("page ")).unwrap_or(t).trim();
    if t.is_empty() || t.len() > 8 {
        return false;
    }
    let roman = |t: &str| t.len() <= 6 && t.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c'));
    t.chars().all(|c| c.is_ascii_digit())
        || roman(t)
        || roman(&t.to_ascii_lowercase()) && t == t.to_ascii_uppercase()
}

/// Removes furniture from every page, in place.
pub(crate) fn remove_furniture(pages: &mut [Result<RawPage, PageError>]) {
    // normalized text → heights (rounded) → set of pages
    let mut seen: HashMap<String, Vec<(usize, f32)>> = HashMap::new();
    for (index, page) in pages.iter().enumerate() {
        let Ok(page) = page else { continue };
        for fragment in &page.fragments {
            if in_margin(fragment, page) {
                seen.entry(normalized(&fragment.text)).or_default().push((index, fragment.y));
            }
        }
    }
    let min_repeats = MIN_REPEATS.max(pages.len() / REPEAT_SHARE);
    let repeats = |text: &str, y: f32| -> bool {
        let Some(places) = seen.get(&normalized(text)) else {
            return false;
        };
        let mut pages_at_height: Vec<usize> =
            places.iter().filter(|(_, py)| (py - y).abs() <= Y_TOLERANCE).map(|(p, _)| *p).collect();
        pages_at_height.dedup();
        pages_at_height.len() >= min_repeats
    };
    for page in pages.iter_mut() {
        let Ok(page) = page else { continue };
        let height = page.height;
        let keep: Vec<bool> = page
            .fragments
            .iter()
            .map(|f| {
                let band = height * MARGIN_BAND;
                let margin = f.bottom() < band || f.top() > height - band;
                !(margin && (is_page_number(&f.text) || f.artifact || repeats(&f.text, f.y)))
            })
            .collect();
        let mut flags = keep.into_iter();
        page.fragments.retain(|_| flags.next().unwrap_or(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        assert!(is_page_number("12"));
        assert!(is_page_number("- 12 -"));
        assert!(is_page_number("Page 3"));
        assert!(is_page_number("xiv"));
        assert!(!is_page_number("Armor"));
        assert_eq!(normalized("System Reference Document 5.1"), "systemreferencedocument#.#");
    }
}
