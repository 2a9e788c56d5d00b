//! `spell_lookup` and `spell_search`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ttrpg_plugin_sdk::{Context, ToolError};

use crate::records::{self, SRD_ATTRIBUTION};

/// The eight schools of magic.
const SCHOOLS: [&str; 8] = [
    "abjuration",
    "conjuration",
    "divination",
    "enchantment",
    "evocation",
    "illusion",
    "necromancy",
    "transmutation",
];

/// Arguments of `spell_lookup`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupArgs {
    /// The spell's name, e.g. "Fireball" (case-insensitive).
    pub name: String,
}

/// Result of `spell_lookup`.
#[derive(Serialize, JsonSchema)]
pub struct LookupResult {
    /// The spell with the spells collection's fields (name, level, school, casting_time, range,
    /// components, material, duration, concentration, ritual, classes, description, …).
    pub spell: Map<String, Value>,
    /// False when no spell has exactly that name and the closest one was returned.
    pub exact_match: bool,
    /// Where the spell is printed ("SRD 5.1, p. 241"), when a book holds it.
    pub citation: Option<String>,
    /// Every source that has this spell (an ingested book, an Open5e import), the one whose
    /// fields are shown first, each with its book, pages and section.
    pub sources: Vec<Value>,
    /// Credit to show with SRD 5.1 content.
    pub attribution: String,
}

pub(crate) fn lookup(_ctx: &Context, args: LookupArgs) -> Result<LookupResult, ToolError> {
    let (mut spell, exact_match) = super::lookup("spells", "spell", &args.name)?;
    let citation = records::citation(&spell);
    let sources = records::take_sources(&mut spell);
    Ok(LookupResult { spell, exact_match, citation, sources, attribution: SRD_ATTRIBUTION.into() })
}

/// Arguments of `spell_search`. Every field is optional; give at least a query or a filter.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Free text, e.g. "fire damage in an area" or "heal".
    #[serde(default)]
    pub query: Option<String>,
    /// Spell level, 0 (cantrip) to 9.
    #[serde(default)]
    pub level: Option<u8>,
    /// School: abjuration, conjuration, divination, enchantment, evocation, illusion,
    /// necromancy or transmutation.
    #[serde(default)]
    pub school: Option<String>,
    /// A class whose list has the spell, e.g. "wizard", "cleric".
    #[serde(default)]
    pub class: Option<String>,
    /// Only spells that need (true) or do not need (false) concentration.
    #[serde(default)]
    pub concentration: Option<bool>,
    /// Only ritual spells (true) or non-ritual ones (false).
    #[serde(default)]
    pub ritual: Option<bool>,
    /// Most hits, 1-50 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Result of `spell_search`.
#[derive(Serialize, JsonSchema)]
pub struct SearchResult {
    /// The spells found, best first.
    pub hits: Vec<SpellHit>,
    /// Credit to show with SRD 5.1 content.
    pub attribution: String,
}

/// One spell found.
#[derive(Serialize, JsonSchema)]
pub struct SpellHit {
    /// Name.
    pub name: String,
    /// Level, 0 for a cantrip.
    pub level: Option<i64>,
    /// School.
    pub school: String,
    /// Casting time.
    pub casting_time: String,
    /// Needs concentration.
    pub concentration: bool,
    /// Can be cast as a ritual.
    pub ritual: bool,
}

impl SpellHit {
    fn of(record: &Map<String, Value>) -> SpellHit {
        let flag = |field: &str| record.get(field).and_then(Value::as_bool).unwrap_or(false);
        SpellHit {
            name: records::text(record, "name").to_owned(),
            level: records::integer(record, "level"),
            school: records::text(record, "school").to_owned(),
            casting_time: records::text(record, "casting_time").to_owned(),
            concentration: flag("concentration"),
            ritual: flag("ritual"),
        }
    }
}

pub(crate) fn search(_ctx: &Context, args: SearchArgs) -> Result<SearchResult, ToolError> {
    let limit = super::limit(args.limit)?;
    let filter = filter(&args)?;
    let query = args.query.as_deref().unwrap_or("").trim();
    if query.is_empty() && filter.as_object().is_some_and(Map::is_empty) {
        return Err(ToolError::invalid_arguments(
            "give a `query` or at least one filter (level, school, class, concentration, ritual)",
        ));
    }
    let hits = super::search("spells", query, &filter, limit)?.iter().map(SpellHit::of).collect();
    Ok(SearchResult { hits, attribution: SRD_ATTRIBUTION.into() })
}

/// The host filter for spell search arguments.
pub(crate) fn filter(args: &SearchArgs) -> Result<Value, ToolError> {
    let mut filter = Map::new();
    if let Some(level) = args.level {
        if level > 9 {
            return Err(ToolError::invalid_arguments(format!("spell level {level}: use 0 (cantrip) to 9")));
        }
        filter.insert("level".into(), json!(level));
    }
    if let Some(school) = args.school.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
        if !SCHOOLS.contains(&school.as_str()) {
            return Err(ToolError::invalid_arguments(format!(
                "unknown school {school:?}; the schools are {}",
                SCHOOLS.join(", ")
            )));
        }
        filter.insert("school".into(), json!(school));
    }
    if let Some(class) = args.class.as_deref().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()) {
        filter.insert("classes".into(), json!(class));
    }
    for (field, value) in [("concentration", args.concentration), ("ritual", args.ritual)] {
        if let Some(value) = value {
            filter.insert(field.into(), json!(value));
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
            level: Some(3),
            school: Some("Evocation".into()),
            class: Some("Wizard".into()),
            concentration: Some(false),
            ..SearchArgs::default()
        };
        assert_eq!(
            filter(&args).unwrap(),
            json!({"level": 3, "school": "evocation", "classes": "wizard", "concentration": false})
        );
        let bad = SearchArgs { school: Some("pyromancy".into()), ..SearchArgs::default() };
        assert!(filter(&bad).unwrap_err().message().contains("evocation"));
        assert!(filter(&SearchArgs { level: Some(10), ..SearchArgs::default() }).is_err());
    }
}
