//! A loaded plugin: its validated description and the pre-linked component every call
//! instantiates in a fresh, limited store.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;
use wasmtime::{Engine, Store};

use crate::api::PreparedComponent;
use crate::config::RuntimeConfig;
use crate::error::{CallError, RefusalKind};
use crate::limits::MAX_TABLE_ELEMENTS;
use crate::model::{
    CallContext, Capability, Chunk, CollectionSchema, Document, GlossaryEntry, Manifest, PluginRoll,
    PluginToolSpec, PromptMessage, PromptSpec,
};
use crate::services::{Grants, HostServices, NoServices};
use crate::state::PluginState;

/// A plugin ready to call. Cheap to clone; calls may run concurrently, each in its own
/// store.
///
/// Every call takes its `seed` from the caller: everything the plugin draws during the
/// call (`host.random-u64`, `host.roll-faces`, WASI randomness) comes from it, so the same
/// seed, arguments and host state replay the same result. The runtime never picks a seed;
/// the call's `plugin_call` tracing span records it.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) manifest: Manifest,
    pub(crate) tools: Vec<PluginToolSpec>,
    pub(crate) collections: Vec<CollectionSchema>,
    pub(crate) dice_grammar: Option<String>,
    pub(crate) glossary: Vec<GlossaryEntry>,
    pub(crate) prompts: Vec<PromptSpec>,
    pub(crate) sha256: String,
    pub(crate) from_cache: bool,
    pub(crate) prepared: Box<dyn PreparedComponent>,
    pub(crate) engine: Engine,
    pub(crate) config: RuntimeConfig,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("id", &self.inner.manifest.id)
            .field("version", &self.inner.manifest.version.to_string())
            .field("sha256", &self.inner.sha256)
            .finish()
    }
}

impl LoadedPlugin {
    /// Who it is.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Its tools (names without the plugin namespace).
    pub fn tools(&self) -> &[PluginToolSpec] {
        &self.inner.tools
    }

    /// Its collection schemas.
    pub fn collections(&self) -> &[CollectionSchema] {
        &self.inner.collections
    }

    /// The description of its dice grammar, if it has one.
    pub fn dice_grammar(&self) -> Option<&str> {
        self.inner.dice_grammar.as_deref()
    }

    /// Its glossary: the system's terms and what players call them (empty for a plugin
    /// built against API 0.1.x or 0.2.x).
    pub fn glossary(&self) -> &[GlossaryEntry] {
        &self.inner.glossary
    }

    /// Its prompt templates (names without the plugin namespace; empty before API 0.3.0).
    pub fn prompts(&self) -> &[PromptSpec] {
        &self.inner.prompts
    }

    /// The SHA-256 of the component file.
    pub fn sha256(&self) -> &str {
        &self.inner.sha256
    }

    /// Whether the compiled form came from the on-disk cache.
    pub fn compiled_from_cache(&self) -> bool {
        self.inner.from_cache
    }

    /// Runs one of its tools with JSON arguments; returns the JSON object it produced.
    /// Randomness the tool draws comes from `seed` (see [`LoadedPlugin`]): calling again
    /// with the same seed, arguments and host state gives the same result.
    ///
    /// # Errors
    /// [`CallError::Refused`] with the tool's own error kind, or the sandbox's errors
    /// (timeout, memory limit, trap, a result too large or not a JSON object).
    pub async fn call_tool(
        &self,
        context: &CallContext,
        grants: &Grants,
        services: Arc<dyn HostServices>,
        seed: u64,
        name: &str,
        arguments: &serde_json::Value,
    ) -> Result<serde_json::Value, CallError> {
        let call = async {
            let arguments = arguments.to_string();
            let mut store = self.store(Some(context), grants, services, seed);
            let outcome =
                self.deadline(self.inner.prepared.call_tool(&mut store, context, name, &arguments)).await;
            match self.finish(&mut store, outcome)? {
                Ok(json) => self.json_object(&json),
                Err((kind, message)) => Err(CallError::Refused { kind, message }),
            }
        };
        call.instrument(self.span("call-tool", name, seed)).await
    }

