//! The material of each core prompt, read through the core tools for the caller, and the
//! text that asks the model to use it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rmcp::model::{ContentBlock, PromptMessage, Resource, Role as Speaker};
use serde_json::{Value, json};
use ttrpg_initiative::Audience;

use super::{Built, PromptDef};
use crate::access::Role;
use crate::mcp::runner::Runner;
use crate::plugins::namespaced_tool;
use crate::tools::ToolError;
use crate::tools::plugins::call_plugin_tool;

/// Passages a ruling is built from.
const RULING_PASSAGES: usize = 5;

/// Builds the core prompt `def` from `arguments` (the required ones are there).
pub(super) async fn build(
    runner: &Runner,
    def: &PromptDef,
    arguments: &BTreeMap<String, String>,
) -> Result<Built, ToolError> {
    let get = |name: &str| arguments.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    match def.name {
        "session_recap" => {
            recap(runner, get("campaign").unwrap_or_default(), get("session"), get("tag"), false).await
        }
        "recap_for_players" => {
            recap(runner, get("campaign").unwrap_or_default(), get("session"), get("tag"), true).await
        }
        "prep_encounter" => {
            let campaign = get("campaign").unwrap_or_default();
            prep_encounter(runner, campaign, get("difficulty"), get("environment"), get("party")).await
        }
        "rules_ruling" => {
            rules_ruling(runner, get("question").unwrap_or_default(), get("campaign"), get("book")).await
        }
        "npc_quick" => {
            npc_quick(
                runner,
                get("campaign").unwrap_or_default(),
                get("place").unwrap_or_default(),
                get("role"),
            )
            .await
        }
        other => Err(ToolError::Internal(format!("the core prompt {other} has no builder"))),
    }
}

/// The session a recap is of: the numbered one, or the latest.
async fn pick_session(runner: &Runner, campaign_id: &str, number: Option<&str>) -> Result<Value, ToolError> {
    if let Some(number) = number {
        let number: i64 = number.trim_start_matches('#').parse().map_err(|_| {
            ToolError::invalid(format!("session must be a session's number (1, 2, …), not {number:?}"))
        })?;
        return runner.session_by_number(campaign_id, number).await;
    }
    runner
        .sessions(campaign_id)
        .await?
        .into_iter()
        .max_by_key(|s| s["number"].as_i64())
        .ok_or_else(|| ToolError::NotFound(format!("campaign {campaign_id:?} has no session yet")))
}

