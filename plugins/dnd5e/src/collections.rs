//! The record kinds of D&D 5e (SRD 5.1): monsters, spells, conditions and rules. The host's
//! `ttrpg import open5e … --system dnd5e` fills them with exactly these field names.

use ttrpg_plugin_sdk::{CollectionSchema, FieldType};

use FieldType::{Boolean, Float, Integer, Json, Keyword, Text};

/// Every collection this plugin defines.
pub fn all() -> Vec<CollectionSchema> {
    vec![monsters(), spells(), conditions(), rules()]
}

/// Builds a collection from `(name, type, indexed, description)` rows.
fn schema(name: &str, description: &str, fields: &[(&str, FieldType, bool, &str)]) -> CollectionSchema {
    fields.iter().fold(CollectionSchema::new(name, description), |schema, &(field, kind, indexed, about)| {
        schema.field(field, kind, indexed, about)
    })
}

fn monsters() -> CollectionSchema {
    let abilities = ["strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma"];
    let mut schema = schema(
        "monsters",
        "Monster stat blocks (SRD 5.1): size, type, AC, HP, abilities, challenge rating, actions.",
        &[
            ("name", Keyword, true, "The monster's name, e.g. \"Goblin\"."),
            ("size", Keyword, true, "tiny, small, medium, large, huge or gargantuan (lowercase)."),
            ("type", Keyword, true, "Creature type, lowercase: aberration, beast, dragon, undead, …"),
            ("subtype", Keyword, true, "Subtype or tag, e.g. \"goblinoid\", empty if none."),
            ("alignment", Keyword, true, "Alignment, e.g. \"lawful evil\"."),
            ("armor_class", Integer, true, "Armour class."),
            ("armor_detail", Text, false, "What the AC comes from, e.g. \"natural armor\"."),
            ("hit_points", Integer, true, "Average hit points."),
            ("hit_dice", Keyword, false, "Hit dice, e.g. \"18d10+36\"."),
            ("speed", Json, false, "Speeds in feet by mode, e.g. {\"walk\": 30, \"fly\": 60}."),
        ],
    );
    for ability in abilities {
        schema = schema.field(ability, Integer, false, format!("{ability} score (1-30)."));
    }
    let rest: &[(&str, FieldType, bool, &str)] = &[
        ("saving_throws", Json, false, "Saving-throw bonuses by ability, e.g. {\"wisdom\": 6}."),
        ("skills", Json, false, "Skill bonuses by skill, e.g. {\"perception\": 10}."),
        ("damage_resistances", Text, false, "Damage resistances as printed."),
        ("damage_immunities", Text, false, "Damage immunities as printed."),
        ("damage_vulnerabilities", Text, false, "Damage vulnerabilities as printed."),
        ("condition_immunities", Text, false, "Condition immunities as printed."),
        ("senses", Text, false, "Senses, e.g. \"darkvision 120 ft., passive Perception 20\"."),
        ("languages", Text, false, "Languages as printed."),
        ("challenge_rating", Float, true, "Challenge rating: 0, 0.125, 0.25, 0.5, 1 … 30."),
        ("experience_points", Integer, true, "XP for defeating it."),
        ("traits", Json, false, "Special traits: [{\"name\", \"description\"}]."),
        ("actions", Json, false, "Actions: [{\"name\", \"description\"}]."),
        (
            "legendary_actions",
            Json,
            false,
            "Legendary actions: [{\"name\", \"description\"}], empty if none.",
        ),
        (
            "environments",
            Json,
            true,
            "Where it lives, a list of lowercase keywords (\"forest\", \"underdark\").",
        ),
        ("source", Keyword, true, "The document it comes from, e.g. \"SRD 5.1\"."),
        ("page", Integer, false, "Page in that document, if known."),
    ];
    rest.iter()
        .fold(schema, |schema, &(field, kind, indexed, about)| schema.field(field, kind, indexed, about))
}

fn spells() -> CollectionSchema {
    schema(
        "spells",
        "Spells (SRD 5.1): level, school, casting time, range, components, duration, classes, text.",
        &[
            ("name", Keyword, true, "The spell's name, e.g. \"Fireball\"."),
            ("level", Integer, true, "Spell level, 0 for a cantrip."),
            ("school", Keyword, true, "School, lowercase: abjuration, conjuration, … transmutation."),
            ("casting_time", Keyword, true, "Casting time, e.g. \"1 action\"."),
            ("range", Keyword, false, "Range, e.g. \"150 feet\"."),
            ("components", Keyword, false, "Components, e.g. \"V, S, M\"."),
            ("material", Text, false, "The material component, if any."),
            ("duration", Keyword, false, "Duration, e.g. \"Concentration, up to 1 minute\"."),
            ("concentration", Boolean, true, "Needs concentration."),
            ("ritual", Boolean, true, "Can be cast as a ritual."),
            ("classes", Json, true, "Classes with the spell on their list, lowercase (\"wizard\")."),
            ("description", Text, false, "The spell's text."),
            ("higher_levels", Text, false, "What it does with a higher-level slot."),
            ("source", Keyword, true, "The document it comes from."),
            ("page", Integer, false, "Page in that document, if known."),
        ],
    )
}

fn conditions() -> CollectionSchema {
    schema(
        "conditions",
        "Conditions (SRD 5.1 appendix A): blinded, charmed, … unconscious, exhaustion.",
        &[
            ("name", Keyword, true, "The condition, e.g. \"Prone\"."),
            ("description", Text, false, "Its rules."),
        ],
    )
}

fn rules() -> CollectionSchema {
    schema(
        "rules",
        "Rules sections (SRD 5.1), e.g. \"Making an Attack\" in \"Combat\".",
        &[
            ("name", Keyword, true, "The rule's heading."),
            ("section", Keyword, true, "The chapter or section it belongs to."),
            ("description", Text, false, "The rule's text."),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_have_the_import_field_names() {
        let all = all();
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["monsters", "spells", "conditions", "rules"]);
        let monster_fields: Vec<&str> = all[0].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(monster_fields.len(), 32);
        for field in ["strength", "charisma", "challenge_rating", "environments", "legendary_actions", "page"]
        {
            assert!(monster_fields.contains(&field), "{field}");
        }
        assert_eq!(all[1].fields.len(), 15);
        let indexed = |c: &CollectionSchema, f: &str| c.fields.iter().any(|x| x.name == f && x.indexed);
        assert!(
            indexed(&all[0], "challenge_rating") && indexed(&all[0], "type") && indexed(&all[1], "school")
        );
    }
}
