//! Collection records: the monsters, spells, conditions and rules of a game system, as the
//! system's plugin defines them, imported from data files ([`open5e`]) or recognized in
//! ingested rulebooks (`library::ingest::records`), and searched by plugins through `host.search`.
//!
//! Search here is keyword scoring with exact field filters over the system's records.
//!
//! **Reconciliation.** The same thing may come from several sources: an Open5e import and
//! the SRD PDF both hold "Adult Red Dragon". Records of one collection whose names fold
//! alike are one answer, whose fields are those of the source first in this order:
//! 1. a book ingested into the campaign (the GM's own material, homebrew included);
//! 2. a structured import (its fields are exact, where a book's are recognized in print);
//! 3. a book of the shared library;
//!
//! and, within one kind, the newest. Every source stays citable: the answer's `sources`
//! lists each with its book, pages and section, the winner first.

mod filter;
pub mod open5e;

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use ttrpg_plugin_runtime::model::SearchHit;

pub use filter::{FilterError, matches_filter};

use crate::cache::{Kind, Scope, TwoLevelCache, tag};
use crate::digest::sha256_hex;
use crate::storage::{CollectionRecord, RecordReader, Storage, StorageError};

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The system the records were stored under.
    pub system: String,
    /// Records read, by collection.
    pub read: std::collections::BTreeMap<String, usize>,
    /// Records written (new or changed); the rest were already stored unchanged.
    pub written: usize,
    /// The attribution every record carries.
    pub attribution: String,
}

/// Imports the Open5e SRD export in `dir` under `system` (one transaction).
pub async fn import_open5e(storage: &dyn Storage, dir: &Path, system: &str) -> anyhow::Result<ImportReport> {
    let (records, attribution) = open5e::read_dir(dir).map_err(anyhow::Error::msg)?;
    let mut read = std::collections::BTreeMap::new();
    let rows: Vec<CollectionRecord> = records
        .into_iter()
        .map(|r| {
            *read.entry(r.collection.to_string()).or_insert(0) += 1;
            let content_hash = sha256_hex(format!("{}\n{}", r.text, r.data));
            CollectionRecord {
                id: uuid::Uuid::now_v7().to_string(),
                system: system.to_string(),
                collection: r.collection.to_string(),
                name: r.name,
                source: "open5e".into(),
                book: Some("SRD 5.1".into()),
                page_start: None,
                page_end: None,
                section: r.section,
                text: r.text,
                data: r.data,
                content_hash,
                created_at: chrono::Utc::now(),
                document_id: None,
                chunk_id: None,
                campaign_id: None,
            }
        })
        .collect();
    let written = storage.upsert_records(rows).await?;
    tracing::info!(system, written, "Open5e records imported");
    Ok(ImportReport { system: system.to_string(), read, written, attribution })
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The filter is malformed.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// The database failed or the campaign does not exist.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Scoring took longer than the search's time budget and was stopped.
    #[error(
        "the search took longer than its {} ms budget and was stopped; narrow the query or add a filter",
        .budget.as_millis()
    )]
    OverBudget {
        /// The budget.
        budget: Duration,
    },
    /// The scoring task failed (it panicked or the runtime is shutting down).
    #[error("the search could not be scored: {0}")]
    Scoring(String),
}

/// How many records are scored between two looks at the clock.
const RECORDS_PER_BUDGET_CHECK: usize = 64;

