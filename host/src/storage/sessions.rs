//! Sessions of a campaign and the notes taken during them.

use super::sql::{SqlEngine, SqlStorage, is_unique_violation, known, new_id, now, sql};
use super::{CampaignStore, Session, SessionNote, SessionStatus, StorageError, StorageResult, Visibility};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const SESSION_COLUMNS: &str =
    "id, campaign_id, number, title, status, summary, started_at, ended_at";
pub(super) const NOTE_COLUMNS: &str = "id, session_id, campaign_id, body, tags, visibility, created_at";

/// Sessions and session notes.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts the campaign's next session. Fails with [`StorageError::Conflict`] when
    /// one is already running or the campaign is archived.
    async fn start_session(&self, campaign_id: &str, title: Option<String>) -> StorageResult<Session>;
    /// Ends a running session, with an optional recap.
    async fn end_session(&self, session_id: &str, summary: Option<String>) -> StorageResult<Session>;
    /// Reads a session.
    async fn get_session(&self, session_id: &str) -> StorageResult<Session>;
    /// Lists a campaign's sessions, newest first.
    async fn list_sessions(&self, campaign_id: &str) -> StorageResult<Vec<Session>>;
    /// Records a note in a session.
    async fn add_session_note(
        &self,
        session_id: &str,
        body: &str,
        tags: &[String],
        visibility: Visibility,
    ) -> StorageResult<SessionNote>;
    /// Lists a session's notes, oldest first; with `players_only`, only those shared with
    /// the players.
    async fn list_session_notes(
        &self,
        session_id: &str,
        players_only: bool,
    ) -> StorageResult<Vec<SessionNote>>;
}

#[async_trait]
impl<DB: SqlEngine> SessionStore for SqlStorage<DB> {
    async fn start_session(&self, campaign_id: &str, title: Option<String>) -> StorageResult<Session> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let status: Option<String> = sqlx::query_scalar(DB::LOCK_CAMPAIGN_STATUS)
            .bind(campaign_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        match status.as_deref() {
            None => return Err(StorageError::not_found("campaign", campaign_id)),
            Some("archived") => {
                return Err(StorageError::Conflict(format!(
                    "campaign {campaign_id:?} is archived; sessions can only be started in an active campaign"
                )));
            }
            Some(_) => {}
        }
        let running: Option<(String, i64)> =
            sqlx::query("SELECT id, number FROM sessions WHERE campaign_id = $1 AND status = 'active'")
                .bind(campaign_id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get("id")?, row.try_get("number")?)))
                .transpose()?;
        if let Some((id, number)) = running {
            return Err(StorageError::Conflict(format!(
                "campaign {campaign_id:?} already has session #{number} running (id {id:?}); end it with session_end first"
            )));
        }
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM sessions WHERE campaign_id = $1")
            .bind(campaign_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let row = sqlx::query(sql!(
            "INSERT INTO sessions (id, campaign_id, number, title, status, started_at) ",
            "VALUES ($1, $2, $3, $4, 'active', $5) RETURNING ",
            SESSION_COLUMNS
        ))
        .bind(new_id())
        .bind(campaign_id.to_string())
        .bind(last.unwrap_or(0) + 1)
        .bind(title)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                StorageError::Conflict(format!(
                    "another session of campaign {campaign_id:?} was started at the same moment; try again"
                ))
            } else {
                err.into()
            }
        })?;
        let session = Self::session_from_row(&row)?;
        tx.commit().await?;
        Ok(session)
    }

    async fn end_session(&self, session_id: &str, summary: Option<String>) -> StorageResult<Session> {
        let row = sqlx::query(sql!(
            "UPDATE sessions SET status = 'ended', ended_at = $2, summary = COALESCE($3, summary) ",
            "WHERE id = $1 AND status = 'active' RETURNING ",
            SESSION_COLUMNS
        ))
        .bind(session_id.to_string())
        .bind(now())
        .bind(summary)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Self::session_from_row(&row),
            None => {
                let session = self.get_session(session_id).await?;
                Err(StorageError::Conflict(format!(
                    "session #{} ({session_id:?}) has already ended",
                    session.number
                )))
            }
        }
    }

    async fn get_session(&self, session_id: &str) -> StorageResult<Session> {
        let row = sqlx::query(sql!("SELECT ", SESSION_COLUMNS, " FROM sessions WHERE id = $1"))
            .bind(session_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("session", session_id))?;
        Self::session_from_row(&row)
    }

    async fn list_sessions(&self, campaign_id: &str) -> StorageResult<Vec<Session>> {
        self.get_campaign(campaign_id).await?;
        let rows = sqlx::query(sql!(
            "SELECT ",
            SESSION_COLUMNS,
            " FROM sessions WHERE campaign_id = $1 ORDER BY number DESC"
        ))
        .bind(campaign_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::session_from_row).collect()
    }

    async fn add_session_note(
        &self,
        session_id: &str,
        body: &str,
        tags: &[String],
        visibility: Visibility,
    ) -> StorageResult<SessionNote> {
        let session = self.get_session(session_id).await?;
        let row = sqlx::query(sql!(
            "INSERT INTO session_notes (id, session_id, campaign_id, body, tags, created_at, visibility) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            NOTE_COLUMNS
        ))
        .bind(new_id())
        .bind(session.id)
        .bind(session.campaign_id)
        .bind(body.to_string())
        .bind(Json(serde_json::json!(tags)))
        .bind(now())
        .bind(visibility.as_str().to_string())
        .fetch_one(&self.pool)
        .await?;
        Self::note_from_row(&row)
    }

    async fn list_session_notes(
        &self,
        session_id: &str,
        players_only: bool,
    ) -> StorageResult<Vec<SessionNote>> {
        self.get_session(session_id).await?;
        let rows = sqlx::query(sql!(
            "SELECT ",
            NOTE_COLUMNS,
            " FROM session_notes WHERE session_id = $1 AND ($2 = 0 OR visibility = 'players') ORDER BY created_at, id"
        ))
        .bind(session_id.to_string())
        .bind(i64::from(players_only))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::note_from_row).collect()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn session_from_row(row: &DB::Row) -> StorageResult<Session> {
        let id: String = row.try_get("id")?;
        let status = known("sessions", &id, "status", row.try_get("status")?, SessionStatus::parse)?;
        Ok(Session {
            id,
            campaign_id: row.try_get("campaign_id")?,
            number: row.try_get("number")?,
            title: row.try_get("title")?,
            status,
            summary: row.try_get("summary")?,
            started_at: row.try_get("started_at")?,
            ended_at: row.try_get("ended_at")?,
        })
    }

    pub(super) fn note_from_row(row: &DB::Row) -> StorageResult<SessionNote> {
        let tags = row.try_get::<Json<Value>, _>("tags")?.0;
        let id: String = row.try_get("id")?;
        let visibility =
            known("session_notes", &id, "visibility", row.try_get("visibility")?, Visibility::parse)?;
        Ok(SessionNote {
            visibility,
            id: row.try_get("id")?,
            session_id: row.try_get("session_id")?,
            campaign_id: row.try_get("campaign_id")?,
            body: row.try_get("body")?,
            tags: serde_json::from_value(tags).unwrap_or_default(),
            created_at: row.try_get("created_at")?,
        })
    }
}
