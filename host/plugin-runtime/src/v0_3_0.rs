//! API version 0.3.0: the bindings generated from `wit/0.3.0/` and the adapter between
//! them and the version-independent code (what every version shares is in
//! [`crate::adapter`]).
//!
//! What 0.3.0 added to 0.2.0, all exports: `glossary` (the system's terms and what players
//! call them, converted into [`GlossaryEntry`](model::GlossaryEntry)), `prompts` (prompt
//! templates, [`PromptSpec`](model::PromptSpec)) and `get-prompt`. The host imports and
//! every 0.2.0 type are unchanged.

use async_trait::async_trait;
use wasmtime::Store;

use crate::adapter::shared_adapter;
use crate::api::{ApiBinding, PreparedComponent};
use crate::model;
use crate::raw::RawPromptResult;
use crate::raw::{RawChunk, RawDescription, RawRoll, RawToolResult};
use crate::state::PluginState;

wasmtime::component::bindgen!({
    path: "../../wit/0.3.0",
    world: "game-system",
    imports: { default: async },
    exports: { default: async },
});

use ttrpg::plugin::host::{self as wit_host, HostError};
use ttrpg::plugin::types as wit;

/// This version's line in the runtime's version table.
pub(crate) const BINDING: ApiBinding = ApiBinding { version: "0.3.0", add_to_linker, prepare };

shared_adapter!("0.3.0");

#[async_trait]
impl PreparedComponent for Prepared {
    async fn describe(&self, store: &mut Store<PluginState>) -> wasmtime::Result<RawDescription> {
        let instance = self.instance(store).await?;
        let plugin = instance.ttrpg_plugin_plugin();
        let manifest = plugin.call_describe(&mut *store).await?;
        let tools = plugin.call_tools(&mut *store).await?;
        let collections = plugin.call_collections(&mut *store).await?;
        let dice_grammar = plugin.call_dice_grammar(&mut *store).await?;
        let glossary = plugin.call_glossary(&mut *store).await?;
        let prompts = plugin.call_prompts(&mut *store).await?;
        Ok(RawDescription {
            manifest: self::manifest(manifest),
            tools: tools
                .into_iter()
                .map(|t| {
                    let role = tool_role(t.role);
                    raw_tool(t, role)
                })
                .collect(),
            collections: collections.into_iter().map(collection).collect(),
            dice_grammar,
            glossary: glossary
                .into_iter()
                .map(|g| model::GlossaryEntry { term: g.term, aliases: g.aliases })
                .collect(),
            prompts: prompts.into_iter().map(prompt_spec).collect(),
        })
    }

    async fn call_tool(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<RawToolResult> {
        self.shared_call_tool(store, context, name, arguments).await
    }

    async fn roll(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        expression: &str,
    ) -> wasmtime::Result<Result<RawRoll, String>> {
        self.shared_roll(store, context, expression).await
    }

    async fn chunk(
        &self,
        store: &mut Store<PluginState>,
        document: &model::Document,
    ) -> wasmtime::Result<Option<Result<Vec<RawChunk>, String>>> {
        self.shared_chunk(store, document).await
    }

    async fn get_prompt(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<RawPromptResult> {
        let instance = self.instance(store).await?;
        let result = instance
            .ttrpg_plugin_plugin()
            .call_get_prompt(&mut *store, &call_context(context), name, arguments)
            .await?;
        Ok(result
            .map(|messages| {
                messages
                    .into_iter()
                    .map(|m| model::PromptMessage {
                        speaker: match m.speaker {
                            wit::PromptSpeaker::User => model::PromptSpeaker::User,
                            wit::PromptSpeaker::Assistant => model::PromptSpeaker::Assistant,
                        },
                        text: m.text,
                    })
                    .collect()
            })
            .map_err(tool_error))
    }
}

fn tool_role(role: wit::ToolRole) -> model::ToolRole {
    match role {
        wit::ToolRole::Gm => model::ToolRole::Gm,
        wit::ToolRole::Player => model::ToolRole::Player,
    }
}

fn prompt_spec(p: wit::PromptSpec) -> model::PromptSpec {
    model::PromptSpec {
        name: p.name,
        title: p.title,
        description: p.description,
        arguments: p
            .arguments
            .into_iter()
            .map(|a| model::PromptArgument { name: a.name, description: a.description, required: a.required })
            .collect(),
        role: tool_role(p.role),
    }
}
