//! The pure tools: `ladder` and `resolve`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_plugin_sdk::{Context, ToolError};

use crate::dice::{MAX_DICE, Outcome};
use crate::ladder::{self, Rating};

/// Arguments of `ladder`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderArgs {
    /// A number (3) or a ladder word ("Good", any case).
    pub value: Rating,
}

/// Result of `ladder`.
#[derive(Serialize, JsonSchema)]
pub struct LadderResult {
    /// The number on the ladder.
    pub value: i64,
    /// Its adjective; past the ends counted from them ("Legendary+2", "Terrible-1").
    pub adjective: String,
    /// Both, as players say it: "+3 Good".
    pub label: String,
}

/// `ladder`: a number or word, answered with both.
pub fn ladder(_ctx: &Context, args: LadderArgs) -> Result<LadderResult, ToolError> {
    let value = args.value.value("value").map_err(ToolError::invalid_arguments)?;
    Ok(LadderResult { value, adjective: ladder::adjective(value), label: ladder::label(value) })
}

/// Arguments of `resolve`. Tools cannot roll (dice come from the host only while rolling), so
/// pass the dice of a roll made with the campaign's dice (e.g. `4dF`): their faces in `dice`,
/// or just their sum in `dice_total`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveArgs {
    /// The acting character's skill rating: a number or a ladder word.
    pub skill: Rating,
    /// The opposition: a passive difficulty or the opponent's result, number or ladder word.
    pub opposition: Rating,
    /// The faces of the Fate dice rolled, each -1, 0 or 1 (usually four).
    #[serde(default)]
    pub dice: Option<Vec<i64>>,
    /// The sum of the Fate dice rolled (-4..=4 for 4dF); instead of `dice`.
    #[serde(default)]
    pub dice_total: Option<i64>,
    /// Further bonus, e.g. +2 per aspect invoked (default 0).
    #[serde(default)]
    pub bonus: i64,
}

/// Result of `resolve`.
#[derive(Serialize, JsonSchema)]
pub struct Resolution {
    /// The skill rating.
    pub skill: i64,
    /// The dice's sum.
    pub dice_total: i64,
    /// The bonus added.
    pub bonus: i64,
    /// Skill + dice + bonus.
    pub effort: i64,
    /// The effort on the ladder ("+4 Great").
    pub effort_label: String,
    /// The opposition's value.
    pub opposition: i64,
    /// Effort minus opposition.
    pub shifts: i64,
    /// `fail`, `tie`, `succeed` or `succeed_with_style` (3 or more shifts).
    pub outcome: String,
    /// One line for people.
    pub rendered: String,
}

/// `resolve`: effort against opposition, in shifts and outcome.
pub fn resolve(_ctx: &Context, args: ResolveArgs) -> Result<Resolution, ToolError> {
    let invalid = |message: String| ToolError::invalid_arguments(message);
    let skill = args.skill.value("skill").map_err(invalid)?;
    let opposition = args.opposition.value("opposition").map_err(invalid)?;
    let max = i64::from(MAX_DICE);
    let dice_total = match (&args.dice, args.dice_total) {
        (Some(_), Some(_)) => return Err(invalid("give `dice` or `dice_total`, not both".into())),
        (None, None) => {
            return Err(invalid(
                "give the roll: `dice` (faces such as [1, 0, -1, 1]) or `dice_total`; tools cannot roll, \
                 so roll 4dF with the campaign's dice first"
                    .into(),
            ));
        }
        (Some(dice), None) => {
            if dice.is_empty() || dice.len() as i64 > max {
                return Err(invalid(format!("`dice`: give 1 to {max} faces, not {}", dice.len())));
            }
            if let Some((i, bad)) = dice.iter().enumerate().find(|(_, d)| !(-1..=1).contains(*d)) {
                return Err(invalid(format!("`dice[{i}]` is {bad}: a Fate die shows -1, 0 or 1")));
            }
            dice.iter().sum()
        }
        (None, Some(total)) => {
            if total.abs() > max {
                return Err(invalid(format!("`dice_total` {total} is impossible: at most {max} either way")));
            }
            total
        }
    };
    if args.bonus.abs() > ladder::MAX_RATING {
        return Err(invalid(format!("`bonus` {} is too large: at most {}", args.bonus, ladder::MAX_RATING)));
    }
    let effort = skill + dice_total + args.bonus;
    let shifts = effort - opposition;
    let outcome = Outcome::of(shifts);
    let rendered = format!(
        "{} skill {dice_total:+} dice{} = {} vs {}: {shifts} shift{}, {}",
        ladder::label(skill),
        if args.bonus == 0 { String::new() } else { format!(" {:+} bonus", args.bonus) },
        ladder::label(effort),
        ladder::label(opposition),
        if shifts.abs() == 1 { "" } else { "s" },
        outcome.words()
    );
    Ok(Resolution {
        skill,
        dice_total,
        bonus: args.bonus,
        effort,
        effort_label: ladder::label(effort),
        opposition,
        shifts,
        outcome: outcome.code().to_owned(),
        rendered,
    })
}
