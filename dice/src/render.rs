//! The one-line human rendering of a roll, in the style of d20's Markdown stringifier:
//!
//! - `~~x~~`: dropped by `k`/`p`, or a face replaced by a reroll;
//! - `**x**`: a die showing 1 or its maximum face;
//! - `x!`: a face that exploded (added another die with `e` or `ra`);
//! - `a -> b`: a face forced from `a` to `b` by `mi`/`ma`;
//! - annotations follow their term after a space; the line ends with ` = total`.
//!
//! Example: `4d6kh3 (5, **6**, 5, ~~5~~) = 16`.

use std::fmt::Write;

use crate::eval::{Face, Kind, RolledDie, Value};

/// Renders `value` followed by ` = total`.
pub(crate) fn render_roll(value: &Value<'_>, total: i64) -> String {
    let mut out = String::with_capacity(64);
    render(value, false, &mut out);
    let _ = write!(out, " = {total}");
    out
}

fn render(value: &Value<'_>, in_dropped: bool, out: &mut String) {
    if !value.kept && !in_dropped {
        out.push_str("~~");
        render_inner(value, true, out);
        out.push_str("~~");
    } else {
        render_inner(value, in_dropped, out);
    }
}

fn render_inner(value: &Value<'_>, in_dropped: bool, out: &mut String) {
    match &value.kind {
        Kind::Literal(v) => {
            let _ = write!(out, "{v}");
        }
        Kind::Unary { op, inner, .. } => {
            let _ = write!(out, "{op}");
            render(inner, in_dropped, out);
        }
        Kind::Binary { op, left, right, .. } => {
            render(left, in_dropped, out);
            let _ = write!(out, " {} ", op.symbol());
            render(right, in_dropped, out);
        }
        Kind::Paren { inner, ops } => {
            out.push('(');
            render(inner, in_dropped, out);
            out.push(')');
            for op in *ops {
                let _ = write!(out, "{op}");
            }
        }
        Kind::Set { items, ops } => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, in_dropped, out);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
            for op in *ops {
                let _ = write!(out, "{op}");
            }
        }
        Kind::Dice { term, dice } => {
            let _ = write!(out, "{term} (");
            for (i, die) in dice.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_die(die, term.sides.count(), in_dropped, out);
            }
            out.push(')');
        }
    }
    if let Some(annotations) = value.annotation {
        out.push(' ');
        for a in annotations {
            let _ = write!(out, "[{a}]");
        }
    }
}

fn render_die(die: &RolledDie, sides: u32, in_dropped: bool, out: &mut String) {
    let wrap = !die.kept && !in_dropped;
    if wrap {
        out.push_str("~~");
    }
    let inner_dropped = in_dropped || wrap;
    for (i, face) in die.rerolled.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        render_face(face, sides, !inner_dropped, out);
    }
    if !die.rerolled.is_empty() {
        out.push_str(", ");
    }
    render_face(&die.current, sides, false, out);
    if wrap {
        out.push_str("~~");
    }
}

fn render_face(face: &Face, sides: u32, strike: bool, out: &mut String) {
    let value = face.value();
    let bold = value == 1 || value == i64::from(sides);
    if bold {
        out.push_str("**");
    }
    if strike {
        out.push_str("~~");
    }
    let _ = write!(out, "{}", face.rolled);
    for clamp in &face.clamps {
        let _ = write!(out, " -> {clamp}");
    }
    if face.exploded {
        out.push('!');
    }
    if strike {
        out.push_str("~~");
    }
    if bold {
        out.push_str("**");
    }
}
