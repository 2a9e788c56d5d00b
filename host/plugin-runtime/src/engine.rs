//! The one wasmtime engine: configuration, the epoch ticker and the compiled-component
//! cache.
//!
//! The cache holds native code that wasmtime loads without checking it (deserializing is
//! `unsafe`: a tampered file is arbitrary code in the server). So the folder is private to
//! the server's user (0700, files 0600), and every entry is written with the SHA-256 of
//! its bytes beside it (`<entry>.cwasm.sha256`); an entry is read into memory, hashed and
//! compared with that record before it is deserialized from the very bytes that were
//! hashed. A missing or different record, or an unreadable entry, is logged, removed and
//! recompiled from the component: a tampered file is never loaded.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::RuntimeConfig;
use crate::error::LoadError;
use crate::limits::{
    MAX_CORE_INSTANCES, MAX_DEFINITIONS_PER_MODULE, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES,
};

/// How often the epoch advances: the granularity of deadlines and of yielding to the
/// async runtime while a plugin computes.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine: async (so a plugin call yields instead of holding a thread), epoch
/// interruption (deadlines), the pooling allocator sized to the memory limit where the
/// machine allows it, on-demand allocation otherwise.
///
/// The pool has room for `max_concurrent_instances` components at the largest a plugin may
/// be (`limits.rs`: one memory, [`MAX_TABLES`] tables of at most [`MAX_TABLE_ELEMENTS`],
/// [`MAX_CORE_INSTANCES`] core instances), so no plugin can take slots from the others.
pub(crate) fn build_engine(config: &RuntimeConfig) -> wasmtime::Result<(Engine, &'static str)> {
    if !config.pooling {
        return Ok((Engine::new(&base_config())?, "on-demand"));
    }
    let pooled = {
        let mut pool = PoolingAllocationConfig::default();
        let slots = config.max_concurrent_instances;
        pool.total_component_instances(slots)
            .total_core_instances(slots * MAX_CORE_INSTANCES)
            .max_core_instances_per_component(MAX_CORE_INSTANCES)
            // The runtime refuses a component with more than one memory or MAX_TABLES
            // tables at load (with its own error), before any instance exists; a module may
            // define a few more for that check to be the one that answers.
            .total_memories(slots * MAX_MEMORIES)
            .max_memories_per_module(MAX_DEFINITIONS_PER_MODULE)
            .total_tables(slots * MAX_TABLES)
            .max_tables_per_module(MAX_DEFINITIONS_PER_MODULE)
            .table_elements(MAX_TABLE_ELEMENTS)
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
/// compatibility hash, so a new wasmtime or a new configuration never loads stale code;
/// each entry verified against the SHA-256 recorded when it was written (module docs).
pub(crate) struct ComponentCache {
    /// `None` when the folder cannot be made private: then nothing is cached or read.
    dir: Option<PathBuf>,
    engine_key: String,
}

/// What the cache holds for a component.
enum Cached {
    /// Nothing (never compiled here, or removed).
    Missing,
    /// An entry whose bytes match the hash recorded with them.
    Verified(Vec<u8>),
    /// An entry that cannot be trusted, and why.
    Untrusted(String),
}

impl ComponentCache {
    /// The cache in `dir`, created private to this user (0700) or made so; when that fails
    /// (another user's folder), the runtime compiles every component and caches nothing.
    pub(crate) fn new(dir: &Path, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let dir = match make_private_dir(dir) {
            Ok(()) => Some(dir.to_path_buf()),
            Err(err) => {
                tracing::warn!(
                    path = %dir.display(),
                    "the compiled-plugin cache folder cannot be made private to this user ({err}); \
                     plugins will be compiled on every load and not cached"
                );
                None
            }
        };
        ComponentCache { dir, engine_key: format!("{:016x}", hasher.finish()) }
    }

    fn path(&self, dir: &Path, sha256: &str) -> PathBuf {
        dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// Loads the compiled form of `bytes` from the cache, or compiles and stores it.
    /// Returns the component and whether it came from the cache.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, bool), LoadError> {
        let path = self.dir.as_deref().map(|dir| self.path(dir, sha256));
        if let Some(path) = &path {
            match read_verified(path) {
                Cached::Missing => {}
                Cached::Verified(compiled) => {
                    // SAFETY: these are the bytes whose SHA-256 matched the record written
                    // beside them by `store` (below), in a folder only this user can write;
                    // they are deserialized from memory, so the file changing afterwards
                    // cannot change them. They came from `Component::serialize` of an engine
                    // with the same compatibility hash (part of the file name); anything
                    // wasmtime still refuses is recompiled.
                    match unsafe { Component::deserialize(engine, &compiled) } {
                        Ok(component) => return Ok((component, true)),
                        Err(err) => {
                            tracing::warn!(path = %path.display(), "discarding unusable compiled plugin: {err}");
                            remove_entry(path);
                        }
                    }
                }
                Cached::Untrusted(why) => {
                    tracing::warn!(
                        path = %path.display(),
                        "not loading the compiled plugin in the cache: {why}; recompiling it from the component"
                    );
                    remove_entry(path);
                }
            }
        }
        let component =
            Component::new(engine, bytes).map_err(|err| LoadError::InvalidComponent(format!("{err:#}")))?;
        if let Some(path) = &path
            && let Err(err) = store(&component, path)
        {
            tracing::warn!(path = %path.display(), "cannot cache the compiled plugin: {err}");
        }
        Ok((component, false))
    }
}

/// Where the hash of a cache entry is recorded.
fn record_path(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_os_string();
    name.push(".sha256");
    PathBuf::from(name)
}

/// A cache entry's bytes if they match the hash recorded with them.
fn read_verified(entry: &Path) -> Cached {
    let compiled = match std::fs::read(entry) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Cached::Missing,
        Err(err) => return Cached::Untrusted(format!("it cannot be read ({err})")),
    };
    let recorded = match std::fs::read_to_string(record_path(entry)) {
        Ok(text) => text.trim().to_ascii_lowercase(),
        Err(err) => {
            return Cached::Untrusted(format!(
                "the hash recorded when it was written cannot be read ({err})"
            ));
        }
    };
    let found = sha256_hex(&compiled);
    if found == recorded {
        Cached::Verified(compiled)
    } else {
        Cached::Untrusted(format!(
            "its SHA-256 is {found}, not the {recorded} recorded when it was written (tampered with or corrupted)"
        ))
    }
}

/// Removes a cache entry and its record; what cannot be removed is overwritten later.
fn remove_entry(entry: &Path) {
    for path in [entry.to_path_buf(), record_path(entry)] {
        if let Err(err) = std::fs::remove_file(&path)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), "cannot remove a compiled-plugin cache file: {err}");
        }
    }
}

