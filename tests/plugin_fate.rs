//! The Fate Core plugin (plugins/fate) through the real plugin runtime: it answers its own
//! schemas, its dice grammar rolls fair 4dF and refuses bad input by name and position, its
//! chunker covers every page and finds skill blocks, and its aspect tools keep state in a
//! campaign's key-value space.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "support/fixtures.rs"]
mod fixtures;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{Value, json};
use ttrpg_plugin_runtime::model::{CallContext, Capability, Document, Page, SearchHit, ToolRole};
use ttrpg_plugin_runtime::{
    CallError, Grants, HostServices, LoadedPlugin, PluginRuntime, RefusalKind, RuntimeConfig, ServiceError,
};

/// A key-value space in memory, keyed by (plugin, campaign, key), like the host's.
#[derive(Default)]
struct MemoryKv(Mutex<HashMap<(String, String, String), Vec<u8>>>);

#[async_trait]
impl HostServices for MemoryKv {
    async fn kv_get(&self, plugin: &str, campaign: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        Ok(self.0.lock().unwrap().get(&(plugin.into(), campaign.into(), key.into())).cloned())
    }
    async fn kv_set(
        &self,
        plugin: &str,
        campaign: &str,
        key: &str,
        value: Vec<u8>,
        _quota: u64,
    ) -> Result<(), ServiceError> {
        self.0.lock().unwrap().insert((plugin.into(), campaign.into(), key.into()), value);
        Ok(())
    }
    async fn kv_delete(&self, plugin: &str, campaign: &str, key: &str) -> Result<bool, ServiceError> {
        Ok(self.0.lock().unwrap().remove(&(plugin.into(), campaign.into(), key.into())).is_some())
    }
    async fn kv_list(
        &self,
        plugin: &str,
        campaign: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, ServiceError> {
        let map = self.0.lock().unwrap();
        let mut keys: Vec<String> = map
            .keys()
            .filter(|(p, c, k)| p == plugin && c == campaign && k.starts_with(prefix))
            .map(|(_, _, k)| k.clone())
            .collect();
        keys.sort();
        keys.truncate(limit);
        Ok(keys)
    }
    async fn search(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &Value,
        _: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        Err(ServiceError::Unavailable("no search in this test".into()))
    }
    async fn call_host_tool(
        &self,
        _: &str,
        _: Option<&str>,
        name: &str,
        _: Value,
    ) -> Result<Value, ServiceError> {
        Err(ServiceError::Forbidden(format!("no host tool {name} in this test")))
    }
}

async fn fate() -> (tempfile::TempDir, LoadedPlugin) {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig::new(cache.path())).expect("plugin runtime");
    let bytes = std::fs::read(fixtures::wasm("plugin-fate")).unwrap();
    let plugin = runtime.load(&bytes).await.unwrap_or_else(|err| panic!("loading plugin-fate: {err}"));
    (cache, plugin)
}

fn campaign(id: &str) -> CallContext {
    CallContext { campaign_id: id.into(), session_id: None }
}

async fn call(
    plugin: &LoadedPlugin,
    services: &Arc<MemoryKv>,
    tool: &str,
    args: Value,
) -> Result<Value, CallError> {
    let grants = Grants::of([Capability::Kv, Capability::Log]);
    plugin.call_tool(&campaign("c1"), &grants, services.clone(), 1, tool, &args).await
}

/// Checks `value` against the parts of a JSON schema these tools use: `type`, `required`,
/// `properties`, `items` and local `$ref`s; returns what does not fit.
fn schema_misfits(schema: &Value, root: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.trim_start_matches('#');
        return schema_misfits(root.pointer(pointer).expect("resolvable $ref"), root, value, at, out);
    }
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        let fits = kinds.iter().any(|k| match *k {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        });
        if !fits {
            out.push(format!("{at}: {value} is not {kinds:?}"));
            return;
        }
    }
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        let name = required.as_str().unwrap();
        if value.get(name).is_none() {
            out.push(format!("{at}: required `{name}` is missing"));
        }
    }
    if let (Some(properties), Some(object)) =
        (schema.get("properties").and_then(Value::as_object), value.as_object())
    {
        for (name, field) in object {
            match properties.get(name) {
                Some(sub) => schema_misfits(sub, root, field, &format!("{at}.{name}"), out),
                None => out.push(format!("{at}: `{name}` is not in the schema")),
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            schema_misfits(items, root, item, &format!("{at}[{i}]"), out);
        }
    }
}

