//! Version-independent descriptions of what a plugin is and returns.
//!
//! Every supported WIT version is adapted into these types, so the rest of the host never
//! sees generated bindings: a later API version adds an adapter, not a new code path.

use serde::{Deserialize, Serialize};

/// Something a plugin may do through the host; nothing is granted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Write to the host's log.
    Log,
    /// Draw randomness from the host's seedable source.
    Random,
    /// A key-value space private to the plugin and the campaign.
    Kv,
    /// Read-only search of the campaign's collections.
    Search,
    /// Calling the host's core MCP tools in the campaign.
    HostTools,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 5] =
        [Capability::Log, Capability::Random, Capability::Kv, Capability::Search, Capability::HostTools];

    /// The capability's name as written in manifests and grants.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Log => "log",
            Capability::Random => "random",
            Capability::Kv => "kv",
            Capability::Search => "search",
            Capability::HostTools => "host-tools",
        }
    }

    /// Parses a capability name.
    pub fn parse(name: &str) -> Option<Capability> {
        match name {
            "log" => Some(Capability::Log),
            "random" => Some(Capability::Random),
            "kv" => Some(Capability::Kv),
            "search" => Some(Capability::Search),
            "host-tools" => Some(Capability::HostTools),
            _ => None,
        }
    }
}

/// Who a plugin is, as it describes itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Unique id (`dnd5e`).
    pub id: String,
    /// The plugin's semver version.
    pub version: semver::Version,
    /// The game system it implements.
    pub system: String,
    /// A name for people.
    pub name: String,
    /// What it offers.
    pub description: String,
    /// The WIT API version it was built against.
    pub api_version: semver::Version,
    /// The capabilities it asks for.
    pub capabilities: Vec<Capability>,
}

/// Who at the table may call a plugin tool: the campaign's game master only, or every
/// player too (the GM may call every tool).
///
/// A plugin declares it per tool from API 0.2.0 on (WIT `tool-role`); a plugin built
/// against 0.1.x declares nothing, and every one of its tools is [`ToolRole::Gm`]. Which
/// tools a session may list and call is the host's rule; the runtime only reports what the
/// plugin declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolRole {
    /// For the game master only (the default, and every tool of a 0.1 plugin): it reveals
    /// what the GM keeps hidden or changes the campaign's shared state.
    #[default]
    Gm,
    /// For every player at the table (and the GM): rules look-ups, a player's own dice
    /// helpers.
    Player,
}

impl ToolRole {
    /// The role's name as written in the WIT and in JSON (`gm`, `player`).
    pub fn name(self) -> &'static str {
        match self {
            ToolRole::Gm => "gm",
            ToolRole::Player => "player",
        }
    }
}

/// One tool a plugin offers (its name without the plugin namespace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginToolSpec {
    /// Name within the plugin.
    pub name: String,
    /// Title for people.
    pub title: String,
    /// What it does, for an AI client.
    pub description: String,
    /// JSON Schema of the arguments (an object).
    pub input_schema: serde_json::Map<String, serde_json::Value>,
    /// JSON Schema of the result (an object).
    pub output_schema: serde_json::Map<String, serde_json::Value>,
    /// Changes nothing.
    pub read_only: bool,
    /// May overwrite or remove data.
    pub destructive: bool,
    /// Repeating the call has no further effect.
    pub idempotent: bool,
    /// Who may call it ([`ToolRole::Gm`] for every tool of a plugin built against API
    /// 0.1.x, and when a stored description predates roles).
    #[serde(default)]
    pub role: ToolRole,
}

/// The type of a collection field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// An exact value to filter on.
    Keyword,
    /// A whole number.
    Integer,
    /// A decimal number.
    Float,
    /// True or false.
    Boolean,
    /// Any JSON, stored only.
    Json,
}

/// One field of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub field_type: FieldType,
    /// Whether it is indexed for filters.
    pub indexed: bool,
    /// What it holds.
    pub description: String,
}

