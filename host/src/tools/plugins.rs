//! Plugin tools: see what is installed, enable and disable plugins per campaign, and run
//! a plugin's own tools.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_plugin_runtime::model::CallContext;
use ttrpg_plugin_runtime::{CallError, RefusalKind};

use super::CampaignScopedTools;
use super::registry::{ConsentAnswer, ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::{Caller, Need};
use crate::app::App;
use crate::plugins::{PluginServices, RecordRights, namespaced_tool};
use crate::storage::{CampaignPluginRecord, InstalledPluginRecord};

/// Arguments of `plugin_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Also show which plugins this campaign has enabled.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Installed versions per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Arguments of `plugin_enable`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnableArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The plugin id, e.g. "dnd5e".
    pub plugin: String,
    /// A semver requirement such as "^1.2", "=1.0.0" or "*" (default): the highest installed
    /// version that matches is enabled.
    #[serde(default)]
    pub version: Option<String>,
    /// Capabilities to grant, from those the plugin asks for: "log", "random", "kv", "search",
    /// "host-tools".
    /// Nothing is granted by default.
    #[serde(default)]
    pub grants: Vec<String>,
}

/// Arguments of `plugin_disable`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The plugin id.
    pub plugin: String,
}

/// Installed plugins, and a campaign's enabled ones.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListResult {
    /// Every installed plugin version.
    pub installed: Vec<InstalledPluginRecord>,
    /// The campaign's enabled plugins (when campaign_id was given; all of them, on every page).
    pub enabled: Vec<CampaignPluginRecord>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A plugin enabled in a campaign, with the tools it adds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EnableResult {
    /// The enablement.
    pub enabled: CampaignPluginRecord,
    /// The MCP names of the tools it adds to the campaign.
    pub tools: Vec<String>,
    /// Whether campaigns on this plugin's system now roll dice with its grammar.
    pub dice_grammar: Option<String>,
}

/// A plugin disabled in a campaign.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DisableResult {
    /// The campaign.
    pub campaign_id: String,
    /// The plugin id.
    pub plugin: String,
}

/// The plugin management tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "plugin_list",
            "List plugins",
            "List the game-system plugins installed on this server (id, version, system, API version), and with \
             campaign_id the ones that campaign has enabled and the capabilities granted to them.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
        typed_tool(
            "plugin_enable",
            "Enable a plugin in a campaign",
            "Enable an installed plugin in a campaign: the highest installed version matching the version \
             requirement (\"^1.2\", \"*\") is used, and only the capabilities in grants are allowed. Its tools then \
             appear as <plugin>__<tool> for sessions using that campaign (campaign_use), and a campaign whose system \
             matches the plugin's rolls dice with its grammar. Enabling again changes the version or grants.",
            ToolHints::SET,
            Need::Gm,
            enable,
        ),
        typed_tool(
            "plugin_disable",
            "Disable a plugin in a campaign",
            "Disable a plugin in a campaign: its tools disappear from that campaign. Its stored data is kept.",
            ToolHints::SET,
            Need::Gm,
            disable,
        ),
    ]
}

async fn list(app: ToolCall, args: ListArgs) -> Result<ListResult, ToolError> {
    let installed = app.plugins.installed().await?;
    let enabled = match &args.campaign_id {
        Some(id) => app.storage.campaign_plugins(id).await?,
        None => Vec::new(),
    };
    let (installed, next_cursor) = super::paging::page(installed, args.cursor.as_deref(), args.limit)?;
    Ok(ListResult { installed, enabled, next_cursor })
}

/// What a plugin's tool needs of its caller: the role its manifest declares (API 0.2); every
/// tool of a 0.1 plugin is a GM tool.
pub fn need_of_plugin_tool(role: ttrpg_plugin_runtime::model::ToolRole) -> Need {
    match role {
        ttrpg_plugin_runtime::model::ToolRole::Player => Need::Player,
        ttrpg_plugin_runtime::model::ToolRole::Gm => Need::Gm,
    }
}

/// Grants a plugin may get without asking anyone: it can only write log lines.
const HARMLESS_GRANTS: &[&str] = &["log"];

