//! The Fate dice grammar: `NdF`, integer and ladder-word modifiers, an optional opposition.
//!
//! ```text
//! roll     := count "dF" { ("+" | "-") term } [ "vs" [ "+" | "-" ] term ]
//! count    := 1..=20
//! term     := integer (0..=100) | ladder word (Terrible … Legendary, any case)
//! ```
//!
//! Whitespace is free between tokens. Anything else is refused with a message naming the
//! problem and its 1-based character position.

use serde_json::json;
use ttrpg_plugin_sdk::{Crit, DiceRoll};

use crate::ladder;

/// Most Fate dice in one roll.
pub const MAX_DICE: u32 = 20;
/// Largest integer a modifier or opposition term may be, and largest total modifier.
pub const MAX_MODIFIER: i64 = 100;
/// Most modifier terms in one roll.
pub const MAX_TERMS: usize = 10;
/// Longest expression accepted, in characters.
pub const MAX_LENGTH: usize = 200;

/// One line describing the grammar, as `dice-grammar` returns it.
pub const GRAMMAR: &str = "Fate dice: NdF (N 1..=20, each die -1, 0 or +1) plus or minus integers or ladder \
     words (Terrible -2 … Legendary +8), optionally `vs` an opposition for shifts and outcome; \
     e.g. 4dF+3, 4dF + Good, 4dF+2 vs Fair";

/// A parsed roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    /// How many Fate dice.
    pub dice: u32,
    /// The modifiers, in order.
    pub terms: Vec<Term>,
    /// The opposition, if any.
    pub opposition: Option<Term>,
}

/// A signed number or ladder word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Its signed value.
    pub value: i64,
    /// Whether a `-` came before it.
    pub negative: bool,
    /// The ladder word it was written as, in the rules' spelling.
    pub word: Option<&'static str>,
}

impl Term {
    fn render(&self, explicit_plus: bool) -> String {
        let sign = if self.negative {
            "-"
        } else if explicit_plus {
            "+"
        } else {
            ""
        };
        match self.word {
            Some(word) => format!("{sign}{word}"),
            None => format!("{sign}{}", self.value.abs()),
        }
    }
}

/// The outcome of a roll against an opposition, by shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Fewer than 0 shifts.
    Fail,
    /// Exactly 0 shifts.
    Tie,
    /// 1 or 2 shifts.
    Succeed,
    /// 3 or more shifts.
    SucceedWithStyle,
}

impl Outcome {
    /// The outcome of `shifts` (effort minus opposition).
    pub fn of(shifts: i64) -> Self {
        match shifts {
            s if s < 0 => Outcome::Fail,
            0 => Outcome::Tie,
            1 | 2 => Outcome::Succeed,
            _ => Outcome::SucceedWithStyle,
        }
    }

    /// The machine name: `fail`, `tie`, `succeed`, `succeed_with_style`.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Tie => "tie",
            Outcome::Succeed => "succeed",
            Outcome::SucceedWithStyle => "succeed_with_style",
        }
    }

    /// The words players use: `succeed with style`.
    pub fn words(self) -> &'static str {
        match self {
            Outcome::SucceedWithStyle => "succeed with style",
            other => other.code(),
        }
    }
}

impl Expression {
    /// The sum of the modifiers.
    pub fn modifier(&self) -> i64 {
        self.terms.iter().map(|t| t.value).sum()
    }

