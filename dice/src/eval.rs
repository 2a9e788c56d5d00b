//! Evaluation: turns a syntax tree into a tree of rolled values.
//!
//! The value tree mirrors the syntax tree. Set operators only ever touch the direct
//! members of the node they follow, and they run right after that node is evaluated, so
//! the cached numbers of unary and binary nodes never go stale.

use crate::ast::{BinaryOp, DiceTerm, Node, OpKind, SetOp, UnaryOp};
use crate::ops;
use crate::source::FaceSource;
use crate::{DiceError, DiceLimits};

/// A rolled node.
#[derive(Debug)]
pub(crate) struct Value<'a> {
    pub kind: Kind<'a>,
    /// False once a keep/drop operator removed this value from its set.
    pub kept: bool,
    pub annotation: Option<&'a [String]>,
}

#[derive(Debug)]
pub(crate) enum Kind<'a> {
    Literal(i64),
    Unary { op: UnaryOp, inner: Box<Value<'a>>, number: i64 },
    Binary { op: BinaryOp, left: Box<Value<'a>>, right: Box<Value<'a>>, number: i64 },
    Paren { inner: Box<Value<'a>>, ops: &'a [SetOp] },
    Set { items: Vec<Value<'a>>, ops: &'a [SetOp] },
    Dice { term: &'a DiceTerm, dice: Vec<RolledDie> },
}

/// One die: its current face plus the faces a reroll replaced.
#[derive(Debug, Clone)]
pub(crate) struct RolledDie {
    pub current: Face,
    pub rerolled: Vec<Face>,
    pub kept: bool,
    /// Added by an explosion (`e`) or `ra`.
    pub extra: bool,
}

/// One face shown by a die.
#[derive(Debug, Clone)]
pub(crate) struct Face {
    pub rolled: i64,
    /// Values forced by `mi`/`ma`, in order; the last one is the current value.
    pub clamps: Vec<i64>,
    pub exploded: bool,
}

impl Face {
    pub fn value(&self) -> i64 {
        self.clamps.last().copied().unwrap_or(self.rolled)
    }
}

impl RolledDie {
    pub fn value(&self) -> i64 {
        self.current.value()
    }
}

impl Value<'_> {
    /// The value as it counts toward its parent: 0 when dropped.
    pub fn total(&self) -> Result<i64, DiceError> {
        if self.kept { self.number() } else { Ok(0) }
    }

    /// The value regardless of whether it was dropped.
    pub fn number(&self) -> Result<i64, DiceError> {
        match &self.kind {
            Kind::Literal(v) => Ok(*v),
            Kind::Unary { number, .. } | Kind::Binary { number, .. } => Ok(*number),
            Kind::Paren { inner, .. } => inner.total(),
            Kind::Set { items, .. } => items.iter().try_fold(0i64, |sum, item| {
                sum.checked_add(item.total()?).ok_or_else(|| overflow_in("a set"))
            }),
            Kind::Dice { term, dice } => dice
                .iter()
                .filter(|d| d.kept)
                .try_fold(0i64, |sum, d| sum.checked_add(d.value()))
                .ok_or_else(|| overflow_in(&term.to_string())),
        }
    }
}

fn overflow_in(what: &str) -> DiceError {
    DiceError::Overflow { expression: what.to_string() }
}

/// Rolls one expression tree, counting dice against the limits.
pub(crate) struct Evaluator<'s, S: FaceSource + ?Sized> {
    pub source: &'s mut S,
    pub limits: &'s DiceLimits,
    pub rolled: u32,
}

