//! `ttrpg-initiative`: an Avrae-style initiative tracker as pure logic.
//!
//! Modelled on Avrae's tracker: combatants (alone or in numbered groups), a turn pointer that
//! `next`/`prev`/`move_to` steer, hit points with temporary HP, and conditions whose durations
//! run out on a turn boundary.
//!
//! The crate is deliberately **pure**: no database, no randomness, no clock, no I/O (its only
//! dependencies are serde, schemars and thiserror). Callers roll the dice (initiative, hit
//! points) and pass the numbers in, and persist the whole [`Encounter`] as one JSON value. An
//! `Encounter` round-trips exactly through `serde_json`, so a restarted server resumes the
//! combat exactly where it stopped. The types derive `schemars::JsonSchema`, so a caller can
//! publish them in tool schemas.
//!
//! ```
//! use ttrpg_initiative::{CombatantKind, Encounter, NewCombatant};
//!
//! let mut combat = Encounter::new();
//! combat.add(NewCombatant::new("Aria", CombatantKind::Player, 18)).unwrap();
//! combat.add(NewCombatant::new("Goblin", CombatantKind::Monster, 12)).unwrap();
//! combat.next().unwrap();
//! assert_eq!((combat.round, combat.current().unwrap().name.as_str()), (1, "Aria"));
//! ```
//!
//! # Semantics in one place
//!
//! * **Order.** [`Encounter::combatants`] is always sorted by initiative (highest first), then by
//!   initiative modifier (highest first), then by insertion order (earliest first).
//! * **Turn pointer.** `turn` indexes `combatants`; `round` is 0 before the first turn. The first
//!   [`Encounter::next`] starts round 1 at the top. Adding, removing or re-sorting combatants
//!   keeps the pointer on the same combatant.
//! * **Combatant keys.** Every operation that names a combatant accepts its id (`"c3"`) or its
//!   name (case-insensitive) when that name is unique.
//! * **Durations.** A condition lasting `N` rounds counts down by one at a turn boundary of its
//!   *anchor* combatant (by default the affected combatant): at the start of the anchor's turn
//!   ([`TurnBoundary::StartOfTurn`], the default) or at its end
//!   ([`TurnBoundary::EndOfTurn`]). Only turns of the anchor that *begin after the condition was
//!   applied* count, so a 1-round condition applied during the anchor's own turn ends at the
//!   start of its next turn (start boundary, exactly one round later) or at the end of its next
//!   turn (end boundary, "until the end of your next turn"). When the count reaches 0 the
//!   condition is removed and reported in [`TurnChange::expired`]. Durations only move in
//!   [`Encounter::next`]; [`Encounter::prev`] and [`Encounter::move_to`] never tick, expire or
//!   restore conditions.
//! * **Hit points** floor at 0 (overkill is reported); temporary HP absorbs damage first and
//!   does not stack (the higher value is kept).

#![warn(missing_docs)]

mod conditions;
mod error;
mod hp;
mod model;
mod roster;
mod turns;
mod view;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use conditions::{ConditionAdded, ConditionRemoved};
pub use error::InitiativeError;
pub use hp::HpChange;
pub use model::{Combatant, CombatantKind, Condition, GroupMember, NewCombatant, NewGroup, TurnBoundary};
pub use roster::Removal;
pub use turns::{ConditionEvent, TurnChange};
pub use view::{Audience, CombatantSummary, EncounterSummary, health_state};

/// Result type of every fallible initiative operation.
pub type Result<T, E = InitiativeError> = std::result::Result<T, E>;

/// Most combatants one encounter may hold.
pub const MAX_COMBATANTS: usize = 200;
/// Most members one [`Encounter::add_group`] call may add.
pub const MAX_GROUP_SIZE: usize = 50;
/// Largest hit-point, temporary-HP, damage or healing value accepted.
pub const MAX_HP: i64 = 1_000_000;
/// Largest absolute initiative value accepted.
pub const MAX_ABS_INITIATIVE: i64 = 1_000;
/// Largest absolute initiative modifier accepted.
pub const MAX_ABS_INIT_MODIFIER: i64 = 100;
/// Largest armour class accepted.
pub const MAX_AC: i64 = 100;
/// Longest duration, in rounds, a condition may have (10 000 rounds is about 16 hours).
pub const MAX_CONDITION_ROUNDS: u32 = 10_000;
/// Most conditions one combatant may carry.
pub const MAX_CONDITIONS: usize = 50;
/// Longest combatant or condition name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// How many entries [`Encounter::log`] keeps; older entries are dropped first.
pub const MAX_LOG_ENTRIES: usize = 100;

/// One combat: the combatants in turn order, whose turn it is, and the round counter.
///
/// Persist it whole (it is plain serde data); every method keeps its invariants as long as the
/// value was produced by this module. [`Encounter::check`] verifies them on a value read back from
/// storage.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Encounter {
    /// Current round, starting at 1; 0 before the first turn.
    pub round: u32,
    /// Index into [`Encounter::combatants`] of whose turn it is; `None` before the first turn
    /// (or after every combatant was removed).
    pub turn: Option<usize>,
    /// Combatants sorted by initiative desc, initiative modifier desc, insertion order.
    pub combatants: Vec<Combatant>,
    /// Number used for the next combatant id (`c{next_id}`); ids are never reused.
    pub next_id: u32,
    /// Recent events, oldest first, at most [`MAX_LOG_ENTRIES`].
    #[serde(default)]
    pub log: Vec<LogEntry>,
}

