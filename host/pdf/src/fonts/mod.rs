//! Fonts: how a string's bytes become codes, Unicode text and advance widths.

mod cmap;
mod encoding;
mod glyph_names;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::objects::{
    as_dict, get, get_array, get_dict, get_name, get_number, get_stream, number, stream_bytes,
};
use cmap::CMap;
use encoding::{BaseEncoding, CodeTable, apply_differences};

/// Largest ToUnicode CMap stream we decode.
const MAX_CMAP_BYTES: usize = 8 << 20;

/// How a font's strings split into codes.
#[derive(Debug)]
enum CodeSplit {
    /// Simple fonts: one byte per code.
    OneByte,
    /// Composite fonts with Identity (or unknown) CMaps: two bytes per code.
    TwoBytes,
    /// Composite fonts with an embedded CMap: per its code space ranges.
    Ranges(CMap),
}

/// Advance widths in glyph space units (normally 1/1000 em).
#[derive(Debug, Default)]
struct Widths {
    first: u32,
    simple: Vec<f32>,
    cid: HashMap<u32, f32>,
    default: f32,
}

impl Widths {
    fn get(&self, code: u32) -> f32 {
        if let Some(w) = code.checked_sub(self.first).and_then(|i| self.simple.get(i as usize)) {
            return *w;
        }
        self.cid.get(&code).copied().unwrap_or(self.default)
    }
}

/// A loaded font, ready to decode strings.
#[derive(Debug)]
pub(crate) struct Font {
    /// Whether the font's name or descriptor says bold.
    pub(crate) bold: bool,
    /// Whether the font's name or descriptor says italic.
    pub(crate) italic: bool,
    split: CodeSplit,
    /// Simple fonts: the text of each of the 256 codes.
    table: Option<CodeTable>,
    /// ToUnicode mappings (composite fonts, or simple fonts' overrides already merged into `table`).
    to_unicode: Option<CMap>,
    widths: Widths,
    /// Glyph space → text space scale (0.001 except for Type 3 fonts).
    width_scale: f32,
}

/// One decoded code.
pub(crate) struct DecodedGlyph<'f> {
    /// Unicode text; empty if unknown.
    pub(crate) text: &'f str,
    /// Advance width in text space units per unit of font size.
    pub(crate) width: f32,
    /// True for the single-byte code 32, which word spacing (`Tw`) applies to.
    pub(crate) is_space_code: bool,
}

impl Font {
    /// Decodes `bytes` into glyphs, calling `each` for every code in order.
    pub(crate) fn decode<'f>(&'f self, bytes: &[u8], mut each: impl FnMut(DecodedGlyph<'f>)) {
        let mut i = 0;
        while i < bytes.len() {
            let len = match &self.split {
                CodeSplit::OneByte => 1,
                CodeSplit::TwoBytes => 2.min(bytes.len() - i),
                CodeSplit::Ranges(cmap) => cmap.code_length(&bytes[i..]).unwrap_or(1),
            };
            let code = bytes[i..i + len].iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            i += len;
            let text: &str = match (&self.table, &self.to_unicode) {
                (Some(table), _) => table.get(code as usize).map(|s| &**s).unwrap_or(""),
                (None, Some(cmap)) => cmap.map.get(&code).map(|s| &**s).unwrap_or(""),
                (None, None) => "",
            };
            each(DecodedGlyph {
                text,
                width: self.widths.get(code) * self.width_scale,
                is_space_code: len == 1 && code == 32,
            });
        }
    }

    /// A stand-in used when a font cannot be found: WinAnsi, half-em widths.
    pub(crate) fn fallback() -> Font {
        Font {
            bold: false,
            italic: false,
            split: CodeSplit::OneByte,
            table: Some(BaseEncoding::WinAnsi.table().clone()),
            to_unicode: None,
            widths: Widths { default: 500.0, ..Widths::default() },
            width_scale: 0.001,
        }
    }

