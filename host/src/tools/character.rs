//! Character tools: player characters, NPCs and recurring monsters.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::{Need, Viewer};
use crate::storage::{Character, CharacterFields, CharacterKind, CharacterPatch};

/// Largest hit point, level or modifier value accepted.
const MAX_STAT: i64 = 1_000_000;

/// Arguments of `character_create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The campaign the character belongs to.
    pub campaign_id: String,
    /// The character's name.
    pub name: String,
    /// pc (default), npc or monster.
    #[serde(default)]
    pub kind: Option<CharacterKind>,
    /// Who plays it.
    #[serde(default)]
    pub player_name: Option<String>,
    /// The user who plays it (an id from campaign_members); a player creating a character
    /// is its player.
    #[serde(default)]
    pub player_id: Option<String>,
    /// Character level.
    #[serde(default)]
    pub level: Option<i64>,
    /// Class.
    #[serde(default)]
    pub class: Option<String>,
    /// Ancestry / race / species.
    #[serde(default)]
    pub ancestry: Option<String>,
    /// Hit point maximum.
    #[serde(default)]
    pub max_hp: Option<i64>,
    /// Current hit points (defaults to max_hp).
    #[serde(default)]
    pub current_hp: Option<i64>,
    /// Armour class.
    #[serde(default)]
    pub armor_class: Option<i64>,
    /// Added to initiative rolls (e.g. the Dexterity modifier).
    #[serde(default)]
    pub init_modifier: Option<i64>,
    /// The rest of the sheet as a JSON object (abilities, skills, inventory…).
    #[serde(default)]
    pub stats: Option<serde_json::Value>,
    /// Free-form notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Arguments that name one character.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CharacterIdArgs {
    /// The character's id.
    pub character_id: String,
}

/// Arguments of `character_update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The character's id.
    pub character_id: String,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New kind.
    #[serde(default)]
    pub kind: Option<CharacterKind>,
    /// New player name.
    #[serde(default)]
    pub player_name: Option<String>,
    /// New player (a user id; GM only).
    #[serde(default)]
    pub player_id: Option<String>,
    /// New level.
    #[serde(default)]
    pub level: Option<i64>,
    /// New class.
    #[serde(default)]
    pub class: Option<String>,
    /// New ancestry.
    #[serde(default)]
    pub ancestry: Option<String>,
    /// New hit point maximum.
    #[serde(default)]
    pub max_hp: Option<i64>,
    /// New current hit points.
    #[serde(default)]
    pub current_hp: Option<i64>,
    /// New armour class.
    #[serde(default)]
    pub armor_class: Option<i64>,
    /// New initiative modifier.
    #[serde(default)]
    pub init_modifier: Option<i64>,
    /// Keys to merge into the stats object; a key set to null is removed.
    #[serde(default)]
    pub stats: Option<serde_json::Value>,
    /// New notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Arguments of `character_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// The campaign.
    pub campaign_id: String,
    /// Only characters of this kind.
    #[serde(default)]
    pub kind: Option<CharacterKind>,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A character.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CharacterResult {
    /// The character.
    pub character: Character,
}

/// A campaign's characters.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CharacterList {
    /// Sorted by name.
    pub characters: Vec<Character>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The character tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "character_create",
            "Create a character",
            "Create a player character, NPC or recurring monster in a campaign. Only campaign_id and name are \
             required; HP, AC and the initiative modifier are used by initiative_add when the character joins \
             a combat. Anything else on the sheet goes in stats as JSON.",
            ToolHints::ADD,
            Need::Player,
            create,
        ),
        typed_tool(
            "character_get",
            "Get a character",
            "Get one character's full sheet by id: level, class, HP, AC, initiative modifier, notes and the stats JSON.",
            ToolHints::READ,
            Need::Player,
            get,
        ),
        typed_tool(
            "character_update",
            "Update a character",
            "Change fields of a character. Fields left out keep their value; stats keys are merged into the \
             existing stats (set a key to null to remove it).",
            ToolHints::SET,
            Need::Player,
            update,
        ),
        typed_tool(
            "character_list",
            "List characters",
            "List a campaign's characters by name, optionally only PCs, NPCs or monsters.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
    ]
}

fn stat(field: &str, value: Option<i64>) -> Result<Option<i64>, ToolError> {
    value.map(|v| validate::within(field, v, -MAX_STAT..=MAX_STAT)).transpose()
}

fn notes(value: Option<String>) -> Result<Option<String>, ToolError> {
    value.map(|n| validate::text("notes", &n, false)).transpose()
}

/// A player may touch only their own character, and see only player characters' sheets.
fn refuse_player(viewer: &Viewer, character: &Character, writing: bool) -> Result<(), ToolError> {
    if viewer.is_gm() {
        return Ok(());
    }
    let own =
        character.fields.player_id.is_some() && character.fields.player_id.as_deref() == viewer.user_id();
    if writing && !own {
        return Err(ToolError::Forbidden(format!(
            "character_update of {:?} needs the GM role in this campaign; a player may update only their own character",
            character.fields.name
        )));
    }
    if !own && character.fields.kind != CharacterKind::Pc {
        return Err(ToolError::Forbidden(format!(
            "{:?} is an {}: only the GM role in this campaign sees its sheet",
            character.fields.name,
            character.fields.kind.as_str()
        )));
    }
    Ok(())
}

