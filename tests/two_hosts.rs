//! Two hosts on one PostgreSQL and one Redis: two `ttrpg serve --transport http` processes,
//! each with its own data folder (and so its own in-process vector index), sharing the
//! database and the cache.
//!
//! - A rules answer computed on host A is served on host B from Redis (B's own index is
//!   empty, so only the shared cache can give it); after a book is ingested through A, B's
//!   next search does not get it (B computes from its own index again).
//! - A campaign renamed through B reads back renamed through A at once, although A read it
//!   through its cache just before.
//!
//! Needs PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379, and the embedding model with
//! ONNX Runtime (scripts/test provides all of them); without one it says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "e2e/pdf.rs"]
mod pdf;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/redis.rs"]
mod redis;

use client::{Client, HttpServer, Scratch, embedding_env, passages, str_of};
use postgres::TestDb;
use serde_json::{Value, json};

/// A cache kind's figures in a host's `server_health`.
async fn cache_kind(client: &Client, kind: &str) -> Value {
    let health = client.ok("server_health", json!({})).await;
    health["cache"]["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == kind).cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_share_the_cache_and_its_invalidations() {
    let embeddings = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: two hosts (ingestion needs embeddings): {why}");
            return;
        }
    };
    if !redis::up() {
        println!("SKIPPED: two hosts: no Redis on 127.0.0.1:6379");
        return;
    }
    let db = match TestDb::create("two_hosts").await {
        Ok(db) => db,
        Err(why) => {
            println!("SKIPPED: two hosts: {why}");
            return;
        }
    };
    let prefix = format!("ttrpg-two-hosts-{}", uuid::Uuid::now_v7().simple());
    let mut env: Vec<(&str, &str)> = embeddings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend([
        ("TTRPG_DATABASE_URL", db.url.as_str()),
        ("TTRPG_REDIS_URL", "redis://127.0.0.1:6379"),
        ("TTRPG_REDIS_PREFIX", prefix.as_str()),
    ]);
    let (scratch_a, scratch_b) = (Scratch::new(), Scratch::new());
    let library = scratch_a.data_dir().join("library");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(
        library.join("wyrm.pdf"),
        pdf::chapters(&[(
            "Chapter 1: The Wyrm of Thornwood",
            &["The green wyrm Verdigrast sleeps beneath the Thornwood and hoards silver bells."],
        )]),
    )
    .unwrap();
    std::fs::write(
        library.join("bells.pdf"),
        pdf::chapters(&[("Appendix: Bells", &["Silver bells ring when a wyrm wakes in the Thornwood."])]),
    )
    .unwrap();
    let host_a = HttpServer::start_with_env(&scratch_a, &env).await;
    let host_b = HttpServer::start_with_env(&scratch_b, &env).await;
    let a = host_a.connect("a").await;
    let b = host_b.connect("b").await;

    // A rules answer computed on A reaches B through Redis.
    a.ok("ingest_document", json!({"path": "wyrm.pdf", "book": "Thornwood"})).await;
    let question = json!({"query": "Where does the wyrm Verdigrast sleep?", "limit": 5});
    let on_a = a.ok("search_rules", question.clone()).await;
    assert!(passages(&on_a).iter().any(|t| t.contains("Verdigrast")), "A finds its book: {on_a}");
    let on_b = b.ok("search_rules", question.clone()).await;
    assert_eq!(passages(&on_b), passages(&on_a), "B, whose own index is empty, got A's answer from Redis");
    assert_eq!(cache_kind(&b, "rules_answer").await["l2_hits"], 1, "B read it from the shared level");

    // A book ingested through A: the cached answer is gone on B, which computes from its own
    // (empty) index again.
    a.ok("ingest_document", json!({"path": "bells.pdf", "book": "Bells"})).await;
    let again = b.ok("search_rules", question.clone()).await;
    assert!(passages(&again).is_empty(), "B still served the answer cached before the ingestion: {again}");
    let answers = cache_kind(&b, "rules_answer").await;
    assert_eq!(answers["l1_hits"], 0, "B never answered from its L1 copy: {answers}");

    // A campaign renamed through B reads back renamed through A at once.
    let made = a.ok("campaign_create", json!({"name": "Thornwood", "system": "dnd5e"})).await;
    let id = str_of(&made, "/campaign/id").to_string();
    for round in 0..5 {
        let name = format!("Thornwood, take {round}");
        a.ok("campaign_get", json!({"campaign_id": id})).await;
        a.ok("campaign_get", json!({"campaign_id": id})).await;
        b.ok("campaign_update", json!({"campaign_id": id, "name": name})).await;
        let read = a.ok("campaign_get", json!({"campaign_id": id})).await;
        assert_eq!(read["campaign"]["name"], name.as_str(), "round {round}: A read a stale campaign: {read}");
    }
    let campaigns = cache_kind(&a, "campaign").await;
    assert!(campaigns["l1_hits"].as_u64().unwrap() > 0, "A's reads went through its cache: {campaigns}");

    host_a.kill().await;
    host_b.kill().await;
    db.drop_now().await;
    redis::delete_prefix(&prefix);
}
