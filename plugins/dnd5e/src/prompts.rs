//! The plugin's prompt templates (plugin API 0.3): clients show them as `dnd5e__<name>`.
//!
//! - `monster_tactics {monster}`: the monster's stat block from the campaign's `monsters`
//!   collection with its citation, and a request to plan how it fights.

use std::collections::BTreeMap;

use ttrpg_plugin_sdk::{Context, PromptMessage, PromptSpec, ToolError};

use crate::records::{self, SRD_ATTRIBUTION};

/// Every prompt the plugin offers.
pub fn all() -> Vec<PromptSpec> {
    vec![
        PromptSpec::new(
            "monster_tactics",
            "Monster tactics",
            "How a monster fights, planned from its stat block (with the page it is printed on)",
        )
        .argument("monster", "The monster's name, e.g. \"Adult Red Dragon\"", true),
    ]
}

/// Builds prompt `name`.
pub fn get(
    _context: &Context,
    name: &str,
    arguments: &BTreeMap<String, String>,
) -> Result<Vec<PromptMessage>, ToolError> {
    match name {
        "monster_tactics" => {
            monster_tactics(arguments.get("monster").map(String::as_str).unwrap_or_default())
        }
        other => Err(ToolError::not_found(format!("dnd5e has no prompt `{other}`"))),
    }
}

fn monster_tactics(name: &str) -> Result<Vec<PromptMessage>, ToolError> {
    let (mut monster, exact) = crate::tools::lookup("monsters", "monster", name)?;
    let citation = records::citation(&monster);
    records::take_sources(&mut monster);
    let shown = records::text(&monster, "name").to_string();
    let block = serde_json::to_string_pretty(&monster).unwrap_or_default();
    let source = citation.map(|c| format!(" ({c})")).unwrap_or_default();
    let closest = if exact {
        String::new()
    } else {
        format!("There is no monster named {name:?}; the closest is {shown}.\n\n")
    };
    Ok(vec![PromptMessage::user(format!(
        "{closest}Plan how the {shown} fights in a D&D 5e encounter, from its stat block below{source}: \
         what it does in its first round, how it uses its legendary or special actions if it has any, \
         whom it targets, and when it retreats. Quote the actions you rely on and cite the page.\n\n\
         ```json\n{block}\n```\n\n{SRD_ATTRIBUTION}"
    ))])
}