fn assert_fits(plugin: &LoadedPlugin, tool: &str, result: &Value) {
    let spec = plugin.tools().iter().find(|t| t.name == tool).expect("tool exists");
    let schema = Value::Object(spec.output_schema.clone());
    let mut misfits = Vec::new();
    schema_misfits(&schema, &schema, result, tool, &mut misfits);
    assert!(misfits.is_empty(), "{tool} answered outside its output schema: {misfits:#?}\n{result:#}");
}

#[tokio::test]
async fn describes_itself_with_object_schemas_and_indexed_collections() {
    let (_cache, fate) = fate().await;
    let m = fate.manifest();
    assert_eq!((m.id.as_str(), m.system.as_str(), m.name.as_str()), ("fate", "fate", "Fate Core"));
    assert_eq!(m.version.to_string(), "1.0.0");
    assert_eq!(m.capabilities, [Capability::Log, Capability::Kv]);
    let names: BTreeSet<&str> = fate.tools().iter().map(|t| t.name.as_str()).collect();
    for tool in ["ladder", "resolve", "create_aspect", "list_aspects", "invoke_aspect", "remove_aspect"] {
        assert!(names.contains(tool), "missing {tool} in {names:?}");
    }
    for tool in fate.tools() {
        assert_eq!(tool.input_schema["type"], "object", "{} input", tool.name);
        assert_eq!(tool.output_schema["type"], "object", "{} output", tool.name);
        assert!(!tool.description.is_empty());
        // Reading the ladder and one's own roll are a player's helpers; aspects and stress
        // tracks are the campaign's shared state and stay with the GM.
        let for_players = matches!(tool.name.as_str(), "ladder" | "resolve");
        let expected = if for_players { ToolRole::Player } else { ToolRole::Gm };
        assert_eq!(tool.role, expected, "{}", tool.name);
    }
    let collections: BTreeSet<&str> = fate.collections().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(collections, ["aspects", "rules", "skills", "stunts"].into());
    for collection in fate.collections() {
        let name = collection.fields.iter().find(|f| f.name == "name").expect("every collection has a name");
        assert!(name.indexed, "{}.name is filterable", collection.name);
    }
    assert!(fate.dice_grammar().unwrap().contains("NdF"));
}

#[tokio::test]
async fn tools_answer_within_their_own_schemas() {
    let (_cache, fate) = fate().await;
    let kv = Arc::new(MemoryKv::default());
    let calls = [
        ("ladder", json!({"value": 3})),
        ("ladder", json!({"value": "great"})),
        ("resolve", json!({"skill": "Good", "opposition": 2, "dice": [1, 1, 0, 0]})),
        ("resolve", json!({"skill": 1, "opposition": "Fair", "dice_total": -2, "bonus": 2})),
        ("create_aspect", json!({"name": "On Fire", "kind": "situation", "invokes_free": 1})),
        ("list_aspects", json!({})),
        ("invoke_aspect", json!({"name": "on fire"})),
        ("remove_aspect", json!({"name": "On Fire"})),
        ("stress_track", json!({"character": "Zird", "track": "physical", "action": "hit", "shifts": 2})),
        ("stress_track", json!({"character": "Zird", "track": "mental", "action": "show"})),
    ];
    for (tool, args) in calls {
        let result =
            call(&fate, &kv, tool, args.clone()).await.unwrap_or_else(|e| panic!("{tool} {args}: {e}"));
        assert_fits(&fate, tool, &result);
    }
}

