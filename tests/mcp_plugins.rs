//! End-to-end tests of game-system plugins: the built `ttrpg` binary's `plugin` CLI, and
//! the MCP server with plugins installed, enabled per campaign, granted capabilities,
//! supplying a dice grammar, and misbehaving on purpose inside the sandbox.
//!
//! The fixture plugins (tests/fixtures/plugins/) and the plugin template are built from
//! source for wasm32-wasip2 once per test process (`support/fixtures.rs`). Every test
//! starts its own server(s) on its own temporary data dir, so the tests run in parallel.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/raw_plugins.rs"]
mod raw_plugins;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use client::{
    Client, HttpServer, Scratch, array_of, connect_stdio, connect_stdio_with_env, int_of, open_db, str_of,
    text_of,
};
use serde_json::{Value, json};

/// The plugin API version the SDK, and so the fixtures built with it, target (the host
/// also links 0.1.0, which `fixture-legacy-api` stays on).
const HOST_API: &str = "0.3.0";

/// Core tools every session lists, whatever its campaign.
const SOME_CORE_TOOLS: &[&str] = &[
    "campaign_create",
    "campaign_list",
    "roll_dice",
    "plugin_list",
    "plugin_enable",
    "plugin_disable",
    "campaign_use",
];

/// The tools of the `echo` fixture.
const ECHO_TOOLS: &[&str] = &["echo", "add", "remember", "random", "log", "search"];

/// How long a notification may take to arrive.
const NOTIFY_WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// Helpers

/// The built component of a fixture package (built on first use, off the async threads).
async fn wasm(package: &'static str) -> PathBuf {
    tokio::task::spawn_blocking(move || fixtures::wasm(package)).await.expect("building the fixtures")
}

/// What one `ttrpg` CLI run printed.
struct CliRun {
    success: bool,
    stdout: String,
    stderr: String,
}

