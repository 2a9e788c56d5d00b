//! The dice-roll history: every roll with its breakdown and the seed that replays it.

use super::sql::{SqlEngine, SqlStorage, new_id, now, sql};
use super::{DiceRollFilter, DiceRollRecord, NewDiceRoll, StorageError, StorageResult};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const ROLL_COLUMNS: &str =
    "id, campaign_id, session_id, expression, total, rendered, breakdown, purpose, seed, crit, created_at";

/// Recorded dice rolls.
#[async_trait]
pub trait RollStore: Send + Sync {
    /// Records a roll; a session given names its campaign, a campaign given must be it.
    async fn record_roll(&self, roll: NewDiceRoll) -> StorageResult<DiceRollRecord>;
    /// Lists recorded rolls, newest first.
    async fn list_rolls(&self, filter: DiceRollFilter) -> StorageResult<Vec<DiceRollRecord>>;
}

#[async_trait]
impl<DB: SqlEngine> RollStore for SqlStorage<DB> {
    async fn record_roll(&self, roll: NewDiceRoll) -> StorageResult<DiceRollRecord> {
        // The checks and the insert are one transaction, so the campaign or session
        // cannot go away between them.
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let mut roll = roll;
        if let Some(campaign_id) = &roll.campaign_id {
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM campaigns WHERE id = $1")
                .bind(campaign_id.clone())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StorageError::not_found("campaign", campaign_id.clone()));
            }
        }
        if let Some(session_id) = &roll.session_id {
            let owner: Option<String> = sqlx::query_scalar("SELECT campaign_id FROM sessions WHERE id = $1")
                .bind(session_id.clone())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(owner) = owner else {
                return Err(StorageError::not_found("session", session_id.clone()));
            };
            match &roll.campaign_id {
                Some(campaign_id) if &owner != campaign_id => {
                    return Err(StorageError::Invalid(format!(
                        "session {session_id:?} belongs to campaign {owner:?}, not {campaign_id:?}"
                    )));
                }
                Some(_) => {}
                // A roll in a session belongs to the session's campaign.
                None => roll.campaign_id = Some(owner),
            }
        }
        let row = sqlx::query(sql!(
            "INSERT INTO dice_rolls (id, campaign_id, session_id, expression, total, rendered, breakdown, ",
            "purpose, seed, crit, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ",
            ROLL_COLUMNS
        ))
        .bind(new_id())
        .bind(roll.campaign_id)
        .bind(roll.session_id)
        .bind(roll.expression)
        .bind(roll.total)
        .bind(roll.rendered)
        .bind(Json(roll.breakdown))
        .bind(roll.purpose)
        .bind(roll.seed.to_string())
        .bind(roll.crit)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let record = Self::roll_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    async fn list_rolls(&self, filter: DiceRollFilter) -> StorageResult<Vec<DiceRollRecord>> {
        let rows = sqlx::query(sql!(
            "SELECT ",
            ROLL_COLUMNS,
            " FROM dice_rolls WHERE ($1 IS NULL OR campaign_id = $1) AND ($2 IS NULL OR session_id = $2) ",
            "ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(filter.campaign_id)
        .bind(filter.session_id)
        .bind(filter.limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::roll_from_row).collect()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn roll_from_row(row: &DB::Row) -> StorageResult<DiceRollRecord> {
        Ok(DiceRollRecord {
            id: row.try_get("id")?,
            campaign_id: row.try_get("campaign_id")?,
            session_id: row.try_get("session_id")?,
            expression: row.try_get("expression")?,
            total: row.try_get("total")?,
            rendered: row.try_get("rendered")?,
            breakdown: row.try_get::<Json<Value>, _>("breakdown")?.0,
            purpose: row.try_get("purpose")?,
            seed: row.try_get("seed")?,
            crit: row.try_get("crit")?,
            created_at: row.try_get("created_at")?,
        })
    }
}
