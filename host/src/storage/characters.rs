//! Characters: player characters, NPCs and recurring monsters of a campaign.

use super::sql::{SqlEngine, SqlStorage, known, new_id, now, sql};
use super::{
    CampaignStore, Character, CharacterFields, CharacterKind, CharacterPatch, StorageError, StorageResult,
};
use crate::cache::{Kind, tag};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;
use sqlx::types::Json;

pub(super) const CHARACTER_COLUMNS: &str = "id, campaign_id, name, kind, player_name, player_id, level, class, ancestry, max_hp, \
     current_hp, armor_class, init_modifier, stats, notes, created_at, updated_at";

/// A campaign's characters.
#[async_trait]
pub trait CharacterStore: Send + Sync {
    /// Creates a character in a campaign.
    async fn create_character(&self, new: CharacterFields) -> StorageResult<Character>;
    /// Reads a character.
    async fn get_character(&self, id: &str) -> StorageResult<Character>;
    /// Changes a character's fields.
    async fn update_character(&self, id: &str, patch: CharacterPatch) -> StorageResult<Character>;
    /// Lists a campaign's characters by name, optionally of one kind.
    async fn list_characters(
        &self,
        campaign_id: &str,
        kind: Option<CharacterKind>,
    ) -> StorageResult<Vec<Character>>;
}

#[async_trait]
impl<DB: SqlEngine> CharacterStore for SqlStorage<DB> {
    async fn create_character(&self, new: CharacterFields) -> StorageResult<Character> {
        self.get_campaign(&new.campaign_id).await?;
        let at = now();
        let current_hp = new.current_hp.or(new.max_hp);
        let row = sqlx::query(sql!(
            "INSERT INTO characters (id, campaign_id, name, kind, player_name, level, class, ancestry, ",
            "max_hp, current_hp, armor_class, init_modifier, stats, notes, created_at, updated_at, player_id) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) RETURNING ",
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
        .bind(new.player_id)
        .fetch_one(&self.pool)
        .await?;
        Self::character_from_row(&row)
    }

    async fn get_character(&self, id: &str) -> StorageResult<Character> {
        self.read_through(Kind::Character, &tag::character(id), id, || async {
            let row = sqlx::query(sql!("SELECT ", CHARACTER_COLUMNS, " FROM characters WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StorageError::not_found("character", id))?;
            Self::character_from_row(&row)
        })
        .await
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
        let current = Self::character_from_row(&row)?;
        let stats = match patch.stats {
            Some(changes) => merge_object(current.fields.stats, changes)?,
            None => current.fields.stats,
        };
        let row = sqlx::query(sql!(
            "UPDATE characters SET name = $2, kind = $3, player_name = $4, level = $5, class = $6, ",
            "ancestry = $7, max_hp = $8, current_hp = $9, armor_class = $10, init_modifier = $11, ",
            "stats = $12, notes = $13, updated_at = $14, player_id = $15 WHERE id = $1 RETURNING ",
            CHARACTER_COLUMNS
        ))
        .bind(id.to_string())
        .bind(patch.name.unwrap_or(current.fields.name))
        .bind(patch.kind.unwrap_or(current.fields.kind).as_str().to_string())
        .bind(patch.player_name.or(current.fields.player_name))
        .bind(patch.level.or(current.fields.level))
        .bind(patch.class.or(current.fields.class))
        .bind(patch.ancestry.or(current.fields.ancestry))
        .bind(patch.max_hp.or(current.fields.max_hp))
        .bind(patch.current_hp.or(current.fields.current_hp))
        .bind(patch.armor_class.or(current.fields.armor_class))
        .bind(patch.init_modifier.unwrap_or(current.fields.init_modifier))
        .bind(Json(stats))
        .bind(patch.notes.or(current.fields.notes))
        .bind(now())
        .bind(patch.player_id.or(current.fields.player_id))
        .fetch_one(&mut *tx)
        .await?;
        let character = Self::character_from_row(&row)?;
        tx.commit().await?;
        self.changed(&tag::character(id)).await;
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
        rows.iter().map(Self::character_from_row).collect()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn character_from_row(row: &DB::Row) -> StorageResult<Character> {
        let id: String = row.try_get("id")?;
        let kind = known("characters", &id, "kind", row.try_get("kind")?, CharacterKind::parse)?;
        let fields = CharacterFields {
            campaign_id: row.try_get("campaign_id")?,
            name: row.try_get("name")?,
            kind,
            player_name: row.try_get("player_name")?,
            player_id: row.try_get("player_id")?,
            level: row.try_get("level")?,
            class: row.try_get("class")?,
            ancestry: row.try_get("ancestry")?,
            max_hp: row.try_get("max_hp")?,
            current_hp: row.try_get("current_hp")?,
            armor_class: row.try_get("armor_class")?,
            init_modifier: row.try_get("init_modifier")?,
            stats: row.try_get::<Json<Value>, _>("stats")?.0,
            notes: row.try_get("notes")?,
        };
        Ok(Character {
            id,
            fields,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
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
