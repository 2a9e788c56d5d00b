//! `resources/subscribe` and `resources/unsubscribe`: the resource URIs one MCP session
//! wants to hear about. The session's event loop (`super::forward`) sends
//! `notifications/resources/updated` for each [`crate::app::AppEvent::ResourceUpdated`] whose
//! URI is here, whichever host made the change, and for every URI here after a
//! [`crate::app::AppEvent::Resync`] (a change may have been missed).
//!
//! This is the in-memory set of a stdio session; an HTTP session keeps its subscriptions in
//! the database instead, for whichever host holds its stream (`super::session`), and each
//! change is checked against them once per host (`super::watchers`).

use std::collections::BTreeSet;
use std::sync::RwLock;

/// The most URIs one session may watch.
pub const MAX_SUBSCRIPTIONS: usize = 256;

/// One session's subscribed URIs.
#[derive(Debug, Default)]
pub struct Subscriptions {
    uris: RwLock<BTreeSet<String>>,
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The session watches as many URIs as it may.
    #[error("this session already watches {MAX_SUBSCRIPTIONS} resources; unsubscribe from one first")]
    TooMany,
    /// The session's subscriptions could not be read or written.
    #[error(transparent)]
    Unavailable(#[from] crate::tools::ToolError),
}

impl Subscriptions {
    /// Watches `uri` (again: nothing changes).
    pub fn subscribe(&self, uri: &str) -> Result<(), SubscribeError> {
        let mut uris = self.uris.write().unwrap_or_else(|p| p.into_inner());
        if !uris.contains(uri) && uris.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscribeError::TooMany);
        }
        uris.insert(uri.to_string());
        Ok(())
    }

    /// Stops watching `uri`; whether it was watched.
    pub fn unsubscribe(&self, uri: &str) -> bool {
        self.uris.write().unwrap_or_else(|p| p.into_inner()).remove(uri)
    }

    /// Every watched URI.
    pub fn all(&self) -> Vec<String> {
        self.uris.read().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_watches_what_it_subscribed_to_until_it_unsubscribes() {
        let subs = Subscriptions::default();
        subs.subscribe("ttrpg://campaigns/c/combat").unwrap_or_else(|e| panic!("{e}"));
        subs.subscribe("ttrpg://campaigns/c/combat").unwrap_or_else(|e| panic!("{e}"));
        assert!(subs.all().iter().any(|u| u == "ttrpg://campaigns/c/combat"));
        assert!(!subs.all().iter().any(|u| u == "ttrpg://campaigns/c"));
        assert_eq!(subs.all().len(), 1);
        assert!(subs.unsubscribe("ttrpg://campaigns/c/combat"));
        assert!(!subs.unsubscribe("ttrpg://campaigns/c/combat"));
        assert!(!subs.all().iter().any(|u| u == "ttrpg://campaigns/c/combat"));
    }

    #[test]
    fn a_session_cannot_watch_without_bound() {
        let subs = Subscriptions::default();
        for n in 0..MAX_SUBSCRIPTIONS {
            subs.subscribe(&format!("ttrpg://campaigns/c{n}")).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(matches!(subs.subscribe("ttrpg://campaigns/one-more"), Err(SubscribeError::TooMany)));
    }
}
