//! Events every MCP session may need to hear about, from this host or from another host on
//! the same database.
//!
//! [`Events::publish`] hands an event to this host's sessions at once and sends it to the
//! other hosts through the database ([`crate::storage::NotifyStore`]: PostgreSQL's
//! `NOTIFY`; nothing on SQLite, which has no other hosts). [`Events::relay`], started by
//! `ttrpg serve`, listens for the other hosts' events and hands them to this host's sessions.
//! A message carries the id of the host that sent it, so a host does not hear itself twice.
//! When the listening connection is lost, events may have been missed: the relay hands out
//! [`AppEvent::Resync`] once it listens again, and sessions re-read what they show.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::storage::Storage;

/// The channel the hosts' events travel on.
pub const CHANNEL: &str = "ttrpg_events";

/// How long the relay waits before listening again after the database went away.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// Something every MCP session may need to hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AppEvent {
    /// The plugins enabled in a campaign changed, so its tool list did.
    ToolsChanged {
        /// The campaign.
        campaign_id: String,
    },
    /// Something a client may show as an MCP resource changed: the campaign, a character,
    /// the running combat or a session's log (see [`uri`]).
    ResourceUpdated {
        /// The campaign it belongs to.
        campaign_id: String,
        /// The resource's URI.
        uri: String,
        /// This change's own id, so that a host reads once per change which sessions watch
        /// the resource (empty from a host that sends none).
        #[serde(default)]
        id: String,
    },
    /// What an MCP session's tool list holds changed through some host (`campaign_use`,
    /// `toolset_enable`, a new campaign): the host holding the session's stream tells its
    /// client.
    SessionListChanged {
        /// The MCP session's id.
        session_id: String,
    },
    /// Events from other hosts may have been missed (the connection that hears them was
    /// lost): whatever a session shows may have changed.
    Resync,
}

/// The URIs of a campaign's live resources, which tools name when they change one and
/// `mcp::resources` serves.
pub mod uri {
    /// What every campaign resource's URI starts with.
    pub const CAMPAIGNS: &str = "ttrpg://campaigns/";

    /// A campaign: its settings, plugins and status.
    pub fn campaign(campaign_id: &str) -> String {
        format!("{CAMPAIGNS}{campaign_id}")
    }

    /// A campaign's running combat.
    pub fn combat(campaign_id: &str) -> String {
        format!("{CAMPAIGNS}{campaign_id}/combat")
    }

    /// One character of a campaign.
    pub fn character(campaign_id: &str, character_id: &str) -> String {
        format!("{CAMPAIGNS}{campaign_id}/characters/{character_id}")
    }

    /// The log (notes and rolls) of a campaign's session by its number.
    pub fn session_log(campaign_id: &str, number: i64) -> String {
        format!("{CAMPAIGNS}{campaign_id}/sessions/{number}/log")
    }
}

/// One message between hosts.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    /// The host that sent it.
    origin: String,
    #[serde(flatten)]
    event: AppEvent,
}

/// This host's events, and the way to the other hosts'.
pub struct Events {
    local: broadcast::Sender<AppEvent>,
    storage: Arc<dyn Storage>,
    /// This process's id among the hosts.
    origin: String,
}

impl Events {
    /// Events over `storage`, which carries them to the other hosts.
    pub fn new(storage: Arc<dyn Storage>) -> Events {
        let (local, _) = broadcast::channel(256);
        Events { local, storage, origin: uuid::Uuid::now_v7().simple().to_string() }
    }

    /// Every event from now on, from this host and (while the relay runs) the others.
    pub fn subscribe(&self) -> broadcast::Receiver<AppEvent> {
        self.local.subscribe()
    }

    /// Hands `event` to this host's sessions and sends it to the other hosts. The local
    /// sessions have it even when the database cannot take it (then the error says so).
    pub async fn publish(&self, event: AppEvent) -> anyhow::Result<()> {
        let _ = self.local.send(event.clone());
        let message = serde_json::to_string(&Message { origin: self.origin.clone(), event })?;
        self.storage.notify(CHANNEL, &message).await?;
        Ok(())
    }

    /// Listens for the other hosts' events until the process ends, handing each to this
    /// host's sessions; listens again whenever the database goes away and comes back.
    /// Does nothing on an engine with no other hosts.
    pub fn relay(self: &Arc<Self>) {
        let events = self.clone();
        tokio::spawn(async move {
            let mut lost = false;
            loop {
                match events.storage.listen(CHANNEL).await {
                    Ok(None) => return,
                    Ok(Some(mut listener)) => {
                        if lost {
                            tracing::info!("listening for other hosts' events again");
                            let _ = events.local.send(AppEvent::Resync);
                        }
                        loop {
                            match listener.recv().await {
                                Ok(Some(payload)) => events.hand_out(&payload),
                                Ok(None) => {
                                    tracing::warn!("lost the connection that hears other hosts' events");
                                    let _ = events.local.send(AppEvent::Resync);
                                }
                                Err(err) => {
                                    tracing::warn!("cannot hear other hosts' events: {err}");
                                    break;
                                }
                            }
                        }
                        lost = true;
                    }
                    Err(err) => {
                        if !lost {
                            tracing::warn!("cannot listen for other hosts' events: {err}");
                        }
                        lost = true;
                    }
                }
                tokio::time::sleep(RELISTEN_AFTER).await;
            }
        });
    }

    /// Hands another host's message to this host's sessions.
    fn hand_out(&self, payload: &str) {
        match serde_json::from_str::<Message>(payload) {
            Ok(message) if message.origin == self.origin => {}
            Ok(message) => {
                let _ = self.local.send(message.event);
            }
            // A newer host may send events this one does not know.
            Err(err) => tracing::debug!("ignoring an event this host does not understand: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_their_origin_and_the_event() {
        let message =
            Message { origin: "h1".into(), event: AppEvent::ToolsChanged { campaign_id: "c1".into() } };
        let text = serde_json::to_string(&message).unwrap_or_default();
        assert_eq!(text, r#"{"origin":"h1","event":"tools_changed","campaign_id":"c1"}"#);
        let back: Message = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.event, AppEvent::ToolsChanged { campaign_id: "c1".into() });
    }
}
