//! The SDK for game-system plugins of the TTRPG MCP server.
//!
//! A plugin is a WebAssembly component that the server loads into a sandbox. It offers MCP
//! tools (namespaced `<plugin-id>__<tool>`), collection schemas, a chunker for its system's
//! books and a dice grammar, and it may call the host for logging, randomness, a private
//! key-value space, search and its core tools, each only when the GM granted the matching capability. This
//! crate wraps the plugin interface (`wit/0.3.0`, package `ttrpg:plugin@0.3.0`, world
//! `game-system`) so that a plugin is a plain Rust type.
//!
//! # A minimal plugin
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "my-plugin"
//! version = "0.1.0"
//! edition = "2024"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! ttrpg-plugin-sdk = { path = "…/sdk" }
//! schemars = "1"
//! serde = { version = "1", features = ["derive"] }
//! ```
//!
//! `src/lib.rs`:
//!
//! ```no_run
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//! use ttrpg_plugin_sdk::{Context, Manifest, Plugin, Tool, ToolError, ToolHints, export_plugin, tool};
//!
//! /// Arguments of `greet`. Field doc comments become the schema's descriptions.
//! #[derive(Deserialize, JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! struct GreetArgs {
//!     /// Who to greet.
//!     name: String,
//! }
//!
//! /// Result of `greet`.
//! #[derive(Serialize, JsonSchema)]
//! struct Greeting {
//!     /// The greeting.
//!     greeting: String,
//! }
//!
//! #[derive(Default)]
//! struct MyPlugin;
//!
//! impl Plugin for MyPlugin {
//!     fn manifest(&self) -> Manifest {
//!         Manifest::new("my-plugin", "generic", "My plugin", "Greets people.")
//!     }
//!
//!     fn tools(&self) -> Vec<Tool> {
//!         // A tool is for the GM unless marked for players: anyone at the table may greet.
//!         vec![tool("greet", "Greet someone", "Says hello to `name`.", ToolHints::READ, greet).for_players()]
//!     }
//! }
//!
//! fn greet(_ctx: &Context, args: GreetArgs) -> Result<Greeting, ToolError> {
//!     if args.name.trim().is_empty() {
//!         return Err(ToolError::InvalidArguments("`name` is empty".into()));
//!     }
//!     Ok(Greeting { greeting: format!("Hello, {}!", args.name) })
//! }
//!
//! export_plugin!(MyPlugin);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2` (once:
//! `rustup target add wasm32-wasip2`); the component is
//! `target/wasm32-wasip2/release/my_plugin.wasm`. `ttrpg plugin check <file>` tells what the
//! host sees in it, `ttrpg plugin install <file>` installs it, and a GM enables it for a
//! campaign with the MCP tool `plugin_enable`. Clients then call `my-plugin__greet`.
//! `examples/plugin-template/` is this plugin, grown a little, with a step-by-step README.
//!
//! # What the pieces are
//!
//! - [`Plugin`]: the trait a plugin implements; [`export_plugin!`] exports it.
//! - [`Manifest`]: id, system, name, description and the [`Capability`]s asked for. The API
//!   version ([`API_VERSION`]) and, by default, the version (`CARGO_PKG_VERSION`) are filled in.
//! - [`tool`] / [`Tool`] / [`ToolHints`]: a tool from a function over serde types; JSON
//!   schemas are derived with [`schemars`], bad arguments are refused before the handler runs.
//! - [`ToolRole`]: who at the table may call a tool. Every tool is a GM tool unless marked
//!   with [`Tool::for_players`]; see [Who may call a tool](#who-may-call-a-tool).
//! - [`host`]: logging, randomness, key-value storage, search and the host's core tools
//!   ([`host::call_tool`]) through the host.
//! - [`CollectionSchema`], [`Document`], [`Chunk`], [`DiceRoll`]: the WIT records for
//!   collections, chunking and dice, re-exported as they are generated.
//! - [`bindings`]: the raw generated bindings, for what this layer does not cover.
//!
//! # Who may call a tool
//!
//! A campaign has a game master and players, and the host lists a tool to a session only
//! when the session's role may call it. Every tool is for the GM ([`ToolRole::Gm`]) unless
//! marked with [`Tool::for_players`] ([`ToolRole::Player`]). Mark a tool for players only
//! when anyone at the table may call it without spoiling the game or changing what others
//! share: rules, spell and condition look-ups and searches, a player's own dice helpers.
//! Keep for the GM whatever reveals what the GM keeps hidden (stat blocks, encounter plans,
//! notes) or changes the campaign's shared state (the initiative tracker, stored aspects).
//!
//! # The sandbox
//!
//! Every call runs in a fresh instance with a memory limit and a deadline: no state survives
//! between calls (use [`host::kv_set`]), a panic or a trap ends the call with an error, and
//! there is no file system, network or environment. `println!` goes to the host's log.
//! The host holds each plugin to budgets: one linear memory, a bounded number of table
//! elements, a byte quota on its key-value space per campaign (1 MiB by default) and
//! bounded `search` queries; going past one ends the call or refuses the host call with a
//! message naming the limit.

