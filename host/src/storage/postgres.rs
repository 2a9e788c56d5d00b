//! The scale-out engine: a PostgreSQL server shared by every host.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};

use super::migrate::{self, migrate_error};
use super::sql::{EngineOps, SqlStorage};
use super::{Engine, MigrationStatus, StorageError, StorageResult, redact_url};

/// Connects to the PostgreSQL server a `postgres://` URL names.
pub(super) async fn connect(url: &str) -> StorageResult<SqlStorage<Postgres>> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|err| StorageError::Config(format!("connecting to {}: {err}", redact_url(url))))?;
    Ok(SqlStorage::new(pool))
}

#[async_trait]
impl EngineOps for Postgres {
    const ENGINE: Engine = Engine::Postgres;
    const LOCK_CAMPAIGN_STATUS: &'static str = "SELECT status FROM campaigns WHERE id = $1 FOR UPDATE";
    const BEGIN_WRITE: &'static str = "BEGIN";

    async fn server_version(pool: &Pool<Self>) -> StorageResult<String> {
        let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(pool).await?;
        Ok(format!("PostgreSQL {version}"))
    }

    async fn migrate_up(pool: &Pool<Self>) -> StorageResult<usize> {
        let before = Self::migration_status(pool).await?.pending();
        migrate::POSTGRES.run(pool).await.map_err(migrate_error)?;
        Ok(before)
    }

    async fn migrate_down(pool: &Pool<Self>, steps: usize) -> StorageResult<usize> {
        let applied = migrate::applied(&mut *pool.acquire().await?).await?;
        let (target, steps) = migrate::undo_target(&applied, steps);
        if steps > 0 {
            migrate::POSTGRES.undo(pool, target).await.map_err(migrate_error)?;
        }
        Ok(steps)
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    async fn migration_status(pool: &Pool<Self>) -> StorageResult<MigrationStatus> {
        let mut conn = pool.acquire().await?;
        let applied = migrate::applied(&mut *conn).await?;
        Ok(migrate::status("postgres", &migrate::POSTGRES, &applied))
    }
}
