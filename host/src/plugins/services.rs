//! The host services behind a plugin's imports, over the storage trait.

use std::sync::Arc;

use async_trait::async_trait;
use ttrpg_plugin_runtime::HostServices;
use ttrpg_plugin_runtime::model::SearchHit;

use crate::storage::Storage;

/// Key-value spaces in the structured database; search answers that no collection is
/// indexed yet (rulebook ingestion comes with its own issue).
pub struct StorageServices {
    storage: Arc<dyn Storage>,
}

impl StorageServices {
    /// Services over `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        StorageServices { storage }
    }
}

#[async_trait]
impl HostServices for StorageServices {
    async fn kv_get(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.storage.kv_get(plugin_id, campaign_id, key).await.map_err(|e| e.to_string())
    }

    async fn kv_set(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        key: &str,
        value: Vec<u8>,
    ) -> Result<(), String> {
        self.storage.kv_set(plugin_id, campaign_id, key, value).await.map_err(|e| e.to_string())
    }

    async fn kv_delete(&self, plugin_id: &str, campaign_id: &str, key: &str) -> Result<bool, String> {
        self.storage.kv_delete(plugin_id, campaign_id, key).await.map_err(|e| e.to_string())
    }

    async fn kv_list(
        &self,
        plugin_id: &str,
        campaign_id: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, String> {
        self.storage.kv_list(plugin_id, campaign_id, prefix, limit).await.map_err(|e| e.to_string())
    }

    async fn search(
        &self,
        _: &str,
        collection: &str,
        _: &str,
        _: &serde_json::Value,
        _: usize,
    ) -> Result<Vec<SearchHit>, String> {
        Err(format!(
            "search of {:?}: no rulebook or collection has been indexed on this host yet",
            if collection.is_empty() { "all collections" } else { collection }
        ))
    }
}
