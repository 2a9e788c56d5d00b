//! Running the MCP server over stdio or Streamable HTTP.
//!
//! Over stdio, stdout belongs to the protocol: the host logs to stderr only (see
//! `cli::init_logging`). Over HTTP, every request is authenticated first
//! ([`super::http_auth`]); the server holds at most `server.max_sessions` MCP sessions,
//! closes one idle for `server.session_idle_secs`, and drops a connection that has not
//! sent a whole request head within `server.header_timeout_secs`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::{LocalSessionManager, SessionConfig};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::http_auth::{HttpAuth, require_token};
use super::shared_sessions::SharedSessions;
use super::status::{self, StatusState};
use super::{Channel, HostShared, McpServer};
use crate::app::App;
use crate::tools::ToolRegistry;

/// How long open connections get to finish after shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves one client over this process's stdin and stdout until it disconnects.
pub async fn serve_stdio(app: Arc<App>, registry: Arc<ToolRegistry>) -> anyhow::Result<()> {
    let shared = HostShared::new(&app).context("server.toolsets")?;
    let server = McpServer::new(app, registry, Channel::Stdio, shared);
    let running =
        server.serve(rmcp::transport::stdio()).await.context("starting the MCP session over stdio")?;
    tracing::info!("serving MCP over stdio");
    running.waiting().await.context("MCP session over stdio")?;
    Ok(())
}

/// What the session cap needs: the sessions and the cap.
#[derive(Clone)]
struct SessionCap {
    sessions: Arc<LocalSessionManager>,
    max: usize,
}

/// Answers a request that would open one session too many with `503` and `Retry-After`.
async fn limit_sessions(State(cap): State<SessionCap>, request: Request, next: Next) -> Response {
    let opens_session = request.method() == Method::POST && !request.headers().contains_key("mcp-session-id");
    if opens_session && cap.sessions.sessions.read().await.len() >= cap.max {
        tracing::warn!(max = cap.max, "refusing a new MCP session: the server holds as many as it may");
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("this server holds its most MCP sessions ({})", cap.max),
        )
            .into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return response;
    }
    next.run(request).await
}

/// Serves Streamable HTTP on `listen` (path `/mcp`) until `shutdown` is cancelled, with
/// `/healthz`, `/readyz` and the static `/status` page (no authentication), and `/metrics`
/// and `/status.json` (operator only); see [`super::status`].
/// Returns once the listener is bound via `on_bound`, so callers (and tests) learn
/// the real address when the port was 0.
///
/// A listener on an address other machines can reach refuses to start while no token
/// exists; a loopback one without tokens serves every request as the local user.
pub async fn serve_http(
    app: Arc<App>,
    registry: Arc<ToolRegistry>,
    listen: &str,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let shared = HostShared::new(&app).context("server.toolsets")?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let loopback = address.ip().is_loopback();
    let tokens = app.storage.any_live_token().await.context("reading the tokens")?;
    if !loopback && !tokens {
        anyhow::bail!(
            "refusing to serve {address} without authentication: on an address other machines can reach, \
             every request needs a bearer token and none exists. Make one with \
             `ttrpg token create --user NAME` (add `--role admin` for the operator), or listen on 127.0.0.1"
        );
    }
    if loopback && !tokens {
        tracing::warn!(
            "no token exists: every request to this loopback server is served as the local GM; \
             `ttrpg token create --user NAME` makes requests need a token"
        );
    }
    let server = &app.config.server;
    let mut allowed_hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    allowed_hosts.extend(server.allowed_hosts.iter().cloned());
    // A request may carry one image as base64 (image_add): room for the largest accepted
    // file, a third larger, plus the JSON around it.
    let image_bytes =
        usize::try_from(app.config.images.max_file_mb).unwrap_or(usize::MAX).saturating_mul(1 << 20);
    let max_body = (image_bytes / 3 * 4).saturating_add(1 << 20).max(4 << 20);
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts)
        .with_max_request_body_bytes(max_body);
    config.cancellation_token = shutdown.child_token();
    // Sessions are kept in the database as well as in this host's memory, so that any host
    // behind a load balancer can serve a session's next request (see ARCHITECTURE.md).
    let idle = Duration::from_secs(server.session_idle_secs.max(1));
    config.session_store = Some(Arc::new(SharedSessions::new(app.storage.clone(), idle)));
    let mut session_config = SessionConfig::default();
    session_config.keep_alive = Some(idle);
    let mut sessions = LocalSessionManager::default();
    sessions.session_config = session_config;
    let sessions = Arc::new(sessions);
    let cap = SessionCap { sessions: sessions.clone(), max: server.max_sessions.max(1) };
    let status_state = StatusState { app: app.clone(), sessions: sessions.clone() };
    let header_timeout = Duration::from_secs(server.header_timeout_secs.max(1));
    let auth = HttpAuth { storage: app.storage.clone(), loopback };
    let service = {
        let (app, registry) = (app.clone(), registry.clone());
        StreamableHttpService::new(
            move || Ok(McpServer::new(app.clone(), registry.clone(), Channel::Http, shared.clone())),
            sessions,
            config,
        )
    };
    let authenticated = axum::Router::new()
        .route("/metrics", axum::routing::get(status::metrics).with_state(status_state.clone()))
        .route("/status.json", axum::routing::get(status::figures).with_state(status_state))
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(cap, limit_sessions))
        .layer(axum::middleware::from_fn_with_state(auth, require_token));
    let router = axum::Router::new()
        .route("/healthz", axum::routing::get(status::healthz))
        .route("/readyz", axum::routing::get(status::readyz).with_state(app.clone()))
        .route("/status", axum::routing::get(status::page))
        .merge(authenticated);
    on_bound(address);
    tracing::info!(%address, "serving MCP over Streamable HTTP at http://{address}/mcp");

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Responses (SSE events especially) go out in small writes; with Nagle's algorithm
        // on, each waits for the client's delayed ACK and a keep-alive client sees ~40 ms a call.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY on an accepted connection: {err}");
        }
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("HTTP connection ended: {err}");
            }
        });
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open {SHUTDOWN_GRACE:?} after shutdown began; closing them");
    }
    Ok(())
}