#![warn(missing_docs)]

/// The bindings that `wit-bindgen` generates for `wit/0.3.0` (world `game-system`).
///
/// [`export_plugin!`] is the usual way to export a plugin; `bindings::export!` exports a type
/// implementing the raw `Guest` trait (`bindings::exports::ttrpg::plugin::plugin::Guest`)
/// directly, for a plugin that wants no help from the SDK.
pub mod bindings {
    #![allow(missing_docs, clippy::all)]
    wit_bindgen::generate!({
        path: "../wit/0.3.0",
        world: "game-system",
        pub_export_macro: true,
        default_bindings_module: "ttrpg_plugin_sdk::bindings",
    });
}

pub mod host;
mod manifest;
mod plugin;
mod tool;

pub use bindings::ttrpg::plugin::host::{HostError, LogLevel};
pub use bindings::ttrpg::plugin::types::{
    CallContext as Context, Capability, Chunk, CollectionSchema, Crit, DiceRoll, Document, Field, FieldType,
    GlossaryEntry, Page, PromptArgument, PromptMessage, PromptSpeaker, PromptSpec, SearchHit, ToolError,
    ToolRole,
};
pub use manifest::Manifest;
pub use plugin::Plugin;
pub use tool::{NoArgs, Tool, ToolHints, schema_for, tool};

/// The `schemars` this SDK derives schemas with (major version 1).
pub use schemars;
/// The `serde` this SDK parses arguments with.
pub use serde;
/// The `serde_json` this SDK serializes results with.
pub use serde_json;

/// The version of the plugin interface (the WIT package `ttrpg:plugin`) this SDK implements.
/// Written into every manifest as `api-version`; the host refuses a plugin whose API version
/// it does not support.
pub const API_VERSION: &str = "0.3.0";

impl ToolError {
    /// The arguments do not fit the tool.
    pub fn invalid_arguments(message: impl Into<String>) -> Self {
        ToolError::InvalidArguments(message.into())
    }

    /// Something the arguments name does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        ToolError::NotFound(message.into())
    }

    /// The tool could not do its work.
    pub fn failed(message: impl Into<String>) -> Self {
        ToolError::Failed(message.into())
    }

    /// The message the client sees.
    pub fn message(&self) -> &str {
        match self {
            ToolError::InvalidArguments(m) | ToolError::NotFound(m) | ToolError::Failed(m) => m,
        }
    }
}

impl HostError {
    /// The host's explanation.
    pub fn message(&self) -> &str {
        match self {
            HostError::NotGranted(m) | HostError::Invalid(m) | HostError::Failed(m) => m,
        }
    }

    /// Whether the call failed because its capability was not granted for this campaign.
    pub fn is_not_granted(&self) -> bool {
        matches!(self, HostError::NotGranted(_))
    }
}

/// A host refusal ends a tool call as [`ToolError::Failed`], keeping the host's words and
/// saying when a capability is missing, so `?` works on [`host`] calls inside a handler.
impl From<HostError> for ToolError {
    fn from(error: HostError) -> Self {
        ToolError::Failed(match error {
            HostError::NotGranted(m) => format!("a capability this tool needs is not granted: {m}"),
            HostError::Invalid(m) => format!("the host refused the request: {m}"),
            HostError::Failed(m) => format!("the host failed: {m}"),
        })
    }
}

impl SearchHit {
    /// The hit's payload (book, pages, section, record fields) parsed as JSON; an empty
    /// object when the host sent none or something that is not JSON.
    ///
    /// ```
    /// use ttrpg_plugin_sdk::SearchHit;
    ///
    /// let hit = SearchHit {
    ///     collection: "monsters".into(),
    ///     text: "Goblin".into(),
    ///     score: 1.0,
    ///     payload: r#"{"name": "Goblin"}"#.into(),
    /// };
    /// assert_eq!(hit.payload_value()["name"], "Goblin");
    /// ```
    pub fn payload_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
    }
}

