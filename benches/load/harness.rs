//! What the load and fault benches share: the services and hosts they start, the MCP clients
//! with their campaigns, the mixed workload, the tally and the exactly-once check of rolls.
#![allow(dead_code, reason = "each bench uses what it needs")]

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

use super::{fixtures, pdf};

/// How long a client waits for a call's answer.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The machine's PostgreSQL, where the bench's database is made.
pub const ADMIN_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The environment the hosts need for embeddings, or why it is missing.
pub fn embedding_env() -> Vec<(String, String)> {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/all-MiniLM-L6-v2");
    assert!(model.join("model.onnx").exists(), "no embedding model in {}", model.display());
    let ort =
        std::env::var("ORT_DYLIB_PATH").expect("ORT_DYLIB_PATH must name ONNX Runtime (see scripts/test)");
    vec![("TTRPG_MODEL_DIR".into(), model.display().to_string()), ("TTRPG_ONNXRUNTIME".into(), ort)]
}

/// `ttrpg` with `env` and no other `TTRPG_` variable.
pub fn ttrpg(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ttrpg"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v))).arg("--data-dir").arg(data_dir).args(args);
    command
}

pub async fn cli(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> String {
    let output = ttrpg(data_dir, env, args).output().await.expect("running ttrpg");
    assert!(output.status.success(), "ttrpg {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A server process and the MCP URL it printed on stderr.
pub struct Server {
    /// The process (killed when dropped).
    pub child: tokio::process::Child,
    /// Its MCP endpoint.
    pub url: String,
}

pub async fn spawn(mut command: tokio::process::Command, what: &str) -> Server {
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

pub type Client = RunningService<RoleClient, ()>;

pub async fn connect(url: &str, token: Option<&str>) -> Client {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = token {
        config = config.auth_header(token.to_string());
    }
    ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("initialize")
}

/// One call: its structured result, or the error text.
pub async fn call(client: &Client, name: &str, arguments: Value) -> Result<Value, String> {
    let map = arguments.as_object().cloned().unwrap_or_default();
    let request = client.peer().call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map));
    // A client gives up on an answer that does not come (the host died with the request).
    let result = tokio::time::timeout(CALL_TIMEOUT, request)
        .await
        .map_err(|_| format!("{name}: no answer within {CALL_TIMEOUT:?}"))?
        .map_err(|e| format!("{name}: {e}"))?;
    if result.is_error == Some(true) {
        return Err(format!("{name}: {:?}", result.content));
    }
    Ok(result.structured_content.unwrap_or(Value::Null))
}

/// Latencies and errors per tool, and the rolls acknowledged.
#[derive(Default)]
pub struct Tally {
    /// Every call's latency, by tool.
    pub latencies: BTreeMap<String, Vec<Duration>>,
    /// Failed calls, by tool.
    pub errors: BTreeMap<String, usize>,
    /// The first few error messages.
    pub first_errors: Vec<String>,
    /// (campaign, roll id) of every acknowledged roll.
    pub rolls: Vec<(String, String)>,
    /// When each failed call ended.
    pub failed_at: Vec<Instant>,
}

impl Tally {
    pub fn record(&mut self, tool: &str, took: Duration, outcome: &Result<Value, String>) {
        self.latencies.entry(tool.to_string()).or_default().push(took);
        if let Err(err) = outcome {
            self.failed_at.push(Instant::now());
            *self.errors.entry(tool.to_string()).or_default() += 1;
            if self.first_errors.len() < 5 {
                self.first_errors.push(err.clone());
            }
        }
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn report(label: &str, tally: &Tally, wall: Duration) {
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
pub struct Table {
    /// Its MCP client.
    pub client: Client,
    /// Its campaign.
    pub campaign: String,
}

/// A client's campaign with the plugin enabled and a fight running.
pub async fn set_table(url: &str, token: &str, n: usize) -> Table {
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
pub async fn mixed(table: Table, calls: usize, tally: Arc<Mutex<Tally>>) {
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
pub async fn rolls_only(
    url: String,
    token: Option<String>,
    clients: usize,
    calls: usize,
) -> (Tally, Duration) {
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

/// The ground every run stands on: a database, the environment the hosts need (with the
/// services' URLs added by the caller), a token per client, data folders, and a book and the
/// echo plugin already in the database.
pub struct Stage {
    /// The database's URL.
    pub db_url: String,
    database: String,
    /// The hosts' environment.
    pub env: Vec<(String, String)>,
    /// One bearer token per client.
    pub tokens: Vec<String>,
    data: Vec<tempfile::TempDir>,
    next_data: usize,
    _library: tempfile::TempDir,
}

impl Stage {
    /// Makes the database `ttrpg_<purpose>_<pid>` on `admin_url`'s server, with `services`
    /// (the Redis and Qdrant variables) in the hosts' environment; ingests a 60-page book and
    /// installs the echo plugin through a first host's folder; makes `clients` users and tokens.
    pub async fn set(
        purpose: &str,
        admin_url: &str,
        services: Vec<(String, String)>,
        clients: usize,
    ) -> Stage {
        let database = format!("ttrpg_{purpose}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("PostgreSQL");
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).await.unwrap();
        let db_url = format!("{}/{database}", admin_url.rsplit_once('/').unwrap().0);
        let library = tempfile::tempdir().unwrap();
        let book: Vec<String> =
            (0..60).map(|i| format!("The lamplighters of ward {i} see {} feet in fog.", 30 + i)).collect();
        let chapters: Vec<(String, Vec<&str>)> = book
            .iter()
            .enumerate()
            .map(|(i, line)| (format!("Chapter {i}: Ward {i}"), vec![line.as_str()]))
            .collect();
        let chapters: Vec<(&str, &[&str])> =
            chapters.iter().map(|(h, l)| (h.as_str(), l.as_slice())).collect();
        std::fs::write(library.path().join("wards.pdf"), pdf::chapters(&chapters)).unwrap();
        let mut env = embedding_env();
        env.push(("TTRPG_DATABASE_URL".to_string(), db_url.clone()));
        env.push(("TTRPG_MAX_SESSIONS".to_string(), "10000".to_string()));
        env.extend(services);
        // A data folder per host: only the first has the plugin's file, the others fetch it
        // from the database.
        let data: Vec<tempfile::TempDir> = (0..8).map(|_| tempfile::tempdir().unwrap()).collect();
        let echo = tokio::task::spawn_blocking(|| fixtures::wasm("fixture-echo")).await.unwrap();
        let first = data[0].path();
        cli(first, &env, &["plugin", "install", echo.to_str().unwrap()]).await;
        cli(first, &env, &["ingest", library.path().join("wards.pdf").to_str().unwrap(), "--book", "Wards"])
            .await;
        let mut tokens = Vec::new();
        for n in 0..clients {
            let out = cli(first, &env, &["token", "create", "--user", &format!("gm{n}"), "--json"]).await;
            let made: Value = serde_json::from_str(&out).unwrap();
            tokens.push(made["token"].as_str().unwrap().to_string());
        }
        Stage { db_url, database, env, tokens, data, next_data: 0, _library: library }
    }

    /// The next host's data folder.
    pub fn data_dir(&mut self) -> PathBuf {
        self.next_data += 1;
        self.data[(self.next_data - 1) % self.data.len()].path().to_path_buf()
    }

    /// Starts one `ttrpg serve --transport http` on the next data folder.
    pub async fn host(&mut self) -> Server {
        let dir = self.data_dir();
        let mut command =
            ttrpg(&dir, &self.env, &["serve", "--transport", "http", "--listen", "127.0.0.1:0"]);
        command.env("TTRPG_LOG", "warn");
        spawn(command, "ttrpg serve").await
    }

    /// Drops the database.
    pub async fn clear(self, admin_url: &str) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.database
                )))
                .await;
        }
    }
}

/// The mixed workload of every table at once; returns the tally and the wall time.
pub async fn run_mixed(tables: Vec<Table>, calls: usize) -> (Tally, Duration) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let tasks: Vec<_> =
        tables.into_iter().map(|table| tokio::spawn(mixed(table, calls, tally.clone()))).collect();
    for task in tasks {
        task.await.unwrap();
    }
    let wall = started.elapsed();
    (Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap(), wall)
}

/// Checks every acknowledged roll of the workload against `dice_rolls` and prints the
/// outcome; returns how many acknowledged rolls were lost or stored twice.
pub async fn check_rolls(db_url: &str, campaigns: &[String], tally: &Tally) -> usize {
    let pool = sqlx::PgPool::connect(db_url).await.unwrap();
    let mut stored: Vec<String> = Vec::new();
    for campaign in campaigns {
        // The workload's rolls (initiative_add rolls too, with no purpose).
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM dice_rolls WHERE campaign_id = $1 AND purpose LIKE 'call %'")
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
    let mut distinct = stored.clone();
    distinct.dedup();
    let twice = stored.len() - distinct.len();
    println!(
        "rolls acknowledged {}, stored {}, lost {lost}, stored twice {twice}, stored without an acknowledgement {}",
        acknowledged.len(),
        stored.len(),
        distinct.len().saturating_sub(acknowledged.len() - lost)
    );
    lost + twice
}
