//! Installed plugin versions and the plugins each campaign has enabled.

use super::sql::{SqlEngine, SqlStorage, now};
use super::{CampaignPluginRecord, CampaignStore, InstalledPluginRecord, StorageError, StorageResult};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const PLUGIN_COLUMNS: &str = "id, version, sha256, api_version, system, manifest, installed_at";
pub(super) const ENABLED_COLUMNS: &str = "campaign_id, plugin_id, version_req, version, grants, enabled_at";

/// Installed plugins and per-campaign enablement.
#[async_trait]
pub trait PluginStore: Send + Sync {
    /// Records an installed plugin version. Installing the same file again is harmless; a
    /// different file under the same id and version is a [`StorageError::Conflict`].
    async fn record_plugin(&self, plugin: InstalledPluginRecord) -> StorageResult<InstalledPluginRecord>;
    /// Every installed plugin version, by id then version.
    async fn list_plugins(&self) -> StorageResult<Vec<InstalledPluginRecord>>;
    /// Forgets an installed plugin version; refused while a campaign has it enabled.
    async fn delete_plugin(&self, id: &str, version: &str) -> StorageResult<()>;
    /// The campaigns that have `id@version` enabled.
    async fn plugin_users(&self, id: &str, version: &str) -> StorageResult<Vec<String>>;
    /// The plugins a campaign has enabled.
    async fn campaign_plugins(&self, campaign_id: &str) -> StorageResult<Vec<CampaignPluginRecord>>;
    /// Enables (or re-enables with new settings) a plugin in a campaign.
    async fn enable_plugin(&self, record: CampaignPluginRecord) -> StorageResult<CampaignPluginRecord>;
    /// Disables a plugin in a campaign; returns whether it was enabled.
    async fn disable_plugin(&self, campaign_id: &str, plugin_id: &str) -> StorageResult<bool>;
    /// Keeps a component's bytes under their SHA-256 for every host (a no-op when kept).
    async fn save_plugin_component(&self, sha256: &str, bytes: &[u8]) -> StorageResult<()>;
    /// The bytes kept under a SHA-256, if any.
    async fn plugin_component(&self, sha256: &str) -> StorageResult<Option<Vec<u8>>>;
}

