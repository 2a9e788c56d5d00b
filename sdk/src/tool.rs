//! MCP tools built from plain Rust functions over serde types.
//!
//! A [`Tool`] pairs a handler `Fn(&Context, Args) -> Result<Output, ToolError>` with the JSON
//! schemas of `Args` and `Output`, both derived with [`schemars`] (JSON Schema 2020-12). The
//! host publishes the schemas to MCP clients and checks results against the output schema.

use std::fmt;

use schemars::{JsonSchema, generate::SchemaSettings};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{Context, ToolError, ToolRole, bindings::ttrpg::plugin::types as wit};

/// How a tool behaves, shown to MCP clients as tool annotations.
///
/// Clients use these hints to decide whether to ask the user before calling a tool; say the
/// truth about the tool, the host does not check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolHints {
    /// The tool changes nothing (it only reads or computes).
    pub read_only: bool,
    /// The tool may overwrite or remove data.
    pub destructive: bool,
    /// Calling it twice with the same arguments has no further effect.
    pub idempotent: bool,
}

impl ToolHints {
    /// Reads or computes, changes nothing: read-only and idempotent.
    pub const READ: ToolHints = ToolHints { read_only: true, destructive: false, idempotent: true };
    /// Adds or changes data without overwriting or removing any (e.g. appends a note).
    pub const WRITE: ToolHints = ToolHints { read_only: false, destructive: false, idempotent: false };
    /// Sets data to a given value: may overwrite, but repeating it changes nothing more
    /// (e.g. "set key to value").
    pub const OVERWRITE: ToolHints = ToolHints { read_only: false, destructive: true, idempotent: true };
    /// May overwrite or remove data, and repeating it may do more (e.g. "delete the oldest").
    pub const DESTRUCTIVE: ToolHints = ToolHints { read_only: false, destructive: true, idempotent: false };
}

/// Arguments of a tool that takes none: a JSON object that must be empty.
///
/// ```
/// use ttrpg_plugin_sdk::{NoArgs, ToolError, ToolHints, tool};
/// # #[derive(serde::Serialize, schemars::JsonSchema)] struct Pong { pong: bool }
/// let ping = tool("ping", "Ping", "Answers pong.", ToolHints::READ, |_ctx, _: NoArgs| {
///     Ok::<_, ToolError>(Pong { pong: true })
/// });
/// ```
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

type Handler = Box<dyn Fn(&Context, &str) -> Result<String, ToolError>>;

/// One MCP tool of a plugin: its name, description, hints, role, derived schemas and
/// handler.
///
/// Build it with [`tool`] (a GM tool), mark it with [`Tool::for_players`] when every player
/// may call it; return all of a plugin's tools from [`Plugin::tools`](crate::Plugin::tools).
pub struct Tool {
    name: String,
    title: String,
    description: String,
    hints: ToolHints,
    role: ToolRole,
    input_schema: fn() -> Value,
    output_schema: fn() -> Value,
    handler: Handler,
}