/// Refuses grants beyond [`HARMLESS_GRANTS`] unless a person said yes: the caller holds an
/// admin token, or the person at the client confirmed through elicitation. A model told
/// by a prompt to grant itself `host-tools` cannot answer that question for them.
async fn require_consent(
    app: &ToolCall,
    plugin: &str,
    campaign_id: &str,
    grants: &[String],
) -> Result<(), ToolError> {
    let risky: Vec<&str> =
        grants.iter().map(String::as_str).filter(|g| !HARMLESS_GRANTS.contains(g)).collect();
    if risky.is_empty() || app.viewer.caller.is_admin_token() {
        return Ok(());
    }
    let question = format!(
        "Allow the plugin {plugin:?} to use {} in campaign {campaign_id}? {}",
        risky.join(", "),
        "kv stores data, random draws numbers, search reads the campaign's records, host-tools lets it          call the server's own tools in this campaign."
    );
    match app.confirm(&question).await {
        ConsentAnswer::Confirmed => Ok(()),
        ConsentAnswer::Declined => Err(ToolError::Forbidden(format!(
            "plugin_enable: the person at the client declined granting {} to {plugin:?}; nothing changed",
            risky.join(", ")
        ))),
        ConsentAnswer::Unavailable => Err(ToolError::Forbidden(format!(
            "plugin_enable: granting {} needs a person's yes, and this client cannot ask (no MCP elicitation). \
             Enable it with an admin token, or on the server: `ttrpg plugin enable {plugin} --campaign {campaign_id} \
             --grant {}`",
            risky.join(", "),
            risky.join(",")
        ))),
    }
}

async fn enable(app: ToolCall, args: EnableArgs) -> Result<EnableResult, ToolError> {
    let plugin = validate::name("plugin", &args.plugin)?;
    require_consent(&app, &plugin, &args.campaign_id, &args.grants).await?;
    let requirement = args.version.as_deref().map(str::trim).filter(|v| !v.is_empty()).unwrap_or("*");
    let enabled = app
        .plugins
        .enable(&args.campaign_id, &plugin, requirement, &args.grants, super::core_tool_names())
        .await?;
    app.tools_changed(&args.campaign_id).await;
    let tools = enabled.plugin.tools().iter().map(|t| namespaced_tool(&plugin, &t.name)).collect();
    Ok(EnableResult {
        dice_grammar: enabled.plugin.dice_grammar().map(str::to_string),
        enabled: enabled.record,
        tools,
    })
}

async fn disable(app: ToolCall, args: DisableArgs) -> Result<DisableResult, ToolError> {
    app.plugins.disable(&args.campaign_id, &args.plugin).await?;
    app.tools_changed(&args.campaign_id).await;
    Ok(DisableResult { campaign_id: args.campaign_id, plugin: args.plugin })
}

/// Runs a plugin's tool (`<plugin>__<tool>`) for a campaign, with the grants the campaign
/// gave the plugin and a fresh seed ([`ttrpg_dice::fresh_seed`]) for whatever it draws.
/// The call is logged with that seed: calling the same plugin version's tool with the same
/// seed, arguments and host state ([`ttrpg_plugin_runtime::LoadedPlugin::call_tool`])
/// replays its result. The caller's role in the campaign must allow the tool (it is checked
/// here, like a core tool's need); core tools the plugin calls through `host-tools` run with
/// `caller`'s rights in the campaign.
pub async fn call_plugin_tool(
    app: Arc<App>,
    caller: &Caller,
    campaign_id: &str,
    session_id: Option<String>,
    name: &str,
    arguments: &serde_json::Value,
) -> Result<serde_json::Value, ToolError> {
    let (enabled, spec) = app.plugins.resolve_tool(campaign_id, name).await?;
    let scope = serde_json::json!({ "campaign_id": campaign_id });
    crate::access::authorize(&app, caller, name, need_of_plugin_tool(spec.role), &scope).await?;
    let tool = name.split_once(crate::plugins::TOOL_NAMESPACE_SEPARATOR).map(|(_, t)| t).unwrap_or(name);
    if !arguments.is_object() {
        return Err(ToolError::invalid(format!("arguments of {name} must be a JSON object")));
    }
    let context = CallContext { campaign_id: campaign_id.to_string(), session_id };
    let seed = ttrpg_dice::fresh_seed();
    let services = plugin_services(&app, caller, campaign_id).await;
    let manifest = enabled.plugin.manifest();
    let mut counted = CountedCall::new(&app, &manifest.id);
    let call = enabled.plugin.call_tool(&context, &enabled.grants, services, seed, tool, arguments);
    let outcome = with_time_progress(call, app.config.plugins.call_timeout_ms).await;
    // "ok", the kind of the plugin's own refusal, or "error" (timeout, trap, limits, bad result).
    let outcome_kind = match &outcome {
        Ok(_) => "ok",
        Err(CallError::Refused { kind, .. }) => kind.name(),
        Err(_) => "error",
    };
    counted.finish(outcome_kind);
    tracing::info!(
        campaign_id,
        plugin = %manifest.id,
        version = %manifest.version,
        tool,
        seed,
        outcome = outcome_kind,
        "plugin tool called"
    );
    outcome.map_err(plugin_error)
}