#[async_trait]
impl<DB: SqlEngine> PluginStore for SqlStorage<DB> {
    async fn record_plugin(&self, plugin: InstalledPluginRecord) -> StorageResult<InstalledPluginRecord> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM plugins WHERE id = $1 AND version = $2")
                .bind(plugin.id.clone())
                .bind(plugin.version.clone())
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(sha256) = existing {
            if sha256 != plugin.sha256 {
                return Err(StorageError::Conflict(format!(
                    "plugin {}@{} is already installed from a different file (sha256 {sha256}); remove it first or \
                     bump the plugin's version",
                    plugin.id, plugin.version
                )));
            }
            sqlx::query("DELETE FROM plugins WHERE id = $1 AND version = $2")
                .bind(plugin.id.clone())
                .bind(plugin.version.clone())
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(const_format::concatcp!(
            "INSERT INTO plugins (id, version, sha256, api_version, system, manifest, installed_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            PLUGIN_COLUMNS
        ))
        .bind(plugin.id)
        .bind(plugin.version)
        .bind(plugin.sha256)
        .bind(plugin.api_version)
        .bind(plugin.system)
        .bind(Json(plugin.manifest))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let record = Self::plugin_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    async fn list_plugins(&self) -> StorageResult<Vec<InstalledPluginRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            PLUGIN_COLUMNS,
            " FROM plugins ORDER BY id, version"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::plugin_from_row).collect()
    }

    async fn plugin_users(&self, id: &str, version: &str) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT campaign_id FROM campaign_plugins WHERE plugin_id = $1 AND version = $2 ORDER BY campaign_id",
        )
        .bind(id.to_string())
        .bind(version.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delete_plugin(&self, id: &str, version: &str) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let users: Vec<String> = sqlx::query_scalar(
            "SELECT campaign_id FROM campaign_plugins WHERE plugin_id = $1 AND version = $2",
        )
        .bind(id.to_string())
        .bind(version.to_string())
        .fetch_all(&mut *tx)
        .await?;
        if !users.is_empty() {
            return Err(StorageError::Conflict(format!(
                "plugin {id}@{version} is enabled in campaign(s) {}; disable it there first",
                users.join(", ")
            )));
        }
        let deleted = sqlx::query("DELETE FROM plugins WHERE id = $1 AND version = $2")
            .bind(id.to_string())
            .bind(version.to_string())
            .execute(&mut *tx)
            .await?;
        if DB::rows_affected(&deleted) == 0 {
            return Err(StorageError::not_found("installed plugin", format!("{id}@{version}")));
        }
        // The bytes go with the last version that was made of them.
        sqlx::query(
            "DELETE FROM plugin_components WHERE NOT EXISTS \
             (SELECT 1 FROM plugins WHERE plugins.sha256 = plugin_components.sha256)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_plugin_component(&self, sha256: &str, bytes: &[u8]) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO plugin_components (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256.to_string())
        .bind(bytes.to_vec())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn plugin_component(&self, sha256: &str) -> StorageResult<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT bytes FROM plugin_components WHERE sha256 = $1")
            .bind(sha256.to_string())
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn campaign_plugins(&self, campaign_id: &str) -> StorageResult<Vec<CampaignPluginRecord>> {
        self.get_campaign(campaign_id).await?;
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            ENABLED_COLUMNS,
            " FROM campaign_plugins WHERE campaign_id = $1 ORDER BY plugin_id"
        ))
        .bind(campaign_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::enabled_from_row).collect()
    }

    async fn enable_plugin(&self, record: CampaignPluginRecord) -> StorageResult<CampaignPluginRecord> {
        self.get_campaign(&record.campaign_id).await?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM campaign_plugins WHERE campaign_id = $1 AND plugin_id = $2")
            .bind(record.campaign_id.clone())
            .bind(record.plugin_id.clone())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(const_format::concatcp!(
            "INSERT INTO campaign_plugins (campaign_id, plugin_id, version_req, version, grants, enabled_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            ENABLED_COLUMNS
        ))
        .bind(record.campaign_id)
        .bind(record.plugin_id)
        .bind(record.version_req)
        .bind(record.version)
        .bind(Json(serde_json::json!(record.grants)))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let saved = Self::enabled_from_row(&row)?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn disable_plugin(&self, campaign_id: &str, plugin_id: &str) -> StorageResult<bool> {
        self.get_campaign(campaign_id).await?;
        let deleted = sqlx::query("DELETE FROM campaign_plugins WHERE campaign_id = $1 AND plugin_id = $2")
            .bind(campaign_id.to_string())
            .bind(plugin_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn plugin_from_row(row: &DB::Row) -> StorageResult<InstalledPluginRecord> {
        Ok(InstalledPluginRecord {
            id: row.try_get("id")?,
            version: row.try_get("version")?,
            sha256: row.try_get("sha256")?,
            api_version: row.try_get("api_version")?,
            system: row.try_get("system")?,
            manifest: row.try_get::<Json<Value>, _>("manifest")?.0,
            installed_at: row.try_get("installed_at")?,
        })
    }

    pub(super) fn enabled_from_row(row: &DB::Row) -> StorageResult<CampaignPluginRecord> {
        let grants = row.try_get::<Json<Value>, _>("grants")?.0;
        Ok(CampaignPluginRecord {
            campaign_id: row.try_get("campaign_id")?,
            plugin_id: row.try_get("plugin_id")?,
            version_req: row.try_get("version_req")?,
            version: row.try_get("version")?,
            grants: serde_json::from_value(grants).unwrap_or_default(),
            enabled_at: row.try_get("enabled_at")?,
        })
    }
}
