//! Embedded backend: Qdrant Edge 0.7.2 in process, one shard directory per collection.
//!
//! Qdrant Edge is synchronous, so every call runs on `tokio::task::spawn_blocking`. Each shard
//! sits behind a read-write lock: searches and counts share it (they run concurrently), upserts,
//! deletes, index creation and flushes take it exclusively. Edge 0.7.2's own `flush` panics if
//! another thread holds its WAL lock, which the exclusive lock rules out.
//!
//! Durability: edge appends every update to a WAL but never replays it when a shard is loaded
//! (0.7.2 and upstream alike), so only [`VectorIndex::flush`] makes writes durable. After a crash
//! or `kill -9` the shard reopens in the state of its last completed flush (see README).

mod collection;
mod convert;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use qdrant_edge::{CountRequest, PointInsertOperations, PointOperations, UpdateOperation};

use crate::error::IndexError;
use crate::fusion::reciprocal_rank_fusion;
use crate::index::VectorIndex;
use crate::types::{
    CollectionSpec, CollectionStats, DENSE_VECTOR_NAME, Filter, Hit, HybridQuery, Maintenance, Point,
};
use crate::validate;
use collection::EdgeCollection;

/// Points per edge update operation (one WAL record each).
const UPSERT_CHUNK: usize = 256;

/// The embedded index: a directory holding one Qdrant Edge shard per collection
/// (`<dir>/<collection>/`).
pub struct EdgeIndex {
    root: PathBuf,
    collections: Arc<RwLock<HashMap<String, Arc<EdgeCollection>>>>,
    /// Held (by the blocking task itself) while a collection is created or dropped, so even a
    /// cancelled caller cannot let two of them overlap.
    creation_lock: Arc<tokio::sync::Mutex<()>>,
}

