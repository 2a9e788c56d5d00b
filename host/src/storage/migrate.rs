//! Versioned, reversible migrations, one folder per engine under `migrations/`.
//!
//! The SQL is embedded in the binary at compile time (`sqlx::migrate!`), so a host
//! needs no files beside it. Each migration has an `.up.sql` and a `.down.sql`.

use serde::Serialize;
use sqlx::migrate::{AppliedMigration, Migrate, MigrateError, Migrator};

use super::{StorageError, StorageResult};

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

/// Lists which migrations `conn` has applied.
pub(super) async fn applied<C: Migrate + Send>(conn: &mut C) -> StorageResult<Vec<AppliedMigration>> {
    conn.ensure_migrations_table(TABLE).await.map_err(migrate_error)?;
    conn.list_applied_migrations(TABLE).await.map_err(migrate_error)
}

/// Builds the status report from the known migrations and the applied ones.
pub(super) fn status(engine: &str, migrator: &Migrator, applied: &[AppliedMigration]) -> MigrationStatus {
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
pub(super) fn undo_target(applied: &[AppliedMigration], steps: usize) -> (i64, usize) {
    let mut versions: Vec<i64> = applied.iter().map(|a| a.version).collect();
    versions.sort_unstable();
    let steps = steps.min(versions.len());
    let keep = versions.len() - steps;
    let target = if keep == 0 { 0 } else { versions[keep - 1] };
    (target, steps)
}

/// Turns a sqlx migration error into a storage error with the engine's words.
pub(super) fn migrate_error(err: MigrateError) -> StorageError {
    StorageError::Migration(err.to_string())
}
