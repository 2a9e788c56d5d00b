//! The one error type of the dice engine.

use thiserror::Error;

/// Everything that can go wrong while parsing or rolling a dice expression.
///
/// Every message names the problem in words a GM understands; syntax errors carry the
/// 1-based column (in characters) of the offending input. The messages are part of the
/// public behaviour and are pinned by the data-driven tests in `tests/cases/`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DiceError {
    /// The expression was empty or only whitespace.
    #[error("empty dice expression: write something like 1d20+5")]
    Empty,
    /// The expression is longer than [`crate::DiceLimits::max_expression_len`].
    #[error("dice expression is {len} characters long; the limit is {max}")]
    TooLong {
        /// Length of the input, in characters.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// The input does not follow the dice grammar.
    #[error("{message} at column {column}{hint}")]
    Syntax {
        /// What was wrong, e.g. "unexpected end of expression after '+'".
        message: String,
        /// 1-based column, in characters, where the problem was found.
        column: usize,
        /// What would have been accepted, e.g. ": expected a number"; may be empty.
        hint: String,
    },
    /// Parentheses, sets or unary signs nest deeper than [`crate::DiceLimits::max_depth`].
    #[error("expression nests deeper than {max} levels at column {column}")]
    TooDeep {
        /// The configured limit.
        max: u32,
        /// 1-based column where the limit was crossed.
        column: usize,
    },
    /// An integer literal does not fit in 64 bits.
    #[error("number {text} at column {column} is too large")]
    NumberTooLarge {
        /// The literal as written.
        text: String,
        /// 1-based column of the literal.
        column: usize,
    },
    /// A die with zero sides, e.g. `1d0`.
    #[error("a die needs at least one side: {term} at column {column}")]
    ZeroSides {
        /// The dice term as written, e.g. `1d0`.
        term: String,
        /// 1-based column of the term.
        column: usize,
    },
    /// A die with more sides than [`crate::DiceLimits::max_sides`].
    #[error("{term} at column {column} has too many sides; the limit is {max}")]
    TooManySides {
        /// The dice term as written.
        term: String,
        /// 1-based column of the term.
        column: usize,
        /// The configured limit.
        max: u32,
    },
    /// More dice would be rolled than [`crate::DiceLimits::max_dice`] allows, counting
    /// every reroll and explosion.
    #[error("too many dice: {what}; the limit is {max} dice per roll, rerolls and explosions included")]
    TooManyDice {
        /// What asked for them, e.g. "1001d6 asks for 1001 dice" or "more than 1000 dice rolled".
        what: String,
        /// The configured limit.
        max: u32,
    },
    /// A reroll or explosion whose selector matches every face, so it could never stop.
    #[error("{term} would never stop: every face of a d{sides} matches '{operator}'")]
    Runaway {
        /// The dice term, e.g. `1d6rr<7`.
        term: String,
        /// The operator with its selectors, e.g. `rr<7`.
        operator: String,
        /// Number of sides of the die.
        sides: u32,
    },
    /// `/`, `//` or `%` with a right-hand side of zero.
    #[error("division by zero in {expression}")]
    DivisionByZero {
        /// The sub-expression, e.g. `1 / 0`.
        expression: String,
    },
    /// An intermediate or final value left the range of a 64-bit integer.
    #[error("number overflow in {expression}: the result does not fit in a 64-bit integer")]
    Overflow {
        /// The sub-expression that overflowed.
        expression: String,
    },
}

impl DiceError {
    /// The 1-based column the error points at, when it comes from a place in the input.
    pub fn column(&self) -> Option<usize> {
        match self {
            DiceError::Syntax { column, .. }
            | DiceError::TooDeep { column, .. }
            | DiceError::NumberTooLarge { column, .. }
            | DiceError::ZeroSides { column, .. }
            | DiceError::TooManySides { column, .. } => Some(*column),
            _ => None,
        }
    }

    /// True when the expression itself is malformed (as opposed to a limit or a value
    /// problem found while rolling).
    pub fn is_syntax(&self) -> bool {
        matches!(self, DiceError::Empty | DiceError::Syntax { .. })
    }
}
