//! Aspects kept per campaign in the plugin's key-value space (needs the `kv` capability):
//! `create_aspect`, `list_aspects`, `invoke_aspect`, `remove_aspect`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_plugin_sdk::{Context, HostError, LogLevel, ToolError, host};

/// Key prefix of aspects in the key-value space.
const PREFIX: &str = "aspect/";
/// Longest aspect name, in characters.
const MAX_NAME: usize = 120;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 4000;
/// Most free invokes an aspect may carry.
const MAX_FREE_INVOKES: u32 = 10;

/// What sort of aspect it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AspectKind {
    /// A character's high concept.
    HighConcept,
    /// A character's trouble.
    Trouble,
    /// A temporary aspect on the scene or a zone.
    Situation,
    /// Any other character aspect.
    Character,
    /// An aspect of the whole game (a current or impending issue).
    Game,
}

/// An aspect as stored and returned.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Aspect {
    /// The aspect's text, e.g. "On Fire".
    pub name: String,
    /// Its kind.
    pub kind: AspectKind,
    /// Notes on it (who holds it, where it applies).
    pub description: String,
    /// Free invokes left on it.
    pub invokes_free: u32,
}

/// The key of an aspect: its name, lowercased, spaces collapsed.
fn key(name: &str) -> String {
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    format!("{PREFIX}{}", words.join(" "))
}

/// Maps a host refusal, explaining a missing `kv` grant.
fn kv_error(tool: &str) -> impl Fn(HostError) -> ToolError + '_ {
    move |error| {
        if error.is_not_granted() {
            ToolError::failed(format!(
                "`{tool}` keeps aspects in the plugin's key-value space and needs the `kv` capability: \
                 enable the plugin for this campaign with grants [\"kv\"] ({})",
                error.message()
            ))
        } else {
            ToolError::from(error)
        }
    }
}

fn checked_name(name: &str) -> Result<String, ToolError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(ToolError::invalid_arguments(
            "`name` is empty: an aspect is a short phrase, e.g. \"On Fire\"",
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ToolError::invalid_arguments(format!("`name` is longer than {MAX_NAME} characters")));
    }
    Ok(name)
}

fn load(tool: &str, name: &str) -> Result<Option<Aspect>, ToolError> {
    let Some(bytes) = host::kv_get(&key(name)).map_err(kv_error(tool))? else { return Ok(None) };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ToolError::failed(format!("the stored aspect `{name}` is unreadable: {e}")))
}

fn store(tool: &str, aspect: &Aspect) -> Result<(), ToolError> {
    let bytes = serde_json::to_vec(aspect).map_err(|e| ToolError::failed(e.to_string()))?;
    host::kv_set(&key(&aspect.name), &bytes).map_err(kv_error(tool))
}

/// Arguments of `create_aspect`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The aspect's text, e.g. "On Fire" (at most 120 characters).
    pub name: String,
    /// `high_concept`, `trouble`, `situation`, `character` or `game`.
    pub kind: AspectKind,
    /// Notes on it.
    #[serde(default)]
    pub description: Option<String>,
    /// Free invokes it starts with, 0..=10 (e.g. 1 from creating an advantage, 2 with style).
    #[serde(default)]
    pub invokes_free: u32,
}

/// Result of `create_aspect`.
#[derive(Serialize, JsonSchema)]
pub struct Created {
    /// The aspect as stored.
    pub aspect: Aspect,
    /// Whether an aspect of the same name was replaced.
    pub replaced: bool,
}

/// `create_aspect`: stores (or replaces) an aspect in this campaign.
pub fn create(_ctx: &Context, args: CreateArgs) -> Result<Created, ToolError> {
    let name = checked_name(&args.name)?;
    let description = args.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(ToolError::invalid_arguments(format!(
            "`description` is longer than {MAX_DESCRIPTION} characters"
        )));
    }
    if args.invokes_free > MAX_FREE_INVOKES {
        return Err(ToolError::invalid_arguments(format!(
            "`invokes_free` is {}: at most {MAX_FREE_INVOKES}",
            args.invokes_free
        )));
    }
    let replaced = load("create_aspect", &name)?.is_some();
    let aspect = Aspect { name, kind: args.kind, description, invokes_free: args.invokes_free };
    store("create_aspect", &aspect)?;
    let _ = host::log(LogLevel::Info, &format!("aspect `{}` stored", aspect.name));
    Ok(Created { aspect, replaced })
}

/// Arguments of `list_aspects`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Only aspects of this kind (default: all).
    #[serde(default)]
    pub kind: Option<AspectKind>,
}

/// Result of `list_aspects`.
#[derive(Serialize, JsonSchema)]
pub struct AspectList {
    /// The campaign's aspects, by name.
    pub aspects: Vec<Aspect>,
}

/// `list_aspects`: the campaign's aspects, optionally of one kind.
pub fn list(_ctx: &Context, args: ListArgs) -> Result<AspectList, ToolError> {
    let mut aspects = Vec::new();
    for key in host::kv_list(PREFIX).map_err(kv_error("list_aspects"))? {
        let name = &key[PREFIX.len()..];
        if let Some(aspect) = load("list_aspects", name)?
            && args.kind.is_none_or(|k| k == aspect.kind)
        {
            aspects.push(aspect);
        }
    }
    Ok(AspectList { aspects })
}

/// Arguments of `invoke_aspect` and `remove_aspect`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameArgs {
    /// The aspect's name (any case).
    pub name: String,
}

/// Result of `invoke_aspect`.
#[derive(Serialize, JsonSchema)]
pub struct Invoked {
    /// The aspect after the invoke.
    pub aspect: Aspect,
    /// Whether a free invoke was spent (else the invoke costs a fate point).
    pub used_free_invoke: bool,
    /// What the invoke costs and gives.
    pub message: String,
}

/// `invoke_aspect`: spends a free invoke if there is one; otherwise says a fate point is due.
pub fn invoke(_ctx: &Context, args: NameArgs) -> Result<Invoked, ToolError> {
    let name = checked_name(&args.name)?;
    let mut aspect = load("invoke_aspect", &name)?
        .ok_or_else(|| ToolError::not_found(format!("no aspect named `{name}` in this campaign")))?;
    let used_free_invoke = aspect.invokes_free > 0;
    let message = if used_free_invoke {
        aspect.invokes_free -= 1;
        store("invoke_aspect", &aspect)?;
        format!("free invoke of `{}` spent ({} left): +2 or a reroll", aspect.name, aspect.invokes_free)
    } else {
        format!("`{}` has no free invokes left: pay a fate point for +2 or a reroll", aspect.name)
    };
    Ok(Invoked { aspect, used_free_invoke, message })
}

/// Result of `remove_aspect`.
#[derive(Serialize, JsonSchema)]
pub struct Removed {
    /// The name asked for.
    pub name: String,
    /// Whether it existed.
    pub removed: bool,
}

/// `remove_aspect`: deletes an aspect (a situation aspect that no longer applies).
pub fn remove(_ctx: &Context, args: NameArgs) -> Result<Removed, ToolError> {
    let name = checked_name(&args.name)?;
    let removed = host::kv_delete(&key(&name)).map_err(kv_error("remove_aspect"))?;
    Ok(Removed { name, removed })
}
