//! Images of a campaign (maps, handouts, tokens, portraits) and the files they show.
//!
//! The bytes live outside the database (`crate::images` keeps them under `<data>/images/`
//! by hash); these rows say what each file is and what each campaign made of it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Row};

use super::sql::{SqlEngine, SqlStorage, known, new_id, now, sql};
use super::{CampaignStore, StorageError, StorageResult, Visibility};

pub(super) const IMAGE_COLUMNS: &str = "i.id, i.campaign_id, i.hash, i.title, i.kind, i.tags, i.visibility, i.grid, i.pins, \
     i.created_at, i.updated_at, f.mime, f.width, f.height, f.bytes, f.sizes";
/// What a refused image add says is full.
pub const IMAGE_QUOTA_SPACE: &str = "campaign's image store (images.campaign_quota_mb)";
/// The bytes a campaign's images take ($1: the campaign).
const CAMPAIGN_USAGE: &str = "SELECT CAST(COALESCE(SUM(f.bytes), 0) AS BIGINT) AS used FROM images i \
     JOIN image_files f ON f.hash = i.hash WHERE i.campaign_id = $1";
const DELETE_UNUSED_FILE: &str =
    "DELETE FROM image_files WHERE hash = $1 AND NOT EXISTS (SELECT 1 FROM images WHERE hash = $1)";
pub(super) const FILE_COLUMNS: &str = "hash, mime, width, height, bytes, sizes, created_at";

/// What an image is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// A battle or area map (may carry a grid and pins).
    Map,
    /// Something handed to the players: a letter, a picture, a wanted poster.
    Handout,
    /// A token for a combatant on a map.
    Token,
    /// A character's or NPC's portrait.
    Portrait,
}

impl ImageKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Map => "map",
            ImageKind::Handout => "handout",
            ImageKind::Token => "token",
            ImageKind::Portrait => "portrait",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "map" => Some(ImageKind::Map),
            "handout" => Some(ImageKind::Handout),
            "token" => Some(ImageKind::Token),
            "portrait" => Some(ImageKind::Portrait),
            _ => None,
        }
    }
}

/// One stored rendition of an image file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageSize {
    /// `original`, `thumbnail`, `preview` or `display`.
    pub size: String,
    /// Its MIME type (`image/jpeg`, `image/webp`, …).
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its length in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
}

/// An image file: an original known by the SHA-256 of its bytes, and its derived sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageFile {
    /// SHA-256 of the original's bytes (hex): the file's name.
    pub hash: String,
    /// The original's MIME type.
    pub mime: String,
    /// The original's width in pixels, as shown (EXIF orientation applied).
    pub width: u32,
    /// The original's height in pixels, as shown.
    pub height: u32,
    /// The original and every derived size together, in bytes.
    pub bytes: u64,
    /// Every rendition, the original first.
    pub sizes: Vec<ImageSize>,
    /// When the file was first stored.
    pub created_at: DateTime<Utc>,
}

/// A map's grid: how big a cell is on the image and in the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapGrid {
    /// A cell's side in pixels of the original image.
    pub cell_px: f64,
    /// A cell's side in feet (5 for most d20 games).
    pub cell_feet: f64,
    /// Where the first cell starts, in pixels from the left edge (default 0).
    #[serde(default)]
    pub offset_x: f64,
    /// Where the first cell starts, in pixels from the top edge (default 0).
    #[serde(default)]
    pub offset_y: f64,
}

/// A pin on a map: a labelled point, perhaps linked to a campaign note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapPin {
    /// Pixels from the original's left edge.
    pub x: f64,
    /// Pixels from the original's top edge.
    pub y: f64,
    /// What is there ("Trapped chest").
    pub label: String,
    /// A campaign note about it.
    #[serde(default)]
    pub note_id: Option<String>,
}

/// A campaign's image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Image {
    /// Stable id (UUID v7).
    pub id: String,
    /// The campaign.
    pub campaign_id: String,
    /// The file (SHA-256 of the original's bytes).
    pub hash: String,
    /// Its title.
    pub title: String,
    /// What it is for.
    pub kind: ImageKind,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who may see it.
    pub visibility: Visibility,
    /// A map's grid, if set.
    pub grid: Option<MapGrid>,
    /// A map's pins.
    pub pins: Vec<MapPin>,
    /// The original's MIME type.
    pub mime: String,
    /// The original's width in pixels.
    pub width: u32,
    /// The original's height in pixels.
    pub height: u32,
    /// All its renditions together, in bytes.
    pub bytes: u64,
    /// Its renditions, the original first.
    pub sizes: Vec<ImageSize>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new image of a campaign, over a file already stored with [`ImageStore::put_image_file`].
