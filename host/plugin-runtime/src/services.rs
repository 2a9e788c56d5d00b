//! What the host provides behind a plugin's imports, and what a campaign granted.

use std::collections::BTreeSet;

use async_trait::async_trait;
use thiserror::Error;

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

/// Why a host function refused a plugin's request. The runtime's own checks (grants,
/// limits, argument shapes) and every [`HostServices`] implementation answer with this;
/// each API version's adapter maps it once into its WIT `host-error`. Messages are for the
/// plugin author: they say what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ServiceError {
    /// The capability the function needs was not granted to the plugin in this campaign
    /// (WIT `not-granted`). Only the runtime's grant check answers this.
    #[error("{function} needs the `{}` capability, which was not granted to plugin {plugin} in this campaign", .capability.name())]
    NotGranted {
        /// The host function (`kv-get`, `call-tool`, …).
        function: &'static str,
        /// The capability it needs.
        capability: Capability,
        /// The plugin that asked.
        plugin: String,
    },
    /// The request is not acceptable as asked: an argument out of bounds or malformed (a
    /// key too long, a filter that is not a JSON object), or a host tool that refused its
    /// arguments or named something that does not exist (WIT `invalid`).
    #[error("{0}")]
    Invalid(String),
    /// The request is well formed but a plugin may not make it: a host tool plugins may not
    /// call, another campaign's data (WIT 0.1 `invalid`: granting more would not help).
    #[error("{0}")]
    Forbidden(String),
    /// The function is not offered in this call: storage while a plugin is loaded or rolls
    /// dice, anything campaign-scoped outside a campaign (WIT 0.1 `failed`).
    #[error("{0}")]
    Unavailable(String),
    /// The host could not do it: the database failed, a host tool failed inside
    /// (WIT `failed`).
    #[error("{0}")]
    Failed(String),
    /// A `kv-set` would take the plugin's key-value space in this campaign past its quota
    /// ([`RuntimeConfig::kv_quota_bytes`](crate::RuntimeConfig::kv_quota_bytes)); nothing
    /// was written (WIT `invalid`: granting more would not help).
    #[error(
        "kv-set refused: the key-value space of plugin {plugin} in this campaign would hold {would_hold} bytes, \
         over its quota of {quota} bytes ({} KiB; every key and value counts, plus {} bytes per entry); \
         delete keys first",
        .quota / 1024,
        crate::KV_ENTRY_OVERHEAD
    )]
    QuotaExceeded {
        /// The plugin whose space is full.
        plugin: String,
        /// The quota in bytes.
        quota: u64,
        /// What the space would hold after the write, in bytes.
        would_hold: u64,
    },
}

/// What one entry of a plugin's key-value space costs against its quota on top of its key's
/// and value's bytes, so that a flood of empty values still fills the space.
pub const KV_ENTRY_OVERHEAD: u64 = 64;

/// The host side of a plugin's imports. The runtime checks grants and limits before it
/// calls these; an implementation only does the work, and says with [`ServiceError`]
/// whether the plugin asked wrongly ([`ServiceError::Invalid`]), asked for what it may not
/// ([`ServiceError::Forbidden`]) or the host failed ([`ServiceError::Failed`]).
#[async_trait]
pub trait HostServices: Send + Sync {
    /// Reads a key of `plugin_id`'s space in `campaign_id`.
    async fn kv_get(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, ServiceError>;
    /// Writes a key, unless the space would then hold more than `quota_bytes` (every key's
    /// and value's bytes plus [`KV_ENTRY_OVERHEAD`] per entry, the entry being replaced
    /// counted once): then nothing is written and the answer is
    /// [`ServiceError::QuotaExceeded`]. The check and the write must be one atomic step,
    /// so that concurrent writes to one space cannot overshoot the quota together.
    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
        quota_bytes: u64,
    ) -> Result<(), ServiceError>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<bool, ServiceError>;
    /// Lists keys with a prefix, sorted, at most `limit`.
    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, ServiceError>;
    /// Searches the campaign's collections: free-text `query`, `filter` a JSON object of
    /// field conditions (see the WIT `host.search`), best `limit` hits first.
    async fn search(
        &self,
        campaign_id: &str,
        collection: &str,
        query: &str,
        filter: &serde_json::Value,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError>;
    /// Calls a core host tool for the campaign (the runtime has checked the grant and that
    /// `arguments` is a JSON object); the implementation decides which tools a plugin may
    /// call. A tool's own error keeps its message.
    async fn call_host_tool(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: &str,
        arguments: serde_json::Value,
    ) -> Result<serde_json::Value, ServiceError>;
}

/// Host services for calls that may use none (loading a plugin, `plugin check`, rolling
/// dice): every function answers [`ServiceError::Unavailable`].
pub struct NoServices;

fn no_kv() -> ServiceError {
    ServiceError::Unavailable("no key-value space in this call (only in a campaign's tool calls)".into())
}

#[async_trait]
impl HostServices for NoServices {
    async fn kv_get(&self, _: &str, _: &str, _: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        Err(no_kv())
    }
    async fn kv_set(&self, _: &str, _: &str, _: &str, _: Vec<u8>, _: u64) -> Result<(), ServiceError> {
        Err(no_kv())
    }
    async fn kv_delete(&self, _: &str, _: &str, _: &str) -> Result<bool, ServiceError> {
        Err(no_kv())
    }
    async fn kv_list(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Vec<String>, ServiceError> {
        Err(no_kv())
    }
    async fn search(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &serde_json::Value,
        _: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        Err(ServiceError::Unavailable("no collections in this call (only in a campaign's tool calls)".into()))
    }
    async fn call_host_tool(
        &self,
        _: &str,
        _: Option<&str>,
        name: &str,
        _: serde_json::Value,
    ) -> Result<serde_json::Value, ServiceError> {
        Err(ServiceError::Unavailable(format!(
            "host tool {name} is not available in this call (only in a campaign's tool calls)"
        )))
    }
}
