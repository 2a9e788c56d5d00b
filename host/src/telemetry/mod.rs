//! What the server counts about itself, exposed at `/metrics` in the Prometheus text format
//! (the `prometheus` crate keeps the registry and writes the exposition).
//!
//! One [`Metrics`] per process, held by the app: tool calls by tool and outcome with a
//! latency histogram, plugin calls, ingested pages and chunks, open HTTP sessions and
//! uptime. Labels come from a bounded set: a tool name the server does not know is counted
//! as `unknown`, so a client cannot grow the registry by calling made-up names.

pub mod recent;
pub mod watch;

pub use watch::Watch;

use std::time::Instant;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Latency buckets of a tool call, in seconds: from a dice roll (~0.5 ms) to an ingestion.
const TOOL_SECONDS_BUCKETS: &[f64] =
    &[0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0];

/// The tool label of a name the server does not know.
pub const UNKNOWN_TOOL: &str = "unknown";

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    tool_calls: IntCounterVec,
    tool_seconds: HistogramVec,
    plugin_calls: IntCounterVec,
    ingest_pages: IntCounter,
    ingest_chunks: IntCounter,
    http_sessions: IntGauge,
    uptime: IntGauge,
    cache_reads: IntCounterVec,
    plugin_seconds: HistogramVec,
    database: IntGaugeVec,
    vector_points: IntGaugeVec,
    started: Instant,
    /// Each plugin's recent call latencies (health's p50 and p99).
    pub plugins: recent::PluginCalls,
    /// The tool calls of the last ten minutes (the status page's chart).
    pub timeline: recent::Timeline,
}

