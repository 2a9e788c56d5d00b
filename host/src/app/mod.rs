//! The application: configuration, storage and dice limits, shared by the CLI and
//! every MCP session.

use std::sync::Arc;

use anyhow::Context;
use ttrpg_dice::DiceLimits;

use crate::cache::{RedisL2, SharedCache, TwoLevelCache};
use crate::config::{CacheConfig, Config};
use crate::images::{FolderBlobs, ImageLibrary};
use crate::library::Library;
use crate::plugins::{PluginGlossaries, PluginHost};
use crate::storage::{self, MigrateOnOpen, Storage};

pub mod events;

pub use events::{AppEvent, Events};

/// What every command and tool works with.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// The structured database.
    pub storage: Arc<dyn Storage>,
    /// Limits every dice expression is held to.
    pub dice_limits: DiceLimits,
    /// Installed plugins and the sandbox that runs them.
    pub plugins: Arc<PluginHost>,
    /// Events for every MCP session (tool list changes), from this host and the others.
    pub events: Arc<Events>,
    /// What the server counts about itself (`/metrics`).
    pub metrics: Arc<crate::telemetry::Metrics>,
    /// The two-level cache (in process, and Redis when configured).
    pub cache: Arc<TwoLevelCache>,
    /// Maps, handouts, tokens and portraits.
    pub images: ImageLibrary,
    /// What the scheduled backups have done (`backup.every`; started by `ttrpg serve`).
    pub backups: Arc<crate::backup::schedule::Schedule>,
    /// The rulebook library, opened on first use (it loads the embedding model).
    library: tokio::sync::OnceCell<Arc<Library>>,
}

impl App {
    /// Opens the database the configuration names (bringing its schema up to date)
    /// and builds the application.
    pub async fn open(config: Config) -> anyhow::Result<Arc<App>> {
        let url = config.database_url();
        let cache = Arc::new(open_cache(&config.cache)?);
        let storage = storage::open_cached(&url, MigrateOnOpen::Apply, Some(cache.clone()))
            .await
            .with_context(|| format!("opening the database {}", storage::redact_url(&url)))?;
        Ok(Arc::new(App::with_storage_and_cache(config, storage, cache)?))
    }

    /// Builds the application over an already opened store (which reads without a cache;
    /// the app's own cache serves the library).
    pub fn with_storage(config: Config, storage: Arc<dyn Storage>) -> anyhow::Result<App> {
        let cache = Arc::new(open_cache(&config.cache)?);
        App::with_storage_and_cache(config, storage, cache)
    }

    /// Builds the application over an already opened store and the cache it reads through.
    pub fn with_storage_and_cache(
        config: Config,
        storage: Arc<dyn Storage>,
        cache: Arc<TwoLevelCache>,
    ) -> anyhow::Result<App> {
        let dice_limits = DiceLimits { max_dice: config.dice.max_dice, ..DiceLimits::default() };
        let dir = config.plugins_dir();
        let runtime = PluginHost::runtime_config(&dir, &config.plugins);
        let plugins =
            Arc::new(PluginHost::new(dir, runtime, storage.clone()).context("starting the plugin runtime")?);
        let events = Arc::new(Events::new(storage.clone()));
        let blobs = Arc::new(FolderBlobs::new(config.images_dir()));
        let images = ImageLibrary::new(storage.clone(), blobs, &config.images);
        Ok(App {
            images,
            backups: Arc::default(),
            config,
            storage,
            dice_limits,
            plugins,
            events,
            metrics: Arc::new(crate::telemetry::Metrics::new()),
            cache,
            library: tokio::sync::OnceCell::new(),
        })
    }

    /// The rulebook library, opening it (and loading the embedding model) on first use.
    pub async fn library(&self) -> anyhow::Result<Arc<Library>> {
        let library = self
            .library
            .get_or_try_init(|| async {
                let library =
                    Arc::new(Library::open(&self.config, self.storage.clone(), self.cache.clone()).await?);
                if self.config.search.glossary {
                    library.set_glossary_source(Arc::new(PluginGlossaries(self.plugins.clone())));
                }
                if library.index_discarded {
                    let rebuilding = library.clone();
                    tokio::spawn(async move {
                        match rebuilding.reindex(&crate::library::ingest::NoProgress).await {
                            Ok(n) => tracing::info!(chunks = n, "rebuilt the vector index"),
                            Err(err) => tracing::error!(error = %err, "rebuilding the vector index failed"),
                        }
                    });
                }
                anyhow::Ok(library)
            })
            .await?;
        Ok(library.clone())
    }

    /// The library if this process has opened it (health does not open it).
    pub fn opened_library(&self) -> Option<Arc<Library>> {
        self.library.get().cloned()
    }

    /// Tells every MCP session, on this host and the others, that the resource at `uri` (one
    /// of [`events::uri`]) of a campaign changed, so subscribed clients re-read it.
    pub async fn resource_updated(&self, campaign_id: &str, uri: String) {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let event = AppEvent::ResourceUpdated { campaign_id: campaign_id.to_string(), uri, id };
        if let Err(err) = self.events.publish(event).await {
            tracing::warn!(campaign = campaign_id, "the other hosts were not told a resource changed: {err}");
        }
    }

    /// Tells every host that the tool list of the MCP session `session_id` changed, so the
    /// host holding its stream tells its client.
    pub async fn session_list_changed(&self, session_id: &str) {
        let event = AppEvent::SessionListChanged { session_id: session_id.to_string() };
        if let Err(err) = self.events.publish(event).await {
            tracing::warn!("the other hosts were not told an MCP session's tool list changed: {err}");
        }
    }

    /// Tells every MCP session, on this host and the others, that a campaign's tool list
    /// changed. The other hosts' sessions miss it (and the error says so) when the database
    /// cannot carry it; this host's have it either way.
    pub async fn tools_changed(&self, campaign_id: &str) {
        let event = AppEvent::ToolsChanged { campaign_id: campaign_id.to_string() };
        if let Err(err) = self.events.publish(event).await {
            tracing::warn!(
                campaign = campaign_id,
                "the other hosts were not told the tool list changed: {err}"
            );
        }
    }
}

/// The cache the configuration asks for: L1, over Redis when `cache.redis_url` is set
/// (connected on first use, so a host starts while Redis is down).
fn open_cache(config: &CacheConfig) -> anyhow::Result<TwoLevelCache> {
    let l1_bytes = config.l1_mb.max(1) << 20;
    let Some(url) = &config.redis_url else { return Ok(TwoLevelCache::local(l1_bytes)) };
    let l2: Arc<dyn SharedCache> = Arc::new(
        RedisL2::new(url)
            .with_context(|| format!("the Redis cache at {}", crate::config::redact_url(url)))?,
    );
    Ok(TwoLevelCache::new(l1_bytes, Some(l2), &config.redis_prefix))
}
