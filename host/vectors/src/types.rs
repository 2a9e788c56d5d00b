//! Engine-neutral data types shared by every [`crate::VectorIndex`] backend.

use serde::{Deserialize, Serialize};

/// JSON object stored next to each point (book, page, section, text, ...).
pub type Payload = serde_json::Map<String, serde_json::Value>;

/// Name of the dense (MiniLM) vector in every collection, on every backend.
pub const DENSE_VECTOR_NAME: &str = "dense";

/// Name of the sparse (BM25) vector in every collection, on every backend.
pub const SPARSE_VECTOR_NAME: &str = "sparse";

/// Shape of a collection: the dense dimension and which payload fields get a filter index.
///
/// Every collection has one dense vector named [`DENSE_VECTOR_NAME`] (cosine distance) and one
/// sparse vector named [`SPARSE_VECTOR_NAME`] with the engine's IDF modifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionSpec {
    /// Collection name: ASCII letters, digits, `_` and `-` only (it becomes a directory name).
    pub name: String,
    /// Dimension of the dense vectors (384 for all-MiniLM-L6-v2).
    pub dense_dim: usize,
    /// Payload fields indexed as keywords (exact string match, e.g. `book`, `system`).
    pub keyword_fields: Vec<String>,
    /// Payload fields indexed as integers (exact match and ranges, e.g. `page`).
    pub integer_fields: Vec<String>,
}

/// A sparse vector: parallel lists of dimension indices and weights.
///
/// Indices need not be sorted; they must be unique and as many as the values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVector {
    /// Dimension indices (for BM25: stable hashes of the terms).
    pub indices: Vec<u32>,
    /// Weight of each index, in the same order as `indices`.
    pub values: Vec<f32>,
}

impl SparseVector {
    /// True when the vector has no non-zero dimension.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// One indexed chunk: both vectors and its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Caller-chosen, deterministic id (see [`point_id`]) so that re-indexing the same chunk
    /// overwrites the same point instead of adding a duplicate.
    pub id: u64,
    /// Dense embedding; its length must equal the collection's `dense_dim`.
    pub dense: Vec<f32>,
    /// Sparse BM25 document vector (see [`crate::bm25::Bm25::encode_document`]).
    pub sparse: SparseVector,
    /// Payload stored with the point and returned with hits.
    pub payload: Payload,
}

/// Derives a stable point id from a caller key such as `"phb:p192:chunk3"`.
///
/// FNV-1a 64-bit: the same key gives the same id on every machine and version. The top bit is
/// cleared so ids stay below 2^63 and survive any signed or JSON round trip.
pub fn point_id(key: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = key.bytes().fold(OFFSET, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME));
    hash & (u64::MAX >> 1)
}

/// One payload condition of a [`Filter`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// The keyword field `key` equals one of `any_of`.
    Keyword {
        /// Payload field name.
        key: String,
        /// Accepted values; the condition matches if the field equals any of them.
        any_of: Vec<String>,
    },
    /// The integer field `key` equals `value`.
    Integer {
        /// Payload field name.
        key: String,
        /// Required value.
        value: i64,
    },
    /// The integer field `key` lies within `gte..=lte` (either bound may be open).
    IntegerRange {
        /// Payload field name.
        key: String,
        /// Inclusive lower bound, if any.
        gte: Option<i64>,
        /// Inclusive upper bound, if any.
        lte: Option<i64>,
    },
    /// The point id is one of `ids`.
    IdIn {
        /// Accepted point ids.
        ids: Vec<u64>,
    },
}

/// Conjunction of payload conditions. The empty filter matches every point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Every one of these conditions must hold.
    pub must: Vec<Condition>,
    /// None of these conditions may hold.
    pub must_not: Vec<Condition>,
}

impl Filter {
    /// The filter that matches every point.
    pub fn all() -> Self {
        Self::default()
    }

    /// A filter requiring every condition in `conditions`.
    pub fn must(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self { must: conditions.into_iter().collect(), must_not: Vec::new() }
    }

    /// True when the filter has no condition at all (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.must.is_empty() && self.must_not.is_empty()
    }
}

/// A hybrid query: one dense and one sparse search ("arms"), fused by Reciprocal Rank Fusion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HybridQuery {
    /// Dense query embedding (empty to skip the dense arm).
    pub dense: Vec<f32>,
    /// Sparse BM25 query vector (empty to skip the sparse arm), see
    /// [`crate::bm25::Bm25::encode_query`].
    pub sparse: SparseVector,
    /// Restricts both arms.
    pub filter: Filter,
    /// Number of fused hits to return.
    pub limit: usize,
    /// Candidates fetched per arm before fusion (should be >= `limit`; 4x `limit` is typical).
    pub prefetch: usize,
    /// When true, each [`Hit`] also carries its rank in each arm. This runs the arms as
    /// separate searches and fuses them in this crate (same RRF formula as the engine), so it
    /// costs an extra round trip on the remote backend. Meant for debugging and `doctor`.
    pub explain: bool,
}

/// One fused search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Point id.
    pub id: u64,
    /// RRF score: the sum over arms of `1 / (rank + 2)`, with `rank` starting at 0.
    pub score: f32,
    /// Stored payload of the point.
    pub payload: Payload,
    /// 0-based rank in the dense arm (only with [`HybridQuery::explain`]; `None` if absent).
    pub dense_rank: Option<usize>,
    /// 0-based rank in the sparse arm (only with [`HybridQuery::explain`]; `None` if absent).
    pub sparse_rank: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_id_is_stable_and_below_2_pow_63() {
        assert_eq!(point_id("phb:p192:chunk3"), point_id("phb:p192:chunk3"));
        assert_ne!(point_id("phb:p192:chunk3"), point_id("phb:p192:chunk4"));
        // Pinned value: changing the hash would silently duplicate every indexed point.
        assert_eq!(point_id(""), 0xcbf2_9ce4_8422_2325 & (u64::MAX >> 1));
        assert!(point_id("anything") < (1 << 63));
    }
}

/// What [`crate::VectorIndex::maintain`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Maintenance {
    /// Whether the optimizers changed anything (merged segments, built an HNSW index).
    pub optimized: bool,
    /// Bytes of write-ahead log removed.
    pub wal_bytes_freed: u64,
}

/// One collection's size, as health reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CollectionStats {
    /// The collection's name.
    pub name: String,
    /// Points stored.
    pub points: u64,
    /// Segments the points are stored in.
    pub segments: u64,
}