#[tokio::test]
async fn ladder_and_resolve_read_the_ladder_both_ways() {
    let (_cache, fate) = fate().await;
    let kv = Arc::new(MemoryKv::default());
    let out = call(&fate, &kv, "ladder", json!({"value": 3})).await.unwrap();
    assert_eq!((out["adjective"].as_str(), out["label"].as_str()), (Some("Good"), Some("+3 Good")));
    for (word, value) in [("Terrible", -2), ("mediocre", 0), ("FANTASTIC", 6), ("Legendary", 8)] {
        let out = call(&fate, &kv, "ladder", json!({"value": word})).await.unwrap();
        assert_eq!(out["value"], value, "{word}");
    }
    let out = call(&fate, &kv, "ladder", json!({"value": 10})).await.unwrap();
    assert_eq!(out["adjective"], "Legendary+2");
    let err = call(&fate, &kv, "ladder", json!({"value": "Grat"})).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Refused { kind: RefusalKind::InvalidArguments, message } if message.contains("Grat"))
    );

    let out =
        call(&fate, &kv, "resolve", json!({"skill": "Good", "opposition": "Fair", "dice": [1, 1, 0, 0]}))
            .await
            .unwrap();
    assert_eq!((out["effort"].as_i64(), out["shifts"].as_i64()), (Some(5), Some(3)));
    assert_eq!(out["outcome"], "succeed_with_style");
    let out =
        call(&fate, &kv, "resolve", json!({"skill": 2, "opposition": 2, "dice_total": 0})).await.unwrap();
    assert_eq!(out["outcome"], "tie");
    let out =
        call(&fate, &kv, "resolve", json!({"skill": 2, "opposition": 4, "dice_total": 1})).await.unwrap();
    assert_eq!(out["outcome"], "fail");
    for bad in [
        json!({"skill": 2, "opposition": 2}),
        json!({"skill": 2, "opposition": 2, "dice": [2, 0, 0, 0]}),
        json!({"skill": 2, "opposition": 2, "dice_total": 21}),
        json!({"skill": 2, "opposition": 2, "dice": [0], "dice_total": 0}),
    ] {
        let err = call(&fate, &kv, "resolve", bad.clone()).await.unwrap_err();
        assert!(
            matches!(err, CallError::Refused { kind: RefusalKind::InvalidArguments, .. }),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn the_grammar_refuses_bad_input_by_name_and_position() {
    let (_cache, fate) = fate().await;
    let cases = [
        ("4dX", "position 2"),
        ("21dF", "1 to 20"),
        ("4dF+", "position 4"),
        ("1d20", "not a Fate die"),
        ("", "empty"),
        ("4dF * 2", "position 5"),
        ("4dF + Grat", "`Grat` at position 7"),
    ];
    for (expression, expected) in cases {
        let err = fate.roll(&campaign("c1"), &Grants::none(), 1, expression).await.unwrap_err();
        match &err {
            CallError::Refused { kind: RefusalKind::Dice, message } => {
                assert!(message.contains(expected), "{expression:?}: {message}")
            }
            other => panic!("{expression:?}: expected a refusal, got {other}"),
        }
    }
}

#[tokio::test]
async fn four_fate_dice_are_fair_and_replayable() {
    let (_cache, fate) = fate().await;
    let seeds = 2000;
    let mut counts: HashMap<i64, u32> = HashMap::new();
    let mut sum = 0i64;
    for seed in 0..seeds {
        let roll = fate.roll(&campaign("c1"), &Grants::none(), seed, "4dF").await.unwrap();
        let dice: Vec<i64> =
            roll.detail["dice"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
        assert_eq!(dice.len(), 4);
        assert!(dice.iter().all(|d| (-1..=1).contains(d)), "{dice:?}");
        assert_eq!(dice.iter().sum::<i64>(), roll.total);
        assert!((-4..=4).contains(&roll.total), "{roll:?}");
        *counts.entry(roll.total).or_default() += 1;
        sum += roll.total;
    }
    let mean = sum as f64 / seeds as f64;
    assert!(mean.abs() < 0.15, "mean of 4dF over {seeds} seeds is {mean}");
    assert_eq!(counts.len(), 9, "every total from -4 to +4 turns up: {counts:?}");
    assert!(counts[&0] > counts[&3] && counts[&0] > counts[&-3], "a bell around 0: {counts:?}");

    let a = fate.roll(&campaign("c1"), &Grants::none(), 42, "4dF+2 vs Good").await.unwrap();
    let b = fate.roll(&campaign("c1"), &Grants::none(), 42, "4dF+2 vs Good").await.unwrap();
    assert_eq!(a, b, "the same seed replays the same roll");
}

#[tokio::test]
async fn ladder_words_and_opposition_in_rolls() {
    let (_cache, fate) = fate().await;
    for seed in 0..30 {
        let roll = fate.roll(&campaign("c1"), &Grants::none(), seed, "4dF + Good vs fair").await.unwrap();
        assert_eq!(roll.expression, "4dF+Good vs Fair");
        let d = &roll.detail;
        let dice: i64 = d["dice"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).sum();
        assert_eq!((d["modifier"].as_i64(), roll.total), (Some(3), dice + 3));
        assert_eq!((d["opposition"].as_i64(), d["shifts"].as_i64()), (Some(2), Some(roll.total - 2)));
        let expected = match roll.total - 2 {
            s if s < 0 => "fail",
            0 => "tie",
            1 | 2 => "succeed",
            _ => "succeed_with_style",
        };
        assert_eq!(d["outcome"], expected);
        assert_eq!(d["ladder"].as_str().map(str::to_owned), Some(ladder_word(roll.total)));
        assert!(roll.rendered.starts_with("4dF+Good (Good) vs +2 Fair: ["), "{}", roll.rendered);
        assert_eq!(roll.crit, ttrpg_plugin_runtime::model::Crit::None);
    }
    let roll = fate.roll(&campaign("c1"), &Grants::none(), 5, "4dF+3").await.unwrap();
    assert!(roll.rendered.starts_with("4dF+3 (Good): ["), "{}", roll.rendered);
    assert!(roll.detail.get("opposition").is_none());
    let roll = fate.roll(&campaign("c1"), &Grants::none(), 5, "4dF - Poor + Legendary").await.unwrap();
    assert_eq!(roll.detail["modifier"], 9);
}

fn ladder_word(value: i64) -> String {
    let words = [
        "Terrible",
        "Poor",
        "Mediocre",
        "Average",
        "Fair",
        "Good",
        "Great",
        "Superb",
        "Fantastic",
        "Epic",
        "Legendary",
    ];
    words[(value + 2) as usize].to_owned()
}

#[tokio::test]
async fn the_chunker_covers_every_page_and_finds_skills() {
    let (_cache, fate) = fate().await;
    let pages = [
        "FATE CORE TEST BOOK\nA short book to test the chunker.\n\n# The Basics\n\nRoll four Fate dice and add your skill.",
        "# Skills\n\nSkills are broad families of competence.\n\nFIGHT\nThe Fight skill covers close combat.\n\nOvercome: Fight is used in \
         contests of fighting prowess.\n\nCreate an Advantage: Size up an opponent.\n\nAttack: Make physical attacks in melee.",
        "Defend: Defend against melee attacks.\n\n# Conflicts\n\nA conflict ends when one side concedes or is taken out.",
        "# Index",
    ];
    let document = Document {
        book: "Fate-like".into(),
        pages: pages
            .iter()
            .enumerate()
            .map(|(i, t)| Page { number: i as u32 + 1, text: (*t).into() })
            .collect(),
    };
    let chunks = fate.chunk(0, &document).await.unwrap().expect("fate has a chunker");
    let covered: BTreeSet<u32> = chunks.iter().flat_map(|c| c.page_start..=c.page_end).collect();
    assert_eq!(covered, [1, 2, 3, 4].into(), "{chunks:#?}");
    let text: String = chunks.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
    for line in pages.iter().flat_map(|p| p.lines()).filter(|l| !l.trim().is_empty()) {
        assert!(text.contains(line.trim()), "lost {line:?}");
    }
    let skills: Vec<_> = chunks.iter().filter(|c| c.content_type == "skills").collect();
    assert_eq!(skills.len(), 1, "{chunks:#?}");
    let fight = skills[0];
    assert_eq!((fight.page_start, fight.page_end), (2, 3));
    assert_eq!(fight.section_path, ["Skills", "FIGHT"]);
    assert_eq!(fight.metadata["name"], "Fight");
    assert_eq!(fight.metadata["defend"], "Defend against melee attacks.");
    assert!(fight.metadata["overcome"].as_str().unwrap().starts_with("Fight is used"));
    assert_eq!(fight.metadata["description"], "The Fight skill covers close combat.");
    let conflicts = chunks.iter().find(|c| c.section_path == ["Conflicts"]).expect("a rules section");
    assert_eq!((conflicts.content_type.as_str(), conflicts.page_start), ("rules", 3));
    assert_eq!(conflicts.metadata["section"], "Conflicts");
}

#[tokio::test]
async fn aspects_live_in_the_campaign_key_value_space() {
    let (_cache, fate) = fate().await;
    let kv = Arc::new(MemoryKv::default());
    let out =
        call(&fate, &kv, "create_aspect", json!({"name": "On Fire", "kind": "situation", "invokes_free": 2}))
            .await
            .unwrap();
    assert_eq!(out["replaced"], false);
    call(&fate, &kv, "create_aspect", json!({"name": "Wizard for Hire", "kind": "high_concept"}))
        .await
        .unwrap();
    let list = call(&fate, &kv, "list_aspects", json!({})).await.unwrap();
    let names: Vec<&str> =
        list["aspects"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["On Fire", "Wizard for Hire"]);
    let list = call(&fate, &kv, "list_aspects", json!({"kind": "high_concept"})).await.unwrap();
    assert_eq!(list["aspects"].as_array().unwrap().len(), 1);

    for left in [1, 0] {
        let out = call(&fate, &kv, "invoke_aspect", json!({"name": "on  fire"})).await.unwrap();
        assert_eq!(
            (out["used_free_invoke"].as_bool(), out["aspect"]["invokes_free"].as_i64()),
            (Some(true), Some(left))
        );
    }
    let out = call(&fate, &kv, "invoke_aspect", json!({"name": "On Fire"})).await.unwrap();
    assert_eq!(out["used_free_invoke"], false);
    assert!(out["message"].as_str().unwrap().contains("fate point"));
    let err = call(&fate, &kv, "invoke_aspect", json!({"name": "Nope"})).await.unwrap_err();
    assert!(matches!(err, CallError::Refused { kind: RefusalKind::NotFound, .. }), "{err}");
    let err = call(&fate, &kv, "create_aspect", json!({"name": "X", "kind": "weather"})).await.unwrap_err();
    assert!(matches!(err, CallError::Refused { kind: RefusalKind::InvalidArguments, .. }), "{err}");

    let other = fate
        .call_tool(&campaign("c2"), &Grants::of([Capability::Kv]), kv.clone(), 1, "list_aspects", &json!({}))
        .await
        .unwrap();
    assert_eq!(other["aspects"], json!([]), "another campaign sees none of them");

    let out = call(&fate, &kv, "remove_aspect", json!({"name": "On Fire"})).await.unwrap();
    assert_eq!(out["removed"], true);
    let list = call(&fate, &kv, "list_aspects", json!({})).await.unwrap();
    assert_eq!(list["aspects"].as_array().unwrap().len(), 1);

    let err = fate
        .call_tool(&campaign("c1"), &Grants::none(), kv.clone(), 1, "list_aspects", &json!({}))
        .await
        .unwrap_err();
    match err {
        CallError::Refused { kind: RefusalKind::Failed, message } => {
            assert!(message.contains("`kv`"), "{message}")
        }
        other => panic!("expected a refusal naming kv, got {other}"),
    }
}

#[tokio::test]
async fn stress_tracks_absorb_hits_until_a_consequence_is_due() {
    let (_cache, fate) = fate().await;
    let kv = Arc::new(MemoryKv::default());
    let hit =
        |shifts: u32| json!({"character": "Zird", "track": "physical", "action": "hit", "shifts": shifts});
    let out = call(&fate, &kv, "stress_track", hit(1)).await.unwrap();
    assert_eq!(
        (out["checked_box"].as_u64(), out["stress"]["boxes"].clone()),
        (Some(1), json!([true, false]))
    );
    let out = call(&fate, &kv, "stress_track", hit(1)).await.unwrap();
    assert_eq!(out["checked_box"], 2, "a taken box rolls up to the next free one");
    let out = call(&fate, &kv, "stress_track", hit(1)).await.unwrap();
    assert_eq!(out["absorbed"], false);
    assert!(out["message"].as_str().unwrap().contains("consequence"));
    let resize = json!({"character": "zird", "track": "physical", "action": "resize", "boxes": 4});
    let out = call(&fate, &kv, "stress_track", resize).await.unwrap();
    assert_eq!(out["stress"]["boxes"], json!([true, true, false, false]));
    let out = call(&fate, &kv, "stress_track", hit(3)).await.unwrap();
    assert_eq!(out["checked_box"], 3);
    let clear = json!({"character": "Zird", "track": "physical", "action": "clear"});
    let out = call(&fate, &kv, "stress_track", clear).await.unwrap();
    assert_eq!(out["stress"]["boxes"], json!([false, false, false, false]));
    let err =
        call(&fate, &kv, "stress_track", json!({"character": "Zird", "track": "physical", "action": "hit"}))
            .await
            .unwrap_err();
    assert!(matches!(err, CallError::Refused { kind: RefusalKind::InvalidArguments, .. }), "{err}");
}
