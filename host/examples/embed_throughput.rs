//! Embedding throughput of the embedded default (all-MiniLM-L6-v2 through fastembed on
//! ONNX Runtime), the Rust side of `benches/embed/run.sh`.
//!
//! Usage: `embed_throughput <corpus> [--vectors <file>]`
//!
//! The corpus holds one passage per line. The model folder is `TTRPG_MODEL_DIR`, or else
//! `../shared/models/all-MiniLM-L6-v2` relative to the repository; ONNX Runtime comes from
//! `ORT_DYLIB_PATH`. After loading the model and a warm-up of 64 passages, every passage is
//! embedded once (batches of 32, as `LocalEmbedder` does) and one JSON line is printed:
//! `{"engine":"fastembed-onnx","passages":N,"seconds":S,"per_second":R}`.
//! With `--vectors`, the first 3 vectors are written to that file as a JSON array of arrays
//! so that they can be compared with sentence-transformers'.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use ttrpg_host::embed::{Embedder, LocalEmbedder};

/// Passages embedded before timing starts (two batches).
const WARM_UP: usize = 64;
/// How many vectors `--vectors` writes.
const SAVED_VECTORS: usize = 3;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let mut corpus: Option<PathBuf> = None;
    let mut vectors_out: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        if arg == "--vectors" {
            vectors_out = Some(args.next().context("--vectors needs a file")?.into());
        } else if corpus.is_none() {
            corpus = Some(arg.into());
        } else {
            bail!("usage: embed_throughput <corpus> [--vectors <file>]");
        }
    }
    let corpus = corpus.context("usage: embed_throughput <corpus> [--vectors <file>]")?;

    let text = std::fs::read_to_string(&corpus)
        .with_context(|| format!("cannot read the corpus {}", corpus.display()))?;
    let passages: Vec<String> =
        text.lines().map(str::trim).filter(|line| !line.is_empty()).map(String::from).collect();
    if passages.is_empty() {
        bail!("the corpus {} holds no passages", corpus.display());
    }

    let model_dir = match std::env::var_os("TTRPG_MODEL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/all-MiniLM-L6-v2"),
    };
    let loading = Instant::now();
    // TTRPG_MODEL_PRECISION=fp32|int8|auto (default auto) picks the ONNX file, as the server does.
    let precision = match std::env::var("TTRPG_MODEL_PRECISION") {
        Ok(text) => text.parse().map_err(anyhow::Error::from)?,
        Err(_) => ttrpg_host::embed::Precision::Auto,
    };
    let embedder = LocalEmbedder::load(&model_dir, None, precision)
        .with_context(|| format!("cannot load the model in {}", model_dir.display()))?;
    eprintln!(
        "model {} ({} dimensions) loaded in {:.2} s",
        embedder.name(),
        embedder.dimension(),
        loading.elapsed().as_secs_f64()
    );

    let warm_up = &passages[..passages.len().min(WARM_UP)];
    embedder.embed(warm_up)?;

    let start = Instant::now();
    let vectors = embedder.embed(&passages)?;
    let seconds = start.elapsed().as_secs_f64();
    if vectors.len() != passages.len() {
        bail!("{} vectors for {} passages", vectors.len(), passages.len());
    }

    if let Some(path) = vectors_out {
        let first: Vec<&Vec<f32>> = vectors.iter().take(SAVED_VECTORS).collect();
        std::fs::write(&path, serde_json::to_string(&first)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }

    // Written by hand to keep the key order of the Python side's line.
    println!(
        r#"{{"engine":"fastembed-onnx","passages":{},"seconds":{:.3},"per_second":{:.1},"model":{}}}"#,
        passages.len(),
        seconds,
        passages.len() as f64 / seconds,
        serde_json::to_string(embedder.name())?
    );
    Ok(())
}
