//! A host whose data folder fills up: the data folder (SQLite database, images) is on a small
//! tmpfs of the test's own; once it is full, writes fail with a tool error that says the disk
//! is full, reads keep working, nothing already written is lost or corrupted, and writes work
//! again as soon as space is freed.
//!
//! Mounting the tmpfs needs root (CI runs as root); without it the test fails, saying so.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/images.rs"]
mod images;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use client::{HttpServer, Scratch, str_of};
use serde_json::json;

/// A tmpfs mounted on a folder, unmounted when dropped.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount_on(dir: &Path, megabytes: u32) -> Result<SmallDisk, String> {
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("running mount: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cannot mount a tmpfs (needs root): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir: dir.to_path_buf() })
    }

    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fills the filesystem of `dir` with one file, to the last byte it takes.
fn fill(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    let small = [0u8; 512];
    while file.write_all(&small).is_ok() {}
    let _ = file.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_folder_gives_clear_errors_and_loses_nothing() {
    let scratch = Scratch::new();
    // The data folder itself is the small disk.
    let disk =
        SmallDisk::mount_on(&scratch.data_dir(), 16).unwrap_or_else(|why| panic!("disk full test: {why}"));
    let host = HttpServer::start(&scratch).await;
    let gm = host.connect("gm").await;
    let made = gm.ok("campaign_create", json!({"name": "Full disk", "system": "dnd5e"})).await;
    let campaign = str_of(&made, "/campaign/id").to_string();
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let roll = gm
            .ok(
                "roll_dice",
                json!({"expression": "1d20", "campaign_id": campaign, "purpose": format!("before {i}")}),
            )
            .await;
        acknowledged.push(str_of(&roll, "/roll_id").to_string());
    }

    let filler = fill(disk.path());
    let refused =
        gm.err("roll_dice", json!({"expression": "1d20", "campaign_id": campaign, "purpose": "full"})).await;
    assert!(
        refused.contains("disk") && refused.contains("full"),
        "the error says the disk is full: {refused}"
    );
    let map = images::jpeg(&images::battle_map(600, 400, 50, 3), 85);
    let data = base64::engine::general_purpose::STANDARD.encode(&map);
    let image = gm
        .err("image_add", json!({"campaign_id": campaign, "data": data, "title": "Map", "kind": "map"}))
        .await;
    assert!(
        image.to_lowercase().contains("space") || image.contains("full"),
        "the image error says why: {image}"
    );
    // Reads keep working.
    let read = gm.ok("campaign_get", json!({"campaign_id": campaign})).await;
    assert_eq!(read["campaign"]["name"], "Full disk");

    std::fs::remove_file(filler).unwrap();
    let roll =
        gm.ok("roll_dice", json!({"expression": "1d20", "campaign_id": campaign, "purpose": "after"})).await;
    acknowledged.push(str_of(&roll, "/roll_id").to_string());
    gm.ok("image_add", json!({"campaign_id": campaign, "data": data, "title": "Map", "kind": "map"})).await;
    gm.close().await;
    host.kill().await;

    let mut db = client::open_db(&scratch.db_path()).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut db).await.unwrap();
    assert_eq!(check, "ok", "the database is whole");
    let mut stored: Vec<String> =
        sqlx::query_scalar("SELECT id FROM dice_rolls WHERE campaign_id = ?1 ORDER BY id")
            .bind(&campaign)
            .fetch_all(&mut db)
            .await
            .unwrap();
    stored.sort();
    acknowledged.sort();
    assert_eq!(stored, acknowledged, "every acknowledged roll is there, and the refused one is not");
}
