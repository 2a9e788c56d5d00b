//! Decoding rows of either engine into the record types.
//!
//! Generic over the sqlx row type; the bounds say which Rust types each engine must be
//! able to decode (both can).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{
    Campaign, CampaignStatus, Character, CharacterKind, DiceRollRecord, EncounterRecord, Session,
    SessionNote, SessionStatus, StorageResult,
};

pub(super) fn campaign_from_row<R: Row>(row: &R) -> StorageResult<Campaign>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    Ok(Campaign {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        system: row.try_get("system")?,
        gm_user_id: row.try_get("gm_user_id")?,
        settings: row.try_get::<Json<Value>, _>("settings")?.0,
        status: if status == "archived" { CampaignStatus::Archived } else { CampaignStatus::Active },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn session_from_row<R: Row>(row: &R) -> StorageResult<Session>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<DateTime<Utc>>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    Ok(Session {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        number: row.try_get("number")?,
        title: row.try_get("title")?,
        status: if status == "ended" { SessionStatus::Ended } else { SessionStatus::Active },
        summary: row.try_get("summary")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
    })
}

pub(super) fn note_from_row<R: Row>(row: &R) -> StorageResult<SessionNote>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let tags = row.try_get::<Json<Value>, _>("tags")?.0;
    Ok(SessionNote {
        id: row.try_get("id")?,
        session_id: row.try_get("session_id")?,
        campaign_id: row.try_get("campaign_id")?,
        body: row.try_get("body")?,
        tags: serde_json::from_value(tags).unwrap_or_default(),
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn character_from_row<R: Row>(row: &R) -> StorageResult<Character>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    Ok(Character {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        name: row.try_get("name")?,
        kind: CharacterKind::parse(&kind).unwrap_or(CharacterKind::Npc),
        player_name: row.try_get("player_name")?,
        level: row.try_get("level")?,
        class: row.try_get("class")?,
        ancestry: row.try_get("ancestry")?,
        max_hp: row.try_get("max_hp")?,
        current_hp: row.try_get("current_hp")?,
        armor_class: row.try_get("armor_class")?,
        init_modifier: row.try_get("init_modifier")?,
        stats: row.try_get::<Json<Value>, _>("stats")?.0,
        notes: row.try_get("notes")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn encounter_from_row<R: Row>(row: &R) -> StorageResult<EncounterRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    Ok(EncounterRecord {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        session_id: row.try_get("session_id")?,
        name: row.try_get("name")?,
        active: status == "active",
        round: row.try_get("round")?,
        state: row.try_get::<Json<Value>, _>("state")?.0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn roll_from_row<R: Row>(row: &R) -> StorageResult<DiceRollRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    Json<Value>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
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
