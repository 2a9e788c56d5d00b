//! API version 0.1.0: the bindings generated from `wit/0.1.0/`, the host imports, and the
//! adapter from generated types into [`crate::model`].
//!
//! A later API version adds a module like this one (its own `bindgen!` and adapter); the
//! runtime picks the module from the version the component exports.

use rand::Rng;
use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::model::{self, Capability, LogLevel};
use crate::state::{MAX_FACES, MAX_KV_KEY, MAX_KV_LIST, MAX_KV_VALUE, MAX_SEARCH_HITS, PluginState};

wasmtime::component::bindgen!({
    path: "../../wit/0.1.0",
    world: "game-system",
    imports: { default: async },
    exports: { default: async },
});

use ttrpg::plugin::host::{self as wit_host, HostError};
use ttrpg::plugin::types as wit;

/// The API version this module implements.
pub(crate) const VERSION: &str = "0.1.0";

/// Adds the host imports (and nothing-granted WASI) to a linker.
pub(crate) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    GameSystem::add_to_linker::<PluginState, HasSelf<PluginState>>(linker, |state| state)?;
    Ok(())
}

/// A component pre-linked against this API version.
pub(crate) struct Prepared {
    pre: GameSystemPre<PluginState>,
}

impl Prepared {
    /// Pre-links `component`; fails when it does not fit this API version.
    pub(crate) fn new(linker: &Linker<PluginState>, component: &Component) -> wasmtime::Result<Self> {
        let pre = linker.instantiate_pre(component)?;
        Ok(Prepared { pre: GameSystemPre::new(pre)? })
    }

    async fn instance(&self, store: &mut Store<PluginState>) -> wasmtime::Result<GameSystem> {
        self.pre.instantiate_async(store).await
    }

