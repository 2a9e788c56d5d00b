//! The rulebook library: ingested books and campaign notes, searchable by meaning and by
//! keyword.
//!
//! [`Library`] ties together the parts the ingest and search flows share: the structured
//! database (documents, pages, chunk rows: the source of truth), the vector index (dense
//! MiniLM vectors and sparse BM25 vectors, [`ttrpg_vectors::VectorIndex`]: Qdrant Edge in
//! process or a Qdrant server), the embedding model and a cache of answers. Ingestion lives
//! in [`ingest`], searching in [`search`], campaign notes in [`notes`].

pub mod books;
mod error;
pub mod eval;
pub mod glossary;
pub mod house_rules;
pub mod ingest;
pub mod notes;
pub mod sandbox;
pub mod search;

use std::sync::Arc;

use anyhow::Context;
use ttrpg_vectors::bm25::Bm25;
use ttrpg_vectors::{CollectionSpec, EdgeIndex, IndexError, RemoteIndex, RemoteOptions, VectorIndex};

use crate::cache::TwoLevelCache;
use crate::config::{Config, IngestConfig};
use crate::embed::{EmbedError, Embedder, LocalEmbedder};
use crate::storage::Storage;
use ingest::split::SplitConfig;

pub use error::{LibraryError, LibraryResult};

/// The vector collection of rulebook chunks.
pub const RULEBOOK_COLLECTION: &str = "rulebook_chunks";
/// The cache tag whose generation every cached answer carries (bumped when the books change).
const LIBRARY_TAG: &str = "library";
/// The vector collection of campaign notes.
pub const NOTES_COLLECTION: &str = "campaign_notes";

/// BM25's average document length, in terms. Fixed rather than measured so that a chunk's
/// sparse vector never depends on what else was ingested before it (a resumed run writes
/// exactly what a clean run would): about what a 200-token chunk holds after stop words.
pub const BM25_AVERAGE_TERMS: f32 = 90.0;

/// Rulebooks and notes, ready to ingest into and search.
pub struct Library {
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) index: Arc<dyn VectorIndex>,
    pub(crate) embedder: Arc<dyn Embedder>,
    pub(crate) bm25: Bm25,
    pub(crate) split: SplitConfig,
    /// Answers and query embeddings (shared with other hosts when Redis is configured).
    pub(crate) cache: Arc<TwoLevelCache>,
    /// How a PDF is read: threads and the budgets against hostile files.
    pub(crate) extract: ttrpg_pdf::ExtractOptions,
    /// Ingestions running at once (the rest wait here).
    pub(crate) ingest_slots: Arc<tokio::sync::Semaphore>,
    /// The ingestions running (or queued) on this host, for health.
    pub running: ingest::RunningIngests,
    /// Extractions running at once: held by the reading threads themselves, so a cancelled
    /// ingestion's extraction still counts until it has stopped.
    pub(crate) extract_slots: Arc<tokio::sync::Semaphore>,
    /// Whether [`Library::open`] found the in-process index marked for discarding (by a
    /// restore) and discarded it: every chunk waits to be indexed again.
    pub index_discarded: bool,
    /// Held by [`Library::reindex`], so that two rebuilds never embed the same chunks.
    pub(crate) reindexing: Arc<tokio::sync::Mutex<()>>,
    /// How long an ingestion's lease lasts unless renewed (`ingest.lease_secs`).
    pub(crate) lease: std::time::Duration,
    /// Where rules search finds the systems' glossaries (set once, by the app).
    glossary_source: std::sync::OnceLock<Arc<dyn glossary::GlossarySource>>,
    /// What the source gave, by system (`*` for every system), for [`glossary::GLOSSARY_TTL`].
    glossaries: moka::sync::Cache<String, Arc<Vec<Arc<glossary::Glossary>>>>,
}

impl Library {
    /// Names where rules search finds glossaries (the app gives the installed plugins).
    /// Only the first call counts.
    pub fn set_glossary_source(&self, source: Arc<dyn glossary::GlossarySource>) {
        let _ = self.glossary_source.set(source);
    }

