//! MCP resources: rulebook pages (`pages.rs`, `ttrpg://books/{document_id}/pages/{page}`)
//! and every size of a campaign's images (`images.rs`, `ttrpg://images/{hash}/{size}`).
//! A caller sees and reads only what their role allows; anything else is a resource that
//! does not exist.

mod images;
mod pages;

use rmcp::ErrorData as McpError;
use rmcp::model::{ListResourcesResult, ReadResourceResult, Resource, ResourceTemplate};

use crate::access::{AccessError, Caller};
use crate::app::App;

/// Resources per page of `resources/list`.
const PAGE_SIZE: usize = 100;

/// The templates clients can fill in.
pub fn templates() -> Vec<ResourceTemplate> {
    let mut templates = pages::templates();
    templates.extend(images::templates());
    templates
}

/// What `caller` may read: their campaigns' images, then the pages of every book they may
/// see, `PAGE_SIZE` per call; the cursor is an offset.
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
    let images = images::list(app, caller).await?;
    let pages = pages::list(app, caller).await?;
    let mut all = images.into_iter().chain(pages).skip(offset);
    let items: Vec<Resource> = all.by_ref().take(PAGE_SIZE).collect();
    let mut result = ListResourcesResult::with_all_items(items);
    if all.next().is_some() {
        result.next_cursor = Some((offset + PAGE_SIZE).to_string());
    }
    Ok(result)
}

/// Reads a resource `caller` may see.
pub async fn read(app: &App, caller: &Caller, uri: &str) -> Result<ReadResourceResult, McpError> {
    if let Some(rest) = uri.strip_prefix(images::PREFIX) {
        return images::read(app, caller, uri, rest).await;
    }
    pages::read(app, caller, uri).await
}

fn denied(err: AccessError) -> McpError {
    McpError::internal_error(err.to_string(), None)
}

fn internal(err: impl std::fmt::Display) -> McpError {
    McpError::internal_error(err.to_string(), None)
}
