//! Adding and removing combatants, and changing their place in the order.

use serde::{Deserialize, Serialize};

use super::model::{Combatant, NewCombatant, NewGroup};
use super::turns::{ConditionEvent, TurnChange};
use super::{
    Encounter, InitiativeError, MAX_ABS_INIT_MODIFIER, MAX_ABS_INITIATIVE, MAX_AC, MAX_COMBATANTS,
    MAX_GROUP_SIZE, MAX_HP, MAX_NAME_CHARS, Result,
};

/// What [`Encounter::remove`] did.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
pub struct Removal {
    /// The combatant as it was when removed.
    pub removed: Combatant,
    /// Set when the removed combatant was taking its turn: the turn passed on exactly as
    /// [`Encounter::next`] would have passed it (ending the turn, possibly starting a new round).
    pub turn_change: Option<TurnChange>,
    /// Conditions on other combatants that were anchored to the removed one; they are now
    /// anchored to the combatant they affect (and keep their remaining rounds).
    pub reanchored: Vec<ConditionEvent>,
}

impl Encounter {
    /// Adds one combatant, assigns its id and returns it.
    ///
    /// It takes its place in the order at once; during combat the turn stays with the same
    /// combatant (a newcomer sorted above the current one first acts next round).
    /// Fails on an empty or overlong name, out-of-range numbers, `hp` above `max_hp`, or a full
    /// encounter.
    pub fn add(&mut self, new: NewCombatant) -> Result<Combatant> {
        self.ensure_room(1)?;
        let name = check_name("combatant name", &new.name)?;
        check_numbers(new.initiative, new.init_modifier, new.ac)?;
        let (hp, max_hp) = check_hp(new.hp, new.max_hp)?;
        let combatant = self.push(Combatant {
            id: String::new(),
            name,
            seq: 0,
            initiative: new.initiative,
            init_modifier: new.init_modifier,
            hp,
            max_hp,
            temp_hp: 0,
            ac: new.ac,
            character_id: new.character_id.filter(|id| !id.trim().is_empty()),
            kind: new.kind,
            conditions: Vec::new(),
            hidden: new.hidden,
            hp_revealed: false,
        });
        self.record(format!("{} joined at initiative {}", combatant.label(), combatant.initiative));
        Ok(combatant)
    }

    /// Adds a group of alike combatants named "Goblin 1", "Goblin 2"… and returns them in
    /// member order.
    ///
    /// Numbering continues after the highest existing "`base_name` N" (case-insensitive), so a
    /// second group of goblins starts at "Goblin 3" when "Goblin 1" and "Goblin 2" exist. The
    /// turn stays with the same combatant. All-or-nothing: nothing is added when any member is
    /// invalid. Fails on 0 or more than [`MAX_GROUP_SIZE`] members, an empty base name, or
    /// out-of-range numbers.
    pub fn add_group(&mut self, group: NewGroup) -> Result<Vec<Combatant>> {
        let size = group.members.len();
        if size == 0 || size > MAX_GROUP_SIZE {
            return Err(InitiativeError::invalid(
                "group size",
                size,
                format!("a group has 1 to {MAX_GROUP_SIZE} members"),
            ));
        }
        self.ensure_room(size)?;
        let base = check_name("group base name", &group.base_name)?;
        check_numbers(0, group.init_modifier, group.ac)?;
        let mut checked = Vec::with_capacity(size);
        for member in &group.members {
            check_numbers(member.initiative, 0, None)?;
            checked.push((member.initiative, check_hp(member.hp, None)?));
        }
        let first_number = self.highest_number(&base) + 1;
        let mut added = Vec::with_capacity(size);
        for (offset, (initiative, (hp, max_hp))) in (0u64..).zip(checked) {
            added.push(self.push(Combatant {
                id: String::new(),
                name: format!("{base} {}", first_number + offset),
                seq: 0,
                initiative,
                init_modifier: group.init_modifier,
                hp,
                max_hp,
                temp_hp: 0,
                ac: group.ac,
                character_id: None,
                kind: group.kind,
                conditions: Vec::new(),
                hidden: group.hidden,
                hp_revealed: false,
            }));
        }
        let names: Vec<String> = added.iter().map(Combatant::label).collect();
        self.record(format!("group joined: {}", names.join(", ")));
        Ok(added)
    }

    /// Removes a combatant (by id or unique name) and returns what happened.
    ///
    /// Removing an earlier combatant keeps the turn on the same combatant; removing the one
    /// whose turn it is first ends its turn as [`Encounter::next`] would (turn-boundary
    /// durations count, a wrap starts the next round), unless it is the last combatant left,
    /// in which case the turn becomes `None` and the round is kept. Conditions on others that
    /// were anchored to the removed combatant are re-anchored to the combatant they affect.
    pub fn remove(&mut self, key: &str) -> Result<Removal> {
        let mut index = self.index_of(key)?;
        let mut turn_change = None;
        if self.turn == Some(index) && self.combatants.len() > 1 {
            let id = self.combatants[index].id.clone();
            turn_change = Some(self.next()?);
            index = self.index_of(&id)?;
        }
        let current = self.current_id();
        let removed = self.combatants.remove(index);
        self.sort_keeping(current);
        let mut reanchored = Vec::new();
        for c in &mut self.combatants {
            let mut changed = Vec::new();
            for cond in &mut c.conditions {
                if cond.anchor == removed.id {
                    cond.anchor.clone_from(&c.id);
                    cond.skip_current_turn_end = false;
                    changed.push(cond.clone());
                }
            }
            reanchored.extend(changed.iter().map(|cond| ConditionEvent::new(c, cond)));
        }
        self.record(format!("{} left the encounter", removed.label()));
        Ok(Removal { removed, turn_change, reanchored })
    }