impl CliRun {
    /// Both streams, for messages.
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `ttrpg --data-dir DATA ARGS…` with no `TTRPG_*` variable of the machine leaking in.
async fn cli(data_dir: &Path, args: &[&str]) -> CliRun {
    let mut command = tokio::process::Command::new(client::binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command.arg("--data-dir").arg(data_dir).args(args).stdin(std::process::Stdio::null());
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .unwrap_or_else(|_| panic!("ttrpg {args:?} timed out"))
        .expect("running ttrpg");
    CliRun {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A CLI run that must succeed; returns its stdout.
async fn cli_ok(data_dir: &Path, args: &[&str]) -> String {
    let run = cli(data_dir, args).await;
    assert!(run.success, "ttrpg {args:?} failed:\n{}", run.all());
    run.stdout
}

/// A CLI run that must fail; returns what it printed (stdout and stderr).
async fn cli_err(data_dir: &Path, args: &[&str]) -> String {
    let run = cli(data_dir, args).await;
    assert!(!run.success, "ttrpg {args:?} should have failed, printed:\n{}", run.all());
    let line = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| panic!("ttrpg {args:?} failed without an error line:\n{}", run.all()));
    let head: String = line.chars().take(30).collect();
    assert_eq!(line.matches(&head).count(), 1, "ttrpg {args:?}: the error repeats itself: {line}");
    run.all()
}

/// `ttrpg plugin install FILE`.
async fn install(data_dir: &Path, file: &Path) {
    let path = file.to_str().expect("utf-8 path");
    let out = cli_ok(data_dir, &["plugin", "install", path]).await;
    assert!(out.contains("Installed") || out.contains("already installed"), "{out}");
}

/// `ttrpg plugin list --json`.
async fn installed(data_dir: &Path) -> Vec<Value> {
    let out = cli_ok(data_dir, &["plugin", "list", "--json"]).await;
    match serde_json::from_str(&out) {
        Ok(Value::Array(items)) => items,
        other => panic!("plugin list --json is not a JSON array: {other:?}\n{out}"),
    }
}

/// (id, version, sha256) of each installed plugin, sorted.
fn installed_keys(list: &[Value]) -> Vec<(String, String, String)> {
    let mut keys: Vec<_> = list
        .iter()
        .map(|p| {
            (
                str_of(p, "/id").to_string(),
                str_of(p, "/version").to_string(),
                str_of(p, "/sha256").to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Every file and folder under `<data>/plugins/`, except the compiled cache, as relative paths.
fn plugin_files(data_dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let relative = path.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
            if relative == ".compiled" {
                continue;
            }
            out.push(relative);
            if path.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let root = data_dir.join("plugins");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

/// Creates a campaign; returns its id.
async fn create_campaign(client: &Client, name: &str, system: &str) -> String {
    let created = client.ok("campaign_create", json!({"name": name, "system": system})).await;
    str_of(&created, "/campaign/id").to_string()
}

/// `plugin_enable`; returns the result.
async fn enable(
    client: &Client,
    campaign_id: &str,
    plugin: &str,
    version: Option<&str>,
    grants: &[&str],
) -> Value {
    let mut args = json!({"campaign_id": campaign_id, "plugin": plugin, "grants": grants});
    if let Some(version) = version {
        args["version"] = json!(version);
    }
    client.ok("plugin_enable", args).await
}

/// `campaign_use`, then a fresh `tools/list` (so plugin tools' output schemas are known).
async fn use_campaign(client: &Client, campaign_id: &str) -> Value {
    let used = client.ok("campaign_use", json!({"campaign_id": campaign_id})).await;
    client.list_tools().await;
    used
}

/// The plugin tools (`x__y`) a session lists now, sorted.
async fn plugin_tools(client: &Client) -> Vec<String> {
    let mut names: Vec<String> = client.tool_names().await.into_iter().filter(|n| n.contains("__")).collect();
    names.sort();
    names
}

fn echo_tool_names() -> Vec<String> {
    let mut names: Vec<String> = ECHO_TOOLS.iter().map(|t| format!("echo__{t}")).collect();
    names.sort();
    names
}

/// The resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("reading /proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in /proc/{pid}/status"))
}

// ---------------------------------------------------------------------------------------
// 1. The author's loop on the CLI

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_check_install_list_remove() {
    let started = Instant::now();
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let echo_path = echo.to_str().expect("utf-8 path");
    let sha256 = ttrpg_plugin_runtime::sha256_hex(&std::fs::read(&echo).expect("reading echo.wasm"));

    // check: a human summary.
    let human = cli_ok(&data, &["plugin", "check", echo_path]).await;
    for expected in [
        "echo 1.0.0",
        "system:       echo-system",
        &format!("API:          {HOST_API}"),
        "dice grammar: Fate dice",
        "NdF",
        &format!("sha256:       {sha256}"),
        "log, random, kv, search",
    ] {
        assert!(human.contains(expected), "plugin check does not show {expected:?}:\n{human}");
    }
    for tool in ECHO_TOOLS {
        assert!(
            human.contains(&format!("echo__{tool}")),
            "plugin check does not list echo__{tool}:\n{human}"
        );
    }
    assert!(human.contains("notes"), "plugin check does not list the notes collection:\n{human}");

    // check --json: the same facts, machine-readable.
    let json_out = cli_ok(&data, &["plugin", "check", "--json", echo_path]).await;
    let described: Value = serde_json::from_str(&json_out).unwrap_or_else(|e| panic!("{e}: {json_out}"));
    assert_eq!(described["id"], "echo");
    assert_eq!(described["version"], "1.0.0");
    assert_eq!(described["system"], "echo-system");
    assert_eq!(described["api_version"], HOST_API);
    assert_eq!(described["sha256"], sha256.as_str());
    assert_eq!(described["capabilities"], json!(["log", "random", "kv", "search"]));
    assert!(str_of(&described, "/dice_grammar").contains("NdF"), "{described:#}");
    let mut tools: Vec<&str> = array_of(&described, "/tools").iter().map(|t| str_of(t, "/name")).collect();
    tools.sort();
    let mut expected_tools = ECHO_TOOLS.to_vec();
    expected_tools.sort();
    assert_eq!(tools, expected_tools);
    for tool in array_of(&described, "/tools") {
        assert_eq!(str_of(tool, "/mcp_name"), format!("echo__{}", str_of(tool, "/name")));
        // Who may call it (API 0.2.0): echo, add and random are player tools.
        let player = ["echo", "add", "random"].contains(&str_of(tool, "/name"));
        assert_eq!(str_of(tool, "/role"), if player { "player" } else { "gm" }, "{tool:#}");
    }
    assert!(human.contains("player") && human.contains("gm"), "plugin check shows tool roles:\n{human}");

    // The template checks too (what a new author starts from).
    let template = wasm("plugin-template").await;
    let template_out = cli_ok(&data, &["plugin", "check", "--json", template.to_str().expect("utf-8")]).await;
    let template: Value =
        serde_json::from_str(&template_out).unwrap_or_else(|e| panic!("{e}: {template_out}"));
    assert_eq!(template["id"], "template");
    assert_eq!(template["api_version"], HOST_API);
    assert!(!array_of(&template, "/tools").is_empty(), "the template has tools: {template:#}");

    // check installs nothing.
    assert!(installed(&data).await.is_empty(), "plugin check must not install");
    assert!(plugin_files(&data).is_empty(), "plugin check left files: {:?}", plugin_files(&data));

    // install, then list shows it with the file's sha256.
    let out = cli_ok(&data, &["plugin", "install", echo_path]).await;
    assert!(out.contains("Installed echo@1.0.0") && out.contains(&sha256), "{out}");
    let list = installed(&data).await;
    assert_eq!(installed_keys(&list), vec![("echo".into(), "1.0.0".into(), sha256.clone())]);
    assert_eq!(list[0]["system"], "echo-system");
    assert_eq!(list[0]["api_version"], HOST_API);
    let stored = data.join("plugins/echo/1.0.0/plugin.wasm");
    assert_eq!(std::fs::read(&stored).expect("installed file"), std::fs::read(&echo).expect("echo.wasm"));
    assert_eq!(plugin_files(&data), ["echo", "echo/1.0.0", "echo/1.0.0/plugin.wasm"]);
    let human_list = cli_ok(&data, &["plugin", "list"]).await;
    assert!(human_list.contains("echo") && human_list.contains("1.0.0"), "{human_list}");

    // Installing the same file again is harmless.
    let again = cli_ok(&data, &["plugin", "install", echo_path]).await;
    assert!(again.contains("already installed"), "{again}");
    assert_eq!(installed(&data).await.len(), 1);

    // remove: gone from the list and from disk.
    let removed = cli_ok(&data, &["plugin", "remove", "echo"]).await;
    assert!(removed.contains("1.0.0"), "{removed}");
    assert!(installed(&data).await.is_empty());
    assert!(!data.join("plugins/echo/1.0.0").exists(), "{:?}", plugin_files(&data));
    let missing = cli_err(&data, &["plugin", "remove", "echo"]).await;
    assert!(missing.contains("not installed"), "{missing}");
    eprintln!("cli_check_install_list_remove took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// 2. Refusals leave nothing half-installed; a tampered file is refused at load

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_installs_leave_nothing_behind() {
    let started = Instant::now();
    let other = wasm("fixture-other").await;
    let future = wasm("fixture-future-api").await;
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    install(&data, &other).await;
    let before = installed_keys(&installed(&data).await);
    let files_before = plugin_files(&data);
    assert_eq!(before.len(), 1);

    let check_unchanged = |what: &'static str| {
        let data = data.clone();
        let before = before.clone();
        let files_before = files_before.clone();
        async move {
            assert_eq!(installed_keys(&installed(&data).await), before, "{what} changed the installed list");
            assert_eq!(plugin_files(&data), files_before, "{what} left files under plugins/");
        }
    };

    // A plugin built against an API this host does not link.
    let message = cli_err(&data, &["plugin", "install", future.to_str().expect("utf-8")]).await;
    assert!(message.contains("9.0.0") && message.contains(HOST_API), "names both API versions: {message}");
    check_unchanged("the future-API install").await;
    // check refuses it the same way.
    let message = cli_err(&data, &["plugin", "check", future.to_str().expect("utf-8")]).await;
    assert!(message.contains("9.0.0") && message.contains(HOST_API), "{message}");

    // A text file renamed .wasm.
    let fake = scratch.data_dir().parent().expect("scratch").join("notes.wasm");
    std::fs::write(&fake, "These are my session notes, not a plugin.\n").expect("writing the fake");
    let message = cli_err(&data, &["plugin", "install", fake.to_str().expect("utf-8")]).await;
    assert!(message.to_lowercase().contains("webassembly"), "says it is not WebAssembly: {message}");
    check_unchanged("the text-file install").await;

    // An empty file, and a file that does not exist.
    let empty = scratch.data_dir().parent().expect("scratch").join("empty.wasm");
    std::fs::write(&empty, b"").expect("writing the empty file");
    cli_err(&data, &["plugin", "install", empty.to_str().expect("utf-8")]).await;
    check_unchanged("the empty-file install").await;
    let message = cli_err(&data, &["plugin", "install", "/nonexistent/plugin.wasm"]).await;
    assert!(message.contains("/nonexistent/plugin.wasm"), "{message}");

    // A sha256 that does not match.
    let zeros = "0".repeat(64);
    let actual = ttrpg_plugin_runtime::sha256_hex(&std::fs::read(&echo).expect("echo.wasm"));
    let message =
        cli_err(&data, &["plugin", "install", "--sha256", &zeros, echo.to_str().expect("utf-8")]).await;
    assert!(message.contains(&zeros) && message.contains(&actual), "names both hashes: {message}");
    check_unchanged("the sha256-mismatch install").await;
    // The right sha256 (in upper case) is accepted.
    let upper = actual.to_uppercase();
    cli_ok(&data, &["plugin", "install", "--sha256", &upper, echo.to_str().expect("utf-8")]).await;
    assert_eq!(installed(&data).await.len(), 2);

    // Tampering: a campaign enables echo; then its installed file is replaced.
    let client = connect_stdio(&scratch).await;
    let tampered_campaign = create_campaign(&client, "Tampered", "echo-system").await;
    enable(&client, &tampered_campaign, "echo", None, &[]).await;
    use_campaign(&client, &tampered_campaign).await;
    client.ok("echo__echo", json!({"text": "before"})).await;
    client.close().await;
    let stored = data.join("plugins/echo/1.0.0/plugin.wasm");
    std::fs::copy(&other, &stored).expect("tampering with the installed file");

    let client = connect_stdio(&scratch).await;
    // The campaign stays usable; the tampered plugin is reported unavailable, not run.
    let used = client.ok("campaign_use", json!({"campaign_id": tampered_campaign})).await;
    let reason = used["unavailable"][0]["error"].as_str().unwrap_or_default().to_string();
    assert_eq!(used["unavailable"][0]["plugin_id"], "echo", "campaign_use: {used}");
    assert!(reason.contains("sha256"), "campaign_use: {used}");
    assert!(used["plugin_tools"].as_array().is_some_and(|t| t.is_empty()), "campaign_use: {used}");
    let fresh = create_campaign(&client, "Fresh", "echo-system").await;
    let message = client.err("plugin_enable", json!({"campaign_id": fresh, "plugin": "echo"})).await;
    assert!(message.contains("sha256") && message.contains(&actual), "plugin_enable: {message}");
    let message =
        client.err("roll_dice", json!({"expression": "4dF", "campaign_id": tampered_campaign})).await;
    assert!(message.contains("sha256"), "roll_dice in the tampered campaign: {message}");
    // Nothing of the tampered file ran: no echo tool is listed anywhere, other plugins still work.
    assert!(plugin_tools(&client).await.is_empty());
    enable(&client, &fresh, "other", None, &[]).await;
    use_campaign(&client, &fresh).await;
    assert_eq!(client.ok("other__ping", json!({})).await, json!({"pong": true}));
    client.close().await;
    eprintln!("refused_installs_leave_nothing_behind took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// 3. Two versions side by side, semver requirements, grant checks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_versions_and_semver_requirements() {
    let started = Instant::now();
    let (v1, v2, other) =
        (wasm("fixture-echo").await, wasm("fixture-echo-v2").await, wasm("fixture-other").await);
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    for file in [&v1, &v2, &other] {
        install(&data, file).await;
    }
    let keys = installed_keys(&installed(&data).await);
    let versions: Vec<(&str, &str)> = keys.iter().map(|k| (k.0.as_str(), k.1.as_str())).collect();
    assert_eq!(versions, [("echo", "1.0.0"), ("echo", "1.1.0"), ("other", "0.1.0")]);

    let client = connect_stdio(&scratch).await;
    let campaign = create_campaign(&client, "Versions", "echo-system").await;
    use_campaign(&client, &campaign).await;

    let enabled = enable(&client, &campaign, "echo", Some("^1.0"), &[]).await;
    assert_eq!(str_of(&enabled, "/enabled/version"), "1.1.0", "^1.0 picks the highest match");
    let mut tools: Vec<String> =
        array_of(&enabled, "/tools").iter().map(|t| t.as_str().unwrap_or("").into()).collect();
    tools.sort();
    assert_eq!(tools, echo_tool_names());
    client.list_tools().await;
    let echoed = client.ok("echo__echo", json!({"text": "hello"})).await;
    assert_eq!(echoed, json!({"text": "hello", "version": "1.1.0"}));

    let enabled = enable(&client, &campaign, "echo", Some("=1.0.0"), &[]).await;
    assert_eq!(str_of(&enabled, "/enabled/version"), "1.0.0");
    assert_eq!(client.ok("echo__echo", json!({"text": "x"})).await["version"], "1.0.0");
    let listed = client.ok("plugin_list", json!({"campaign_id": campaign})).await;
    let records = array_of(&listed, "/enabled");
    assert_eq!(records.len(), 1, "{listed:#}");
    assert_eq!((str_of(&records[0], "/version"), str_of(&records[0], "/version_req")), ("1.0.0", "=1.0.0"));
    assert_eq!(array_of(&listed, "/installed").len(), 3);

    // No installed version matches: the error lists what is installed; nothing changes.
    let message = client
        .err("plugin_enable", json!({"campaign_id": campaign, "plugin": "echo", "version": "^2"}))
        .await;
    assert!(message.contains("1.0.0") && message.contains("1.1.0") && message.contains("^2"), "{message}");
    assert_eq!(client.ok("echo__echo", json!({"text": "x"})).await["version"], "1.0.0", "still 1.0.0");
    let message = client
        .err("plugin_enable", json!({"campaign_id": campaign, "plugin": "echo", "version": "banana"}))
        .await;
    assert!(message.contains("banana"), "{message}");

    // An unknown plugin.
    let message = client.err("plugin_enable", json!({"campaign_id": campaign, "plugin": "nonesuch"})).await;
    assert!(message.contains("nonesuch") && message.contains("not installed"), "{message}");
    // An unknown campaign.
    let message = client
        .err(
            "plugin_enable",
            json!({"campaign_id": "00000000-0000-7000-8000-000000000000", "plugin": "echo"}),
        )
        .await;
    assert!(!message.is_empty());

    // Grants: only what the plugin asks for.
    let message = client
        .err("plugin_enable", json!({"campaign_id": campaign, "plugin": "other", "grants": ["kv"]}))
        .await;
    assert!(message.contains("kv") && message.contains("other"), "names the capability: {message}");
    let message = client
        .err("plugin_enable", json!({"campaign_id": campaign, "plugin": "echo", "grants": ["filesystem"]}))
        .await;
    assert!(message.contains("filesystem"), "{message}");
    let listed = client.ok("plugin_list", json!({"campaign_id": campaign})).await;
    assert_eq!(array_of(&listed, "/enabled").len(), 1, "refused enables changed nothing: {listed:#}");

    // Back to the newest with `*`, via the CLI this time (the server sees it on the next call).
    let out =
        cli_ok(&data, &["plugin", "enable", "echo", "--campaign", &campaign, "--grant", "log,random"]).await;
    assert!(out.contains("1.1.0") && out.contains("log, random"), "{out}");
    assert_eq!(client.ok("echo__echo", json!({"text": "x"})).await["version"], "1.1.0");
    assert!(client.ok("echo__random", json!({})).await["value"].is_u64());

    // Removing every version while one is in use removes none of them.
    let message = cli_err(&data, &["plugin", "remove", "echo"]).await;
    assert!(message.contains(&campaign) && message.contains("nothing was removed"), "{message}");
    let listed = cli_ok(&data, &["plugin", "list", "--json"]).await;
    assert!(listed.contains("\"1.0.0\"") && listed.contains("\"1.1.0\""), "both versions kept: {listed}");
    assert!(data.join("plugins/echo/1.0.0/plugin.wasm").exists(), "the unused version's file is kept");

    // A version in use cannot be removed, but an unused one can.
    let message = cli_err(&data, &["plugin", "remove", "echo", "--version", "1.1.0"]).await;
    assert!(message.contains(&campaign), "names the campaign using it: {message}");
    let removed = cli(&data, &["plugin", "remove", "echo", "--version", "1.0.0"]).await;
    eprintln!("removing the unused echo 1.0.0: success={} {}", removed.success, removed.all().trim());
    assert!(removed.success, "{}", removed.all());
    assert_eq!(client.ok("echo__echo", json!({"text": "x"})).await["version"], "1.1.0");
    client.close().await;
    eprintln!("two_versions_and_semver_requirements took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// 4. Per-campaign tool lists in one HTTP server, and list_changed notifications

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_campaign_tool_lists_and_notifications() {
    let started = Instant::now();
    let (echo, other) = (wasm("fixture-echo").await, wasm("fixture-other").await);
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &echo).await;
    install(&scratch.data_dir(), &other).await;
    let server = HttpServer::start(&scratch).await;
    let a = server.connect("A").await;
    let b = server.connect("B").await;
    let campaign_a = create_campaign(&a, "Campaign A", "echo-system").await;
    let campaign_b = create_campaign(&a, "Campaign B", "other-system").await;
    enable(&a, &campaign_a, "echo", None, &[]).await;
    enable(&a, &campaign_b, "other", None, &[]).await;

    // Before campaign_use: core tools only, and plugin tools are refused with a hint.
    assert!(plugin_tools(&a).await.is_empty(), "no plugin tools before campaign_use");
    let message = a.err("echo__echo", json!({"text": "hi"})).await;
    assert!(message.contains("campaign_use"), "says to call campaign_use: {message}");
    let message = a.err("nonesuch", json!({})).await;
    assert!(message.contains("nonesuch"), "{message}");

    // campaign_use: each session sees its campaign's plugins, and is told the list changed.
    let seen_a = a.notifications.tool_list_changed();
    let used = use_campaign(&a, &campaign_a).await;
    let mut used_tools: Vec<&str> =
        array_of(&used, "/plugin_tools").iter().filter_map(Value::as_str).collect();
    used_tools.sort();
    assert_eq!(used_tools, echo_tool_names());
    let after = a.notifications.wait_tool_list_changed(seen_a, NOTIFY_WAIT).await;
    assert!(after > seen_a, "no tools/list_changed after campaign_use (A)");
    let seen_b = b.notifications.tool_list_changed();
    use_campaign(&b, &campaign_b).await;
    assert!(b.notifications.wait_tool_list_changed(seen_b, NOTIFY_WAIT).await > seen_b, "none for B");

    assert_eq!(plugin_tools(&a).await, echo_tool_names());
    assert_eq!(plugin_tools(&b).await, ["other__ping"]);
    for client in [&a, &b] {
        let names = client.tool_names().await;
        for core in SOME_CORE_TOOLS {
            assert!(names.iter().any(|n| n == core), "[{}] lists no {core}", client.label);
        }
        let plugin_tool =
            client.list_tools().await.into_iter().find(|t| t.name.contains("__")).expect("a plugin tool");
        assert!(plugin_tool.output_schema.is_some() && plugin_tool.annotations.is_some(), "{plugin_tool:?}");
    }
    assert_eq!(a.ok("echo__add", json!({"a": 2, "b": 40})).await, json!({"sum": 42}));
    assert_eq!(b.ok("other__ping", json!({})).await, json!({"pong": true}));

    // A tool of a plugin the session's campaign does not enable.
    let message = a.err("other__ping", json!({})).await;
    assert!(
        message.contains("other") && message.contains(&campaign_a),
        "names plugin and campaign: {message}"
    );
    let message = b.err("echo__echo", json!({"text": "x"})).await;
    assert!(message.contains("echo") && message.contains(&campaign_b), "{message}");
    // A plugin tool's own argument check.
    let message = a.err("echo__add", json!({"a": "two", "b": 1})).await;
    assert!(!message.is_empty());
    let message = a.err("echo__nonesuch", json!({})).await;
    assert!(message.contains("nonesuch"), "{message}");

    // Changes to campaign A's plugins (made by B's session!) notify A's session, not B's.
    let (seen_a, seen_b) = (a.notifications.tool_list_changed(), b.notifications.tool_list_changed());
    b.ok("plugin_disable", json!({"campaign_id": campaign_a, "plugin": "echo"})).await;
    let after_a = a.notifications.wait_tool_list_changed(seen_a, NOTIFY_WAIT).await;
    assert!(after_a > seen_a, "no tools/list_changed for A after plugin_disable in A");
    assert!(plugin_tools(&a).await.is_empty(), "echo's tools are gone from A");
    let message = a.err("echo__echo", json!({"text": "x"})).await;
    assert!(message.contains("not enabled"), "{message}");
    let message = a.err("plugin_disable", json!({"campaign_id": campaign_a, "plugin": "echo"})).await;
    assert!(message.contains("not enabled"), "disabling twice: {message}");

    let seen_a = a.notifications.tool_list_changed();
    enable(&a, &campaign_a, "echo", None, &["log"]).await;
    assert!(a.notifications.wait_tool_list_changed(seen_a, NOTIFY_WAIT).await > seen_a, "none after enable");
    assert_eq!(plugin_tools(&a).await, echo_tool_names());
    assert_eq!(a.ok("echo__log", json!({"message": "from the test"})).await, json!({"logged": true}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.notifications.tool_list_changed(), seen_b, "B's session was told of A's changes");
    assert_eq!(plugin_tools(&b).await, ["other__ping"], "B's list did not change");

    // B switches to A: now it sees echo.
    use_campaign(&b, &campaign_a).await;
    assert_eq!(plugin_tools(&b).await, echo_tool_names());
    assert_eq!(b.ok("echo__echo", json!({"text": "b in a"})).await["text"], "b in a");
    let message = b.err("campaign_use", json!({"campaign_id": "00000000-0000-7000-8000-000000000000"})).await;
    assert!(!message.is_empty());
    assert_eq!(plugin_tools(&b).await, echo_tool_names(), "a refused campaign_use changes nothing");

    eprintln!(
        "notifications: A got {}, B got {}",
        a.notifications.tool_list_changed(),
        b.notifications.tool_list_changed()
    );
    a.close().await;
    b.close().await;
    server.kill().await;
    assert!(scratch.logs().contains("from the test"), "echo__log reached the host's log");
    eprintln!("per_campaign_tool_lists_and_notifications took {:?}", started.elapsed());
}

/// The same over stdio: campaign_use notifies, and plugin_enable in the session's
/// campaign notifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_list_changed_notifications() {
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &echo).await;
    let client = connect_stdio(&scratch).await;
    let campaign = create_campaign(&client, "Stdio", "echo-system").await;
    let seen = client.notifications.tool_list_changed();
    use_campaign(&client, &campaign).await;
    let seen = {
        let now = client.notifications.wait_tool_list_changed(seen, NOTIFY_WAIT).await;
        assert!(now > seen, "no tools/list_changed after campaign_use over stdio");
        now
    };
    assert!(plugin_tools(&client).await.is_empty());
    enable(&client, &campaign, "echo", None, &[]).await;
    let now = client.notifications.wait_tool_list_changed(seen, NOTIFY_WAIT).await;
    assert!(now > seen, "no tools/list_changed after plugin_enable over stdio");
    assert_eq!(plugin_tools(&client).await, echo_tool_names());
    client.ok("plugin_disable", json!({"campaign_id": campaign, "plugin": "echo"})).await;
    assert!(client.notifications.wait_tool_list_changed(now, NOTIFY_WAIT).await > now, "none after disable");
    assert!(plugin_tools(&client).await.is_empty());
    client.close().await;
}

// ---------------------------------------------------------------------------------------
// 5. Grants and the key-value space

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_and_private_persistent_kv() {
    let started = Instant::now();
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &echo).await;
    let client = connect_stdio(&scratch).await;
    let campaign_a = create_campaign(&client, "Kv A", "echo-system").await;
    let campaign_b = create_campaign(&client, "Kv B", "echo-system").await;
    enable(&client, &campaign_a, "echo", None, &[]).await;
    use_campaign(&client, &campaign_a).await;

    // Nothing granted by default.
    for (tool, args, capability) in [
        ("echo__random", json!({}), "random"),
        ("echo__remember", json!({"key": "door", "value": "open"}), "kv"),
        ("echo__log", json!({"message": "hello"}), "log"),
    ] {
        let message = client.err(tool, args).await;
        assert!(
            message.contains("not granted") && message.contains(&format!("`{capability}`")),
            "{tool} without {capability}: {message}"
        );
    }
    // echo__add needs nothing.
    assert_eq!(client.ok("echo__add", json!({"a": -1, "b": 1})).await, json!({"sum": 0}));

    enable(&client, &campaign_a, "echo", None, &["random", "kv"]).await;
    let first = client.ok("echo__random", json!({})).await["value"].as_u64().expect("u64");
    let second = client.ok("echo__random", json!({})).await["value"].as_u64().expect("u64");
    assert_ne!(first, second, "two random numbers in a row are different");
    let message = client.err("echo__log", json!({"message": "hello"})).await;
    assert!(message.contains("not granted"), "log is still not granted: {message}");

    let stored = client.ok("echo__remember", json!({"key": "door", "value": "open"})).await;
    assert_eq!(stored, json!({"key": "door", "previous": null, "value": "open"}));
    let stored = client.ok("echo__remember", json!({"key": "door", "value": "closed"})).await;
    assert_eq!(stored, json!({"key": "door", "previous": "open", "value": "closed"}));

    // Private per campaign: B has its own space.
    enable(&client, &campaign_b, "echo", None, &["kv"]).await;
    use_campaign(&client, &campaign_b).await;
    let stored = client.ok("echo__remember", json!({"key": "door", "value": "b's door"})).await;
    assert_eq!(stored["previous"], Value::Null, "B must not see A's key: {stored}");
    // ...and random was granted in A only.
    let message = client.err("echo__random", json!({})).await;
    assert!(message.contains("not granted"), "{message}");
    client.close().await;

    // Across a restart: the value is in the database.
    let client = connect_stdio(&scratch).await;
    use_campaign(&client, &campaign_a).await;
    let stored = client.ok("echo__remember", json!({"key": "door", "value": "ajar"})).await;
    assert_eq!(stored["previous"], "closed", "A's value survived the restart: {stored}");
    use_campaign(&client, &campaign_b).await;
    let stored = client.ok("echo__remember", json!({"key": "door", "value": "b again"})).await;
    assert_eq!(stored["previous"], "b's door", "{stored}");
    // Disabling keeps the data; enabling again finds it.
    client.ok("plugin_disable", json!({"campaign_id": campaign_b, "plugin": "echo"})).await;
    enable(&client, &campaign_b, "echo", None, &["kv"]).await;
    client.list_tools().await;
    let stored = client.ok("echo__remember", json!({"key": "door", "value": "b third"})).await;
    assert_eq!(stored["previous"], "b again", "{stored}");
    client.close().await;
    eprintln!("grants_and_private_persistent_kv took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// 6. A plugin's dice grammar

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dice_grammar_of_the_campaign_system() {
    let started = Instant::now();
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &echo).await;
    let client = connect_stdio(&scratch).await;
    let fate = create_campaign(&client, "Fate-ish", "echo-system").await;
    let dnd = create_campaign(&client, "Phandelver", "dnd5e").await;

    // Before echo is enabled the campaign rolls with the core grammar.
    let message = client.err("roll_dice", json!({"expression": "4dF+2", "campaign_id": fate})).await;
    assert!(message.contains("4dF+2"), "{message}");
    enable(&client, &fate, "echo", None, &[]).await;

    let mut roll_ids = Vec::new();
    for _ in 0..10 {
        let roll = client.ok("roll_dice", json!({"expression": "4dF+2", "campaign_id": fate})).await;
        assert_eq!(str_of(&roll, "/grammar"), "echo@1.0.0", "{roll:#}");
        let total = int_of(&roll, "/total");
        assert!((-2..=6).contains(&total), "4dF+2 out of range: {roll:#}");
        let dice = array_of(&roll, "/detail/dice");
        assert_eq!(dice.len(), 4, "{roll:#}");
        let sum: i64 = dice.iter().map(|d| d.as_i64().expect("die")).sum();
        assert!(dice.iter().all(|d| (-1..=1).contains(&d.as_i64().unwrap_or(9))), "{roll:#}");
        assert_eq!(total, sum + 2, "{roll:#}");
        assert!(str_of(&roll, "/rendered").contains("4dF+2"), "{roll:#}");
        roll_ids.push(str_of(&roll, "/roll_id").to_string());
    }
    let history = client.ok("roll_history", json!({"campaign_id": fate, "limit": 100})).await;
    let listed: Vec<&str> = array_of(&history, "/rolls").iter().map(|r| str_of(r, "/id")).collect();
    let expected: Vec<&str> = roll_ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, expected, "every Fate roll is recorded");

    // The same seed replays the same roll.
    let seeded = json!({"expression": "4dF+2", "campaign_id": fate, "seed": 20240611});
    let first = client.ok("roll_dice", seeded.clone()).await;
    let again = client.ok("roll_dice", seeded).await;
    for field in ["total", "rendered", "detail", "grammar", "seed"] {
        assert_eq!(first[field], again[field], "{field} differs for the same seed");
    }
    assert_ne!(first["roll_id"], again["roll_id"]);
    let many = json!({"expression": "20dF", "campaign_id": fate, "seed": 1});
    let twice = roll_times(&client, many, 2).await;
    assert_eq!(twice[0]["detail"], twice[1]["detail"]);
    assert_eq!(array_of(&twice[0], "/detail/dice").len(), 20);

    // A roll the grammar refuses is a tool error naming the grammar, and records nothing.
    let count =
        array_of(&client.ok("roll_history", json!({"campaign_id": fate, "limit": 500})).await, "/rolls")
            .len();
    let message = client.err("roll_dice", json!({"expression": "1d20+5", "campaign_id": fate})).await;
    assert!(message.contains("echo@1.0.0") && message.contains("Fate"), "{message}");
    let message = client.err("roll_dice", json!({"expression": "0dF", "campaign_id": fate})).await;
    assert!(message.contains("0dF"), "{message}");
    let after =
        array_of(&client.ok("roll_history", json!({"campaign_id": fate, "limit": 500})).await, "/rolls")
            .len();
    assert_eq!(after, count, "a refused roll is not recorded");

    // A dnd5e campaign in the same server: core grammar, even with echo enabled there.
    let roll = client.ok("roll_dice", json!({"expression": "1d20+5", "campaign_id": dnd})).await;
    assert_eq!(str_of(&roll, "/grammar"), "core");
    assert!((6..=25).contains(&int_of(&roll, "/total")), "{roll:#}");
    assert!(roll["breakdown"].is_object() && roll["detail"].is_null(), "core breakdown: {roll:#}");
    let message = client.err("roll_dice", json!({"expression": "4dF", "campaign_id": dnd})).await;
    assert!(message.contains("4dF"), "{message}");
    enable(&client, &dnd, "echo", None, &[]).await;
    let roll = client.ok("roll_dice", json!({"expression": "1d20+5", "campaign_id": dnd})).await;
    assert_eq!(str_of(&roll, "/grammar"), "core", "echo's grammar is for echo-system only");
    // No campaign: core.
    let roll = client.ok("roll_dice", json!({"expression": "2d6"})).await;
    assert_eq!(str_of(&roll, "/grammar"), "core");

    // The recorded Fate rolls, directly in the database.
    let mut db = open_db(&scratch.db_path()).await;
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM dice_rolls WHERE campaign_id = ? AND expression = '4dF+2'")
            .bind(&fate)
            .fetch_one(&mut db)
            .await
            .expect("counting dice_rolls");
    assert_eq!(rows, 12, "10 rolls and 2 seeded ones");
    client.close().await;
    eprintln!("dice_grammar_of_the_campaign_system took {:?}", started.elapsed());
}

/// Rolls `args` `n` times, in order.
async fn roll_times(client: &Client, args: Value, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(client.ok("roll_dice", args.clone()).await);
    }
    out
}

/// Loads the installed component `<data>/plugins/<id>/<version>/plugin.wasm` in a runtime
/// of its own, as a replay from stored data would.
async fn installed_plugin(
    data_dir: &Path,
    cache: &Path,
    id: &str,
    version: &str,
) -> ttrpg_plugin_runtime::LoadedPlugin {
    let file = data_dir.join("plugins").join(id).join(version).join("plugin.wasm");
    let bytes = std::fs::read(&file).unwrap_or_else(|err| panic!("reading {}: {err}", file.display()));
    let runtime = ttrpg_plugin_runtime::PluginRuntime::new(ttrpg_plugin_runtime::RuntimeConfig::new(cache))
        .expect("plugin runtime");
    runtime.load(&bytes).await.unwrap_or_else(|err| panic!("loading {id}@{version}: {err}"))
}

/// A server with one plugin installed and enabled (with `grants`) in a new campaign of
/// `system`, which the session uses.
async fn one_plugin_campaign(
    package: &'static str,
    plugin: &str,
    system: &str,
    grants: &[&str],
) -> (Scratch, Client, String) {
    let file = wasm(package).await;
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &file).await;
    let client = connect_stdio(&scratch).await;
    let campaign = create_campaign(&client, &format!("{plugin} campaign"), system).await;
    enable(&client, &campaign, plugin, None, grants).await;
    use_campaign(&client, &campaign).await;
    (scratch, client, campaign)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_plugin_roll_replays_through_its_plugin() {
    let (scratch, client, campaign) = one_plugin_campaign("plugin-fate", "fate", "fate", &[]).await;
    // No seed given: the host picks a fresh one and stores it with the roll.
    let typed = "4dF + Good vs fair";
    let rolled = client.ok("roll_dice", json!({"expression": typed, "campaign_id": campaign})).await;
    let history = client.ok("roll_history", json!({"campaign_id": campaign, "limit": 1})).await;
    let stored = &array_of(&history, "/rolls")[0];
    assert_eq!(stored["id"], rolled["roll_id"]);

    // The row names the plugin and version that rolled it and the expression as typed.
    let grammar = str_of(stored, "/breakdown/grammar");
    assert_eq!(grammar, str_of(&rolled, "/grammar"));
    let (id, version) = grammar.split_once('@').expect("<plugin>@<version>");
    let input = str_of(stored, "/breakdown/input");
    assert_eq!(input, typed);
    let seed: u64 = str_of(stored, "/seed").parse().expect("a u64 seed");
    assert!(seed < 1 << 53, "a host-picked seed stays exact in JSON: {seed}");

    // The same plugin version, the same seed: the same roll, bit for bit.
    let cache = tempfile::tempdir().expect("cache dir");
    let plugin = installed_plugin(&scratch.data_dir(), cache.path(), id, version).await;
    let context =
        ttrpg_plugin_runtime::model::CallContext { campaign_id: campaign.clone(), session_id: None };
    let replay = plugin
        .roll(&context, &ttrpg_plugin_runtime::Grants::none(), seed, input)
        .await
        .expect("the stored roll replays");
    assert_eq!(replay.expression, str_of(stored, "/expression"));
    assert_eq!(replay.total, int_of(stored, "/total"));
    assert_eq!(replay.rendered, str_of(stored, "/rendered"));
    assert_eq!(json!(replay.crit), stored["crit"]);
    assert_eq!(replay.detail, stored["breakdown"]["detail"], "the same dice");
    // And through the server, with the stored seed.
    let again =
        client.ok("roll_dice", json!({"expression": input, "campaign_id": campaign, "seed": seed})).await;
    for field in ["expression", "total", "rendered", "crit", "detail", "grammar"] {
        assert_eq!(again[field], rolled[field], "{field} differs in the replay");
    }
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_tool_call_replays_from_its_logged_seed() {
    let (scratch, client, campaign) =
        one_plugin_campaign("fixture-echo", "echo", "echo-system", &["random"]).await;
    let value = client.ok("echo__random", json!({})).await["value"].as_u64().expect("u64");
    client.close().await;

    // The server logged the call with its seed.
    let logs = scratch.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("plugin tool called") && l.contains("tool=\"random\""))
        .unwrap_or_else(|| panic!("no log line for the call:\n{logs}"));
    let seed: u64 = line
        .split_whitespace()
        .find_map(|field| field.strip_prefix("seed="))
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| panic!("no seed in {line}"));

    // Calling the same plugin's tool with that seed gives the same number.
    let cache = tempfile::tempdir().expect("cache dir");
    let plugin = installed_plugin(&scratch.data_dir(), cache.path(), "echo", "1.0.0").await;
    let context = ttrpg_plugin_runtime::model::CallContext { campaign_id: campaign, session_id: None };
    let grants = ttrpg_plugin_runtime::Grants::of([ttrpg_plugin_runtime::model::Capability::Random]);
    let replay = plugin
        .call_tool(
            &context,
            &grants,
            std::sync::Arc::new(ttrpg_plugin_runtime::NoServices),
            seed,
            "random",
            &json!({}),
        )
        .await
        .expect("the call replays");
    assert_eq!(replay["value"].as_u64(), Some(value), "{line}");
}

// ---------------------------------------------------------------------------------------
// 7. A hostile plugin over MCP

/// The sandbox limits the hostile tests run with.
const HOSTILE_ENV: &[(&str, &str)] = &[("TTRPG_PLUGIN_TIMEOUT_MS", "1500"), ("TTRPG_PLUGIN_MEMORY_MB", "64")];

/// Longest any hostile call may take: the 1.5 s deadline plus generous slack.
const HOSTILE_DEADLINE: Duration = Duration::from_secs(10);

/// Core tools and another campaign's plugin still answer.
async fn still_serving(bystander: &Client, campaign_id: &str, after: &str) {
    let started = Instant::now();
    let roll = bystander.ok("roll_dice", json!({"expression": "1d20+5", "campaign_id": campaign_id})).await;
    assert_eq!(roll["grammar"], "core", "after {after}");
    let listed = bystander.ok("campaign_list", json!({})).await;
    assert!(!array_of(&listed, "/campaigns").is_empty(), "after {after}");
    let echoed = bystander.ok("echo__echo", json!({"text": after})).await;
    assert_eq!(echoed["text"], after);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bystander calls took {:?} after {after}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plugin_over_http() {
    let started = Instant::now();
    let (hostile, echo) = (wasm("fixture-hostile").await, wasm("fixture-echo").await);
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &hostile).await;
    install(&scratch.data_dir(), &echo).await;
    let server = HttpServer::start_with_env(&scratch, HOSTILE_ENV).await;
    let pid = server.child.id().expect("server pid");
    let h = server.connect("hostile").await;
    let e = server.connect("bystander").await;
    let hostile_campaign = create_campaign(&h, "Hostile", "hostile-system").await;
    let echo_campaign = create_campaign(&h, "Bystander", "dnd5e").await;
    enable(&h, &hostile_campaign, "hostile", None, &["log"]).await;
    enable(&h, &echo_campaign, "echo", None, &[]).await;
    use_campaign(&h, &hostile_campaign).await;
    use_campaign(&e, &echo_campaign).await;

    // Warm up: one successful call of each kind.
    let clock = h.ok("hostile__clock", json!({})).await;
    eprintln!("hostile__clock: {clock}");
    still_serving(&e, &echo_campaign, "warm-up").await;
    let rss_warm = rss_kib(pid);

    // Calls that must end in a tool error, with what the message must say.
    let failing: &[(&str, &[&str])] = &[
        ("spin", &["did not finish", "1.5"]),
        ("alloc_bomb", &["memory limit", "64 MiB"]),
        // A Rust guest's shadow stack lives in linear memory: it overflows into an
        // out-of-bounds access before wasm's own call stack is exhausted.
        ("deep_recursion", &["crashed"]),
        ("trap", &["crashed"]),
        ("panic", &["crashed", "boom"]),
        ("huge_result", &["memory limit"]),
        // 64 MiB cannot even be built under a 64 MiB limit (the result cap is tested below).
        ("big_result", &["memory limit"]),
        ("random_loop", &["did not finish"]),
    ];
    let mut timings = Vec::new();
    for (tool, expected) in failing {
        let name = format!("hostile__{tool}");
        let call_started = Instant::now();
        let result = h.call(&name, json!({})).await;
        let elapsed = call_started.elapsed();
        let message = text_of(&result);
        eprintln!("{name}: {elapsed:?}: {}", message.chars().take(300).collect::<String>());
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} should be a tool error, got {:?}",
            result.structured_content
        );
        assert!(message.contains("hostile"), "{name}: the message names the plugin: {message}");
        for word in *expected {
            assert!(message.contains(word), "{name}: message lacks {word:?}: {message}");
        }
        assert!(elapsed < HOSTILE_DEADLINE, "{name} took {elapsed:?}");
        if matches!(*tool, "spin" | "random_loop") {
            assert!(elapsed >= Duration::from_millis(1400), "{name} ended before its deadline: {elapsed:?}");
        }
        timings.push((name, elapsed));
        still_serving(&e, &echo_campaign, tool).await;
    }
    // stdout_flood: the output is captured and capped; the call either finishes or hits the deadline.
    let call_started = Instant::now();
    let flood = h.call("hostile__stdout_flood", json!({})).await;
    let elapsed = call_started.elapsed();
    eprintln!("hostile__stdout_flood: {elapsed:?}: is_error={:?} {}", flood.is_error, text_of(&flood));
    assert!(elapsed < HOSTILE_DEADLINE, "stdout_flood took {elapsed:?}");
    if flood.is_error == Some(true) {
        assert!(text_of(&flood).contains("did not finish"), "{}", text_of(&flood));
    } else {
        assert_eq!(flood.structured_content, Some(json!({"ok": true, "text": "printed 100 MiB"})));
    }
    still_serving(&e, &echo_campaign, "stdout_flood").await;

    // Escapes that must answer harmlessly.
    let passwd = h.ok("hostile__read_passwd", json!({})).await;
    assert_eq!(passwd["ok"], false, "{passwd}");
    assert!(!str_of(&passwd, "/text").contains("root:"), "{passwd}");
    let db_path = scratch.db_path();
    let db = h.ok("hostile__read_file", json!({"path": db_path.to_str().expect("utf-8")})).await;
    assert_eq!(db["ok"], false, "{db}");
    assert!(!str_of(&db, "/text").contains("SQLite format"), "{db}");
    let relative = h.ok("hostile__read_file", json!({"path": "ttrpg.db"})).await;
    assert_eq!(relative["ok"], false, "{relative}");
    let net = h.ok("hostile__net", json!({})).await;
    assert_eq!(net["ok"], false, "{net}");
    let env = h.ok("hostile__env", json!({})).await;
    assert_eq!(env, json!({"count": 0, "vars": []}), "the plugin sees no environment");
    let kv = h.ok("hostile__ungranted_kv", json!({})).await;
    assert_eq!(kv["ok"], false, "{kv}");
    assert!(str_of(&kv, "/text").contains("not granted"), "{kv}");
    eprintln!("escapes: passwd={passwd} db={db} net={net} env={env} kv={kv}");
    still_serving(&e, &echo_campaign, "escapes").await;

    // A spin called with a progress token hears its time limit running out.
    let mut meta = rmcp::model::RequestMetaObject::default();
    meta.set_progress_token(rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(77)));
    let mut params = rmcp::model::CallToolRequestParams::new("hostile__spin");
    params.meta = Some(meta);
    let spun = tokio::time::timeout(HOSTILE_DEADLINE, h.service.peer().call_tool(params))
        .await
        .expect("a spin with progress timed out")
        .expect("hostile__spin at the protocol level");
    assert_eq!(spun.is_error, Some(true), "{}", text_of(&spun));
    let mut progress = h.notifications.progress.lock().unwrap().clone();
    let token = progress.last().expect("a spinning plugin call sent no progress").0.clone();
    progress.retain(|p| p.0 == token);
    eprintln!("spin progress: {progress:?}");
    assert!(progress.len() >= 3, "too little progress over a 1.5 s spin: {progress:?}");
    assert!(progress.windows(2).all(|w| w[0].1 < w[1].1), "progress must increase: {progress:?}");
    assert!(
        progress.iter().all(|p| p.2 == Some(100.0)
            && p.3.as_deref().is_some_and(|m| m.contains("time limit") && m.ends_with("/1500"))),
        "{progress:?}"
    );

    // One the client cancels ends there, is counted as cancelled, and the host serves on.
    let cut = tokio::time::timeout(Duration::from_millis(400), h.call("hostile__spin", json!({}))).await;
    assert!(cut.is_err(), "a spin answered within 400 ms");
    still_serving(&e, &echo_campaign, "a cancelled spin").await;
    let counted_cancelled = |body: &str| {
        body.lines().any(|line| {
            line.starts_with("ttrpg_plugin_calls_total{")
                && line.contains(r#"outcome="cancelled""#)
                && line.contains(r#"plugin="hostile""#)
                && line.ends_with(" 1")
        })
    };
    let waited = Instant::now();
    loop {
        let (status, _, body) = server.raw_request("GET", "/metrics", None, None).await;
        assert_eq!(status, 200, "{body}");
        if counted_cancelled(&body) {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(5), "the cancelled spin is not counted: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // While one call spins, another session's call answers promptly.
    let (spun, bystander) = tokio::join!(h.call("hostile__spin", json!({})), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        let echoed = e.ok("echo__echo", json!({"text": "during spin"})).await;
        let took = started.elapsed();
        let started = Instant::now();
        e.ok("roll_dice", json!({"expression": "1d20"})).await;
        (echoed, took, started.elapsed())
    });
    eprintln!("during spin: echo__echo took {:?}, roll_dice took {:?}", bystander.1, bystander.2);
    assert_eq!(spun.is_error, Some(true));
    assert_eq!(bystander.0["text"], "during spin");
    assert!(bystander.1 < Duration::from_secs(1), "echo__echo during spin took {:?}", bystander.1);
    assert!(bystander.2 < Duration::from_secs(1), "roll_dice during spin took {:?}", bystander.2);

    // Two spins at once (more than the cores this may run on) and a bystander still answers.
    let (s1, s2, took) =
        tokio::join!(h.call("hostile__spin", json!({})), h.call("hostile__spin", json!({})), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let started = Instant::now();
            e.ok("echo__add", json!({"a": 1, "b": 2})).await;
            started.elapsed()
        });
    eprintln!("during two spins: echo__add took {took:?}");
    assert_eq!((s1.is_error, s2.is_error), (Some(true), Some(true)));
    // Both worker threads may be busy running wasm (yielding every 10 ms epoch tick), so
    // this bound is looser than the one-spin case.
    assert!(took < Duration::from_secs(3), "echo__add during two spins took {took:?}");

    // The hostile plugin itself still works afterwards.
    h.ok("hostile__clock", json!({})).await;
    still_serving(&e, &echo_campaign, "the end").await;
    let rss_after = rss_kib(pid);
    eprintln!(
        "server RSS: {} MiB after warm-up, {} MiB after the hostile calls",
        rss_warm / 1024,
        rss_after / 1024
    );
    assert!(
        rss_after < rss_warm + 150 * 1024,
        "RSS grew from {rss_warm} KiB to {rss_after} KiB after the hostile calls"
    );
    h.close().await;
    e.close().await;
    server.kill().await;
    let logs = scratch.logs();
    assert!(logs.contains("boom"), "the panic message reached the host's log");
    assert!(logs.len() < 8 << 20, "the server log holds {} bytes: stdout_flood was not capped", logs.len());
    eprintln!("hostile timings: {timings:?}");
    eprintln!("hostile_plugin_over_http took {:?}", started.elapsed());
}

/// The result cap, with enough memory for the plugin to build its 64 MiB answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_big_result_hits_the_result_cap() {
    let hostile = wasm("fixture-hostile").await;
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &hostile).await;
    let client = connect_stdio_with_env(
        &scratch,
        &[("TTRPG_PLUGIN_TIMEOUT_MS", "5000"), ("TTRPG_PLUGIN_MEMORY_MB", "512")],
    )
    .await;
    let campaign = create_campaign(&client, "Big", "hostile-system").await;
    enable(&client, &campaign, "hostile", None, &[]).await;
    use_campaign(&client, &campaign).await;
    let started = Instant::now();
    let message = client.err("hostile__big_result", json!({})).await;
    eprintln!("hostile__big_result with 512 MiB: {:?}: {message}", started.elapsed());
    assert!(message.contains("at most 8388608"), "refused over the 8 MiB result cap: {message}");
    assert!(started.elapsed() < HOSTILE_DEADLINE);
    assert!(client.ok("hostile__env", json!({})).await["count"] == 0);
    client.close().await;
}

/// Over stdio, what a plugin prints never reaches the MCP stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_stream_survives_stdout_flood() {
    let (hostile, echo) = (wasm("fixture-hostile").await, wasm("fixture-echo").await);
    let scratch = Scratch::new();
    install(&scratch.data_dir(), &hostile).await;
    install(&scratch.data_dir(), &echo).await;
    let client = connect_stdio_with_env(&scratch, HOSTILE_ENV).await;
    let hostile_campaign = create_campaign(&client, "Flood", "hostile-system").await;
    let echo_campaign = create_campaign(&client, "Dry", "echo-system").await;
    enable(&client, &hostile_campaign, "hostile", None, &[]).await;
    enable(&client, &echo_campaign, "echo", None, &[]).await;
    use_campaign(&client, &hostile_campaign).await;
    for round in 0..2 {
        let started = Instant::now();
        let flood = client.call("hostile__stdout_flood", json!({})).await;
        eprintln!("stdout_flood over stdio #{round}: {:?} is_error={:?}", started.elapsed(), flood.is_error);
        assert!(started.elapsed() < HOSTILE_DEADLINE);
        // Another hostile call that prints (a panic writes to stderr) and fails.
        let message = client.err("hostile__panic", json!({})).await;
        assert!(message.contains("crashed"), "{message}");
        // The stream still parses: structured results come back intact.
        let roll = client.ok("roll_dice", json!({"expression": "3d6", "seed": 7})).await;
        assert!((3..=18).contains(&int_of(&roll, "/total")));
        assert_eq!(client.ok("hostile__env", json!({})).await["count"], 0);
    }
    use_campaign(&client, &echo_campaign).await;
    assert_eq!(client.ok("echo__echo", json!({"text": "still here"})).await["text"], "still here");
    let roll = client.ok("roll_dice", json!({"expression": "4dF", "campaign_id": echo_campaign})).await;
    assert_eq!(roll["grammar"], "echo@1.0.0");
    client.close().await;
    let logs = scratch.logs();
    assert!(logs.len() < 8 << 20, "the server log holds {} bytes: stdout_flood was not capped", logs.len());
    assert!(logs.contains("xxxxxxxx"), "some of the plugin's stdout reached the host's log");
}

/// The kv quota the budget tests run with, in KiB (small, so a flood fills it quickly).
const FLOOD_QUOTA_KB: u64 = 256;

/// Writes a raw hostile component into the scratch folder and returns its path.
fn raw_component(scratch: &Scratch, name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch.data_dir().parent().expect("scratch folder").join(format!("{name}.wasm"));
    std::fs::write(&path, bytes).expect("writing the raw component");
    path
}

/// Budgets over MCP: sixteen memories are refused at install; a table grown to millions,
/// a kv flood and megabyte or many-term searches each end with an error naming the limit,
/// and another campaign's plugin, its kv space and the core tools are unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_budgets_over_http() {
    let (hostile, echo) = (wasm("fixture-hostile").await, wasm("fixture-echo").await);
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    install(&data, &hostile).await;
    install(&data, &echo).await;

    // Sixteen linear memories: refused before any of its code runs, and nothing is installed.
    let memories = raw_component(&scratch, "memories", &raw_plugins::sixteen_memories());
    let refused = cli_err(&data, &["plugin", "install", memories.to_str().expect("utf-8")]).await;
    assert!(refused.contains("16 linear memories") && refused.contains("at most 1"), "{refused}");
    assert!(!installed(&data).await.iter().any(|p| p["id"] == "memories"), "nothing was installed");
    let tables = raw_component(&scratch, "tables", &raw_plugins::table_grower(5_000_000));
    install(&data, &tables).await;

    let quota = FLOOD_QUOTA_KB.to_string();
    let env = [HOSTILE_ENV, &[("TTRPG_PLUGIN_KV_QUOTA_KB", quota.as_str())]].concat();
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let h = server.connect("hostile").await;
    let e = server.connect("bystander").await;
    let flooded = create_campaign(&h, "Flooded", "hostile-system").await;
    let grown = create_campaign(&h, "Grown", "tables-system").await;
    let echo_campaign = create_campaign(&e, "Bystander", "dnd5e").await;
    enable(&h, &flooded, "hostile", None, &["log", "kv", "search"]).await;
    enable(&h, &grown, "tables", None, &[]).await;
    enable(&e, &echo_campaign, "echo", None, &["kv"]).await;
    use_campaign(&e, &echo_campaign).await;
    let before = e.ok("echo__remember", json!({"key": "mine", "value": "before the flood"})).await;
    assert_eq!(before["value"], "before the flood");
    still_serving(&e, &echo_campaign, "warm-up").await;

    // A table grown to millions of elements: stopped, with the limit named.
    use_campaign(&h, &grown).await;
    let message = h.err("tables__grow_table", json!({})).await;
    eprintln!("tables__grow_table: {message}");
    assert!(message.contains("tables") && message.contains("65536 elements"), "{message}");
    still_serving(&e, &echo_campaign, "table growth").await;

    // A kv flood: as many 4 KiB values as fit in the quota, then a refusal naming it.
    use_campaign(&h, &flooded).await;
    let started = Instant::now();
    let flood = h.ok("hostile__kv_flood", json!({})).await;
    eprintln!("hostile__kv_flood: {:?}: {flood}", started.elapsed());
    let per_entry = "flood/00000000".len() as u64 + 4096 + ttrpg_plugin_runtime::KV_ENTRY_OVERHEAD;
    assert_eq!(flood["written"].as_u64(), Some((FLOOD_QUOTA_KB << 10) / per_entry), "{flood}");
    let error = str_of(&flood, "/error");
    assert!(error.contains("quota") && error.contains(&format!("{FLOOD_QUOTA_KB} KiB")), "{error}");
    assert!(error.contains("hostile"), "the refusal names the plugin: {error}");
    // Again: it may rewrite the values it holds (a replaced entry counts once), and is refused
    // at the first new key.
    let again = h.ok("hostile__kv_flood", json!({})).await;
    assert_eq!(again["written"], flood["written"], "the full space takes no new entry: {again}");
    assert!(str_of(&again, "/error").contains("quota"), "{again}");
    still_serving(&e, &echo_campaign, "kv flood").await;
    // The bystander's own space is untouched and still takes writes.
    let after = e.ok("echo__remember", json!({"key": "mine", "value": "after the flood"})).await;
    assert_eq!(
        (after["previous"].as_str(), after["value"].as_str()),
        (Some("before the flood"), Some("after the flood"))
    );

    // Searches with a megabyte query or 65 terms: refused before any scoring.
    let started = Instant::now();
    let search = h.ok("hostile__search_flood", json!({})).await;
    eprintln!("hostile__search_flood: {:?}: {search}", started.elapsed());
    assert_eq!(search["ok"], false, "{search}");
    assert!(str_of(&search, "/text").contains("at most 1024 bytes"), "{search}");
    let terms = h.ok("hostile__search_terms", json!({})).await;
    assert!(str_of(&terms, "/text").contains("at most 64 terms"), "{terms}");
    still_serving(&e, &echo_campaign, "search flood").await;

    h.close().await;
    e.close().await;
    server.kill().await;

    // What the flooded space holds in the database is within the quota.
    use sqlx::Row as _;
    let mut db = client::open_db(&scratch.db_path()).await;
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(octet_length(key) + octet_length(value)), 0) FROM plugin_kv \
         WHERE plugin_id = 'hostile' AND campaign_id = $1",
    )
    .bind(&flooded)
    .fetch_one(&mut db)
    .await
    .expect("reading the flooded space");
    let (entries, bytes): (i64, i64) = (row.get(0), row.get(1));
    let held = bytes as u64 + entries as u64 * ttrpg_plugin_runtime::KV_ENTRY_OVERHEAD;
    assert!(held <= FLOOD_QUOTA_KB << 10, "the space holds {held} bytes, over the quota");
}

