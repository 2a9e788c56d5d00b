//! What the two-level cache costs and saves, one row per kind of entry it keeps:
//! - a rules-answer-sized entry read from L1, from Redis (L2: the reader's L1 is emptied
//!   before every read, outside the timing), and a miss on both;
//! - a campaign read (`get_campaign`, what every tool call's access check does) from SQLite,
//!   and the same read through the cache;
//! - a record search of the SRD's monsters (`host.search`, what a plugin's look-up does)
//!   scored afresh, and the same search answered from the cache;
//! - and what counting a tool call in the metrics registry costs.
//!
//! Run with `cargo bench --profile dev -p ttrpg-host --bench cache` (Redis on 127.0.0.1:6379
//! for the L2 rows, the SRD export in ../shared/data/srd51 for the record rows; without
//! them those rows are left out and say so).
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ttrpg_host::cache::{Kind, RedisL2, Scope, SharedCache, TwoLevelCache};
use ttrpg_host::storage::{self, MigrateOnOpen, NewCampaign, Storage};
use ttrpg_host::telemetry::Metrics;

#[path = "../tests/support/redis.rs"]
mod redis_support;

/// Five hits of a rules answer: about what `search_rules` returns by default.
fn answer() -> Vec<String> {
    (0..5).map(|i| format!("Passage {i}: {}", "a grappled creature's speed becomes 0. ".repeat(20))).collect()
}

/// A D&D 5e campaign to read.
fn bench_campaign() -> NewCampaign {
    NewCampaign {
        name: "Bench".into(),
        system: "dnd5e".into(),
        gm_user_id: None,
        settings: serde_json::json!({}),
    }
}

fn rules_answers(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let value = answer();
    let mut group = c.benchmark_group("cache");
    let local = TwoLevelCache::local(64 << 20);
    let stamp = runtime.block_on(local.stamp("library"));
    runtime.block_on(local.put(Kind::RulesAnswer, Scope::Tagged(&stamp), "k", &value));
    group.bench_function("L1 hit (rules answer, 5 passages)", |b| {
        b.to_async(runtime).iter(|| async {
            local.get::<Vec<String>>(Kind::RulesAnswer, Scope::Tagged(&stamp), "k").await.unwrap()
        })
    });
    group.bench_function("miss, L1 only", |b| {
        b.to_async(runtime).iter(|| async {
            local.get::<Vec<String>>(Kind::RulesAnswer, Scope::Tagged(&stamp), "absent").await
        })
    });

    if redis_support::up() {
        let prefix = format!("ttrpg-bench-{}", std::process::id());
        let l2: Arc<dyn SharedCache> = Arc::new(RedisL2::new("redis://127.0.0.1:6379").unwrap());
        let writer = TwoLevelCache::new(64 << 20, Some(l2.clone()), &prefix);
        let stamp = runtime.block_on(writer.stamp("library"));
        runtime.block_on(writer.put(Kind::RulesAnswer, Scope::Tagged(&stamp), "k", &value));
        let reader = TwoLevelCache::new(64 << 20, Some(l2), &prefix);
        group.bench_function("L2 hit (Redis on loopback, L1 emptied first)", |b| {
            b.to_async(runtime).iter_batched(
                || reader.forget_local(),
                |()| async {
                    reader.get::<Vec<String>>(Kind::RulesAnswer, Scope::Tagged(&stamp), "k").await.unwrap()
                },
                BatchSize::PerIteration,
            )
        });
        assert!(reader.stats().of_kind(Kind::RulesAnswer).l2_hits > 0, "the L2 row read Redis");
        group.bench_function("miss on L1 and L2", |b| {
            b.to_async(runtime).iter(|| async {
                reader.get::<Vec<String>>(Kind::RulesAnswer, Scope::Tagged(&stamp), "absent").await
            })
        });
        redis_support::delete_prefix(&prefix);
    } else {
        println!("L2 rows left out: no Redis on 127.0.0.1:6379");
    }
    group.finish();
}

fn campaign_reads(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let plain = runtime.block_on(storage::open(&url, MigrateOnOpen::Apply)).unwrap();
    let cache = Arc::new(TwoLevelCache::local(64 << 20));
    let cached = runtime.block_on(storage::open_cached(&url, MigrateOnOpen::Skip, Some(cache))).unwrap();
    let campaign = runtime.block_on(plain.create_campaign(bench_campaign())).unwrap();
    let id = campaign.id;
    let mut group = c.benchmark_group("campaign read");
    group.bench_function("get_campaign, SQLite", |b| {
        b.to_async(runtime).iter(|| async { plain.get_campaign(&id).await.unwrap() })
    });
    group.bench_function("get_campaign, through the L1 cache", |b| {
        b.to_async(runtime).iter(|| async { cached.get_campaign(&id).await.unwrap() })
    });
    group.finish();
}

fn record_searches(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let srd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/srd51");
    if !srd.join("open5e-Creature.json").exists() {
        println!("record rows left out: no SRD export at {}", srd.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store: Arc<dyn Storage> = runtime.block_on(storage::open(&url, MigrateOnOpen::Apply)).unwrap();
    runtime.block_on(ttrpg_host::records::import_open5e(store.as_ref(), &srd, "dnd5e")).unwrap();
    let campaign = runtime.block_on(store.create_campaign(bench_campaign())).unwrap();
    let filter = serde_json::json!({});
    let budget = Duration::from_secs(5);
    let cold = TwoLevelCache::local(64 << 20);
    let warm = TwoLevelCache::local(64 << 20);
    let search = |cache: &'static TwoLevelCache| {
        let (store, id, filter) = (store.clone(), campaign.id.clone(), filter.clone());
        async move {
            let reader =
                ttrpg_host::storage::RecordReader { campaign_id: id, campaign_gm: true, operator: false };
            ttrpg_host::records::search_for_plugin(
                store.as_ref(),
                cache,
                &reader,
                "monsters",
                "adult red dragon",
                &filter,
                5,
                budget,
            )
            .await
            .unwrap()
        }
    };
    let cold: &'static TwoLevelCache = Box::leak(Box::new(cold));
    let warm: &'static TwoLevelCache = Box::leak(Box::new(warm));
    let mut group = c.benchmark_group("record search");
    group.sample_size(20);
    group.bench_function("monsters \"adult red dragon\", scored afresh", |b| {
        b.to_async(runtime).iter_batched(|| cold.forget_local(), |()| search(cold), BatchSize::PerIteration)
    });
    runtime.block_on(search(warm));
    group.bench_function("monsters \"adult red dragon\", from the L1 cache", |b| {
        b.to_async(runtime).iter(|| search(warm))
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rules_answers(c, &runtime);
    campaign_reads(c, &runtime);
    record_searches(c, &runtime);
    let metrics = Metrics::new();
    c.bench_function("metrics: count one tool call (counter + histogram + timeline)", |b| {
        b.iter(|| metrics.tool_call("roll_dice", "ok", 0.000_5))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
