//! Every row of one campaign, read in one snapshot for an export and written in one
//! transaction by an import (`crate::portable` remaps the ids in between).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::types::Json;

use super::campaigns::CAMPAIGN_COLUMNS;
use super::characters::CHARACTER_COLUMNS;
use super::combat::ENCOUNTER_COLUMNS;
use super::images::IMAGE_COLUMNS;
use super::notes::NOTE_COLUMNS as CAMPAIGN_NOTE_COLUMNS;
use super::plugins::ENABLED_COLUMNS;
use super::rolls::ROLL_COLUMNS;
use super::sessions::{NOTE_COLUMNS as SESSION_NOTE_COLUMNS, SESSION_COLUMNS};
use super::sql::{SqlEngine, SqlStorage, sql};
use super::{
    Campaign, CampaignNote, CampaignPluginRecord, Character, DiceRollRecord, EncounterRecord, Image, Session,
    SessionNote, StorageError, StorageResult,
};

/// One value a plugin stored for the campaign (its `plugin_kv` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginEntry {
    /// The plugin.
    pub plugin_id: String,
    /// Its key.
    pub key: String,
    /// The bytes it stored.
    pub value: Vec<u8>,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// Every row that belongs to one campaign. Memberships are left out: users belong to a
/// server, not to a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRows {
    /// The campaign.
    pub campaign: Campaign,
    /// Its sessions, by number.
    pub sessions: Vec<Session>,
    /// The notes of its sessions, oldest first.
    pub session_notes: Vec<SessionNote>,
    /// Its campaign notes (places, people, secrets), oldest first.
    pub notes: Vec<CampaignNote>,
    /// Its characters, oldest first.
    pub characters: Vec<Character>,
    /// Its combats, running and ended, oldest first.
    pub combats: Vec<EncounterRecord>,
    /// Its dice rolls, oldest first.
    pub rolls: Vec<DiceRollRecord>,
    /// The plugins it enables, with the requirement and the version chosen.
    pub plugins: Vec<CampaignPluginRecord>,
    /// What its plugins stored for it.
    pub plugin_data: Vec<PluginEntry>,
    /// Its images (the files they show are the caller's business).
    pub images: Vec<Image>,
}

impl CampaignRows {
    /// How many rows of each kind there are.
    pub fn counts(&self) -> std::collections::BTreeMap<String, usize> {
        std::collections::BTreeMap::from([
            ("sessions".to_string(), self.sessions.len()),
            ("session_notes".to_string(), self.session_notes.len()),
            ("notes".to_string(), self.notes.len()),
            ("characters".to_string(), self.characters.len()),
            ("combats".to_string(), self.combats.len()),
            ("rolls".to_string(), self.rolls.len()),
            ("plugins".to_string(), self.plugins.len()),
            ("plugin_data".to_string(), self.plugin_data.len()),
            ("images".to_string(), self.images.len()),
        ])
    }
}

/// Reading and writing a campaign whole.
#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Every row of the campaign, read in one snapshot.
    async fn campaign_rows(&self, campaign_id: &str) -> StorageResult<CampaignRows>;
    /// Writes every row in one transaction, ids and times as given: all of them or none.
    /// The image files the images name must be recorded already.
    async fn insert_campaign_rows(&self, rows: &CampaignRows) -> StorageResult<()>;
}

