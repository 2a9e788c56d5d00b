//! Where image bytes live: the seam between the data folder (the default) and an object
//! store every host reads (later). Names are a SHA-256 in hex and a size name, both checked
//! here, so no path a user gave ever reaches the file system.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::derive::Size;

/// A store of image bytes by file hash and size.
pub trait BlobStore: Send + Sync {
    /// Writes a rendition, whole or not at all (a reader never sees half a file).
    fn put(&self, hash: &str, size: Size, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads a rendition.
    fn get(&self, hash: &str, size: Size) -> std::io::Result<Vec<u8>>;
    /// Removes every rendition of a file (nothing to remove is fine).
    fn remove(&self, hash: &str) -> std::io::Result<()>;
    /// The path of a rendition on disk, for backups.
    fn path(&self, hash: &str, size: Size) -> std::io::Result<PathBuf>;
    /// The hash of every file stored.
    fn hashes(&self) -> std::io::Result<Vec<String>>;
}

/// Image bytes under a folder: `<root>/<first two hex digits>/<hash>/<size>`.
pub struct FolderBlobs {
    root: PathBuf,
}

impl FolderBlobs {
    /// A store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderBlobs { root: root.into() }
    }

    fn folder(&self, hash: &str) -> std::io::Result<PathBuf> {
        if !is_sha256_hex(hash) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{hash:?} is not a SHA-256 in hex"),
            ));
        }
        Ok(self.root.join(&hash[..2]).join(hash))
    }
}

/// Whether `text` is 64 lowercase hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BlobStore for FolderBlobs {
    fn put(&self, hash: &str, size: Size, bytes: &[u8]) -> std::io::Result<()> {
        let folder = self.folder(hash)?;
        std::fs::create_dir_all(&folder)?;
        let target = folder.join(size.as_str());
        let scratch = folder.join(format!(".{}.{}.partial", size.as_str(), uuid::Uuid::now_v7()));
        let written = write_synced(&scratch, bytes).and_then(|()| std::fs::rename(&scratch, &target));
        if written.is_err() {
            let _ = std::fs::remove_file(&scratch);
        }
        written
    }

    fn get(&self, hash: &str, size: Size) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.folder(hash)?.join(size.as_str()))
    }

    fn remove(&self, hash: &str) -> std::io::Result<()> {
        match std::fs::remove_dir_all(self.folder(hash)?) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn path(&self, hash: &str, size: Size) -> std::io::Result<PathBuf> {
        Ok(self.folder(hash)?.join(size.as_str()))
    }

    fn hashes(&self) -> std::io::Result<Vec<String>> {
        let shards = match std::fs::read_dir(&self.root) {
            Ok(shards) => shards,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        let mut hashes = Vec::new();
        for shard in shards {
            for file in std::fs::read_dir(shard?.path())? {
                let name = file?.file_name().to_string_lossy().into_owned();
                if is_sha256_hex(&name) {
                    hashes.push(name);
                }
            }
        }
        hashes.sort();
        Ok(hashes)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_hashes_never_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FolderBlobs::new(dir.path());
        for bad in ["../../etc/passwd", "ab", &"A".repeat(64), &format!("{}/x", "a".repeat(62))] {
            let err = blobs.put(bad, Size::Original, b"x").unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let hash = "0f".repeat(32);
        blobs.put(&hash, Size::Preview, b"bytes").unwrap();
        assert_eq!(blobs.get(&hash, Size::Preview).unwrap(), b"bytes");
        assert_eq!(blobs.hashes().unwrap(), vec![hash.clone()]);
        blobs.remove(&hash).unwrap();
        assert!(blobs.get(&hash, Size::Preview).is_err());
        blobs.remove(&hash).unwrap();
    }
}
