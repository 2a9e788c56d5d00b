//! The chunker on small excerpts of SRD 5.1 text, in both shapes it gets: one printed line
//! per line (pdftotext) and light Markdown (headings, a paragraph per line, table cells).

use serde_json::Value;
use ttrpg_plugin_sdk::{Chunk, Document, Page};

use super::*;

fn document(pages: &[&str]) -> Document {
    Document {
        book: "SRD 5.1".into(),
        pages: pages
            .iter()
            .enumerate()
            .map(|(i, t)| Page { number: i as u32 + 1, text: (*t).to_owned() })
            .collect(),
    }
}

fn fields(chunk: &Chunk) -> Value {
    serde_json::from_str(&chunk.metadata).expect("metadata is JSON")
}

fn of_type<'a>(chunks: &'a [Chunk], content_type: &str) -> Vec<&'a Chunk> {
    chunks.iter().filter(|c| c.content_type == content_type).collect()
}

/// Every non-blank line of every page is in some chunk.
fn assert_covered(document: &Document, chunks: &[Chunk]) {
    let all: String = chunks.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
    for page in &document.pages {
        for line in page.text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(all.contains(line.trim()), "lost {line:?}");
        }
    }
}

const ABOLETH_LINES: &str = "Monsters (A)
Aboleth
Large aberration, lawful evil
Armor Class 17 (natural armor)
Hit Points 135 (18d10 + 36)
Speed 10 ft., swim 40 ft.
STR
DEX
CON
INT
WIS
CHA
21 (+5) 9 (\u{2212}1) 15 (+2) 18 (+4) 15 (+2) 18 (+4)
Saving Throws Con +6, Int +8, Wis +6
Skills History +12, Perception +10
Senses darkvision 120 ft., passive Perception 20
Languages Deep Speech, telepathy 120 ft.
Challenge 10 (5,900 XP)
Amphibious. The aboleth can breathe air and water.
Probing Telepathy. If a creature communicates
telepathically with the aboleth, the aboleth learns the
creature\u{2019}s greatest desires if the aboleth can see the
creature.
Actions
Multiattack. The aboleth makes three tentacle attacks.
Tentacle. Melee Weapon Attack: +9 to hit, reach 10 ft.,
one target. Hit: 12 (2d6 + 5) bludgeoning damage.
Legendary Actions
The aboleth can take 3 legendary actions, choosing
from the options below.
Detect. The aboleth makes a Wisdom (Perception)
check.
Tail Swipe. The aboleth makes one tail attack.
";

#[test]
fn a_stat_block_one_line_per_printed_line() {
    let d = document(&[ABOLETH_LINES]);
    let chunks = chunk(&d).unwrap();
    let monsters = of_type(&chunks, "monsters");
    assert_eq!(monsters.len(), 1, "{chunks:#?}");
    let m = fields(monsters[0]);
    assert_eq!(m["name"], "Aboleth");
    assert_eq!(
        (m["size"].as_str(), m["type"].as_str(), m["alignment"].as_str()),
        (Some("large"), Some("aberration"), Some("lawful evil"))
    );
    assert_eq!((m["armor_class"].as_i64(), m["armor_detail"].as_str()), (Some(17), Some("natural armor")));
    assert_eq!((m["hit_points"].as_i64(), m["hit_dice"].as_str()), (Some(135), Some("18d10+36")));
    assert_eq!(m["speed"], serde_json::json!({"walk": 10, "swim": 40}));
    assert_eq!(
        (m["strength"].as_i64(), m["dexterity"].as_i64(), m["charisma"].as_i64()),
        (Some(21), Some(9), Some(18))
    );
    assert_eq!(m["saving_throws"]["intelligence"], 8);
    assert_eq!(m["skills"]["history"], 12);
    assert_eq!(m["passive_perception"], 20);
    assert_eq!(m["languages"], "Deep Speech, telepathy 120 ft.");
    assert_eq!((m["challenge_rating"].as_f64(), m["experience_points"].as_i64()), (Some(10.0), Some(5900)));
    let names = |field: &str| -> Vec<String> {
        m[field].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names("traits"), ["Amphibious", "Probing Telepathy"]);
    assert_eq!(names("actions"), ["Multiattack", "Tentacle"]);
    assert_eq!(names("legendary_actions"), ["Detect", "Tail Swipe"]);
    assert!(m["actions"][1]["description"].as_str().unwrap().ends_with("bludgeoning damage."), "{m:#}");
    assert_eq!(monsters[0].section_path, ["Aboleth"]);
    assert_covered(&d, &chunks);
}

