//! The one wasmtime engine: configuration, the epoch ticker and the compiled-component
//! cache.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::RuntimeConfig;
use crate::error::LoadError;

/// How often the epoch advances: the granularity of deadlines and of yielding to the
/// async runtime while a plugin computes.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine: async (so a plugin call yields instead of holding a thread), epoch
/// interruption (deadlines), the pooling allocator sized to the memory limit where the
/// machine allows it, on-demand allocation otherwise.
pub(crate) fn build_engine(config: &RuntimeConfig) -> wasmtime::Result<(Engine, &'static str)> {
    let pooled = {
        let mut pool = PoolingAllocationConfig::default();
        let slots = config.max_concurrent_instances;
        pool.total_component_instances(slots)
            .total_core_instances(slots * 4)
            .total_memories(slots * 2)
            .total_tables(slots * 4)
            .total_stacks(slots)
            .max_memory_size(config.memory_limit)
            // Reset the first pages of a reused slot with memset instead of madvise: fewer
            // syscalls on the process-wide memory map, so concurrent calls contend less.
            // What stays resident is bounded (slots × these sizes).
            .linear_memory_keep_resident(256 << 10)
            .table_keep_resident(16 << 10)
            .async_stack_keep_resident(64 << 10);
        let mut wasm = base_config();
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Engine::new(&wasm)
    };
    match pooled {
        Ok(engine) => Ok((engine, "pooling")),
        Err(err) => {
            tracing::warn!("pooling allocator unavailable ({err}); allocating instances on demand");
            Ok((Engine::new(&base_config())?, "on-demand"))
        }
    }
}

fn base_config() -> Config {
    let mut wasm = Config::new();
    wasm.wasm_component_model(true);
    wasm.epoch_interruption(true);
    wasm.max_wasm_stack(1 << 20);
    wasm.async_stack_size(2 << 20);
    wasm
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
pub(crate) fn start_epoch_ticker(engine: Weak<Engine>) {
    let spawned = std::thread::Builder::new().name("plugin-epoch".into()).spawn(move || {
        while let Some(engine) = engine.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start the plugin epoch thread ({err}); plugin deadlines will not fire");
    }
}

/// The hex SHA-256 of a file's bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compiled components on disk, keyed by the component's hash and the engine's
/// compatibility hash, so a new wasmtime or a new configuration never loads stale code.
pub(crate) struct ComponentCache {
    dir: PathBuf,
    engine_key: String,
}

impl ComponentCache {
    pub(crate) fn new(dir: &Path, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache { dir: dir.to_path_buf(), engine_key: format!("{:016x}", hasher.finish()) }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// Loads the compiled form of `bytes` from the cache, or compiles and stores it.
    /// Returns the component and whether it came from the cache.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, bool), LoadError> {
        let path = self.path(sha256);
        if path.exists() {
            // SAFETY: files in this folder are written only by `store` below, from
            // `Component::serialize` of an engine with the same compatibility hash (which
            // is part of the file name). A file that fails to load is recompiled.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, true)),
                Err(err) => {
                    tracing::warn!(path = %path.display(), "discarding unusable compiled plugin: {err}")
                }
            }
        }
        let component =
            Component::new(engine, bytes).map_err(|err| LoadError::InvalidComponent(format!("{err:#}")))?;
        if let Err(err) = self.store(&component, &path) {
            tracing::warn!(path = %path.display(), "cannot cache the compiled plugin: {err}");
        }
        Ok((component, false))
    }

    fn store(&self, component: &Component, path: &Path) -> Result<(), LoadError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| LoadError::Cache(format!("{}: {e}", self.dir.display())))?;
        let compiled = component.serialize().map_err(|e| LoadError::Cache(e.to_string()))?;
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        std::fs::write(&partial, compiled)
            .map_err(|e| LoadError::Cache(format!("{}: {e}", partial.display())))?;
        std::fs::rename(&partial, path).map_err(|e| LoadError::Cache(format!("{}: {e}", path.display())))?;
        Ok(())
    }
}
