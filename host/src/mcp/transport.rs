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
use super::{Channel, McpServer};
use crate::app::App;
use crate::tools::ToolRegistry;

/// How long open connections get to finish after shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long `/readyz` waits for the database.
const READY_DEADLINE: Duration = Duration::from_secs(2);

/// Serves one client over this process's stdin and stdout until it disconnects.
pub async fn serve_stdio(app: Arc<App>, registry: Arc<ToolRegistry>) -> anyhow::Result<()> {
    let server = McpServer::new(app, registry, Channel::Stdio);
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

/// `/healthz`: the process is alive and serving HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: the database answers within [`READY_DEADLINE`] (`503` and why, otherwise).
async fn readyz(State(app): State<Arc<App>>) -> Response {
    match tokio::time::timeout(READY_DEADLINE, app.storage.ping()).await {
        Ok(Ok(version)) => {
            (StatusCode::OK, format!("ready: the database answers ({version})\n")).into_response()
        }
        Ok(Err(err)) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: the database fails: {err}\n"))
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: the database did not answer within {READY_DEADLINE:?}\n"),
        )
            .into_response(),
    }
}

/// What `/metrics` needs: the metrics and the sessions it counts.
#[derive(Clone)]
struct MetricsState {
    app: Arc<App>,
    sessions: Arc<LocalSessionManager>,
}

/// `/metrics` in the Prometheus text format, for the operator only (the local user, or an
/// admin token): the figures say who uses the server how much.
async fn metrics(State(state): State<MetricsState>, request: Request) -> Response {
    let operator = request.extensions().get::<crate::access::Caller>().is_some_and(|c| c.is_operator());
    if !operator {
        return (StatusCode::FORBIDDEN, "/metrics needs an admin token\n").into_response();
    }
    state.app.metrics.set_http_sessions(state.sessions.sessions.read().await.len());
    for kind in state.app.cache.stats().snapshot() {
        let counts = crate::telemetry::CacheCounts {
            l1_hits: kind.l1_hits,
            l1_misses: kind.l1_misses,
            l2_hits: kind.l2_hits,
            l2_misses: kind.l2_misses,
            errors: kind.errors,
        };
        state.app.metrics.sync_cache(kind.kind, counts);
    }
    let mut response = state.app.metrics.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// Serves Streamable HTTP on `listen` (path `/mcp`) until `shutdown` is cancelled, with
/// `/healthz` and `/readyz` (no authentication: probes) and `/metrics` (operator only).
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
    let mut config = StreamableHttpServerConfig::default().with_allowed_hosts(allowed_hosts);
    config.cancellation_token = shutdown.child_token();
    let mut session_config = SessionConfig::default();
    session_config.keep_alive = Some(Duration::from_secs(server.session_idle_secs.max(1)));
    let mut sessions = LocalSessionManager::default();
    sessions.session_config = session_config;
    let sessions = Arc::new(sessions);
    let cap = SessionCap { sessions: sessions.clone(), max: server.max_sessions.max(1) };
    let metrics_state = MetricsState { app: app.clone(), sessions: sessions.clone() };
    let header_timeout = Duration::from_secs(server.header_timeout_secs.max(1));
    let auth = HttpAuth { storage: app.storage.clone(), loopback };
    let service = {
        let (app, registry) = (app.clone(), registry.clone());
        StreamableHttpService::new(
            move || Ok(McpServer::new(app.clone(), registry.clone(), Channel::Http)),
            sessions,
            config,
        )
    };
    let authenticated = axum::Router::new()
        .route("/metrics", axum::routing::get(metrics).with_state(metrics_state))
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(cap, limit_sessions))
        .layer(axum::middleware::from_fn_with_state(auth, require_token));
    let router = axum::Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz).with_state(app.clone()))
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