/// Builds a [`Tool`] from a function over serde types.
///
/// - `name`: the tool's name within the plugin, lowercase ASCII letters, digits and `_`, 1 to
///   48 characters; MCP clients see it as `<plugin-id>__<name>`.
/// - `title`: a short title for people.
/// - `description`: what the tool does, written for an AI client deciding when to call it.
/// - `hints`: see [`ToolHints`].
/// - `handler`: receives the call's [`Context`] and the arguments parsed into `A`.
///
/// The tool is for the GM ([`ToolRole::Gm`]); [`Tool::for_players`] makes it a player tool.
///
/// The input schema is derived from `A` and the output schema from `R` (JSON Schema
/// 2020-12, with the top-level `title` and `description` that schemars takes from the type's
/// doc comment removed, so field doc comments are what clients read). Both must be structs
/// (root type `object`); use [`NoArgs`] for a tool without arguments. Put
/// `#[serde(deny_unknown_fields)]` on `A` so a misspelt argument is an error rather than
/// silently ignored.
///
/// Arguments that do not parse into `A` never reach the handler: the call fails with
/// [`ToolError::InvalidArguments`] naming the field and the problem
/// (`` field `count`: invalid type: string "x", expected u32 ``).
///
/// ```
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
/// use ttrpg_plugin_sdk::{ToolError, ToolHints, tool};
///
/// #[derive(Deserialize, JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct GreetArgs {
///     /// Who to greet.
///     name: String,
/// }
///
/// #[derive(Serialize, JsonSchema)]
/// struct Greeting {
///     /// The greeting.
///     greeting: String,
/// }
///
/// let greet = tool("greet", "Greet someone", "Says hello to `name`.", ToolHints::READ,
///     |_ctx, args: GreetArgs| -> Result<Greeting, ToolError> {
///         Ok(Greeting { greeting: format!("Hello, {}!", args.name) })
///     });
/// assert_eq!(greet.name(), "greet");
/// assert!(greet.input_schema().contains("\"name\""));
/// ```
pub fn tool<A, R, F>(
    name: impl Into<String>,
    title: impl Into<String>,
    description: impl Into<String>,
    hints: ToolHints,
    handler: F,
) -> Tool
where
    A: DeserializeOwned + JsonSchema,
    R: Serialize + JsonSchema,
    F: Fn(&Context, A) -> Result<R, ToolError> + 'static,
{
    Tool {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        hints,
        role: ToolRole::Gm,
        input_schema: schema_value::<A>,
        output_schema: schema_value::<R>,
        handler: Box::new(move |context, arguments| {
            let arguments = parse_arguments::<A>(arguments)?;
            let result = handler(context, arguments)?;
            serde_json::to_string(&result)
                .map_err(|e| ToolError::Failed(format!("could not serialize the result: {e}")))
        }),
    }
}

impl Tool {
    /// The tool's name within the plugin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The short title for people.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// What the tool does.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The behaviour hints.
    pub fn hints(&self) -> ToolHints {
        self.hints
    }

    /// Who may call it: [`ToolRole::Gm`] unless set with [`Tool::for_players`] or
    /// [`Tool::with_role`].
    pub fn role(&self) -> ToolRole {
        self.role
    }

    /// Makes this a player tool ([`ToolRole::Player`]): every player at the table may call
    /// it, not only the GM. For look-ups of the rules and a player's own helpers; never for
    /// a tool that reveals what the GM keeps hidden or changes the campaign's shared state.
    ///
    /// ```
    /// use ttrpg_plugin_sdk::{NoArgs, ToolError, ToolHints, ToolRole, tool};
    /// # #[derive(serde::Serialize, schemars::JsonSchema)] struct Rules { text: String }
    /// let rules = tool("rules", "Rules", "Quotes the rules.", ToolHints::READ, |_ctx, _: NoArgs| {
    ///     Ok::<_, ToolError>(Rules { text: "Roll high.".into() })
    /// })
    /// .for_players();
    /// assert_eq!(rules.role(), ToolRole::Player);
    /// ```
    pub fn for_players(self) -> Self {
        self.with_role(ToolRole::Player)
    }

    /// Sets who may call it.
    pub fn with_role(mut self, role: ToolRole) -> Self {
        self.role = role;
        self
    }

    /// The JSON Schema (2020-12) of the arguments, as JSON text.
    pub fn input_schema(&self) -> String {
        (self.input_schema)().to_string()
    }

    /// The JSON Schema (2020-12) of the result, as JSON text.
    pub fn output_schema(&self) -> String {
        (self.output_schema)().to_string()
    }

    /// Runs the tool on a JSON object text, returning the result as JSON object text.
    ///
    /// # Errors
    /// [`ToolError::InvalidArguments`] when `arguments` does not parse into the tool's
    /// argument type, or whatever error the handler returns.
    pub fn call(&self, context: &Context, arguments: &str) -> Result<String, ToolError> {
        (self.handler)(context, arguments)
    }

