//! `ttrpg serve`: run the MCP server.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::Config;
use crate::mcp::transport;
use crate::tools;

/// How clients reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// One client over stdin/stdout (Claude Desktop and most local clients start the server this way).
    Stdio,
    /// Streamable HTTP at http://LISTEN/mcp, for many clients or a shared server.
    Http,
}

/// Arguments of `ttrpg serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// stdio (default) or http.
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: Transport,
    /// Address for --transport http, e.g. 127.0.0.1:8765 [env: TTRPG_LISTEN]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

/// Opens the app and serves until the client leaves (stdio) or Ctrl-C (http).
pub async fn run(mut config: Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    let restored = restore_if_asked(&config).await;
    let _lock = hold_data_folder(&config)?;
    let app = App::open(config).await?;
    if restored {
        rebuild_index(app.clone());
    }
    say_what_search_lacks(&app.config);
    // Other hosts on the same database tell this one what their sessions changed.
    app.events.relay();
    crate::backup::schedule::start(&app.config, app.storage.clone(), app.backups.clone())
        .map_err(anyhow::Error::msg)?;
    let registry = Arc::new(tools::core_registry());
    match args.transport {
        Transport::Stdio => transport::serve_stdio(app, registry).await?,
        Transport::Http => {
            let shutdown = CancellationToken::new();
            let on_signal = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
                on_signal.cancel();
            });
            let listen = app.config.server.listen.clone();
            transport::serve_http(app, registry, &listen, shutdown, |address| {
                // The bound address on stderr lets scripts (and tests) use port 0.
                eprintln!("listening on http://{address}/mcp");
            })
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Restores the backup that `backup_restore` asked for, before anything opens the data
/// folder; whether it did. A restore that fails changes nothing (`crate::backup::restore`),
/// and the server then serves the data as it was; the request is gone either way, so it is
/// not tried at every start.
async fn restore_if_asked(config: &Config) -> bool {
    let pending = match crate::backup::pending::take(config) {
        Ok(Some(pending)) => pending,
        Ok(None) => return false,
        Err(err) => {
            tracing::error!(
                "a restore was asked for, but the request cannot be read ({err}); serving the data as it is"
            );
            return false;
        }
    };
    let file = pending.file.display().to_string();
    tracing::warn!(file, requested_at = %pending.requested_at, "restoring the backup asked for with backup_restore");
    match crate::backup::restore(config, &pending.file, true).await {
        Ok(restored) => {
            tracing::warn!(
                file,
                campaigns = restored.manifest.counts.campaigns,
                books = restored.manifest.counts.documents,
                safety_backup = restored.safety_backup.as_deref().unwrap_or("none"),
                "restored the backup; the state before it was backed up first"
            );
            true
        }
        Err(err) => {
            tracing::error!(
                file,
                "the restore asked for with backup_restore failed, and nothing changed: {err}; serving the data as it was"
            );
            false
        }
    }
}

/// Says once, at start, what rules search, notes search and ingestion lack on this machine
/// and what to do; every other tool serves meanwhile (a call that needs what is missing is
/// refused with the same words). Looked up on a blocking thread: serving does not wait.
fn say_what_search_lacks(config: &Config) {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let lacks = crate::embed::locate::what_search_lacks(&config);
        if !lacks.is_empty() {
            tracing::warn!(
                "rules search, notes search and ingestion are not ready on this machine: {}. Every other tool \
                 serves now; `ttrpg doctor` checks again.",
                lacks.join(" Also: ")
            );
        }
    });
}

/// Rebuilds the vector index from the restored passages while the server serves (what
/// `ttrpg restore` does before it returns): opening the library finds the index the restore
/// marked, discards it and indexes every passage again (`App::library`).
fn rebuild_index(app: Arc<App>) {
    tokio::spawn(async move {
        if let Err(err) = app.library().await {
            tracing::warn!(
                "the vector index is not rebuilt after the restore ({err:#}); the passages are searchable once \
                 `ttrpg reindex` has run"
            );
        }
    });
}

/// Holds the data folder's lock shared for as long as the server runs, so that a restore
/// (which holds it alone) never swaps the database under a running server, and a server
/// never starts in the middle of a restore.
fn hold_data_folder(config: &Config) -> anyhow::Result<std::fs::File> {
    use anyhow::Context as _;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    let path = config.serve_lock();
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match lock.try_lock_shared() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a restore is running in {}; start the server when it has finished",
            config.data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("locking {}", path.display()))
        }
    }
}
