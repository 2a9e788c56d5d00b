//! The limits that keep a hostile or mistyped expression from costing anything.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Bounds applied to every parse and roll. One value, built once from the host's
/// configuration and passed down; [`Default`] gives the values documented on each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DiceLimits {
    /// Most dice one roll may roll, counting every reroll and explosion (default 1000,
    /// like avrae's d20). `1001d6` fails at parse time; `600d6+600d6` fails while rolling.
    pub max_dice: u32,
    /// Deepest nesting of parentheses, sets and unary signs (default 50).
    pub max_depth: u32,
    /// Longest accepted expression, in characters (default 1000).
    pub max_expression_len: usize,
    /// Most sides a die may have (default 1,000,000).
    pub max_sides: u32,
}

impl Default for DiceLimits {
    fn default() -> Self {
        DiceLimits { max_dice: 1000, max_depth: 50, max_expression_len: 1000, max_sides: 1_000_000 }
    }
}
