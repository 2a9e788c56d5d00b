//! Collection records: a game system's monsters, spells, conditions and rules.

use super::sql::{SqlEngine, SqlStorage, now};
use super::{CollectionRecord, RecordReader, StorageResult};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

const RECORD_COLUMNS: &str = "r.id, r.system, r.collection, r.name, r.source, r.book, r.page_start, r.page_end, \
     r.section, r.text, r.data, r.content_hash, r.created_at, r.document_id, r.chunk_id, r.campaign_id";

const INSERT_RECORD: &str = "INSERT INTO collection_records (id, system, collection, name, source, book, page_start, \
     page_end, section, text, data, content_hash, created_at, document_id, chunk_id, campaign_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

/// Records of the system collections.
#[async_trait]
pub trait CollectionStore: Send + Sync {
    /// Stores collection records (replacing same-named ones of the same source), in one
    /// transaction; unchanged records are skipped. Returns how many were written.
    async fn upsert_records(&self, records: Vec<CollectionRecord>) -> StorageResult<usize>;
    /// A system's records, optionally of one collection: every source, every campaign.
    async fn list_records(
        &self,
        system: &str,
        collection: Option<&str>,
    ) -> StorageResult<Vec<CollectionRecord>>;
    /// The records of a system (optionally of one collection) that `reader` may see: those
    /// of structured imports, of the shared library's books and of the reader's campaign's
    /// books, only of books that are ready, and of a GM-only passage only for a reader who
    /// may see it (the campaign's GM for its books, the operator for the library's).
    async fn records_for(
        &self,
        system: &str,
        collection: Option<&str>,
        reader: &RecordReader,
    ) -> StorageResult<Vec<CollectionRecord>>;
    /// How many records were recognized in the book `document_id`.
    async fn document_record_count(&self, document_id: &str) -> StorageResult<u64>;
    /// Replaces every record recognized in the book `document_id` with `records`, in one
    /// transaction. Returns how many it wrote.
    async fn replace_document_records(
        &self,
        document_id: &str,
        records: Vec<CollectionRecord>,
    ) -> StorageResult<usize>;
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
            insert_record::<DB>(&mut tx, record).await?;
            written += 1;
        }
        tx.commit().await?;
        if written > 0 {
            self.records_changed(systems.iter()).await;
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
            " FROM collection_records r WHERE r.system = $1 AND ($2 IS NULL OR r.collection = $2) ORDER BY r.collection, r.name"
        ))
        .bind(system.to_string())
        .bind(collection.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::record_from_row).collect()
    }

    async fn records_for(
        &self,
        system: &str,
        collection: Option<&str>,
        reader: &RecordReader,
    ) -> StorageResult<Vec<CollectionRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            RECORD_COLUMNS,
            " FROM collection_records r \
             LEFT JOIN documents d ON d.id = r.document_id \
             LEFT JOIN chunks c ON c.id = r.chunk_id \
             WHERE r.system = $1 AND ($2 IS NULL OR r.collection = $2) \
               AND (r.campaign_id IS NULL OR r.campaign_id = $3) \
               AND (r.document_id IS NULL OR d.status = 'ready') \
               AND (r.chunk_id IS NULL OR c.visibility = 'players' \
                    OR (r.campaign_id IS NULL AND $5 = 1) OR (r.campaign_id IS NOT NULL AND $4 = 1)) \
             ORDER BY r.collection, r.name"
        ))
        .bind(system.to_string())
        .bind(collection.map(str::to_string))
        .bind(reader.campaign_id.clone())
        .bind(i64::from(reader.campaign_gm))
        .bind(i64::from(reader.operator))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::record_from_row).collect()
    }

    async fn document_record_count(&self, document_id: &str) -> StorageResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM collection_records WHERE document_id = $1")
            .bind(document_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn replace_document_records(
        &self,
        document_id: &str,
        records: Vec<CollectionRecord>,
    ) -> StorageResult<usize> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut systems: std::collections::BTreeSet<String> =
            record_systems::<DB>(&mut tx, document_id).await?.into_iter().collect();
        sqlx::query("DELETE FROM collection_records WHERE document_id = $1")
            .bind(document_id.to_string())
            .execute(&mut *tx)
            .await?;
        let written = records.len();
        for record in records {
            systems.insert(record.system.clone());
            insert_record::<DB>(&mut tx, record).await?;
        }
        tx.commit().await?;
        self.records_changed(systems.iter()).await;
        Ok(written)
    }
}

/// The systems of the records recognized in the book `document_id`, read inside a write.
pub(super) async fn record_systems<DB: SqlEngine>(
    conn: &mut DB::Connection,
    document_id: &str,
) -> StorageResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT DISTINCT system FROM collection_records WHERE document_id = $1")
        .bind(document_id.to_string())
        .fetch_all(&mut *conn)
        .await?)
}

impl<DB: SqlEngine> SqlStorage<DB> {
    /// Invalidates the cached record searches of `systems`.
    pub(super) async fn records_changed(&self, systems: impl Iterator<Item = &String>) {
        for system in systems {
            self.changed(&crate::cache::tag::records(system)).await;
        }
    }
}

/// Inserts one record row inside `tx`.
async fn insert_record<DB: SqlEngine>(
    conn: &mut DB::Connection,
    record: CollectionRecord,
) -> StorageResult<()> {
    sqlx::query(INSERT_RECORD)
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
        .bind(record.document_id)
        .bind(record.chunk_id)
        .bind(record.campaign_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
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
            document_id: row.try_get("document_id")?,
            chunk_id: row.try_get("chunk_id")?,
            campaign_id: row.try_get("campaign_id")?,
        })
    }
}
