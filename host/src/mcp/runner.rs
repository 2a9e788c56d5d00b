//! Running a core tool on a caller's behalf for something other than `tools/call`: a
//! resource's contents, a prompt's material, a completion's candidates. Every such read goes
//! through the same [`access::authorize`] as a tool call, so it shows the caller exactly what
//! the tool would, and nothing their role does not allow.

use std::sync::Arc;

use serde_json::Value;

use crate::access::{self, Caller, Role};
use crate::app::App;
use crate::tools::{ToolCall, ToolError, ToolRegistry};

/// Runs core tools for one caller.
#[derive(Clone)]
pub struct Runner {
    /// The application.
    pub app: Arc<App>,
    registry: Arc<ToolRegistry>,
    /// Who the reads are for.
    pub caller: Caller,
}

impl Runner {
    /// Reads for `caller` through the tools in `registry`.
    pub fn new(app: Arc<App>, registry: Arc<ToolRegistry>, caller: Caller) -> Self {
        Runner { app, registry, caller }
    }

    /// Runs the core tool `name` with `arguments` as the caller, with their role.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<Value, ToolError> {
        self.run(name, arguments, false).await
    }

    /// Runs the core tool `name` as the caller would see it were they a player of the
    /// campaign: what the table may see, even when the caller is its GM.
    pub async fn call_as_player(&self, name: &str, arguments: Value) -> Result<Value, ToolError> {
        self.run(name, arguments, true).await
    }

    async fn run(&self, name: &str, arguments: Value, as_player: bool) -> Result<Value, ToolError> {
        let tool = self.registry.get(name).ok_or_else(|| {
            ToolError::Internal(format!("the core tool {name} is missing from the registry"))
        })?;
        let mut viewer =
            access::authorize(&self.app, &self.caller, name, tool.spec().need, &arguments).await?;
        if as_player {
            viewer.role = Role::Player;
        }
        let call = ToolCall { app: self.app.clone(), viewer, consent: None, attachments: Default::default() };
        tool.call(call, arguments).await
    }

    /// The caller's role in a campaign, `None` when they are not part of it (or it does not
    /// exist).
    pub async fn role_in(&self, campaign_id: &str) -> Option<Role> {
        access::role_in(&self.app, &self.caller, campaign_id).await.ok().flatten()
    }
}
