//! `ttrpg-dice`: the core dice engine.
//!
//! It reads the notation GMs know from avrae's d20 and Foundry VTT, rolls it with
//! randomness supplied by the caller, and reports the total, a one-line rendering, every
//! die, annotations and critical flags.
//!
//! # Notation
//! - `NdM`, `dM` (one die), `d%` (a d100), integers, `+ - * / // %`, unary `-`/`+`,
//!   parentheses. `/` is integer division rounding toward zero, `//` floor division, `%`
//!   takes the divisor's sign (Python's); `7/2` is 3, `-7/2` is -3, `-7//2` is -4.
//! - Comparisons `== != < > <= >=` give 1 or 0 and bind loosest: `1d20+5 >= 15`.
//!   As in d20, `10d10>7` compares the *sum* with 7. To count successes, keep the dice
//!   that succeed and compare each: `(10d10k>7)` sums them; `10d10k>7` keeps the dice
//!   above 7 (the kept count is in [`DiceGroup::dice`]).
//! - Operators right after a dice term, no spaces: `k` keep, `p` drop, `rr` reroll until
//!   no die matches, `ro` reroll once, `ra` reroll one die and add it, `e` explode,
//!   `mi`/`ma` minimum/maximum face. Selectors: `hN` highest N, `lN` lowest N, `>N`,
//!   `<N`, and `N` (dice showing exactly N: `4d6k3` keeps the 3s, `4d6kh3` the highest
//!   three). Repeating an operator selects the union: `3d6rr1rr2`.
//! - Sets `(a, b, c)` with `k`/`p`: `(1d4, 2+2, 3d6kl1)kh1`. `(x,)` is a set of one.
//! - Annotations after any term: `2d6[fire] + 1d8[cold]`.
//!
//! Differences from d20: decimals are refused (d20 accepts `1.5`); `/` truncates at each
//! step instead of working in floating point (`7/2*2` is 6 here, 7 in d20); `d%` is a
//! d100 (d20 rolls a tens die 0-90); `D` is accepted for `d`; surrounding whitespace is
//! ignored; a reroll or explosion that must loop forever fails at once with
//! [`DiceError::Runaway`] instead of rolling up to the dice limit.
//!
//! # Entry points
//! [`roll_seeded`] for a one-off roll, [`roll`] with the host's RNG, [`parse`] then
//! [`Expression::roll`] to validate first and roll later, [`roll_with`] to script faces,
//! [`fresh_seed`] for the seed of a new roll (the one place the host picks a seed).

#![deny(missing_docs)]

pub mod ast;
mod error;
mod eval;
mod limits;
mod ops;
mod parser;
mod render;
mod result;
mod rolling;
mod source;

pub use ast::Expression;
pub use error::DiceError;
pub use limits::DiceLimits;
pub use result::{Crit, DiceGroup, Die, Roll};
pub use source::{FaceSource, RngFaces, seeded_rng};

/// The largest seed [`fresh_seed`] picks: 2^53 - 1, so every JSON client (JavaScript
/// included, whose numbers are doubles) holds a seed exactly and can hand it back to replay
/// a roll. Seeds given by callers may be any `u64`.
pub const MAX_FRESH_SEED: u64 = (1 << 53) - 1;

/// A new seed, uniform in `0..=`[`MAX_FRESH_SEED`], from the operating system's randomness
/// (through `rand`'s thread-local generator).
///
/// This is the only place the host picks a seed: core rolls, plugin-grammar rolls and
/// plugin calls all take their seed from here unless the caller gives one, and the seed is
/// stored or logged with what it produced, so every random result can be replayed with
/// [`roll_seeded`] or the plugin call that made it. Nothing else in the host draws
/// randomness of its own.
///
/// ```
/// let seed = ttrpg_dice::fresh_seed();
/// assert!(seed <= ttrpg_dice::MAX_FRESH_SEED);
/// ```
pub fn fresh_seed() -> u64 {
    rand::random::<u64>() & MAX_FRESH_SEED
}

/// Parses `expr` without rolling anything: checks syntax and the static limits (length,
/// nesting, dice per term, sides). Cost is linear in the length of the input.
///
/// # Errors
/// [`DiceError::Empty`], [`DiceError::TooLong`], [`DiceError::Syntax`] (with the column),
/// [`DiceError::TooDeep`], [`DiceError::NumberTooLarge`], [`DiceError::ZeroSides`],
/// [`DiceError::TooManySides`], or [`DiceError::TooManyDice`] for a single term such as
/// `1001d6`.
pub fn parse(expr: &str, limits: &DiceLimits) -> Result<Expression, DiceError> {
    parser::parse_expression(expr, limits)
}

/// Parses and rolls `expr` with faces drawn from `rng` (see [`RngFaces`] for the mapping).
///
/// # Errors
/// Everything [`parse`] reports, plus [`DiceError::TooManyDice`] when rerolls and
/// explosions cross the limit, [`DiceError::Runaway`], [`DiceError::DivisionByZero`] and
/// [`DiceError::Overflow`].
pub fn roll<R: rand::RngCore + ?Sized>(
    expr: &str,
    rng: &mut R,
    limits: &DiceLimits,
) -> Result<Roll, DiceError> {
    parse(expr, limits)?.roll(rng, limits)
}

/// Parses and rolls `expr` with a ChaCha8 RNG seeded from `seed` ([`seeded_rng`]): the
/// same seed and expression always give the same [`Roll`].
///
/// ```
/// use ttrpg_dice::{roll_seeded, DiceLimits};
///
/// let limits = DiceLimits::default();
/// let roll = roll_seeded("4d6kh3 + 2[fire]", 7, &limits)?;
/// assert!((5..=20).contains(&roll.total));
/// assert_eq!(roll.dice[0].dice.iter().filter(|d| d.kept).count(), 3);
/// assert_eq!(roll.annotations, ["fire"]);
/// assert_eq!(roll, roll_seeded("4d6kh3 + 2[fire]", 7, &limits)?);
///
/// let err = roll_seeded("1d20 +", 7, &limits).unwrap_err();
/// assert_eq!(err.column(), Some(6));
/// # Ok::<(), ttrpg_dice::DiceError>(())
/// ```
///
/// # Errors
/// As [`roll`].
pub fn roll_seeded(expr: &str, seed: u64, limits: &DiceLimits) -> Result<Roll, DiceError> {
    roll(expr, &mut seeded_rng(seed), limits)
}

/// Parses and rolls `expr` with faces from any [`FaceSource`], e.g. a scripted one to
/// replay a recorded roll or to test.
///
/// # Errors
/// As [`roll`].
pub fn roll_with<S: FaceSource + ?Sized>(
    expr: &str,
    source: &mut S,
    limits: &DiceLimits,
) -> Result<Roll, DiceError> {
    parse(expr, limits)?.roll_with(source, limits)
}
