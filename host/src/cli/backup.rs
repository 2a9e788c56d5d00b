//! `ttrpg backup`, `ttrpg restore` and `ttrpg reindex`: take, list and check backups,
//! restore one (with the server stopped), and rebuild the vector index from the database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::backup;
use crate::config::Config;
use crate::library::ingest::NoProgress;
use crate::storage::{self, MigrateOnOpen};

/// Arguments of `ttrpg backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// `list` or `verify FILE`; without one, a backup is taken.
    #[command(subcommand)]
    pub action: Option<BackupAction>,
    /// Where to write the backup (default: `<data>/backups/ttrpg-TIME.tar.zst`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// What `ttrpg backup` does besides taking one.
#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// The backups in `<data>/backups`, newest first.
    List,
    /// Read a backup whole and check every file against its manifest.
    Verify {
        /// The backup.
        file: PathBuf,
    },
}

/// Arguments of `ttrpg restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore.
    pub file: PathBuf,
    /// Restore over the database in place (backed up to `<data>/backups` first).
    #[arg(long)]
    pub replace: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ttrpg backup`.
pub async fn run(config: Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(BackupAction::List) => {
            let listed = backup::list(&backup::default_dir(&config))?;
            if args.json {
                super::print_json(&listed)?;
            } else if listed.is_empty() {
                println!("no backups in {}", backup::default_dir(&config).display());
            } else {
                for b in listed {
                    println!("{}  {:>10} bytes  {}", b.modified, b.bytes, b.path);
                }
            }
        }
        Some(BackupAction::Verify { file }) => {
            let manifest = backup::verify(&file)?;
            if args.json {
                super::print_json(&manifest)?;
            } else {
                println!(
                    "{} is whole: {} files checked; ttrpg {}, schema {}, taken {}; {} campaigns, {} books, {} passages, {} plugins",
                    file.display(),
                    manifest.files.len(),
                    manifest.product_version,
                    manifest.schema_version.map_or("none".into(), |v| v.to_string()),
                    manifest.created_at,
                    manifest.counts.campaigns,
                    manifest.counts.documents,
                    manifest.counts.chunks,
                    manifest.counts.plugins
                );
            }
        }
        None => {
            let url = config.database_url();
            let store = storage::open(&url, MigrateOnOpen::Skip)
                .await
                .with_context(|| format!("opening the database {}", storage::redact_url(&url)))?;
            let created =
                backup::create(&config, store.as_ref(), args.out.as_deref(), &backup::Watch::default())
                    .await?;
            if args.json {
                super::print_json(&created)?;
            } else {
                println!(
                    "backed up to {} ({} bytes): {} campaigns, {} books, {} passages, {} plugins",
                    created.path,
                    created.bytes,
                    created.manifest.counts.campaigns,
                    created.manifest.counts.documents,
                    created.manifest.counts.chunks,
                    created.manifest.counts.plugins
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `ttrpg restore`: the database and plugins, then the vector index rebuilt.
pub async fn restore(config: Config, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let restored = backup::restore(&config, &args.file, args.replace).await?;
    let reindexed = reindex_all(config).await;
    if args.json {
        let indexed = reindexed.as_ref().ok().copied();
        let error = reindexed.as_ref().err().map(|e| format!("{e:#}"));
        super::print_json(
            &serde_json::json!({"restored": restored, "indexed": indexed, "index_error": error}),
        )?;
    } else {
        println!(
            "restored {} (taken {} by ttrpg {}): {} campaigns, {} books, {} plugins{}",
            args.file.display(),
            restored.manifest.created_at,
            restored.manifest.product_version,
            restored.manifest.counts.campaigns,
            restored.manifest.counts.documents,
            restored.manifest.counts.plugins,
            restored
                .safety_backup
                .as_ref()
                .map(|p| format!("; the state in place was backed up to {p}"))
                .unwrap_or_default()
        );
        match &reindexed {
            Ok(n) => println!("rebuilt the vector index: {n} passages"),
            Err(err) => println!(
                "the vector index is not rebuilt yet ({err:#}); the {} passages are searchable once `ttrpg reindex` has run",
                restored.chunks_to_index
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `ttrpg reindex`.
pub async fn reindex(config: Config) -> anyhow::Result<ExitCode> {
    let indexed = reindex_all(config).await?;
    println!("indexed {indexed} passages");
    Ok(ExitCode::SUCCESS)
}

async fn reindex_all(config: Config) -> anyhow::Result<u64> {
    let app = crate::app::App::open(config).await?;
    let library = app.library().await?;
    Ok(library.reindex(&NoProgress).await?)
}
