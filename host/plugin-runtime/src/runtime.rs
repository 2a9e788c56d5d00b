//! The plugin runtime: one engine, one linker per supported API version, and loading.

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use crate::config::RuntimeConfig;
use crate::engine::{ComponentCache, build_engine, sha256_hex, start_epoch_ticker};
use crate::error::LoadError;
use crate::plugin::{Inner, LoadedPlugin, PreparedApi, finish_call, new_store};
use crate::services::{Grants, NoServices};
use crate::state::PluginState;
use crate::{v0_1_0, validate};

/// The interface every plugin exports, without its version.
const PLUGIN_INTERFACE: &str = "ttrpg:plugin/plugin@";

/// The API versions this host links, oldest first.
pub const SUPPORTED_API_VERSIONS: &[&str] = &[v0_1_0::VERSION];

/// Compiles, caches, links and describes plugins. One per host.
pub struct PluginRuntime {
    engine: Arc<Engine>,
    linker_v0_1_0: Linker<PluginState>,
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
        let mut linker_v0_1_0 = Linker::new(&engine);
        v0_1_0::add_to_linker(&mut linker_v0_1_0)?;
        let cache = ComponentCache::new(&config.cache_dir, &engine);
        Ok(PluginRuntime { engine, linker_v0_1_0, cache, config, allocator })
    }

    /// `pooling` or `on-demand`: how instances get their memory.
    pub fn allocator(&self) -> &'static str {
        self.allocator
    }

    /// The runtime's limits.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Loads a component: compiles it (or takes it from the cache), checks the API version
    /// it was built against, pre-links it and asks it to describe itself. The description
    /// runs sandboxed with nothing granted, under the same limits as any call.
    pub async fn load(&self, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        let sha256 = sha256_hex(bytes);
        let (component, from_cache) = self.cache.load(&self.engine, bytes, &sha256)?;
        let api = self.exported_api(&component)?;
        let prepared = match api.to_string().as_str() {
            v0_1_0::VERSION => PreparedApi::V0_1_0(
                v0_1_0::Prepared::new(&self.linker_v0_1_0, &component)
                    .map_err(|err| LoadError::Link { api: api.to_string(), message: format!("{err:#}") })?,
            ),
            _ => return Err(self.unsupported(&api.to_string())),
        };
        let mut store = new_store(
            &self.engine,
            &self.config,
            "(loading)",
            None,
            &Grants::none(),
            Arc::new(NoServices),
            0,
        );
        let described = match &prepared {
            PreparedApi::V0_1_0(p) => tokio::time::timeout(self.config.call_timeout, p.describe(&mut store))
                .await
                .map_err(|_| self.config.call_timeout),
        };
        let raw = finish_call(&mut store, "(loading)", self.config.memory_limit, described)?;
        let manifest = validate::manifest(raw.manifest, &api)?;
        let tools = validate::tools(&manifest.id, raw.tools)?;
        tracing::info!(plugin = %manifest.id, version = %manifest.version, api = %api, from_cache, "plugin loaded");
        Ok(LoadedPlugin {
            inner: Arc::new(Inner {
                manifest,
                tools,
                collections: raw.collections,
                dice_grammar: raw.dice_grammar,
                sha256,
                from_cache,
                prepared,
                engine: (*self.engine).clone(),
                config: self.config.clone(),
            }),
        })
    }

    /// The API version the component's plugin export names.
    fn exported_api(&self, component: &Component) -> Result<semver::Version, LoadError> {
        let ty = component.component_type();
        let exports: Vec<String> = ty.exports(&self.engine).map(|(name, _)| name.to_string()).collect();
        let Some(name) = exports.iter().find(|name| name.starts_with(PLUGIN_INTERFACE)) else {
            return Err(LoadError::NotAPlugin {
                expected: format!("{PLUGIN_INTERFACE}{{{}}}", SUPPORTED_API_VERSIONS.join(",")),
                exports: if exports.is_empty() { "nothing".into() } else { exports.join(", ") },
            });
        };
        let version = &name[PLUGIN_INTERFACE.len()..];
        let parsed = semver::Version::parse(version).map_err(|_| self.unsupported(version))?;
        if SUPPORTED_API_VERSIONS.contains(&parsed.to_string().as_str()) {
            Ok(parsed)
        } else {
            Err(self.unsupported(version))
        }
    }

    fn unsupported(&self, found: &str) -> LoadError {
        LoadError::UnsupportedApi { found: found.to_string(), supported: SUPPORTED_API_VERSIONS.join(", ") }
    }
}
