//! The plugin's MCP tools. Each handler reads the campaign's collections through
//! `host::search` (capability `search`) or calls a core tool through `host::call_tool`
//! (capability `host-tools`); the arithmetic lives in the host-free modules.

mod encounter;
mod initiative;
mod monsters;
mod spells;

use serde_json::{Map, Value};
use ttrpg_plugin_sdk::{HostError, Tool, ToolError, ToolHints, host, tool};

use crate::records::{self, Pick};

/// Every tool, in the order clients see them.
///
/// Who may call each: the spell look-ups are the rules a player reads at the table, so they
/// are player tools; monster stat blocks and searches, encounter plans and the initiative
/// tracker reveal what the GM keeps hidden or change what the table shares, so they stay
/// with the GM (the SDK's default).
pub fn all() -> Vec<Tool> {
    vec![
        tool(
            "monster_lookup",
            "Look up a monster",
            "Returns the full SRD 5.1 stat block of one monster by name (AC, HP, hit dice, speed, \
             ability scores, saves, skills, resistances, senses, languages, challenge rating, XP, \
             traits, actions, legendary actions) with the page it is printed on. Takes the exact name \
             case-insensitively, else the closest match (`exact_match` false); fails with close names \
             when nothing is near. Needs the `search` capability and monsters from an ingested book or \
             an Open5e import.",
            ToolHints::READ,
            monsters::lookup,
        ),
        tool(
            "monster_search",
            "Search monsters",
            "Finds monsters by free text and/or filters: challenge-rating range (cr_min/cr_max, \
             e.g. 0.25 for CR 1/4), creature type (\"undead\"), size (\"large\") and environment \
             (\"forest\"). Returns name, CR, XP, type, size, AC and HP per hit, best first. Use \
             monster_lookup for a full stat block. Needs `search`.",
            ToolHints::READ,
            monsters::search,
        ),
        tool(
            "spell_lookup",
            "Look up a spell",
            "Returns one SRD 5.1 spell by name: level, school, casting time, range, components, \
             duration, concentration, ritual, classes, full description and higher-level effect. \
             Exact name case-insensitively, else the closest match; fails with close names when \
             nothing is near. Needs `search`.",
            ToolHints::READ,
            spells::lookup,
        )
        .for_players(),
        tool(
            "spell_search",
            "Search spells",
            "Finds spells by free text and/or filters: level (0 = cantrip), school (\"evocation\"), \
             class (\"wizard\"), concentration and ritual. Returns name, level, school, casting time, \
             concentration and ritual per hit, best first. Needs `search`.",
            ToolHints::READ,
            spells::search,
        )
        .for_players(),
        tool(
            "encounter_builder",
            "Build a combat encounter",
            "Plans a D&D 5e combat for a party (character levels 1-20, one to ten characters): the XP \
             thresholds per character and for the party, the adjusted-XP budget of the requested \
             difficulty (easy, medium, hard, deadly; default medium) and a suggested monster mix from \
             the campaign's monsters (optionally of one environment or creature type) with its \
             encounter multiplier, adjusted XP and resulting difficulty, plus alternatives. Uses the \
             standard 5e encounter-building tables. Needs `search` for the suggestion.",
            ToolHints::READ,
            encounter::build,
        ),
        tool(
            "add_monster_to_initiative",
            "Add a monster to initiative",
            "Looks up a monster's stat block and adds it (or a group of up to 20 alike) to the \
             campaign's initiative tracker through the host's initiative_add tool, with its Dexterity \
             initiative modifier, hit dice (HP rolled per combatant) and AC. Returns the tracker's \
             answer. Needs the `search` and `host-tools` capabilities.",
            ToolHints::WRITE,
            initiative::add_monster,
        ),
    ]
}

/// A refused host call as a tool error, saying which capability to grant when one is missing.
pub(crate) fn host_error(capability: &str, error: HostError) -> ToolError {
    match error {
        HostError::NotGranted(message) => ToolError::failed(format!(
            "the dnd5e plugin needs the `{capability}` capability for this: ask the GM to grant it \
             (plugin_enable with grants including \"{capability}\") ({message})"
        )),
        other => other.into(),
    }
}

/// Records of `collection` matching `query` and `filter`, best first.
pub(crate) fn search(
    collection: &str,
    query: &str,
    filter: &Value,
    limit: u32,
) -> Result<Vec<Map<String, Value>>, ToolError> {
    let hits = host::search(collection, query, filter, limit).map_err(|e| host_error("search", e))?;
    Ok(hits.iter().filter_map(|hit| records::record_of(&hit.payload_value())).collect())
}

/// The record of `collection` named `name`: the exact name, else a close one.
///
/// Returns the record and whether its name matched exactly.
pub(crate) fn lookup(
    collection: &str,
    what: &str,
    name: &str,
) -> Result<(Map<String, Value>, bool), ToolError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ToolError::invalid_arguments(format!("`name` is empty: say which {what} to look up")));
    }
    let mut found = search(collection, name, &Value::Null, 5)?;
    let names: Vec<&str> = found.iter().map(|r| records::text(r, "name")).collect();
    match records::pick(name, &names) {
        Pick::Exact(i) => Ok((found.swap_remove(i), true)),
        Pick::Close(i) => Ok((found.swap_remove(i), false)),
        Pick::None(names) if names.is_empty() => Err(ToolError::not_found(format!(
            "no {what} named {name:?} in the campaign's {collection}, and nothing like it; ingest a book \
             that has them with system dnd5e (`ttrpg ingest BOOK.pdf --system dnd5e`, or ingest_document) \
             or import the Open5e data (`ttrpg import open5e …`)"
        ))),
        Pick::None(names) => Err(ToolError::not_found(format!(
            "no {what} named {name:?}; the closest in the campaign's {collection} are: {}",
            names.join(", ")
        ))),
    }
}

/// A whole-number limit between 1 and 50 (default 10).
pub(crate) fn limit(requested: Option<u32>) -> Result<u32, ToolError> {
    match requested.unwrap_or(10) {
        n @ 1..=50 => Ok(n),
        n => Err(ToolError::invalid_arguments(format!("`limit` is {n}; ask for 1 to 50 hits"))),
    }
}
