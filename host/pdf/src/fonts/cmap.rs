//! ToUnicode CMap parsing: `codespacerange`, `bfchar` and `bfrange` into a code → text map.

use std::collections::HashMap;

use crate::budget::{Budget, PageMeter};
use crate::lexer::{Lexer, Operand, Token};

/// Upper bound on mappings kept from one CMap, and on the codes one `bfrange` may span.
const MAX_MAPPINGS: usize = 1 << 17;
/// How often (in tokens) parsing reads the page's clock.
const CLOCK_EVERY_TOKENS: u32 = 4096;

/// A parsed CMap: code space ranges (for code lengths) and code → Unicode text.
#[derive(Debug, Default, Clone)]
pub(crate) struct CMap {
    /// `(byte length, low, high)` of each code space range.
    pub(crate) codespaces: Vec<(u8, u32, u32)>,
    /// Code → Unicode text.
    pub(crate) map: HashMap<u32, Box<str>>,
}

/// Entries charged for one mapping to `text` (UTF-16 bytes): one, and one more for every
/// further 32 bytes, so that a mapping to a long string costs what it holds.
fn weight(text: &[u8]) -> u64 {
    1 + text.len() as u64 / 32
}

fn code_value(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn utf16_text(bytes: &[u8]) -> Box<str> {
    let units = bytes
        .chunks(2)
        .map(|c| if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from(c[0]) });
    char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')).collect::<String>().into_boxed_str()
}

/// `base` with its last UTF-16 unit advanced by `offset` (as `bfrange` requires).
fn advanced(base: &[u8], offset: u32) -> Vec<u8> {
    let mut out = base.to_vec();
    let n = out.len();
    if n >= 2 {
        let last = u32::from(u16::from_be_bytes([out[n - 2], out[n - 1]])).wrapping_add(offset);
        out[n - 2] = (last >> 8) as u8;
        out[n - 1] = last as u8;
    } else if n == 1 {
        out[0] = out[0].wrapping_add(offset as u8);
    }
    out
}

impl CMap {
    /// Parses CMap source text, charging every mapping to `meter` before it is stored (a
    /// `bfrange` for all its codes at once). Fails only when a budget is exceeded: unreadable
    /// parts are skipped.
    pub(crate) fn parse(data: &[u8], meter: &mut PageMeter<'_>) -> Result<CMap, Budget> {
        let mut cmap = CMap::default();
        let mut lexer = Lexer::new(data);
        let mut operands: Vec<Operand> = Vec::new();
        let mut mode: &[u8] = b"";
        let mut tokens = 0u32;
        while let Some(token) = lexer.next_token() {
            tokens = tokens.wrapping_add(1);
            if tokens.is_multiple_of(CLOCK_EVERY_TOKENS) {
                meter.check_time()?;
            }
            match token {
                Token::Operand(op) => {
                    if matches!(mode, b"begincodespacerange" | b"beginbfchar" | b"beginbfrange") {
                        operands.push(op);
                        cmap.take_entries(mode, &mut operands, meter)?;
                    }
                }
                Token::Operator(op) => {
                    match op {
                        b"begincodespacerange" | b"beginbfchar" | b"beginbfrange" => mode = op,
                        b"endcodespacerange" | b"endbfchar" | b"endbfrange" => mode = b"",
                        _ => {}
                    }
                    operands.clear();
                }
            }
            if cmap.map.len() >= MAX_MAPPINGS {
                break;
            }
        }
        Ok(cmap)
    }