    /// Builds one of its prompts from string `arguments`. The host grants what the
    /// campaign granted, as for a tool call.
    ///
    /// # Errors
    /// [`CallError::Refused`] with [`RefusalKind::NotFound`] when the plugin has no prompt
    /// `name`, [`RefusalKind::InvalidArguments`] when a required argument is missing, the
    /// plugin's own error, or the sandbox's errors.
    pub async fn get_prompt(
        &self,
        context: &CallContext,
        grants: &Grants,
        services: Arc<dyn HostServices>,
        seed: u64,
        name: &str,
        arguments: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<PromptMessage>, CallError> {
        let refused = |kind, message| CallError::Refused { kind, message };
        let Some(spec) = self.inner.prompts.iter().find(|p| p.name == name) else {
            return Err(refused(
                RefusalKind::NotFound,
                format!("plugin {} has no prompt {name:?}", self.inner.manifest.id),
            ));
        };
        if let Some(missing) = spec.arguments.iter().find(|a| a.required && !arguments.contains_key(&a.name))
        {
            return Err(refused(
                RefusalKind::InvalidArguments,
                format!("prompt {name} needs the argument `{}`: {}", missing.name, missing.description),
            ));
        }
        let call = async {
            let arguments = serde_json::to_string(arguments).unwrap_or_else(|_| "{}".into());
            let mut store = self.store(Some(context), grants, services, seed);
            let outcome =
                self.deadline(self.inner.prepared.get_prompt(&mut store, context, name, &arguments)).await;
            let messages =
                self.finish(&mut store, outcome)?.map_err(|(kind, message)| refused(kind, message))?;
            self.check_size(messages.iter().map(|m| m.text.len()).sum())?;
            Ok(messages)
        };
        call.instrument(self.span("get-prompt", name, seed)).await
    }

    /// Rolls `expression` in the plugin's grammar, with faces from a source seeded by
    /// `seed` (so the same seed replays the same roll).
    ///
    /// # Errors
    /// [`CallError::Refused`] with [`RefusalKind::Dice`] when the grammar refuses the
    /// expression, or the sandbox's errors.
    pub async fn roll(
        &self,
        context: &CallContext,
        grants: &Grants,
        seed: u64,
        expression: &str,
    ) -> Result<PluginRoll, CallError> {
        let call = async {
            // Dice need randomness: `random` is always granted while rolling.
            let grants = Grants::of(grants.iter().chain([Capability::Random]));
            let mut store = self.store(Some(context), &grants, Arc::new(NoServices), seed);
            let outcome = self.deadline(self.inner.prepared.roll(&mut store, context, expression)).await;
            let raw = self
                .finish(&mut store, outcome)?
                .map_err(|message| CallError::Refused { kind: RefusalKind::Dice, message })?;
            self.check_size(raw.detail.len() + raw.rendered.len())?;
            Ok(PluginRoll {
                expression: raw.expression,
                total: raw.total,
                rendered: raw.rendered,
                crit: raw.crit,
                detail: self.json_object(&raw.detail)?,
            })
        };
        call.instrument(self.span("roll", expression, seed)).await
    }

    /// Splits a document with the plugin's chunker; `None` when the plugin leaves
    /// chunking to the host. Nothing is granted; `seed` feeds WASI's randomness (a guest's
    /// hash maps), so a chunker called with the same seed splits a book the same way.
    ///
    /// # Errors
    /// [`CallError::Refused`] with [`RefusalKind::Chunker`] when the chunker gives up, or
    /// the sandbox's errors.
    pub async fn chunk(&self, seed: u64, document: &Document) -> Result<Option<Vec<Chunk>>, CallError> {
        let call = async {
            let mut store = self.store(None, &Grants::none(), Arc::new(NoServices), seed);
            let outcome = self.deadline(self.inner.prepared.chunk(&mut store, document)).await;
            let Some(chunks) = self.finish(&mut store, outcome)? else { return Ok(None) };
            let chunks =
                chunks.map_err(|message| CallError::Refused { kind: RefusalKind::Chunker, message })?;
            let size: usize = chunks.iter().map(|c| c.text.len() + c.metadata.len()).sum();
            self.check_size(size)?;
            chunks
                .into_iter()
                .map(|c| {
                    Ok(Chunk {
                        page_start: c.page_start,
                        page_end: c.page_end,
                        section_path: c.section_path,
                        content_type: c.content_type,
                        text: c.text,
                        metadata: self.json_object(&c.metadata)?,
                    })
                })
                .collect::<Result<Vec<_>, CallError>>()
                .map(Some)
        };
        call.instrument(self.span("chunk-document", &document.book, seed)).await
    }

    /// The span of one call: the plugin, its version, the export called, what it was
    /// called on (tool, expression, book) and the seed that replays it.
    fn span(&self, function: &'static str, on: &str, seed: u64) -> tracing::Span {
        let manifest = &self.inner.manifest;
        tracing::info_span!("plugin_call", plugin = %manifest.id, version = %manifest.version, function, on, seed)
    }

    /// A fresh store for one call of this plugin (see [`new_store`]).
    pub(crate) fn store(
        &self,
        context: Option<&CallContext>,
        grants: &Grants,
        services: Arc<dyn HostServices>,
        seed: u64,
    ) -> Store<PluginState> {
        let state =
            PluginState::new(&self.inner.config, &self.inner.manifest.id, context, grants, services, seed);
        new_store(&self.inner.engine, state)
    }

    async fn deadline<T>(
        &self,
        call: impl std::future::Future<Output = wasmtime::Result<T>>,
    ) -> Result<wasmtime::Result<T>, Duration> {
        let limit = self.inner.config.call_timeout;
        tokio::time::timeout(limit, call).await.map_err(|_| limit)
    }

    fn finish<T>(
        &self,
        store: &mut Store<PluginState>,
        outcome: Result<wasmtime::Result<T>, Duration>,
    ) -> Result<T, CallError> {
        finish_call(store, &self.inner.manifest.id, self.inner.config.memory_limit, outcome)
    }

    fn check_size(&self, size: usize) -> Result<(), CallError> {
        let limit = self.inner.config.max_result_bytes;
        if size > limit {
            Err(CallError::ResultTooLarge { plugin: self.inner.manifest.id.clone(), size, limit })
        } else {
            Ok(())
        }
    }

    fn json_object(&self, text: &str) -> Result<serde_json::Value, CallError> {
        self.check_size(text.len())?;
        let invalid =
            |message: String| CallError::InvalidResult { plugin: self.inner.manifest.id.clone(), message };
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value @ serde_json::Value::Object(_)) => Ok(value),
            Ok(other) => Err(invalid(format!("expected a JSON object, got {}", kind_of(&other)))),
            Err(err) => Err(invalid(format!("not JSON: {err}"))),
        }
    }
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Builds the store of one call (also used to describe a plugin while loading it) around
/// its [`PluginState`]: the state's limiter (the memory limit traps and is noted), and a
/// deadline that yields to the async runtime at every epoch tick.
pub(crate) fn new_store(engine: &Engine, state: PluginState) -> Store<PluginState> {
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    store.set_epoch_deadline(1);
    store.epoch_deadline_async_yield_and_update(1);
    store
}

