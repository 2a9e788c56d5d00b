//! Serde round-trips, invariant checks on stored values, and the bounded log.

use super::super::*;
use super::{goblins, party};

#[test]
fn serde_round_trip_resumes_identically() {
    let mut e = party();
    e.add_group(goblins(2, 12)).unwrap();
    e.next().unwrap();
    e.next().unwrap();
    e.add_condition("c2", "Hexed", Some(2), TurnBoundary::EndOfTurn, Some("c1"), None).unwrap();
    e.add_condition("Bram", "Dodging", Some(1), TurnBoundary::StartOfTurn, None, None).unwrap();
    e.add_condition("c4", "Rage", Some(3), TurnBoundary::EndOfTurn, None, Some("self".into())).unwrap();
    e.set_temp_hp("Cato", 4).unwrap();
    e.damage("Goblin 2", 3).unwrap();

    let json = serde_json::to_string(&e).unwrap();
    let mut restored: Encounter = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, e);
    restored.check().unwrap();
    assert_eq!(serde_json::to_string(&restored).unwrap(), json);

    for _ in 0..7 {
        assert_eq!(restored.next(), e.next());
    }
    assert_eq!(restored.remove("c2"), e.remove("c2"));
    assert_eq!(restored.prev(), e.prev());
    assert_eq!(restored, e);
}

#[test]
fn check_rejects_a_tampered_value() {
    let mut e = party();
    e.next().unwrap();
    let mut bad = e.clone();
    bad.turn = Some(7);
    assert!(matches!(bad.check(), Err(InitiativeError::Corrupt(_))));
    let mut bad = e.clone();
    bad.combatants.swap(0, 2);
    assert!(bad.check().unwrap_err().to_string().contains("sorted after"));
    let mut bad = e;
    bad.next_id = 2;
    assert!(bad.check().is_err());
}

#[test]
fn log_is_bounded() {
    let mut e = party();
    for _ in 0..(MAX_LOG_ENTRIES + 20) {
        e.next().unwrap();
    }
    assert_eq!(e.log.len(), MAX_LOG_ENTRIES);
    assert_eq!(e.log.last().unwrap().round, e.round);
    assert!(e.log.last().unwrap().message.contains("'s turn"));
}
