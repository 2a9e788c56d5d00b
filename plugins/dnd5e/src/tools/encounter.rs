//! `encounter_builder`: the 5e encounter tables, and a monster mix from the campaign's
//! monsters that fits the requested difficulty.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ttrpg_plugin_sdk::{Context, ToolError};

use super::monsters::MonsterHit;
use crate::encounter::{self as tables, Difficulty, Shape};

/// At most this many challenge ratings are searched for one plan.
const MAX_SEARCHES: usize = 12;

/// The difficulty asked for.
#[derive(Deserialize, JsonSchema, Clone, Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum Requested {
    /// Easy.
    Easy,
    /// Medium (the default).
    #[default]
    Medium,
    /// Hard.
    Hard,
    /// Deadly.
    Deadly,
}

impl From<Requested> for Difficulty {
    fn from(r: Requested) -> Difficulty {
        match r {
            Requested::Easy => Difficulty::Easy,
            Requested::Medium => Difficulty::Medium,
            Requested::Hard => Difficulty::Hard,
            Requested::Deadly => Difficulty::Deadly,
        }
    }
}

/// Arguments of `encounter_builder`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildArgs {
    /// The level (1-20) of each character in the party, 1 to 10 characters, e.g. [3, 3, 4, 5].
    pub party_levels: Vec<u8>,
    /// easy, medium (default), hard or deadly.
    #[serde(default)]
    pub difficulty: Option<Requested>,
    /// Only suggest monsters of this environment, e.g. "forest", "underdark".
    #[serde(default)]
    pub environment: Option<String>,
    /// Only suggest monsters of this creature type, e.g. "undead", "humanoid".
    #[serde(default)]
    pub monster_type: Option<String>,
}

/// XP thresholds: the adjusted XP at which an encounter becomes easy, medium, hard, deadly.
#[derive(Serialize, JsonSchema, Debug, PartialEq)]
pub struct Thresholds {
    /// Easy.
    pub easy: u32,
    /// Medium.
    pub medium: u32,
    /// Hard.
    pub hard: u32,
    /// Deadly.
    pub deadly: u32,
}

impl From<[u32; 4]> for Thresholds {
    fn from([easy, medium, hard, deadly]: [u32; 4]) -> Self {
        Thresholds { easy, medium, hard, deadly }
    }
}

/// One character's thresholds.
#[derive(Serialize, JsonSchema)]
pub struct CharacterThresholds {
    /// The character's level.
    pub level: u8,
    /// Its thresholds.
    pub thresholds: Thresholds,
}

/// Result of `encounter_builder`.
#[derive(Serialize, JsonSchema)]
pub struct BuildResult {
    /// Number of characters.
    pub party_size: usize,
    /// Thresholds per character, in the order given.
    pub characters: Vec<CharacterThresholds>,
    /// The party's thresholds (the sum of its characters').
    pub party_thresholds: Thresholds,
    /// The difficulty planned for.
    pub difficulty: Difficulty,
    /// Lowest adjusted XP of an encounter of that difficulty.
    pub budget_min_xp: u32,
    /// The adjusted XP it must stay under (the next threshold).
    pub budget_max_xp: u32,
    /// The suggested monster mix, or none when the campaign has no fitting monsters (see notes).
    pub suggestion: Option<Suggestion>,
    /// Other mixes of the same difficulty (a group of one kind, a solo monster, …).
    pub alternatives: Vec<Suggestion>,
    /// What limited the suggestion, if anything.
    pub notes: Vec<String>,
}

/// A suggested group of monsters.
#[derive(Serialize, JsonSchema)]
pub struct Suggestion {
    /// The form: "leader with minions", "group" or "solo".
    pub shape: String,
    /// Each kind of monster with how many.
    pub monsters: Vec<SuggestedMonster>,
    /// Number of monsters.
    pub monster_count: u32,
    /// Sum of their XP (what the party earns).
    pub total_xp: u32,
    /// The encounter multiplier for that many monsters and this party size.
    pub multiplier: f64,
    /// total_xp × multiplier, compared with the thresholds.
    pub adjusted_xp: u32,
    /// The difficulty the adjusted XP gives.
    pub difficulty: Difficulty,
}

/// One kind of monster in a suggestion.
#[derive(Serialize, JsonSchema)]
pub struct SuggestedMonster {
    /// How many.
    pub count: u32,
    /// The monster (look it up with monster_lookup for the stat block).
    #[serde(flatten)]
    pub monster: MonsterHit,
}

