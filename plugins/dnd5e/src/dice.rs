//! The D&D 5e dice grammar: avrae's d20 notation (the workspace's `ttrpg-dice` engine) plus
//! three 5e shorthands written as a leading word:
//!
//! - `adv` stands for `2d20kh1` (a d20 rolled with advantage): `adv`, `adv + 5`, `adv+5 >= 15`;
//! - `dis` stands for `2d20kl1` (disadvantage): `dis`, `dis - 1`;
//! - `crit` doubles every dice term's count, not the modifiers (a critical hit's damage):
//!   `crit 2d6+3` rolls `4d6 + 3`, `crit 1d8 + 2d6[fire] + 4` rolls `2d8 + 4d6[fire] + 4`.
//!
//! The words are case-insensitive and must stand alone (`advice` is not `adv`). After `adv`
//! or `dis` only an operator or an annotation may follow (`adv + 5`, `adv [attack]`); after
//! `crit` a whole expression. Everything else is passed to the engine unchanged, and its
//! message (with the column in the text as typed) is the refusal.
//!
//! Nothing here calls the host: faces come from any [`FaceSource`].

use std::collections::BTreeMap;

use ttrpg_dice::ast::{Node, Sides};
use ttrpg_dice::{DiceError, DiceLimits, Expression, FaceSource, Roll};
use ttrpg_plugin_sdk::{Crit, DiceRoll};

/// The one-line grammar description the plugin publishes.
pub const GRAMMAR: &str = "D&D 5e dice: avrae d20 notation (NdM, d20, +-*/ // %, kh/kl/k>/k< keep, \
p drop, rr/ro/ra rerolls, e explode, mi/ma, sets (a, b)kh1, comparisons, [annotations]; e.g. \
1d20+5, 4d6kh3, 2d6[fire]+3) plus a leading shorthand: `adv` = 2d20kh1 (`adv + 5`), `dis` = \
2d20kl1 (`dis+2`), `crit` doubles every dice count but not modifiers (`crit 2d6+3` rolls 4d6+3)";

/// A leading 5e shorthand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shorthand {
    /// `adv`: 2d20kh1.
    Advantage,
    /// `dis`: 2d20kl1.
    Disadvantage,
    /// `crit`: every dice count doubled.
    Crit,
}

impl Shorthand {
    fn word(self) -> &'static str {
        match self {
            Shorthand::Advantage => "adv",
            Shorthand::Disadvantage => "dis",
            Shorthand::Crit => "crit",
        }
    }
}

/// An expression ready to roll: the engine's tree, with the shorthand applied.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The tree to roll (after `adv`/`dis` expansion and `crit` doubling).
    pub expression: Expression,
    /// The shorthand it was written with, if any.
    pub shorthand: Option<Shorthand>,
}

impl Prepared {
    /// How many dice of each size the expression asks for before rerolls and explosions,
    /// so a face source can fetch them in one batch per size.
    pub fn dice_by_sides(&self) -> BTreeMap<u32, u32> {
        let mut counts = BTreeMap::new();
        count_dice(&self.expression.root, &mut counts);
        counts
    }
}

/// Parses `input` in the 5e grammar.
///
/// # Errors
/// A message naming the problem: the engine's own (columns count in `input` as typed) or
/// one about a misused shorthand.
pub fn prepare(input: &str, limits: &DiceLimits) -> Result<Prepared, String> {
    let Some((shorthand, start, end)) = leading_shorthand(input) else {
        let expression = ttrpg_dice::parse(input, limits).map_err(|e| e.to_string())?;
        return Ok(Prepared { expression, shorthand: None });
    };
    let rest = &input[end..];
    match shorthand {
        Shorthand::Crit => {
            if rest.trim().is_empty() {
                return Err("`crit` must be followed by the damage dice, e.g. `crit 2d6+3`".into());
            }
            // The word becomes spaces, so the engine's columns still point into `input`.
            let blanked = format!("{}{}{}", &input[..start], " ".repeat(end - start), rest);
            let mut expression = ttrpg_dice::parse(&blanked, limits).map_err(|e| e.to_string())?;
            double_dice(&mut expression.root, limits)?;
            Ok(Prepared { expression, shorthand: Some(shorthand) })
        }
        Shorthand::Advantage | Shorthand::Disadvantage => {
            let expansion = if shorthand == Shorthand::Advantage { "2d20kh1" } else { "2d20kl1" };
            let next = rest.trim_start().chars().next();
            if next.is_some_and(|c| !"+-*/%<>=![".contains(c)) {
                return Err(format!(
                    "`{}` stands for {expansion} and may only be followed by an operator or an \
                     annotation, e.g. `{} + 5`; write other dice out, e.g. `{expansion} + 1d4 + 5`",
                    shorthand.word(),
                    shorthand.word()
                ));
            }
            let expanded = format!("{}{expansion}{rest}", &input[..start]);
            let expression = ttrpg_dice::parse(&expanded, limits).map_err(|error| {
                let shift = |column: usize| shift_column(column, input, start, end, expansion);
                with_column(error, shift).to_string()
            })?;
            Ok(Prepared { expression, shorthand: Some(shorthand) })
        }
    }
}

