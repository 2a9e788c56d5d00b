//! The core tools a plugin may call (`host.call-tool`, granted as `host-tools`): which
//! ones, and how a call is held to the plugin's own campaign.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use ttrpg_plugin_runtime::ServiceError;

use super::ToolError;
use crate::app::App;
use crate::plugins::HostTools;

/// The core tools a plugin granted `host-tools` may call: the ones that act inside one
/// campaign. Managing campaigns or plugins is never delegated to a plugin.
pub const PLUGIN_CALLABLE_TOOLS: &[&str] = &[
    "campaign_get",
    "session_list",
    "session_add_note",
    "character_create",
    "character_get",
    "character_update",
    "character_list",
    "initiative_start",
    "initiative_add",
    "initiative_next",
    "initiative_prev",
    "initiative_remove",
    "initiative_damage",
    "initiative_heal",
    "initiative_condition",
    "initiative_get",
    "initiative_end",
    "roll_dice",
    "roll_history",
];

/// The core tools for plugins working in one campaign: only [`PLUGIN_CALLABLE_TOOLS`], a
/// `campaign_id` argument filled in or required to be the plugin's campaign, and a result
/// that names another campaign refused.
pub struct CampaignScopedTools {
    app: Arc<App>,
}

impl CampaignScopedTools {
    /// The callable tools over `app`.
    pub fn new(app: Arc<App>) -> Self {
        CampaignScopedTools { app }
    }
}

/// Every `campaign_id` anywhere in a JSON value.
fn campaign_ids(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "campaign_id"
                    && let Value::String(id) = inner
                {
                    found.push(id.clone());
                }
                campaign_ids(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| campaign_ids(item, found)),
        _ => {}
    }
}

/// A core tool's error as the plugin that called it sees it: the plugin asked wrongly, or
/// the host failed.
fn tool_error(err: ToolError) -> ServiceError {
    match err {
        ToolError::InvalidArguments(_)
        | ToolError::NotFound(_)
        | ToolError::Conflict(_)
        | ToolError::Dice(_) => ServiceError::Invalid(err.to_string()),
        ToolError::Plugin(_) | ToolError::Internal(_) => ServiceError::Failed(err.to_string()),
    }
}

#[async_trait]
impl HostTools for CampaignScopedTools {
    async fn call(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: &str,
        mut arguments: Value,
    ) -> Result<Value, ServiceError> {
        if !PLUGIN_CALLABLE_TOOLS.contains(&name) {
            return Err(ServiceError::Forbidden(format!(
                "plugins may not call the host tool {name:?}; they may call: {}",
                PLUGIN_CALLABLE_TOOLS.join(", ")
            )));
        }
        let tool = super::core_tool(name)
            .ok_or_else(|| ServiceError::Failed(format!("no host tool named {name:?}")))?;
        let takes =
            |field: &str| tool.spec().input_schema.get("properties").is_some_and(|p| p.get(field).is_some());
        if let Value::Object(map) = &mut arguments {
            match map.get("campaign_id") {
                Some(Value::String(given)) if given != campaign_id => {
                    return Err(ServiceError::Forbidden(format!(
                        "{name}: a plugin works in its own campaign {campaign_id:?} only, not {given:?}"
                    )));
                }
                Some(_) => {}
                None if takes("campaign_id") => {
                    map.insert("campaign_id".into(), Value::String(campaign_id.to_string()));
                }
                None => {}
            }
            if let (Some(session), None) = (session_id, map.get("session_id"))
                && takes("session_id")
                && name == "roll_dice"
            {
                map.insert("session_id".into(), Value::String(session.to_string()));
            }
        }
        let result = tool.call(self.app.clone(), arguments).await.map_err(tool_error)?;
        let mut named = Vec::new();
        campaign_ids(&result, &mut named);
        if let Some(other) = named.iter().find(|id| id.as_str() != campaign_id) {
            return Err(ServiceError::Forbidden(format!(
                "{name}: the result belongs to campaign {other:?}, not this plugin's campaign"
            )));
        }
        Ok(result)
    }
}
