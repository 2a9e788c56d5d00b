//! What every storage area shares: the sqlx store over either engine, the bounds that
//! make one generic implementation work on both, and small helpers.
//!
//! Each area (`campaigns.rs`, `sessions.rs`, …) implements its trait once as
//! `impl<DB: SqlEngine> … for SqlStorage<DB>`. The queries are plain SQL that both engines
//! accept (`$1` placeholders, `RETURNING`, partial unique indexes); the column types differ
//! per engine (TEXT vs JSONB and TIMESTAMPTZ) but decode to the same Rust types. What
//! genuinely differs between the engines is behind [`EngineOps`], implemented in
//! `sqlite.rs` and `postgres.rs`.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::types::Json;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Type};

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Engine, StorageError, StorageResult};
use crate::cache::{Kind, Scope, TwoLevelCache};

/// What differs between the engines: connection-level facts and migrations.
pub(crate) trait EngineOps: Database {
    /// Which engine this is.
    const ENGINE: Engine;
    /// The statement that opens a transaction that will write. SQLite needs
    /// `BEGIN IMMEDIATE` so a read-then-write transaction takes the write lock up
    /// front instead of failing on upgrade.
    const BEGIN_WRITE: &'static str;
    /// The statement that opens a read-only transaction whose every statement sees one
    /// snapshot (SQLite in WAL mode gives a read transaction one from its first read;
    /// PostgreSQL needs `REPEATABLE READ`).
    const BEGIN_SNAPSHOT: &'static str;
    /// Reads a campaign's status and holds it until the transaction ends, so an archive
    /// cannot slip in between the check and a new session (`FOR UPDATE` on PostgreSQL;
    /// SQLite's `BEGIN IMMEDIATE` already serializes writers).
    const LOCK_CAMPAIGN_STATUS: &'static str;
    /// A query returning the engine's version as one text value.
    const VERSION_QUERY: &'static str;
    /// A query returning the database's size in bytes (one BIGINT).
    const SIZE_QUERY: &'static str;
    /// A query returning the size of the write-ahead log in bytes (one BIGINT or NULL), when
    /// the engine tells it through SQL.
    const WAL_QUERY: Option<&'static str>;
    /// A query returning the database file's path, for engines whose WAL is a file beside it.
    const FILE_QUERY: Option<&'static str>;
    /// The engine's migrations (`migrations/<engine>/`, embedded in the binary).
    fn migrator() -> &'static Migrator;
    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;
    /// Sends a message to the other hosts (`$1` channel, `$2` payload), where they can listen.
    const NOTIFY: Option<&'static str>;
    /// A listener on a channel, where other hosts can send.
    fn listener(
        pool: &Pool<Self>,
        channel: &str,
    ) -> futures_util::future::BoxFuture<'static, StorageResult<Option<super::events::EventListener>>>;
}

/// The Rust types the queries bind and decode, named as associated types so that their
/// sqlx bounds can be stated once, in [`SqlEngine`], and hold wherever `DB: SqlEngine`
/// does. (Bounds on foreign types such as `String: Encode<DB>` in a `where` clause are
/// not implied by a trait; bounds on a trait's associated types are.)
pub(crate) trait ColumnTypes: Database {
    /// `String`.
    type Text;
    /// `Option<String>`.
    type OptText;
    /// `i64`.
    type Int;
    /// `Option<i64>`.
    type OptInt;
    /// `Vec<u8>`.
    type Bytes;
    /// A JSON column.
    type Document;
    /// A nullable JSON column.
    type OptDocument;
    /// A timestamp.
    type Time;
    /// A nullable timestamp.
    type OptTime;
    /// A column named by `&str`.
    type ColumnName<'a>;
    /// A column named by position.
    type ColumnPosition;
    /// A connection borrowed to run a statement (inside a transaction).
    type ConnectionRef<'c>;
    /// The pool borrowed to run a statement.
    type PoolRef<'c>;
}

impl<DB: EngineOps> ColumnTypes for DB {
    type Text = String;
    type OptText = Option<String>;
    type Int = i64;
    type OptInt = Option<i64>;
    type Bytes = Vec<u8>;
    type Document = Json<Value>;
    type OptDocument = Option<Json<Value>>;
    type Time = DateTime<Utc>;
    type OptTime = Option<DateTime<Utc>>;
    type ColumnName<'a> = &'a str;
    type ColumnPosition = usize;
    type ConnectionRef<'c> = &'c mut DB::Connection;
    type PoolRef<'c> = &'c Pool<DB>;
}

