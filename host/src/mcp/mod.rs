//! The MCP server: the only module that knows rmcp and JSON-RPC.
//!
//! [`McpServer`] is a hand-written `ServerHandler` over the [`ToolRegistry`]: it lists
//! whatever tools the registry holds now and dispatches calls to them, turning a
//! [`ToolError`] into a tool error result (`isError: true`) whose text says what was
//! wrong. Besides tools it serves prompts ([`prompts`]), completions ([`completions`]),
//! logging ([`logging`]), resources with subscriptions (`resources`, [`subscriptions`])
//! and asks the person through elicitation (`consent`). [`transport`] runs it over stdio or
//! Streamable HTTP.

pub mod completions;
mod consent;
mod forward;
pub mod http_auth;
pub mod logging;
pub mod progress;
pub mod prompts;
mod resources;
pub mod runner;
pub mod session;
mod shared_sessions;
pub mod status;
pub mod subscriptions;
mod toolsets;
pub mod transport;
mod watchers;

use std::sync::Arc;

#[allow(deprecated, reason = "MCP logging is served for the protocol versions this server speaks")]
use rmcp::model::SetLevelRequestParams;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult,
    ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation, InitializeRequestParams,
    InitializeResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, SubscribeRequestParams, Tool, ToolAnnotations, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use crate::access::{self, Caller, Role};
use crate::app::App;
use crate::plugins::{TOOL_NAMESPACE_SEPARATOR, namespaced_tool};
use crate::tools::plugins::{call_plugin_tool, need_of_plugin_tool};
use crate::tools::{Attachment, Attachments, ToolError, ToolHints, ToolRegistry, ToolSpec};
use runner::Runner;
use session::{CAMPAIGN_USE, SessionState};
use toolsets::SessionToolsets;

/// What the server tells a client about itself when it connects.
const INSTRUCTIONS: &str = "TTRPG game-master tools. Campaigns hold sessions, characters, an initiative \
tracker and a dice-roll history. Typical flow: campaign_list or campaign_create, session_start, then \
roll_dice / initiative_* / session_add_note during play, session_end afterwards. Game-system plugins add \
tools named <plugin>__<tool>: call campaign_use to choose the campaign, and its enabled plugins' tools appear \
(plugin_list, plugin_enable). Every id comes from an earlier tool result. Errors say what was wrong; nothing \
changes when a call fails.";

/// What the server adds to [`INSTRUCTIONS`] when toolsets are dynamic.
const DYNAMIC_INSTRUCTIONS: &str = "This session lists only some tool groups: call toolset_enable with the \
groups you need (toolset_list shows every group and its tools) and the tool list grows.";

/// Where a session's requests come from, which decides who makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// stdio: the local user's own channel; every request is theirs.
    Stdio,
    /// Streamable HTTP: each request carries the caller the transport authenticated
    /// (`transport::serve_http` puts it in the request's extensions); a request without one
    /// is refused.
    Http,
}

/// One MCP session's view of the host. Cheap to clone: every session shares the app
/// and the registry.
#[derive(Clone)]
pub struct McpServer {
    app: Arc<App>,
    registry: Arc<ToolRegistry>,
    session: Arc<SessionState>,
    channel: Channel,
    log: Arc<logging::SessionLog>,
    toolsets: Arc<SessionToolsets>,
    watchers: Arc<watchers::Watchers>,
    /// Set once the session's event loop runs on this host (`forward`).
    forwarding: Arc<std::sync::OnceLock<()>>,
}

/// What every MCP session one serving process opens shares.
#[derive(Clone)]
pub struct HostShared {
    /// The toolsets a session starts listing (`server.toolsets`).
    toolsets: crate::tools::toolsets::Selection,
    /// Which sessions watch a changed resource, read once per change for all of them.
    watchers: Arc<watchers::Watchers>,
}

impl HostShared {
    /// What the sessions of a process serving `app` share; a toolset name in
    /// `server.toolsets` that no toolset has is an error naming it.
    pub fn new(app: &App) -> Result<Self, crate::tools::toolsets::UnknownToolset> {
        let toolsets = crate::tools::toolsets::Selection::parse(&app.config.server.toolsets)?;
        if toolsets.names().is_empty() && !app.config.server.dynamic_toolsets {
            tracing::warn!(
                "server.toolsets names no toolset and dynamic toolsets are off: tools/list is empty \
                 (every tool still answers); set TTRPG_TOOLSETS=all or TTRPG_DYNAMIC_TOOLSETS=true"
            );
        }
        Ok(HostShared { toolsets, watchers: Arc::new(watchers::Watchers::new(app.storage.clone())) })
    }
}

