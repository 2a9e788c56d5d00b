//! Errors of loading and calling plugins. Messages are written for the GM or the plugin
//! author: they say what happened and, where it helps, what to do.

use std::time::Duration;

use thiserror::Error;

/// Why a plugin could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The bytes are not a WebAssembly component wasmtime accepts.
    #[error("not a valid WebAssembly component: {0}")]
    InvalidComponent(String),
    /// The component targets an API version this host does not link.
    #[error("plugin was built against plugin API {found}, but this host supports {supported}")]
    UnsupportedApi {
        /// What the plugin was built against.
        found: String,
        /// What this host links.
        supported: String,
    },
    /// The component is not a game-system plugin at all.
    #[error("not a ttrpg plugin: it exports none of {expected} (it exports: {exports})")]
    NotAPlugin {
        /// The interface names looked for.
        expected: String,
        /// What it does export.
        exports: String,
    },
    /// The component does not fit the API it claims (missing imports or exports).
    #[error("plugin does not link against API {api}: {message}")]
    Link {
        /// The API version.
        api: String,
        /// What wasmtime said.
        message: String,
    },
    /// The manifest is malformed or contradicts the component.
    #[error("plugin manifest: {0}")]
    Manifest(String),
    /// Describing the plugin (its manifest, tools, collections) failed.
    #[error("describing the plugin: {0}")]
    Describe(#[from] CallError),
    /// The component needs more than a plugin may hold (linear memories, tables, their
    /// initial sizes; see the crate's limits): refused before any of its code runs.
    #[error("plugin needs more than the sandbox allows: {0}")]
    Resources(String),
    /// The compiled-component cache could not be used.
    #[error("compiled-component cache: {0}")]
    Cache(String),
}

/// Why one call into a plugin failed. The host and every other plugin keep running.
#[derive(Debug, Error)]
pub enum CallError {
    /// The call ran past its deadline and was stopped.
    #[error("plugin {plugin} did not finish within {:.1} s and was stopped", .after.as_secs_f64())]
    Timeout {
        /// The plugin.
        plugin: String,
        /// The deadline.
        after: Duration,
    },
    /// The call tried to use more memory than allowed.
    #[error("plugin {plugin} tried to use more than its {} MiB memory limit and was stopped", .limit >> 20)]
    MemoryLimit {
        /// The plugin.
        plugin: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The call tried to grow its tables past the elements allowed
    /// ([`MAX_TABLE_ELEMENTS`](crate::MAX_TABLE_ELEMENTS) over all its tables).
    #[error("plugin {plugin} tried to grow its tables past {limit} elements and was stopped")]
    TableLimit {
        /// The plugin.
        plugin: String,
        /// The limit, in elements.
        limit: usize,
    },
    /// The plugin trapped (a panic, `unreachable`, a stack overflow, …).
    #[error("plugin {plugin} crashed: {message}")]
    Trap {
        /// The plugin.
        plugin: String,
        /// What happened, with the plugin's last stderr line when there is one.
        message: String,
    },
    /// The plugin returned more data than allowed.
    #[error("plugin {plugin} returned {size} bytes; at most {limit} are accepted")]
    ResultTooLarge {
        /// The plugin.
        plugin: String,
        /// What it returned.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The plugin returned something malformed (not a JSON object, …).
    #[error("plugin {plugin} returned an invalid result: {message}")]
    InvalidResult {
        /// The plugin.
        plugin: String,
        /// What is wrong.
        message: String,
    },
    /// The plugin's own error for this call (a tool error, a refused dice expression).
    #[error("{message}")]
    Refused {
        /// What the plugin refused, and how.
        kind: RefusalKind,
        /// The plugin's message.
        message: String,
    },
}

/// What a plugin refused in a [`CallError::Refused`]: the kinds of error the plugin API
/// lets a plugin return. The host branches on this, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A tool call whose arguments do not fit the tool (WIT `tool-error::invalid-arguments`):
    /// the caller asked wrongly.
    InvalidArguments,
    /// A tool call naming something that does not exist (WIT `tool-error::not-found`).
    NotFound,
    /// A tool that could not do its work (WIT `tool-error::failed`).
    Failed,
    /// A dice expression the plugin's grammar refused (the `err` of `roll`).
    Dice,
    /// A document the plugin's chunker could not split (the `err` of `chunk-document`).
    Chunker,
}

impl RefusalKind {
    /// A short kebab-case name for logs (`invalid-arguments`, `not-found`, `failed`,
    /// `dice`, `chunker`).
    pub fn name(self) -> &'static str {
        match self {
            RefusalKind::InvalidArguments => "invalid-arguments",
            RefusalKind::NotFound => "not-found",
            RefusalKind::Failed => "failed",
            RefusalKind::Dice => "dice",
            RefusalKind::Chunker => "chunker",
        }
    }
}
