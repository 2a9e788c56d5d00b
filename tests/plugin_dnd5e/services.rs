//! Host services for the dnd5e tests: the SRD 5.1 records as the host's Open5e import
//! writes them (from ../shared/data/srd51), searched with the host's own filter, and a
//! `call_host_tool` that records what it was asked and answers like `initiative_add`.

use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Value, json};
use ttrpg_host::records::{matches_filter, open5e};
use ttrpg_plugin_runtime::model::SearchHit;
use ttrpg_plugin_runtime::{HostServices, ServiceError};

/// Where the SRD 5.1 data lives, next to the repository.
pub const SRD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/srd51");

/// The collections in memory, plus the host-tool calls seen.
pub struct SrdServices {
    records: Vec<(String, String, String, Value)>,
    /// Every (tool, arguments) `call_host_tool` received.
    pub host_calls: Mutex<Vec<(String, Value)>>,
}

impl SrdServices {
    /// Loads the Open5e export with the host's importer.
    pub fn load() -> SrdServices {
        let (records, _) = open5e::read_dir(std::path::Path::new(SRD_DIR)).expect("SRD 5.1 Open5e data");
        let records =
            records.into_iter().map(|r| (r.collection.to_string(), r.name, r.text, r.data)).collect();
        SrdServices { records, host_calls: Mutex::new(Vec::new()) }
    }
}

#[async_trait]
impl HostServices for SrdServices {
    async fn kv_get(&self, _: &str, _: &str, _: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        Err(ServiceError::Unavailable("no kv in these tests".into()))
    }
    async fn kv_set(&self, _: &str, _: &str, _: &str, _: Vec<u8>, _: u64) -> Result<(), ServiceError> {
        Err(ServiceError::Unavailable("no kv in these tests".into()))
    }
    async fn kv_delete(&self, _: &str, _: &str, _: &str) -> Result<bool, ServiceError> {
        Err(ServiceError::Unavailable("no kv in these tests".into()))
    }
    async fn kv_list(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Vec<String>, ServiceError> {
        Err(ServiceError::Unavailable("no kv in these tests".into()))
    }

    /// Like the host: filter first, then rank by name (exact, contained, word) and text.
    async fn search(
        &self,
        _campaign: &str,
        collection: &str,
        query: &str,
        filter: &Value,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let query = query.trim().to_lowercase();
        let terms: Vec<&str> = query.split_whitespace().collect();
        let mut hits: Vec<(f32, &(String, String, String, Value))> = self
            .records
            .iter()
            .filter(|(c, ..)| collection.is_empty() || c == collection)
            .filter(|(.., data)| matches_filter(data, filter))
            .filter_map(|record| {
                let (name, text) = (record.1.to_lowercase(), record.2.to_lowercase());
                let mut score = if terms.is_empty() { 1.0 } else { 0.0 };
                if !query.is_empty() && name == query {
                    score += 100.0;
                } else if !query.is_empty() && name.contains(&query) {
                    score += 40.0;
                }
                for term in &terms {
                    score += if name.split(' ').any(|w| w == *term) { 10.0 } else { 0.0 };
                    score += text.matches(term).count().min(5) as f32;
                }
                (score > 0.0).then_some((score, record))
            })
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.1.cmp(&b.1.1)));
        Ok(hits
            .into_iter()
            .take(limit)
            .map(|(score, (collection, _, text, data))| SearchHit {
                collection: collection.clone(),
                text: text.clone(),
                score,
                payload: data.clone(),
            })
            .collect())
    }

    async fn call_host_tool(
        &self,
        campaign_id: &str,
        _session_id: Option<&str>,
        name: &str,
        arguments: Value,
    ) -> Result<Value, ServiceError> {
        self.host_calls.lock().unwrap().push((name.to_string(), arguments.clone()));
        if name != "initiative_add" {
            return Err(ServiceError::Forbidden(format!("no host tool {name} in these tests")));
        }
        let count = arguments["count"].as_u64().unwrap_or(1);
        let added: Vec<Value> = (1..=count)
            .map(|i| json!({"name": format!("{} {i}", arguments["name"].as_str().unwrap_or("?")), "initiative": 10}))
            .collect();
        Ok(json!({"added": added, "rolls": [], "encounter": {"campaign_id": campaign_id, "round": 0}}))
    }
}
