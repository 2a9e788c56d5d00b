//! Campaign tools: create, list, read, change and archive campaigns.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::Need;
use crate::storage::{
    Campaign, CampaignMember, CampaignPatch, CampaignStatus, MemberRole, NewCampaign, Session, SessionStatus,
};

/// Arguments of `campaign_create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The campaign's name, e.g. "Lost Mine of Phandelver".
    pub name: String,
    /// The game system id, e.g. "dnd5e", "fate", "pf2e".
    pub system: String,
    /// The GM's user id (default: the calling user; only the server's operator may name
    /// another).
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

/// Arguments of `campaign_archive`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveArgs {
    /// The campaign's id (from campaign_create or campaign_list).
    pub campaign_id: String,
    /// The person's yes, for a client that cannot ask them (no MCP elicitation); where the
    /// client can ask, they are asked whatever this says.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// Arguments of `campaign_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Also list archived campaigns (default false).
    #[serde(default)]
    pub include_archived: bool,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
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
    /// New GM (a user id).
    #[serde(default)]
    pub gm_user_id: Option<String>,
    /// Settings, replacing the old ones wholesale.
    #[serde(default)]
    pub settings: Option<serde_json::Value>,
}

/// Arguments of `campaign_invite`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The user's name (as `ttrpg token create --user NAME` made it).
    pub user: String,
    /// player (default) or gm (a co-GM).
    #[serde(default)]
    pub role: Option<MemberRole>,
}

/// Arguments of `campaign_members`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersArgs {
    /// The campaign.
    pub campaign_id: String,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Arguments of `campaign_remove_member`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveMemberArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The user's name.
    pub user: String,
}

/// A campaign's members.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MemberList {
    /// The campaign's GM (a user id), if it has one.
    pub gm_user_id: Option<String>,
    /// Its members by name.
    pub members: Vec<CampaignMember>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A member added or changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MemberResult {
    /// The member.
    pub member: CampaignMember,
}

/// A member removed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MemberRemoved {
    /// The user's name.
    pub user: String,
    /// False when they were not a member.
    pub removed: bool,
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
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
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
            Need::Player,
            create,
        ),
        typed_tool(
            "campaign_list",
            "List campaigns",
            "List the campaigns, newest first. Archived campaigns are left out unless include_archived is true.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
        typed_tool(
            "campaign_get",
            "Get a campaign",
            "Get one campaign by id, with the session being played now (if any) and how many sessions it has had.",
            ToolHints::READ,
            Need::Player,
            get,
        ),
        typed_tool(
            "campaign_update",
            "Update a campaign",
            "Change a campaign's name, system, GM or settings. Fields left out keep their value; settings \
             are replaced as a whole.",
            ToolHints::SET,
            Need::Gm,
            update,
        ),
        typed_tool(
            "campaign_archive",
            "Archive a campaign",
            "Archive a campaign: it keeps all its data but no new session can start in it and campaign_list \
             hides it by default. Archiving twice is harmless.",
            ToolHints::SET,
            Need::Gm,
            archive,
        ),
        typed_tool(
            "campaign_invite",
            "Invite to a campaign",
            "Make a user a member of a campaign: a player (default), who may roll, see the initiative order, read \
             and update their own character, search the rules and read notes shared with players; or a gm, who \
             runs it with you. Inviting again changes the role.",
            ToolHints::SET,
            Need::Gm,
            invite,
        ),
        typed_tool(
            "campaign_members",
            "List a campaign's members",
            "List a campaign's GM and members with their roles.",
            ToolHints::READ,
            Need::Player,
            members,
        ),
        typed_tool(
            "campaign_remove_member",
            "Remove a campaign member",
            "Remove a user from a campaign: they no longer see it. Their characters stay.",
            ToolHints::SET,
            Need::Gm,
            remove_member,
        ),
    ]
}

/// The GM a campaign gets: the calling user, or (for the operator) a named existing user.
async fn gm_user(app: &ToolCall, given: Option<String>) -> Result<Option<String>, ToolError> {
    let given = validate::optional_name("gm_user_id", given)?;
    match (given, app.viewer.user_id()) {
        (Some(id), me) if Some(id.as_str()) != me => {
            if !app.viewer.caller.is_operator() {
                return Err(ToolError::Forbidden(
                    "making another user a campaign's GM needs an admin token (or the server's own console)"
                        .into(),
                ));
            }
            Ok(Some(app.storage.get_user(&id).await?.id))
        }
        (_, me) => Ok(me.map(str::to_owned)),
    }
}