#[async_trait]
impl<DB: SqlEngine> TransferStore for SqlStorage<DB> {
    async fn campaign_rows(&self, campaign_id: &str) -> StorageResult<CampaignRows> {
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let id = campaign_id.to_string();
        let campaign = sqlx::query(sql!("SELECT ", CAMPAIGN_COLUMNS, " FROM campaigns WHERE id = $1"))
            .bind(id.clone())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StorageError::not_found("campaign", id.clone()))?;
        let campaign = Self::campaign_from_row(&campaign)?;
        macro_rules! rows {
            ($query:expr, $from_row:path) => {
                sqlx::query($query)
                    .bind(id.clone())
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map($from_row)
                    .collect::<StorageResult<Vec<_>>>()?
            };
        }
        let sessions = rows!(
            sql!("SELECT ", SESSION_COLUMNS, " FROM sessions WHERE campaign_id = $1 ORDER BY number"),
            Self::session_from_row
        );
        let session_notes = rows!(
            sql!(
                "SELECT ",
                SESSION_NOTE_COLUMNS,
                " FROM session_notes WHERE campaign_id = $1 ORDER BY created_at, id"
            ),
            Self::note_from_row
        );
        let notes = rows!(
            sql!(
                "SELECT ",
                CAMPAIGN_NOTE_COLUMNS,
                " FROM campaign_notes WHERE campaign_id = $1 ORDER BY created_at, id"
            ),
            Self::campaign_note_from_row
        );
        let characters = rows!(
            sql!(
                "SELECT ",
                CHARACTER_COLUMNS,
                " FROM characters WHERE campaign_id = $1 ORDER BY created_at, id"
            ),
            Self::character_from_row
        );
        let combats = rows!(
            sql!(
                "SELECT ",
                ENCOUNTER_COLUMNS,
                " FROM initiative_tracker WHERE campaign_id = $1 ORDER BY created_at, id"
            ),
            Self::encounter_from_row
        );
        let rolls = rows!(
            sql!("SELECT ", ROLL_COLUMNS, " FROM dice_rolls WHERE campaign_id = $1 ORDER BY created_at, id"),
            Self::roll_from_row
        );
        let plugins = rows!(
            sql!(
                "SELECT ",
                ENABLED_COLUMNS,
                " FROM campaign_plugins WHERE campaign_id = $1 ORDER BY plugin_id"
            ),
            Self::enabled_from_row
        );
        let images = rows!(
            sql!(
                "SELECT ",
                IMAGE_COLUMNS,
                " FROM images i JOIN image_files f ON f.hash = i.hash WHERE i.campaign_id = $1 ORDER BY i.created_at, i.id"
            ),
            Self::image_from_row
        );
        let plugin_data = sqlx::query(
            "SELECT plugin_id, key, value, updated_at FROM plugin_kv WHERE campaign_id = $1 ORDER BY plugin_id, key",
        )
        .bind(id.clone())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| -> StorageResult<PluginEntry> {
            Ok(PluginEntry {
                plugin_id: row.try_get("plugin_id")?,
                key: row.try_get("key")?,
                value: row.try_get("value")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
        tx.commit().await?;
        Ok(CampaignRows {
            campaign,
            sessions,
            session_notes,
            notes,
            characters,
            combats,
            rolls,
            plugins,
            plugin_data,
            images,
        })
    }

    async fn insert_campaign_rows(&self, rows: &CampaignRows) -> StorageResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let c = &rows.campaign;
        sqlx::query(
            "INSERT INTO campaigns (id, name, system, gm_user_id, settings, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id.clone())
        .bind(c.name.clone())
        .bind(c.system.clone())
        .bind(c.gm_user_id.clone())
        .bind(Json(c.settings.clone()))
        .bind(c.status.as_str().to_string())
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&mut *tx)
        .await?;
        for s in &rows.sessions {
            sqlx::query(
                "INSERT INTO sessions (id, campaign_id, number, title, status, summary, started_at, ended_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(s.id.clone())
            .bind(s.campaign_id.clone())
            .bind(s.number)
            .bind(s.title.clone())
            .bind(s.status.as_str().to_string())
            .bind(s.summary.clone())
            .bind(s.started_at)
            .bind(s.ended_at)
            .execute(&mut *tx)
            .await?;
        }
        for n in &rows.session_notes {
            sqlx::query(
                "INSERT INTO session_notes (id, session_id, campaign_id, body, tags, visibility, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(n.id.clone())
            .bind(n.session_id.clone())
            .bind(n.campaign_id.clone())
            .bind(n.body.clone())
            .bind(Json(serde_json::json!(n.tags)))
            .bind(n.visibility.as_str().to_string())
            .bind(n.created_at)
            .execute(&mut *tx)
            .await?;
        }
        for n in &rows.notes {
            // Not indexed here: the notes' vectors are made by the next note search.
            sqlx::query(
                "INSERT INTO campaign_notes (id, campaign_id, kind, title, body, tags, indexed, visibility, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)",
            )
            .bind(n.id.clone())
            .bind(n.campaign_id.clone())
            .bind(n.kind.clone())
            .bind(n.title.clone())
            .bind(n.body.clone())
            .bind(Json(serde_json::json!(n.tags)))
            .bind(n.visibility.as_str().to_string())
            .bind(n.created_at)
            .bind(n.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        for ch in &rows.characters {
            let f = &ch.fields;
            sqlx::query(
                "INSERT INTO characters (id, campaign_id, name, kind, player_name, player_id, level, class, \
                 ancestry, max_hp, current_hp, armor_class, init_modifier, stats, notes, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(ch.id.clone())
            .bind(f.campaign_id.clone())
            .bind(f.name.clone())
            .bind(f.kind.as_str().to_string())
            .bind(f.player_name.clone())
            .bind(f.player_id.clone())
            .bind(f.level)
            .bind(f.class.clone())
            .bind(f.ancestry.clone())
            .bind(f.max_hp)
            .bind(f.current_hp)
            .bind(f.armor_class)
            .bind(f.init_modifier)
            .bind(Json(f.stats.clone()))
            .bind(f.notes.clone())
            .bind(ch.created_at)
            .bind(ch.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        for e in &rows.combats {
            let status = if e.active { "active" } else { "ended" };
            let ended_at = (!e.active).then_some(e.updated_at);
            sqlx::query(
                "INSERT INTO initiative_tracker (id, campaign_id, session_id, name, status, round, state, version, \
                 created_at, updated_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(e.id.clone())
            .bind(e.campaign_id.clone())
            .bind(e.session_id.clone())
            .bind(e.name.clone())
            .bind(status.to_string())
            .bind(e.round)
            .bind(Json(e.state.clone()))
            .bind(e.version)
            .bind(e.created_at)
            .bind(e.updated_at)
            .bind(ended_at)
            .execute(&mut *tx)
            .await?;
        }
        for r in &rows.rolls {
            sqlx::query(
                "INSERT INTO dice_rolls (id, campaign_id, session_id, expression, total, rendered, breakdown, \
                 purpose, seed, crit, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(r.id.clone())
            .bind(r.campaign_id.clone())
            .bind(r.session_id.clone())
            .bind(r.expression.clone())
            .bind(r.total)
            .bind(r.rendered.clone())
            .bind(Json(r.breakdown.clone()))
            .bind(r.purpose.clone())
            .bind(r.seed.clone())
            .bind(r.crit.clone())
            .bind(r.created_at)
            .execute(&mut *tx)
            .await?;
        }
        for p in &rows.plugins {
            sqlx::query(
                "INSERT INTO campaign_plugins (campaign_id, plugin_id, version_req, version, grants, enabled_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(p.campaign_id.clone())
            .bind(p.plugin_id.clone())
            .bind(p.version_req.clone())
            .bind(p.version.clone())
            .bind(Json(serde_json::json!(p.grants)))
            .bind(p.enabled_at)
            .execute(&mut *tx)
            .await?;
        }
        for kv in &rows.plugin_data {
            sqlx::query(
                "INSERT INTO plugin_kv (plugin_id, campaign_id, key, value, updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(kv.plugin_id.clone())
            .bind(c.id.clone())
            .bind(kv.key.clone())
            .bind(kv.value.clone())
            .bind(kv.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        for i in &rows.images {
            sqlx::query(
                "INSERT INTO images (id, campaign_id, hash, title, kind, tags, visibility, grid, pins, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(i.id.clone())
            .bind(i.campaign_id.clone())
            .bind(i.hash.clone())
            .bind(i.title.clone())
            .bind(i.kind.as_str().to_string())
            .bind(Json(serde_json::json!(i.tags)))
            .bind(i.visibility.as_str().to_string())
            .bind(i.grid.as_ref().map(|g| Json(serde_json::json!(g))))
            .bind(Json(serde_json::json!(i.pins)))
            .bind(i.created_at)
            .bind(i.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.changed(&crate::cache::tag::campaign(&c.id)).await;
        Ok(())
    }
}
