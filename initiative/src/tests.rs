//! Behaviour tests of the tracker: order, turns, removal, groups, validation, rendering.
//! Durations, hit points and persistence have their own files under `tests/`.

mod durations;
mod hit_points;
mod persistence;

use super::*;

/// A player with HP and AC.
pub(super) fn player(name: &str, initiative: i64, hp: i64, ac: i64) -> NewCombatant {
    NewCombatant { hp: Some(hp), ac: Some(ac), ..NewCombatant::new(name, CombatantKind::Player, initiative) }
}

/// Aria (c1, 18), Bram (c2, 12), Cato (c3, 5), not started.
pub(super) fn party() -> Encounter {
    let mut e = Encounter::new();
    e.add(player("Aria", 18, 30, 16)).unwrap();
    e.add(player("Bram", 12, 20, 14)).unwrap();
    e.add(player("Cato", 5, 10, 12)).unwrap();
    e
}

pub(super) fn order(e: &Encounter) -> Vec<&str> {
    e.combatants.iter().map(|c| c.name.as_str()).collect()
}

pub(super) fn current_name(e: &Encounter) -> &str {
    e.current().map_or("-", |c| c.name.as_str())
}

pub(super) fn goblins(n: usize, initiative: i64) -> NewGroup {
    NewGroup {
        base_name: "Goblin".into(),
        init_modifier: 2,
        ac: Some(15),
        kind: CombatantKind::Monster,
        hidden: false,
        members: vec![GroupMember { initiative, hp: Some(7) }; n],
    }
}

#[test]
fn order_is_initiative_then_modifier_then_insertion() {
    let mut e = Encounter::new();
    let mut add = |name: &str, init: i64, modifier: i64| {
        let mut new = NewCombatant::new(name, CombatantKind::Npc, init);
        new.init_modifier = modifier;
        e.add(new).unwrap().id
    };
    assert_eq!(add("A", 15, 2), "c1");
    assert_eq!(add("B", 15, 3), "c2");
    assert_eq!(add("C", 15, 2), "c3");
    assert_eq!(add("D", 20, -1), "c4");
    assert_eq!(add("E", -2, 0), "c5");
    assert_eq!(order(&e), ["D", "B", "A", "C", "E"]);
    assert_eq!(e.next_id, 6);
    e.check().unwrap();
}

#[test]
fn three_full_rounds_wrap_and_count() {
    let mut e = party();
    assert_eq!((e.round, e.turn, e.current()), (0, None, None));
    let mut seen = Vec::new();
    for _ in 0..9 {
        let change = e.next().unwrap();
        assert_eq!(change.current, e.current().unwrap().id);
        seen.push((change.round, change.current_name, change.new_round));
    }
    let expected: Vec<(u32, String, bool)> = [1, 2, 3]
        .into_iter()
        .flat_map(|round| {
            [("Aria", true), ("Bram", false), ("Cato", false)]
                .map(|(name, new)| (round, name.to_string(), new))
        })
        .collect();
    assert_eq!(seen, expected);
    let change = e.next().unwrap();
    assert_eq!((change.round, change.previous.as_deref()), (4, Some("c3")));
}

#[test]
fn prev_undoes_next_and_stops_at_the_first_turn() {
    let mut e = party();
    assert_eq!(e.prev(), Err(InitiativeError::NotStarted));
    let mut positions = vec![];
    for _ in 0..5 {
        e.next().unwrap();
        positions.push((e.round, e.turn));
    }
    assert_eq!(positions.last(), Some(&(2, Some(1))));
    for expected in positions.iter().rev().skip(1) {
        e.prev().unwrap();
        assert_eq!((e.round, e.turn), *expected);
    }
    assert_eq!((e.round, current_name(&e)), (1, "Aria"));
    assert_eq!(e.prev(), Err(InitiativeError::AtFirstTurn));
    e.next().unwrap();
    e.next().unwrap();
    e.next().unwrap(); // round 2, Aria
    let back = e.prev().unwrap();
    assert!(back.new_round);
    assert_eq!((back.round, back.current_name.as_str()), (1, "Cato"));
}

#[test]
fn move_to_jumps_without_changing_round() {
    let mut e = party();
    let start = e.move_to("bram").unwrap();
    assert_eq!((start.round, start.current.as_str()), (1, "c2"));
    e.next().unwrap();
    e.next().unwrap();
    assert_eq!((e.round, current_name(&e)), (2, "Aria"));
    let jump = e.move_to("c3").unwrap();
    assert_eq!((jump.round, jump.new_round, current_name(&e)), (2, false, "Cato"));
    assert!(e.move_to("c9").is_err());
}

