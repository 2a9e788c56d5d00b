//! Behavioural tests of the embedded Qdrant Edge backend.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::path::Path;
use std::sync::Arc;

use common::corpus::{self, SENTENCES};
use common::suite;
use ttrpg_vectors::{Condition, EdgeIndex, Filter, VectorIndex};

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let meta = e.metadata().unwrap();
                    if meta.is_dir() { dir_size(&e.path()) } else { meta.len() }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edge_behavioural_suite() {
    let dir = tempfile::tempdir().unwrap();
    let index: Arc<dyn VectorIndex> = Arc::new(EdgeIndex::open(dir.path()).unwrap());
    suite::run_all(index, "edge").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_data_survives_drop_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = EdgeIndex::open(dir.path()).unwrap();
        suite::load(&index, "rules").await;
        // Writes after the last explicit flush are persisted when the index is dropped.
        index
            .delete("rules", &Filter::must([Condition::Integer { key: "seq".into(), value: 0 }]))
            .await
            .unwrap();
    }
    let index = EdgeIndex::open(dir.path()).unwrap();
    assert_eq!(index.count("rules", &Filter::all()).await.unwrap(), suite::N as u64 - 1);
    let hits = index.search("rules", &corpus::query(SENTENCES[3], Filter::all())).await.unwrap();
    assert_eq!(hits[0].id, corpus::id(3));
    // Payload indexes survived: filtered count and idempotent ensure_collection.
    let phb = Filter::must([Condition::Keyword { key: "book".into(), any_of: vec!["PHB".into()] }]);
    assert_eq!(index.count("rules", &phb).await.unwrap(), 49);
    index.ensure_collection(&corpus::spec("rules")).await.unwrap();
    let described = index.describe();
    assert!(described.contains("rules: 199 points") && described.contains("book:Keyword"), "{described}");
    println!("describe: {described}");
    println!("wal bytes after 1 load: {}", dir_size(&dir.path().join("rules/wal")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_optimize_builds_index_and_keeps_results() {
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(dir.path()).unwrap();
    suite::load(&index, "opt").await;
    index.optimize("opt").await.unwrap();
    suite::exact_sentence_ranks_first(&index, "opt").await;
    suite::counts(&index, "opt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_wal_growth_is_measured() {
    const POINTS: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(dir.path()).unwrap();
    index.ensure_collection(&corpus::spec("walgrowth")).await.unwrap();
    let wal = dir.path().join("walgrowth/wal");
    let points = corpus::points(POINTS);
    let mut sizes = vec![dir_size(&wal)];
    for _ in 0..4 {
        index.upsert("walgrowth", points.clone()).await.unwrap();
        index.flush().await.unwrap();
        sizes.push(dir_size(&wal));
    }
    println!("wal bytes after 0..4 upserts of the same {POINTS} points: {sizes:?}");
    assert_eq!(index.count("walgrowth", &Filter::all()).await.unwrap(), POINTS as u64);
    // Dropping the collection reclaims the WAL.
    assert!(index.drop_collection("walgrowth").await.unwrap());
    assert!(!dir.path().join("walgrowth").exists());
}

/// `maintain` truncates the WAL that every flushed upsert grew, keeps every point, and
/// later writes (new points and overwrites of old ones) survive a reopen: the operation
/// numbering carries on from the WAL file kept, so no write is skipped as already applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_maintain_truncates_the_wal_and_later_writes_survive_a_reopen() {
    const POINTS: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let wal = dir.path().join("trunc/wal");
    let points = corpus::points(POINTS);
    {
        let index = EdgeIndex::open(dir.path()).unwrap();
        index.ensure_collection(&corpus::spec("trunc")).await.unwrap();
        for _ in 0..12 {
            index.upsert("trunc", points.clone()).await.unwrap();
            index.flush().await.unwrap();
        }
        let grown = dir_size(&wal);
        let done = index.maintain("trunc").await.unwrap();
        let truncated = dir_size(&wal);
        println!(
            "wal bytes: {grown} after 12 upserts of {POINTS} points, {truncated} after maintain ({done:?})"
        );
        assert_eq!(done.wal_bytes_freed, grown - truncated, "{done:?}");
        assert!(truncated * 2 < grown, "the WAL shrank by more than half: {grown} → {truncated}");
        assert_eq!(index.count("trunc", &Filter::all()).await.unwrap(), POINTS as u64);
        let hits = index.search("trunc", &corpus::query(SENTENCES[3], Filter::all())).await.unwrap();
        assert_eq!(hits[0].id, corpus::id(3));
        // After truncation: overwrite point 3 with point 5's content, and add new points.
        let mut moved = points[5].clone();
        moved.id = corpus::id(3);
        let extra: Vec<_> = corpus::points(POINTS + 10).into_iter().skip(POINTS).collect();
        index.upsert("trunc", [vec![moved], extra].concat()).await.unwrap();
        index.flush().await.unwrap();
    }
    let index = EdgeIndex::open(dir.path()).unwrap();
    assert_eq!(index.count("trunc", &Filter::all()).await.unwrap(), POINTS as u64 + 10, "new points kept");
    let hits = index.search("trunc", &corpus::query(SENTENCES[3], Filter::all())).await.unwrap();
    assert_ne!(hits[0].id, corpus::id(3), "point 3 no longer holds sentence 3: the overwrite was kept");
}
