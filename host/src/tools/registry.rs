//! The tool registry: every MCP tool the server offers, keyed by name.
//!
//! A tool is a [`ToolSpec`] (what `tools/list` shows) plus a [`ToolHandler`] (what
//! `tools/call` runs). The registry holds the host's core tools; the tool list a session
//! sees changes at run time on top of it: `crate::mcp` adds the tools of the plugins
//! enabled in the session's campaign and tells clients when that list changes. This
//! module knows nothing of rmcp: arguments and results are plain JSON.

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ToolError;
use crate::access::{Need, Viewer};
use crate::app::App;

/// Hints a client may use to decide whether to ask before calling a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolHints {
    /// The tool changes nothing.
    pub read_only: bool,
    /// The tool may overwrite or remove data (meaningful when not read-only).
    pub destructive: bool,
    /// Calling it twice with the same arguments has no further effect.
    pub idempotent: bool,
}

impl ToolHints {
    /// A tool that only reads.
    pub const READ: ToolHints = ToolHints { read_only: true, destructive: false, idempotent: true };
    /// A tool that adds records and never overwrites any.
    pub const ADD: ToolHints = ToolHints { read_only: false, destructive: false, idempotent: false };
    /// A tool that changes existing records.
    pub const CHANGE: ToolHints = ToolHints { read_only: false, destructive: true, idempotent: false };
    /// A tool that changes existing records the same way however often it is called.
    pub const SET: ToolHints = ToolHints { read_only: false, destructive: true, idempotent: true };
}

/// What `tools/list` shows of a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// The tool's name, unique in the registry (`campaign_create`).
    pub name: String,
    /// A short human title ("Create a campaign").
    pub title: String,
    /// What the tool does, written for an AI client deciding when to call it.
    pub description: String,
    /// JSON Schema (2020-12) of the arguments; its root is an object.
    pub input_schema: Map<String, Value>,
    /// JSON Schema (2020-12) of the structured result; its root is an object.
    pub output_schema: Map<String, Value>,
    /// Behaviour hints.
    pub hints: ToolHints,
    /// What the tool needs of its caller (checked before it runs; `tools/list` shows a
    /// caller only the tools its role allows).
    pub need: Need,
}

/// What the person at the client answered when a tool asked them to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentAnswer {
    /// They confirmed.
    Confirmed,
    /// They declined or dismissed the question.
    Declined,
    /// The client cannot ask them (it does not support MCP elicitation).
    Unavailable,
}

/// How a tool asks the person at the client before doing something they must decide
/// (`crate::mcp` asks through MCP elicitation; a model cannot answer for them).
#[async_trait]
pub trait Consent: Send + Sync {
    /// Asks `question`; waits for the person's answer.
    async fn confirm(&self, question: &str) -> ConsentAnswer;
}

/// Content a tool hands the client besides its structured result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// An image, shown inline by clients that can.
    Image {
        /// Its bytes.
        data: Vec<u8>,
        /// Its MIME type.
        mime: String,
    },
    /// A resource the client can read with `resources/read`.
    ResourceLink {
        /// Its URI.
        uri: String,
        /// A short name.
        name: String,
        /// Its MIME type.
        mime: String,
        /// Its length in bytes.
        size: u64,
    },
}

/// Where a tool puts its [`Attachment`]s; the caller takes them after the call.
#[derive(Debug, Clone, Default)]
pub struct Attachments(Arc<std::sync::Mutex<Vec<Attachment>>>);

impl Attachments {
    /// Adds one.
    pub fn push(&self, attachment: Attachment) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(attachment);
    }

    /// Takes every one added so far.
    pub fn take(&self) -> Vec<Attachment> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// What a tool runs with: the app, who calls with which role (`app.viewer`), and how to
/// ask the person at the client. It dereferences to the [`App`], so a tool reads
/// `app.storage` as before.
#[derive(Clone)]
pub struct ToolCall {
    /// The application.
    pub app: Arc<App>,
    /// Who calls, in which campaign, with which role.
    pub viewer: Viewer,
    /// Asks the person at the client to confirm; `None` where nobody can be asked.
    pub consent: Option<Arc<dyn Consent>>,
    /// What the tool hands the client besides its result (an image, a resource link).
    pub attachments: Attachments,
}

impl ToolCall {
    /// A call by the local user, who sees everything (the CLI, tests).
    pub fn local(app: Arc<App>) -> Self {
        ToolCall { app, viewer: Viewer::local(), consent: None, attachments: Attachments::default() }
    }

