//! Glyph name → Unicode text (Adobe Glyph List conventions).
//!
//! Handles `uniXXXX`, `uXXXX`, ligature names joined with `_`, suffixes like `.sc`, and falls
//! back on lopdf's full glyph list for everything else.

use lopdf::{Dictionary, Document, Object};

/// Unicode text for a glyph name, if the name is known.
pub(crate) fn text_for_glyph_name(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    // "a.sc", "one.oldstyle": the part before the first dot names the character.
    let base = name.split('.').next().unwrap_or(name);
    if base.is_empty() {
        return None;
    }
    if base.contains('_') {
        let parts: Option<String> = base.split('_').map(single_name).collect();
        return parts;
    }
    single_name(base)
}

fn single_name(name: &str) -> Option<String> {
    if let Some(hex) = name.strip_prefix("uni")
        && hex.len() >= 4
        && hex.len() % 4 == 0
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let units: Vec<u16> =
            (0..hex.len() / 4).filter_map(|i| u16::from_str_radix(&hex[i * 4..i * 4 + 4], 16).ok()).collect();
        return Some(char::decode_utf16(units).filter_map(Result::ok).collect());
    }
    if let Some(hex) = name.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).map(String::from);
    }
    if let Some(text) = common_name(name) {
        return Some(text.to_string());
    }
    lopdf_glyph_name(name)
}

/// The most frequent names, answered without building a dictionary.
fn common_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "space" | "nbspace" | "nonbreakingspace" => " ",
        "fi" => "fi",
        "fl" => "fl",
        "ff" => "ff",
        "ffi" => "ffi",
        "ffl" => "ffl",
        "hyphen" | "sfthyphen" => "-",
        "endash" => "\u{2013}",
        "emdash" => "\u{2014}",
        "quoteright" => "\u{2019}",
        "quoteleft" => "\u{2018}",
        "quotedblleft" => "\u{201C}",
        "quotedblright" => "\u{201D}",
        "bullet" => "\u{2022}",
        _ => return None,
    })
}

/// Asks lopdf's glyph list by decoding code 0 through a one-entry `/Differences` encoding.
fn lopdf_glyph_name(name: &str) -> Option<String> {
    let doc = Document::new();
    let mut encoding = Dictionary::new();
    encoding
        .set("Differences", Object::Array(vec![Object::Integer(0), Object::Name(name.as_bytes().to_vec())]));
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", Object::Dictionary(encoding));
    let decoded = font.get_font_encoding(&doc).ok()?.bytes_to_string(&[0]).ok()?;
    if decoded.is_empty() { None } else { Some(decoded) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(text_for_glyph_name(b"uni0041").as_deref(), Some("A"));
        assert_eq!(text_for_glyph_name(b"f_f_i").as_deref(), Some("ffi"));
        assert_eq!(text_for_glyph_name(b"a.sc").as_deref(), Some("a"));
        assert_eq!(text_for_glyph_name(b"eacute").as_deref(), Some("é"));
        assert_eq!(text_for_glyph_name(b"g123"), None);
    }
}
