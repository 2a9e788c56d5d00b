//! The host services behind a plugin's imports: key-value spaces in the structured
//! database, search of the campaign's collections, and the core tools a plugin may call.
//!
//! Budgets (the runtime checks the sizes of what a plugin asks first): a `kv-set` is held
//! to the quota the runtime hands in (`plugins.kv_quota_kb`), checked by the storage in the
//! write itself so concurrent writes cannot overshoot it; a `search` is scored on a
//! blocking thread, never on the async workers serving every session, and stopped after
//! [`SEARCH_BUDGET`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use ttrpg_plugin_runtime::model::SearchHit;
use ttrpg_plugin_runtime::{HostServices, KV_ENTRY_OVERHEAD, ServiceError};

use crate::cache::TwoLevelCache;
use crate::records::SearchError;
use crate::storage::{RecordReader, Storage, StorageError};

/// How long the host may spend scoring one plugin `search` (on a blocking thread); past it
/// the plugin gets `invalid` with a message naming the budget.
pub const SEARCH_BUDGET: Duration = Duration::from_millis(500);

/// The core tools a plugin granted `host-tools` may reach. The tool layer implements it
/// (it knows the tools, and which of them act inside one campaign); this module only
/// forwards to it, so the plugin host never depends on the tools above it.
#[async_trait]
pub trait HostTools: Send + Sync {
    /// Runs the core tool `name` for a plugin working in `campaign_id` (and, when the
    /// call came from an MCP session in a game session, `session_id`).
    async fn call(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: &str,
        arguments: Value,
    ) -> Result<Value, ServiceError>;
}

/// What a plugin call's host imports reach: the plugins' key-value spaces in storage, the
/// record search of the campaign's system, and the core tools a plugin may call. Built
/// per call from narrow handles, never from the whole application.
pub struct PluginServices {
    storage: Arc<dyn Storage>,
    cache: Arc<TwoLevelCache>,
    host_tools: Arc<dyn HostTools>,
    rights: RecordRights,
}

/// Which GM-only records (those recognized in GM-only passages of books) the person on whose
/// behalf a plugin searches may see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordRights {
    /// They are the campaign's GM: its own books' GM-only records are searched.
    pub campaign_gm: bool,
    /// They are the operator: the shared library's GM-only records are searched too.
    pub operator: bool,
}

impl PluginServices {
    /// Services over `storage` (kv spaces, collection records, searches cached in `cache`)
    /// and `host_tools`, searching records with `rights`.
    pub fn new(
        storage: Arc<dyn Storage>,
        cache: Arc<TwoLevelCache>,
        host_tools: Arc<dyn HostTools>,
        rights: RecordRights,
    ) -> Self {
        PluginServices { storage, cache, host_tools, rights }
    }
}

/// A storage failure as a plugin sees it: what it asked wrongly for, or the host failing.
/// (A full kv space is mapped where the plugin is known: [`PluginServices::kv_set`].)
fn storage_error(err: StorageError) -> ServiceError {
    match err {
        StorageError::NotFound { .. }
        | StorageError::Conflict(_)
        | StorageError::Stale { .. }
        | StorageError::QuotaExceeded { .. }
        | StorageError::Invalid(_)
        | StorageError::Unsupported(_) => ServiceError::Invalid(err.to_string()),
        StorageError::Config(_)
        | StorageError::Migration(_)
        | StorageError::UnknownValue { .. }
        | StorageError::Unavailable(_)
        | StorageError::DiskFull(_)
        | StorageError::Database(_) => ServiceError::Failed(err.to_string()),
    }
}

#[async_trait]
impl HostServices for PluginServices {
    async fn kv_get(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, ServiceError> {
        self.storage.kv_get(plugin_id, campaign_id, key).await.map_err(storage_error)
    }

    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
        quota_bytes: u64,
    ) -> Result<(), ServiceError> {
        self.storage.kv_set(plugin_id, campaign_id, key, value, quota_bytes, KV_ENTRY_OVERHEAD).await.map_err(
            |err| match err {
                StorageError::QuotaExceeded { quota, would_hold, .. } => {
                    ServiceError::QuotaExceeded { plugin: plugin_id.to_string(), quota, would_hold }
                }
                other => storage_error(other),
            },
        )
    }

    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<bool, ServiceError> {
        self.storage.kv_delete(plugin_id, campaign_id, key).await.map_err(storage_error)
    }

    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, ServiceError> {
        self.storage.kv_list(plugin_id, campaign_id, prefix, limit).await.map_err(storage_error)
    }

    async fn search(
        &self,
        campaign_id: &str,
        collection: &str,
        query: &str,
        filter: &Value,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let reader = RecordReader {
            campaign_id: campaign_id.to_owned(),
            campaign_gm: self.rights.campaign_gm,
            operator: self.rights.operator,
        };
        crate::records::search_for_plugin(
            self.storage.as_ref(),
            &self.cache,
            &reader,
            collection,
            query,
            filter,
            limit,
            SEARCH_BUDGET,
        )
        .await
        .map_err(|err| match err {
            SearchError::Filter(filter) => ServiceError::Invalid(filter.to_string()),
            SearchError::OverBudget { .. } => ServiceError::Invalid(format!("search: {err}")),
            SearchError::Storage(storage) => storage_error(storage),
            SearchError::Scoring(_) => ServiceError::Failed(err.to_string()),
        })
    }

    async fn call_host_tool(
        &self,
        campaign_id: &str,
        session_id: Option<&str>,
        name: &str,
        arguments: Value,
    ) -> Result<Value, ServiceError> {
        self.host_tools.call(campaign_id, session_id, name, arguments).await
    }
}