async fn create(app: ToolCall, args: CreateArgs) -> Result<CampaignResult, ToolError> {
    let new = NewCampaign {
        name: validate::name("name", &args.name)?,
        system: validate::name("system", &args.system)?,
        gm_user_id: gm_user(&app, args.gm_user_id).await?,
        settings: validate::object("settings", args.settings.unwrap_or_else(|| serde_json::json!({})))?,
    };
    let campaign = app.storage.create_campaign(new).await?;
    tracing::info!(campaign_id = %campaign.id, name = %campaign.name, "campaign created");
    Ok(CampaignResult { campaign })
}

async fn list(app: ToolCall, args: ListArgs) -> Result<CampaignList, ToolError> {
    let campaigns = match (app.viewer.caller.is_operator(), app.viewer.user_id()) {
        (false, Some(user_id)) => app.storage.list_campaigns_of(user_id, args.include_archived).await?,
        _ => app.storage.list_campaigns(args.include_archived).await?,
    };
    let (campaigns, next_cursor) = super::paging::page(campaigns, args.cursor.as_deref(), args.limit)?;
    Ok(CampaignList { campaigns, next_cursor })
}

async fn get(app: ToolCall, args: CampaignIdArgs) -> Result<CampaignDetail, ToolError> {
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    let sessions = app.storage.list_sessions(&campaign.id).await?;
    let active_session = sessions.iter().find(|s| s.status == SessionStatus::Active).cloned();
    Ok(CampaignDetail { campaign, active_session, session_count: sessions.len() })
}

async fn update(app: ToolCall, args: UpdateArgs) -> Result<CampaignResult, ToolError> {
    let patch = CampaignPatch {
        name: args.name.map(|n| validate::name("name", &n)).transpose()?,
        system: args.system.map(|s| validate::name("system", &s)).transpose()?,
        gm_user_id: match args.gm_user_id {
            Some(id) => Some(app.storage.get_user(&validate::name("gm_user_id", &id)?).await?.id),
            None => None,
        },
        settings: args.settings.map(|s| validate::object("settings", s)).transpose()?,
    };
    let campaign = app.storage.update_campaign(&args.campaign_id, patch).await?;
    app.resource_updated(&campaign.id, crate::app::events::uri::campaign(&campaign.id)).await;
    Ok(CampaignResult { campaign })
}

async fn archive(app: ToolCall, args: ArchiveArgs) -> Result<CampaignResult, ToolError> {
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    if campaign.status != CampaignStatus::Archived {
        let question = format!(
            "Archive the campaign {:?}? It keeps all its data, but no new session can start in it.",
            campaign.name
        );
        super::confirm::require_confirmation(&app, "campaign_archive", &question, args.confirm).await?;
    }
    let campaign = app.storage.archive_campaign(&args.campaign_id).await?;
    app.resource_updated(&campaign.id, crate::app::events::uri::campaign(&campaign.id)).await;
    Ok(CampaignResult { campaign })
}

async fn invite(app: ToolCall, args: InviteArgs) -> Result<MemberResult, ToolError> {
    let user = app.storage.user_by_name(&validate::name("user", &args.user)?).await?;
    let role = args.role.unwrap_or(MemberRole::Player);
    let member = app.storage.set_member(&args.campaign_id, &user.id, role).await?;
    tracing::info!(campaign_id = %args.campaign_id, user = %user.name, role = role.as_str(), "campaign member set");
    Ok(MemberResult { member })
}

async fn members(app: ToolCall, args: MembersArgs) -> Result<MemberList, ToolError> {
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    let members = app.storage.members(&campaign.id).await?;
    let (members, next_cursor) = super::paging::page(members, args.cursor.as_deref(), args.limit)?;
    Ok(MemberList { gm_user_id: campaign.gm_user_id, members, next_cursor })
}

async fn remove_member(app: ToolCall, args: RemoveMemberArgs) -> Result<MemberRemoved, ToolError> {
    let user = app.storage.user_by_name(&validate::name("user", &args.user)?).await?;
    let removed = app.storage.remove_member(&args.campaign_id, &user.id).await?;
    Ok(MemberRemoved { user: user.name, removed })
}
