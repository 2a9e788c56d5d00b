//! A campaign's live resources (URIs in [`crate::app::events::uri`]): the campaign, a
//! character, the running combat and a session's log, as JSON. Each is read through the core
//! tool that shows it ([`Runner`]), so a player reads what that tool shows a player: the
//! combat without hidden combatants, a session's notes without the GM's. A client that
//! subscribes to one hears `notifications/resources/updated` whenever it changes.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde_json::{Value, json};

use super::internal;
use crate::app::events::uri::{self, CAMPAIGNS};
use crate::mcp::runner::Runner;
use crate::tools::ToolError;

const JSON: &str = "application/json";

pub(super) fn templates() -> Vec<ResourceTemplate> {
    let template = |path: &str, name: &str, title: &str, description: &str| {
        ResourceTemplate::new(format!("{CAMPAIGNS}{path}"), name)
            .with_title(title)
            .with_description(description)
            .with_mime_type(JSON)
    };
    vec![
        template(
            "{campaign_id}",
            "campaign",
            "Campaign",
            "A campaign: name, system, status, settings, the session running now and how many were played",
        ),
        template(
            "{campaign_id}/combat",
            "combat",
            "Running combat",
            "The campaign's combat as the initiative tracker shows it to you (players: no hidden combatants); \
             subscribe to hear of every turn, hit and condition",
        ),
        template(
            "{campaign_id}/characters/{character_id}",
            "character",
            "Character",
            "One character of the campaign (a player reads their own and the party's)",
        ),
        template(
            "{campaign_id}/sessions/{session_number}/log",
            "session-log",
            "Session log",
            "A session's notes and dice rolls, oldest first (players: only what is shared with them)",
        ),
    ]
}

/// The campaign and combat resources of every campaign the caller is part of.
pub(super) async fn list(runner: &Runner) -> Result<Vec<Resource>, McpError> {
    let campaigns =
        runner.campaigns().await.map_err(|err| McpError::internal_error(err.to_string(), None))?;
    let mut resources = Vec::new();
    for campaign in &campaigns {
        let (Some(id), Some(name)) = (campaign["id"].as_str(), campaign["name"].as_str()) else { continue };
        resources.push(
            Resource::new(uri::campaign(id), format!("campaign {name}"))
                .with_title(name.to_string())
                .with_mime_type(JSON),
        );
        resources.push(
            Resource::new(uri::combat(id), format!("combat in {name}"))
                .with_title(format!("{name}: running combat"))
                .with_mime_type(JSON),
        );
    }
    Ok(resources)
}

/// What a campaign resource URI names.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum CampaignResource<'a> {
    Campaign(&'a str),
    Combat(&'a str),
    Character(&'a str, &'a str),
    SessionLog(&'a str, i64),
}

impl<'a> CampaignResource<'a> {
    /// Parses a URI under [`CAMPAIGNS`]; `None` for anything else.
    pub(super) fn parse(uri: &'a str) -> Option<Self> {
        let rest = uri.strip_prefix(CAMPAIGNS)?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [campaign] if !campaign.is_empty() => Some(Self::Campaign(campaign)),
            [campaign, "combat"] => Some(Self::Combat(campaign)),
            [campaign, "characters", character] if !character.is_empty() => {
                Some(Self::Character(campaign, character))
            }
            [campaign, "sessions", number, "log"] => Some(Self::SessionLog(campaign, number.parse().ok()?)),
            _ => None,
        }
    }
}

/// A tool's refusal as the resource error a client sees: what does not exist (or may not
/// be seen) is "not found", with the tool's words.
fn refused(uri: &str, err: ToolError) -> McpError {
    match err {
        ToolError::NotFound(message)
        | ToolError::Forbidden(message)
        | ToolError::InvalidArguments(message) => {
            McpError::resource_not_found(format!("{uri}: {message}"), None)
        }
        other => McpError::internal_error(format!("{uri}: {other}"), None),
    }
}

/// Reads one campaign resource for the runner's caller.
pub(super) async fn read(runner: &Runner, uri: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = || McpError::resource_not_found(format!("no campaign resource at {uri}"), None);
    let resource = CampaignResource::parse(uri).ok_or_else(not_found)?;
    let value = contents(runner, &resource).await.map_err(|err| refused(uri, err))?;
    let text = serde_json::to_string_pretty(&value).map_err(internal)?;
    Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type(JSON)]))
}

/// The JSON a campaign resource holds now.
pub(super) async fn contents(runner: &Runner, resource: &CampaignResource<'_>) -> Result<Value, ToolError> {
    match *resource {
        CampaignResource::Campaign(campaign_id) => {
            runner.call("campaign_get", json!({ "campaign_id": campaign_id })).await
        }
        CampaignResource::Combat(campaign_id) => {
            match runner.call("initiative_get", json!({ "campaign_id": campaign_id })).await {
                Ok(value) => Ok(json!({ "running": true, "encounter": value["encounter"] })),
                // No combat running is a state of the resource, not an error: a subscriber
                // reads it again when one starts.
                Err(ToolError::Conflict(message)) => Ok(json!({ "running": false, "message": message })),
                Err(err) => Err(err),
            }
        }
        CampaignResource::Character(campaign_id, character_id) => {
            let value = runner.call("character_get", json!({ "character_id": character_id })).await?;
            if value["character"]["campaign_id"].as_str() != Some(campaign_id) {
                return Err(ToolError::NotFound(format!(
                    "campaign {campaign_id:?} has no character {character_id:?}"
                )));
            }
            Ok(value["character"].clone())
        }
        CampaignResource::SessionLog(campaign_id, number) => {
            let session = runner.session_by_number(campaign_id, number).await?;
            let session_id = session["id"].as_str().unwrap_or_default().to_string();
            let notes = runner.every("session_notes", json!({ "session_id": session_id }), "notes").await?;
            let mut rolls =
                runner.every("roll_history", json!({ "session_id": session_id }), "rolls").await?;
            rolls.reverse();
            Ok(json!({ "session": session, "notes": notes, "rolls": rolls }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_into_what_they_name() {
        assert_eq!(CampaignResource::parse("ttrpg://campaigns/c1"), Some(CampaignResource::Campaign("c1")));
        assert_eq!(
            CampaignResource::parse("ttrpg://campaigns/c1/combat"),
            Some(CampaignResource::Combat("c1"))
        );
        assert_eq!(
            CampaignResource::parse("ttrpg://campaigns/c1/characters/k9"),
            Some(CampaignResource::Character("c1", "k9"))
        );
        assert_eq!(
            CampaignResource::parse("ttrpg://campaigns/c1/sessions/3/log"),
            Some(CampaignResource::SessionLog("c1", 3))
        );
        for bad in [
            "ttrpg://campaigns/",
            "ttrpg://campaigns/c1/sessions/x/log",
            "ttrpg://campaigns/c1/dice",
            "x://y",
        ] {
            assert_eq!(CampaignResource::parse(bad), None, "{bad}");
        }
        assert_eq!(
            CampaignResource::parse(&uri::session_log("c", 12)),
            Some(CampaignResource::SessionLog("c", 12))
        );
    }
}
