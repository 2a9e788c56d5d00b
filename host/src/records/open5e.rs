//! Importing the Open5e JSON export of the SRD 5.1 into the `dnd5e` collections
//! (`monsters`, `spells`, `conditions`, `rules`), with the field names of the D&D 5e
//! plugin's collection schemas.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};

/// The book every Open5e SRD record comes from.
const BOOK: &str = "SRD 5.1";

/// One record ready to store: collection, name, searchable text, fields.
pub struct ImportedRecord {
    /// `monsters`, `spells`, `conditions` or `rules`.
    pub collection: &'static str,
    /// The record's name.
    pub name: String,
    /// Searchable text.
    pub text: String,
    /// Fields named as the collection schema names them.
    pub data: Value,
    /// Section path (rules).
    pub section: Option<String>,
}

/// Reads `open5e-*.json` from `dir` into records. The attribution text (ATTRIBUTION.md in
/// `dir`, first paragraph) is attached to every record as `attribution`.
pub fn read_dir(dir: &Path) -> Result<(Vec<ImportedRecord>, String), String> {
    let load = |file: &str| -> Result<Vec<Value>, String> {
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match serde_json::from_str(&text) {
            Ok(Value::Array(items)) => Ok(items),
            Ok(_) => Err(format!("{} is not a JSON array of records", path.display())),
            Err(e) => Err(format!("{} is not valid JSON: {e}", path.display())),
        }
    };
    let attribution = std::fs::read_to_string(dir.join("ATTRIBUTION.md"))
        .ok()
        .and_then(|text| {
            text.split("\n\n").find(|p| p.contains("System Reference Document")).map(|p| p.replace('\n', " "))
        })
        .unwrap_or_else(|| "SRD 5.1 by Wizards of the Coast LLC, CC-BY-4.0".to_string());
    let mut records = Vec::new();
    let actions = group_by_parent(load("open5e-CreatureAction.json")?);
    let traits = group_by_parent(load("open5e-CreatureTrait.json")?);
    for creature in load("open5e-Creature.json")? {
        records.push(monster(&creature, &actions, &traits, &attribution));
    }
    for spell in load("open5e-Spell.json")? {
        records.push(self::spell(&spell, &attribution));
    }
    for condition in load("open5e-ConditionDescription.json")? {
        let f = &condition["fields"];
        let name = title_case(f["describes"].as_str().unwrap_or_default());
        let description = f["desc"].as_str().unwrap_or_default().replace("\r\n", "\n");
        records.push(ImportedRecord {
            collection: "conditions",
            text: format!("{name}\n{description}"),
            data: json!({"name": name, "description": description, "source": BOOK, "attribution": attribution}),
            name,
            section: Some("Appendix A: Conditions".into()),
        });
    }
    for rule in load("open5e-Rule.json")? {
        let f = &rule["fields"];
        let name = f["name"].as_str().unwrap_or_default().to_string();
        let section = title_case(
            &f["ruleset"].as_str().unwrap_or_default().trim_start_matches("srd_").replace('-', " "),
        );
        let description = f["desc"].as_str().unwrap_or_default().to_string();
        records.push(ImportedRecord {
            collection: "rules",
            text: format!("{section} › {name}\n{description}"),
            data: json!({"name": name, "section": section, "description": description, "source": BOOK, "attribution": attribution}),
            name,
            section: Some(section),
        });
    }
    if records.is_empty() {
        return Err(format!("no Open5e records found in {}", dir.display()));
    }
    disambiguate(&mut records);
    Ok((records, attribution))
}

