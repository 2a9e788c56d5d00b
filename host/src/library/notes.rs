//! Campaign notes (NPCs, locations, plot threads, lore), searchable like the rulebooks.
//!
//! A note is written to the database first, then embedded and indexed; if the host dies in
//! between, the note is kept and indexed by the next note search or note write of that
//! campaign (notes carry an `indexed` flag, like chunks).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_vectors::{Condition, Filter, HybridQuery, Point, point_id};

use super::error::require;
use super::{Library, LibraryResult, NOTES_COLLECTION};
use crate::storage::{CampaignNote, NewCampaignNote, Visibility};

/// The kinds of note a GM keeps.
pub const NOTE_KINDS: [&str; 5] = ["npc", "location", "plot", "lore", "other"];

/// A note found by [`Library::search_notes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NoteHit {
    /// The note.
    pub note: CampaignNote,
    /// Fused relevance (higher is better).
    pub score: f32,
}

/// The text embedded for a note.
fn note_text(note: &CampaignNote) -> String {
    let tags = if note.tags.is_empty() { String::new() } else { format!("\n{}", note.tags.join(", ")) };
    format!("{} ({})\n{}{tags}", note.title, note.kind, note.body)
}

impl Library {
    /// Writes a note and indexes it.
    pub async fn add_note(&self, new: NewCampaignNote) -> LibraryResult<CampaignNote> {
        require(NOTE_KINDS.contains(&new.kind.as_str()), || {
            format!("unknown note kind {:?}: use one of {}", new.kind, NOTE_KINDS.join(", "))
        })?;
        require(!new.title.trim().is_empty(), || "a note needs a title".into())?;
        let campaign_id = new.campaign_id.clone();
        let note = self.storage.add_campaign_note(new).await?;
        self.index_pending_notes(&campaign_id).await?;
        Ok(note)
    }

    /// Shares a note with the players (or takes it back) and indexes it again.
    pub async fn set_note_visibility(&self, id: &str, visibility: Visibility) -> LibraryResult<CampaignNote> {
        let note = self.storage.set_note_visibility(id, visibility).await?;
        self.index_pending_notes(&note.campaign_id).await?;
        Ok(note)
    }

    /// Searches a campaign's notes, optionally of one kind; with `players_only`, only the
    /// notes shared with the players, filtered in the vector query and in the database read.
    pub async fn search_notes(
        &self,
        campaign_id: &str,
        query: &str,
        kind: Option<&str>,
        limit: usize,
        players_only: bool,
    ) -> LibraryResult<Vec<NoteHit>> {
        let query = query.trim();
        require(!query.is_empty(), || "the query is empty".into())?;
        require(query.len() <= super::search::MAX_QUERY_BYTES, || {
            format!(
                "the query is {} bytes long; ask with at most {} bytes",
                query.len(),
                super::search::MAX_QUERY_BYTES
            )
        })?;
        require((1..=50).contains(&limit), || format!("limit must be between 1 and 50, not {limit}"))?;
        self.index_pending_notes(campaign_id).await?;
        let mut filter = Filter::must([Condition::Keyword {
            key: "campaign_id".into(),
            any_of: vec![campaign_id.into()],
        }]);
        if let Some(kind) = kind {
            filter.must.push(Condition::Keyword { key: "kind".into(), any_of: vec![kind.into()] });
        }
        if players_only {
            let players = Visibility::Players.as_str().to_string();
            filter.must.push(Condition::Keyword { key: "visibility".into(), any_of: vec![players] });
        }
        let hybrid = HybridQuery {
            dense: self.query_embedding(query).await?.as_ref().clone(),
            sparse: self.bm25.encode_query(query),
            filter,
            limit,
            prefetch: (limit * 4).max(20),
            explain: false,
        };
        let found = self.index.search(NOTES_COLLECTION, &hybrid).await?;
        let ids: Vec<String> = found
            .iter()
            .filter_map(|hit| hit.payload.get("note_id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        let notes = self.storage.campaign_notes(campaign_id, Some(&ids), false, players_only).await?;
        Ok(found
            .iter()
            .filter_map(|hit| {
                let id = hit.payload.get("note_id")?.as_str()?;
                let note = notes.iter().find(|n| n.id == id)?.clone();
                Some(NoteHit { note, score: hit.score })
            })
            .collect())
    }

    /// Embeds and indexes a campaign's notes that are not indexed yet.
    async fn index_pending_notes(&self, campaign_id: &str) -> LibraryResult<()> {
        let pending = self.storage.campaign_notes(campaign_id, None, true, false).await?;
        if pending.is_empty() {
            return Ok(());
        }
        let texts: Vec<String> = pending.iter().map(note_text).collect();
        let dense = self.embed(texts.clone()).await?;
        let points = pending
            .iter()
            .zip(dense)
            .zip(&texts)
            .map(|((note, dense), text)| {
                let mut payload = ttrpg_vectors::Payload::new();
                payload.insert("note_id".into(), note.id.clone().into());
                payload.insert("campaign_id".into(), note.campaign_id.clone().into());
                payload.insert("kind".into(), note.kind.clone().into());
                payload.insert("visibility".into(), note.visibility.as_str().into());
                Point { id: point_id(&note.id), dense, sparse: self.bm25.encode_document(text), payload }
            })
            .collect();
        self.index.upsert(NOTES_COLLECTION, points).await?;
        self.index.flush().await?;
        let ids: Vec<String> = pending.into_iter().map(|n| n.id).collect();
        self.storage.mark_notes_indexed(&ids).await?;
        Ok(())
    }
}
