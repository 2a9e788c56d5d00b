//! House rules: a campaign's rulings, each kept against the book passage it changes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::sql::{SqlEngine, SqlStorage, now};
use super::{StorageError, StorageResult};

/// A ruling of a campaign's table, and the passage it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HouseRule {
    /// Its id (UUID v7).
    pub id: String,
    /// The campaign whose table ruled it.
    pub campaign_id: String,
    /// The ruling, as the GM wrote it.
    pub text: String,
    /// What the GM said it is about (the search that found the passage).
    pub about: String,
    /// The book the passage is in.
    pub document_id: String,
    /// The passage (chunk) it was recorded against.
    pub chunk_id: String,
    /// The passage's section path; every passage of that section in that book carries it.
    pub section: String,
    /// The book's title.
    pub book: String,
    /// First page of the passage.
    pub page_start: i64,
    /// Last page of the passage.
    pub page_end: i64,
    /// When it was ruled.
    pub created_at: DateTime<Utc>,
}

/// A ruling to record: a [`HouseRule`] without its id and date.
#[derive(Debug, Clone)]
pub struct NewHouseRule {
    /// The campaign.
    pub campaign_id: String,
    /// The ruling.
    pub text: String,
    /// What it is about.
    pub about: String,
    /// The book.
    pub document_id: String,
    /// The passage.
    pub chunk_id: String,
    /// Its section path.
    pub section: String,
    /// The book's title.
    pub book: String,
    /// First page.
    pub page_start: i64,
    /// Last page.
    pub page_end: i64,
}

/// A campaign's house rules.
#[async_trait]
pub trait HouseRuleStore: Send + Sync {
    /// Records a ruling; [`StorageError::NotFound`] when the campaign does not exist.
    async fn add_house_rule(&self, rule: NewHouseRule) -> StorageResult<HouseRule>;
    /// A campaign's rulings, oldest first.
    async fn house_rules(&self, campaign_id: &str) -> StorageResult<Vec<HouseRule>>;
    /// Removes a ruling of the campaign; [`StorageError::NotFound`] when it has none with that id.
    async fn remove_house_rule(&self, campaign_id: &str, id: &str) -> StorageResult<()>;
}

const COLUMNS: &str =
    "id, campaign_id, text, about, document_id, chunk_id, section, book, page_start, page_end, created_at";

#[async_trait]
impl<DB: SqlEngine> HouseRuleStore for SqlStorage<DB> {
    async fn add_house_rule(&self, rule: NewHouseRule) -> StorageResult<HouseRule> {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM campaigns WHERE id = $1")
            .bind(rule.campaign_id.clone())
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            return Err(StorageError::not_found("campaign", rule.campaign_id));
        }
        let saved = HouseRule {
            id: uuid::Uuid::now_v7().to_string(),
            campaign_id: rule.campaign_id,
            text: rule.text,
            about: rule.about,
            document_id: rule.document_id,
            chunk_id: rule.chunk_id,
            section: rule.section,
            book: rule.book,
            page_start: rule.page_start,
            page_end: rule.page_end,
            created_at: now(),
        };
        sqlx::query(const_format::concatcp!(
            "INSERT INTO house_rules (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(saved.id.clone())
        .bind(saved.campaign_id.clone())
        .bind(saved.text.clone())
        .bind(saved.about.clone())
        .bind(saved.document_id.clone())
        .bind(saved.chunk_id.clone())
        .bind(saved.section.clone())
        .bind(saved.book.clone())
        .bind(saved.page_start)
        .bind(saved.page_end)
        .bind(saved.created_at)
        .execute(&self.pool)
        .await?;
        Ok(saved)
    }

    async fn house_rules(&self, campaign_id: &str) -> StorageResult<Vec<HouseRule>> {
        let rows = sqlx::query(const_format::concatcp!(
            "SELECT ",
            COLUMNS,
            " FROM house_rules WHERE campaign_id = $1 ORDER BY created_at, id"
        ))
        .bind(campaign_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HouseRule {
                    id: row.try_get("id")?,
                    campaign_id: row.try_get("campaign_id")?,
                    text: row.try_get("text")?,
                    about: row.try_get("about")?,
                    document_id: row.try_get("document_id")?,
                    chunk_id: row.try_get("chunk_id")?,
                    section: row.try_get("section")?,
                    book: row.try_get("book")?,
                    page_start: row.try_get("page_start")?,
                    page_end: row.try_get("page_end")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn remove_house_rule(&self, campaign_id: &str, id: &str) -> StorageResult<()> {
        let done = sqlx::query("DELETE FROM house_rules WHERE campaign_id = $1 AND id = $2")
            .bind(campaign_id.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StorageError::not_found("house rule", id));
        }
        Ok(())
    }
}
