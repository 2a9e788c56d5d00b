//! MCP sessions over Streamable HTTP, in the database every host reads: what a host needs to
//! take over a session another host opened (rmcp's restore state), the campaign the session
//! chose with `campaign_use`, the resources it subscribed to and the toolsets it enabled.
//!
//! A session lives while it is touched: [`McpSessionStore::mcp_session_load`] and
//! [`McpSessionStore::mcp_session_campaign`] see only sessions touched since the time they are
//! given, and [`McpSessionStore::mcp_sessions_prune`] deletes the others.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::sql::{SqlEngine, SqlStorage, now};
use super::{StorageError, StorageResult};

/// MCP sessions shared by every host.
#[async_trait]
pub trait McpSessionStore: Send + Sync {
    /// Records a session opened now with rmcp's restore `state` (JSON), or replaces the state
    /// of one already recorded (its campaign stays).
    async fn mcp_session_save(&self, id: &str, state: &str) -> StorageResult<()>;
    /// The restore state of a session touched since `live_since`.
    async fn mcp_session_load(&self, id: &str, live_since: DateTime<Utc>) -> StorageResult<Option<String>>;
    /// Forgets a session; returns whether it was recorded.
    async fn mcp_session_delete(&self, id: &str) -> StorageResult<bool>;
    /// The campaign a session touched since `live_since` uses (`None` when it has chosen
    /// none); [`StorageError::NotFound`] when no such session is recorded.
    async fn mcp_session_campaign(
        &self,
        id: &str,
        live_since: DateTime<Utc>,
    ) -> StorageResult<Option<String>>;
    /// Sets the campaign a session uses and touches it; [`StorageError::NotFound`] when the
    /// session is not recorded.
    async fn mcp_session_use_campaign(&self, id: &str, campaign_id: &str) -> StorageResult<()>;
    /// Marks a session as used now.
    async fn mcp_session_touch(&self, id: &str) -> StorageResult<()>;
    /// Deletes the sessions not touched since `live_since` (with what they subscribed to and
    /// enabled); returns how many.
    async fn mcp_sessions_prune(&self, live_since: DateTime<Utc>) -> StorageResult<u64>;
    /// The resource URIs a session subscribed to, sorted.
    async fn mcp_session_subscriptions(&self, id: &str) -> StorageResult<Vec<String>>;
    /// Subscribes a session to `uri` unless it already watches `max` others: `false` when it
    /// does (subscribing again to a watched URI is `true` and changes nothing).
    /// [`StorageError::NotFound`] when the session is not recorded.
    async fn mcp_session_subscribe(&self, id: &str, uri: &str, max: usize) -> StorageResult<bool>;
    /// Unsubscribes a session from `uri`; whether it was subscribed.
    async fn mcp_session_unsubscribe(&self, id: &str, uri: &str) -> StorageResult<bool>;
    /// The sessions subscribed to `uri`, sorted.
    async fn mcp_sessions_watching(&self, uri: &str) -> StorageResult<Vec<String>>;
    /// The toolsets a session enabled beyond the configured ones, sorted.
    async fn mcp_session_toolsets(&self, id: &str) -> StorageResult<Vec<String>>;
    /// Records toolsets a session enabled (those already recorded stay once).
    /// [`StorageError::NotFound`] when the session is not recorded.
    async fn mcp_session_add_toolsets(&self, id: &str, toolsets: &[String]) -> StorageResult<()>;
}