    /// The WIT `tool-spec` the host reads.
    ///
    /// # Panics
    /// If the argument or result type's schema does not have root type `object` (the type is
    /// not a struct): a programming error that `ttrpg plugin check` shows at once.
    pub fn spec(&self) -> wit::ToolSpec {
        let input = (self.input_schema)();
        let output = (self.output_schema)();
        for (which, schema) in [("argument", &input), ("result", &output)] {
            let root = schema.get("type");
            assert!(
                root == Some(&Value::from("object")),
                "tool `{}`: the {which} type's JSON schema must have root type \"object\" \
                 (use a struct, or NoArgs for no arguments), but it is {}",
                self.name,
                root.map_or_else(|| "missing".to_owned(), Value::to_string),
            );
        }
        wit::ToolSpec {
            name: self.name.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            input_schema: input.to_string(),
            output_schema: output.to_string(),
            read_only: self.hints.read_only,
            destructive: self.hints.destructive,
            idempotent: self.hints.idempotent,
            role: self.role,
        }
    }
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("hints", &self.hints)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The JSON Schema (2020-12) of `T` as a tool publishes it: derived with schemars, with the
/// root's `title` and `description` removed.
pub fn schema_for<T: JsonSchema>() -> Value {
    schema_value::<T>()
}

fn schema_value<T: JsonSchema>() -> Value {
    let mut schema = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>();
    if let Some(root) = schema.as_object_mut() {
        root.remove("title");
        root.remove("description");
    }
    schema.to_value()
}

/// Parses tool arguments, naming the offending field in the error.
fn parse_arguments<A: DeserializeOwned>(arguments: &str) -> Result<A, ToolError> {
    let mut deserializer = serde_json::Deserializer::from_str(arguments);
    let parsed = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = without_position(&error.into_inner());
        if path == "." {
            ToolError::InvalidArguments(message)
        } else {
            ToolError::InvalidArguments(format!("field `{path}`: {message}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ToolError::InvalidArguments(format!("trailing text after the arguments: {e}")))?;
    Ok(parsed)
}

/// serde_json's message without the " at line 1 column 12" suffix, which means nothing to an
/// MCP client that sent a JSON object, not a text.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) if error.line() > 0 => message.to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    /// Arguments doc that must not leak to the root.
    struct Args {
        /// A count.
        count: u32,
    }

    #[derive(Serialize, JsonSchema)]
    struct Out {
        doubled: u32,
    }

    fn doubler() -> Tool {
        tool("double", "Double", "Doubles.", ToolHints::READ, |_ctx, args: Args| {
            Ok::<_, ToolError>(Out { doubled: args.count * 2 })
        })
    }

    fn context() -> Context {
        Context { campaign_id: "c1".into(), session_id: None }
    }

    #[test]
    fn schemas_are_2020_12_objects_without_root_title() {
        let input: Value = serde_json::from_str(&doubler().input_schema()).unwrap();
        assert_eq!(input["type"], "object");
        assert_eq!(input["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(input["additionalProperties"], false);
        assert!(input.get("title").is_none() && input.get("description").is_none());
        assert_eq!(input["properties"]["count"]["description"], "A count.");
    }

    #[test]
    fn calls_and_names_bad_fields() {
        let t = doubler();
        assert_eq!(t.call(&context(), r#"{"count": 4}"#).unwrap(), r#"{"doubled":8}"#);
        let bad = t.call(&context(), r#"{"count": "x"}"#).unwrap_err();
        assert_eq!(bad, "field `count`: invalid type: string \"x\", expected u32");
        let missing = t.call(&context(), "{}").unwrap_err();
        assert_eq!(missing, "missing field `count`");
        let unknown = t.call(&context(), r#"{"count": 1, "cuont": 2}"#).unwrap_err();
        assert!(unknown.message().starts_with("field `cuont`: unknown field `cuont`"), "{unknown:?}");
    }

    #[test]
    fn spec_carries_hints() {
        let spec = doubler().spec();
        assert!(spec.read_only && spec.idempotent && !spec.destructive);
    }

    #[test]
    fn a_tool_is_for_the_gm_unless_marked_for_players() {
        assert_eq!(doubler().role(), ToolRole::Gm);
        assert_eq!(doubler().spec().role, ToolRole::Gm);
        let player = doubler().for_players();
        assert_eq!(player.role(), ToolRole::Player);
        assert_eq!(player.spec().role, ToolRole::Player);
        assert_eq!(player.with_role(ToolRole::Gm).spec().role, ToolRole::Gm);
    }

    impl PartialEq<&str> for ToolError {
        fn eq(&self, other: &&str) -> bool {
            matches!(self, ToolError::InvalidArguments(m) if m == other)
        }
    }
}