/// One kind's cache counts, as the cache reports them (`crate::cache::CacheStats`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheCounts {
    /// Hits in process.
    pub l1_hits: u64,
    /// Misses in process.
    pub l1_misses: u64,
    /// Hits in the shared level.
    pub l2_hits: u64,
    /// Misses in the shared level.
    pub l2_misses: u64,
    /// Failed reads and writes of the shared level.
    pub errors: u64,
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("ttrpg".into()), None).unwrap_or_default();
        let tool_calls = IntCounterVec::new(
            Opts::new("tool_calls_total", "MCP tool calls by tool and outcome (ok, or the kind of error)"),
            &["tool", "outcome"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let tool_seconds = HistogramVec::new(
            HistogramOpts::new("tool_call_seconds", "Time to answer an MCP tool call, by tool")
                .buckets(TOOL_SECONDS_BUCKETS.to_vec()),
            &["tool"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let plugin_calls = IntCounterVec::new(
            Opts::new("plugin_calls_total", "Plugin tool calls by plugin and outcome"),
            &["plugin", "outcome"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let ingest_pages = IntCounter::new("ingest_pages_total", "PDF pages ingested")
            .unwrap_or_else(|_| unreachable_metric());
        let ingest_chunks = IntCounter::new("ingest_chunks_total", "Passages indexed by ingestion")
            .unwrap_or_else(|_| unreachable_metric());
        let http_sessions = IntGauge::new("http_sessions", "MCP sessions open over Streamable HTTP")
            .unwrap_or_else(|_| unreachable_metric());
        let uptime = IntGauge::new("uptime_seconds", "Seconds since the server started")
            .unwrap_or_else(|_| unreachable_metric());
        let cache_reads = IntCounterVec::new(
            Opts::new(
                "cache_reads_total",
                "Cache reads by kind, level (l1, l2) and result (hit, miss, error)",
            ),
            &["kind", "level", "result"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let plugin_seconds = HistogramVec::new(
            HistogramOpts::new("plugin_call_seconds", "Time a plugin tool call took, by plugin")
                .buckets(TOOL_SECONDS_BUCKETS.to_vec()),
            &["plugin"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let database = IntGaugeVec::new(
            Opts::new(
                "database",
                "The database: size_bytes, wal_bytes, pool_open, pool_idle, pool_max, schema_version",
            ),
            &["figure"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let vector_points =
            IntGaugeVec::new(Opts::new("vector_points", "Points in each vector collection"), &["collection"])
                .unwrap_or_else(|_| unreachable_metric());
        let metrics = Metrics {
            registry,
            tool_calls,
            tool_seconds,
            plugin_calls,
            ingest_pages,
            ingest_chunks,
            http_sessions,
            uptime,
            cache_reads,
            plugin_seconds,
            database,
            vector_points,
            started: Instant::now(),
            plugins: recent::PluginCalls::default(),
            timeline: recent::Timeline::default(),
        };
        metrics.register();
        metrics
    }

    fn register(&self) {
        let collectors: [Box<dyn prometheus::core::Collector>; 11] = [
            Box::new(self.database.clone()),
            Box::new(self.vector_points.clone()),
            Box::new(self.plugin_seconds.clone()),
            Box::new(self.cache_reads.clone()),
            Box::new(self.tool_calls.clone()),
            Box::new(self.tool_seconds.clone()),
            Box::new(self.plugin_calls.clone()),
            Box::new(self.ingest_pages.clone()),
            Box::new(self.ingest_chunks.clone()),
            Box::new(self.http_sessions.clone()),
            Box::new(self.uptime.clone()),
        ];
        for collector in collectors {
            if let Err(err) = self.registry.register(collector) {
                tracing::error!("a metric could not be registered: {err}");
            }
        }
    }

    /// Counts one tool call: its tool (already mapped to a known name or [`UNKNOWN_TOOL`]),
    /// its outcome and how long it took.
    pub fn tool_call(&self, tool: &str, outcome: &str, seconds: f64) {
        self.tool_calls.with_label_values(&[tool, outcome]).inc();
        self.tool_seconds.with_label_values(&[tool]).observe(seconds);
        self.timeline.record(outcome == "ok", seconds);
    }

    /// Counts one plugin tool call: its plugin, outcome (`ok` or the kind of error) and time.
    pub fn plugin_call(&self, plugin: &str, outcome: &str, seconds: f64) {
        self.plugin_calls.with_label_values(&[plugin, outcome]).inc();
        self.plugin_seconds.with_label_values(&[plugin]).observe(seconds);
        self.plugins.record(plugin, outcome == "ok", seconds);
    }

    /// Counts what one ingestion added.
    pub fn ingested(&self, pages: u64, chunks: u64) {
        self.ingest_pages.inc_by(pages);
        self.ingest_chunks.inc_by(chunks);
    }

    /// The number of open HTTP sessions, as last seen.
    pub fn set_http_sessions(&self, sessions: usize) {
        self.http_sessions.set(i64::try_from(sessions).unwrap_or(i64::MAX));
    }

    /// Brings the cache counters of `kind` up to the cache's own counts (called before a
    /// scrape; the counts only grow).
    pub fn sync_cache(&self, kind: &str, counts: CacheCounts) {
        let rows = [
            ("l1", "hit", counts.l1_hits),
            ("l1", "miss", counts.l1_misses),
            ("l2", "hit", counts.l2_hits),
            ("l2", "miss", counts.l2_misses),
            ("l2", "error", counts.errors),
        ];
        for (level, result, value) in rows {
            let counter = self.cache_reads.with_label_values(&[kind, level, result]);
            let current = counter.get();
            if value > current {
                counter.inc_by(value - current);
            }
        }
    }

    /// Sets the database gauges (`size_bytes`, `wal_bytes`, `pool_open`, `pool_idle`,
    /// `pool_max`, `schema_version`) to what health read; a figure that is `None` is left.
    pub fn set_database(&self, figures: &[(&str, Option<i64>)]) {
        for (figure, value) in figures {
            if let Some(value) = value {
                self.database.with_label_values(&[*figure]).set(*value);
            }
        }
    }

    /// Sets the number of points of a vector collection.
    pub fn set_vector_points(&self, collection: &str, points: u64) {
        self.vector_points.with_label_values(&[collection]).set(i64::try_from(points).unwrap_or(i64::MAX));
    }

    /// Tool calls since the server started, and how many of them failed (the sums of
    /// `tool_calls_total` over every tool).
    pub fn tool_totals(&self) -> (u64, u64) {
        use prometheus::core::Collector;
        let mut totals = (0, 0);
        for family in self.tool_calls.collect() {
            for metric in family.get_metric() {
                let count = metric.get_counter().get_value() as u64;
                let ok = metric.get_label().iter().any(|l| l.name() == "outcome" && l.value() == "ok");
                totals.0 += count;
                if !ok {
                    totals.1 += count;
                }
            }
        }
        totals
    }

    /// Seconds since the server started.
    pub fn uptime_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        self.uptime.set(i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!("the metrics could not be written: {err}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The metric definitions above are constants: building them cannot fail.
fn unreachable_metric<T>() -> T {
    panic!("a constant metric definition was refused")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_by_tool_and_outcome() {
        let metrics = Metrics::new();
        metrics.tool_call("roll_dice", "ok", 0.001);
        metrics.tool_call("roll_dice", "ok", 0.002);
        metrics.tool_call("roll_dice", "dice", 0.001);
        let text = metrics.render();
        assert!(text.contains("ttrpg_tool_calls_total{outcome=\"ok\",tool=\"roll_dice\"} 2"), "{text}");
        assert!(text.contains("ttrpg_tool_call_seconds_count{tool=\"roll_dice\"} 3"), "{text}");
        assert!(text.contains("ttrpg_uptime_seconds"), "{text}");
    }
}
