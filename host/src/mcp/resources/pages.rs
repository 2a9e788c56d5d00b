//! Rulebook pages as MCP resources: `ttrpg://books/{document_id}/pages/{page}`, plain
//! text in reading order, listed a hundred at a time.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use super::{denied, internal};
use crate::access::{self, Caller};
use crate::app::App;
use crate::storage::{DocumentStatus, StorageError};

/// The URI scheme and prefix of rulebook pages.
const PREFIX: &str = "ttrpg://books/";

/// The URI of a page.
fn page_uri(document_id: &str, page: i64) -> String {
    format!("{PREFIX}{document_id}/pages/{page}")
}

/// The template clients can fill in.
pub(super) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{PREFIX}{{document_id}}/pages/{{page}}"), "rulebook-page")
            .with_title("Rulebook page")
            .with_description(
                "One page of an ingested rulebook as text in reading order (book_list gives the ids)",
            )
            .with_mime_type("text/markdown"),
    ]
}

/// Every page of every ready book `caller` may see, in book order.
pub(super) async fn list(app: &App, caller: &Caller) -> Result<impl Iterator<Item = Resource>, McpError> {
    let documents = access::visible_documents(app, caller).await.map_err(denied)?;
    let ready = documents.into_iter().filter(|d| d.status == DocumentStatus::Ready);
    Ok(ready.flat_map(|document| {
        (1..=document.page_count).map(move |page| {
            Resource::new(page_uri(&document.id, page), format!("{} p. {page}", document.book))
                .with_title(format!("{}, page {page}", document.book))
                .with_mime_type("text/markdown")
        })
    }))
}

/// Reads a page resource, of a book `caller` may see (any other is one that does not exist).
pub(super) async fn read(app: &App, caller: &Caller, uri: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = || McpError::resource_not_found(format!("no rulebook page at {uri}"), None);
    let rest = uri.strip_prefix(PREFIX).ok_or_else(not_found)?;
    let (document_id, page) = rest.split_once("/pages/").ok_or_else(not_found)?;
    let page: i64 = page.parse().map_err(|_| not_found())?;
    let document = match app.storage.get_document(document_id).await {
        Ok(document) => document,
        Err(StorageError::NotFound { .. }) => return Err(not_found()),
        Err(err) => return Err(internal(err)),
    };
    if !access::sees_document(app, caller, &document).await.map_err(denied)? {
        return Err(not_found());
    }
    let record = match app.storage.get_page(document_id, page).await {
        Ok(record) => record,
        Err(StorageError::NotFound { .. }) => return Err(not_found()),
        Err(err) => return Err(internal(err)),
    };
    let text = match (&record.problem, record.text.is_empty()) {
        (Some(problem), true) => format!("(no text: {problem})"),
        _ => record.text,
    };
    Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri)]))
}
