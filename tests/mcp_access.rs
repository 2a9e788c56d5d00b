//! Who may do what, over real Streamable HTTP with rmcp's client and tokens made by the real
//! `ttrpg token` command: 401 without a token, roles per campaign, what a player sees (tools,
//! notes, session notes, the combat, characters), revocation at once, and a non-loopback
//! server that refuses to start without a token.
//!
//! The note search needs the embedding model and ONNX Runtime (scripts/test provides
//! both); without them the tests that search say SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "e2e/pdf.rs"]
mod pdf;

use client::{Client, Elicitation, HttpServer, Notifications, Scratch, embedding_env, passages, str_of};
use serde_json::{Value, json};

/// The GM tools a player must never be offered.
const GM_ONLY: &[&str] = &[
    "campaign_update",
    "campaign_archive",
    "campaign_invite",
    "session_start",
    "session_end",
    "session_add_note",
    "initiative_start",
    "initiative_add",
    "initiative_next",
    "initiative_damage",
    "initiative_reveal",
    "initiative_end",
    "plugin_enable",
    "plugin_disable",
    "ingest_document",
    "note_add",
    "note_reveal",
    "book_reveal",
    "book_remove",
    "house_rule_add",
    "house_rule_remove",
];

/// What a player may do.
const PLAYER_TOOLS: &[&str] = &[
    "campaign_get",
    "campaign_list",
    "campaign_members",
    "campaign_use",
    "character_get",
    "character_update",
    "initiative_get",
    "roll_dice",
    "roll_history",
    "search_rules",
    "note_search",
    "session_notes",
    "house_rule_list",
];

