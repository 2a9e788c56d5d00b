//! Hit points: damage, healing, temporary HP.

use serde::{Deserialize, Serialize};

use super::roster::check_hp;
use super::{Encounter, InitiativeError, MAX_HP, Result};

/// What an HP operation did to one combatant.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct HpChange {
    /// Id of the combatant.
    pub combatant_id: String,
    /// Name of the combatant.
    pub combatant_name: String,
    /// Amount asked for (damage, healing or temporary HP).
    pub amount: i64,
    /// Hit points before.
    pub hp_before: Option<i64>,
    /// Hit points after (never below 0).
    pub hp: Option<i64>,
    /// Maximum hit points.
    pub max_hp: Option<i64>,
    /// Temporary hit points before.
    pub temp_hp_before: i64,
    /// Temporary hit points after.
    pub temp_hp: i64,
    /// Damage soaked by temporary hit points.
    pub absorbed_by_temp: i64,
    /// Damage beyond what took hit points to 0 (0 when not dropped to 0). For 5e's massive
    /// damage rule: a creature dies outright when overkill ≥ its maximum HP.
    pub overkill: i64,
    /// Whether this change took hit points from above 0 to 0.
    pub dropped_to_zero: bool,
}

impl Encounter {
    /// Deals `amount` damage: temporary HP absorbs first, the rest comes off `hp`, which
    /// stops at 0 (the excess is reported as `overkill`).
    ///
    /// Fails on a negative or absurd amount (above [`MAX_HP`]) or when the combatant's HP is not
    /// tracked.
    pub fn damage(&mut self, key: &str, amount: i64) -> Result<HpChange> {
        check_amount("damage amount", amount)?;
        let index = self.index_of(key)?;
        let c = &mut self.combatants[index];
        let Some(hp_before) = c.hp else {
            return Err(InitiativeError::NoHpTracked { combatant: c.label() });
        };
        let temp_before = c.temp_hp;
        let absorbed = amount.min(temp_before);
        let rest = amount - absorbed;
        let hp = (hp_before - rest).max(0);
        let overkill = (rest - hp_before).max(0);
        c.temp_hp = temp_before - absorbed;
        c.hp = Some(hp);
        let change = HpChange {
            combatant_id: c.id.clone(),
            combatant_name: c.name.clone(),
            amount,
            hp_before: Some(hp_before),
            hp: Some(hp),
            max_hp: c.max_hp,
            temp_hp_before: temp_before,
            temp_hp: c.temp_hp,
            absorbed_by_temp: absorbed,
            overkill,
            dropped_to_zero: hp_before > 0 && hp == 0,
        };
        self.record(format!(
            "{} ({}) took {amount} damage ({})",
            change.combatant_name,
            change.combatant_id,
            hp_text(&change)
        ));
        Ok(change)
    }

    /// Heals `amount`, up to `max_hp` when one is known. Healing never restores temporary HP.
    ///
    /// Fails on a negative or absurd amount or when the combatant's HP is not tracked.
    pub fn heal(&mut self, key: &str, amount: i64) -> Result<HpChange> {
        check_amount("healing amount", amount)?;
        let index = self.index_of(key)?;
        let c = &mut self.combatants[index];
        let Some(hp_before) = c.hp else {
            return Err(InitiativeError::NoHpTracked { combatant: c.label() });
        };
        let raised = hp_before.saturating_add(amount).min(MAX_HP);
        let hp = c.max_hp.map_or(raised, |max| raised.min(max.max(hp_before)));
        c.hp = Some(hp);
        let change = self.unchanged_temp(index, amount, Some(hp_before));
        self.record(format!(
            "{} ({}) healed {amount} ({})",
            change.combatant_name,
            change.combatant_id,
            hp_text(&change)
        ));
        Ok(change)
    }

    /// Grants temporary HP. They do not stack: the combatant keeps the higher of its current
    /// and the new amount (so granting 0 changes nothing; see [`Encounter::clear_temp_hp`]).
    pub fn set_temp_hp(&mut self, key: &str, amount: i64) -> Result<HpChange> {
        check_amount("temporary hit points", amount)?;
        let index = self.index_of(key)?;
        let c = &mut self.combatants[index];
        let temp_before = c.temp_hp;
        c.temp_hp = temp_before.max(amount);
        let mut change = self.unchanged_temp(index, amount, self.combatants[index].hp);
        change.temp_hp_before = temp_before;
        self.record(format!(
            "{} ({}) was granted {amount} temporary HP ({})",
            change.combatant_name,
            change.combatant_id,
            hp_text(&change)
        ));
        Ok(change)
    }

    /// Removes all temporary HP (e.g. when the effect that granted them ends).
    pub fn clear_temp_hp(&mut self, key: &str) -> Result<HpChange> {
        let index = self.index_of(key)?;
        let temp_before = std::mem::take(&mut self.combatants[index].temp_hp);
        let mut change = self.unchanged_temp(index, 0, self.combatants[index].hp);
        change.temp_hp_before = temp_before;
        Ok(change)
    }

    /// Sets hit points directly (to start tracking them, or to correct a mistake); `max_hp`
    /// defaults to the current maximum, or to `hp` when none is known or `hp` exceeds it.
    /// Temporary HP is kept.
    pub fn set_hp(&mut self, key: &str, hp: i64, max_hp: Option<i64>) -> Result<HpChange> {
        let index = self.index_of(key)?;
        let max_hp = max_hp.or(self.combatants[index].max_hp.filter(|&max| max >= hp));
        let (hp, max_hp) = check_hp(Some(hp), max_hp)?;
        let c = &mut self.combatants[index];
        let hp_before = c.hp;
        c.hp = hp;
        c.max_hp = max_hp;
        let change = self.unchanged_temp(index, hp.unwrap_or(0), hp_before);
        self.record(format!(
            "{} ({}) HP set ({})",
            change.combatant_name,
            change.combatant_id,
            hp_text(&change)
        ));
        Ok(change)
    }

    /// An [`HpChange`] for combatant `index` reporting its current state and no temp change.
    fn unchanged_temp(&self, index: usize, amount: i64, hp_before: Option<i64>) -> HpChange {
        let c = &self.combatants[index];
        HpChange {
            combatant_id: c.id.clone(),
            combatant_name: c.name.clone(),
            amount,
            hp_before,
            hp: c.hp,
            max_hp: c.max_hp,
            temp_hp_before: c.temp_hp,
            temp_hp: c.temp_hp,
            absorbed_by_temp: 0,
            overkill: 0,
            dropped_to_zero: hp_before.is_some_and(|before| before > 0) && c.hp == Some(0),
        }
    }
}

fn check_amount(field: &'static str, amount: i64) -> Result<()> {
    if !(0..=MAX_HP).contains(&amount) {
        return Err(InitiativeError::invalid(field, amount, format!("must be between 0 and {MAX_HP}")));
    }
    Ok(())
}

/// "HP 3/10, +5 temp" or "HP untracked, +5 temp".
fn hp_text(change: &HpChange) -> String {
    let mut text = match (change.hp, change.max_hp) {
        (Some(hp), Some(max)) => format!("HP {hp}/{max}"),
        (Some(hp), None) => format!("HP {hp}"),
        (None, _) => "HP untracked".to_string(),
    };
    if change.temp_hp > 0 {
        text.push_str(&format!(", +{} temp", change.temp_hp));
    }
    text
}
