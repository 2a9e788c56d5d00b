//! `server_health`: how the server is, for its operator — the database (engine, version,
//! sizes, pool, schema), the vector index, the cache levels with their hit rates, plugins
//! with their call latencies, running ingestions, uptime and version. [`gather`] is shared
//! with `ttrpg status` and the HTTP status page.

use crate::backup::schedule::ScheduleStatus;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolError;
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use crate::access::Need;
use crate::app::App;
use crate::library::Library;
use crate::library::ingest::RunningIngest;
use crate::storage::{DatabaseHealth, StorageError};
use crate::telemetry::recent::PluginCallStats;

/// Arguments of `server_health` (none).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthArgs {}

/// One cache kind's figures.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CacheKindHealth {
    /// The kind (`rules_answer`, `query_embedding`, `record_search`, `campaign`, …).
    pub kind: String,
    /// Reads answered in process.
    pub l1_hits: u64,
    /// Reads answered by the shared level.
    pub l2_hits: u64,
    /// Reads answered by neither.
    pub misses: u64,
    /// Reads that went to the source of truth because Redis could not vouch for the entry.
    pub bypassed: u64,
    /// Entries dropped from the in-process level to stay within its bytes.
    pub evictions: u64,
    /// Failed reads and writes of the shared level.
    pub errors: u64,
    /// Bytes written to the cache.
    pub bytes_stored: u64,
    /// Hits per read, 0 to 1.
    pub hit_rate: f64,
}

/// The cache.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CacheHealth {
    /// `off` (in process only), `up` or `down` (Redis configured but not answering).
    pub shared_level: String,
    /// Whether this host hears other hosts' invalidations (`null` without Redis).
    pub listening: Option<bool>,
    /// Bytes the in-process level holds.
    pub l1_bytes: u64,
    /// Hits per read over every kind, 0 to 1.
    pub hit_rate: f64,
    /// Per kind of entry.
    pub kinds: Vec<CacheKindHealth>,
}

/// The vector index.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VectorHealth {
    /// `qdrant-edge` (in process) or `qdrant` (a server).
    pub backend: String,
    /// Whether this process has opened it yet (it opens with the library, on first use).
    pub opened: bool,
    /// Per collection.
    pub collections: Vec<VectorCollectionHealth>,
    /// Why the figures could not be read, if they could not.
    pub error: Option<String>,
}

/// One vector collection.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VectorCollectionHealth {
    /// Its name.
    pub name: String,
    /// Points stored.
    pub points: u64,
    /// Segments.
    pub segments: u64,
}

/// The plugins.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PluginsHealth {
    /// Plugin versions installed.
    pub installed: usize,
    /// Of those, loaded (compiled and ready) in this process.
    pub loaded: usize,
    /// Calls per plugin since the server started, with latency percentiles of the recent ones.
    pub calls: Vec<PluginCallStats>,
}

/// The server's health.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ServerHealth {
    /// The server's version.
    pub version: String,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// The database.
    pub database: DatabaseHealth,
    /// The vector index.
    pub vectors: VectorHealth,
    /// The cache.
    pub cache: CacheHealth,
    /// The plugins.
    pub plugins: PluginsHealth,
    /// Ingestions running or queued on this host, with their progress.
    pub ingests: Vec<RunningIngest>,
    /// Scheduled backups (`backup.every`): the last, the next, how many are kept, the last error.
    #[serde(default)]
    pub backups: ScheduleStatus,
}

/// The health tool.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![typed_tool(
        "server_health",
        "Server health",
        "How the server is, for its operator: database engine, version, size, WAL size, connection pool and \
         schema version; the vector backend with points and segments per collection; the cache levels with \
         hit rates (and whether Redis answers); plugins installed and loaded, with call counts, errors and \
         p50/p99 latency; ingestions running with their progress; scheduled backups (last, next, kept, last \
         error); uptime and version.",
        ToolHints::READ,
        Need::Operator,
        health,
    )]
}

async fn health(app: ToolCall, _args: HealthArgs) -> Result<ServerHealth, ToolError> {
    Ok(gather(&app).await?)
}

/// Everything `server_health`, `ttrpg status` and the status page report.
pub async fn gather(app: &App) -> Result<ServerHealth, StorageError> {
    let database = app.storage.health().await?;
    let shared_level = match app.cache.shared_level() {
        None => "off",
        Some(true) => "up",
        Some(false) => "down",
    };
    let stats = app.cache.stats().snapshot();
    let (hits, reads) = stats
        .iter()
        .fold((0, 0), |(h, r), k| (h + k.l1_hits + k.l2_hits, r + k.l1_hits + k.l1_misses + k.bypassed));
    let kinds = stats
        .into_iter()
        .map(|k| CacheKindHealth {
            kind: k.kind.to_string(),
            l1_hits: k.l1_hits,
            l2_hits: k.l2_hits,
            misses: k.l1_misses.saturating_sub(k.l2_hits),
            bypassed: k.bypassed,
            evictions: k.evictions,
            errors: k.errors,
            bytes_stored: k.bytes_stored,
            hit_rate: k.hit_rate,
        })
        .collect();
    let library = app.opened_library();
    Ok(ServerHealth {
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_seconds: app.metrics.uptime_seconds(),
        database,
        vectors: vector_health(app, library.as_deref()).await,
        cache: CacheHealth {
            shared_level: shared_level.to_string(),
            listening: app.cache.listening(),
            l1_bytes: app.cache.l1_bytes(),
            hit_rate: if reads == 0 { 0.0 } else { hits as f64 / reads as f64 },
            kinds,
        },
        plugins: PluginsHealth {
            installed: app.plugins.installed().await.map(|p| p.len()).unwrap_or(0),
            loaded: app.plugins.loaded_count().await,
            calls: app.metrics.plugins.snapshot(),
        },
        ingests: library.map(|l| l.running.snapshot()).unwrap_or_default(),
        backups: app.backups.status(),
    })
}

async fn vector_health(app: &App, library: Option<&Library>) -> VectorHealth {
    let backend = if app.config.search.qdrant_url.is_some() { "qdrant" } else { "qdrant-edge" };
    let mut health = VectorHealth {
        backend: backend.into(),
        opened: library.is_some(),
        collections: Vec::new(),
        error: None,
    };
    if let Some(library) = library {
        match library.index_stats().await {
            Ok(stats) => {
                health.collections = stats
                    .into_iter()
                    .map(|c| VectorCollectionHealth { name: c.name, points: c.points, segments: c.segments })
                    .collect();
            }
            Err(err) => health.error = Some(err.to_string()),
        }
    }
    health
}
