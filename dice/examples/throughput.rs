//! Measures parse + roll throughput and prints one JSON object per expression:
//! `{"expr": "...", "rolls": N, "seconds": S, "rolls_per_sec": R}`.
//!
//! Used by `benches/dice/run.sh` to compare with avrae's d20 in the same run:
//! `cargo run --release -p ttrpg-dice --example throughput -- [seconds] [expr...]`.

use std::time::{Duration, Instant};

use ttrpg_dice::{DiceLimits, roll, seeded_rng};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let mut exprs: Vec<String> = args.collect();
    if exprs.is_empty() {
        exprs = ["1d20+5", "4d6kh3", "4*(3d8kh2+9[fire]+(9d2e2+3[cold])/2)"].map(String::from).to_vec();
    }
    let limits = DiceLimits::default();
    let budget = Duration::from_secs_f64(seconds);
    for expr in exprs {
        let mut rng = seeded_rng(1);
        let mut checksum = 0i64;
        let mut rolls = 0u64;
        let start = Instant::now();
        while start.elapsed() < budget {
            for _ in 0..1000 {
                match roll(&expr, &mut rng, &limits) {
                    Ok(r) => checksum = checksum.wrapping_add(r.total),
                    Err(e) => {
                        eprintln!("{expr}: {e}");
                        std::process::exit(1);
                    }
                }
            }
            rolls += 1000;
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "{{\"expr\": {}, \"rolls\": {rolls}, \"seconds\": {elapsed:.3}, \"rolls_per_sec\": {:.0}, \"checksum\": {checksum}}}",
            serde_json::Value::String(expr.clone()),
            rolls as f64 / elapsed
        );
    }
}
