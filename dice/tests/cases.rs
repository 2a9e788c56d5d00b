//! Data-driven cases: `tests/cases/*.txt`.
//!
//! Each case is a block of lines separated by a blank line. Input lines are `# comment`,
//! `expr: <expression>`, `seed: <u64>` (default 1) and `faces: 6, 6, 2` (scripted faces,
//! repeated cyclically, instead of the seeded RNG). Every other line is expected output,
//! regenerated from the engine: `total`, `rendered`, `crit`, `annotations`, `dice`,
//! `dice_rolled`, or `error`. Run with `UPDATE_EXPECT=1` to rewrite the files after an
//! intended change, then review the diff.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::fmt::Write;
use std::path::Path;

use ttrpg_dice::{DiceLimits, FaceSource, Roll, roll_seeded, roll_with};

struct Scripted {
    faces: Vec<u32>,
    next: usize,
}

impl FaceSource for Scripted {
    fn face(&mut self, sides: u32) -> u32 {
        let f = self.faces[self.next % self.faces.len()];
        self.next += 1;
        f.min(sides)
    }
}

fn describe(result: Result<Roll, ttrpg_dice::DiceError>) -> String {
    let roll = match result {
        Ok(roll) => roll,
        Err(e) => return format!("error: {e}\n"),
    };
    let mut out = String::new();
    let _ = writeln!(out, "total: {}", roll.total);
    let _ = writeln!(out, "rendered: {}", roll.rendered);
    let _ = writeln!(out, "normalized: {}", roll.expression);
    let _ =
        writeln!(out, "crit: {}", serde_json::to_string(&roll.crit).unwrap_or_default().trim_matches('"'));
    if !roll.annotations.is_empty() {
        let _ = writeln!(out, "annotations: {}", roll.annotations.join(", "));
    }
    for g in &roll.dice {
        let dice: Vec<String> = g
            .dice
            .iter()
            .map(|d| {
                let mut s = String::new();
                if !d.history.is_empty() {
                    let h: Vec<String> = d.history.iter().map(|v| v.to_string()).collect();
                    s.push_str(&h.join(">"));
                    s.push('>');
                }
                let _ = write!(s, "{}", d.value);
                for (flag, mark) in
                    [(d.dropped, "d"), (d.rerolled, "r"), (d.exploded, "!"), (d.clamped, "c"), (d.extra, "+")]
                {
                    if flag {
                        s.push_str(mark);
                    }
                }
                s
            })
            .collect();
        let _ = writeln!(
            out,
            "dice: {} d{} [{}] subtotal={}{}{}",
            g.notation,
            g.sides,
            dice.join(" "),
            g.subtotal,
            if g.counted { "" } else { " not-counted" },
            g.annotation.as_ref().map(|a| format!(" [{a}]")).unwrap_or_default()
        );
    }
    let _ = writeln!(out, "dice_rolled: {}", roll.dice_rolled);
    out
}

fn run_block(block: &str, limits: &DiceLimits) -> String {
    let mut inputs = String::new();
    let mut expr = None;
    let mut seed = 1u64;
    let mut faces = None;
    for line in block.lines() {
        if let Some(rest) = line.strip_prefix("expr:") {
            expr = Some(rest.strip_prefix(' ').unwrap_or(rest).to_string());
        } else if let Some(rest) = line.strip_prefix("seed:") {
            seed = rest.trim().parse().expect("seed must be a u64");
        } else if let Some(rest) = line.strip_prefix("faces:") {
            faces = Some(
                rest.split(',')
                    .map(|f| f.trim().parse::<u32>().expect("faces are numbers"))
                    .collect::<Vec<_>>(),
            );
        } else if !line.starts_with('#') {
            continue;
        }
        inputs.push_str(line);
        inputs.push('\n');
    }
    let Some(expr) = expr else {
        return inputs;
    };
    let result = match faces {
        Some(faces) => roll_with(&expr, &mut Scripted { faces, next: 0 }, limits),
        None => roll_seeded(&expr, seed, limits),
    };
    inputs + &describe(result)
}

#[test]
fn data_driven_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let limits = DiceLimits::default();
    let mut failures = Vec::new();
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let blocks: Vec<String> = text
            .split("\n\n")
            .filter(|b| !b.trim().is_empty())
            .map(|b| {
                count += 1;
                run_block(b.trim_matches('\n'), &limits)
            })
            .collect();
        let actual = blocks.join("\n");
        if actual == text {
            continue;
        }
        if update {
            std::fs::write(&path, &actual).expect("writable case file");
            continue;
        }
        for (want, got) in text.split("\n\n").zip(actual.split("\n\n")) {
            if want.trim_matches('\n') != got.trim_matches('\n') {
                failures.push(format!("{}:\n--- expected\n{want}\n--- actual\n{got}", path.display()));
            }
        }
        if failures.is_empty() {
            failures.push(format!("{}: block count differs", path.display()));
        }
    }
    assert!(count > 50, "only {count} cases found");
    assert!(
        failures.is_empty(),
        "{} case(s) differ (rerun with UPDATE_EXPECT=1 if the change is intended):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
