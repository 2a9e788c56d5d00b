//! Dice tools: roll an expression and keep the roll; read the roll history.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_dice::Roll;

use super::registry::{ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::app::App;
use crate::storage::{DiceRollFilter, DiceRollRecord, NewDiceRoll};

/// Seeds the host picks stay below 2^53 so every JSON client (JavaScript included)
/// can hold them exactly and replay the roll.
const MAX_GENERATED_SEED: u64 = (1 << 53) - 1;

/// Arguments of `roll_dice`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollArgs {
    /// A dice expression: "1d20+5", "4d6kh3", "2d20kl1+3", "8d6[fire]", "(1d4, 2+2)kh1", "10d10>7"…
    pub expression: String,
    /// The campaign the roll belongs to (recorded with it).
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// The session the roll belongs to (recorded with it).
    #[serde(default)]
    pub session_id: Option<String>,
    /// Why it is rolled, e.g. "Stealth check for Aria".
    #[serde(default)]
    pub purpose: Option<String>,
    /// Replays a roll: the same expression with the same seed gives the same dice.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// A roll as recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RollResult {
    /// The id of the recorded roll.
    pub roll_id: String,
    /// The expression as rolled.
    pub expression: String,
    /// The total.
    pub total: i64,
    /// One line for people, e.g. "4d6kh3 (5, 6, 5, ~~2~~) = 16".
    pub rendered: String,
    /// "none", "success" (natural 20) or "failure" (natural 1).
    pub crit: String,
    /// The seed: pass it back with the same expression to replay this roll exactly.
    pub seed: u64,
    /// Why it was rolled.
    pub purpose: Option<String>,
    /// Every die: kept, dropped, rerolled, exploded.
    pub breakdown: Roll,
}

/// Arguments of `roll_history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    /// Only rolls of this campaign.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Only rolls of this session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// At most this many, newest first (default 20, at most 500).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Recorded rolls.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryResult {
    /// Newest first.
    pub rolls: Vec<DiceRollRecord>,
}

/// The dice tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "roll_dice",
            "Roll dice",
            "Roll a dice expression in the notation of avrae's d20 and Foundry: NdM, d%, keep/drop (4d6kh3, \
             2d20kl1, 8d6p2), rerolls (1d20ro1, 10d6rr<3, ra), exploding dice (3d6e6), minimum/maximum per die \
             (mi2, ma19), sets ((1d4, 2+2)kh1), arithmetic (+ - * / // %), comparisons (1d20+5 >= 15), damage \
             annotations (2d6[fire]). The host rolls; every roll is recorded with its per-die breakdown and a \
             seed that replays it. Give campaign_id/session_id to file it under a game.",
            ToolHints::ADD,
            roll,
        ),
        typed_tool(
            "roll_history",
            "Roll history",
            "List recorded dice rolls, newest first, optionally only those of a campaign or session.",
            ToolHints::READ,
            history,
        ),
    ]
}

async fn roll(app: Arc<App>, args: RollArgs) -> Result<RollResult, ToolError> {
    let purpose = validate::optional_name("purpose", args.purpose)?;
    roll_and_record(&app, &args.expression, args.campaign_id, args.session_id, purpose, args.seed).await
}

/// Rolls `expression` with the host's randomness (or `seed`) and records it.
///
/// The ids are checked before anything is rolled or written, so a bad id or a bad
/// expression changes nothing.
pub(crate) async fn roll_and_record(
    app: &App,
    expression: &str,
    campaign_id: Option<String>,
    session_id: Option<String>,
    purpose: Option<String>,
    seed: Option<u64>,
) -> Result<RollResult, ToolError> {
    let seed = seed.unwrap_or_else(|| rand::random::<u64>() & MAX_GENERATED_SEED);
    let rolled = ttrpg_dice::roll_seeded(expression, seed, &app.dice_limits)
        .map_err(|err| ToolError::Dice(format!("cannot roll {expression:?}: {err}")))?;
    let breakdown = serde_json::to_value(&rolled)
        .map_err(|err| ToolError::Internal(format!("cannot serialize the roll: {err}")))?;
    let crit = crit_name(&rolled);
    let record = app
        .storage
        .record_roll(NewDiceRoll {
            campaign_id,
            session_id,
            expression: rolled.expression.clone(),
            total: rolled.total,
            rendered: rolled.rendered.clone(),
            breakdown,
            purpose: purpose.clone(),
            seed,
            crit: crit.clone(),
        })
        .await?;
    tracing::info!(
        roll_id = %record.id,
        campaign_id = record.campaign_id.as_deref().unwrap_or("-"),
        expression = %rolled.expression,
        total = rolled.total,
        "dice rolled"
    );
    Ok(RollResult {
        roll_id: record.id,
        expression: rolled.expression.clone(),
        total: rolled.total,
        rendered: rolled.rendered.clone(),
        crit,
        seed,
        purpose,
        breakdown: rolled,
    })
}

/// The crit flag as the word stored and shown.
fn crit_name(roll: &Roll) -> String {
    match serde_json::to_value(roll.crit) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "none".to_string(),
    }
}

async fn history(app: Arc<App>, args: HistoryArgs) -> Result<HistoryResult, ToolError> {
    let limit = validate::within("limit", args.limit.unwrap_or(20), 1..=500)?;
    let filter = DiceRollFilter { campaign_id: args.campaign_id, session_id: args.session_id, limit };
    Ok(HistoryResult { rolls: app.storage.list_rolls(filter).await? })
}
