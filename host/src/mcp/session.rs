//! What one MCP session remembers: the campaign it works on (`campaign_use`), which
//! decides which plugins' tools it sees; the resources it subscribed to; the toolsets it
//! enabled.
//!
//! Over stdio the session is this process's, and all of it is kept in memory. Over
//! Streamable HTTP the session may reach any host behind a load balancer (and a host takes
//! over the sessions of one that died), so it is kept in the database with the session
//! ([`crate::storage::McpSessionStore`]), read on each request and never cached in a host's
//! memory: whichever host holds the session's notification stream sends the updates it
//! subscribed to through another host, and lists the toolsets it enabled there.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rmcp::transport::streamable_http_server::session::SessionRestoreMarker;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::subscriptions::{MAX_SUBSCRIPTIONS, SubscribeError, Subscriptions};
use crate::access::{self, Caller};
use crate::app::App;
use crate::plugins::{UnavailablePlugin, namespaced_tool};
use crate::storage::{Campaign, CampaignPluginRecord, Storage, StorageError};
use crate::tools::ToolError;
use crate::tools::registry::{ToolHints, ToolSpec, input_schema, output_schema};

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
    Memory {
        /// The campaign in use.
        campaign: RwLock<Option<String>>,
        /// The subscribed URIs.
        subscriptions: Subscriptions,
        /// The toolsets enabled beyond the configured ones.
        toolsets: RwLock<BTreeSet<String>>,
    },
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
        SessionState {
            kept: Kept::Memory {
                campaign: RwLock::default(),
                subscriptions: Subscriptions::default(),
                toolsets: RwLock::default(),
            },
        }
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
            Kept::Memory { .. } => None,
            Kept::Database { id, .. } => id.get().map(String::as_str),
        }
    }

    /// The campaign this session works on.
    pub async fn campaign(&self) -> Result<Option<String>, ToolError> {
        match &self.kept {
            Kept::Memory { campaign, .. } => Ok(campaign.read().unwrap_or_else(|p| p.into_inner()).clone()),
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
            Kept::Memory { campaign, .. } => {
                *campaign.write().unwrap_or_else(|p| p.into_inner()) = Some(campaign_id);
                Ok(())
            }
            Kept::Database { storage, .. } => Ok(storage
                .mcp_session_use_campaign(self.known_id("set the campaign of")?, &campaign_id)
                .await?),
        }
    }

    /// The session's id, or an error saying it has none to `act` on (a request without an
    /// `Mcp-Session-Id`).
    fn known_id(&self, act: &str) -> Result<&str, ToolError> {
        self.id().ok_or_else(|| {
            ToolError::Internal(format!(
                "this HTTP request carries no MCP session id, so there is no session to {act}"
            ))
        })
    }

    /// Watches `uri` for this session (again: nothing changes).
    pub async fn subscribe(&self, uri: &str) -> Result<(), SubscribeError> {
        match &self.kept {
            Kept::Memory { subscriptions, .. } => subscriptions.subscribe(uri),
            Kept::Database { storage, .. } => {
                let id = self.known_id("subscribe")?;
                match storage.mcp_session_subscribe(id, uri, MAX_SUBSCRIPTIONS).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(SubscribeError::TooMany),
                    Err(err) => Err(ToolError::from(err).into()),
                }
            }
        }
    }

    /// Stops watching `uri`; whether it was watched.
    pub async fn unsubscribe(&self, uri: &str) -> Result<bool, ToolError> {
        match &self.kept {
            Kept::Memory { subscriptions, .. } => Ok(subscriptions.unsubscribe(uri)),
            Kept::Database { storage, .. } => {
                Ok(storage.mcp_session_unsubscribe(self.known_id("unsubscribe")?, uri).await?)
            }
        }
    }

    /// Every URI the session watches (none before its id is known).
    pub async fn subscriptions(&self) -> Result<Vec<String>, ToolError> {
        match &self.kept {
            Kept::Memory { subscriptions, .. } => Ok(subscriptions.all()),
            Kept::Database { storage, id, .. } => match id.get() {
                Some(id) => Ok(storage.mcp_session_subscriptions(id).await?),
                None => Ok(Vec::new()),
            },
        }
    }

    /// The toolsets the session enabled beyond the configured ones.
    pub async fn toolsets(&self) -> Result<Vec<String>, ToolError> {
        match &self.kept {
            Kept::Memory { toolsets, .. } => {
                Ok(toolsets.read().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect())
            }
            Kept::Database { storage, id, .. } => match id.get() {
                Some(id) => Ok(storage.mcp_session_toolsets(id).await?),
                None => Ok(Vec::new()),
            },
        }
    }

    /// Records toolsets the session enabled.
    pub async fn enable_toolsets(&self, names: &[String]) -> Result<(), ToolError> {
        match &self.kept {
            Kept::Memory { toolsets, .. } => {
                toolsets.write().unwrap_or_else(|p| p.into_inner()).extend(names.iter().cloned());
                Ok(())
            }
            Kept::Database { storage, .. } => {
                Ok(storage.mcp_session_add_toolsets(self.known_id("enable toolsets in")?, names).await?)
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
    ToolSpec {
        name: CAMPAIGN_USE.to_string(),
        title: "Use a campaign".to_string(),
        description: "Choose the campaign this MCP session works on. The tools of the plugins enabled in that \
                      campaign (named <plugin>__<tool>) then appear in the tool list, and plugin tools run in it. \
                      The client is told the tool list changed."
            .to_string(),
        input_schema: input_schema::<UseArgs>(),
        output_schema: output_schema::<UseResult>(),
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
