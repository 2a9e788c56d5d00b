//! Versioned, reversible migrations, one folder per engine under `migrations/`.
//!
//! The SQL is embedded in the binary at compile time (`sqlx::migrate!`), so a host
//! needs no files beside it. Each migration has an `.up.sql` and a `.down.sql`.

use async_trait::async_trait;
use serde::Serialize;
use sqlx::migrate::{AppliedMigration, Migrate, MigrateError, Migrator};

use super::sql::{SqlEngine, SqlStorage};
use super::{Engine, StorageError, StorageResult};

/// The migrations of the SQLite engine.
pub(super) static SQLITE: Migrator = sqlx::migrate!("../migrations/sqlite");
/// The migrations of the PostgreSQL engine.
pub(super) static POSTGRES: Migrator = sqlx::migrate!("../migrations/postgres");

const TABLE: &str = "_sqlx_migrations";

/// One migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationState {
    /// The migration's version number.
    pub version: i64,
    /// What it does (from its file name).
    pub description: String,
    /// Whether it is applied.
    pub applied: bool,
}

/// How the database is, for health reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The engine's version ("SQLite 3.46.1").
    pub version: String,
    /// The database's size in bytes.
    pub size_bytes: Option<i64>,
    /// The write-ahead log's size in bytes, when it can be known.
    pub wal_bytes: Option<i64>,
    /// Connections of the pool open now.
    pub pool_open: u32,
    /// Of those, idle.
    pub pool_idle: u32,
    /// The most the pool opens.
    pub pool_max: u32,
    /// The newest migration applied.
    pub schema_version: Option<i64>,
    /// Migrations this host knows that are not applied.
    pub pending_migrations: usize,
}

/// Every migration this host knows, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationStatus {
    /// The engine's name.
    pub engine: String,
    /// One entry per migration.
    pub migrations: Vec<MigrationState>,
    /// Versions applied in the database that this host does not know (a newer host
    /// migrated it).
    pub unknown_applied: Vec<i64>,
}

impl MigrationStatus {
    /// How many migrations are waiting to be applied.
    pub fn pending(&self) -> usize {
        self.migrations.iter().filter(|m| !m.applied).count()
    }
}

/// The database itself: which engine, whether it answers, and its schema version.
#[async_trait]
pub trait SchemaStore: Send + Sync {
    /// The engine behind this store.
    fn engine(&self) -> Engine;
    /// Checks the database answers; returns the engine's version string.
    async fn ping(&self) -> StorageResult<String>;
    /// Applies every pending migration; returns how many were applied.
    async fn migrate_up(&self) -> StorageResult<usize>;
    /// Reverts the newest `steps` applied migrations; returns how many were reverted.
    async fn migrate_down(&self, steps: usize) -> StorageResult<usize>;
    /// Lists every known migration and whether it is applied.
    async fn migration_status(&self) -> StorageResult<MigrationStatus>;
    /// Engine, version, sizes, the pool and the schema, for health reports.
    async fn health(&self) -> StorageResult<DatabaseHealth>;
    /// Writes a transaction-consistent copy of the whole database to the new file `path`
    /// while the store keeps serving (SQLite's `VACUUM INTO`). PostgreSQL is refused with
    /// [`StorageError::Unsupported`]: its copies are `pg_dump`'s business.
    async fn snapshot_into(&self, path: &std::path::Path) -> StorageResult<()>;
    /// Moves everything in the write-ahead log into the database file and empties the log
    /// (SQLite; PostgreSQL's log is its own business: nothing to do).
    async fn checkpoint(&self) -> StorageResult<()>;
    /// The engine's own consistency check: `ok`, or what it found (SQLite's
    /// `PRAGMA integrity_check`; PostgreSQL answers `ok`).
    async fn integrity_check(&self) -> StorageResult<String>;
}

#[async_trait]
impl<DB: SqlEngine> SchemaStore for SqlStorage<DB> {
    fn engine(&self) -> Engine {
        DB::ENGINE
    }

