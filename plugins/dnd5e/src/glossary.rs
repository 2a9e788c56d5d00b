//! The 5e glossary: the SRD's own terms and what players say at the table instead.
//!
//! The host uses it in rules search (API 0.3.0): a question that says an alias as whole
//! words ("can I push the ogre") is also searched for the term ("shove"). An alias should
//! be a phrase that, at a 5e table, nearly always means the term; a word with many
//! meanings ("hit", "turn") makes every question about it drift. Terms are as the SRD
//! writes them in its headings, so the expanded query finds the heading's section.

use ttrpg_plugin_sdk::GlossaryEntry;

/// `(term, aliases)` pairs; [`all`] turns them into entries.
const GLOSSARY: &[(&str, &[&str])] = &[
    // Conditions (SRD appendix PH-A).
    (
        "prone",
        &[
            "lying on the ground",
            "lying down",
            "knocked down",
            "knocked over",
            "knocked prone",
            "on the ground",
            "on the floor",
            "fall over",
            "falls over",
            "fell over",
            "trip",
            "tripped",
            "drop to the ground",
            "lie down",
        ],
    ),
    (
        "grappled",
        &[
            "grabbed",
            "grab",
            "held in place",
            "pinned",
            "wrestle",
            "wrestling",
            "grab hold",
            "holding onto",
            "hold someone",
            "headlock",
            "in a hold",
        ],
    ),
    (
        "restrained",
        &["tied up", "entangled", "caught in a net", "stuck in webs", "webbed", "bound", "tangled"],
    ),
    ("frightened", &["scared", "afraid", "terrified", "fear", "spooked", "panicked", "frightening"]),
    (
        "charmed",
        &[
            "mind controlled",
            "enchanted",
            "smitten",
            "besotted",
            "infatuated",
            "under a spell",
            "beguiled",
            "friendly toward",
        ],
    ),
    ("blinded", &["blind", "can't see", "cannot see", "lost my sight", "eyes gouged"]),
    ("deafened", &["deaf", "can't hear", "cannot hear", "ears ringing"]),
    ("incapacitated", &["can't act", "cannot act", "out of action", "dazed"]),
    ("paralyzed", &["paralysed", "frozen in place", "can't move a muscle", "locked up", "stiff as a board"]),
    ("petrified", &["turned to stone", "stoned", "statue", "turn to stone"]),
    ("poisoned", &["sick from poison", "nauseous", "venom"]),
    ("stunned", &["stun", "reeling", "seeing stars"]),
    ("unconscious", &["knocked out", "passed out", "out cold", "fainted", "KO'd"]),
    ("invisible", &["can't be seen", "unseen", "turned invisible", "see-through"]),
    (
        "exhaustion",
        &["exhausted", "tired", "worn out", "fatigue", "fatigued", "weary", "no sleep", "sleep deprived"],
    ),
    // Combat actions and rules (SRD "Combat").
    ("shove", &["push", "pushing", "shoving", "knock back", "knock someone back", "shoulder", "bull rush"]),
    ("grapple", &["grab", "grabbing", "wrestle", "hold down", "pin down", "tackle"]),
    (
        "opportunity attack",
        &[
            "free attack",
            "free swing",
            "attack of opportunity",
            "runs past",
            "run past",
            "walk away from",
            "move away from",
            "leave their reach",
            "leaves my reach",
            "disengage from",
            "flee from",
        ],
    ),
    ("disengage", &["back away safely", "slip away", "withdraw", "retreat safely", "get away without"]),
    ("dodge", &["duck and weave", "focus on defense", "defend myself", "evasive"]),
    ("dash", &["sprint", "sprinting", "run faster", "extra movement", "double move"]),
    ("help", &["assist", "aid another", "lend a hand", "working together", "team up"]),
    ("hide", &["sneak", "sneaking", "stay hidden", "stealthily", "slip past", "not noticed"]),
    ("ready", &["hold my action", "wait for", "delay my turn", "prepare an action", "when he comes through"]),
    (
        "surprise",
        &[
            "ambush",
            "ambushed",
            "caught off guard",
            "sneak attack them first",
            "unaware",
            "didn't see us coming",
        ],
    ),
    (
        "cover",
        &[
            "behind a wall",
            "behind a tree",
            "behind a crate",
            "take shelter",
            "hiding behind",
            "arrow slit",
            "obstacle in the way",
        ],
    ),
    ("advantage", &["roll twice and take the higher", "roll two d20s", "better odds"]),
    ("disadvantage", &["roll twice and take the lower", "worse odds", "penalty to the roll"]),
    ("critical hit", &["crit", "natural 20", "nat 20", "max damage"]),
    (
        "two-weapon fighting",
        &["dual wield", "dual wielding", "two weapons", "weapon in each hand", "off hand", "off-hand"],
    ),
    ("unarmed strike", &["punch", "kick", "headbutt", "fists", "bare hands"]),
    ("improvised weapons", &["chair", "bottle", "table leg", "whatever is at hand", "improvised"]),
    ("mounted combat", &["on horseback", "riding a horse", "my mount", "ride into battle"]),
    ("underwater combat", &["fight underwater", "fighting underwater", "under water"]),
    (
        "death saving throws",
        &[
            "dying",
            "bleeding out",
            "at 0 hit points",
            "at zero hp",
            "0 hp",
            "down and dying",
            "death save",
            "death saves",
            "at zero",
        ],
    ),
    ("instant death", &["massive damage", "killed outright", "die instantly"]),
    ("stabilizing a creature", &["stabilize", "stop the bleeding", "stop dying", "save a dying"]),
    (
        "knocking a creature out",
        &[
            "knock out instead of kill",
            "knock him out",
            "beat senseless",
            "spare his life",
            "nonlethal",
            "non-lethal",
            "subdue",
        ],
    ),
    (
        "temporary hit points",
        &["temp hp", "temp hit points", "extra hit points", "bonus hit points", "buffer of hit points"],
    ),
    (
        "resistance and vulnerability",
        &["half damage", "double damage", "resistant", "immune to damage", "takes double", "takes half"],
    ),
    ("initiative", &["who goes first", "turn order", "order of turns", "start of combat"]),
    ("reaction", &["out of turn", "on someone else's turn"]),
    ("bonus action", &["quick action", "extra action"]),
    // Movement and the environment (SRD "Adventuring").
    ("difficult terrain", &["rough ground", "rubble", "mud", "slow going", "undergrowth", "half speed"]),
    ("jumping", &["jump", "leap", "leaping", "long jump", "high jump", "hop over"]),
    (
        "climbing",
        &[
            "climb",
            "climb up",
            "scale a wall",
            "scale the wall",
            "scale a cliff",
            "scale the cliff",
            "scaling",
            "clamber",
        ],
    ),
    ("swimming", &["swim", "tread water", "paddle"]),
    ("falling", &["fall", "fell off", "drop from", "plummet", "cliff", "off a roof", "off a ledge"]),
    (
        "suffocating",
        &[
            "hold my breath",
            "holding breath",
            "drowning",
            "can't breathe",
            "without air",
            "underwater without air",
            "choking",
            "out of air",
        ],
    ),
    (
        "vision and light",
        &["darkness", "in the dark", "dim light", "no light", "can see in the dark", "torchlight"],
    ),
    ("darkvision", &["see in the dark", "night vision", "see at night"]),
    (
        "food and water",
        &[
            "rations",
            "starving",
            "starvation",
            "hungry",
            "go without food",
            "thirsty",
            "dehydration",
            "no water",
        ],
    ),
    (
        "forced march",
        &["march longer", "travel longer", "keep marching", "past eight hours", "more than 8 hours"],
    ),
    ("travel pace", &["how fast we travel", "miles per day", "overland", "fast pace", "slow pace"]),
    ("encumbrance", &["too heavy", "carrying too much", "weighed down", "heavy load", "overloaded"]),
    ("lifting and carrying", &["carry", "carrying capacity", "how much can I carry", "lift", "drag", "haul"]),
    ("short rest", &["catch our breath", "quick breather", "take a breather", "an hour's rest", "hit dice"]),
    (
        "long rest",
        &[
            "sleep for the night",
            "camp for the night",
            "full night's rest",
            "8 hours of rest",
            "rest overnight",
        ],
    ),
    ("passive perception", &["notice without looking", "notice automatically", "without rolling"]),
    ("ability check", &["skill check", "roll for it"]),
    ("saving throw", &["save against", "resist the effect", "make a save"]),
    ("downtime activities", &["between adventures", "time off", "free time"]),
    ("crafting", &["craft", "make my own", "forge", "smithy", "build it myself"]),
    ("lifestyle expenses", &["cost of living", "living expenses", "live in comfort", "daily upkeep"]),
    ("spellcasting services", &["pay a priest", "temple healing", "hire a caster", "buy a spell cast"]),
    // Spellcasting (SRD "Spellcasting").
    (
        "concentration",
        &[
            "keep a spell going",
            "keeping a spell up",
            "maintain a spell",
            "lose the spell",
            "hold the spell",
            "spell drops",
            "two spells at once",
        ],
    ),
    ("spell slots", &["spell levels left", "slots", "magic left", "run out of spells"]),
    (
        "casting a spell at a higher level",
        &["upcast", "upcasting", "bigger slot", "higher slot", "higher-level slot", "stronger version"],
    ),
    ("ritual casting", &["ritual", "without using a slot", "cast without a slot"]),
    ("cantrips", &["at-will spells", "unlimited spells", "cantrip"]),
    (
        "components",
        &[
            "material component",
            "verbal component",
            "somatic",
            "spell focus",
            "gagged",
            "hands full",
            "bound hands",
        ],
    ),
    ("spellbook", &["book of spells", "copy a spell", "scribe a spell", "wizard's book"]),
    ("areas of effect", &["blast radius", "cone", "splash area", "sphere", "how big is the area"]),
    ("multiclassing", &["second class", "dip into", "take levels in", "two classes", "multiclass"]),
    ("attunement", &["attune", "bond with an item", "how many magic items can I use", "attuned"]),
    // Spells players describe by their effect.
    ("water breathing", &["breathe underwater", "gills", "breathing under water", "breathe water"]),
    ("revivify", &["bring back from the dead", "raise the dead", "just died", "bring him back"]),
    ("raise dead", &["resurrect", "resurrection", "bring back to life", "dead for days"]),
    ("counterspell", &["stop a spell", "cancel a spell", "interrupt a spell", "block a spell"]),
    ("dispel magic", &["end a spell", "remove magic", "get rid of a spell"]),
    ("identify", &["figure out what an item does", "what a magic item does"]),
    (
        "polymorph",
        &[
            "turn into an animal",
            "turn him into",
            "turned him into",
            "transform into",
            "into a toad",
            "into a frog",
            "into a sheep",
        ],
    ),
    (
        "invisibility",
        &["vanish from sight", "make someone vanish", "made him vanish", "made her vanish", "turn invisible"],
    ),
    ("wild shape", &["druid turns into", "beast form", "animal form"]),
    ("feather fall", &["slow my fall", "float down gently"]),
    ("find familiar", &["familiar", "animal companion spirit", "pet spirit"]),
    ("detect magic", &["sense magic", "is it magical"]),
    ("misty step", &["short teleport", "teleport a short distance"]),
    ("teleportation circle", &["portal", "teleport across the world"]),
    ("sleep", &["put them to sleep", "knock them out with magic"]),
    // Magic items, hazards and the rest of the book.
    ("bag of holding", &["extra-dimensional bag", "bottomless bag", "bag inside another"]),
    ("potion of healing", &["healing potion", "health potion", "red potion"]),
    ("diseases", &["disease", "plague", "sickness", "infection", "fever", "illness"]),
    ("poisons", &["poison", "toxin", "venom", "drug"]),
    ("madness", &["insanity", "lose my mind", "going mad", "sanity", "crazy"]),
    ("traps", &["trap", "pressure plate", "tripwire", "pit", "poison needle", "disarm"]),
    (
        "objects",
        &[
            "break down a door",
            "smash the door",
            "locked door",
            "damage a door",
            "break the lock",
            "destroy an object",
            "object hit points",
        ],
    ),
    ("lycanthrope", &["werewolf", "wererat", "bitten by a werewolf", "curse of the wolf"]),
    (
        "vampire",
        &["bloodsucker", "bloodsucking", "stake through the heart", "without being invited", "invited in"],
    ),
    (
        "rust monster",
        &[
            "eats metal",
            "ate through my",
            "corrodes metal",
            "rusts my",
            "rusted my",
            "feathery feelers",
            "feelers",
        ],
    ),
    ("legendary actions", &["acts outside its turn", "extra actions at the end of turns", "boss monster"]),
    ("lair actions", &["the lair itself", "initiative count 20"]),
    ("inspiration", &["reward for roleplay", "good roleplaying"]),
    ("armor class", &["how hard to hit"]),
    ("experience points", &["XP", "level up", "leveling up", "how much experience"]),
];

/// The glossary the plugin gives the host.
pub fn all() -> Vec<GlossaryEntry> {
    GLOSSARY.iter().map(|(term, aliases)| GlossaryEntry::new(*term, aliases)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glossary_fits_the_hosts_limits() {
        let entries = all();
        assert!(entries.len() <= 2_000);
        for entry in &entries {
            assert!(!entry.term.trim().is_empty());
            assert!(entry.aliases.len() <= 32, "{} has {} aliases", entry.term, entry.aliases.len());
            for alias in &entry.aliases {
                assert!(alias.len() <= 64 && !alias.trim().is_empty(), "{alias:?}");
            }
        }
    }
}
