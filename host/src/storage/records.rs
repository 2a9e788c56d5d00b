//! The rows the storage layer reads and writes, as plain Rust values.
//!
//! These types know nothing of SQL or MCP: the storage engines map them to rows, the
//! tools map them to JSON. JSON-valued columns are `serde_json::Value` so the storage
//! layer stays ignorant of what a character sheet or an encounter contains.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether a campaign is in play or put away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// In play: sessions can be started.
    Active,
    /// Put away: kept for reference, no new sessions.
    Archived,
}

impl CampaignStatus {
    /// The value stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Active => "active",
            CampaignStatus::Archived => "archived",
        }
    }

    /// The status a stored value names, if this host knows it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(CampaignStatus::Active),
            "archived" => Some(CampaignStatus::Archived),
            _ => None,
        }
    }
}

/// A campaign: one group's game in one system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Campaign {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign's name, e.g. "Curse of the Crimson Throne".
    pub name: String,
    /// The game system id, e.g. `dnd5e` or `fate`.
    pub system: String,
    /// The GM's user id, when the host knows one.
    pub gm_user_id: Option<String>,
    /// Free-form settings (house rules, options) as a JSON object.
    pub settings: Value,
    /// Active or archived.
    pub status: CampaignStatus,
    /// When the campaign was created.
    pub created_at: DateTime<Utc>,
    /// When the campaign was last changed.
    pub updated_at: DateTime<Utc>,
}

/// The fields a new campaign is created from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    /// See [`Campaign::name`].
    pub name: String,
    /// See [`Campaign::system`].
    pub system: String,
    /// See [`Campaign::gm_user_id`].
    pub gm_user_id: Option<String>,
    /// See [`Campaign::settings`].
    pub settings: Value,
}

/// A partial update of a campaign: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignPatch {
    /// New name.
    pub name: Option<String>,
    /// New game system id.
    pub system: Option<String>,
    /// New GM user id.
    pub gm_user_id: Option<String>,
    /// Settings replaced wholesale.
    pub settings: Option<Value>,
}

/// Whether a session is being played or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Being played now.
    Active,
    /// Over.
    Ended,
}

impl SessionStatus {
    /// The value stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Ended => "ended",
        }
    }

    /// The status a stored value names, if this host knows it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(SessionStatus::Active),
            "ended" => Some(SessionStatus::Ended),
            _ => None,
        }
    }
}

/// One evening of play in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Session {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign it belongs to.
    pub campaign_id: String,
    /// 1 for the campaign's first session, then 2, 3, …
    pub number: i64,
    /// An optional title ("The Siege of Phlan").
    pub title: Option<String>,
    /// Active or ended.
    pub status: SessionStatus,
    /// A recap written when the session ended.
    pub summary: Option<String>,
    /// When play started.
    pub started_at: DateTime<Utc>,
    /// When play ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// Who a piece of content is for: the GM only, or everyone at the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// The GM only (the default for notes and adventure books).
    #[default]
    Gm,
    /// Everyone at the table.
    Players,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Gm => "gm",
            Visibility::Players => "players",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "gm" => Some(Visibility::Gm),
            "players" => Some(Visibility::Players),
            _ => None,
        }
    }
}

/// A note recorded during a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionNote {
    /// Stable id (UUID v7).
    pub id: String,
    /// The session it was written in.
    pub session_id: String,
    /// The session's campaign.
    pub campaign_id: String,
    /// The note's text.
    pub body: String,
    /// Tags such as `npc`, `loot`, `plot`.
    pub tags: Vec<String>,
    /// Who may read it.
    #[serde(default)]
    pub visibility: Visibility,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// What kind of character a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CharacterKind {
    /// A player character.
    Pc,
    /// A non-player character.
    Npc,
    /// A monster kept as a recurring character.
    Monster,
}

impl CharacterKind {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CharacterKind::Pc => "pc",
            CharacterKind::Npc => "npc",
            CharacterKind::Monster => "monster",
        }
    }

    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pc" => Some(CharacterKind::Pc),
            "npc" => Some(CharacterKind::Npc),
            "monster" => Some(CharacterKind::Monster),
            _ => None,
        }
    }
}

// Its id, what it was made of (`CharacterFields`, flattened: the JSON has one level, and
// the tools' output schema is as before) and when. The doc line below is that schema's
// description.
/// A player character, NPC or recurring monster in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Character {
    /// Stable id (UUID v7).
    pub id: String,
    /// Everything a GM gives a character.
    #[serde(flatten)]
    pub fields: CharacterFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a character is made of: what a new character is created from, and what a stored
/// one holds besides its id and times. A new character's `current_hp` defaults to `max_hp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CharacterFields {
    /// The campaign it belongs to.
    pub campaign_id: String,
    /// The character's name.
    pub name: String,
    /// PC, NPC or monster.
    pub kind: CharacterKind,
    /// Who plays it (PCs).
    pub player_name: Option<String>,
    /// The user who plays it (a PC's player may read and update it).
    #[serde(default)]
    pub player_id: Option<String>,
    /// Character level.
    pub level: Option<i64>,
    /// Class (or the system's equivalent).
    pub class: Option<String>,
    /// Ancestry, race or species.
    pub ancestry: Option<String>,
    /// Hit point maximum.
    pub max_hp: Option<i64>,
    /// Current hit points.
    pub current_hp: Option<i64>,
    /// Armour class (or the system's defence).
    pub armor_class: Option<i64>,
    /// Added to initiative rolls.
    pub init_modifier: i64,
    /// The rest of the sheet as JSON (abilities, skills, inventory, …).
    pub stats: Value,
    /// Free-form notes.
    pub notes: Option<String>,
}