impl GlossaryEntry {
    /// A term and what players call it instead.
    ///
    /// ```
    /// use ttrpg_plugin_sdk::GlossaryEntry;
    ///
    /// let prone = GlossaryEntry::new("prone", &["lying on the ground", "knocked down"]);
    /// assert_eq!(prone.aliases.len(), 2);
    /// ```
    pub fn new(term: impl Into<String>, aliases: &[&str]) -> Self {
        GlossaryEntry { term: term.into(), aliases: aliases.iter().map(|a| (*a).to_string()).collect() }
    }
}

impl PromptSpec {
    /// A prompt for the GM with no arguments yet; add them with [`PromptSpec::argument`]
    /// and open it to players with [`PromptSpec::for_players`].
    ///
    /// ```
    /// use ttrpg_plugin_sdk::PromptSpec;
    ///
    /// let recap = PromptSpec::new("recap", "Session recap", "Reads the last session back.")
    ///     .argument("session", "Which session (a number)", false);
    /// assert_eq!(recap.arguments[0].name, "session");
    /// ```
    pub fn new(name: impl Into<String>, title: impl Into<String>, description: impl Into<String>) -> Self {
        PromptSpec {
            name: name.into(),
            title: title.into(),
            description: description.into(),
            arguments: Vec::new(),
            role: ToolRole::Gm,
        }
    }

    /// Adds an argument.
    pub fn argument(
        mut self,
        name: impl Into<String>,
        description: impl Into<String>,
        required: bool,
    ) -> Self {
        self.arguments.push(PromptArgument { name: name.into(), description: description.into(), required });
        self
    }

    /// Lets every player at the table use it (the default is the GM only).
    pub fn for_players(mut self) -> Self {
        self.role = ToolRole::Player;
        self
    }
}

impl PromptMessage {
    /// A message the person says.
    pub fn user(text: impl Into<String>) -> Self {
        PromptMessage { speaker: PromptSpeaker::User, text: text.into() }
    }

    /// A message the model says.
    pub fn assistant(text: impl Into<String>) -> Self {
        PromptMessage { speaker: PromptSpeaker::Assistant, text: text.into() }
    }
}

impl CollectionSchema {
    /// A collection with no fields yet; add them with [`CollectionSchema::field`].
    ///
    /// ```
    /// use ttrpg_plugin_sdk::{CollectionSchema, FieldType};
    ///
    /// let monsters = CollectionSchema::new("monsters", "Monster stat blocks.")
    ///     .field("name", FieldType::Keyword, true, "The monster's name.")
    ///     .field("challenge_rating", FieldType::Float, true, "Challenge rating.");
    /// assert_eq!(monsters.fields.len(), 2);
    /// ```
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        CollectionSchema { name: name.into(), description: description.into(), fields: Vec::new() }
    }

    /// Adds a field; `indexed` asks the host to build an index to filter on it.
    pub fn field(
        mut self,
        name: impl Into<String>,
        field_type: FieldType,
        indexed: bool,
        description: impl Into<String>,
    ) -> Self {
        self.fields.push(Field { name: name.into(), field_type, indexed, description: description.into() });
        self
    }
}