    /// Changes a combatant's initiative (and optionally its modifier) and re-sorts; the turn
    /// stays with the same combatant. Returns the updated combatant.
    pub fn set_initiative(
        &mut self,
        key: &str,
        initiative: i64,
        init_modifier: Option<i64>,
    ) -> Result<Combatant> {
        let index = self.index_of(key)?;
        let modifier = init_modifier.unwrap_or(self.combatants[index].init_modifier);
        check_numbers(initiative, modifier, None)?;
        let current = self.current_id();
        let c = &mut self.combatants[index];
        c.initiative = initiative;
        c.init_modifier = modifier;
        let updated = c.clone();
        self.sort_keeping(current);
        self.record(format!("{} moved to initiative {initiative}", updated.label()));
        Ok(updated)
    }

    /// Hides a combatant from (or reveals it to) the players' view; returns the updated
    /// combatant.
    pub fn set_hidden(&mut self, key: &str, hidden: bool) -> Result<Combatant> {
        let index = self.index_of(key)?;
        self.combatants[index].hidden = hidden;
        Ok(self.combatants[index].clone())
    }

    /// Shows a combatant's hit points and AC to the players as numbers (or, with `false`,
    /// as a state again); returns the updated combatant.
    pub fn set_hp_revealed(&mut self, key: &str, revealed: bool) -> Result<Combatant> {
        let index = self.index_of(key)?;
        self.combatants[index].hp_revealed = revealed;
        Ok(self.combatants[index].clone())
    }

    /// Assigns id and sequence number, inserts in order, keeps the turn; returns the copy.
    fn push(&mut self, mut combatant: Combatant) -> Combatant {
        combatant.seq = self.next_id;
        combatant.id = format!("c{}", self.next_id);
        self.next_id += 1;
        let current = self.current_id();
        self.combatants.push(combatant.clone());
        self.sort_keeping(current);
        combatant
    }

    fn ensure_room(&self, adding: usize) -> Result<()> {
        if self.combatants.len() + adding > MAX_COMBATANTS {
            return Err(InitiativeError::invalid(
                "number of combatants",
                self.combatants.len() + adding,
                format!("an encounter holds at most {MAX_COMBATANTS} (it has {})", self.combatants.len()),
            ));
        }
        Ok(())
    }

    /// Highest N among combatants named "`base` N" (case-insensitive), or 0.
    fn highest_number(&self, base: &str) -> u64 {
        self.combatants
            .iter()
            .filter_map(|c| {
                let (head, number) = c.name.rsplit_once(' ')?;
                if !head.eq_ignore_ascii_case(base) {
                    return None;
                }
                number.parse::<u64>().ok()
            })
            .max()
            .unwrap_or(0)
    }
}

/// Trims a name and refuses it when empty or longer than [`MAX_NAME_CHARS`].
pub(crate) fn check_name(field: &'static str, name: &str) -> Result<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(InitiativeError::invalid(field, format!("{name:?}"), "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(InitiativeError::invalid(
            field,
            format!("{:?}…", trimmed.chars().take(20).collect::<String>()),
            format!("at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

fn check_numbers(initiative: i64, init_modifier: i64, ac: Option<i64>) -> Result<()> {
    if initiative.abs() > MAX_ABS_INITIATIVE {
        return Err(InitiativeError::invalid(
            "initiative",
            initiative,
            format!("must be between -{MAX_ABS_INITIATIVE} and {MAX_ABS_INITIATIVE}"),
        ));
    }
    if init_modifier.abs() > MAX_ABS_INIT_MODIFIER {
        return Err(InitiativeError::invalid(
            "initiative modifier",
            init_modifier,
            format!("must be between -{MAX_ABS_INIT_MODIFIER} and {MAX_ABS_INIT_MODIFIER}"),
        ));
    }
    if let Some(ac) = ac
        && !(0..=MAX_AC).contains(&ac)
    {
        return Err(InitiativeError::invalid("armour class", ac, format!("must be between 0 and {MAX_AC}")));
    }
    Ok(())
}

/// Validates starting HP and maximum; the maximum defaults to the starting HP.
pub(crate) fn check_hp(hp: Option<i64>, max_hp: Option<i64>) -> Result<(Option<i64>, Option<i64>)> {
    for (field, value) in [("hit points", hp), ("maximum hit points", max_hp)] {
        if let Some(value) = value
            && !(0..=MAX_HP).contains(&value)
        {
            return Err(InitiativeError::invalid(field, value, format!("must be between 0 and {MAX_HP}")));
        }
    }
    let max_hp = max_hp.or(hp);
    if let (Some(hp), Some(max)) = (hp, max_hp)
        && hp > max
    {
        return Err(InitiativeError::invalid("hit points", hp, format!("exceed the maximum of {max}")));
    }
    Ok((hp, max_hp))
}
