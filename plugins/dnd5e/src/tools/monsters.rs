//! `monster_lookup` and `monster_search`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ttrpg_plugin_sdk::{Context, ToolError};

use crate::encounter::{cr_label, xp_for_cr};
use crate::records::{self, SRD_ATTRIBUTION};

/// Arguments of `monster_lookup`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupArgs {
    /// The monster's name, e.g. "Adult Red Dragon" (case-insensitive).
    pub name: String,
}

/// Result of `monster_lookup`.
#[derive(Serialize, JsonSchema)]
pub struct LookupResult {
    /// The stat block with the monsters collection's fields (name, size, type, armor_class,
    /// hit_points, hit_dice, strength … charisma, challenge_rating, experience_points,
    /// actions, …). The XP comes from the challenge rating when the record has none.
    pub monster: Map<String, Value>,
    /// False when no monster has exactly that name and the closest one was returned.
    pub exact_match: bool,
    /// Where the stat block is printed ("SRD 5.1, p. 283"), when a book holds it.
    pub citation: Option<String>,
    /// Every source that has this monster (an ingested book, an Open5e import), the one
    /// whose fields are shown first, each with its book, pages and section.
    pub sources: Vec<Value>,
    /// Credit to show with SRD 5.1 content.
    pub attribution: String,
}

pub(crate) fn lookup(_ctx: &Context, args: LookupArgs) -> Result<LookupResult, ToolError> {
    let (mut monster, exact_match) = super::lookup("monsters", "monster", &args.name)?;
    if let Some(xp) = experience_points(&monster) {
        monster.insert("experience_points".into(), json!(xp));
    }
    let citation = records::citation(&monster);
    let sources = records::take_sources(&mut monster);
    Ok(LookupResult { monster, exact_match, citation, sources, attribution: SRD_ATTRIBUTION.into() })
}

/// Arguments of `monster_search`. Every field is optional; give at least a query or a filter.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Free text, e.g. "fire breathing" or "goblin".
    #[serde(default)]
    pub query: Option<String>,
    /// Lowest challenge rating, e.g. 0.25 for CR 1/4.
    #[serde(default)]
    pub cr_min: Option<f64>,
    /// Highest challenge rating.
    #[serde(default)]
    pub cr_max: Option<f64>,
    /// Creature type, e.g. "undead", "dragon", "humanoid".
    #[serde(default, rename = "type")]
    pub creature_type: Option<String>,
    /// Size: tiny, small, medium, large, huge or gargantuan.
    #[serde(default)]
    pub size: Option<String>,
    /// Environment, e.g. "forest", "underdark", "mountain".
    #[serde(default)]
    pub environment: Option<String>,
    /// Most hits, 1-50 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Result of `monster_search`.
#[derive(Serialize, JsonSchema)]
pub struct SearchResult {
    /// The monsters found, best first.
    pub hits: Vec<MonsterHit>,
    /// Credit to show with SRD 5.1 content.
    pub attribution: String,
}

/// One monster found.
#[derive(Serialize, JsonSchema, Clone, Debug)]
pub struct MonsterHit {
    /// Name.
    pub name: String,
    /// Challenge rating as a number (0.25 for 1/4).
    pub challenge_rating: Option<f64>,
    /// Challenge rating as printed ("1/4").
    pub cr: String,
    /// XP for defeating it.
    pub experience_points: Option<i64>,
    /// Creature type.
    #[serde(rename = "type")]
    pub creature_type: String,
    /// Size.
    pub size: String,
    /// Armour class.
    pub armor_class: Option<i64>,
    /// Average hit points.
    pub hit_points: Option<i64>,
}

impl MonsterHit {
    /// The summary of a monster record.
    pub fn of(record: &Map<String, Value>) -> MonsterHit {
        let challenge_rating = records::number(record, "challenge_rating");
        let experience_points = experience_points(record);
        MonsterHit {
            name: records::text(record, "name").to_owned(),
            challenge_rating,
            cr: challenge_rating.map(cr_label).unwrap_or_default(),
            experience_points,
            creature_type: records::text(record, "type").to_owned(),
            size: records::text(record, "size").to_owned(),
            armor_class: records::integer(record, "armor_class"),
            hit_points: records::integer(record, "hit_points"),
        }
    }
}

