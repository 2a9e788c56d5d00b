//! The rulebook library's rows: documents, their pages and their chunks.

use super::sql::{SqlEngine, SqlStorage, known, new_id, now};
use super::{
    CampaignStore, ChunkRecord, DocumentRecord, DocumentStatus, NewDocument, PageRecord, StorageError,
    StorageResult, Visibility,
};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const DOCUMENT_COLUMNS: &str = "id, content_hash, book, system, campaign_id, file_name, page_count, chunker, \
     status, chunk_count, created_at, updated_at, visibility";
const CHUNK_COLUMNS: &str = "c.id, c.document_id, c.ordinal, c.page_start, c.page_end, c.section, \
     c.content_type, c.text, c.metadata, c.text_hash, c.indexed, c.visibility";

/// `$first, $first+1, …` for `count` bound values.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Ingested documents: invisible to search until `ready`.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The document whose file has this SHA-256, if one was ever ingested (ready or not).
    async fn find_document_by_hash(&self, content_hash: &str) -> StorageResult<Option<DocumentRecord>>;
    /// Records a document being ingested (status `ingesting`, invisible to search).
    async fn create_document(&self, new: NewDocument) -> StorageResult<DocumentRecord>;
    /// Reads a document.
    async fn get_document(&self, id: &str) -> StorageResult<DocumentRecord>;
    /// Every document, by book title.
    async fn list_documents(&self) -> StorageResult<Vec<DocumentRecord>>;
    /// Removes a document with its pages, chunks and the records recognized in it (its
    /// vectors are the caller's job).
    async fn delete_document(&self, id: &str) -> StorageResult<()>;
    /// Writes pages (again): a page already stored is replaced; each document's page count
    /// becomes the number of its pages stored.
    async fn save_pages(&self, pages: Vec<PageRecord>) -> StorageResult<()>;
    /// Reads one page of a document.
    async fn get_page(&self, document_id: &str, number: i64) -> StorageResult<PageRecord>;
    /// Stores chunks not yet stored (same id or same document and text hash: skipped);
    /// returns how many were new.
    async fn insert_chunks(&self, chunks: Vec<ChunkRecord>) -> StorageResult<usize>;
    /// Up to `limit` of a document's chunks whose vectors are not yet indexed, in order.
    async fn unindexed_chunks(&self, document_id: &str, limit: i64) -> StorageResult<Vec<ChunkRecord>>;
    /// A document's chunks of other content types than `except` (`rules`), in order.
    async fn typed_chunks(&self, document_id: &str, except: &str) -> StorageResult<Vec<ChunkRecord>>;
    /// Records that these chunks' vectors are in the vector index.
    async fn mark_chunks_indexed(&self, ids: &[String]) -> StorageResult<()>;
    /// Records that no chunk's vector is in the index any more (a restored database over an
    /// empty index); returns how many chunks must be indexed again.
    async fn forget_index(&self) -> StorageResult<u64>;
    /// Makes a document searchable once every chunk is indexed; sets its chunk count.
    async fn finish_document(&self, id: &str) -> StorageResult<DocumentRecord>;
    /// The chunks with these ids that belong to ready documents (any order), leaving out
    /// GM-only chunks of the scopes in `gm_hidden` (`global` for the shared library, or a
    /// campaign id).
    async fn ready_chunks(&self, ids: &[String], gm_hidden: &[String]) -> StorageResult<Vec<ChunkRecord>>;
    /// Sets who may read a document's chunks (those whose section path starts with
    /// `section`, or all of them and the document itself); they are indexed again. Returns
    /// how many chunks changed.
    async fn set_document_visibility(
        &self,
        document_id: &str,
        section: Option<&str>,
        visibility: Visibility,
    ) -> StorageResult<u64>;
    /// Ids of documents still being ingested (their vectors must not be searched).
    async fn unready_documents(&self) -> StorageResult<Vec<String>>;
}