    async fn checkpoint(&self) -> StorageResult<()> {
        if DB::ENGINE == Engine::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn integrity_check(&self) -> StorageResult<String> {
        if DB::ENGINE != Engine::Sqlite {
            return Ok("ok".into());
        }
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        Ok(found.join("; "))
    }

    async fn snapshot_into(&self, path: &std::path::Path) -> StorageResult<()> {
        if DB::ENGINE != Engine::Sqlite {
            return Err(StorageError::Unsupported(
                "a copy of a PostgreSQL database is made with pg_dump, not by the host".into(),
            ));
        }
        if path.exists() {
            return Err(StorageError::Invalid(format!(
                "{} exists already; a snapshot never overwrites",
                path.display()
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            StorageError::Invalid(format!("{} is not a UTF-8 path SQLite can take", path.display()))
        })?;
        sqlx::query("VACUUM INTO $1").bind(target.to_string()).execute(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> StorageResult<String> {
        Ok(sqlx::query_scalar(DB::VERSION_QUERY).fetch_one(&self.pool).await?)
    }

    async fn migrate_up(&self) -> StorageResult<usize> {
        let before = self.migration_status().await?.pending();
        DB::migrator().run(&self.pool).await.map_err(migrate_error)?;
        Ok(before)
    }

    async fn migrate_down(&self, steps: usize) -> StorageResult<usize> {
        let applied = applied(&mut *self.pool.acquire().await?).await?;
        let (target, steps) = undo_target(&applied, steps);
        if steps > 0 {
            DB::migrator().undo(&self.pool, target).await.map_err(migrate_error)?;
        }
        Ok(steps)
    }

    async fn health(&self) -> StorageResult<DatabaseHealth> {
        let version = self.ping().await?;
        let size_bytes: Option<i64> = sqlx::query_scalar(DB::SIZE_QUERY).fetch_one(&self.pool).await.ok();
        let wal_bytes = match (DB::WAL_QUERY, DB::FILE_QUERY) {
            (Some(query), _) => {
                sqlx::query_scalar::<_, Option<i64>>(query).fetch_one(&self.pool).await.ok().flatten()
            }
            (None, Some(query)) => {
                let file: Option<String> = sqlx::query_scalar(query).fetch_one(&self.pool).await.ok();
                file.filter(|f| !f.is_empty())
                    .and_then(|f| std::fs::metadata(format!("{f}-wal")).ok())
                    .map(|m| i64::try_from(m.len()).unwrap_or(i64::MAX))
            }
            (None, None) => None,
        };
        let status = self.migration_status().await?;
        let schema_version = status.migrations.iter().filter(|m| m.applied).map(|m| m.version).max();
        let open = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        Ok(DatabaseHealth {
            engine: DB::ENGINE.name().to_string(),
            version,
            size_bytes,
            wal_bytes,
            pool_open: open,
            pool_idle: idle.min(open),
            pool_max: self.pool.options().get_max_connections(),
            schema_version,
            pending_migrations: status.pending(),
        })
    }

    async fn migration_status(&self) -> StorageResult<MigrationStatus> {
        let applied = applied(&mut *self.pool.acquire().await?).await?;
        Ok(status(DB::ENGINE.name(), DB::migrator(), &applied))
    }
}

/// Lists which migrations `conn` has applied.
async fn applied<C: Migrate + Send>(conn: &mut C) -> StorageResult<Vec<AppliedMigration>> {
    conn.ensure_migrations_table(TABLE).await.map_err(migrate_error)?;
    conn.list_applied_migrations(TABLE).await.map_err(migrate_error)
}

/// Builds the status report from the known migrations and the applied ones.
fn status(engine: &str, migrator: &Migrator, applied: &[AppliedMigration]) -> MigrationStatus {
    let migrations = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| MigrationState {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.iter().any(|a| a.version == m.version),
        })
        .collect();
    let unknown_applied =
        applied.iter().filter(|a| !migrator.version_exists(a.version)).map(|a| a.version).collect();
    MigrationStatus { engine: engine.to_string(), migrations, unknown_applied }
}

/// The version to undo down to so that `steps` applied migrations are reverted.
fn undo_target(applied: &[AppliedMigration], steps: usize) -> (i64, usize) {
    let mut versions: Vec<i64> = applied.iter().map(|a| a.version).collect();
    versions.sort_unstable();
    let steps = steps.min(versions.len());
    let keep = versions.len() - steps;
    let target = if keep == 0 { 0 } else { versions[keep - 1] };
    (target, steps)
}

/// Turns a sqlx migration error into a storage error with the engine's words.
fn migrate_error(err: MigrateError) -> StorageError {
    StorageError::Migration(err.to_string())
}
