//! The syntax tree of a dice expression, as produced by [`crate::parse`].
//!
//! The tree is plain data: nothing here rolls dice. Its [`std::fmt::Display`] is the
//! normalized form of the expression (`1d20+5` and `d20 + 5` both print `1d20 + 5`),
//! which is what [`crate::Roll::expression`] holds.

use std::fmt;

/// A parsed dice expression, ready to be rolled any number of times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    /// The root of the tree.
    pub root: Node,
}

/// One node of the syntax tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An integer, e.g. `5`.
    Literal(i64),
    /// A dice term with its operators, e.g. `4d6kh3`.
    Dice(DiceTerm),
    /// A set, e.g. `(1d4, 2, 3d6kl1)kh1`; `(x,)` is a set of one, `()` the empty set.
    Set {
        /// The members, in order.
        items: Vec<Node>,
        /// Keep/drop operators applied to the members.
        ops: Vec<SetOp>,
    },
    /// A parenthesised expression, e.g. `(1d4+1)`; operators, if any, apply to its set
    /// (`(4d6)kh3` keeps dice, `(1+2)k1` keeps the whole value).
    Paren {
        /// The inner expression.
        inner: Box<Node>,
        /// Keep/drop operators.
        ops: Vec<SetOp>,
    },
    /// `-x` or `+x`.
    Unary {
        /// The sign.
        op: UnaryOp,
        /// The operand.
        operand: Box<Node>,
    },
    /// `a op b`, arithmetic or comparison.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Node>,
        /// Right operand.
        right: Box<Node>,
    },
    /// A term followed by annotations, e.g. `2d6[fire]`.
    Annotated {
        /// The annotated term.
        inner: Box<Node>,
        /// The annotation texts, without brackets, in order.
        annotations: Vec<String>,
    },
}

/// `NdM` plus its operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiceTerm {
    /// How many dice (`N`, 1 when omitted).
    pub count: u32,
    /// Sides of each die.
    pub sides: Sides,
    /// Operators in order; consecutive uses of the same operator are merged
    /// (`kh1kl1` keeps the union of both selections), as in d20.
    pub ops: Vec<SetOp>,
}

/// The sides of a die.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// `dM`.
    Number(u32),
    /// `d%`, a d100 (faces 1 to 100).
    Percent,
}

impl Sides {
    /// The number of faces (`d%` has 100).
    pub fn count(self) -> u32 {
        match self {
            Sides::Number(n) => n,
            Sides::Percent => 100,
        }
    }
}

/// An operator on a set or on dice, with one or more selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOp {
    /// Which operator.
    pub kind: OpKind,
    /// What it applies to; several selectors select the union.
    pub selectors: Vec<Selector>,
}

/// The dice and set operators (d20 spelling in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `k`: keep the selected values, drop the rest.
    Keep,
    /// `p`: drop the selected values.
    Drop,
    /// `rr`: reroll selected dice until none match (dice only).
    Reroll,
    /// `ro`: reroll selected dice once (dice only).
    RerollOnce,
    /// `ra`: reroll one selected die and add the new die (dice only).
    RerollAdd,
    /// `e`: every selected die adds another die, recursively (dice only).
    Explode,
    /// `mi`: raise kept dice below N to N (dice only, plain number selector).
    Minimum,
    /// `ma`: lower kept dice above N to N (dice only, plain number selector).
    Maximum,
}

impl OpKind {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            OpKind::Keep => "k",
            OpKind::Drop => "p",
            OpKind::Reroll => "rr",
            OpKind::RerollOnce => "ro",
            OpKind::RerollAdd => "ra",
            OpKind::Explode => "e",
            OpKind::Minimum => "mi",
            OpKind::Maximum => "ma",
        }
    }

    /// Whether the operator only makes sense on dice (everything but `k` and `p`).
    pub fn dice_only(self) -> bool {
        !matches!(self, OpKind::Keep | OpKind::Drop)
    }
}

/// Which values an operator applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selector {
    /// The kind of selection.
    pub kind: SelectorKind,
    /// Its number: a count for `h`/`l`, a value otherwise.
    pub value: i64,
}

/// Selector kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorKind {
    /// `hN`: the N highest.
    Highest,
    /// `lN`: the N lowest.
    Lowest,
    /// `>N`: values greater than N.
    Greater,
    /// `<N`: values less than N.
    Less,
    /// `N`: values equal to N.
    Equal,
}

/// Unary signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`.
    Neg,
    /// `+`.
    Plus,
}

/// Binary operators, from loosest to tightest: comparisons, `+ -`, `* / // %`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`: integer division rounding toward zero.
    Div,
    /// `//`: floor division.
    FloorDiv,
    /// `%`: remainder with the sign of the divisor (Python's `%`).
    Mod,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::Le => "<=",
            BinaryOp::Ge => ">=",
        }
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Literal(v) => write!(f, "{v}"),
            Node::Dice(term) => term.fmt(f),
            Node::Set { items, ops } => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")?;
                write_ops(f, ops)
            }
            Node::Paren { inner, ops } => {
                write!(f, "({inner})")?;
                write_ops(f, ops)
            }
            Node::Unary { op, operand } => write!(f, "{op}{operand}"),
            Node::Binary { op, left, right } => write!(f, "{left} {} {right}", op.symbol()),
            Node::Annotated { inner, annotations } => {
                write!(f, "{inner} ")?;
                for a in annotations {
                    write!(f, "[{a}]")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for DiceTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d{}", self.count, self.sides)?;
        write_ops(f, &self.ops)
    }
}

impl fmt::Display for Sides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sides::Number(n) => write!(f, "{n}"),
            Sides::Percent => f.write_str("%"),
        }
    }
}

impl fmt::Display for UnaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
        })
    }
}

impl fmt::Display for SetOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for sel in &self.selectors {
            write!(f, "{}{sel}", self.kind.symbol())?;
        }
        Ok(())
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            SelectorKind::Highest => "h",
            SelectorKind::Lowest => "l",
            SelectorKind::Greater => ">",
            SelectorKind::Less => "<",
            SelectorKind::Equal => "",
        };
        write!(f, "{prefix}{}", self.value)
    }
}

fn write_ops(f: &mut fmt::Formatter<'_>, ops: &[SetOp]) -> fmt::Result {
    for op in ops {
        write!(f, "{op}")?;
    }
    Ok(())
}
