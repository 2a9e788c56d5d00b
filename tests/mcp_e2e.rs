//! End-to-end tests: the built `ttrpg` binary driven as an MCP client would drive it,
//! over stdio and over Streamable HTTP.
//!
//! Every test starts its own server(s) on its own temporary data dir, so the tests run
//! in parallel. Each call has a generous timeout (see `client::CALL_TIMEOUT`).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;

use std::time::Instant;

use client::{Client, HttpServer, Scratch, array_of, connect_stdio, int_of, open_db, str_of};
use serde_json::{Value, json};

/// Every core tool as the recorded contract (`host/tests/expected/tool_schemas.json`,
/// kept by the `tool_schemas` test) lists it: what the server must serve over MCP.
fn recorded_core_tools() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected/tool_schemas.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    match serde_json::from_str(&text) {
        Ok(Value::Array(tools)) => tools,
        other => panic!("{path} is not a JSON array of tools: {other:?}"),
    }
}

/// An id that names nothing.
const UNKNOWN_ID: &str = "00000000-0000-7000-8000-000000000000";

/// The combatant of that name in an encounter view.
fn combatant<'a>(encounter: &'a Value, name: &str) -> &'a Value {
    array_of(encounter, "/combatants")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no combatant {name:?} in {encounter:#}"))
}

