//! Fate Core for the TTRPG MCP server (plugin id `fate`, system `fate`).
//!
//! - Dice ([`dice`]): `4dF`, `4dF+3`, `4dF + Good`, `4dF+2 vs Fair`: Fate dice plus modifiers,
//!   read on the adjective ladder, with shifts and outcome against an opposition.
//! - Collections: `aspects`, `stunts`, `skills`, `rules`.
//! - A chunker ([`chunker`]) that turns skill blocks into `skills` records and the rest into
//!   `rules` sections.
//! - Tools: `ladder`, `resolve` (pure), `create_aspect`, `list_aspects`, `invoke_aspect`,
//!   `remove_aspect`, `stress_track` (the campaign's aspects and stress tracks, in the
//!   plugin's key-value space: needs `kv`).
//!
//! Tools never roll: only `roll` gets dice from the host. `resolve` takes the dice of a roll
//! already made.

pub mod aspects;
pub mod chunker;
pub mod dice;
pub mod ladder;
pub mod stress;
pub mod tools;

use ttrpg_plugin_sdk::{
    Capability, Chunk, CollectionSchema, Context, DiceRoll, Document, FieldType, Manifest, Plugin, Tool,
    ToolHints, export_plugin, tool,
};

/// The plugin. It holds nothing: every call runs in a fresh sandbox.
#[derive(Default)]
pub struct FatePlugin;

impl Plugin for FatePlugin {
    fn manifest(&self) -> Manifest {
        Manifest::new(
            "fate",
            "fate",
            "Fate Core",
            "Fate Core: 4dF rolls read on the adjective ladder (4dF+Good vs Fair gives shifts and \
             outcome), skills, stunts and aspects as searchable collections, a chunker for Fate \
             books, and the campaign's aspects with their free invokes.",
        )
        .capabilities([Capability::Log, Capability::Kv])
    }

    fn tools(&self) -> Vec<Tool> {
        // Reading the ladder and resolving one's own roll are a player's helpers, so they are
        // player tools; aspects and stress tracks are the campaign's shared state (and the GM
        // may keep aspects the players have not discovered), so those tools stay with the GM.
        vec![
            tool(
                "ladder",
                "Fate ladder",
                "Reads the adjective ladder both ways: a number gives its adjective (3 → Good), a word \
                 gives its number (Great → 4). Past the ends: Legendary+N, Terrible-N.",
                ToolHints::READ,
                tools::ladder,
            )
            .for_players(),
            tool(
                "resolve",
                "Resolve an action",
                "Resolves an action from a roll already made: skill + dice (+ bonus, e.g. +2 per \
                 invoke) against the opposition, giving shifts and the outcome (fail, tie, succeed, \
                 succeed with style at 3+ shifts). This tool cannot roll: pass the faces in `dice` or \
                 their sum in `dice_total` (roll 4dF with the campaign's dice first).",
                ToolHints::READ,
                tools::resolve,
            )
            .for_players(),
            tool(
                "create_aspect",
                "Create an aspect",
                "Stores an aspect (high concept, trouble, situation, character or game) in this \
                 campaign, with free invokes (1 from creating an advantage, 2 with style); replaces one \
                 of the same name. Needs the `kv` capability.",
                ToolHints::OVERWRITE,
                aspects::create,
            ),
            tool(
                "list_aspects",
                "List aspects",
                "Lists this campaign's aspects with their free invokes, optionally of one kind. Needs \
                 the `kv` capability.",
                ToolHints::READ,
                aspects::list,
            ),
            tool(
                "invoke_aspect",
                "Invoke an aspect",
                "Invokes an aspect: spends one of its free invokes, or says a fate point is due when it \
                 has none. Needs the `kv` capability.",
                ToolHints::WRITE,
                aspects::invoke,
            ),
            tool(
                "remove_aspect",
                "Remove an aspect",
                "Removes an aspect from this campaign (a situation aspect that no longer applies). \
                 Needs the `kv` capability.",
                ToolHints::OVERWRITE,
                aspects::remove,
            ),
            tool(
                "stress_track",
                "Stress track",
                "A character's physical or mental stress track: `show` it, `hit` it with a number of \
                 shifts (checks the box worth that much, or the next free higher one, and says when a \
                 consequence is needed), `clear` it after a conflict, or `resize` it (2 boxes by \
                 default). Needs the `kv` capability.",
                ToolHints::DESTRUCTIVE,
                stress::stress_track,
            ),
        ]
    }

    fn collections(&self) -> Vec<CollectionSchema> {
        vec![
            CollectionSchema::new("aspects", "Aspects: phrases that describe something and can be invoked.")
                .field("name", FieldType::Keyword, true, "The aspect's text.")
                .field(
                    "kind",
                    FieldType::Keyword,
                    true,
                    "high_concept, trouble, situation, character or game.",
                )
                .field("description", FieldType::Text, false, "What it means and when it applies.")
                .field("invokes_free", FieldType::Integer, true, "Free invokes on it."),
            CollectionSchema::new("stunts", "Stunts: special abilities tied to a skill.")
                .field("name", FieldType::Keyword, true, "The stunt's name.")
                .field("skill", FieldType::Keyword, true, "The skill it modifies.")
                .field("description", FieldType::Text, false, "What it does.")
                .field("cost", FieldType::Integer, true, "Refresh it costs (usually 1)."),
            CollectionSchema::new("skills", "Skills and what each of the four actions does with them.")
                .field("name", FieldType::Keyword, true, "The skill's name.")
                .field("overcome", FieldType::Text, false, "Using it to overcome obstacles.")
                .field("create_advantage", FieldType::Text, false, "Using it to create an advantage.")
                .field("attack", FieldType::Text, false, "Using it to attack.")
                .field("defend", FieldType::Text, false, "Using it to defend.")
                .field("description", FieldType::Text, false, "What the skill covers."),
            CollectionSchema::new("rules", "Rules text, one heading section at a time.")
                .field("name", FieldType::Keyword, true, "The section's heading.")
                .field("section", FieldType::Keyword, true, "The headings above it, joined with \" > \".")
                .field("description", FieldType::Text, false, "The rule's text."),
        ]
    }

    fn chunk(&self, document: &Document) -> Option<Result<Vec<Chunk>, String>> {
        Some(chunker::chunk(document))
    }

    fn dice_grammar(&self) -> Option<String> {
        Some(dice::GRAMMAR.to_owned())
    }

    fn roll(&self, _context: &Context, expression: &str) -> Result<DiceRoll, String> {
        dice::roll(expression)
    }
}

export_plugin!(FatePlugin);
