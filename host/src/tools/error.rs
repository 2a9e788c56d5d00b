//! The error a tool returns: always a message a person or an AI client can act on.

use thiserror::Error;

use crate::access::AccessError;
use crate::plugins::PluginHostError;
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
    /// The caller's role does not allow the call; the message names the role it needs.
    #[error("{0}")]
    Forbidden(String),
    /// A dice expression was refused.
    #[error("{0}")]
    Dice(String),
    /// A plugin failed: its call refused, crashed, ran out of time or memory, or the
    /// installed plugin could not be loaded.
    #[error("{0}")]
    Plugin(String),
    /// The client cancelled the call (`notifications/cancelled`) before it finished; what
    /// had been written stays (an ingestion resumes from it).
    #[error("{0}")]
    Cancelled(String),
    /// Something failed inside the host (database down, …).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StorageError> for ToolError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound { .. } => ToolError::NotFound(err.to_string()),
            StorageError::Conflict(message) => ToolError::Conflict(message),
            StorageError::Stale { .. } | StorageError::QuotaExceeded { .. } => {
                ToolError::Conflict(err.to_string())
            }
            StorageError::Invalid(message) | StorageError::Unsupported(message) => {
                ToolError::InvalidArguments(message)
            }
            other => ToolError::Internal(other.to_string()),
        }
    }
}

/// A call refused before it ran: an id the caller cannot see is one that does not exist.
impl From<AccessError> for ToolError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Unknown(message) | AccessError::Mismatch(message) => ToolError::NotFound(message),
            AccessError::Forbidden { .. } => ToolError::Forbidden(err.to_string()),
            AccessError::Storage(err) => err.into(),
        }
    }
}

/// What a plugin operation's failure tells the client: its own mistakes (an unknown
/// plugin, a bad requirement or grant, a collision) apart from the server's (a file that
/// cannot be read or written, the database) and the plugin's (it cannot load, its call
/// failed).
impl From<PluginHostError> for ToolError {
    fn from(err: PluginHostError) -> Self {
        match err {
            PluginHostError::NotFound(m) => ToolError::NotFound(m),
            PluginHostError::Conflict(m) => ToolError::Conflict(m),
            PluginHostError::Invalid(m) => ToolError::InvalidArguments(m),
            PluginHostError::Storage(e) => e.into(),
            PluginHostError::Load(e) => ToolError::Plugin(e.to_string()),
            PluginHostError::Call(e) => ToolError::Plugin(e.to_string()),
            PluginHostError::Io(m) => ToolError::Internal(m),
        }
    }
}

impl ToolError {
    /// An [`ToolError::InvalidArguments`] from anything printable.
    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError::InvalidArguments(message.into())
    }
}
