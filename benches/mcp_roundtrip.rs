//! MCP round-trip benchmark: the built `ttrpg serve` driven by rmcp's client, timing
//! sequential `roll_dice` calls end to end (JSON-RPC, argument parsing, the dice engine, the
//! SQLite insert, the structured result back), over stdio and over Streamable HTTP with one
//! keep-alive connection (reqwest's pool, as the MCP SDKs' clients use it).
//!
//! Run with `cargo bench -p ttrpg-host --bench mcp_roundtrip`. `MCP_BENCH_N` (default 2000)
//! and `MCP_BENCH_WARMUP` (default 100) change the number of measured and warm-up calls;
//! `MCP_BENCH_TRANSPORT` = `stdio`, `http` or `both` (default) picks the transports.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use std::process::Stdio;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn call(client: &RunningService<RoleClient, ()>, name: &str, arguments: &Value) -> Value {
    let map = arguments.as_object().cloned().expect("arguments are an object");
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map))
        .await
        .unwrap_or_else(|err| panic!("{name} failed: {err}"));
    assert_ne!(result.is_error, Some(true), "{name} returned a tool error: {:?}", result.content);
    result.structured_content.unwrap_or_else(|| panic!("{name} returned no structured content"))
}

/// Times `n` sequential calls after `warmup` untimed ones; returns each call's latency.
async fn measure(
    client: &RunningService<RoleClient, ()>,
    arguments: &Value,
    warmup: usize,
    n: usize,
) -> (Duration, Vec<Duration>) {
    for _ in 0..warmup {
        call(client, "roll_dice", arguments).await;
    }
    let mut latencies = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let result = call(client, "roll_dice", arguments).await;
        latencies.push(t.elapsed());
        debug_assert!(result["total"].is_i64());
    }
    (started.elapsed(), latencies)
}

fn report(label: &str, elapsed: Duration, mut latencies: Vec<Duration>) {
    latencies.sort();
    let n = latencies.len();
    let percentile = |p: f64| {
        let index = ((p / 100.0) * n as f64).ceil() as usize;
        latencies[index.clamp(1, n) - 1].as_secs_f64() * 1e6
    };
    let mean = latencies.iter().map(Duration::as_secs_f64).sum::<f64>() / n as f64 * 1e6;
    println!(
        "{label:<34} {n:>6} calls  {:>8.0} round trips/s  p50 {:>7.0} µs  p99 {:>7.0} µs  mean {:>7.0} µs  max {:>7.0} µs",
        n as f64 / elapsed.as_secs_f64(),
        percentile(50.0),
        percentile(99.0),
        mean,
        latencies[n - 1].as_secs_f64() * 1e6,
    );
}

/// `ttrpg` with no `TTRPG_*` variables of the caller's, on a scratch data folder.
fn server_command(data_dir: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ttrpg"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command.arg("--data-dir").arg(data_dir).args(["--log", "info"]);
    command
}

/// Runs the measured calls on a connected client: one campaign, then `roll_dice` with and
/// without its id.
async fn run(label: &str, client: &RunningService<RoleClient, ()>, warmup: usize, n: usize) {
    let created = call(client, "campaign_create", &json!({"name": "Benchmark", "system": "dnd5e"})).await;
    let campaign_id = created["campaign"]["id"].as_str().expect("campaign id").to_string();
    println!(
        "ttrpg MCP round trips over {label}: roll_dice \"1d20+5\", {warmup} warm-up calls then {n} timed, sequential"
    );
    let with_campaign = json!({"expression": "1d20+5", "campaign_id": campaign_id});
    let (elapsed, latencies) = measure(client, &with_campaign, warmup, n).await;
    report(&format!("{label}: roll_dice with campaign_id"), elapsed, latencies);
    let without = json!({"expression": "1d20+5"});
    let (elapsed, latencies) = measure(client, &without, warmup, n).await;
    report(&format!("{label}: roll_dice without campaign_id"), elapsed, latencies);
}

async fn over_stdio(warmup: usize, n: usize) {
    let scratch = tempfile::Builder::new().prefix("ttrpg-bench-").tempdir().expect("temp dir");
    let mut command = server_command(scratch.path());
    command.args(["serve", "--transport", "stdio"]);
    let (transport, _) =
        TokioChildProcess::builder(command).stderr(Stdio::null()).spawn().expect("spawning ttrpg serve");
    let client = ().serve(transport).await.expect("MCP initialize");
    run("stdio", &client, warmup, n).await;
    let _ = client.cancel().await;
}

async fn over_http(warmup: usize, n: usize) {
    let scratch = tempfile::Builder::new().prefix("ttrpg-bench-").tempdir().expect("temp dir");
    let mut command = server_command(scratch.path());
    command.args(["serve", "--transport", "http", "--listen", "127.0.0.1:0"]);
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = command.spawn().expect("spawning ttrpg serve --transport http");
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let url = loop {
        let line =
            lines.next_line().await.expect("server stderr").expect("the server exited before listening");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(url)).await.expect("MCP initialize over HTTP");
    run("HTTP keep-alive", &client, warmup, n).await;
    let _ = client.cancel().await;
    let _ = child.kill().await;
}

fn main() {
    let n = env_count("MCP_BENCH_N", 2000).max(1);
    let warmup = env_count("MCP_BENCH_WARMUP", 100);
    let transport = std::env::var("MCP_BENCH_TRANSPORT").unwrap_or_else(|_| "both".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        if transport == "stdio" || transport == "both" {
            over_stdio(warmup, n).await;
        }
        if transport == "http" || transport == "both" {
            over_http(warmup, n).await;
        }
    });
}