impl<S: FaceSource + ?Sized> Evaluator<'_, S> {
    /// Rolls one die of `sides` faces, counting it toward the limit.
    pub fn roll_die(&mut self, sides: u32) -> Result<i64, DiceError> {
        self.reserve(1)?;
        let face = self.source.face(sides).clamp(1, sides.max(1));
        Ok(i64::from(face))
    }

    /// Counts `n` dice about to be rolled; fails before rolling any of them if the total
    /// would cross the limit.
    pub fn reserve(&mut self, n: u32) -> Result<(), DiceError> {
        match self.rolled.checked_add(n) {
            Some(total) if total <= self.limits.max_dice => {
                self.rolled = total;
                Ok(())
            }
            _ => Err(DiceError::TooManyDice {
                what: format!("more than {} dice rolled", self.limits.max_dice),
                max: self.limits.max_dice,
            }),
        }
    }

    pub fn eval<'a>(&mut self, node: &'a Node) -> Result<Value<'a>, DiceError> {
        let kind = match node {
            Node::Literal(v) => Kind::Literal(*v),
            Node::Dice(term) => {
                let sides = term.sides.count();
                self.reserve(term.count)?;
                self.rolled -= term.count;
                let mut dice = Vec::with_capacity(term.count as usize);
                for _ in 0..term.count {
                    dice.push(RolledDie {
                        current: Face { rolled: self.roll_die(sides)?, clamps: Vec::new(), exploded: false },
                        rerolled: Vec::new(),
                        kept: true,
                        extra: false,
                    });
                }
                let mut value = plain(Kind::Dice { term, dice });
                for op in &term.ops {
                    ops::apply(self, &mut value, op)?;
                }
                return Ok(value);
            }
            Node::Set { items, ops } => {
                let items = items.iter().map(|item| self.eval(item)).collect::<Result<Vec<_>, _>>()?;
                return self.operated(Kind::Set { items, ops }, ops);
            }
            Node::Paren { inner, ops } => {
                let inner = Box::new(self.eval(inner)?);
                return self.operated(Kind::Paren { inner, ops }, ops);
            }
            Node::Unary { op, operand } => {
                let inner = Box::new(self.eval(operand)?);
                let v = inner.total()?;
                let number = match op {
                    UnaryOp::Neg => v.checked_neg().ok_or_else(|| overflow_in(&node.to_string()))?,
                    UnaryOp::Plus => v,
                };
                Kind::Unary { op: *op, inner, number }
            }
            Node::Binary { op, left, right } => {
                let left = Box::new(self.eval(left)?);
                let right = Box::new(self.eval(right)?);
                let number = arithmetic(*op, left.total()?, right.total()?, node)?;
                Kind::Binary { op: *op, left, right, number }
            }
            Node::Annotated { inner, annotations } => {
                let mut value = self.eval(inner)?;
                value.annotation = Some(annotations);
                return Ok(value);
            }
        };
        Ok(plain(kind))
    }

    fn operated<'a>(&mut self, kind: Kind<'a>, ops: &'a [SetOp]) -> Result<Value<'a>, DiceError> {
        let mut value = plain(kind);
        for op in ops {
            debug_assert!(matches!(op.kind, OpKind::Keep | OpKind::Drop));
            ops::apply(self, &mut value, op)?;
        }
        Ok(value)
    }
}

fn plain(kind: Kind<'_>) -> Value<'_> {
    Value { kind, kept: true, annotation: None }
}

/// Applies a binary operator with d20's semantics on 64-bit integers.
fn arithmetic(op: BinaryOp, a: i64, b: i64, node: &Node) -> Result<i64, DiceError> {
    if matches!(op, BinaryOp::Div | BinaryOp::FloorDiv | BinaryOp::Mod) && b == 0 {
        return Err(DiceError::DivisionByZero { expression: node.to_string() });
    }
    let result = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Div => a.checked_div(b),
        BinaryOp::FloorDiv => {
            a.checked_div(b).map(|q| if a % b != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q })
        }
        BinaryOp::Mod => {
            if b == -1 {
                Some(0)
            } else {
                let r = a % b;
                Some(if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r })
            }
        }
        BinaryOp::Eq => Some(i64::from(a == b)),
        BinaryOp::Ne => Some(i64::from(a != b)),
        BinaryOp::Lt => Some(i64::from(a < b)),
        BinaryOp::Gt => Some(i64::from(a > b)),
        BinaryOp::Le => Some(i64::from(a <= b)),
        BinaryOp::Ge => Some(i64::from(a >= b)),
    };
    result.ok_or_else(|| overflow_in(&node.to_string()))
}
