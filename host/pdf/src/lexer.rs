//! Tokenizer for PDF content streams: operands and operators, tolerant of damage.
//!
//! Unknown or malformed bytes are skipped rather than reported, so that a damaged stream
//! still yields whatever text can be read from it.

/// An operand of a content-stream operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// Integer or real number.
    Number(f32),
    /// A `/Name` (without the slash, `#xx` escapes decoded).
    Name(Vec<u8>),
    /// A literal `( )` or hex `< >` string, escapes decoded.
    Str(Vec<u8>),
    /// An array `[ ... ]`.
    Array(Vec<Operand>),
    /// A dictionary `<< ... >>`; kept as key/value pairs.
    Dict(Vec<(Vec<u8>, Operand)>),
    /// `true`, `false`, `null` or anything else we do not care about.
    Other,
}

impl Operand {
    /// The operand as a number, if it is one.
    pub(crate) fn number(&self) -> Option<f32> {
        match self {
            Operand::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// One token: an operand or an operator keyword.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    Operand(Operand),
    Operator(&'a [u8]),
}

/// Streaming tokenizer over a content stream's bytes.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    /// Array and dictionary items built since the last operator.
    items: usize,
}

const MAX_NESTING: u32 = 64;
/// Array and dictionary items kept between two operators; further items are read and
/// dropped. An item costs ~32 bytes for as little as one byte of input (`[//////…]`), so this
/// bounds the operands of one operator to ~8 MiB. A long `TJ` array has a few thousand.
const MAX_ITEMS: usize = 1 << 18;

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    /// A tokenizer positioned at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0, items: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_whitespace_and_comments(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next token, or `None` at the end of the stream.
    pub(crate) fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            self.skip_whitespace_and_comments();
            let b = self.peek()?;
            match b {
                b'/' | b'(' | b'[' | b'<' | b'0'..=b'9' | b'+' | b'-' | b'.' => {
                    if let Some(op) = self.operand(0) {
                        return Some(Token::Operand(op));
                    }
                }
                b')' | b']' | b'>' | b'{' | b'}' => {
                    // Stray delimiter: skip it.
                    self.pos += 1;
                }
                _ => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if !is_regular(c) {
                            break;
                        }
                        self.pos += 1;
                    }
                    let word = &self.data[start..self.pos];
                    match word {
                        b"true" | b"false" | b"null" => return Some(Token::Operand(Operand::Other)),
                        _ => {
                            self.items = 0;
                            return Some(Token::Operator(word));
                        }
                    }
                }
            }
        }
    }

    /// Parses one operand at the current position. Returns `None` (having consumed at
    /// least one byte) if the bytes there make no operand.
    fn operand(&mut self, depth: u32) -> Option<Operand> {
        self.skip_whitespace_and_comments();
        let b = self.peek()?;
        match b {
            b'/' => {
                self.pos += 1;
                Some(Operand::Name(self.name_body()))
            }
            b'(' => {
                self.pos += 1;
                Some(Operand::Str(self.literal_string_body()))
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Some(self.dictionary_body(depth))
            }
            b'<' => {
                self.pos += 1;
                Some(Operand::Str(self.hex_string_body()))
            }
            b'[' => {
                self.pos += 1;
                Some(self.array_body(depth))
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => Some(self.number()),
            _ => {
                // A keyword inside an array or dictionary (true/false/null or junk).
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if !is_regular(c) {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    self.pos += 1;
                }
                Some(Operand::Other)
            }
        }
    }

    fn number(&mut self) -> Operand {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = &self.data[start..self.pos];
        Operand::Number(parse_number(text))
    }

    fn name_body(&mut self) -> Vec<u8> {
        let mut name = Vec::new();
        while let Some(c) = self.peek() {
            if !is_regular(c) {
                break;
            }
            self.pos += 1;
            if c == b'#'
                && let (Some(h), Some(l)) = (
                    self.data.get(self.pos).copied().and_then(hex_value),
                    self.data.get(self.pos + 1).copied().and_then(hex_value),
                )
            {
                name.push(h * 16 + l);
                self.pos += 2;
                continue;
            }
            name.push(c);
        }
        name
    }

    fn literal_string_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut depth = 1u32;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((value & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn hex_string_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            if let Some(v) = hex_value(c) {
                match high.take() {
                    Some(h) => out.push(h * 16 + v),
                    None => high = Some(v),
                }
            }
        }
        if let Some(h) = high {
            out.push(h * 16);
        }
        out
    }

    fn array_body(&mut self, depth: u32) -> Operand {
        let mut items = Vec::new();
        loop {
            self.skip_whitespace_and_comments();
            match self.peek() {
                None => break,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) if depth >= MAX_NESTING => {
                    self.pos += 1;
                }
                Some(_) => {
                    if let Some(item) = self.operand(depth + 1)
                        && self.keep_item()
                    {
                        items.push(item);
                    }
                }
            }
        }
        Operand::Array(items)
    }

    fn dictionary_body(&mut self, depth: u32) -> Operand {
        let mut entries = Vec::new();
        let mut key: Option<Vec<u8>> = None;
        loop {
            self.skip_whitespace_and_comments();
            match self.peek() {
                None => break,
                Some(b'>') => {
                    self.pos += 1;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                    }
                    break;
                }
                Some(_) if depth >= MAX_NESTING => {
                    self.pos += 1;
                }
                Some(_) => {
                    let Some(item) = self.operand(depth + 1) else {
                        continue;
                    };
                    match key.take() {
                        None => {
                            if let Operand::Name(n) = item {
                                key = Some(n);
                            }
                        }
                        Some(k) => {
                            if self.keep_item() {
                                entries.push((k, item));
                            }
                        }
                    }
                }
            }
        }
        Operand::Dict(entries)
    }

    /// Counts one more array or dictionary item; `false` once there are too many to keep.
    fn keep_item(&mut self) -> bool {
        self.items += 1;
        self.items <= MAX_ITEMS
    }

    /// Skips an inline image's data after its `ID` operator, up to and including `EI`.
    pub(crate) fn skip_inline_image_data(&mut self) {
        // One whitespace byte follows ID; then binary data until whitespace + "EI" + delimiter.
        self.pos += 1;
        while self.pos + 2 <= self.data.len() {
            let at = self.pos;
            if self.data[at] == b'E'
                && self.data.get(at + 1) == Some(&b'I')
                && at > 0
                && is_whitespace(self.data[at - 1])
                && self.data.get(at + 2).is_none_or(|&c| !is_regular(c))
            {
                self.pos = at + 2;
                return;
            }
            self.pos += 1;
        }
        self.pos = self.data.len();
    }
}

