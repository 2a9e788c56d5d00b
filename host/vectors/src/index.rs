//! The backend-neutral vector index trait.

use async_trait::async_trait;

use crate::error::IndexError;
use crate::types::{CollectionSpec, CollectionStats, Filter, Hit, HybridQuery, Maintenance, Point};

/// A hybrid (dense + sparse) vector index holding named collections.
///
/// Implemented by [`crate::EdgeIndex`] (embedded, in-process) and [`crate::RemoteIndex`]
/// (a Qdrant server). Both behave the same from the caller's side.
#[async_trait]
pub trait VectorIndex: Send + Sync {
    /// Creates the collection if missing; otherwise checks that it has the same dense
    /// dimension and adds any missing payload index. Idempotent.
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), IndexError>;

    /// Deletes the collection and all its points. Returns whether it existed.
    /// (Beyond the minimal API: a full re-index is cheapest as drop + ensure + upsert.)
    async fn drop_collection(&self, collection: &str) -> Result<bool, IndexError>;

    /// Inserts or overwrites points by id (a whole batch per call).
    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), IndexError>;

    /// Deletes every point matching `filter`. An empty filter is refused (it would delete the
    /// whole collection by accident).
    async fn delete(&self, collection: &str, filter: &Filter) -> Result<(), IndexError>;

    /// Exact number of points matching `filter` (the empty filter counts all points).
    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, IndexError>;

    /// Hybrid search: dense and sparse arms, each limited to `query.prefetch` candidates
    /// and to `query.filter`, fused by Reciprocal Rank Fusion; best hit first.
    async fn search(&self, collection: &str, query: &HybridQuery) -> Result<Vec<Hit>, IndexError>;

    /// Makes every acknowledged write durable: after this returns, the data survives a crash
    /// or `kill -9` of the process.
    async fn flush(&self) -> Result<(), IndexError>;

    /// Housekeeping after a large write (an ingestion): builds the HNSW index of segments
    /// large enough to need it, so searches stop scanning every vector, and truncates the
    /// write-ahead log once the flushed segments hold what it recorded. Writers wait
    /// meanwhile; searches wait for the moment the files are swapped. The default does
    /// nothing: a Qdrant server optimizes and truncates on its own.
    async fn maintain(&self, collection: &str) -> Result<Maintenance, IndexError> {
        let _ = collection;
        Ok(Maintenance::default())
    }

    /// Every collection's points and segments, by name.
    async fn stats(&self) -> Result<Vec<CollectionStats>, IndexError>;

    /// One-line human description of the backend and its state, for a `doctor` command.
    fn describe(&self) -> String;
}