#[test]
fn a_stat_block_as_markdown_paragraphs() {
    let page = "## Monsters (G)\n\n#### Goblin\n\nSmall humanoid (goblinoid), neutral evil\n\n\
        Armor Class 15 (leather armor, shield) Hit Points 7 (2d6) Speed 30 ft.\n\n\
        STR | DEX | CON | INT | WIS | CHA\n8 (\u{2212}1) | 14 (+2) | 10 (+0) | 10 (+0) | 8 (\u{2212}1) | 8 (\u{2212}1)\n\n\
        Skills Stealth +6 Senses darkvision 60 ft., passive Perception 9 Languages Common, Goblin Challenge 1/4 (50 XP)\n\n\
        Nimble Escape. The goblin can take the Disengage or Hide action as a bonus action on each of its turns.\n\n\
        ##### Actions\n\n\
        Scimitar. Melee Weapon Attack: +4 to hit, reach 5 ft., one target. Hit: 5 (1d6 + 2) slashing damage.\n\n\
        ## Monsters (H)\n\nText about monsters starting with H.\n";
    let d = document(&[page]);
    let chunks = chunk(&d).unwrap();
    let monsters = of_type(&chunks, "monsters");
    assert_eq!(monsters.len(), 1, "{chunks:#?}");
    let m = fields(monsters[0]);
    assert_eq!((m["name"].as_str(), m["subtype"].as_str()), (Some("Goblin"), Some("goblinoid")));
    assert_eq!(
        (m["armor_class"].as_i64(), m["armor_detail"].as_str()),
        (Some(15), Some("leather armor, shield"))
    );
    assert_eq!((m["hit_points"].as_i64(), m["hit_dice"].as_str()), (Some(7), Some("2d6")));
    assert_eq!((m["dexterity"].as_i64(), m["wisdom"].as_i64()), (Some(14), Some(8)));
    assert_eq!(m["skills"], serde_json::json!({"stealth": 6}));
    assert_eq!((m["challenge_rating"].as_f64(), m["experience_points"].as_i64()), (Some(0.25), Some(50)));
    assert_eq!(m["traits"][0]["name"], "Nimble Escape");
    assert_eq!(m["actions"][0]["name"], "Scimitar");
    assert_eq!(monsters[0].section_path, ["Monsters (G)", "Goblin"]);
    assert!(monsters[0].text.starts_with("## Monsters (G)"), "a heading-only section joins the next chunk");
    let last = chunks.last().unwrap();
    assert_eq!(
        (last.content_type.as_str(), last.section_path.clone()),
        ("rules", vec!["Monsters (H)".to_owned()])
    );
    assert_covered(&d, &chunks);
}

const SPELLS: &str = "## Spell Descriptions

#### Acid Arrow

2nd-\u{AD}\u{2010}\u{2011}level evocation

Casting Time: 1 action
Range: 90 feet
Components: V, S, M (powdered rhubarb leaf and an
adder\u{2019}s stomach)
Duration: Instantaneous

A shimmering green arrow streaks toward a target
within range and bursts in a spray of acid.
At Higher Levels. When you cast this spell using a
spell slot of 3rd level or higher, the damage increases.

#### Alarm

1st-level abjuration (ritual)

Casting Time: 1 minute Range: 30 feet Components: V, S, M (a tiny bell and a piece of fine silver wire) Duration: 8 hours

You set an alarm against unwanted intrusion.

#### Bless
Enchantment cantrip
Casting Time: 1 action
Range: 30 feet
Components: V, S
Duration: Concentration, up to 1 minute You bless up to three creatures of your choice.
";

