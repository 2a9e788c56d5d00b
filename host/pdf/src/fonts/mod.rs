//! Fonts: how a string's bytes become codes, Unicode text and advance widths.

mod cmap;
mod encoding;
mod glyph_names;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, OnceLock};

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::budget::{Budget, PageMeter};
use crate::objects::{
    as_dict, get, get_array, get_dict, get_name, get_number, get_stream, number, stream_bytes,
};
use cmap::CMap;
use encoding::{BaseEncoding, CodeTable, apply_differences};

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
    /// Font-table entries (CMap mappings, widths) charged when the font was loaded.
    entries: u64,
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
    /// Decodes `bytes` into glyphs, calling `each` for every code in order until it breaks.
    pub(crate) fn decode<'f, B>(
        &'f self,
        bytes: &[u8],
        mut each: impl FnMut(DecodedGlyph<'f>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
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
            })?;
        }
        ControlFlow::Continue(())
    }

    /// The stand-in used when a font cannot be found: WinAnsi, half-em widths (one shared
    /// instance).
    pub(crate) fn fallback() -> Arc<Font> {
        static FALLBACK: OnceLock<Arc<Font>> = OnceLock::new();
        Arc::clone(FALLBACK.get_or_init(|| {
            Arc::new(Font {
                bold: false,
                italic: false,
                split: CodeSplit::OneByte,
                table: Some(BaseEncoding::WinAnsi.table().clone()),
                to_unicode: None,
                widths: Widths { default: 500.0, ..Widths::default() },
                width_scale: 0.001,
                entries: 0,
            })
        }))
    }

    /// Loads a font from its dictionary, charging its streams and tables to `meter`.
    pub(crate) fn load(doc: &Document, dict: &Dictionary, meter: &mut PageMeter<'_>) -> Result<Font, Budget> {
        let entries_before = meter.font_entries();
        let mut font = Font::load_tables(doc, dict, meter)?;
        font.entries = meter.font_entries() - entries_before;
        Ok(font)
    }

    fn load_tables(doc: &Document, dict: &Dictionary, meter: &mut PageMeter<'_>) -> Result<Font, Budget> {
        let subtype = get_name(doc, dict, b"Subtype").unwrap_or(b"");
        let base_font = get_name(doc, dict, b"BaseFont").unwrap_or(b"");
        let to_unicode = match get_stream(doc, dict, b"ToUnicode") {
            Some(stream) => match stream_bytes(stream, meter)? {
                Some(bytes) => Some(CMap::parse(&bytes, meter)?).filter(|c| !c.map.is_empty()),
                None => None,
            },
            None => None,
        };
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
                    widths.cid = cid_widths(doc, w, meter)?;
                }
                let (b, i) = style_from_descriptor(doc, cid_font);
                bold |= b;
                italic |= i;
            }
            let embedded_cmap = match get(doc, dict, b"Encoding") {
                Some(Object::Stream(s)) => match stream_bytes(s, meter)? {
                    Some(bytes) => Some(CMap::parse(&bytes, meter)?),
                    None => None,
                },
                _ => None,
            };
            let split = match embedded_cmap {
                Some(c) if !c.codespaces.is_empty() => CodeSplit::Ranges(c),
                _ => CodeSplit::TwoBytes,
            };
            return Ok(Font {
                bold,
                italic,
                split,
                table: None,
                to_unicode,
                widths,
                width_scale: 0.001,
                entries: 0,
            });
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
        let simple = match get_array(doc, dict, b"Widths") {
            Some(a) => {
                meter.charge_font_entries(a.len() as u64)?;
                a.iter().map(|o| crate::objects::resolve(doc, o).and_then(number).unwrap_or(0.0)).collect()
            }
            None => Vec::new(),
        };
        let mut widths = Widths {
            first: get_number(doc, dict, b"FirstChar").map(|f| f.max(0.0) as u32).unwrap_or(0),
            simple,
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
        Ok(Font {
            bold,
            italic,
            split: CodeSplit::OneByte,
            table: Some(table),
            to_unicode: None,
            widths,
            width_scale,
            entries: 0,
        })
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

/// Parses a CID font's `/W` array: `c [w1 w2 ...]` and `c_first c_last w` forms, charging
/// every width to `meter` before it is stored.
fn cid_widths(doc: &Document, w: &[Object], meter: &mut PageMeter<'_>) -> Result<HashMap<u32, f32>, Budget> {
    let mut out = HashMap::new();
    let mut i = 0;
    while i < w.len() {
        let first = crate::objects::resolve(doc, &w[i]).and_then(number);
        let next = w.get(i + 1).and_then(|o| crate::objects::resolve(doc, o));
        match (first, next) {
            (Some(first), Some(Object::Array(list))) => {
                meter.charge_font_entries(list.len() as u64)?;
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
                    meter.charge_font_entries((last as u32 - first as u32) as u64 + 1)?;
                    for code in first as u32..=last as u32 {
                        out.insert(code, width);
                    }
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    Ok(out)
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

/// Where a font dictionary lives: an indirect object, or a dictionary written inline in a
/// resource dictionary (keyed by its address in the loaded document, which does not move
/// while the document is being read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FontKey {
    Object(ObjectId),
    Inline(usize),
}

/// Fonts shared by all pages of one document, loaded once per font.
///
/// The shared fonts' tables hold at most [`crate::Budgets::page_font_entries`] entries in
/// total; a font that does not fit is kept by the pages that use it ([`PageFonts`]) instead.
#[derive(Default)]
pub(crate) struct FontCache {
    shared: Mutex<SharedFonts>,
}

#[derive(Default)]
struct SharedFonts {
    fonts: HashMap<FontKey, Arc<Font>>,
    entries: u64,
}

impl FontCache {
    fn get(&self, key: FontKey) -> Option<Arc<Font>> {
        self.shared.lock().ok()?.fonts.get(&key).map(Arc::clone)
    }

    fn offer(&self, key: FontKey, font: &Arc<Font>, limit: u64) {
        if let Ok(mut shared) = self.shared.lock()
            && shared.entries.saturating_add(font.entries) <= limit
            && !shared.fonts.contains_key(&key)
        {
            shared.entries += font.entries;
            shared.fonts.insert(key, Arc::clone(font));
        }
    }
}

/// The fonts of one page: each font the page selects with `Tf` is loaded (or taken from the
/// document's [`FontCache`]) once, however many times the page selects it.
pub(crate) struct PageFonts<'c> {
    shared: &'c FontCache,
    own: HashMap<FontKey, Arc<Font>>,
}

impl<'c> PageFonts<'c> {
    /// A page's font table, backed by the document's cache.
    pub(crate) fn new(shared: &'c FontCache) -> Self {
        PageFonts { shared, own: HashMap::new() }
    }

    /// The font for a `/Font` resource entry (a reference or an inline dictionary).
    pub(crate) fn font_for(
        &mut self,
        doc: &Document,
        entry: &Object,
        meter: &mut PageMeter<'_>,
    ) -> Result<Arc<Font>, Budget> {
        let key = match entry {
            Object::Reference(id) => FontKey::Object(*id),
            Object::Dictionary(dict) => FontKey::Inline(std::ptr::from_ref(dict) as usize),
            Object::Stream(stream) => FontKey::Inline(std::ptr::from_ref(&stream.dict) as usize),
            _ => return Ok(Font::fallback()),
        };
        if let Some(font) = self.own.get(&key) {
            return Ok(Arc::clone(font));
        }
        let font = match self.shared.get(key) {
            Some(font) => font,
            None => {
                let font = match crate::objects::resolve(doc, entry).and_then(as_dict) {
                    Some(dict) => Arc::new(Font::load(doc, dict, meter)?),
                    None => Font::fallback(),
                };
                self.shared.offer(key, &font, meter.budgets().page_font_entries);
                font
            }
        };
        self.own.insert(key, Arc::clone(&font));
        Ok(font)
    }
}
