//! The status page in a real browser: Debian's headless Chromium opens `/status` on a
//! running server with an admin token in the URL's fragment, the page fetches its figures
//! from `/status.json`, and its numbers are checked against `/metrics` (parsed as Prometheus
//! text) taken right after; a screenshot is written and must be a real picture. Without a
//! token, the page asks for one and shows no figures.
//!
//! Needs `chromium` (scripts/test installs Debian's package); without it the test says
//! SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;

use std::path::{Path, PathBuf};

use client::{HttpServer, Scratch};
use serde_json::json;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(PathBuf::from).find(|p| p.exists())
}

/// Runs headless Chromium on `url` with `extra` arguments; returns its stdout.
fn browse(chromium: &Path, profile: &Path, url: &str, extra: &[&str]) -> String {
    let output = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=4000", "--window-size=1280,1100"])
        .args(extra)
        .arg(url)
        .output()
        .expect("running chromium");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of the element with `id` in a dumped DOM.
fn text_of(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = dom.find(&marker).unwrap_or_else(|| panic!("no #{id} in the page: {dom}"));
    let rest = &dom[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].trim().to_string()
}

fn sum(
    scrape: &prometheus_parse::Scrape,
    metric: &str,
    keep: impl Fn(&prometheus_parse::Sample) -> bool,
) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && keep(s))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => v,
            _ => 0.0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_what_metrics_count() {
    let Some(chromium) = chromium() else {
        println!(
            "SKIPPED: the status page in a browser: no chromium (scripts/test installs Debian's package)"
        );
        return;
    };
    let scratch = Scratch::new();
    let (admin, _) = scratch.token("ops", true);
    let server = HttpServer::start(&scratch).await;
    let client = server.connect_as("ops", Some(&admin)).await;
    client.ok("campaign_create", json!({"name": "Status", "system": "dnd5e"})).await;
    for _ in 0..6 {
        client.ok("roll_dice", json!({"expression": "2d6+3"})).await;
    }
    client.err("roll_dice", json!({"expression": "2d6+"})).await;

    let base = server.url.trim_end_matches("/mcp").to_string();
    let profile = scratch.data_dir().join("chromium-profile");
    let dom = browse(&chromium, &profile, &format!("{base}/status#token={admin}"), &["--dump-dom"]);
    let (status, _, metrics) =
        server.raw_request("GET", "/metrics", Some(&format!("Bearer {admin}")), None).await;
    assert_eq!(status, 200);
    let scrape = prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_string()))).unwrap();

    assert_eq!(text_of(&dom, "state"), "serving", "the page read its figures");
    let calls = sum(&scrape, "ttrpg_tool_calls_total", |_| true);
    let failed = sum(&scrape, "ttrpg_tool_calls_total", |s| s.labels.get("outcome") != Some("ok"));
    assert_eq!(calls, 8.0, "campaign_create, six rolls and one bad roll: {metrics}");
    assert_eq!(text_of(&dom, "tool-calls"), format!("{calls}"), "the page's call count is /metrics'");
    assert_eq!(text_of(&dom, "tool-errors"), format!("{failed}"));
    assert_eq!(text_of(&dom, "calls-last-minute"), "8", "all of them in the last minute");
    assert_eq!(text_of(&dom, "db-engine"), "sqlite");
    let schema = sum(&scrape, "ttrpg_database", |s| s.labels.get("figure") == Some("schema_version"));
    assert!(text_of(&dom, "db-schema").starts_with(&format!("{schema}")), "schema {schema} in the page");
    assert_eq!(text_of(&dom, "cache-shared"), "off");
    assert!(dom.contains("<rect"), "the chart has bars");

    // A screenshot a person can read: a PNG of the whole page.
    let shot = scratch.data_dir().join("status.png");
    browse(
        &chromium,
        &profile,
        &format!("{base}/status#token={admin}"),
        &[&format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "a real picture: {} bytes",
        png.len()
    );
    if let Ok(dir) = std::env::var("TTRPG_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, Path::new(&dir).join("status-page.png")).unwrap();
    }

    // Without the token the page asks for one and shows nothing.
    let anonymous = browse(&chromium, &profile, &format!("{base}/status"), &["--dump-dom"]);
    assert_eq!(text_of(&anonymous, "state"), "sign in");
    assert_eq!(text_of(&anonymous, "tool-calls"), "–", "no figures without a token");
    let (status, _, _) = server.raw_request("GET", "/status.json", None, None).await;
    assert_eq!(status, 401, "the figures need the token");
    server.kill().await;
}