    /// The glossaries of `system` (every system's when `None`), from the source or the
    /// last [`glossary::GLOSSARY_TTL`]. A source that fails is logged and searched without:
    /// expansion helps a search, it never stops one.
    pub(crate) async fn glossaries_for(&self, system: Option<&str>) -> Arc<Vec<Arc<glossary::Glossary>>> {
        let Some(source) = self.glossary_source.get() else { return Arc::default() };
        let key = system.unwrap_or("*").to_owned();
        if let Some(found) = self.glossaries.get(&key) {
            return found;
        }
        let found = match source.glossaries(system).await {
            Ok(found) => Arc::new(found),
            Err(err) => {
                tracing::warn!(system = %key, "searching without a glossary: {err:#}");
                Arc::default()
            }
        };
        self.glossaries.insert(key, found.clone());
        found
    }
}

/// Connects to the Qdrant server (or cluster peers) the configuration names, with the
/// replication and shards it asks new collections to have.
pub async fn connect_remote_index(config: &Config) -> Result<RemoteIndex, IndexError> {
    let search = &config.search;
    let options = RemoteOptions {
        api_key: search.qdrant_api_key.clone(),
        replication_factor: search.qdrant_replication,
        shard_number: search.qdrant_shards,
    };
    RemoteIndex::connect(&search.qdrant_urls(), options).await
}

impl Library {
    /// Opens the library the configuration describes: loads the embedding model and opens
    /// the vector index (Qdrant Edge under the data folder, or the configured Qdrant server).
    pub async fn open(
        config: &Config,
        storage: Arc<dyn Storage>,
        cache: Arc<TwoLevelCache>,
    ) -> anyhow::Result<Library> {
        let model_dir =
            crate::embed::model_folder::find_configured(config).map_err(crate::embed::EmbedError::from)?.path;
        let onnxruntime = config.search.onnxruntime.clone();
        let precision = config.search.model_precision;
        let threads = config.search.embed_threads;
        let embedder = tokio::task::spawn_blocking(move || {
            LocalEmbedder::load_with_threads(&model_dir, onnxruntime.as_deref(), precision, threads)
        })
        .await
        .context("loading the embedding model")??;
        let mut discarded = false;
        let index: Arc<dyn VectorIndex> = match &config.search.qdrant_url {
            Some(url) => Arc::new(connect_remote_index(config).await.with_context(|| {
                format!("connecting to the Qdrant server at {}", crate::config::redact_url(url))
            })?),
            None => {
                let dir = config.vectors_dir();
                discarded = discard_marked_index(config, storage.as_ref()).await?;
                Arc::new(
                    EdgeIndex::open(&dir)
                        .with_context(|| format!("opening the vector index in {}", dir.display()))?,
                )
            }
        };
        let mut library =
            Library::new(storage, index, Arc::new(embedder), cache).await?.with_limits(&config.ingest);
        library.index_discarded = discarded;
        Ok(library)
    }

    /// The same library held to `limits`: reading threads, PDF budgets, ingestions at once.
    pub fn with_limits(mut self, limits: &IngestConfig) -> Library {
        let mut extract =
            ttrpg_pdf::ExtractOptions { threads: limits.reading_threads(), ..Default::default() };
        extract.budgets.page_decompressed_bytes = limits.page_decompressed_mb.max(1) << 20;
        extract.budgets.page_time = std::time::Duration::from_millis(limits.page_time_ms.max(1));
        extract.budgets.file_decompressed_bytes = limits.file_decompressed_mb.max(1) << 20;
        self.extract = extract;
        self.ingest_slots = Arc::new(tokio::sync::Semaphore::new(limits.concurrent.max(1)));
        self.extract_slots = Arc::new(tokio::sync::Semaphore::new(limits.concurrent.max(1)));
        self.lease = std::time::Duration::from_secs(limits.lease_secs.max(1));
        self
    }