/// Rolls a prepared expression with faces from `source`.
///
/// # Errors
/// The engine's message when rolling fails (too many dice with rerolls, division by zero).
pub fn roll(
    prepared: &Prepared,
    source: &mut impl FaceSource,
    limits: &DiceLimits,
) -> Result<DiceRoll, String> {
    let roll = prepared.expression.roll_with(source, limits).map_err(|e| e.to_string())?;
    Ok(to_dice_roll(&roll, prepared.shorthand))
}

/// The WIT result for an engine roll: the normalized expression, the total, the rendering
/// (prefixed with the shorthand, e.g. `adv: 2d20kh1 (…) + 5 = 17`), the crit flag and the
/// `Roll` as JSON detail.
pub fn to_dice_roll(roll: &Roll, shorthand: Option<Shorthand>) -> DiceRoll {
    let crit = match roll.crit {
        ttrpg_dice::Crit::Success => Crit::Success,
        ttrpg_dice::Crit::Failure => Crit::Failure,
        _ => Crit::None,
    };
    let rendered = match shorthand {
        Some(s) => format!("{}: {}", s.word(), roll.rendered),
        None => roll.rendered.clone(),
    };
    DiceRoll {
        expression: roll.expression.clone(),
        total: roll.total,
        rendered,
        crit,
        detail: serde_json::to_string(roll).unwrap_or_else(|_| "{}".into()),
    }
}