/// An engine every storage area runs on: everything sqlx must be able to do with it,
/// stated once. Implemented by `Sqlite` and `Postgres` (through [`EngineOps`]).
pub(crate) trait SqlEngine:
    EngineOps
    + Database<Arguments: IntoArguments<Self>, Connection: Migrate>
    + ColumnTypes<
        Text = String,
        Text: Column<Self>,
        OptText = Option<String>,
        OptText: Column<Self>,
        Int = i64,
        Int: Column<Self>,
        OptInt = Option<i64>,
        OptInt: Column<Self>,
        Bytes = Vec<u8>,
        Bytes: Column<Self>,
        Document = Json<Value>,
        Document: Column<Self>,
        OptDocument = Option<Json<Value>>,
        OptDocument: for<'q> Encode<'q, Self> + Type<Self>,
        Time = DateTime<Utc>,
        Time: Column<Self>,
        OptTime = Option<DateTime<Utc>>,
        OptTime: Column<Self>,
        ColumnPosition = usize,
        ColumnPosition: ColumnIndex<Self::Row>,
    > + for<'a> ColumnTypes<ColumnName<'a> = &'a str, ColumnName<'a>: ColumnIndex<Self::Row>>
    + for<'c> ColumnTypes<
        ConnectionRef<'c> = &'c mut <Self as Database>::Connection,
        ConnectionRef<'c>: Executor<'c, Database = Self>,
        PoolRef<'c> = &'c Pool<Self>,
        PoolRef<'c>: Executor<'c, Database = Self>,
    >
{
}

impl<DB> SqlEngine for DB
where
    DB: EngineOps,
    DB::Arguments: IntoArguments<DB>,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    Vec<u8>: Column<DB>,
    Json<Value>: Column<DB>,
    Option<Json<Value>>: for<'q> Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Column<DB>,
    Option<DateTime<Utc>>: Column<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
}

/// A Rust type an engine can bind as a parameter and decode from a column.
pub(crate) trait Column<DB: Database>:
    for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>
{
}

impl<DB: Database, T> Column<DB> for T where T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> {}

/// The store over a sqlx pool of either engine; every storage area is implemented on it.
///
/// With a cache, the reads MCP clients poll (a campaign, a character, a campaign's combat)
/// read through it, and every write of those rows invalidates their tag after it commits
/// and before it returns ([`SqlStorage::read_through`], [`SqlStorage::changed`]); the
/// writes of records invalidate their system's tag, which record searches carry.
pub(crate) struct SqlStorage<DB: Database> {
    pub(super) pool: Pool<DB>,
    cache: Option<Arc<TwoLevelCache>>,
}

/// The store is every storage area at once (each area's file implements its trait).
impl<DB: SqlEngine> super::Storage for SqlStorage<DB> {}

impl<DB: Database> SqlStorage<DB> {
    /// Wraps a connected, configured pool.
    pub(crate) fn new(pool: Pool<DB>) -> Self {
        SqlStorage { pool, cache: None }
    }

    /// The same store, reading through `cache`.
    pub(crate) fn with_cache(self, cache: Option<Arc<TwoLevelCache>>) -> Self {
        SqlStorage { cache, ..self }
    }

    /// The value of `kind` under `key`, from the cache when it holds one of `tag`'s current
    /// generation, or from `load` (then kept). The stamp is taken before `load` runs, so a
    /// value read across a write is kept under the old generation, where nobody looks.
    pub(super) async fn read_through<T, F, Fut>(
        &self,
        kind: Kind,
        tag: &str,
        key: &str,
        load: F,
    ) -> StorageResult<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = StorageResult<T>>,
    {
        let Some(cache) = &self.cache else { return load().await };
        let stamp = cache.stamp(tag).await;
        if let Some(value) = cache.get(kind, Scope::Tagged(&stamp), key).await {
            return Ok(value);
        }
        let value = load().await?;
        cache.put(kind, Scope::Tagged(&stamp), key, &value).await;
        Ok(value)
    }

    /// What `tag` names has changed (call after the write commits).
    pub(super) async fn changed(&self, tag: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(tag).await;
        }
    }
}

/// The current time at the precision both engines keep (microseconds), so a value
/// read back equals the value written.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new row id (UUID v7: time-ordered).
pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether a statement failed on a unique index.
pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Decodes a status or kind column with `parse`, refusing a value this host does not know
/// (a row written by a newer host is never read as a guess).
pub(super) fn known<T>(
    table: &'static str,
    id: &str,
    column: &'static str,
    value: String,
    parse: impl FnOnce(&str) -> Option<T>,
) -> StorageResult<T> {
    parse(&value).ok_or_else(|| StorageError::UnknownValue { table, id: id.to_string(), column, value })
}

/// Builds a `&'static str` SQL statement from literal pieces at compile time.
macro_rules! sql {
    ($($part:expr),+ $(,)?) => { const_format::concatcp!($($part),+) };
}
pub(super) use sql;
