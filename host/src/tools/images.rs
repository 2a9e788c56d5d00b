//! Image tools: add, list, read, change and remove a campaign's maps, handouts, tokens and
//! portraits (see [`crate::images`]). Each size is also an MCP resource,
//! `ttrpg://images/{hash}/{size}`.

use std::sync::Arc;

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{Attachment, ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, paging, validate};
use crate::access::Need;
use crate::images::{self, AddRequest, ImageError, Size};
use crate::storage::{Image, ImageFilter, ImageKind, ImagePatch, MapGrid, MapPin, StorageError, Visibility};

/// Most pins one map carries.
const MAX_PINS: usize = 500;

/// Arguments of `image_add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// The campaign.
    pub campaign_id: String,
    /// A file in the server's library folders (library.roots), absolute or relative to the
    /// first; give this or data.
    #[serde(default)]
    pub path: Option<String>,
    /// The file's bytes in base64 (a `data:image/…;base64,` prefix is allowed); give this or path.
    #[serde(default)]
    pub data: Option<String>,
    /// Its title ("Cragmaw Hideout").
    pub title: String,
    /// map, handout, token or portrait.
    pub kind: ImageKind,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// gm (default) or players.
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// Arguments of `image_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// The campaign.
    pub campaign_id: String,
    /// Only this kind.
    #[serde(default)]
    pub kind: Option<ImageKind>,
    /// Only images with this tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Arguments of `image_get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    /// The image (from image_add or image_list).
    pub image_id: String,
    /// original, thumbnail (fits 256×256), preview (800×800, the default) or display (1920×1920).
    #[serde(default)]
    pub size: Option<Size>,
}

/// Arguments of `image_update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The image.
    pub image_id: String,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New tags, replacing the old ones.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// gm or players.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// A map's grid: cell size in pixels of the original and in feet.
    #[serde(default)]
    pub grid: Option<MapGrid>,
    /// Remove the grid (default false).
    #[serde(default)]
    pub clear_grid: bool,
    /// The map's pins, replacing the old ones (x and y in pixels of the original).
    #[serde(default)]
    pub pins: Option<Vec<MapPin>>,
}

/// Arguments that name one image.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageIdArgs {
    /// The image.
    pub image_id: String,
}

/// One rendition as a client reads it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SizeView {
    /// original, thumbnail, preview or display.
    pub size: String,
    /// Its MIME type.
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Length in bytes.
    pub bytes: u64,
    /// The resource to read it from.
    pub uri: String,
}

/// An image as a client reads it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImageView {
    /// The image.
    #[serde(flatten)]
    pub image: Image,
    /// Its sizes with the resource of each.
    pub renditions: Vec<SizeView>,
}

/// The result of `image_add`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Added {
    /// The image.
    pub image: ImageView,
    /// False when the campaign already had this very file (nothing was stored again).
    pub created: bool,
    /// What happened, in words.
    pub message: String,
}

/// A page of images.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImageList {
    /// The images, oldest first.
    pub images: Vec<ImageView>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The result of `image_get` (the image itself comes as an image content item and a
/// resource link).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Got {
    /// The image.
    pub image: ImageView,
    /// The size returned.
    pub size: SizeView,
}

/// One image.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImageResult {
    /// The image.
    pub image: ImageView,
}

/// The result of `image_remove`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Removed {
    /// The image's id.
    pub image_id: String,
    /// True when its file went too (no other image of any campaign used it).
    pub file_deleted: bool,
}

/// The image tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "image_add",
            "Add a map or handout",
            "Add an image to a campaign: a map, handout, token or portrait, as PNG, JPEG, WebP or GIF (first \
             frame), from base64 data or a file in the server's library folders. Stored by content: the same file \
             twice is stored once and the result says so. Makes thumbnail (256), preview (800) and display (1920) \
             sizes; each size is the resource ttrpg://images/{hash}/{size}. Visible to the GM only unless \
             visibility is players.",
            ToolHints::ADD,
            Need::Gm,
            add,
        ),
        typed_tool(
            "image_list",
            "List a campaign's images",
            "List a campaign's images (players see those shared with them), optionally of one kind or tag, with \
             each size's dimensions and resource URI.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
        typed_tool(
            "image_get",
            "Show an image",
            "Return one size of an image as an image content item plus a link to its resource, with its grid \
             and pins for a map. size: thumbnail, preview (default), display or original.",
            ToolHints::READ,
            Need::Player,
            get,
        ),
        typed_tool(
            "image_update",
            "Change an image, a map's grid or pins",
            "Change an image's title, tags or visibility, set or clear a map's grid (cell size in pixels and \
             feet), or replace its pins (x, y in pixels of the original, a label, an optional note_id).",
            ToolHints::SET,
            Need::Gm,
            update,
        ),
        typed_tool(
            "image_remove",
            "Remove an image",
            "Remove an image from its campaign; its file is deleted when no other campaign uses it.",
            ToolHints::CHANGE,
            Need::Gm,
            remove,
        ),
    ]
}

