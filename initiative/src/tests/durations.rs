//! Condition durations: which turn boundary ends them, exactly.

use super::super::*;
use super::{current_name, party};

fn names(e: &Encounter, key: &str) -> Vec<String> {
    e.get(key).unwrap().conditions.iter().map(|c| c.name.clone()).collect()
}

fn expired(change: &TurnChange) -> Vec<(&str, &str)> {
    change.expired.iter().map(|e| (e.combatant_id.as_str(), e.condition.name.as_str())).collect()
}

/// Steps `next` until it is `name`'s turn, asserting nothing expires on the way.
fn advance_quietly_to(e: &mut Encounter, name: &str) {
    while current_name(e) != name {
        let change = e.next().unwrap();
        if current_name(e) != name {
            assert_eq!(expired(&change), [], "expired early at {}", current_name(e));
        }
    }
}

#[test]
fn one_round_to_start_of_turn_ends_when_the_bearer_next_starts() {
    let mut e = party();
    e.next().unwrap(); // round 1, Aria
    let added = e.add_condition("Aria", "Blessed", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    assert_eq!((added.condition.anchor.as_str(), added.replaced), ("c1", None));
    assert!(!added.condition.skip_current_turn_end);
    let bram = e.next().unwrap(); // Aria's turn ends: start-of-turn condition untouched
    assert_eq!((expired(&bram), bram.ticked.len()), (vec![], 0));
    assert_eq!(names(&e, "Aria"), ["Blessed"]);
    e.next().unwrap(); // Cato
    assert_eq!(names(&e, "Aria"), ["Blessed"]);
    let aria = e.next().unwrap(); // round 2, Aria's turn starts
    assert_eq!((aria.round, expired(&aria)), (2, vec![("c1", "Blessed")]));
    assert_eq!(aria.expired[0].condition.remaining_rounds, Some(0));
    assert!(names(&e, "Aria").is_empty());
}

#[test]
fn one_round_to_end_of_turn_lasts_through_the_bearers_next_turn() {
    let mut e = party();
    e.next().unwrap(); // round 1, Aria
    let added = e.add_condition("c1", "Guided", Some(1), TurnBoundary::EndOfTurn, None, None).unwrap();
    assert!(added.condition.skip_current_turn_end);
    let bram = e.next().unwrap(); // end of the turn it was applied in: does not count
    assert_eq!(expired(&bram), []);
    assert_eq!(names(&e, "c1"), ["Guided"]);
    assert!(!e.get("c1").unwrap().conditions[0].skip_current_turn_end);
    e.next().unwrap(); // Cato
    let aria = e.next().unwrap(); // round 2, Aria starts: still there
    assert_eq!(expired(&aria), []);
    assert_eq!(names(&e, "c1"), ["Guided"]);
    let after = e.next().unwrap(); // Aria's next turn ends: gone
    assert_eq!((after.round, expired(&after)), (2, vec![("c1", "Guided")]));
    assert_eq!(after.current_name, "Bram");
}

#[test]
fn end_of_turn_applied_outside_the_anchors_turn_counts_its_first_end() {
    let mut e = party();
    e.next().unwrap(); // Aria
    e.add_condition("Bram", "Frightened", Some(1), TurnBoundary::EndOfTurn, None, None).unwrap();
    e.next().unwrap(); // Bram's turn starts
    assert_eq!(names(&e, "Bram"), ["Frightened"]);
    let cato = e.next().unwrap(); // Bram's turn ends
    assert_eq!(expired(&cato), [("c2", "Frightened")]);
}

#[test]
fn start_of_turn_applied_before_the_bearers_turn_ends_when_that_turn_starts() {
    let mut e = party();
    e.next().unwrap(); // Aria, before Cato's turn this round
    e.add_condition("Cato", "Distracted", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    advance_quietly_to(&mut e, "Bram");
    let cato = e.next().unwrap();
    assert_eq!((cato.round, expired(&cato)), (1, vec![("c3", "Distracted")]));
}

#[test]
fn anchored_to_the_caster_it_follows_the_casters_turns() {
    let mut e = party();
    e.next().unwrap(); // Aria casts on Cato, lasting until the start of Aria's turn in 2 rounds
    e.add_condition("Cato", "Bane", Some(2), TurnBoundary::StartOfTurn, Some("Aria"), None).unwrap();
    advance_quietly_to(&mut e, "Cato");
    let round2 = e.next().unwrap(); // Aria starts round 2: 1 left
    assert_eq!(round2.ticked.len(), 1);
    assert_eq!(round2.ticked[0].condition.remaining_rounds, Some(1));
    assert_eq!(round2.ticked[0].combatant_id, "c3");
    e.next().unwrap();
    advance_quietly_to(&mut e, "Cato");
    let round3 = e.next().unwrap();
    assert_eq!((round3.round, expired(&round3)), (3, vec![("c3", "Bane")]));
    assert!(e.render().contains("Cato (c3)  HP 10/10  AC 12\n"));
}

#[test]
fn indefinite_conditions_never_expire_and_prev_does_not_tick() {
    let mut e = party();
    e.next().unwrap();
    e.add_condition("Bram", "Prone", None, TurnBoundary::StartOfTurn, None, None).unwrap();
    e.add_condition("Bram", "Dodging", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    e.next().unwrap(); // Bram starts: Dodging ends
    assert_eq!(names(&e, "Bram"), ["Prone"]);
    e.prev().unwrap();
    e.next().unwrap(); // re-entering Bram's turn after prev: no restore, Prone unaffected
    for _ in 0..10 {
        e.next().unwrap();
    }
    assert_eq!(names(&e, "Bram"), ["Prone"]);
}

#[test]
fn reapplying_refreshes_and_removing_names_what_is_there() {
    let mut e = party();
    e.next().unwrap();
    e.add_condition("Cato", "Poisoned", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    let again = e.add_condition("Cato", "poisoned", Some(3), TurnBoundary::EndOfTurn, None, None).unwrap();
    assert_eq!(again.replaced.unwrap().remaining_rounds, Some(1));
    assert_eq!(e.get("Cato").unwrap().conditions.len(), 1);
    let err = e.remove_condition("Cato", "Blinded").unwrap_err();
    assert_eq!(err.to_string(), "Cato (c3) has no condition 'Blinded' (conditions: poisoned)");
    let removed = e.remove_condition("c3", "POISONED").unwrap();
    assert_eq!(removed.condition.remaining_rounds, Some(3));
    let err = e.remove_condition("c3", "Poisoned").unwrap_err();
    assert!(err.to_string().ends_with("(conditions: none)"), "{err}");
}

#[test]
fn duration_and_anchor_inputs_are_checked() {
    let mut e = party();
    let err = e.add_condition("c1", "Blessed", Some(0), TurnBoundary::StartOfTurn, None, None).unwrap_err();
    assert!(err.to_string().starts_with("invalid duration 0 rounds"), "{err}");
    assert!(e.add_condition("c1", "", None, TurnBoundary::StartOfTurn, None, None).is_err());
    let err = e.add_condition("c1", "Hexed", Some(2), TurnBoundary::EndOfTurn, Some("c7"), None).unwrap_err();
    assert!(err.to_string().starts_with("no combatant 'c7'"), "{err}");
    assert!(e.get("c1").unwrap().conditions.is_empty());
}

#[test]
fn removing_an_anchor_reanchors_its_conditions_on_the_bearer() {
    let mut e = party();
    e.next().unwrap(); // Aria
    e.add_condition("Cato", "Hexed", Some(5), TurnBoundary::EndOfTurn, Some("c1"), None).unwrap();
    e.next().unwrap(); // Bram
    let removal = e.remove("Aria").unwrap();
    assert_eq!(removal.reanchored.len(), 1);
    assert_eq!(removal.reanchored[0].condition.anchor, "c3");
    e.check().unwrap();
    e.next().unwrap(); // Cato
    let change = e.next().unwrap(); // Cato's turn ends: counts now
    assert_eq!(change.ticked[0].condition.remaining_rounds, Some(4));
}

#[test]
fn removing_the_current_combatant_ends_its_turn_for_durations() {
    let mut e = party();
    e.next().unwrap(); // Aria
    e.add_condition("Bram", "Dodging", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    let removal = e.remove("Aria").unwrap();
    let change = removal.turn_change.unwrap();
    assert_eq!(change.current_name, "Bram");
    assert_eq!(expired(&change), [("c2", "Dodging")]);
}
