//! Normalizing the Unicode text of single glyphs: ligatures, odd spaces, hyphen variants.

/// What one glyph's text becomes.
pub(crate) enum GlyphText<'a> {
    /// A word separator (space, NBSP, tab, other blank text).
    Space,
    /// Text to emit (already normalized); may be several characters for ligatures.
    Text(&'a str),
    /// Characters that need changes; normalized copy.
    Owned(String),
    /// Nothing usable (unmapped code or private-use character).
    Unknown,
}

/// Expansion of one character, or `None` to keep it as is. `Some("")` drops it.
fn replacement(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{FB00}' => "ff",
        '\u{FB01}' => "fi",
        '\u{FB02}' => "fl",
        '\u{FB03}' => "ffi",
        '\u{FB04}' => "ffl",
        '\u{FB05}' | '\u{FB06}' => "st",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2043}' => "-",
        '\u{F0B7}' | '\u{F0A7}' | '\u{F06C}' | '\u{25AA}' | '\u{25CF}' => "\u{2022}",
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' => "",
        _ => return None,
    })
}

fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}')
}

fn is_hyphen_like(c: char) -> bool {
    matches!(c, '-' | '\u{AD}' | '\u{2010}' | '\u{2011}' | '\u{2012}')
}

fn is_unusable(c: char) -> bool {
    c == '\u{FFFD}' || ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Normalizes the text a font gives for one glyph.
pub(crate) fn normalize_glyph(text: &str) -> GlyphText<'_> {
    if text.is_empty() {
        return GlyphText::Unknown;
    }
    if text.chars().all(is_blank) {
        return GlyphText::Space;
    }
    // One glyph mapped to several hyphen variants ("-\u{AD}\u{2010}"): one hyphen.
    if text.chars().count() > 1 && text.chars().all(is_hyphen_like) {
        return GlyphText::Text("-");
    }
    let simple = text.chars().all(|c| !is_blank(c) && !is_unusable(c) && replacement(c).is_none());
    if simple {
        return GlyphText::Text(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(r) = replacement(c) {
            out.push_str(r);
        } else if is_blank(c) || is_unusable(c) {
            continue;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { GlyphText::Unknown } else { GlyphText::Owned(out) }
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding ≈ Latin-1).
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units = rest.chunks(2).filter(|c| c.len() == 2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        return char::decode_utf16(units).filter_map(Result::ok).collect();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert!(matches!(normalize_glyph("\t\r \u{a0}"), GlyphText::Space));
        assert!(matches!(normalize_glyph("\u{FB01}"), GlyphText::Owned(s) if s == "fi"));
        assert!(matches!(normalize_glyph("a"), GlyphText::Text("a")));
        assert!(matches!(normalize_glyph("-\u{AD}\u{2010}\u{2011}"), GlyphText::Text("-")));
        assert!(matches!(normalize_glyph("\u{E001}"), GlyphText::Unknown));
        assert_eq!(decode_text_string(&[0xFE, 0xFF, 0, 0x41]), "A");
    }
}
