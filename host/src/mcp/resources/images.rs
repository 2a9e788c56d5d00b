//! Image sizes as MCP resources: `ttrpg://images/{hash}/{size}`, binary contents as a
//! base64 blob with the size's MIME type. One file added to two campaigns is one resource;
//! a caller may read it when they may see the image in any campaign that has it.

use base64::Engine as _;
use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use super::{denied, internal};
use crate::access::{self, Caller};
use crate::app::App;
use crate::images::{Size, resource_uri};

/// What every image resource's URI starts with.
pub(super) const PREFIX: &str = "ttrpg://images/";

pub(super) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{PREFIX}{{hash}}/{{size}}"), "campaign-image")
            .with_title("Campaign image")
            .with_description(
                "One size of a campaign's map, handout, token or portrait: size is original, thumbnail (fits \
                 256×256), preview (800×800) or display (1920×1920); image_list gives the hashes",
            ),
    ]
}

/// Every size of every image `caller` may see, each file once.
pub(super) async fn list(app: &App, caller: &Caller) -> Result<Vec<Resource>, McpError> {
    let images = access::visible_images(app, caller).await.map_err(denied)?;
    let mut seen = std::collections::HashSet::new();
    let mut resources = Vec::new();
    for image in images {
        if !seen.insert(image.hash.clone()) {
            continue;
        }
        for size in &image.sizes {
            let Some(known) = Size::parse(&size.size) else { continue };
            resources.push(
                Resource::new(resource_uri(&image.hash, known), format!("{} ({})", image.title, size.size))
                    .with_title(format!("{} — {} {}×{}", image.title, size.size, size.width, size.height))
                    .with_mime_type(size.mime.clone())
                    .with_size(size.bytes),
            );
        }
    }
    Ok(resources)
}

/// Reads one size (`rest` is the URI after the prefix: `{hash}/{size}`).
pub(super) async fn read(
    app: &App,
    caller: &Caller,
    uri: &str,
    rest: &str,
) -> Result<ReadResourceResult, McpError> {
    let not_found = || McpError::resource_not_found(format!("no image at {uri}"), None);
    let (hash, size) = rest.split_once('/').ok_or_else(not_found)?;
    let size = Size::parse(size).ok_or_else(not_found)?;
    if !crate::images::blobs::is_sha256_hex(hash) {
        return Err(not_found());
    }
    let mut seen = None;
    for image in app.storage.images_of_file(hash).await.map_err(internal)? {
        if access::sees_image(app, caller, &image).await.map_err(denied)? {
            seen = Some(image);
            break;
        }
    }
    let image = seen.ok_or_else(not_found)?;
    let (bytes, mime) = app.images.read(hash, &image.sizes, size).await.map_err(internal)?;
    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(ReadResourceResult::new(vec![ResourceContents::blob(blob, uri).with_mime_type(mime)]))
}
