//! `ttrpg campaign`: list and create campaigns from the terminal.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::storage::{CampaignStatus, NewCampaign};

/// Arguments of `ttrpg campaign`.
#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// list or create.
    #[command(subcommand)]
    pub action: CampaignAction,
}

/// What to do with campaigns.
#[derive(Debug, Subcommand)]
pub enum CampaignAction {
    /// List campaigns, newest first.
    List {
        /// Include archived campaigns.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a campaign.
    Create {
        /// Its name, e.g. "Lost Mine of Phandelver".
        #[arg(long)]
        name: String,
        /// The game system id, e.g. dnd5e or fate.
        #[arg(long)]
        system: String,
        /// The GM's user id.
        #[arg(long)]
        gm: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the campaign action.
pub async fn run(config: Config, args: CampaignArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match args.action {
        CampaignAction::List { all, json } => {
            let campaigns = app.storage.list_campaigns(all).await?;
            if json {
                super::print_json(&campaigns)?;
            } else if campaigns.is_empty() {
                println!(
                    "No campaigns yet. Create one with: ttrpg campaign create --name NAME --system dnd5e"
                );
            } else {
                for c in campaigns {
                    let archived = if c.status == CampaignStatus::Archived { "  (archived)" } else { "" };
                    println!("{}  {:<8} {}{archived}", c.id, c.system, c.name);
                }
            }
        }
        CampaignAction::Create { name, system, gm, json } => {
            if name.trim().is_empty() || system.trim().is_empty() {
                anyhow::bail!("--name and --system must not be empty");
            }
            let campaign = app
                .storage
                .create_campaign(NewCampaign {
                    name: name.trim().to_string(),
                    system: system.trim().to_string(),
                    gm_user_id: gm,
                    settings: serde_json::json!({}),
                })
                .await?;
            if json {
                super::print_json(&campaign)?;
            } else {
                println!(
                    "Created campaign {:?} ({}) with id {}",
                    campaign.name, campaign.system, campaign.id
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
