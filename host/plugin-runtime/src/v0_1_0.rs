//! API version 0.1.0: the bindings generated from `wit/0.1.0/` and the adapter between
//! them and the version-independent code. It holds no rules of its own: each host import
//! converts its arguments, calls [`crate::host_imports`] and maps the [`ServiceError`]
//! into the WIT `host-error`; each export converts the plugin's answer into
//! [`crate::raw`] types, which the runtime then checks.

use async_trait::async_trait;
use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::api::{ApiBinding, PreparedComponent};
use crate::error::RefusalKind;
use crate::host_imports;
use crate::model::{self, Capability, LogLevel, ToolRole};
use crate::raw::{RawChunk, RawDescription, RawManifest, RawRoll, RawTool, RawToolResult};
use crate::services::ServiceError;
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

/// Adds the host imports (and nothing-granted WASI) to a linker.
fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    GameSystem::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |state| state)?;
    Ok(())
}

/// Pre-links `component`; fails when it does not fit this API version.
fn prepare(
    linker: &Linker<PluginState>,
    component: &Component,
) -> wasmtime::Result<Box<dyn PreparedComponent>> {
    let pre = linker.instantiate_pre(component)?;
    Ok(Box::new(Prepared { pre: GameSystemPre::new(pre)? }))
}

/// A component pre-linked against this API version.
struct Prepared {
    pre: GameSystemPre<PluginState>,
}

impl Prepared {
    async fn instance(&self, store: &mut Store<PluginState>) -> wasmtime::Result<GameSystem> {
        self.pre.instantiate_async(store).await
    }
}

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
            manifest: RawManifest {
                id: manifest.id,
                version: manifest.version,
                system: manifest.system,
                name: manifest.name,
                description: manifest.description,
                api_version: manifest.api_version,
                capabilities: manifest.capabilities.into_iter().map(capability).collect(),
            },
            tools: tools
                .into_iter()
                .map(|t| RawTool {
                    name: t.name,
                    title: t.title,
                    description: t.description,
                    input_schema: t.input_schema,
                    output_schema: t.output_schema,
                    read_only: t.read_only,
                    destructive: t.destructive,
                    idempotent: t.idempotent,
                    // 0.1 has no roles: its plugins are GM-only.
                    role: ToolRole::Gm,
                })
                .collect(),
            collections: collections.into_iter().map(collection).collect(),
            dice_grammar,
        })
    }

    async fn call_tool(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<RawToolResult> {
        let instance = self.instance(store).await?;
        let result = instance
            .ttrpg_plugin_plugin()
            .call_call_tool(&mut *store, &call_context(context), name, arguments)
            .await?;
        Ok(result.map_err(|err| match err {
            wit::ToolError::InvalidArguments(m) => (RefusalKind::InvalidArguments, m),
            wit::ToolError::NotFound(m) => (RefusalKind::NotFound, m),
            wit::ToolError::Failed(m) => (RefusalKind::Failed, m),
        }))
    }

    async fn roll(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        expression: &str,
    ) -> wasmtime::Result<Result<RawRoll, String>> {
        let instance = self.instance(store).await?;
        let result =
            instance.ttrpg_plugin_plugin().call_roll(&mut *store, &call_context(context), expression).await?;
        Ok(result.map(|r| RawRoll {
            expression: r.expression,
            total: r.total,
            rendered: r.rendered,
            crit: match r.crit {
                wit::Crit::None => model::Crit::None,
                wit::Crit::Success => model::Crit::Success,
                wit::Crit::Failure => model::Crit::Failure,
            },
            detail: r.detail,
        }))
    }

    async fn chunk(
        &self,
        store: &mut Store<PluginState>,
        document: &model::Document,
    ) -> wasmtime::Result<Option<Result<Vec<RawChunk>, String>>> {
        let instance = self.instance(store).await?;
        let document = wit::Document {
            book: document.book.clone(),
            pages: document
                .pages
                .iter()
                .map(|p| wit::Page { number: p.number, text: p.text.clone() })
                .collect(),
        };
        let result = instance.ttrpg_plugin_plugin().call_chunk_document(&mut *store, &document).await?;
        Ok(result.map(|chunks| {
            chunks.map(|list| {
                list.into_iter()
                    .map(|c| RawChunk {
                        page_start: c.page_start,
                        page_end: c.page_end,
                        section_path: c.section_path,
                        content_type: c.content_type,
                        text: c.text,
                        metadata: c.metadata,
                    })
                    .collect()
            })
        }))
    }
}

fn call_context(context: &model::CallContext) -> wit::CallContext {
    wit::CallContext { campaign_id: context.campaign_id.clone(), session_id: context.session_id.clone() }
}

fn capability(c: wit::Capability) -> Capability {
    match c {
        wit::Capability::Log => Capability::Log,
        wit::Capability::Random => Capability::Random,
        wit::Capability::Kv => Capability::Kv,
        wit::Capability::Search => Capability::Search,
        wit::Capability::HostTools => Capability::HostTools,
    }
}