impl McpServer {
    /// A server for one MCP session over `app` reached through `channel`, offering the
    /// tools in `registry` plus those of the plugins enabled in the campaign the session
    /// uses, with what the process's sessions `shared`.
    pub fn new(app: Arc<App>, registry: Arc<ToolRegistry>, channel: Channel, shared: HostShared) -> Self {
        let session = match channel {
            Channel::Stdio => SessionState::in_memory(),
            Channel::Http => SessionState::in_database(
                app.storage.clone(),
                std::time::Duration::from_secs(app.config.server.session_idle_secs.max(1)),
            ),
        };
        let toolsets = Arc::new(SessionToolsets::new(shared.toolsets, app.config.server.dynamic_toolsets));
        McpServer {
            app,
            registry,
            session: Arc::new(session),
            channel,
            log: Arc::default(),
            toolsets,
            watchers: shared.watchers,
            forwarding: Arc::default(),
        }
    }

    /// Reads through the core tools for the caller of a request.
    fn runner(&self, extensions: &rmcp::model::Extensions) -> Result<Runner, McpError> {
        let caller =
            self.caller(extensions).map_err(|err| McpError::internal_error(err.to_string(), None))?;
        Ok(Runner::new(self.app.clone(), self.registry.clone(), caller))
    }

    /// Who makes a request: the local user over stdio, the authenticated caller over HTTP.
    fn caller(&self, extensions: &rmcp::model::Extensions) -> Result<Caller, ToolError> {
        match self.channel {
            Channel::Stdio => Ok(Caller::Local),
            Channel::Http => extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Caller>())
                .cloned()
                .ok_or_else(|| ToolError::Internal("the request reached the server unauthenticated".into())),
        }
    }

    /// The role `tools/list` shows tools for: the caller's role in the session's campaign,
    /// or without one, GM when the caller runs any campaign (or is the operator).
    async fn listing_role(&self, caller: &Caller, campaign: Option<&str>) -> Result<Role, ToolError> {
        if let Some(campaign_id) = campaign {
            return Ok(access::role_in(&self.app, caller, campaign_id).await?.unwrap_or(Role::Player));
        }
        let Some(user_id) = caller.user_id() else { return Ok(Role::Gm) };
        if caller.is_operator() {
            return Ok(Role::Gm);
        }
        for campaign in self.app.storage.list_campaigns_of(user_id, false).await? {
            if access::role_in(&self.app, caller, &campaign.id).await? == Some(Role::Gm) {
                return Ok(Role::Gm);
            }
        }
        Ok(Role::Player)
    }

    /// Every tool this session offers now: core tools, `campaign_use`, and the tools of
    /// the plugins enabled in its campaign.
    async fn tool_specs(&self, campaign: Option<&str>) -> Result<Vec<ToolSpec>, ToolError> {
        let mut specs = self.registry.specs();
        specs.push(session::campaign_use_spec());
        specs.extend(self.toolsets.specs());
        if let Some(campaign_id) = campaign {
            for enabled in self.app.plugins.enabled(campaign_id).await? {
                let manifest = enabled.plugin.manifest();
                for tool in enabled.plugin.tools() {
                    specs.push(ToolSpec {
                        name: namespaced_tool(&manifest.id, &tool.name),
                        title: tool.title.clone(),
                        description: format!("[{} {}] {}", manifest.name, manifest.version, tool.description),
                        input_schema: tool.input_schema.clone(),
                        output_schema: tool.output_schema.clone(),
                        hints: ToolHints {
                            read_only: tool.read_only,
                            destructive: tool.destructive,
                            idempotent: tool.idempotent,
                        },
                        need: need_of_plugin_tool(tool.role),
                    });
                }
            }
        }
        Ok(specs)
    }

    /// Every tool this session offers that `caller`'s role allows (listed or not: toolsets
    /// decide what `tools/list` shows of these).
    async fn offered_specs(
        &self,
        caller: &Caller,
        campaign: Option<&str>,
    ) -> Result<Vec<ToolSpec>, ToolError> {
        let role = self.listing_role(caller, campaign).await?;
        let operator = caller.is_operator();
        Ok(self
            .tool_specs(campaign)
            .await?
            .into_iter()
            .filter(|spec| spec.need.allows(role, operator))
            .collect())
    }

    /// Runs a tool by name for `caller`: the session tool, a core tool or a plugin tool,
    /// each only after [`access::authorize`] let the caller's role through. `campaign` is
    /// the session's campaign as read for this call (only a plugin tool needs it).
    async fn dispatch(
        &self,
        caller: &Caller,
        peer: &rmcp::service::Peer<RoleServer>,
        campaign: Result<Option<String>, ToolError>,
        name: &str,
        arguments: serde_json::Value,
        attachments: &Attachments,
    ) -> Result<serde_json::Value, ToolError> {
        if name == CAMPAIGN_USE {
            return session::campaign_use(&self.app, caller, &self.session, arguments).await;
        }
        if self.toolsets.dynamic() && toolsets::is_toolset_tool(name) {
            let offered = self.offered_specs(caller, campaign?.as_deref()).await?;
            return self.toolsets.call(&self.session, name, arguments, &offered).await;
        }
        if self.registry.get(name).is_some() {
            let consent: Arc<dyn crate::tools::Consent> = Arc::new(consent::ElicitConsent::new(peer.clone()));
            let runner = Runner::new(self.app.clone(), self.registry.clone(), caller.clone());
            return runner.call_for_client(name, arguments, consent, attachments).await;
        }
        if name.contains(TOOL_NAMESPACE_SEPARATOR) {
            let Some(campaign_id) = campaign? else {
                return Err(ToolError::Conflict(format!(
                    "{name} is a plugin tool: choose the campaign it runs in with campaign_use first"
                )));
            };
            return call_plugin_tool(self.app.clone(), caller, &campaign_id, None, name, &arguments).await;
        }
        let known = self.registry.names().join(", ");
        Err(ToolError::NotFound(format!(
            "no tool named {name:?}; the core tools are: {known}, {CAMPAIGN_USE}"
        )))
    }

    /// Starts the session's event loop on this host, once: at `initialize` (a new session,
    /// or one this host restores), else at `notifications/initialized`. The initialize of a
    /// session and its `notifications/initialized` may reach different hosts, and the host
    /// holding the stream may see nothing else, so the loop does not wait for the latter.
    fn start_forwarding(&self, peer: rmcp::service::Peer<RoleServer>) {
        if self.forwarding.set(()).is_ok() {
            forward::spawn(self.app.events.subscribe(), self.session.clone(), self.watchers.clone(), peer);
        }
    }

    /// Tells the client its tool list changed: directly over stdio; over HTTP through every
    /// host (the one holding the session's stream sends it, [`crate::app::AppEvent::SessionListChanged`]).
    async fn listing_changed(&self, peer: &rmcp::service::Peer<RoleServer>) {
        match self.session.id() {
            Some(id) => self.app.session_list_changed(id).await,
            None => {
                let _ = peer.notify_tool_list_changed().await;
            }
        }
    }
}

