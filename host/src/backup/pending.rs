//! A restore asked for while the server runs (the `backup_restore` tool), done when the
//! server next starts: a running server holds the data folder, and a restore needs it alone.
//!
//! The request is one small file in the data folder, [`FILE`], written whole (a temporary
//! file renamed over it). `ttrpg serve` takes it away before it restores ([`take`]), so a
//! restore that fails, or a kill in the middle of one (which leaves the old state or the new
//! one, never a mix: see `super::restore`), is not tried again at every start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{BackupError, Manifest, io};
use crate::config::Config;

/// The request's file name in the data folder.
pub const FILE: &str = "restore-pending.json";

/// A restore waiting for the next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingRestore {
    /// The archive to restore.
    pub file: PathBuf,
    /// When the backup was taken (its manifest's `created_at`).
    pub backup_created_at: String,
    /// When the restore was asked for (RFC 3339).
    pub requested_at: String,
}

fn path(config: &Config) -> PathBuf {
    config.data_dir.join(FILE)
}

/// Records that `file` (whose manifest is `manifest`) is to be restored at the next start,
/// replacing an earlier request.
pub fn request(config: &Config, file: &Path, manifest: &Manifest) -> Result<PendingRestore, BackupError> {
    let pending = PendingRestore {
        file: file.to_path_buf(),
        backup_created_at: manifest.created_at.clone(),
        requested_at: chrono::Utc::now().to_rfc3339(),
    };
    let target = path(config);
    let temporary = config.data_dir.join(format!(".{FILE}.{}", uuid::Uuid::now_v7().simple()));
    let text = serde_json::to_vec_pretty(&pending)
        .map_err(|err| BackupError::Refused(format!("cannot write the restore request: {err}")))?;
    std::fs::write(&temporary, text).map_err(io(&temporary))?;
    std::fs::rename(&temporary, &target).map_err(io(&target))?;
    Ok(pending)
}

/// The restore waiting for the next start, if any.
pub fn pending(config: &Config) -> Result<Option<PendingRestore>, BackupError> {
    let target = path(config);
    let text = match std::fs::read(&target) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io(&target)(err)),
    };
    serde_json::from_slice(&text).map(Some).map_err(|err| BackupError::Damaged {
        file: target.display().to_string(),
        reason: format!("not a restore request: {err}"),
    })
}

/// Takes the waiting request away and returns it (`None` when there is none). A request
/// that cannot be read is removed too, and the error says what it held.
pub fn take(config: &Config) -> Result<Option<PendingRestore>, BackupError> {
    let found = pending(config);
    if !matches!(found, Ok(None)) {
        let target = path(config);
        std::fs::remove_file(&target).map_err(io(&target))?;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "format": 1, "product_version": "0.0.0", "schema_version": 9, "engine": "sqlite",
            "created_at": "2026-12-06T10:00:00Z", "vectors": "edge", "compiled_cache_keys": [],
            "files": [], "counts": {"campaigns": 1, "documents": 0, "chunks": 0, "plugins": 0, "images": 0}
        }))
        .unwrap()
    }

    #[test]
    fn a_request_is_kept_whole_until_it_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
        assert_eq!(pending(&config).unwrap(), None);
        let asked = request(&config, Path::new("/backups/a.tar.zst"), &manifest()).unwrap();
        assert_eq!(asked.backup_created_at, "2026-12-06T10:00:00Z");
        assert_eq!(pending(&config).unwrap(), Some(asked.clone()));
        assert_eq!(take(&config).unwrap(), Some(asked));
        assert_eq!(take(&config).unwrap(), None, "taken once");
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert!(matches!(take(&config), Err(BackupError::Damaged { .. })));
        assert_eq!(take(&config).unwrap(), None, "a damaged request is removed, not tried at every start");
    }
}