/// A monster record's XP: its own `experience_points` when it has a positive one, else the XP
/// of its challenge rating (the host's Open5e import stores XP only when the export has it).
pub(crate) fn experience_points(record: &Map<String, Value>) -> Option<i64> {
    records::integer(record, "experience_points")
        .filter(|&xp| xp > 0)
        .or_else(|| records::number(record, "challenge_rating").and_then(xp_for_cr).map(i64::from))
}

pub(crate) fn search(_ctx: &Context, args: SearchArgs) -> Result<SearchResult, ToolError> {
    let limit = super::limit(args.limit)?;
    let filter = filter(&args)?;
    let query = args.query.as_deref().unwrap_or("").trim();
    if query.is_empty() && filter.as_object().is_some_and(Map::is_empty) {
        return Err(ToolError::invalid_arguments(
            "give a `query` or at least one filter (cr_min, cr_max, type, size, environment)",
        ));
    }
    let hits = super::search("monsters", query, &filter, limit)?.iter().map(MonsterHit::of).collect();
    Ok(SearchResult { hits, attribution: SRD_ATTRIBUTION.into() })
}

/// The host filter for monster search arguments.
pub(crate) fn filter(args: &SearchArgs) -> Result<Value, ToolError> {
    let mut filter = Map::new();
    let mut range = Map::new();
    for (key, value) in [("gte", args.cr_min), ("lte", args.cr_max)] {
        match value {
            Some(cr) if !(0.0..=30.0).contains(&cr) => {
                return Err(ToolError::invalid_arguments(format!(
                    "challenge rating {cr} is outside 0-30 (use 0.125, 0.25, 0.5 for 1/8, 1/4, 1/2)"
                )));
            }
            Some(cr) => {
                range.insert(key.into(), json!(cr));
            }
            None => {}
        }
    }
    if let (Some(min), Some(max)) = (args.cr_min, args.cr_max)
        && min > max
    {
        return Err(ToolError::invalid_arguments(format!("cr_min {min} is above cr_max {max}")));
    }
    if !range.is_empty() {
        filter.insert("challenge_rating".into(), Value::Object(range));
    }
    for (field, value) in
        [("type", &args.creature_type), ("size", &args.size), ("environments", &args.environment)]
    {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            filter.insert(field.into(), json!(value.to_lowercase()));
        }
    }
    Ok(Value::Object(filter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_use_the_collection_fields() {
        let args = SearchArgs {
            cr_min: Some(1.0),
            cr_max: Some(5.0),
            creature_type: Some("Undead".into()),
            environment: Some("forest".into()),
            ..SearchArgs::default()
        };
        assert_eq!(
            filter(&args).unwrap(),
            json!({"challenge_rating": {"gte": 1.0, "lte": 5.0}, "type": "undead", "environments": "forest"})
        );
        let bad = SearchArgs { cr_min: Some(6.0), cr_max: Some(5.0), ..SearchArgs::default() };
        assert!(filter(&bad).unwrap_err().message().contains("above"));
        assert_eq!(filter(&SearchArgs::default()).unwrap(), json!({}));
    }

    #[test]
    fn hits_summarise_records() {
        let record = json!({"name": "Goblin", "challenge_rating": "0.250", "type": "humanoid",
            "size": "small", "armor_class": 15, "hit_points": 7});
        let hit = MonsterHit::of(record.as_object().unwrap());
        assert_eq!((hit.cr.as_str(), hit.experience_points), ("1/4", Some(50)));
    }

    #[test]
    fn experience_points_are_the_records_or_the_challenge_ratings() {
        let xp = |record: Value| experience_points(record.as_object().unwrap());
        assert_eq!(xp(json!({"challenge_rating": 10, "experience_points": 6000})), Some(6000));
        assert_eq!(xp(json!({"challenge_rating": 10})), Some(5900));
        assert_eq!(xp(json!({"challenge_rating": 10, "experience_points": 0})), Some(5900));
        assert_eq!(xp(json!({"challenge_rating": 0})), Some(10));
        assert_eq!(xp(json!({"challenge_rating": 0.3})), None);
        assert_eq!(xp(json!({"name": "Nameless"})), None);
    }
}
