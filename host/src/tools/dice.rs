//! Dice tools: roll an expression and keep the roll; read the roll history.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_dice::Roll;
use ttrpg_plugin_runtime::model::CallContext;
use ttrpg_plugin_runtime::{CallError, RefusalKind};

use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::Need;
use crate::app::App;
use crate::storage::{DiceRollFilter, DiceRollRecord, NewDiceRoll};

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
    /// Which grammar rolled it: "core" or "<plugin>@<version>" for a game system's own.
    pub grammar: String,
    /// Every die: kept, dropped, rerolled, exploded (rolls of the core grammar).
    pub breakdown: Option<Roll>,
    /// The plugin grammar's own per-die breakdown (rolls of a game system's grammar).
    pub detail: Option<serde_json::Value>,
    /// The expression as the caller gave it, recorded with a plugin-grammar roll: the
    /// grammar's normalized `expression` need not roll the same faces. Not part of the
    /// tool's result.
    #[serde(skip)]
    pub input: String,
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
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Recorded rolls.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryResult {
    /// Newest first.
    pub rolls: Vec<DiceRollRecord>,
    /// Pass as cursor to get the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
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
            Need::Player,
            roll,
        ),
        typed_tool(
            "roll_history",
            "Roll history",
            "List recorded dice rolls, newest first, optionally only those of a campaign or session.",
            ToolHints::READ,
            Need::Player,
            history,
        ),
    ]
}

async fn roll(app: ToolCall, args: RollArgs) -> Result<RollResult, ToolError> {
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
    let rolled =
        roll_unrecorded(app, expression, campaign_id.as_deref(), session_id.as_deref(), seed).await?;
    record(app, rolled, campaign_id, session_id, purpose).await
}

/// Rolls without recording: for callers that must know the whole operation succeeds
/// before anything is written (`initiative_add`). `seed` defaults to a fresh one.
pub(crate) async fn roll_unrecorded(
    app: &App,
    expression: &str,
    campaign_id: Option<&str>,
    session_id: Option<&str>,
    seed: Option<u64>,
) -> Result<RollResult, ToolError> {
    let seed = seed.unwrap_or_else(ttrpg_dice::fresh_seed);
    roll_in_grammar(app, expression, campaign_id, session_id, seed).await
}

/// Records a roll made by [`roll_unrecorded`] in `dice_rolls`.
pub(crate) async fn record(
    app: &App,
    rolled: RollResult,
    campaign_id: Option<String>,
    session_id: Option<String>,
    purpose: Option<String>,
) -> Result<RollResult, ToolError> {
    let record = app
        .storage
        .record_roll(NewDiceRoll {
            campaign_id,
            session_id,
            expression: rolled.expression.clone(),
            total: rolled.total,
            rendered: rolled.rendered.clone(),
            breakdown: stored_breakdown(&rolled)?,
            purpose: purpose.clone(),
            seed: rolled.seed,
            crit: rolled.crit.clone(),
        })
        .await?;
    tracing::info!(
        roll_id = %record.id,
        campaign_id = record.campaign_id.as_deref().unwrap_or("-"),
        expression = %rolled.expression,
        total = rolled.total,
        grammar = %rolled.grammar,
        seed = rolled.seed,
        "dice rolled"
    );
    if let Some(session_id) = &record.session_id {
        super::session::session_log_changed(app, session_id).await;
    }
    Ok(RollResult { roll_id: record.id, purpose, ..rolled })
}

