//! Data types of the tracker: combatants, their conditions, and the inputs that create them.

use serde::{Deserialize, Serialize};

/// One participant in the encounter.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Combatant {
    /// Short stable id such as `"c3"`, assigned on addition and never reused.
    pub id: String,
    /// Display name, e.g. "Aria" or "Goblin 2".
    pub name: String,
    /// Insertion sequence number (the `3` of `"c3"`): the last tie-breaker of the turn order.
    pub seq: u32,
    /// Initiative total as rolled by the caller.
    pub initiative: i64,
    /// Initiative modifier; breaks ties between equal initiative totals (higher goes first).
    pub init_modifier: i64,
    /// Current hit points (never below 0), or `None` when HP is not tracked here.
    pub hp: Option<i64>,
    /// Maximum hit points; healing stops there. `None` means uncapped or untracked.
    pub max_hp: Option<i64>,
    /// Temporary hit points; absorbed before `hp` when damage is taken.
    pub temp_hp: i64,
    /// Armour class, if known.
    pub ac: Option<i64>,
    /// Id of the campaign character this combatant plays, for player characters.
    pub character_id: Option<String>,
    /// Player character, non-player character or monster.
    pub kind: CombatantKind,
    /// Conditions currently affecting this combatant, in the order they were applied.
    pub conditions: Vec<Condition>,
    /// Hidden from the players (e.g. an ambusher not yet revealed); shown to the GM.
    #[serde(default)]
    pub hidden: bool,
    /// The players see this NPC's or monster's hit points and AC as numbers (otherwise as
    /// a state such as "bloodied"). Player characters' numbers are always shown.
    #[serde(default)]
    pub hp_revealed: bool,
}

impl Combatant {
    /// "Aria (c1)" — how messages refer to a combatant.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    /// Whether HP is tracked and at 0.
    pub fn is_down(&self) -> bool {
        self.hp == Some(0)
    }

    /// The condition named `name` (case-insensitive), if present.
    pub fn condition(&self, name: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.name.eq_ignore_ascii_case(name.trim()))
    }
}

/// What sort of participant a combatant is.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CombatantKind {
    /// A player character.
    Player,
    /// A named non-player character.
    Npc,
    /// A monster (the default).
    #[default]
    Monster,
}

/// Which edge of the anchor combatant's turn counts a condition's duration down.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TurnBoundary {
    /// Counts down when the anchor's turn starts (the default): "until the start of its next
    /// turn".
    #[default]
    StartOfTurn,
    /// Counts down when the anchor's turn ends: "until the end of its next turn".
    EndOfTurn,
}

/// A named effect on a combatant (Blessed, Prone, Hexed…), optionally with a duration.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Condition {
    /// Name as given, e.g. "Blessed"; unique per combatant (case-insensitive).
    pub name: String,
    /// Rounds left; `None` lasts until removed. Never `Some(0)`: the condition is removed then.
    pub remaining_rounds: Option<u32>,
    /// Which edge of the anchor's turn counts `remaining_rounds` down.
    pub ends: TurnBoundary,
    /// Id of the combatant whose turn boundary counts the duration down (by default the
    /// affected combatant).
    pub anchor: String,
    /// Who or what imposed it (free text, e.g. "Cleric's Bless"), if known.
    pub source: Option<String>,
    /// Set when the condition was applied during its anchor's own turn with
    /// [`TurnBoundary::EndOfTurn`]: the end of that turn does not count, only the ends of turns
    /// that begin after application. Cleared at that turn's end.
    #[serde(default)]
    pub skip_current_turn_end: bool,
}

/// Input for [`Encounter::add`](super::Encounter::add): one combatant with rolled numbers.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, Default, PartialEq)]
pub struct NewCombatant {
    /// Display name; must not be empty.
    pub name: String,
    /// Initiative total already rolled.
    pub initiative: i64,
    /// Initiative modifier (tie-breaker).
    #[serde(default)]
    pub init_modifier: i64,
    /// Starting hit points, if tracked.
    #[serde(default)]
    pub hp: Option<i64>,
    /// Maximum hit points; defaults to `hp`.
    #[serde(default)]
    pub max_hp: Option<i64>,
    /// Armour class, if known.
    #[serde(default)]
    pub ac: Option<i64>,
    /// Player character, NPC or monster.
    #[serde(default)]
    pub kind: CombatantKind,
    /// Campaign character id for player characters.
    #[serde(default)]
    pub character_id: Option<String>,
    /// Hidden from the players.
    #[serde(default)]
    pub hidden: bool,
}

impl NewCombatant {
    /// A combatant with a name, kind and initiative; every other field at its default.
    pub fn new(name: impl Into<String>, kind: CombatantKind, initiative: i64) -> Self {
        Self { name: name.into(), initiative, kind, ..Self::default() }
    }
}

/// Input for [`Encounter::add_group`](super::Encounter::add_group): several alike combatants
/// named "`base_name` 1", "`base_name` 2"…
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, Default, PartialEq)]
pub struct NewGroup {
    /// Name shared by the members, e.g. "Goblin"; numbering continues past existing members.
    pub base_name: String,
    /// Initiative modifier shared by the members.
    #[serde(default)]
    pub init_modifier: i64,
    /// Armour class shared by the members.
    #[serde(default)]
    pub ac: Option<i64>,
    /// Kind shared by the members (usually monster).
    #[serde(default)]
    pub kind: CombatantKind,
    /// Whether the members start hidden.
    #[serde(default)]
    pub hidden: bool,
    /// One entry per member: its rolled initiative and hit points. 1 to 50 entries.
    pub members: Vec<GroupMember>,
}

/// One member of a [`NewGroup`].
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Copy, Debug, PartialEq)]
pub struct GroupMember {
    /// Initiative total (pass the same value to all members for a shared group roll).
    pub initiative: i64,
    /// Starting (and maximum) hit points, if tracked.
    pub hp: Option<i64>,
}
