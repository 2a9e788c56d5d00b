//! Structured storage: campaigns, sessions, notes, characters, initiative and dice rolls.
//!
//! [`Storage`] is the seam between the embedded default (a SQLite file in WAL mode) and
//! the scale-out engine (PostgreSQL). Nothing above this module knows which engine it
//! talks to: [`open`] picks one from the database URL and hands back an
//! `Arc<dyn Storage>`. Both engines share one implementation of the queries
//! ([`sql::SqlStorage`]); what differs (connection setup, migrations, column types)
//! lives in [`sqlite`] and [`postgres`].

mod error;
mod library;
mod library_sql;
mod migrate;
mod plugin_sql;
mod postgres;
mod records;
mod records_sql;
mod rows;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::StorageError;
pub use library::*;
pub use migrate::{MigrationState, MigrationStatus};
pub use records::*;

/// Result of a storage operation.
pub type StorageResult<T> = Result<T, StorageError>;

/// Which database engine a [`Storage`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The engine's name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// Picks the engine a database URL names: `postgres://` or `postgresql://` is
    /// PostgreSQL, `sqlite:` is SQLite.
    pub fn from_url(url: &str) -> StorageResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else {
            Err(StorageError::Config(format!(
                "database URL {:?} names no engine this host knows: use sqlite://PATH or postgres://…",
                redact_url(url)
            )))
        }
    }
}

/// Whether [`open`] brings the schema up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateOnOpen {
    /// Apply pending migrations (the server and most commands).
    Apply,
    /// Leave the schema as it is (`ttrpg migrate`, which manages it explicitly).
    Skip,
}

/// Opens the database a URL names and returns it behind the [`Storage`] trait.
///
/// SQLite files are created if missing, with WAL journaling, foreign keys on and a
/// busy timeout; PostgreSQL must be reachable. With [`MigrateOnOpen::Apply`] pending
/// migrations are applied before the store is returned.
pub async fn open(url: &str, migrate: MigrateOnOpen) -> StorageResult<Arc<dyn Storage>> {
    let storage: Arc<dyn Storage> = match Engine::from_url(url)? {
        Engine::Sqlite => Arc::new(sqlite::connect(url).await?),
        Engine::Postgres => Arc::new(postgres::connect(url).await?),
    };
    if migrate == MigrateOnOpen::Apply {
        storage.migrate_up().await?;
    }
    Ok(storage)
}

/// Hides the password of a database URL for messages and `doctor` output, whether it is
/// given as `user:password@` or as a `password=` query parameter.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &base[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &base[..scheme_end + 3], &userinfo[..colon], &base[at..])
                }
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
}

/// Everything the host stores in its structured database.
///
/// Every method is one transaction: it either happens whole or not at all. Lookups of
/// an id that does not exist return [`StorageError::NotFound`] naming the id, so the
/// message can go to the user as it is.
#[async_trait]
pub trait Storage: Send + Sync {
    /// The engine behind this store.
    fn engine(&self) -> Engine;

    /// Checks the database answers; returns the engine's version string.
    async fn ping(&self) -> StorageResult<String>;

    /// Applies every pending migration; returns how many were applied.
    async fn migrate_up(&self) -> StorageResult<usize>;

    /// Reverts the newest `steps` applied migrations; returns how many were reverted.
    async fn migrate_down(&self, steps: usize) -> StorageResult<usize>;

    /// Lists every known migration and whether it is applied.
    async fn migration_status(&self) -> StorageResult<MigrationStatus>;

    // --- campaigns ---

    /// Creates a campaign.
    async fn create_campaign(&self, new: NewCampaign) -> StorageResult<Campaign>;
    /// Reads a campaign.
    async fn get_campaign(&self, id: &str) -> StorageResult<Campaign>;
    /// Lists campaigns, newest first; archived ones only when asked.
    async fn list_campaigns(&self, include_archived: bool) -> StorageResult<Vec<Campaign>>;
    /// Changes a campaign's fields.
    async fn update_campaign(&self, id: &str, patch: CampaignPatch) -> StorageResult<Campaign>;
    /// Archives a campaign (idempotent). Its data is kept.
    async fn archive_campaign(&self, id: &str) -> StorageResult<Campaign>;

