//! The core tools a plugin may call (`host.call-tool`, granted as `host-tools`): which
//! ones, and how a call is held to the plugin's own campaign.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use ttrpg_plugin_runtime::ServiceError;

use super::{ToolCall, ToolError};
use crate::access::{self, AccessError, Caller};
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
    caller: Caller,
}

impl CampaignScopedTools {
    /// The callable tools over `app`, with the rights of `caller`: whoever called the plugin
    /// tool, so a player's call of a player tool can never reach a GM step through the plugin.
    pub fn new(app: Arc<App>, caller: Caller) -> Self {
        CampaignScopedTools { app, caller }
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
        ToolError::Forbidden(_) => ServiceError::Forbidden(err.to_string()),
        ToolError::Plugin(_) | ToolError::Internal(_) | ToolError::Cancelled(_) => {
            ServiceError::Failed(err.to_string())
        }
    }
}

/// Holds a plugin's arguments to its campaign: a `campaign_id` that is absent or `null` is
/// the plugin's own (when the tool takes one), any other value must be that campaign's id;
/// `roll_dice` in a game session is filed under that session unless the plugin named one.
fn scope_arguments(
    campaign_id: &str,
    session_id: Option<&str>,
    name: &str,
    takes: impl Fn(&str) -> bool,
    arguments: &mut Value,
) -> Result<(), ServiceError> {
    let Value::Object(map) = arguments else { return Ok(()) };
    match map.get("campaign_id") {
        Some(Value::String(given)) if given == campaign_id => {}
        Some(Value::String(given)) => {
            return Err(ServiceError::Forbidden(format!(
                "{name}: a plugin works in its own campaign {campaign_id:?} only, not {given:?}"
            )));
        }
        None | Some(Value::Null) if takes("campaign_id") => {
            map.insert("campaign_id".into(), Value::String(campaign_id.to_string()));
        }
        None | Some(Value::Null) => {
            map.remove("campaign_id");
        }
        Some(other) => {
            return Err(ServiceError::Invalid(format!(
                "{name}: campaign_id must be a string id, not {other}"
            )));
        }
    }
    if let (Some(session), None | Some(Value::Null)) = (session_id, map.get("session_id"))
        && takes("session_id")
        && name == "roll_dice"
    {
        map.insert("session_id".into(), Value::String(session.to_string()));
    }
    Ok(())
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
        let properties = tool.spec().input_schema.get("properties");
        let takes = |field: &str| properties.is_some_and(|p| p.get(field).is_some());
        scope_arguments(campaign_id, session_id, name, takes, &mut arguments)?;
        // Every id argument (character, session, …) must be of the plugin's campaign, checked
        // before the tool runs; one of another campaign is, to the plugin, one that does not exist.
        let viewer = access::authorize(&self.app, &self.caller, name, tool.spec().need, &arguments)
            .await
            .map_err(|err| tool_error(err.into()))?;
        if viewer.campaign_id.as_deref().is_some_and(|id| id != campaign_id) {
            let err = AccessError::Unknown(format!("{name}: no such record in this plugin's campaign"));
            return Err(tool_error(err.into()));
        }
        let call = ToolCall { app: self.app.clone(), viewer, consent: None, attachments: Default::default() };
        let result = tool.call(call, arguments).await.map_err(tool_error)?;
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scoped(name: &str, takes: &[&str], mut arguments: Value) -> Result<Value, ServiceError> {
        scope_arguments("c1", Some("s1"), name, |field| takes.contains(&field), &mut arguments)?;
        Ok(arguments)
    }

    #[test]
    fn an_absent_or_null_campaign_is_the_plugins_own() {
        for arguments in [json!({"expression": "1d20"}), json!({"expression": "1d20", "campaign_id": null})] {
            let scoped = scoped("roll_dice", &["campaign_id", "session_id"], arguments).unwrap();
            assert_eq!(scoped["campaign_id"], "c1");
            assert_eq!(scoped["session_id"], "s1");
        }
        let untaken =
            scoped("character_get", &["character_id"], json!({"character_id": "x", "campaign_id": null}));
        assert_eq!(
            untaken.unwrap(),
            json!({"character_id": "x"}),
            "a null the tool does not take is dropped"
        );
    }

    #[test]
    fn another_campaign_or_a_non_string_is_refused() {
        let other = scoped("campaign_get", &["campaign_id"], json!({"campaign_id": "c2"})).unwrap_err();
        assert!(matches!(other, ServiceError::Forbidden(ref m) if m.contains("c2")), "{other:?}");
        let number = scoped("campaign_get", &["campaign_id"], json!({"campaign_id": 7})).unwrap_err();
        assert!(matches!(number, ServiceError::Invalid(_)), "{number:?}");
        let own = scoped("campaign_get", &["campaign_id"], json!({"campaign_id": "c1"})).unwrap();
        assert_eq!(own, json!({"campaign_id": "c1"}));
    }
}
