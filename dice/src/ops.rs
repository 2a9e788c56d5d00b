//! The set and dice operators (`k p rr ro ra e mi ma`) and their selectors, with d20's
//! semantics: selectors only look at values still kept, several selectors on one
//! operator select the union, `h`/`l` ties go to the leftmost value.

use crate::DiceError;
use crate::ast::{OpKind, Selector, SelectorKind, SetOp};
use crate::eval::{Evaluator, Face, Kind, RolledDie, Value};
use crate::source::FaceSource;

/// The members an operator works on: a set's items, a dice term's dice, or the value
/// itself (for a parenthesised arithmetic expression).
enum Members<'v, 'a> {
    Items(&'v mut Vec<Value<'a>>),
    Dice(&'v mut Vec<RolledDie>),
    Itself(&'v mut Value<'a>),
}

fn members<'v, 'a>(value: &'v mut Value<'a>) -> Members<'v, 'a> {
    if !matches!(value.kind, Kind::Paren { .. } | Kind::Set { .. } | Kind::Dice { .. }) {
        return Members::Itself(value);
    }
    match &mut value.kind {
        Kind::Paren { inner, .. } => members(inner),
        Kind::Set { items, .. } => Members::Items(items),
        Kind::Dice { dice, .. } => Members::Dice(dice),
        _ => unreachable!("checked above"),
    }
}

impl Members<'_, '_> {
    /// `(index, value)` of every member still kept, in order.
    fn kept(&self) -> Result<Vec<(usize, i64)>, DiceError> {
        match self {
            Members::Items(items) => {
                items.iter().enumerate().filter(|(_, v)| v.kept).map(|(i, v)| Ok((i, v.number()?))).collect()
            }
            Members::Dice(dice) => Ok(kept_dice(dice)),
            Members::Itself(value) => Ok(if value.kept { vec![(0, value.number()?)] } else { Vec::new() }),
        }
    }

