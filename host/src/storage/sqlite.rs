//! The embedded engine: one SQLite file in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};

use super::migrate::{self, migrate_error};
use super::sql::{EngineOps, SqlStorage};
use super::{Engine, MigrationStatus, StorageError, StorageResult};

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
        .connect_with(options)
        .await
        .map_err(|err| StorageError::Config(format!("opening {url}: {err}")))?;
    Ok(SqlStorage::new(pool))
}

#[async_trait]
impl EngineOps for Sqlite {
    const ENGINE: Engine = Engine::Sqlite;
    const LOCK_CAMPAIGN_STATUS: &'static str = "SELECT status FROM campaigns WHERE id = $1";
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    async fn server_version(pool: &Pool<Self>) -> StorageResult<String> {
        let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await?;
        Ok(format!("SQLite {version}"))
    }

    async fn migrate_up(pool: &Pool<Self>) -> StorageResult<usize> {
        let before = Self::migration_status(pool).await?.pending();
        migrate::SQLITE.run(pool).await.map_err(migrate_error)?;
        Ok(before)
    }

    async fn migrate_down(pool: &Pool<Self>, steps: usize) -> StorageResult<usize> {
        let applied = migrate::applied(&mut *pool.acquire().await?).await?;
        let (target, steps) = migrate::undo_target(&applied, steps);
        if steps > 0 {
            migrate::SQLITE.undo(pool, target).await.map_err(migrate_error)?;
        }
        Ok(steps)
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    async fn migration_status(pool: &Pool<Self>) -> StorageResult<MigrationStatus> {
        let mut conn = pool.acquire().await?;
        let applied = migrate::applied(&mut *conn).await?;
        Ok(migrate::status("sqlite", &migrate::SQLITE, &applied))
    }
}
