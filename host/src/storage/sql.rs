//! The one implementation of [`Storage`] shared by SQLite and PostgreSQL.
//!
//! The queries are plain SQL that both engines accept (`$1` placeholders, `RETURNING`,
//! partial unique indexes); the column types differ per engine (TEXT vs JSONB and
//! TIMESTAMPTZ) but decode to the same Rust types. What genuinely differs between the
//! engines is behind [`EngineOps`], implemented in `sqlite.rs` and `postgres.rs`.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::rows::{
    campaign_from_row, character_from_row, encounter_from_row, note_from_row, roll_from_row, session_from_row,
};
use super::{
    Campaign, CampaignNote, CampaignPatch, CampaignPluginRecord, Character, CharacterKind, CharacterPatch,
    ChunkRecord, CollectionRecord, DiceRollFilter, DiceRollRecord, DocumentRecord, EncounterRecord, Engine,
    InstalledPluginRecord, MigrationStatus, NewCampaign, NewCampaignNote, NewCharacter, NewDiceRoll,
    NewDocument, PageRecord, Session, SessionNote, Storage, StorageError, StorageResult,
};

/// What differs between the engines: connection-level facts and migrations.
#[async_trait]
pub(crate) trait EngineOps: Database {
    /// Which engine this is.
    const ENGINE: Engine;
    /// The statement that opens a transaction that will write. SQLite needs
    /// `BEGIN IMMEDIATE` so a read-then-write transaction takes the write lock up
    /// front instead of failing on upgrade.
    const BEGIN_WRITE: &'static str;
    /// Reads a campaign's status and holds it until the transaction ends, so an archive
    /// cannot slip in between the check and a new session (`FOR UPDATE` on PostgreSQL;
    /// SQLite's `BEGIN IMMEDIATE` already serializes writers).
    const LOCK_CAMPAIGN_STATUS: &'static str;
    /// The engine's version string.
    async fn server_version(pool: &Pool<Self>) -> StorageResult<String>;
    /// See [`Storage::migrate_up`].
    async fn migrate_up(pool: &Pool<Self>) -> StorageResult<usize>;
    /// See [`Storage::migrate_down`].
    async fn migrate_down(pool: &Pool<Self>, steps: usize) -> StorageResult<usize>;
    /// See [`Storage::migration_status`].
    async fn migration_status(pool: &Pool<Self>) -> StorageResult<MigrationStatus>;
    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

/// A [`Storage`] over a sqlx pool of either engine.
pub(crate) struct SqlStorage<DB: Database> {
    pub(super) pool: Pool<DB>,
}

impl<DB: Database> SqlStorage<DB> {
    /// Wraps a connected, configured pool.
    pub(crate) fn new(pool: Pool<DB>) -> Self {
        SqlStorage { pool }
    }
}

/// The current time at the precision both engines keep (microseconds), so a value
/// read back equals the value written.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

const CAMPAIGN_COLUMNS: &str = "id, name, system, gm_user_id, settings, status, created_at, updated_at";
const SESSION_COLUMNS: &str = "id, campaign_id, number, title, status, summary, started_at, ended_at";
const NOTE_COLUMNS: &str = "id, session_id, campaign_id, body, tags, created_at";
const ENCOUNTER_COLUMNS: &str =
    "id, campaign_id, session_id, name, status, round, state, version, created_at, updated_at";

/// Builds a `&'static str` SQL statement from literal pieces at compile time.
macro_rules! sql {
    ($($part:expr),+ $(,)?) => { const_format::concatcp!($($part),+) };
}

#[async_trait]
impl<DB> Storage for SqlStorage<DB>
where
    DB: EngineOps,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Json<Value>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<Json<Value>>: for<'q> Encode<'q, DB> + Type<DB>,
    Vec<u8>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    DateTime<Utc>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    fn engine(&self) -> Engine {
        DB::ENGINE
    }

    async fn ping(&self) -> StorageResult<String> {
        DB::server_version(&self.pool).await
    }

    async fn migrate_up(&self) -> StorageResult<usize> {
        DB::migrate_up(&self.pool).await
    }

    async fn migrate_down(&self, steps: usize) -> StorageResult<usize> {
        DB::migrate_down(&self.pool, steps).await
    }

    async fn migration_status(&self) -> StorageResult<MigrationStatus> {
        DB::migration_status(&self.pool).await
    }

