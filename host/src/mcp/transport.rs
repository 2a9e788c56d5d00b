//! Running the MCP server over stdio or Streamable HTTP.
//!
//! Over stdio, stdout belongs to the protocol: the host logs to stderr only (see
//! `cli::init_logging`).

use std::sync::Arc;

use anyhow::Context;
use axum::serve::ListenerExt;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::McpServer;
use crate::app::App;
use crate::tools::ToolRegistry;

/// Serves one client over this process's stdin and stdout until it disconnects.
pub async fn serve_stdio(app: Arc<App>, registry: Arc<ToolRegistry>) -> anyhow::Result<()> {
    let server = McpServer::new(app, registry);
    let running =
        server.serve(rmcp::transport::stdio()).await.context("starting the MCP session over stdio")?;
    tracing::info!("serving MCP over stdio");
    running.waiting().await.context("MCP session over stdio")?;
    Ok(())
}

/// Serves Streamable HTTP on `listen` (path `/mcp`) until `shutdown` is cancelled.
/// Returns once the listener is bound via `on_bound`, so callers (and tests) learn
/// the real address when the port was 0.
pub async fn serve_http(
    app: Arc<App>,
    registry: Arc<ToolRegistry>,
    listen: &str,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    // Responses (SSE events especially) go out in small writes; with Nagle's algorithm on,
    // each waits for the client's delayed ACK and a keep-alive client sees ~40 ms a call.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY on an accepted connection: {err}");
        }
    });
    let mut allowed_hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    allowed_hosts.extend(app.config.server.allowed_hosts.iter().cloned());
    let mut config = StreamableHttpServerConfig::default().with_allowed_hosts(allowed_hosts);
    config.cancellation_token = shutdown.child_token();
    let service = StreamableHttpService::new(
        move || Ok(McpServer::new(app.clone(), registry.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    on_bound(address);
    tracing::info!(%address, "serving MCP over Streamable HTTP at http://{address}/mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("HTTP server")?;
    Ok(())
}