async fn add(app: ToolCall, args: AddArgs) -> Result<Added, ToolError> {
    let title = validate::name("title", &args.title)?;
    let tags = args.tags.iter().map(|t| validate::name("tag", t)).collect::<Result<Vec<_>, _>>()?;
    let bytes = match (&args.path, &args.data) {
        (Some(path), None) => {
            let max_mb = app.config.images.max_file_mb;
            let path = crate::library::sandbox::resolve(&app.config.library_roots(), path, max_mb)
                .map_err(|err| ToolError::InvalidArguments(err.to_string()))?;
            tokio::fs::read(&path).await.map_err(|err| {
                ToolError::InvalidArguments(format!("cannot read {}: {err}", path.display()))
            })?
        }
        (None, Some(data)) => decode_base64(data, app.images.limits().max_file_bytes)?,
        _ => return Err(ToolError::invalid("give the image as exactly one of path or data")),
    };
    let request = AddRequest {
        campaign_id: args.campaign_id,
        title,
        kind: args.kind,
        tags,
        visibility: args.visibility.unwrap_or_default(),
    };
    let added = app.images.add(request, bytes).await.map_err(image_error)?;
    let message = if added.created {
        format!("added {:?} ({}×{})", added.image.title, added.image.width, added.image.height)
    } else {
        format!(
            "this file is already in the campaign as {:?} (image {}); nothing was stored again",
            added.image.title, added.image.id
        )
    };
    Ok(Added { image: view(added.image), created: added.created, message })
}

async fn list(app: ToolCall, args: ListArgs) -> Result<ImageList, ToolError> {
    let limit = paging::check_limit(args.limit)?;
    let filter = ImageFilter { kind: args.kind, tag: args.tag, players_only: !app.viewer.is_gm() };
    let images = app.storage.images(&args.campaign_id, &filter).await?;
    let (images, next_cursor) = paging::page_of(images, args.cursor.as_deref(), limit)?;
    Ok(ImageList { images: images.into_iter().map(view).collect(), next_cursor })
}

async fn get(app: ToolCall, args: GetArgs) -> Result<Got, ToolError> {
    let image = visible_image(&app, &args.image_id).await?;
    let size = args.size.unwrap_or(Size::Preview);
    let (bytes, mime) = app.images.read(&image.hash, &image.sizes, size).await.map_err(image_error)?;
    let image = view(image);
    let chosen = image.renditions.iter().find(|r| r.size == size.as_str()).cloned().ok_or_else(|| {
        ToolError::Internal(format!("image {} has no {} size", image.image.id, size.as_str()))
    })?;
    app.attachments.push(Attachment::Image { data: bytes, mime: mime.clone() });
    app.attachments.push(Attachment::ResourceLink {
        uri: chosen.uri.clone(),
        name: format!("{} ({})", image.image.title, size.as_str()),
        mime,
        size: chosen.bytes,
    });
    Ok(Got { image, size: chosen })
}

async fn update(app: ToolCall, args: UpdateArgs) -> Result<ImageResult, ToolError> {
    let image = app.storage.get_image(&args.image_id).await?;
    if args.clear_grid && args.grid.is_some() {
        return Err(ToolError::invalid("give grid or clear_grid, not both"));
    }
    if let Some(grid) = &args.grid {
        check_grid(grid, &image)?;
    }
    if let Some(pins) = &args.pins {
        check_pins(&app, pins, &image).await?;
    }
    let patch = ImagePatch {
        title: args.title.map(|t| validate::name("title", &t)).transpose()?,
        tags: args
            .tags
            .map(|tags| tags.iter().map(|t| validate::name("tag", t)).collect::<Result<Vec<_>, _>>())
            .transpose()?,
        visibility: args.visibility,
        grid: if args.clear_grid { Some(None) } else { args.grid.map(Some) },
        pins: args.pins,
    };
    Ok(ImageResult { image: view(app.storage.update_image(&image.id, patch).await?) })
}

