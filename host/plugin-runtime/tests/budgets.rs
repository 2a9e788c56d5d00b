//! Budgets against hostile plugins, in process: sixteen linear memories, a table grown to
//! millions of elements (both built from a hand-written core module, `raw_plugins.rs`), a kv
//! flood, a search with a megabyte query, and a tampered compiled component in the cache.
//! Each is contained with an error that names the limit, and other plugins and campaigns
//! keep working.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "../../../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../../../tests/support/raw_plugins.rs"]
mod raw_plugins;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use ttrpg_plugin_runtime::model::{CallContext, Capability, SearchHit};
use ttrpg_plugin_runtime::{
    CallError, Grants, HostServices, KV_ENTRY_OVERHEAD, LoadError, LoadedPlugin, MAX_TABLE_ELEMENTS,
    NoServices, PluginRuntime, RuntimeConfig, ServiceError,
};

fn runtime(cache: &Path, pooling: bool) -> PluginRuntime {
    let mut config = RuntimeConfig::new(cache);
    config.pooling = pooling;
    config.memory_limit = 64 << 20;
    PluginRuntime::new(config).expect("plugin runtime")
}

async fn load(runtime: &PluginRuntime, package: &str) -> LoadedPlugin {
    let bytes = std::fs::read(fixtures::wasm(package)).unwrap();
    runtime.load(&bytes).await.unwrap_or_else(|err| panic!("loading {package}: {err}"))
}

fn context(campaign: &str) -> CallContext {
    CallContext { campaign_id: campaign.into(), session_id: None }
}

