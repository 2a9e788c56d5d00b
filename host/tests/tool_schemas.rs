//! The MCP tool list is a public contract: names, descriptions, annotations and the input
//! and output JSON schemas. This test keeps the whole list as a data file beside it, so a
//! change to any tool shows up in review as a diff of `expected/tool_schemas.json`.
//!
//! After an intended change: `UPDATE_EXPECT=1 cargo test -p ttrpg-host --test tool_schemas`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::path::PathBuf;

use serde_json::{Value, json};
use ttrpg_host::tools::core_registry;

fn listing() -> Value {
    let tools: Vec<Value> = core_registry()
        .specs()
        .into_iter()
        .map(|spec| {
            json!({
                "name": spec.name,
                "title": spec.title,
                "description": spec.description,
                "hints": {
                    "read_only": spec.hints.read_only,
                    "destructive": spec.hints.destructive,
                    "idempotent": spec.hints.idempotent,
                },
                "input_schema": spec.input_schema,
                "output_schema": spec.output_schema,
            })
        })
        .collect();
    Value::Array(tools)
}

#[test]
fn tool_listing_matches_the_recorded_contract() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expected/tool_schemas.json");
    let actual = serde_json::to_string_pretty(&listing()).unwrap() + "\n";
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; run with UPDATE_EXPECT=1 to create it", path.display()));
    if expected != actual {
        let diff_at = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "the tool listing changed (first differing line: {:?}); if intended, rerun with UPDATE_EXPECT=1",
            diff_at.map(|i| i + 1)
        );
    }
}

#[test]
fn every_core_tool_has_object_schemas_and_a_description() {
    // Which tools exist is the recorded contract's business (the test above); here every
    // one of them is held to what an AI client needs.
    let registry = core_registry();
    assert!(registry.names().len() >= 30, "the core registry lost tools: {:?}", registry.names());
    for spec in registry.specs() {
        assert!(spec.description.len() > 40, "{}: description too thin for an AI client", spec.name);
        assert_eq!(spec.input_schema.get("type"), Some(&json!("object")), "{}: input schema", spec.name);
        assert_eq!(spec.output_schema.get("type"), Some(&json!("object")), "{}: output schema", spec.name);
        assert!(
            spec.input_schema.get("additionalProperties") == Some(&json!(false)),
            "{}: input schema must refuse unknown fields",
            spec.name
        );
        assert!(
            spec.output_schema.contains_key("properties"),
            "{}: output schema has no properties",
            spec.name
        );
    }
}

#[test]
fn registering_a_taken_name_is_refused() {
    let registry = core_registry();
    let roll = registry.get("roll_dice").unwrap();
    let err = registry.register(roll).unwrap_err().to_string();
    assert!(err.contains("roll_dice") && err.contains("already registered"), "{err}");
}
