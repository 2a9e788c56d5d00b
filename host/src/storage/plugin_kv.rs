//! Each plugin's key-value space in a campaign (the WIT `kv` import), held to a byte quota.
//!
//! What a space holds is counted as every key's and value's bytes plus a fixed overhead
//! per entry (so a flood of empty values fills it too). `kv_set` checks the quota and
//! writes in one transaction that no other writer of the same space can interleave with:
//! SQLite's `BEGIN IMMEDIATE` takes the database's write lock up front, and on PostgreSQL
//! the transaction first takes an advisory lock on the space (`pg_advisory_xact_lock`),
//! so concurrent writes queue and the quota cannot be overshot by writes that each saw
//! the space before the others.

use super::sql::{SqlEngine, SqlStorage, now};
use super::{Engine, StorageError, StorageResult};
use async_trait::async_trait;

/// A plugin's key-value space, one per (plugin, campaign).
#[async_trait]
pub trait PluginKvStore: Send + Sync {
    /// Reads a key of a plugin's space in a campaign.
    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<Option<Vec<u8>>>;
    /// Writes a key of a plugin's space in a campaign, unless the space would then hold
    /// more than `quota_bytes` (keys and values plus `entry_overhead` bytes per entry, the
    /// entry replaced counted once): then nothing is written and the error is
    /// [`StorageError::QuotaExceeded`]. Atomic against concurrent writes to the space.
    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
        quota_bytes: u64,
        entry_overhead: u64,
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
    /// What a plugin's space in a campaign holds, in bytes, counted as `kv_set` counts
    /// against the quota (keys, values and `entry_overhead` per entry).
    async fn kv_usage(&self, plugin_id: &str, campaign_id: &str, entry_overhead: u64) -> StorageResult<u64>;
}

/// The bytes a space holds without `except_key`, as the quota counts them.
const USAGE_EXCEPT_KEY: &str = "SELECT CAST(COALESCE(SUM(octet_length(key) + octet_length(value) + $4), 0) AS BIGINT) \
     FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 AND key <> $3";

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

    async fn kv_set(
        &self,
        plugin: &str,
        campaign: &str,
        key: &str,
        value: Vec<u8>,
        quota_bytes: u64,
        entry_overhead: u64,
    ) -> StorageResult<()> {
        let overhead = i64::try_from(entry_overhead).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if DB::ENGINE == Engine::Postgres {
            // One lock per space; a hash collision only makes two spaces queue together.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(format!("plugin_kv/{plugin}/{campaign}"))
                .execute(&mut *tx)
                .await?;
        }
        let others: i64 = sqlx::query_scalar(USAGE_EXCEPT_KEY)
            .bind(plugin.to_string())
            .bind(campaign.to_string())
            .bind(key.to_string())
            .bind(overhead)
            .fetch_one(&mut *tx)
            .await?;
        let entry = ((key.len() + value.len()) as u64).saturating_add(entry_overhead);
        let would_hold = u64::try_from(others).unwrap_or(0).saturating_add(entry);
        if would_hold > quota_bytes {
            return Err(StorageError::QuotaExceeded {
                space: "plugin key-value space",
                quota: quota_bytes,
                would_hold,
            });
        }
        sqlx::query(
            "INSERT INTO plugin_kv (plugin_id, campaign_id, key, value, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (plugin_id, campaign_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(key.to_string())
        .bind(value)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
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
        // Prefix match without LIKE, so `%` and `_` in a key are plain characters. The length
        // is cast because PostgreSQL has no `substr(text, integer, bigint)`.
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT key FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2 \
             AND substr(key, 1, CAST($3 AS INTEGER)) = $4 ORDER BY key LIMIT $5",
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

    async fn kv_usage(&self, plugin: &str, campaign: &str, entry_overhead: u64) -> StorageResult<u64> {
        let used: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(octet_length(key) + octet_length(value) + $3), 0) AS BIGINT) \
             FROM plugin_kv WHERE plugin_id = $1 AND campaign_id = $2",
        )
        .bind(plugin.to_string())
        .bind(campaign.to_string())
        .bind(i64::try_from(entry_overhead).unwrap_or(i64::MAX))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(used).unwrap_or(0))
    }
}
