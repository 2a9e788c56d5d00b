//! The embedded default: a local ONNX model through fastembed.

use std::path::{Path, PathBuf};

use fastembed::{InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel};

use super::pool::SessionPool;
use super::precision::{self, ModelFile, Precision};
use super::{EmbedError, Embedder};

/// Texts per ONNX Runtime batch.
const BATCH_SIZE: usize = 32;

/// Tokens the model reads (sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2);
/// longer texts are truncated, as sentence-transformers does.
pub const MAX_TOKENS: usize = 256;

/// A sentence-transformers model exported to ONNX, in a local folder holding
/// `model.onnx`, `tokenizer.json`, `config.json`, `special_tokens_map.json` and
/// `tokenizer_config.json`.
pub struct LocalEmbedder {
    sessions: SessionPool,
    /// The model's tokenizer without truncation, for counting tokens.
    counter: tokenizers::Tokenizer,
    name: String,
    dimension: usize,
    file: ModelFile,
}

impl LocalEmbedder {
    /// Loads the model in `dir` (mean pooling, normalised). `onnxruntime` is the path of
    /// the ONNX Runtime shared library (from the configuration: `TTRPG_ONNXRUNTIME`,
    /// `search.onnxruntime` or `ORT_DYLIB_PATH`); without one, the library of the
    /// `onnxruntime` wheel of the machine's `python3` ([`super::locate`]). `precision`
    /// picks the ONNX file ([`precision::choose`]).
    pub fn load(dir: &Path, onnxruntime: Option<&Path>, precision: Precision) -> Result<Self, EmbedError> {
        Self::load_with_threads(dir, onnxruntime, precision, 1)
    }

    /// [`LocalEmbedder::load`] with `threads` ONNX Runtime threads per session
    /// (`search.embed_threads`; 1 by default, so that a bulk call runs one batch per core
    /// and a question never shares a session's threads with an ingestion).
    pub fn load_with_threads(
        dir: &Path,
        onnxruntime: Option<&Path>,
        precision: Precision,
        threads: usize,
    ) -> Result<Self, EmbedError> {
        let threads = threads.max(1);
        let read = |file: &str| -> Result<Vec<u8>, EmbedError> {
            let path = dir.join(file);
            std::fs::read(&path).map_err(|err| EmbedError::Model {
                path: dir.display().to_string(),
                message: format!("cannot read {file}: {err}"),
            })
        };
        let library: Option<PathBuf> = super::locate::onnxruntime_library(onnxruntime);
        match &library {
            Some(path) if path.exists() => {}
            Some(path) => return Err(EmbedError::Runtime(format!("{} does not exist", path.display()))),
            None => {
                return Err(EmbedError::Runtime(
                    "none is configured, and python3 has no onnxruntime package".into(),
                ));
            }
        }
        let library = library.unwrap_or_default();
        // Loads the shared library once per process; fastembed then builds its sessions on it.
        let environment = ort::init_from(&library)
            .map_err(|err| EmbedError::Runtime(format!("{}: {err}", library.display())))?;
        drop(environment);
        let tokenizer = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let file = precision::choose(dir, precision, precision::cpu_has_vnni());
        let onnx = std::fs::read(&file.path).map_err(|err| EmbedError::Model {
            path: dir.display().to_string(),
            message: format!("cannot read {}: {err}", file.path.display()),
        })?;
        let model = UserDefinedEmbeddingModel::new(onnx, tokenizer).with_pooling(Pooling::Mean);
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let folder_name = dir.display().to_string();
        let make = move || {
            TextEmbedding::try_new_from_user_defined(
                model.clone(),
                InitOptionsUserDefined::new().with_max_length(MAX_TOKENS).with_intra_threads(threads),
            )
            .map_err(|err| EmbedError::Model { path: folder_name.clone(), message: err.to_string() })
        };
        let mut embedding = make()?;
        let mut counter = embedding.tokenizer.clone();
        counter
            .with_truncation(None)
            .map_err(|err| EmbedError::Model { path: dir.display().to_string(), message: err.to_string() })?
            .with_padding(None);
        let probe = embedding.embed(["probe"], None).map_err(|err| EmbedError::Inference(err.to_string()))?;
        let dimension = probe.first().map(Vec::len).unwrap_or(0);
        // As many sessions as cores for a bulk call, one more for whoever comes meanwhile.
        let bulk = (cores / threads).max(1);
        let sessions = SessionPool::new(embedding, Box::new(make), bulk + 1, bulk);
        let folder =
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "local".into());
        let name = format!("{folder} {}", file.variant);
        tracing::info!(
            model = %name,
            reason = %file.reason,
            sessions = sessions.capacity(),
            threads_per_session = threads,
            "embedding model loaded"
        );
        Ok(LocalEmbedder { sessions, counter, name, dimension, file })
    }

    /// The ONNX file it runs, its variant and why it was chosen.
    pub fn model_file(&self) -> &ModelFile {
        &self.file
    }

    /// How many ONNX Runtime sessions it may hold, and how many it holds now.
    pub fn sessions(&self) -> (usize, usize) {
        (self.sessions.capacity(), self.sessions.made())
    }
}

impl Embedder for LocalEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn count_tokens(&self, text: &str) -> usize {
        self.counter.encode(text, false).map(|encoding| encoding.len()).unwrap_or_else(|_| text.len() / 4)
    }

    /// Embeds `texts` shortest first, so that each batch pads to a length near its own
    /// texts' (a batch pads every text to its longest), on as many sessions as the pool
    /// gives a bulk call, and returns the vectors in the order of `texts`.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let batches: Vec<Vec<&str>> = order
            .chunks(BATCH_SIZE)
            .map(|chunk| chunk.iter().map(|&i| texts[i].as_str()).collect())
            .collect();
        let vectors = self.sessions.run_batches(&batches, |session, batch| {
            session.embed(batch, Some(BATCH_SIZE)).map_err(|err| EmbedError::Inference(err.to_string()))
        })?;
        let mut out = vec![Vec::new(); texts.len()];
        for (vector, &i) in vectors.into_iter().flatten().zip(&order) {
            out[i] = vector;
        }
        Ok(out)
    }
}
