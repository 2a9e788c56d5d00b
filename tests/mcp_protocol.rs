//! End-to-end tests of the MCP surface beyond tools, with rmcp's client against the built
//! binary: prompts with arguments and completions, live campaign resources with
//! subscriptions, logging at the level a client set, elicitation (accepted, declined, and
//! the `confirm` fallback of a client that cannot ask), and a paged `tools/list`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;

use std::collections::HashMap;
use std::time::Duration;

use client::{Client, Elicitation, HttpServer, Notifications, Scratch, connect_stdio, open_db, str_of};
use rmcp::model::{
    ArgumentInfo, CompleteRequestParams, CompletionContext, GetPromptRequestParams,
    ReadResourceRequestParams, Reference,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// The text of every message of a prompt, joined.
async fn prompt_text(client: &Client, name: &str, arguments: Value) -> Result<String, String> {
    let Value::Object(arguments) = arguments else { panic!("arguments must be an object") };
    let request = GetPromptRequestParams::new(name).with_arguments(arguments);
    let result = tokio::time::timeout(WAIT, client.service.peer().get_prompt(request)).await.unwrap();
    match result {
        Ok(prompt) => Ok(prompt
            .messages
            .iter()
            .map(|m| serde_json::to_value(&m.content).unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")),
        Err(err) => Err(err.to_string()),
    }
}

/// The values `completion/complete` offers.
async fn complete(
    client: &Client,
    reference: Reference,
    argument: &str,
    typed: &str,
    given: &[(&str, &str)],
) -> Vec<String> {
    let context: HashMap<String, String> =
        given.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let request = CompleteRequestParams::new(reference, ArgumentInfo::new(argument, typed))
        .with_context(CompletionContext::with_arguments(context));
    let result = tokio::time::timeout(WAIT, client.service.peer().complete(request)).await.unwrap().unwrap();
    result.completion.values
}

/// A resource's text.
async fn read(client: &Client, uri: &str) -> Result<Value, String> {
    let result =
        tokio::time::timeout(WAIT, client.service.peer().read_resource(ReadResourceRequestParams::new(uri)))
            .await
            .unwrap();
    match result {
        Ok(read) => {
            let contents = serde_json::to_value(&read.contents[0]).unwrap();
            Ok(serde_json::from_str(contents["text"].as_str().unwrap()).unwrap())
        }
        Err(err) => Err(err.to_string()),
    }
}

/// A campaign with a played session: a shared and a GM-only note, a roll, a fight.
async fn played_campaign(gm: &Client) -> (String, String) {
    let campaign =
        gm.ok("campaign_create", json!({"name": "Lost Mine of Phandelver", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id").to_string();
    let session = gm.ok("session_start", json!({"campaign_id": campaign_id, "title": "Goblin Arrows"})).await;
    let session_id = str_of(&session, "/session/id").to_string();
    gm.ok(
        "session_add_note",
        json!({"session_id": session_id, "body": "The party rescued Sildar Hallwinter", "tags": ["npc"], "visibility": "players"}),
    )
    .await;
    gm.ok(
        "session_add_note",
        json!({"session_id": session_id, "body": "Glasstaff is really Iarno", "tags": ["plot"]}),
    )
    .await;
    gm.ok(
        "roll_dice",
        json!({"expression": "1d20+5", "campaign_id": campaign_id, "session_id": session_id, "purpose": "Perception"}),
    )
    .await;
    gm.ok(
        "initiative_start",
        json!({"campaign_id": campaign_id, "session_id": session_id, "name": "Goblin ambush"}),
    )
    .await;
    gm.ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 15, "hp": 20}))
        .await;
    gm.ok(
        "initiative_add",
        json!({"campaign_id": campaign_id, "name": "Goblin", "initiative": 10, "hp": 7, "kind": "monster"}),
    )
    .await;
    gm.ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Hidden Bugbear", "initiative": 5, "hp": 27, "kind": "monster", "hidden": true}))
        .await;
    gm.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    (campaign_id, session_id)
}

#[tokio::test]
async fn prompts_take_arguments_with_completions_and_hold_only_what_the_caller_may_see() {
    let scratch = Scratch::new();
    let gm = connect_stdio(&scratch).await;
    let (campaign_id, _) = played_campaign(&gm).await;

    let listed = gm.service.peer().list_prompts(None).await.unwrap();
    let names: Vec<&str> = listed.prompts.iter().map(|p| p.name.as_str()).collect();
    for expected in ["session_recap", "recap_for_players", "prep_encounter", "rules_ruling", "npc_quick"] {
        assert!(names.contains(&expected), "{expected} is not listed: {names:?}");
    }
    let recap = listed.prompts.iter().find(|p| p.name == "session_recap").unwrap();
    let arguments = recap.arguments.as_ref().unwrap();
    assert!(arguments.iter().any(|a| a.name == "campaign" && a.required == Some(true)), "{arguments:?}");

    // Completions: the campaign by a piece of its name, its sessions, its tags, and the id
    // a resource template needs.
    let prompt = || Reference::for_prompt("session_recap");
    assert_eq!(complete(&gm, prompt(), "campaign", "lost", &[]).await, vec!["Lost Mine of Phandelver"]);
    assert_eq!(complete(&gm, prompt(), "campaign", "phandel", &[]).await, vec!["Lost Mine of Phandelver"]);
    assert!(complete(&gm, prompt(), "campaign", "strahd", &[]).await.is_empty());
    let given = [("campaign", "Lost Mine of Phandelver")];
    assert_eq!(complete(&gm, prompt(), "session", "", &given).await, vec!["1"]);
    let tags = complete(&gm, prompt(), "tag", "", &given).await;
    assert!(tags.contains(&"npc".to_string()) && tags.contains(&"plot".to_string()), "{tags:?}");
    let template = Reference::for_resource("ttrpg://campaigns/{campaign_id}/combat");
    assert_eq!(complete(&gm, template, "campaign_id", "Lost", &[]).await, vec![campaign_id.clone()]);
    let difficulty = complete(&gm, Reference::for_prompt("prep_encounter"), "difficulty", "de", &[]).await;
    assert_eq!(difficulty, vec!["deadly"]);

    // The GM's recap holds everything; the players' recap holds only what they may see.
    let text =
        prompt_text(&gm, "session_recap", json!({"campaign": "lost mine of phandelver"})).await.unwrap();
    for expected in ["Sildar", "Glasstaff", "Perception", "Goblin ambush", "Hidden Bugbear", "Goblin Arrows"]
    {
        assert!(text.contains(expected), "the GM's recap lacks {expected:?}: {text}");
    }
    let players = prompt_text(&gm, "recap_for_players", json!({"campaign": campaign_id, "session": "1"}))
        .await
        .unwrap();
    assert!(players.contains("Sildar") && players.contains("Goblin ambush"), "{players}");
    assert!(!players.contains("Glasstaff"), "a GM note reached the players' recap: {players}");
    assert!(!players.contains("Hidden Bugbear"), "a hidden combatant reached the players' recap: {players}");
    let only_npcs =
        prompt_text(&gm, "session_recap", json!({"campaign": campaign_id, "tag": "npc"})).await.unwrap();
    assert!(only_npcs.contains("Sildar") && !only_npcs.contains("Glasstaff"), "{only_npcs}");

    // Bad arguments are named.
    let missing = prompt_text(&gm, "session_recap", json!({})).await.unwrap_err();
    assert!(missing.contains("campaign"), "{missing}");
    let unknown =
        prompt_text(&gm, "session_recap", json!({"campaign": "Curse of Strahd"})).await.unwrap_err();
    assert!(unknown.contains("Curse of Strahd") && unknown.contains("Lost Mine"), "{unknown}");
    let no_such = prompt_text(&gm, "no_such_prompt", json!({})).await.unwrap_err();
    assert!(no_such.contains("session_recap"), "{no_such}");
    let no_session = prompt_text(&gm, "session_recap", json!({"campaign": campaign_id, "session": "9"}))
        .await
        .unwrap_err();
    assert!(no_session.contains("no session 9"), "{no_session}");
    gm.close().await;
}

#[tokio::test]
async fn a_subscriber_to_the_combat_hears_every_step_of_three_rounds() {
    let scratch = Scratch::new();
    let (gm_token, _) = scratch.token("gwen", false);
    let (outsider_token, _) = scratch.token("oscar", false);
    let server = HttpServer::start(&scratch).await;
    let gm = server.connect_as("gm", Some(&gm_token)).await;
    let outsider = server.connect_as("outsider", Some(&outsider_token)).await;
    let campaign = gm.ok("campaign_create", json!({"name": "Ambush", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id").to_string();
    gm.list_tools().await; // now a GM: the GM tools are listed
    let uri = format!("ttrpg://campaigns/{campaign_id}/combat");

    // Nothing running yet: the resource says so.
    let idle = read(&gm, &uri).await.unwrap();
    assert_eq!(idle["running"], false, "{idle}");
    #[allow(deprecated, reason = "resources/subscribe is this protocol version's")]
    gm.service.peer().subscribe(rmcp::model::SubscribeRequestParams::new(&uri)).await.unwrap();

    gm.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    gm.ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 15, "hp": 20}))
        .await;
    gm.ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Ogre", "initiative": 8, "hp": 59}))
        .await;
    let steps = 3 + 6; // start, two adds, then three rounds of two turns
    for _ in 0..6 {
        gm.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    }
    let heard = gm.notifications.wait_updated(steps, WAIT).await;
    assert!(heard >= steps, "heard {heard} updates for {steps} steps");
    assert!(gm.notifications.updated.lock().unwrap().iter().all(|u| u == &uri));
    let now = read(&gm, &uri).await.unwrap();
    assert_eq!(now["encounter"]["round"], 3, "{now}");

    // Someone outside the campaign can neither read nor watch it.
    let refused = read(&outsider, &uri).await.unwrap_err();
    assert!(refused.contains(&campaign_id), "{refused}");
    #[allow(deprecated, reason = "resources/subscribe is this protocol version's")]
    let watched = outsider.service.peer().subscribe(rmcp::model::SubscribeRequestParams::new(&uri)).await;
    assert!(watched.is_err(), "an outsider subscribed to the combat");
    gm.ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Ogre", "amount": 10})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(outsider.notifications.updated.lock().unwrap().is_empty(), "the outsider heard of the combat");

    // After unsubscribing, no more updates.
    #[allow(deprecated, reason = "resources/unsubscribe is this protocol version's")]
    gm.service.peer().unsubscribe(rmcp::model::UnsubscribeRequestParams::new(&uri)).await.unwrap();
    let before = gm.notifications.updated.lock().unwrap().len();
    gm.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gm.notifications.updated.lock().unwrap().len(), before, "updates after unsubscribing");
    gm.close().await;
    outsider.close().await;
}

#[tokio::test]
#[allow(deprecated, reason = "MCP logging is this protocol version's")]
async fn log_lines_go_to_the_session_that_set_a_level_and_only_at_that_level() {
    use rmcp::model::{LoggingLevel, SetLevelRequestParams};
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let watching = server.connect("watching").await;
    let other = server.connect("other").await;
    let campaign = watching.ok("campaign_create", json!({"name": "Logs", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id").to_string();
    watching.service.peer().set_level(SetLevelRequestParams::new(LoggingLevel::Info)).await.unwrap();

    // The other session's steps are its own: the watching session does not hear them.
    other.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    other.ok("initiative_add", json!({"campaign_id": campaign_id, "name": "Aria", "initiative": 12})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!watching.notifications.wait_log("combat saved", Duration::from_millis(200)).await);
    assert!(other.notifications.logs.lock().unwrap().is_empty(), "a session that set no level got log lines");

    // Its own steps it hears, with the module that logged them and no secret fields.
    watching.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    assert!(watching.notifications.wait_log("combat saved", WAIT).await, "no log line for the step");
    {
        let logs = watching.notifications.logs.lock().unwrap();
        let (level, logger, data) =
            logs.iter().find(|(_, _, d)| d.to_string().contains("combat saved")).unwrap();
        assert_eq!(level, "info");
        assert!(logger.as_deref().unwrap_or_default().contains("initiative"), "{logger:?}");
        assert_eq!(data["campaign_id"], campaign_id, "{data}");
    }

    // At `error`, an info line is not sent.
    watching.service.peer().set_level(SetLevelRequestParams::new(LoggingLevel::Error)).await.unwrap();
    let before = watching.notifications.logs.lock().unwrap().len();
    watching.ok("initiative_next", json!({"campaign_id": campaign_id})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = watching.notifications.logs.lock().unwrap().len();
    assert_eq!(before, after, "info lines were sent at level error");
    watching.close().await;
    other.close().await;
}

/// The campaign's status as the database holds it.
async fn status_in_db(scratch: &Scratch, campaign_id: &str) -> String {
    let mut db = open_db(&scratch.db_path()).await;
    sqlx::query_scalar::<_, String>("SELECT status FROM campaigns WHERE id = ?")
        .bind(campaign_id)
        .fetch_one(&mut db)
        .await
        .unwrap()
}

/// A campaign note's visibility as the database holds it.
async fn note_visibility(scratch: &Scratch, note_id: &str) -> String {
    let mut db = open_db(&scratch.db_path()).await;
    sqlx::query_scalar::<_, String>("SELECT visibility FROM campaign_notes WHERE id = ?")
        .bind(note_id)
        .fetch_one(&mut db)
        .await
        .unwrap()
}

#[tokio::test]
async fn archiving_asks_the_person_and_a_no_changes_nothing() {
    let scratch = Scratch::new();
    // Notes are indexed for search, so note_add needs the embedding model.
    let embedding = client::embedding_env();
    let env: Vec<(String, String)> = embedding.clone().unwrap_or_default();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let declining =
        server.connect_with("declining", None, Notifications::answering(Elicitation::Decline)).await;
    let campaign =
        declining.ok("campaign_create", json!({"name": "Tomb of Horrors", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id").to_string();

    let refused =
        declining.err("campaign_archive", json!({"campaign_id": campaign_id, "confirm": true})).await;
    assert!(refused.contains("said no"), "{refused}");
    assert_eq!(status_in_db(&scratch, &campaign_id).await, "active");
    let asked = declining.notifications.questions.lock().unwrap().clone();
    assert!(asked.iter().any(|q| q.contains("Tomb of Horrors")), "{asked:?}");

    // A client that cannot ask is told the question and how to confirm; nothing changes
    // until it does.
    let no_ask =
        server.connect_with("no-ask", None, Notifications::answering(Elicitation::Unsupported)).await;
    let told = no_ask.err("campaign_archive", json!({"campaign_id": campaign_id})).await;
    assert!(told.contains("Tomb of Horrors") && told.contains("\"confirm\": true"), "{told}");
    assert_eq!(status_in_db(&scratch, &campaign_id).await, "active");

    let accepting =
        server.connect_with("accepting", None, Notifications::answering(Elicitation::Accept)).await;
    accepting.ok("campaign_archive", json!({"campaign_id": campaign_id})).await;
    assert_eq!(status_in_db(&scratch, &campaign_id).await, "archived");

    // Revealing a GM note: declined keeps it the GM's; confirmed without elicitation shares it.
    if let Err(why) = embedding {
        assert!(std::env::var_os("CI").is_none(), "{why}");
        println!("SKIPPED (cannot run here): revealing a note needs the embedding model: {why}");
        return;
    }
    let other = accepting.ok("campaign_create", json!({"name": "Second", "system": "dnd5e"})).await;
    let other_id = str_of(&other, "/campaign/id").to_string();
    let note = accepting
        .ok("note_add", json!({"campaign_id": other_id, "kind": "plot", "title": "The twist", "body": "The king is a lich."}))
        .await;
    let note_id = str_of(&note, "/note/id").to_string();
    declining.err("note_reveal", json!({"note_id": note_id})).await;
    assert_eq!(note_visibility(&scratch, &note_id).await, "gm");
    no_ask.ok("note_reveal", json!({"note_id": note_id, "confirm": true})).await;
    assert_eq!(note_visibility(&scratch, &note_id).await, "players");
    for client in [declining, no_ask, accepting] {
        client.close().await;
    }
}

#[tokio::test]
async fn tools_list_pages_with_cursors_and_loses_no_tool() {
    let scratch = Scratch::new();
    let whole = HttpServer::start(&scratch).await;
    let client = whole.connect("whole").await;
    let all = client.tool_names().await;
    let first = client.service.peer().list_tools(None).await.unwrap();
    assert!(first.next_cursor.is_none(), "the default page holds every core tool");
    client.close().await;

    let paged = HttpServer::start_with_env(&scratch, &[("TTRPG_TOOLS_PAGE_SIZE", "10")]).await;
    let client = paged.connect("paged").await;
    let first = client.service.peer().list_tools(None).await.unwrap();
    assert_eq!(first.tools.len(), 10);
    assert!(first.next_cursor.is_some());
    let names = client.tool_names().await;
    assert_eq!(names, all, "paging lost or reordered tools");
    let bad = client
        .service
        .peer()
        .list_tools(Some(rmcp::model::PaginatedRequestParams::default().with_cursor(Some("x".into()))))
        .await;
    assert!(bad.is_err(), "a bad cursor was accepted");
    client.close().await;
}

#[tokio::test]
async fn dynamic_toolsets_start_short_and_grow_when_a_toolset_is_enabled() {
    let scratch = Scratch::new();
    // Everything listed, as a client that cannot follow list changes needs.
    let whole = HttpServer::start(&scratch).await;
    let client = whole.connect("whole").await;
    let all = client.list_tools().await;
    let all_bytes = serde_json::to_string(&all).unwrap().len();
    assert!(!all.iter().any(|t| t.name == "toolset_enable"), "static toolsets offer no toolset tools");
    client.close().await;
    drop(whole);

    let dynamic = HttpServer::start_with_env(
        &scratch,
        &[("TTRPG_DYNAMIC_TOOLSETS", "true"), ("TTRPG_TOOLSETS", "dice")],
    )
    .await;
    let client = dynamic.connect("dynamic").await;
    let start = client.list_tools().await;
    let mut names: Vec<&str> = start.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(names, ["roll_dice", "roll_history", "toolset_enable", "toolset_list"]);
    let start_bytes = serde_json::to_string(&start).unwrap().len();
    assert!(start_bytes * 8 < all_bytes, "the short listing is {start_bytes} bytes of {all_bytes}");
    let enable = start.iter().find(|t| t.name == "toolset_enable").unwrap();
    let described = enable.description.as_deref().unwrap_or_default();
    for group in ["campaigns", "combat", "rules", "maps", "system"] {
        assert!(described.contains(group), "toolset_enable does not name {group}: {described}");
    }

    let listing = client.ok("toolset_list", json!({})).await;
    let combat = listing["toolsets"].as_array().unwrap().iter().find(|t| t["name"] == "combat").unwrap();
    assert_eq!(combat["listed"], false);
    assert!(combat["tools"].as_array().unwrap().iter().any(|t| t["name"] == "initiative_next"));

    // A tool not listed still answers a caller whose role allows it.
    let unlisted =
        client.call("campaign_create", json!({"name": "Curse of Strahd", "system": "dnd5e"})).await;
    assert_ne!(unlisted.is_error, Some(true), "an unlisted tool refused: {}", client::text_of(&unlisted));

    let seen = client.notifications.tool_list_changed();
    let enabled = client.ok("toolset_enable", json!({"toolsets": ["combat", "dice"]})).await;
    assert_eq!(enabled["enabled"], json!(["combat"]));
    assert!(enabled["tools_added"].as_array().unwrap().iter().any(|t| t == "initiative_start"));
    assert!(
        client.notifications.wait_tool_list_changed(seen, WAIT).await > seen,
        "no tools/list_changed after toolset_enable"
    );
    let grown = client.tool_names().await;
    assert!(grown.iter().any(|n| n == "initiative_next") && grown.iter().any(|n| n == "roll_dice"));
    assert!(!grown.iter().any(|n| n == "campaign_create"), "a toolset not enabled is listed");

    let refused = client.err("toolset_enable", json!({"toolsets": ["fighting"]})).await;
    assert!(refused.contains("fighting") && refused.contains("combat"), "{refused}");
    client.close().await;
    drop(dynamic);

    let output = client::ttrpg_output(
        &scratch.data_dir(),
        &[("TTRPG_TOOLSETS", "dice,bogus")],
        &["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
    );
    let refusal = client::refusal(&output);
    assert!(refusal.contains("bogus") && refusal.contains("toolsets"), "{refusal}");
}
