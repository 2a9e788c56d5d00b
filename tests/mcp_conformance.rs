//! The official MCP conformance suite (npm `@modelcontextprotocol/conformance`) and the MCP
//! Inspector's command line (npm `@modelcontextprotocol/inspector-cli`) against the built
//! binary's Streamable HTTP server, as an SDK maintainer and a user debugging their setup
//! would run them. `scripts/test` installs both into a folder it names in
//! `TTRPG_NPM_TOOLS`; without it the tests say they cannot run (and fail under CI).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;

use std::path::PathBuf;
use std::process::Command;

use client::{HttpServer, Scratch};
use serde_json::Value;

/// The suite's server scenarios that apply to this server: every one must pass.
const APPLICABLE: &[&str] = &[
    "server-initialize",
    "ping",
    "tools-list",
    "logging-set-level",
    "completion-complete",
    "resources-list",
    "resources-subscribe",
    "resources-unsubscribe",
    "prompts-list",
    "server-sse-multiple-streams",
    "dns-rebinding-protection",
];

/// The scenarios that call the suite's own test tools, prompts or resources (`test_simple_text`,
/// `test://static-text`, `test_prompt_with_image`, …), which a TTRPG server does not have.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("tools-call-simple-text", "calls the suite's test_simple_text tool"),
    ("tools-call-image", "calls the suite's test_image_content tool"),
    ("tools-call-audio", "calls the suite's test_audio_content tool"),
    ("tools-call-embedded-resource", "calls the suite's test_embedded_resource tool"),
    ("tools-call-mixed-content", "calls the suite's test_multiple_content_types tool"),
    ("tools-call-with-logging", "calls the suite's test_tool_with_logging tool"),
    ("tools-call-error", "calls the suite's test_error_handling tool"),
    ("tools-call-with-progress", "calls the suite's test_tool_with_progress tool"),
    ("tools-call-sampling", "calls the suite's test_sampling tool"),
    ("tools-call-elicitation", "calls the suite's test_elicitation tool"),
    ("json-schema-2020-12", "looks for the suite's json_schema_2020_12_tool"),
    ("elicitation-sep1034-defaults", "calls the suite's test_elicitation_sep1034_defaults tool"),
    ("elicitation-sep1330-enums", "calls the suite's test_elicitation_sep1330_enums tool"),
    ("server-sse-polling", "calls the suite's test_reconnection tool"),
    ("resources-read-text", "reads the suite's test://static-text"),
    ("resources-read-binary", "reads the suite's test://static-binary"),
    ("resources-templates-read", "reads the suite's test://template/{id}/data"),
    ("prompts-get-simple", "gets the suite's test_simple_prompt"),
    ("prompts-get-with-args", "gets the suite's test_prompt_with_arguments"),
    ("prompts-get-embedded-resource", "gets the suite's test_prompt_with_embedded_resource"),
    ("prompts-get-with-image", "gets the suite's test_prompt_with_image"),
];

/// Where scripts/test installed the npm tools, or why the tests cannot run.
fn npm_tools() -> Option<PathBuf> {
    match std::env::var("TTRPG_NPM_TOOLS") {
        Ok(dir) if PathBuf::from(&dir).join("node_modules").is_dir() => Some(PathBuf::from(dir)),
        found => {
            let why = format!(
                "TTRPG_NPM_TOOLS is {found:?}, not a folder with node_modules (scripts/test installs them)"
            );
            assert!(std::env::var_os("CI").is_none(), "{why}");
            println!("SKIPPED (cannot run here): {why}");
            None
        }
    }
}

/// Runs one conformance scenario; its exit status and stdout (colour codes removed).
fn scenario(tools: &std::path::Path, url: &str, name: &str) -> (bool, String) {
    let bin = tools.join("node_modules/.bin/conformance");
    let output = Command::new(&bin)
        .args(["server", "--url", url, "--scenario", name])
        .current_dir(tools)
        .output()
        .unwrap_or_else(|err| panic!("running {}: {err}", bin.display()));
    let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), strip_ansi(&text))
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn the_official_conformance_suite_passes_every_scenario_that_applies() {
    let Some(tools) = npm_tools() else { return };
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let url = server.url.clone();
    let mut failed = Vec::new();
    for name in APPLICABLE {
        let (tools, url, scenario_name) = (tools.clone(), url.clone(), name.to_string());
        let (passed, output) =
            tokio::task::spawn_blocking(move || scenario(&tools, &url, &scenario_name)).await.unwrap();
        let summary =
            output.lines().find(|l| l.contains("Passed:")).unwrap_or("no summary").trim().to_string();
        println!("conformance {name}: {} ({summary})", if passed { "PASS" } else { "FAIL" });
        if !passed || output.contains("FAILURE") {
            failed.push(format!("{name}:\n{output}"));
        }
    }
    for (name, why) in NOT_APPLICABLE {
        println!("conformance {name}: NOT APPLICABLE ({why})");
    }
    assert!(failed.is_empty(), "conformance scenarios failed:\n{}", failed.join("\n"));
}

/// Runs the Inspector's CLI against `url` for `method` (plus extra arguments); its JSON.
fn inspector(tools: &std::path::Path, url: &str, method: &[&str]) -> Value {
    // It must run from its own build folder: it resolves its package.json from there.
    let build = tools.join("node_modules/@modelcontextprotocol/inspector-cli/build");
    let output = Command::new("node")
        .arg("index.js")
        .arg(url)
        .args(["--transport", "http", "--method"])
        .args(method)
        .current_dir(&build)
        .output()
        .unwrap_or_else(|err| panic!("running the inspector in {}: {err}", build.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "inspector {method:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("inspector {method:?} printed no JSON ({err}): {stdout}"))
}

#[tokio::test]
async fn the_inspector_cli_lists_tools_prompts_and_resources() {
    let Some(tools) = npm_tools() else { return };
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let url = server.url.clone();
    let listed = tokio::task::spawn_blocking(move || {
        (
            inspector(&tools, &url, &["tools/list"]),
            inspector(&tools, &url, &["prompts/list"]),
            inspector(&tools, &url, &["resources/templates/list"]),
            inspector(&tools, &url, &["resources/list"]),
        )
    })
    .await
    .unwrap();
    let (tools, prompts, templates, resources) = listed;
    let names = |value: &Value, list: &str, field: &str| -> Vec<String> {
        value[list].as_array().unwrap().iter().map(|t| t[field].as_str().unwrap().to_string()).collect()
    };
    let tool_names = names(&tools, "tools", "name");
    for expected in ["roll_dice", "campaign_create", "initiative_next", "search_rules", "campaign_use"] {
        assert!(tool_names.contains(&expected.to_string()), "{expected} not listed: {tool_names:?}");
    }
    let prompt_names = names(&prompts, "prompts", "name");
    assert!(prompt_names.contains(&"session_recap".to_string()), "{prompt_names:?}");
    let template_uris = names(&templates, "resourceTemplates", "uriTemplate");
    assert!(
        template_uris.contains(&"ttrpg://campaigns/{campaign_id}/combat".to_string()),
        "{template_uris:?}"
    );
    assert!(resources["resources"].is_array(), "{resources}");
}
