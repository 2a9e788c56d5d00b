//! The same behavioural suite against a Qdrant server, when `QDRANT_URL` is set
//! (e.g. `QDRANT_URL=http://localhost:6334`, optional `QDRANT_API_KEY`).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::sync::Arc;

use ttrpg_vectors::{RemoteIndex, VectorIndex};

async fn connect() -> Option<Arc<dyn VectorIndex>> {
    let Ok(url) = std::env::var("QDRANT_URL") else {
        println!("SKIPPED: QDRANT_URL not set (no Qdrant server on this machine)");
        return None;
    };
    let api_key = std::env::var("QDRANT_API_KEY").ok();
    Some(Arc::new(RemoteIndex::connect(&url, api_key.as_deref()).await.expect("connect to QDRANT_URL")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remote_behavioural_suite() {
    let Some(index) = connect().await else { return };
    let prefix = format!("ttrpg_vectors_test_{}", std::process::id());
    // Start clean if a previous run with the same pid left something behind.
    index.drop_collection(&format!("{prefix}_main")).await.unwrap();
    common::suite::run_all(index, &prefix).await;
}

#[tokio::test]
async fn remote_connect_error_names_the_url() {
    if std::env::var("QDRANT_URL").is_err() {
        // Works without a server: nothing listens on this loopback port.
        let error =
            RemoteIndex::connect("http://127.0.0.1:9", None).await.err().expect("no server on port 9");
        assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
        return;
    }
    println!("SKIPPED: QDRANT_URL is set; the connection-error case needs an unreachable address");
}