async fn names(client: &Client) -> Vec<String> {
    client.tool_names().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_a_shared_server_answers_401_and_nothing_else() {
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    // No token yet: the loopback server serves its local GM.
    let (status, _, _) = server.raw_initialize(None).await;
    assert_eq!(status, 200, "a loopback server with no token serves the local user");
    let local = server.connect("local").await;
    assert!(names(&local).await.contains(&"ingest_document".to_string()), "the local user is the GM");

    // Once a token exists (made while the server runs), every request needs one.
    let (token, _) = scratch.token("alice", false);
    let (status, headers, body) = server.raw_initialize(None).await;
    assert_eq!(status, 401, "no token once one exists");
    let challenge = headers.iter().find(|(k, _)| k == "www-authenticate").map(|(_, v)| v.clone());
    assert!(challenge.as_deref().is_some_and(|c| c.starts_with("Bearer")), "{headers:?}");
    assert!(body.trim().is_empty() || body.trim() == "0", "a 401 says nothing else: {body:?}");
    let (status, headers, _) = server.raw_initialize(Some("Bearer ttrpg_0000")).await;
    assert_eq!(status, 401, "a made-up token");
    assert!(
        headers.iter().any(|(k, v)| k == "www-authenticate" && v.contains("invalid_token")),
        "{headers:?}"
    );
    let (status, _, _) = server.raw_initialize(Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "a valid token");
    // The session opened before the token existed is refused too, on its next request.
    let after = local.service.peer().list_tools(None).await;
    assert!(after.is_err(), "the old tokenless session must stop working: {after:?}");
    let alice = server.connect_as("alice", Some(&token)).await;
    let created = alice.ok("campaign_create", json!({"name": "Alice's table", "system": "dnd5e"})).await;
    assert!(created["campaign"]["gm_user_id"].is_string(), "the caller becomes the GM: {created}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_working_at_once() {
    let scratch = Scratch::new();
    let (token, id) = scratch.token("bob", false);
    let server = HttpServer::start(&scratch).await;
    let bob = server.connect_as("bob", Some(&token)).await;
    bob.ok("roll_dice", json!({"expression": "1d20"})).await;
    scratch.cli(&["token", "revoke", &id]);
    let call = bob
        .service
        .peer()
        .call_tool(
            rmcp::model::CallToolRequestParams::new("roll_dice")
                .with_arguments(json!({"expression": "1d20"}).as_object().cloned().unwrap()),
        )
        .await;
    assert!(call.is_err(), "a revoked token is refused on the very next request: {call:?}");
    let (status, _, _) = server.raw_initialize(Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 401);
    let listed = scratch.cli(&["token", "list"]);
    assert!(listed.contains("REVOKED") && !listed.contains(&token), "{listed}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_server_refuses_to_start_without_a_token() {
    let scratch = Scratch::new();
    let output = std::process::Command::new(client::binary())
        .arg("--data-dir")
        .arg(scratch.data_dir())
        .args(["serve", "--transport", "http", "--listen", "0.0.0.0:0"])
        .env_remove("TTRPG_LISTEN")
        .output()
        .unwrap();
    assert!(!output.status.success(), "it must not start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ttrpg token create"), "the message says how to make a token: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_sees_only_what_players_may() {
    let env = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: the player's view over HTTP (note search needs embeddings): {why}");
            return;
        }
    };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let scratch = Scratch::new();
    let (gm_token, _) = scratch.token("gwen", false);
    let (player_token, _) = scratch.token("pat", false);
    let (other_token, _) = scratch.token("oscar", false);
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let gm = server.connect_as("gm", Some(&gm_token)).await;
    let player = server.connect_as("player", Some(&player_token)).await;
    let outsider = server.connect_as("outsider", Some(&other_token)).await;

    // The GM sets the table up.
    let campaign = gm.ok("campaign_create", json!({"name": "Phandelver", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id");
    gm.list_tools().await; // now a GM: the GM tools are listed (the server said list_changed)
    gm.ok("campaign_invite", json!({"campaign_id": campaign_id, "user": "pat"})).await;
    let members = gm.ok("campaign_members", json!({"campaign_id": campaign_id})).await;
    let pat_id = members["members"][0]["user"]["id"].as_str().unwrap().to_string();
    gm.ok(
        "note_add",
        json!({"campaign_id": campaign_id, "kind": "npc", "title": "Toblen the innkeeper",
               "body": "Toblen the innkeeper of the Stonehill Inn is secretly a Redbrand spy."}),
    )
    .await;
    gm.ok(
        "note_add",
        json!({"campaign_id": campaign_id, "kind": "npc", "title": "Toblen Stonehill",
               "body": "Toblen the innkeeper runs the Stonehill Inn with his wife Trilena.", "visibility": "players"}),
    )
    .await;
    let session = gm.ok("session_start", json!({"campaign_id": campaign_id})).await;
    let session_id = str_of(&session, "/session/id");
    gm.ok(
        "session_add_note",
        json!({"session_id": session_id, "body": "GM: the Redbrands know they are coming"}),
    )
    .await;
    gm.ok(
        "session_add_note",
        json!({"session_id": session_id, "body": "The party reached Phandalin", "visibility": "players"}),
    )
    .await;
    let pc = gm
        .ok(
            "character_create",
            json!({"campaign_id": campaign_id, "name": "Pell", "player_id": pat_id, "max_hp": 12, "armor_class": 14}),
        )
        .await;
    let pc_id = str_of(&pc, "/character/id");
    let npc =
        gm.ok("character_create", json!({"campaign_id": campaign_id, "name": "Sildar", "kind": "npc"})).await;
    let npc_id = str_of(&npc, "/character/id");
    let other_pc = gm.ok("character_create", json!({"campaign_id": campaign_id, "name": "Rin"})).await;
    let other_pc_id = str_of(&other_pc, "/character/id");
    gm.ok("initiative_start", json!({"campaign_id": campaign_id})).await;
    gm.ok("initiative_add", json!({"campaign_id": campaign_id, "character_id": pc_id, "initiative": 15}))
        .await;
    gm.ok(
        "initiative_add",
        json!({"campaign_id": campaign_id, "name": "Goblin", "hp": 8, "ac": 15, "initiative": 12}),
    )
    .await;
    gm.ok(
        "initiative_add",
        json!({"campaign_id": campaign_id, "name": "Lurker", "hp": 20, "initiative": 3, "hidden": true}),
    )
    .await;
    gm.ok("initiative_damage", json!({"campaign_id": campaign_id, "combatant": "Goblin", "amount": 5})).await;

    // tools/list: only player tools, before and after campaign_use.
    for stage in ["before campaign_use", "after campaign_use"] {
        let listed = names(&player).await;
        for tool in GM_ONLY {
            assert!(!listed.contains(&tool.to_string()), "{stage}: a player is offered {tool}: {listed:?}");
        }
        for tool in PLAYER_TOOLS {
            assert!(
                listed.contains(&tool.to_string()),
                "{stage}: a player is not offered {tool}: {listed:?}"
            );
        }
        if stage == "before campaign_use" {
            player.ok("campaign_use", json!({"campaign_id": campaign_id})).await;
        }
    }
    assert!(names(&gm).await.contains(&"initiative_next".to_string()), "the GM sees GM tools");

    // A GM tool is refused by name of the role it needs.
    let refused =
        player.err("campaign_update", json!({"campaign_id": campaign_id, "name": "Mine now"})).await;
    assert!(refused.contains("GM role"), "{refused}");
    let refused = player.err("initiative_next", json!({"campaign_id": campaign_id})).await;
    assert!(refused.contains("GM role"), "{refused}");
    let refused = player
        .err("note_add", json!({"campaign_id": campaign_id, "kind": "npc", "title": "x", "body": "y"}))
        .await;
    assert!(refused.contains("GM role"), "{refused}");

    // Notes: both match the question; the player gets only the shared one, through every tool.
    let found = player
        .ok("note_search", json!({"campaign_id": campaign_id, "query": "Toblen the innkeeper", "limit": 10}))
        .await;
    let bodies: Vec<&str> =
        found["hits"].as_array().unwrap().iter().map(|h| h["note"]["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), 1, "only the shared note: {bodies:?}");
    assert!(bodies.iter().all(|b| !b.contains("spy")), "the GM note leaked: {bodies:?}");
    let gm_found = gm
        .ok("note_search", json!({"campaign_id": campaign_id, "query": "Toblen the innkeeper", "limit": 10}))
        .await;
    assert_eq!(gm_found["hits"].as_array().unwrap().len(), 2, "the GM finds both: {gm_found}");
    let notes = player.ok("session_notes", json!({"session_id": session_id})).await;
    let texts = notes.to_string();
    assert!(texts.contains("Phandalin") && !texts.contains("Redbrands know"), "{texts}");

    // The combat as players see it: no hidden lurker, the goblin's HP as a state.
    let combat = player.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    let text = combat.to_string();
    assert!(!text.contains("Lurker"), "a hidden combatant leaked: {text}");
    let goblin =
        combat["encounter"]["combatants"].as_array().unwrap().iter().find(|c| c["name"] == "Goblin").unwrap();
    assert!(goblin.get("hp").is_none() && goblin.get("ac").is_none(), "{goblin}");
    assert_eq!(goblin["health"], "bloodied");
    gm.ok("initiative_reveal", json!({"campaign_id": campaign_id, "combatant": "Goblin", "hp": true})).await;
    let combat = player.ok("initiative_get", json!({"campaign_id": campaign_id})).await;
    let goblin =
        combat["encounter"]["combatants"].as_array().unwrap().iter().find(|c| c["name"] == "Goblin").unwrap();
    assert_eq!(goblin["hp"], 3, "revealed: {goblin}");

    // Characters: their own they read and update; another's they cannot change; an NPC's sheet is the GM's.
    let updated =
        player.ok("character_update", json!({"character_id": pc_id, "notes": "Owes Sildar a favour"})).await;
    assert_eq!(updated["character"]["notes"], "Owes Sildar a favour");
    let refused = player.err("character_update", json!({"character_id": other_pc_id, "notes": "mine"})).await;
    assert!(refused.contains("GM role"), "{refused}");
    let refused = player.err("character_get", json!({"character_id": npc_id})).await;
    assert!(refused.contains("GM role"), "{refused}");
    let party = player.ok("character_list", json!({"campaign_id": campaign_id})).await;
    let names: Vec<&str> =
        party["characters"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Pell", "Rin"], "the party, without the NPC");

    // Someone who is not part of the campaign is told it does not exist, in the usual words.
    let unknown = outsider.err("campaign_get", json!({"campaign_id": campaign_id})).await;
    let never =
        outsider.err("campaign_get", json!({"campaign_id": "00000000-0000-7000-8000-000000000000"})).await;
    assert_eq!(
        unknown.replace(campaign_id, "ID"),
        never.replace("00000000-0000-7000-8000-000000000000", "ID"),
        "the same words for a campaign that exists and one that does not"
    );
    let unknown = outsider.err("character_get", json!({"character_id": pc_id})).await;
    assert!(unknown.contains("no character"), "{unknown}");
    let listed = outsider.ok("campaign_list", json!({})).await;
    assert_eq!(listed["campaigns"].as_array().unwrap().len(), 0, "{listed}");
    let refused = outsider.err("campaign_use", json!({"campaign_id": campaign_id})).await;
    assert!(refused.contains("no campaign"), "{refused}");
    let _: Value = outsider.ok("roll_dice", json!({"expression": "1d20"})).await;
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_grants_need_a_persons_yes() {
    let scratch = Scratch::new();
    let echo = tokio::task::spawn_blocking(|| fixtures::wasm("fixture-echo")).await.unwrap();
    scratch.cli(&["plugin", "install", echo.to_str().unwrap()]);
    let (gm_token, _) = scratch.token("gwen", false);
    let (admin_token, _) = scratch.token("ops", true);
    let server = HttpServer::start(&scratch).await;
    let no_ask = Notifications::answering(Elicitation::Unsupported);
    let gm = server.connect_with("gm", Some(&gm_token), no_ask).await;
    let campaign = gm.ok("campaign_create", json!({"name": "Grants", "system": "test"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id");
    gm.list_tools().await; // now a GM: the GM tools are listed (the server said list_changed)
    let enable = json!({"campaign_id": campaign_id, "plugin": "echo", "grants": ["log", "kv"]});

    // A client that cannot ask: refused, saying how to do it instead; nothing enabled.
    let refused = gm.err("plugin_enable", enable.clone()).await;
    assert!(refused.contains("ttrpg plugin enable echo") && refused.contains("kv"), "{refused}");
    let listed = gm.ok("plugin_list", json!({"campaign_id": campaign_id})).await;
    assert_eq!(listed["enabled"].as_array().unwrap().len(), 0, "nothing was enabled: {listed}");
    // `log` alone needs nobody's yes.
    gm.ok("plugin_enable", json!({"campaign_id": campaign_id, "plugin": "echo", "grants": ["log"]})).await;

    // The person declines: refused.
    let declining = Notifications::answering(Elicitation::Decline);
    let questions = declining.questions.clone();
    let gm2 = server.connect_with("gm-declines", Some(&gm_token), declining).await;
    let refused = gm2.err("plugin_enable", enable.clone()).await;
    assert!(refused.contains("declined"), "{refused}");
    assert!(questions.lock().unwrap().iter().any(|q| q.contains("kv")), "the person was asked about kv");

    // The person says yes: granted.
    let accepting = Notifications::default();
    let asked = accepting.questions.clone();
    let gm3 = server.connect_with("gm-accepts", Some(&gm_token), accepting).await;
    let enabled = gm3.ok("plugin_enable", enable.clone()).await;
    let grants = enabled["enabled"]["grants"].to_string();
    assert!(grants.contains("kv") && grants.contains("log"), "{enabled}");
    assert_eq!(asked.lock().unwrap().len(), 1);

    // An admin token needs no question, even from a client that cannot ask.
    let no_ask = Notifications::answering(Elicitation::Unsupported);
    let admin = server.connect_with("admin", Some(&admin_token), no_ask).await;
    admin.ok("plugin_enable", enable).await;
    server.kill().await;
}

/// A two-chapter adventure as a PDF: a large heading and a few body lines per page.
fn adventure_pdf() -> Vec<u8> {
    pdf::chapters(&[
        (
            "Chapter 1: Goblin Arrows",
            &[
                "The goblins ambush the party on the Triboar Trail near two dead horses.",
                "Klarg the bugbear leads the Cragmaw goblins from a cave hideout.",
                "The goblins keep Sildar Hallwinter prisoner in the hideout.",
            ],
        ),
        (
            "Chapter 2: Phandalin",
            &[
                "The Redbrand ruffians secretly serve the Black Spider, a drow mage.",
                "Their leader Glasstaff hides beneath Tresendar Manor.",
                "The Black Spider seeks the lost Wave Echo Cave and its forge.",
            ],
        ),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adventure_reaches_players_only_where_the_gm_revealed_it() {
    let env = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: adventure visibility over HTTP (ingest needs embeddings): {why}");
            return;
        }
    };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let scratch = Scratch::new();
    let library = scratch.data_dir().join("library");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(library.join("lost-mine.pdf"), adventure_pdf()).unwrap();
    let (gm_token, _) = scratch.token("gwen", false);
    let (player_token, _) = scratch.token("pat", false);
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let gm = server.connect_as("gm", Some(&gm_token)).await;
    let player = server.connect_as("player", Some(&player_token)).await;
    let campaign = gm.ok("campaign_create", json!({"name": "Phandelver", "system": "dnd5e"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id");
    gm.list_tools().await; // now a GM: the GM tools are listed (the server said list_changed)
    gm.ok("campaign_invite", json!({"campaign_id": campaign_id, "user": "pat"})).await;

    // Only the operator fills the shared library; a GM ingests into their campaign.
    let refused = gm
        .err("ingest_document", json!({"path": "lost-mine.pdf", "book": "Lost Mine", "adventure": true}))
        .await;
    assert!(refused.contains("admin token"), "{refused}");
    let refused = player
        .err(
            "ingest_document",
            json!({"path": "lost-mine.pdf", "book": "Lost Mine", "campaign_id": campaign_id}),
        )
        .await;
    assert!(refused.contains("GM role"), "{refused}");
    let report = gm
        .ok("ingest_document", json!({"path": "lost-mine.pdf", "book": "Lost Mine", "campaign_id": campaign_id, "adventure": true}))
        .await;
    let document_id = str_of(&report, "/document/id");

    let spider = json!({"query": "Who do the Redbrand ruffians secretly serve?", "campaign_id": campaign_id, "limit": 10});
    let goblins =
        json!({"query": "goblins ambush on the Triboar Trail", "campaign_id": campaign_id, "limit": 10});
    let gm_hits = gm.ok("search_rules", spider.clone()).await;
    assert!(passages(&gm_hits).iter().any(|p| p.contains("Black Spider")), "the GM finds it: {gm_hits}");
    // Nothing of the adventure reaches the player yet: search, books, pages, resources.
    assert!(passages(&player.ok("search_rules", spider.clone()).await).is_empty());
    assert!(passages(&player.ok("search_rules", goblins.clone()).await).is_empty());
    let books = player.ok("book_list", json!({})).await;
    assert!(!books.to_string().contains("Lost Mine"), "{books}");
    let refused = player.err("get_page", json!({"book": "Lost Mine", "page": 2})).await;
    let unknown = player.err("get_page", json!({"book": "No Such Book", "page": 2})).await;
    assert!(refused.starts_with("no book") && unknown.starts_with("no book"), "{refused} / {unknown}");
    let resources = player.service.peer().list_resources(None).await.unwrap();
    assert!(
        resources.resources.iter().all(|r| !r.uri.contains(document_id)),
        "a GM page listed as a resource"
    );
    let read = player
        .service
        .peer()
        .read_resource(rmcp::model::ReadResourceRequestParams::new(format!(
            "ttrpg://books/{document_id}/pages/2"
        )))
        .await;
    assert!(read.is_err(), "a GM page read as a resource: {read:?}");

    // The GM reveals chapter 1: the player finds it, and still nothing of chapter 2.
    let gm_goblins = gm.ok("search_rules", goblins.clone()).await;
    let goblins_again = goblins.clone();
    let section = gm_goblins["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["text"].as_str().unwrap().contains("Triboar"))
        .map(|h| h["section"].as_str().unwrap().to_string())
        .expect("the GM finds chapter 1");
    assert!(section.contains("Chapter 1"), "sections come from the headings: {section:?}");
    let revealed = gm.ok("book_reveal", json!({"document_id": document_id, "section": section})).await;
    assert!(revealed["passages"].as_u64().unwrap() >= 1, "{revealed}");
    let found = passages(&player.ok("search_rules", goblins).await);
    assert!(
        found.iter().any(|p| p.contains("Triboar")),
        "the revealed chapter reaches the player: {found:?}"
    );
    let found = passages(&player.ok("search_rules", spider).await);
    assert!(
        found.iter().all(|p| !p.contains("Black Spider") && !p.contains("Glasstaff")),
        "chapter 2 leaked: {found:?}"
    );
    let refused = player.err("book_reveal", json!({"document_id": document_id})).await;
    assert!(refused.contains("GM role"), "{refused}");

    // Only the GM removes the campaign's book; then nothing of it is found or listed.
    let refused = player.err("book_remove", json!({"document_id": document_id})).await;
    assert!(refused.contains("GM role"), "{refused}");
    let removed = gm.ok("book_remove", json!({"document_id": document_id})).await;
    assert_eq!(removed["document"]["id"], document_id, "{removed}");
    let found = passages(&gm.ok("search_rules", goblins_again).await);
    assert!(found.iter().all(|p| !p.contains("Triboar")), "a removed book is still found: {found:?}");
    let books = gm.ok("book_list", json!({})).await;
    assert!(!books.to_string().contains(document_id), "a removed book is still listed: {books}");
    let again = gm.err("book_remove", json!({"document_id": document_id})).await;
    assert!(again.contains("no document") || again.contains("not found"), "{again}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_limits_sessions_and_slow_headers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let scratch = Scratch::new();
    let env = [("TTRPG_MAX_SESSIONS", "2"), ("TTRPG_HEADER_TIMEOUT_SECS", "1")];
    let server = HttpServer::start_with_env(&scratch, &env).await;
    let first = server.connect("first").await;
    let _second = server.connect("second").await;
    let (status, headers, body) = server.raw_initialize(None).await;
    assert_eq!(status, 503, "a third session is refused: {body}");
    assert!(headers.iter().any(|(k, _)| k == "retry-after"), "{headers:?}");
    assert!(body.contains("most MCP sessions"), "{body}");
    // Sessions already open keep working.
    first.ok("roll_dice", json!({"expression": "1d6"})).await;

    // A client that trickles its request head is cut off after the header timeout.
    let address = server.url.trim_start_matches("http://").trim_end_matches("/mcp").to_string();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the half-sent request was still open after 10 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "closed after {:?}", started.elapsed());
    first.ok("roll_dice", json!({"expression": "1d6"})).await;
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_a_cursor_and_a_limit() {
    let scratch = Scratch::new();
    let server = HttpServer::start(&scratch).await;
    let local = server.connect("local").await;
    for name in ["One", "Two", "Three"] {
        local.ok("campaign_create", json!({"name": name, "system": "dnd5e"})).await;
    }
    let first = local.ok("campaign_list", json!({"limit": 2})).await;
    assert_eq!(first["campaigns"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().expect("a next page").to_string();
    let second = local.ok("campaign_list", json!({"limit": 2, "cursor": cursor})).await;
    assert_eq!(second["campaigns"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null(), "the last page has no cursor: {second}");
    let mut names: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|p| {
            p["campaigns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string())
        })
        .collect();
    names.sort();
    assert_eq!(names, ["One", "Three", "Two"], "every campaign once");
    let bad = local.err("campaign_list", json!({"cursor": "bogus"})).await;
    assert!(bad.contains("cursor"), "{bad}");
    let bad = local.err("campaign_list", json!({"limit": 100000})).await;
    assert!(bad.contains("limit"), "{bad}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_is_offered_only_a_plugins_player_tools() {
    let scratch = Scratch::new();
    let echo = tokio::task::spawn_blocking(|| fixtures::wasm("fixture-echo")).await.unwrap();
    scratch.cli(&["plugin", "install", echo.to_str().unwrap()]);
    let (gm_token, _) = scratch.token("gwen", false);
    let (player_token, _) = scratch.token("pat", false);
    let server = HttpServer::start(&scratch).await;
    let gm = server.connect_as("gm", Some(&gm_token)).await;
    let campaign = gm.ok("campaign_create", json!({"name": "Echoes", "system": "test"})).await;
    let campaign_id = str_of(&campaign, "/campaign/id");
    gm.list_tools().await;
    gm.ok("campaign_invite", json!({"campaign_id": campaign_id, "user": "pat"})).await;
    gm.ok("plugin_enable", json!({"campaign_id": campaign_id, "plugin": "echo", "grants": ["log", "kv"]}))
        .await;
    gm.ok("campaign_use", json!({"campaign_id": campaign_id})).await;
    let gm_tools: Vec<String> = names(&gm).await.into_iter().filter(|n| n.starts_with("echo__")).collect();
    assert!(gm_tools.contains(&"echo__remember".to_string()), "the GM sees GM plugin tools: {gm_tools:?}");

    let player = server.connect_as("player", Some(&player_token)).await;
    player.ok("campaign_use", json!({"campaign_id": campaign_id})).await;
    let mut offered: Vec<String> =
        names(&player).await.into_iter().filter(|n| n.starts_with("echo__")).collect();
    offered.sort();
    assert_eq!(offered, ["echo__add", "echo__echo", "echo__random"], "only the plugin's player tools");
    let sum = player.ok("echo__add", json!({"a": 2, "b": 3})).await;
    assert!(sum.to_string().contains('5'), "{sum}");
    let refused = player.err("echo__remember", json!({"key": "k", "value": "v"})).await;
    assert!(refused.contains("GM role"), "{refused}");
    server.kill().await;
}