async fn call_in(
    plugin: &LoadedPlugin,
    campaign: &str,
    grants: &Grants,
    services: Arc<dyn HostServices>,
    tool: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, CallError> {
    plugin.call_tool(&context(campaign), grants, services, 1, tool, &args).await
}

async fn call(plugin: &LoadedPlugin, tool: &str) -> Result<serde_json::Value, CallError> {
    call_in(plugin, "c1", &Grants::none(), Arc::new(NoServices), tool, json!({})).await
}

/// Another plugin still answers.
async fn bystander_answers(echo: &LoadedPlugin) {
    let out = call_in(echo, "c2", &Grants::none(), Arc::new(NoServices), "add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(out["sum"], 5);
}

#[tokio::test]
async fn sixteen_memories_are_refused_at_load_by_either_allocator() {
    let bytes = raw_plugins::sixteen_memories();
    for pooling in [true, false] {
        let cache = tempfile::tempdir().unwrap();
        let runtime = runtime(cache.path(), pooling);
        println!("allocator: {}", runtime.allocator());
        let err = runtime.load(&bytes).await.unwrap_err();
        println!("sixteen memories: {err}");
        assert!(
            matches!(&err, LoadError::Resources(m) if m.contains("16 linear memories") && m.contains("at most 1")),
            "{err:?}"
        );
        // The same core module with one memory is a working plugin: only the memories were wrong.
        let one =
            raw_plugins::component(&raw_plugins::RawPlugin { id: "memories", memories: 1, table_growth: 0 });
        let plugin = runtime.load(&one).await.unwrap();
        assert_eq!(call(&plugin, "grow_table").await.unwrap(), json!({"ok": true}));
        bystander_answers(&load(&runtime, "fixture-echo").await).await;
    }
}

#[tokio::test]
async fn a_table_grown_to_millions_is_stopped_in_either_allocator() {
    for pooling in [true, false] {
        let cache = tempfile::tempdir().unwrap();
        let runtime = runtime(cache.path(), pooling);
        let allocator = runtime.allocator();
        let echo = load(&runtime, "fixture-echo").await;
        let grower = runtime.load(&raw_plugins::table_grower(5_000_000)).await.unwrap();
        let err = call(&grower, "grow_table").await.unwrap_err();
        println!("{allocator}: table growth by 5 000 000: {err}");
        assert!(
            matches!(&err, CallError::TableLimit { plugin, limit } if plugin == "tables" && *limit == MAX_TABLE_ELEMENTS),
            "{allocator}: {err:?}"
        );
        assert!(err.to_string().contains(&MAX_TABLE_ELEMENTS.to_string()), "{err}");
        bystander_answers(&echo).await;
        // Growth within the limit is fine, call after call (each call has a fresh store).
        let modest = runtime.load(&raw_plugins::table_grower(1000)).await.unwrap();
        for _ in 0..3 {
            assert_eq!(call(&modest, "grow_table").await.unwrap(), json!({"ok": true}), "{allocator}");
        }
    }
}

/// Key-value spaces in memory, holding each (plugin, campaign) to the quota under one lock,
/// the way the host's storage does in its write.
#[derive(Default)]
struct QuotaKv {
    spaces: Mutex<HashMap<(String, String), Space>>,
}

/// One (plugin, campaign) space: key → value.
type Space = BTreeMap<String, Vec<u8>>;

fn cost(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64 + KV_ENTRY_OVERHEAD
}

#[async_trait]
impl HostServices for QuotaKv {
    async fn kv_get(&self, plugin: &str, campaign: &str, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let spaces = self.spaces.lock().unwrap();
        Ok(spaces.get(&(plugin.into(), campaign.into())).and_then(|s| s.get(key).cloned()))
    }
    async fn kv_set(
        &self,
        plugin: &str,
        campaign: &str,
        key: &str,
        value: Vec<u8>,
        quota: u64,
    ) -> Result<(), ServiceError> {
        let mut spaces = self.spaces.lock().unwrap();
        let space = spaces.entry((plugin.into(), campaign.into())).or_default();
        let others: u64 = space.iter().filter(|(k, _)| *k != key).map(|(k, v)| cost(k, v)).sum();
        let would_hold = others + cost(key, &value);
        if would_hold > quota {
            return Err(ServiceError::QuotaExceeded { plugin: plugin.into(), quota, would_hold });
        }
        space.insert(key.into(), value);
        Ok(())
    }
    async fn kv_delete(&self, plugin: &str, campaign: &str, key: &str) -> Result<bool, ServiceError> {
        let mut spaces = self.spaces.lock().unwrap();
        Ok(spaces.get_mut(&(plugin.into(), campaign.into())).is_some_and(|s| s.remove(key).is_some()))
    }
    async fn kv_list(
        &self,
        plugin: &str,
        campaign: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, ServiceError> {
        let spaces = self.spaces.lock().unwrap();
        let space = spaces.get(&(plugin.into(), campaign.into()));
        Ok(space
            .into_iter()
            .flat_map(|s| s.keys())
            .filter(|k| k.starts_with(prefix))
            .take(limit)
            .cloned()
            .collect())
    }
    async fn search(
        &self,
        c: &str,
        k: &str,
        q: &str,
        f: &serde_json::Value,
        n: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        NoServices.search(c, k, q, f, n).await
    }
    async fn call_host_tool(
        &self,
        c: &str,
        s: Option<&str>,
        n: &str,
        a: serde_json::Value,
    ) -> Result<serde_json::Value, ServiceError> {
        NoServices.call_host_tool(c, s, n, a).await
    }
}

#[tokio::test]
async fn a_kv_flood_stops_at_the_quota_and_other_spaces_are_unaffected() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = runtime(cache.path(), true);
    let quota = runtime.config().kv_quota_bytes;
    assert_eq!(quota, 1 << 20, "the default quota is 1 MiB");
    let hostile = load(&runtime, "fixture-hostile").await;
    let echo = load(&runtime, "fixture-echo").await;
    let kv: Arc<QuotaKv> = Arc::default();
    let grants = Grants::of([Capability::Kv]);
    let flood = call_in(&hostile, "c1", &grants, kv.clone(), "kv_flood", json!({})).await.unwrap();
    println!("kv_flood: {flood}");
    let written = flood["written"].as_u64().unwrap();
    let per_entry = cost("flood/00000000", &[0; 4096]);
    assert_eq!(written, quota / per_entry, "as many 4 KiB values as fit in 1 MiB");
    let error = flood["error"].as_str().unwrap();
    assert!(error.contains("quota") && error.contains("1024 KiB") && error.contains("hostile"), "{error}");
    let held: u64 = {
        let spaces = kv.spaces.lock().unwrap();
        spaces[&("hostile".to_string(), "c1".to_string())].iter().map(|(k, v)| cost(k, v)).sum()
    };
    assert!(held <= quota, "the space holds {held} bytes, over the quota");
    // Empty values still cost their entry: a flood of them stops too (here under a 16 KiB
    // quota, so the in-memory space above, which sums on every write, stays quick).
    let mut small = RuntimeConfig::new(cache.path());
    small.kv_quota_bytes = 16 << 10;
    let small = PluginRuntime::new(small).unwrap();
    let empty_flood = load(&small, "fixture-hostile").await;
    let empty = call_in(&empty_flood, "c3", &grants, kv.clone(), "kv_flood", json!({"value_bytes": 0}))
        .await
        .unwrap();
    assert_eq!(empty["written"].as_u64().unwrap(), (16 << 10) / cost("flood/00000000", &[]), "{empty}");
    assert!(empty["error"].as_str().unwrap().contains("16 KiB"), "{empty}");
    // The same plugin in another campaign, and another plugin in this one, still write.
    let out = call_in(&echo, "c1", &grants, kv.clone(), "remember", json!({"key": "k", "value": "v"}))
        .await
        .unwrap();
    assert_eq!(out["value"], "v", "{out}");
    let other =
        call_in(&hostile, "c2", &grants, kv.clone(), "kv_flood", json!({"value_bytes": 500_000})).await;
    assert_eq!(other.unwrap()["written"], 2, "a fresh space in another campaign has its own quota");
    bystander_answers(&echo).await;
}

#[tokio::test]
async fn a_megabyte_search_query_is_refused_before_any_scoring() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = runtime(cache.path(), true);
    let hostile = load(&runtime, "fixture-hostile").await;
    let echo = load(&runtime, "fixture-echo").await;
    let grants = Grants::of([Capability::Search]);
    let out =
        call_in(&hostile, "c1", &grants, Arc::new(NoServices), "search_flood", json!({})).await.unwrap();
    println!("search_flood: {out}");
    assert_eq!(out["ok"], false);
    let text = out["text"].as_str().unwrap();
    assert!(text.contains("1048576 bytes") && text.contains("at most 1024 bytes"), "{text}");
    let out =
        call_in(&hostile, "c1", &grants, Arc::new(NoServices), "search_terms", json!({})).await.unwrap();
    assert!(out["text"].as_str().unwrap().contains("at most 64 terms"), "{out}");
    bystander_answers(&echo).await;
}

/// The compiled entries in a cache folder (not their hash records).
fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    entries.sort();
    entries
}

