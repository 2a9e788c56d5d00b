//! Rulebook pages as MCP resources: `ttrpg://books/{document_id}/pages/{page}`, plain
//! text in reading order, listed a hundred at a time.

use rmcp::ErrorData as McpError;
use rmcp::model::{ListResourcesResult, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use crate::access::{self, AccessError, Caller};
use crate::app::App;
use crate::storage::{DocumentStatus, StorageError};

/// Resources per page of `resources/list`.
const PAGE_SIZE: usize = 100;
/// The URI scheme and prefix of rulebook pages.
const PREFIX: &str = "ttrpg://books/";

/// The URI of a page.
pub fn page_uri(document_id: &str, page: i64) -> String {
    format!("{PREFIX}{document_id}/pages/{page}")
}

/// The template clients can fill in.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{PREFIX}{{document_id}}/pages/{{page}}"), "rulebook-page")
            .with_title("Rulebook page")
            .with_description(
                "One page of an ingested rulebook as text in reading order (book_list gives the ids)",
            )
            .with_mime_type("text/markdown"),
    ]
}

/// Every page of every ready book `caller` may see, `PAGE_SIZE` per call; the cursor is
/// an offset.
pub async fn list(
    app: &App,
    caller: &Caller,
    cursor: Option<String>,
) -> Result<ListResourcesResult, McpError> {
    let offset: usize = match cursor {
        Some(cursor) => {
            cursor.parse().map_err(|_| McpError::invalid_params(format!("bad cursor {cursor:?}"), None))?
        }
        None => 0,
    };
    let documents = access::visible_documents(app, caller).await.map_err(denied)?;
    let pages = documents
        .iter()
        .filter(|d| d.status == DocumentStatus::Ready)
        .flat_map(|d| (1..=d.page_count).map(move |page| (d, page)));
    let mut items = Vec::new();
    let mut more = false;
    for (i, (document, page)) in pages.skip(offset).enumerate() {
        if i == PAGE_SIZE {
            more = true;
            break;
        }
        items.push(
            Resource::new(page_uri(&document.id, page), format!("{} p. {page}", document.book))
                .with_title(format!("{}, page {page}", document.book))
                .with_mime_type("text/markdown"),
        );
    }
    let mut result = ListResourcesResult::with_all_items(items);
    if more {
        result.next_cursor = Some((offset + PAGE_SIZE).to_string());
    }
    Ok(result)
}

/// Reads a page resource, of a book `caller` may see (any other is one that does not exist).
pub async fn read(app: &App, caller: &Caller, uri: &str) -> Result<ReadResourceResult, McpError> {
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

fn denied(err: AccessError) -> McpError {
    McpError::internal_error(err.to_string(), None)
}

fn internal(err: StorageError) -> McpError {
    McpError::internal_error(err.to_string(), None)
}
