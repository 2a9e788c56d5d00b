//! Synthetic RPG-rules corpus and a deterministic toy embedding for the tests.

use ttrpg_vectors::bm25::{Bm25, term_index, tokenize};
use ttrpg_vectors::{CollectionSpec, Filter, HybridQuery, Payload, Point, SparseVector, point_id};

/// Dense dimension used by the tests (MiniLM's).
pub const DIM: usize = 384;

/// Books cycled over the points (keyword field `book`).
pub const BOOKS: [&str; 4] = ["PHB", "DMG", "MM", "XGE"];

/// Distinct rules sentences; point `i < SENTENCES.len()` holds `SENTENCES[i]` verbatim.
pub const SENTENCES: [&str; 40] = [
    "A grappled creature's speed becomes 0, and it can't benefit from any bonus to its speed.",
    "Fireball: each creature in a 20-foot-radius sphere must make a Dexterity saving throw, taking 8d6 fire damage on a failed save.",
    "When you take the Dash action, you gain extra movement for the current turn equal to your speed.",
    "A longsword deals 1d8 slashing damage, or 1d10 when wielded with two hands (versatile).",
    "Your Armor Class (AC) equals 10 plus your Dexterity modifier when you wear no armor.",
    "The DC for a spell saving throw equals 8 plus your proficiency bonus plus your spellcasting ability modifier.",
    "An opportunity attack is triggered when a hostile creature you can see moves out of your reach.",
    "A creature that is prone can only crawl unless it spends half its movement to stand up.",
    "Concentration ends if you fail a Constitution saving throw after taking damage; the DC is 10 or half the damage.",
    "On a short rest you can spend Hit Dice, rolling each die and adding your Constitution modifier to regain hit points.",
    "A long rest restores all lost hit points and half of your total Hit Dice.",
    "Advantage means you roll a second d20 and use the higher of the two rolls.",
    "A critical hit doubles the damage dice of the attack, so a 2d6 greatsword deals 4d6 plus modifiers.",
    "Invisible creatures are impossible to see without magic; attack rolls against them have disadvantage.",
    "Death saving throws: roll a d20 at the start of your turn; three successes stabilize you, three failures kill you.",
    "The Help action grants an ally advantage on the next ability check to complete a task.",
    "Cover: half cover gives +2 to AC and Dexterity saves, three-quarters cover gives +5.",
    "Falling damage is 1d6 bludgeoning for every 10 feet fallen, to a maximum of 20d6.",
    "A Rogue's Sneak Attack adds 1d6 extra damage once per turn when attacking with finesse weapons.",
    "Bardic Inspiration lets an ally add a d6 to one ability check, attack roll, or saving throw.",
    "Wild Shape lets a druid transform into a beast it has seen, keeping its Intelligence, Wisdom and Charisma.",
    "A Paladin's Divine Smite expends a spell slot to deal 2d8 radiant damage to the target.",
    "The Ready action lets you hold an action and trigger it with your reaction later in the round.",
    "Underwater, ranged weapon attacks beyond normal range automatically miss.",
    "Exhaustion has six levels; at level six a creature dies.",
    "Squeezing into a smaller space costs one extra foot of movement per foot moved.",
    "A cleric can Turn Undead, forcing undead within 30 feet to make a Wisdom saving throw or flee.",
    "Lightly obscured areas such as dim light impose disadvantage on Wisdom (Perception) checks that rely on sight.",
    "Counterspell interrupts a creature casting a spell within 60 feet; spells of 4th level or higher need an ability check.",
    "Mounted combat: a controlled mount can only Dash, Disengage, or Dodge.",
    "Two-weapon fighting: with a light weapon in each hand, a bonus action attack adds no ability modifier to damage.",
    "Passive Perception equals 10 plus all modifiers that normally apply to a Wisdom (Perception) check.",
    "Initiative is a Dexterity check made by every participant at the start of combat.",
    "Surprise: a surprised creature can't move or take an action on its first turn of combat.",
    "Healing potions restore 2d4 + 2 hit points when you drink one as an action.",
    "Ritual casting takes 10 minutes longer than normal and doesn't expend a spell slot.",
    "Suffocation: a creature can hold its breath for 1 + its Constitution modifier minutes.",
    "Difficult terrain costs 2 feet of movement for every 1 foot moved.",
    "Resistance halves damage of that type; vulnerability doubles it.",
    "Jumping: a long jump covers a number of feet up to your Strength score with a 10-foot running start.",
];