#[derive(Debug, Clone)]
pub struct NewImage {
    /// The campaign.
    pub campaign_id: String,
    /// The file.
    pub hash: String,
    /// Its title.
    pub title: String,
    /// What it is for.
    pub kind: ImageKind,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who may see it.
    pub visibility: Visibility,
}

/// Changes to an image; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ImagePatch {
    /// New title.
    pub title: Option<String>,
    /// New tags (replacing the old ones).
    pub tags: Option<Vec<String>>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New grid: `Some(None)` removes it.
    pub grid: Option<Option<MapGrid>>,
    /// New pins (replacing the old ones).
    pub pins: Option<Vec<MapPin>>,
}

/// Which of a campaign's images to list.
#[derive(Debug, Clone, Default)]
pub struct ImageFilter {
    /// Only this kind.
    pub kind: Option<ImageKind>,
    /// Only those with this tag.
    pub tag: Option<String>,
    /// Only those shared with the players.
    pub players_only: bool,
}

/// What [`ImageStore::add_image`] did.
#[derive(Debug, Clone)]
pub struct AddedImage {
    /// The image.
    pub image: Image,
    /// False when the campaign already had an image of the same file (it is returned as it
    /// was; nothing changed).
    pub created: bool,
}

/// Images and image files.
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// Records a file (its bytes already on disk); a file with that hash already recorded
    /// is left as it is.
    async fn put_image_file(&self, file: ImageFile) -> StorageResult<ImageFile>;
    /// The file of that hash.
    async fn image_file(&self, hash: &str) -> StorageResult<Option<ImageFile>>;
    /// Every file, by hash (backups and regeneration).
    async fn image_files(&self) -> StorageResult<Vec<ImageFile>>;
    /// Replaces the recorded derived sizes of a file (after they were made again).
    async fn set_image_sizes(&self, hash: &str, sizes: Vec<ImageSize>, bytes: u64) -> StorageResult<()>;
    /// Adds an image to a campaign unless it has one of that file already. With a quota,
    /// refuses with [`StorageError::QuotaExceeded`] when the campaign's images would take
    /// more bytes than it; the check and the insert are one transaction.
    async fn add_image(&self, new: NewImage, quota_bytes: Option<u64>) -> StorageResult<AddedImage>;
    /// One image.
    async fn get_image(&self, id: &str) -> StorageResult<Image>;
    /// A campaign's images, oldest first.
    async fn images(&self, campaign_id: &str, filter: &ImageFilter) -> StorageResult<Vec<Image>>;
    /// Every image of that file, in any campaign.
    async fn images_of_file(&self, hash: &str) -> StorageResult<Vec<Image>>;
    /// Changes an image.
    async fn update_image(&self, id: &str, patch: ImagePatch) -> StorageResult<Image>;
    /// Removes an image. When no image uses its file any more the file's row goes too, and
    /// its hash is returned so the caller can delete the bytes.
    async fn remove_image(&self, id: &str) -> StorageResult<Option<String>>;
    /// Forgets a file no image uses (one whose add was refused); true when it went.
    async fn remove_image_file_if_unused(&self, hash: &str) -> StorageResult<bool>;
    /// The bytes a campaign's images take.
    async fn campaign_image_bytes(&self, campaign_id: &str) -> StorageResult<u64>;
}

#[async_trait]
impl<DB: SqlEngine> ImageStore for SqlStorage<DB> {
    async fn put_image_file(&self, file: ImageFile) -> StorageResult<ImageFile> {
        sqlx::query(
            "INSERT INTO image_files (hash, mime, width, height, bytes, sizes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(file.hash.clone())
        .bind(file.mime.clone())
        .bind(i64::from(file.width))
        .bind(i64::from(file.height))
        .bind(file.bytes as i64)
        .bind(Json(sizes_document(&file.sizes)?))
        .bind(file.created_at)
        .execute(&self.pool)
        .await?;
        self.image_file(&file.hash).await?.ok_or_else(|| StorageError::not_found("image file", file.hash))
    }

    async fn image_file(&self, hash: &str) -> StorageResult<Option<ImageFile>> {
        let row = sqlx::query(sql!("SELECT ", FILE_COLUMNS, " FROM image_files WHERE hash = $1"))
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::image_file_from_row).transpose()
    }

