//! Campaigns: create, read, list, change and archive.

use super::sql::{SqlEngine, SqlStorage, known, new_id, now, sql};
use super::{Campaign, CampaignPatch, CampaignStatus, NewCampaign, StorageError, StorageResult};
use crate::cache::{Kind, tag};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const CAMPAIGN_COLUMNS: &str =
    "id, name, system, gm_user_id, settings, status, created_at, updated_at";

/// The campaigns a host keeps.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign.
    async fn create_campaign(&self, new: NewCampaign) -> StorageResult<Campaign>;
    /// Reads a campaign.
    async fn get_campaign(&self, id: &str) -> StorageResult<Campaign>;
    /// Lists campaigns, newest first; archived ones only when asked.
    async fn list_campaigns(&self, include_archived: bool) -> StorageResult<Vec<Campaign>>;
    /// The campaigns a user runs (as `gm_user_id`) or is a member of, newest first.
    async fn list_campaigns_of(&self, user_id: &str, include_archived: bool) -> StorageResult<Vec<Campaign>>;
    /// Changes a campaign's fields.
    async fn update_campaign(&self, id: &str, patch: CampaignPatch) -> StorageResult<Campaign>;
    /// Archives a campaign (idempotent). Its data is kept.
    async fn archive_campaign(&self, id: &str) -> StorageResult<Campaign>;
}

#[async_trait]
impl<DB: SqlEngine> CampaignStore for SqlStorage<DB> {
    async fn create_campaign(&self, new: NewCampaign) -> StorageResult<Campaign> {
        let at = now();
        let row = sqlx::query(sql!(
            "INSERT INTO campaigns (id, name, system, gm_user_id, settings, status, created_at, updated_at) ",
            "VALUES ($1, $2, $3, $4, $5, 'active', $6, $6) RETURNING ",
            CAMPAIGN_COLUMNS
        ))
        .bind(new_id())
        .bind(new.name)
        .bind(new.system)
        .bind(new.gm_user_id)
        .bind(Json(new.settings))
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Self::campaign_from_row(&row)
    }

    async fn get_campaign(&self, id: &str) -> StorageResult<Campaign> {
        self.read_through(Kind::Campaign, &tag::campaign(id), id, || async {
            let row = sqlx::query(sql!("SELECT ", CAMPAIGN_COLUMNS, " FROM campaigns WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StorageError::not_found("campaign", id))?;
            Self::campaign_from_row(&row)
        })
        .await
    }

    async fn list_campaigns(&self, include_archived: bool) -> StorageResult<Vec<Campaign>> {
        let rows = sqlx::query(sql!(
            "SELECT ",
            CAMPAIGN_COLUMNS,
            " FROM campaigns WHERE status = 'active' OR $1 = 1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(i64::from(include_archived))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::campaign_from_row).collect()
    }

    async fn list_campaigns_of(&self, user_id: &str, include_archived: bool) -> StorageResult<Vec<Campaign>> {
        let rows = sqlx::query(sql!(
            "SELECT ",
            CAMPAIGN_COLUMNS,
            " FROM campaigns WHERE (status = 'active' OR $1 = 1) AND (gm_user_id = $2 OR id IN ",
            "(SELECT campaign_id FROM campaign_members WHERE user_id = $2)) ORDER BY created_at DESC, id DESC"
        ))
        .bind(i64::from(include_archived))
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::campaign_from_row).collect()
    }

    async fn update_campaign(&self, id: &str, patch: CampaignPatch) -> StorageResult<Campaign> {
        let row = sqlx::query(sql!(
            "UPDATE campaigns SET name = COALESCE($2, name), system = COALESCE($3, system), ",
            "gm_user_id = COALESCE($4, gm_user_id), settings = COALESCE($5, settings), updated_at = $6 ",
            "WHERE id = $1 RETURNING ",
            CAMPAIGN_COLUMNS
        ))
        .bind(id.to_string())
        .bind(patch.name)
        .bind(patch.system)
        .bind(patch.gm_user_id)
        .bind(patch.settings.map(Json))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("campaign", id))?;
        self.changed(&tag::campaign(id)).await;
        Self::campaign_from_row(&row)
    }

    async fn archive_campaign(&self, id: &str) -> StorageResult<Campaign> {
        let row = sqlx::query(sql!(
            "UPDATE campaigns SET status = 'archived', updated_at = $2 WHERE id = $1 RETURNING ",
            CAMPAIGN_COLUMNS
        ))
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("campaign", id))?;
        self.changed(&tag::campaign(id)).await;
        Self::campaign_from_row(&row)
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn campaign_from_row(row: &DB::Row) -> StorageResult<Campaign> {
        let id: String = row.try_get("id")?;
        let status = known("campaigns", &id, "status", row.try_get("status")?, CampaignStatus::parse)?;
        Ok(Campaign {
            id,
            name: row.try_get("name")?,
            system: row.try_get("system")?,
            gm_user_id: row.try_get("gm_user_id")?,
            settings: row.try_get::<Json<Value>, _>("settings")?.0,
            status,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}
