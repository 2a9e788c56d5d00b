//! Why a library operation failed: the caller's question, or the server's parts.

use thiserror::Error;
use ttrpg_vectors::IndexError;

use crate::embed::EmbedError;
use crate::storage::StorageError;

/// What went wrong searching the rulebooks or the notes. [`LibraryError::Invalid`] is the
/// caller's to fix; every other variant is a failure of the server's parts.
#[derive(Debug, Error)]
pub enum LibraryError {
    /// The request itself is wrong (an empty query, a limit out of range, an unknown note
    /// kind): the message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The database failed, or refused (an unknown campaign is [`StorageError::NotFound`]).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The embedding model failed.
    #[error("embedding failed: {0}")]
    Embedding(#[from] EmbedError),
    /// The vector index failed.
    #[error("the vector index failed: {0}")]
    Index(#[from] IndexError),
}

/// Result of a library operation.
pub type LibraryResult<T> = Result<T, LibraryError>;

/// Refuses a request with `message` unless `condition` holds.
pub(crate) fn require(condition: bool, message: impl FnOnce() -> String) -> LibraryResult<()> {
    if condition { Ok(()) } else { Err(LibraryError::Invalid(message())) }
}
