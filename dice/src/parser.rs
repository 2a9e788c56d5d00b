//! A hand-written recursive-descent parser for the dice grammar.
//!
//! ```text
//! expression := comparison END
//! comparison := additive (("==" | "!=" | "<=" | ">=" | "<" | ">") additive)*
//! additive   := term (("+" | "-") term)*
//! term       := unary (("*" | "//" | "/" | "%") unary)*
//! unary      := ("+" | "-") unary | atom
//! atom       := (dice | set | INT) annotation*
//! dice       := INT? ("d" | "D") (INT | "%") op*          -- no spaces inside
//! set        := "(" [comparison ("," comparison)* [","]] ")" op*
//! op         := ("k" | "p" | "rr" | "ro" | "ra" | "e" | "mi" | "ma") selector
//! selector   := ("h" | "l" | "<" | ">")? INT
//! annotation := "[" any text without "]" "]"
//! ```
//!
//! Whitespace is allowed between tokens, but not inside a dice term with its operators,
//! exactly as in d20. A single parenthesised expression without a comma is a
//! parenthetical, with a comma (or empty) it is a set.

use crate::ast::{
    BinaryOp, DiceTerm, Expression, Node, OpKind, Selector, SelectorKind, SetOp, Sides, UnaryOp,
};
use crate::{DiceError, DiceLimits};

/// Parses `src` under `limits`. See [`crate::parse`].
pub(crate) fn parse_expression(src: &str, limits: &DiceLimits) -> Result<Expression, DiceError> {
    if src.len() > limits.max_expression_len {
        let len = src.chars().count();
        if len > limits.max_expression_len {
            return Err(DiceError::TooLong { len, max: limits.max_expression_len });
        }
    }
    if src.trim().is_empty() {
        return Err(DiceError::Empty);
    }
    let mut parser = Parser { src, bytes: src.as_bytes(), pos: 0, depth: 0, last_token: None, limits };
    parser.skip_ws();
    let root = parser.comparison()?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.unexpected("an operator such as + or *, or the end"));
    }
    Ok(Expression { root })
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
    /// Byte range of the last token consumed, for "after '+'" messages.
    last_token: Option<(usize, usize)>,
    limits: &'a DiceLimits,
}

const OPERATORS: [(&str, OpKind); 8] = [
    ("rr", OpKind::Reroll),
    ("ro", OpKind::RerollOnce),
    ("ra", OpKind::RerollAdd),
    ("mi", OpKind::Minimum),
    ("ma", OpKind::Maximum),
    ("k", OpKind::Keep),
    ("p", OpKind::Drop),
    ("e", OpKind::Explode),
];