    async fn image_files(&self) -> StorageResult<Vec<ImageFile>> {
        let rows = sqlx::query(sql!("SELECT ", FILE_COLUMNS, " FROM image_files ORDER BY hash"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::image_file_from_row).collect()
    }

    async fn set_image_sizes(&self, hash: &str, sizes: Vec<ImageSize>, bytes: u64) -> StorageResult<()> {
        let result = sqlx::query("UPDATE image_files SET sizes = $2, bytes = $3 WHERE hash = $1")
            .bind(hash.to_string())
            .bind(Json(sizes_document(&sizes)?))
            .bind(bytes as i64)
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&result) == 0 {
            return Err(StorageError::not_found("image file", hash));
        }
        Ok(())
    }

    async fn add_image(&self, new: NewImage, quota_bytes: Option<u64>) -> StorageResult<AddedImage> {
        self.get_campaign(&new.campaign_id).await?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        // Lock the campaign row (PostgreSQL's BEGIN takes no lock), so two adds to one
        // campaign cannot both pass the quota check.
        sqlx::query("UPDATE campaigns SET updated_at = updated_at WHERE id = $1")
            .bind(new.campaign_id.clone())
            .execute(&mut *tx)
            .await?;
        let existing: Option<String> =
            sqlx::query("SELECT id FROM images WHERE campaign_id = $1 AND hash = $2")
                .bind(new.campaign_id.clone())
                .bind(new.hash.clone())
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get::<String, _>("id"))
                .transpose()?;
        if let Some(id) = existing {
            tx.commit().await?;
            return Ok(AddedImage { image: self.get_image(&id).await?, created: false });
        }
        if let Some(quota) = quota_bytes {
            let used: i64 = sqlx::query(CAMPAIGN_USAGE)
                .bind(new.campaign_id.clone())
                .fetch_one(&mut *tx)
                .await?
                .try_get("used")?;
            let adding: i64 = sqlx::query("SELECT bytes FROM image_files WHERE hash = $1")
                .bind(new.hash.clone())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StorageError::not_found("image file", new.hash.clone()))?
                .try_get("bytes")?;
            let would_hold = (used + adding).max(0) as u64;
            if would_hold > quota {
                return Err(StorageError::QuotaExceeded { space: IMAGE_QUOTA_SPACE, quota, would_hold });
            }
        }
        let id = new_id();
        let at = now();
        sqlx::query(
            "INSERT INTO images (id, campaign_id, hash, title, kind, tags, visibility, grid, pins, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $9)",
        )
        .bind(id.clone())
        .bind(new.campaign_id)
        .bind(new.hash)
        .bind(new.title)
        .bind(new.kind.as_str().to_string())
        .bind(Json(Value::from(new.tags)))
        .bind(new.visibility.as_str().to_string())
        .bind(Json(Value::Array(Vec::new())))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AddedImage { image: self.get_image(&id).await?, created: true })
    }

    async fn get_image(&self, id: &str) -> StorageResult<Image> {
        let row = sqlx::query(sql!(
            "SELECT ",
            IMAGE_COLUMNS,
            " FROM images i JOIN image_files f ON f.hash = i.hash WHERE i.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("image", id))?;
        Self::image_from_row(&row)
    }

    async fn images(&self, campaign_id: &str, filter: &ImageFilter) -> StorageResult<Vec<Image>> {
        self.get_campaign(campaign_id).await?;
        let mut sql = format!(
            "SELECT {IMAGE_COLUMNS} FROM images i JOIN image_files f ON f.hash = i.hash WHERE i.campaign_id = $1"
        );
        if filter.kind.is_some() {
            sql.push_str(" AND i.kind = $2");
        }
        if filter.players_only {
            sql.push_str(" AND i.visibility = 'players'");
        }
        sql.push_str(" ORDER BY i.created_at, i.id");
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(campaign_id.to_string());
        if let Some(kind) = filter.kind {
            query = query.bind(kind.as_str().to_string());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let images = rows.iter().map(Self::image_from_row).collect::<StorageResult<Vec<_>>>()?;
        // Tags are a JSON list on both engines; filtering them here keeps one query for both.
        Ok(match &filter.tag {
            Some(tag) => images.into_iter().filter(|image| image.tags.iter().any(|t| t == tag)).collect(),
            None => images,
        })
    }

    async fn images_of_file(&self, hash: &str) -> StorageResult<Vec<Image>> {
        let rows = sqlx::query(sql!(
            "SELECT ",
            IMAGE_COLUMNS,
            " FROM images i JOIN image_files f ON f.hash = i.hash WHERE i.hash = $1 ORDER BY i.created_at, i.id"
        ))
        .bind(hash.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::image_from_row).collect()
    }

    async fn update_image(&self, id: &str, patch: ImagePatch) -> StorageResult<Image> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let row = sqlx::query(sql!(
            "UPDATE images SET updated_at = updated_at WHERE id = $1 RETURNING id, title, tags, visibility, grid, pins"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StorageError::not_found("image", id))?;
        let title = patch.title.unwrap_or(row.try_get("title")?);
        let tags = match patch.tags {
            Some(tags) => Value::from(tags),
            None => row.try_get::<Json<Value>, _>("tags")?.0,
        };
        let visibility = match patch.visibility {
            Some(visibility) => visibility.as_str().to_string(),
            None => row.try_get("visibility")?,
        };
        let grid = match patch.grid {
            Some(grid) => {
                grid.map(|grid| serde_json::to_value(grid).map(Json)).transpose().map_err(invalid)?
            }
            None => row.try_get::<Option<Json<Value>>, _>("grid")?,
        };
        let pins = match patch.pins {
            Some(pins) => Json(serde_json::to_value(pins).map_err(invalid)?),
            None => row.try_get::<Json<Value>, _>("pins")?,
        };
        sqlx::query(
            "UPDATE images SET title = $2, tags = $3, visibility = $4, grid = $5, pins = $6, updated_at = $7 \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(title)
        .bind(Json(tags))
        .bind(visibility)
        .bind(grid)
        .bind(pins)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get_image(id).await
    }

    async fn remove_image(&self, id: &str) -> StorageResult<Option<String>> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let hash: String = sqlx::query("DELETE FROM images WHERE id = $1 RETURNING hash")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StorageError::not_found("image", id))?
            .try_get("hash")?;
        let orphaned = sqlx::query(DELETE_UNUSED_FILE).bind(hash.clone()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok((DB::rows_affected(&orphaned) > 0).then_some(hash))
    }

    async fn remove_image_file_if_unused(&self, hash: &str) -> StorageResult<bool> {
        let result = sqlx::query(DELETE_UNUSED_FILE).bind(hash.to_string()).execute(&self.pool).await?;
        Ok(DB::rows_affected(&result) > 0)
    }

    async fn campaign_image_bytes(&self, campaign_id: &str) -> StorageResult<u64> {
        let used: i64 = sqlx::query(CAMPAIGN_USAGE)
            .bind(campaign_id.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get("used")?;
        Ok(used.max(0) as u64)
    }
}

fn sizes_document(sizes: &[ImageSize]) -> StorageResult<Value> {
    serde_json::to_value(sizes).map_err(invalid)
}

fn invalid(err: serde_json::Error) -> StorageError {
    StorageError::Invalid(format!("cannot store image metadata: {err}"))
}

fn stored<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> StorageResult<T> {
    serde_json::from_value(value)
        .map_err(|err| StorageError::Invalid(format!("stored image {what} are not valid: {err}")))
}

fn pixels(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

impl<DB: SqlEngine> SqlStorage<DB> {
    pub(super) fn image_file_from_row(row: &DB::Row) -> StorageResult<ImageFile> {
        Ok(ImageFile {
            hash: row.try_get("hash")?,
            mime: row.try_get("mime")?,
            width: pixels(row.try_get("width")?),
            height: pixels(row.try_get("height")?),
            bytes: row.try_get::<i64, _>("bytes")?.max(0) as u64,
            sizes: stored("sizes", row.try_get::<Json<Value>, _>("sizes")?.0)?,
            created_at: row.try_get("created_at")?,
        })
    }

    pub(super) fn image_from_row(row: &DB::Row) -> StorageResult<Image> {
        let id: String = row.try_get("id")?;
        let kind = known("images", &id, "kind", row.try_get("kind")?, ImageKind::parse)?;
        let visibility = known("images", &id, "visibility", row.try_get("visibility")?, Visibility::parse)?;
        let grid = match row.try_get::<Option<Json<Value>>, _>("grid")? {
            Some(grid) => Some(stored("grid", grid.0)?),
            None => None,
        };
        Ok(Image {
            kind,
            visibility,
            grid,
            campaign_id: row.try_get("campaign_id")?,
            hash: row.try_get("hash")?,
            title: row.try_get("title")?,
            tags: stored("tags", row.try_get::<Json<Value>, _>("tags")?.0)?,
            pins: stored("pins", row.try_get::<Json<Value>, _>("pins")?.0)?,
            mime: row.try_get("mime")?,
            width: pixels(row.try_get("width")?),
            height: pixels(row.try_get("height")?),
            bytes: row.try_get::<i64, _>("bytes")?.max(0) as u64,
            sizes: stored("sizes", row.try_get::<Json<Value>, _>("sizes")?.0)?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            id,
        })
    }
}
