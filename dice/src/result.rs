//! The result of a roll, as the host stores it and an AI client reads it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::eval::{Kind, RolledDie, Value};

/// A finished roll. Serializes to plain JSON; [`schemars::JsonSchema`] lets the MCP layer
/// publish it as a tool's output schema.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Roll {
    /// The expression in normalized form, e.g. `1d20 + 5` for `d20+5`.
    pub expression: String,
    /// The result.
    pub total: i64,
    /// One line for humans, e.g. `4d6kh3 (5, **6**, 5, ~~5~~) = 16`: `~~x~~` dropped or
    /// rerolled, `**x**` a 1 or a maximum face, `x!` exploded, `a -> b` forced by mi/ma.
    pub rendered: String,
    /// Every dice term, left to right, with each die.
    pub dice: Vec<DiceGroup>,
    /// Whether the roll is a natural 20 or a natural 1 (see [`Crit`]).
    pub crit: Crit,
    /// Every distinct non-empty annotation in the expression, without brackets and
    /// surrounding spaces, in order of appearance (e.g. damage types `["fire", "cold"]`).
    pub annotations: Vec<String>,
    /// How many dice were rolled, rerolls and explosions included.
    pub dice_rolled: u32,
}

/// One dice term (`NdM` with its operators) and the dice it rolled.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct DiceGroup {
    /// The term as normalized, e.g. `4d6kh3`.
    pub notation: String,
    /// How many dice the term asked for before rerolls and explosions.
    pub count: u32,
    /// Faces per die (`d%` is 100).
    pub sides: u32,
    /// The nearest annotation on this term or an enclosing one (`(1d6+2)[fire]` gives
    /// `fire`); several annotations on one term are joined with `, `.
    pub annotation: Option<String>,
    /// Sum of the kept dice of this term.
    pub subtotal: i64,
    /// False when the whole term was dropped from an enclosing set, e.g. by
    /// `(1d20, 10)kh1`, so its subtotal does not count.
    pub counted: bool,
    /// The dice, in the order rolled; dice added by explosions come last.
    pub dice: Vec<Die>,
}

/// One die.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Die {
    /// The face it shows now (after rerolls and mi/ma).
    pub value: i64,
    /// Whether it counts toward the total.
    pub kept: bool,
    /// Removed by a keep/drop operator (always `!kept`; spelled out for readers).
    pub dropped: bool,
    /// It was rerolled (`rr`/`ro`); the replaced faces are in `history`.
    pub rerolled: bool,
    /// It exploded: another die was added because of it (`e`/`ra`).
    pub exploded: bool,
    /// Its value was forced by `mi`/`ma`; the original face is in `history`.
    pub clamped: bool,
    /// It was added by an explosion or `ra`, not by the term's count.
    pub extra: bool,
    /// Earlier values, oldest first: faces replaced by rerolls, values before mi/ma.
    pub history: Vec<i64>,
}

/// Critical result of the roll, decided as d20 does: when the leftmost term of the
/// expression is a d20 term keeping exactly one die (`1d20`, `2d20kh1`, `1d20ro1`...),
/// a 20 on it is a success and a 1 a failure. Anything else is `none`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Crit {
    /// No critical.
    None,
    /// Natural 20.
    Success,
    /// Natural 1.
    Failure,
}

/// d20's rule: follow the leftmost child down to a leaf; it must be dice.
pub(crate) fn crit_of(root: &Value<'_>) -> Crit {
    let mut node = root;
    loop {
        node = match &node.kind {
            Kind::Unary { inner, .. } | Kind::Paren { inner, .. } => inner,
            Kind::Binary { left, .. } => left,
            Kind::Set { items, .. } => match items.first() {
                Some(first) => first,
                None => return Crit::None,
            },
            Kind::Literal(_) => return Crit::None,
            Kind::Dice { term, dice } => {
                let kept = dice.iter().filter(|d| d.kept).count();
                if kept != 1 || term.sides.count() != 20 {
                    return Crit::None;
                }
                return match node.total() {
                    Ok(20) => Crit::Success,
                    Ok(1) => Crit::Failure,
                    _ => Crit::None,
                };
            }
        }
    }
}

/// Collects dice groups and annotations, left to right.
pub(crate) fn collect(
    value: &Value<'_>,
    inherited: Option<&[String]>,
    counted: bool,
    groups: &mut Vec<DiceGroup>,
    annotations: &mut Vec<String>,
) {
    if let Some(list) = value.annotation {
        for a in list {
            if !a.is_empty() && !annotations.contains(a) {
                annotations.push(a.clone());
            }
        }
    }
    let annotation = value.annotation.or(inherited);
    let counted = counted && value.kept;
    match &value.kind {
        Kind::Literal(_) => {}
        Kind::Unary { inner, .. } | Kind::Paren { inner, .. } => {
            collect(inner, annotation, counted, groups, annotations)
        }
        Kind::Binary { left, right, .. } => {
            collect(left, annotation, counted, groups, annotations);
            collect(right, annotation, counted, groups, annotations);
        }
        Kind::Set { items, .. } => {
            for item in items {
                collect(item, annotation, counted, groups, annotations);
            }
        }
        Kind::Dice { term, dice } => groups.push(DiceGroup {
            notation: term.to_string(),
            count: term.count,
            sides: term.sides.count(),
            annotation: annotation.map(|a| a.join(", ")).filter(|a| !a.is_empty()),
            subtotal: value.number().unwrap_or(0),
            counted,
            dice: dice.iter().map(die_report).collect(),
        }),
    }
}

fn die_report(die: &RolledDie) -> Die {
    let mut history = Vec::new();
    for face in &die.rerolled {
        history.push(face.rolled);
        history.extend(&face.clamps);
    }
    history.push(die.current.rolled);
    history.extend(&die.current.clamps);
    history.pop();
    Die {
        value: die.value(),
        kept: die.kept,
        dropped: !die.kept,
        rerolled: !die.rerolled.is_empty(),
        exploded: die.current.exploded || die.rerolled.iter().any(|f| f.exploded),
        clamped: !die.current.clamps.is_empty(),
        extra: die.extra,
        history,
    }
}
