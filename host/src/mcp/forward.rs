//! What a session's client hears of the events of every host (`crate::app::events`): its
//! tool and prompt lists changed (the plugins of the campaign it uses, or its own
//! `campaign_use` or `toolset_enable` through any host), a resource it subscribed to changed,
//! or everything may have (a resync). One task per session on each host that serves it; only
//! the host holding the session's stream reaches the client.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::ResourceUpdatedNotificationParam;
use rmcp::service::Peer;
use tokio::sync::broadcast::{self, error::RecvError};

use super::session::SessionState;
use super::watchers::Watchers;
use crate::app::AppEvent;

/// Starts forwarding `events` to the client of `session` through `peer`, until the client
/// is gone.
pub fn spawn(
    mut events: broadcast::Receiver<AppEvent>,
    session: Arc<SessionState>,
    watchers: Arc<Watchers>,
    peer: Peer<RoleServer>,
) {
    tokio::spawn(async move {
        loop {
            let sent = match events.recv().await {
                Ok(AppEvent::ToolsChanged { campaign_id }) => {
                    let used = session.campaign().await.ok().flatten();
                    if used.as_deref() == Some(campaign_id.as_str()) {
                        lists_changed(&peer).await
                    } else {
                        true
                    }
                }
                Ok(AppEvent::ResourceUpdated { uri, id, .. }) => {
                    // Read where the session keeps them: it may have subscribed through
                    // another host.
                    let watched = match session.id() {
                        Some(session_id) => watchers.watches(&id, &uri, session_id).await,
                        None => session.subscriptions().await.map(|uris| uris.contains(&uri)),
                    };
                    match watched {
                        Ok(true) => peer
                            .notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                            .await
                            .is_ok(),
                        Ok(false) => true,
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot read which sessions watch {uri}");
                            true
                        }
                    }
                }
                Ok(AppEvent::SessionListChanged { session_id }) => {
                    session.id() != Some(session_id.as_str()) || peer.notify_tool_list_changed().await.is_ok()
                }
                // A change on another host may have been missed: the lists and any watched
                // resource may differ.
                Ok(AppEvent::Resync) => {
                    let listed = lists_changed(&peer).await;
                    for uri in session.subscriptions().await.unwrap_or_default() {
                        let _ =
                            peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await;
                    }
                    listed
                }
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => false,
            };
            if !sent || peer.is_transport_closed() {
                break;
            }
        }
    });
}

/// Tells the client its tool and prompt lists changed; whether it could be told.
async fn lists_changed(peer: &Peer<RoleServer>) -> bool {
    peer.notify_tool_list_changed().await.is_ok() && peer.notify_prompt_list_changed().await.is_ok()
}