/// Names of the conditions that expired in a `initiative_next` result, as (combatant, condition).
fn expired(turn: &Value) -> Vec<(String, String)> {
    array_of(turn, "/turn/expired")
        .iter()
        .map(|e| (str_of(e, "/combatant_name").to_string(), str_of(e, "/condition/name").to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// tools/list

async fn check_tool_list(client: &Client) {
    let tools = client.list_tools().await;
    for recorded in recorded_core_tools() {
        let name = str_of(&recorded, "/name");
        let tool = tools
            .iter()
            .find(|t| t.name == *name)
            .unwrap_or_else(|| panic!("[{}] tool {name} is not listed", client.label));
        let description = tool.description.as_deref().unwrap_or("");
        assert!(description.len() > 20, "{name} has no real description: {description:?}");
        assert_eq!(tool.input_schema.get("type"), Some(&json!("object")), "{name} input schema");
        let output = tool.output_schema.as_ref().unwrap_or_else(|| panic!("{name} has no output schema"));
        assert_eq!(output.get("type"), Some(&json!("object")), "{name} output schema");
        assert!(
            output.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()),
            "{name} output schema lists no properties"
        );
        assert!(tool.annotations.is_some(), "{name} has no annotations");
        assert_eq!(
            Value::Object(tool.input_schema.as_ref().clone()),
            recorded["input_schema"],
            "[{}] {name}: the served input schema is the recorded one",
            client.label
        );
        assert_eq!(
            Value::Object(output.as_ref().clone()),
            recorded["output_schema"],
            "[{}] {name}: the served output schema is the recorded one",
            client.label
        );
    }
}

/// The output-schema check `Client::ok` applies to every result is not vacuous: a result
/// that drifted from the schema is caught.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_schema_check_catches_drift() {
    let scratch = Scratch::new();
    let client = connect_stdio(&scratch).await;
    let roll = client.ok("roll_dice", json!({"expression": "2d6+1"})).await;
    let schema = client.output_schema("roll_dice").expect("roll_dice output schema");
    assert_eq!(client::check_schema(&roll, &schema, &schema, "$", 0), Ok(()));
    let mut wrong_type = roll.clone();
    wrong_type["total"] = json!("seven");
    assert!(client::check_schema(&wrong_type, &schema, &schema, "$", 0).is_err());
    let mut missing = roll.clone();
    missing.as_object_mut().expect("object").remove("rendered");
    assert!(client::check_schema(&missing, &schema, &schema, "$", 0).is_err());
    let mut nested = roll.clone();
    nested["breakdown"]["dice"][0]["sides"] = json!(-6);
    assert!(client::check_schema(&nested, &schema, &schema, "$", 0).is_ok(), "no minimum check, by design");
    nested["breakdown"]["dice"][0]["sides"] = json!("six");
    assert!(
        client::check_schema(&nested, &schema, &schema, "$", 0).is_err(),
        "nested $ref types are checked"
    );
    client.close().await;
}

// ---------------------------------------------------------------------------------------
// The whole game flow, shared by the stdio and HTTP tests.

/// A `dice_rolls` row: id, total, rendered, seed, campaign_id, session_id.
type RollRow = (String, i64, String, String, Option<String>, Option<String>);

/// What the game flow leaves behind, for transport-specific follow-up checks.
struct Game {
    campaign_id: String,
    session_id: String,
    /// (roll_id, total, rendered) of every roll_dice call, in order.
    rolls: Vec<(String, i64, String)>,
}

async fn play_game(client: &Client, scratch: &Scratch) -> Game {
    check_tool_list(client).await;

    // Campaign and session.
    let created =
        client.ok("campaign_create", json!({"name": "Lost Mine of Phandelver", "system": "dnd5e"})).await;
    let campaign_id = str_of(&created, "/campaign/id").to_string();
    assert_eq!(str_of(&created, "/campaign/name"), "Lost Mine of Phandelver");
    let listed = client.ok("campaign_list", json!({})).await;
    assert!(array_of(&listed, "/campaigns").iter().any(|c| c["id"] == campaign_id.as_str()));
    let session =
        client.ok("session_start", json!({"campaign_id": campaign_id, "title": "Goblin Arrows"})).await;
    let session_id = str_of(&session, "/session/id").to_string();
    assert_eq!(int_of(&session, "/session/number"), 1);
    let detail = client.ok("campaign_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(str_of(&detail, "/active_session/id"), session_id);

    // A combat: a PC with fixed initiative and HP, then 3 goblins with rolled HP.
    let started = client
        .ok(
            "initiative_start",
            json!({"campaign_id": campaign_id, "session_id": session_id, "name": "Ambush"}),
        )
        .await;
    assert_eq!(int_of(&started, "/encounter/round"), 0);
    let aria = client
        .ok(
            "initiative_add",
            json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 25, "hp": 30, "ac": 16, "kind": "player"}),
        )
        .await;
    assert_eq!(int_of(&aria, "/added/0/initiative"), 25);
    assert_eq!(int_of(&aria, "/added/0/hp"), 30);
    let goblins = client
        .ok(
            "initiative_add",
            json!({"campaign_id": campaign_id, "name": "Goblin", "count": 3, "hp_dice": "2d6", "init_modifier": 2, "ac": 15}),
        )
        .await;
    let added = array_of(&goblins, "/added");
    assert_eq!(added.len(), 3, "three goblins: {goblins:#}");
    for goblin in added {
        let hp = int_of(goblin, "/hp");
        assert!((2..=12).contains(&hp), "2d6 HP out of range: {goblin}");
        let init = int_of(goblin, "/initiative");
        assert!((3..=22).contains(&init), "1d20+2 initiative out of range: {goblin}");
    }
    let names: Vec<&str> = added.iter().map(|g| str_of(g, "/name")).collect();
    for name in ["Goblin 1", "Goblin 2", "Goblin 3"] {
        assert!(names.contains(&name), "{names:?}");
    }
    // 3 initiative rolls + 3 HP rolls, all in the roll history.
    assert_eq!(array_of(&goblins, "/rolls").len(), 6, "{goblins:#}");
    let order: Vec<String> =
        array_of(&goblins, "/encounter/combatants").iter().map(|c| str_of(c, "/name").to_string()).collect();
    assert_eq!(order.len(), 4);
    assert_eq!(order[0], "Aria", "initiative 25 goes first: {order:?}");

    // Round 1 starts with Aria.
    let turn = client.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    assert_eq!(int_of(&turn, "/turn/round"), 1);
    assert_eq!(str_of(&turn, "/turn/current_name"), "Aria");

    // Temp HP absorb damage first.
    let temp = client
        .ok(
            "initiative_heal",
            json!({"campaign_id": campaign_id, "combatant": "Aria", "amount": 5, "temporary": true}),
        )
        .await;
    assert_eq!(int_of(&temp, "/change/temp_hp"), 5);
    assert_eq!(int_of(&temp, "/change/hp"), 30);
    let hit = client
        .ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Aria", "amount": 8}))
        .await;
    assert_eq!(int_of(&hit, "/change/absorbed_by_temp"), 5, "{hit:#}");
    assert_eq!(int_of(&hit, "/change/temp_hp"), 0);
    assert_eq!(int_of(&hit, "/change/hp_before"), 30);
    assert_eq!(int_of(&hit, "/change/hp"), 27);
    assert_eq!(hit["change"]["dropped_to_zero"], false);
    assert_eq!(int_of(combatant(&hit["encounter"], "Aria"), "/hp"), 27);

    // Overkill on a goblin.
    let slain = client
        .ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Goblin 1", "amount": 100}))
        .await;
    let before = int_of(&slain, "/change/hp_before");
    assert_eq!(int_of(&slain, "/change/hp"), 0);
    assert_eq!(int_of(&slain, "/change/overkill"), 100 - before);
    assert_eq!(slain["change"]["dropped_to_zero"], true);

    // Conditions. Blessed on Aria during her own turn, 1 round: ends at the start of her
    // next turn (round 2). Hexed on Goblin 2, 2 rounds, counted at the end of Aria's turns:
    // her current turn does not count, so it ticks at the end of her round-2 turn and
    // expires at the end of her round-3 turn.
    client
        .ok(
            "initiative_condition",
            json!({"campaign_id": campaign_id, "combatant": "Aria", "action": "add", "condition": "Blessed", "duration_rounds": 1}),
        )
        .await;
    let hexed = client
        .ok(
            "initiative_condition",
            json!({
                "campaign_id": campaign_id, "combatant": "Goblin 2", "action": "add", "condition": "Hexed",
                "duration_rounds": 2, "ends": "end_of_turn", "anchor": "Aria", "source": "Aria"
            }),
        )
        .await;
    assert!(hexed["change"]["added"].is_object(), "{hexed:#}");
    assert!(!array_of(combatant(&hexed["encounter"], "Goblin 2"), "/conditions").is_empty());

    // Three rounds: 4 combatants, 12 turns in all (1 done above).
    let mut expirations = Vec::new();
    for step in 2..=12 {
        let turn = client.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
        let round = int_of(&turn, "/turn/round");
        let expected_round = (step - 1) / 4 + 1;
        assert_eq!(round, expected_round, "step {step}: {turn:#}");
        let position = (step - 1) % 4;
        assert_eq!(str_of(&turn, "/turn/current_name"), order[position as usize], "step {step}");
        assert_eq!(turn["turn"]["new_round"], position == 0, "step {step}");
        assert_eq!(int_of(&turn, "/encounter/round"), expected_round);
        for event in expired(&turn) {
            expirations.push((step, event.0, event.1));
        }
        let aria = combatant(&turn["encounter"], "Aria");
        let blessed = aria
            .get("conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|x| x.as_str().is_some_and(|s| s.starts_with("Blessed"))));
        assert_eq!(blessed, step < 5, "step {step}: Blessed lasts until the start of Aria's round-2 turn");
        if step == 6 {
            let ticked: Vec<&str> =
                array_of(&turn, "/turn/ticked").iter().map(|e| str_of(e, "/condition/name")).collect();
            assert_eq!(ticked, ["Hexed"], "Hexed ticks at the end of Aria's round-2 turn: {turn:#}");
        }
    }
    assert_eq!(
        expirations,
        vec![
            (5, "Aria".to_string(), "Blessed".to_string()),
            (10, "Goblin 2".to_string(), "Hexed".to_string())
        ],
        "conditions expire exactly on their turn"
    );
    let state = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(int_of(&state, "/encounter/round"), 3);
    // A header line, then one line per combatant.
    assert_eq!(str_of(&state, "/encounter/text").lines().skip(1).count(), 4, "{state:#}");

    // Dice: several rolls filed under the campaign and session, one with a seed.
    let mut rolls = Vec::new();
    for (expression, purpose) in [("1d20+5", "Attack"), ("2d6+3", "Damage"), ("4d6kh3", "Ability score")] {
        let roll = client
            .ok(
                "roll_dice",
                json!({"expression": expression, "campaign_id": campaign_id, "session_id": session_id, "purpose": purpose}),
            )
            .await;
        assert_eq!(roll["purpose"], purpose);
        rolls.push((
            str_of(&roll, "/roll_id").to_string(),
            int_of(&roll, "/total"),
            str_of(&roll, "/rendered").to_string(),
        ));
    }
    let seeded = json!({"expression": "8d6[fire]+4", "campaign_id": campaign_id, "session_id": session_id, "seed": 424242});
    let first = client.ok("roll_dice", seeded.clone()).await;
    let replay = client.ok("roll_dice", seeded).await;
    assert_eq!(first["total"], replay["total"], "same seed, same total");
    assert_eq!(first["rendered"], replay["rendered"], "same seed, same rendering");
    assert_eq!(first["breakdown"], replay["breakdown"], "same seed, same dice");
    assert_eq!(int_of(&first, "/seed"), 424242);
    assert_ne!(first["roll_id"], replay["roll_id"], "a replay is a new recorded roll");
    for roll in [&first, &replay] {
        rolls.push((
            str_of(roll, "/roll_id").to_string(),
            int_of(roll, "/total"),
            str_of(roll, "/rendered").to_string(),
        ));
    }
    // An unseeded roll reports the seed that replays it.
    let random = client.ok("roll_dice", json!({"expression": "3d20", "campaign_id": campaign_id})).await;
    let again = client
        .ok(
            "roll_dice",
            json!({"expression": "3d20", "campaign_id": campaign_id, "seed": random["seed"].clone()}),
        )
        .await;
    assert_eq!(random["rendered"], again["rendered"]);

    // The session's rolls via roll_history, newest first.
    let history = client.ok("roll_history", json!({"session_id": session_id, "limit": 100})).await;
    let listed: Vec<&str> = array_of(&history, "/rolls").iter().map(|r| str_of(r, "/id")).collect();
    let expected: Vec<&str> = rolls.iter().rev().map(|r| r.0.as_str()).collect();
    assert_eq!(listed, expected, "roll_history of the session, newest first");
    for record in array_of(&history, "/rolls") {
        assert_eq!(str_of(record, "/campaign_id"), campaign_id);
        let (_, total, rendered) = rolls.iter().find(|r| r.0 == str_of(record, "/id")).expect("known roll");
        assert_eq!(int_of(record, "/total"), *total);
        assert_eq!(str_of(record, "/rendered"), rendered);
    }
    // The campaign's history also holds the initiative and HP rolls of the goblins.
    let campaign_history = client.ok("roll_history", json!({"campaign_id": campaign_id, "limit": 500})).await;
    assert_eq!(array_of(&campaign_history, "/rolls").len(), rolls.len() + 2 + 6);

    // And the same rolls, directly in the SQLite file.
    let mut db = open_db(&scratch.db_path()).await;
    let rows: Vec<RollRow> = sqlx::query_as(
        "SELECT id, total, rendered, seed, campaign_id, session_id FROM dice_rolls WHERE session_id = ? ORDER BY created_at, id",
    )
    .bind(&session_id)
    .fetch_all(&mut db)
    .await
    .expect("reading dice_rolls");
    assert_eq!(rows.len(), rolls.len(), "{rows:?}");
    for (row, roll) in rows.iter().zip(&rolls) {
        assert_eq!(row.0, roll.0);
        assert_eq!(row.1, roll.1);
        assert_eq!(row.2, roll.2);
        assert_eq!(row.4.as_deref(), Some(campaign_id.as_str()));
        assert_eq!(row.5.as_deref(), Some(session_id.as_str()));
    }
    assert_eq!(rows[3].3, "424242");
    assert_eq!(rows[4].3, "424242");
    let campaign_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dice_rolls WHERE campaign_id = ?")
        .bind(&campaign_id)
        .fetch_one(&mut db)
        .await
        .expect("counting dice_rolls");
    assert_eq!(campaign_rows, (rolls.len() + 2 + 6) as i64);

    Game { campaign_id, session_id, rolls }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_full_game() {
    let started = Instant::now();
    let scratch = Scratch::new();
    let client = connect_stdio(&scratch).await;
    let info = client.service.peer_info().expect("server info after initialize");
    assert_eq!(info.server_info.as_ref().map(|i| i.name.as_str()), Some("ttrpg"));
    assert!(info.capabilities.tools.is_some(), "the server offers tools");
    let game = play_game(&client, &scratch).await;
    // Session end and notes round off the session.
    client
        .ok("session_add_note", json!({"session_id": game.session_id, "body": "Met Sildar", "tags": ["npc"]}))
        .await;
    let ended =
        client.ok("session_end", json!({"session_id": game.session_id, "summary": "Ambushed."})).await;
    assert_eq!(ended["session"]["summary"], "Ambushed.");
    let detail = client.ok("campaign_get", json!({"campaign_id": game.campaign_id})).await;
    assert!(detail["active_session"].is_null());
    assert_eq!(game.rolls.len(), 5);
    client.close().await;
    eprintln!("stdio_full_game took {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_full_game() {
    let started = Instant::now();
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let client = server.connect("http").await;
    let info = client.service.peer_info().expect("server info after initialize");
    assert_eq!(info.server_info.as_ref().map(|i| i.name.as_str()), Some("ttrpg"));
    play_game(&client, &scratch).await;
    client.close().await;
    server.kill().await;
    eprintln!("http_full_game took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// Bad input

/// Row counts of the tables a bad call must not touch.
async fn db_counts(scratch: &Scratch) -> Vec<(&'static str, i64)> {
    let mut db = open_db(&scratch.db_path()).await;
    let mut counts = Vec::new();
    for table in ["campaigns", "sessions", "session_notes", "characters", "initiative_tracker", "dice_rolls"]
    {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut db)
            .await
            .unwrap_or_else(|err| panic!("counting {table}: {err}"));
        counts.push((table, count));
    }
    counts
}

/// What the tools show; a bad call must leave it as it was.
async fn tool_counts(client: &Client, campaign_id: &str) -> (usize, usize, usize, Value) {
    let campaigns = client.ok("campaign_list", json!({"include_archived": true})).await;
    let rolls = client.ok("roll_history", json!({"limit": 500})).await;
    let sessions = client.ok("session_list", json!({"campaign_id": campaign_id})).await;
    let combat = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    (
        array_of(&campaigns, "/campaigns").len(),
        array_of(&rolls, "/rolls").len(),
        array_of(&sessions, "/sessions").len(),
        combat,
    )
}

fn assert_mentions(message: &str, words: &[&str]) {
    let lower = message.to_lowercase();
    assert!(
        words.iter().any(|w| lower.contains(&w.to_lowercase())),
        "error message {message:?} names none of {words:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_bad_input_is_a_tool_error_and_changes_nothing() {
    let started = Instant::now();
    let scratch = Scratch::new();
    let client = connect_stdio(&scratch).await;

    let created = client.ok("campaign_create", json!({"name": "Storm King", "system": "dnd5e"})).await;
    let campaign_id = str_of(&created, "/campaign/id").to_string();
    let session = client.ok("session_start", json!({"campaign_id": campaign_id})).await;
    let session_id = str_of(&session, "/session/id").to_string();
    client
        .ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id, "session_id": session_id}))
        .await;
    client.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    client
        .ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Ogre", "initiative": 8, "hp": 59}))
        .await;

    // SQL in text fields is stored verbatim, and every table survives it.
    let evil_name = "Robert'); DROP TABLE campaigns;--";
    let evil = client
        .ok("campaign_create", json!({"name": evil_name, "system": "dnd5e\"; DELETE FROM sessions; --"}))
        .await;
    let evil_id = str_of(&evil, "/campaign/id").to_string();
    let fetched = client.ok("campaign_get", json!({"campaign_id": evil_id})).await;
    assert_eq!(str_of(&fetched, "/campaign/name"), evil_name);
    assert_eq!(str_of(&fetched, "/campaign/system"), "dnd5e\"; DELETE FROM sessions; --");
    let evil_body = "'; DELETE FROM dice_rolls; DROP TABLE session_notes; --";
    let note = client
        .ok(
            "session_add_note",
            json!({"session_id": session_id, "body": evil_body, "tags": ["x' OR '1'='1"]}),
        )
        .await;
    assert_eq!(str_of(&note, "/note/body"), evil_body);
    let evil_purpose = "1); DROP TABLE dice_rolls; --";
    let roll = client
        .ok("roll_dice", json!({"expression": "1d4", "campaign_id": campaign_id, "purpose": evil_purpose}))
        .await;
    assert_eq!(roll["purpose"], evil_purpose);
    // A campaign id that is SQL is just an id that names nothing.
    let message = client.err("campaign_get", json!({"campaign_id": "' OR '1'='1"})).await;
    assert_mentions(&message, &["' OR '1'='1", "campaign"]);
    {
        let mut db = open_db(&scratch.db_path()).await;
        let body: String = sqlx::query_scalar("SELECT body FROM session_notes WHERE session_id = ?")
            .bind(&session_id)
            .fetch_one(&mut db)
            .await
            .expect("the note is in session_notes");
        assert_eq!(body, evil_body);
        let name: String = sqlx::query_scalar("SELECT name FROM campaigns WHERE id = ?")
            .bind(&evil_id)
            .fetch_one(&mut db)
            .await
            .expect("the campaign is in campaigns");
        assert_eq!(name, evil_name);
    }

    let db_before = db_counts(&scratch).await;
    let tools_before = tool_counts(&client, &campaign_id).await;
    assert_eq!(tools_before.0, 2);
    assert_eq!(tools_before.1, 2);

    // Unknown ids.
    let m = client.err("campaign_get", json!({"campaign_id": UNKNOWN_ID})).await;
    assert_mentions(&m, &[UNKNOWN_ID]);
    let m = client.err("session_start", json!({"campaign_id": UNKNOWN_ID})).await;
    assert_mentions(&m, &[UNKNOWN_ID]);
    let m = client.err("roll_dice", json!({"expression": "1d20", "campaign_id": UNKNOWN_ID})).await;
    assert_mentions(&m, &[UNKNOWN_ID, "campaign"]);
    let m = client
        .err("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id, "session_id": UNKNOWN_ID}))
        .await;
    assert_mentions(&m, &[UNKNOWN_ID, "session"]);
    let m = client.err("session_add_note", json!({"session_id": UNKNOWN_ID, "body": "lost"})).await;
    assert_mentions(&m, &[UNKNOWN_ID]);
    let m = client.err("session_end", json!({"session_id": UNKNOWN_ID})).await;
    assert_mentions(&m, &[UNKNOWN_ID]);
    let m = client.err("initiative_next", json!({"campaign_id": UNKNOWN_ID})).await;
    assert_mentions(&m, &[UNKNOWN_ID]);
    let m = client
        .err("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Nobody", "amount": 3}))
        .await;
    assert_mentions(&m, &["Nobody"]);

    // Bad dice.
    let m = client.err("roll_dice", json!({"expression": "1000000d6", "campaign_id": campaign_id})).await;
    assert_mentions(&m, &["1000000", "too many", "limit", "at most"]);
    let m = client.err("roll_dice", json!({"expression": "1d20 +", "campaign_id": campaign_id})).await;
    assert_mentions(&m, &["1d20 +"]);
    let m = client.err("roll_dice", json!({"expression": "", "campaign_id": campaign_id})).await;
    assert_mentions(&m, &["empty", "expression"]);
    let m = client.err("roll_dice", json!({"expression": "   "})).await;
    assert_mentions(&m, &["empty", "expression"]);

    // Missing required arguments.
    let m = client.err("roll_dice", json!({})).await;
    assert_mentions(&m, &["expression"]);
    let m = client.err("roll_dice", Value::Null).await;
    assert_mentions(&m, &["expression"]);
    let m = client.err("campaign_create", json!({"name": "No system"})).await;
    assert_mentions(&m, &["system"]);
    let m = client.err("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Ogre"})).await;
    assert_mentions(&m, &["amount"]);

    // Wrongly typed arguments.
    let m = client.err("campaign_get", json!({"campaign_id": 42})).await;
    assert_mentions(&m, &["invalid type", "campaign_id"]);
    let m = client
        .err("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Ogre", "amount": "lots"}))
        .await;
    assert_mentions(&m, &["invalid type", "amount", "lots"]);
    let m = client.err("roll_dice", json!({"expression": "1d20", "seed": -1})).await;
    assert_mentions(&m, &["invalid", "seed"]);
    let m = client
        .err(
            "initiative_condition",
            json!({"campaign_id": campaign_id, "combatant": "Ogre", "action": "smite", "condition": "Prone"}),
        )
        .await;
    assert_mentions(&m, &["smite", "variant"]);

    // Out-of-range values.
    let m = client
        .err("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Ogre", "amount": -5}))
        .await;
    assert_mentions(&m, &["-5", "amount"]);
    let m = client.err("roll_history", json!({"limit": 0})).await;
    assert_mentions(&m, &["limit"]);
    let m = client.err("initiative_condition", json!({"campaign_id": campaign_id, "combatant": "Ogre", "action": "add", "condition": "Prone", "duration_rounds": 0})).await;
    assert_mentions(&m, &["0", "duration"]);
    let m = client.err("campaign_create", json!({"name": "   ", "system": "dnd5e"})).await;
    assert_mentions(&m, &["name"]);

    // Unknown fields.
    let m = client.err("campaign_list", json!({"bogus": 1})).await;
    assert_mentions(&m, &["bogus"]);
    let m = client.err("roll_dice", json!({"expression": "1d20", "campaign": campaign_id})).await;
    assert_mentions(&m, &["campaign"]);

    // State conflicts.
    let m = client.err("session_start", json!({"campaign_id": campaign_id})).await;
    assert_mentions(&m, &["session"]);
    let m = client.err("initiative_start", json!({"campaign_id": campaign_id})).await;
    assert_mentions(&m, &["combat", "encounter"]);

    // An unknown tool is a tool error naming it.
    let m = client.err("summon_dragon", json!({"size": "huge"})).await;
    assert_mentions(&m, &["summon_dragon"]);

    // Nothing changed, as the tools and the database tell it.
    let tools_after = tool_counts(&client, &campaign_id).await;
    if tools_after != tools_before {
        let history = client.ok("roll_history", json!({"limit": 5})).await;
        panic!(
            "a refused call changed what the tools show: {tools_before:?} then {tools_after:?}; rolls: {history:#}"
        );
    }
    assert_eq!(db_counts(&scratch).await, db_before, "a refused call changed the database");
    // And the server still works.
    client.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id})).await;
    client.close().await;
    eprintln!("stdio_bad_input took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// Restarts

/// Sets up a combat and stops in round 2, mid-round, with HP, temp HP and conditions set.
async fn combat_to_round_two(client: &Client) -> String {
    let created = client.ok("campaign_create", json!({"name": "Restart", "system": "dnd5e"})).await;
    let campaign_id = str_of(&created, "/campaign/id").to_string();
    client.ok("initiative_start", json!({"campaign_id": campaign_id, "name": "Bridge"})).await;
    client
        .ok(
            "initiative_add",
            json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 25, "hp": 30, "kind": "player"}),
        )
        .await;
    client
        .ok(
            "initiative_add",
            json!({"campaign_id": campaign_id, "name": "Bram", "initiative": 21, "hp": 24, "kind": "player"}),
        )
        .await;
    client
        .ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Goblin", "count": 3, "hp_dice": "2d6", "init_modifier": 0}))
        .await;
    for _ in 0..7 {
        client.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    }
    // Round 2, Bram's turn (the second combatant).
    client
        .ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Aria", "amount": 7}))
        .await;
    client
        .ok(
            "initiative_heal",
            json!({"campaign_id": campaign_id, "combatant": "Bram", "amount": 6, "temporary": true}),
        )
        .await;
    client
        .ok(
            "initiative_condition",
            json!({"campaign_id": campaign_id, "combatant": "Goblin 3", "action": "add", "condition": "Prone", "duration_rounds": 1}),
        )
        .await;
    client
        .ok(
            "initiative_condition",
            json!({"campaign_id": campaign_id, "combatant": "Aria", "action": "add", "condition": "Blessed", "duration_rounds": 3, "ends": "end_of_turn"}),
        )
        .await;
    let state = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(int_of(&state, "/encounter/round"), 2);
    assert_eq!(str_of(combatant(&state["encounter"], "Bram"), "/id"), str_of(&state, "/encounter/current"));
    campaign_id
}

