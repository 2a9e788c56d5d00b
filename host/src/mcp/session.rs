//! What one MCP session remembers: the campaign it works on (`campaign_use`), which
//! decides which plugins' tools it sees.
//!
//! Over stdio the session is this process's, and the campaign is kept in memory. Over
//! Streamable HTTP the session may reach any host behind a load balancer, so the campaign is
//! kept in the database with the session ([`crate::storage::McpSessionStore`]), read on each
//! request and never cached in a host's memory.

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rmcp::transport::streamable_http_server::session::SessionRestoreMarker;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{self, Caller};
use crate::app::App;
use crate::plugins::{UnavailablePlugin, namespaced_tool};
use crate::storage::{Campaign, CampaignPluginRecord, Storage, StorageError};
use crate::tools::ToolError;
use crate::tools::registry::{ToolHints, ToolSpec};

/// The name of the session tool.
pub const CAMPAIGN_USE: &str = "campaign_use";

/// How often a host marks a session it serves as used (its idle window is much longer).
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// The oldest last use of a session that is still alive, for sessions gone after `idle`.
pub(super) fn live_since(idle: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::from_std(idle).unwrap_or_default()
}

/// Per-session state, shared by the clones of one session's server.
pub struct SessionState {
    kept: Kept,
}

/// Where a session's campaign is kept.
enum Kept {
    /// In this process (stdio).
    Memory(RwLock<Option<String>>),
    /// In the database, under the session's id (Streamable HTTP).
    Database {
        storage: Arc<dyn Storage>,
        /// A session untouched for this long is gone.
        idle: Duration,
        /// The session's id, learned from its first request that carries one.
        id: OnceLock<String>,
        /// When this host last marked the session as used.
        touched: Mutex<Option<Instant>>,
    },
}

impl SessionState {
    /// A session whose state lives in this process.
    pub fn in_memory() -> Self {
        SessionState { kept: Kept::Memory(RwLock::default()) }
    }

    /// A session whose state lives in `storage`, for any host to read; gone after `idle`.
    pub fn in_database(storage: Arc<dyn Storage>, idle: Duration) -> Self {
        SessionState {
            kept: Kept::Database { storage, idle, id: OnceLock::new(), touched: Mutex::new(None) },
        }
    }

    /// Learns the session's id from a request's extensions: the `Mcp-Session-Id` header, or
    /// the marker rmcp puts on the handshake it replays when a host takes a session over.
    pub fn learn_id(&self, extensions: &rmcp::model::Extensions) {
        let Kept::Database { id, .. } = &self.kept else { return };
        if id.get().is_some() {
            return;
        }
        let from_header = extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.headers.get("mcp-session-id"))
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let from_restore = || extensions.get::<SessionRestoreMarker>().map(|marker| marker.id.to_string());
        if let Some(found) = from_header.or_else(from_restore) {
            let _ = id.set(found);
        }
    }

    /// The session's id, once learned (HTTP only).
    pub fn id(&self) -> Option<&str> {
        match &self.kept {
            Kept::Memory(_) => None,
            Kept::Database { id, .. } => id.get().map(String::as_str),
        }
    }

    /// The campaign this session works on.
    pub async fn campaign(&self) -> Result<Option<String>, ToolError> {
        match &self.kept {
            Kept::Memory(campaign) => Ok(campaign.read().unwrap_or_else(|p| p.into_inner()).clone()),
            Kept::Database { storage, idle, id, touched } => {
                let Some(id) = id.get() else { return Ok(None) };
                let campaign = match storage.mcp_session_campaign(id, live_since(*idle)).await {
                    Ok(campaign) => campaign,
                    // Not recorded (its record expired while this host kept it): no campaign.
                    Err(StorageError::NotFound { .. }) => None,
                    Err(err) => return Err(err.into()),
                };
                let due = {
                    let mut touched = touched.lock().unwrap_or_else(|p| p.into_inner());
                    let due = touched.is_none_or(|at| at.elapsed() >= TOUCH_EVERY);
                    if due {
                        *touched = Some(Instant::now());
                    }
                    due
                };
                if due {
                    storage.mcp_session_touch(id).await?;
                }
                Ok(campaign)
            }
        }
    }

    async fn set_campaign(&self, campaign_id: String) -> Result<(), ToolError> {
        match &self.kept {
            Kept::Memory(campaign) => {
                *campaign.write().unwrap_or_else(|p| p.into_inner()) = Some(campaign_id);
                Ok(())
            }
            Kept::Database { storage, id, .. } => {
                let Some(id) = id.get() else {
                    return Err(ToolError::Internal(
                        "this HTTP request carries no MCP session id, so there is no session to set the \
                         campaign of"
                            .into(),
                    ));
                };
                Ok(storage.mcp_session_use_campaign(id, &campaign_id).await?)
            }
        }
    }
}

/// Arguments of `campaign_use`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UseArgs {
    /// The campaign this MCP session works on from now on.
    pub campaign_id: String,
}

/// The result of `campaign_use`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UseResult {
    /// The campaign now in use.
    pub campaign: Campaign,
    /// Its enabled plugins.
    pub plugins: Vec<CampaignPluginRecord>,
    /// The plugin tools this session now offers (also in tools/list).
    pub plugin_tools: Vec<String>,
    /// Enabled plugins that cannot run now, and why (their tools are not offered).
    pub unavailable: Vec<UnavailablePlugin>,
}

/// The spec of `campaign_use`, listed with the core tools.
pub fn campaign_use_spec() -> ToolSpec {
    let input =
        schemars::generate::SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<UseArgs>();
    let output = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<UseResult>();
    let object = |schema: schemars::Schema| match serde_json::to_value(schema) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.remove("title");
            map.remove("description");
            map
        }
        _ => serde_json::Map::new(),
    };
    ToolSpec {
        name: CAMPAIGN_USE.to_string(),
        title: "Use a campaign".to_string(),
        description: "Choose the campaign this MCP session works on. The tools of the plugins enabled in that \
                      campaign (named <plugin>__<tool>) then appear in the tool list, and plugin tools run in it. \
                      The client is told the tool list changed."
            .to_string(),
        input_schema: object(input),
        output_schema: object(output),
        hints: ToolHints::SET,
        need: access::Need::Player,
    }
}

/// Runs `campaign_use` for a session: only a campaign the caller is part of.
pub async fn campaign_use(
    app: &App,
    caller: &Caller,
    session: &Arc<SessionState>,
    arguments: serde_json::Value,
) -> Result<serde_json::Value, ToolError> {
    let args: UseArgs = serde_json::from_value(arguments)
        .map_err(|err| ToolError::InvalidArguments(format!("invalid arguments for {CAMPAIGN_USE}: {err}")))?;
    let campaign = app.storage.get_campaign(&args.campaign_id).await?;
    if access::role_in(app, caller, &campaign.id).await?.is_none() {
        return Err(StorageError::not_found("campaign", &campaign.id).into());
    }
    let (enabled, unavailable) = app.plugins.enabled_and_unavailable(&campaign.id).await?;
    let plugin_tools = enabled
        .iter()
        .flat_map(|e| e.plugin.tools().iter().map(|t| namespaced_tool(&e.record.plugin_id, &t.name)))
        .collect();
    session.set_campaign(campaign.id.clone()).await?;
    let result = UseResult {
        campaign,
        plugins: enabled.into_iter().map(|e| e.record).collect(),
        plugin_tools,
        unavailable,
    };
    serde_json::to_value(result).map_err(|err| ToolError::Internal(err.to_string()))
}
