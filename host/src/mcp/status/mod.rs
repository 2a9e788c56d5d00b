//! What the HTTP transport tells about the server besides MCP: `/healthz` (alive),
//! `/readyz` (the database, and Redis and Qdrant when configured, answer within a
//! deadline), `/metrics` (Prometheus text), and the status page `/status` with its figures
//! at `/status.json`.
//!
//! `/healthz` and `/readyz` are for probes and need no token. `/metrics` and `/status.json`
//! are the operator's (the local user, or an admin token). `/status` itself is one static
//! HTML page (no external assets, works offline) holding no figures: it fetches
//! `status.json` with the admin token the operator types in, or passes in the URL's
//! fragment (`/status#token=…`, which browsers never send to the server), keeps it for the
//! tab only, and refreshes every five seconds.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use serde::Serialize;

use crate::app::App;
use crate::telemetry::recent::TimelinePoint;
use crate::tools::health::{ServerHealth, gather};

/// How long `/readyz` waits for each dependency.
pub const READY_DEADLINE: Duration = Duration::from_secs(2);

/// The status page.
const PAGE: &str = include_str!("page.html");

/// What the figures need: the app and the sessions it counts.
#[derive(Clone)]
pub(super) struct StatusState {
    pub(super) app: Arc<App>,
    pub(super) sessions: Arc<LocalSessionManager>,
}

/// `/healthz`: the process is alive and serving HTTP.
pub(super) async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: every dependency answers within [`READY_DEADLINE`] (`503` naming the one that
/// does not, otherwise). A Redis that is down makes the host unready even though it keeps
/// serving: a load balancer should prefer hosts that share the cache.
pub(super) async fn readyz(State(app): State<Arc<App>>) -> Response {
    let mut lines = Vec::new();
    let mut ready = true;
    match tokio::time::timeout(READY_DEADLINE, app.storage.ping()).await {
        Ok(Ok(version)) => lines.push(format!("database: ok ({version})")),
        Ok(Err(err)) => {
            ready = false;
            lines.push(format!("database: fails: {err}"));
        }
        Err(_) => {
            ready = false;
            lines.push(format!("database: no answer within {READY_DEADLINE:?}"));
        }
    }
    if let Some(outcome) = app.cache.ping().await {
        match outcome {
            Ok(()) => lines.push("redis: ok".into()),
            Err(err) => {
                ready = false;
                lines.push(format!("redis: {err}"));
            }
        }
    }
    if let Some(url) = &app.config.search.qdrant_url {
        let shown = crate::config::redact_url(url);
        match tokio::time::timeout(READY_DEADLINE, crate::library::connect_remote_index(&app.config)).await {
            Ok(Ok(_)) => lines.push(format!("qdrant: ok ({shown})")),
            Ok(Err(err)) => {
                ready = false;
                lines.push(format!("qdrant: {shown}: {err}"));
            }
            Err(_) => {
                ready = false;
                lines.push(format!("qdrant: {shown}: no answer within {READY_DEADLINE:?}"));
            }
        }
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let head = if ready { "ready" } else { "not ready" };
    (status, format!("{head}\n{}\n", lines.join("\n"))).into_response()
}

/// Whether the request comes from the operator (the local user, or an admin token).
fn operator(request: &Request) -> bool {
    request.extensions().get::<crate::access::Caller>().is_some_and(|c| c.is_operator())
}

/// `/metrics` in the Prometheus text format, for the operator only: the figures say who
/// uses the server how much.
pub(super) async fn metrics(State(state): State<StatusState>, request: Request) -> Response {
    if !operator(&request) {
        return (StatusCode::FORBIDDEN, "/metrics needs an admin token\n").into_response();
    }
    sync(&state).await;
    let mut response = state.app.metrics.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// Brings the gauges and the cache counters up to date before they are shown.
async fn sync(state: &StatusState) {
    let app = &state.app;
    app.metrics.set_http_sessions(state.sessions.sessions.read().await.len());
    for kind in app.cache.stats().snapshot() {
        let counts = crate::telemetry::CacheCounts {
            l1_hits: kind.l1_hits,
            l1_misses: kind.l1_misses,
            l2_hits: kind.l2_hits,
            l2_misses: kind.l2_misses,
            errors: kind.errors,
        };
        app.metrics.sync_cache(kind.kind, counts);
    }
    if let Ok(database) = app.storage.health().await {
        app.metrics.set_database(&[
            ("size_bytes", database.size_bytes),
            ("wal_bytes", database.wal_bytes),
            ("pool_open", Some(i64::from(database.pool_open))),
            ("pool_idle", Some(i64::from(database.pool_idle))),
            ("pool_max", Some(i64::from(database.pool_max))),
            ("schema_version", database.schema_version),
        ]);
    }
    if let Some(library) = app.opened_library()
        && let Ok(collections) = library.index_stats().await
    {
        for collection in collections {
            app.metrics.set_vector_points(&collection.name, collection.points);
        }
    }
}

/// `/status`: the page (static; its figures come from `status.json`).
pub(super) async fn page() -> Response {
    let mut response = PAGE.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
        ),
    );
    response
}

/// What `status.json` holds: the health, the tool-call totals and the last ten minutes.
#[derive(Debug, Serialize)]
pub struct StatusFigures {
    /// What `server_health` reports.
    pub health: ServerHealth,
    /// Tool calls since the server started.
    pub tools: ToolTotals,
    /// Tool calls per ten seconds over the last ten minutes, oldest first.
    pub timeline: Vec<TimelinePoint>,
    /// Open MCP sessions over HTTP.
    pub http_sessions: usize,
}

/// Tool calls since the server started.
#[derive(Debug, Serialize)]
pub struct ToolTotals {
    /// Every call.
    pub calls: u64,
    /// Those that failed.
    pub errors: u64,
}

/// `/status.json`: the page's figures, for the operator only.
pub(super) async fn figures(State(state): State<StatusState>, request: Request) -> Response {
    if !operator(&request) {
        return (StatusCode::FORBIDDEN, "/status.json needs an admin token\n").into_response();
    }
    // Everything here is read fresh by `gather` and the live counters: the gauges `sync`
    // sets are for `/metrics` alone, and setting them here would read the database twice.
    let app = &state.app;
    let health = match gather(app).await {
        Ok(health) => health,
        Err(err) => {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("the database fails: {err}\n")).into_response();
        }
    };
    let (calls, errors) = app.metrics.tool_totals();
    let figures = StatusFigures {
        health,
        tools: ToolTotals { calls, errors },
        timeline: app.metrics.timeline.snapshot(),
        http_sessions: state.sessions.sessions.read().await.len(),
    };
    let mut response = axum::Json(figures).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
