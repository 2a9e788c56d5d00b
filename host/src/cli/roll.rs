//! `ttrpg roll`: roll dice from the terminal.

use std::process::ExitCode;

use clap::Args;

use crate::app::App;
use crate::config::Config;
use crate::tools::dice::roll_and_record;

/// Arguments of `ttrpg roll`.
#[derive(Debug, Args)]
pub struct RollArgs {
    /// The expression, e.g. 4d6kh3, 1d20+5, "2d20kl1 + 3", "8d6[fire]".
    pub expression: String,
    /// Seed the dice: the same seed and expression always give the same roll.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print JSON: the total, the rendering and the per-die breakdown, or the error.
    #[arg(long)]
    pub json: bool,
    /// Record the roll in this campaign's history (otherwise nothing is stored).
    #[arg(long, value_name = "CAMPAIGN_ID")]
    pub campaign: Option<String>,
}

/// Rolls and prints; a refused expression exits with status 2.
pub async fn run(config: Config, args: RollArgs) -> anyhow::Result<ExitCode> {
    let outcome = match &args.campaign {
        Some(campaign_id) => {
            let app = App::open(config).await?;
            roll_and_record(&app, &args.expression, Some(campaign_id.clone()), None, None, args.seed)
                .await
                .map(|r| serde_json::to_value(&r).map(|json| (r.rendered.clone(), json)))
                .map_err(|err| err.to_string())
        }
        None => {
            let limits = ttrpg_dice::DiceLimits { max_dice: config.dice.max_dice, ..Default::default() };
            let seed = args.seed.unwrap_or_else(ttrpg_dice::fresh_seed);
            ttrpg_dice::roll_seeded(&args.expression, seed, &limits)
                .map(|roll| {
                    let rendered = roll.rendered.clone();
                    serde_json::to_value(&roll).map(|mut json| {
                        json["seed"] = serde_json::json!(seed);
                        (rendered, json)
                    })
                })
                .map_err(|err| format!("cannot roll {:?}: {err}", args.expression))
        }
    };
    match outcome {
        Ok(Ok((rendered, json))) => {
            if args.json {
                super::print_json(&json)?;
            } else {
                println!("{rendered}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(err)) => Err(err.into()),
        Err(message) => {
            if args.json {
                super::print_json(&serde_json::json!({ "error": message }))?;
            } else {
                eprintln!("error: {message}");
            }
            Ok(ExitCode::from(2))
        }
    }
}