/// Parses a PDF number leniently (`-.5`, `4.`, `--3` all give a value; junk gives 0).
fn parse_number(text: &[u8]) -> f32 {
    let mut negative = false;
    let mut i = 0;
    while i < text.len() && matches!(text[i], b'+' | b'-') {
        if text[i] == b'-' {
            negative = !negative;
        }
        i += 1;
    }
    let mut int_part: f64 = 0.0;
    while i < text.len() && text[i].is_ascii_digit() {
        int_part = int_part * 10.0 + f64::from(text[i] - b'0');
        i += 1;
    }
    let mut frac = 0.0f64;
    if i < text.len() && text[i] == b'.' {
        i += 1;
        let mut scale = 0.1f64;
        while i < text.len() && text[i].is_ascii_digit() {
            frac += f64::from(text[i] - b'0') * scale;
            scale *= 0.1;
            i += 1;
        }
    }
    let value = int_part + frac;
    let value = if negative { -value } else { value };
    if value.is_finite() { value as f32 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(data: &[u8]) -> Vec<Token<'_>> {
        let mut lexer = Lexer::new(data);
        std::iter::from_fn(|| lexer.next_token()).collect()
    }

    #[test]
    fn reads_text_operators() {
        let t = tokens(b"BT /F1 12 Tf 1 0 0 1 -.5 72. Tm [(A\\(b\\)) -250 <0041>] TJ ET");
        assert_eq!(t[0], Token::Operator(b"BT"));
        assert_eq!(t[1], Token::Operand(Operand::Name(b"F1".to_vec())));
        assert_eq!(t[2], Token::Operand(Operand::Number(12.0)));
        assert_eq!(t[8], Token::Operand(Operand::Number(-0.5)));
        assert_eq!(t[9], Token::Operand(Operand::Number(72.0)));
        match &t[11] {
            Token::Operand(Operand::Array(items)) => {
                assert_eq!(items[0], Operand::Str(b"A(b)".to_vec()));
                assert_eq!(items[1], Operand::Number(-250.0));
                assert_eq!(items[2], Operand::Str(vec![0, 0x41]));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn survives_garbage() {
        let t = tokens(b"))) ]] <<< /A [ (unterminated");
        assert!(!t.is_empty());
        let t = tokens(b"(\\");
        assert_eq!(t, vec![Token::Operand(Operand::Str(vec![]))]);
    }

    #[test]
    fn items_beyond_the_cap_are_dropped_until_the_next_operator() {
        let mut data = b"[".to_vec();
        data.extend(std::iter::repeat_n(b'/', MAX_ITEMS + 10));
        data.extend_from_slice(b"] TJ [/a /b] TJ");
        let t = tokens(&data);
        match &t[0] {
            Token::Operand(Operand::Array(items)) => assert_eq!(items.len(), MAX_ITEMS),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(t[1], Token::Operator(b"TJ"));
        match &t[2] {
            Token::Operand(Operand::Array(items)) => assert_eq!(items.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn octal_escapes() {
        let t = tokens(b"(\\101\\7x)");
        assert_eq!(t, vec![Token::Operand(Operand::Str(vec![b'A', 7, b'x']))]);
    }
}
