//! `ttrpg campaign`: list, create, export and import campaigns from the terminal.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::storage::{CampaignStatus, NewCampaign};

/// Arguments of `ttrpg campaign`.
#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// list, create, export or import.
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
    /// Write one campaign whole as portable JSON (sessions, notes, characters, combats,
    /// rolls, plugins, images), for `ttrpg campaign import` here or on another server.
    Export {
        /// The campaign's id.
        campaign_id: String,
        /// The file to write (default: `<data>/exports/NAME-TIME.json`).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Make a new campaign from an export (new ids; nothing is written unless all of it can be).
    Import {
        /// The export file.
        file: std::path::PathBuf,
        /// The user who becomes its GM (default: none).
        #[arg(long)]
        gm: Option<String>,
        /// Import even when plugins the campaign enables are not installed here.
        #[arg(long)]
        allow_missing_plugins: bool,
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
        CampaignAction::Export { campaign_id, out } => {
            let made = crate::portable::export(app.storage.as_ref(), &app.images, &campaign_id).await?;
            let out = out.unwrap_or_else(|| {
                let slug: String = made
                    .rows
                    .campaign
                    .name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
                    .collect();
                app.config
                    .data_dir
                    .join("exports")
                    .join(format!("{slug}-{}.json", made.exported_at.format("%Y%m%dT%H%M%SZ")))
            });
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let partial = out.with_extension("json.partial");
            std::fs::write(&partial, serde_json::to_vec(&made)?)?;
            std::fs::rename(&partial, &out)?;
            let counts = made.counts();
            let listed: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
            println!("exported {:?} to {}: {}", made.rows.campaign.name, out.display(), listed.join(", "));
        }
        CampaignAction::Import { file, gm, allow_missing_plugins, json } => {
            let text = std::fs::read(&file)
                .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", file.display()))?;
            let document: serde_json::Value = serde_json::from_slice(&text)
                .map_err(|err| anyhow::anyhow!("{} is not JSON: {err}", file.display()))?;
            let parsed = crate::portable::parse(&document)?;
            let options = crate::portable::ImportOptions { gm_user_id: gm, allow_missing_plugins };
            let imported = crate::portable::import(
                app.storage.as_ref(),
                &app.images,
                parsed,
                &options,
                &Default::default(),
            )
            .await?;
            if json {
                super::print_json(&imported)?;
            } else {
                let listed: Vec<String> = imported.counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
                println!(
                    "imported {:?} as campaign {}: {}",
                    imported.name,
                    imported.campaign_id,
                    listed.join(", ")
                );
                for missing in &imported.plugins_missing {
                    println!("  not enabled (not installed here): {missing}");
                }
                if imported.player_links_cleared > 0 {
                    println!(
                        "  {} characters were linked to players on the other server; invite the players again",
                        imported.player_links_cleared
                    );
                }
            }
        }
    }

    Ok(ExitCode::SUCCESS)
}