    fn take_entries(
        &mut self,
        mode: &[u8],
        operands: &mut Vec<Operand>,
        meter: &mut PageMeter<'_>,
    ) -> Result<(), Budget> {
        match (mode, operands.as_slice()) {
            (b"begincodespacerange", [Operand::Str(lo), Operand::Str(hi)]) => {
                meter.charge_font_entries(1)?;
                let len = lo.len().clamp(1, 4) as u8;
                self.codespaces.push((len, code_value(lo), code_value(hi)));
                operands.clear();
            }
            (b"beginbfchar", [Operand::Str(src), Operand::Str(dst)]) => {
                meter.charge_font_entries(weight(dst))?;
                self.map.insert(code_value(src), utf16_text(dst));
                operands.clear();
            }
            (b"beginbfchar", [Operand::Str(src), Operand::Name(name)]) => {
                meter.charge_font_entries(1)?;
                if let Some(text) = super::glyph_names::text_for_glyph_name(name) {
                    self.map.insert(code_value(src), text.into());
                }
                operands.clear();
            }
            (b"beginbfrange", [Operand::Str(lo), Operand::Str(hi), dst]) => {
                let (lo, hi) = (code_value(lo), code_value(hi));
                if hi >= lo && ((hi - lo) as usize) < MAX_MAPPINGS {
                    let span = u64::from(hi - lo) + 1;
                    meter.charge_font_entries(match dst {
                        Operand::Str(base) => span.saturating_mul(weight(base)),
                        Operand::Array(items) => items
                            .iter()
                            .take(usize::try_from(span).unwrap_or(usize::MAX))
                            .map(|item| match item {
                                Operand::Str(s) => weight(s),
                                _ => 1,
                            })
                            .sum(),
                        _ => span,
                    })?;
                    for (i, code) in (lo..=hi).enumerate() {
                        let text = match dst {
                            Operand::Str(base) => utf16_text(&advanced(base, i as u32)),
                            Operand::Array(items) => match items.get(i) {
                                Some(Operand::Str(s)) => utf16_text(s),
                                _ => continue,
                            },
                            _ => continue,
                        };
                        self.map.insert(code, text);
                    }
                }
                operands.clear();
            }
            (_, ops) if ops.len() >= 3 => operands.clear(),
            _ => {}
        }
        Ok(())
    }

    /// Byte length of the code starting at `bytes`, per the code space ranges.
    pub(crate) fn code_length(&self, bytes: &[u8]) -> Option<usize> {
        for &(len, lo, hi) in &self.codespaces {
            let len = usize::from(len);
            if bytes.len() >= len {
                let value = code_value(&bytes[..len]);
                if (lo..=hi).contains(&value) {
                    return Some(len);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{Budgets, FileMeter};

    fn parse(src: &[u8], budgets: &Budgets) -> Result<CMap, Budget> {
        let file = FileMeter::new(budgets);
        CMap::parse(src, &mut PageMeter::new(budgets, &file))
    }

    #[test]
    fn a_bfrange_is_charged_for_all_its_codes_before_it_is_expanded() {
        let src = b"1 beginbfrange <0000> <FFFF> <0041> endbfrange";
        let budgets = Budgets { page_font_entries: 65_535, ..Budgets::default() };
        assert_eq!(parse(src, &budgets).err(), Some(Budget::PageFontEntries));
        let budgets = Budgets { page_font_entries: 65_536, ..Budgets::default() };
        assert_eq!(parse(src, &budgets).map(|c| c.map.len()), Ok(65_536));
    }

    #[test]
    fn a_mapping_to_a_long_string_costs_its_length() {
        let long = "0041".repeat(1024); // 2 KiB of UTF-16: 65 entries per code
        let src = format!("1 beginbfrange <0000> <00FF> <{long}> endbfrange");
        let budgets = Budgets { page_font_entries: 256 * 64, ..Budgets::default() };
        assert_eq!(parse(src.as_bytes(), &budgets).err(), Some(Budget::PageFontEntries));
        let budgets = Budgets { page_font_entries: 256 * 65, ..Budgets::default() };
        assert_eq!(parse(src.as_bytes(), &budgets).map(|c| c.map.len()), Ok(256));
    }

    #[test]
    fn parses_bfchar_and_bfrange() {
        let src = b"1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0003> <0020> <0011> <FB01> endbfchar
            2 beginbfrange <0020> <0022> <0041> <0030> <0031> [<0061> <00620063>] endbfrange";
        let cmap = parse(src, &Budgets::default()).unwrap();
        assert_eq!(cmap.map.get(&3).map(|s| &**s), Some(" "));
        assert_eq!(cmap.map.get(&0x11).map(|s| &**s), Some("\u{FB01}"));
        assert_eq!(cmap.map.get(&0x22).map(|s| &**s), Some("C"));
        assert_eq!(cmap.map.get(&0x31).map(|s| &**s), Some("bc"));
        assert_eq!(cmap.code_length(&[0, 3]), Some(2));
    }
}
