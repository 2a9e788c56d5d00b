//! Which toolsets a session lists, and the two tools that change it when toolsets are
//! dynamic (`server.dynamic_toolsets`): `toolset_list` and `toolset_enable`.
//!
//! A session starts with the toolsets of `server.toolsets` (all by default). With dynamic
//! toolsets a model starts from a short listing and enables the groups it needs; the client
//! is told the tool list changed. What a session enabled is kept with the session (in the
//! database over HTTP), so every host lists the same tools for it.
//! Listing only: a tool not listed can still be called by a caller whose role allows it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::session::SessionState;
use crate::access::Need;
use crate::tools::ToolError;
use crate::tools::registry::{ToolHints, ToolSpec, input_schema, output_schema};
use crate::tools::toolsets::{Selection, TOOLSETS, toolset_of};

/// The tool that lists the toolsets.
pub const TOOLSET_LIST: &str = "toolset_list";
/// The tool that adds toolsets to the session's listing.
pub const TOOLSET_ENABLE: &str = "toolset_enable";

/// What a session lists: the configured toolsets, plus those it enabled (kept with the
/// session, [`SessionState::toolsets`]) when toolsets are dynamic.
pub struct SessionToolsets {
    dynamic: bool,
    start: Selection,
}

impl SessionToolsets {
    /// A session listing `start`, which may add toolsets itself when `dynamic`.
    pub fn new(start: Selection, dynamic: bool) -> Self {
        SessionToolsets { dynamic, start }
    }

    /// Whether this session answers `toolset_list` and `toolset_enable`.
    pub fn dynamic(&self) -> bool {
        self.dynamic
    }

    /// The toolsets `session` lists now.
    pub async fn listed(&self, session: &SessionState) -> Result<Selection, ToolError> {
        let mut listed = self.start.clone();
        if self.dynamic {
            listed.add(&Selection::known(&session.toolsets().await?));
        }
        Ok(listed)
    }

    /// Whether a session listing `listed` lists the tool named.
    pub fn lists(&self, listed: &Selection, tool: &str) -> bool {
        (self.dynamic && is_toolset_tool(tool)) || listed.lists(tool)
    }

    /// The specs of the toolset tools, when toolsets are dynamic.
    pub fn specs(&self) -> Vec<ToolSpec> {
        if !self.dynamic {
            return Vec::new();
        }
        vec![list_spec(), enable_spec()]
    }

    /// Runs a toolset tool for `session`; `offered` is every tool the caller may call in it.
    pub async fn call(
        &self,
        session: &SessionState,
        name: &str,
        arguments: serde_json::Value,
        offered: &[ToolSpec],
    ) -> Result<serde_json::Value, ToolError> {
        let mut listed = self.listed(session).await?;
        let result = match name {
            TOOLSET_LIST => serde_json::to_value(describe(&listed, offered)),
            TOOLSET_ENABLE => {
                let arguments = if arguments.is_null() { serde_json::json!({}) } else { arguments };
                let args: EnableArgs = serde_json::from_value(arguments).map_err(|err| {
                    ToolError::InvalidArguments(format!("invalid arguments for {TOOLSET_ENABLE}: {err}"))
                })?;
                let wanted = Selection::parse(&args.toolsets)
                    .map_err(|err| ToolError::InvalidArguments(err.to_string()))?;
                let added = listed.add(&wanted);
                let names: Vec<String> = added.iter().map(|name| name.to_string()).collect();
                if !names.is_empty() {
                    session.enable_toolsets(&names).await?;
                }
                let tools_added = offered
                    .iter()
                    .filter(|spec| toolset_of(&spec.name).is_some_and(|set| added.contains(&set)))
                    .map(|spec| spec.name.clone())
                    .collect();
                serde_json::to_value(EnableResult {
                    enabled: names,
                    listed: listed.names().into_iter().map(String::from).collect(),
                    tools_added,
                })
            }
            _ => return Err(ToolError::NotFound(format!("no toolset tool named {name:?}"))),
        };
        result.map_err(|err| ToolError::Internal(format!("{name}: cannot serialize the result: {err}")))
    }
}

/// What `toolset_list` answers.
fn describe(listed: &Selection, offered: &[ToolSpec]) -> ListResult {
    let toolsets = TOOLSETS
        .iter()
        .map(|set| ToolsetEntry {
            name: set.name.to_string(),
            description: set.description.to_string(),
            listed: listed.holds(set.name),
            tools: offered
                .iter()
                .filter(|spec| toolset_of(&spec.name) == Some(set.name))
                .map(|spec| ToolEntry { name: spec.name.clone(), title: spec.title.clone() })
                .collect(),
        })
        .collect();
    ListResult { toolsets }
}

/// Whether `name` is one of the toolset tools.
pub fn is_toolset_tool(name: &str) -> bool {
    name == TOOLSET_LIST || name == TOOLSET_ENABLE
}

/// Arguments of `toolset_enable`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnableArgs {
    /// The toolsets to list from now on in this session (names from `toolset_list`, or `all`).
    pub toolsets: Vec<String>,
}

