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
    let _lock = hold_data_folder(&config)?;
    let app = App::open(config).await?;
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
