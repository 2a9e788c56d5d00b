//! The rows of the rulebook library (documents, their pages and chunks) and of campaign
//! notes, as plain Rust values.

use super::Visibility;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where an ingested document is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Being ingested (or interrupted): invisible to search until it is ready.
    Ingesting,
    /// Fully ingested and searchable.
    Ready,
}

impl DocumentStatus {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Ingesting => "ingesting",
            DocumentStatus::Ready => "ready",
        }
    }

    /// The status a stored value names, if this host knows it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ingesting" => Some(DocumentStatus::Ingesting),
            "ready" => Some(DocumentStatus::Ready),
            _ => None,
        }
    }
}

/// One ingested file (a rulebook), known by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentRecord {
    /// Stable id (UUID v7).
    pub id: String,
    /// SHA-256 of the file, lowercase hex.
    pub content_hash: String,
    /// The book's title as the GM gave it, e.g. "SRD 5.1".
    pub book: String,
    /// The game system whose chunker read it, if any.
    pub system: Option<String>,
    /// The campaign it belongs to; `None` for the shared library.
    pub campaign_id: Option<String>,
    /// The file name it was ingested from.
    pub file_name: String,
    /// Pages in the file.
    pub page_count: i64,
    /// Which chunker split it (`built-in`, or `dnd5e@1.0.0`).
    pub chunker: String,
    /// Ingesting or ready.
    pub status: DocumentStatus,
    /// Chunks stored for it (set when it becomes ready).
    pub chunk_count: i64,
    /// When ingestion started.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Who may read it: `players` (a rulebook) or `gm` (an adventure; sections can be revealed).
    #[serde(default)]
    pub visibility: Visibility,
}

/// The fields a new document row is created from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    /// See [`DocumentRecord::content_hash`].
    pub content_hash: String,
    /// See [`DocumentRecord::book`].
    pub book: String,
    /// See [`DocumentRecord::system`].
    pub system: Option<String>,
    /// See [`DocumentRecord::campaign_id`].
    pub campaign_id: Option<String>,
    /// See [`DocumentRecord::file_name`].
    pub file_name: String,
    /// See [`DocumentRecord::page_count`].
    pub page_count: i64,
    /// See [`DocumentRecord::chunker`].
    pub chunker: String,
    /// See [`DocumentRecord::visibility`].
    pub visibility: Visibility,
}

/// One page of a document as extracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PageRecord {
    /// The document.
    pub document_id: String,
    /// 1-based page index in the file.
    pub number: i64,
    /// The page's text in reading order (light Markdown); empty when it has none.
    pub text: String,
    /// Why the page has no text, when it has none (image-only, damaged, …).
    pub problem: Option<String>,
}

/// A retrievable piece of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChunkRecord {
    /// Stable id derived from the document and the text, so a rerun finds it again.
    pub id: String,
    /// The document.
    pub document_id: String,
    /// Position in the document's reading order.
    pub ordinal: i64,
    /// First page it covers.
    pub page_start: i64,
    /// Last page it covers.
    pub page_end: i64,
    /// Heading path, joined with " › " ("Combat › Making an Attack").
    pub section: String,
    /// `rules`, or a collection such as `monsters` or `spells`.
    pub content_type: String,
    /// The text shown and embedded.
    pub text: String,
    /// The typed record's fields when the chunker recognized one, else `{}`.
    pub metadata: Value,
    /// SHA-256 of the text (with its content type and section), lowercase hex.
    pub text_hash: String,
    /// Whether its vectors are in the vector index.
    pub indexed: bool,
    /// Who may read it (the document's visibility, or what the GM revealed).
    #[serde(default)]
    pub visibility: Visibility,
}

/// A campaign note: an NPC, a location, a plot thread, a piece of lore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CampaignNote {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign.
    pub campaign_id: String,
    /// `npc`, `location`, `plot`, `lore` or `other`.
    pub kind: String,
    /// A short title ("Sildar Hallwinter").
    pub title: String,
    /// The note itself.
    pub body: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who may read it (`gm` unless the GM shared it).
    #[serde(default)]
    pub visibility: Visibility,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The fields a new campaign note is created from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaignNote {
    /// See [`CampaignNote::campaign_id`].
    pub campaign_id: String,
    /// See [`CampaignNote::kind`].
    pub kind: String,
    /// See [`CampaignNote::title`].
    pub title: String,
    /// See [`CampaignNote::body`].
    pub body: String,
    /// See [`CampaignNote::tags`].
    pub tags: Vec<String>,
    /// See [`CampaignNote::visibility`].
    pub visibility: Visibility,
}
