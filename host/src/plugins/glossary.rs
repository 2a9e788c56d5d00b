//! The installed system plugins' glossaries, as rules search asks for them.

use std::sync::Arc;

use crate::library::glossary::{Glossary, GlossarySource};

use super::{PluginHost, version_order};

/// The glossaries of the newest installed version of each plugin (of one system, or of
/// every system). A plugin that fails to load is left out and logged, never fatal: the
/// search then runs without its glossary.
pub struct PluginGlossaries(pub Arc<PluginHost>);

#[async_trait::async_trait]
impl GlossarySource for PluginGlossaries {
    async fn glossaries(&self, system: Option<&str>) -> anyhow::Result<Vec<Arc<Glossary>>> {
        let installed = self.0.storage.list_plugins().await?;
        let mut newest: Vec<&crate::storage::InstalledPluginRecord> = Vec::new();
        for record in installed.iter().filter(|p| system.is_none_or(|s| p.system == s)) {
            match newest.iter_mut().find(|n| n.id == record.id) {
                Some(kept) if version_order(&record.version, &kept.version).is_gt() => *kept = record,
                Some(_) => {}
                None => newest.push(record),
            }
        }
        let mut glossaries = Vec::new();
        for record in newest {
            match self.0.load(&record.id, &record.version).await {
                Ok(plugin) if !plugin.glossary().is_empty() => glossaries.push(Arc::new(Glossary::new(
                    format!("{}@{}", record.id, record.version),
                    plugin.glossary(),
                ))),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(plugin = %record.id, version = %record.version, "glossary not used: {err}")
                }
            }
        }
        Ok(glossaries)
    }
}
