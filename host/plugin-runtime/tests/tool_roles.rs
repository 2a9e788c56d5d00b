//! Tool roles across API versions: a component built against 0.2.0 declares who may call
//! each tool and the runtime reports it; a component built against 0.1.0 declares nothing,
//! keeps loading and answering, and every one of its tools is a GM tool.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "../../../tests/support/fixtures.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use ttrpg_plugin_runtime::model::{CallContext, ToolRole};
use ttrpg_plugin_runtime::{
    CallError, Grants, LoadedPlugin, NoServices, PluginRuntime, RefusalKind, RuntimeConfig,
    SUPPORTED_API_VERSIONS,
};

async fn load(runtime: &PluginRuntime, package: &str) -> LoadedPlugin {
    let bytes = std::fs::read(fixtures::wasm(package)).unwrap();
    runtime.load(&bytes).await.unwrap_or_else(|err| panic!("loading {package}: {err}"))
}

fn roles(plugin: &LoadedPlugin) -> BTreeMap<&str, ToolRole> {
    plugin.tools().iter().map(|t| (t.name.as_str(), t.role)).collect()
}

async fn call(
    plugin: &LoadedPlugin,
    tool: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, CallError> {
    let context = CallContext { campaign_id: "c".into(), session_id: None };
    plugin.call_tool(&context, &Grants::none(), Arc::new(NoServices), 1, tool, &args).await
}

#[tokio::test]
async fn an_sdk_component_declares_its_tool_roles() {
    assert_eq!(SUPPORTED_API_VERSIONS, ["0.1.0", "0.2.0", "0.3.0"]);
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig::new(cache.path())).unwrap();
    let echo = load(&runtime, "fixture-echo").await;
    assert_eq!(echo.manifest().api_version.to_string(), "0.3.0");
    let expected = BTreeMap::from([
        ("echo", ToolRole::Player),
        ("add", ToolRole::Player),
        ("random", ToolRole::Player),
        ("remember", ToolRole::Gm),
        ("log", ToolRole::Gm),
        ("search", ToolRole::Gm),
    ]);
    assert_eq!(roles(&echo), expected);
    // A tool the SDK was not told about is the GM's.
    let other = load(&runtime, "fixture-other").await;
    assert_eq!(roles(&other), BTreeMap::from([("ping", ToolRole::Gm)]));
    // The template marks its coin flip for players and leaves its greeting with the GM.
    let template = load(&runtime, "plugin-template").await;
    assert_eq!(roles(&template), BTreeMap::from([("greet", ToolRole::Gm), ("coin_flip", ToolRole::Player)]));
    // The role is part of the tool's JSON description.
    let spec = echo.tools().iter().find(|t| t.name == "add").unwrap();
    assert_eq!(serde_json::to_value(spec).unwrap()["role"], "player");
}

#[tokio::test]
async fn a_0_1_component_still_loads_and_all_its_tools_are_gm_tools() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig::new(cache.path())).unwrap();
    let legacy = load(&runtime, "fixture-legacy-api").await;
    let manifest = legacy.manifest();
    assert_eq!((manifest.id.as_str(), manifest.api_version.to_string().as_str()), ("legacy", "0.1.0"));
    assert_eq!(roles(&legacy), BTreeMap::from([("hello", ToolRole::Gm), ("add", ToolRole::Gm)]));
    // It answers as it always did.
    assert_eq!(call(&legacy, "hello", json!({})).await.unwrap(), json!({"hello": "from API 0.1.0"}));
    assert_eq!(call(&legacy, "add", json!({"a": 40, "b": 2})).await.unwrap(), json!({"sum": 42}));
    let err = call(&legacy, "add", json!({"a": "x"})).await.unwrap_err();
    assert!(matches!(err, CallError::Refused { kind: RefusalKind::InvalidArguments, .. }), "{err}");
    // A stored description from before roles reads as GM-only.
    let mut stored = serde_json::to_value(&legacy.tools()[0]).unwrap();
    stored.as_object_mut().unwrap().remove("role");
    let read: ttrpg_plugin_runtime::model::PluginToolSpec = serde_json::from_value(stored).unwrap();
    assert_eq!(read.role, ToolRole::Gm);
}
