//! What a plugin returned, in any API version, before the runtime checked it: each
//! version's adapter converts its generated types into these, and `validate.rs` and
//! `plugin.rs` turn them into [`crate::model`] types or refuse them.

use crate::error::RefusalKind;
use crate::model::{Capability, CollectionSchema, Crit, GlossaryEntry, PromptMessage, PromptSpec, ToolRole};

/// What `describe`, `tools`, `collections`, `dice-grammar` and (from API 0.3.0)
/// `glossary` and `prompts` returned.
pub(crate) struct RawDescription {
    pub(crate) manifest: RawManifest,
    pub(crate) tools: Vec<RawTool>,
    pub(crate) collections: Vec<CollectionSchema>,
    pub(crate) dice_grammar: Option<String>,
    /// Empty for an API version without glossaries.
    pub(crate) glossary: Vec<GlossaryEntry>,
    /// Empty for an API version without prompts.
    pub(crate) prompts: Vec<PromptSpec>,
}

/// A manifest before validation.
pub(crate) struct RawManifest {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) system: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) api_version: String,
    pub(crate) capabilities: Vec<Capability>,
}

/// A tool spec before validation (schemas are JSON text).
pub(crate) struct RawTool {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) input_schema: String,
    pub(crate) output_schema: String,
    pub(crate) read_only: bool,
    pub(crate) destructive: bool,
    pub(crate) idempotent: bool,
    /// What the plugin declared, or [`ToolRole::Gm`] for an API version without roles.
    pub(crate) role: ToolRole,
}

/// A tool's answer: its JSON text, or its own error.
pub(crate) type RawToolResult = Result<String, (RefusalKind, String)>;

/// A built prompt, or the plugin's own error.
pub(crate) type RawPromptResult = Result<Vec<PromptMessage>, (RefusalKind, String)>;

/// A roll before validation (`detail` is JSON text).
pub(crate) struct RawRoll {
    pub(crate) expression: String,
    pub(crate) total: i64,
    pub(crate) rendered: String,
    pub(crate) crit: Crit,
    pub(crate) detail: String,
}

/// A chunk before validation (`metadata` is JSON text).
pub(crate) struct RawChunk {
    pub(crate) page_start: u32,
    pub(crate) page_end: u32,
    pub(crate) section_path: Vec<String>,
    pub(crate) content_type: String,
    pub(crate) text: String,
    pub(crate) metadata: String,
}
