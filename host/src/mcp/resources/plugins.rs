//! Installed plugins as resources: `ttrpg://plugins/{plugin_id}/{version}` describes one
//! installed version (manifest, capabilities, tools, prompts, collections) as `plugin_list`
//! shows it, for a plugin author or a GM checking what a version offers.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, ResourceContents, ResourceTemplate};
use serde_json::json;

use super::internal;
use crate::mcp::runner::Runner;

/// What every plugin resource's URI starts with.
pub(super) const PREFIX: &str = "ttrpg://plugins/";

pub(super) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{PREFIX}{{plugin_id}}/{{version}}"), "plugin")
            .with_title("Installed plugin")
            .with_description(
                "One installed version of a game-system plugin: its manifest, capabilities, tools, prompts \
                 and collections",
            )
            .with_mime_type("application/json"),
    ]
}

/// Reads one (`rest` is the URI after the prefix: `{plugin_id}/{version}`).
pub(super) async fn read(runner: &Runner, uri: &str, rest: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = || McpError::resource_not_found(format!("no installed plugin at {uri}"), None);
    let (id, version) = rest.split_once('/').ok_or_else(not_found)?;
    let installed = runner
        .every("plugin_list", json!({}), "installed")
        .await
        .map_err(|err| McpError::internal_error(err.to_string(), None))?;
    let plugin = installed
        .iter()
        .find(|p| p["id"].as_str() == Some(id) && p["version"].as_str() == Some(version))
        .ok_or_else(not_found)?;
    let text = serde_json::to_string_pretty(plugin).map_err(internal)?;
    Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type("application/json")]))
}