/// A compiled plugin in the cache that was tampered with is not loaded: the server logs it,
/// recompiles from the installed component, and serves the plugin as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_compiled_plugin_is_recompiled_not_loaded() {
    let echo = wasm("fixture-echo").await;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    install(&data, &echo).await;
    let cache = data.join("plugins/.compiled");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).expect("the cache folder").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the compiled cache is private to the server's user");
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(&cache)
        .expect("reading the cache")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    let [entry] = entries.as_slice() else { panic!("one compiled entry expected: {entries:?}") };
    let record = PathBuf::from(format!("{}.sha256", entry.display()));
    let mut compiled = std::fs::read(entry).expect("the compiled entry");
    assert_eq!(
        std::fs::read_to_string(&record).expect("its record"),
        ttrpg_plugin_runtime::sha256_hex(&compiled)
    );
    let middle = compiled.len() / 2;
    for byte in &mut compiled[middle..middle + 256] {
        *byte = !*byte;
    }
    std::fs::write(entry, &compiled).expect("tampering with the entry");

    let client = connect_stdio_with_env(&scratch, &[]).await;
    let campaign = create_campaign(&client, "Cached", "echo-system").await;
    enable(&client, &campaign, "echo", None, &[]).await;
    use_campaign(&client, &campaign).await;
    assert_eq!(client.ok("echo__add", json!({"a": 20, "b": 22})).await["sum"], 42);
    client.close().await;
    let logs = scratch.logs();
    assert!(logs.contains("not loading the compiled plugin in the cache"), "the refusal is logged:\n{logs}");
    let rewritten = std::fs::read(entry).expect("the entry, rewritten");
    assert_ne!(rewritten, compiled, "the tampered entry was replaced");
    assert_eq!(
        std::fs::read_to_string(&record).expect("its record"),
        ttrpg_plugin_runtime::sha256_hex(&rewritten)
    );
}

