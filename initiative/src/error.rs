//! Errors of the initiative tracker; every message names the problem and, where useful, the
//! valid choices.

/// Why an initiative operation was refused. The encounter is left unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitiativeError {
    /// No combatant has that id or name.
    #[error("no combatant '{key}' in this encounter (combatants: {roster})")]
    NoSuchCombatant {
        /// The id or name asked for.
        key: String,
        /// "c1 Aria, c2 Goblin 1", or "none".
        roster: String,
    },
    /// A name matched more than one combatant.
    #[error("'{key}' matches several combatants ({matches}); use an id")]
    AmbiguousName {
        /// The name asked for.
        key: String,
        /// The matching combatants, e.g. "Goblin (c2), Goblin (c3)".
        matches: String,
    },
    /// A turn operation on an encounter without combatants.
    #[error("the encounter has no combatants; add some first")]
    EmptyEncounter,
    /// `prev` before combat started.
    #[error("combat has not started; call next to begin round 1")]
    NotStarted,
    /// `prev` at the very first turn.
    #[error("already at the first turn of round 1; there is no earlier turn")]
    AtFirstTurn,
    /// An input value out of range or malformed.
    #[error("invalid {field} {value}: {reason}")]
    Invalid {
        /// Which input, e.g. "damage amount".
        field: &'static str,
        /// The offending value as given.
        value: String,
        /// What is allowed.
        reason: String,
    },
    /// An HP operation on a combatant whose HP is not tracked.
    #[error("{combatant} has no hit points tracked; set them first")]
    NoHpTracked {
        /// "Aria (c1)".
        combatant: String,
    },
    /// Removing a condition the combatant does not have.
    #[error("{combatant} has no condition '{condition}' (conditions: {present})")]
    NoSuchCondition {
        /// "Aria (c1)".
        combatant: String,
        /// The name asked for.
        condition: String,
        /// The conditions present, comma-separated, or "none".
        present: String,
    },
    /// A stored encounter breaks an invariant (see `Encounter::check`).
    #[error("stored encounter is inconsistent: {0}")]
    Corrupt(String),
}

impl InitiativeError {
    /// Shorthand for [`InitiativeError::Invalid`].
    pub(crate) fn invalid(field: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        Self::Invalid { field, value: value.to_string(), reason: reason.into() }
    }
}
