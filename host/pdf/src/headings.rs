//! Heading levels from font sizes ranked across the whole document.
//!
//! The body size is the size most text is set in. Sizes clearly larger than the body
//! (and used for short lines) are heading sizes; the largest is level 1, the next level 2,
//! and so on down to level 4. A wholly bold line at body size standing on its own is level 4.

use std::collections::HashMap;

use crate::error::PageError;
use crate::pipeline::RawPage;

/// Factor above the body size from which a size counts as a heading size.
const HEADING_FACTOR: f32 = 1.12;

/// Document-wide font size statistics.
#[derive(Debug, Clone)]
pub(crate) struct HeadingStyles {
    /// The body text size (most common), points.
    pub(crate) body_size: f32,
    /// Heading sizes (bucketed to half points), largest first.
    heading_sizes: Vec<i32>,
}

fn bucket(size: f32) -> i32 {
    (size * 2.0).round() as i32
}

impl HeadingStyles {
    /// Collects size statistics from all pages.
    pub(crate) fn from_pages(pages: &[Result<RawPage, PageError>]) -> HeadingStyles {
        let mut chars_by_size: HashMap<i32, usize> = HashMap::new();
        let mut lines_by_size: HashMap<i32, usize> = HashMap::new();
        for page in pages.iter().flatten() {
            for f in &page.fragments {
                *chars_by_size.entry(bucket(f.size)).or_default() += f.text.len();
                *lines_by_size.entry(bucket(f.size)).or_default() += 1;
            }
        }
        let body = chars_by_size.iter().max_by_key(|(size, n)| (**n, -**size)).map(|(s, _)| *s).unwrap_or(20);
        let body_size = body as f32 / 2.0;
        let mut heading_sizes: Vec<i32> = lines_by_size
            .iter()
            .filter(|(size, _)| **size as f32 / 2.0 >= body_size * HEADING_FACTOR)
            .filter(|(size, lines)| {
                // Heading sizes are used for short lines: few characters per line.
                let chars = chars_by_size.get(size).copied().unwrap_or(0);
                chars <= **lines * 60
            })
            .map(|(s, _)| *s)
            .collect();
        heading_sizes.sort_unstable_by(|a, b| b.cmp(a));
        HeadingStyles { body_size, heading_sizes }
    }

    /// The heading level (1–4) for a line set in `size`, or `None` for body-sized text.
    pub(crate) fn level_for_size(&self, size: f32) -> Option<u8> {
        let b = bucket(size);
        let rank = self.heading_sizes.iter().position(|s| *s <= b)?;
        if (b as f32) / 2.0 < self.body_size * HEADING_FACTOR {
            return None;
        }
        Some((rank + 1).min(4) as u8)
    }
}
