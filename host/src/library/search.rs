//! Rules search: a question in, cited passages out.
//!
//! The query is embedded (dense) and encoded as BM25 terms (sparse); the vector index runs
//! both searches under the payload filters and fuses them with reciprocal rank fusion.
//! Hits are then read back from the database, which drops anything of a document that is
//! not `ready` (an ingestion in progress or interrupted) and supplies the text. Answers and
//! query embeddings are kept in the two-level cache (`crate::cache`), an answer keyed by the
//! query, its filters, its reader and the library's generation, which every ingestion or
//! reveal bumps on every host sharing the cache.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_vectors::{Condition, Filter, HybridQuery};

use crate::cache::{Kind, Scope};

use super::error::require;
use super::{Library, LibraryResult, RULEBOOK_COLLECTION, embedding_text, glossary};
use crate::embed::EmbedError;

/// Most hits one search returns.
pub const MAX_LIMIT: usize = 50;
/// Longest question accepted, in bytes (a question, not a document).
pub const MAX_QUERY_BYTES: usize = 2_000;

/// A rules question and where to look.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesQuery {
    /// The question or keywords ("how does grappling work", "Fireball").
    pub query: String,
    /// Search the shared library plus this campaign's own books (default: every book).
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Only this book (its title as ingested, e.g. "SRD 5.1").
    #[serde(default)]
    pub book: Option<String>,
    /// Only this kind of chunk: `rules`, or a collection such as `monsters` or `spells`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Only books of this game system (`dnd5e`).
    #[serde(default)]
    pub system: Option<String>,
    /// How many hits (1–50, default 5).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What a search may show its caller: which scopes it reads (`global` for the shared
/// library, or a campaign id) and in which of them GM-only passages stay hidden.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reader {
    /// The scopes searched (`None`: every scope, the operator's view).
    pub scopes: Option<Vec<String>>,
    /// Scopes whose GM-only passages are left out.
    pub gm_hidden: Vec<String>,
}

impl Reader {
    /// The operator's view: every book, every passage.
    pub fn everything() -> Self {
        Reader::default()
    }
}

/// One passage that answers a question, with what a citation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RulesHit {
    /// The book's title.
    pub book: String,
    /// First page of the passage (1-based page of the file).
    pub page_start: i64,
    /// Last page of the passage.
    pub page_end: i64,
    /// Heading path ("Combat › Making an Attack").
    pub section: String,
    /// The campaign table's rulings about this passage (house_rule_add), oldest first: they
    /// override the book's text below where they differ. Empty outside a campaign.
    #[serde(default)]
    pub house_rules: Vec<super::house_rules::TableRuling>,
    /// The passage.
    pub text: String,
    /// Fused relevance (reciprocal rank fusion; higher is better).
    pub score: f32,
    /// `rules`, `monsters`, `spells`, …
    pub content_type: String,
    /// A ready-made citation: "SRD 5.1, p. 292, Conditions › Grappled".
    pub citation: String,
    /// The document it comes from.
    pub document_id: String,
    /// The chunk's id.
    pub chunk_id: String,
}

/// "SRD 5.1, p. 292, Conditions › Grappled" or "…, pp. 12–13, …".
pub fn citation(book: &str, page_start: i64, page_end: i64, section: &str) -> String {
    let pages = if page_end > page_start {
        format!("pp. {page_start}–{page_end}")
    } else {
        format!("p. {page_start}")
    };
    if section.is_empty() { format!("{book}, {pages}") } else { format!("{book}, {pages}, {section}") }
}

