//! Read-only views for tool output: a compact serializable summary and a text rendering.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::Encounter;
use super::model::{Combatant, CombatantKind, Condition, TurnBoundary};

/// Compact view of an encounter for tool output (omits the log and internal fields).
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct EncounterSummary {
    /// Current round (0 before combat).
    pub round: u32,
    /// Id of the combatant whose turn it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// Combatants in turn order.
    pub combatants: Vec<CombatantSummary>,
}

/// One combatant in an [`EncounterSummary`]; empty or default fields are omitted from JSON.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct CombatantSummary {
    /// Combatant id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Initiative total.
    pub initiative: i64,
    /// Player, NPC or monster.
    pub kind: CombatantKind,
    /// Hit points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hp: Option<i64>,
    /// Maximum hit points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hp: Option<i64>,
    /// Temporary hit points.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub temp_hp: i64,
    /// Armour class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ac: Option<i64>,
    /// Conditions as short text, e.g. "Blessed 1 rnd".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Whether it is this combatant's turn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
    /// Hidden from the players.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// In the players' view, an NPC's or monster's hit points as a state: "unhurt", "hurt"
    /// (above half), "bloodied" (half or less) or "down" (its numbers are left out unless the
    /// GM revealed them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
}

/// Who a view is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The GM: everything.
    Gm,
    /// The players: hidden combatants left out, NPCs' and monsters' hit points and AC as a
    /// state unless revealed.
    Players,
}

/// An NPC's or monster's hit points as the players see them.
pub fn health_state(hp: Option<i64>, max_hp: Option<i64>) -> Option<&'static str> {
    let hp = hp?;
    Some(match max_hp {
        _ if hp <= 0 => "down",
        Some(max) if hp >= max => "unhurt",
        Some(max) if hp * 2 <= max => "bloodied",
        Some(_) => "hurt",
        None => "up",
    })
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

impl Encounter {
    /// A compact serializable view of the whole encounter, in turn order.
    pub fn summary(&self) -> EncounterSummary {
        self.summary_for(Audience::Gm)
    }

    /// The summary as `audience` may see it.
    pub fn summary_for(&self, audience: Audience) -> EncounterSummary {
        let players = audience == Audience::Players;
        let current = self.current().filter(|c| !(players && c.hidden)).map(|c| c.id.clone());
        EncounterSummary {
            round: self.round,
            current,
            combatants: self
                .combatants
                .iter()
                .enumerate()
                .filter(|(_, c)| !(players && c.hidden))
                .map(|(i, c)| {
                    let masked = players && c.kind != CombatantKind::Player && !c.hp_revealed;
                    CombatantSummary {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        initiative: c.initiative,
                        kind: c.kind,
                        hp: if masked { None } else { c.hp },
                        max_hp: if masked { None } else { c.max_hp },
                        temp_hp: if masked { 0 } else { c.temp_hp },
                        ac: if masked { None } else { c.ac },
                        conditions: c.conditions.iter().map(|x| condition_text(c, x)).collect(),
                        current: self.turn == Some(i),
                        hidden: c.hidden,
                        health: if masked { health_state(c.hp, c.max_hp).map(str::to_owned) } else { None },
                    }
                })
                .collect(),
        }
    }

