//! The same behavioural suite against a real Qdrant server: the one `QDRANT_URL` names
//! (optional `QDRANT_API_KEY`), or else one this test starts with `../shared/bin/qdrant-start`.
//! A test that cannot reach or start a server fails, saying why: the remote backend is never
//! reported as working when it was not run.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::sync::Arc;

use common::qdrant::QdrantServer;
use ttrpg_vectors::{RemoteIndex, VectorIndex};

/// The index, and the server started for it (stopped when dropped).
async fn connect() -> (Arc<dyn VectorIndex>, Option<QdrantServer>) {
    let (url, server) = match std::env::var("QDRANT_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = tokio::task::spawn_blocking(|| QdrantServer::start(1))
                .await
                .unwrap()
                .unwrap_or_else(|why| panic!("no Qdrant server to test against: {why}"));
            (server.url.clone(), Some(server))
        }
    };
    let api_key = std::env::var("QDRANT_API_KEY").ok();
    let index = RemoteIndex::connect(&url, api_key.as_deref())
        .await
        .unwrap_or_else(|err| panic!("connecting to Qdrant at {url}: {err}"));
    (Arc::new(index), server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remote_behavioural_suite() {
    let (index, _server) = connect().await;
    let prefix = format!("ttrpg_vectors_test_{}", std::process::id());
    // Start clean if a previous run with the same pid left something behind.
    index.drop_collection(&format!("{prefix}_main")).await.unwrap();
    common::suite::run_all(index, &prefix).await;
}

#[tokio::test]
async fn remote_connect_error_names_the_url() {
    // Nothing listens on this loopback port.
    let error = RemoteIndex::connect("http://127.0.0.1:9", None).await.err().expect("no server on port 9");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
}
