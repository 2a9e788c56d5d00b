//! The local embedding model (../shared/models/all-MiniLM-L6-v2, ONNX through fastembed and
//! ONNX Runtime) reproduces sentence-transformers' own vectors for the model's reference
//! sentences.
//!
//! Needs ONNX Runtime: `ORT_DYLIB_PATH` pointing at the PyPI wheel's
//! `onnxruntime/capi/libonnxruntime.so.1.31.1` (scripts/test installs it and sets it).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::path::PathBuf;

use serde_json::Value;
use ttrpg_host::embed::precision::{self, INT8_UNSIGNED_FILE, INT8_VNNI_FILE};
use ttrpg_host::embed::{Embedder, LocalEmbedder, Precision, cosine};

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
    let embedder =
        LocalEmbedder::load(&dir, onnxruntime.as_deref(), Precision::Fp32).expect("loading the local model");
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

    // Batching does not change a vector, and the vectors come back in the texts' order
    // whatever order the texts are embedded in (shortest first).
    let alone = embedder.embed(&texts[..1]).unwrap();
    assert!(cosine(&alone[0], &vectors[0]) > 0.99999);
    let reversed: Vec<String> = texts.iter().rev().cloned().collect();
    let backwards = embedder.embed(&reversed).unwrap();
    for (i, vector) in backwards.iter().enumerate() {
        assert!(cosine(vector, &vectors[texts.len() - 1 - i]) > 0.99999, "vector {i} is another text's");
    }

    // Int8, as `auto` picks it on this CPU (or as `int8` asks for it), stays close to the
    // reference: every real sentence at a cosine of 0.98 or more.
    let int8 = LocalEmbedder::load(&dir, onnxruntime.as_deref(), Precision::Int8).unwrap();
    let file = int8.model_file().path.file_name().unwrap().to_string_lossy().into_owned();
    let expected = if precision::cpu_has_vnni() { INT8_VNNI_FILE } else { INT8_UNSIGNED_FILE };
    assert_eq!(file, expected, "{:?}", int8.model_file());
    assert!(int8.name().contains("int8"), "{}", int8.name());
    let auto = LocalEmbedder::load(&dir, onnxruntime.as_deref(), Precision::Auto).unwrap();
    println!("auto runs {} because {}", auto.name(), auto.model_file().reason);
    let quantized = int8.embed(&texts).unwrap();
    for ((vector, sentence), text) in quantized.iter().zip(sentences).zip(&texts) {
        let expected: Vec<f32> =
            sentence["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let similarity = cosine(vector, &expected);
        println!("int8 cosine {similarity:.4} for {text:?}");
        if text.split_whitespace().count() >= 3 {
            assert!(similarity >= 0.98, "int8 cosine {similarity} for {text:?}");
        }
    }
}

#[test]
fn a_missing_model_folder_is_named() {
    let err = match LocalEmbedder::load(std::path::Path::new("/nonexistent/model"), None, Precision::Auto) {
        Ok(_) => panic!("loaded a model from nowhere"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("/nonexistent/model") || err.contains("ONNX Runtime"), "{err}");
}

/// A short embedding (a rules question) does not wait for a long one (an ingestion's
/// batches) on another thread: the sessions are a pool, not one lock. The long call runs
/// 16 batches of 256-token texts; the question starts once the long call is under way and
/// must finish while it still runs. With every call behind one session the question would
/// wait for all 16 batches.
#[test]
fn a_question_does_not_wait_for_an_ingestions_batches() {
    let dir = model_dir();
    if !dir.join("model.onnx").exists() {
        eprintln!("SKIPPED: no embedding model at {}", dir.display());
        return;
    }
    let onnxruntime = std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from);
    let embedder =
        std::sync::Arc::new(LocalEmbedder::load(&dir, onnxruntime.as_deref(), Precision::Auto).unwrap());
    let long: Vec<String> = (0..16 * 32).map(|i| format!("passage {i} ").repeat(120)).collect();
    let bulk = {
        let embedder = embedder.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let vectors = embedder.embed(&long).unwrap();
            (vectors.len(), started.elapsed())
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let question = embedder.embed(&["Can I push the ogre off the cliff?".to_string()]).unwrap();
    let waited = started.elapsed();
    let still_running = !bulk.is_finished();
    let (embedded, bulk_took) = bulk.join().unwrap();
    assert_eq!((question.len(), embedded), (1, 16 * 32));
    let (capacity, made) = embedder.sessions();
    println!("question: {waited:?}; bulk: {bulk_took:?}; sessions {made} of {capacity}");
    assert!(still_running, "the question finished only after the bulk call ({waited:?}, bulk {bulk_took:?})");
    assert!(waited * 4 < bulk_took, "the question took {waited:?} against the bulk call's {bulk_took:?}");
    assert!(made >= 2 && made <= capacity, "{made} sessions of {capacity}");
}