#[async_trait]
impl<DB: SqlEngine> McpSessionStore for SqlStorage<DB> {
    async fn mcp_session_save(&self, id: &str, state: &str) -> StorageResult<()> {
        let at = now();
        sqlx::query(
            "INSERT INTO mcp_sessions (id, state, created_at, touched_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, touched_at = excluded.touched_at",
        )
        .bind(id.to_string())
        .bind(state.to_string())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mcp_session_load(&self, id: &str, live_since: DateTime<Utc>) -> StorageResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT state FROM mcp_sessions WHERE id = $1 AND touched_at >= $2")
            .bind(id.to_string())
            .bind(live_since)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn mcp_session_delete(&self, id: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM mcp_sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn mcp_session_campaign(
        &self,
        id: &str,
        live_since: DateTime<Utc>,
    ) -> StorageResult<Option<String>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT campaign_id FROM mcp_sessions WHERE id = $1 AND touched_at >= $2")
                .bind(id.to_string())
                .bind(live_since)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(campaign,)| campaign).ok_or_else(|| StorageError::not_found("MCP session", id))
    }

    async fn mcp_session_use_campaign(&self, id: &str, campaign_id: &str) -> StorageResult<()> {
        let done = sqlx::query("UPDATE mcp_sessions SET campaign_id = $2, touched_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(campaign_id.to_string())
            .bind(now())
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StorageError::not_found("MCP session", id));
        }
        Ok(())
    }

    async fn mcp_session_touch(&self, id: &str) -> StorageResult<()> {
        sqlx::query("UPDATE mcp_sessions SET touched_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mcp_sessions_prune(&self, live_since: DateTime<Utc>) -> StorageResult<u64> {
        let done = sqlx::query("DELETE FROM mcp_sessions WHERE touched_at < $1")
            .bind(live_since)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done))
    }

    async fn mcp_session_subscriptions(&self, id: &str) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT uri FROM mcp_session_subscriptions WHERE session_id = $1 ORDER BY uri")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?)
    }

    async fn mcp_session_subscribe(&self, id: &str, uri: &str, max: usize) -> StorageResult<bool> {
        let added = sqlx::query(
            "INSERT INTO mcp_session_subscriptions (session_id, uri) SELECT id, $2 FROM mcp_sessions \
             WHERE id = $1 AND (SELECT COUNT(*) FROM mcp_session_subscriptions WHERE session_id = $1) < $3 \
             ON CONFLICT (session_id, uri) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(uri.to_string())
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        if DB::rows_affected(&added) > 0 {
            return Ok(true);
        }
        // Nothing added: already watched, a full session, or no session.
        let watched: Option<String> = sqlx::query_scalar(
            "SELECT uri FROM mcp_session_subscriptions WHERE session_id = $1 AND uri = $2",
        )
        .bind(id.to_string())
        .bind(uri.to_string())
        .fetch_optional(&self.pool)
        .await?;
        if watched.is_some() {
            return Ok(true);
        }
        self.require_mcp_session(id).await?;
        Ok(false)
    }

    async fn mcp_session_unsubscribe(&self, id: &str, uri: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM mcp_session_subscriptions WHERE session_id = $1 AND uri = $2")
            .bind(id.to_string())
            .bind(uri.to_string())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn mcp_sessions_watching(&self, uri: &str) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT session_id FROM mcp_session_subscriptions WHERE uri = $1 ORDER BY session_id",
        )
        .bind(uri.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn mcp_session_toolsets(&self, id: &str) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT toolset FROM mcp_session_toolsets WHERE session_id = $1 ORDER BY toolset",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn mcp_session_add_toolsets(&self, id: &str, toolsets: &[String]) -> StorageResult<()> {
        self.require_mcp_session(id).await?;
        for toolset in toolsets {
            sqlx::query(
                "INSERT INTO mcp_session_toolsets (session_id, toolset) VALUES ($1, $2) \
                 ON CONFLICT (session_id, toolset) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(toolset.clone())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    /// Ok when the session `id` is recorded, else [`StorageError::NotFound`].
    async fn require_mcp_session(&self, id: &str) -> StorageResult<()> {
        let recorded: Option<String> = sqlx::query_scalar("SELECT id FROM mcp_sessions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        recorded.map(|_| ()).ok_or_else(|| StorageError::not_found("MCP session", id))
    }
}
