//! `search_rules` latency in process, query embedding included, on an ingested SRD 5.1:
//! p50/p95/p99 over distinct questions (so neither the answer nor the query embedding is
//! cached), then the same questions again (answers from the cache), then distinct
//! questions while a second book is being ingested on the same host (the embedder is
//! shared: a question must not queue behind the ingestion's batches).
//!
//! The data folder is prepared by `benches/search/run.sh` (plugin install and ingest
//! through the CLI). Run directly: `cargo bench -p ttrpg-host --bench search_latency --
//! --data DIR [--pdf SRD.pdf]`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark binary

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ttrpg_host::app::App;
use ttrpg_host::config::Config;
use ttrpg_host::library::ingest::{IngestRequest, NoProgress};
use ttrpg_host::library::search::{Reader, RulesQuery};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn row(label: &str, mut times: Vec<Duration>) {
    if times.is_empty() {
        println!("| {label} | 0 | - | - | - |");
        return;
    }
    times.sort();
    println!(
        "| {label} | {} | {:.2} | {:.2} | {:.2} |",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99)
    );
}

/// The questions of every evaluation set beside this file's repository, each in a few
/// wordings (so that none is answered from the cache the first time).
fn questions(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for set in ["srd51.json", "srd51_paraphrase_tune.json", "srd51_paraphrase_dev.json"] {
        let Ok(text) = std::fs::read_to_string(root.join("tests/eval").join(set)) else { continue };
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        for q in parsed["questions"].as_array().unwrap() {
            out.push(q["question"].as_str().unwrap().to_owned());
        }
    }
    let base = out.clone();
    for prefix in ["Quick question: ", "Rules check: "] {
        out.extend(base.iter().map(|q| format!("{prefix}{q}")));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let Some(data) = value("--data") else {
        eprintln!("usage: search_latency --data DIR [--pdf FILE]; benches/search/run.sh prepares DIR");
        std::process::exit(2);
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let env = std::env::vars().chain([("TTRPG_DATA_DIR".to_string(), data.clone())]);
        let config = Config::load(None, env).unwrap();
        let app = App::open(config).await.unwrap();
        let library = app.library().await.unwrap();
        let reader = Reader::everything();
        let ask = |q: &str| RulesQuery { query: q.to_owned(), ..RulesQuery::default() };
        let questions = questions(&root);
        // Warm-up: the model's first runs, the page cache, the glossary.
        for q in questions.iter().take(5) {
            library.search_rules(&ask(&format!("warm up {q}")), &reader).await.unwrap();
        }
        println!("| phase | searches | p50 ms | p95 ms | p99 ms |");
        println!("|---|---|---|---|---|");
        let mut times = Vec::new();
        for q in &questions {
            let at = Instant::now();
            library.search_rules(&ask(q), &reader).await.unwrap();
            times.push(at.elapsed());
        }
        row("distinct questions (embedding + search)", times);
        let mut times = Vec::new();
        for q in &questions {
            let at = Instant::now();
            library.search_rules(&ask(q), &reader).await.unwrap();
            times.push(at.elapsed());
        }
        row("the same questions again (cached answers)", times);

        // Where a distinct question's time goes: the model alone, on a session of its own
        // loaded as the library loads its own, the same questions in yet another wording.
        let config = &app.config;
        let onnxruntime =
            ttrpg_host::embed::locate::onnxruntime_library(config.search.onnxruntime.as_deref());
        let model = ttrpg_host::embed::model_folder::find_configured(config).unwrap();
        let embedder = ttrpg_host::embed::LocalEmbedder::load(
            &model.path,
            onnxruntime.as_deref(),
            config.search.model_precision,
        )
        .unwrap();
        let mut times = Vec::new();
        for q in &questions {
            let text = vec![format!("In short: {q}")];
            let at = Instant::now();
            ttrpg_host::embed::Embedder::embed(&embedder, &text).unwrap();
            times.push(at.elapsed());
        }
        row("the question's embedding alone (one session, this thread)", times);

        if let Some(pdf) = value("--pdf") {
            // A copy with one more comment line at the end: another file (by its hash), the
            // same pages, so the library ingests it in full.
            let copy = std::env::temp_dir().join(format!("search-latency-{}.pdf", std::process::id()));
            let mut bytes = std::fs::read(&pdf).unwrap();
            bytes.extend_from_slice(b"\n% search_latency copy\n");
            std::fs::write(&copy, bytes).unwrap();
            let pdf = copy.to_string_lossy().into_owned();
            let ingesting = {
                let library = library.clone();
                tokio::spawn(async move {
                    let request = IngestRequest {
                        book: "SRD 5.1 (second copy)".into(),
                        system: None,
                        campaign_id: None,
                        visibility: ttrpg_host::storage::Visibility::Players,
                    };
                    library.ingest(std::path::Path::new(&pdf), &request, None, &NoProgress).await
                })
            };
            tokio::time::sleep(Duration::from_secs(3)).await; // extraction done, embedding under way
            let mut times = Vec::new();
            for q in &questions {
                if ingesting.is_finished() {
                    break;
                }
                let at = Instant::now();
                library.search_rules(&ask(&format!("While ingesting: {q}")), &reader).await.unwrap();
                times.push(at.elapsed());
            }
            let report = ingesting.await.unwrap().unwrap();
            let _ = std::fs::remove_file(&copy);
            row("distinct questions during an ingestion", times);
            println!("the second ingestion took {:.1} s", report.seconds);
        }
    });
}
