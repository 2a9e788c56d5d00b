//! Where the embedding model is: the folder the configuration names, else the data
//! folder's `models/all-MiniLM-L6-v2`, else a copy in the Hugging Face cache (fastembed's
//! own `Qdrant/all-MiniLM-L6-v2-onnx` download, whose snapshot holds `model.onnx` and the
//! tokenizer files side by side). Nothing is downloaded: when no folder holds the model, the
//! error lists where it looked and says what to do.

use std::path::{Path, PathBuf};

/// The files a model folder must hold.
pub const MODEL_FILES: [&str; 5] =
    ["model.onnx", "tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"];

/// The Hugging Face repositories whose snapshots are usable model folders as they are.
const HUB_REPOSITORIES: [&str; 1] = ["models--Qdrant--all-MiniLM-L6-v2-onnx"];

/// Where the model was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFolder {
    /// The folder.
    pub path: PathBuf,
    /// How it was found: `configured`, `data folder` or `Hugging Face cache`.
    pub found_by: &'static str,
}

/// No folder holds the model: where it looked, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no embedding model (all-MiniLM-L6-v2 as an ONNX export) was found; looked in {}. \
     Put one in {} (for example `mkdir -p {} && cp -r ../shared/models/all-MiniLM-L6-v2 {}`), \
     or set TTRPG_MODEL_DIR to a folder that holds {}. Everything but rules search, notes \
     search and ingestion works without it.",
    .looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
    .default.display(),
    .default.parent().map(|p| p.display().to_string()).unwrap_or_default(),
    .default.parent().map(|p| p.display().to_string()).unwrap_or_default(),
    MODEL_FILES.join(", ")
)]
pub struct ModelMissing {
    /// Every folder looked in, in order.
    pub looked: Vec<PathBuf>,
    /// Where the data folder expects it.
    pub default: PathBuf,
}

/// Where the model is under `config`: its `search.model_dir`, the data folder's, then the
/// Hugging Face caches of this environment ([`find`] with [`hub_caches`]).
pub fn find_configured(config: &crate::config::Config) -> Result<ModelFolder, ModelMissing> {
    find(config.search.model_dir.as_deref(), &config.default_model_dir(), &hub_caches())
}

/// The Hugging Face cache folders of this environment: `HF_HUB_CACHE`, `HF_HOME/hub`,
/// `~/.cache/huggingface/hub`, and fastembed's `FASTEMBED_CACHE_DIR` (or `.fastembed_cache`).
pub fn hub_caches() -> Vec<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut roots = Vec::new();
    roots.extend(var("HF_HUB_CACHE"));
    roots.extend(var("HF_HOME").map(|home| home.join("hub")));
    roots.extend(var("HOME").map(|home| home.join(".cache/huggingface/hub")));
    roots.push(var("FASTEMBED_CACHE_DIR").unwrap_or_else(|| PathBuf::from(".fastembed_cache")));
    roots
}

/// Whether `dir` holds every file a model folder needs.
pub fn is_model_folder(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|file| dir.join(file).is_file())
}

/// Finds the model: `configured` when given (and only there), else `default` (the data
/// folder's), else the newest usable snapshot in one of `hub_caches`.
pub fn find(
    configured: Option<&Path>,
    default: &Path,
    hub_caches: &[PathBuf],
) -> Result<ModelFolder, ModelMissing> {
    if let Some(dir) = configured {
        return if is_model_folder(dir) {
            Ok(ModelFolder { path: dir.to_path_buf(), found_by: "configured" })
        } else {
            Err(ModelMissing { looked: vec![dir.to_path_buf()], default: dir.to_path_buf() })
        };
    }
    if is_model_folder(default) {
        return Ok(ModelFolder { path: default.to_path_buf(), found_by: "data folder" });
    }
    let mut looked = vec![default.to_path_buf()];
    for root in hub_caches {
        for repository in HUB_REPOSITORIES {
            let snapshots = root.join(repository).join("snapshots");
            looked.push(snapshots.clone());
            let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&snapshots)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| is_model_folder(path))
                .map(|path| {
                    let modified =
                        std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                    (modified, path)
                })
                .collect();
            found.sort();
            if let Some((_, path)) = found.pop() {
                return Ok(ModelFolder { path, found_by: "Hugging Face cache" });
            }
        }
    }
    Err(ModelMissing { looked, default: default.to_path_buf() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_in(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for file in MODEL_FILES {
            std::fs::write(dir.join(file), b"x").unwrap();
        }
    }

    #[test]
    fn the_model_is_found_in_order_or_the_error_says_where_it_looked() {
        let root = tempfile::tempdir().unwrap();
        let default = root.path().join("data/models/all-MiniLM-L6-v2");
        let hub = root.path().join("hub");
        let caches = vec![hub.clone()];
        let missing = find(None, &default, &caches).unwrap_err();
        assert_eq!(missing.looked.len(), 2, "{missing:?}");
        let message = missing.to_string();
        assert!(
            message.contains(&default.display().to_string()) && message.contains("TTRPG_MODEL_DIR"),
            "{message}"
        );

        let snapshot = hub.join("models--Qdrant--all-MiniLM-L6-v2-onnx/snapshots/abc123");
        model_in(&snapshot);
        assert_eq!(
            find(None, &default, &caches).unwrap(),
            ModelFolder { path: snapshot, found_by: "Hugging Face cache" }
        );

        model_in(&default);
        assert_eq!(find(None, &default, &caches).unwrap().found_by, "data folder");

        let configured = root.path().join("mine");
        let err = find(Some(&configured), &default, &caches).unwrap_err();
        assert_eq!(err.looked, vec![configured.clone()], "a configured folder is the only place looked");
        model_in(&configured);
        assert_eq!(find(Some(&configured), &default, &caches).unwrap().found_by, "configured");
    }
}
