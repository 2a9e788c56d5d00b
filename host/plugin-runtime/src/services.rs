//! What the host provides behind a plugin's imports, and what a campaign granted.

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::model::{Capability, SearchHit};

/// The capabilities a GM granted a plugin in one campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(BTreeSet<Capability>);

impl Grants {
    /// Nothing granted.
    pub fn none() -> Self {
        Grants::default()
    }

    /// These capabilities granted.
    pub fn of(capabilities: impl IntoIterator<Item = Capability>) -> Self {
        Grants(capabilities.into_iter().collect())
    }

    /// Whether `capability` is granted.
    pub fn allows(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// The granted capabilities, sorted.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

/// The host side of a plugin's imports. The runtime checks grants and limits before it
/// calls these; an implementation only does the work. Errors are messages for the plugin.
#[async_trait]
pub trait HostServices: Send + Sync {
    /// Reads a key of `plugin_id`'s space in `campaign_id`.
    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Writes a key.
    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), String>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<bool, String>;
    /// Lists keys with a prefix, sorted, at most `limit`.
    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, String>;
    /// Searches the campaign's collections: free-text `query`, `filter` a JSON object of
    /// field conditions (see the WIT `host.search`), best `limit` hits first.
    async fn search(
        &self,
        campaign_id: &str,
        collection: &str,
        query: &str,
        filter: &serde_json::Value,
        limit: usize,
    ) -> Result<Vec<SearchHit>, String>;
    /// Calls a core host tool for the campaign (the runtime has checked the grant); the
    /// implementation decides which tools a plugin may call. Errors are the tool's message.
    async fn call_host_tool(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: &str,
        arguments: serde_json::Value,
    ) -> Result<serde_json::Value, String>;
}

/// Host services for calls that may use none (loading a plugin, `plugin check`): every
/// storage function answers that it is unavailable.
pub struct NoServices;

#[async_trait]
impl HostServices for NoServices {
    async fn kv_get(&self, _: &str, _: &str, _: &str) -> Result<Option<Vec<u8>>, String> {
        Err("no key-value space outside a campaign".into())
    }
    async fn kv_set(&self, _: &str, _: &str, _: &str, _: Vec<u8>) -> Result<(), String> {
        Err("no key-value space outside a campaign".into())
    }
    async fn kv_delete(&self, _: &str, _: &str, _: &str) -> Result<bool, String> {
        Err("no key-value space outside a campaign".into())
    }
    async fn kv_list(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Vec<String>, String> {
        Err("no key-value space outside a campaign".into())
    }
    async fn search(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &serde_json::Value,
        _: usize,
    ) -> Result<Vec<SearchHit>, String> {
        Err("no collections outside a campaign".into())
    }
    async fn call_host_tool(
        &self,
        _: &str,
        _: Option<&str>,
        name: &str,
        _: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        Err(format!("host tool {name} is not available outside a campaign call"))
    }
}
