//! `ttrpg import`: load structured game data into a system's collections.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::config::Config;

/// Arguments of `ttrpg import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The data format.
    #[command(subcommand)]
    pub format: ImportFormat,
}

/// The formats `ttrpg import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportFormat {
    /// The Open5e JSON export of the SRD 5.1 (open5e-Creature.json, -Spell.json, …): monsters,
    /// spells, conditions and rules, with the attribution from ATTRIBUTION.md.
    Open5e {
        /// The folder holding the open5e-*.json files.
        dir: PathBuf,
        /// The game system to store them under.
        #[arg(long, default_value = "dnd5e")]
        system: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the import.
pub async fn run(config: Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match args.format {
        ImportFormat::Open5e { dir, system, json } => {
            let report = crate::records::import_open5e(app.storage.as_ref(), &dir, &system).await?;
            if json {
                super::print_json(&report)?;
            } else {
                let read: Vec<String> = report.read.iter().map(|(c, n)| format!("{n} {c}")).collect();
                println!(
                    "Imported into {}: {} ({} new or changed, the rest unchanged)",
                    report.system,
                    read.join(", "),
                    report.written
                );
                println!("Attribution carried by every record: {}", report.attribution);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