/// The MCP content block of a tool's attachment.
fn content_of(attachment: Attachment) -> ContentBlock {
    use base64::Engine as _;
    match attachment {
        Attachment::Image { data, mime } => {
            ContentBlock::image(base64::engine::general_purpose::STANDARD.encode(data), mime)
        }
        Attachment::ResourceLink { uri, name, mime, size } => ContentBlock::resource_link(
            rmcp::model::Resource::new(uri, name).with_mime_type(mime).with_size(size),
        ),
    }
}

/// How `/metrics` names a call's outcome.
fn outcome_name(outcome: &Result<serde_json::Value, ToolError>) -> &'static str {
    match outcome {
        Ok(_) => "ok",
        Err(ToolError::InvalidArguments(_)) => "invalid_arguments",
        Err(ToolError::NotFound(_)) => "not_found",
        Err(ToolError::Conflict(_)) => "conflict",
        Err(ToolError::Forbidden(_)) => "forbidden",
        Err(ToolError::Dice(_)) => "dice",
        Err(ToolError::Plugin(_)) => "plugin",
        Err(ToolError::Cancelled(_)) => "cancelled",
        Err(ToolError::Internal(_)) => "internal",
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
        #[allow(deprecated, reason = "MCP logging is served for the protocol versions this server speaks")]
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new("ttrpg", env!("CARGO_PKG_VERSION"))
                    .with_title("TTRPG MCP server")
                    .with_description(
                        "Campaigns, sessions, characters, initiative and dice for game masters",
                    ),
            )
            .with_instructions(if self.toolsets.dynamic() {
                format!("{INSTRUCTIONS} {DYNAMIC_INSTRUCTIONS}")
            } else {
                INSTRUCTIONS.to_string()
            })
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        context.peer.set_peer_info(request.clone());
        self.session.learn_id(&context.extensions);
        self.start_forwarding(context.peer.clone());
        self.negotiate_initialize(&request)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let internal = |err: ToolError| McpError::internal_error(err.to_string(), None);
        self.session.learn_id(&context.extensions);
        let caller = self.caller(&context.extensions).map_err(internal)?;
        // One read of the session's campaign serves the role and the plugin tools.
        let campaign = self.session.campaign().await.map_err(internal)?;
        let offered = self.offered_specs(&caller, campaign.as_deref()).await.map_err(internal)?;
        let listed = self.toolsets.listed(&self.session).await.map_err(internal)?;
        let allowed: Vec<Tool> = offered
            .into_iter()
            .filter(|spec| self.toolsets.lists(&listed, &spec.name))
            .map(to_rmcp_tool)
            .collect();
        let page_size = self.app.config.server.tools_page_size.max(1);
        let cursor = request.and_then(|r| r.cursor);
        let (page, next_cursor) = crate::tools::paging::page_of(allowed, cursor.as_deref(), page_size)
            .map_err(|err| McpError::invalid_params(format!("tools/list: {err}"), None))?;
        let mut result = ListToolsResult::with_all_items(page);
        result.next_cursor = next_cursor;
        Ok(result)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.session.learn_id(&context.extensions);
        self.start_forwarding(context.peer);
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        resources::list(&self.runner(&context.extensions)?, request.and_then(|r| r.cursor)).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        Ok(resources::read(&self.runner(&context.extensions)?, &request.uri).await?.into())
    }

    #[allow(deprecated, reason = "resources/subscribe is what clients of this protocol version send")]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        // A URI of this server must be one the caller may read now; any other names nothing
        // this server changes, and is accepted without ever being updated.
        if request.uri.starts_with("ttrpg://") {
            resources::read(&self.runner(&context.extensions)?, &request.uri).await?;
        }
        self.session.learn_id(&context.extensions);
        self.session.subscribe(&request.uri).await.map_err(|err| match err {
            subscriptions::SubscribeError::TooMany => McpError::invalid_request(err.to_string(), None),
            subscriptions::SubscribeError::Unavailable(_) => McpError::internal_error(err.to_string(), None),
        })?;

        tracing::debug!(uri = %request.uri, "resource subscribed");
        Ok(())
    }

    #[allow(deprecated, reason = "resources/unsubscribe is what clients of this protocol version send")]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session.learn_id(&context.extensions);
        self.session
            .unsubscribe(&request.uri)
            .await
            .map_err(|err| McpError::internal_error(err.to_string(), None))?;

        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let internal = |err: ToolError| McpError::internal_error(err.to_string(), None);
        self.session.learn_id(&context.extensions);
        let runner = self.runner(&context.extensions)?;
        let campaign = self.session.campaign().await.map_err(internal)?;
        let role = self.listing_role(&runner.caller, campaign.as_deref()).await.map_err(internal)?;
        let prompts = prompts::list(&runner, campaign.as_deref(), role, runner.caller.is_operator())
            .await
            .map_err(internal)?;
        Ok(ListPromptsResult::with_all_items(prompts))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        self.session.learn_id(&context.extensions);
        let runner = self.runner(&context.extensions)?;
        let campaign =
            self.session.campaign().await.map_err(|err| McpError::internal_error(err.to_string(), None))?;
        let arguments: std::collections::BTreeMap<String, String> = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect();
        let span = tracing::info_span!("prompt_get", prompt = %request.name, mcp_session = self.log.id());
        match prompts::get(&runner, campaign.as_deref(), &request.name, arguments).instrument(span).await {
            Ok(result) => Ok(result.into()),
            Err(err @ (ToolError::InvalidArguments(_) | ToolError::NotFound(_) | ToolError::Conflict(_))) => {
                Err(McpError::invalid_params(err.to_string(), None))
            }
            Err(err @ ToolError::Forbidden(_)) => Err(McpError::invalid_request(err.to_string(), None)),
            Err(err) => Err(McpError::internal_error(err.to_string(), None)),
        }
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        self.session.learn_id(&context.extensions);
        let runner = self.runner(&context.extensions)?;
        let campaign = self.session.campaign().await.ok().flatten();
        let given = request.context.and_then(|c| c.arguments).unwrap_or_default();
        let completion = completions::complete(
            &runner,
            campaign.as_deref(),
            &request.r#ref,
            &request.argument.name,
            &request.argument.value,
            &given,
        )
        .await
        .map_err(|err| McpError::internal_error(err.to_string(), None))?;
        Ok(CompleteResult::new(completion))
    }

    #[allow(deprecated, reason = "MCP logging is served for the protocol versions this server speaks")]
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let caller = self
            .caller(&context.extensions)
            .map_err(|err| McpError::internal_error(err.to_string(), None))?;
        self.log.set_level(request.level, context.peer.clone(), caller.is_operator());
        Ok(())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.registry.get(name).map(|tool| to_rmcp_tool(tool.spec().clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        let arguments = request.arguments.map(serde_json::Value::Object).unwrap_or(serde_json::Value::Null);
        self.session.learn_id(&context.extensions);
        // Read once: the span shows it, and a plugin tool runs in it.
        let campaign = self.session.campaign().await;
        let shown = campaign.as_ref().ok().and_then(Option::as_deref).unwrap_or_default().to_string();
        let span =
            tracing::info_span!("tool_call", tool = %name, campaign = %shown, mcp_session = self.log.id());
        let started = std::time::Instant::now();
        let token = context
            .meta
            .get_progress_token()
            .or_else(|| request.meta.as_ref().and_then(|m| m.get_progress_token()));
        let attachments = Attachments::default();
        let call = async {
            let caller = self.caller(&context.extensions)?;
            self.dispatch(&caller, &context.peer, campaign, &name, arguments, &attachments).await
        }
        .instrument(span.clone());
        let call = async {
            match token {
                Some(token) => {
                    let progress: Arc<dyn crate::library::ingest::Progress> =
                        Arc::new(progress::McpProgress::new(context.peer.clone(), token));
                    crate::library::ingest::CALL_PROGRESS.scope(progress, call).await
                }
                None => call.await,
            }
        };
        // `notifications/cancelled` for this request: the call's future is dropped where it
        // stands (writes are transactions; an ingestion stays resumable).
        let outcome = tokio::select! {
            outcome = call => outcome,
            () = context.ct.cancelled() => Err(ToolError::Cancelled(format!(
                "{name} was cancelled by the client; what it had finished is kept"
            ))),
        };
        // campaign_use changes the plugin tools; creating a campaign may make the caller a GM;
        // toolset_enable lists more tools.
        let changes_listing = name == CAMPAIGN_USE
            || name == "campaign_create"
            || (name == toolsets::TOOLSET_ENABLE && self.toolsets.dynamic());
        if changes_listing && outcome.is_ok() {
            self.listing_changed(&context.peer).await;
        }
        let elapsed_us = started.elapsed().as_micros() as u64;
        let known = name == CAMPAIGN_USE
            || (self.toolsets.dynamic() && toolsets::is_toolset_tool(&name))
            || self.registry.get(&name).is_some()
            || (name.contains(TOOL_NAMESPACE_SEPARATOR) && !matches!(outcome, Err(ToolError::NotFound(_))));
        let label = if known { name.as_str() } else { crate::telemetry::UNKNOWN_TOOL };
        self.app.metrics.tool_call(label, outcome_name(&outcome), started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(value) => {
                span.in_scope(|| tracing::debug!(elapsed_us, "tool call done"));
                let mut result = CallToolResult::structured(value);
                result.content.extend(attachments.take().into_iter().map(content_of));
                result
            }
            Err(err) => {
                span.in_scope(|| match &err {
                    ToolError::Internal(_) => tracing::error!(elapsed_us, error = %err, "tool call failed"),
                    ToolError::Forbidden(_) => {
                        tracing::warn!(elapsed_us, error = %err, "tool call forbidden")
                    }
                    _ => tracing::info!(elapsed_us, error = %err, "tool call refused"),
                });
                tool_error(&err)
            }
        };
        Ok(result.into())
    }
}