    fn drop_member(&mut self, index: usize) {
        match self {
            Members::Items(items) => items[index].kept = false,
            Members::Dice(dice) => dice[index].kept = false,
            Members::Itself(value) => value.kept = false,
        }
    }
}

fn kept_dice(dice: &[RolledDie]) -> Vec<(usize, i64)> {
    dice.iter().enumerate().filter(|(_, d)| d.kept).map(|(i, d)| (i, d.value())).collect()
}

/// The indices `selectors` pick among `kept`, sorted, without duplicates. With
/// `max_targets`, each selector contributes at most the remaining budget (d20's `ra`).
fn select(selectors: &[Selector], kept: &[(usize, i64)], max_targets: Option<usize>) -> Vec<usize> {
    let size = kept.last().map_or(0, |&(i, _)| i + 1);
    let mut chosen = vec![false; size];
    let mut count = 0;
    for sel in selectors {
        let budget = match max_targets {
            Some(max) if count >= max => break,
            Some(max) => max - count,
            None => usize::MAX,
        };
        let picked: Vec<usize> = match sel.kind {
            SelectorKind::Highest | SelectorKind::Lowest => {
                let n = usize::try_from(sel.value.max(0)).unwrap_or(usize::MAX);
                if n == 0 {
                    continue;
                }
                let mut sorted = kept.to_vec();
                if sel.kind == SelectorKind::Highest {
                    sorted.sort_by_key(|&(_, v)| std::cmp::Reverse(v));
                } else {
                    sorted.sort_by_key(|&(_, v)| v);
                }
                sorted.into_iter().take(n).map(|(i, _)| i).collect()
            }
            _ => kept.iter().filter(|(_, v)| matches_value(sel, *v)).map(|(i, _)| *i).collect(),
        };
        for i in picked.into_iter().take(budget) {
            if !chosen[i] {
                chosen[i] = true;
                count += 1;
            }
        }
    }
    chosen.iter().enumerate().filter(|(_, c)| **c).map(|(i, _)| i).collect()
}

fn matches_value(sel: &Selector, v: i64) -> bool {
    match sel.kind {
        SelectorKind::Greater => v > sel.value,
        SelectorKind::Less => v < sel.value,
        SelectorKind::Equal => v == sel.value,
        SelectorKind::Highest | SelectorKind::Lowest => false,
    }
}

/// Whether a fresh roll of a `sides`-sided die is always selected again, so that `rr`
/// (with `positional`: `h`/`l` always re-pick the die) or `e` could never stop.
fn matches_every_face(selectors: &[Selector], sides: u32, positional: bool) -> bool {
    if positional
        && selectors
            .iter()
            .any(|s| matches!(s.kind, SelectorKind::Highest | SelectorKind::Lowest) && s.value > 0)
    {
        return true;
    }
    // Faces below `low` and above `high` are covered by `<` and `>`; the rest need `=`.
    let low = selectors
        .iter()
        .filter(|s| s.kind == SelectorKind::Less)
        .map(|s| s.value)
        .max()
        .unwrap_or(i64::MIN)
        .max(1);
    let high = selectors
        .iter()
        .filter(|s| s.kind == SelectorKind::Greater)
        .map(|s| s.value)
        .min()
        .unwrap_or(i64::MAX)
        .min(i64::from(sides));
    if low > high {
        return true;
    }
    let equals: Vec<i64> =
        selectors.iter().filter(|s| s.kind == SelectorKind::Equal).map(|s| s.value).collect();
    high - low < equals.len() as i64 && (low..=high).all(|f| equals.contains(&f))
}

/// Applies one operator to the value it follows.
pub(crate) fn apply<S: FaceSource + ?Sized>(
    ev: &mut Evaluator<'_, S>,
    value: &mut Value<'_>,
    op: &SetOp,
) -> Result<(), DiceError> {
    match op.kind {
        OpKind::Keep | OpKind::Drop => {
            let mut members = members(value);
            let kept = members.kept()?;
            let selected = select(&op.selectors, &kept, None);
            let mut next = selected.iter().peekable();
            for (i, _) in kept {
                let is_selected = next.next_if_eq(&&i).is_some();
                if is_selected != (op.kind == OpKind::Keep) {
                    members.drop_member(i);
                }
            }
            Ok(())
        }
        _ => {
            let Kind::Dice { term, dice } = &mut value.kind else {
                // The parser only accepts dice operators after dice terms.
                return Ok(());
            };
            let sides = term.sides.count();
            let runaway = || DiceError::Runaway { term: term.to_string(), operator: op.to_string(), sides };
            match op.kind {
                OpKind::Reroll => loop {
                    let selected = select(&op.selectors, &kept_dice(dice), None);
                    if selected.is_empty() {
                        return Ok(());
                    }
                    if matches_every_face(&op.selectors, sides, true) {
                        return Err(runaway());
                    }
                    for i in selected {
                        reroll(ev, &mut dice[i], sides)?;
                    }
                },
                OpKind::RerollOnce => {
                    for i in select(&op.selectors, &kept_dice(dice), None) {
                        reroll(ev, &mut dice[i], sides)?;
                    }
                    Ok(())
                }
                OpKind::RerollAdd => {
                    for i in select(&op.selectors, &kept_dice(dice), Some(1)) {
                        explode(ev, dice, i, sides)?;
                    }
                    Ok(())
                }
                OpKind::Explode => {
                    let mut done = vec![false; dice.len()];
                    loop {
                        let selected: Vec<usize> = select(&op.selectors, &kept_dice(dice), None)
                            .into_iter()
                            .filter(|&i| !done.get(i).copied().unwrap_or(false))
                            .collect();
                        if selected.is_empty() {
                            return Ok(());
                        }
                        if matches_every_face(&op.selectors, sides, false) {
                            return Err(runaway());
                        }
                        for &i in &selected {
                            explode(ev, dice, i, sides)?;
                        }
                        done.resize(dice.len(), false);
                        for i in selected {
                            done[i] = true;
                        }
                    }
                }
                OpKind::Minimum | OpKind::Maximum => {
                    let bound = op.selectors.last().map_or(0, |s| s.value);
                    for die in dice.iter_mut().filter(|d| d.kept) {
                        let v = die.value();
                        let beyond = if op.kind == OpKind::Minimum { v < bound } else { v > bound };
                        if beyond {
                            die.current.clamps.push(bound);
                        }
                    }
                    Ok(())
                }
                OpKind::Keep | OpKind::Drop => Ok(()),
            }
        }
    }
}

fn reroll<S: FaceSource + ?Sized>(
    ev: &mut Evaluator<'_, S>,
    die: &mut RolledDie,
    sides: u32,
) -> Result<(), DiceError> {
    let fresh = Face { rolled: ev.roll_die(sides)?, clamps: Vec::new(), exploded: false };
    let old = std::mem::replace(&mut die.current, fresh);
    die.rerolled.push(old);
    Ok(())
}

fn explode<S: FaceSource + ?Sized>(
    ev: &mut Evaluator<'_, S>,
    dice: &mut Vec<RolledDie>,
    index: usize,
    sides: u32,
) -> Result<(), DiceError> {
    dice[index].current.exploded = true;
    dice.push(RolledDie {
        current: Face { rolled: ev.roll_die(sides)?, clamps: Vec::new(), exploded: false },
        rerolled: Vec::new(),
        kept: true,
        extra: true,
    });
    Ok(())
}
