//! The host services behind a plugin's imports: key-value spaces in the structured
//! database, search of the campaign's collections, and the core tools a plugin may call.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use ttrpg_plugin_runtime::model::SearchHit;
use ttrpg_plugin_runtime::{HostServices, ServiceError};

use crate::app::App;
use crate::records::SearchError;
use crate::storage::StorageError;
use crate::tools::ToolError;

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

/// Host services for calls made in one app; built per call.
pub struct AppServices {
    app: Arc<App>,
}

impl AppServices {
    /// Services over `app`.
    pub fn new(app: Arc<App>) -> Self {
        AppServices { app }
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

/// A storage failure as a plugin sees it: what it asked wrongly for, or the host failing.
fn storage_error(err: StorageError) -> ServiceError {
    match err {
        StorageError::NotFound { .. }
        | StorageError::Conflict(_)
        | StorageError::Stale { .. }
        | StorageError::Invalid(_) => ServiceError::Invalid(err.to_string()),
        StorageError::Config(_)
        | StorageError::Migration(_)
        | StorageError::UnknownValue { .. }
        | StorageError::Database(_) => ServiceError::Failed(err.to_string()),
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
impl HostServices for AppServices {
    async fn kv_get(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, ServiceError> {
        self.app.storage.kv_get(plugin_id, campaign_id, key).await.map_err(storage_error)
    }

    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), ServiceError> {
        self.app.storage.kv_set(plugin_id, campaign_id, key, value).await.map_err(storage_error)
    }

    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<bool, ServiceError> {
        self.app.storage.kv_delete(plugin_id, campaign_id, key).await.map_err(storage_error)
    }

    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, ServiceError> {
        self.app.storage.kv_list(plugin_id, campaign_id, prefix, limit).await.map_err(storage_error)
    }

    async fn search(
        &self,
        campaign_id: &str,
        collection: &str,
        query: &str,
        filter: &Value,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        crate::records::search_for_plugin(
            self.app.storage.as_ref(),
            campaign_id,
            collection,
            query,
            filter,
            limit,
        )
        .await
        .map_err(|err| match err {
            SearchError::Filter(filter) => ServiceError::Invalid(filter.to_string()),
            SearchError::Storage(storage) => storage_error(storage),
        })
    }

    /// Runs an allowed core tool in the call's campaign: a `campaign_id` argument is filled
    /// in or must be that campaign, and a result that names another campaign is refused.
    async fn call_host_tool(
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
        let tool = crate::tools::core_tool(name)
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
