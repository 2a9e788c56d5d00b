//! Hostile PDFs through a running server: each file of the PDF budget suite
//! (`host/pdf/tests/common/hostile_files.rs`, built in code) is ingested over Streamable HTTP
//! while another session keeps rolling dice. Each ingestion ends with a per-page error naming
//! the budget on every hostile page (the harmless pages are ingested), within its time budget;
//! the other session keeps answering; and the server's peak memory (`VmHWM` of its process,
//! from `/proc`) stays under the ceiling (1 GiB, the default `ingest.memory_ceiling_mb`).
//!
//! Ingestion embeds the harmless pages, so the test needs the model and ONNX Runtime
//! (scripts/test provides both); without them it says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "../host/pdf/tests/common/book.rs"]
#[allow(dead_code, missing_docs)]
mod book;
#[path = "e2e/client.rs"]
mod client;
#[path = "../host/pdf/tests/common/hostile_files.rs"]
mod hostile_files;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use client::{HttpServer, Scratch};
use serde_json::json;

/// The server's memory ceiling (the default of `ingest.memory_ceiling_mb`).
const CEILING_KIB: u64 = 1024 * 1024;
/// The page time budget the server runs with here (`TTRPG_INGEST_PAGE_TIME_MS`).
const PAGE_TIME: Duration = Duration::from_secs(5);

/// The server's environment: embeddings, and the page time budget the bound below assumes.
fn server_env() -> Result<Vec<(String, String)>, String> {
    let mut env = client::embedding_env()?;
    env.push(("TTRPG_INGEST_PAGE_TIME_MS".to_string(), PAGE_TIME.as_millis().to_string()));
    Ok(env)
}

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_pdfs_end_in_page_errors_and_the_server_keeps_serving() {
    let env = match server_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: hostile PDFs through the server: {why}");
            return;
        }
    };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let scratch = Scratch::new();
    let library = scratch.data_dir().join("library");
    std::fs::create_dir_all(&library).unwrap();
    let files: Vec<(&str, &[u32], &[u32])> = tokio::task::spawn_blocking(move || {
        hostile_files::FILES
            .iter()
            .map(|(name, build, hostile, benign)| {
                std::fs::write(library.join(format!("{name}.pdf")), build()).unwrap();
                (*name, *hostile, *benign)
            })
            .collect()
    })
    .await
    .unwrap();
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let pid = server.child.id().unwrap();
    let gm = server.connect("gm").await;
    let other = Arc::new(server.connect("other").await);

    // Another session rolls dice all along; its slowest answer is kept.
    let stop = Arc::new(AtomicBool::new(false));
    let slowest_ms = Arc::new(AtomicU64::new(0));
    let roller = {
        let (other, stop, slowest_ms) = (other.clone(), stop.clone(), slowest_ms.clone());
        tokio::spawn(async move {
            let mut calls = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                other.ok("roll_dice", json!({"expression": "1d20"})).await;
                slowest_ms.fetch_max(started.elapsed().as_millis() as u64, Ordering::SeqCst);
                calls += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            calls
        })
    };

    for (name, hostile, benign) in files {
        let started = Instant::now();
        let report = gm.ok("ingest_document", json!({"path": format!("{name}.pdf"), "book": name})).await;
        let took = started.elapsed();
        let problems = report["page_problems"].as_array().unwrap();
        for page in hostile {
            let problem = problems
                .iter()
                .find(|p| p["page"] == *page)
                .unwrap_or_else(|| panic!("{name}: page {page} has no problem: {report}"));
            let text = problem["problem"].as_str().unwrap();
            assert!(text.contains("budget"), "{name}: page {page}: {text}");
        }
        for page in benign {
            assert!(
                problems.iter().all(|p| p["page"] != *page),
                "{name}: harmless page {page} lost: {report}"
            );
        }
        assert!(report["chunks"].as_u64().unwrap() >= 1, "{name}: the harmless pages were indexed: {report}");
        let bound = PAGE_TIME * (hostile.len() as u32 + 1) + Duration::from_secs(20);
        assert!(took < bound, "{name}: took {took:?}, over {bound:?}");
        let peak = status_kib(pid, "VmHWM:");
        println!("{name}: {took:?}, server peak so far {} MiB", peak / 1024);
        assert!(peak < CEILING_KIB, "{name}: the server's peak memory reached {} MiB", peak / 1024);
    }
    stop.store(true, Ordering::SeqCst);
    let calls = roller.await.unwrap();
    let slowest = slowest_ms.load(Ordering::SeqCst);
    println!("other session: {calls} rolls, slowest {slowest} ms");
    assert!(calls > 10, "the other session kept calling: {calls}");
    assert!(slowest < 2_000, "the other session waited {slowest} ms for a roll");
    server.kill().await;
}
