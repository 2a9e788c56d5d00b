//! Moving the turn pointer (`next`, `prev`, `move_to`) and counting condition durations down.

use serde::{Deserialize, Serialize};

use super::model::{Combatant, Condition, TurnBoundary};
use super::{Encounter, InitiativeError, Result};

/// What a turn operation did: where the turn went and which conditions ran out on the way.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct TurnChange {
    /// Round after the change.
    pub round: u32,
    /// Whether the change crossed into a different round (forwards or backwards).
    pub new_round: bool,
    /// Id of the combatant whose turn it was, if any.
    pub previous: Option<String>,
    /// Id of the combatant whose turn it is now.
    pub current: String,
    /// Name of the combatant whose turn it is now.
    pub current_name: String,
    /// Conditions whose duration reached 0 and which were removed (only `next` expires).
    pub expired: Vec<ConditionEvent>,
    /// Conditions that counted down one round but are still running (only `next` counts).
    pub ticked: Vec<ConditionEvent>,
}

/// A condition on a particular combatant, as reported by a turn change or a removal.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct ConditionEvent {
    /// Id of the affected combatant.
    pub combatant_id: String,
    /// Name of the affected combatant.
    pub combatant_name: String,
    /// The condition as it stands after the event (for expiry: with 0 rounds left).
    pub condition: Condition,
}

impl ConditionEvent {
    pub(crate) fn new(combatant: &Combatant, condition: &Condition) -> Self {
        Self {
            combatant_id: combatant.id.clone(),
            combatant_name: combatant.name.clone(),
            condition: condition.clone(),
        }
    }
}

impl Encounter {
    /// Ends the current turn and starts the next one.
    ///
    /// The first call (round 0) starts round 1 with the top of the order. After the last
    /// combatant the turn wraps to the top and `round` increases by one. Durations count down
    /// in this order: end-of-turn conditions anchored to the combatant whose turn ends, then
    /// start-of-turn conditions anchored to the combatant whose turn starts (see the module
    /// docs); conditions reaching 0 are removed and listed in [`TurnChange::expired`].
    /// Fails with [`InitiativeError::EmptyEncounter`] when there are no combatants.
    #[allow(
        clippy::should_implement_trait,
        reason = "a fallible turn step, not an iterator; `next` is the tracker's vocabulary"
    )]
    pub fn next(&mut self) -> Result<TurnChange> {
        if self.combatants.is_empty() {
            return Err(InitiativeError::EmptyEncounter);
        }
        let previous = self.current_id();
        let mut expired = Vec::new();
        let mut ticked = Vec::new();
        if let Some(id) = &previous {
            self.tick(id, TurnBoundary::EndOfTurn, &mut expired, &mut ticked);
        }
        let (turn, new_round) = match self.turn {
            Some(t) if t + 1 < self.combatants.len() => (t + 1, false),
            _ => (0, true),
        };
        if new_round {
            self.round += 1;
        }
        self.turn = Some(turn);
        let current = self.combatants[turn].id.clone();
        self.tick(&current, TurnBoundary::StartOfTurn, &mut expired, &mut ticked);
        let change = self.turn_change(previous, new_round, expired, ticked);
        self.log_turn(&change);
        Ok(change)
    }

    /// Steps the turn back to the previous combatant (into the previous round from the top).
    ///
    /// Purely a pointer move for correcting mistakes: durations are neither counted nor
    /// restored, and conditions that expired stay removed. Fails with
    /// [`InitiativeError::NotStarted`] before the first turn and
    /// [`InitiativeError::AtFirstTurn`] at the first turn of round 1.
    pub fn prev(&mut self) -> Result<TurnChange> {
        if self.combatants.is_empty() {
            return Err(InitiativeError::EmptyEncounter);
        }
        if !self.started() {
            return Err(InitiativeError::NotStarted);
        }
        let previous = self.current_id();
        let last = self.combatants.len() - 1;
        let (turn, new_round) = match self.turn {
            Some(t) if t > 0 => (t - 1, false),
            Some(_) if self.round <= 1 => return Err(InitiativeError::AtFirstTurn),
            Some(_) => (last, true),
            // Between rounds (everyone was removed, then combatants added): back into this round.
            None => (last, false),
        };
        if new_round {
            self.round -= 1;
        }
        self.turn = Some(turn);
        let change = self.turn_change(previous, new_round, Vec::new(), Vec::new());
        self.log_turn(&change);
        Ok(change)
    }

    /// Gives the turn to a combatant (by id or unique name) within the current round.
    ///
    /// Like [`Encounter::prev`] this is a pointer move: no durations count. Before combat
    /// started it starts round 1 at that combatant.
    pub fn move_to(&mut self, key: &str) -> Result<TurnChange> {
        let index = self.index_of(key)?;
        let previous = self.current_id();
        let new_round = !self.started();
        if new_round {
            self.round = 1;
        }
        self.turn = Some(index);
        let change = self.turn_change(previous, new_round, Vec::new(), Vec::new());
        self.log_turn(&change);
        Ok(change)
    }

    /// Counts down every condition anchored to `anchor` at `boundary`, removing the expired.
    fn tick(
        &mut self,
        anchor: &str,
        boundary: TurnBoundary,
        expired: &mut Vec<ConditionEvent>,
        ticked: &mut Vec<ConditionEvent>,
    ) {
        for c in &mut self.combatants {
            let mut kept = Vec::with_capacity(c.conditions.len());
            for mut cond in std::mem::take(&mut c.conditions) {
                if cond.anchor != anchor || cond.ends != boundary {
                    kept.push(cond);
                    continue;
                }
                if boundary == TurnBoundary::EndOfTurn && cond.skip_current_turn_end {
                    cond.skip_current_turn_end = false;
                    kept.push(cond);
                    continue;
                }
                match cond.remaining_rounds {
                    Some(n) if n <= 1 => {
                        cond.remaining_rounds = Some(0);
                        expired.push(ConditionEvent::new(c, &cond));
                    }
                    Some(n) => {
                        cond.remaining_rounds = Some(n - 1);
                        ticked.push(ConditionEvent::new(c, &cond));
                        kept.push(cond);
                    }
                    None => kept.push(cond),
                }
            }
            c.conditions = kept;
        }
    }

    fn turn_change(
        &self,
        previous: Option<String>,
        new_round: bool,
        expired: Vec<ConditionEvent>,
        ticked: Vec<ConditionEvent>,
    ) -> TurnChange {
        let (current, current_name) =
            self.current().map(|c| (c.id.clone(), c.name.clone())).unwrap_or_default();
        TurnChange { round: self.round, new_round, previous, current, current_name, expired, ticked }
    }

    fn log_turn(&mut self, change: &TurnChange) {
        let mut message =
            format!("round {}: {} ({})'s turn", change.round, change.current_name, change.current);
        for e in &change.expired {
            message.push_str(&format!(
                "; {} ended on {} ({})",
                e.condition.name, e.combatant_name, e.combatant_id
            ));
        }
        self.record(message);
    }
}
