//! `server_health`: how the server is, for its operator — the database (engine, version,
//! sizes, pool, schema), the cache levels with their hit rates, plugins, uptime and version.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolError;
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use crate::access::Need;
use crate::storage::DatabaseHealth;

/// Arguments of `server_health` (none).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthArgs {}

/// One cache kind's figures.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CacheKindHealth {
    /// The kind (`rules_answer`, `query_embedding`).
    pub kind: String,
    /// Reads answered in process.
    pub l1_hits: u64,
    /// Reads answered by the shared level.
    pub l2_hits: u64,
    /// Reads answered by neither.
    pub misses: u64,
    /// Entries dropped from the in-process level to stay within its bytes.
    pub evictions: u64,
    /// Failed reads and writes of the shared level.
    pub errors: u64,
    /// Hits per read, 0 to 1.
    pub hit_rate: f64,
}

/// The cache.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CacheHealth {
    /// `off` (in process only), `up` or `down` (Redis configured but not answering).
    pub shared_level: String,
    /// Per kind of entry.
    pub kinds: Vec<CacheKindHealth>,
}

/// The plugins.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PluginsHealth {
    /// Plugin versions installed.
    pub installed: usize,
    /// Of those, loaded (compiled and ready) in this process.
    pub loaded: usize,
}

/// The server's health.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ServerHealth {
    /// The server's version.
    pub version: String,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// The database.
    pub database: DatabaseHealth,
    /// The cache.
    pub cache: CacheHealth,
    /// The plugins.
    pub plugins: PluginsHealth,
}

/// The health tool.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![typed_tool(
        "server_health",
        "Server health",
        "How the server is, for its operator: database engine, version, size, WAL size, connection pool and \
         schema version; the cache levels with hit rates (and whether Redis answers); plugins installed and \
         loaded; uptime and version.",
        ToolHints::READ,
        Need::Operator,
        health,
    )]
}

async fn health(app: ToolCall, _args: HealthArgs) -> Result<ServerHealth, ToolError> {
    let database = app.storage.health().await?;
    let shared_level = match app.cache.shared_level() {
        None => "off",
        Some(true) => "up",
        Some(false) => "down",
    };
    let kinds = app
        .cache
        .stats()
        .snapshot()
        .into_iter()
        .map(|k| CacheKindHealth {
            kind: k.kind.to_string(),
            l1_hits: k.l1_hits,
            l2_hits: k.l2_hits,
            misses: k.l1_misses.saturating_sub(k.l2_hits),
            evictions: k.evictions,
            errors: k.errors,
            hit_rate: k.hit_rate,
        })
        .collect();
    Ok(ServerHealth {
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: app.metrics.uptime_seconds(),
        database,
        cache: CacheHealth { shared_level: shared_level.to_string(), kinds },
        plugins: PluginsHealth {
            installed: app.plugins.installed().await?.len(),
            loaded: app.plugins.loaded_count().await,
        },
    })
}
