//! A PostgreSQL snapshot held open for a backup: `pg_dump --snapshot` dumps exactly what
//! the backup's own reads saw (the files the dump's rows name), while the server writes on.

use async_trait::async_trait;
use sqlx::Row;

use super::documents::DOCUMENT_COLUMNS;
use super::images::FILE_COLUMNS;
use super::plugins::PLUGIN_COLUMNS;
use super::sql::{SqlEngine, SqlStorage, sql};
use super::{DocumentRecord, Engine, ImageFile, InstalledPluginRecord, StorageError, StorageResult};

/// What a backup needs to know of the database, read in the snapshot it dumps.
#[derive(Debug, Clone, Default)]
pub struct SnapshotContents {
    /// The installed plugins (their components go into the archive).
    pub plugins: Vec<InstalledPluginRecord>,
    /// The library's documents (for the manifest's counts).
    pub documents: Vec<DocumentRecord>,
    /// The image files (every size goes into the archive).
    pub image_files: Vec<ImageFile>,
    /// How many campaigns, archived ones included.
    pub campaigns: u64,
    /// How many campaign images.
    pub images: u64,
    /// The newest migration applied.
    pub schema_version: Option<i64>,
}

/// A snapshot held open until this is dropped.
#[derive(Debug)]
pub struct HeldSnapshot {
    /// The id `pg_dump --snapshot` takes (`pg_export_snapshot()`).
    pub id: String,
    /// What the snapshot holds.
    pub contents: SnapshotContents,
    _release: tokio::sync::oneshot::Sender<()>,
}

/// Exporting a snapshot for the engine's own dump tool.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Opens a read-only `REPEATABLE READ` transaction, exports its snapshot and reads what a
    /// backup needs in it; the transaction stays open until the result is dropped. PostgreSQL
    /// only (SQLite copies itself with `VACUUM INTO`).
    async fn hold_snapshot(&self) -> StorageResult<HeldSnapshot>;
}

#[async_trait]
impl<DB: SqlEngine> SnapshotStore for SqlStorage<DB> {
    async fn hold_snapshot(&self) -> StorageResult<HeldSnapshot> {
        if DB::ENGINE != Engine::Postgres {
            return Err(StorageError::Unsupported(
                "an exported snapshot is PostgreSQL's; SQLite is backed up with VACUUM INTO".into(),
            ));
        }
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let id: String =
            sqlx::query("SELECT pg_export_snapshot() AS id").fetch_one(&mut *tx).await?.try_get("id")?;
        let plugins = sqlx::query(sql!("SELECT ", PLUGIN_COLUMNS, " FROM plugins ORDER BY id, version"))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(Self::plugin_from_row)
            .collect::<StorageResult<Vec<_>>>()?;
        let documents =
            sqlx::query(sql!("SELECT ", DOCUMENT_COLUMNS, " FROM documents ORDER BY book, created_at"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(Self::document_from_row)
                .collect::<StorageResult<Vec<_>>>()?;
        let image_files = sqlx::query(sql!("SELECT ", FILE_COLUMNS, " FROM image_files ORDER BY hash"))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(Self::image_file_from_row)
            .collect::<StorageResult<Vec<_>>>()?;
        let counts = sqlx::query(
            "SELECT CAST((SELECT COUNT(*) FROM campaigns) AS BIGINT) AS campaigns, \
             CAST((SELECT COUNT(*) FROM images) AS BIGINT) AS images, \
             CAST((SELECT MAX(version) FROM _sqlx_migrations WHERE success) AS BIGINT) AS schema_version",
        )
        .fetch_one(&mut *tx)
        .await?;
        let count = |name: &str| -> StorageResult<u64> { Ok(counts.try_get::<i64, _>(name)?.max(0) as u64) };
        let contents = SnapshotContents {
            plugins,
            documents,
            image_files,
            campaigns: count("campaigns")?,
            images: count("images")?,
            schema_version: counts.try_get("schema_version")?,
        };
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = released.await;
            let _ = tx.rollback().await;
        });
        Ok(HeldSnapshot { id, contents, _release: release })
    }
}