/// `session_recap` (everything the caller may see) or `recap_for_players` (what a player may).
async fn recap(
    runner: &Runner,
    campaign: &str,
    session: Option<&str>,
    tag: Option<&str>,
    for_players: bool,
) -> Result<Built, ToolError> {
    let campaign_id = runner.resolve_campaign(campaign).await?;
    let reader = if for_players { runner.as_player() } else { runner.clone() };
    let detail = reader.call("campaign_get", json!({ "campaign_id": campaign_id })).await?;
    let session = pick_session(runner, &campaign_id, session).await?;
    let session_id = session["id"].as_str().unwrap_or_default().to_string();
    let number = session["number"].as_i64().unwrap_or_default();
    let notes = reader.every("session_notes", json!({ "session_id": session_id }), "notes").await?;
    // The latest rolls: a recap tells the telling ones, not hundreds.
    let rolls = reader.call("roll_history", json!({ "session_id": session_id, "limit": 100 })).await?;
    let gm = !for_players && runner.role_in(&campaign_id).await == Some(Role::Gm);
    let audience = if gm { Audience::Gm } else { Audience::Players };
    let combats = crate::tools::initiative::session_combats(&runner.app, &session_id, audience).await?;

    let name = detail["campaign"]["name"].as_str().unwrap_or("the campaign");
    let mut material = String::new();
    let _ = writeln!(material, "## Session {number}{}", title_of(&session));
    if let Some(summary) = session["summary"].as_str() {
        let _ = writeln!(material, "Summary written at the end: {summary}");
    }
    let _ = writeln!(material, "\n## Notes");
    let mut notes = notes;
    if let Some(tag) = tag {
        notes.retain(|n| n["tags"].as_array().into_iter().flatten().any(|t| t.as_str() == Some(tag)));
    }
    if notes.is_empty() {
        let _ = writeln!(material, "(none)");
    }
    for note in &notes {
        let tags: Vec<&str> =
            note["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let tags = if tags.is_empty() { String::new() } else { format!(" [{}]", tags.join(", ")) };
        let _ = writeln!(material, "- {}{tags}", note["body"].as_str().unwrap_or_default());
    }
    let _ = writeln!(material, "\n## Dice rolls (oldest first)");
    let mut rolls = rolls["rolls"].as_array().cloned().unwrap_or_default();
    rolls.reverse();
    if rolls.is_empty() {
        let _ = writeln!(material, "(none)");
    }
    for roll in &rolls {
        let purpose = roll["purpose"].as_str().map(|p| format!("{p}: ")).unwrap_or_default();
        let _ = writeln!(material, "- {purpose}{}", roll["rendered"].as_str().unwrap_or_default());
    }
    let _ = writeln!(material, "\n## Combats");
    if combats.is_empty() {
        let _ = writeln!(material, "(none)");
    }
    for combat in &combats {
        let state = if combat.active { "still running" } else { "ended" };
        let _ = writeln!(
            material,
            "### {} (round {}, {state})\n{}",
            combat.name.as_deref().unwrap_or("Combat"),
            combat.round,
            combat.text
        );
    }
    let ask = if for_players {
        format!(
            "Write a recap of session {number} of {name} to read aloud to the players at the start of the next \
             session: in the second person, as a story, two or three paragraphs. Use only what is below: it is \
             everything the players know. Do not invent events, and end on the open threads."
        )
    } else {
        format!(
            "Write a recap of session {number} of {name} for the GM to read aloud at the start of the next \
             session: what happened in order, the fights and how they ended, who was hurt, what was found, and \
             the open threads. Use only what is below and do not invent events. Some notes may be the GM's \
             alone (not shared with the players): mention them only in a separate 'GM only' paragraph at the end."
        )
    };
    Ok(Built {
        description: format!(
            "Recap of session {number} of {name}{}",
            if for_players { " for the players" } else { "" }
        ),
        messages: vec![PromptMessage::new_text(Speaker::User, format!("{ask}\n\n{material}"))],
    })
}

fn title_of(session: &Value) -> String {
    session["title"].as_str().map(|t| format!(": {t}")).unwrap_or_default()
}

/// `prep_encounter`: the campaign system plugin's `encounter_builder`, then each suggested
/// monster's stat block through its `monster_lookup`.
async fn prep_encounter(
    runner: &Runner,
    campaign: &str,
    difficulty: Option<&str>,
    environment: Option<&str>,
    party: Option<&str>,
) -> Result<Built, ToolError> {
    let campaign_id = runner.resolve_campaign(campaign).await?;
    let enabled = runner.app.plugins.enabled(&campaign_id).await?;
    let Some(builder) =
        enabled.iter().find(|e| e.plugin.tools().iter().any(|t| t.name == "encounter_builder"))
    else {
        return Err(ToolError::Conflict(format!(
            "no plugin enabled in campaign {campaign_id:?} has an encounter_builder tool; enable the system's \
             plugin (plugin_enable, e.g. dnd5e)"
        )));
    };
    let plugin_id = builder.plugin.manifest().id.clone();
    let levels = match party {
        Some(party) => party
            .split([',', ' '])
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<u8>().map_err(|_| ToolError::invalid(format!("party: {p:?} is not a level (1-20)")))
            })
            .collect::<Result<Vec<u8>, _>>()?,
        None => runner.party_levels(&campaign_id).await?,
    };
    if levels.is_empty() {
        return Err(ToolError::invalid(
            "prep_encounter needs the party's levels: give party (e.g. 3,3,4) or add the PCs with their level",
        ));
    }
    let mut args = json!({ "party_levels": levels });
    if let Some(difficulty) = difficulty {
        args["difficulty"] = json!(difficulty.to_ascii_lowercase());
    }
    if let Some(environment) = environment {
        args["environment"] = json!(environment);
    }
    let tool = namespaced_tool(&plugin_id, "encounter_builder");
    let plan = call_plugin_tool(runner.app.clone(), &runner.caller, &campaign_id, None, &tool, &args).await?;
    let lookup = namespaced_tool(&plugin_id, "monster_lookup");
    let has_lookup = builder.plugin.tools().iter().any(|t| t.name == "monster_lookup");
    let mut blocks = String::new();
    let names: Vec<String> = plan["suggestion"]["monsters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str().map(str::to_string))
        .collect();
    for name in names.iter().filter(|_| has_lookup) {
        match call_plugin_tool(
            runner.app.clone(),
            &runner.caller,
            &campaign_id,
            None,
            &lookup,
            &json!({ "name": name }),
        )
        .await
        {
            Ok(found) => {
                let citation = found["citation"].as_str().unwrap_or("no page recorded");
                let monster = serde_json::to_string_pretty(&found["monster"]).unwrap_or_default();
                let _ = writeln!(blocks, "### {name} ({citation})\n```json\n{monster}\n```");
            }
            Err(err) => {
                let _ = writeln!(blocks, "### {name}\n(no stat block: {err})");
            }
        }
    }
    let plan_text = serde_json::to_string_pretty(&plan).unwrap_or_default();
    let place = environment.map(|e| format!(" in a {e} setting")).unwrap_or_default();
    let text = format!(
        "Prepare this encounter{place} for a party of levels {levels:?}: set the scene in two sentences, say \
         where each monster stands and what it wants, how the fight opens, and how it may end other than by \
         killing. Keep to the suggested mix (the budget below says why); run each monster from its stat block \
         and cite the page for each.\n\n## Encounter builder ({tool})\n```json\n{plan_text}\n```\n\n## Stat blocks\n{}",
        if blocks.is_empty() {
            "(none: the builder suggested no monsters; see its notes)\n".to_string()
        } else {
            blocks
        }
    );
    Ok(Built {
        description: format!("An encounter for a party of levels {levels:?}"),
        messages: vec![PromptMessage::new_text(Speaker::User, text)],
    })
}