    /// Loads a font from its dictionary.
    pub(crate) fn load(doc: &Document, dict: &Dictionary) -> Font {
        let subtype = get_name(doc, dict, b"Subtype").unwrap_or(b"");
        let base_font = get_name(doc, dict, b"BaseFont").unwrap_or(b"");
        let to_unicode = get_stream(doc, dict, b"ToUnicode")
            .and_then(|s| stream_bytes(s, MAX_CMAP_BYTES))
            .map(|bytes| CMap::parse(&bytes))
            .filter(|c| !c.map.is_empty());
        let (bold_name, italic_name) = style_from_name(base_font);
        let (mut bold, mut italic) = (bold_name, italic_name);

        if subtype == b"Type0" {
            let descendant = get_array(doc, dict, b"DescendantFonts")
                .and_then(|a| a.first())
                .and_then(|o| crate::objects::resolve(doc, o))
                .and_then(as_dict);
            let mut widths = Widths { default: 1000.0, ..Widths::default() };
            if let Some(cid_font) = descendant {
                if let Some(dw) = get_number(doc, cid_font, b"DW") {
                    widths.default = dw;
                }
                if let Some(w) = get_array(doc, cid_font, b"W") {
                    widths.cid = cid_widths(doc, w);
                }
                let (b, i) = style_from_descriptor(doc, cid_font);
                bold |= b;
                italic |= i;
            }
            let split = match get(doc, dict, b"Encoding") {
                Some(Object::Stream(s)) => match stream_bytes(s, MAX_CMAP_BYTES).map(|b| CMap::parse(&b)) {
                    Some(c) if !c.codespaces.is_empty() => CodeSplit::Ranges(c),
                    _ => CodeSplit::TwoBytes,
                },
                _ => CodeSplit::TwoBytes,
            };
            return Font { bold, italic, split, table: None, to_unicode, widths, width_scale: 0.001 };
        }

        // Simple font: Type1, MMType1, TrueType, Type3.
        let (b, i) = style_from_descriptor(doc, dict);
        bold |= b;
        italic |= i;
        let mut table = simple_table(doc, dict, subtype, base_font);
        if let Some(cmap) = &to_unicode {
            for (code, text) in &cmap.map {
                if let Some(slot) = table.get_mut(*code as usize) {
                    *slot = text.clone();
                }
            }
        }
        let mut widths = Widths {
            first: get_number(doc, dict, b"FirstChar").map(|f| f.max(0.0) as u32).unwrap_or(0),
            simple: get_array(doc, dict, b"Widths")
                .map(|a| {
                    a.iter()
                        .map(|o| crate::objects::resolve(doc, o).and_then(number).unwrap_or(0.0))
                        .collect()
                })
                .unwrap_or_default(),
            default: 0.0,
            ..Widths::default()
        };
        let missing =
            get_dict(doc, dict, b"FontDescriptor").and_then(|d| get_number(doc, d, b"MissingWidth"));
        widths.default = match missing {
            Some(m) if m > 0.0 => m,
            _ if widths.simple.is_empty() => standard_font_width(base_font),
            _ => 500.0,
        };
        let width_scale = if subtype == b"Type3" {
            get_array(doc, dict, b"FontMatrix").and_then(|m| m.first()).and_then(number).unwrap_or(0.001)
        } else {
            0.001
        };
        Font {
            bold,
            italic,
            split: CodeSplit::OneByte,
            table: Some(table),
            to_unicode: None,
            widths,
            width_scale,
        }
    }
}