    // --- campaigns ---

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
        campaign_from_row(&row)
    }

    async fn get_campaign(&self, id: &str) -> StorageResult<Campaign> {
        let row = sqlx::query(sql!("SELECT ", CAMPAIGN_COLUMNS, " FROM campaigns WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("campaign", id))?;
        campaign_from_row(&row)
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
        rows.iter().map(campaign_from_row).collect()
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
        campaign_from_row(&row)
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
        campaign_from_row(&row)
    }

    // --- sessions and notes ---

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
        let session = session_from_row(&row)?;
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
            Some(row) => session_from_row(&row),
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
        session_from_row(&row)
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
        rows.iter().map(session_from_row).collect()
    }

    async fn add_session_note(
        &self,
        session_id: &str,
        body: &str,
        tags: &[String],
    ) -> StorageResult<SessionNote> {
        let session = self.get_session(session_id).await?;
        let row = sqlx::query(sql!(
            "INSERT INTO session_notes (id, session_id, campaign_id, body, tags, created_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            NOTE_COLUMNS
        ))
        .bind(new_id())
        .bind(session.id)
        .bind(session.campaign_id)
        .bind(body.to_string())
        .bind(Json(serde_json::json!(tags)))
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        note_from_row(&row)
    }

    async fn list_session_notes(&self, session_id: &str) -> StorageResult<Vec<SessionNote>> {
        self.get_session(session_id).await?;
        let rows = sqlx::query(sql!(
            "SELECT ",
            NOTE_COLUMNS,
            " FROM session_notes WHERE session_id = $1 ORDER BY created_at, id"
        ))
        .bind(session_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(note_from_row).collect()
    }

    // --- characters ---

    async fn create_character(&self, new: NewCharacter) -> StorageResult<Character> {
        self.get_campaign(&new.campaign_id).await?;
        let at = now();
        let current_hp = new.current_hp.or(new.max_hp);
        let row = sqlx::query(sql!(
            "INSERT INTO characters (id, campaign_id, name, kind, player_name, level, class, ancestry, ",
            "max_hp, current_hp, armor_class, init_modifier, stats, notes, created_at, updated_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING ",
            CHARACTER_COLUMNS
        ))
        .bind(new_id())
        .bind(new.campaign_id)
        .bind(new.name)
        .bind(new.kind.as_str().to_string())
        .bind(new.player_name)
        .bind(new.level)
        .bind(new.class)
        .bind(new.ancestry)
        .bind(new.max_hp)
        .bind(current_hp)
        .bind(new.armor_class)
        .bind(new.init_modifier)
        .bind(Json(new.stats))
        .bind(new.notes)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        character_from_row(&row)
    }

    async fn get_character(&self, id: &str) -> StorageResult<Character> {
        let row = sqlx::query(sql!("SELECT ", CHARACTER_COLUMNS, " FROM characters WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("character", id))?;
        character_from_row(&row)
    }

    async fn update_character(&self, id: &str, patch: CharacterPatch) -> StorageResult<Character> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        // A no-op UPDATE, not a SELECT: it locks the row on PostgreSQL (where BEGIN takes no
        // lock) so concurrent read-merge-writes queue instead of losing each other's changes.
        let row = sqlx::query(sql!(
            "UPDATE characters SET updated_at = updated_at WHERE id = $1 RETURNING ",
            CHARACTER_COLUMNS
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StorageError::not_found("character", id))?;
        let current = character_from_row(&row)?;
        let stats = match patch.stats {
            Some(changes) => merge_object(current.stats, changes)?,
            None => current.stats,
        };
        let row = sqlx::query(sql!(
            "UPDATE characters SET name = $2, kind = $3, player_name = $4, level = $5, class = $6, ",
            "ancestry = $7, max_hp = $8, current_hp = $9, armor_class = $10, init_modifier = $11, ",
            "stats = $12, notes = $13, updated_at = $14 WHERE id = $1 RETURNING ",
            CHARACTER_COLUMNS
        ))
        .bind(id.to_string())
        .bind(patch.name.unwrap_or(current.name))
        .bind(patch.kind.unwrap_or(current.kind).as_str().to_string())
        .bind(patch.player_name.or(current.player_name))
        .bind(patch.level.or(current.level))
        .bind(patch.class.or(current.class))
        .bind(patch.ancestry.or(current.ancestry))
        .bind(patch.max_hp.or(current.max_hp))
        .bind(patch.current_hp.or(current.current_hp))
        .bind(patch.armor_class.or(current.armor_class))
        .bind(patch.init_modifier.unwrap_or(current.init_modifier))
        .bind(Json(stats))
        .bind(patch.notes.or(current.notes))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let character = character_from_row(&row)?;
        tx.commit().await?;
        Ok(character)
    }

    async fn list_characters(
        &self,
        campaign_id: &str,
        kind: Option<CharacterKind>,
    ) -> StorageResult<Vec<Character>> {
        self.get_campaign(campaign_id).await?;
        let rows = sqlx::query(sql!(
            "SELECT ",
            CHARACTER_COLUMNS,
            " FROM characters WHERE campaign_id = $1 AND ($2 IS NULL OR kind = $2) ORDER BY name, id"
        ))
        .bind(campaign_id.to_string())
        .bind(kind.map(|k| k.as_str().to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(character_from_row).collect()
    }

    // --- initiative ---

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
            Ok(row) => encounter_from_row(&row),
            Err(err) if is_unique_violation(&err) => Err(StorageError::Conflict(format!(
                "campaign {campaign_id:?} already has a combat running; end it with initiative_end first"
            ))),
            Err(err) => Err(err.into()),
        }
    }

    async fn active_encounter(&self, campaign_id: &str) -> StorageResult<Option<EncounterRecord>> {
        self.get_campaign(campaign_id).await?;
        let row = sqlx::query(sql!(
            "SELECT ",
            ENCOUNTER_COLUMNS,
            " FROM initiative_tracker WHERE campaign_id = $1 AND status = 'active'"
        ))
        .bind(campaign_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(encounter_from_row).transpose()
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
            Some(row) => encounter_from_row(&row),
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
            Some(row) => encounter_from_row(&row),
            None => Err(self.encounter_write_refused(id, None).await),
        }
    }

    // --- dice ---

    async fn record_roll(&self, roll: NewDiceRoll) -> StorageResult<DiceRollRecord> {
        if let Some(campaign_id) = &roll.campaign_id {
            self.get_campaign(campaign_id).await?;
        }
        let mut roll = roll;
        if let Some(session_id) = &roll.session_id {
            let session = self.get_session(session_id).await?;
            match &roll.campaign_id {
                Some(campaign_id) if &session.campaign_id != campaign_id => {
                    return Err(StorageError::Invalid(format!(
                        "session {session_id:?} belongs to campaign {:?}, not {campaign_id:?}",
                        session.campaign_id
                    )));
                }
                Some(_) => {}
                // A roll in a session belongs to the session's campaign.
                None => roll.campaign_id = Some(session.campaign_id),
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
        .fetch_one(&self.pool)
        .await?;
        roll_from_row(&row)
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
        rows.iter().map(roll_from_row).collect()
    }

    // --- plugins ---

    async fn record_plugin(&self, plugin: InstalledPluginRecord) -> StorageResult<InstalledPluginRecord> {
        self.record_plugin_sql(plugin).await
    }

    async fn list_plugins(&self) -> StorageResult<Vec<InstalledPluginRecord>> {
        self.list_plugins_sql().await
    }

    async fn delete_plugin(&self, id: &str, version: &str) -> StorageResult<()> {
        self.delete_plugin_sql(id, version).await
    }

    async fn upsert_records(&self, records: Vec<CollectionRecord>) -> StorageResult<usize> {
        self.upsert_records_sql(records).await
    }

    async fn list_records(
        &self,
        system: &str,
        collection: Option<&str>,
    ) -> StorageResult<Vec<CollectionRecord>> {
        self.list_records_sql(system, collection).await
    }

    async fn plugin_users(&self, id: &str, version: &str) -> StorageResult<Vec<String>> {
        self.plugin_users_sql(id, version).await
    }

    async fn campaign_plugins(&self, campaign_id: &str) -> StorageResult<Vec<CampaignPluginRecord>> {
        self.get_campaign(campaign_id).await?;
        self.campaign_plugins_sql(campaign_id).await
    }

    async fn enable_plugin(&self, record: CampaignPluginRecord) -> StorageResult<CampaignPluginRecord> {
        self.get_campaign(&record.campaign_id).await?;
        self.enable_plugin_sql(record).await
    }

    async fn disable_plugin(&self, campaign_id: &str, plugin_id: &str) -> StorageResult<bool> {
        self.get_campaign(campaign_id).await?;
        self.disable_plugin_sql(campaign_id, plugin_id).await
    }

    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<Option<Vec<u8>>> {
        self.kv_get_sql(plugin_id, campaign_id, key).await
    }

    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> StorageResult<()> {
        self.kv_set_sql(plugin_id, campaign_id, key, value).await
    }

    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<bool> {
        self.kv_delete_sql(plugin_id, campaign_id, key).await
    }

    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> StorageResult<Vec<String>> {
        self.kv_list_sql(plugin_id, campaign_id, prefix, limit as i64).await
    }

    async fn find_document_by_hash(&self, content_hash: &str) -> StorageResult<Option<DocumentRecord>> {
        self.find_document_by_hash_sql(content_hash).await
    }

    async fn create_document(&self, new: NewDocument) -> StorageResult<DocumentRecord> {
        if let Some(campaign_id) = &new.campaign_id {
            self.get_campaign(campaign_id).await?;
        }
        self.create_document_sql(new).await
    }

    async fn get_document(&self, id: &str) -> StorageResult<DocumentRecord> {
        self.get_document_sql(id).await
    }

    async fn list_documents(&self) -> StorageResult<Vec<DocumentRecord>> {
        self.list_documents_sql().await
    }

    async fn delete_document(&self, id: &str) -> StorageResult<()> {
        self.delete_document_sql(id).await
    }

    async fn save_pages(&self, pages: Vec<PageRecord>) -> StorageResult<()> {
        self.save_pages_sql(pages).await
    }

    async fn get_page(&self, document_id: &str, number: i64) -> StorageResult<PageRecord> {
        self.get_page_sql(document_id, number).await
    }

    async fn insert_chunks(&self, chunks: Vec<ChunkRecord>) -> StorageResult<usize> {
        self.insert_chunks_sql(chunks).await
    }

    async fn unindexed_chunks(&self, document_id: &str, limit: i64) -> StorageResult<Vec<ChunkRecord>> {
        self.unindexed_chunks_sql(document_id, limit).await
    }

    async fn mark_chunks_indexed(&self, ids: &[String]) -> StorageResult<()> {
        self.mark_chunks_indexed_sql(ids).await
    }

    async fn finish_document(&self, id: &str) -> StorageResult<DocumentRecord> {
        self.finish_document_sql(id).await
    }

    async fn ready_chunks(&self, ids: &[String]) -> StorageResult<Vec<ChunkRecord>> {
        self.ready_chunks_sql(ids).await
    }

    async fn unready_documents(&self) -> StorageResult<Vec<String>> {
        self.unready_documents_sql().await
    }

    async fn add_campaign_note(&self, new: NewCampaignNote) -> StorageResult<CampaignNote> {
        self.get_campaign(&new.campaign_id).await?;
        self.add_campaign_note_sql(new).await
    }

    async fn campaign_notes(
        &self,
        campaign_id: &str,
        ids: Option<&[String]>,
        unindexed_only: bool,
    ) -> StorageResult<Vec<CampaignNote>> {
        self.get_campaign(campaign_id).await?;
        self.campaign_notes_sql(campaign_id, ids, unindexed_only).await
    }

    async fn mark_notes_indexed(&self, ids: &[String]) -> StorageResult<()> {
        self.mark_notes_indexed_sql(ids).await
    }
}

const CHARACTER_COLUMNS: &str = "id, campaign_id, name, kind, player_name, level, class, ancestry, max_hp, \
     current_hp, armor_class, init_modifier, stats, notes, created_at, updated_at";
const ROLL_COLUMNS: &str =
    "id, campaign_id, session_id, expression, total, rendered, breakdown, purpose, seed, crit, created_at";

impl<DB> SqlStorage<DB>
where
    DB: EngineOps,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    String: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
{
    /// Explains why a conditional write to a combat changed no row.
    async fn encounter_write_refused(&self, id: &str, expected_version: Option<i64>) -> StorageError {
        let row = sqlx::query("SELECT status, version FROM initiative_tracker WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await;
        let row = match row {
            Ok(Some(row)) => row,
            Ok(None) => return StorageError::not_found("combat", id),
            Err(err) => return err.into(),
        };
        let status: String = row.try_get("status").unwrap_or_default();
        let version: i64 = row.try_get("version").unwrap_or_default();
        if status != "active" {
            return StorageError::Conflict(format!("combat {id:?} has already ended"));
        }
        StorageError::Conflict(format!(
            "combat {id:?} was changed by another request (version {version}, expected {}); read it again and retry",
            expected_version.unwrap_or(version)
        ))
    }
}

/// Merges `changes` into the JSON object `base`: a key set to `null` is removed.
fn merge_object(base: Value, changes: Value) -> StorageResult<Value> {
    let Value::Object(changes) = changes else {
        return Err(StorageError::Invalid("stats changes must be a JSON object".into()));
    };
    let mut base = match base {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    for (key, value) in changes {
        if value.is_null() {
            base.remove(&key);
        } else {
            base.insert(key, value);
        }
    }
    Ok(Value::Object(base))
}