#[test]
fn removing_earlier_later_and_current_keeps_the_pointer_right() {
    let mut e = party();
    e.add(player("Dara", 1, 8, 10)).unwrap(); // c4, last
    e.next().unwrap();
    e.next().unwrap(); // round 1, Bram
    let later = e.remove("Dara").unwrap();
    assert_eq!((later.removed.id.as_str(), later.turn_change), ("c4", None));
    assert_eq!(current_name(&e), "Bram");
    let earlier = e.remove("c1").unwrap();
    assert_eq!(earlier.turn_change, None);
    assert_eq!((e.turn, current_name(&e)), (Some(0), "Bram"));

    // Removing the current combatant passes the turn on like `next`.
    let current = e.remove("Bram").unwrap();
    let change = current.turn_change.unwrap();
    assert_eq!((change.current_name.as_str(), change.round), ("Cato", 1));
    assert_eq!((order(&e), current_name(&e)), (vec!["Cato"], "Cato"));

    // The last combatant: no one to pass to; the round is kept and `next` opens the next one.
    let last = e.remove("Cato").unwrap();
    assert_eq!((last.turn_change, e.turn, e.round), (None, None, 1));
    assert_eq!(e.next(), Err(InitiativeError::EmptyEncounter));
    e.add(player("Eli", 3, 5, 10)).unwrap();
    assert_eq!((e.next().unwrap().round, current_name(&e)), (2, "Eli"));
    e.check().unwrap();
}

#[test]
fn removing_the_current_last_combatant_wraps_to_a_new_round() {
    let mut e = party();
    e.move_to("Cato").unwrap();
    let removal = e.remove("Cato").unwrap();
    let change = removal.turn_change.unwrap();
    assert!(change.new_round);
    assert_eq!((e.round, current_name(&e), e.turn), (2, "Aria", Some(0)));
}

#[test]
fn additions_during_combat_keep_the_turn() {
    let mut e = party();
    e.next().unwrap();
    e.next().unwrap(); // Bram
    e.add(player("Zed", 20, 9, 11)).unwrap();
    e.add_group(goblins(2, 15)).unwrap();
    assert_eq!(order(&e), ["Zed", "Aria", "Goblin 1", "Goblin 2", "Bram", "Cato"]);
    assert_eq!(current_name(&e), "Bram");
    e.next().unwrap();
    assert_eq!(e.next().unwrap().current_name, "Zed");
    assert_eq!(e.round, 2);
}

#[test]
fn group_names_number_on_from_existing_members() {
    let mut e = party();
    let first = e.add_group(goblins(2, 10)).unwrap();
    let names: Vec<_> = first.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Goblin 1", "Goblin 2"]);
    assert_eq!((first[0].hp, first[0].max_hp, first[0].ac), (Some(7), Some(7), Some(15)));
    e.add(NewCombatant::new("Goblin Boss", CombatantKind::Monster, 9)).unwrap();
    let mut second = goblins(3, 4);
    second.base_name = "  goblin ".into();
    let names: Vec<_> = e.add_group(second).unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["goblin 3", "goblin 4", "goblin 5"]);
    e.remove("Goblin 1").unwrap();
    let again = e.add_group(goblins(1, 4)).unwrap();
    assert_eq!(again[0].name, "Goblin 6");
}

#[test]
fn group_validation_is_all_or_nothing() {
    let mut e = party();
    let err = e.add_group(goblins(51, 10)).unwrap_err();
    assert!(err.to_string().contains("group size 51"), "{err}");
    assert!(e.add_group(goblins(0, 10)).is_err());
    let mut bad = goblins(3, 10);
    bad.members[2].hp = Some(2_000_000);
    let err = e.add_group(bad).unwrap_err();
    assert!(err.to_string().contains("2000000"), "{err}");
    assert_eq!(e.combatants.len(), 3);
    assert_eq!(e.next_id, 4);
}

