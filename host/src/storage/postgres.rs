//! The scale-out engine: a PostgreSQL server shared by every host.

use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::PgPoolOptions;

use sqlx::migrate::Migrator;

use super::migrate;
use super::sql::{EngineOps, SqlStorage};
use super::{Engine, StorageError, StorageResult, redact_url};

/// Connects to the PostgreSQL server a `postgres://` URL names.
pub(super) async fn connect(url: &str) -> StorageResult<SqlStorage<Postgres>> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // A connection whose transaction ended in an error sqlx could not undo (a COMMIT that
        // found the disk full) would refuse every later BEGIN: it is closed, not reused.
        .after_release(|connection, _| {
            Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(connection)) })
        })
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|err| StorageError::Config(format!("connecting to {}: {err}", redact_url(url))))?;
    Ok(SqlStorage::new(pool))
}

impl EngineOps for Postgres {
    const ENGINE: Engine = Engine::Postgres;
    const LOCK_CAMPAIGN_STATUS: &'static str = "SELECT status FROM campaigns WHERE id = $1 FOR UPDATE";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    const BEGIN_WRITE: &'static str = "BEGIN";

    const VERSION_QUERY: &'static str = "SELECT 'PostgreSQL ' || current_setting('server_version')";
    const SIZE_QUERY: &'static str = "SELECT pg_database_size(current_database())::BIGINT";
    // Needs the pg_monitor role; without it the WAL size is reported as unknown.
    const WAL_QUERY: Option<&'static str> = Some("SELECT sum(size)::BIGINT FROM pg_ls_waldir()");
    const FILE_QUERY: Option<&'static str> = None;

    fn migrator() -> &'static Migrator {
        &migrate::POSTGRES
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
    const NOTIFY: Option<&'static str> = Some("SELECT pg_notify($1, $2)");

    fn listener(
        pool: &sqlx::Pool<Self>,
        channel: &str,
    ) -> futures_util::future::BoxFuture<'static, StorageResult<Option<super::events::EventListener>>> {
        let (pool, channel) = (pool.clone(), channel.to_string());
        Box::pin(async move { Ok(Some(super::events::EventListener::postgres(&pool, &channel).await?)) })
    }
}