/// Writes the compiled component to `entry` and its SHA-256 beside it, each through a
/// temporary file renamed into place, readable by this user only.
fn store(component: &Component, entry: &Path) -> Result<(), LoadError> {
    if let Some(dir) = entry.parent() {
        make_private_dir(dir).map_err(|e| LoadError::Cache(format!("{}: {e}", dir.display())))?;
    }
    let compiled = component.serialize().map_err(|e| LoadError::Cache(e.to_string()))?;
    let record = record_path(entry);
    write_private(entry, &compiled)?;
    write_private(&record, sha256_hex(&compiled).as_bytes())?;
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    use std::io::Write;
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    let failed = |p: &Path, e: std::io::Error| LoadError::Cache(format!("{}: {e}", p.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&partial).map_err(|e| failed(&partial, e))?;
    file.write_all(bytes).map_err(|e| failed(&partial, e))?;
    drop(file);
    std::fs::rename(&partial, path).map_err(|e| failed(path, e))
}

/// Creates `dir` (and its parents) if needed and makes it private to this user: mode 0700
/// on Unix. Only the owner (or root) may change a folder's mode, so success also means
/// the folder is this user's.
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            tracing::info!(path = %dir.display(), "made the compiled-plugin cache folder private (mode {mode:o} -> 700)");
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_loads_only_with_the_hash_recorded_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("x.cwasm");
        assert!(matches!(read_verified(&entry), Cached::Missing));
        std::fs::write(&entry, b"compiled").unwrap();
        assert!(matches!(read_verified(&entry), Cached::Untrusted(why) if why.contains("recorded")));
        std::fs::write(record_path(&entry), sha256_hex(b"compiled")).unwrap();
        assert!(matches!(read_verified(&entry), Cached::Verified(bytes) if bytes == b"compiled"));
        std::fs::write(&entry, b"compiled, then changed").unwrap();
        assert!(matches!(read_verified(&entry), Cached::Untrusted(why) if why.contains("tampered")));
        remove_entry(&entry);
        assert!(!entry.exists() && !record_path(&entry).exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_folder_is_private_to_this_user() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let fresh = root.path().join("a/b/cache");
        make_private_dir(&fresh).unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o700);
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        make_private_dir(&open).unwrap();
        assert_eq!(std::fs::metadata(&open).unwrap().permissions().mode() & 0o777, 0o700);
        write_private(&open.join("f"), b"x").unwrap();
        assert_eq!(std::fs::metadata(open.join("f")).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