fn record_of(entry: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sha256", entry.display()))
}

#[tokio::test]
async fn a_tampered_compiled_component_is_never_loaded_but_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("compiled");
    let bytes = std::fs::read(fixtures::wasm("fixture-echo")).unwrap();
    let cold = runtime(&dir, true).load(&bytes).await.unwrap();
    assert!(!cold.compiled_from_cache());
    let [entry] = cache_entries(&dir).try_into().unwrap();
    let recorded = std::fs::read_to_string(record_of(&entry)).unwrap();
    assert_eq!(recorded, ttrpg_plugin_runtime::sha256_hex(&std::fs::read(&entry).unwrap()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "the cache folder is private to the server's user");
        assert_eq!(mode(&entry), 0o600);
        assert_eq!(mode(&record_of(&entry)), 0o600);
    }
    assert!(runtime(&dir, true).load(&bytes).await.unwrap().compiled_from_cache(), "an intact entry loads");

    // Tamper with the compiled code, keeping its size: it is not loaded but recompiled.
    let mut compiled = std::fs::read(&entry).unwrap();
    let middle = compiled.len() / 2;
    for byte in &mut compiled[middle..middle + 64] {
        *byte ^= 0xff;
    }
    std::fs::write(&entry, &compiled).unwrap();
    let reloaded = runtime(&dir, true).load(&bytes).await.unwrap();
    assert!(!reloaded.compiled_from_cache(), "the tampered entry was not loaded");
    let none = Grants::none();
    let out = call_in(&reloaded, "c1", &none, Arc::new(NoServices), "add", json!({"a": 1, "b": 2})).await;
    assert_eq!(out.unwrap()["sum"], 3);
    assert_ne!(std::fs::read(&entry).unwrap(), compiled, "the entry was written again from the component");
    assert!(
        runtime(&dir, true).load(&bytes).await.unwrap().compiled_from_cache(),
        "and loads from the cache again"
    );

    // An entry without its record, or with a record that does not match, is not trusted either.
    std::fs::remove_file(record_of(&entry)).unwrap();
    assert!(!runtime(&dir, true).load(&bytes).await.unwrap().compiled_from_cache());
    std::fs::write(record_of(&entry), "0".repeat(64)).unwrap();
    assert!(!runtime(&dir, true).load(&bytes).await.unwrap().compiled_from_cache());
    assert!(runtime(&dir, true).load(&bytes).await.unwrap().compiled_from_cache());
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_cache_folder_open_to_others_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("compiled");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let _runtime = runtime(&dir, true);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
}
