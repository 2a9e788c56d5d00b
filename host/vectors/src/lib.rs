//! Vector index behind the TTRPG MCP server's hybrid rules search.
//!
//! Each rules chunk is a [`Point`] with a dense MiniLM embedding and a sparse BM25 vector
//! ([`bm25::Bm25`]); a [`HybridQuery`] searches both and fuses the rankings with Reciprocal Rank
//! Fusion. Two interchangeable backends implement [`VectorIndex`]:
//!
//! * [`EdgeIndex`] — the default: Qdrant Edge embedded in the process, one directory per
//!   collection, no server to run;
//! * [`RemoteIndex`] — scale-out: a Qdrant server reached over gRPC with `qdrant-client`.
#![warn(missing_docs)]

pub mod bm25;
mod edge;
mod error;
pub mod fusion;
mod index;
mod remote;
mod types;
mod validate;

pub use edge::EdgeIndex;
pub use error::IndexError;
pub use index::VectorIndex;
pub use remote::{MINIMUM_SERVER_VERSION, RemoteIndex, RemoteOptions};
pub use types::{
    CollectionSpec, CollectionStats, Condition, DENSE_VECTOR_NAME, Filter, Hit, HybridQuery, Maintenance,
    Payload, Point, SPARSE_VECTOR_NAME, SparseVector, point_id,
};