/// A plugin built against API 0.1.0 installs and serves next to 0.3.0 plugins; all its
/// tools are GM tools.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_plugin_still_serves() {
    let legacy = wasm("fixture-legacy-api").await;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let described = cli_ok(&data, &["plugin", "check", "--json", legacy.to_str().expect("utf-8")]).await;
    let described: Value = serde_json::from_str(&described).unwrap_or_else(|e| panic!("{e}: {described}"));
    assert_eq!(described["api_version"], "0.1.0");
    for tool in array_of(&described, "/tools") {
        assert_eq!(str_of(tool, "/role"), "gm", "a 0.1 plugin's tools are GM tools: {tool:#}");
    }
    install(&data, &legacy).await;
    let client = connect_stdio_with_env(&scratch, &[]).await;
    let campaign = create_campaign(&client, "Old", "legacy-system").await;
    enable(&client, &campaign, "legacy", None, &[]).await;
    use_campaign(&client, &campaign).await;
    assert_eq!(plugin_tools(&client).await, ["legacy__add", "legacy__hello"]);
    assert_eq!(client.ok("legacy__hello", json!({})).await["hello"], "from API 0.1.0");
    assert_eq!(client.ok("legacy__add", json!({"a": 1, "b": 2})).await["sum"], 3);
    client.close().await;
}

