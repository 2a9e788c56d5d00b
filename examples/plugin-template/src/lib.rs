//! A template plugin for the TTRPG MCP server: copy this crate to start your own.
//!
//! It offers two tools, `greet` (pure computation, a GM tool) and `coin_flip` (randomness
//! from the host, which needs the `random` capability; a player tool), and defines one
//! collection, `npcs`. Clients see the tools as `template__greet` and `template__coin_flip`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_plugin_sdk::{
    Capability, CollectionSchema, Context, FieldType, Manifest, NoArgs, Plugin, Tool, ToolError, ToolHints,
    export_plugin, host, tool,
};

/// The plugin. It holds nothing: every call runs in a fresh sandbox.
#[derive(Default)]
struct TemplatePlugin;

impl Plugin for TemplatePlugin {
    fn manifest(&self) -> Manifest {
        // The version comes from Cargo.toml; the API version is filled in by the SDK.
        Manifest::new(
            "template",
            "generic",
            "Plugin template",
            "A starting point for plugins: greets people and flips coins.",
        )
        .capability(Capability::Random)
    }

    fn tools(&self) -> Vec<Tool> {
        vec![
            // A tool is for the game master unless marked `.for_players()`.
            tool(
                "greet",
                "Greet someone",
                "Returns a friendly greeting for `name`. Use it to check that the plugin answers.",
                ToolHints::READ,
                greet,
            ),
            tool(
                "coin_flip",
                "Flip a coin",
                "Flips a fair coin with the server's (seedable, auditable) randomness and says \
                 heads or tails. Needs the `random` capability granted for the campaign.",
                // Not idempotent: each call gives a new flip.
                ToolHints { read_only: true, destructive: false, idempotent: false },
                coin_flip,
            )
            // Anyone at the table may flip a coin: it reveals nothing and changes nothing shared.
            .for_players(),
        ]
    }

    fn collections(&self) -> Vec<CollectionSchema> {
        vec![
            CollectionSchema::new("npcs", "Non-player characters of the campaign's setting.")
                .field("name", FieldType::Keyword, true, "The NPC's name.")
                .field("faction", FieldType::Keyword, true, "Who the NPC answers to.")
                .field("level", FieldType::Integer, true, "Rough power level, 1 to 20.")
                .field("description", FieldType::Text, false, "Looks, manner and secrets."),
        ]
    }
}

/// Arguments of `greet`. Field doc comments become the descriptions clients read.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GreetArgs {
    /// Who to greet, e.g. "Aragorn".
    name: String,
}

/// Result of `greet`.
#[derive(Serialize, JsonSchema)]
struct Greeting {
    /// The greeting.
    greeting: String,
}

fn greet(_ctx: &Context, args: GreetArgs) -> Result<Greeting, ToolError> {
    let name = args.name.trim();
    if name.is_empty() {
        return Err(ToolError::invalid_arguments("`name` is empty: say who to greet"));
    }
    Ok(Greeting { greeting: format!("Well met, {name}!") })
}

/// Result of `coin_flip`.
#[derive(Serialize, JsonSchema)]
struct CoinFlip {
    /// `heads` or `tails`.
    side: String,
}

fn coin_flip(_ctx: &Context, _args: NoArgs) -> Result<CoinFlip, ToolError> {
    let faces = host::roll_faces(2, 1).map_err(|e| {
        if e.is_not_granted() {
            ToolError::failed(
                "coin_flip needs the `random` capability: enable the plugin for this campaign \
                 with grants [\"random\"]",
            )
        } else {
            ToolError::from(e)
        }
    })?;
    let side = if faces.first() == Some(&1) { "heads" } else { "tails" };
    Ok(CoinFlip { side: side.to_owned() })
}

export_plugin!(TemplatePlugin);
