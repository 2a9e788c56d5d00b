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
    /// The database cannot be reached now (its server is down or restarting, or every
    /// connection is busy past the wait); the same call may succeed in a moment.
    #[error("the database is unavailable ({0}): try again in a moment")]
    Unavailable(String),
    /// The disk that holds the database is full: the write was not made (the database's own
    /// atomic commit keeps what was there), and it succeeds once space is freed.
    #[error(
        "the disk holding the database is full ({0}): nothing was written; free some space and try again"
    )]
    DiskFull(String),
    /// The database itself failed (a constraint, a bug, …).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// Server states in which PostgreSQL refuses work it would do later (class 57: operator
/// intervention: shutting down, starting up, …; 08: connection exceptions).
fn is_transient(code: &str) -> bool {
    code.starts_with("57") || code.starts_with("08")
}

/// SQLite's SQLITE_FULL (13) and PostgreSQL's disk_full (53100).
fn is_disk_full(code: &str) -> bool {
    code == "13" || code == "53100"
}

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StorageError::Unavailable(err.to_string())
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|code| is_transient(&code)) => {
                StorageError::Unavailable(db.message().to_string())
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|code| is_disk_full(&code)) => {
                StorageError::DiskFull(db.message().to_string())
            }
            _ => StorageError::Database(err),
        }
    }
}

impl StorageError {
    /// A [`StorageError::NotFound`] for `kind` and `id`.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        StorageError::NotFound { kind, id: id.into() }
    }
}
