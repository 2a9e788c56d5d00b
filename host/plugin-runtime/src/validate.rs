//! Checks on what a plugin says about itself: it is untrusted input.

use std::collections::BTreeSet;

use crate::error::LoadError;
use crate::model::{Capability, Manifest, PluginToolSpec};
use crate::raw::{RawManifest, RawTool};

/// Longest description or title accepted from a plugin.
const MAX_TEXT: usize = 8 * 1024;
/// Most tools one plugin may offer.
const MAX_TOOLS: usize = 128;

/// Whether `id` is a valid plugin id: `[a-z][a-z0-9-]{0,31}`.
pub fn is_valid_plugin_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_valid_tool_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name.len() <= 48
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn bounded(field: &str, text: String) -> Result<String, LoadError> {
    if text.len() > MAX_TEXT {
        Err(LoadError::Manifest(format!("{field} is {} bytes; at most {MAX_TEXT} are accepted", text.len())))
    } else {
        Ok(text)
    }
}

/// Validates a manifest against the API version the component actually exports.
pub(crate) fn manifest(raw: RawManifest, exported_api: &semver::Version) -> Result<Manifest, LoadError> {
    if !is_valid_plugin_id(&raw.id) {
        return Err(LoadError::Manifest(format!(
            "id {:?} is not valid: use 1 to 32 lowercase letters, digits and '-', starting with a letter",
            raw.id
        )));
    }
    let version = semver::Version::parse(&raw.version).map_err(|err| {
        LoadError::Manifest(format!("version {:?} of plugin {} is not semver: {err}", raw.version, raw.id))
    })?;
    let api_version = semver::Version::parse(&raw.api_version).map_err(|err| {
        LoadError::Manifest(format!(
            "api_version {:?} of plugin {} is not semver: {err}",
            raw.api_version, raw.id
        ))
    })?;
    if &api_version != exported_api {
        return Err(LoadError::Manifest(format!(
            "plugin {} says it was built against API {api_version}, but its component exports API {exported_api}",
            raw.id
        )));
    }
    if raw.system.trim().is_empty() {
        return Err(LoadError::Manifest(format!("plugin {} names no game system", raw.id)));
    }
    let capabilities: BTreeSet<Capability> = raw.capabilities.into_iter().collect();
    Ok(Manifest {
        id: raw.id,
        version,
        system: bounded("system", raw.system)?,
        name: bounded("name", raw.name)?,
        description: bounded("description", raw.description)?,
        api_version,
        capabilities: capabilities.into_iter().collect(),
    })
}

/// Validates a plugin's tool list: names, uniqueness, schemas that are JSON objects of
/// type `object`.
pub(crate) fn tools(plugin: &str, raw: Vec<RawTool>) -> Result<Vec<PluginToolSpec>, LoadError> {
    if raw.len() > MAX_TOOLS {
        return Err(LoadError::Manifest(format!(
            "plugin {plugin} offers {} tools; at most {MAX_TOOLS}",
            raw.len()
        )));
    }
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .map(|tool| {
            if !is_valid_tool_name(&tool.name) {
                return Err(LoadError::Manifest(format!(
                    "tool name {:?} of plugin {plugin} is not valid: use 1 to 48 lowercase letters, digits and '_'",
                    tool.name
                )));
            }
            if !seen.insert(tool.name.clone()) {
                return Err(LoadError::Manifest(format!("plugin {plugin} declares tool {:?} twice", tool.name)));
            }
            let input_schema = schema(plugin, &tool.name, "input", &tool.input_schema)?;
            let output_schema = schema(plugin, &tool.name, "output", &tool.output_schema)?;
            Ok(PluginToolSpec {
                title: bounded("title", tool.title)?,
                description: bounded("description", tool.description)?,
                name: tool.name,
                input_schema,
                output_schema,
                read_only: tool.read_only,
                destructive: tool.destructive,
                idempotent: tool.idempotent,
                role: tool.role,
            })
        })
        .collect()
}

fn schema(
    plugin: &str,
    tool: &str,
    which: &str,
    text: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, LoadError> {
    let problem =
        |message: String| LoadError::Manifest(format!("{which} schema of tool {plugin}/{tool}: {message}"));
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => {
            if map.get("type").and_then(|t| t.as_str()) == Some("object") {
                Ok(map)
            } else {
                Err(problem("its root type must be \"object\"".into()))
            }
        }
        Ok(_) => Err(problem("not a JSON object".into())),
        Err(err) => Err(problem(format!("not JSON: {err}"))),
    }
}