/// `rules_ruling`: the best passages for the question (with the table's house rules), and
/// a request to rule from them.
async fn rules_ruling(
    runner: &Runner,
    question: &str,
    campaign: Option<&str>,
    book: Option<&str>,
) -> Result<Built, ToolError> {
    let campaign_id = match campaign {
        Some(campaign) => Some(runner.resolve_campaign(campaign).await?),
        None => None,
    };
    let found = runner
        .call(
            "search_rules",
            json!({ "query": question, "campaign_id": campaign_id, "book": book, "limit": RULING_PASSAGES }),
        )
        .await?;
    let hits = found["hits"].as_array().cloned().unwrap_or_default();
    let mut text = format!(
        "Rule on this question at the table: {question}\n\nRule only from the passages below. Quote the words \
         you rely on and name the page (the citation after each passage). A house rule is the table's ruling and \
         overrides the book where they differ. If the passages do not settle it, say so and say what you would \
         need.\n"
    );
    let mut links = Vec::new();
    if hits.is_empty() {
        text.push_str("\n(No passage matched: no book holds words close to the question.)\n");
    }
    for (n, hit) in hits.iter().enumerate() {
        let _ = write!(text, "\n## Passage {} — {}\n", n + 1, hit["citation"].as_str().unwrap_or_default());
        for ruling in hit["house_rules"].as_array().into_iter().flatten() {
            let _ = writeln!(
                text,
                "> {}: {}",
                ruling["label"].as_str().unwrap_or("House rule"),
                ruling["ruling"].as_str().unwrap_or_default()
            );
        }
        let _ = writeln!(text, "{}", hit["text"].as_str().unwrap_or_default());
        if let (Some(document), Some(page)) = (hit["document_id"].as_str(), hit["page_start"].as_i64()) {
            let uri = format!("ttrpg://books/{document}/pages/{page}");
            let name = format!("{} p. {page}", hit["book"].as_str().unwrap_or("book"));
            links.push(PromptMessage::new(
                Speaker::User,
                ContentBlock::resource_link(Resource::new(uri, name).with_mime_type("text/plain")),
            ));
        }
    }
    let mut messages = vec![PromptMessage::new_text(Speaker::User, text)];
    links.dedup_by(|a, b| a == b);
    messages.extend(links);
    Ok(Built { description: format!("A cited ruling on: {question}"), messages })
}

/// `npc_quick`: the campaign's notes on the place and the NPCs it has, and a request for one
/// more who fits.
async fn npc_quick(
    runner: &Runner,
    campaign: &str,
    place: &str,
    role: Option<&str>,
) -> Result<Built, ToolError> {
    let campaign_id = runner.resolve_campaign(campaign).await?;
    let notes =
        runner.call("note_search", json!({ "campaign_id": campaign_id, "query": place, "limit": 5 })).await?;
    let npcs = runner
        .every("character_list", json!({ "campaign_id": campaign_id, "kind": "npc" }), "characters")
        .await?;
    let mut material = String::from("## The campaign's notes on it\n");
    let hits = notes["hits"].as_array().cloned().unwrap_or_default();
    if hits.is_empty() {
        material.push_str("(no note mentions it: invent freely, in the campaign's tone)\n");
    }
    for hit in &hits {
        let note = &hit["note"];
        let _ = writeln!(
            material,
            "### {} ({})\n{}",
            note["title"].as_str().unwrap_or_default(),
            note["kind"].as_str().unwrap_or_default(),
            note["body"].as_str().unwrap_or_default()
        );
    }
    let names: Vec<&str> = npcs.iter().filter_map(|c| c["name"].as_str()).collect();
    let _ = write!(
        material,
        "\n## NPCs the campaign already has\n{}\n",
        if names.is_empty() { "(none)".to_string() } else { names.join(", ") }
    );
    let who = role.map(|r| format!(" a {r}")).unwrap_or_else(|| " someone".to_string());
    let text = format!(
        "Create{who} at {place} for the GM to play tonight, consistent with the notes below and unlike the NPCs \
         the campaign already has (a new name). Give: name, look in one line, voice and mannerism, what they want, \
         what they know that the party may need, a secret, and three lines they might say.\n\n{material}"
    );
    Ok(Built {
        description: format!("A new NPC at {place}"),
        messages: vec![PromptMessage::new_text(Speaker::User, text)],
    })
}