/// After a restart: the encounter is identical, and the next turns go on as they would have.
async fn check_resumed(client: &Client, campaign_id: &str, before: &Value) {
    let after = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(&after, before, "the combat after the restart differs");
    let order: Vec<String> =
        array_of(before, "/encounter/combatants").iter().map(|c| str_of(c, "/name").to_string()).collect();
    let current = order.iter().position(|n| n == "Bram").expect("Bram");
    assert_eq!(current, 1);
    // Next: the third combatant, still round 2; Goblin 3's Prone expires at the start of its turn.
    let mut round = 2;
    for index in current + 1..current + 1 + order.len() {
        let turn = client.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
        let position = index % order.len();
        if position == 0 {
            round += 1;
        }
        assert_eq!(int_of(&turn, "/turn/round"), round);
        assert_eq!(str_of(&turn, "/turn/current_name"), order[position]);
        let expired = expired(&turn);
        if order[position] == "Goblin 3" {
            assert_eq!(expired, vec![("Goblin 3".to_string(), "Prone".to_string())]);
        } else {
            assert!(expired.is_empty(), "{expired:?} at {}", order[position]);
        }
    }
    // The HP carried over and still change.
    let hit = client
        .ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Bram", "amount": 10}))
        .await;
    assert_eq!(int_of(&hit, "/change/absorbed_by_temp"), 6);
    assert_eq!(int_of(&hit, "/change/hp"), 20);
    let aria = combatant(&hit["encounter"], "Aria");
    assert_eq!(int_of(aria, "/hp"), 23);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_restart_resumes_combat_exactly() {
    let started = Instant::now();
    let scratch = Scratch::new();

    // 1. Graceful: the client closes stdin and the server exits.
    let client = connect_stdio(&scratch).await;
    let campaign_id = combat_to_round_two(&client).await;
    let before = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    client.close().await;
    let client = connect_stdio(&scratch).await;
    let after = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(after, before, "the combat after a clean restart differs");

    // 2. Hard kill (SIGKILL) in the middle of the combat, then resume.
    let pid = client.pid.expect("pid of the stdio server");
    let status =
        std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status().expect("running kill");
    assert!(status.success(), "kill -9 {pid}");
    // The old client sees its server gone: a call now fails at the protocol level.
    let gone = tokio::time::timeout(
        client::CALL_TIMEOUT,
        client.service.peer().call_tool(
            rmcp::model::CallToolRequestParams::new("initiative_get")
                .with_arguments(json!({"campaign_id": campaign_id}).as_object().cloned().expect("object")),
        ),
    )
    .await
    .expect("a call to a dead server returns");
    assert!(gone.is_err(), "a killed server answered: {gone:?}");
    drop(client);

    let client = connect_stdio(&scratch).await;
    check_resumed(&client, &campaign_id, &before).await;

    // 3. Dropping the client (no clean shutdown) also loses nothing.
    let state = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    drop(client);
    let client = connect_stdio(&scratch).await;
    assert_eq!(client.ok("initiative_get", json!({"campaign_id": campaign_id})).await, state);
    client.close().await;
    eprintln!("stdio_restart took {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_restart_resumes_combat_after_ctrl_c_and_hard_kill() {
    let started = Instant::now();
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let client = server.connect("http-1").await;
    let campaign_id = combat_to_round_two(&client).await;
    let before = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;

    // 1. Ctrl-C with a client still connected: the server exits cleanly and promptly.
    let took = server.interrupt().await;
    assert!(took < std::time::Duration::from_secs(10), "graceful shutdown took {took:?}");
    drop(client);
    let server = HttpServer::start(&scratch).await;
    let client = server.connect("http-2").await;
    assert_eq!(client.ok("initiative_get", json!({"campaign_id": campaign_id})).await, before);

    // 2. SIGKILL mid-combat, then resume on a new server.
    server.kill().await;
    drop(client);
    let server = HttpServer::start(&scratch).await;
    let client = server.connect("http-3").await;
    check_resumed(&client, &campaign_id, &before).await;
    client.close().await;
    server.kill().await;
    eprintln!("http_restart took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// Two clients on one HTTP server

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_two_clients_see_each_others_writes() {
    let started = Instant::now();
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let gm = server.connect("gm").await;
    let player = server.connect("player").await;

    // A campaign the GM creates is listed for the player.
    let created = gm.ok("campaign_create", json!({"name": "Shared table", "system": "dnd5e"})).await;
    let campaign_id = str_of(&created, "/campaign/id").to_string();
    let listed = player.ok("campaign_list", json!({})).await;
    assert!(array_of(&listed, "/campaigns").iter().any(|c| c["id"] == campaign_id.as_str()));

    // The player starts the session; the GM sees it as the active one.
    let session = player.ok("session_start", json!({"campaign_id": campaign_id})).await;
    let session_id = str_of(&session, "/session/id").to_string();
    let detail = gm.ok("campaign_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(str_of(&detail, "/active_session/id"), session_id);

    // Rolls from both, in one history.
    let a = player
        .ok(
            "roll_dice",
            json!({"expression": "1d20+5", "campaign_id": campaign_id, "session_id": session_id}),
        )
        .await;
    let b = gm
        .ok("roll_dice", json!({"expression": "2d6", "campaign_id": campaign_id, "session_id": session_id}))
        .await;
    for viewer in [&gm, &player] {
        let history = viewer.ok("roll_history", json!({"session_id": session_id})).await;
        let ids: Vec<&str> = array_of(&history, "/rolls").iter().map(|r| str_of(r, "/id")).collect();
        assert_eq!(ids, [str_of(&b, "/roll_id"), str_of(&a, "/roll_id")], "[{}]", viewer.label);
    }

    // One combat, driven from both sides.
    gm.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    player
        .ok(
            "initiative_add",
            json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 18, "hp": 22, "kind": "player"}),
        )
        .await;
    gm.ok(
        "initiative_add",
        json!({"campaign_id": campaign_id, "name": "Bugbear", "initiative": 12, "hp": 27}),
    )
    .await;
    gm.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    player
        .ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Bugbear", "amount": 9}))
        .await;
    let turn = player.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    assert_eq!(str_of(&turn, "/turn/current_name"), "Bugbear");
    let seen_by_gm = gm.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    let seen_by_player = player.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(seen_by_gm, seen_by_player);
    assert_eq!(int_of(combatant(&seen_by_gm["encounter"], "Bugbear"), "/hp"), 18);
    assert_eq!(int_of(&seen_by_gm, "/encounter/round"), 1);

    // Concurrent turn steps from both clients are neither lost nor doubled.
    let (x, y) = tokio::join!(
        gm.ok("initiative_next", json!({"campaign_id": campaign_id})),
        player.ok("initiative_next", json!({"campaign_id": campaign_id})),
    );
    let mut rounds = [int_of(&x, "/turn/round"), int_of(&y, "/turn/round")];
    rounds.sort();
    assert_eq!(rounds, [2, 2], "two steps from Bugbear: Aria then Bugbear in round 2");
    let state = gm.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(
        str_of(combatant(&state["encounter"], "Bugbear"), "/id"),
        str_of(&state, "/encounter/current")
    );

    gm.close().await;
    player.close().await;
    server.kill().await;
    eprintln!("http_two_clients took {:?}", started.elapsed());
}

/// A refused `initiative_add` must not leave dice rolls behind: the host rolls initiative
/// (and HP) for the newcomers before it checks everything else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_refused_initiative_add_records_no_rolls() {
    let scratch = Scratch::new();
    let client = connect_stdio(&scratch).await;
    let created = client.ok("campaign_create", json!({"name": "Leaks", "system": "dnd5e"})).await;
    let campaign_id = str_of(&created, "/campaign/id").to_string();
    client.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    let refused = [
        json!({"campaign_id": campaign_id, "name": "Bad dice", "hp_dice": "1000000d6"}),
        json!({"campaign_id": campaign_id, "name": "Bad dice", "hp_dice": "2d6 +"}),
        json!({"campaign_id": campaign_id, "name": "Bad modifier", "init_modifier": 1000}),
        json!({"campaign_id": campaign_id, "name": "Bad HP", "hp": -5}),
        json!({"campaign_id": campaign_id, "name": "Bad group", "count": 3, "hp_dice": "2d6", "ac": 1000}),
    ];
    let mut leaks = Vec::new();
    for arguments in refused {
        let before = array_of(&client.ok("roll_history", json!({"limit": 500})).await, "/rolls").len();
        let message = client.err("initiative_add", arguments.clone()).await;
        let after = array_of(&client.ok("roll_history", json!({"limit": 500})).await, "/rolls").len();
        if after != before {
            leaks
                .push(format!("{arguments} was refused ({message}) but recorded {} roll(s)", after - before));
        }
    }
    let combat = client.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    assert!(array_of(&combat, "/encounter/combatants").is_empty(), "{combat:#}");
    client.close().await;
    assert!(leaks.is_empty(), "refused initiative_add calls changed the roll history:\n{}", leaks.join("\n"));
}
