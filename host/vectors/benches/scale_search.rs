//! Hybrid search latency at library scale: a synthetic library of N chunks (100 000 by
//! default) in Qdrant Edge, searched with the filters rules search uses, before and after
//! `maintain` (HNSW index built, WAL truncated). Prints p50/p95/p99 and how many of the
//! exact (brute-force) top 5 the HNSW search keeps.
//!
//! Run: `cargo bench -p ttrpg-vectors --bench scale_search [-- POINTS QUERIES]`.
//! The corpus is generated here (not committed): 384-dimensional unit vectors around 400
//! topics, BM25-style sparse vectors of 30–60 terms from a 30 000-term Zipf vocabulary,
//! and a payload with book, scope and document like the rulebook collection's.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary

use std::time::{Duration, Instant};

use ttrpg_vectors::{
    CollectionSpec, Condition, EdgeIndex, Filter, HybridQuery, Payload, Point, SparseVector, VectorIndex,
};

const DIM: usize = 384;
const TOPICS: usize = 400;
const VOCABULARY: u32 = 30_000;

/// A small deterministic generator (SplitMix64), so every run builds the same library.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn gaussian(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }

    /// A term index drawn from a Zipf-like distribution over the vocabulary.
    fn term(&mut self) -> u32 {
        let x = self.unit().max(1e-7);
        ((VOCABULARY as f32).powf(x) as u32).min(VOCABULARY - 1)
    }
}

fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

fn sparse(rng: &mut Rng, terms: usize) -> SparseVector {
    let mut indices: Vec<u32> = (0..terms).map(|_| rng.term()).collect();
    indices.sort_unstable();
    indices.dedup();
    let values = indices.iter().map(|_| 0.5 + rng.unit()).collect();
    SparseVector { indices, values }
}

fn dense_near(rng: &mut Rng, centre: &[f32], spread: f32) -> Vec<f32> {
    normalized(centre.iter().map(|c| c + spread * rng.gaussian()).collect())
}

fn spec() -> CollectionSpec {
    CollectionSpec {
        name: "library".into(),
        dense_dim: DIM,
        keyword_fields: vec!["book".into(), "scope".into(), "document_id".into(), "content_type".into()],
        integer_fields: vec!["page_start".into()],
    }
}

fn point(rng: &mut Rng, topics: &[Vec<f32>], i: usize) -> Point {
    let topic = &topics[(rng.next() as usize) % topics.len()];
    let book = i % 40;
    let mut payload = Payload::new();
    payload.insert("book".into(), format!("Book {book}").into());
    payload.insert("document_id".into(), format!("doc-{book}").into());
    payload.insert(
        "scope".into(),
        if book < 30 { "global".into() } else { format!("campaign-{}", book % 5).into() },
    );
    payload.insert("content_type".into(), if i.is_multiple_of(7) { "monsters" } else { "rules" }.into());
    payload.insert("page_start".into(), ((i / 3) % 400).into());
    payload.insert("chunk_id".into(), format!("chunk-{i}").into());
    let terms = 30 + (rng.next() % 30) as usize;
    Point { id: i as u64 + 1, dense: dense_near(rng, topic, 0.06), sparse: sparse(rng, terms), payload }
}

/// The filter a player's campaign search carries: its scopes, and an unready book left out.
fn campaign_filter() -> Filter {
    let mut filter = Filter::must([Condition::Keyword {
        key: "scope".into(),
        any_of: vec!["global".into(), "campaign-2".into()],
    }]);
    filter.must_not.push(Condition::Keyword { key: "document_id".into(), any_of: vec!["doc-7".into()] });
    filter
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let points: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let queries: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(400);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let index = EdgeIndex::open(dir.path()).unwrap();
    let mut rng = Rng(7);
    let topics: Vec<Vec<f32>> =
        (0..TOPICS).map(|_| normalized((0..DIM).map(|_| rng.gaussian()).collect())).collect();

    let started = Instant::now();
    runtime.block_on(async {
        index.ensure_collection(&spec()).await.unwrap();
        let mut i = 0;
        while i < points {
            let batch: Vec<Point> =
                (i..(i + 1000).min(points)).map(|j| point(&mut rng, &topics, j)).collect();
            i += batch.len();
            index.upsert("library", batch).await.unwrap();
        }
        index.flush().await.unwrap();
    });
    let loaded = started.elapsed();
    let wal_before = dir_size(&dir.path().join("library/wal"));

    let query_set: Vec<HybridQuery> = (0..queries)
        .map(|q| {
            let topic = &topics[(rng.next() as usize) % TOPICS];
            HybridQuery {
                dense: dense_near(&mut rng, topic, 0.08),
                sparse: sparse(&mut rng, 8),
                filter: if q.is_multiple_of(2) { campaign_filter() } else { Filter::all() },
                limit: 5,
                prefetch: 40,
                explain: false,
            }
        })
        .collect();

    let run = |label: &str| -> Vec<Vec<u64>> {
        runtime.block_on(async {
            for query in query_set.iter().take(20) {
                index.search("library", query).await.unwrap(); // warm the page cache
            }
            let mut times = Vec::with_capacity(query_set.len());
            let mut results = Vec::with_capacity(query_set.len());
            for query in &query_set {
                let at = Instant::now();
                let hits = index.search("library", query).await.unwrap();
                times.push(at.elapsed());
                results.push(hits.iter().map(|h| h.id).collect());
            }
            times.sort();
            println!(
                "| {label} | {points} | {} | {:.2} | {:.2} | {:.2} |",
                times.len(),
                percentile(&times, 0.50).as_secs_f64() * 1e3,
                percentile(&times, 0.95).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3,
            );
            results
        })
    };

    println!(
        "loaded {points} points in {:.1} s; WAL {:.1} MiB",
        loaded.as_secs_f64(),
        wal_before as f64 / 1048576.0
    );
    println!("| index | points | queries | p50 ms | p95 ms | p99 ms |");
    println!("|---|---|---|---|---|---|");
    let exact = run("exact (no HNSW)");
    let started = Instant::now();
    let done = runtime.block_on(index.maintain("library")).unwrap();
    let maintained = started.elapsed();
    let hnsw = run("HNSW (after maintain)");
    let kept: usize =
        exact.iter().zip(&hnsw).map(|(e, h)| e.iter().filter(|id| h.contains(id)).count()).sum();
    let total: usize = exact.iter().map(Vec::len).sum();
    println!(
        "maintain took {:.1} s ({done:?}); WAL {:.1} → {:.1} MiB; HNSW kept {kept}/{total} ({:.3}) of the exact top 5",
        maintained.as_secs_f64(),
        wal_before as f64 / 1048576.0,
        dir_size(&dir.path().join("library/wal")) as f64 / 1048576.0,
        kept as f64 / total.max(1) as f64
    );
    println!("{}", index.describe());
}

fn dir_size(path: &std::path::Path) -> u64 {
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
