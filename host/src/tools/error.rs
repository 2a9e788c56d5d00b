//! The error a tool returns: always a message a person or an AI client can act on.

use thiserror::Error;

use crate::storage::StorageError;

/// Why a tool call failed. Every variant becomes an MCP tool error (`isError: true`)
/// whose text is the message; nothing was changed unless the message says so.
#[derive(Debug, Error)]
pub enum ToolError {
    /// The arguments are missing, mistyped or out of range.
    #[error("{0}")]
    InvalidArguments(String),
    /// An id names nothing.
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts the current state.
    #[error("{0}")]
    Conflict(String),
    /// A dice expression was refused.
    #[error("{0}")]
    Dice(String),
    /// A plugin's call failed (it refused, crashed, ran out of time or memory).
    #[error("{0}")]
    Plugin(String),
    /// Something failed inside the host (database down, …).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StorageError> for ToolError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound { .. } => ToolError::NotFound(err.to_string()),
            StorageError::Conflict(message) => ToolError::Conflict(message),
            StorageError::Stale { .. } => ToolError::Conflict(err.to_string()),
            StorageError::Invalid(message) => ToolError::InvalidArguments(message),
            other => ToolError::Internal(other.to_string()),
        }
    }
}

impl ToolError {
    /// An [`ToolError::InvalidArguments`] from anything printable.
    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError::InvalidArguments(message.into())
    }
}
