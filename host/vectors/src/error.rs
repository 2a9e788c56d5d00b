//! The one error type of this crate.

use std::path::PathBuf;

/// Anything that can go wrong in a [`crate::VectorIndex`] call. Messages name the collection
/// (or path/URL) and the operation.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The collection does not exist (call `ensure_collection` first).
    #[error("collection `{collection}` does not exist (call ensure_collection first)")]
    CollectionNotFound {
        /// Collection name.
        collection: String,
    },

    /// The collection exists with a different, incompatible shape.
    #[error("collection `{collection}` exists with an incompatible schema: {reason}")]
    SchemaMismatch {
        /// Collection name.
        collection: String,
        /// What differs.
        reason: String,
    },

    /// The caller passed something unusable (bad name, wrong dimension, malformed sparse vector).
    #[error("invalid input for collection `{collection}`: {reason}")]
    InvalidInput {
        /// Collection name.
        collection: String,
        /// What is wrong.
        reason: String,
    },

    /// The embedded engine (Qdrant Edge) reported an error.
    #[error("qdrant-edge failed to {operation} in collection `{collection}`: {message}")]
    Edge {
        /// Collection name.
        collection: String,
        /// What was being done, e.g. "upsert points".
        operation: &'static str,
        /// The engine's message.
        message: String,
    },

    /// The Qdrant server reported an error or could not be reached.
    #[error("qdrant server failed to {operation} in collection `{collection}`: {message}")]
    Remote {
        /// Collection name.
        collection: String,
        /// What was being done, e.g. "upsert points".
        operation: &'static str,
        /// The client's message (includes the gRPC status).
        message: String,
    },

    /// Connecting to the Qdrant server failed.
    #[error("cannot connect to qdrant server at {url}: {message}")]
    Connect {
        /// Server URL.
        url: String,
        /// Why.
        message: String,
    },

    /// The Qdrant server is older than this backend supports.
    #[error(
        "the qdrant server at {url} runs version {version}; this host needs {minimum} or newer \
         (the Query API with prefetch and fusion, and IDF-weighted sparse vectors): upgrade the server"
    )]
    ServerTooOld {
        /// Server URL.
        url: String,
        /// The version the server reported.
        version: String,
        /// The oldest version supported.
        minimum: String,
    },

    /// File-system trouble around the index directory.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A previous operation on the collection panicked; the in-process state is not trusted.
    #[error("collection `{collection}` is unusable after a panic in an earlier operation; reopen the index")]
    Poisoned {
        /// Collection name.
        collection: String,
    },

    /// A blocking engine task panicked or was cancelled.
    #[error("background task for {operation} in collection `{collection}` failed: {message}")]
    Task {
        /// Collection name.
        collection: String,
        /// What was being done.
        operation: &'static str,
        /// Panic or cancellation message.
        message: String,
    },
}

impl IndexError {
    pub(crate) fn invalid(collection: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput { collection: collection.to_owned(), reason: reason.into() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
