//! Load test: M concurrent MCP clients over Streamable HTTP, each with its own user, token and
//! campaign, running a mix of `roll_dice`, initiative steps, `search_rules`, note add and
//! search and a plugin tool, against one host and against three hosts behind a round-robin
//! proxy (every request to the next host), all on one PostgreSQL, one Redis and one Qdrant
//! server started here. It reports calls/s, p50/p95/p99 per tool and errors, and checks that
//! every acknowledged roll is in `dice_rolls` exactly once. Then the same clients run
//! `roll_dice` alone against one host and against the MCP Python SDK's server
//! (`benches/http/python_sdk_server.py`), side by side in the same run.
//!
//! ```sh
//! pip install mcp==2.3.0                      # the anchor
//! cargo bench --profile dev -p ttrpg-host --bench load -- --clients 50 --calls 1000
//! ```
//! Options: `--clients M` (50), `--calls N` per client (1000), `--hosts 1,3` (`none`: only the
//! roll_dice comparison), `--no-anchor`.
//! Needs what the tests need: PostgreSQL on 127.0.0.1:5432, `redis-server`, the Qdrant in
//! `../shared/bin/`, the embedding model and ONNX Runtime (`ORT_DYLIB_PATH`), the
//! `wasm32-wasip2` target (for the plugin). It says what is missing and stops.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a benchmark harness

#[path = "../../tests/support/fixtures.rs"]
mod fixtures;
mod harness;
#[path = "../../tests/e2e/pdf.rs"]
mod pdf;
#[path = "../../host/vectors/tests/common/qdrant.rs"]
mod qdrant;
#[path = "../../tests/support/redis.rs"]
mod redis;
#[path = "../../tests/support/round_robin.rs"]
mod round_robin;

use std::path::Path;
use std::time::Duration;

use harness::{ADMIN_PG, Server, Stage, Tally, check_rolls, report, rolls_only, run_mixed, set_table, spawn};

struct Options {
    clients: usize,
    calls: usize,
    hosts: Vec<usize>,
    anchor: bool,
}

fn options() -> Options {
    let mut options = Options { clients: 50, calls: 1000, hosts: vec![1, 3], anchor: true };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--clients" => options.clients = value().parse().expect("--clients N"),
            "--calls" => options.calls = value().parse().expect("--calls N"),
            "--hosts" if value() == "none" => options.hosts = Vec::new(),
            "--hosts" => {
                options.hosts = value().split(',').map(|h| h.parse().expect("--hosts 1,3")).collect()
            }
            "--no-anchor" => {
                options.anchor = false;
                i += 1;
                continue;
            }
            // cargo bench passes --bench; anything else is a mistake worth saying.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}; see the comment at the top of benches/load/main.rs"),
        }
        i += 2;
    }
    options
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let redis = redis::RedisServer::start().expect("redis-server");
    let qdrant =
        tokio::task::spawn_blocking(|| qdrant::QdrantServer::start(1)).await.unwrap().expect("Qdrant");
    let services = vec![
        ("TTRPG_REDIS_URL".to_string(), redis.url.clone()),
        ("TTRPG_QDRANT_URL".to_string(), qdrant.url.clone()),
    ];
    let mut stage = Stage::set("load", ADMIN_PG, services, options.clients).await;
    println!(
        "# load: {} clients x {} calls, PostgreSQL + Redis + Qdrant server, {} cores",
        options.clients,
        options.calls,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut single_host_url = None;
    let mut kept: Vec<Server> = Vec::new();
    for &hosts in &options.hosts {
        let mut servers = Vec::new();
        for _ in 0..hosts {
            servers.push(stage.host().await);
        }
        let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
        let proxy = round_robin::RoundRobin::start(&urls).await;
        let url = if hosts == 1 { servers[0].url.clone() } else { proxy.url() };
        let mut tables = Vec::new();
        for (n, token) in stage.tokens.iter().enumerate() {
            tables.push(set_table(&url, token, n).await);
        }
        let campaigns: Vec<String> = tables.iter().map(|t| t.campaign.clone()).collect();
        let (tally, wall) = run_mixed(tables, options.calls).await;
        let behind = if hosts > 1 { " behind a round-robin proxy" } else { "" };
        report(&format!("mixed, {hosts} host(s){behind}"), &tally, wall);
        if hosts > 1 {
            println!("requests per host: {:?}", proxy.counts());
        }
        check_rolls(&stage.db_url, &campaigns, &tally).await;
        if hosts == 1 {
            // Kept for the anchor comparison below.
            single_host_url = Some(servers[0].url.clone());
            kept.extend(servers);
        } else {
            for mut server in servers {
                let _ = server.child.kill().await;
            }
        }
    }

    if options.anchor {
        let anchor_script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/http/python_sdk_server.py");
        let has_sdk = std::process::Command::new("python3")
            .args(["-c", "import mcp.server.mcpserver"])
            .status()
            .is_ok_and(|s| s.success());
        if !has_sdk {
            println!("\nanchor NOT RUN: the MCP Python SDK is not installed (pip install mcp==2.3.0)");
        } else {
            let url = match single_host_url {
                Some(url) => url,
                None => {
                    let server = stage.host().await;
                    let url = server.url.clone();
                    kept.push(server);
                    url
                }
            };
            let (ours, ours_wall) =
                rolls_only(url, stage.tokens.first().cloned(), options.clients, options.calls).await;
            let mut python = tokio::process::Command::new("python3");
            python.arg(&anchor_script);
            let anchor = spawn(python, "the Python SDK server").await;
            let anchor_url = anchor.url.clone();
            kept.push(anchor);
            let (theirs, theirs_wall) = rolls_only(anchor_url, None, options.clients, options.calls).await;
            report("roll_dice only, ttrpg (one host, PostgreSQL, every roll stored)", &ours, ours_wall);
            report("roll_dice only, MCP Python SDK server (nothing stored)", &theirs, theirs_wall);
            let rate = |t: &Tally, w: Duration| {
                t.latencies.values().map(Vec::len).sum::<usize>() as f64 / w.as_secs_f64()
            };
            println!(
                "\nratio ttrpg / Python SDK: calls/s {:.2}x",
                rate(&ours, ours_wall) / rate(&theirs, theirs_wall)
            );
        }
    }
    for mut server in kept {
        let _ = server.child.kill().await;
    }
    stage.clear(ADMIN_PG).await;
    drop(qdrant);
    drop(redis);
}
