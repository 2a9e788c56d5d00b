//! The expressions compared with avrae's d20, and the bounds d20 gives them.
//!
//! Left out, as in dice/tests/d20_differential.rs, are the engine's documented divergences
//! from d20: `/` inside a larger expression, `d%`, decimals, `0d0`, uppercase `D`,
//! surrounding whitespace and the sides limit. The 5e shorthands (`adv`, `dis`, `crit`) are
//! additions d20 refuses, so they are checked on their own.

use std::process::Command;

/// Expressions whose accepted/refused verdict must match d20's.
const FIXED: &[&str] = &[
    "1d20",
    "d20",
    "1d20+5",
    "2d20kh1",
    "2d20kl1",
    "4d6kh3",
    "4d6k>3",
    "4d6k<3",
    "4d6k3",
    "4d6p1",
    "8d6p>4",
    "1d20ro1",
    "10d6rr<3",
    "3d6rr1rr2",
    "3d6e6",
    "3d6e>4",
    "3d6ra6",
    "4d6mi2",
    "1d20ma19",
    "4d6mi3ma4",
    "(1d4, 2+2, 3d6kl1)kh1",
    "(1, 2, 3)kh1",
    "(1,)",
    "()",
    "(4d6)kh3",
    "((1, 2))k1",
    "(1d20, 1d20)kh1 + 5",
    "10d10>7",
    "1d20+5 >= 15",
    "1<2<3",
    "3!=3",
    "-7/2",
    "7//2",
    "-7//2",
    "7%3",
    "-7%2",
    "2*-3",
    "--4",
    "+5",
    "10-2-3",
    "1 + 2 * 3 - 4 // 2",
    "2d6[fire] + 1d8[cold]",
    "1d8 + 5 [slashing]",
    "(1d6+2)[fire]",
    "4[a][b]",
    "-1d4[necrotic]",
    "1d6rr<7",
    "1d1e1",
    "10d6e<7",
    "1001d6",
    "600d6+600d6",
    "1d0",
    "1/0",
    "5//0",
    "0d6",
    "1000d2",
    "3d1",
    "10d6kh0",
    "",
    "1d20 +",
    "1d20 * (",
    "(1d20",
    "1d20)",
    "4d6kh",
    "4d6k",
    "1d",
    "d",
    "4 d6",
    "4d6 kh3",
    "1d20x",
    "(1,2)e6",
    "(1,2)rr1",
    "[fire]",
    "1d6[fire",
    "abc",
    ",1",
    "(1,,2)",
    "1 2",
    "1d6mih3",
    "1d6ma>3",
    "advantage",
    "critical 1d6",
    "adv2",
    "d20adv",
];

/// Operators after which a larger face never lowers the total (so the all-1 and all-max
/// rolls bound every roll).
const MONOTONE_OPS: &[&str] =
    &["", "kh1", "kl1", "k>2", "p1", "pl1", "ph1", "ro1", "ro<3", "mi2", "ma3", "kh2", "mi3kl1"];

/// Templates that keep that property.
const MONOTONE_TEMPLATES: &[&str] = &["{}", "{} + 3", "2 * {}", "({}, 5)kh1", "{}[fire] + 1", "({}, 1d4)kh1"];

/// An expression and whether its d20 bounds hold for every roll.
pub fn expressions() -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = FIXED.iter().map(|e| (e.to_string(), false)).collect();
    let mut i = 0;
    for count in [1, 2, 3, 4] {
        for sides in [1, 2, 4, 6, 20] {
            for op in MONOTONE_OPS {
                let template = MONOTONE_TEMPLATES[i % MONOTONE_TEMPLATES.len()];
                i += 1;
                out.push((template.replace("{}", &format!("{count}d{sides}{op}")), true));
            }
        }
    }
    out
}

/// d20's answer for each expression (see dice/tests/d20_oracle.py), or `None` when d20 is
/// not installed.
pub fn oracle(expressions: &[String]) -> Option<Vec<serde_json::Value>> {
    let available =
        Command::new("python3").args(["-c", "import d20"]).output().is_ok_and(|o| o.status.success());
    if !available {
        eprintln!(
            "\n*** SKIPPED the dnd5e d20 differential test: `python3 -c \"import d20\"` failed. \
             Install it with `pip install d20` to run it. ***\n"
        );
        return None;
    }
    let input = std::env::temp_dir().join(format!("ttrpg-dnd5e-d20-{}.json", std::process::id()));
    std::fs::write(&input, serde_json::to_string(expressions).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../dice/tests/d20_oracle.py");
    let output = Command::new("python3").arg(script).arg(&input).output().expect("python3 runs");
    let _ = std::fs::remove_file(&input);
    assert!(output.status.success(), "oracle failed: {}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).expect("oracle json"))
}

/// The lowest and highest totals d20 gives with every die at 1 and at its maximum, when it
/// rolls both.
pub fn bounds(answer: &serde_json::Value) -> Option<(i64, i64)> {
    let low = answer["faces"]["1"]["total"].as_i64()?;
    let high = answer["faces"]["max"]["total"].as_i64()?;
    Some((low.min(high), low.max(high)))
}
