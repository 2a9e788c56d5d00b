//! Rolls per second for three typical expressions, parse + roll each time as a user call
//! would. `cargo bench -p ttrpg-dice --bench roll`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ttrpg_dice::{DiceLimits, roll, seeded_rng};

/// The expressions compared with avrae's d20 in `benches/dice/`.
const EXPRESSIONS: [&str; 3] = ["1d20+5", "4d6kh3", "4*(3d8kh2+9[fire]+(9d2e2+3[cold])/2)"];

fn rolls(c: &mut Criterion) {
    let limits = DiceLimits::default();
    let mut group = c.benchmark_group("parse_and_roll");
    group.throughput(Throughput::Elements(1));
    for expr in EXPRESSIONS {
        let mut rng = seeded_rng(1);
        group.bench_function(expr, |b| b.iter(|| roll(black_box(expr), &mut rng, &limits).map(|r| r.total)));
    }
    group.finish();
}

criterion_group!(benches, rolls);
criterion_main!(benches);