async fn remove(app: ToolCall, args: ImageIdArgs) -> Result<Removed, ToolError> {
    let file_deleted = app.images.remove(&args.image_id).await.map_err(image_error)?;
    Ok(Removed { image_id: args.image_id, file_deleted })
}

/// The image if the caller may see it; a GM-only image is, to a player, one that does not exist.
async fn visible_image(app: &ToolCall, image_id: &str) -> Result<Image, ToolError> {
    let image = app.storage.get_image(image_id).await?;
    if !app.viewer.is_gm() && image.visibility != Visibility::Players {
        return Err(StorageError::not_found("image", image_id).into());
    }
    Ok(image)
}

fn check_grid(grid: &MapGrid, image: &Image) -> Result<(), ToolError> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !positive(grid.cell_px) || !positive(grid.cell_feet) {
        return Err(ToolError::invalid("grid.cell_px and grid.cell_feet must be positive numbers"));
    }
    if grid.cell_px > f64::from(image.width.max(image.height)) {
        return Err(ToolError::invalid(format!(
            "grid.cell_px = {} is larger than the map ({}×{} pixels)",
            grid.cell_px, image.width, image.height
        )));
    }
    let offset_ok = |v: f64| v.is_finite() && (0.0..grid.cell_px).contains(&v);
    if !offset_ok(grid.offset_x) || !offset_ok(grid.offset_y) {
        return Err(ToolError::invalid(
            "grid.offset_x and grid.offset_y must be at least 0 and less than cell_px",
        ));
    }
    Ok(())
}

async fn check_pins(app: &ToolCall, pins: &[MapPin], image: &Image) -> Result<(), ToolError> {
    if pins.len() > MAX_PINS {
        return Err(ToolError::invalid(format!(
            "{} pins given; a map carries at most {MAX_PINS}",
            pins.len()
        )));
    }
    for (i, pin) in pins.iter().enumerate() {
        let inside = |v: f64, side: u32| v.is_finite() && (0.0..=f64::from(side)).contains(&v);
        if !inside(pin.x, image.width) || !inside(pin.y, image.height) {
            return Err(ToolError::invalid(format!(
                "pin {i} ({:?}) at ({}, {}) is outside the map ({}×{} pixels)",
                pin.label, pin.x, pin.y, image.width, image.height
            )));
        }
        validate::name("pin label", &pin.label)?;
        if let Some(note_id) = &pin.note_id {
            let note = app.storage.get_campaign_note(note_id).await?;
            if note.campaign_id != image.campaign_id {
                return Err(StorageError::not_found("note", note_id.clone()).into());
            }
        }
    }
    Ok(())
}

fn decode_base64(data: &str, max_bytes: u64) -> Result<Vec<u8>, ToolError> {
    let data = match data.strip_prefix("data:") {
        Some(rest) => rest.split_once(";base64,").map(|(_, payload)| payload).ok_or_else(|| {
            ToolError::invalid("data is a data: URL without ;base64, — give the base64 of the file")
        })?,
        None => data,
    };
    // Base64 takes four characters for three bytes: refuse an oversized payload unread.
    if (data.len() as u64) / 4 * 3 > max_bytes.saturating_add(3) {
        return Err(ToolError::invalid(format!(
            "data holds about {} bytes, over the {max_bytes}-byte limit (images.max_file_mb)",
            data.len() / 4 * 3
        )));
    }
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|err| ToolError::invalid(format!("data is not valid base64: {err}")))
}

/// An image with the resource of each of its sizes.
pub fn view(image: Image) -> ImageView {
    let renditions = image
        .sizes
        .iter()
        .filter_map(|s| {
            let size = Size::parse(&s.size)?;
            Some(SizeView {
                size: s.size.clone(),
                mime: s.mime.clone(),
                width: s.width,
                height: s.height,
                bytes: s.bytes,
                uri: images::resource_uri(&image.hash, size),
            })
        })
        .collect();
    ImageView { image, renditions }
}

/// The tool error of an image error.
pub fn image_error(err: ImageError) -> ToolError {
    match err {
        ImageError::Storage(storage) => storage.into(),
        err @ (ImageError::Missing { .. } | ImageError::Io(_) | ImageError::Derive(_)) => {
            ToolError::Internal(err.to_string())
        }
        err => ToolError::InvalidArguments(err.to_string()),
    }
}
