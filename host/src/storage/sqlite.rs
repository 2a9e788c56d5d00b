//! The embedded engine: one SQLite file in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use sqlx::migrate::Migrator;

use super::migrate;
use super::sql::{EngineOps, SqlStorage};
use super::{Engine, StorageError, StorageResult};

/// Opens (creating if needed) the SQLite database a `sqlite://` URL names.
///
/// WAL journaling lets readers work while one writer writes; `synchronous = NORMAL`
/// is durable across a process kill in WAL mode; foreign keys are enforced; a writer
/// waits up to five seconds for the lock instead of failing at once.
pub(super) async fn connect(url: &str) -> StorageResult<SqlStorage<Sqlite>> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|err| StorageError::Config(format!("{url}: {err}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(parent) = options.get_filename().parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|err| {
            StorageError::Config(format!("cannot create the folder {}: {err}", parent.display()))
        })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A connection whose transaction ended in an error sqlx could not undo (a COMMIT that
        // found the disk full) would refuse every later BEGIN: it is closed, not reused.
        .after_release(|connection, _| {
            Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(connection)) })
        })
        .connect_with(options)
        .await
        .map_err(|err| StorageError::Config(format!("opening {url}: {err}")))?;
    Ok(SqlStorage::new(pool))
}

impl EngineOps for Sqlite {
    const ENGINE: Engine = Engine::Sqlite;
    const LOCK_CAMPAIGN_STATUS: &'static str = "SELECT status FROM campaigns WHERE id = $1";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    const VERSION_QUERY: &'static str = "SELECT 'SQLite ' || sqlite_version()";
    const SIZE_QUERY: &'static str =
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
    const WAL_QUERY: Option<&'static str> = None;
    const FILE_QUERY: Option<&'static str> =
        Some("SELECT file FROM pragma_database_list WHERE name = 'main'");

    fn migrator() -> &'static Migrator {
        &migrate::SQLITE
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    // One host's database: no other host to tell or to hear from.
    const NOTIFY: Option<&'static str> = None;

    fn listener(
        _pool: &sqlx::Pool<Self>,
        _channel: &str,
    ) -> futures_util::future::BoxFuture<'static, StorageResult<Option<super::events::EventListener>>> {
        Box::pin(async { Ok(None) })
    }
}