/// Searches the records of a campaign's system for a plugin (`host.search`): the records
/// are read from storage, then filtered and scored on a blocking thread (never on the
/// async workers that serve every session) and stopped with
/// [`SearchError::OverBudget`] once scoring has taken `budget`. The runtime has already
/// capped the query's length and terms, which bounds the work per record.
///
/// Answers are cached under the system's records tag (every write of its records
/// invalidates it): a look-up reads and scores every record of the collection, which costs
/// milliseconds on the SRD's 1,300 records, against microseconds for a cached answer
/// (BENCHMARKS.md, "Cache").
#[allow(clippy::too_many_arguments)] // each is one part of the question; a struct would only rename them
pub async fn search_for_plugin(
    storage: &dyn Storage,
    cache: &TwoLevelCache,
    reader: &RecordReader,
    collection: &str,
    query: &str,
    filter: &Value,
    limit: usize,
    budget: Duration,
) -> Result<Vec<SearchHit>, SearchError> {
    filter::validate(filter)?;
    let campaign = storage.get_campaign(&reader.campaign_id).await?;
    let stamp = cache.stamp(&tag::records(&campaign.system)).await;
    let key = format!(
        "{}\u{1f}{}\u{1f}{}{}\u{1f}{collection}\u{1f}{limit}\u{1f}{query}\u{1f}{filter}",
        campaign.system,
        reader.campaign_id,
        u8::from(reader.campaign_gm),
        u8::from(reader.operator)
    );
    let key = sha256_hex(key);
    if let Some(hits) = cache.get::<Vec<SearchHit>>(Kind::RecordSearch, Scope::Tagged(&stamp), &key).await {
        return Ok(hits);
    }
    let collection_filter = (!collection.is_empty()).then_some(collection);
    let records = storage.records_for(&campaign.system, collection_filter, reader).await?;
    let (query, filter) = (query.to_owned(), filter.clone());
    let hits = tokio::task::spawn_blocking(move || rank(records, &query, &filter, limit, Some(budget)))
        .await
        .map_err(|err| SearchError::Scoring(err.to_string()))??;
    cache.put(Kind::RecordSearch, Scope::Tagged(&stamp), &key, &hits).await;
    Ok(hits)
}

/// Searches a system's records: every `filter` condition must hold; hits are ranked by how
/// well `query` matches the name and text (all records that pass the filter when `query` is
/// empty, by name).
pub async fn search(
    storage: &dyn Storage,
    system: &str,
    collection: &str,
    query: &str,
    filter: &Value,
    limit: usize,
) -> Result<Vec<SearchHit>, SearchError> {
    filter::validate(filter)?;
    let records = candidates(storage, system, collection).await?;
    rank(records, query, filter, limit, None)
}

/// The records a search of `system` looks at: those of `collection`, or of every
/// collection when it is empty.
async fn candidates(
    storage: &dyn Storage,
    system: &str,
    collection: &str,
) -> Result<Vec<CollectionRecord>, SearchError> {
    let collection = (!collection.is_empty()).then_some(collection);
    Ok(storage.list_records(system, collection).await?)
}

/// Filters and scores `records` (see [`search`]), best `limit` first. CPU work only: with a
/// `budget`, it looks at the clock every few records and gives up with
/// [`SearchError::OverBudget`] once the budget is spent.
pub fn rank(
    records: Vec<CollectionRecord>,
    query: &str,
    filter: &Value,
    limit: usize,
    budget: Option<Duration>,
) -> Result<Vec<SearchHit>, SearchError> {
    filter::validate(filter)?;
    let deadline = budget.map(|budget| (Instant::now() + budget, budget));
    let terms: Vec<String> = query.split_whitespace().map(|t| t.to_lowercase()).collect();
    let query_lower = query.trim().to_lowercase();
    let mut scored: Vec<(f32, Reconciled)> = Vec::new();
    for (i, group) in reconcile(records).into_iter().enumerate() {
        if i % RECORDS_PER_BUDGET_CHECK == 0
            && let Some((deadline, budget)) = deadline
            && Instant::now() >= deadline
        {
            return Err(SearchError::OverBudget { budget });
        }
        if !matches_filter(&group.winner.data, filter) {
            continue;
        }
        let score = score(&group.winner, &query_lower, &terms);
        if terms.is_empty() || score > 0.0 {
            scored.push((score, group));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.winner.name.cmp(&b.1.winner.name)));
    Ok(scored.into_iter().take(limit).map(|(score, group)| hit(score, group)).collect())
}

/// The records that answer as one ([the module's reconciliation](self)): the winner, and
/// every record of the group (the winner first) as citable sources.
struct Reconciled {
    winner: CollectionRecord,
    others: Vec<CollectionRecord>,
}

/// Where a record stands in the reconciliation order: lower wins.
fn precedence(record: &CollectionRecord) -> u8 {
    match (&record.campaign_id, &record.document_id) {
        (Some(_), _) => 0,
        (None, None) => 1,
        (None, Some(_)) => 2,
    }
}

