//! `ttrpg migrate`: apply, revert and list schema migrations.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::storage::{self, MigrateOnOpen};

/// Arguments of `ttrpg migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// up, down or status.
    #[command(subcommand)]
    pub action: MigrateAction,
}

/// What to do with the migrations.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the newest applied migrations.
    Down {
        /// How many to revert.
        #[arg(long, default_value_t = 1)]
        steps: usize,
    },
    /// List migrations and whether each is applied.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the migration action against the configured database.
pub async fn run(config: Config, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let url = config.database_url();
    let store = storage::open(&url, MigrateOnOpen::Skip).await?;
    match args.action {
        MigrateAction::Up => {
            let applied = store.migrate_up().await?;
            println!("{applied} migration(s) applied to {}", storage::redact_url(&url));
        }
        MigrateAction::Down { steps } => {
            let reverted = store.migrate_down(steps).await?;
            println!("{reverted} migration(s) reverted on {}", storage::redact_url(&url));
        }
        MigrateAction::Status { json } => {
            let status = store.migration_status().await?;
            if json {
                super::print_json(&status)?;
            } else {
                println!("{} at {}", status.engine, storage::redact_url(&url));
                for m in &status.migrations {
                    let mark = if m.applied { "applied" } else { "pending" };
                    println!("  {:>4}  {:<8} {}", m.version, mark, m.description);
                }
                for version in &status.unknown_applied {
                    println!("  {version:>4}  applied  (unknown to this version of ttrpg)");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
