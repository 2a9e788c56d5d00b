//! Queries for the rulebook library (documents, pages, chunks) and campaign notes, shared
//! by both engines like the rest of [`super::sql`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{EngineOps, SqlStorage, new_id, now};
use super::{
    CampaignNote, ChunkRecord, DocumentRecord, DocumentStatus, NewCampaignNote, NewDocument, PageRecord,
    StorageError, StorageResult,
};

const DOCUMENT_COLUMNS: &str = "id, content_hash, book, system, campaign_id, file_name, page_count, chunker, \
     status, chunk_count, created_at, updated_at";
const CHUNK_COLUMNS: &str = "c.id, c.document_id, c.ordinal, c.page_start, c.page_end, c.section, \
     c.content_type, c.text, c.metadata, c.text_hash, c.indexed";
const NOTE_COLUMNS: &str = "id, campaign_id, kind, title, body, tags, created_at, updated_at";

/// `$first, $first+1, …` for `count` bound values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl<DB> SqlStorage<DB>
where
    DB: EngineOps,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Json<Value>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    DateTime<Utc>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    pub(super) async fn find_document_by_hash_sql(
        &self,
        hash: &str,
    ) -> StorageResult<Option<DocumentRecord>> {
        let row = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents WHERE content_hash = $1"
        ))
        .bind(hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    pub(super) async fn create_document_sql(&self, new: NewDocument) -> StorageResult<DocumentRecord> {
        let at = now();
        let row = sqlx::query(const_format::concatcp!("INSERT INTO documents (id, content_hash, book, system, campaign_id, file_name, page_count, chunker, \
             status, chunk_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ingesting', 0, $9, $9) RETURNING ", DOCUMENT_COLUMNS))
        .bind(new_id())
        .bind(new.content_hash)
        .bind(new.book)
        .bind(new.system)
        .bind(new.campaign_id)
        .bind(new.file_name)
        .bind(new.page_count)
        .bind(new.chunker)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| match super::sql::is_unique_violation(&err) {
            true => StorageError::Conflict("a document with the same content is already in the library".into()),
            false => err.into(),
        })?;
        document_from_row(&row)
    }

    pub(super) async fn get_document_sql(&self, id: &str) -> StorageResult<DocumentRecord> {
        let row = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("document", id))?;
        document_from_row(&row)
    }

    pub(super) async fn list_documents_sql(&self) -> StorageResult<Vec<DocumentRecord>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            DOCUMENT_COLUMNS,
            " FROM documents ORDER BY book, created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    pub(super) async fn delete_document_sql(&self, id: &str) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        for statement in
            ["DELETE FROM chunks WHERE document_id = $1", "DELETE FROM document_pages WHERE document_id = $1"]
        {
            sqlx::query(statement).bind(id.to_string()).execute(&mut *tx).await?;
        }
        let result =
            sqlx::query("DELETE FROM documents WHERE id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        if DB::rows_affected(&result) == 0 {
            return Err(StorageError::not_found("document", id));
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn save_pages_sql(&self, pages: Vec<PageRecord>) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
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
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn get_page_sql(&self, document_id: &str, number: i64) -> StorageResult<PageRecord> {
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

    pub(super) async fn insert_chunks_sql(&self, chunks: Vec<ChunkRecord>) -> StorageResult<usize> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut inserted = 0;
        for chunk in chunks {
            let result = sqlx::query(
                "INSERT INTO chunks (id, document_id, ordinal, page_start, page_end, section, content_type, text, \
                 metadata, text_hash, indexed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0) \
                 ON CONFLICT DO NOTHING",
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

    pub(super) async fn unindexed_chunks_sql(
        &self,
        document_id: &str,
        limit: i64,
    ) -> StorageResult<Vec<ChunkRecord>> {
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
        rows.iter().map(chunk_from_row).collect()
    }

    pub(super) async fn mark_chunks_indexed_sql(&self, ids: &[String]) -> StorageResult<()> {
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

    pub(super) async fn finish_document_sql(&self, id: &str) -> StorageResult<DocumentRecord> {
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
            "UPDATE documents SET status = 'ready', updated_at = $2, \
             chunk_count = (SELECT COUNT(*) FROM chunks WHERE document_id = $1) \
             WHERE id = $1 RETURNING ",
            DOCUMENT_COLUMNS
        ))
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StorageError::not_found("document", id))?;
        let document = document_from_row(&row)?;
        tx.commit().await?;
        Ok(document)
    }

    pub(super) async fn ready_chunks_sql(&self, ids: &[String]) -> StorageResult<Vec<ChunkRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id \
             WHERE d.status = 'ready' AND c.id IN ({})",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(chunk_from_row).collect()
    }

    pub(super) async fn unready_documents_sql(&self) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM documents WHERE status <> 'ready' ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub(super) async fn add_campaign_note_sql(&self, new: NewCampaignNote) -> StorageResult<CampaignNote> {
        let at = now();
        let row = sqlx::query(const_format::concatcp!("INSERT INTO campaign_notes (id, campaign_id, kind, title, body, tags, indexed, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING ", NOTE_COLUMNS))
        .bind(new_id())
        .bind(new.campaign_id)
        .bind(new.kind)
        .bind(new.title)
        .bind(new.body)
        .bind(Json(Value::from(new.tags)))
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        campaign_note_from_row(&row)
    }

    pub(super) async fn campaign_notes_sql(
        &self,
        campaign_id: &str,
        ids: Option<&[String]>,
        unindexed_only: bool,
    ) -> StorageResult<Vec<CampaignNote>> {
        let mut sql = format!("SELECT {NOTE_COLUMNS} FROM campaign_notes WHERE campaign_id = $1");
        if unindexed_only {
            sql.push_str(" AND indexed = 0");
        }
        if let Some(ids) = ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(" AND id IN ({})", placeholders(2, ids.len())));
        }
        sql.push_str(" ORDER BY created_at, id");
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(campaign_id.to_string());
        for id in ids.unwrap_or_default() {
            query = query.bind(id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(campaign_note_from_row).collect()
    }

    pub(super) async fn mark_notes_indexed_sql(&self, ids: &[String]) -> StorageResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql =
            format!("UPDATE campaign_notes SET indexed = 1 WHERE id IN ({})", placeholders(1, ids.len()));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.clone());
        }
        query.execute(&self.pool).await?;
        Ok(())
    }
}

fn document_from_row<R: Row>(row: &R) -> StorageResult<DocumentRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    let status = match status.as_str() {
        "ready" => DocumentStatus::Ready,
        "ingesting" => DocumentStatus::Ingesting,
        other => return Err(StorageError::Invalid(format!("stored document status {other:?} is unknown"))),
    };
    Ok(DocumentRecord {
        id: row.try_get("id")?,
        content_hash: row.try_get("content_hash")?,
        book: row.try_get("book")?,
        system: row.try_get("system")?,
        campaign_id: row.try_get("campaign_id")?,
        file_name: row.try_get("file_name")?,
        page_count: row.try_get("page_count")?,
        chunker: row.try_get("chunker")?,
        status,
        chunk_count: row.try_get("chunk_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn chunk_from_row<R: Row>(row: &R) -> StorageResult<ChunkRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(ChunkRecord {
        id: row.try_get("id")?,
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
    })
}

fn campaign_note_from_row<R: Row>(row: &R) -> StorageResult<CampaignNote>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let tags = row.try_get::<Json<Value>, _>("tags")?.0;
    Ok(CampaignNote {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        tags: serde_json::from_value(tags).map_err(|err| {
            StorageError::Invalid(format!("stored note tags are not a list of strings: {err}"))
        })?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
