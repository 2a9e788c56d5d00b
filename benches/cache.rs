//! What the two-level cache costs and saves: a rules-answer-sized entry read from L1, from
//! Redis (L2, through an L1 too small to hold it), and a miss on both; and what counting a
//! tool call in the metrics registry costs.
//!
//! Run with `cargo bench --profile dev -p ttrpg-host --bench cache` (Redis on 127.0.0.1:6379
//! for the L2 rows; without it they are left out and say so).
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ttrpg_host::cache::{Kind, RedisL2, SharedCache, TwoLevelCache};
use ttrpg_host::telemetry::Metrics;

/// Five hits of a rules answer: about what `search_rules` returns by default.
fn answer() -> Vec<String> {
    (0..5).map(|i| format!("Passage {i}: {}", "a grappled creature's speed becomes 0. ".repeat(20))).collect()
}

fn redis_up() -> bool {
    std::process::Command::new("redis-cli")
        .args(["-p", "6379", "ping"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let value = answer();
    let mut group = c.benchmark_group("cache");

    let local = TwoLevelCache::local(64 << 20);
    runtime.block_on(local.put(Kind::RulesAnswer, "k", &value));
    group.bench_function("L1 hit (rules answer, 5 passages)", |b| {
        b.to_async(&runtime)
            .iter(|| async { local.get::<Vec<String>>(Kind::RulesAnswer, "k").await.unwrap() })
    });
    group.bench_function("miss, L1 only", |b| {
        b.to_async(&runtime).iter(|| async { local.get::<Vec<String>>(Kind::RulesAnswer, "absent").await })
    });

    if redis_up() {
        let prefix = format!("ttrpg-bench-{}", std::process::id());
        let l2: Arc<dyn SharedCache> = Arc::new(RedisL2::new("redis://127.0.0.1:6379").unwrap());
        let writer = TwoLevelCache::new(64 << 20, Some(l2.clone()), &prefix);
        runtime.block_on(writer.put(Kind::RulesAnswer, "k", &value));
        // An L1 of 1 byte keeps nothing: every read goes to Redis.
        let through = TwoLevelCache::new(1, Some(l2), &prefix);
        group.bench_function("L2 hit (Redis on loopback)", |b| {
            b.to_async(&runtime)
                .iter(|| async { through.get::<Vec<String>>(Kind::RulesAnswer, "k").await.unwrap() })
        });
        group.bench_function("miss on L1 and L2", |b| {
            b.to_async(&runtime)
                .iter(|| async { through.get::<Vec<String>>(Kind::RulesAnswer, "absent").await })
        });
        let _ = std::process::Command::new("redis-cli")
            .args(["-p", "6379", "del", &format!("{prefix}:rules_answer:k")])
            .output();
    } else {
        println!("L2 rows left out: no Redis on 127.0.0.1:6379");
    }
    group.finish();

    let metrics = Metrics::new();
    c.bench_function("metrics: count one tool call (counter + histogram)", |b| {
        b.iter(|| metrics.tool_call("roll_dice", "ok", 0.000_5))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