/// The result of `toolset_enable`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EnableResult {
    /// The toolsets this call added (those already listed are not repeated).
    pub enabled: Vec<String>,
    /// Every toolset the session lists now.
    pub listed: Vec<String>,
    /// The tools now listed that were not before (the client was told the list changed).
    pub tools_added: Vec<String>,
}

/// The result of `toolset_list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListResult {
    /// Every toolset, in a stable order.
    pub toolsets: Vec<ToolsetEntry>,
}

/// One toolset in `toolset_list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolsetEntry {
    /// Its name, as `toolset_enable` takes it.
    pub name: String,
    /// What its tools are for.
    pub description: String,
    /// Whether this session lists it now.
    pub listed: bool,
    /// Its tools that the caller may call.
    pub tools: Vec<ToolEntry>,
}

/// One tool of a toolset.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolEntry {
    /// The tool's name.
    pub name: String,
    /// Its title.
    pub title: String,
}

fn list_spec() -> ToolSpec {
    ToolSpec {
        name: TOOLSET_LIST.to_string(),
        title: "List the toolsets".to_string(),
        description:
            "List the groups of tools this server offers, which of them this session lists now, and \
                      the tools in each that you may call. Enable more with toolset_enable."
                .to_string(),
        input_schema: input_schema::<NoArgs>(),
        output_schema: output_schema::<ListResult>(),
        hints: ToolHints::READ,
        need: Need::Player,
    }
}

fn enable_spec() -> ToolSpec {
    let groups: Vec<String> =
        TOOLSETS.iter().map(|set| format!("{} ({})", set.name, set.description)).collect();
    ToolSpec {
        name: TOOLSET_ENABLE.to_string(),
        title: "Enable toolsets".to_string(),
        description: format!(
            "This session lists only some of the server's tools. Enable a group before you need its tools; the \
             tool list then grows (the client is told it changed). The toolsets: {}.",
            groups.join("; ")
        ),
        input_schema: input_schema::<EnableArgs>(),
        output_schema: output_schema::<EnableResult>(),
        hints: ToolHints::SET,
        need: Need::Player,
    }
}

/// `toolset_list` takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> ToolSpec {
        ToolSpec {
            name: name.into(),
            title: name.into(),
            description: String::new(),
            input_schema: Default::default(),
            output_schema: Default::default(),
            hints: ToolHints::READ,
            need: Need::Player,
        }
    }

    #[tokio::test]
    async fn enabling_a_toolset_lists_its_tools_and_says_which_were_added() {
        let session = SessionState::in_memory();
        let toolsets = SessionToolsets::new(Selection::parse(&["dice"]).unwrap(), true);
        let listed = toolsets.listed(&session).await.unwrap();
        assert!(toolsets.lists(&listed, "roll_dice") && toolsets.lists(&listed, TOOLSET_ENABLE));
        assert!(!toolsets.lists(&listed, "initiative_next"));
        let offered = [
            spec("roll_dice"),
            spec("initiative_next"),
            spec("initiative_get"),
            spec("dnd5e__monster_lookup"),
        ];

        let listing = toolsets.call(&session, TOOLSET_LIST, serde_json::Value::Null, &offered).await.unwrap();
        let combat = listing["toolsets"].as_array().unwrap().iter().find(|t| t["name"] == "combat").unwrap();
        assert_eq!(combat["listed"], false);
        assert_eq!(combat["tools"].as_array().unwrap().len(), 2);

        let asked = serde_json::json!({"toolsets": ["combat", "dice", "system"]});
        let enabled = toolsets.call(&session, TOOLSET_ENABLE, asked, &offered).await.unwrap();
        assert_eq!(enabled["enabled"], serde_json::json!(["combat", "system"]));
        assert_eq!(
            enabled["tools_added"],
            serde_json::json!(["initiative_next", "initiative_get", "dnd5e__monster_lookup"])
        );
        let listed = toolsets.listed(&session).await.unwrap();
        assert!(
            toolsets.lists(&listed, "initiative_next") && toolsets.lists(&listed, "dnd5e__monster_lookup")
        );
        assert_eq!(session.toolsets().await.unwrap(), ["combat", "system"], "kept with the session");

        let asked = serde_json::json!({"toolsets": ["fighting"]});
        let err = toolsets.call(&session, TOOLSET_ENABLE, asked, &offered).await.unwrap_err();
        assert!(
            matches!(err, ToolError::InvalidArguments(_)) && err.to_string().contains("fighting"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn static_toolsets_offer_no_toolset_tools_and_ignore_what_a_session_kept() {
        let session = SessionState::in_memory();
        session.enable_toolsets(&["dice".into()]).await.unwrap();
        let toolsets = SessionToolsets::new(Selection::parse(&["rules"]).unwrap(), false);
        let listed = toolsets.listed(&session).await.unwrap();
        assert!(toolsets.specs().is_empty() && !toolsets.lists(&listed, TOOLSET_LIST));
        assert!(toolsets.lists(&listed, "search_rules") && !toolsets.lists(&listed, "roll_dice"));
    }
}
