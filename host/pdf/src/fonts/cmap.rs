//! ToUnicode CMap parsing: `codespacerange`, `bfchar` and `bfrange` into a code → text map.

use std::collections::HashMap;

use crate::lexer::{Lexer, Operand, Token};

/// Upper bound on mappings kept from one CMap (guards against absurd `bfrange`s).
const MAX_MAPPINGS: usize = 1 << 17;

/// A parsed CMap: code space ranges (for code lengths) and code → Unicode text.
#[derive(Debug, Default, Clone)]
pub(crate) struct CMap {
    /// `(byte length, low, high)` of each code space range.
    pub(crate) codespaces: Vec<(u8, u32, u32)>,
    /// Code → Unicode text.
    pub(crate) map: HashMap<u32, Box<str>>,
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
    /// Parses CMap source text. Never fails: unreadable parts are skipped.
    pub(crate) fn parse(data: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let mut lexer = Lexer::new(data);
        let mut operands: Vec<Operand> = Vec::new();
        let mut mode: &[u8] = b"";
        while let Some(token) = lexer.next_token() {
            match token {
                Token::Operand(op) => {
                    if matches!(mode, b"begincodespacerange" | b"beginbfchar" | b"beginbfrange") {
                        operands.push(op);
                        cmap.take_entries(mode, &mut operands);
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
        cmap
    }

    fn take_entries(&mut self, mode: &[u8], operands: &mut Vec<Operand>) {
        match (mode, operands.as_slice()) {
            (b"begincodespacerange", [Operand::Str(lo), Operand::Str(hi)]) => {
                let len = lo.len().clamp(1, 4) as u8;
                self.codespaces.push((len, code_value(lo), code_value(hi)));
                operands.clear();
            }
            (b"beginbfchar", [Operand::Str(src), Operand::Str(dst)]) => {
                self.map.insert(code_value(src), utf16_text(dst));
                operands.clear();
            }
            (b"beginbfchar", [Operand::Str(src), Operand::Name(name)]) => {
                if let Some(text) = super::glyph_names::text_for_glyph_name(name) {
                    self.map.insert(code_value(src), text.into());
                }
                operands.clear();
            }
            (b"beginbfrange", [Operand::Str(lo), Operand::Str(hi), dst]) => {
                let (lo, hi) = (code_value(lo), code_value(hi));
                if hi >= lo && ((hi - lo) as usize) < MAX_MAPPINGS {
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

    #[test]
    fn parses_bfchar_and_bfrange() {
        let src = b"1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0003> <0020> <0011> <FB01> endbfchar
            2 beginbfrange <0020> <0022> <0041> <0030> <0031> [<0061> <00620063>] endbfrange";
        let cmap = CMap::parse(src);
        assert_eq!(cmap.map.get(&3).map(|s| &**s), Some(" "));
        assert_eq!(cmap.map.get(&0x11).map(|s| &**s), Some("\u{FB01}"));
        assert_eq!(cmap.map.get(&0x22).map(|s| &**s), Some("C"));
        assert_eq!(cmap.map.get(&0x31).map(|s| &**s), Some("bc"));
        assert_eq!(cmap.code_length(&[0, 3]), Some(2));
    }
}