#[test]
fn spells_in_both_shapes() {
    let d = document(&[SPELLS]);
    let chunks = chunk(&d).unwrap();
    let spells = of_type(&chunks, "spells");
    assert_eq!(spells.len(), 3, "{chunks:#?}");
    let arrow = fields(spells[0]);
    assert_eq!(
        (arrow["name"].as_str(), arrow["level"].as_i64(), arrow["school"].as_str()),
        (Some("Acid Arrow"), Some(2), Some("evocation"))
    );
    assert_eq!(arrow["components"], "V, S, M");
    assert_eq!(arrow["material"], "powdered rhubarb leaf and an adder\u{2019}s stomach");
    assert_eq!(arrow["duration"], "Instantaneous");
    assert_eq!(arrow["range"], "90 feet");
    assert!(arrow["description"].as_str().unwrap().ends_with("spray of acid."), "{arrow:#}");
    assert!(arrow["higher_levels"].as_str().unwrap().starts_with("When you cast"), "{arrow:#}");
    assert_eq!(spells[0].section_path, ["Spell Descriptions", "Acid Arrow"]);
    let alarm = fields(spells[1]);
    assert_eq!((alarm["level"].as_i64(), alarm["ritual"].as_bool()), (Some(1), Some(true)));
    assert_eq!(
        (alarm["casting_time"].as_str(), alarm["duration"].as_str()),
        (Some("1 minute"), Some("8 hours"))
    );
    assert_eq!(alarm["material"], "a tiny bell and a piece of fine silver wire");
    let bless = fields(spells[2]);
    assert_eq!((bless["level"].as_i64(), bless["school"].as_str()), (Some(0), Some("enchantment")));
    assert_eq!(
        (bless["duration"].as_str(), bless["concentration"].as_bool()),
        (Some("Concentration, up to 1 minute"), Some(true))
    );
    assert_eq!(bless["description"], "You bless up to three creatures of your choice.");
    assert_covered(&d, &chunks);
}

#[test]
fn a_page_with_rules_a_spell_and_a_monster() {
    let page = "# Magic\n\n## Casting a Spell\n\nWhen a character casts any spell, the same basic rules are followed.\n\n\
        #### Light\n\nEvocation cantrip\n\nCasting Time: 1 action\nRange: Touch\nComponents: V, M (a firefly)\nDuration: 1 hour\n\n\
        You touch one object.\n\n#### Imp\n\nTiny fiend (devil, shapechanger), lawful evil\n\nArmor Class 13\nHit Points 10 (3d4 + 3)\n\
        Speed 20 ft., fly 40 ft.\n\nChallenge 1 (200 XP)\n\nDevil\u{2019}s Sight. Magical darkness doesn\u{2019}t impede the imp\u{2019}s darkvision.\n";
    let d = document(&[page]);
    let chunks = chunk(&d).unwrap();
    let kinds: Vec<&str> = chunks.iter().map(|c| c.content_type.as_str()).collect();
    assert_eq!(kinds, ["rules", "spells", "monsters"], "{chunks:#?}");
    assert_eq!(chunks[0].section_path, ["Magic", "Casting a Spell"]);
    let rule = fields(&chunks[0]);
    assert_eq!((rule["name"].as_str(), rule["section"].as_str()), (Some("Casting a Spell"), Some("Magic")));
    assert_eq!(chunks[1].section_path, ["Magic", "Casting a Spell", "Light"]);
    let imp = fields(&chunks[2]);
    assert_eq!((imp["type"].as_str(), imp["subtype"].as_str()), (Some("fiend"), Some("devil, shapechanger")));
    assert_eq!(
        (imp["armor_class"].as_i64(), imp["hit_points"].as_i64(), imp["challenge_rating"].as_f64()),
        (Some(13), Some(10), Some(1.0))
    );
    assert_eq!(imp["speed"], serde_json::json!({"walk": 20, "fly": 40}));
    assert_eq!(imp["traits"][0]["name"], "Devil\u{2019}s Sight");
    assert_covered(&d, &chunks);
}

