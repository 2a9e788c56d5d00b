//! What one MCP session remembers: the campaign it works on (`campaign_use`), which
//! decides which plugins' tools it sees.

use std::sync::{Arc, RwLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{self, Caller};
use crate::app::App;
use crate::plugins::{UnavailablePlugin, namespaced_tool};
use crate::storage::{Campaign, CampaignPluginRecord, StorageError};
use crate::tools::ToolError;
use crate::tools::registry::{ToolHints, ToolSpec};

/// The name of the session tool.
pub const CAMPAIGN_USE: &str = "campaign_use";

/// Per-session state, shared by the clones of one session's server.
#[derive(Default)]
pub struct SessionState {
    campaign: RwLock<Option<String>>,
}

impl SessionState {
    /// The campaign this session works on.
    pub fn campaign(&self) -> Option<String> {
        self.campaign.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_campaign(&self, campaign_id: String) {
        *self.campaign.write().unwrap_or_else(|p| p.into_inner()) = Some(campaign_id);
    }
}

/// Arguments of `campaign_use`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UseArgs {
    /// The campaign this MCP session works on from now on.
    pub campaign_id: String,
}

/// The result of `campaign_use`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UseResult {
    /// The campaign now in use.
    pub campaign: Campaign,
    /// Its enabled plugins.
    pub plugins: Vec<CampaignPluginRecord>,
    /// The plugin tools this session now offers (also in tools/list).
    pub plugin_tools: Vec<String>,
    /// Enabled plugins that cannot run now, and why (their tools are not offered).
    pub unavailable: Vec<UnavailablePlugin>,
}

/// The spec of `campaign_use`, listed with the core tools.
pub fn campaign_use_spec() -> ToolSpec {
    let input =
        schemars::generate::SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<UseArgs>();
    let output = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<UseResult>();
    let object = |schema: schemars::Schema| match serde_json::to_value(schema) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.remove("title");
            map.remove("description");
            map
        }
        _ => serde_json::Map::new(),
    };
    ToolSpec {
        name: CAMPAIGN_USE.to_string(),
        title: "Use a campaign".to_string(),
        description: "Choose the campaign this MCP session works on. The tools of the plugins enabled in that \
                      campaign (named <plugin>__<tool>) then appear in the tool list, and plugin tools run in it. \
                      The client is told the tool list changed."
            .to_string(),
        input_schema: object(input),
        output_schema: object(output),
        hints: ToolHints::SET,
        need: access::Need::Player,
    }
}

/// Runs `campaign_use` for a session: only a campaign the caller is part of.
pub async fn campaign_use(
    app: &App,
    caller: &Caller,
    session: &Arc<SessionState>,
    arguments: serde_json::Value,
) -> Result<serde_json::Value, ToolError> {
    let args: UseArgs = serde_json::from_value(arguments)
        .map_err(|err| ToolError::InvalidArguments(format!("invalid arguments for {CAMPAIGN_USE}: {err}")))?;
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    if access::role_in(app, caller, &campaign.id).await?.is_none() {
        return Err(StorageError::not_found("campaign", &campaign.id).into());
    }
    let (enabled, unavailable) = app.plugins.enabled_and_unavailable(&campaign.id).await?;
    let plugin_tools = enabled
        .iter()
        .flat_map(|e| e.plugin.tools().iter().map(|t| namespaced_tool(&e.record.plugin_id, &t.name)))
        .collect();
    session.set_campaign(campaign.id.clone());
    let result = UseResult {
        campaign,
        plugins: enabled.into_iter().map(|e| e.record).collect(),
        plugin_tools,
        unavailable,
    };
    serde_json::to_value(result).map_err(|err| ToolError::Internal(err.to_string()))
}
