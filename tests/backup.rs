//! Backups over the real binary: one taken by `ttrpg backup` while a server keeps writing
//! to the same SQLite file, checked by `ttrpg backup verify`, restored into a fresh data
//! folder by `ttrpg restore` (the vector index rebuilt from the database), and served from
//! there; a damaged copy is refused before anything is written; a restore over an existing
//! database needs `--replace`; the operator's `backup_create` tool takes one over MCP, and
//! `backup_restore` asks the person, then restores it when the server next starts.
//!
//! The rebuild needs the embedding model and ONNX Runtime (scripts/test provides them);
//! without them the test says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "e2e/pdf.rs"]
mod pdf;

use std::path::Path;
use std::process::Output;

use client::{Elicitation, HttpServer, Notifications, Scratch, array_of, embedding_env, passages, str_of};
use serde_json::json;

/// `ttrpg ARGS…` on `scratch`'s data folder with `env` (and no other TTRPG_ variable).
fn ttrpg(scratch: &Scratch, env: &[(String, String)], args: &[&str]) -> Output {
    client::ttrpg_output(&scratch.data_dir(), env, args)
}

fn ttrpg_in(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    client::ttrpg_output(data_dir, env, args)
}

use client::json_printed as ok_json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_whole() {
    let env = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: backup and restore (the index rebuild needs embeddings): {why}");
            return;
        }
    };
    let server_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let source = Scratch::new();
    let library = source.data_dir().join("library");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(
        library.join("wyrm.pdf"),
        pdf::chapters(&[(
            "Chapter 1: The Wyrm of Thornwood",
            &["The green wyrm Verdigrast sleeps beneath the Thornwood and hoards silver bells."],
        )]),
    )
    .unwrap();
    let server = HttpServer::start_with_env(&source, &server_env).await;
    let gm = server.connect("gm").await;
    let made = gm.ok("campaign_create", json!({"name": "Thornwood", "system": "dnd5e"})).await;
    let campaign_id = str_of(&made, "/campaign/id").to_string();
    gm.ok("ingest_document", json!({"path": "wyrm.pdf", "book": "Thornwood"})).await;

    // Writes keep coming while the backup is taken by another process.
    let writer = {
        let gm = server.connect("writer").await;
        let campaign_id = campaign_id.clone();
        tokio::spawn(async move {
            for round in 0..40 {
                gm.ok(
                    "campaign_update",
                    json!({"campaign_id": campaign_id, "name": format!("Thornwood {round}")}),
                )
                .await;
                gm.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id})).await;
            }
        })
    };
    let archive = source.data_dir().join("../thornwood.tar.zst");
    let created = {
        let (source_dir, env, archive) = (source.data_dir(), env.clone(), archive.clone());
        tokio::task::spawn_blocking(move || {
            ttrpg_in(&source_dir, &env, &["backup", "--json", "--out", archive.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    let created = ok_json(&created);
    writer.await.unwrap();
    assert_eq!(created["manifest"]["counts"]["campaigns"], 1, "{created}");
    assert_eq!(created["manifest"]["counts"]["documents"], 1, "{created}");
    assert!(created["manifest"]["counts"]["chunks"].as_u64().unwrap() >= 1, "{created}");
    assert_eq!(created["manifest"]["engine"], "sqlite");
    let verified = ok_json(&ttrpg(&source, &env, &["backup", "verify", archive.to_str().unwrap(), "--json"]));
    assert_eq!(verified, created["manifest"], "verify reads back the manifest it checked");

    // The operator's tool takes one too, into <data>/backups, which `backup list` shows,
    // reporting each file it archives to a client that asked for progress.
    let mut meta = rmcp::model::RequestMetaObject::default();
    meta.set_progress_token(rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(9)));
    let mut params = rmcp::model::CallToolRequestParams::new("backup_create");
    params.meta = Some(meta);
    let result = gm.service.peer().call_tool(params).await.expect("backup_create at the protocol level");
    assert_ne!(result.is_error, Some(true), "backup_create: {}", client::text_of(&result));
    let by_tool = result.structured_content.clone().expect("structured result");
    assert!(Path::new(by_tool["path"].as_str().unwrap()).exists(), "{by_tool}");
    // Only this call's notifications (the client numbers its own progress tokens; an
    // ingestion before had one too).
    let mut progress = gm.notifications.progress.lock().unwrap().clone();
    let token = progress.last().expect("backup_create sent no progress").0.clone();
    progress.retain(|p| p.0 == token);
    assert!(progress.windows(2).all(|w| w[0].1 < w[1].1), "progress must increase: {progress:?}");
    assert_eq!(progress.last().unwrap().1, 100.0, "{progress:?}");
    assert!(
        progress.iter().all(|p| p.3.as_deref().is_some_and(|m| m.starts_with("archiving files"))),
        "{progress:?}"
    );
    let listed = ok_json(&ttrpg(&source, &env, &["backup", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    server.kill().await;

    // A damaged copy is refused, and nothing is written.
    let damaged = source.data_dir().join("../damaged.tar.zst");
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&damaged, bytes).unwrap();
    let refused = ttrpg(&source, &env, &["backup", "verify", damaged.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not a backup this host can trust"),
        "{refused:?}"
    );
    let elsewhere = Scratch::new();
    let refused = ttrpg(&elsewhere, &env, &["restore", damaged.to_str().unwrap()]);
    assert!(!refused.status.success(), "a damaged backup was restored");
    assert!(!elsewhere.data_dir().join("ttrpg.db").exists(), "a refused restore wrote the database");

    // Restored into a fresh folder: the campaign, the book, and search over a rebuilt index.
    let target = Scratch::new();
    let restored = ok_json(&ttrpg(&target, &env, &["restore", archive.to_str().unwrap(), "--json"]));
    assert!(restored["indexed"].as_u64().unwrap() >= 1, "the index was rebuilt: {restored}");
    let again = ttrpg(&target, &env, &["restore", archive.to_str().unwrap()]);
    assert!(
        !again.status.success() && String::from_utf8_lossy(&again.stderr).contains("--replace"),
        "{again:?}"
    );
    let server = HttpServer::start_with_env(&target, &server_env).await;
    let gm = server.connect("gm").await;
    let read = gm.ok("campaign_get", json!({"campaign_id": campaign_id})).await;
    assert!(read["campaign"]["name"].as_str().unwrap().starts_with("Thornwood"), "{read}");
    let hits = gm.ok("search_rules", json!({"query": "Where does the wyrm Verdigrast sleep?"})).await;
    assert!(
        passages(&hits).iter().any(|t| t.contains("Verdigrast")),
        "the restored book is searchable: {hits}"
    );
    server.kill().await;
}

/// A hostile archive: an entry that climbs out of the data folder. Refused by `verify` and
/// `restore`, and nothing lands outside (or inside) the folder.
#[test]
fn an_archive_that_climbs_out_is_refused() {
    let scratch = Scratch::new();
    let archive = scratch.data_dir().join("../hostile.tar.zst");
    {
        let file = std::fs::File::create(&archive).unwrap();
        let mut tar = tar::Builder::new(zstd::Encoder::new(file, 3).unwrap().auto_finish());
        let body = b"owned";
        let mut header = tar::Header::new_gnu();
        let name = b"../escape.txt";
        header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        tar.append(&header, &body[..]).unwrap();
        tar.finish().unwrap();
    }
    let env: Vec<(String, String)> = Vec::new();
    let verify = ttrpg(&scratch, &env, &["backup", "verify", archive.to_str().unwrap()]);
    assert!(!verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stderr).contains("an entry outside the archive"), "{verify:?}");
    let restore = ttrpg(&scratch, &env, &["restore", archive.to_str().unwrap()]);
    assert!(!restore.status.success());
    assert!(!scratch.data_dir().join("../escape.txt").exists(), "the entry climbed out");
    assert!(!scratch.data_dir().join("ttrpg.db").exists(), "a refused restore wrote the database");
}

/// A backup whose database a newer ttrpg migrated is refused, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_from_a_newer_schema_is_refused() {
    use sqlx::{Connection, Executor};
    let source = Scratch::new();
    source.cli(&["campaign", "create", "--name", "Future", "--system", "dnd5e"]);
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(source.db_path());
    let mut db = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
    db.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer ttrpg', 1, x'00', 0)",
    )
    .await
    .unwrap();
    drop(db);
    let archive = source.data_dir().join("../future.tar.zst");
    let env: Vec<(String, String)> = Vec::new();
    ok_json(&ttrpg(&source, &env, &["backup", "--json", "--out", archive.to_str().unwrap()]));
    let target = Scratch::new();
    let refused = ttrpg(&target, &env, &["restore", archive.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("newer schema (migration 9999)"), "{stderr}");
    assert!(!target.db_path().exists(), "a refused restore wrote the database");
}

/// The names of the campaigns a client lists.
async fn campaign_names(client: &client::Client) -> Vec<String> {
    let listed = client.ok("campaign_list", json!({})).await;
    let mut names: Vec<String> =
        array_of(&listed, "/campaigns").iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_asked_over_mcp_asks_the_person_and_happens_at_the_next_start() {
    let scratch = Scratch::new();
    let pending = scratch.data_dir().join("restore-pending.json");
    let server = HttpServer::start(&scratch).await;
    let operator = server.connect("operator").await; // loopback without tokens: the local operator
    operator.ok("campaign_create", json!({"name": "Kept", "system": "dnd5e"})).await;
    let created = operator.ok("backup_create", json!({})).await;
    let name = Path::new(str_of(&created, "/path")).file_name().unwrap().to_str().unwrap().to_string();
    operator.ok("campaign_create", json!({"name": "After the backup", "system": "dnd5e"})).await;

    // Declined: nothing is asked for.
    let declining =
        server.connect_with("declining", None, Notifications::answering(Elicitation::Decline)).await;
    let refused = declining.err("backup_restore", json!({"file": name})).await;
    assert!(refused.contains("said no"), "{refused}");
    assert!(!pending.exists(), "a declined restore was recorded");
    // A client that cannot ask is told the question and how to confirm.
    let no_ask =
        server.connect_with("no-ask", None, Notifications::answering(Elicitation::Unsupported)).await;
    let question = no_ask.err("backup_restore", json!({"file": name})).await;
    assert!(question.contains("\"confirm\": true") && question.contains("1 campaigns"), "{question}");
    assert!(!pending.exists(), "an unconfirmed restore was recorded");
    // Only an archive in backups/, and only a whole one.
    let outside = operator.err("backup_restore", json!({"file": "../ttrpg.db"})).await;
    assert!(outside.contains("no backup"), "{outside}");
    let damaged = scratch.data_dir().join("backups/damaged.tar.zst");
    std::fs::write(&damaged, b"not an archive").unwrap();
    let refused = operator.err("backup_restore", json!({"file": "damaged.tar.zst"})).await;
    assert!(refused.contains("damaged.tar.zst"), "{refused}");
    assert!(!pending.exists());

    // Confirmed: recorded, and nothing changes while this server runs.
    let asked = operator.ok("backup_restore", json!({"file": name})).await;
    assert_eq!(asked["manifest"]["counts"]["campaigns"], 1, "{asked}");
    assert!(pending.exists(), "{asked}");
    assert_eq!(campaign_names(&operator).await, ["After the backup", "Kept"]);
    for client in [operator, declining, no_ask] {
        client.close().await;
    }
    server.interrupt().await;

    // The next start restores it before serving, backing up what was there first.
    let server = HttpServer::start(&scratch).await;
    let operator = server.connect("operator").await;
    assert_eq!(campaign_names(&operator).await, ["Kept"], "the backup was not restored");
    assert!(!pending.exists(), "the request outlived its restore");
    let archives = std::fs::read_dir(scratch.data_dir().join("backups"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tar.zst"))
        .count();
    assert_eq!(archives, 3, "the backup, the damaged file and the safety backup of the state replaced");
    operator.close().await;
    server.interrupt().await;
}