impl EdgeIndex {
    /// Opens (creating if needed) the index directory and loads every collection in it.
    ///
    /// Leftovers of a collection creation interrupted by a crash are removed.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
        let mut collections = HashMap::new();
        for entry in std::fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))? {
            let entry = entry.map_err(|e| IndexError::io(dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if collection::is_creation_leftover(&name) {
                std::fs::remove_dir_all(&path).map_err(|e| IndexError::io(&path, e))?;
                continue;
            }
            if !path.is_dir() || validate::collection_name(&name).is_err() || !collection::is_shard(&path) {
                continue;
            }
            collections.insert(name.clone(), Arc::new(EdgeCollection::load(&name, &path)?));
        }
        Ok(Self {
            root: dir.to_owned(),
            collections: Arc::new(RwLock::new(collections)),
            creation_lock: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Directory holding the collections.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Runs Qdrant Edge's optimizers on a collection (merges segments, builds the HNSW index
    /// once a segment passes the indexing threshold), blocking writers meanwhile. Optional:
    /// unoptimized collections are searched exactly (brute force), which is fast for a few
    /// tens of thousands of chunks. Returns whether anything changed.
    pub async fn optimize(&self, collection: &str) -> Result<bool, IndexError> {
        let target = self.collection(collection)?;
        run_blocking(collection, "optimize", move || target.optimize()).await
    }

    fn collection(&self, name: &str) -> Result<Arc<EdgeCollection>, IndexError> {
        let collections =
            self.collections.read().map_err(|_| IndexError::Poisoned { collection: name.into() })?;
        collections
            .get(name)
            .cloned()
            .ok_or_else(|| IndexError::CollectionNotFound { collection: name.to_owned() })
    }

    fn all_collections(&self) -> Vec<Arc<EdgeCollection>> {
        match self.collections.read() {
            Ok(collections) => collections.values().cloned().collect(),
            Err(poisoned) => poisoned.get_ref().values().cloned().collect(),
        }
    }
}

/// Runs a blocking engine call on tokio's blocking pool, turning panics into errors.
async fn run_blocking<T: Send + 'static>(
    collection: &str,
    operation: &'static str,
    task: impl FnOnce() -> Result<T, IndexError> + Send + 'static,
) -> Result<T, IndexError> {
    tokio::task::spawn_blocking(task).await.map_err(|e| IndexError::Task {
        collection: collection.to_owned(),
        operation,
        message: e.to_string(),
    })?
}

#[async_trait]
impl VectorIndex for EdgeIndex {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        validate::spec(spec)?;
        let creating = self.creation_lock.clone().lock_owned().await;
        let spec = spec.clone();
        let name = spec.name.clone();
        if let Ok(existing) = self.collection(&name) {
            return run_blocking(&name, "check collection", move || existing.conform_to(&spec)).await;
        }
        let root = self.root.clone();
        let collections = self.collections.clone();
        run_blocking(&name, "create collection", move || {
            let _creating = creating;
            let created = Arc::new(EdgeCollection::create(&root, &spec)?);
            let mut collections =
                collections.write().map_err(|_| IndexError::Poisoned { collection: spec.name.clone() })?;
            collections.insert(spec.name, created);
            Ok(())
        })
        .await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, IndexError> {
        validate::collection_name(collection)?;
        let creating = self.creation_lock.clone().lock_owned().await;
        let removed = self
            .collections
            .write()
            .map_err(|_| IndexError::Poisoned { collection: collection.to_owned() })?
            .remove(collection);
        let Some(removed) = removed else {
            return Ok(false);
        };
        let path = self.root.join(collection);
        run_blocking(collection, "drop collection", move || {
            let _creating = creating;
            removed.drop_files(&path)
        })
        .await?;
        Ok(true)
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), IndexError> {
        let target = self.collection(collection)?;
        validate::points(collection, &points, target.dense_dim)?;
        let name = collection.to_owned();
        run_blocking(collection, "upsert points", move || {
            let mut operations = Vec::new();
            let mut points = points.into_iter().peekable();
            while points.peek().is_some() {
                let chunk = points
                    .by_ref()
                    .take(UPSERT_CHUNK)
                    .map(|p| convert::point(&name, p).map(Into::into))
                    .collect::<Result<Vec<_>, _>>()?;
                operations.push(UpdateOperation::PointOperation(PointOperations::UpsertPoints(
                    PointInsertOperations::PointsList(chunk),
                )));
            }
            target.update("upsert points", operations)
        })
        .await
    }

    async fn delete(&self, collection: &str, filter: &Filter) -> Result<(), IndexError> {
        validate::delete_filter(collection, filter)?;
        let target = self.collection(collection)?;
        let edge_filter = convert::filter(collection, filter)?
            .ok_or_else(|| IndexError::invalid(collection, "refusing to delete with an empty filter"))?;
        run_blocking(collection, "delete points", move || {
            let operation =
                UpdateOperation::PointOperation(PointOperations::DeletePointsByFilter(edge_filter));
            target.update("delete points", vec![operation])
        })
        .await
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, IndexError> {
        let target = self.collection(collection)?;
        let filter = convert::filter(collection, filter)?;
        run_blocking(collection, "count points", move || {
            target.read("count points", |shard| shard.count(CountRequest { filter, exact: true }))
        })
        .await
        .map(|n| n as u64)
    }

    async fn search(&self, collection: &str, query: &HybridQuery) -> Result<Vec<Hit>, IndexError> {
        let target = self.collection(collection)?;
        validate::query(collection, query, target.dense_dim)?;
        let filter = convert::filter(collection, &query.filter)?;
        let arms = convert::arms(collection, query)?;
        if arms.is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let query = query.clone();
        let name = collection.to_owned();
        run_blocking(collection, "search", move || {
            if query.explain {
                explain_search(&name, &target, arms, filter, &query)
            } else {
                let request = convert::fused_request(arms, filter, &query);
                let points = target.read("search", |shard| shard.query(request))?;
                points.into_iter().map(|p| convert::hit(&name, p)).collect()
            }
        })
        .await
    }

    async fn maintain(&self, collection: &str) -> Result<Maintenance, IndexError> {
        let target = self.collection(collection)?;
        run_blocking(collection, "maintain", move || {
            let optimized = target.optimize()?;
            let wal_bytes_freed = target.truncate_wal()?;
            Ok(Maintenance { optimized, wal_bytes_freed })
        })
        .await
    }

    async fn flush(&self) -> Result<(), IndexError> {
        for target in self.all_collections() {
            let name = target.name.clone();
            run_blocking(&name, "flush", move || target.flush()).await?;
        }
        Ok(())
    }

    async fn stats(&self) -> Result<Vec<CollectionStats>, IndexError> {
        let collections = self.all_collections();
        let mut stats: Vec<CollectionStats> =
            run_blocking("*", "read stats", move || collections.iter().map(|c| c.stats()).collect()).await?;
        stats.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stats)
    }

    fn describe(&self) -> String {
        let mut out = format!("qdrant-edge 0.7.2, in process, at {}", self.root.display());
        let mut collections = self.all_collections();
        collections.sort_by(|a, b| a.name.cmp(&b.name));
        if collections.is_empty() {
            out.push_str("; no collections");
        }
        for collection in collections {
            let _ = write!(out, "; {}", collection.describe());
        }
        out
    }
}

/// Runs each arm on its own and fuses them here, to report per-arm ranks.
fn explain_search(
    name: &str,
    target: &EdgeCollection,
    arms: Vec<(&'static str, qdrant_edge::ScoringQuery)>,
    filter: Option<qdrant_edge::Filter>,
    query: &HybridQuery,
) -> Result<Vec<Hit>, IndexError> {
    let limit = query.prefetch.max(query.limit);
    let mut rankings = Vec::new();
    let mut arm_names = Vec::new();
    for (arm_name, scoring) in arms {
        let request = convert::arm_request(scoring, filter.clone(), limit);
        let points = target.read("search", |shard| shard.query(request))?;
        let ids = points.into_iter().map(|p| convert::point_id(name, p.id)).collect::<Result<Vec<_>, _>>()?;
        rankings.push(ids);
        arm_names.push(arm_name);
    }
    let fused = reciprocal_rank_fusion(&rankings, query.limit);
    let ids: Vec<_> = fused.iter().map(|f| qdrant_edge::PointId::NumId(f.id)).collect();
    let mut payloads: HashMap<u64, _> = target
        .read("retrieve payloads", |shard| shard.retrieve(&ids, Some(true.into()), Some(false.into())))?
        .into_iter()
        .filter_map(|record| Some((convert::point_id(name, record.id).ok()?, record.payload?.0)))
        .collect();
    Ok(fused
        .into_iter()
        .map(|f| {
            let rank_of = |arm| arm_names.iter().position(|n| *n == arm).and_then(|i| f.ranks[i]);
            Hit {
                id: f.id,
                score: f.score,
                payload: payloads.remove(&f.id).unwrap_or_default(),
                dense_rank: rank_of(DENSE_VECTOR_NAME),
                sparse_rank: rank_of(crate::types::SPARSE_VECTOR_NAME),
            }
        })
        .collect())
}
