//! The `ttrpg` command line: argument parsing and one function per subcommand.
//!
//! `main.rs` only calls [`main`]. Configuration is loaded here, once, from the TOML
//! file, the environment and the flags, then passed down.

mod backup;
mod book;
mod campaign;
mod doctor;
mod eval;
mod image;
mod import;
mod ingest;
mod migrate;
mod plugin;
mod roll;
mod search;
mod serve;
mod status;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// A TTRPG server for game masters and their AI assistants: campaigns, sessions,
/// characters, initiative and dice over the Model Context Protocol (MCP).
#[derive(Debug, Parser)]
#[command(name = "ttrpg", version, about, long_about = None)]
#[command(after_help = "Run `ttrpg serve` and point your MCP client (Claude Desktop, an IDE agent) at it.\n\
Everything is kept in the data folder (./data unless --data-dir or TTRPG_DATA_DIR says otherwise).")]
pub struct Cli {
    /// TOML configuration file [env: TTRPG_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder for the database and everything else the server keeps [env: TTRPG_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB (default: ttrpg.db in the data folder) [env: TTRPG_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Log filter written to stderr, e.g. `info`, `debug`, `ttrpg_host=debug` [env: TTRPG_LOG]
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the MCP server (stdio for a local client, http for a shared server).
    Serve(serve::ServeArgs),
    /// Manage the database schema: apply, revert or list migrations.
    Migrate(migrate::MigrateArgs),
    /// List or create campaigns.
    Campaign(campaign::CampaignArgs),
    /// Load structured game data (the Open5e SRD export) into a system's collections.
    Import(import::ImportArgs),
    /// Ingest a rulebook PDF: extract, chunk, embed and index it for search.
    Ingest(ingest::IngestArgs),
    /// List the ingested books, or remove one with everything ingested from it.
    Book(book::BookArgs),
    /// Search the ingested rulebooks, e.g. `ttrpg search "how does grappling work"`.
    Search(search::SearchArgs),
    /// Measure rules search on a question set: recall@1/@5/@10 and MRR@10, overall and per kind.
    Eval(eval::EvalArgs),
    /// Install, check, list, remove, enable and disable game-system plugins.
    Plugin(plugin::PluginArgs),
    /// Roll dice from the terminal, e.g. `ttrpg roll 4d6kh3` or `ttrpg roll --json "1d20+5"`.
    Roll(roll::RollArgs),
    /// Make, list and revoke the bearer tokens HTTP clients sign in with.
    Token(token::TokenArgs),
    /// Show the effective configuration, the version of every part and whether each is reachable.
    Doctor(doctor::DoctorArgs),
    /// How a server is: database, vectors, cache, plugins and ingestions, from a running
    /// server (`--url`) or the data folder.
    Status(status::StatusArgs),
    /// Take a backup (`--out FILE`), or `list` them, or `verify FILE`.
    Backup(backup::BackupArgs),
    /// Restore a backup into the data folder (stop the server first), then rebuild the index.
    Restore(backup::RestoreArgs),
    /// Rebuild the vector index from the passages in the database.
    Reindex,
    /// Add, list and regenerate a campaign's maps, handouts, tokens and portraits.
    Image(image::ImageArgs),
}

/// Parses the command line, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log.level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(config, args).await,
            Command::Migrate(args) => migrate::run(config, args).await,
            Command::Campaign(args) => campaign::run(config, args).await,
            Command::Import(args) => import::run(config, args).await,
            Command::Ingest(args) => ingest::run(config, args).await,
            Command::Book(args) => book::run(config, args).await,
            Command::Search(args) => search::run(config, args).await,
            Command::Eval(args) => eval::run(config, args).await,
            Command::Plugin(args) => plugin::run(config, args).await,
            Command::Roll(args) => roll::run(config, args).await,
            Command::Doctor(args) => doctor::run(config, args).await,
            Command::Token(args) => token::run(config, args).await,
            Command::Status(args) => status::run(config, args).await,
            Command::Backup(args) => backup::run(config, args).await,
            Command::Restore(args) => backup::restore(config, args).await,
            Command::Image(args) => image::run(config, args).await,
            Command::Reindex => backup::reindex(config).await,
        }
    });
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Defaults, then the file, then `TTRPG_*` variables, then flags.
fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let file = cli.config.clone().or_else(|| std::env::var_os("TTRPG_CONFIG").map(PathBuf::from));
    let mut config = Config::load(file.as_deref(), std::env::vars())?;
    if let Some(dir) = &cli.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(url) = &cli.database_url {
        config.database_url = Some(url.clone());
    }
    if let Some(level) = &cli.log {
        config.log.level = level.clone();
    }
    Ok(config)
}

/// Logs go to stderr, never stdout: over stdio, stdout is the MCP stream.
fn init_logging(filter: &str) {
    // Qdrant Edge warns about its server-only feature flags on every start: not ours to act on.
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},qdrant_edge=error"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,qdrant_edge=error"));
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    // stderr gets what `--log` asks for; MCP clients get what they set with
    // `logging/setLevel` (see `mcp::logging`), whatever `--log` says.
    let stderr =
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false).with_filter(filter);
    let _ = tracing_subscriber::registry().with(stderr).with(crate::mcp::logging::layer()).try_init();
}

/// Prints `value` as pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
