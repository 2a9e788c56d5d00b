//! Structured storage: campaigns, sessions, notes, characters, initiative and dice rolls.
//!
//! [`Storage`] is the seam between the embedded default (a SQLite file in WAL mode) and
//! the scale-out engine (PostgreSQL). Nothing above this module knows which engine it
//! talks to: [`open`] picks one from the database URL and hands back an
//! `Arc<dyn Storage>`. [`Storage`] is the sum of one trait per area (campaigns,
//! sessions, characters, combat, rolls, plugins, plugin key-value spaces, collection
//! records, documents, campaign notes, users and tokens, images, MCP sessions, the schema), each declared and implemented once,
//! over sqlx for both engines, in its own file. What differs between the engines
//! (connection setup, the write-lock `BEGIN`, the migration folder) lives in `sqlite.rs`
//! and `postgres.rs`; the bounds that let one implementation serve both are `sql.rs`'s
//! `SqlEngine`.

mod campaigns;
mod characters;
mod collections;
mod combat;
mod documents;
mod error;
mod events;
mod house_rules;
mod images;
mod ingest_leases;
mod library;
mod mcp_sessions;
mod migrate;
mod notes;
mod plugin_kv;
mod plugins;
mod postgres;
mod records;
mod rolls;
mod sessions;
mod snapshot;
mod sql;
mod sqlite;
mod transfer;
mod users;

use std::sync::Arc;

use crate::cache::TwoLevelCache;

pub use crate::config::redact_url;

pub use campaigns::CampaignStore;
pub use characters::CharacterStore;
pub use collections::CollectionStore;
pub use combat::CombatStore;
pub use documents::DocumentStore;
pub use error::StorageError;
pub use events::{EventListener, NotifyStore};
pub use house_rules::{HouseRule, HouseRuleStore, NewHouseRule};
pub use images::{
    AddedImage, IMAGE_QUOTA_SPACE, Image, ImageFile, ImageFilter, ImageKind, ImagePatch, ImageSize,
    ImageStore, MapGrid, MapPin, NewImage,
};
pub use ingest_leases::{IngestClaim, IngestLeaseStore};
pub use library::*;
pub use mcp_sessions::McpSessionStore;
pub use migrate::{DatabaseHealth, MigrationState, MigrationStatus, SchemaStore};
pub use notes::CampaignNoteStore;
pub use plugin_kv::PluginKvStore;
pub use plugins::PluginStore;
pub use records::*;
pub use rolls::RollStore;
pub use sessions::SessionStore;
pub use snapshot::{HeldSnapshot, SnapshotContents, SnapshotStore};
pub use transfer::{CampaignRows, PluginEntry, TransferStore};
pub use users::{ApiToken, CampaignMember, MemberRole, TokenRole, User, UserStore};

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
    open_cached(url, migrate, None).await
}

/// [`open`], with the reads MCP clients poll (a campaign, a character, a campaign's combat)
/// going through `cache`, and the writes of those rows and of records invalidating it
/// before they return.
pub async fn open_cached(
    url: &str,
    migrate: MigrateOnOpen,
    cache: Option<Arc<TwoLevelCache>>,
) -> StorageResult<Arc<dyn Storage>> {
    let storage: Arc<dyn Storage> = match Engine::from_url(url)? {
        Engine::Sqlite => Arc::new(sqlite::connect(url).await?.with_cache(cache)),
        Engine::Postgres => Arc::new(postgres::connect(url).await?.with_cache(cache)),
    };
    if migrate == MigrateOnOpen::Apply {
        storage.migrate_up().await?;
    }
    Ok(storage)
}

/// Everything the host stores in its structured database: every area's trait at once.
///
/// Code that needs one area takes that trait (`Arc<dyn CampaignStore>`, …); an
/// `Arc<dyn Storage>` coerces to any of them. Every write is atomic (one statement or one
/// transaction): it either happens whole or not at all. Lookups of an id that does not
/// exist return [`StorageError::NotFound`] naming the id, so the message can go to the
/// user as it is.
///
/// To add an area: a new file with its trait and one `impl<DB: SqlEngine>` of it, a line
/// in the list below.
pub trait Storage:
    SchemaStore
    + CampaignStore
    + SessionStore
    + CharacterStore
    + CombatStore
    + RollStore
    + PluginStore
    + PluginKvStore
    + CollectionStore
    + DocumentStore
    + CampaignNoteStore
    + HouseRuleStore
    + UserStore
    + ImageStore
    + TransferStore
    + SnapshotStore
    + McpSessionStore
    + NotifyStore
    + IngestLeaseStore
{
}
