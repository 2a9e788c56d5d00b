//! The D&D 5e plugin (plugins/dnd5e) loaded through the real plugin runtime: its manifest
//! and collections, every tool answering its own output schema over the SRD 5.1 records,
//! capability errors, and its dice grammar against avrae's d20 plus the 5e shorthands.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "plugin_dnd5e/chunker.rs"]
mod chunker;
#[path = "plugin_dnd5e/d20.rs"]
mod d20;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "plugin_dnd5e/schema.rs"]
mod schema;
#[path = "plugin_dnd5e/services.rs"]
mod services;
#[path = "support/srd_records.rs"]
mod srd_records;

use std::sync::Arc;

use serde_json::{Value, json};
use services::SrdServices;
use ttrpg_plugin_runtime::model::{CallContext, Capability, Crit, Document, Page, PluginRoll, ToolRole};
use ttrpg_plugin_runtime::{CallError, Grants, LoadedPlugin, PluginRuntime, RefusalKind, RuntimeConfig};

/// The plugin loaded in a runtime of its own (each test has its own tokio runtime), with
/// the SRD services.
struct Fixture {
    _cache: tempfile::TempDir,
    _runtime: PluginRuntime,
    plugin: LoadedPlugin,
    services: Arc<SrdServices>,
}

async fn fixture() -> Fixture {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig::new(cache.path())).expect("plugin runtime");
    let bytes = std::fs::read(fixtures::wasm("plugin-dnd5e")).unwrap();
    let plugin = runtime.load(&bytes).await.unwrap_or_else(|e| panic!("loading plugin-dnd5e: {e}"));
    Fixture { _cache: cache, _runtime: runtime, plugin, services: Arc::new(SrdServices::load()) }
}

fn context() -> CallContext {
    CallContext { campaign_id: "campaign-5e".into(), session_id: None }
}

fn granted() -> Grants {
    Grants::of([Capability::Search, Capability::HostTools, Capability::Log])
}

impl Fixture {
    async fn call(&self, grants: &Grants, tool: &str, args: Value) -> Result<Value, CallError> {
        self.plugin.call_tool(&context(), grants, self.services.clone(), 1, tool, &args).await
    }

    async fn roll(&self, seed: u64, expression: &str) -> Result<PluginRoll, CallError> {
        self.plugin.roll(&context(), &Grants::none(), seed, expression).await
    }
}

/// Calls `tool` with everything granted and checks the result against its output schema.
async fn call_checked(f: &Fixture, tool: &str, args: Value) -> Value {
    let out = f.call(&granted(), tool, args.clone()).await.unwrap_or_else(|e| panic!("{tool} {args}: {e}"));
    let spec = f.plugin.tools().iter().find(|t| t.name == tool).expect("tool listed");
    let output_schema = Value::Object(spec.output_schema.clone());
    let problems = schema::violations(&output_schema, &output_schema, &out, "$");
    assert!(problems.is_empty(), "{tool} answered outside its schema:\n{}\n{out:#}", problems.join("\n"));
    out
}

#[tokio::test]
async fn manifest_collections_and_schemas() {
    let f = fixture().await;
    let plugin = &f.plugin;
    let m = plugin.manifest();
    assert_eq!((m.id.as_str(), m.system.as_str(), m.name.as_str()), ("dnd5e", "dnd5e", "D&D 5e (SRD 5.1)"));
    assert_eq!(m.version.to_string(), "1.3.0");
    assert_eq!(m.capabilities, [Capability::Log, Capability::Search, Capability::HostTools]);
    let names: Vec<&str> = plugin.tools().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "monster_lookup",
            "monster_search",
            "spell_lookup",
            "spell_search",
            "encounter_builder",
            "add_monster_to_initiative"
        ]
    );
    for tool in plugin.tools() {
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        assert_eq!(tool.output_schema["type"], "object", "{}", tool.name);
        assert!(tool.description.len() > 80, "{} needs a description an AI can act on", tool.name);
        // Spells are the rules a player reads; stat blocks, encounter plans and the shared
        // initiative tracker stay with the GM.
        let for_players = matches!(tool.name.as_str(), "spell_lookup" | "spell_search");
        let expected = if for_players { ToolRole::Player } else { ToolRole::Gm };
        assert_eq!(tool.role, expected, "{}", tool.name);
    }
    let collections: Vec<&str> = plugin.collections().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(collections, ["monsters", "spells", "conditions", "rules"]);
    let grammar = plugin.dice_grammar().expect("a dice grammar");
    assert!(grammar.contains("adv") && grammar.contains("crit"), "{grammar}");
    // API 0.3.0: the glossary reaches the host through the sandbox, checked and trimmed.
    assert_eq!(m.api_version.to_string(), "0.3.0");
    let prone = plugin.glossary().iter().find(|e| e.term == "prone").expect("prone is in the glossary");
    assert!(prone.aliases.iter().any(|a| a == "lying on the ground"), "{prone:?}");
    assert!(plugin.glossary().len() >= 80, "{} terms", plugin.glossary().len());
    let document = Document { book: "SRD".into(), pages: vec![Page { number: 1, text: "Combat".into() }] };
    let chunks = plugin.chunk(0, &document).await.unwrap().expect("dnd5e has its own chunker");
    assert_eq!((chunks.len(), chunks[0].content_type.as_str()), (1, "rules"));
}