    /// The players' text view: like [`Encounter::render`] without hidden combatants, and
    /// with NPCs' and monsters' hit points as a state unless the GM revealed them.
    ///
    /// ```text
    /// Round 2, Aria (c1)'s turn
    /// > 18  Aria (c1)  HP 24/30  AC 16
    ///   12  Goblin 1 (c2)  bloodied
    /// ```
    pub fn render_for_players(&self) -> String {
        let summary = self.summary_for(Audience::Players);
        let mut out = match summary.combatants.iter().find(|c| c.current) {
            Some(c) => format!("Round {}, {} ({})'s turn\n", self.round, c.name, c.id),
            None if self.round == 0 => "Combat has not started\n".to_string(),
            None => format!("Round {}, between turns\n", self.round),
        };
        if summary.combatants.is_empty() {
            out.push_str("(no combatants)\n");
        }
        let width = summary.combatants.iter().map(|c| c.initiative.to_string().len()).max().unwrap_or(0);
        for c in &summary.combatants {
            let marker = if c.current { '>' } else { ' ' };
            let _ = write!(out, "{marker} {:>width$}  {} ({})", c.initiative, c.name, c.id);
            match (c.hp, c.max_hp, &c.health) {
                (_, _, Some(health)) => {
                    let _ = write!(out, "  {health}");
                }
                (Some(hp), Some(max), None) => {
                    let _ = write!(out, "  HP {hp}/{max}");
                }
                (Some(hp), None, None) => {
                    let _ = write!(out, "  HP {hp}");
                }
                (None, _, None) => {}
            }
            if c.temp_hp > 0 {
                let _ = write!(out, " (+{} temp)", c.temp_hp);
            }
            if let Some(ac) = c.ac {
                let _ = write!(out, "  AC {ac}");
            }
            if !c.conditions.is_empty() {
                let _ = write!(out, "  [{}]", c.conditions.join(", "));
            }
            out.push('\n');
        }
        out
    }

    /// The GM's text view: a header line, then one line per combatant in turn order, the
    /// current one marked with `>`:
    ///
    /// ```text
    /// Round 2, Aria (c1)'s turn
    /// > 18  Aria (c1)  HP 24/30 (+5 temp)  AC 16  [Blessed 1 rnd]
    ///   12  Goblin 1 (c2)  HP 0/7 (down)  AC 15
    /// ```
    pub fn render(&self) -> String {
        let mut out = match self.current() {
            Some(c) => format!("Round {}, {}'s turn\n", self.round, c.label()),
            None if self.round == 0 => "Combat has not started\n".to_string(),
            None => format!("Round {}, between turns\n", self.round),
        };
        if self.combatants.is_empty() {
            out.push_str("(no combatants)\n");
        }
        let width = self.combatants.iter().map(|c| c.initiative.to_string().len()).max().unwrap_or(0);
        for (i, c) in self.combatants.iter().enumerate() {
            let marker = if self.turn == Some(i) { '>' } else { ' ' };
            let _ = write!(out, "{marker} {:>width$}  {}", c.initiative, c.label());
            match (c.hp, c.max_hp) {
                (Some(hp), Some(max)) => {
                    let _ = write!(out, "  HP {hp}/{max}");
                }
                (Some(hp), None) => {
                    let _ = write!(out, "  HP {hp}");
                }
                (None, _) => {}
            }
            if c.temp_hp > 0 {
                let _ = write!(out, " (+{} temp)", c.temp_hp);
            }
            if c.is_down() {
                out.push_str(" (down)");
            }
            if let Some(ac) = c.ac {
                let _ = write!(out, "  AC {ac}");
            }
            if !c.conditions.is_empty() {
                let texts: Vec<String> = c.conditions.iter().map(|x| condition_text(c, x)).collect();
                let _ = write!(out, "  [{}]", texts.join(", "));
            }
            if c.hidden {
                out.push_str("  (hidden)");
            }
            out.push('\n');
        }
        out
    }
}

/// "Blessed 1 rnd", "Prone", "Hexed 3 rnd (end of turn)", "Bane 2 rnd (start of c4's turn)".
fn condition_text(bearer: &Combatant, condition: &Condition) -> String {
    let mut text = condition.name.clone();
    let Some(rounds) = condition.remaining_rounds else {
        return text;
    };
    let _ = write!(text, " {rounds} rnd");
    let edge = match condition.ends {
        TurnBoundary::StartOfTurn => "start",
        TurnBoundary::EndOfTurn => "end",
    };
    if condition.anchor != bearer.id {
        let _ = write!(text, " ({edge} of {}'s turn)", condition.anchor);
    } else if condition.ends == TurnBoundary::EndOfTurn {
        text.push_str(" (end of turn)");
    }
    text
}
