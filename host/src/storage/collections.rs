//! Collection records: a game system's monsters, spells, conditions and rules.

use super::sql::{SqlEngine, SqlStorage, now};
use super::{CollectionRecord, StorageResult};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

const RECORD_COLUMNS: &str = "id, system, collection, name, source, book, page_start, page_end, section, text, data, content_hash, created_at";

/// Records of the system collections.
#[async_trait]
pub trait CollectionStore: Send + Sync {
    /// Stores collection records (replacing same-named ones of the same source), in one
    /// transaction; unchanged records are skipped. Returns how many were written.
    async fn upsert_records(&self, records: Vec<CollectionRecord>) -> StorageResult<usize>;
    /// A system's records, optionally of one collection.
    async fn list_records(
        &self,
        system: &str,
        collection: Option<&str>,
    ) -> StorageResult<Vec<CollectionRecord>>;
}

#[async_trait]
impl<DB: SqlEngine> CollectionStore for SqlStorage<DB> {
    /// Inserts or replaces records in one transaction; a record whose content hash is
    /// unchanged is left alone. Returns how many were written.
    async fn upsert_records(&self, records: Vec<CollectionRecord>) -> StorageResult<usize> {
        let systems: std::collections::BTreeSet<String> = records.iter().map(|r| r.system.clone()).collect();
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut written = 0;
        for record in records {
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT content_hash FROM collection_records WHERE system = $1 AND collection = $2 AND source = $3 AND name = $4",
            )
            .bind(record.system.clone())
            .bind(record.collection.clone())
            .bind(record.source.clone())
            .bind(record.name.clone())
            .fetch_optional(&mut *tx)
            .await?;
            if existing.as_deref() == Some(record.content_hash.as_str()) {
                continue;
            }
            sqlx::query(
                "DELETE FROM collection_records WHERE system = $1 AND collection = $2 AND source = $3 AND name = $4",
            )
            .bind(record.system.clone())
            .bind(record.collection.clone())
            .bind(record.source.clone())
            .bind(record.name.clone())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO collection_records (id, system, collection, name, source, book, page_start, page_end, \
                 section, text, data, content_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(record.id)
            .bind(record.system)
            .bind(record.collection)
            .bind(record.name)
            .bind(record.source)
            .bind(record.book)
            .bind(record.page_start)
            .bind(record.page_end)
            .bind(record.section)
            .bind(record.text)
            .bind(Json(record.data))
            .bind(record.content_hash)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
        if written > 0 {
            for system in &systems {
                self.changed(&crate::cache::tag::records(system)).await;
            }
        }
        Ok(written)
    }

    /// The records of a system, optionally of one collection, by collection and name.
    async fn list_records(
        &self,
        system: &str,
        collection: Option<&str>,
    ) -> StorageResult<Vec<CollectionRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            RECORD_COLUMNS,
            " FROM collection_records WHERE system = $1 AND ($2 IS NULL OR collection = $2) ORDER BY collection, name"
        ))
        .bind(system.to_string())
        .bind(collection.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::record_from_row).collect()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    fn record_from_row(row: &DB::Row) -> StorageResult<CollectionRecord> {
        Ok(CollectionRecord {
            id: row.try_get("id")?,
            system: row.try_get("system")?,
            collection: row.try_get("collection")?,
            name: row.try_get("name")?,
            source: row.try_get("source")?,
            book: row.try_get("book")?,
            page_start: row.try_get("page_start")?,
            page_end: row.try_get("page_end")?,
            section: row.try_get("section")?,
            text: row.try_get("text")?,
            data: row.try_get::<Json<Value>, _>("data")?.0,
            content_hash: row.try_get("content_hash")?,
            created_at: row.try_get("created_at")?,
        })
    }
}
