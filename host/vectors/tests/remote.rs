//! The same behavioural suite against a real Qdrant server: the one `QDRANT_URL` names
//! (optional `QDRANT_API_KEY`), or else one this test starts with `../shared/bin/qdrant-start`.
//! A test that cannot reach or start a server fails, saying why: the remote backend is never
//! reported as working when it was not run.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use std::sync::Arc;

use common::qdrant::QdrantServer;
use ttrpg_vectors::{RemoteIndex, RemoteOptions, VectorIndex};

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
    let options = RemoteOptions { api_key: std::env::var("QDRANT_API_KEY").ok(), ..Default::default() };
    let index = RemoteIndex::connect(std::slice::from_ref(&url), options)
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
    let error = RemoteIndex::connect(&["http://127.0.0.1:9".into()], RemoteOptions::default())
        .await
        .err()
        .expect("no server on port 9");
    assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
}

/// The collections the server gets have the shape the embedded backend uses: a cosine dense
/// vector, an IDF-weighted sparse vector and the spec's payload indexes, each with its type.
#[tokio::test]
async fn remote_collection_has_the_edge_layout() {
    use qdrant_client::qdrant::{Distance, Modifier, PayloadSchemaType};
    let (index, server) = connect().await;
    let url = server.as_ref().map(|s| s.url.clone()).or_else(|| std::env::var("QDRANT_URL").ok()).unwrap();
    let name = format!("ttrpg_vectors_layout_{}", std::process::id());
    index.drop_collection(&name).await.unwrap();
    index.ensure_collection(&common::corpus::spec(&name)).await.unwrap();
    let client = qdrant_client::Qdrant::from_url(&url)
        .api_key(std::env::var("QDRANT_API_KEY").ok())
        .skip_compatibility_check()
        .build()
        .unwrap();
    let info = client.collection_info(name.as_str()).await.unwrap().result.unwrap();
    let params = info.config.unwrap().params.unwrap();
    let dense = match params.vectors_config.unwrap().config.unwrap() {
        qdrant_client::qdrant::vectors_config::Config::ParamsMap(map) => map.map["dense"],
        other => panic!("vectors are not named: {other:?}"),
    };
    assert_eq!(dense.size, common::corpus::DIM as u64);
    assert_eq!(dense.distance, Distance::Cosine as i32);
    let sparse = params.sparse_vectors_config.unwrap().map["sparse"];
    assert_eq!(sparse.modifier, Some(Modifier::Idf as i32), "BM25 needs the IDF modifier");
    let schema = info.payload_schema;
    assert_eq!(schema["book"].data_type, PayloadSchemaType::Keyword as i32);
    assert_eq!(schema["page"].data_type, PayloadSchemaType::Integer as i32);
    assert_eq!(schema["seq"].data_type, PayloadSchemaType::Integer as i32);
    assert!(index.drop_collection(&name).await.unwrap());
}

/// Kill and resume: the server is killed with SIGKILL while a writer upserts; restarted on the
/// same storage, it holds every point whose upsert was acknowledged, only whole points, and the
/// writer's rerun completes the collection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_server_killed_mid_write_keeps_every_acknowledged_point() {
    use ttrpg_vectors::{Condition, Filter};
    if std::env::var("QDRANT_URL").is_ok() {
        // This test kills the server, so it only runs against one it started itself.
        eprintln!("remote kill test: runs on its own server, not the QDRANT_URL one");
    }
    let server = tokio::task::spawn_blocking(|| QdrantServer::start(1))
        .await
        .unwrap()
        .unwrap_or_else(|why| panic!("no Qdrant server to test against: {why}"));
    let index =
        RemoteIndex::connect(std::slice::from_ref(&server.url), RemoteOptions::default()).await.unwrap();
    let name = "killed";
    index.ensure_collection(&common::corpus::spec(name)).await.unwrap();
    const TOTAL: usize = 2000;
    const BATCH: usize = 50;
    let encoder = common::corpus::bm25(TOTAL);
    let all: Vec<_> = (0..TOTAL).map(|i| common::corpus::point(i, &encoder)).collect();
    let acknowledged = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer = {
        let (index, acknowledged, all) = (Arc::new(index), acknowledged.clone(), all.clone());
        tokio::spawn(async move {
            for batch in all.chunks(BATCH) {
                if index.upsert(name, batch.to_vec()).await.is_err() {
                    return;
                }
                acknowledged.fetch_add(batch.len(), std::sync::atomic::Ordering::SeqCst);
            }
        })
    };
    while acknowledged.load(std::sync::atomic::Ordering::SeqCst) < TOTAL / 4 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let dir = tokio::task::spawn_blocking(move || server.crash()).await.unwrap();
    let _ = writer.await;
    let acknowledged = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    assert!(acknowledged < TOTAL, "the kill landed after every write; nothing was tested");

    let restarted = tokio::task::spawn_blocking(move || QdrantServer::start_in(1, Some(&dir)))
        .await
        .unwrap()
        .unwrap_or_else(|why| panic!("restarting Qdrant on its storage: {why}"));
    let index =
        RemoteIndex::connect(std::slice::from_ref(&restarted.url), RemoteOptions::default()).await.unwrap();
    let held = index.count(name, &Filter::all()).await.unwrap() as usize;
    assert!(held >= acknowledged, "{held} points after the restart, {acknowledged} were acknowledged");
    let first_batch = Filter {
        must: vec![Condition::IntegerRange { key: "seq".into(), gte: Some(0), lte: Some(BATCH as i64 - 1) }],
        ..Filter::all()
    };
    assert_eq!(index.count(name, &first_batch).await.unwrap() as usize, BATCH);
    // Only whole points: every one that is there is found by both arms with its payload.
    let hits = index
        .search(name, &common::corpus::query(common::corpus::SENTENCES[3], Filter::all()))
        .await
        .unwrap();
    assert_eq!(hits[0].id, common::corpus::id(3));
    assert_eq!(hits[0].payload["text"], common::corpus::SENTENCES[3]);
    index.upsert(name, all).await.unwrap();
    assert_eq!(index.count(name, &Filter::all()).await.unwrap() as usize, TOTAL);
}
