//! Running a core tool on a caller's behalf: for `tools/call`, and for a resource's
//! contents, a prompt's material, a completion's candidates. Every run goes through
//! [`access::authorize`], so a read shows the caller exactly what the tool would, and nothing
//! their role does not allow.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::access::{self, Caller, Role};
use crate::app::App;
use crate::tools::{Attachments, Consent, ToolCall, ToolError, ToolRegistry};

/// Runs core tools for one caller.
#[derive(Clone)]
pub struct Runner {
    /// The application.
    pub app: Arc<App>,
    registry: Arc<ToolRegistry>,
    /// Who the reads are for.
    pub caller: Caller,
    /// Read as a player of the campaign, whatever the caller's role (see [`Runner::as_player`]).
    player_view: bool,
}

impl Runner {
    /// Reads for `caller` through the tools in `registry`.
    pub fn new(app: Arc<App>, registry: Arc<ToolRegistry>, caller: Caller) -> Self {
        Runner { app, registry, caller, player_view: false }
    }

    /// Runs the core tool `name` with `arguments` as the caller, with their role.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<Value, ToolError> {
        self.run(name, arguments, None, &Attachments::default()).await
    }

    /// Runs the core tool `name` for a `tools/call`: it may ask the person through `consent`
    /// and hand the client `attachments`.
    pub async fn call_for_client(
        &self,
        name: &str,
        arguments: Value,
        consent: Arc<dyn Consent>,
        attachments: &Attachments,
    ) -> Result<Value, ToolError> {
        self.run(name, arguments, Some(consent), attachments).await
    }

    /// The same caller reading as a player of the campaign would: what the table may see,
    /// even when the caller is its GM.
    pub fn as_player(&self) -> Runner {
        Runner { player_view: true, ..self.clone() }
    }

    async fn run(
        &self,
        name: &str,
        arguments: Value,
        consent: Option<Arc<dyn Consent>>,
        attachments: &Attachments,
    ) -> Result<Value, ToolError> {
        let tool = self.registry.get(name).ok_or_else(|| {
            ToolError::Internal(format!("the core tool {name} is missing from the registry"))
        })?;
        let mut viewer =
            access::authorize(&self.app, &self.caller, name, tool.spec().need, &arguments).await?;
        if self.player_view {
            viewer.role = Role::Player;
        }
        let call = ToolCall { app: self.app.clone(), viewer, consent, attachments: attachments.clone() };
        tool.call(call, arguments).await
    }

    /// The caller's role in a campaign, `None` when they are not part of it (or it does not
    /// exist).
    pub async fn role_in(&self, campaign_id: &str) -> Option<Role> {
        access::role_in(&self.app, &self.caller, campaign_id).await.ok().flatten()
    }

    /// Every item a paged core list tool gives (`list` is the result's field), page after page.
    pub async fn every(&self, name: &str, arguments: Value, list: &str) -> Result<Vec<Value>, ToolError> {
        let mut items = Vec::new();
        let mut arguments = arguments;
        arguments["limit"] = json!(crate::tools::paging::MAX_LIMIT);
        loop {
            let page = self.call(name, arguments.clone()).await?;
            items.extend(page[list].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => arguments["cursor"] = json!(next),
                None => return Ok(items),
            }
        }
    }

    /// The campaigns the caller may see, as `campaign_list` gives them.
    pub async fn campaigns(&self) -> Result<Vec<Value>, ToolError> {
        self.every("campaign_list", json!({}), "campaigns").await
    }

    /// The id of the campaign `given` names (its id, or its name in any case) among those the
    /// caller may see.
    pub async fn resolve_campaign(&self, given: &str) -> Result<String, ToolError> {
        let campaigns = self.campaigns().await?;
        let by_id = campaigns.iter().find(|c| c["id"].as_str() == Some(given));
        let by_name =
            || campaigns.iter().find(|c| c["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(given)));
        match by_id.or_else(by_name) {
            Some(campaign) => Ok(campaign["id"].as_str().unwrap_or_default().to_string()),
            None => {
                let names: Vec<&str> = campaigns.iter().filter_map(|c| c["name"].as_str()).collect();
                Err(ToolError::NotFound(format!(
                    "no campaign named {given:?} that you are part of; yours are: {}",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )))
            }
        }
    }

    /// Every session of a campaign, as `session_list` gives them.
    pub async fn sessions(&self, campaign_id: &str) -> Result<Vec<Value>, ToolError> {
        self.every("session_list", json!({ "campaign_id": campaign_id }), "sessions").await
    }

    /// A campaign's session by its number.
    pub async fn session_by_number(&self, campaign_id: &str, number: i64) -> Result<Value, ToolError> {
        self.sessions(campaign_id)
            .await?
            .into_iter()
            .find(|s| s["number"].as_i64() == Some(number))
            .ok_or_else(|| ToolError::NotFound(format!("campaign {campaign_id:?} has no session {number}")))
    }

    /// The levels of the campaign's player characters that have one (the party an encounter
    /// is built for).
    pub async fn party_levels(&self, campaign_id: &str) -> Result<Vec<u8>, ToolError> {
        let pcs = self
            .every("character_list", json!({ "campaign_id": campaign_id, "kind": "pc" }), "characters")
            .await?;
        Ok(pcs.iter().filter_map(|c| c["level"].as_i64()).filter_map(|l| u8::try_from(l).ok()).collect())
    }
}