/// Exports a [`Plugin`] implementation as the component's `plugin` interface.
///
/// Invoke it once, in the plugin crate's `lib.rs`, with a type that implements [`Plugin`] and
/// [`Default`]: `export_plugin!(MyPlugin);`. Each export builds a fresh value with
/// `Default::default()` and forwards to it; the manifest's version defaults to the invoking
/// crate's `CARGO_PKG_VERSION`, and an unknown tool name is answered with
/// [`ToolError::NotFound`] naming the plugin's tools.
///
/// The exports exist only when building for `wasm32` (`--target wasm32-wasip2`); a native
/// build of the plugin crate (its unit tests, `cargo test --workspace`) type-checks the
/// forwarding but exports nothing, since native linkers refuse the component's symbol names.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        const _: () = {
            use $crate::__private::wit;

            #[allow(dead_code)] // only exported in a wasm build
            struct TtrpgPluginExport;

            #[allow(dead_code)]
            fn instance() -> $plugin {
                <$plugin as ::core::default::Default>::default()
            }

            impl $crate::bindings::exports::ttrpg::plugin::plugin::Guest for TtrpgPluginExport {
                fn describe() -> wit::Manifest {
                    $crate::__private::describe(&instance(), env!("CARGO_PKG_VERSION"))
                }

                fn tools() -> ::std::vec::Vec<wit::ToolSpec> {
                    $crate::__private::tools(&instance())
                }

                fn call_tool(
                    context: wit::CallContext,
                    name: ::std::string::String,
                    arguments: ::std::string::String,
                ) -> ::core::result::Result<::std::string::String, wit::ToolError> {
                    $crate::__private::call_tool(&instance(), &context, &name, &arguments)
                }

                fn collections() -> ::std::vec::Vec<wit::CollectionSchema> {
                    $crate::Plugin::collections(&instance())
                }

                fn chunk_document(
                    document: wit::Document,
                ) -> ::core::option::Option<
                    ::core::result::Result<::std::vec::Vec<wit::Chunk>, ::std::string::String>,
                > {
                    $crate::Plugin::chunk(&instance(), &document)
                }

                fn dice_grammar() -> ::core::option::Option<::std::string::String> {
                    $crate::Plugin::dice_grammar(&instance())
                }

                fn glossary() -> ::std::vec::Vec<wit::GlossaryEntry> {
                    $crate::Plugin::glossary(&instance())
                }

                fn prompts() -> ::std::vec::Vec<wit::PromptSpec> {
                    $crate::Plugin::prompts(&instance())
                }

                fn get_prompt(
                    context: wit::CallContext,
                    name: ::std::string::String,
                    arguments: ::std::string::String,
                ) -> ::core::result::Result<::std::vec::Vec<wit::PromptMessage>, wit::ToolError> {
                    $crate::__private::get_prompt(&instance(), &context, &name, &arguments)
                }

                fn roll(
                    context: wit::CallContext,
                    expression: ::std::string::String,
                ) -> ::core::result::Result<wit::DiceRoll, ::std::string::String> {
                    $crate::Plugin::roll(&instance(), &context, &expression)
                }
            }

            // Only a wasm build exports: a native build (`cargo test --workspace`) would hand
            // the linker symbol names such as `ttrpg:plugin/plugin@0.3.0#describe`, which
            // native version scripts cannot express.
            #[cfg(target_arch = "wasm32")]
    $crate::bindings::export!(TtrpgPluginExport with_types_in $crate::bindings);
        };
    };
}

/// What [`export_plugin!`] expands to calls; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::ttrpg::plugin::types as wit;
    use crate::{Context, Plugin, ToolError};

    pub fn describe<P: Plugin>(plugin: &P, package_version: &str) -> wit::Manifest {
        plugin.manifest().to_wit(package_version)
    }

    pub fn tools<P: Plugin>(plugin: &P) -> Vec<wit::ToolSpec> {
        plugin.tools().iter().map(crate::Tool::spec).collect()
    }

    pub fn get_prompt<P: Plugin>(
        plugin: &P,
        context: &Context,
        name: &str,
        arguments: &str,
    ) -> Result<Vec<wit::PromptMessage>, ToolError> {
        let arguments: std::collections::BTreeMap<String, String> =
            serde_json::from_str(arguments).map_err(|err| {
                ToolError::InvalidArguments(format!("prompt arguments are not an object of strings: {err}"))
            })?;
        if !plugin.prompts().iter().any(|p| p.name == name) {
            let known: Vec<String> = plugin.prompts().into_iter().map(|p| p.name).collect();
            return Err(ToolError::NotFound(format!(
                "plugin `{}` has no prompt named `{name}`; it has: {}",
                plugin.manifest().id,
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )));
        }
        plugin.get_prompt(context, name, &arguments)
    }

    pub fn call_tool<P: Plugin>(
        plugin: &P,
        context: &Context,
        name: &str,
        arguments: &str,
    ) -> Result<String, ToolError> {
        let tools = plugin.tools();
        match tools.iter().find(|t| t.name() == name) {
            Some(tool) => tool.call(context, arguments),
            None => {
                let known: Vec<&str> = tools.iter().map(crate::Tool::name).collect();
                Err(ToolError::NotFound(format!(
                    "plugin `{}` has no tool named `{name}`; it has: {}",
                    plugin.manifest().id,
                    known.join(", ")
                )))
            }
        }
    }
}