/// A partial update of a character: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CharacterPatch {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<CharacterKind>,
    /// New player name.
    pub player_name: Option<String>,
    /// New player (a user id).
    pub player_id: Option<String>,
    /// New level.
    pub level: Option<i64>,
    /// New class.
    pub class: Option<String>,
    /// New ancestry.
    pub ancestry: Option<String>,
    /// New hit point maximum.
    pub max_hp: Option<i64>,
    /// New current hit points.
    pub current_hp: Option<i64>,
    /// New armour class.
    pub armor_class: Option<i64>,
    /// New initiative modifier.
    pub init_modifier: Option<i64>,
    /// Keys merged into the stats object (a `null` value removes the key).
    pub stats: Option<Value>,
    /// New notes.
    pub notes: Option<String>,
}

/// A stored initiative tracker: one combat in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncounterRecord {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign it belongs to.
    pub campaign_id: String,
    /// The session it was started in, if any.
    pub session_id: Option<String>,
    /// An optional name ("Ambush at the ford").
    pub name: Option<String>,
    /// `true` while the combat runs.
    pub active: bool,
    /// The current round, mirrored from the state for queries.
    pub round: i64,
    /// The whole tracker state as JSON (owned by the initiative module).
    pub state: Value,
    /// Bumped on every save; a save names the version it read (optimistic locking).
    pub version: i64,
    /// When the combat started.
    pub created_at: DateTime<Utc>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

/// A dice roll to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDiceRoll {
    /// The campaign it was rolled in, if any.
    pub campaign_id: Option<String>,
    /// The session it was rolled in, if any.
    pub session_id: Option<String>,
    /// The expression as typed.
    pub expression: String,
    /// The total.
    pub total: i64,
    /// The one-line rendering.
    pub rendered: String,
    /// The full per-die breakdown as JSON.
    pub breakdown: Value,
    /// Why it was rolled ("Stealth check").
    pub purpose: Option<String>,
    /// The seed that reproduces the roll.
    pub seed: u64,
    /// `none`, `success` or `failure`.
    pub crit: String,
}

/// A recorded dice roll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiceRollRecord {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign it was rolled in, if any.
    pub campaign_id: Option<String>,
    /// The session it was rolled in, if any.
    pub session_id: Option<String>,
    /// The expression as typed.
    pub expression: String,
    /// The total.
    pub total: i64,
    /// The one-line rendering.
    pub rendered: String,
    /// The full per-die breakdown.
    pub breakdown: Value,
    /// Why it was rolled.
    pub purpose: Option<String>,
    /// The seed that reproduces the roll, as a decimal string (it is a u64).
    pub seed: String,
    /// `none`, `success` or `failure`.
    pub crit: String,
    /// When it was rolled.
    pub created_at: DateTime<Utc>,
}

/// Which rolls to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiceRollFilter {
    /// Only rolls of this campaign.
    pub campaign_id: Option<String>,
    /// Only rolls of this session.
    pub session_id: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// A plugin component installed on this host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstalledPluginRecord {
    /// The plugin id.
    pub id: String,
    /// Its semver version.
    pub version: String,
    /// SHA-256 of the component file, checked at every load.
    pub sha256: String,
    /// The plugin API version it was built against.
    pub api_version: String,
    /// The game system it implements.
    pub system: String,
    /// Its manifest, tools, collections and dice grammar as described at install.
    pub manifest: Value,
    /// When it was installed.
    pub installed_at: DateTime<Utc>,
}

/// A plugin enabled in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CampaignPluginRecord {
    /// The campaign.
    pub campaign_id: String,
    /// The plugin id.
    pub plugin_id: String,
    /// The semver requirement the GM gave (`^1.2`).
    pub version_req: String,
    /// The installed version it resolved to.
    pub version: String,
    /// The capabilities granted (`log`, `random`, `kv`, `search`).
    pub grants: Vec<String>,
    /// When it was enabled.
    pub enabled_at: DateTime<Utc>,
}

/// A record of a game system's collection (a monster, a spell, a rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CollectionRecord {
    /// Stable id (UUID v7).
    pub id: String,
    /// The game system (`dnd5e`).
    pub system: String,
    /// The collection (`monsters`).
    pub collection: String,
    /// The record's name (`Goblin`).
    pub name: String,
    /// Where it came from (`open5e`, or a rulebook's title).
    pub source: String,
    /// The book it is printed in.
    pub book: Option<String>,
    /// First page in that book.
    pub page_start: Option<i64>,
    /// Last page.
    pub page_end: Option<i64>,
    /// Section path in the book.
    pub section: Option<String>,
    /// The record as searchable text.
    pub text: String,
    /// The record's fields, as the system's collection schema names them.
    pub data: Value,
    /// SHA-256 of the text and fields, to skip unchanged re-imports.
    pub content_hash: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// The ingested book (document) it was recognized in; `None` for a structured import.
    #[serde(default)]
    pub document_id: Option<String>,
    /// The chunk of that book that cites it (and whose visibility it shares).
    #[serde(default)]
    pub chunk_id: Option<String>,
    /// The campaign whose book it came from; `None` for the shared library and imports.
    #[serde(default)]
    pub campaign_id: Option<String>,
}

/// Whose records a campaign's look-up may read ([`super::CollectionStore::records_for`]):
/// imports and the shared library's books, plus the campaign's own books; records from
/// GM-only passages only where the reader may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReader {
    /// The campaign the look-up is made in.
    pub campaign_id: String,
    /// The reader is the campaign's GM: its books' GM-only records are shown.
    pub campaign_gm: bool,
    /// The reader is the operator: the shared library's GM-only records are shown too.
    pub operator: bool,
}
