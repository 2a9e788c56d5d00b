//! The trait a plugin implements.

use crate::{Chunk, CollectionSchema, Context, DiceRoll, Document, Manifest, Tool};

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
}
