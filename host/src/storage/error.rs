//! Errors of the storage layer.

use thiserror::Error;

/// What went wrong in a storage operation. Messages are written for the person who
/// made the request: they name the record and say what to do.
#[derive(Debug, Error)]
pub enum StorageError {
    /// No record of that kind has that id.
    #[error("no {kind} with id {id:?}")]
    NotFound {
        /// `campaign`, `session`, `character`, …
        kind: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// The request contradicts the stored state (a second running session, a change to
    /// an archived campaign, a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// A versioned write named a version that is no longer current: another request
    /// saved in between. Read the record again and retry.
    #[error(
        "{kind} {id:?} was changed by another request (version {found}, expected {expected}); read it again and retry"
    )]
    Stale {
        /// `combat`, …
        kind: &'static str,
        /// The record's id.
        id: String,
        /// The version the writer had read.
        expected: i64,
        /// The version stored now.
        found: i64,
    },
    /// A stored row holds a value this host does not know (an unknown status or kind,
    /// perhaps written by a newer host): it is refused rather than guessed.
    #[error(
        "the {table} row {id:?} has {column} {value:?}, which this host does not know; was it written by a newer version?"
    )]
    UnknownValue {
        /// The table.
        table: &'static str,
        /// The row's id.
        id: String,
        /// The column.
        column: &'static str,
        /// The stored value.
        value: String,
    },
    /// A write would take a space with a byte quota past it (a plugin's key-value space in
    /// a campaign); nothing was written.
    #[error("the {space} would hold {would_hold} bytes, over its quota of {quota} bytes")]
    QuotaExceeded {
        /// What is full (`plugin key-value space`).
        space: &'static str,
        /// The quota, in bytes.
        quota: u64,
        /// What the space would hold after the write, in bytes.
        would_hold: u64,
    },
    /// A value the caller gave is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The engine cannot do this (the message says what does).
    #[error("{0}")]
    Unsupported(String),
    /// The database URL or its options are wrong.
    #[error("database configuration: {0}")]
    Config(String),
    /// The schema is not at a version this host can work with.
    #[error("migrations: {0}")]
    Migration(String),
    /// The database itself failed (unreachable, disk full, …).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StorageError {
    /// A [`StorageError::NotFound`] for `kind` and `id`.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        StorageError::NotFound { kind, id: id.into() }
    }
}
