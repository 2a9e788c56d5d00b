//! House rules: a table's ruling recorded against the passage it changes, and carried by
//! every rules search hit in that campaign about the passage.
//!
//! `house_rule_add {campaign_id, text, about}` searches the books the campaign reads for
//! `about` (or takes the passage a `chunk_id` names) and keeps the ruling with that passage's
//! chunk, book and section. A hit carries a ruling when it is that chunk, or another passage
//! of the same section of a book with the same title (so a ruling survives the book being
//! ingested again, or its section being cut into several passages).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::search::{Reader, RulesHit, RulesQuery};
use super::{Library, LibraryError, LibraryResult};
use crate::storage::{HouseRule, NewHouseRule};

/// A table's ruling as a search hit shows it, above the book's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TableRuling {
    /// "House rule (ruled 2026-12-03)": it is the table's, not the book's.
    pub label: String,
    /// The ruling.
    pub ruling: String,
    /// The day it was ruled (UTC).
    pub ruled_on: String,
    /// The house rule's id (for house_rule_remove).
    pub house_rule_id: String,
}

impl TableRuling {
    /// How a hit shows `rule`.
    pub fn of(rule: &HouseRule) -> Self {
        let ruled_on = rule.created_at.format("%Y-%m-%d").to_string();
        TableRuling {
            label: format!("House rule (ruled {ruled_on})"),
            ruling: rule.text.clone(),
            ruled_on,
            house_rule_id: rule.id.clone(),
        }
    }
}

/// Whether `rule` is about the passage of `hit`: the same chunk, or the same section of a
/// book of the same title.
pub fn is_about(rule: &HouseRule, hit: &RulesHit) -> bool {
    rule.chunk_id == hit.chunk_id
        || (!rule.section.is_empty() && rule.section == hit.section && rule.book == hit.book)
}

/// Puts each of `rules` on the hits it is about, oldest ruling first.
pub fn attach(hits: &mut [RulesHit], rules: &[HouseRule]) {
    for hit in hits {
        hit.house_rules = rules.iter().filter(|rule| is_about(rule, hit)).map(TableRuling::of).collect();
    }
}

impl Library {
    /// Records a ruling of `campaign_id`'s table against the passage that `about` finds (the
    /// best hit among the books `reader` may read in that campaign), or against `chunk_id`
    /// when given (a passage a search returned). Returns the ruling and that passage.
    pub async fn add_house_rule(
        &self,
        campaign_id: &str,
        text: &str,
        about: &str,
        chunk_id: Option<&str>,
        reader: &Reader,
    ) -> LibraryResult<(HouseRule, RulesHit)> {
        let query = RulesQuery {
            query: about.to_owned(),
            campaign_id: Some(campaign_id.to_owned()),
            limit: Some(if chunk_id.is_some() { super::search::MAX_LIMIT } else { 1 }),
            ..RulesQuery::default()
        };
        let hits = self.search_rules(&query, reader).await?;
        let passage = match chunk_id {
            Some(id) => hits.into_iter().find(|h| h.chunk_id == id).ok_or_else(|| {
                LibraryError::Invalid(format!(
                    "the passage {id} is not among the hits for {about:?} in this campaign's books: search for it \
                     with search_rules and give the chunk_id of a hit, or leave chunk_id out"
                ))
            })?,
            None => hits.into_iter().next().ok_or_else(|| {
                LibraryError::Invalid(format!(
                    "no passage of this campaign's books is about {about:?}: name the rule as the book does \
                     (\"Prone\", \"Grappling\"), or ingest the book first"
                ))
            })?,
        };
        let rule = self
            .storage
            .add_house_rule(NewHouseRule {
                campaign_id: campaign_id.to_owned(),
                text: text.to_owned(),
                about: about.to_owned(),
                document_id: passage.document_id.clone(),
                chunk_id: passage.chunk_id.clone(),
                section: passage.section.clone(),
                book: passage.book.clone(),
                page_start: passage.page_start,
                page_end: passage.page_end,
            })
            .await?;
        tracing::info!(campaign_id, house_rule = %rule.id, passage = %passage.citation, "house rule recorded");
        let mut shown = passage;
        attach(std::slice::from_mut(&mut shown), std::slice::from_ref(&rule));
        Ok((rule, shown))
    }
}
