//! The MCP server: the only module that knows rmcp and JSON-RPC.
//!
//! [`McpServer`] is a hand-written `ServerHandler` over the [`ToolRegistry`]: it lists
//! whatever tools the registry holds now and dispatches calls to them, turning a
//! [`ToolError`] into a tool error result (`isError: true`) whose text says what was
//! wrong. [`transport`] runs it over stdio or Streamable HTTP.

pub mod transport;

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use crate::app::App;
use crate::tools::{ToolError, ToolRegistry, ToolSpec};

/// What the server tells a client about itself when it connects.
const INSTRUCTIONS: &str = "TTRPG game-master tools. Campaigns hold sessions, characters, an initiative \
tracker and a dice-roll history. Typical flow: campaign_list or campaign_create, session_start, then \
roll_dice / initiative_* / session_add_note during play, session_end afterwards. Every id comes from an \
earlier tool result. Errors say what was wrong; nothing changes when a call fails.";

/// One MCP session's view of the host. Cheap to clone: every session shares the app
/// and the registry.
#[derive(Clone)]
pub struct McpServer {
    app: Arc<App>,
    registry: Arc<ToolRegistry>,
}

impl McpServer {
    /// A server over `app` offering the tools in `registry`.
    pub fn new(app: Arc<App>, registry: Arc<ToolRegistry>) -> Self {
        McpServer { app, registry }
    }
}

/// The rmcp form of a tool spec.
fn to_rmcp_tool(spec: ToolSpec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title.clone())
        .read_only(spec.hints.read_only)
        .destructive(spec.hints.destructive)
        .idempotent(spec.hints.idempotent)
        .open_world(false);
    Tool::new(spec.name, spec.description, Arc::new(spec.input_schema))
        .with_title(spec.title)
        .with_raw_output_schema(Arc::new(spec.output_schema))
        .with_annotations(annotations)
}

/// A failed call as the client sees it: a tool error whose text is the message.
fn tool_error(err: &ToolError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(err.to_string())])
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder().enable_tools().enable_tool_list_changed().build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("ttrpg", env!("CARGO_PKG_VERSION"))
                    .with_title("TTRPG MCP server")
                    .with_description(
                        "Campaigns, sessions, characters, initiative and dice for game masters",
                    ),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self.registry.specs().into_iter().map(to_rmcp_tool).collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.registry.get(name).map(|tool| to_rmcp_tool(tool.spec().clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        let Some(tool) = self.registry.get(&name) else {
            let known = self.registry.names().join(", ");
            let err = ToolError::NotFound(format!("no tool named {name:?}; the tools are: {known}"));
            return Ok(tool_error(&err).into());
        };
        let arguments = request.arguments.map(serde_json::Value::Object).unwrap_or(serde_json::Value::Null);
        let span = tracing::info_span!("tool_call", tool = %name);
        let started = std::time::Instant::now();
        let outcome = tool.call(self.app.clone(), arguments).instrument(span.clone()).await;
        let elapsed_us = started.elapsed().as_micros() as u64;
        let result = match outcome {
            Ok(value) => {
                span.in_scope(|| tracing::debug!(elapsed_us, "tool call done"));
                CallToolResult::structured(value)
            }
            Err(err) => {
                span.in_scope(|| match &err {
                    ToolError::Internal(_) => tracing::error!(elapsed_us, error = %err, "tool call failed"),
                    _ => tracing::info!(elapsed_us, error = %err, "tool call refused"),
                });
                tool_error(&err)
            }
        };
        Ok(result.into())
    }
}
