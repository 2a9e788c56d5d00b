//! The trait a plugin implements.

use std::collections::BTreeMap;

use crate::{
    Chunk, CollectionSchema, Context, DiceRoll, Document, GlossaryEntry, Manifest, PromptMessage, PromptSpec,
    Tool, ToolError,
};

/// A game-system plugin, as an author writes it.
///
/// Implement it on a type that is [`Default`] and export it with
/// [`export_plugin!`](crate::export_plugin). Every call from the host runs in a fresh sandbox,
/// so the SDK builds a new value with `Default::default()` for each call: keep nothing in it
/// that must survive a call (use [`host::kv_set`](crate::host::kv_set) for that).
///
/// Only [`manifest`](Plugin::manifest) and [`tools`](Plugin::tools) are required; the rest
/// default to "this plugin has none".
pub trait Plugin {
    /// Who the plugin is and what it asks for. The SDK fills in the API version and, unless
    /// set, the version from the plugin crate's `Cargo.toml`.
    fn manifest(&self) -> Manifest;

    /// The MCP tools the plugin offers, built with [`tool`](crate::tool). The host lists them
    /// once when the plugin is installed and looks a tool up here by name on every call, so
    /// keep this cheap (no host calls).
    fn tools(&self) -> Vec<Tool>;

    /// The collections (record kinds, such as "monsters") this system defines. None by default.
    fn collections(&self) -> Vec<CollectionSchema> {
        Vec::new()
    }

    /// Splits a document into chunks in this system's way. `None` (the default) lets the host's
    /// built-in chunker do it; `Some(Err(message))` fails the ingest with that message.
    fn chunk(&self, document: &Document) -> Option<Result<Vec<Chunk>, String>> {
        let _ = document;
        None
    }

    /// A one-line description of this system's dice grammar. `None` (the default) means the
    /// plugin has none and campaigns on its system roll with the host's core grammar.
    fn dice_grammar(&self) -> Option<String> {
        None
    }

    /// Rolls `expression` in this system's grammar, drawing faces with
    /// [`host::roll_faces`](crate::host::roll_faces) (during `roll` the `random` capability
    /// is always granted, and the host seeds the source so a roll can be replayed). An `Err`
    /// names what is wrong with the expression. Called only when [`dice_grammar`](Plugin::dice_grammar) is `Some`; the
    /// default refuses every expression.
    fn roll(&self, context: &Context, expression: &str) -> Result<DiceRoll, String> {
        let _ = context;
        Err(format!("this plugin has no dice grammar, so it cannot roll `{expression}`"))
    }

    /// The system's glossary: its own terms and what players call them instead
    /// ([`GlossaryEntry::new`]`("prone", &["lying on the ground"])`). The host reads it once
    /// at load and, in rules search, also searches a question that says an alias for its
    /// term. None by default. Limits: 2 000 entries, 32 aliases each, 64 bytes a phrase.
    fn glossary(&self) -> Vec<GlossaryEntry> {
        Vec::new()
    }

    /// The prompt templates the plugin offers ([`PromptSpec::new`]). None by default.
    fn prompts(&self) -> Vec<PromptSpec> {
        Vec::new()
    }

    /// Builds prompt `name` (one of [`prompts`](Plugin::prompts); the SDK answers unknown
    /// names) from its `arguments`. The host has checked that every required argument is
    /// there. The default refuses, for a plugin whose `prompts` is empty.
    fn get_prompt(
        &self,
        context: &Context,
        name: &str,
        arguments: &BTreeMap<String, String>,
    ) -> Result<Vec<PromptMessage>, ToolError> {
        let _ = (context, arguments);
        Err(ToolError::NotFound(format!("this plugin builds no prompt `{name}`")))
    }
}