/// The shorthand a text starts with (after whitespace), with the byte range of its word.
fn leading_shorthand(input: &str) -> Option<(Shorthand, usize, usize)> {
    let start = input.len() - input.trim_start().len();
    let word_len = input[start..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(input.len() - start);
    let word = input[start..start + word_len].to_ascii_lowercase();
    let shorthand = match word.as_str() {
        "adv" => Shorthand::Advantage,
        "dis" => Shorthand::Disadvantage,
        "crit" => Shorthand::Crit,
        _ => return None,
    };
    Some((shorthand, start, start + word_len))
}

/// Maps a 1-based column in the expanded text back to the text as typed.
fn shift_column(column: usize, input: &str, start: usize, end: usize, expansion: &str) -> usize {
    let before = input[..start].chars().count();
    let word = input[start..end].chars().count();
    let grown = expansion.chars().count();
    if column > before + grown {
        column + word - grown
    } else if column > before {
        before + 1
    } else {
        column
    }
}

/// The same error with its column mapped through `shift`.
fn with_column(error: DiceError, shift: impl Fn(usize) -> usize) -> DiceError {
    match error {
        DiceError::Syntax { message, column, hint } => {
            DiceError::Syntax { message, column: shift(column), hint }
        }
        DiceError::TooDeep { max, column } => DiceError::TooDeep { max, column: shift(column) },
        DiceError::NumberTooLarge { text, column } => {
            DiceError::NumberTooLarge { text, column: shift(column) }
        }
        DiceError::ZeroSides { term, column } => DiceError::ZeroSides { term, column: shift(column) },
        DiceError::TooManySides { term, column, max } => {
            DiceError::TooManySides { term, column: shift(column), max }
        }
        other => other,
    }
}

/// Doubles the count of every dice term in the tree.
fn double_dice(node: &mut Node, limits: &DiceLimits) -> Result<(), String> {
    match node {
        Node::Literal(_) => Ok(()),
        Node::Dice(term) => {
            let doubled = term.count.saturating_mul(2);
            if doubled > limits.max_dice {
                let sides = term.sides.count();
                return Err(format!(
                    "too many dice: crit doubles {}d{sides} to {doubled}d{sides}; the limit is {} dice per roll",
                    term.count, limits.max_dice
                ));
            }
            term.count = doubled;
            Ok(())
        }
        Node::Set { items, .. } => items.iter_mut().try_for_each(|item| double_dice(item, limits)),
        Node::Paren { inner, .. } | Node::Annotated { inner, .. } => double_dice(inner, limits),
        Node::Unary { operand, .. } => double_dice(operand, limits),
        Node::Binary { left, right, .. } => {
            double_dice(left, limits)?;
            double_dice(right, limits)
        }
    }
}

fn count_dice(node: &Node, counts: &mut BTreeMap<u32, u32>) {
    match node {
        Node::Literal(_) => {}
        Node::Dice(term) => {
            let sides = match term.sides {
                Sides::Number(n) => n,
                Sides::Percent => 100,
            };
            *counts.entry(sides).or_default() += term.count;
        }
        Node::Set { items, .. } => items.iter().for_each(|item| count_dice(item, counts)),
        Node::Paren { inner, .. } | Node::Annotated { inner, .. } => count_dice(inner, counts),
        Node::Unary { operand, .. } => count_dice(operand, counts),
        Node::Binary { left, right, .. } => {
            count_dice(left, counts);
            count_dice(right, counts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every die shows its maximum.
    struct Max;
    impl FaceSource for Max {
        fn face(&mut self, sides: u32) -> u32 {
            sides
        }
    }

    /// Faces from a list, in order.
    struct Script(Vec<u32>);
    impl FaceSource for Script {
        fn face(&mut self, _sides: u32) -> u32 {
            self.0.remove(0)
        }
    }

    fn roll_max(input: &str) -> Result<DiceRoll, String> {
        let limits = DiceLimits::default();
        roll(&prepare(input, &limits)?, &mut Max, &limits)
    }

    #[test]
    fn plain_d20_notation_passes_through() {
        let r = roll_max("4d6kh3 + 2[fire]").unwrap();
        assert_eq!((r.total, r.expression.as_str()), (20, "4d6kh3 + 2 [fire]"));
        assert_eq!(roll_max("1d20+5").unwrap().crit, Crit::Success);
    }

    #[test]
    fn advantage_and_disadvantage_keep_one_of_two_d20() {
        let limits = DiceLimits::default();
        let adv = roll(&prepare("adv + 5", &limits).unwrap(), &mut Script(vec![3, 17]), &limits).unwrap();
        assert_eq!(adv.total, 22);
        assert!(adv.expression.starts_with("2d20kh1"), "{}", adv.expression);
        assert!(adv.rendered.starts_with("adv: "), "{}", adv.rendered);
        let dis = roll(&prepare("DIS+2", &limits).unwrap(), &mut Script(vec![3, 17]), &limits).unwrap();
        assert_eq!(dis.total, 5);
        let bare = roll(&prepare("adv", &limits).unwrap(), &mut Script(vec![20, 1]), &limits).unwrap();
        assert_eq!((bare.total, bare.crit), (20, Crit::Success));
        assert!(prepare("adv >= 15", &limits).is_ok());
        assert!(prepare("adv [attack]", &limits).is_ok());
    }

    #[test]
    fn crit_doubles_dice_not_modifiers() {
        let r = roll_max("crit 2d6+3").unwrap();
        assert_eq!((r.total, r.expression.as_str()), (27, "4d6 + 3"));
        let r = roll_max("crit 1d8 + 2d6[fire] + (1d4, 3)kh1 + 4").unwrap();
        assert_eq!(r.total, 16 + 24 + 8 + 4, "{}", r.rendered);
        let prepared = prepare("crit d20 + 2d6", &DiceLimits::default()).unwrap();
        assert_eq!(prepared.dice_by_sides(), BTreeMap::from([(6, 4), (20, 2)]));
    }

    #[test]
    fn bad_input_is_refused_with_a_message_and_a_true_column() {
        let limits = DiceLimits::default();
        let err = prepare("adv +", &limits).unwrap_err();
        assert!(err.contains("column 5"), "{err}");
        let err = prepare("1d20 +", &limits).unwrap_err();
        assert!(err.contains("column 6"), "{err}");
        let err = prepare("crit 1d6 +", &limits).unwrap_err();
        assert!(err.contains("column 10"), "{err}");
        assert!(prepare("adv 1d4", &limits).unwrap_err().contains("2d20kh1"));
        assert!(prepare("crit", &limits).unwrap_err().contains("crit 2d6+3"));
        assert!(prepare("crit 600d6", &limits).unwrap_err().contains("1200d6"));
        assert!(prepare("advice", &limits).is_err());
        assert!(prepare("", &limits).unwrap_err().contains("empty"));
    }
}
