//! Each plugin's key-value space in a campaign (the WIT `kv` import).

use super::StorageResult;
use super::sql::{SqlEngine, SqlStorage, now};
use async_trait::async_trait;

/// A plugin's key-value space, one per (plugin, campaign).
#[async_trait]
pub trait PluginKvStore: Send + Sync {
    /// Reads a key of a plugin's space in a campaign.
    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<Option<Vec<u8>>>;
    /// Writes a key of a plugin's space in a campaign.
    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> StorageResult<()>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<bool>;
    /// Keys with a prefix, sorted, at most `limit`.
    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> StorageResult<Vec<String>>;
}

#[async_trait]
impl<DB: SqlEngine> PluginKvStore for SqlStorage<DB> {
    async fn kv_get(&self, plugin: &str, campaign: &str, key: &str) -> StorageResult<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND key = $3",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(key.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn kv_set(&self, plugin: &str, campaign: &str, key: &str, value: Vec<u8>) -> StorageResult<()> {
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

    async fn kv_delete(&self, plugin: &str, campaign: &str, key: &str) -> StorageResult<bool> {
        let deleted =
            sqlx::query("DELETE FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND key = $3")
                .bind(plugin.to_string())
                .bind(campaign.to_string())
                .bind(key.to_string())
                .execute(&self.pool)
                .await?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    async fn kv_list(
        &self,
        plugin: &str,
        campaign: &str,
        prefix: &str,
        limit: usize,
    ) -> StorageResult<Vec<String>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
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