    /// Calls `describe`, `tools`, `collections` and `dice-grammar` in one instance.
    pub(crate) async fn describe(&self, store: &mut Store<PluginState>) -> wasmtime::Result<RawDescription> {
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
                })
                .collect(),
            collections: collections.into_iter().map(collection).collect(),
            dice_grammar,
        })
    }

    /// Calls a tool; `Ok(Err((kind, message)))` is the plugin's own tool error.
    pub(crate) async fn call_tool(
        &self,
        store: &mut Store<PluginState>,
        context: &model::CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<Result<String, (&'static str, String)>> {
        let instance = self.instance(store).await?;
        let result = instance
            .ttrpg_plugin_plugin()
            .call_call_tool(&mut *store, &call_context(context), name, arguments)
            .await?;
        Ok(result.map_err(|err| match err {
            wit::ToolError::InvalidArguments(m) => ("invalid-arguments", m),
            wit::ToolError::NotFound(m) => ("not-found", m),
            wit::ToolError::Failed(m) => ("failed", m),
        }))
    }

    /// Rolls an expression in the plugin's grammar.
    pub(crate) async fn roll(
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

    /// Runs the plugin's chunker; `None` when it leaves chunking to the host.
    pub(crate) async fn chunk(
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

/// What `describe` and friends returned, before validation.
pub(crate) struct RawDescription {
    pub(crate) manifest: RawManifest,
    pub(crate) tools: Vec<RawTool>,
    pub(crate) collections: Vec<model::CollectionSchema>,
    pub(crate) dice_grammar: Option<String>,
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

/// A tool spec before validation.
pub(crate) struct RawTool {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) input_schema: String,
    pub(crate) output_schema: String,
    pub(crate) read_only: bool,
    pub(crate) destructive: bool,
    pub(crate) idempotent: bool,
}

/// A roll before validation.
pub(crate) struct RawRoll {
    pub(crate) expression: String,
    pub(crate) total: i64,
    pub(crate) rendered: String,
    pub(crate) crit: model::Crit,
    pub(crate) detail: String,
}

/// A chunk before validation.
pub(crate) struct RawChunk {
    pub(crate) page_start: u32,
    pub(crate) page_end: u32,
    pub(crate) section_path: Vec<String>,
    pub(crate) content_type: String,
    pub(crate) text: String,
    pub(crate) metadata: String,
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

impl wit::Host for PluginState {}

impl wit_host::Host for PluginState {
    async fn log(&mut self, level: wit_host::LogLevel, message: String) -> Result<(), HostError> {
        self.require(Capability::Log, "log").map_err(HostError::NotGranted)?;
        let level = match level {
            wit_host::LogLevel::Trace => LogLevel::Trace,
            wit_host::LogLevel::Debug => LogLevel::Debug,
            wit_host::LogLevel::Info => LogLevel::Info,
            wit_host::LogLevel::Warn => LogLevel::Warn,
            wit_host::LogLevel::Error => LogLevel::Error,
        };
        PluginState::log(self, level, &message);
        Ok(())
    }

    async fn random_u64(&mut self) -> Result<u64, HostError> {
        self.require(Capability::Random, "random-u64").map_err(HostError::NotGranted)?;
        Ok(self.rng.random())
    }

    async fn roll_faces(&mut self, sides: u32, count: u32) -> Result<Vec<u32>, HostError> {
        self.require(Capability::Random, "roll-faces").map_err(HostError::NotGranted)?;
        if sides == 0 {
            return Err(HostError::Invalid("roll-faces: a die needs at least 1 side".into()));
        }
        if count > MAX_FACES {
            return Err(HostError::Invalid(format!(
                "roll-faces: {count} faces asked; at most {MAX_FACES} per call"
            )));
        }
        Ok((0..count).map(|_| self.rng.random_range(1..=sides)).collect())
    }

    async fn kv_get(&mut self, key: String) -> Result<Option<Vec<u8>>, HostError> {
        self.require(Capability::Kv, "kv-get").map_err(HostError::NotGranted)?;
        check_key(&key)?;
        let campaign = self.campaign("kv-get").map_err(HostError::Invalid)?.to_string();
        self.services.kv_get(&self.plugin_id, &campaign, &key).await.map_err(HostError::Failed)
    }

    async fn kv_set(&mut self, key: String, value: Vec<u8>) -> Result<(), HostError> {
        self.require(Capability::Kv, "kv-set").map_err(HostError::NotGranted)?;
        check_key(&key)?;
        if value.len() > MAX_KV_VALUE {
            return Err(HostError::Invalid(format!(
                "kv-set: value of {} bytes; at most {MAX_KV_VALUE} are accepted",
                value.len()
            )));
        }
        let campaign = self.campaign("kv-set").map_err(HostError::Invalid)?.to_string();
        self.services.kv_set(&self.plugin_id, &campaign, &key, value).await.map_err(HostError::Failed)
    }

    async fn kv_delete(&mut self, key: String) -> Result<bool, HostError> {
        self.require(Capability::Kv, "kv-delete").map_err(HostError::NotGranted)?;
        check_key(&key)?;
        let campaign = self.campaign("kv-delete").map_err(HostError::Invalid)?.to_string();
        self.services.kv_delete(&self.plugin_id, &campaign, &key).await.map_err(HostError::Failed)
    }

    async fn kv_list(&mut self, prefix: String) -> Result<Vec<String>, HostError> {
        self.require(Capability::Kv, "kv-list").map_err(HostError::NotGranted)?;
        check_key(&prefix)?;
        let campaign = self.campaign("kv-list").map_err(HostError::Invalid)?.to_string();
        self.services
            .kv_list(&self.plugin_id, &campaign, &prefix, MAX_KV_LIST)
            .await
            .map_err(HostError::Failed)
    }

    async fn search(
        &mut self,
        collection: String,
        query: String,
        filter: String,
        limit: u32,
    ) -> Result<Vec<wit::SearchHit>, HostError> {
        self.require(Capability::Search, "search").map_err(HostError::NotGranted)?;
        let campaign = self.campaign("search").map_err(HostError::Invalid)?.to_string();
        let limit = limit.clamp(1, MAX_SEARCH_HITS) as usize;
        let filter = match filter.trim() {
            "" => serde_json::Value::Object(Default::default()),
            text => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value @ serde_json::Value::Object(_)) => value,
                _ => {
                    return Err(HostError::Invalid(format!(
                        "search: filter must be a JSON object, got {text:?}"
                    )));
                }
            },
        };
        let hits = self
            .services
            .search(&campaign, &collection, &query, &filter, limit)
            .await
            .map_err(HostError::Failed)?;
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
        self.require(Capability::HostTools, "call-tool").map_err(HostError::NotGranted)?;
        let campaign = self.campaign("call-tool").map_err(HostError::Invalid)?.to_string();
        let arguments = match serde_json::from_str::<serde_json::Value>(&arguments) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => {
                return Err(HostError::Invalid(format!("call-tool {name}: arguments must be a JSON object")));
            }
        };
        let session = self.session_id.clone();
        let result = self
            .services
            .call_host_tool(&campaign, session.as_deref(), &name, arguments)
            .await
            .map_err(HostError::Failed)?;
        Ok(result.to_string())
    }
}

fn check_key(key: &str) -> Result<(), HostError> {
    if key.len() > MAX_KV_KEY {
        Err(HostError::Invalid(format!("key of {} bytes; at most {MAX_KV_KEY} are accepted", key.len())))
    } else {
        Ok(())
    }
}
