//! Checks on what a plugin says about itself: it is untrusted input.

use std::collections::BTreeSet;

use crate::error::LoadError;
use crate::model::{Capability, GlossaryEntry, Manifest, PluginToolSpec, PromptSpec};
use crate::raw::{RawManifest, RawTool};

/// Longest description or title accepted from a plugin.
const MAX_TEXT: usize = 8 * 1024;
/// Most tools one plugin may offer.
const MAX_TOOLS: usize = 128;
/// Most glossary entries one plugin may give.
pub const MAX_GLOSSARY_ENTRIES: usize = 2_000;
/// Most aliases of one glossary term.
pub const MAX_GLOSSARY_ALIASES: usize = 32;
/// Longest glossary term or alias, in bytes.
pub const MAX_GLOSSARY_PHRASE: usize = 64;
/// Most prompts one plugin may offer.
const MAX_PROMPTS: usize = 64;
/// Most arguments of one prompt.
const MAX_PROMPT_ARGUMENTS: usize = 16;

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

/// Validates a plugin's glossary (API 0.3.0): a bounded number of entries, each a
/// non-empty term with bounded aliases. Terms and aliases are trimmed; empty aliases and
/// an alias equal to its term are dropped.
pub(crate) fn glossary(plugin: &str, raw: Vec<GlossaryEntry>) -> Result<Vec<GlossaryEntry>, LoadError> {
    if raw.len() > MAX_GLOSSARY_ENTRIES {
        return Err(LoadError::Manifest(format!(
            "plugin {plugin} gives {} glossary entries; at most {MAX_GLOSSARY_ENTRIES}",
            raw.len()
        )));
    }
    let phrase = |what: &str, text: &str| -> Result<String, LoadError> {
        let text = text.trim();
        if text.len() > MAX_GLOSSARY_PHRASE {
            return Err(LoadError::Manifest(format!(
                "glossary {what} {text:?} of plugin {plugin} is {} bytes; at most {MAX_GLOSSARY_PHRASE}",
                text.len()
            )));
        }
        Ok(text.to_owned())
    };
    raw.into_iter()
        .map(|entry| {
            let term = phrase("term", &entry.term)?;
            if term.is_empty() {
                return Err(LoadError::Manifest(format!("plugin {plugin} gives a glossary entry with no term")));
            }
            if entry.aliases.len() > MAX_GLOSSARY_ALIASES {
                return Err(LoadError::Manifest(format!(
                    "glossary term {term:?} of plugin {plugin} has {} aliases; at most {MAX_GLOSSARY_ALIASES}",
                    entry.aliases.len()
                )));
            }
            let mut aliases = Vec::with_capacity(entry.aliases.len());
            for alias in &entry.aliases {
                let alias = phrase("alias", alias)?;
                if !alias.is_empty() && !alias.eq_ignore_ascii_case(&term) && !aliases.contains(&alias) {
                    aliases.push(alias);
                }
            }
            Ok(GlossaryEntry { term, aliases })
        })
        .collect()
}

/// Validates a plugin's prompts (API 0.3.0): names as tool names are, unique, bounded
/// texts and arguments.
pub(crate) fn prompts(plugin: &str, raw: Vec<PromptSpec>) -> Result<Vec<PromptSpec>, LoadError> {
    if raw.len() > MAX_PROMPTS {
        return Err(LoadError::Manifest(format!(
            "plugin {plugin} offers {} prompts; at most {MAX_PROMPTS}",
            raw.len()
        )));
    }
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .map(|prompt| {
            if !is_valid_tool_name(&prompt.name) {
                return Err(LoadError::Manifest(format!(
                    "prompt name {:?} of plugin {plugin} is not valid: use 1 to 48 lowercase letters, digits and '_'",
                    prompt.name
                )));
            }
            if !seen.insert(prompt.name.clone()) {
                return Err(LoadError::Manifest(format!("plugin {plugin} declares prompt {:?} twice", prompt.name)));
            }
            if prompt.arguments.len() > MAX_PROMPT_ARGUMENTS {
                return Err(LoadError::Manifest(format!(
                    "prompt {plugin}/{} takes {} arguments; at most {MAX_PROMPT_ARGUMENTS}",
                    prompt.name,
                    prompt.arguments.len()
                )));
            }
            let mut names = BTreeSet::new();
            for argument in &prompt.arguments {
                if !is_valid_tool_name(&argument.name) || !names.insert(argument.name.clone()) {
                    return Err(LoadError::Manifest(format!(
                        "argument {:?} of prompt {plugin}/{} is not valid or is declared twice",
                        argument.name, prompt.name
                    )));
                }
                bounded("argument description", argument.description.clone())?;
            }
            Ok(PromptSpec {
                title: bounded("title", prompt.title)?,
                description: bounded("description", prompt.description)?,
                ..prompt
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PromptArgument, ToolRole};

    fn entry(term: &str, aliases: &[&str]) -> GlossaryEntry {
        GlossaryEntry { term: term.into(), aliases: aliases.iter().map(|a| (*a).into()).collect() }
    }

    #[test]
    fn glossaries_are_trimmed_deduplicated_and_bounded() {
        let clean = glossary(
            "p",
            vec![entry(" prone ", &["lying on the ground", "", "Prone", "lying on the ground"])],
        )
        .unwrap();
        assert_eq!(clean, vec![entry("prone", &["lying on the ground"])]);
        let long = "x".repeat(MAX_GLOSSARY_PHRASE + 1);
        assert!(
            matches!(glossary("p", vec![entry("prone", &[&long])]), Err(LoadError::Manifest(m)) if m.contains("at most 64"))
        );
        assert!(
            matches!(glossary("p", vec![entry("  ", &["a"])]), Err(LoadError::Manifest(m)) if m.contains("no term"))
        );
        let many: Vec<&str> = (0..=MAX_GLOSSARY_ALIASES).map(|_| "a").collect();
        assert!(glossary("p", vec![entry("prone", &many)]).is_err());
        assert!(glossary("p", vec![entry("a", &[]); MAX_GLOSSARY_ENTRIES + 1]).is_err());
    }

    #[test]
    fn prompts_need_valid_unique_names_and_arguments() {
        let prompt = |name: &str, args: &[&str]| PromptSpec {
            name: name.into(),
            title: "T".into(),
            description: "D".into(),
            arguments: args
                .iter()
                .map(|a| PromptArgument { name: (*a).into(), description: String::new(), required: true })
                .collect(),
            role: ToolRole::Gm,
        };
        assert!(prompts("p", vec![prompt("recap", &["session"])]).is_ok());
        assert!(prompts("p", vec![prompt("Recap", &[])]).is_err());
        assert!(prompts("p", vec![prompt("recap", &[]), prompt("recap", &[])]).is_err());
        assert!(prompts("p", vec![prompt("recap", &["a", "a"])]).is_err());
    }
}
