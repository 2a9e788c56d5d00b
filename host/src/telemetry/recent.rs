//! What the server remembers of its recent past, beside the Prometheus counters: each
//! plugin's call latencies (the last [`WINDOW`] calls, for p50 and p99) and the tool calls
//! of the last ten minutes in ten-second buckets (for the status page's chart).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How many of a plugin's most recent calls its percentiles are taken over.
pub const WINDOW: usize = 1024;
/// The width of one timeline bucket, in seconds.
pub const BUCKET_SECONDS: u64 = 10;
/// How many buckets the timeline keeps (ten minutes).
pub const BUCKETS: usize = 60;

/// One plugin's calls.
#[derive(Debug, Default)]
struct PluginWindow {
    calls: u64,
    errors: u64,
    recent: VecDeque<f64>,
}

/// One plugin's figures, as health reports them.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PluginCallStats {
    /// The plugin's id.
    pub plugin: String,
    /// Calls since the server started.
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
    /// The median latency of the recent calls, in milliseconds.
    pub p50_ms: f64,
    /// The 99th-percentile latency of the recent calls, in milliseconds.
    pub p99_ms: f64,
}

/// Every plugin's recent calls.
#[derive(Debug, Default)]
pub struct PluginCalls {
    plugins: Mutex<BTreeMap<String, PluginWindow>>,
}

impl PluginCalls {
    /// Notes one call of `plugin`.
    pub fn record(&self, plugin: &str, ok: bool, seconds: f64) {
        let Ok(mut plugins) = self.plugins.lock() else { return };
        let window = plugins.entry(plugin.to_string()).or_default();
        window.calls += 1;
        window.errors += u64::from(!ok);
        if window.recent.len() == WINDOW {
            window.recent.pop_front();
        }
        window.recent.push_back(seconds);
    }

    /// Every plugin's figures, by id.
    pub fn snapshot(&self) -> Vec<PluginCallStats> {
        let Ok(plugins) = self.plugins.lock() else { return Vec::new() };
        plugins
            .iter()
            .map(|(plugin, window)| {
                let mut sorted: Vec<f64> = window.recent.iter().copied().collect();
                sorted.sort_by(f64::total_cmp);
                PluginCallStats {
                    plugin: plugin.clone(),
                    calls: window.calls,
                    errors: window.errors,
                    p50_ms: percentile(&sorted, 0.50) * 1000.0,
                    p99_ms: percentile(&sorted, 0.99) * 1000.0,
                }
            })
            .collect()
    }
}

/// The `q` quantile of sorted samples (nearest rank), 0 when there are none.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Ten seconds of tool calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinePoint {
    /// The bucket's start, in seconds since 1970.
    pub at: u64,
    /// Tool calls that ended in the bucket.
    pub calls: u64,
    /// Those that failed.
    pub errors: u64,
    /// Their mean latency, in milliseconds.
    pub mean_ms: f64,
    /// The slowest, in milliseconds.
    pub max_ms: f64,
}

/// The tool calls of the last ten minutes.
#[derive(Debug, Default)]
pub struct Timeline {
    buckets: Mutex<VecDeque<(TimelinePoint, f64)>>,
}

impl Timeline {
    /// Notes one tool call that ended now.
    pub fn record(&self, ok: bool, seconds: f64) {
        self.record_at(unix_now(), ok, seconds);
    }

    fn record_at(&self, now: u64, ok: bool, seconds: f64) {
        let at = now - now % BUCKET_SECONDS;
        let Ok(mut buckets) = self.buckets.lock() else { return };
        if buckets.back().is_none_or(|(point, _)| point.at != at) {
            buckets.push_back((TimelinePoint { at, calls: 0, errors: 0, mean_ms: 0.0, max_ms: 0.0 }, 0.0));
        }
        while buckets.len() > BUCKETS {
            buckets.pop_front();
        }
        if let Some((point, total)) = buckets.back_mut() {
            point.calls += 1;
            point.errors += u64::from(!ok);
            *total += seconds;
            point.mean_ms = *total * 1000.0 / point.calls as f64;
            point.max_ms = point.max_ms.max(seconds * 1000.0);
        }
    }

    /// The last ten minutes, oldest first, a point for every bucket (quiet ones at zero).
    pub fn snapshot(&self) -> Vec<TimelinePoint> {
        self.snapshot_at(unix_now())
    }

    fn snapshot_at(&self, now: u64) -> Vec<TimelinePoint> {
        let last = now - now % BUCKET_SECONDS;
        let first = last.saturating_sub(BUCKET_SECONDS * (BUCKETS as u64 - 1));
        let Ok(buckets) = self.buckets.lock() else { return Vec::new() };
        (0..BUCKETS as u64)
            .map(|i| first + i * BUCKET_SECONDS)
            .map(|at| {
                buckets.iter().find(|(p, _)| p.at == at).map(|(p, _)| p.clone()).unwrap_or(TimelinePoint {
                    at,
                    calls: 0,
                    errors: 0,
                    mean_ms: 0.0,
                    max_ms: 0.0,
                })
            })
            .collect()
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 0.5), 50.0);
        assert_eq!(percentile(&samples, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn plugin_windows_count_calls_and_errors() {
        let calls = PluginCalls::default();
        for ms in 1..=10 {
            calls.record("dnd5e", ms != 10, f64::from(ms) / 1000.0);
        }
        let stats = calls.snapshot();
        assert_eq!(stats.len(), 1);
        assert_eq!((stats[0].calls, stats[0].errors), (10, 1));
        assert!((stats[0].p50_ms - 5.0).abs() < 1e-9 && (stats[0].p99_ms - 10.0).abs() < 1e-9, "{stats:?}");
    }

    #[test]
    fn the_timeline_buckets_calls_and_fills_quiet_buckets() {
        let timeline = Timeline::default();
        timeline.record_at(1_000, true, 0.002);
        timeline.record_at(1_005, false, 0.004);
        timeline.record_at(1_020, true, 0.001);
        let points = timeline.snapshot_at(1_025);
        assert_eq!(points.len(), BUCKETS);
        let last = &points[BUCKETS - 1];
        assert_eq!((last.at, last.calls), (1_020, 1));
        let quiet = &points[BUCKETS - 2];
        assert_eq!((quiet.at, quiet.calls), (1_010, 0));
        let first = &points[BUCKETS - 3];
        assert_eq!((first.at, first.calls, first.errors), (1_000, 2, 1));
        assert!((first.mean_ms - 3.0).abs() < 1e-9 && (first.max_ms - 4.0).abs() < 1e-9);
    }
}