    // --- sessions and notes ---

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
    ) -> StorageResult<SessionNote>;
    /// Lists a session's notes, oldest first.
    async fn list_session_notes(&self, session_id: &str) -> StorageResult<Vec<SessionNote>>;

    // --- characters ---

    /// Creates a character in a campaign.
    async fn create_character(&self, new: NewCharacter) -> StorageResult<Character>;
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

    // --- initiative ---

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

    // --- dice ---

    /// Records a roll.
    async fn record_roll(&self, roll: NewDiceRoll) -> StorageResult<DiceRollRecord>;
    /// Lists recorded rolls, newest first.
    async fn list_rolls(&self, filter: DiceRollFilter) -> StorageResult<Vec<DiceRollRecord>>;

    // --- plugins ---

    /// Records an installed plugin version. Installing the same file again is harmless; a
    /// different file under the same id and version is a [`StorageError::Conflict`].
    async fn record_plugin(&self, plugin: InstalledPluginRecord) -> StorageResult<InstalledPluginRecord>;
    /// Every installed plugin version, by id then version.
    async fn list_plugins(&self) -> StorageResult<Vec<InstalledPluginRecord>>;
    /// Forgets an installed plugin version; refused while a campaign has it enabled.
    async fn delete_plugin(&self, id: &str, version: &str) -> StorageResult<()>;
    /// The campaigns that have `id@version` enabled.
    async fn plugin_users(&self, id: &str, version: &str) -> StorageResult<Vec<String>>;
    /// The plugins a campaign has enabled.
    async fn campaign_plugins(&self, campaign_id: &str) -> StorageResult<Vec<CampaignPluginRecord>>;
    /// Enables (or re-enables with new settings) a plugin in a campaign.
    async fn enable_plugin(&self, record: CampaignPluginRecord) -> StorageResult<CampaignPluginRecord>;
    /// Disables a plugin in a campaign; returns whether it was enabled.
    async fn disable_plugin(&self, campaign_id: &str, plugin_id: &str) -> StorageResult<bool>;
    /// Reads a key of a plugin's space in a campaign.
    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<Option<Vec<u8>>>;
    /// Writes a key of a plugin's space in a campaign.
    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> StorageResult<()>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> StorageResult<bool>;
    /// Stores collection records (replacing same-named ones of the same source), in one
    /// transaction; unchanged records are skipped. Returns how many were written.
    async fn upsert_records(&self, records: Vec<CollectionRecord>) -> StorageResult<usize>;
    /// A system's records, optionally of one collection.
    async fn list_records(
        &self,
        system: &str,
        collection: Option<&str>,
    ) -> StorageResult<Vec<CollectionRecord>>;
    /// Keys with a prefix, sorted, at most `limit`.
    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> StorageResult<Vec<String>>;

    // --- the rulebook library ---

    /// The document whose file has this SHA-256, if one was ever ingested (ready or not).
    async fn find_document_by_hash(&self, content_hash: &str) -> StorageResult<Option<DocumentRecord>>;
    /// Records a document being ingested (status `ingesting`, invisible to search).
    async fn create_document(&self, new: NewDocument) -> StorageResult<DocumentRecord>;
    /// Reads a document.
    async fn get_document(&self, id: &str) -> StorageResult<DocumentRecord>;
    /// Every document, by book title.
    async fn list_documents(&self) -> StorageResult<Vec<DocumentRecord>>;
    /// Removes a document with its pages and chunks (its vectors are the caller's job).
    async fn delete_document(&self, id: &str) -> StorageResult<()>;
    /// Writes pages (again): a page already stored is replaced.
    async fn save_pages(&self, pages: Vec<PageRecord>) -> StorageResult<()>;
    /// Reads one page of a document.
    async fn get_page(&self, document_id: &str, number: i64) -> StorageResult<PageRecord>;
    /// Stores chunks not yet stored (same id or same document and text hash: skipped);
    /// returns how many were new.
    async fn insert_chunks(&self, chunks: Vec<ChunkRecord>) -> StorageResult<usize>;
    /// Up to `limit` of a document's chunks whose vectors are not yet indexed, in order.
    async fn unindexed_chunks(&self, document_id: &str, limit: i64) -> StorageResult<Vec<ChunkRecord>>;
    /// Records that these chunks' vectors are in the vector index.
    async fn mark_chunks_indexed(&self, ids: &[String]) -> StorageResult<()>;
    /// Makes a document searchable once every chunk is indexed; sets its chunk count.
    async fn finish_document(&self, id: &str) -> StorageResult<DocumentRecord>;
    /// The chunks with these ids that belong to ready documents (any order).
    async fn ready_chunks(&self, ids: &[String]) -> StorageResult<Vec<ChunkRecord>>;
    /// Ids of documents still being ingested (their vectors must not be searched).
    async fn unready_documents(&self) -> StorageResult<Vec<String>>;

    // --- campaign notes ---

    /// Writes a campaign note.
    async fn add_campaign_note(&self, new: NewCampaignNote) -> StorageResult<CampaignNote>;
    /// A campaign's notes, oldest first: all, only those with `ids`, or only those whose
    /// vectors are not yet indexed.
    async fn campaign_notes(
        &self,
        campaign_id: &str,
        ids: Option<&[String]>,
        unindexed_only: bool,
    ) -> StorageResult<Vec<CampaignNote>>;
    /// Records that these notes' vectors are in the vector index.
    async fn mark_notes_indexed(&self, ids: &[String]) -> StorageResult<()>;
}
