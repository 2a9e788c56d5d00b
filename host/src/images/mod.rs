//! Maps, handouts, tokens and portraits: stored by content, in several sizes.
//!
//! [`ImageLibrary::add`] is where an image enters. The bytes' SHA-256 names the file, so the
//! same file added twice is stored once (and a campaign that adds it again is told so).
//! Before anything is written the bytes are probed and decoded under [`ImageLimits`]
//! (`decode.rs`), which refuses other formats, cut-off files and decompression bombs with
//! an [`ImageError`] naming the problem. The derived sizes (`derive.rs`) are made on a
//! blocking thread, one image at a time per host, then the renditions are written
//! (`blobs.rs`, each whole or not at all) and last the rows (`crate::storage::ImageStore`):
//! a row never names bytes that are not there. The original is kept, so every derived size
//! can be made again ([`ImageLibrary::regenerate`]).

pub mod blobs;
pub mod decode;
pub mod derive;

use std::sync::Arc;

use chrono::Utc;
use thiserror::Error;

use crate::config::ImagesConfig;
use crate::digest::sha256_hex;
use crate::storage::{
    AddedImage, IMAGE_QUOTA_SPACE, ImageFile, ImageKind, ImageSize, NewImage, Storage, StorageError,
    Visibility,
};
pub use blobs::{BlobStore, FolderBlobs};
pub use decode::ImageLimits;
pub use derive::Size;

