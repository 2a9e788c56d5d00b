//! Simple (one-byte) font encodings: base encodings and `/Differences`.

use std::sync::OnceLock;

use lopdf::{Dictionary, Document, Object};

/// 256 entries: the Unicode text of each code (empty when the code has no character).
pub(crate) type CodeTable = Vec<Box<str>>;

/// The named base encodings we know.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BaseEncoding {
    Standard,
    WinAnsi,
    MacRoman,
    MacExpert,
}

impl BaseEncoding {
    /// The encoding for a PDF name such as `WinAnsiEncoding`.
    pub(crate) fn from_name(name: &[u8]) -> Option<BaseEncoding> {
        match name {
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" => Some(BaseEncoding::MacRoman),
            b"MacExpertEncoding" => Some(BaseEncoding::MacExpert),
            _ => None,
        }
    }

    fn pdf_name(self) -> &'static str {
        match self {
            BaseEncoding::Standard => "StandardEncoding",
            BaseEncoding::WinAnsi => "WinAnsiEncoding",
            BaseEncoding::MacRoman => "MacRomanEncoding",
            BaseEncoding::MacExpert => "MacExpertEncoding",
        }
    }

    /// The 256-entry table of this encoding (built once, from lopdf's tables).
    pub(crate) fn table(self) -> &'static CodeTable {
        static TABLES: [OnceLock<CodeTable>; 4] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let slot = match self {
            BaseEncoding::Standard => &TABLES[0],
            BaseEncoding::WinAnsi => &TABLES[1],
            BaseEncoding::MacRoman => &TABLES[2],
            BaseEncoding::MacExpert => &TABLES[3],
        };
        slot.get_or_init(|| build_table(self))
    }
}

fn build_table(base: BaseEncoding) -> CodeTable {
    let doc = Document::new();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", Object::Name(base.pdf_name().as_bytes().to_vec()));
    let encoding = font.get_font_encoding(&doc).ok();
    (0..=255u8)
        .map(|code| {
            let text = encoding.as_ref().and_then(|e| e.bytes_to_string(&[code]).ok()).unwrap_or_default();
            text.into_boxed_str()
        })
        .collect()
}

/// Applies a `/Differences` array (`code name name ... code name ...`) to `table`.
pub(crate) fn apply_differences(table: &mut CodeTable, differences: &[Object]) {
    let mut code: i64 = 0;
    for item in differences {
        match item {
            Object::Integer(c) => code = *c,
            Object::Real(c) => code = *c as i64,
            Object::Name(name) => {
                if let Ok(index) = usize::try_from(code)
                    && let Some(slot) = table.get_mut(index)
                {
                    *slot =
                        super::glyph_names::text_for_glyph_name(name).unwrap_or_default().into_boxed_str();
                }
                code += 1;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_has_quotes_and_letters() {
        let table = BaseEncoding::WinAnsi.table();
        assert_eq!(&*table[b'A' as usize], "A");
        assert_eq!(&*table[0x92], "\u{2019}");
    }
}
