//! API version 0.1.0: the bindings generated from `wit/0.1.0/` and the adapter between
//! them and the version-independent code. It holds no rules of its own: each host import
//! converts its arguments, calls [`crate::host_imports`] and maps the
//! [`ServiceError`](crate::services::ServiceError) into the WIT `host-error`; each export
//! converts the plugin's answer into [`crate::raw`] types, which the runtime then checks.
//! What every version shares is written once, in [`crate::adapter`].
//!
//! 0.1.0 has no tool roles (every tool is [`ToolRole::Gm`](model::ToolRole::Gm)), no
//! glossary and no prompts.

use async_trait::async_trait;
use wasmtime::Store;

use crate::adapter::shared_adapter;
use crate::api::{ApiBinding, PreparedComponent};
use crate::model;
use crate::raw::{RawChunk, RawDescription, RawRoll, RawToolResult};
use crate::state::PluginState;

wasmtime::component::bindgen!({
    path: "../../wit/0.1.0",
    world: "game-system",
    imports: { default: async },
    exports: { default: async },
});

use ttrpg::plugin::host::{self as wit_host, HostError};
use ttrpg::plugin::types as wit;

/// This version's line in the runtime's version table.
pub(crate) const BINDING: ApiBinding = ApiBinding { version: "0.1.0", add_to_linker, prepare };

shared_adapter!("0.1.0");

#[async_trait]
impl PreparedComponent for Prepared {
    async fn describe(&self, store: &mut Store<PluginState>) -> wasmtime::Result<RawDescription> {
        let instance = self.instance(store).await?;
        let plugin = instance.ttrpg_plugin_plugin();
        let manifest = plugin.call_describe(&mut *store).await?;
        let tools = plugin.call_tools(&mut *store).await?;
        let collections = plugin.call_collections(&mut *store).await?;
        let dice_grammar = plugin.call_dice_grammar(&mut *store).await?;
        Ok(RawDescription {
            manifest: self::manifest(manifest),
            tools: tools.into_iter().map(|t| raw_tool(t, model::ToolRole::Gm)).collect(), // 0.1 has no roles
            collections: collections.into_iter().map(collection).collect(),
            dice_grammar,
            glossary: Vec::new(),
            prompts: Vec::new(),
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
}