fn collection(c: wit::CollectionSchema) -> model::CollectionSchema {
    model::CollectionSchema {
        name: c.name,
        description: c.description,
        fields: c
            .fields
            .into_iter()
            .map(|f| model::Field {
                name: f.name,
                field_type: match f.field_type {
                    wit::FieldType::Text => model::FieldType::Text,
                    wit::FieldType::Keyword => model::FieldType::Keyword,
                    wit::FieldType::Integer => model::FieldType::Integer,
                    wit::FieldType::Float => model::FieldType::Float,
                    wit::FieldType::Boolean => model::FieldType::Boolean,
                    wit::FieldType::Json => model::FieldType::Json,
                },
                indexed: f.indexed,
                description: f.description,
            })
            .collect(),
    }
}

/// What API 0.1.0 tells a plugin when a host function refuses. 0.1.0 has three cases: a
/// request a plugin may not make is `invalid` (granting more would not help), a function
/// not offered in this call is `failed`.
fn host_error(error: ServiceError) -> HostError {
    match error {
        ServiceError::NotGranted { .. } => HostError::NotGranted(error.to_string()),
        ServiceError::Invalid(message) | ServiceError::Forbidden(message) => HostError::Invalid(message),
        ServiceError::QuotaExceeded { .. } => HostError::Invalid(error.to_string()),
        ServiceError::Unavailable(message) | ServiceError::Failed(message) => HostError::Failed(message),
    }
}

impl wit::Host for PluginState {}

impl wit_host::Host for PluginState {
    async fn log(&mut self, level: wit_host::LogLevel, message: String) -> Result<(), HostError> {
        let level = match level {
            wit_host::LogLevel::Trace => LogLevel::Trace,
            wit_host::LogLevel::Debug => LogLevel::Debug,
            wit_host::LogLevel::Info => LogLevel::Info,
            wit_host::LogLevel::Warn => LogLevel::Warn,
            wit_host::LogLevel::Error => LogLevel::Error,
        };
        host_imports::log(self, level, &message).map_err(host_error)
    }

    async fn random_u64(&mut self) -> Result<u64, HostError> {
        host_imports::random_u64(self).map_err(host_error)
    }

    async fn roll_faces(&mut self, sides: u32, count: u32) -> Result<Vec<u32>, HostError> {
        host_imports::roll_faces(self, sides, count).map_err(host_error)
    }

    async fn kv_get(&mut self, key: String) -> Result<Option<Vec<u8>>, HostError> {
        host_imports::kv_get(self, &key).await.map_err(host_error)
    }

    async fn kv_set(&mut self, key: String, value: Vec<u8>) -> Result<(), HostError> {
        host_imports::kv_set(self, &key, value).await.map_err(host_error)
    }

    async fn kv_delete(&mut self, key: String) -> Result<bool, HostError> {
        host_imports::kv_delete(self, &key).await.map_err(host_error)
    }

    async fn kv_list(&mut self, prefix: String) -> Result<Vec<String>, HostError> {
        host_imports::kv_list(self, &prefix).await.map_err(host_error)
    }

    async fn search(
        &mut self,
        collection: String,
        query: String,
        filter: String,
        limit: u32,
    ) -> Result<Vec<wit::SearchHit>, HostError> {
        let hits =
            host_imports::search(self, &collection, &query, &filter, limit).await.map_err(host_error)?;
        Ok(hits
            .into_iter()
            .map(|h| wit::SearchHit {
                collection: h.collection,
                text: h.text,
                score: h.score,
                payload: h.payload.to_string(),
            })
            .collect())
    }

    async fn call_tool(&mut self, name: String, arguments: String) -> Result<String, HostError> {
        let result = host_imports::call_tool(self, &name, &arguments).await.map_err(host_error)?;
        Ok(result.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_become_the_three_host_errors_of_0_1() {
        let not_granted =
            ServiceError::NotGranted { function: "kv-get", capability: Capability::Kv, plugin: "p".into() };
        assert!(matches!(host_error(not_granted), HostError::NotGranted(m) if m.contains("`kv`")));
        assert!(matches!(host_error(ServiceError::Invalid("a".into())), HostError::Invalid(m) if m == "a"));
        assert!(matches!(host_error(ServiceError::Forbidden("b".into())), HostError::Invalid(m) if m == "b"));
        assert!(
            matches!(host_error(ServiceError::Unavailable("c".into())), HostError::Failed(m) if m == "c")
        );
        assert!(matches!(host_error(ServiceError::Failed("d".into())), HostError::Failed(m) if m == "d"));
        let full =
            ServiceError::QuotaExceeded { plugin: "p".into(), quota: 1 << 20, would_hold: (1 << 20) + 1 };
        assert!(
            matches!(host_error(full), HostError::Invalid(m) if m.contains("quota") && m.contains("1024 KiB"))
        );
    }
}
