//! What a backup says about itself: `manifest.json`, the archive's last entry.

use serde::{Deserialize, Serialize};

/// The manifest's format; bump it when its meaning changes.
pub const MANIFEST_FORMAT: u32 = 1;

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManifestFile {
    /// Its path in the archive (`database/ttrpg.db`, `plugins/ID/VERSION/plugin.wasm`,
    /// `images/AB/HASH/SIZE`).
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// What the backup holds, counted in its database copy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManifestCounts {
    /// Campaigns, archived ones included.
    pub campaigns: u64,
    /// Ingested books.
    pub documents: u64,
    /// Their passages (the vector index is rebuilt from them on restore).
    pub chunks: u64,
    /// Installed plugin versions.
    pub plugins: u64,
    /// Campaign images (maps, handouts, tokens, portraits).
    #[serde(default)]
    pub images: u64,
    /// Image files (one file may serve several campaigns), every size included.
    #[serde(default)]
    pub image_files: u64,
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`] of the host that wrote it.
    pub format: u32,
    /// The ttrpg version that wrote it.
    pub product_version: String,
    /// The newest migration applied to the database copied.
    pub schema_version: Option<i64>,
    /// `sqlite` (the only engine the host backs up itself).
    pub engine: String,
    /// When the snapshot was taken (RFC 3339).
    pub created_at: String,
    /// The vector index is not copied: it is rebuilt from the chunk rows on restore.
    pub vectors: String,
    /// The compiled-cache keys: the SHA-256 of every plugin component included.
    pub compiled_cache_keys: Vec<String>,
    /// Every file, with size and SHA-256.
    pub files: Vec<ManifestFile>,
    /// What the database copy holds.
    pub counts: ManifestCounts,
}