    /// The normalized text: `4dF+Good-1 vs Fair`.
    pub fn normalized(&self) -> String {
        let mut text = format!("{}dF", self.dice);
        for term in &self.terms {
            text.push_str(&term.render(true));
        }
        if let Some(opposition) = &self.opposition {
            text.push_str(" vs ");
            text.push_str(&opposition.render(false));
        }
        text
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(i64),
    Word(String),
    Plus,
    Minus,
}

impl Token {
    fn shown(&self) -> String {
        match self {
            Token::Number(n) => n.to_string(),
            Token::Word(w) => w.clone(),
            Token::Plus => "+".into(),
            Token::Minus => "-".into(),
        }
    }
}

/// Splits into tokens with their 1-based character positions.
fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let value = digits.parse::<i64>().ok().filter(|n| *n <= 1_000_000).ok_or_else(|| {
                format!("the number `{digits}` at position {} is far too large for a Fate roll", start + 1)
            })?;
            Token::Number(value)
        } else if c.is_alphabetic() {
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            Token::Word(chars[start..i].iter().collect())
        } else if c == '+' {
            i += 1;
            Token::Plus
        } else if c == '-' || c == '\u{2212}' {
            i += 1;
            Token::Minus
        } else {
            return Err(format!(
                "unexpected character `{c}` at position {}: a Fate roll holds only NdF, integers, \
                 ladder words, `+`, `-` and `vs` (e.g. 4dF+2 vs Fair)",
                start + 1
            ));
        };
        tokens.push((start + 1, token));
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(usize, Token)> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<(usize, Token)> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    /// "`x` at position p" or "the end of the expression".
    fn found(&self, token: Option<&(usize, Token)>) -> String {
        match token {
            Some((pos, t)) => format!("`{}` at position {pos}", t.shown()),
            None => format!("the end of the expression (position {})", self.end),
        }
    }

    fn dice(&mut self) -> Result<u32, String> {
        let count = match self.take() {
            Some((pos, Token::Number(n))) => (pos, n),
            Some((pos, Token::Word(w))) if w.to_ascii_lowercase().starts_with('d') => {
                return Err(format!(
                    "missing dice count before `{w}` at position {pos}: write how many Fate dice, e.g. 4dF"
                ));
            }
            other => {
                return Err(format!(
                    "expected a dice count such as `4dF` at the start, found {}",
                    self.found(other.as_ref())
                ));
            }
        };
        match self.take() {
            Some((_, Token::Word(w))) if w.eq_ignore_ascii_case("df") => {}
            Some((pos, Token::Word(w))) if w.eq_ignore_ascii_case("d") => {
                let sides = match self.peek() {
                    Some((_, Token::Number(n))) => n.to_string(),
                    _ => String::new(),
                };
                return Err(format!(
                    "`d{sides}` at position {pos} is not a Fate die: this grammar rolls only Fate dice, \
                     written NdF (e.g. 4dF); roll other dice with the core dice roller"
                ));
            }
            Some((pos, Token::Word(w))) if w.to_ascii_lowercase().starts_with('d') => {
                return Err(format!(
                    "`{w}` at position {pos} is not a Fate die: Fate dice are written NdF (e.g. 4dF)"
                ));
            }
            other => {
                return Err(format!(
                    "expected `dF` after the dice count at position {}, found {}",
                    count.0,
                    self.found(other.as_ref())
                ));
            }
        }
        let (pos, n) = count;
        if n < 1 || n > i64::from(MAX_DICE) {
            return Err(format!(
                "{n} Fate dice at position {pos}: a roll has 1 to {MAX_DICE} Fate dice (4dF is usual)"
            ));
        }
        Ok(n as u32)
    }

    /// A number or ladder word, with `negative` already read; `after` names what came before.
    fn term(&mut self, negative: bool, after: &str) -> Result<Term, String> {
        let (value, word) = match self.take() {
            Some((pos, Token::Number(n))) => {
                if n > MAX_MODIFIER {
                    return Err(format!(
                        "the number {n} at position {pos} is off the ladder: terms are at most {MAX_MODIFIER}"
                    ));
                }
                (n, None)
            }
            Some((pos, Token::Word(w))) => match ladder::canonical_word(&w) {
                Some(word) => (ladder::value_of(word).unwrap_or_default(), Some(word)),
                None => {
                    return Err(format!(
                        "unknown ladder word `{w}` at position {pos}: use a number or one of {}",
                        ladder::words()
                    ));
                }
            },
            other => {
                return Err(format!(
                    "expected a number or ladder word after {after}, found {}",
                    self.found(other.as_ref())
                ));
            }
        };
        Ok(Term { value: if negative { -value } else { value }, negative, word })
    }

    fn expression(&mut self) -> Result<Expression, String> {
        let dice = self.dice()?;
        let mut terms = Vec::new();
        let mut opposition = None;
        while let Some((pos, token)) = self.take() {
            match token {
                Token::Plus | Token::Minus => {
                    if terms.len() == MAX_TERMS {
                        return Err(format!("too many modifiers at position {pos}: at most {MAX_TERMS}"));
                    }
                    let sign = token.shown();
                    terms.push(self.term(token == Token::Minus, &format!("`{sign}` at position {pos}"))?);
                }
                Token::Word(w) if w.eq_ignore_ascii_case("vs") => {
                    let negative = match self.peek() {
                        Some((_, sign @ (Token::Plus | Token::Minus))) => {
                            let negative = *sign == Token::Minus;
                            self.next += 1;
                            negative
                        }
                        _ => false,
                    };
                    opposition = Some(self.term(negative, &format!("`vs` at position {pos}"))?);
                    if let Some(extra) = self.peek() {
                        return Err(format!(
                            "unexpected {} after the opposition: `vs` ends the roll",
                            self.found(Some(extra))
                        ));
                    }
                }
                other => {
                    return Err(format!(
                        "unexpected {}: after NdF only `+`/`-` modifiers and a `vs` opposition may follow \
                         (e.g. 4dF+2 vs Fair)",
                        self.found(Some(&(pos, other)))
                    ));
                }
            }
        }
        let expression = Expression { dice, terms, opposition };
        if expression.modifier().abs() > MAX_MODIFIER {
            return Err(format!(
                "the modifiers add up to {}: at most {MAX_MODIFIER} either way",
                expression.modifier()
            ));
        }
        Ok(expression)
    }
}

/// Parses an expression, or says what is wrong with it and where.
pub fn parse(text: &str) -> Result<Expression, String> {
    if text.trim().is_empty() {
        return Err(
            "the expression is empty: write a Fate roll such as 4dF, 4dF+3 or 4dF+Good vs Fair".into()
        );
    }
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(format!("the expression is {length} characters long: at most {MAX_LENGTH}"));
    }
    let mut parser = Parser { tokens: tokenize(text)?, next: 0, end: length + 1 };
    parser.expression()
}

