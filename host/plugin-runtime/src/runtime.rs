//! The plugin runtime: one engine, one linker per supported API version, and loading.

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use crate::api::{self, API_BINDINGS};
use crate::config::RuntimeConfig;
use crate::engine::{ComponentCache, build_engine, sha256_hex, start_epoch_ticker};
use crate::error::LoadError;
use crate::limits;
use crate::plugin::{Inner, LoadedPlugin, finish_call, new_store};
use crate::services::{Grants, NoServices};
use crate::state::PluginState;
use crate::validate;

/// The interface every plugin exports, without its version.
const PLUGIN_INTERFACE: &str = "ttrpg:plugin/plugin@";

/// The seed a plugin describes itself with while loading: a description must not be
/// random, and nothing random is granted then.
const DESCRIBE_SEED: u64 = 0;

/// The API versions this host has a binding for, oldest first (the frozen `wit/<version>/`
/// folders). Each runs components built against any semver-compatible version: the
/// 0.1.0 binding runs 0.1.x.
pub const SUPPORTED_API_VERSIONS: &[&str] = &api::binding_versions();

/// Compiles, caches, links and describes plugins. One per host.
pub struct PluginRuntime {
    engine: Arc<Engine>,
    /// One linker per entry of the version table, in its order.
    linkers: Vec<Linker<PluginState>>,
    cache: ComponentCache,
    config: RuntimeConfig,
    allocator: &'static str,
}

impl PluginRuntime {
    /// Builds the engine and the linkers and starts the epoch ticker.
    pub fn new(config: RuntimeConfig) -> anyhow::Result<Self> {
        let (engine, allocator) = build_engine(&config)?;
        let engine = Arc::new(engine);
        start_epoch_ticker(Arc::downgrade(&engine));
        let linkers = API_BINDINGS
            .iter()
            .map(|binding| {
                let mut linker = Linker::new(&engine);
                (binding.add_to_linker)(&mut linker)?;
                Ok(linker)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cache = ComponentCache::new(&config.cache_dir, &engine);
        Ok(PluginRuntime { engine, linkers, cache, config, allocator })
    }

    /// `pooling` or `on-demand`: how instances get their memory.
    pub fn allocator(&self) -> &'static str {
        self.allocator
    }

    /// The runtime's limits.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Loads a component: compiles it (or takes it from the cache, verified), checks what it
    /// needs against the sandbox's limits (one linear memory, [`crate::MAX_TABLES`] tables),
    /// picks the binding of the API version it was built against, pre-links it and asks it
    /// to describe itself. The description runs sandboxed with nothing granted, under the
    /// same limits as any call.
    ///
    /// # Errors
    /// [`LoadError::Resources`] when it needs more than a plugin may hold,
    /// [`LoadError::UnsupportedApi`] naming both versions when no binding is compatible
    /// with the component's, [`LoadError::Link`] when it imports what its binding lacks,
    /// and the other [`LoadError`]s.
    pub async fn load(&self, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        let sha256 = sha256_hex(bytes);
        let (component, from_cache) = self.cache.load(&self.engine, bytes, &sha256)?;
        limits::check(&component, self.config.memory_limit)?;
        let (api, binding) = self.exported_api(&component)?;
        let prepared = (API_BINDINGS[binding].prepare)(&self.linkers[binding], &component)
            .map_err(|err| LoadError::Link { api: api.to_string(), message: format!("{err:#}") })?;
        let state = PluginState::new(
            &self.config,
            "(loading)",
            None,
            &Grants::none(),
            Arc::new(NoServices),
            DESCRIBE_SEED,
        );
        let mut store = new_store(&self.engine, state);
        let described = tokio::time::timeout(self.config.call_timeout, prepared.describe(&mut store))
            .await
            .map_err(|_| self.config.call_timeout);
        let raw = finish_call(&mut store, "(loading)", self.config.memory_limit, described)?;
        let manifest = validate::manifest(raw.manifest, &api)?;
        let tools = validate::tools(&manifest.id, raw.tools)?;
        let glossary = validate::glossary(&manifest.id, raw.glossary)?;
        let prompts = validate::prompts(&manifest.id, raw.prompts)?;
        tracing::info!(
            plugin = %manifest.id,
            version = %manifest.version,
            api = %api,
            binding = API_BINDINGS[binding].version,
            from_cache,
            "plugin loaded"
        );
        Ok(LoadedPlugin {
            inner: Arc::new(Inner {
                manifest,
                tools,
                collections: raw.collections,
                dice_grammar: raw.dice_grammar,
                glossary,
                prompts,
                sha256,
                from_cache,
                prepared,
                engine: (*self.engine).clone(),
                config: self.config.clone(),
            }),
        })
    }

    /// The API version the component's plugin export names, and the index of the binding
    /// that runs it.
    fn exported_api(&self, component: &Component) -> Result<(semver::Version, usize), LoadError> {
        let ty = component.component_type();
        let exports: Vec<String> = ty.exports(&self.engine).map(|(name, _)| name.to_string()).collect();
        let Some(name) = exports.iter().find(|name| name.starts_with(PLUGIN_INTERFACE)) else {
            return Err(LoadError::NotAPlugin {
                expected: format!("{PLUGIN_INTERFACE}{{{}}}", SUPPORTED_API_VERSIONS.join(",")),
                exports: if exports.is_empty() { "nothing".into() } else { exports.join(", ") },
            });
        };
        let version = &name[PLUGIN_INTERFACE.len()..];
        let parsed = semver::Version::parse(version).map_err(|_| unsupported(version))?;
        match api::binding_for(&parsed) {
            Some(binding) => Ok((parsed, binding)),
            None => Err(unsupported(version)),
        }
    }
}

fn unsupported(found: &str) -> LoadError {
    LoadError::UnsupportedApi { found: found.to_string(), supported: api::supported_description() }
}