impl<'a> Parser<'a> {
    fn column(&self, pos: usize) -> usize {
        self.src.get(..pos).map_or(pos, |s| s.chars().count()) + 1
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn starts_with(&self, token: &str) -> bool {
        self.bytes[self.pos..].starts_with(token.as_bytes())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.starts_with(token) {
            self.last_token = Some((self.pos, self.pos + token.len()));
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn syntax(&self, message: String, pos: usize) -> DiceError {
        self.syntax_hint(message, pos, String::new())
    }

    fn syntax_hint(&self, message: String, pos: usize, hint: String) -> DiceError {
        DiceError::Syntax { message, column: self.column(pos), hint }
    }

    /// The error for the current position, which is not what the grammar expects.
    fn unexpected(&self, expected: &str) -> DiceError {
        let hint = format!(": expected {expected}");
        match self.src[self.pos..].chars().next() {
            None => match self.last_token {
                Some((start, end)) => self.syntax_hint(
                    format!("unexpected end of expression after '{}'", &self.src[start..end]),
                    start,
                    hint,
                ),
                None => self.syntax_hint("unexpected end of expression".into(), self.pos, hint),
            },
            Some(c) => self.syntax_hint(format!("unexpected '{c}'"), self.pos, hint),
        }
    }

    /// Enters one nesting level for the token starting at `pos`.
    fn enter(&mut self, pos: usize) -> Result<(), DiceError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(DiceError::TooDeep { max: self.limits.max_depth, column: self.column(pos) });
        }
        Ok(())
    }

    fn comparison(&mut self) -> Result<Node, DiceError> {
        let mut left = self.additive()?;
        loop {
            self.skip_ws();
            let op = if self.eat("==") {
                BinaryOp::Eq
            } else if self.eat("!=") {
                BinaryOp::Ne
            } else if self.eat("<=") {
                BinaryOp::Le
            } else if self.eat(">=") {
                BinaryOp::Ge
            } else if self.eat("<") {
                BinaryOp::Lt
            } else if self.eat(">") {
                BinaryOp::Gt
            } else {
                return Ok(left);
            };
            let right = self.additive()?;
            left = binary(op, left, right);
        }
    }

    fn additive(&mut self) -> Result<Node, DiceError> {
        let mut left = self.term()?;
        loop {
            self.skip_ws();
            let op = if self.eat("+") {
                BinaryOp::Add
            } else if self.eat("-") {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.term()?;
            left = binary(op, left, right);
        }
    }

    fn term(&mut self) -> Result<Node, DiceError> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            let op = if self.eat("*") {
                BinaryOp::Mul
            } else if self.eat("//") {
                BinaryOp::FloorDiv
            } else if self.eat("/") {
                BinaryOp::Div
            } else if self.eat("%") {
                BinaryOp::Mod
            } else {
                return Ok(left);
            };
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Node, DiceError> {
        self.skip_ws();
        let op = if self.eat("-") {
            UnaryOp::Neg
        } else if self.eat("+") {
            UnaryOp::Plus
        } else {
            return self.atom();
        };
        self.enter(self.pos - 1)?;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Node::Unary { op, operand: Box::new(operand) })
    }

    fn atom(&mut self) -> Result<Node, DiceError> {
        self.skip_ws();
        let node = match self.peek() {
            Some(b'0'..=b'9' | b'd' | b'D') => self.number_or_dice()?,
            Some(b'(') => self.set_or_paren()?,
            _ => return Err(self.unexpected("a number, a dice term such as 1d20, or '('")),
        };
        self.annotations(node)
    }

    fn annotations(&mut self, node: Node) -> Result<Node, DiceError> {
        let mut annotations = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'[') {
                break;
            }
            let start = self.pos;
            let Some(len) = self.src[start + 1..].find(']') else {
                return Err(self.syntax("annotation '[' is never closed with ']'".into(), start));
            };
            annotations.push(self.src[start + 1..start + 1 + len].trim().to_string());
            self.pos = start + len + 2;
            self.last_token = Some((start, self.pos));
        }
        if annotations.is_empty() {
            return Ok(node);
        }
        Ok(Node::Annotated { inner: Box::new(node), annotations })
    }

    fn digits(&mut self) -> Option<(usize, &'a str)> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        self.last_token = Some((start, self.pos));
        Some((start, &self.src[start..self.pos]))
    }

    fn number_or_dice(&mut self) -> Result<Node, DiceError> {
        let start = self.pos;
        let count = self.digits();
        if !matches!(self.peek(), Some(b'd' | b'D')) {
            let Some((_, text)) = count else {
                return Err(self.unexpected("a number"));
            };
            if self.peek() == Some(b'.') {
                return Err(self.syntax_hint(
                    "decimal number".into(),
                    start,
                    ": dice expressions use whole numbers only".into(),
                ));
            }
            return text.parse::<i64>().map(Node::Literal).map_err(|_| DiceError::NumberTooLarge {
                text: text.to_string(),
                column: self.column(start),
            });
        }
        self.pos += 1;
        self.last_token = Some((start, self.pos));
        let sides = if self.eat("%") {
            Sides::Percent
        } else {
            let Some((_, text)) = self.digits() else {
                return Err(self.unexpected("the number of sides after 'd', e.g. d20 or d%"));
            };
            let term = &self.src[start..self.pos];
            match text.parse::<u64>() {
                Ok(0) => {
                    return Err(DiceError::ZeroSides { term: term.to_string(), column: self.column(start) });
                }
                Ok(n) if n <= u64::from(self.limits.max_sides) => Sides::Number(n as u32),
                _ => {
                    return Err(DiceError::TooManySides {
                        term: term.to_string(),
                        column: self.column(start),
                        max: self.limits.max_sides,
                    });
                }
            }
        };
        let count = match count {
            None => 1,
            Some((_, text)) => match text.parse::<u64>() {
                Ok(n) if n <= u64::from(self.limits.max_dice) => n as u32,
                _ => {
                    return Err(DiceError::TooManyDice {
                        what: format!("{} asks for {text} dice", &self.src[start..self.pos]),
                        max: self.limits.max_dice,
                    });
                }
            },
        };
        let ops = self.operators(true)?;
        Ok(Node::Dice(DiceTerm { count, sides, ops }))
    }

    fn set_or_paren(&mut self) -> Result<Node, DiceError> {
        let open = self.pos;
        self.enter(open)?;
        self.eat("(");
        let mut items = Vec::new();
        let mut is_set = false;
        loop {
            self.skip_ws();
            if self.eat(")") {
                is_set |= items.is_empty();
                break;
            }
            if !items.is_empty() {
                if self.eat(",") {
                    is_set = true;
                    self.skip_ws();
                    if self.eat(")") {
                        break;
                    }
                } else if self.pos >= self.bytes.len() {
                    return Err(self.syntax_hint(
                        "'(' is never closed".into(),
                        open,
                        ": expected ')' before the end".into(),
                    ));
                } else {
                    return Err(self.unexpected("',' or ')'"));
                }
            }
            items.push(self.comparison()?);
        }
        self.depth -= 1;
        let ops = self.operators(false)?;
        if !is_set
            && items.len() == 1
            && let Some(inner) = items.pop()
        {
            return Ok(Node::Paren { inner: Box::new(inner), ops });
        }
        Ok(Node::Set { items, ops })
    }

    /// Operators directly after a dice term (`on_dice`) or a closing parenthesis.
    fn operators(&mut self, on_dice: bool) -> Result<Vec<SetOp>, DiceError> {
        let mut ops: Vec<SetOp> = Vec::new();
        'next: loop {
            let start = self.pos;
            for (symbol, kind) in OPERATORS {
                if !self.eat(symbol) {
                    continue;
                }
                if kind.dice_only() && !on_dice {
                    return Err(self.syntax(
                        format!("'{symbol}' only applies to dice, not to a set or parentheses"),
                        start,
                    ));
                }
                let selector = self.selector(symbol)?;
                if matches!(kind, OpKind::Minimum | OpKind::Maximum) && selector.kind != SelectorKind::Equal {
                    return Err(self.syntax(
                        format!("'{symbol}' takes a plain number such as {symbol}2, not '{selector}'"),
                        start,
                    ));
                }
                match ops.last_mut() {
                    Some(last) if last.kind == kind && !matches!(kind, OpKind::Minimum | OpKind::Maximum) => {
                        last.selectors.push(selector)
                    }
                    _ => ops.push(SetOp { kind, selectors: vec![selector] }),
                }
                continue 'next;
            }
            return Ok(ops);
        }
    }

    fn selector(&mut self, symbol: &str) -> Result<Selector, DiceError> {
        let kind = match self.peek() {
            Some(b'h') => SelectorKind::Highest,
            Some(b'l') => SelectorKind::Lowest,
            Some(b'>') => SelectorKind::Greater,
            Some(b'<') => SelectorKind::Less,
            _ => SelectorKind::Equal,
        };
        let op_start = self.pos - symbol.len();
        if kind != SelectorKind::Equal {
            self.pos += 1;
            self.last_token = Some((op_start, self.pos));
        }
        let Some((start, text)) = self.digits() else {
            return Err(self.unexpected(&format!(
                "a number after '{}', e.g. {symbol}h1 or {symbol}>3",
                &self.src[op_start..self.pos]
            )));
        };
        let value = text
            .parse::<i64>()
            .map_err(|_| DiceError::NumberTooLarge { text: text.to_string(), column: self.column(start) })?;
        Ok(Selector { kind, value })
    }
}

fn binary(op: BinaryOp, left: Node, right: Node) -> Node {
    Node::Binary { op, left: Box::new(left), right: Box::new(right) }
}
