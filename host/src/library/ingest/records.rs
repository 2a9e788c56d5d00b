//! Records recognized in ingested books: a system plugin's chunker marks a stat block, a
//! spell entry or a condition as a typed chunk (its content type names a collection, its
//! metadata holds the record's fields); each becomes a record of that collection, with the
//! book, pages and section, next to the chunk that cites it.
//!
//! A chunk too long for the embedding model is cut into pieces that share the metadata;
//! those pieces are one record (the first piece's chunk, every piece's pages and text). A
//! book's records are written anew whenever it is ingested, and removed with it.

use serde_json::Value;

use crate::digest::sha256_hex;
use crate::storage::{ChunkRecord, CollectionRecord, DocumentRecord};

/// The content type of running text: served by `search_rules`, never a record.
pub const RUNNING_TEXT: &str = "rules";

/// The records of a book's typed chunks (in the chunks' order; one per collection and
/// name). Empty for a book without a system, or chunked by the built-in chunker.
pub fn records_of(document: &DocumentRecord, chunks: &[ChunkRecord]) -> Vec<CollectionRecord> {
    let Some(system) = document.system.clone() else { return Vec::new() };
    let mut records: Vec<CollectionRecord> = Vec::new();
    let mut index: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    for chunk in chunks {
        if chunk.content_type == RUNNING_TEXT {
            continue;
        }
        let Some(name) = chunk.metadata.get("name").and_then(Value::as_str).map(str::trim) else {
            continue;
        };
        if name.is_empty() || !chunk.metadata.is_object() {
            continue;
        }
        // Pieces of one entry carry the same name; case and spacing are all that may differ.
        let key = (
            chunk.content_type.clone(),
            name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(),
        );
        if let Some(&at) = index.get(&key) {
            // A later piece of the same entry: its pages and text join the record.
            let record = &mut records[at];
            record.page_start = record.page_start.min(Some(chunk.page_start));
            record.page_end = record.page_end.max(Some(chunk.page_end));
            if record.chunk_id.as_deref() != Some(chunk.id.as_str()) && !record.text.contains(&chunk.text) {
                record.text.push_str("\n\n");
                record.text.push_str(&chunk.text);
            }
            continue;
        }
        index.insert(key, records.len());
        records.push(CollectionRecord {
            id: sha256_hex(format!("{}\u{1f}{}\u{1f}{name}", document.id, chunk.content_type))[..32]
                .to_owned(),
            system: system.clone(),
            collection: chunk.content_type.clone(),
            name: name.to_owned(),
            source: format!("book:{}", document.id),
            book: Some(document.book.clone()),
            page_start: Some(chunk.page_start),
            page_end: Some(chunk.page_end),
            section: (!chunk.section.is_empty()).then(|| chunk.section.clone()),
            text: chunk.text.clone(),
            data: chunk.metadata.clone(),
            content_hash: String::new(),
            created_at: document.created_at,
            document_id: Some(document.id.clone()),
            chunk_id: Some(chunk.id.clone()),
            campaign_id: document.campaign_id.clone(),
        });
    }
    for record in &mut records {
        record.content_hash = sha256_hex(format!("{}\n{}", record.text, record.data));
    }
    records
}
