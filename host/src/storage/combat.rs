//! The running combat of a campaign (the initiative tracker's saved state), with optimistic locking.

use super::sql::{SqlEngine, SqlStorage, is_unique_violation, known, new_id, now, sql};
use super::{CampaignStore, EncounterRecord, SessionStore, StorageError, StorageResult};
use crate::cache::{Kind, tag};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const ENCOUNTER_COLUMNS: &str =
    "id, campaign_id, session_id, name, status, round, state, version, created_at, updated_at";

/// Combats: at most one running per campaign; every save names the version it read.
#[async_trait]
pub trait CombatStore: Send + Sync {
    /// Starts a combat in a campaign. Fails with [`StorageError::Conflict`] when one is
    /// already running there.
    async fn create_encounter(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: Option<&str>,
        state: serde_json::Value,
    ) -> StorageResult<EncounterRecord>;
    /// The campaign's running combat, if any.
    async fn active_encounter(&self, campaign_id: &str) -> StorageResult<Option<EncounterRecord>>;
    /// Saves a combat's new state. `expected_version` is the version that was read;
    /// if another writer saved in between this fails with [`StorageError::Conflict`].
    async fn save_encounter(
        &self,
        id: &str,
        expected_version: i64,
        round: i64,
        state: serde_json::Value,
    ) -> StorageResult<EncounterRecord>;
    /// Ends a running combat; its final state is kept.
    async fn end_encounter(&self, id: &str) -> StorageResult<EncounterRecord>;
    /// Every combat fought in a session, running or ended, oldest first.
    async fn session_encounters(&self, session_id: &str) -> StorageResult<Vec<EncounterRecord>>;
}

#[async_trait]
impl<DB: SqlEngine> CombatStore for SqlStorage<DB> {
    async fn create_encounter(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: Option<&str>,
        state: Value,
    ) -> StorageResult<EncounterRecord> {
        self.get_campaign(campaign_id).await?;
        if let Some(session_id) = session_id {
            let session = self.get_session(session_id).await?;
            if session.campaign_id != campaign_id {
                return Err(StorageError::Invalid(format!(
                    "session {session_id:?} belongs to campaign {:?}, not {campaign_id:?}",
                    session.campaign_id
                )));
            }
        }
        let at = now();
        let result = sqlx::query(sql!(
            "INSERT INTO initiative_tracker (id, campaign_id, session_id, name, status, round, state, version, ",
            "created_at, updated_at) VALUES ($1, $2, $3, $4, 'active', 0, $5, 1, $6, $6) RETURNING ",
            ENCOUNTER_COLUMNS
        ))
        .bind(new_id())
        .bind(campaign_id.to_string())
        .bind(session_id.map(str::to_string))
        .bind(name.map(str::to_string))
        .bind(Json(state))
        .bind(at)
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(row) => {
                self.changed(&tag::combat(campaign_id)).await;
                Self::encounter_from_row(&row)
            }
            Err(err) if is_unique_violation(&err) => Err(StorageError::Conflict(format!(
                "campaign {campaign_id:?} already has a combat running; end it with initiative_end first"
            ))),
            Err(err) => Err(err.into()),
        }
    }

    async fn active_encounter(&self, campaign_id: &str) -> StorageResult<Option<EncounterRecord>> {
        self.get_campaign(campaign_id).await?;
        self.read_through(Kind::Combat, &tag::combat(campaign_id), campaign_id, || async {
            let row = sqlx::query(sql!(
                "SELECT ",
                ENCOUNTER_COLUMNS,
                " FROM initiative_tracker WHERE campaign_id = $1 AND status = 'active'"
            ))
            .bind(campaign_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(Self::encounter_from_row).transpose()
        })
        .await
    }

    async fn save_encounter(
        &self,
        id: &str,
        expected_version: i64,
        round: i64,
        state: Value,
    ) -> StorageResult<EncounterRecord> {
        let row = sqlx::query(sql!(
            "UPDATE initiative_tracker SET state = $3, round = $4, version = version + 1, updated_at = $5 ",
            "WHERE id = $1 AND version = $2 AND status = 'active' RETURNING ",
            ENCOUNTER_COLUMNS
        ))
        .bind(id.to_string())
        .bind(expected_version)
        .bind(Json(state))
        .bind(round)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => self.encounter_changed(&row).await,
            None => Err(self.encounter_write_refused(id, Some(expected_version)).await),
        }
    }

    async fn end_encounter(&self, id: &str) -> StorageResult<EncounterRecord> {
        let row = sqlx::query(sql!(
            "UPDATE initiative_tracker SET status = 'ended', ended_at = $2, updated_at = $2, ",
            "version = version + 1 WHERE id = $1 AND status = 'active' RETURNING ",
            ENCOUNTER_COLUMNS
        ))
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => self.encounter_changed(&row).await,
            None => Err(self.encounter_write_refused(id, None).await),
        }
    }

    async fn session_encounters(&self, session_id: &str) -> StorageResult<Vec<EncounterRecord>> {
        self.get_session(session_id).await?;
        let rows = sqlx::query(sql!(
            "SELECT ",
            ENCOUNTER_COLUMNS,
            " FROM initiative_tracker WHERE session_id = $1 ORDER BY created_at, id"
        ))
        .bind(session_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::encounter_from_row).collect()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    /// The combat a write returned, after invalidating its campaign's cached combat.
    async fn encounter_changed(&self, row: &DB::Row) -> StorageResult<EncounterRecord> {
        let encounter = Self::encounter_from_row(row)?;
        self.changed(&tag::combat(&encounter.campaign_id)).await;
        Ok(encounter)
    }

    pub(super) fn encounter_from_row(row: &DB::Row) -> StorageResult<EncounterRecord> {
        let id: String = row.try_get("id")?;
        let active = known("initiative_tracker", &id, "status", row.try_get("status")?, |s| match s {
            "active" => Some(true),
            "ended" => Some(false),
            _ => None,
        })?;
        Ok(EncounterRecord {
            id,
            campaign_id: row.try_get("campaign_id")?,
            session_id: row.try_get("session_id")?,
            name: row.try_get("name")?,
            active,
            round: row.try_get("round")?,
            state: row.try_get::<Json<Value>, _>("state")?.0,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// Explains why a conditional write to a combat changed no row.
    async fn encounter_write_refused(&self, id: &str, expected_version: Option<i64>) -> StorageError {
        let explain = async {
            let Some(row) = sqlx::query("SELECT status, version FROM initiative_tracker WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
            else {
                return Ok(StorageError::not_found("combat", id));
            };
            let status: String = row.try_get("status")?;
            let found: i64 = row.try_get("version")?;
            Ok::<_, StorageError>(match expected_version {
                _ if status != "active" => StorageError::Conflict(format!("combat {id:?} has already ended")),
                Some(expected) if expected != found => {
                    StorageError::Stale { kind: "combat", id: id.to_string(), expected, found }
                }
                // The row matched on a re-read: a concurrent writer ended and restored it, or
                // the engine raced; the caller treats it as stale all the same.
                _ => StorageError::Stale { kind: "combat", id: id.to_string(), expected: found, found },
            })
        };
        explain.await.unwrap_or_else(|err| err)
    }
}
