//! The local embedding model (../shared/models/all-MiniLM-L6-v2, ONNX through fastembed and
//! ONNX Runtime) reproduces sentence-transformers' own vectors for the model's reference
//! sentences.
//!
//! Needs ONNX Runtime: `ORT_DYLIB_PATH` pointing at the PyPI wheel's
//! `onnxruntime/capi/libonnxruntime.so.1.31.1` (scripts/test installs it and sets it).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::path::PathBuf;

use serde_json::Value;
use ttrpg_host::embed::{Embedder, LocalEmbedder, cosine};

fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/all-MiniLM-L6-v2")
}

#[test]
fn local_model_matches_the_sentence_transformers_reference() {
    let dir = model_dir();
    if !dir.join("model.onnx").exists() {
        eprintln!(
            "SKIPPED: no embedding model at {} (shared/ must sit beside the repository)",
            dir.display()
        );
        return;
    }
    if std::env::var_os("ORT_DYLIB_PATH").is_none() {
        panic!(
            "ORT_DYLIB_PATH is not set: `pip install onnxruntime==1.31.1` and point it at \
             onnxruntime/capi/libonnxruntime.so.1.31.1 (scripts/test does both)"
        );
    }
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference_embeddings.json")).unwrap())
            .unwrap();
    let min_cosine = reference["suggested_tolerance"]["fp32_min_cosine"].as_f64().unwrap() as f32;
    let sentences = reference["sentences"].as_array().unwrap();
    let texts: Vec<String> = sentences.iter().map(|s| s["text"].as_str().unwrap().to_string()).collect();

    let onnxruntime = std::env::var_os("ORT_DYLIB_PATH").map(std::path::PathBuf::from);
    let embedder = LocalEmbedder::load(&dir, onnxruntime.as_deref()).expect("loading the local model");
    assert_eq!(embedder.dimension(), 384);
    let vectors = embedder.embed(&texts).unwrap();
    assert_eq!(vectors.len(), texts.len());
    for (vector, sentence) in vectors.iter().zip(sentences) {
        let expected: Vec<f32> =
            sentence["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let similarity = cosine(vector, &expected);
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        println!("cosine {similarity:.7} for {:?}", sentence["text"]);
        assert!(similarity >= min_cosine, "cosine {similarity} < {min_cosine} for {}", sentence["text"]);
        assert!((norm - 1.0).abs() < 1e-3, "vectors are L2-normalised (norm {norm})");
    }
    let pair = cosine(&vectors[0], &vectors[1]);
    let expected_pair = reference["pairwise_cosine_0_1"].as_f64().unwrap() as f32;
    assert!((pair - expected_pair).abs() < 1e-3, "pairwise cosine {pair} vs {expected_pair}");

    // Batching does not change a vector.
    let alone = embedder.embed(&texts[..1]).unwrap();
    assert!(cosine(&alone[0], &vectors[0]) > 0.99999);
}

#[test]
fn a_missing_model_folder_is_named() {
    let err = match LocalEmbedder::load(std::path::Path::new("/nonexistent/model"), None) {
        Ok(_) => panic!("loaded a model from nowhere"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("/nonexistent/model") || err.contains("ONNX Runtime"), "{err}");
}