/// A plugin built against API 0.2.0 installs and serves after the SDK moved to 0.3.0: it
/// keeps the roles it declares, and has no glossary and no prompts (0.2 has neither).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_2_plugin_still_serves_with_its_roles() {
    let plugin = wasm("fixture-api-0-2").await;
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let described = cli_ok(&data, &["plugin", "check", "--json", plugin.to_str().expect("utf-8")]).await;
    let described: Value = serde_json::from_str(&described).unwrap_or_else(|e| panic!("{e}: {described}"));
    assert_eq!(described["api_version"], "0.2.0");
    let roles: Vec<(&str, &str)> =
        array_of(&described, "/tools").iter().map(|t| (str_of(t, "/name"), str_of(t, "/role"))).collect();
    assert_eq!(roles, [("hello", "player"), ("add", "gm")]);
    assert_eq!(described["glossary_terms"], 0);
    assert_eq!(described["prompts"], json!([]));
    install(&data, &plugin).await;
    let client = connect_stdio_with_env(&scratch, &[]).await;
    let campaign = create_campaign(&client, "Middle", "roles-system").await;
    enable(&client, &campaign, "roles", None, &[]).await;
    use_campaign(&client, &campaign).await;
    assert_eq!(plugin_tools(&client).await, ["roles__add", "roles__hello"]);
    assert_eq!(client.ok("roles__hello", json!({})).await["hello"], "from API 0.2.0");
    assert_eq!(client.ok("roles__add", json!({"a": 2, "b": 3})).await["sum"], 5);
    client.close().await;
}

