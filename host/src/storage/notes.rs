//! Campaign notes (searchable through the library's notes collection).

use super::documents::placeholders;
use super::sql::{SqlEngine, SqlStorage, known, new_id, now};
use super::{CampaignNote, CampaignStore, NewCampaignNote, StorageError, StorageResult, Visibility};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Row};

pub(super) const NOTE_COLUMNS: &str =
    "id, campaign_id, kind, title, body, tags, visibility, created_at, updated_at";

/// Campaign notes.
#[async_trait]
pub trait CampaignNoteStore: Send + Sync {
    /// Writes a campaign note.
    async fn add_campaign_note(&self, new: NewCampaignNote) -> StorageResult<CampaignNote>;
    /// A campaign's notes, oldest first: all, only those with `ids`, or only those whose
    /// vectors are not yet indexed; with `players_only`, only those shared with the players.
    async fn campaign_notes(
        &self,
        campaign_id: &str,
        ids: Option<&[String]>,
        unindexed_only: bool,
        players_only: bool,
    ) -> StorageResult<Vec<CampaignNote>>;
    /// One note.
    async fn get_campaign_note(&self, id: &str) -> StorageResult<CampaignNote>;
    /// Shares a note with the players (or takes it back); its vectors are indexed again
    /// with the new visibility.
    async fn set_note_visibility(&self, id: &str, visibility: Visibility) -> StorageResult<CampaignNote>;
    /// Records that these notes' vectors are in the vector index.
    async fn mark_notes_indexed(&self, ids: &[String]) -> StorageResult<()>;
}

#[async_trait]
impl<DB: SqlEngine> CampaignNoteStore for SqlStorage<DB> {
    async fn add_campaign_note(&self, new: NewCampaignNote) -> StorageResult<CampaignNote> {
        self.get_campaign(&new.campaign_id).await?;
        let at = now();
        let row = sqlx::query(const_format::concatcp!("INSERT INTO campaign_notes (id, campaign_id, kind, title, body, tags, indexed, created_at, updated_at, visibility) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8) RETURNING ", NOTE_COLUMNS))
        .bind(new_id())
        .bind(new.campaign_id)
        .bind(new.kind)
        .bind(new.title)
        .bind(new.body)
        .bind(Json(Value::from(new.tags)))
        .bind(at)
        .bind(new.visibility.as_str().to_string())
        .fetch_one(&self.pool)
        .await?;
        Self::campaign_note_from_row(&row)
    }

    async fn campaign_notes(
        &self,
        campaign_id: &str,
        ids: Option<&[String]>,
        unindexed_only: bool,
        players_only: bool,
    ) -> StorageResult<Vec<CampaignNote>> {
        self.get_campaign(campaign_id).await?;
        let mut sql = format!("SELECT {NOTE_COLUMNS} FROM campaign_notes WHERE campaign_id = $1");
        if unindexed_only {
            sql.push_str(" AND indexed = 0");
        }
        if players_only {
            sql.push_str(" AND visibility = 'players'");
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
        rows.iter().map(Self::campaign_note_from_row).collect()
    }

    async fn get_campaign_note(&self, id: &str) -> StorageResult<CampaignNote> {
        let row = sqlx::query(const_format::concatcp!(
            "SELECT ",
            NOTE_COLUMNS,
            " FROM campaign_notes WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("note", id))?;
        Self::campaign_note_from_row(&row)
    }

    async fn set_note_visibility(&self, id: &str, visibility: Visibility) -> StorageResult<CampaignNote> {
        let row = sqlx::query(const_format::concatcp!(
            "UPDATE campaign_notes SET visibility = $2, indexed = 0, updated_at = $3 WHERE id = $1 RETURNING ",
            NOTE_COLUMNS
        ))
        .bind(id.to_string())
        .bind(visibility.as_str().to_string())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("note", id))?;
        Self::campaign_note_from_row(&row)
    }

    async fn mark_notes_indexed(&self, ids: &[String]) -> StorageResult<()> {
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

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn campaign_note_from_row(row: &DB::Row) -> StorageResult<CampaignNote> {
        let tags = row.try_get::<Json<Value>, _>("tags")?.0;
        let id: String = row.try_get("id")?;
        let visibility =
            known("campaign_notes", &id, "visibility", row.try_get("visibility")?, Visibility::parse)?;
        Ok(CampaignNote {
            visibility,
            id,
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
}
