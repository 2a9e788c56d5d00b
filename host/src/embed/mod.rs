//! Dense text embeddings for rules search: the seam between the embedded default (a local
//! ONNX model run by fastembed on ONNX Runtime) and whatever a larger deployment uses.
//!
//! The default model is all-MiniLM-L6-v2 (384 dimensions, mean pooling, L2-normalised,
//! 256 tokens), loaded from a local folder: nothing is downloaded at build or run time.
//! ONNX Runtime is loaded dynamically from the path given in the configuration or from
//! `ORT_DYLIB_PATH`, and otherwise from the `onnxruntime` Python wheel of the machine's
//! `python3` ([`locate`]: the PyPI wheel `onnxruntime==1.31.1` ships
//! `onnxruntime/capi/libonnxruntime.so.1.31.1`). Which of the folder's ONNX files runs, fp32
//! or int8, depends on the CPU ([`precision`]).

mod local;
pub mod locate;
pub mod model_folder;
mod pool;
pub mod precision;

pub use local::{LocalEmbedder, MAX_TOKENS};
pub use precision::Precision;

use thiserror::Error;

/// Why embedding failed.
#[derive(Debug, Error)]
pub enum EmbedError {
    /// The model folder is missing a file or holds something unusable.
    #[error("embedding model at {path}: {message}")]
    Model {
        /// The folder.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No folder holds the model.
    #[error(transparent)]
    ModelMissing(#[from] model_folder::ModelMissing),
    /// ONNX Runtime could not be found or loaded.
    #[error("ONNX Runtime is not available ({0}); {hint}", hint = locate::INSTALL_ONNXRUNTIME)]
    Runtime(String),
    /// Running the model failed.
    #[error("embedding failed: {0}")]
    Inference(String),
}

/// Turns texts into dense vectors. Implementations are safe to share between tasks;
/// embedding is CPU-bound, so async callers run it on a blocking thread.
pub trait Embedder: Send + Sync {
    /// Vector length.
    fn dimension(&self) -> usize;
    /// A short name for logs and `doctor` (`all-MiniLM-L6-v2`).
    fn name(&self) -> &str;
    /// Tokens in `text` as the model counts them (special tokens excluded, no truncation).
    fn count_tokens(&self, text: &str) -> usize;
    /// Embeds texts in batches; one L2-normalised vector per text, in order.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Cosine similarity of two vectors of the same length (0 when either is all zeros).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator == 0.0 { 0.0 } else { dot / denominator }
}