/// How often a plugin call reports its time to a client that asked for progress.
const PLUGIN_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs a plugin call; while it runs, a client that asked for progress hears how much of
/// its time limit (`limit_ms`) is gone, every [`PLUGIN_PROGRESS_EVERY`]. A quick call
/// reports nothing; one nearing its deadline shows it.
async fn with_time_progress<T>(call: impl std::future::Future<Output = T>, limit_ms: u64) -> T {
    let Some(progress) = crate::library::ingest::current_progress() else { return call.await };
    let started = std::time::Instant::now();
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + PLUGIN_PROGRESS_EVERY, PLUGIN_PROGRESS_EVERY);
    tokio::pin!(call);
    loop {
        tokio::select! {
            outcome = &mut call => return outcome,
            _ = tick.tick() => {
                let gone = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                progress.update(crate::library::ingest::Stage::PluginCall, gone.min(limit_ms), limit_ms.max(1));
            }
        }
    }
}

/// Counts one plugin call in the metrics however it ends: with its outcome, or as
/// `cancelled` when the client cancelled it and its future was dropped mid-call.
struct CountedCall<'a> {
    app: &'a App,
    plugin: &'a str,
    started: std::time::Instant,
    counted: bool,
}

impl<'a> CountedCall<'a> {
    fn new(app: &'a App, plugin: &'a str) -> Self {
        CountedCall { app, plugin, started: std::time::Instant::now(), counted: false }
    }

    fn finish(&mut self, outcome: &str) {
        self.app.metrics.plugin_call(self.plugin, outcome, self.started.elapsed().as_secs_f64());
        self.counted = true;
    }
}

impl Drop for CountedCall<'_> {
    fn drop(&mut self) {
        if !self.counted {
            self.finish("cancelled");
        }
    }
}

/// A failed plugin call as a tool error: the plugin's own refusals keep their kind.
fn plugin_error(err: CallError) -> ToolError {
    match err {
        CallError::Refused { kind: RefusalKind::InvalidArguments, message } => {
            ToolError::InvalidArguments(message)
        }
        CallError::Refused { kind: RefusalKind::NotFound, message } => ToolError::NotFound(message),
        other => ToolError::Plugin(other.to_string()),
    }
}

/// What a plugin call in `campaign_id` for `caller` may reach of the host: its storage and
/// cache, the caller's own tools in that campaign, and record writes as their role allows.
async fn plugin_services(app: &Arc<App>, caller: &Caller, campaign_id: &str) -> Arc<PluginServices> {
    let host_tools = Arc::new(CampaignScopedTools::new(app.clone(), caller.clone()));
    let campaign_gm =
        matches!(crate::access::role_in(app, caller, campaign_id).await, Ok(Some(crate::access::Role::Gm)));
    let rights = RecordRights { campaign_gm, operator: caller.is_operator() };
    Arc::new(PluginServices::new(app.storage.clone(), app.cache.clone(), host_tools, rights))
}

/// Builds an enabled plugin's prompt `prompt` (its name without the namespace) in
/// `campaign_id` for `caller`, who was authorized for it.
pub async fn get_plugin_prompt(
    app: Arc<App>,
    caller: &Caller,
    campaign_id: &str,
    enabled: &crate::plugins::EnabledPlugin,
    prompt: &str,
    arguments: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<ttrpg_plugin_runtime::model::PromptMessage>, ToolError> {
    let context = CallContext { campaign_id: campaign_id.to_string(), session_id: None };
    let seed = ttrpg_dice::fresh_seed();
    let services = plugin_services(&app, caller, campaign_id).await;
    let outcome =
        enabled.plugin.get_prompt(&context, &enabled.grants, services, seed, prompt, arguments).await;
    let manifest = enabled.plugin.manifest();
    tracing::info!(campaign_id, plugin = %manifest.id, version = %manifest.version, prompt, seed, ok = outcome.is_ok(), "plugin prompt built");
    outcome.map_err(plugin_error)
}