/// Gives records that share a name within a collection (the SRD has "Speed" under three
/// rule sections) their section in the name, so each is stored once and re-imports are
/// no-ops: "Speed (Monsters)".
fn disambiguate(records: &mut [ImportedRecord]) {
    let mut counts: HashMap<(&'static str, String), usize> = HashMap::new();
    for r in records.iter() {
        *counts.entry((r.collection, r.name.clone())).or_default() += 1;
    }
    for r in records.iter_mut() {
        if counts[&(r.collection, r.name.clone())] > 1
            && let Some(section) = &r.section
        {
            r.name = format!("{} ({section})", r.name);
            if let Some(map) = r.data.as_object_mut() {
                map.insert("name".into(), json!(r.name));
            }
        }
    }
    // Still the same name in the same section: number them in file order.
    let mut seen: HashMap<(&'static str, String), usize> = HashMap::new();
    for r in records.iter_mut() {
        let n = seen.entry((r.collection, r.name.clone())).or_default();
        *n += 1;
        if *n > 1 {
            r.name = format!("{} #{n}", r.name);
            if let Some(map) = r.data.as_object_mut() {
                map.insert("name".into(), json!(r.name));
            }
        }
    }
}

fn group_by_parent(items: Vec<Value>) -> HashMap<String, Vec<Value>> {
    let mut grouped: HashMap<String, Vec<Value>> = HashMap::new();
    for item in items {
        let parent = item["fields"]["parent"].as_str().unwrap_or_default().to_string();
        grouped.entry(parent).or_default().push(item["fields"].clone());
    }
    grouped
}

fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn monster(
    creature: &Value,
    actions: &HashMap<String, Vec<Value>>,
    traits: &HashMap<String, Vec<Value>>,
    attribution: &str,
) -> ImportedRecord {
    let f = &creature["fields"];
    let key = creature["pk"].as_str().unwrap_or_default();
    let name = f["name"].as_str().unwrap_or_default().to_string();
    let cr: f64 = f["challenge_rating"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .or(f["challenge_rating"].as_f64())
        .unwrap_or(0.0);
    let abilities = ["strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma"];
    let mut data = Map::new();
    data.insert("name".into(), json!(name));
    for field in [
        "size",
        "type",
        "subcategory",
        "alignment",
        "armor_class",
        "armor_detail",
        "hit_points",
        "hit_dice",
        "languages_desc",
        "passive_perception",
    ] {
        let target = match field {
            "subcategory" => "subtype",
            "languages_desc" => "languages",
            other => other,
        };
        data.insert(target.into(), f[field].clone());
    }
    for ability in abilities {
        data.insert(ability.into(), f[format!("ability_score_{ability}")].clone());
    }
    let speed: Map<String, Value> = ["walk", "fly", "swim", "climb", "burrow"]
        .iter()
        .filter(|k| !f[**k].is_null())
        .map(|k| (k.to_string(), f[*k].clone()))
        .collect();
    data.insert("speed".into(), Value::Object(speed));
    let prefixed = |prefix: &str| -> Value {
        let map: Map<String, Value> = f
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| k.starts_with(prefix) && !v.is_null())
            .map(|(k, v)| (k.trim_start_matches(prefix).to_string(), v.clone()))
            .collect();
        Value::Object(map)
    };
    data.insert("saving_throws".into(), prefixed("saving_throw_"));
    data.insert("skills".into(), prefixed("skill_bonus_"));
    for field in ["damage_resistances", "damage_immunities", "damage_vulnerabilities", "condition_immunities"]
    {
        data.insert(field.into(), f[format!("{field}_display")].clone());
    }
    let senses: Vec<String> = [
        ("blindsight_range", "blindsight"),
        ("darkvision_range", "darkvision"),
        ("tremorsense_range", "tremorsense"),
        ("truesight_range", "truesight"),
    ]
    .iter()
    .filter_map(|(k, label)| f[*k].as_f64().map(|ft| format!("{label} {ft} ft.")))
    .collect();
    data.insert("senses".into(), json!(senses.join(", ")));
    data.insert("challenge_rating".into(), json!(cr));
    // XP only when the export carries it: deriving it from the challenge rating is a rule of
    // the game system, which the dnd5e plugin applies when a record has none.
    if let Some(xp) = f["experience_points_integer"].as_i64() {
        data.insert("experience_points".into(), json!(xp));
    }
    let entries = |items: Option<&Vec<Value>>, kind: Option<&str>| -> Value {
        let list: Vec<Value> = items
            .into_iter()
            .flatten()
            .filter(|a| kind.is_none_or(|k| a["action_type"].as_str() == Some(k)))
            .map(|a| json!({"name": a["name"], "description": a["desc"]}))
            .collect();
        Value::Array(list)
    };
    data.insert("traits".into(), entries(traits.get(key), None));
    data.insert("actions".into(), entries(actions.get(key), Some("ACTION")));
    data.insert("reactions".into(), entries(actions.get(key), Some("REACTION")));
    data.insert("legendary_actions".into(), entries(actions.get(key), Some("LEGENDARY_ACTION")));
    data.insert("environments".into(), f["environments"].clone());
    data.insert("source".into(), json!(BOOK));
    data.insert("attribution".into(), json!(attribution));
    let text = format!(
        "{name}\n{} {}, {}. Armor Class {}, Hit Points {} ({}). Challenge {cr}.",
        f["size"].as_str().unwrap_or_default(),
        f["type"].as_str().unwrap_or_default(),
        f["alignment"].as_str().unwrap_or_default(),
        f["armor_class"],
        f["hit_points"],
        f["hit_dice"].as_str().unwrap_or_default()
    );
    ImportedRecord { collection: "monsters", name, text, data: Value::Object(data), section: None }
}

fn spell(spell: &Value, attribution: &str) -> ImportedRecord {
    let f = &spell["fields"];
    let name = f["name"].as_str().unwrap_or_default().to_string();
    let components: Vec<&str> = [("verbal", "V"), ("somatic", "S"), ("material", "M")]
        .iter()
        .filter(|(k, _)| f[*k].as_bool() == Some(true))
        .map(|(_, c)| *c)
        .collect();
    let classes: Vec<String> = f["classes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str())
        .map(|c| c.trim_start_matches("srd_").to_string())
        .collect();
    let description = f["desc"].as_str().unwrap_or_default().to_string();
    let data = json!({
        "name": name,
        "level": f["level"],
        "school": f["school"],
        "casting_time": f["casting_time"],
        "range": f["range_text"],
        "components": components.join(", "),
        "material": f["material_specified"],
        "duration": f["duration"],
        "concentration": f["concentration"],
        "ritual": f["ritual"],
        "classes": classes,
        "description": description,
        "higher_levels": f["higher_level"],
        "source": BOOK,
        "attribution": attribution,
    });
    let text = format!(
        "{name}\nLevel {} {} spell. {}\n{}",
        f["level"],
        f["school"].as_str().unwrap_or_default(),
        description,
        f["higher_level"].as_str().unwrap_or_default()
    );
    ImportedRecord { collection: "spells", name, text, data, section: None }
}