/// One line of an encounter's event log.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Round in which the event happened (0 before combat).
    pub round: u32,
    /// What happened, in words, e.g. "Goblin 1 (c2) took 7 damage (HP 0/7)".
    pub message: String,
}

impl Default for Encounter {
    fn default() -> Self {
        Self::new()
    }
}

impl Encounter {
    /// An empty encounter before its first round.
    pub fn new() -> Self {
        Self { round: 0, turn: None, combatants: Vec::new(), next_id: 1, log: Vec::new() }
    }

    /// Whether combat has started (the first [`Encounter::next`] was called).
    pub fn started(&self) -> bool {
        self.round > 0
    }

    /// The combatant whose turn it is, if any.
    pub fn current(&self) -> Option<&Combatant> {
        self.turn.and_then(|index| self.combatants.get(index))
    }

    /// Looks a combatant up by id (`"c3"`) or by unique case-insensitive name.
    ///
    /// Fails with [`InitiativeError::NoSuchCombatant`] (listing the roster) or
    /// [`InitiativeError::AmbiguousName`] (listing the candidates).
    pub fn get(&self, key: &str) -> Result<&Combatant> {
        let index = self.index_of(key)?;
        Ok(&self.combatants[index])
    }

    /// Verifies the invariants of a value read back from storage: sorted order, unique ids below
    /// `next_id`, an in-range turn pointer and condition anchors naming present combatants.
    pub fn check(&self) -> Result<()> {
        let corrupt = |what: String| Err(InitiativeError::Corrupt(what));
        if let Some(turn) = self.turn
            && turn >= self.combatants.len()
        {
            return corrupt(format!("turn {turn} is past the last of {} combatants", self.combatants.len()));
        }
        if self.turn.is_some() && self.round == 0 {
            return corrupt("a turn is set but the round is 0".into());
        }
        for pair in self.combatants.windows(2) {
            if order_key(&pair[0]) > order_key(&pair[1]) {
                return corrupt(format!("{} is sorted after {}", pair[1].label(), pair[0].label()));
            }
        }
        for (i, c) in self.combatants.iter().enumerate() {
            if c.seq >= self.next_id || c.id != format!("c{}", c.seq) {
                return corrupt(format!("{} has id/seq out of step with next_id", c.label()));
            }
            if self.combatants[..i].iter().any(|other| other.id == c.id) {
                return corrupt(format!("id {} is used twice", c.id));
            }
            for cond in &c.conditions {
                if !self.combatants.iter().any(|a| a.id == cond.anchor) {
                    return corrupt(format!(
                        "condition '{}' on {} is anchored to missing combatant '{}'",
                        cond.name,
                        c.label(),
                        cond.anchor
                    ));
                }
            }
        }
        Ok(())
    }

    /// Index of the combatant named by `key` (id first, then unique case-insensitive name).
    pub(crate) fn index_of(&self, key: &str) -> Result<usize> {
        let key = key.trim();
        if let Some(i) = self.combatants.iter().position(|c| c.id == key) {
            return Ok(i);
        }
        let matches: Vec<usize> = (0..self.combatants.len())
            .filter(|&i| self.combatants[i].name.eq_ignore_ascii_case(key))
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(InitiativeError::NoSuchCombatant { key: key.to_string(), roster: self.roster_text() }),
            many => Err(InitiativeError::AmbiguousName {
                key: key.to_string(),
                matches: many.iter().map(|&i| self.combatants[i].label()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// "c1 Aria, c2 Goblin 1", or "none" — for error messages.
    pub(crate) fn roster_text(&self) -> String {
        if self.combatants.is_empty() {
            return "none".into();
        }
        self.combatants.iter().map(|c| format!("{} {}", c.id, c.name)).collect::<Vec<_>>().join(", ")
    }

    /// Id of the current combatant, if any.
    pub(crate) fn current_id(&self) -> Option<String> {
        self.current().map(|c| c.id.clone())
    }

    /// Re-sorts the combatants and points `turn` back at the combatant `current` names.
    pub(crate) fn sort_keeping(&mut self, current: Option<String>) {
        self.combatants.sort_by_key(order_key);
        self.turn = current.and_then(|id| self.combatants.iter().position(|c| c.id == id));
    }

    /// Appends to the event log, dropping the oldest entries past [`MAX_LOG_ENTRIES`].
    pub(crate) fn record(&mut self, message: String) {
        self.log.push(LogEntry { round: self.round, message });
        if self.log.len() > MAX_LOG_ENTRIES {
            let excess = self.log.len() - MAX_LOG_ENTRIES;
            self.log.drain(..excess);
        }
    }
}

/// Sort key giving the turn order: initiative desc, modifier desc, insertion order asc.
fn order_key(c: &Combatant) -> (std::cmp::Reverse<i64>, std::cmp::Reverse<i64>, u32) {
    (std::cmp::Reverse(c.initiative), std::cmp::Reverse(c.init_modifier), c.seq)
}