impl Library {
    /// Searches the rulebooks as `reader` may see them.
    pub async fn search_rules(&self, query: &RulesQuery, reader: &Reader) -> LibraryResult<Vec<RulesHit>> {
        let text = query.query.trim();
        require(!text.is_empty(), || "the query is empty: ask a question or give keywords".into())?;
        require(text.len() <= MAX_QUERY_BYTES, || {
            format!(
                "the query is {} bytes long; ask a question of at most {MAX_QUERY_BYTES} bytes",
                text.len()
            )
        })?;
        let limit = query.limit.unwrap_or(5);
        require((1..=MAX_LIMIT).contains(&limit), || {
            format!("limit must be between 1 and {MAX_LIMIT}, not {limit}")
        })?;
        let mut system = query.system.clone();
        if let Some(campaign_id) = &query.campaign_id {
            let campaign = self.storage.get_campaign(campaign_id).await?;
            system.get_or_insert(campaign.system);
        }
        // The question in the player's words, plus the game's terms for what it says.
        let terms = glossary::expansions(text, &self.glossaries_for(system.as_deref()).await);
        let searched = glossary::expanded(text, &terms);
        // The key: the query with every filter and who may read what, under the library's
        // generation (bumped by every ingestion or reveal, on every host sharing the cache).
        let stamp = self.stamp().await;
        let key = crate::digest::sha256_hex(format!(
            "{}\u{1f}{}\u{1f}{}",
            serde_json::to_string(query).unwrap_or_default(),
            serde_json::to_string(reader).unwrap_or_default(),
            terms.join("\u{1e}")
        ));
        if let Some(hits) =
            self.cache.get::<Vec<RulesHit>>(Kind::RulesAnswer, Scope::Tagged(&stamp), &key).await
        {
            return Ok(hits);
        }
        // Both arms search the expanded question: measured on the paraphrase sets, the
        // game's term beside the player's words helps the dense arm too (BENCHMARKS.md).
        let dense = self.query_embedding(&searched).await?;
        let mut filter = Filter::default();
        let mut keyword = |key: &str, value: &Option<String>| {
            if let Some(value) = value {
                filter.must.push(Condition::Keyword { key: key.into(), any_of: vec![value.clone()] });
            }
        };
        keyword("book", &query.book);
        keyword("content_type", &query.content_type);
        keyword("system", &query.system);
        match (&reader.scopes, &query.campaign_id) {
            (Some(scopes), _) => {
                filter.must.push(Condition::Keyword { key: "scope".into(), any_of: scopes.clone() });
            }
            (None, Some(campaign_id)) => filter.must.push(Condition::Keyword {
                key: "scope".into(),
                any_of: vec!["global".into(), campaign_id.clone()],
            }),
            (None, None) => {}
        }
        if !reader.gm_hidden.is_empty() {
            filter
                .must_not
                .push(Condition::Keyword { key: "gm_scope".into(), any_of: reader.gm_hidden.clone() });
        }
        let unready = self.storage.unready_documents().await?;
        if !unready.is_empty() {
            filter.must_not.push(Condition::Keyword { key: "document_id".into(), any_of: unready });
        }
        let hybrid = HybridQuery {
            dense: dense.as_ref().clone(),
            sparse: self.bm25.encode_query(&searched),
            filter,
            limit,
            prefetch: (limit * 8).max(40),
            explain: false,
        };
        let found = self.index.search(RULEBOOK_COLLECTION, &hybrid).await?;
        let ids: Vec<String> = found
            .iter()
            .filter_map(|hit| hit.payload.get("chunk_id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        let rows = self.storage.ready_chunks(&ids, &reader.gm_hidden).await?;
        let books = self.book_titles().await?;
        let mut hits = Vec::with_capacity(found.len());
        for hit in &found {
            let Some(chunk_id) = hit.payload.get("chunk_id").and_then(|v| v.as_str()) else { continue };
            let Some(row) = rows.iter().find(|r| r.id == chunk_id) else { continue };
            let book = books.get(&row.document_id).cloned().unwrap_or_default();
            hits.push(RulesHit {
                citation: citation(&book, row.page_start, row.page_end, &row.section),
                book,
                page_start: row.page_start,
                page_end: row.page_end,
                section: row.section.clone(),
                house_rules: Vec::new(),
                text: row.text.clone(),
                score: hit.score,
                content_type: row.content_type.clone(),
                document_id: row.document_id.clone(),
                chunk_id: row.id.clone(),
            });
        }
        // Stored under the generation read before searching: an answer computed across an
        // ingestion is found by nobody.
        self.cache.put(Kind::RulesAnswer, Scope::Tagged(&stamp), &key, &hits).await;
        Ok(hits)
    }

    /// The embedding of a query, cached.
    pub(crate) async fn query_embedding(&self, text: &str) -> LibraryResult<Arc<Vec<f32>>> {
        // The model's name and variant are part of the key: hosts sharing Redis may run
        // fp32 and int8.
        let key = crate::digest::sha256_hex(format!("{}\u{1f}{text}", self.embedder.name()));
        if let Some(vector) = self.cache.get::<Vec<f32>>(Kind::QueryEmbedding, Scope::Content, &key).await {
            return Ok(Arc::new(vector));
        }
        let vector = self
            .embed(vec![embedding_text("", text)])
            .await?
            .pop()
            .ok_or_else(|| EmbedError::Inference("the model returned no vector".into()))?;
        self.cache.put(Kind::QueryEmbedding, Scope::Content, &key, &vector).await;
        Ok(Arc::new(vector))
    }

    /// Book titles by document id.
    async fn book_titles(&self) -> LibraryResult<std::collections::HashMap<String, String>> {
        Ok(self.storage.list_documents().await?.into_iter().map(|d| (d.id, d.book)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::citation;

    #[test]
    fn citations_name_book_pages_and_section() {
        assert_eq!(
            citation("SRD 5.1", 292, 292, "Conditions › Grappled"),
            "SRD 5.1, p. 292, Conditions › Grappled"
        );
        assert_eq!(citation("SRD 5.1", 12, 13, ""), "SRD 5.1, pp. 12–13");
    }
}