/// Why an image was refused or could not be served.
#[derive(Debug, Error)]
pub enum ImageError {
    /// Not PNG, JPEG, WebP or GIF.
    #[error("this is {0}; images must be PNG, JPEG, WebP or GIF")]
    Unsupported(String),
    /// The file is over `images.max_file_mb`.
    #[error("the file is {bytes} bytes, over the {limit}-byte limit (images.max_file_mb)")]
    FileTooLarge {
        /// Its length.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The declared dimensions are over the limits (a decompression bomb, or just too big).
    #[error(
        "the image declares {width}×{height} pixels, over the limits of {max_side} pixels a side and \
         {max_pixels} pixels in all (images.max_side, images.max_megapixels); scale it down first"
    )]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The side limit.
        max_side: u32,
        /// The pixel limit.
        max_pixels: u64,
    },
    /// The file stops before the image does.
    #[error("the {format} file is cut off: {message}")]
    Truncated {
        /// Its MIME type.
        format: &'static str,
        /// What the decoder saw.
        message: String,
    },
    /// The file is damaged in some other way.
    #[error("the {format} file is damaged: {message}")]
    Corrupt {
        /// Its MIME type.
        format: &'static str,
        /// What the decoder saw.
        message: String,
    },
    /// Making a derived size failed.
    #[error("cannot make the image's sizes: {0}")]
    Derive(String),
    /// The stored bytes of a rendition are missing or unreadable.
    #[error("the {size} of image file {hash} cannot be read: {source}")]
    Missing {
        /// The file.
        hash: String,
        /// The rendition.
        size: &'static str,
        /// What the file system said.
        source: std::io::Error,
    },
    /// Reading or writing image bytes failed.
    #[error("image files: {0}")]
    Io(#[from] std::io::Error),
    /// The database refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What to add to a campaign.
#[derive(Debug, Clone)]
pub struct AddRequest {
    /// The campaign.
    pub campaign_id: String,
    /// Its title.
    pub title: String,
    /// What it is for.
    pub kind: ImageKind,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who may see it.
    pub visibility: Visibility,
}

/// The image store: limits, bytes and rows together.
pub struct ImageLibrary {
    storage: Arc<dyn Storage>,
    blobs: Arc<dyn BlobStore>,
    limits: ImageLimits,
    quota_bytes: u64,
    jpeg_quality: u8,
    /// One add or removal at a time on this host: deriving is CPU- and memory-heavy, and
    /// a removal must not delete the bytes of a file another add is about to reuse.
    writes: tokio::sync::Mutex<()>,
}

impl ImageLibrary {
    /// An image store over `storage` and `blobs`, with the limits of `config`.
    pub fn new(storage: Arc<dyn Storage>, blobs: Arc<dyn BlobStore>, config: &ImagesConfig) -> Self {
        ImageLibrary {
            storage,
            blobs,
            limits: ImageLimits::from_config(config),
            quota_bytes: config.campaign_quota_mb.saturating_mul(1 << 20),
            jpeg_quality: config.jpeg_quality,
            writes: tokio::sync::Mutex::new(()),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &ImageLimits {
        &self.limits
    }

    /// The byte store.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// Adds `bytes` to a campaign: checks and decodes them, makes and stores every size
    /// unless a file of the same hash is stored already, then records the image. The
    /// campaign's quota is checked against the original's size before any work, and
    /// against the real total in the transaction that adds the row.
    pub async fn add(&self, request: AddRequest, bytes: Vec<u8>) -> Result<AddedImage, ImageError> {
        decode::probe(&bytes, &self.limits)?;
        let hash = sha256_hex(&bytes);
        let _writing = self.writes.lock().await;
        self.storage.get_campaign(&request.campaign_id).await?;
        let stored = self.storage.image_file(&hash).await?;
        let fresh = stored.is_none();
        if fresh {
            let used = self.storage.campaign_image_bytes(&request.campaign_id).await?;
            let would_hold = used.saturating_add(bytes.len() as u64);
            if would_hold > self.quota_bytes {
                return Err(StorageError::QuotaExceeded {
                    space: IMAGE_QUOTA_SPACE,
                    quota: self.quota_bytes,
                    would_hold,
                }
                .into());
            }
            let file = self.store_file(&hash, bytes).await?;
            self.storage.put_image_file(file).await?;
        }
        let new = NewImage {
            campaign_id: request.campaign_id,
            hash: hash.clone(),
            title: request.title,
            kind: request.kind,
            tags: request.tags,
            visibility: request.visibility,
        };
        match self.storage.add_image(new, Some(self.quota_bytes)).await {
            Ok(added) => Ok(added),
            Err(err) => {
                if fresh {
                    self.forget_if_unused(&hash).await;
                }
                Err(err.into())
            }
        }
    }

    /// The bytes and MIME type of one rendition of the file `hash`, whose recorded
    /// renditions are `sizes` (an [`crate::storage::Image`] carries them).
    pub async fn read(
        &self,
        hash: &str,
        sizes: &[ImageSize],
        size: Size,
    ) -> Result<(Vec<u8>, String), ImageError> {
        let missing = |source| ImageError::Missing { hash: hash.to_string(), size: size.as_str(), source };
        let mime =
            sizes.iter().find(|s| s.size == size.as_str()).map(|s| s.mime.clone()).ok_or_else(|| {
                missing(std::io::Error::new(std::io::ErrorKind::NotFound, "no such size is recorded"))
            })?;
        let blobs = self.blobs.clone();
        let owned = hash.to_string();
        let bytes = tokio::task::spawn_blocking(move || blobs.get(&owned, size))
            .await
            .map_err(|err| ImageError::Derive(format!("reading the image stopped: {err}")))?
            .map_err(missing)?;
        Ok((bytes, mime))
    }

    /// Removes a campaign's image, and the file's bytes when no image uses them any more.
    pub async fn remove(&self, image_id: &str) -> Result<bool, ImageError> {
        let _writing = self.writes.lock().await;
        let orphaned = self.storage.remove_image(image_id).await?;
        if let Some(hash) = &orphaned {
            self.blobs.remove(hash)?;
        }
        Ok(orphaned.is_some())
    }

    /// Makes every derived size of a file again from its original (after a change of
    /// quality or a damaged rendition).
    pub async fn regenerate(&self, hash: &str) -> Result<ImageFile, ImageError> {
        let _writing = self.writes.lock().await;
        let original = self.blobs.get(hash, Size::Original).map_err(|source| ImageError::Missing {
            hash: hash.to_string(),
            size: "original",
            source,
        })?;
        let file = self.store_file(hash, original).await?;
        self.storage.set_image_sizes(hash, file.sizes.clone(), file.bytes).await?;
        Ok(file)
    }

    /// The bytes a campaign's images may take (`images.campaign_quota_mb`).
    pub fn quota_bytes(&self) -> u64 {
        self.quota_bytes
    }

    /// Stores a file for rows that will name it (a campaign import): probed, decoded and
    /// derived like [`ImageLibrary::add`], recorded when new. Returns the file and whether
    /// it was new here; the caller forgets a new one ([`ImageLibrary::forget_unused`]) if
    /// its rows do not land.
    pub async fn store_file_for_import(&self, bytes: Vec<u8>) -> Result<(ImageFile, bool), ImageError> {
        decode::probe(&bytes, &self.limits)?;
        let hash = sha256_hex(&bytes);
        let _writing = self.writes.lock().await;
        if let Some(file) = self.storage.image_file(&hash).await? {
            return Ok((file, false));
        }
        let file = self.store_file(&hash, bytes).await?;
        self.storage.put_image_file(file.clone()).await?;
        Ok((file, true))
    }

    /// Deletes a file's row and bytes when no image uses it.
    pub async fn forget_unused(&self, hash: &str) {
        let _writing = self.writes.lock().await;
        self.forget_if_unused(hash).await;
    }

    /// Decodes, derives and writes every rendition of `bytes` (known by `hash`).
    async fn store_file(&self, hash: &str, bytes: Vec<u8>) -> Result<ImageFile, ImageError> {
        let limits = self.limits;
        let quality = self.jpeg_quality;
        let blobs = self.blobs.clone();
        let hash = hash.to_string();
        tokio::task::spawn_blocking(move || -> Result<ImageFile, ImageError> {
            let decoded = decode::decode(&bytes, &limits)?;
            let derived = derive::derive_all(&decoded, quality)?;
            blobs.put(&hash, Size::Original, &bytes)?;
            let mut sizes = vec![ImageSize {
                size: Size::Original.as_str().into(),
                mime: decoded.probe.mime().into(),
                width: decoded.image.width(),
                height: decoded.image.height(),
                bytes: bytes.len() as u64,
                sha256: hash.clone(),
            }];
            for rendition in derived {
                blobs.put(&hash, rendition.size, &rendition.bytes)?;
                sizes.push(ImageSize {
                    size: rendition.size.as_str().into(),
                    mime: rendition.mime.into(),
                    width: rendition.width,
                    height: rendition.height,
                    bytes: rendition.bytes.len() as u64,
                    sha256: sha256_hex(&rendition.bytes),
                });
            }
            Ok(ImageFile {
                hash,
                mime: decoded.probe.mime().into(),
                width: decoded.image.width(),
                height: decoded.image.height(),
                bytes: sizes.iter().map(|s| s.bytes).sum(),
                sizes,
                created_at: Utc::now(),
            })
        })
        .await
        .map_err(|err| ImageError::Derive(format!("the image worker stopped: {err}")))?
    }

    async fn forget_if_unused(&self, hash: &str) {
        match self.storage.remove_image_file_if_unused(hash).await {
            Ok(true) => {
                if let Err(err) = self.blobs.remove(hash) {
                    tracing::warn!(hash, error = %err, "could not delete the bytes of an image that was refused");
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(hash, error = %err, "could not forget an image file that was refused"),
        }
    }
}

/// The URI of one rendition of a file, as MCP resources name it.
pub fn resource_uri(hash: &str, size: Size) -> String {
    format!("ttrpg://images/{hash}/{}", size.as_str())
}