#[test]
fn a_block_across_a_page_break() {
    let (first, second) = ABOLETH_LINES.split_at(ABOLETH_LINES.find("Languages").unwrap());
    let d = document(&["Some rules text.\n", first, second, "# Next Chapter\n\nMore rules.\n"]);
    let chunks = chunk(&d).unwrap();
    let monster = of_type(&chunks, "monsters")[0];
    assert_eq!((monster.page_start, monster.page_end), (2, 3));
    let m = fields(monster);
    assert_eq!((m["challenge_rating"].as_f64(), m["armor_class"].as_i64()), (Some(10.0), Some(17)));
    assert_eq!(m["page"], 2);
    assert_eq!(chunks.last().unwrap().section_path, ["Next Chapter"]);
    assert_covered(&d, &chunks);
}

#[test]
fn rules_sections_carry_their_path_and_conditions_are_typed() {
    let long = "A long paragraph line of rules text that goes on.\n".repeat(60);
    let d = document(&[
        "Preface before any heading.\n\n# Combat\n\n## Making an Attack\n\nWhen you make an attack, roll a d20.\n",
        &format!("### Attack Rolls\n\n{long}\n## Cover\n\nWalls block attacks."),
        "# Conditions\n\nConditions alter a creature\u{2019}s capabilities.\n\n#### Blinded\n\n\u{2022} A blinded creature can\u{2019}t see.\n\n#### Charmed\n\n\u{2022} A charmed creature can\u{2019}t attack the charmer.\n",
    ]);
    let chunks = chunk(&d).unwrap();
    assert!(chunks[0].section_path.is_empty() && chunks[0].text == "Preface before any heading.");
    let attack = chunks.iter().find(|c| c.text.contains("roll a d20")).unwrap();
    assert_eq!(attack.section_path, ["Combat", "Making an Attack"]);
    assert!(attack.text.starts_with("# Combat\n\n## Making an Attack"), "{attack:?}");
    let rolls: Vec<&Chunk> =
        chunks.iter().filter(|c| c.section_path.last().is_some_and(|p| p == "Attack Rolls")).collect();
    assert!(
        rolls.len() >= 2 && rolls.iter().all(|c| c.text.chars().count() <= sections::MAX_CHUNK),
        "{rolls:#?}"
    );
    assert_eq!(rolls[0].section_path, ["Combat", "Making an Attack", "Attack Rolls"]);
    let cover = chunks.iter().find(|c| c.text.contains("Walls")).unwrap();
    assert_eq!(cover.section_path, ["Combat", "Cover"]);
    let conditions = of_type(&chunks, "conditions");
    assert_eq!(conditions.len(), 2, "{chunks:#?}");
    let blinded = fields(conditions[0]);
    assert_eq!(
        (blinded["name"].as_str(), blinded["description"].as_str()),
        (Some("Blinded"), Some("\u{2022} A blinded creature can\u{2019}t see."))
    );
    assert_covered(&d, &chunks);
    assert!(chunk(&Document { book: "Empty".into(), pages: vec![] }).is_err());
}

#[test]
fn a_name_run_into_its_kind_line() {
    let page = "Imp Tiny fiend (devil, shapechanger), lawful evil\nArmor Class 13\nHit Points 10 (3d4 + 3)\n\
        Speed 20 ft., fly 40 ft.\nChallenge 1 (200 XP)\n\n\
        Light Evocation cantrip Casting Time: 1 action Range: Touch Components: V, M (a firefly) Duration: 1 hour You touch one object.\n";
    let d = document(&[page]);
    let chunks = chunk(&d).unwrap();
    let kinds: Vec<&str> = chunks.iter().map(|c| c.content_type.as_str()).collect();
    assert_eq!(kinds, ["monsters", "spells"], "{chunks:#?}");
    let imp = fields(&chunks[0]);
    assert_eq!(
        (imp["name"].as_str(), imp["size"].as_str(), imp["armor_class"].as_i64()),
        (Some("Imp"), Some("tiny"), Some(13))
    );
    let light = fields(&chunks[1]);
    assert_eq!(
        (light["name"].as_str(), light["level"].as_i64(), light["duration"].as_str()),
        (Some("Light"), Some(0), Some("1 hour"))
    );
    assert_eq!(
        (light["material"].as_str(), light["description"].as_str()),
        (Some("a firefly"), Some("You touch one object."))
    );
    assert_covered(&d, &chunks);
}