/// What `dice_rolls.breakdown` keeps of a roll, so that it replays from the row alone.
/// A core roll: the [`Roll`] (its expression with the row's seed replays it through
/// [`ttrpg_dice::roll_seeded`]). A plugin-grammar roll: `{"grammar": "<plugin>@<version>",
/// "input": <the expression as given>, "detail": <the plugin's breakdown>}` — that plugin
/// version rolling `input` with the row's seed gives the same roll.
fn stored_breakdown(rolled: &RollResult) -> Result<serde_json::Value, ToolError> {
    Ok(match (&rolled.breakdown, &rolled.detail) {
        (Some(roll), _) => serde_json::to_value(roll)
            .map_err(|err| ToolError::Internal(format!("cannot serialize the roll: {err}")))?,
        (None, Some(detail)) => {
            serde_json::json!({ "grammar": rolled.grammar, "input": rolled.input, "detail": detail })
        }
        (None, None) => serde_json::json!({}),
    })
}

/// Rolls with the grammar of the campaign's system when an enabled plugin supplies one,
/// else with the core grammar. Campaign and session ids are checked first.
async fn roll_in_grammar(
    app: &App,
    expression: &str,
    campaign_id: Option<&str>,
    session_id: Option<&str>,
    seed: u64,
) -> Result<RollResult, ToolError> {
    let mut grammar_plugin = None;
    if let Some(campaign_id) = campaign_id {
        let campaign = app.storage.get_campaign(campaign_id).await?;
        grammar_plugin = app.plugins.grammar_for(campaign_id, &campaign.system).await?;
    }
    if let Some(session_id) = session_id {
        app.storage.get_session(session_id).await?;
    }
    if let (Some(enabled), Some(campaign_id)) = (grammar_plugin, campaign_id) {
        let context =
            CallContext { campaign_id: campaign_id.to_string(), session_id: session_id.map(str::to_string) };
        let manifest = enabled.plugin.manifest();
        let grammar = format!("{}@{}", manifest.id, manifest.version);
        let roll =
            enabled.plugin.roll(&context, &enabled.grants, seed, expression).await.map_err(
                |err| match err {
                    CallError::Refused { kind: RefusalKind::Dice, message } => {
                        ToolError::Dice(format!("cannot roll {expression:?} with {grammar}: {message}"))
                    }
                    other => ToolError::Plugin(other.to_string()),
                },
            )?;
        return Ok(RollResult {
            roll_id: String::new(),
            expression: roll.expression,
            total: roll.total,
            rendered: roll.rendered,
            crit: serde_json::to_value(roll.crit)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            seed,
            purpose: None,
            grammar,
            breakdown: None,
            detail: Some(roll.detail),
            input: expression.to_string(),
        });
    }
    let rolled = ttrpg_dice::roll_seeded(expression, seed, &app.dice_limits)
        .map_err(|err| ToolError::Dice(format!("cannot roll {expression:?}: {err}")))?;
    Ok(RollResult {
        roll_id: String::new(),
        expression: rolled.expression.clone(),
        total: rolled.total,
        rendered: rolled.rendered.clone(),
        crit: serde_json::to_value(rolled.crit)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        seed,
        purpose: None,
        grammar: "core".to_string(),
        breakdown: Some(rolled),
        detail: None,
        input: expression.to_string(),
    })
}

async fn history(app: ToolCall, args: HistoryArgs) -> Result<HistoryResult, ToolError> {
    let limit = validate::within("limit", args.limit.unwrap_or(20), 1..=500)?;
    // Every campaign's rolls are the operator's to list; anyone else names their campaign.
    if app.viewer.campaign_id.is_none() && !app.viewer.caller.is_operator() {
        return Err(ToolError::invalid(
            "roll_history: give the campaign_id (or session_id) whose rolls to list",
        ));
    }
    let start = super::paging::offset(args.cursor.as_deref())?;
    let fetch = limit.saturating_add(i64::try_from(start).unwrap_or(i64::MAX)).saturating_add(1);
    let filter = DiceRollFilter { campaign_id: args.campaign_id, session_id: args.session_id, limit: fetch };
    let rolls = app.storage.list_rolls(filter).await?;
    let (rolls, next_cursor) = super::paging::page_of(rolls, args.cursor.as_deref(), limit as usize)?;
    Ok(HistoryResult { rolls, next_cursor })
}
