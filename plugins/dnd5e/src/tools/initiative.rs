//! `add_monster_to_initiative`: a stat block into the host's initiative tracker.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ttrpg_plugin_sdk::{Context, HostError, ToolError, host};

use super::host_error;
use crate::records::{self, ability_modifier};

/// Arguments of `add_monster_to_initiative`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// The monster's name, e.g. "Goblin" (looked up like monster_lookup).
    pub name: String,
    /// How many alike monsters join, 1-20 (default 1); a group is numbered "Goblin 1", "Goblin 2", ….
    #[serde(default)]
    pub count: Option<u32>,
}

/// Result of `add_monster_to_initiative`.
#[derive(Serialize, JsonSchema)]
pub struct AddResult {
    /// The monster added (its stat block's name).
    pub monster: String,
    /// How many were added.
    pub count: u32,
    /// The initiative modifier used (the Dexterity modifier).
    pub init_modifier: i64,
    /// The hit dice each one's HP was rolled with, when the stat block has them.
    pub hp_dice: Option<String>,
    /// The fixed HP used when the stat block has no hit dice.
    pub hp: Option<i64>,
    /// Armour class.
    pub ac: Option<i64>,
    /// What the host's initiative_add answered: who joined with their initiative and HP, the
    /// dice rolled, and the tracker now.
    pub initiative: Value,
}

pub(crate) fn add_monster(ctx: &Context, args: AddArgs) -> Result<AddResult, ToolError> {
    let count = args.count.unwrap_or(1);
    if !(1..=20).contains(&count) {
        return Err(ToolError::invalid_arguments(format!(
            "`count` is {count}; add 1 to 20 monsters at a time"
        )));
    }
    let (monster, _) = super::lookup("monsters", "monster", &args.name)?;
    let request = initiative_request(&ctx.campaign_id, &monster, count);
    let initiative = host::call_tool("initiative_add", &request).map_err(|error| match error {
        HostError::NotGranted(_) => host_error("host-tools", error),
        other => ToolError::failed(format!("the initiative tracker refused: {}", other.message())),
    })?;
    Ok(AddResult {
        monster: records::text(&monster, "name").to_owned(),
        count,
        init_modifier: request["init_modifier"].as_i64().unwrap_or(0),
        hp_dice: request.get("hp_dice").and_then(Value::as_str).map(str::to_owned),
        hp: request.get("hp").and_then(Value::as_i64),
        ac: request.get("ac").and_then(Value::as_i64),
        initiative,
    })
}

/// The `initiative_add` arguments for `count` of a monster.
pub(crate) fn initiative_request(campaign_id: &str, monster: &Map<String, Value>, count: u32) -> Value {
    let dexterity = records::integer(monster, "dexterity").unwrap_or(10);
    let mut request = json!({
        "campaign_id": campaign_id,
        "name": records::text(monster, "name"),
        "count": count,
        "init_modifier": ability_modifier(dexterity),
        "kind": "monster",
    });
    let hit_dice = records::text(monster, "hit_dice").trim();
    if !hit_dice.is_empty() {
        request["hp_dice"] = json!(hit_dice);
    } else if let Some(hp) = records::integer(monster, "hit_points") {
        request["hp"] = json!(hp);
    }
    if let Some(ac) = records::integer(monster, "armor_class") {
        request["ac"] = json!(ac);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_stat_block() {
        let goblin = json!({"name": "Goblin", "dexterity": 14, "hit_dice": "2d6", "armor_class": 15,
            "hit_points": 7});
        let request = initiative_request("c1", goblin.as_object().unwrap(), 3);
        assert_eq!(
            request,
            json!({"campaign_id": "c1", "name": "Goblin", "count": 3, "init_modifier": 2, "hp_dice": "2d6",
                "ac": 15, "kind": "monster"})
        );
        let blob = json!({"name": "Blob", "dexterity": 5, "hit_points": 22});
        let request = initiative_request("c1", blob.as_object().unwrap(), 1);
        assert_eq!((request["init_modifier"].as_i64(), request["hp"].as_i64()), (Some(-3), Some(22)));
    }
}
