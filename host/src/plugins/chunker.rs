//! A game-system plugin's chunker, as ingestion uses it.

use ttrpg_plugin_runtime::LoadedPlugin;
use ttrpg_plugin_runtime::model::{Chunk, Document};

use super::{PluginHost, PluginHostError};
use crate::library::ingest::SystemChunker;

/// The seed every chunker call runs with. Chunking must be reproducible — a resumed
/// ingestion finds the chunks it stored by their text — so a chunker always sees the same
/// randomness (WASI's, for a guest's hash maps; `random` is never granted to it).
const CHUNK_SEED: u64 = 0;

/// The chunker of one loaded plugin.
pub struct PluginChunker {
    plugin: LoadedPlugin,
}

#[async_trait::async_trait]
impl SystemChunker for PluginChunker {
    fn name(&self) -> String {
        let manifest = self.plugin.manifest();
        format!("{}@{}", manifest.id, manifest.version)
    }

    async fn chunk(&self, document: &Document) -> anyhow::Result<Option<Vec<Chunk>>> {
        self.plugin
            .chunk(CHUNK_SEED, document)
            .await
            .map_err(|err| anyhow::anyhow!("the {} plugin's chunker failed: {err}", self.name()))
    }
}

impl PluginHost {
    /// The chunker for books of `system`: the version enabled in `campaign_id` when one is
    /// given and enables a plugin of that system, else the newest installed version of a
    /// plugin of that system. `None` when no plugin of the system is installed.
    pub async fn chunker_for(
        &self,
        system: &str,
        campaign_id: Option<&str>,
    ) -> Result<Option<PluginChunker>, PluginHostError> {
        if let Some(campaign_id) = campaign_id
            && let Some(record) = self.enabled_of_system(campaign_id, system).await?.into_iter().next()
        {
            let plugin = self.load(&record.plugin_id, &record.version).await?;
            return Ok(Some(PluginChunker { plugin }));
        }
        let installed = self.storage.list_plugins().await?;
        let newest = installed
            .iter()
            .filter(|p| p.system == system)
            .max_by(|a, b| super::version_order(&a.version, &b.version));
        match newest {
            Some(record) => Ok(Some(PluginChunker { plugin: self.load(&record.id, &record.version).await? })),
            None => Ok(None),
        }
    }
}