    /// A library over parts already opened; makes sure the vector collections exist.
    pub async fn new(
        storage: Arc<dyn Storage>,
        index: Arc<dyn VectorIndex>,
        embedder: Arc<dyn Embedder>,
        cache: Arc<TwoLevelCache>,
    ) -> anyhow::Result<Library> {
        let dimension = embedder.dimension();
        for spec in [rulebook_spec(dimension), notes_spec(dimension)] {
            index
                .ensure_collection(&spec)
                .await
                .with_context(|| format!("creating the {} collection", spec.name))?;
        }
        Ok(Library {
            storage,
            index,
            embedder,
            bm25: Bm25::new(BM25_AVERAGE_TERMS),
            split: SplitConfig::default(),
            cache,
            extract: ttrpg_pdf::ExtractOptions { threads: 2, ..Default::default() },
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            running: ingest::RunningIngests::default(),
            extract_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            index_discarded: false,
            reindexing: Arc::default(),
            glossary_source: std::sync::OnceLock::new(),
            glossaries: moka::sync::Cache::builder()
                .max_capacity(64)
                .time_to_live(glossary::GLOSSARY_TTL)
                .build(),
            lease: std::time::Duration::from_secs(IngestConfig::default().lease_secs),
        })
    }

    /// The structured database.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The vector index.
    pub fn index(&self) -> &Arc<dyn VectorIndex> {
        &self.index
    }

    /// The vector index's collections with their points and segments.
    pub async fn index_stats(
        &self,
    ) -> Result<Vec<ttrpg_vectors::CollectionStats>, ttrpg_vectors::IndexError> {
        self.index.stats().await
    }

    /// The embedding model.
    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The current generation of searchable content (take it before searching).
    pub(crate) async fn stamp(&self) -> crate::cache::Stamp {
        self.cache.stamp(LIBRARY_TAG).await
    }

    /// Forgets cached answers on every host: what search can see has changed.
    pub(crate) async fn invalidate(&self) {
        self.cache.invalidate(LIBRARY_TAG).await;
    }

    /// Embeds texts on a blocking thread.
    pub(crate) async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let embedder = self.embedder.clone();
        tokio::task::spawn_blocking(move || embedder.embed(&texts))
            .await
            .map_err(|err| EmbedError::Inference(format!("the embedding task failed: {err}")))?
    }
}

/// The rulebook chunks' collection: filterable by book, system, scope (campaign or
/// `global`), content type, document and pages; a GM-only chunk carries its scope again as
/// `gm_scope`, which a player's search excludes.
fn rulebook_spec(dense_dim: usize) -> CollectionSpec {
    CollectionSpec {
        name: RULEBOOK_COLLECTION.into(),
        dense_dim,
        keyword_fields: ["book", "system", "scope", "content_type", "document_id", "gm_scope"]
            .map(String::from)
            .to_vec(),
        integer_fields: ["page_start", "page_end"].map(String::from).to_vec(),
    }
}

/// The notes' collection: filterable by campaign, kind and visibility.
fn notes_spec(dense_dim: usize) -> CollectionSpec {
    CollectionSpec {
        name: NOTES_COLLECTION.into(),
        dense_dim,
        keyword_fields: ["campaign_id", "kind", "visibility"].map(String::from).to_vec(),
        integer_fields: Vec::new(),
    }
}

/// The text that is embedded for a chunk: its section path, then its text, so a chunk
/// deep in "Spellcasting › Components" knows what it is about.
pub(crate) fn embedding_text(section: &str, text: &str) -> String {
    if section.is_empty() { text.to_owned() } else { format!("{section}\n{text}") }
}

/// Discards the in-process vector index when a restore marked it
/// ([`Config::vectors_discard_marker`]): every chunk is marked for indexing first, then the
/// folder goes, so a kill between the two only repeats the work. Returns whether it did.
async fn discard_marked_index(config: &Config, storage: &dyn Storage) -> anyhow::Result<bool> {
    if !config.vectors_discard_marker().exists() {
        return Ok(false);
    }
    let dir = config.vectors_dir();
    let forgotten = storage.forget_index().await.context("marking every chunk for indexing")?;
    std::fs::remove_dir_all(&dir)
        .with_context(|| format!("discarding the vector index in {}", dir.display()))?;
    tracing::warn!(
        chunks = forgotten,
        "discarded a vector index a restore marked as not matching the database; indexing every chunk again"
    );
    Ok(true)
}