pub(crate) fn build(_ctx: &Context, args: BuildArgs) -> Result<BuildResult, ToolError> {
    let levels = &args.party_levels;
    if levels.is_empty() || levels.len() > 10 {
        return Err(ToolError::invalid_arguments(format!(
            "`party_levels` has {} characters; give 1 to 10 levels",
            levels.len()
        )));
    }
    if let Some(bad) = levels.iter().find(|&&l| !(1..=20).contains(&l)) {
        return Err(ToolError::invalid_arguments(format!("character level {bad} is outside 1-20")));
    }
    let difficulty: Difficulty = args.difficulty.unwrap_or_default().into();
    let thresholds = tables::party_thresholds(levels);
    let (low, high) = tables::budget(difficulty, thresholds);
    let mut notes = Vec::new();
    let mut suggestions = suggest(&args, (low, high), &mut notes);
    let suggestion = (!suggestions.is_empty()).then(|| suggestions.remove(0));
    Ok(BuildResult {
        party_size: levels.len(),
        characters: levels
            .iter()
            .filter_map(|&level| {
                tables::character_thresholds(level)
                    .map(|t| CharacterThresholds { level, thresholds: t.into() })
            })
            .collect(),
        party_thresholds: thresholds.into(),
        difficulty,
        budget_min_xp: low,
        budget_max_xp: high,
        suggestion,
        alternatives: suggestions,
        notes,
    })
}

/// Up to three monster mixes in the band, from the campaign's monsters.
fn suggest(args: &BuildArgs, band: (u32, u32), notes: &mut Vec<String>) -> Vec<Suggestion> {
    let party_size = args.party_levels.len();
    let mut by_cr: BTreeMap<u64, Vec<MonsterHit>> = BTreeMap::new();
    let mut out = Vec::new();
    for shape in tables::shapes(band, party_size) {
        let mut picked = Vec::new();
        for (cr, count) in shape.parts() {
            let key = cr.to_bits();
            if !by_cr.contains_key(&key) {
                if by_cr.len() >= MAX_SEARCHES {
                    break;
                }
                match super::search("monsters", "", &filter(args, cr), 5) {
                    Ok(found) => by_cr.insert(key, found.iter().map(MonsterHit::of).collect()),
                    Err(error) => {
                        notes.push(format!("no monster suggestion: {}", error.message()));
                        return out;
                    }
                };
            }
            match by_cr[&key]
                .iter()
                .find(|m| !picked.iter().any(|(p, _): &(MonsterHit, u32)| p.name == m.name))
            {
                Some(monster) => picked.push((monster.clone(), count)),
                None => break,
            }
        }
        if picked.len() == shape.parts().len() {
            out.push(suggestion(shape, picked, &args.party_levels));
            if out.len() == 3 {
                break;
            }
        }
    }
    if out.is_empty() {
        notes.push(
            "no monsters in the campaign's collections fit this budget with the filters given; \
             widen the environment or type, or import the SRD monsters"
                .into(),
        );
    }
    out
}

/// The host filter for monsters of one CR, with the environment and type asked for.
fn filter(args: &BuildArgs, cr: f64) -> Value {
    let mut filter = Map::new();
    filter.insert("challenge_rating".into(), json!({"gte": cr, "lte": cr}));
    for (field, value) in [("environments", &args.environment), ("type", &args.monster_type)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            filter.insert(field.into(), json!(value.to_lowercase()));
        }
    }
    Value::Object(filter)
}

fn suggestion(shape: Shape, picked: Vec<(MonsterHit, u32)>, levels: &[u8]) -> Suggestion {
    let (party_size, thresholds) = (levels.len(), tables::party_thresholds(levels));
    let group: Vec<(u32, u32)> = picked
        .iter()
        .map(|(m, count)| (m.experience_points.and_then(|xp| u32::try_from(xp).ok()).unwrap_or(0), *count))
        .collect();
    let (total_xp, multiplier, adjusted_xp) = tables::adjusted_xp(&group, party_size);
    let shape = match shape {
        Shape::Solo(_) => "solo",
        Shape::Group { .. } => "group",
        Shape::Leader { .. } => "leader with minions",
    };
    Suggestion {
        shape: shape.into(),
        monster_count: group.iter().map(|&(_, n)| n).sum(),
        monsters: picked.into_iter().map(|(monster, count)| SuggestedMonster { count, monster }).collect(),
        total_xp,
        multiplier,
        adjusted_xp,
        difficulty: tables::rate(adjusted_xp, thresholds),
    }
}