/// Groups records of one collection whose names fold alike, each group led by its winner.
/// The groups keep the order of their first record.
fn reconcile(records: Vec<CollectionRecord>) -> Vec<Reconciled> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: std::collections::HashMap<(String, String), Vec<CollectionRecord>> =
        std::collections::HashMap::new();
    for record in records {
        let key = (record.collection.clone(), fold_name(&record.name));
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(record);
    }
    order
        .into_iter()
        .filter_map(|key| groups.remove(&key))
        .map(|mut group| {
            group.sort_by(|a, b| {
                precedence(a).cmp(&precedence(b)).then_with(|| b.created_at.cmp(&a.created_at))
            });
            let winner = group.remove(0);
            Reconciled { winner, others: group }
        })
        .collect()
}

/// A record name folded for reconciliation: lowercase letters and digits, single spaces
/// (`Adult Red Dragon` and `adult red-dragon` are one).
pub fn fold_name(name: &str) -> String {
    name.to_lowercase()
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn score(record: &CollectionRecord, query: &str, terms: &[String]) -> f32 {
    if terms.is_empty() {
        return 1.0;
    }
    let name = record.name.to_lowercase();
    let text = record.text.to_lowercase();
    let mut score = 0.0;
    if name == query {
        score += 100.0;
    } else if name.contains(query) {
        score += 40.0;
    }
    for term in terms {
        if name.split(|c: char| !c.is_alphanumeric()).any(|w| w == term) {
            score += 10.0;
        }
        score += text.matches(term.as_str()).count().min(5) as f32;
    }
    score
}

/// A record's citation: where it came from and where it is printed.
fn source_of(record: &CollectionRecord) -> Value {
    json!({
        "record_id": record.id,
        "record_source": record.source,
        "book": record.book,
        "document_id": record.document_id,
        "chunk_id": record.chunk_id,
        "page_start": record.page_start,
        "page_end": record.page_end,
        "section": record.section,
    })
}

fn hit(score: f32, group: Reconciled) -> SearchHit {
    let Reconciled { winner: record, others } = group;
    let mut sources = vec![source_of(&record)];
    sources.extend(others.iter().map(source_of));
    let mut payload = match record.data {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("data".into(), other);
            map
        }
    };
    payload.insert("record_id".into(), json!(record.id));
    payload.entry("name").or_insert(json!(record.name));
    payload.insert("book".into(), json!(record.book));
    payload.insert("page_start".into(), json!(record.page_start));
    payload.insert("page_end".into(), json!(record.page_end));
    payload.insert("section".into(), json!(record.section));
    payload.insert("record_source".into(), json!(record.source));
    payload.insert("sources".into(), Value::Array(sources));
    SearchHit { collection: record.collection, text: record.text, score, payload: Value::Object(payload) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, text: &str) -> CollectionRecord {
        CollectionRecord {
            id: name.to_lowercase(),
            system: "dnd5e".into(),
            collection: "monsters".into(),
            name: name.into(),
            source: "test".into(),
            book: None,
            page_start: None,
            page_end: None,
            section: None,
            text: text.into(),
            data: json!({"name": name}),
            content_hash: String::new(),
            created_at: chrono::Utc::now(),
            document_id: None,
            chunk_id: None,
            campaign_id: None,
        }
    }

    #[test]
    fn ranking_scores_by_name_and_text_and_honours_its_budget() {
        let records = vec![
            record("Goblin", "A small goblinoid."),
            record("Hobgoblin", "A goblin's larger cousin."),
            record("Ogre", "Big."),
        ];
        let hits = rank(records.clone(), "goblin", &json!({}), 10, Some(Duration::from_secs(5))).unwrap();
        let names: Vec<&str> = hits.iter().map(|h| h.payload["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Goblin", "Hobgoblin"]);
        // A spent budget stops the scoring before it starts, with an error naming it.
        let err = rank(records, "goblin", &json!({}), 10, Some(Duration::ZERO)).unwrap_err();
        assert!(matches!(err, SearchError::OverBudget { budget } if budget.is_zero()), "{err}");
        assert!(err.to_string().contains("0 ms budget"), "{err}");
    }
}
