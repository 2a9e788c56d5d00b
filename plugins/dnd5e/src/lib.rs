//! The D&D 5e (SRD 5.1) game-system plugin of the TTRPG MCP server.
//!
//! - Collections ([`collections`]): `monsters`, `spells`, `conditions`, `rules`, with the
//!   field names the host's Open5e import writes.
//! - Tools (`tools`): `monster_lookup`, `monster_search`, `spell_lookup`, `spell_search`,
//!   `encounter_builder`, `add_monster_to_initiative`; clients see them as `dnd5e__<name>`.
//! - Dice ([`dice`]): avrae's d20 notation through the workspace's `ttrpg-dice` engine, plus
//!   `adv`/`dis` and `crit` shorthands; faces come from the host's seeded `roll-faces`.
//! - A glossary ([`glossary`]): the SRD's terms and what players call them, for rules search.
//! - A prompt (`prompts`): `monster_tactics`, a monster's stat block and a request to plan its fight.
//! - Encounter tables ([`encounter`]) and record helpers ([`records`]): pure, unit-tested natively.
//! - A chunker ([`chunker`]) for 5e books: stat blocks and spell entries become typed
//!   `monsters` and `spells` chunks, condition definitions `conditions` chunks, the rest
//!   `rules` chunks by heading section.
//!
//! SRD 5.1 content is © Wizards of the Coast LLC, CC-BY-4.0; tool results that show it carry
//! [`records::SRD_ATTRIBUTION`].

#![warn(missing_docs)]

pub mod chunker;
pub mod collections;
pub mod dice;
pub mod encounter;
pub mod glossary;
mod prompts;
pub mod records;
mod tools;

use std::collections::BTreeMap;

use ttrpg_dice::{DiceLimits, FaceSource};
use ttrpg_plugin_sdk::{
    Capability, Chunk, CollectionSchema, Context, DiceRoll, Document, GlossaryEntry, HostError, Manifest,
    Plugin, PromptMessage, PromptSpec, Tool, ToolError, export_plugin, host,
};

/// The plugin. It holds nothing: every call runs in a fresh sandbox.
#[derive(Default)]
pub struct Dnd5ePlugin;

impl Plugin for Dnd5ePlugin {
    fn manifest(&self) -> Manifest {
        Manifest::new(
            "dnd5e",
            "dnd5e",
            "D&D 5e (SRD 5.1)",
            "Dungeons & Dragons 5th edition from the SRD 5.1: monster and spell lookup and search \
             over the campaign's imported collections, an encounter builder with the 5e XP tables, \
             adding monsters to the initiative tracker, and the 5e dice grammar (avrae d20 notation \
             with adv/dis and crit). SRD 5.1 by Wizards of the Coast LLC, CC-BY-4.0.",
        )
        .capabilities([Capability::Log, Capability::Search, Capability::HostTools])
    }

    fn tools(&self) -> Vec<Tool> {
        tools::all()
    }

    fn collections(&self) -> Vec<CollectionSchema> {
        collections::all()
    }

    fn chunk(&self, document: &Document) -> Option<Result<Vec<Chunk>, String>> {
        Some(chunker::chunk(document))
    }

    fn glossary(&self) -> Vec<GlossaryEntry> {
        glossary::all()
    }

    fn prompts(&self) -> Vec<PromptSpec> {
        prompts::all()
    }

    fn get_prompt(
        &self,
        context: &Context,
        name: &str,
        arguments: &BTreeMap<String, String>,
    ) -> Result<Vec<PromptMessage>, ToolError> {
        prompts::get(context, name, arguments)
    }

    fn dice_grammar(&self) -> Option<String> {
        Some(dice::GRAMMAR.to_owned())
    }

    fn roll(&self, _context: &Context, expression: &str) -> Result<DiceRoll, String> {
        let limits = DiceLimits::default();
        let prepared = dice::prepare(expression, &limits)?;
        let mut faces = HostFaces::new(prepared.dice_by_sides());
        let roll = dice::roll(&prepared, &mut faces, &limits);
        match faces.error {
            Some(error) => Err(format!("rolling `{expression}`: the host gave no dice: {}", error.message())),
            None => roll,
        }
    }
}

/// Die faces from `host::roll_faces`, fetched in one batch per die size for the dice the
/// expression names, then in small batches for rerolls and explosions. The host's source is
/// seeded per roll, so the same seed replays the same faces.
struct HostFaces {
    /// Dice of each size still expected from the expression's counts.
    expected: BTreeMap<u32, u32>,
    /// Faces fetched and not used yet, by size (used from the back).
    buffered: BTreeMap<u32, Vec<u32>>,
    /// The first host refusal; the roll is then discarded.
    error: Option<HostError>,
}

impl HostFaces {
    /// Faces for rerolls and explosions are fetched this many at a time.
    const EXTRA_BATCH: u32 = 16;

    fn new(expected: BTreeMap<u32, u32>) -> Self {
        HostFaces { expected, buffered: BTreeMap::new(), error: None }
    }
}

impl FaceSource for HostFaces {
    fn face(&mut self, sides: u32) -> u32 {
        if self.error.is_some() {
            return 1;
        }
        let buffer = self.buffered.entry(sides).or_default();
        if buffer.is_empty() {
            let expected = self.expected.remove(&sides).unwrap_or(0);
            let count = if expected == 0 { Self::EXTRA_BATCH } else { expected.min(10_000) };
            match host::roll_faces(sides, count) {
                Ok(mut faces) if !faces.is_empty() => {
                    faces.reverse();
                    *buffer = faces;
                }
                Ok(_) => self.error = Some(HostError::Failed("roll-faces returned no faces".into())),
                Err(error) => self.error = Some(error),
            }
        }
        buffer.pop().unwrap_or(1)
    }
}

export_plugin!(Dnd5ePlugin);
