//! Removing a book: its document row, pages, chunks, the records recognized in it and its
//! vectors.
//!
//! The database goes first, in one transaction: once it commits nothing of the book is
//! visible (search reads hits back through the ready chunks, so a vector left behind is never
//! shown), and the vectors are deleted after. A kill between the two leaves only unseen
//! points, which a later ingestion of the same file overwrites under the same ids.

use serde::Serialize;
use ttrpg_vectors::{Condition, Filter};

use super::{Library, LibraryError, RULEBOOK_COLLECTION};
use crate::storage::DocumentRecord;

/// What removing a book took away.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BookRemoved {
    /// The book as it was.
    pub document: DocumentRecord,
    /// Records (monsters, spells, …) recognized in it that went with it.
    pub records: u64,
}

impl Library {
    /// Removes the book `document_id` with everything ingested from it (see the module).
    pub async fn remove_book(&self, document_id: &str) -> Result<BookRemoved, LibraryError> {
        let document = self.storage.get_document(document_id).await?;
        let records = self.storage.document_record_count(document_id).await?;
        self.storage.delete_document(document_id).await?;
        self.invalidate().await;
        let filter = Filter::must([Condition::Keyword {
            key: "document_id".into(),
            any_of: vec![document_id.to_owned()],
        }]);
        self.index.delete(RULEBOOK_COLLECTION, &filter).await?;
        self.index.flush().await?;
        tracing::info!(document_id, book = %document.book, records, "book removed");
        Ok(BookRemoved { document, records })
    }
}
