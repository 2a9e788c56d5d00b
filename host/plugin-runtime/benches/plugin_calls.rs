//! Plugin call costs, measured on the `fixture-echo` component built from source:
//! - a warm tool call (fresh store + instantiate + call + JSON check), sequential;
//! - the first load of a component: compiling it vs loading the compiled cache;
//! - calls per second with two tasks calling at once on a 2-worker runtime.
//!
//! Run: `cargo bench -p ttrpg-plugin-runtime --bench plugin_calls`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

#[path = "../../../tests/support/fixtures.rs"]
mod fixtures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ttrpg_plugin_runtime::model::CallContext;
use ttrpg_plugin_runtime::{Grants, LoadedPlugin, NoServices, PluginRuntime, RuntimeConfig};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn call(plugin: &LoadedPlugin, args: &serde_json::Value) {
    let context = CallContext { campaign_id: "bench".into(), session_id: None };
    plugin.call_tool(&context, &Grants::none(), Arc::new(NoServices), 0, "add", args).await.expect("call");
}

fn main() {
    let bytes = std::fs::read(fixtures::wasm("fixture-echo")).expect("fixture");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let cache = tempfile::tempdir().unwrap();
        // First load: compile, then from the compiled cache (a new runtime each time).
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for round in 0..5 {
            let fresh_cache = tempfile::tempdir().unwrap();
            let rt = PluginRuntime::new(RuntimeConfig::new(fresh_cache.path())).unwrap();
            let started = Instant::now();
            rt.load(&bytes).await.unwrap();
            cold.push(started.elapsed());
            let rt = PluginRuntime::new(RuntimeConfig::new(fresh_cache.path())).unwrap();
            let started = Instant::now();
            let plugin = rt.load(&bytes).await.unwrap();
            warm.push(started.elapsed());
            assert!(plugin.compiled_from_cache(), "round {round}");
        }
        cold.sort();
        warm.sort();
        println!("first load, compiling:        median {:?}", percentile(&cold, 0.5));
        println!("first load, from the cache:   median {:?}", percentile(&warm, 0.5));

        let rt = PluginRuntime::new(RuntimeConfig::new(cache.path())).unwrap();
        println!("allocator: {}", rt.allocator());
        let plugin = rt.load(&bytes).await.unwrap();
        let args = serde_json::json!({"a": 20, "b": 22});
        for _ in 0..200 {
            call(&plugin, &args).await;
        }
        let n = 3000;
        let mut times = Vec::with_capacity(n);
        let started = Instant::now();
        for _ in 0..n {
            let t = Instant::now();
            call(&plugin, &args).await;
            times.push(t.elapsed());
        }
        let total = started.elapsed();
        times.sort();
        println!(
            "warm call, sequential:        {:.0} calls/s, p50 {:?}, p99 {:?}",
            n as f64 / total.as_secs_f64(),
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );

        let per_task = 3000;
        let started = Instant::now();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let plugin = plugin.clone();
                let args = args.clone();
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        call(&plugin, &args).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let total = started.elapsed();
        println!("2 tasks on 2 cores:           {:.0} calls/s", (2 * per_task) as f64 / total.as_secs_f64());
    });
}
