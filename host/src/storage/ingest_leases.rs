//! Leases on ingestions, so that several hosts ingest a file once between them.
//!
//! The call working on a document holds its lease (`documents.lease_holder`, until
//! `lease_until`) and renews it while it works. Another call of the same file, on any host,
//! finds the lease held and waits; once the document is ready it has nothing to do, and if
//! the holder died, its lease runs out and the next call takes the document over, resuming
//! from the pages and chunks already stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::sql::{SqlEngine, SqlStorage, now};
use super::{StorageError, StorageResult};

/// What a claim on a document's ingestion found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestClaim {
    /// The caller holds the lease now.
    Claimed,
    /// The document is ready: there is nothing left to do.
    Ready,
    /// Another call holds the lease, until the time given unless it renews it.
    Held {
        /// Who holds it.
        holder: String,
        /// When the lease runs out.
        until: DateTime<Utc>,
    },
}

/// Leases on documents being ingested.
#[async_trait]
pub trait IngestLeaseStore: Send + Sync {
    /// Takes the lease of a document being ingested for `holder` until `until`, unless
    /// another holder's lease is still running.
    async fn claim_ingest(
        &self,
        document_id: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> StorageResult<IngestClaim>;
    /// Extends `holder`'s lease to `until`; `false` when it no longer holds it.
    async fn renew_ingest(
        &self,
        document_id: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// Gives up `holder`'s lease (the next call may take the document over at once).
    async fn release_ingest(&self, document_id: &str, holder: &str) -> StorageResult<()>;
}

#[async_trait]
impl<DB: SqlEngine> IngestLeaseStore for SqlStorage<DB> {
    async fn claim_ingest(
        &self,
        document_id: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> StorageResult<IngestClaim> {
        let taken = sqlx::query(
            "UPDATE documents SET lease_holder = $2, lease_until = $3 WHERE id = $1 AND status = 'ingesting' \
             AND (lease_holder IS NULL OR lease_holder = $2 OR lease_until < $4)",
        )
        .bind(document_id.to_string())
        .bind(holder.to_string())
        .bind(until)
        .bind(now())
        .execute(&self.pool)
        .await?;
        if DB::rows_affected(&taken) == 1 {
            return Ok(IngestClaim::Claimed);
        }
        let row = sqlx::query("SELECT status, lease_holder, lease_until FROM documents WHERE id = $1")
            .bind(document_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("document", document_id))?;
        let status: String = row.try_get("status")?;
        if status == "ready" {
            return Ok(IngestClaim::Ready);
        }
        let holder: Option<String> = row.try_get("lease_holder")?;
        let until: Option<DateTime<Utc>> = row.try_get("lease_until")?;
        match (holder, until) {
            (Some(holder), Some(until)) => Ok(IngestClaim::Held { holder, until }),
            // Released between the two statements: the caller claims again.
            _ => Ok(IngestClaim::Held { holder: String::new(), until: now() }),
        }
    }

    async fn renew_ingest(
        &self,
        document_id: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let renewed =
            sqlx::query("UPDATE documents SET lease_until = $3 WHERE id = $1 AND lease_holder = $2")
                .bind(document_id.to_string())
                .bind(holder.to_string())
                .bind(until)
                .execute(&self.pool)
                .await?;
        Ok(DB::rows_affected(&renewed) == 1)
    }

    async fn release_ingest(&self, document_id: &str, holder: &str) -> StorageResult<()> {
        sqlx::query("UPDATE documents SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2")
            .bind(document_id.to_string())
            .bind(holder.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