#[tokio::test]
async fn every_tool_answers_its_own_schema() {
    let f = fixture().await;
    let goblin = call_checked(&f, "monster_lookup", json!({"name": "goblin"})).await;
    assert_eq!(
        (goblin["monster"]["name"].as_str(), goblin["exact_match"].as_bool()),
        (Some("Goblin"), Some(true))
    );
    assert_eq!(goblin["monster"]["experience_points"], 50, "the plugin derives XP from CR 1/4: {goblin}");
    assert!(
        goblin["attribution"].as_str().unwrap().contains("CC")
            || goblin["attribution"].as_str().unwrap().contains("Creative")
    );
    let close = call_checked(&f, "monster_lookup", json!({"name": "Adult Red Dragn"})).await;
    assert_eq!(
        (close["monster"]["name"].as_str(), close["exact_match"].as_bool()),
        (Some("Adult Red Dragon"), Some(false))
    );

    let undead =
        call_checked(&f, "monster_search", json!({"cr_min": 1, "cr_max": 3, "type": "Undead", "limit": 50}))
            .await;
    let hits = undead["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for hit in hits {
        let cr = hit["challenge_rating"].as_f64().unwrap();
        assert!(hit["type"] == "undead" && (1.0..=3.0).contains(&cr), "{hit}");
        let xp_of_cr = [200, 450, 700][cr as usize - 1];
        assert_eq!(hit["experience_points"], xp_of_cr, "the plugin derives XP from CR: {hit}");
    }
    let forest = call_checked(&f, "monster_search", json!({"environment": "forest", "size": "large"})).await;
    assert!(forest["hits"].as_array().is_some_and(|h| !h.is_empty()), "{forest}");

    let fireball = call_checked(&f, "spell_lookup", json!({"name": "FIREBALL"})).await;
    assert_eq!(
        (fireball["spell"]["level"].as_i64(), fireball["spell"]["school"].as_str()),
        (Some(3), Some("evocation"))
    );
    let spells = call_checked(
        &f,
        "spell_search",
        json!({"level": 3, "school": "evocation", "class": "wizard", "limit": 50}),
    )
    .await;
    let names: Vec<&str> =
        spells["hits"].as_array().unwrap().iter().filter_map(|h| h["name"].as_str()).collect();
    assert!(names.contains(&"Fireball") && names.contains(&"Lightning Bolt"), "{names:?}");
    let rituals = call_checked(&f, "spell_search", json!({"ritual": true, "concentration": false})).await;
    assert!(
        rituals["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["ritual"] == true && h["concentration"] == false)
    );

    let plan = call_checked(
        &f,
        "encounter_builder",
        json!({"party_levels": [3, 3, 3, 2], "difficulty": "hard", "environment": "forest"}),
    )
    .await;
    assert_eq!(plan["party_thresholds"], json!({"easy": 275, "medium": 550, "hard": 825, "deadly": 1400}));
    let suggestion = &plan["suggestion"];
    assert_eq!(suggestion["difficulty"], "hard", "{plan:#}");
    let adjusted = suggestion["adjusted_xp"].as_u64().unwrap();
    assert!((825..1400).contains(&adjusted), "{plan:#}");
    let typed = call_checked(
        &f,
        "encounter_builder",
        json!({"party_levels": [8, 8, 8, 8, 8, 8], "monster_type": "undead"}),
    )
    .await;
    for monster in typed["suggestion"]["monsters"].as_array().unwrap() {
        assert_eq!(monster["type"], "undead", "{typed:#}");
    }

    let added = call_checked(&f, "add_monster_to_initiative", json!({"name": "Goblin", "count": 3})).await;
    assert_eq!(
        (added["init_modifier"].as_i64(), added["hp_dice"].as_str(), added["ac"].as_i64()),
        (Some(2), Some("2d6"), Some(15))
    );
    assert_eq!(added["initiative"]["added"].as_array().map(Vec::len), Some(3));
    let calls = f.services.host_calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0],
        (
            "initiative_add".to_string(),
            json!({"campaign_id": "campaign-5e", "name": "Goblin", "count": 3, "init_modifier": 2,
                "hp_dice": "2d6", "ac": 15, "kind": "monster"})
        )
    );
}