fn simple_table(doc: &Document, dict: &Dictionary, subtype: &[u8], base_font: &[u8]) -> CodeTable {
    let symbolic_standard = base_font.ends_with(b"Symbol") || base_font.ends_with(b"Dingbats");
    let default_base = if subtype == b"TrueType" || subtype == b"Type3" || symbolic_standard {
        BaseEncoding::WinAnsi
    } else {
        BaseEncoding::Standard
    };

    match get(doc, dict, b"Encoding") {
        Some(Object::Name(name)) => BaseEncoding::from_name(name).unwrap_or(default_base).table().clone(),
        Some(object) => match as_dict(object) {
            Some(enc) => {
                let base = get_name(doc, enc, b"BaseEncoding")
                    .and_then(BaseEncoding::from_name)
                    .unwrap_or(default_base);
                let mut table = base.table().clone();
                if let Some(diffs) = get_array(doc, enc, b"Differences") {
                    apply_differences(&mut table, diffs);
                }
                table
            }
            None => default_base.table().clone(),
        },
        None => default_base.table().clone(),
    }
}

/// Widths of the standard 14 fonts when a file omits `/Widths` (approximate: one per family).
fn standard_font_width(base_font: &[u8]) -> f32 {
    if base_font.windows(7).any(|w| w == b"Courier") { 600.0 } else { 500.0 }
}

/// Parses a CID font's `/W` array: `c [w1 w2 ...]` and `c_first c_last w` forms.
fn cid_widths(doc: &Document, w: &[Object]) -> HashMap<u32, f32> {
    let mut out = HashMap::new();
    let mut i = 0;
    while i < w.len() {
        let first = crate::objects::resolve(doc, &w[i]).and_then(number);
        let next = w.get(i + 1).and_then(|o| crate::objects::resolve(doc, o));
        match (first, next) {
            (Some(first), Some(Object::Array(list))) => {
                for (k, item) in list.iter().enumerate() {
                    if let Some(width) = number(item) {
                        out.insert((first as u32).saturating_add(k as u32), width);
                    }
                }
                i += 2;
            }
            (Some(first), Some(last)) => {
                let last = number(last).unwrap_or(first);
                let width = w.get(i + 2).and_then(|o| crate::objects::resolve(doc, o)).and_then(number);
                if let Some(width) = width
                    && last >= first
                    && last - first < 65536.0
                {
                    for code in first as u32..=last as u32 {
                        out.insert(code, width);
                    }
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    out
}

fn style_from_name(base_font: &[u8]) -> (bool, bool) {
    let name = String::from_utf8_lossy(base_font).to_ascii_lowercase();
    let bold = ["bold", "black", "heavy", "semibold", "demi"].iter().any(|k| name.contains(k));
    let italic = name.contains("italic") || name.contains("oblique") || name.ends_with("ita");
    (bold, italic)
}

fn style_from_descriptor(doc: &Document, font: &Dictionary) -> (bool, bool) {
    let Some(descriptor) = get_dict(doc, font, b"FontDescriptor") else {
        return (false, false);
    };
    let flags = get_number(doc, descriptor, b"Flags").unwrap_or(0.0) as u32;
    let weight = get_number(doc, descriptor, b"FontWeight").unwrap_or(400.0);
    (flags & (1 << 18) != 0 || weight >= 600.0, flags & (1 << 6) != 0)
}

/// Fonts shared by all pages, loaded once per font object.
#[derive(Default)]
pub(crate) struct FontCache {
    fonts: Mutex<HashMap<ObjectId, Arc<Font>>>,
}

impl FontCache {
    /// The font for a `/Font` resource entry (a reference or an inline dictionary).
    pub(crate) fn font_for(&self, doc: &Document, entry: &Object) -> Arc<Font> {
        match entry {
            Object::Reference(id) => {
                if let Ok(fonts) = self.fonts.lock()
                    && let Some(font) = fonts.get(id)
                {
                    return Arc::clone(font);
                }
                let font = Arc::new(match crate::objects::resolve(doc, entry).and_then(as_dict) {
                    Some(dict) => Font::load(doc, dict),
                    None => Font::fallback(),
                });
                if let Ok(mut fonts) = self.fonts.lock() {
                    fonts.insert(*id, Arc::clone(&font));
                }
                font
            }
            other => Arc::new(match as_dict(other) {
                Some(dict) => Font::load(doc, dict),
                None => Font::fallback(),
            }),
        }
    }
}
