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

#[path = "../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../tests/e2e/pdf.rs"]
mod pdf;
#[path = "../host/vectors/tests/common/qdrant.rs"]
mod qdrant;
#[path = "../tests/support/redis.rs"]
mod redis;
#[path = "../tests/support/round_robin.rs"]
mod round_robin;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use tokio::io::{AsyncBufReadExt, BufReader};

const ADMIN_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

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
            other => panic!("unknown option {other}; see the comment at the top of benches/load.rs"),
        }
        i += 2;
    }
    options
}

/// The environment the hosts need for embeddings, or why it is missing.
fn embedding_env() -> Vec<(String, String)> {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/all-MiniLM-L6-v2");
    assert!(model.join("model.onnx").exists(), "no embedding model in {}", model.display());
    let ort =
        std::env::var("ORT_DYLIB_PATH").expect("ORT_DYLIB_PATH must name ONNX Runtime (see scripts/test)");
    vec![("TTRPG_MODEL_DIR".into(), model.display().to_string()), ("TTRPG_ONNXRUNTIME".into(), ort)]
}

/// `ttrpg` with `env` and no other `TTRPG_` variable.
fn ttrpg(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ttrpg"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v))).arg("--data-dir").arg(data_dir).args(args);
    command
}

async fn cli(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> String {
    let output = ttrpg(data_dir, env, args).output().await.expect("running ttrpg");
    assert!(output.status.success(), "ttrpg {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A server process and the MCP URL it printed on stderr.
struct Server {
    child: tokio::process::Child,
    url: String,
}

async fn spawn(mut command: tokio::process::Command, what: &str) -> Server {
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("starting {what}: {e}"));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.trim().to_string();
            }
        }
        panic!("{what} exited before listening")
    })
    .await
    .unwrap_or_else(|_| panic!("{what} did not say where it listens"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    // The Python server says where it will listen a moment before it does.
    let address = url.trim_start_matches("http://").trim_end_matches("/mcp").to_string();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&address).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, url }
}

type Client = RunningService<RoleClient, ()>;

async fn connect(url: &str, token: Option<&str>) -> Client {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = token {
        config = config.auth_header(token.to_string());
    }
    ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("initialize")
}

/// One call: its structured result, or the error text.
async fn call(client: &Client, name: &str, arguments: Value) -> Result<Value, String> {
    let map = arguments.as_object().cloned().unwrap_or_default();
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map))
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    if result.is_error == Some(true) {
        return Err(format!("{name}: {:?}", result.content));
    }
    Ok(result.structured_content.unwrap_or(Value::Null))
}

/// Latencies and errors per tool, and the rolls acknowledged.
#[derive(Default)]
struct Tally {
    latencies: BTreeMap<String, Vec<Duration>>,
    errors: BTreeMap<String, usize>,
    first_errors: Vec<String>,
    rolls: Vec<(String, String)>,
}