/// The message of a refused call, checking its kind.
fn refusal(result: Result<Value, CallError>, kind: RefusalKind) -> String {
    match result {
        Err(CallError::Refused { kind: k, message }) if k == kind => message,
        other => panic!("expected a {kind:?} refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_calls_and_missing_grants_say_what_to_do() {
    let f = fixture().await;
    let message = refusal(
        f.call(&granted(), "monster_lookup", json!({"name": "Zzyzx Qqq"})).await,
        RefusalKind::NotFound,
    );
    assert!(message.contains("Zzyzx Qqq"), "{message}");
    let message = refusal(
        f.call(&granted(), "encounter_builder", json!({"party_levels": [21]})).await,
        RefusalKind::InvalidArguments,
    );
    assert!(message.contains("21"), "{message}");
    let message = refusal(
        f.call(&granted(), "encounter_builder", json!({"party_levels": []})).await,
        RefusalKind::InvalidArguments,
    );
    assert!(message.contains("1 to 10"), "{message}");
    let message =
        refusal(f.call(&granted(), "monster_search", json!({})).await, RefusalKind::InvalidArguments);
    assert!(message.contains("query"), "{message}");
    let message = refusal(
        f.call(&granted(), "add_monster_to_initiative", json!({"name": "Goblin", "count": 21})).await,
        RefusalKind::InvalidArguments,
    );
    assert!(message.contains("1 to 20"), "{message}");

    let search_only = Grants::of([Capability::Search]);
    let message = refusal(
        f.call(&search_only, "add_monster_to_initiative", json!({"name": "Goblin"})).await,
        RefusalKind::Failed,
    );
    assert!(message.contains("host-tools"), "{message}");
    let message = refusal(
        f.call(&Grants::none(), "spell_lookup", json!({"name": "Fireball"})).await,
        RefusalKind::Failed,
    );
    assert!(message.contains("`search`"), "{message}");
    // Without search the encounter builder still gives the tables, and says why there is no mix.
    let plan =
        f.call(&Grants::none(), "encounter_builder", json!({"party_levels": [5, 5, 5, 5]})).await.unwrap();
    assert_eq!(plan["party_thresholds"]["medium"], 2000);
    assert!(
        plan["suggestion"].is_null() && plan["notes"][0].as_str().unwrap().contains("search"),
        "{plan:#}"
    );
}

#[tokio::test]
async fn the_grammar_refuses_bad_input_with_a_message() {
    let f = fixture().await;
    for (expression, expected) in [
        ("1d20 +", "column 6"),
        ("adv 1d4", "2d20kh1"),
        ("crit", "crit 2d6+3"),
        ("crit 600d6", "1200d6"),
        ("", "empty"),
        ("1001d6", "too many dice"),
    ] {
        match f.roll(1, expression).await {
            Err(CallError::Refused { kind: RefusalKind::Dice, message }) => {
                assert!(message.contains(expected), "{expression:?}: {message}")
            }
            other => panic!("{expression:?} should be refused, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn advantage_disadvantage_and_crits_with_fixed_seeds() {
    let f = fixture().await;
    let (mut adv_sum, mut dis_sum) = (0, 0);
    for seed in 0..60 {
        let adv = f.roll(seed, "adv + 5").await.unwrap();
        let faces: Vec<i64> = adv.detail["dice"][0]["dice"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["value"].as_i64().unwrap())
            .collect();
        assert_eq!(faces.len(), 2);
        assert_eq!(adv.total, faces.iter().max().unwrap() + 5, "{}", adv.rendered);
        assert!(adv.rendered.starts_with("adv: "), "{}", adv.rendered);
        let spelled = f.roll(seed, "2d20kh1 + 5").await.unwrap();
        assert_eq!(
            (adv.total, &adv.detail["dice"]),
            (spelled.total, &spelled.detail["dice"]),
            "adv is 2d20kh1"
        );
        assert_eq!(adv, f.roll(seed, "adv + 5").await.unwrap(), "the same seed replays the same roll");
        let natural = faces.iter().max().unwrap();
        let expected_crit = match natural {
            20 => Crit::Success,
            1 => Crit::Failure,
            _ => Crit::None,
        };
        assert_eq!(adv.crit, expected_crit);
        adv_sum += adv.total - 5;

        let dis = f.roll(seed, "dis+2").await.unwrap();
        let faces: Vec<i64> = dis.detail["dice"][0]["dice"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["value"].as_i64().unwrap())
            .collect();
        assert_eq!(dis.total, faces.iter().min().unwrap() + 2, "{}", dis.rendered);
        dis_sum += dis.total - 2;

        let crit = f.roll(seed, "crit 2d6+3").await.unwrap();
        assert_eq!(crit.expression, "4d6 + 3");
        assert_eq!(crit.detail["dice"][0]["count"], 4, "{}", crit.rendered);
        assert!((7..=27).contains(&crit.total), "{}", crit.rendered);
        assert_eq!(crit.total, f.roll(seed, "4d6+3").await.unwrap().total, "crit 2d6+3 is 4d6+3");
        let mixed = f.roll(seed, "crit 1d8 + 2d6[fire] + 4").await.unwrap();
        let counts: Vec<i64> =
            mixed.detail["dice"].as_array().unwrap().iter().map(|g| g["count"].as_i64().unwrap()).collect();
        assert_eq!(counts, [2, 4], "{}", mixed.rendered);
        assert!((10..=44).contains(&mixed.total), "{}", mixed.rendered);
    }
    assert!(adv_sum > dis_sum + 60 * 3, "advantage rolls higher than disadvantage: {adv_sum} vs {dis_sum}");
}

#[tokio::test]
async fn the_grammar_agrees_with_avrae_d20() {
    let f = fixture().await;
    let cases = d20::expressions();
    assert!(cases.len() >= 200, "only {} expressions", cases.len());
    let expressions: Vec<String> = cases.iter().map(|(e, _)| e.clone()).collect();
    let Some(answers) = d20::oracle(&expressions) else { return };
    let mut problems = Vec::new();
    let mut bounded = 0;
    for ((expression, monotone), answer) in cases.iter().zip(&answers) {
        let mut totals = Vec::new();
        for seed in 0..6 {
            if let Ok(r) = f.roll(seed, expression).await {
                totals.push(r.total);
            }
        }
        let accepted = !totals.is_empty();
        if Some(accepted) != answer["accepted"].as_bool() {
            problems.push(format!(
                "{expression:?}: 5e grammar accepts={accepted}, d20 accepts={}",
                answer["accepted"]
            ));
            continue;
        }
        if let (true, Some((low, high))) = (*monotone && accepted, d20::bounds(answer)) {
            bounded += 1;
            if let Some(out) = totals.iter().find(|t| !(low..=high).contains(*t)) {
                problems.push(format!("{expression:?}: total {out} outside d20's bounds {low}..={high}"));
            }
        }
    }
    println!("compared {} expressions with d20, {bounded} within d20's bounds", cases.len());
    assert!(bounded >= 150, "only {bounded} expressions had bounds");
    assert!(problems.is_empty(), "{} disagreement(s) with d20:\n{}", problems.len(), problems.join("\n"));
}

#[tokio::test]
async fn the_monster_tactics_prompt_carries_the_stat_block_and_its_page() {
    use std::collections::BTreeMap;
    use ttrpg_plugin_runtime::model::PromptSpeaker;
    let f = fixture().await;
    let spec = f.plugin.prompts().iter().find(|p| p.name == "monster_tactics").expect("prompt listed");
    assert!(spec.arguments.iter().any(|a| a.name == "monster" && a.required), "{spec:?}");
    let arguments = BTreeMap::from([("monster".to_string(), "Adult Red Dragon".to_string())]);
    let messages = f
        .plugin
        .get_prompt(&context(), &granted(), f.services.clone(), 1, "monster_tactics", &arguments)
        .await
        .unwrap_or_else(|e| panic!("monster_tactics: {e}"));
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].speaker, PromptSpeaker::User);
    let text = &messages[0].text;
    assert!(text.contains("Adult Red Dragon") && text.contains("Fire Breath"), "{text}");
    assert!(text.contains("Wizards of the Coast"), "the SRD attribution is missing: {text}");
    let unknown = BTreeMap::from([("monster".to_string(), "Zzyzx Qqq".to_string())]);
    let refused =
        f.plugin.get_prompt(&context(), &granted(), f.services.clone(), 1, "monster_tactics", &unknown).await;
    assert!(matches!(refused, Err(CallError::Refused { kind: RefusalKind::NotFound, .. })), "{refused:?}");
}
