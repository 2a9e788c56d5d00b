//! Campaign tools: create, list, read, change and archive campaigns.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::app::App;
use crate::storage::{Campaign, CampaignPatch, NewCampaign, Session, SessionStatus};

/// Arguments of `campaign_create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The campaign's name, e.g. "Lost Mine of Phandelver".
    pub name: String,
    /// The game system id, e.g. "dnd5e", "fate", "pf2e".
    pub system: String,
    /// The GM's user id, if the client knows one.
    #[serde(default)]
    pub gm_user_id: Option<String>,
    /// House rules and options as a JSON object.
    #[serde(default)]
    pub settings: Option<serde_json::Value>,
}

/// Arguments that name one campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignIdArgs {
    /// The campaign's id (from campaign_create or campaign_list).
    pub campaign_id: String,
}

/// Arguments of `campaign_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Also list archived campaigns (default false).
    #[serde(default)]
    pub include_archived: bool,
}

/// Arguments of `campaign_update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The campaign's id.
    pub campaign_id: String,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New game system id.
    #[serde(default)]
    pub system: Option<String>,
    /// New GM user id.
    #[serde(default)]
    pub gm_user_id: Option<String>,
    /// Settings, replacing the old ones wholesale.
    #[serde(default)]
    pub settings: Option<serde_json::Value>,
}

/// A campaign.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CampaignResult {
    /// The campaign.
    pub campaign: Campaign,
}

/// A campaign with its running session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CampaignDetail {
    /// The campaign.
    pub campaign: Campaign,
    /// The session being played now, if any.
    pub active_session: Option<Session>,
    /// How many sessions have been played or started.
    pub session_count: usize,
}

/// The campaigns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CampaignList {
    /// Newest first.
    pub campaigns: Vec<Campaign>,
}

/// The campaign tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "campaign_create",
            "Create a campaign",
            "Create a new campaign: one group's game in one game system. Returns the campaign with its id, \
             which the session, character, initiative and dice tools take as campaign_id.",
            ToolHints::ADD,
            create,
        ),
        typed_tool(
            "campaign_list",
            "List campaigns",
            "List the campaigns, newest first. Archived campaigns are left out unless include_archived is true.",
            ToolHints::READ,
            list,
        ),
        typed_tool(
            "campaign_get",
            "Get a campaign",
            "Get one campaign by id, with the session being played now (if any) and how many sessions it has had.",
            ToolHints::READ,
            get,
        ),
        typed_tool(
            "campaign_update",
            "Update a campaign",
            "Change a campaign's name, system, GM or settings. Fields left out keep their value; settings \
             are replaced as a whole.",
            ToolHints::SET,
            update,
        ),
        typed_tool(
            "campaign_archive",
            "Archive a campaign",
            "Archive a campaign: it keeps all its data but no new session can start in it and campaign_list \
             hides it by default. Archiving twice is harmless.",
            ToolHints::SET,
            archive,
        ),
    ]
}

async fn create(app: Arc<App>, args: CreateArgs) -> Result<CampaignResult, ToolError> {
    let new = NewCampaign {
        name: validate::name("name", &args.name)?,
        system: validate::name("system", &args.system)?,
        gm_user_id: validate::optional_name("gm_user_id", args.gm_user_id)?,
        settings: validate::object("settings", args.settings.unwrap_or_else(|| serde_json::json!({})))?,
    };
    let campaign = app.storage.create_campaign(new).await?;
    tracing::info!(campaign_id = %campaign.id, name = %campaign.name, "campaign created");
    Ok(CampaignResult { campaign })
}

async fn list(app: Arc<App>, args: ListArgs) -> Result<CampaignList, ToolError> {
    Ok(CampaignList { campaigns: app.storage.list_campaigns(args.include_archived).await? })
}

async fn get(app: Arc<App>, args: CampaignIdArgs) -> Result<CampaignDetail, ToolError> {
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    let sessions = app.storage.list_sessions(&campaign.id).await?;
    let active_session = sessions.iter().find(|s| s.status == SessionStatus::Active).cloned();
    Ok(CampaignDetail { campaign, active_session, session_count: sessions.len() })
}

async fn update(app: Arc<App>, args: UpdateArgs) -> Result<CampaignResult, ToolError> {
    let patch = CampaignPatch {
        name: args.name.map(|n| validate::name("name", &n)).transpose()?,
        system: args.system.map(|s| validate::name("system", &s)).transpose()?,
        gm_user_id: validate::optional_name("gm_user_id", args.gm_user_id)?,
        settings: args.settings.map(|s| validate::object("settings", s)).transpose()?,
    };
    Ok(CampaignResult { campaign: app.storage.update_campaign(&args.campaign_id, patch).await? })
}

async fn archive(app: Arc<App>, args: CampaignIdArgs) -> Result<CampaignResult, ToolError> {
    Ok(CampaignResult { campaign: app.storage.archive_campaign(&args.campaign_id).await? })
}
