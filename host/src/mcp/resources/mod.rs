//! MCP resources: a campaign's live state (`campaigns.rs`, `ttrpg://campaigns/{id}` and
//! below: the campaign, a character, the running combat, a session's log), rulebook pages
//! (`pages.rs`, `ttrpg://books/{document_id}/pages/{page}`) and every size of a campaign's
//! images (`images.rs`, `ttrpg://images/{hash}/{size}`) and installed plugins
//! (`plugins.rs`, `ttrpg://plugins/{plugin_id}/{version}`). A caller sees and reads only what
//! their role allows; anything else is a resource that does not exist.

pub mod campaigns;
mod images;
mod pages;
mod plugins;

use rmcp::ErrorData as McpError;
use rmcp::model::{ListResourcesResult, ReadResourceResult, Resource, ResourceTemplate};

use crate::access::AccessError;
use crate::mcp::runner::Runner;

/// Resources per page of `resources/list`.
const PAGE_SIZE: usize = 100;

/// The templates clients can fill in.
pub fn templates() -> Vec<ResourceTemplate> {
    let mut templates = campaigns::templates();
    templates.extend(pages::templates());
    templates.extend(images::templates());
    templates.extend(plugins::templates());
    templates
}

/// What the runner's caller may read: their campaigns and combats, their campaigns' images,
/// then the pages of every book they may see, `PAGE_SIZE` per call; the cursor is an offset.
pub async fn list(runner: &Runner, cursor: Option<String>) -> Result<ListResourcesResult, McpError> {
    let (app, caller) = (runner.app.as_ref(), &runner.caller);
    let offset: usize = match cursor {
        Some(cursor) => {
            cursor.parse().map_err(|_| McpError::invalid_params(format!("bad cursor {cursor:?}"), None))?
        }
        None => 0,
    };
    let campaigns = campaigns::list(runner).await?;
    let images = images::list(app, caller).await?;
    let pages = pages::list(app, caller).await?;
    let mut all = campaigns.into_iter().chain(images).chain(pages).skip(offset);
    let items: Vec<Resource> = all.by_ref().take(PAGE_SIZE).collect();
    let mut result = ListResourcesResult::with_all_items(items);
    if all.next().is_some() {
        result.next_cursor = Some((offset + PAGE_SIZE).to_string());
    }
    Ok(result)
}

/// Reads a resource the runner's caller may see.
pub async fn read(runner: &Runner, uri: &str) -> Result<ReadResourceResult, McpError> {
    let (app, caller) = (runner.app.as_ref(), &runner.caller);
    if uri.starts_with(crate::app::events::uri::CAMPAIGNS) {
        return campaigns::read(runner, uri).await;
    }
    if let Some(rest) = uri.strip_prefix(plugins::PREFIX) {
        return plugins::read(runner, uri, rest).await;
    }
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
