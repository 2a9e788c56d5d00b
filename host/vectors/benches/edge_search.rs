//! Hybrid search latency on the embedded backend with 5000 points.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

#[allow(dead_code)]
#[path = "../tests/common/corpus.rs"]
mod corpus;

use criterion::{Criterion, criterion_group, criterion_main};
use ttrpg_vectors::{Condition, EdgeIndex, Filter, HybridQuery, VectorIndex};

const POINTS: usize = 5000;

fn bench_search(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(dir.path()).unwrap();
    runtime.block_on(async {
        index.ensure_collection(&corpus::spec("bench")).await.unwrap();
        index.upsert("bench", corpus::points(POINTS)).await.unwrap();
        index.flush().await.unwrap();
    });
    let query = corpus::query(corpus::SENTENCES[6], Filter::all());
    let filtered = corpus::query(
        corpus::SENTENCES[6],
        Filter::must([Condition::Keyword { key: "book".into(), any_of: vec!["MM".into()] }]),
    );
    let explained = HybridQuery { explain: true, ..query.clone() };

    let mut group = c.benchmark_group("edge_search_5000");
    group.bench_function("hybrid_rrf", |b| b.to_async(&runtime).iter(|| index.search("bench", &query)));
    group.bench_function("hybrid_rrf_filtered_book", |b| {
        b.to_async(&runtime).iter(|| index.search("bench", &filtered))
    });
    group.bench_function("hybrid_explain", |b| {
        b.to_async(&runtime).iter(|| index.search("bench", &explained))
    });
    runtime.block_on(async { index.optimize("bench").await.unwrap() });
    group.bench_function("hybrid_rrf_after_optimize", |b| {
        b.to_async(&runtime).iter(|| index.search("bench", &query))
    });
    group.finish();

    // Write path: what a durable batch costs (edge only persists on flush).
    let mut writes = c.benchmark_group("edge_write_5000");
    let batch: Vec<_> = corpus::points(POINTS).into_iter().take(25).collect();
    writes
        .bench_function("upsert_25", |b| b.to_async(&runtime).iter(|| index.upsert("bench", batch.clone())));
    writes.bench_function("upsert_25_then_flush", |b| {
        b.to_async(&runtime).iter(|| async {
            index.upsert("bench", batch.clone()).await.unwrap();
            index.flush().await.unwrap();
        })
    });
    writes.finish();
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
