//! The Fate adjective ladder: numbers and the words that name them, both ways.

use schemars::JsonSchema;
use serde::Deserialize;

/// The named rungs, lowest first: (value, word).
pub const LADDER: [(i64, &str); 11] = [
    (-2, "Terrible"),
    (-1, "Poor"),
    (0, "Mediocre"),
    (1, "Average"),
    (2, "Fair"),
    (3, "Good"),
    (4, "Great"),
    (5, "Superb"),
    (6, "Fantastic"),
    (7, "Epic"),
    (8, "Legendary"),
];

/// Largest magnitude a rating may have (far past the ladder, still small enough to add safely).
pub const MAX_RATING: i64 = 100;

/// The value a ladder word names, case-insensitively (`"good"` → 3).
pub fn value_of(word: &str) -> Option<i64> {
    LADDER.iter().find(|(_, w)| w.eq_ignore_ascii_case(word)).map(|&(v, _)| v)
}

/// The ladder word as written in the rules (`"good"` → `"Good"`).
pub fn canonical_word(word: &str) -> Option<&'static str> {
    LADDER.iter().find(|(_, w)| w.eq_ignore_ascii_case(word)).map(|&(_, w)| w)
}

/// The adjective for a value; past either end it is counted from the end
/// (`10` → `"Legendary+2"`, `-4` → `"Terrible-2"`).
pub fn adjective(value: i64) -> String {
    let (low, high) = (LADDER[0], LADDER[LADDER.len() - 1]);
    if value > high.0 {
        format!("{}+{}", high.1, value - high.0)
    } else if value < low.0 {
        format!("{}-{}", low.1, low.0 - value)
    } else {
        LADDER.iter().find(|(v, _)| *v == value).map(|&(_, w)| w.to_owned()).unwrap_or_default()
    }
}

/// A value with its sign and adjective, as Fate players say it: `+3 Good`, `0 Mediocre`.
pub fn label(value: i64) -> String {
    if value == 0 { format!("0 {}", adjective(0)) } else { format!("{value:+} {}", adjective(value)) }
}

/// All ladder words, for error messages.
pub fn words() -> String {
    LADDER.iter().map(|&(v, w)| format!("{w} {v:+}")).collect::<Vec<_>>().join(", ")
}

/// A rating given to a tool: a number (`3`) or a ladder word (`"Good"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Rating {
    /// A number on the ladder, e.g. 3.
    Number(i64),
    /// A ladder word, e.g. "Good" (any case).
    Word(String),
}

impl Rating {
    /// The rating's value, or a message naming the problem (`what` names the argument).
    pub fn value(&self, what: &str) -> Result<i64, String> {
        let value = match self {
            Rating::Number(n) => *n,
            Rating::Word(w) => value_of(w.trim()).ok_or_else(|| {
                format!("`{what}`: `{w}` is not a ladder word; use a number or one of {}", words())
            })?,
        };
        if value.abs() > MAX_RATING {
            return Err(format!(
                "`{what}`: {value} is off the ladder; ratings are -{MAX_RATING}..={MAX_RATING}"
            ));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions() {
        for (value, word) in LADDER {
            assert_eq!(value_of(word), Some(value));
            assert_eq!(value_of(&word.to_uppercase()), Some(value));
            assert_eq!(adjective(value), word);
        }
        assert_eq!(adjective(10), "Legendary+2");
        assert_eq!(adjective(-3), "Terrible-1");
        assert_eq!(label(4), "+4 Great");
        assert_eq!(label(-1), "-1 Poor");
        assert_eq!(label(0), "0 Mediocre");
        assert!(value_of("Grat").is_none());
    }
}
