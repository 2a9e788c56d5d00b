//! Applying and removing conditions.

use serde::{Deserialize, Serialize};

use super::model::{Condition, TurnBoundary};
use super::roster::check_name;
use super::{Encounter, InitiativeError, MAX_CONDITION_ROUNDS, MAX_CONDITIONS, Result};

/// What [`Encounter::add_condition`] did.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct ConditionAdded {
    /// Id of the affected combatant.
    pub combatant_id: String,
    /// Name of the affected combatant.
    pub combatant_name: String,
    /// The condition as stored.
    pub condition: Condition,
    /// A condition of the same name that it replaced (re-applying refreshes the duration).
    pub replaced: Option<Condition>,
}

/// What [`Encounter::remove_condition`] did.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct ConditionRemoved {
    /// Id of the affected combatant.
    pub combatant_id: String,
    /// Name of the affected combatant.
    pub combatant_name: String,
    /// The condition that was removed.
    pub condition: Condition,
}

impl Encounter {
    /// Applies a condition to a combatant (by id or unique name).
    ///
    /// `rounds` is the duration (`None`: until removed), counted down at the `ends` boundary of
    /// the `anchor` combatant's turns that begin after now (anchor defaults to the affected
    /// combatant; see the module docs). A condition of the same name (case-insensitive) is
    /// replaced and returned in [`ConditionAdded::replaced`]. Fails on an empty name, 0 or more
    /// than [`MAX_CONDITION_ROUNDS`] rounds, an unknown anchor, or more than
    /// [`MAX_CONDITIONS`] conditions.
    pub fn add_condition(
        &mut self,
        key: &str,
        name: &str,
        rounds: Option<u32>,
        ends: TurnBoundary,
        anchor: Option<&str>,
        source: Option<String>,
    ) -> Result<ConditionAdded> {
        let name = check_name("condition name", name)?;
        if let Some(rounds) = rounds
            && !(1..=MAX_CONDITION_ROUNDS).contains(&rounds)
        {
            return Err(InitiativeError::invalid(
                "duration",
                format!("{rounds} rounds"),
                format!("must be 1 to {MAX_CONDITION_ROUNDS} rounds, or none for indefinite"),
            ));
        }
        let index = self.index_of(key)?;
        let anchor = match anchor {
            Some(anchor) => self.combatants[self.index_of(anchor)?].id.clone(),
            None => self.combatants[index].id.clone(),
        };
        let skip_current_turn_end =
            ends == TurnBoundary::EndOfTurn && self.current_id().as_deref() == Some(&anchor);
        let condition = Condition {
            name,
            remaining_rounds: rounds,
            ends,
            anchor,
            source: source.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            skip_current_turn_end,
        };
        let c = &mut self.combatants[index];
        let existing = c.conditions.iter().position(|x| x.name.eq_ignore_ascii_case(&condition.name));
        let replaced = match existing {
            Some(i) => Some(std::mem::replace(&mut c.conditions[i], condition.clone())),
            None if c.conditions.len() >= MAX_CONDITIONS => {
                return Err(InitiativeError::invalid(
                    "number of conditions",
                    c.conditions.len() + 1,
                    format!("{} may carry at most {MAX_CONDITIONS}", c.label()),
                ));
            }
            None => {
                c.conditions.push(condition.clone());
                None
            }
        };
        let added = ConditionAdded {
            combatant_id: c.id.clone(),
            combatant_name: c.name.clone(),
            condition,
            replaced,
        };
        self.record(format!(
            "{} ({}) gained {}",
            added.combatant_name, added.combatant_id, added.condition.name
        ));
        Ok(added)
    }

    /// Removes a condition (case-insensitive name) from a combatant. Fails, naming the
    /// conditions present, when the combatant does not have it.
    pub fn remove_condition(&mut self, key: &str, name: &str) -> Result<ConditionRemoved> {
        let index = self.index_of(key)?;
        let c = &mut self.combatants[index];
        let Some(position) = c.conditions.iter().position(|x| x.name.eq_ignore_ascii_case(name.trim()))
        else {
            let present = if c.conditions.is_empty() {
                "none".to_string()
            } else {
                c.conditions.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ")
            };
            return Err(InitiativeError::NoSuchCondition {
                combatant: c.label(),
                condition: name.trim().to_string(),
                present,
            });
        };
        let condition = c.conditions.remove(position);
        let removed =
            ConditionRemoved { combatant_id: c.id.clone(), combatant_name: c.name.clone(), condition };
        self.record(format!(
            "{} ({}) lost {}",
            removed.combatant_name, removed.combatant_id, removed.condition.name
        ));
        Ok(removed)
    }
}