/// Checks a `player_id` names a user; a player may name only themselves.
async fn player_id(app: &ToolCall, given: Option<String>) -> Result<Option<String>, ToolError> {
    if !app.viewer.is_gm() {
        let me = app.viewer.user_id().map(str::to_owned);
        if given.is_some() && given != me {
            return Err(ToolError::Forbidden(
                "setting another user as a character's player needs the GM role in this campaign".into(),
            ));
        }
        return Ok(me);
    }
    match given {
        Some(id) => Ok(Some(app.storage.get_user(&id).await?.id)),
        None => Ok(None),
    }
}

async fn create(app: ToolCall, args: CreateArgs) -> Result<CharacterResult, ToolError> {
    let kind = args.kind.unwrap_or(CharacterKind::Pc);
    if !app.viewer.is_gm() && kind != CharacterKind::Pc {
        return Err(ToolError::Forbidden(format!(
            "creating an {} needs the GM role in this campaign; a player creates their own pc",
            kind.as_str()
        )));
    }
    let new = CharacterFields {
        player_id: player_id(&app, args.player_id).await?,
        campaign_id: args.campaign_id,
        name: validate::name("name", &args.name)?,
        kind,
        player_name: validate::optional_name("player_name", args.player_name)?,
        level: stat("level", args.level)?,
        class: validate::optional_name("class", args.class)?,
        ancestry: validate::optional_name("ancestry", args.ancestry)?,
        max_hp: stat("max_hp", args.max_hp)?,
        current_hp: stat("current_hp", args.current_hp)?,
        armor_class: stat("armor_class", args.armor_class)?,
        init_modifier: stat("init_modifier", args.init_modifier)?.unwrap_or(0),
        stats: validate::object("stats", args.stats.unwrap_or_else(|| serde_json::json!({})))?,
        notes: notes(args.notes)?,
    };
    let character = app.storage.create_character(new).await?;
    character_changed(&app, &character).await;
    Ok(CharacterResult { character })
}

async fn get(app: ToolCall, args: CharacterIdArgs) -> Result<CharacterResult, ToolError> {
    let character = app.storage.get_character(&args.character_id).await?;
    refuse_player(&app.viewer, &character, false)?;
    Ok(CharacterResult { character })
}

async fn update(app: ToolCall, args: UpdateArgs) -> Result<CharacterResult, ToolError> {
    let current = app.storage.get_character(&args.character_id).await?;
    refuse_player(&app.viewer, &current, true)?;
    if !app.viewer.is_gm() && (args.kind.is_some() || args.player_id.is_some()) {
        return Err(ToolError::Forbidden(
            "changing a character's kind or player needs the GM role in this campaign".into(),
        ));
    }
    let patch = CharacterPatch {
        player_id: match args.player_id {
            Some(id) => Some(app.storage.get_user(&id).await?.id),
            None => None,
        },
        name: args.name.map(|n| validate::name("name", &n)).transpose()?,
        kind: args.kind,
        player_name: validate::optional_name("player_name", args.player_name)?,
        level: stat("level", args.level)?,
        class: validate::optional_name("class", args.class)?,
        ancestry: validate::optional_name("ancestry", args.ancestry)?,
        max_hp: stat("max_hp", args.max_hp)?,
        current_hp: stat("current_hp", args.current_hp)?,
        armor_class: stat("armor_class", args.armor_class)?,
        init_modifier: stat("init_modifier", args.init_modifier)?,
        stats: args.stats.map(|s| validate::object("stats", s)).transpose()?,
        notes: notes(args.notes)?,
    };
    let character = app.storage.update_character(&args.character_id, patch).await?;
    character_changed(&app, &character).await;
    Ok(CharacterResult { character })
}

/// Tells subscribed clients a character changed.
async fn character_changed(app: &ToolCall, character: &crate::storage::Character) {
    let campaign_id = &character.fields.campaign_id;
    app.resource_updated(campaign_id, crate::app::events::uri::character(campaign_id, &character.id)).await;
}

async fn list(app: ToolCall, args: ListArgs) -> Result<CharacterList, ToolError> {
    // Players see the party: player characters (their own included), never NPC or monster sheets.
    let kind = if app.viewer.is_gm() { args.kind } else { Some(CharacterKind::Pc) };
    if kind != args.kind && args.kind.is_some() {
        return Err(ToolError::Forbidden(
            "listing npc or monster characters needs the GM role in this campaign".into(),
        ));
    }
    let characters = app.storage.list_characters(&args.campaign_id, kind).await?;
    let (characters, next_cursor) = super::paging::page(characters, args.cursor.as_deref(), args.limit)?;
    Ok(CharacterList { characters, next_cursor })
}