/// A die's symbol: `-`, `0` or `+`.
fn symbol(die: i64) -> &'static str {
    match die {
        d if d < 0 => "-",
        0 => "0",
        _ => "+",
    }
}

/// The roll of `expression` with these dice (each -1, 0 or +1).
pub fn evaluate(expression: &Expression, dice: &[i64]) -> DiceRoll {
    let modifier = expression.modifier();
    let total = dice.iter().sum::<i64>() + modifier;
    let normalized = expression.normalized();
    let symbols: Vec<&str> = dice.iter().map(|&d| symbol(d)).collect();
    let bare = Expression { opposition: None, ..expression.clone() }.normalized();
    let mut rendered = format!("{bare} ({})", ladder::adjective(modifier));
    let mut detail = json!({
        "dice": dice,
        "modifier": modifier,
        "total": total,
        "ladder": ladder::adjective(total),
    });
    let mut tail = String::new();
    if let Some(opposition) = &expression.opposition {
        let shifts = total - opposition.value;
        let outcome = Outcome::of(shifts);
        rendered.push_str(&format!(" vs {}", ladder::label(opposition.value)));
        detail["opposition"] = json!(opposition.value);
        detail["shifts"] = json!(shifts);
        detail["outcome"] = json!(outcome.code());
        let plural = if shifts.abs() == 1 { "" } else { "s" };
        tail = format!("; {shifts} shift{plural}: {}", outcome.words());
    }
    rendered.push_str(&format!(": [{}] = {}{tail}", symbols.join(" "), ladder::label(total)));
    DiceRoll { expression: normalized, total, rendered, crit: Crit::None, detail: detail.to_string() }
}

/// Parses `text` and rolls it with faces from the host (`roll-faces` with 3 sides: 1, 2, 3 are
/// -1, 0, +1).
pub fn roll(text: &str) -> Result<DiceRoll, String> {
    let expression = parse(text)?;
    let faces = ttrpg_plugin_sdk::host::roll_faces(3, expression.dice).map_err(|e| {
        format!("rolling `{}`: the host gave no dice: {}", expression.normalized(), e.message())
    })?;
    let dice: Vec<i64> = faces.iter().map(|&f| i64::from(f) - 2).collect();
    Ok(evaluate(&expression, &dice))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err()
    }

    #[test]
    fn parses_and_renders() {
        let e = parse("4dF+3").unwrap();
        let roll = evaluate(&e, &[1, -1, 0, 1]);
        assert_eq!(roll.rendered, "4dF+3 (Good): [+ - 0 +] = +4 Great");
        assert_eq!(roll.total, 4);
        let e = parse(" 4df + good - 1 VS fair").unwrap();
        assert_eq!(e.normalized(), "4dF+Good-1 vs Fair");
        let roll = evaluate(&e, &[1, 1, 1, 0]);
        assert_eq!(roll.total, 5);
        assert_eq!(
            roll.rendered,
            "4dF+Good-1 (Fair) vs +2 Fair: [+ + + 0] = +5 Superb; 3 shifts: succeed with style"
        );
        let detail: serde_json::Value = serde_json::from_str(&roll.detail).unwrap();
        assert_eq!(detail["outcome"], "succeed_with_style");
        assert_eq!(detail["shifts"], 3);
        assert_eq!(parse("4dF vs -1").unwrap().opposition.unwrap().value, -1);
        assert_eq!(parse("1dF").unwrap().dice, 1);
    }

    #[test]
    fn refuses_with_position() {
        assert!(err("").contains("empty"));
        assert!(err("4dX").contains("`dX` at position 2"), "{}", err("4dX"));
        assert!(err("21dF").contains("21 Fate dice at position 1"), "{}", err("21dF"));
        assert!(err("0dF").contains("1 to 20"));
        assert!(err("4dF+").contains("after `+` at position 4"), "{}", err("4dF+"));
        assert!(err("1d20").contains("`d20` at position 2"), "{}", err("1d20"));
        assert!(err("4dF*2").contains("`*` at position 4"), "{}", err("4dF*2"));
        assert!(err("4dF+Grat").contains("`Grat` at position 5"), "{}", err("4dF+Grat"));
        assert!(err("dF").contains("missing dice count"));
        assert!(err("4dF vs Fair + 1").contains("`+` at position 13"), "{}", err("4dF vs Fair + 1"));
        assert!(err("4dF 3").contains("`3` at position 5"), "{}", err("4dF 3"));
        assert!(err("4dF+101").contains("off the ladder"));
    }

    #[test]
    fn outcomes() {
        assert_eq!(Outcome::of(-1), Outcome::Fail);
        assert_eq!(Outcome::of(0), Outcome::Tie);
        assert_eq!(Outcome::of(2), Outcome::Succeed);
        assert_eq!(Outcome::of(3), Outcome::SucceedWithStyle);
    }
}
