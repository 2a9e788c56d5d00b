//! Errors of installing, enabling and calling plugins.

use thiserror::Error;
use ttrpg_plugin_runtime::{CallError, LoadError};

use crate::storage::StorageError;

/// What went wrong with a plugin operation; messages name the plugin and the campaign.
#[derive(Debug, Error)]
pub enum PluginHostError {
    /// A plugin, version or tool that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request that contradicts the current state (a name collision, a tampered file).
    #[error("{0}")]
    Conflict(String),
    /// An argument that does not fit (a bad version requirement, an unknown capability).
    #[error("{0}")]
    Invalid(String),
    /// The component could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A call into the plugin failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The database failed or refused.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}