/// Generic words for the filler points (no rare term of the sentences above).
const FILLER: [&str; 24] = [
    "tavern", "quest", "party", "dungeon", "treasure", "map", "villager", "road", "forest", "castle",
    "merchant", "rumor", "journey", "camp", "lantern", "rope", "gold", "guard", "bridge", "river", "tower",
    "scroll", "feast", "banner",
];

/// Text of point `i`: a rules sentence for the first 40, filler text after that.
pub fn text(i: usize) -> String {
    if i < SENTENCES.len() {
        return SENTENCES[i].to_owned();
    }
    (0..8).map(|k| FILLER[(i * 7 + k * 5 + k * k) % FILLER.len()]).collect::<Vec<_>>().join(" ")
}

/// Keyword field `book` of point `i`.
pub fn book(i: usize) -> &'static str {
    BOOKS[i % BOOKS.len()]
}

/// Integer field `page` of point `i` (1..=50, so pages repeat across books).
pub fn page(i: usize) -> i64 {
    (i % 50) as i64 + 1
}

/// Deterministic id of point `i` in a test run.
pub fn id(i: usize) -> u64 {
    point_id(&format!("test-corpus:{i}"))
}

/// Toy embedding: hashed bag of BM25 terms, L2-normalised (deterministic, no model needed).
pub fn embed(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; DIM];
    for term in tokenize(text) {
        let h = term_index(&term) as usize;
        v[h % DIM] += if (h / DIM).is_multiple_of(2) { 1.0 } else { -1.0 };
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm == 0.0 {
        v[0] = 1.0;
        return v;
    }
    v.iter().map(|x| x / norm).collect()
}

/// The BM25 encoder for this corpus.
pub fn bm25(points: usize) -> Bm25 {
    let texts: Vec<String> = (0..points).map(text).collect();
    Bm25::new(Bm25::average_document_length(texts.iter().map(String::as_str)))
}

/// Point `i` with both vectors and a payload `{text, book, page, seq}`.
pub fn point(i: usize, encoder: &Bm25) -> Point {
    let text = text(i);
    let mut payload = Payload::new();
    payload.insert("text".into(), text.clone().into());
    payload.insert("book".into(), book(i).into());
    payload.insert("page".into(), page(i).into());
    payload.insert("seq".into(), (i as i64).into());
    Point { id: id(i), dense: embed(&text), sparse: encoder.encode_document(&text), payload }
}

/// Points `0..n`.
pub fn points(n: usize) -> Vec<Point> {
    let encoder = bm25(n);
    (0..n).map(|i| point(i, &encoder)).collect()
}

/// A test collection spec.
pub fn spec(name: &str) -> CollectionSpec {
    CollectionSpec {
        name: name.to_owned(),
        dense_dim: DIM,
        keyword_fields: vec!["book".into()],
        integer_fields: vec!["page".into(), "seq".into()],
    }
}

/// A hybrid query for `text` (both arms), 10 hits, 40 candidates per arm.
pub fn query(text: &str, filter: Filter) -> HybridQuery {
    HybridQuery {
        dense: embed(text),
        sparse: bm25(1).encode_query(text),
        filter,
        limit: 10,
        prefetch: 40,
        explain: false,
    }
}

/// A sparse-only query.
pub fn keyword_query(text: &str) -> HybridQuery {
    HybridQuery { dense: Vec::new(), sparse: bm25(1).encode_query(text), ..query(text, Filter::all()) }
}

/// An empty sparse vector (for readability).
pub fn no_sparse() -> SparseVector {
    SparseVector::default()
}