impl Tally {
    fn record(&mut self, tool: &str, took: Duration, outcome: &Result<Value, String>) {
        self.latencies.entry(tool.to_string()).or_default().push(took);
        if let Err(err) = outcome {
            *self.errors.entry(tool.to_string()).or_default() += 1;
            if self.first_errors.len() < 5 {
                self.first_errors.push(err.clone());
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, tally: &Tally, wall: Duration) {
    let total: usize = tally.latencies.values().map(Vec::len).sum();
    let errors: usize = tally.errors.values().sum();
    println!(
        "\n## {label}: {total} calls in {:.1} s = {:.0} calls/s, {errors} errors",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64()
    );
    println!("| tool | calls | p50 ms | p95 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (tool, latencies) in &tally.latencies {
        let mut sorted = latencies.clone();
        sorted.sort();
        println!(
            "| {tool} | {} | {:.2} | {:.2} | {:.2} | {} |",
            sorted.len(),
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.95),
            percentile(&sorted, 0.99),
            tally.errors.get(tool).copied().unwrap_or(0)
        );
    }
    for err in &tally.first_errors {
        println!("  error: {err}");
    }
}

/// What one client works on.
struct Table {
    client: Client,
    campaign: String,
}

/// A client's campaign with the plugin enabled and a fight running.
async fn set_table(url: &str, token: &str, n: usize) -> Table {
    let client = connect(url, Some(token)).await;
    let made =
        call(&client, "campaign_create", json!({"name": format!("Load table {n}"), "system": "dnd5e"}))
            .await
            .unwrap();
    let campaign = made["campaign"]["id"].as_str().unwrap().to_string();
    call(&client, "plugin_enable", json!({"campaign_id": campaign, "plugin": "echo"})).await.unwrap();
    call(&client, "campaign_use", json!({"campaign_id": campaign})).await.unwrap();
    call(&client, "initiative_start", json!({"campaign_id": campaign, "name": "Ambush"})).await.unwrap();
    call(&client, "initiative_add", json!({"campaign_id": campaign, "name": "Goblin", "count": 3}))
        .await
        .unwrap();
    call(&client, "initiative_add", json!({"campaign_id": campaign, "name": "Aria", "initiative": 15}))
        .await
        .unwrap();
    // Untimed: the first search on a host loads its embedding model.
    call(&client, "search_rules", json!({"query": "lamplighters", "limit": 1})).await.unwrap();
    call(&client, "note_search", json!({"campaign_id": campaign, "query": "bell", "limit": 1}))
        .await
        .unwrap();
    Table { client, campaign }
}

/// The mixed workload of one client: `calls` calls, 4 in 10 of them rolls.
async fn mixed(table: Table, calls: usize, tally: Arc<Mutex<Tally>>) {
    let campaign = table.campaign.clone();
    for i in 0..calls {
        let (tool, arguments) = match i % 10 {
            0 | 3 | 6 | 8 => (
                "roll_dice",
                json!({"expression": "1d20+5", "campaign_id": campaign, "purpose": format!("call {i}")}),
            ),
            1 | 5 => ("initiative_next", json!({"campaign_id": campaign})),
            2 => ("search_rules", json!({"query": "how far can the lamplighters of ward 7 see", "limit": 3})),
            4 => (
                "note_add",
                json!({"campaign_id": campaign, "kind": "lore", "title": format!("Rumour {i}"), "body": format!("The bell of ward {i} rang twice at midnight.")}),
            ),
            7 => (
                "note_search",
                json!({"campaign_id": campaign, "query": "which bell rang at midnight", "limit": 3}),
            ),
            _ => ("echo__echo", json!({"text": format!("ping {i}")})),
        };
        let started = Instant::now();
        let outcome = call(&table.client, tool, arguments).await;
        let took = started.elapsed();
        let mut tally = tally.lock().unwrap();
        tally.record(tool, took, &outcome);
        if let (Ok(result), "roll_dice") = (&outcome, tool) {
            tally.rolls.push((campaign.clone(), result["roll_id"].as_str().unwrap_or_default().to_string()));
        }
    }
    let _ = table.client.cancel().await;
}

/// `roll_dice` alone, `calls` times per client, against `url` (ttrpg or the anchor).
async fn rolls_only(url: String, token: Option<String>, clients: usize, calls: usize) -> (Tally, Duration) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut connected = Vec::new();
    for _ in 0..clients {
        connected.push(connect(&url, token.as_deref()).await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = connected
        .into_iter()
        .map(|client| {
            let tally = tally.clone();
            tokio::spawn(async move {
                for _ in 0..calls {
                    let began = Instant::now();
                    let outcome = call(&client, "roll_dice", json!({"expression": "1d20+5"})).await;
                    tally.lock().unwrap().record("roll_dice", began.elapsed(), &outcome);
                }
                let _ = client.cancel().await;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let wall = started.elapsed();
    (Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap(), wall)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let embeddings = embedding_env();
    let database = format!("ttrpg_load_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(ADMIN_PG).await.expect("PostgreSQL on 127.0.0.1:5432");
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).await.unwrap();
    let db_url = format!("postgres://postgres@127.0.0.1:5432/{database}");
    let redis = redis::RedisServer::start().expect("redis-server");
    let qdrant =
        tokio::task::spawn_blocking(|| qdrant::QdrantServer::start(1)).await.unwrap().expect("Qdrant");
    let library = tempfile::tempdir().unwrap();
    let book: Vec<String> =
        (0..60).map(|i| format!("The lamplighters of ward {i} see {} feet in fog.", 30 + i)).collect();
    let chapters: Vec<(String, Vec<&str>)> = book
        .iter()
        .enumerate()
        .map(|(i, line)| (format!("Chapter {i}: Ward {i}"), vec![line.as_str()]))
        .collect();
    let chapters: Vec<(&str, &[&str])> = chapters.iter().map(|(h, l)| (h.as_str(), l.as_slice())).collect();
    std::fs::write(library.path().join("wards.pdf"), pdf::chapters(&chapters)).unwrap();
    let mut env = embeddings;
    env.extend([
        ("TTRPG_DATABASE_URL".to_string(), db_url.clone()),
        ("TTRPG_REDIS_URL".to_string(), redis.url.clone()),
        ("TTRPG_QDRANT_URL".to_string(), qdrant.url.clone()),
        ("TTRPG_MAX_SESSIONS".to_string(), "10000".to_string()),
    ]);
    // A data folder per host of every run: only the first has the plugin's file, the others
    // fetch it from the database.
    let data: Vec<tempfile::TempDir> = (0..8).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut next_data = 0;
    let mut data_dir = || {
        next_data += 1;
        data[(next_data - 1) % data.len()].path().to_path_buf()
    };
    let echo = tokio::task::spawn_blocking(|| fixtures::wasm("fixture-echo")).await.unwrap();
    let first = data[0].path().to_path_buf();
    let first = first.as_path();
    cli(first, &env, &["plugin", "install", echo.to_str().unwrap()]).await;
    cli(first, &env, &["ingest", library.path().join("wards.pdf").to_str().unwrap(), "--book", "Wards"])
        .await;
    let mut tokens = Vec::new();
    for n in 0..options.clients {
        let out = cli(first, &env, &["token", "create", "--user", &format!("gm{n}"), "--json"]).await;
        let made: Value = serde_json::from_str(&out).unwrap();
        tokens.push(made["token"].as_str().unwrap().to_string());
    }
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
            let mut command =
                ttrpg(&data_dir(), &env, &["serve", "--transport", "http", "--listen", "127.0.0.1:0"]);
            command.env("TTRPG_LOG", "warn");
            servers.push(spawn(command, "ttrpg serve").await);
        }
        let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
        let proxy = round_robin::RoundRobin::start(&urls).await;
        let url = if hosts == 1 { servers[0].url.clone() } else { proxy.url() };
        let mut tables = Vec::new();
        for (n, token) in tokens.iter().enumerate() {
            tables.push(set_table(&url, token, n).await);
        }
        let campaigns: Vec<String> = tables.iter().map(|t| t.campaign.clone()).collect();
        let tally = Arc::new(Mutex::new(Tally::default()));
        let started = Instant::now();
        let tasks: Vec<_> = tables
            .into_iter()
            .map(|table| tokio::spawn(mixed(table, options.calls, tally.clone())))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let wall = started.elapsed();
        let tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
        report(
            &format!("mixed, {hosts} host(s){}", if hosts > 1 { " behind a round-robin proxy" } else { "" }),
            &tally,
            wall,
        );
        if hosts > 1 {
            println!("requests per host: {:?}", proxy.counts());
        }
        // Every acknowledged roll is stored exactly once.
        let pool = sqlx::PgPool::connect(&db_url).await.unwrap();
        let mut stored: Vec<String> = Vec::new();
        for campaign in &campaigns {
            // The workload's rolls (initiative_add rolls too, with no purpose).
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM dice_rolls WHERE campaign_id = $1 AND purpose LIKE 'call %'",
            )
            .bind(campaign)
            .fetch_all(&pool)
            .await
            .unwrap();
            stored.extend(ids);
        }
        pool.close().await;
        let mut acknowledged: Vec<String> = tally.rolls.iter().map(|(_, id)| id.clone()).collect();
        acknowledged.sort();
        stored.sort();
        let lost = acknowledged.iter().filter(|id| stored.binary_search(id).is_err()).count();
        let mut duplicates = acknowledged.clone();
        duplicates.dedup();
        println!(
            "rolls acknowledged {}, stored {}, lost {lost}, acknowledged twice {}, stored but not acknowledged {}",
            acknowledged.len(),
            stored.len(),
            acknowledged.len() - duplicates.len(),
            stored.len().saturating_sub(acknowledged.len() - lost)
        );
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
                    let mut command = ttrpg(
                        &data_dir(),
                        &env,
                        &["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
                    );
                    command.env("TTRPG_LOG", "warn");
                    let server = spawn(command, "ttrpg serve").await;
                    let url = server.url.clone();
                    kept.push(server);
                    url
                }
            };
            let (ours, ours_wall) =
                rolls_only(url, tokens.first().cloned(), options.clients, options.calls).await;
            let mut python = tokio::process::Command::new("python3");
            python.arg(PathBuf::from(&anchor_script));
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
    let _ =
        admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))).await;
    for mut server in kept {
        let _ = server.child.kill().await;
    }
    drop(qdrant);
    drop(redis);
}