// ---------------------------------------------------------------------------------------
// 8. The first-party game systems in one server: D&D 5e over the imported SRD, Fate.

/// The SRD 5.1 data beside the repository, if present.
fn srd_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/srd51");
    if dir.join("open5e-Creature.json").exists() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: the SRD 5.1 data is not at {} (shared/ must sit beside the repository)",
            dir.display()
        );
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnd5e_and_fate_campaigns_in_one_server() {
    let Some(srd) = srd_dir() else { return };
    let (dnd5e, fate) = (wasm("plugin-dnd5e").await, wasm("plugin-fate").await);
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    install(&data, &dnd5e).await;
    install(&data, &fate).await;
    let imported = cli_ok(&data, &["import", "open5e", srd.to_str().expect("utf-8")]).await;
    assert!(imported.contains("325 monsters") && imported.contains("319 spells"), "{imported}");

    let client = connect_stdio(&scratch).await;
    let dnd = create_campaign(&client, "Sunless Citadel", "dnd5e").await;
    let fate_campaign = create_campaign(&client, "Spirit of the Century", "fate").await;
    enable(&client, &dnd, "dnd5e", Some("^1"), &["search", "host-tools"]).await;
    enable(&client, &fate_campaign, "fate", Some("^1.0"), &["kv"]).await;

    // Each campaign rolls with its own system's grammar.
    let adv = client.ok("roll_dice", json!({"expression": "adv + 5", "campaign_id": dnd, "seed": 11})).await;
    assert!(str_of(&adv, "/grammar").starts_with("dnd5e@1."), "{adv}");
    let total = adv["total"].as_i64().expect("total");
    assert!((6..=25).contains(&total), "{adv}");
    let crit = client.ok("roll_dice", json!({"expression": "crit 2d6+3", "campaign_id": dnd})).await;
    assert!((7..=27).contains(&crit["total"].as_i64().expect("total")), "4d6+3: {crit}");
    let fudge = client.ok("roll_dice", json!({"expression": "4dF+Good", "campaign_id": fate_campaign})).await;
    assert!(str_of(&fudge, "/grammar").starts_with("fate@1."), "{fudge}");
    assert!((-1..=7).contains(&fudge["total"].as_i64().expect("total")), "{fudge}");
    let refused = client.err("roll_dice", json!({"expression": "4dF", "campaign_id": dnd})).await;
    assert!(refused.contains("dnd5e"), "the 5e grammar refuses Fate dice: {refused}");

    // D&D tools over the imported SRD records, and a monster group added to the combat
    // through host.call-tool.
    use_campaign(&client, &dnd).await;
    let goblin = client.ok("dnd5e__monster_lookup", json!({"name": "goblin"})).await;
    let text = goblin.to_string();
    assert!(text.contains("\"Goblin\"") && text.contains("2d6") && text.contains("SRD 5.1"), "{goblin}");
    assert_eq!(goblin["monster"]["experience_points"], 50, "XP from CR 1/4, by the plugin: {goblin}");
    client.ok("initiative_start", json!({"campaign_id": dnd})).await;
    let added = client.ok("dnd5e__add_monster_to_initiative", json!({"name": "Goblin", "count": 3})).await;
    assert_eq!(added["count"], 3, "{added}");
    let combat = client.ok("initiative_get", json!({"campaign_id": dnd})).await;
    let combatants = combat["encounter"]["combatants"].as_array().expect("combatants");
    assert_eq!(combatants.len(), 3, "{combat}");
    for c in combatants {
        assert!(c["name"].as_str().expect("name").starts_with("Goblin "), "{c}");
        assert_eq!(c["ac"], 15, "{c}");
        let hp = c["hp"].as_i64().expect("hp");
        assert!((2..=12).contains(&hp), "2d6 hit points: {c}");
    }
    let dragons = client
        .ok("dnd5e__monster_search", json!({"type": "dragon", "cr_min": 10, "cr_max": 17, "limit": 50}))
        .await;
    let hits = dragons["hits"].as_array().expect("hits");
    assert!(hits.iter().any(|h| h["name"] == "Adult Red Dragon"), "{dragons}");
    let fireball = client.ok("dnd5e__spell_lookup", json!({"name": "fireball"})).await;
    assert!(fireball.to_string().contains("evocation"), "{fireball}");
    let encounter = client
        .ok("dnd5e__encounter_builder", json!({"party_levels": [3, 3, 3, 3], "difficulty": "medium"}))
        .await;
    assert!(
        encounter.to_string().contains("600"),
        "4 level-3 characters: medium threshold 150 each: {encounter}"
    );

    // Fate tools in their campaign.
    use_campaign(&client, &fate_campaign).await;
    let ladder = client.ok("fate__ladder", json!({"value": 3})).await;
    assert!(ladder.to_string().contains("Good"), "{ladder}");
    client.close().await;
}