    /// Asks the person at the client; [`ConsentAnswer::Unavailable`] when nobody can be asked.
    pub async fn confirm(&self, question: &str) -> ConsentAnswer {
        match &self.consent {
            Some(consent) => consent.confirm(question).await,
            None => ConsentAnswer::Unavailable,
        }
    }
}

impl std::ops::Deref for ToolCall {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Runs one tool.
#[async_trait]
pub trait ToolHandler: Send + Sync {
    /// What the tool is.
    fn spec(&self) -> &ToolSpec;
    /// Runs it with JSON arguments for an authorized caller; returns the structured result.
    async fn call(&self, call: ToolCall, arguments: Value) -> Result<Value, ToolError>;
}

/// The tools the server offers now.
#[derive(Default)]
pub struct ToolRegistry {
    tools: RwLock<BTreeMap<String, Arc<dyn ToolHandler>>>,
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool. A name already taken is an error naming it: a tool is never
    /// silently shadowed.
    pub fn register(&self, tool: Arc<dyn ToolHandler>) -> Result<(), ToolError> {
        let mut tools = self.tools.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let name = tool.spec().name.clone();
        if tools.contains_key(&name) {
            return Err(ToolError::Conflict(format!("a tool named {name:?} is already registered")));
        }
        tools.insert(name, tool);
        Ok(())
    }

    /// The tool of that name.
    pub fn get(&self, name: &str) -> Option<Arc<dyn ToolHandler>> {
        let tools = self.tools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        tools.get(name).cloned()
    }

    /// Every tool's spec, sorted by name.
    pub fn specs(&self) -> Vec<ToolSpec> {
        let tools = self.tools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        tools.values().map(|tool| tool.spec().clone()).collect()
    }

    /// Every tool's name, sorted.
    pub fn names(&self) -> Vec<String> {
        let tools = self.tools.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        tools.keys().cloned().collect()
    }
}

/// A tool written as an async function over typed arguments and a typed result; its
/// schemas are derived from the types.
pub struct TypedTool<I, O, F> {
    spec: ToolSpec,
    run: F,
    types: PhantomData<fn(I) -> O>,
}

/// Builds a [`TypedTool`]: `run` receives the call (the app and its viewer) and the parsed
/// arguments.
pub fn typed_tool<I, O, F, Fut>(
    name: &str,
    title: &str,
    description: &str,
    hints: ToolHints,
    need: Need,
    run: F,
) -> Arc<dyn ToolHandler>
where
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(ToolCall, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
{
    let spec = ToolSpec {
        name: name.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        input_schema: input_schema::<I>(),
        output_schema: output_schema::<O>(),
        hints,
        need,
    };
    Arc::new(TypedTool { spec, run, types: PhantomData })
}

/// The JSON schema (2020-12) of a tool's arguments of type `T`, as `tools/list` shows it.
pub fn input_schema<T: JsonSchema>() -> Map<String, Value> {
    object_schema::<T>(SchemaSettings::draft2020_12())
}

/// The JSON schema (2020-12) of a tool's result of type `T`, as `tools/list` shows it
/// (without field descriptions).
pub fn output_schema<T: JsonSchema>() -> Map<String, Value> {
    object_schema::<T>(
        SchemaSettings::draft2020_12()
            .for_serialize()
            .with_transform(RecursiveTransform(without_description)),
    )
}

/// Leaves a schema's `description` out. Output schemas are listed without them: they were
/// two thirds of a `tools/list` that a model reads whole (see BENCHMARKS.md), while the
/// structure a client checks results against stays, and what a result means is in the tool's
/// description and in its input schema's field descriptions.
fn without_description(schema: &mut schemars::Schema) {
    schema.remove("description");
}

/// The JSON schema of `T` as an object, without the top-level title and description
/// (the Rust type's name and doc are noise to a client).
fn object_schema<T: JsonSchema>(settings: SchemaSettings) -> Map<String, Value> {
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut object = match serde_json::to_value(schema) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    };
    object.remove("title");
    object.remove("description");
    object
}

#[async_trait]
impl<I, O, F, Fut> ToolHandler for TypedTool<I, O, F>
where
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(ToolCall, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
{
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn call(&self, call: ToolCall, arguments: Value) -> Result<Value, ToolError> {
        let arguments = if arguments.is_null() { Value::Object(Map::new()) } else { arguments };
        let input: I = serde_json::from_value(arguments).map_err(|err| {
            ToolError::InvalidArguments(format!("invalid arguments for {}: {err}", self.spec.name))
        })?;
        let output = (self.run)(call, input).await?;
        serde_json::to_value(output).map_err(|err| {
            ToolError::Internal(format!("{}: cannot serialize the result: {err}", self.spec.name))
        })
    }
}
