//! The session store rmcp consults when a request names a session this host has not seen:
//! the sessions table every host reads ([`crate::storage::McpSessionStore`]). With it, a
//! client's `initialize` may reach one host and its next request another; the second host
//! replays the handshake from the stored state and serves the request.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rmcp::transport::streamable_http_server::session::{SessionState, SessionStore, SessionStoreError};

use crate::storage::Storage;

/// rmcp's [`SessionStore`] over the host's database.
pub struct SharedSessions {
    storage: Arc<dyn Storage>,
    /// A session untouched for this long is gone.
    idle: Duration,
}

impl SharedSessions {
    /// Sessions in `storage`, gone once untouched for `idle`.
    pub fn new(storage: Arc<dyn Storage>, idle: Duration) -> Self {
        SharedSessions { storage, idle }
    }

    fn live_since(&self) -> chrono::DateTime<chrono::Utc> {
        super::session::live_since(self.idle)
    }
}

#[async_trait]
impl SessionStore for SharedSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let Some(state) = self.storage.mcp_session_load(session_id, self.live_since()).await? else {
            return Ok(None);
        };
        Ok(Some(serde_json::from_str(&state)?))
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        self.storage.mcp_session_save(session_id, &serde_json::to_string(state)?).await?;
        // Sessions a client abandoned go with the next one opened.
        let pruned = self.storage.mcp_sessions_prune(self.live_since()).await?;
        if pruned > 0 {
            tracing::debug!(pruned, "forgot MCP sessions idle for longer than {:?}", self.idle);
        }
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.storage.mcp_session_delete(session_id).await?;
        Ok(())
    }
}
