//! Damage, healing and temporary hit points.

use super::super::*;
use super::party;

#[test]
fn damage_goes_through_temp_hp_first_and_floors_at_zero() {
    let mut e = party();
    e.set_temp_hp("Aria", 5).unwrap();
    let hit = e.damage("Aria", 8).unwrap();
    assert_eq!((hit.absorbed_by_temp, hit.temp_hp, hit.hp), (5, 0, Some(27)));
    assert!(!hit.dropped_to_zero);
    let small = e.set_temp_hp("Aria", 4).unwrap();
    assert_eq!(small.temp_hp, 4);
    let soaked = e.damage("Aria", 3).unwrap();
    assert_eq!((soaked.absorbed_by_temp, soaked.temp_hp, soaked.hp), (3, 1, Some(27)));
    let big = e.damage("Aria", 41).unwrap();
    assert_eq!((big.hp, big.overkill, big.dropped_to_zero), (Some(0), 13, true));
    let again = e.damage("Aria", 4).unwrap();
    assert_eq!((again.hp, again.overkill, again.dropped_to_zero), (Some(0), 4, false));
    assert!(e.get("Aria").unwrap().is_down());

    let mut untracked = Encounter::new();
    untracked.add(NewCombatant::new("Ghost", CombatantKind::Npc, 3)).unwrap();
    let err = untracked.damage("Ghost", 2).unwrap_err();
    assert_eq!(err.to_string(), "Ghost (c1) has no hit points tracked; set them first");
    untracked.set_hp("Ghost", 9, Some(12)).unwrap();
    assert_eq!(untracked.damage("Ghost", 2).unwrap().hp, Some(7));
}

#[test]
fn healing_caps_at_max_and_leaves_temp_hp_alone() {
    let mut e = party();
    e.damage("Bram", 20).unwrap();
    e.set_temp_hp("Bram", 3).unwrap();
    let up = e.heal("Bram", 6).unwrap();
    assert_eq!((up.hp_before, up.hp, up.temp_hp), (Some(0), Some(6), 3));
    let capped = e.heal("Bram", 500).unwrap();
    assert_eq!((capped.hp, capped.max_hp, capped.temp_hp), (Some(20), Some(20), 3));
}

#[test]
fn temp_hp_keeps_the_higher_value() {
    let mut e = party();
    assert_eq!(e.set_temp_hp("Cato", 5).unwrap().temp_hp, 5);
    let lower = e.set_temp_hp("Cato", 3).unwrap();
    assert_eq!((lower.temp_hp_before, lower.temp_hp), (5, 5));
    assert_eq!(e.set_temp_hp("Cato", 8).unwrap().temp_hp, 8);
    let cleared = e.clear_temp_hp("Cato").unwrap();
    assert_eq!((cleared.temp_hp_before, cleared.temp_hp), (8, 0));
}
