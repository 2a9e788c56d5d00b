//! Queries for installed plugins, per-campaign enablement and plugins' key-value spaces,
//! shared by both engines like the rest of [`super::sql`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{EngineOps, SqlStorage, now};
use super::{CampaignPluginRecord, InstalledPluginRecord, StorageError, StorageResult};

const PLUGIN_COLUMNS: &str = "id, version, sha256, api_version, system, manifest, installed_at";
const ENABLED_COLUMNS: &str = "campaign_id, plugin_id, version_req, version, grants, enabled_at";

impl<DB> SqlStorage<DB>
where
    DB: EngineOps,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Vec<u8>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Json<Value>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    DateTime<Utc>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn record_plugin_sql(
        &self,
        plugin: InstalledPluginRecord,
    ) -> StorageResult<InstalledPluginRecord> {
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
        let record = plugin_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    pub(super) async fn list_plugins_sql(&self) -> StorageResult<Vec<InstalledPluginRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            PLUGIN_COLUMNS,
            " FROM plugins ORDER BY id, version"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(plugin_from_row).collect()
    }

    pub(super) async fn plugin_users_sql(&self, id: &str, version: &str) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT campaign_id FROM campaign_plugins WHERE plugin_id = $1 AND version = $2 ORDER BY campaign_id",
        )
        .bind(id.to_string())
        .bind(version.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    pub(super) async fn delete_plugin_sql(&self, id: &str, version: &str) -> StorageResult<()> {
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
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn campaign_plugins_sql(
        &self,
        campaign_id: &str,
    ) -> StorageResult<Vec<CampaignPluginRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            ENABLED_COLUMNS,
            " FROM campaign_plugins WHERE campaign_id = $1 ORDER BY plugin_id"
        ))
        .bind(campaign_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(enabled_from_row).collect()
    }

    pub(super) async fn enable_plugin_sql(
        &self,
        record: CampaignPluginRecord,
    ) -> StorageResult<CampaignPluginRecord> {
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
        let saved = enabled_from_row(&row)?;
        tx.commit().await?;
        Ok(saved)
    }

    pub(super) async fn disable_plugin_sql(&self, campaign_id: &str, plugin_id: &str) -> StorageResult<bool> {
        let deleted = sqlx::query("DELETE FROM campaign_plugins WHERE campaign_id = $1 AND plugin_id = $2")
            .bind(campaign_id.to_string())
            .bind(plugin_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    pub(super) async fn kv_get_sql(
        &self,
        plugin: &str,
        campaign: &str,
        key: &str,
    ) -> StorageResult<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND key = $3",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(key.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    pub(super) async fn kv_set_sql(
        &self,
        plugin: &str,
        campaign: &str,
        key: &str,
        value: Vec<u8>,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO plugin_kv (plugin_id, campaign_id, key, value, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (plugin_id, campaign_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(key.to_string())
        .bind(value)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn kv_delete_sql(&self, plugin: &str, campaign: &str, key: &str) -> StorageResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND key = $3")
                .bind(plugin.to_string())
                .bind(campaign.to_string())
                .bind(key.to_string())
                .execute(&self.pool)
                .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    pub(super) async fn kv_list_sql(
        &self,
        plugin: &str,
        campaign: &str,
        prefix: &str,
        limit: i64,
    ) -> StorageResult<Vec<String>> {
        // Prefix match without LIKE, so `%` and `_` in a key are plain characters.
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT key FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND substr(key, 1, $3) = $4 \
             ORDER BY key LIMIT $5",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(prefix.chars().count() as i64)
        .bind(prefix.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(keys)
    }
}

fn plugin_from_row<R: Row>(row: &R) -> StorageResult<InstalledPluginRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
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

fn enabled_from_row<R: Row>(row: &R) -> StorageResult<CampaignPluginRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
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
