//! Health and metrics over real HTTP: `/healthz` and `/readyz` answer without a token (they
//! are probes), `/metrics` is the operator's (401 without a token once tokens exist, 403 for a
//! user's token) and parses as Prometheus text, with the tool calls just made counted by tool
//! and outcome.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;

use client::{HttpServer, Scratch};
use serde_json::json;

/// The value of a sample of `/metrics` with these labels, parsed by a Prometheus text parser.
fn sample(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

fn parse(body: &str) -> prometheus_parse::Scrape {
    let lines = body.lines().map(|l| Ok(l.to_string()));
    prometheus_parse::Scrape::parse(lines)
        .unwrap_or_else(|err| panic!("/metrics is not Prometheus text: {err}\n{body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_and_metrics_count_the_calls() {
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let (status, _, body) = server.raw_request("GET", "/healthz", None, None).await;
    assert_eq!((status, body.trim()), (200, "ok"));
    let (status, _, body) = server.raw_request("GET", "/readyz", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ready\n") && body.contains("database: ok"), "{body}");
    assert!(!body.contains("redis") && !body.contains("qdrant"), "neither is configured: {body}");

    let client = server.connect("local").await;
    for _ in 0..3 {
        client.ok("roll_dice", json!({"expression": "1d20"})).await;
    }
    client.err("roll_dice", json!({"expression": "1d"})).await;
    client.err("made_up_tool", json!({})).await;
    client.err("made_up_tool_2", json!({})).await;

    let (status, headers, body) = server.raw_request("GET", "/metrics", None, None).await;
    assert_eq!(status, 200, "the local user is the operator: {body}");
    assert!(headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("text/plain")), "{headers:?}");
    let scrape = parse(&body);
    let calls = "ttrpg_tool_calls_total";
    assert_eq!(sample(&scrape, calls, &[("tool", "roll_dice"), ("outcome", "ok")]), Some(3.0), "{body}");
    assert_eq!(sample(&scrape, calls, &[("tool", "roll_dice"), ("outcome", "dice")]), Some(1.0), "{body}");
    assert_eq!(
        sample(&scrape, calls, &[("tool", "unknown"), ("outcome", "not_found")]),
        Some(2.0),
        "made-up names are counted as unknown, never as labels of their own"
    );
    assert!(!body.contains("made_up_tool"), "a made-up name became a label");
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == "ttrpg_tool_call_seconds" && s.labels.get("tool") == Some("roll_dice"))
        .expect("the latency histogram of roll_dice");
    match &histogram.value {
        prometheus_parse::Value::Histogram(buckets) => {
            let all = buckets.iter().map(|b| b.count).fold(0.0, f64::max);
            assert_eq!(all, 4.0, "four roll_dice calls in the histogram: {buckets:?}");
        }
        other => panic!("ttrpg_tool_call_seconds is not a histogram: {other:?}"),
    }
    assert!(sample(&scrape, "ttrpg_http_sessions", &[]).unwrap() >= 1.0);
    assert!(sample(&scrape, "ttrpg_uptime_seconds", &[]).is_some());
    assert!(sample(&scrape, "ttrpg_database", &[("figure", "size_bytes")]).unwrap() > 0.0, "{body}");
    assert!(sample(&scrape, "ttrpg_database", &[("figure", "pool_max")]).unwrap() > 0.0, "{body}");

    // Once tokens exist: the probes stay open, /metrics is the operator's.
    let (user, _) = scratch.token("pat", false);
    let (admin, _) = scratch.token("ops", true);
    assert_eq!(server.raw_request("GET", "/healthz", None, None).await.0, 200);
    assert_eq!(server.raw_request("GET", "/readyz", None, None).await.0, 200);
    assert_eq!(server.raw_request("GET", "/metrics", None, None).await.0, 401);
    let user_header = format!("Bearer {user}");
    assert_eq!(server.raw_request("GET", "/metrics", Some(&user_header), None).await.0, 403);
    let admin_header = format!("Bearer {admin}");
    let (status, _, body) = server.raw_request("GET", "/metrics", Some(&admin_header), None).await;
    assert_eq!(status, 200);
    parse(&body);
    server.kill().await;
}

#[test]
fn doctor_changes_nothing() {
    let scratch = Scratch::new();
    let run = |args: &[&str]| {
        let mut command = std::process::Command::new(client::binary());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TTRPG_") {
                command.env_remove(key);
            }
        }
        command.arg("--data-dir").arg(scratch.data_dir()).args(args).output().unwrap()
    };
    // On a data folder that has never been used, doctor leaves it as it found it.
    let listing = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    };
    let before = listing(&scratch.data_dir());
    let doctor = run(&["doctor", "--json"]);
    assert_eq!(listing(&scratch.data_dir()), before, "doctor changed the data folder");
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let parts: Vec<&str> =
        report["parts"].as_array().unwrap().iter().map(|p| p["part"].as_str().unwrap()).collect();
    for part in ["data dir", "database", "dice", "plugins", "onnxruntime", "model", "vectors", "redis"] {
        assert!(parts.contains(&part), "doctor reports {part}: {report}");
    }
    // Every TTRPG_ variable was removed: no model folder (ONNX Runtime may still be found in
    // python3's onnxruntime wheel), so doctor fails
    // and says how to get them.
    let model = report["parts"].as_array().unwrap().iter().find(|p| p["part"] == "model").unwrap();
    assert_eq!(model["ok"], false, "{model}");
    assert!(model["detail"].as_str().unwrap().contains("TTRPG_MODEL_DIR"), "{model}");
    assert!(!doctor.status.success(), "a missing part makes doctor exit 1");
    let status = run(&["status", "--json"]);
    let health: serde_json::Value = serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|_| panic!("status --json: {}", String::from_utf8_lossy(&status.stderr)));
    assert_eq!(health["database"]["engine"], "sqlite", "{health}");
    let status = run(&["migrate", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let applied: Vec<&serde_json::Value> =
        status["migrations"].as_array().unwrap().iter().filter(|m| m["applied"] == true).collect();
    assert!(applied.is_empty(), "doctor applied migrations: {applied:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_health_is_the_operators() {
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let local = server.connect("local").await;
    local.ok("campaign_create", json!({"name": "Health", "system": "dnd5e"})).await;
    let health = local.ok("server_health", json!({})).await;
    assert_eq!(health["database"]["engine"], "sqlite", "{health}");
    assert!(health["database"]["size_bytes"].as_i64().unwrap() > 0, "{health}");
    assert!(health["database"]["wal_bytes"].is_i64(), "SQLite in WAL mode has a WAL file: {health}");
    assert_eq!(health["database"]["pending_migrations"], 0);
    assert_eq!(health["cache"]["shared_level"], "off", "no Redis configured: {health}");
    assert!(health["uptime_seconds"].is_u64() && health["version"].is_string(), "{health}");

    let (user, _) = scratch.token("pat", false);
    let player = server.connect_as("pat", Some(&user)).await;
    assert!(
        !player.tool_names().await.contains(&"server_health".to_string()),
        "only the operator is offered it"
    );
    let refused = player.err("server_health", json!({})).await;
    assert!(refused.contains("admin token"), "{refused}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_redis_that_does_not_answer() {
    let scratch = Scratch::new();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{dead}");
    let server = HttpServer::start_with_env(&scratch, &[("TTRPG_REDIS_URL", url.as_str())]).await;
    let (status, _, body) = server.raw_request("GET", "/readyz", None, None).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("not ready") && body.contains("redis:"), "{body}");
    // Calls still succeed: the cache is optional at run time.
    let client = server.connect("local").await;
    client.ok("campaign_create", json!({"name": "No Redis", "system": "dnd5e"})).await;
    let health = client.ok("server_health", json!({})).await;
    assert_eq!(health["cache"]["shared_level"], "down", "{health}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttrpg_status_asks_a_running_server() {
    let scratch = Scratch::new();
    let (admin, _) = scratch.token("ops", true);
    let (user, _) = scratch.token("pat", false);
    let server = HttpServer::start(&scratch).await;
    let client = server.connect_as("ops", Some(&admin)).await;
    client.ok("roll_dice", json!({"expression": "3d6"})).await;
    let base = server.url.trim_end_matches("/mcp").to_string();
    let json = scratch.cli(&["status", "--url", &base, "--token", &admin, "--json"]);
    let figures: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(figures["tools"]["calls"], 1, "{figures}");
    assert_eq!(figures["health"]["database"]["engine"], "sqlite");
    let text = scratch.cli(&["status", "--url", &base, "--token", &admin]);
    assert!(text.contains("tool calls    1 (0 failed)") && text.contains("database      sqlite"), "{text}");
    let refused = std::process::Command::new(client::binary())
        .args(["status", "--url", &base, "--token", &user])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not an admin token"), "{refused:?}");
    server.kill().await;
}
