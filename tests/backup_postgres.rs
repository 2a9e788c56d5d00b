//! Backups of a PostgreSQL database, over the real binary and a real server: `ttrpg backup`
//! dumps it with `pg_dump` from a snapshot the host holds while it lists the image files and
//! plugins (taken while a server writes), `verify` checks it, `restore` refuses without
//! `--replace`, refuses a SQLite backup, and with `--replace` takes a safety backup and puts
//! back exactly the backed-up rows with `pg_restore --single-transaction`; a second database
//! restored from the same archive serves the same campaign and map.
//!
//! Needs PostgreSQL on 127.0.0.1:5432 (scripts/test starts it) and its client tools; without
//! them the test says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/images.rs"]
mod images;
#[path = "support/postgres.rs"]
mod postgres;

use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use client::{HttpServer, Scratch, array_of, str_of};
use image::{DynamicImage, ImageFormat};
use postgres::TestDb;
use serde_json::{Value, json};
use sqlx::Connection;

fn ttrpg(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    client::ttrpg_output(data_dir, env, args)
}

fn ok_json(output: Output) -> Value {
    client::json_printed(&output)
}

fn refused(output: Output) -> String {
    client::refusal(&output)
}

async fn campaign_names(url: &str) -> Vec<String> {
    let mut db = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT name FROM campaigns ORDER BY name").fetch_all(&mut db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_is_backed_up_with_pg_dump_and_restored_whole() {
    if std::process::Command::new("pg_dump").arg("--version").output().is_err() {
        println!("SKIPPED: PostgreSQL backups: pg_dump is not installed");
        return;
    }
    let (db, other_db) = match (TestDb::create("backup").await, TestDb::create("backup").await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => {
            println!("SKIPPED: PostgreSQL backups: {why}");
            return;
        }
    };
    let source = Scratch::new();
    let env = [("TTRPG_DATABASE_URL", db.url.as_str())];
    let server = HttpServer::start_with_env(&source, &env).await;
    let gm = server.connect("gm").await;
    let made = gm.ok("campaign_create", json!({"name": "Harbour", "system": "dnd5e"})).await;
    let campaign_id = str_of(&made, "/campaign/id").to_string();
    let map =
        images::encode(&DynamicImage::ImageRgb8(images::battle_map(500, 400, 25, 21)), ImageFormat::Png);
    let data = base64::engine::general_purpose::STANDARD.encode(&map);
    gm.ok("image_add", json!({"campaign_id": campaign_id, "data": data, "title": "Docks", "kind": "map"}))
        .await;

    // Rolls acknowledged before the backup starts must be in it.
    for _ in 0..3 {
        gm.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id})).await;
    }
    let before_ids: Vec<String> = {
        let history = gm.ok("roll_history", json!({"campaign_id": campaign_id})).await;
        array_of(&history, "/rolls").iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(before_ids.len(), 3);
    // Writes keep coming while another process takes the backup.
    let writer = {
        let gm = server.connect("writer").await;
        let campaign_id = campaign_id.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                gm.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign_id})).await;
            }
        })
    };
    let archive = source.data_dir().join("../harbour.tar.zst");
    let created = {
        let (dir, archive, url) = (source.data_dir(), archive.clone(), db.url.clone());
        tokio::task::spawn_blocking(move || {
            ttrpg(
                &dir,
                &[("TTRPG_DATABASE_URL", &url)],
                &["backup", "--json", "--out", archive.to_str().unwrap()],
            )
        })
        .await
        .unwrap()
    };
    let created = ok_json(created);
    writer.await.unwrap();
    assert_eq!(created["manifest"]["engine"], "postgres", "{created}");
    assert_eq!(created["manifest"]["counts"]["campaigns"], 1);
    assert_eq!(created["manifest"]["counts"]["images"], 1);
    let files: Vec<&str> =
        array_of(&created, "/manifest/files").iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(files.contains(&"database/ttrpg.pgdump"), "{files:?}");
    assert!(files.iter().filter(|f| f.starts_with("images/")).count() >= 2, "the map's sizes: {files:?}");
    let verified =
        ok_json(ttrpg(&source.data_dir(), &env, &["backup", "verify", archive.to_str().unwrap(), "--json"]));
    assert_eq!(verified, created["manifest"]);

    // A change after the backup, then the restore puts back what the backup held.
    gm.ok("campaign_create", json!({"name": "Later", "system": "dnd5e"})).await;
    server.kill().await;
    let without = refused(ttrpg(&source.data_dir(), &env, &["restore", archive.to_str().unwrap()]));
    assert!(without.contains("--replace"), "{without}");
    assert_eq!(campaign_names(&db.url).await, ["Harbour", "Later"], "a refused restore changed the database");
    let restored = ok_json(ttrpg(
        &source.data_dir(),
        &env,
        &["restore", archive.to_str().unwrap(), "--replace", "--json"],
    ));
    assert_eq!(campaign_names(&db.url).await, ["Harbour"], "{restored}");
    let safety = restored["restored"]["safety_backup"].as_str().unwrap().to_string();
    let kept = ok_json(ttrpg(&source.data_dir(), &env, &["backup", "verify", &safety, "--json"]));
    assert_eq!(kept["counts"]["campaigns"], 2, "the safety backup holds the replaced state: {kept}");

    // A SQLite backup is refused by a PostgreSQL server, naming both engines.
    let lite = Scratch::new();
    lite.cli(&["campaign", "create", "--name", "Lite", "--system", "dnd5e"]);
    let lite_archive = lite.data_dir().join("../lite.tar.zst");
    lite.cli(&["backup", "--out", lite_archive.to_str().unwrap()]);
    let crossed =
        refused(ttrpg(&source.data_dir(), &env, &["restore", lite_archive.to_str().unwrap(), "--replace"]));
    assert!(crossed.contains("sqlite database") && crossed.contains("postgres"), "{crossed}");

    // Another database and data folder restored from the archive serve the same campaign and map.
    let target = Scratch::new();
    let target_env = [("TTRPG_DATABASE_URL", other_db.url.as_str())];
    ok_json(ttrpg(&target.data_dir(), &target_env, &["restore", archive.to_str().unwrap(), "--json"]));
    let server = HttpServer::start_with_env(&target, &target_env).await;
    let gm = server.connect("gm").await;
    let read = gm.ok("campaign_get", json!({"campaign_id": campaign_id})).await;
    assert_eq!(read["campaign"]["name"], "Harbour");
    let listed = gm.ok("image_list", json!({"campaign_id": campaign_id})).await;
    let image_id = array_of(&listed, "/images")[0]["id"].as_str().unwrap().to_string();
    let got = gm.call("image_get", json!({"image_id": image_id, "size": "original"})).await;
    let bytes = client::inline_image(&got).expect("an image content item");
    assert_eq!(bytes, data, "the restored map is byte-identical");
    let rolls = gm.ok("roll_history", json!({"campaign_id": campaign_id, "limit": 200})).await;
    let restored_ids: Vec<&str> =
        array_of(&rolls, "/rolls").iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in &before_ids {
        assert!(restored_ids.contains(&id.as_str()), "roll {id}, acknowledged before the backup, is missing");
    }
    server.kill().await;
    db.drop_now().await;
    other_db.drop_now().await;
}