/// Turns the outcome of a call into a value or a [`CallError`], and writes what the
/// plugin printed to the host's log.
pub(crate) fn finish_call<T>(
    store: &mut Store<PluginState>,
    plugin: &str,
    memory_limit: usize,
    outcome: Result<wasmtime::Result<T>, Duration>,
) -> Result<T, CallError> {
    let (stdout, dropped_out) = store.data().stdout.take();
    let (stderr, dropped_err) = store.data().stderr.take();
    for (stream, text, dropped) in [("stdout", &stdout, dropped_out), ("stderr", &stderr, dropped_err)] {
        if !text.is_empty() || dropped > 0 {
            tracing::info!(plugin, stream, dropped_bytes = dropped, "plugin output: {}", text.trim_end());
        }
    }
    match outcome {
        Err(after) => Err(CallError::Timeout { plugin: plugin.to_string(), after }),
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) if store.data().limits.refused_memory_growth().is_some() => {
            Err(CallError::MemoryLimit { plugin: plugin.to_string(), limit: memory_limit })
        }
        Ok(Err(_)) if store.data().limits.refused_table_growth().is_some() => {
            Err(CallError::TableLimit { plugin: plugin.to_string(), limit: MAX_TABLE_ELEMENTS })
        }
        Ok(Err(err)) => {
            let mut message = match err.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::StackOverflow) => "call stack exhausted (runaway recursion)".to_string(),
                // A Rust or C guest keeps its stack in linear memory: runaway recursion runs it
                // off the bottom of memory rather than exhausting the wasm call stack.
                Some(wasmtime::Trap::MemoryOutOfBounds) => {
                    "out-of-bounds memory access (a runaway recursion overflowing the plugin's stack, or a \
                     memory bug in the plugin)"
                        .to_string()
                }
                Some(trap) => trap.to_string(),
                None => format!("{err:#}"),
            };
            if let Some(panic) = panic_message(&stderr) {
                message = format!("{message}; the plugin panicked: {panic}");
            }
            Err(CallError::Trap { plugin: plugin.to_string(), message })
        }
    }
}

/// The last panic a Rust guest printed on stderr, as "message (at file:line)". The
/// standard hook writes "thread '…' panicked at FILE:LINE:COL:" and the message on the
/// following line(s).
fn panic_message(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().rposition(|l| l.contains("panicked at"))?;
    let location = lines[at].rsplit("panicked at ").next().unwrap_or("").trim_end_matches(':').trim();
    let text: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| !l.starts_with("note:"))
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let text = if text.is_empty() { "(no message)".to_string() } else { text.join(" ") };
    Some(format!("{text} (at {location})"))
}