/// A record kind a game system defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionSchema {
    /// Its name (`monsters`).
    pub name: String,
    /// What it holds.
    pub description: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// A page handed to a chunker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// 1-based page number.
    pub number: u32,
    /// Its text in reading order.
    pub text: String,
}

/// A document handed to a chunker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The book's title.
    pub book: String,
    /// Its pages.
    pub pages: Vec<Page>,
}

/// A retrievable piece of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// First page.
    pub page_start: u32,
    /// Last page.
    pub page_end: u32,
    /// Headings above it, outermost first.
    pub section_path: Vec<String>,
    /// `rules` or a collection name.
    pub content_type: String,
    /// The text.
    pub text: String,
    /// The record's fields (an object).
    pub metadata: serde_json::Value,
}

/// A critical flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crit {
    /// Neither.
    None,
    /// A natural maximum.
    Success,
    /// A natural 1.
    Failure,
}

/// A roll in a plugin's grammar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginRoll {
    /// The normalized expression.
    pub expression: String,
    /// The total.
    pub total: i64,
    /// One line for people.
    pub rendered: String,
    /// Critical flag.
    pub crit: Crit,
    /// The per-die breakdown (an object).
    pub detail: serde_json::Value,
}

/// The campaign (and session) a call runs for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallContext {
    /// The campaign.
    pub campaign_id: String,
    /// The session, if any.
    pub session_id: Option<String>,
}

/// A search hit handed back to a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The collection.
    pub collection: String,
    /// The chunk text.
    pub text: String,
    /// Relevance.
    pub score: f32,
    /// Book, pages, section and record fields (an object).
    pub payload: serde_json::Value,
}

/// One of a system's own terms and what players call it instead (WIT `glossary-entry`,
/// from API 0.3.0; a plugin built against 0.1.x or 0.2.x has no glossary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlossaryEntry {
    /// The term as the books write it (`prone`).
    pub term: String,
    /// What players say instead (`lying on the ground`, `knocked down`).
    pub aliases: Vec<String>,
}

/// One argument of a [`PromptSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptArgument {
    /// Its name.
    pub name: String,
    /// What to give.
    pub description: String,
    /// The prompt cannot be built without it.
    pub required: bool,
}

/// A prompt template a plugin offers (WIT `prompt-spec`, from API 0.3.0), its name
/// without the plugin namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptSpec {
    /// Name within the plugin.
    pub name: String,
    /// Title for people.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// The arguments it takes.
    pub arguments: Vec<PromptArgument>,
    /// Who at the table may use it.
    pub role: ToolRole,
}

/// Who speaks a [`PromptMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptSpeaker {
    /// The person using the client.
    User,
    /// The model.
    Assistant,
}

/// One message of a built prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who says it.
    pub speaker: PromptSpeaker,
    /// What is said (Markdown).
    pub text: String,
}

/// Severity of a plugin's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Tracing.
    Trace,
    /// Debugging.
    Debug,
    /// Normal.
    Info,
    /// Odd.
    Warn,
    /// Failed.
    Error,
}

#[cfg(test)]
mod tests {
    use super::{Capability, ToolRole};

    #[test]
    fn tool_roles_default_to_gm_and_round_trip_their_names() {
        assert_eq!(ToolRole::default(), ToolRole::Gm);
        for role in [ToolRole::Gm, ToolRole::Player] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.name());
        }
    }

    #[test]
    fn every_capability_round_trips_its_name() {
        for capability in Capability::ALL {
            assert_eq!(Capability::parse(capability.name()), Some(capability));
            let json = serde_json::to_value(capability).unwrap();
            assert_eq!(json, capability.name(), "serde and name() agree");
        }
        assert_eq!(Capability::ALL.len(), 5, "ALL lists every variant");
        assert_eq!(Capability::parse("filesystem"), None);
    }
}