#[async_trait]
impl<DB: SqlEngine> DocumentStore for SqlStorage<DB> {
    async fn find_document_by_hash(&self, hash: &str) -> StorageResult<Option<DocumentRecord>> {
        let row = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents WHERE content_hash = $1"
        ))
        .bind(hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::document_from_row).transpose()
    }

    async fn create_document(&self, new: NewDocument) -> StorageResult<DocumentRecord> {
        if let Some(campaign_id) = &new.campaign_id {
            self.get_campaign(campaign_id).await?;
        }
        let at = now();
        let row = sqlx::query(const_format::concatcp!("INSERT INTO documents (id, content_hash, book, system, campaign_id, file_name, page_count, chunker, \
             status, chunk_count, created_at, updated_at, visibility) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ingesting', 0, $9, $9, $10) RETURNING ", DOCUMENT_COLUMNS))
        .bind(new_id())
        .bind(new.content_hash)
        .bind(new.book)
        .bind(new.system)
        .bind(new.campaign_id)
        .bind(new.file_name)
        .bind(new.page_count)
        .bind(new.chunker)
        .bind(at)
        .bind(new.visibility.as_str().to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(|err| match super::sql::is_unique_violation(&err) {
            true => StorageError::Conflict("a document with the same content is already in the library".into()),
            false => err.into(),
        })?;
        Self::document_from_row(&row)
    }

    async fn get_document(&self, id: &str) -> StorageResult<DocumentRecord> {
        let row = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("document", id))?;
        Self::document_from_row(&row)
    }

    async fn list_documents(&self) -> StorageResult<Vec<DocumentRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents ORDER BY book, created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::document_from_row).collect()
    }

    async fn delete_document(&self, id: &str) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let systems = super::collections::record_systems::<DB>(&mut tx, id).await?;
        for statement in [
            "DELETE FROM collection_records WHERE document_id = $1",
            "DELETE FROM chunks WHERE document_id = $1",
            "DELETE FROM document_pages WHERE document_id = $1",
        ] {
            sqlx::query(statement).bind(id.to_string()).execute(&mut *tx).await?;
        }
        let result =
            sqlx::query("DELETE FROM documents WHERE id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        if DB::rows_affected(&result) == 0 {
            return Err(StorageError::not_found("document", id));
        }
        tx.commit().await?;
        self.records_changed(systems.iter()).await;
        Ok(())
    }

    async fn save_pages(&self, pages: Vec<PageRecord>) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let documents: std::collections::BTreeSet<String> =
            pages.iter().map(|p| p.document_id.clone()).collect();
        for page in pages {
            sqlx::query(
                "INSERT INTO document_pages (document_id, number, text, problem) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (document_id, number) DO UPDATE SET text = excluded.text, problem = excluded.problem",
            )
            .bind(page.document_id)
            .bind(page.number)
            .bind(page.text)
            .bind(page.problem)
            .execute(&mut *tx)
            .await?;
        }
        // A document recorded before its file was read learns its page count here.
        for document in documents {
            sqlx::query(
                "UPDATE documents SET page_count = (SELECT COUNT(*) FROM document_pages WHERE document_id = $1) \
                 WHERE id = $1",
            )
            .bind(document)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_page(&self, document_id: &str, number: i64) -> StorageResult<PageRecord> {
        let row = sqlx::query(
            "SELECT document_id, number, text, problem FROM document_pages WHERE document_id = $1 AND number = $2",
        )
        .bind(document_id.to_string())
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("page", format!("{document_id}/{number}")))?;
        Ok(PageRecord {
            document_id: row.try_get("document_id")?,
            number: row.try_get("number")?,
            text: row.try_get("text")?,
            problem: row.try_get("problem")?,
        })
    }

    async fn insert_chunks(&self, chunks: Vec<ChunkRecord>) -> StorageResult<usize> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut inserted = 0;
        for chunk in chunks {
            let result = sqlx::query(
                "INSERT INTO chunks (id, document_id, ordinal, page_start, page_end, section, content_type, text, \
                 metadata, text_hash, indexed, visibility) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, \
                 (SELECT visibility FROM documents WHERE id = $2)) ON CONFLICT DO NOTHING",
            )
            .bind(chunk.id)
            .bind(chunk.document_id)
            .bind(chunk.ordinal)
            .bind(chunk.page_start)
            .bind(chunk.page_end)
            .bind(chunk.section)
            .bind(chunk.content_type)
            .bind(chunk.text)
            .bind(Json(chunk.metadata))
            .bind(chunk.text_hash)
            .execute(&mut *tx)
            .await?;
            inserted += DB::rows_affected(&result) as usize;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn unindexed_chunks(&self, document_id: &str, limit: i64) -> StorageResult<Vec<ChunkRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            CHUNK_COLUMNS,
            " FROM chunks c WHERE c.document_id = $1 AND c.indexed = 0 \
             ORDER BY c.ordinal LIMIT $2"
        ))
        .bind(document_id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::chunk_from_row).collect()
    }

    async fn typed_chunks(&self, document_id: &str, except: &str) -> StorageResult<Vec<ChunkRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            CHUNK_COLUMNS,
            " FROM chunks c WHERE c.document_id = $1 AND c.content_type <> $2 ORDER BY c.ordinal"
        ))
        .bind(document_id.to_string())
        .bind(except.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::chunk_from_row).collect()
    }

    async fn forget_index(&self) -> StorageResult<u64> {
        let result =
            sqlx::query("UPDATE chunks SET indexed = 0 WHERE indexed <> 0").execute(&self.pool).await?;
        Ok(DB::rows_affected(&result))
    }

    async fn mark_chunks_indexed(&self, ids: &[String]) -> StorageResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!("UPDATE chunks SET indexed = 1 WHERE id IN ({})", placeholders(1, ids.len()));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.clone());
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn finish_document(&self, id: &str) -> StorageResult<DocumentRecord> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM chunks WHERE document_id = $1 AND indexed = 0")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if pending > 0 {
            return Err(StorageError::Conflict(format!(
                "document {id} still has {pending} chunks without vectors"
            )));
        }
        let row = sqlx::query(const_format::concatcp!(
            "UPDATE documents SET status = 'ready', updated_at = $2, lease_holder = NULL, lease_until = NULL, \
             chunk_count = (SELECT COUNT(*) FROM chunks WHERE document_id = $1) \
             WHERE id = $1 RETURNING ",
            DOCUMENT_COLUMNS
        ))
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StorageError::not_found("document", id))?;
        let document = Self::document_from_row(&row)?;
        tx.commit().await?;
        Ok(document)
    }

    async fn ready_chunks(&self, ids: &[String], gm_hidden: &[String]) -> StorageResult<Vec<ChunkRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id \
             WHERE d.status = 'ready' AND c.id IN ({})",
            placeholders(1, ids.len())
        );
        if !gm_hidden.is_empty() {
            sql.push_str(&format!(
                " AND NOT (c.visibility = 'gm' AND COALESCE(d.campaign_id, 'global') IN ({}))",
                placeholders(ids.len() + 1, gm_hidden.len())
            ));
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids.iter().chain(gm_hidden) {
            query = query.bind(id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(Self::chunk_from_row).collect()
    }

    async fn set_document_visibility(
        &self,
        document_id: &str,
        section: Option<&str>,
        visibility: Visibility,
    ) -> StorageResult<u64> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        if section.is_none() {
            sqlx::query("UPDATE documents SET visibility = $2, updated_at = $3 WHERE id = $1")
                .bind(document_id.to_string())
                .bind(visibility.as_str().to_string())
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        // A section and everything under it: "Chapter 2" and "Chapter 2 › …", never "Chapter 20".
        let done = sqlx::query(
            "UPDATE chunks SET visibility = $2, indexed = 0 WHERE document_id = $1 AND visibility <> $2 \
             AND ($3 IS NULL OR section = $3 OR substr(section, 1, length($3) + 3) = $3 || ' › ')",
        )
        .bind(document_id.to_string())
        .bind(visibility.as_str().to_string())
        .bind(section.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let systems = super::collections::record_systems::<DB>(&mut tx, document_id).await?;
        tx.commit().await?;
        // The book's records share its chunks' visibility: cached look-ups are stale now.
        if DB::rows_affected(&done) > 0 {
            self.records_changed(systems.iter()).await;
        }
        Ok(DB::rows_affected(&done))
    }

    async fn unready_documents(&self) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM documents WHERE status <> 'ready' ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn document_from_row(row: &DB::Row) -> StorageResult<DocumentRecord> {
        let id: String = row.try_get("id")?;
        let status = known("documents", &id, "status", row.try_get("status")?, DocumentStatus::parse)?;
        let visibility =
            known("documents", &id, "visibility", row.try_get("visibility")?, Visibility::parse)?;
        Ok(DocumentRecord {
            id,
            content_hash: row.try_get("content_hash")?,
            book: row.try_get("book")?,
            system: row.try_get("system")?,
            campaign_id: row.try_get("campaign_id")?,
            file_name: row.try_get("file_name")?,
            page_count: row.try_get("page_count")?,
            chunker: row.try_get("chunker")?,
            status,
            visibility,
            chunk_count: row.try_get("chunk_count")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    fn chunk_from_row(row: &DB::Row) -> StorageResult<ChunkRecord> {
        let id: String = row.try_get("id")?;
        let visibility = known("chunks", &id, "visibility", row.try_get("visibility")?, Visibility::parse)?;
        Ok(ChunkRecord {
            id,
            document_id: row.try_get("document_id")?,
            ordinal: row.try_get("ordinal")?,
            page_start: row.try_get("page_start")?,
            page_end: row.try_get("page_end")?,
            section: row.try_get("section")?,
            content_type: row.try_get("content_type")?,
            text: row.try_get("text")?,
            metadata: row.try_get::<Json<Value>, _>("metadata")?.0,
            text_hash: row.try_get("text_hash")?,
            indexed: row.try_get::<i64, _>("indexed")? != 0,
            visibility,
        })
    }
}
