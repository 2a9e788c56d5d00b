//! Kill safety of the embedded backend: a child process (this test binary, re-executed) upserts
//! in a loop, flushing every few batches, and is killed with SIGKILL mid-way. Reopening must
//! succeed, keep everything flushed before the kill, hold only complete points, and accept the
//! full re-upsert.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::corpus;
use ttrpg_vectors::{Condition, EdgeIndex, Filter, HybridQuery, VectorIndex};

/// Set in the child process: the index directory to write to.
const CHILD_DIR_ENV: &str = "TTRPG_VECTORS_KILL_CHILD_DIR";
const COLLECTION: &str = "killed";
const TOTAL: usize = 3000;
const BATCH: usize = 25;
const FLUSH_EVERY_BATCHES: usize = 2;

/// The child's body; a no-op in a normal test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else {
        return;
    };
    let index = EdgeIndex::open(dir.as_ref()).unwrap();
    index.ensure_collection(&corpus::spec(COLLECTION)).await.unwrap();
    let encoder = corpus::bm25(TOTAL);
    let all: Vec<_> = (0..TOTAL).map(|i| corpus::point(i, &encoder)).collect();
    for (batch_no, batch) in all.chunks(BATCH).enumerate() {
        index.upsert(COLLECTION, batch.to_vec()).await.unwrap();
        println!("UPSERTED {}", (batch_no + 1) * BATCH);
        if (batch_no + 1).is_multiple_of(FLUSH_EVERY_BATCHES) {
            index.flush().await.unwrap();
            println!("FLUSHED {}", (batch_no + 1) * BATCH);
        }
    }
    println!("DONE");
    // Wait to be killed.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

/// What the writer had done when it was killed.
struct KillReport {
    /// Points durably flushed (the writer printed `FLUSHED n`).
    flushed: usize,
    /// Points whose upsert had returned (`UPSERTED n`), flushed or not.
    upserted: usize,
}

/// When to send SIGKILL, once at least `kill_after` points are flushed.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// Right after an upsert returned that is not flushed yet.
    UnflushedUpsert,
    /// This long after the flush was reported (lands in a later upsert or flush).
    Delay(Duration),
}

/// Spawns the writer and SIGKILLs it as `kill_at` says.
fn run_and_kill(dir: &std::path::Path, kill_after: usize, kill_at: KillAt) -> KillReport {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["kill_child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut report = KillReport { flushed: 0, upserted: 0 };
    let note = |line: &str, report: &mut KillReport| {
        if let Some(n) = line.strip_prefix("FLUSHED ") {
            report.flushed = n.trim().parse().unwrap();
        }
        if let Some(n) = line.strip_prefix("UPSERTED ") {
            report.upserted = n.trim().parse().unwrap();
        }
        assert!(line != "DONE", "writer finished before it could be killed");
    };
    for line in lines.by_ref() {
        note(&line.unwrap(), &mut report);
        let after_unflushed_upsert = report.upserted > report.flushed;
        if report.flushed >= kill_after && (after_unflushed_upsert || matches!(kill_at, KillAt::Delay(_))) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "writer too slow");
    }
    if let KillAt::Delay(delay) = kill_at {
        std::thread::sleep(delay);
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    for line in lines {
        note(&line.unwrap(), &mut report); // what the writer printed before dying
    }
    report
}

async fn check_consistent(dir: &std::path::Path, flushed_before_kill: usize) -> usize {
    let index = EdgeIndex::open(dir).expect("reopen after kill -9");
    let count = index.count(COLLECTION, &Filter::all()).await.unwrap() as usize;
    assert!(count >= flushed_before_kill, "lost flushed points: {count} < {flushed_before_kill}");
    let encoder = corpus::bm25(TOTAL);
    let mut present = Vec::new();
    for i in 0..TOTAL {
        let only_i = Filter::must([Condition::Integer { key: "seq".into(), value: i as i64 }]);
        match index.count(COLLECTION, &only_i).await.unwrap() {
            0 => continue,
            1 => present.push(i),
            n => panic!("point {i} present {n} times"),
        }
        // Complete and searchable: found by both arms, with its full payload.
        let text = corpus::text(i);
        let query = HybridQuery {
            dense: corpus::embed(&text),
            sparse: encoder.encode_query(&text),
            filter: only_i,
            limit: 1,
            prefetch: 1,
            explain: true,
        };
        let hits = index.search(COLLECTION, &query).await.unwrap();
        assert_eq!(hits.len(), 1, "point {i} counted but not searchable");
        let hit = &hits[0];
        assert_eq!((hit.id, hit.dense_rank, hit.sparse_rank), (corpus::id(i), Some(0), Some(0)), "point {i}");
        assert_eq!(hit.payload, corpus::point(i, &encoder).payload, "point {i} payload");
    }
    assert_eq!(present.len(), count);
    let is_prefix = present.iter().enumerate().all(|(k, &i)| k == i);
    println!(
        "after kill: {count} points present ({flushed_before_kill} flushed before the kill), prefix of the write order: {is_prefix}"
    );
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_survives_kill_9_mid_upsert() {
    if std::env::var(CHILD_DIR_ENV).is_ok() {
        return; // never recurse from the child
    }
    let dir = tempfile::tempdir().unwrap();
    // Round 1 kills a fresh collection mid-way; later rounds kill while re-upserting over
    // existing points, at different moments relative to the flushes.
    let moments = [
        KillAt::UnflushedUpsert,
        KillAt::Delay(Duration::from_millis(5)),
        KillAt::UnflushedUpsert,
        KillAt::Delay(Duration::from_millis(20)),
        KillAt::UnflushedUpsert,
        KillAt::Delay(Duration::from_millis(60)),
    ];
    for (round, kill_at) in moments.into_iter().enumerate() {
        let kill_after = 250 * (round + 1);
        let killed = run_and_kill(dir.path(), kill_after, kill_at);
        let present = check_consistent(dir.path(), killed.flushed).await;
        println!(
            "round {}: killed at {kill_at:?}; writer had flushed {} and upserted {} points; \
             {present} present on reopen",
            round + 1,
            killed.flushed,
            killed.upserted
        );
    }
    let index = EdgeIndex::open(dir.path()).unwrap();
    index.upsert(COLLECTION, corpus::points(TOTAL)).await.unwrap();
    index.flush().await.unwrap();
    assert_eq!(index.count(COLLECTION, &Filter::all()).await.unwrap(), TOTAL as u64);
}