#[test]
fn input_validation_names_the_problem() {
    let mut e = party();
    let err = e.add(player("   ", 10, 5, 10)).unwrap_err();
    assert_eq!(err.to_string(), "invalid combatant name \"   \": must not be empty");
    let err = e.add(player("Titan", 10, 1_000_001, 10)).unwrap_err();
    assert!(err.to_string().starts_with("invalid hit points 1000001"), "{err}");
    let mut over = player("Odd", 10, 12, 10);
    over.max_hp = Some(10);
    assert!(e.add(over).is_err());
    assert!(e.add(player("Slow", 5_000, 5, 10)).is_err());
    let err = e.damage("c1", -3).unwrap_err();
    assert!(err.to_string().contains("damage amount -3"), "{err}");
    let err = e.damage("c9", 3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no combatant 'c9' in this encounter (combatants: c1 Aria, c2 Bram, c3 Cato)"
    );
    e.add(NewCombatant::new("Aria", CombatantKind::Npc, 1)).unwrap();
    let err = e.heal("aria", 1).unwrap_err();
    assert!(matches!(err, InitiativeError::AmbiguousName { .. }), "{err}");
    assert_eq!(e.get("c4").unwrap().name, "Aria");
}

#[test]
fn set_initiative_resorts_and_keeps_the_turn() {
    let mut e = party();
    e.next().unwrap();
    e.next().unwrap(); // Bram
    e.set_initiative("Cato", 25, None).unwrap();
    assert_eq!(order(&e), ["Cato", "Aria", "Bram"]);
    assert_eq!(current_name(&e), "Bram");
    assert_eq!(e.next().unwrap().current_name, "Cato");
}

#[test]
fn render_lists_everyone_and_marks_the_turn() {
    let mut e = party();
    assert!(e.render().starts_with("Combat has not started\n"));
    e.add_group(goblins(1, 9)).unwrap();
    e.next().unwrap();
    e.set_temp_hp("Aria", 5).unwrap();
    e.damage("Aria", 11).unwrap();
    e.add_condition("Aria", "Blessed", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    e.add_condition("c4", "Prone", None, TurnBoundary::EndOfTurn, None, None).unwrap();
    e.damage("Goblin 1", 7).unwrap();
    e.set_hidden("Cato", true).unwrap();
    let expected = "\
Round 1, Aria (c1)'s turn
> 18  Aria (c1)  HP 24/30  AC 16  [Blessed 1 rnd]
  12  Bram (c2)  HP 20/20  AC 14
   9  Goblin 1 (c4)  HP 0/7 (down)  AC 15  [Prone]
   5  Cato (c3)  HP 10/10  AC 12  (hidden)
";
    assert_eq!(e.render(), expected);
    e.set_temp_hp("Aria", 5).unwrap();
    assert!(e.render().contains("HP 24/30 (+5 temp)  AC 16"));

    let summary = serde_json::to_value(e.summary()).unwrap();
    assert_eq!(summary["current"], "c1");
    assert_eq!(summary["combatants"][0]["temp_hp"], 5);
    assert_eq!(summary["combatants"][0]["conditions"][0], "Blessed 1 rnd");
    assert_eq!(summary["combatants"][1].get("temp_hp"), None);
    assert_eq!(summary["combatants"][3]["hidden"], true);
}

#[test]
fn players_see_monster_health_as_a_state_and_no_hidden_combatants() {
    let mut e = Encounter::new();
    e.add(player("Aria", 18, 30, 16)).unwrap();
    let monster = |name: &str, initiative: i64, hp: i64| NewCombatant {
        hp: Some(hp),
        max_hp: Some(hp),
        ac: Some(15),
        ..NewCombatant::new(name, CombatantKind::Monster, initiative)
    };
    e.add(monster("Goblin", 12, 7)).unwrap();
    e.add(NewCombatant { hidden: true, ..monster("Lurker", 5, 20) }).unwrap();
    e.damage("Goblin", 4).unwrap();
    let players = e.summary_for(Audience::Players);
    assert_eq!(players.combatants.len(), 2, "the hidden lurker is left out: {players:?}");
    let goblin = &players.combatants[1];
    assert_eq!((goblin.hp, goblin.max_hp, goblin.ac), (None, None, None));
    assert_eq!(goblin.health.as_deref(), Some("bloodied"));
    let aria = &players.combatants[0];
    assert_eq!((aria.hp, aria.ac, aria.health.as_deref()), (Some(30), Some(16), None));
    let text = e.render_for_players();
    assert!(
        text.contains("Goblin (c2)  bloodied") && !text.contains("3/7") && !text.contains("Lurker"),
        "{text}"
    );
    e.set_hp_revealed("Goblin", true).unwrap();
    let revealed = e.summary_for(Audience::Players);
    assert_eq!(revealed.combatants[1].hp, Some(3));
    assert_eq!(health_state(Some(0), Some(7)), Some("down"));
    assert_eq!(health_state(Some(5), Some(7)), Some("hurt"));
}
