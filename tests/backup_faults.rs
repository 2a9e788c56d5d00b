//! Restores that cannot make things worse, over the real binary:
//! - `kill -9` of `ttrpg restore` after each of its steps leaves the data folder holding
//!   either the old state or the new one (checked by campaign names, image files and their
//!   hashes), and the next restore cleans up after the killed one and finishes;
//! - a vector index a killed restore marked is discarded and rebuilt by the next host;
//! - one flipped byte in any entry of an archive, a flipped byte in its compressed stream,
//!   and an archive cut short are refused by `verify` and by `restore`, naming the problem,
//!   and the data in place is untouched;
//! - a restore is refused while a server holds the data folder.
//!
//! The book in each state needs the embedding model and ONNX Runtime (scripts/test provides
//! them); without them the tests that need it say SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/images.rs"]
mod images;
#[path = "e2e/pdf.rs"]
mod pdf;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use client::{HttpServer, Scratch, embedding_env, open_db};
use image::{DynamicImage, ImageFormat};
use serde_json::Value;

fn command(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> Command {
    client::ttrpg_command(data_dir, env, args)
}

fn ttrpg(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    client::ttrpg_output(data_dir, env, args)
}

fn ok(output: Output) -> String {
    assert!(output.status.success(), "ttrpg failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn ok_json(output: Output) -> Value {
    client::json_printed(&output)
}

use client::refusal as failed;

/// A data folder holding campaigns `names`, one map (drawn from `seed`) in the first, and,
/// with `env`, a book whose one fact is `fact`.
fn state(data_dir: &Path, env: Option<&[(String, String)]>, names: &[&str], seed: u64, fact: &str) {
    let no_env: Vec<(String, String)> = Vec::new();
    let env = env.unwrap_or(&no_env);
    let mut first = None;
    for name in names {
        let made = ok_json(ttrpg(
            data_dir,
            env,
            &["campaign", "create", "--name", name, "--system", "dnd5e", "--json"],
        ));
        first.get_or_insert(made["id"].as_str().unwrap().to_string());
    }
    let map = data_dir.join(format!("../map-{seed}.png"));
    let drawn = DynamicImage::ImageRgb8(images::battle_map(640, 480, 32, seed));
    std::fs::write(&map, images::encode(&drawn, ImageFormat::Png)).unwrap();
    let first = first.unwrap();
    ok(ttrpg(
        data_dir,
        env,
        &["image", "add", map.to_str().unwrap(), "--campaign", &first, "--title", "Map"],
    ));
    if !env.is_empty() {
        let library = data_dir.join("library");
        std::fs::create_dir_all(&library).unwrap();
        let book = library.join("book.pdf");
        std::fs::write(&book, pdf::chapters(&[("Chapter 1: Lore", &[fact])])).unwrap();
        ok(ttrpg(data_dir, env, &["ingest", book.to_str().unwrap(), "--book", "Lore"]));
    }
}

/// What a data folder holds, as far as a GM can tell: its campaigns' names and the image
/// files its database names. Panics when a file the database names is missing or differs.
async fn holdings(data_dir: &Path) -> (Vec<String>, Vec<String>) {
    use sqlx::Row as _;
    let mut db = open_db(&data_dir.join("ttrpg.db")).await;
    let rows = sqlx::query("SELECT name FROM campaigns ORDER BY name").fetch_all(&mut db).await.unwrap();
    let names = rows.iter().map(|r| r.get::<String, _>("name")).collect();
    let rows =
        sqlx::query("SELECT hash, sizes FROM image_files ORDER BY hash").fetch_all(&mut db).await.unwrap();
    let mut hashes = Vec::new();
    for row in rows {
        let hash: String = row.get("hash");
        let sizes: Value = serde_json::from_str(&row.get::<String, _>("sizes")).unwrap();
        for size in sizes.as_array().unwrap() {
            let path =
                data_dir.join("images").join(&hash[..2]).join(&hash).join(size["size"].as_str().unwrap());
            let bytes = std::fs::read(&path).unwrap_or_else(|err| {
                panic!("{} is named by the database but unreadable: {err}", path.display())
            });
            assert_eq!(client::sha256_hex(&bytes), size["sha256"].as_str().unwrap(), "{}", path.display());
        }
        hashes.push(hash);
    }
    (names, hashes)
}

/// Copies a data folder (files and folders only, as the tests make them).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Starts `ttrpg restore ARCHIVE --replace` paused after `step`, waits until it says so,
/// and kills it with SIGKILL.
fn kill_restore_after(data_dir: &Path, env: &[(String, String)], archive: &Path, step: &str) {
    let mut env = env.to_vec();
    env.push(("TTRPG_FAULT_PAUSE_RESTORE".into(), step.into()));
    let mut child = command(data_dir, &env, &["restore", archive.to_str().unwrap(), "--replace"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let wanted = format!("restore paused after {step}");
    let mut seen = String::new();
    let mut buffer = [0u8; 4096];
    while !seen.contains(&wanted) {
        let n = stderr.read(&mut buffer).unwrap();
        assert!(n > 0, "ttrpg restore ended before {step}: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    // SIGKILL: no destructor, no cleanup, as a power cut or the OOM killer would.
    child.kill().unwrap();
    child.wait().unwrap();
}

const STEPS: [&str; 7] =
    ["extracted", "staged", "safety-backup", "files-added", "index-marked", "swapped", "index-removed"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_killed_at_any_step_leaves_the_old_state_or_the_new() {
    let env = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!(
                "SKIPPED: kill -9 during restore (the states hold a book, which needs embeddings): {why}"
            );
            return;
        }
    };
    let (old, new) = (Scratch::new(), Scratch::new());
    state(&old.data_dir(), Some(&env), &["Old Keep"], 1, "The old keep's well is poisoned with nightshade.");
    state(
        &new.data_dir(),
        Some(&env),
        &["New Dawn", "New Moon"],
        2,
        "The new moon shrine hides a silver key.",
    );
    let archive = new.data_dir().join("../new.tar.zst");
    ok(ttrpg(&new.data_dir(), &env, &["backup", "--out", archive.to_str().unwrap()]));
    let old_state = holdings(&old.data_dir()).await;
    let new_state = holdings(&new.data_dir()).await;
    assert_ne!(old_state, new_state);

    for (n, step) in STEPS.iter().enumerate() {
        let trial = Scratch::new();
        copy_dir(&old.data_dir(), &trial.data_dir());
        kill_restore_after(&trial.data_dir(), &env, &archive, step);
        let after = holdings(&trial.data_dir()).await;
        let swapped = n >= STEPS.iter().position(|s| *s == "swapped").unwrap();
        let expected = if swapped { &new_state } else { &old_state };
        assert_eq!(
            &after, expected,
            "killed after {step}: the folder holds neither the old nor the new state"
        );

        // The next restore cleans what the killed one left and finishes.
        let restored = ok_json(ttrpg(
            &trial.data_dir(),
            &env,
            &["restore", archive.to_str().unwrap(), "--replace", "--json"],
        ));
        assert!(restored["restored"]["leftovers_removed"].as_u64().unwrap() >= 1, "after {step}: {restored}");
        assert_eq!(holdings(&trial.data_dir()).await, new_state, "restored again after {step}");
        let leftovers: Vec<String> = std::fs::read_dir(trial.data_dir())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".restore-") || name.starts_with(".backup-"))
            .collect();
        assert!(leftovers.is_empty(), "after {step}: scratch folders remain: {leftovers:?}");
    }

    // Killed with the index marked but the old database in place: the next host discards
    // the index, indexes the old book again, and finds it.
    let trial = Scratch::new();
    copy_dir(&old.data_dir(), &trial.data_dir());
    kill_restore_after(&trial.data_dir(), &env, &archive, "index-marked");
    assert!(trial.data_dir().join("vectors/DISCARD").exists());
    let found =
        ok_json(ttrpg(&trial.data_dir(), &env, &["search", "Which poison is in the well?", "--json"]));
    let text = found.to_string();
    assert!(text.contains("nightshade"), "the old book is found through the rebuilt index: {text}");
    assert!(!text.contains("silver key"), "a passage of the new state leaked into the old: {text}");
    assert!(!trial.data_dir().join("vectors/DISCARD").exists(), "the marked index was not discarded");
}

/// The byte range of every entry's data in the archive's tar stream.
fn entry_ranges(tar_bytes: &[u8]) -> Vec<(String, u64, u64)> {
    let mut archive = tar::Archive::new(tar_bytes);
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.path().unwrap().display().to_string(), entry.raw_file_position(), entry.size())
        })
        .collect()
}

fn unzstd(path: &Path) -> Vec<u8> {
    zstd::decode_all(std::fs::File::open(path).unwrap()).unwrap()
}

fn zstd_to(path: &Path, tar_bytes: &[u8]) {
    let mut encoder = zstd::Encoder::new(std::fs::File::create(path).unwrap(), 3).unwrap();
    encoder.write_all(tar_bytes).unwrap();
    encoder.finish().unwrap();
}

/// A SHA-256 of every file under a folder, to show that nothing in it changed.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                out.push((entry.path(), client::sha256_hex(&std::fs::read(entry.path()).unwrap())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_damaged_or_cut_archive_is_refused_and_nothing_changes() {
    let env: Vec<(String, String)> = Vec::new();
    let source = Scratch::new();
    state(&source.data_dir(), None, &["Source"], 3, "");
    let archive = source.data_dir().join("../good.tar.zst");
    ok(ttrpg(&source.data_dir(), &env, &["backup", "--out", archive.to_str().unwrap()]));
    let target = Scratch::new();
    state(&target.data_dir(), None, &["In Place"], 4, "");
    let before = fingerprint(&target.data_dir());

    // One flipped byte in each entry (the manifest too), the archive recompressed whole so
    // that only the manifest's hashes can tell.
    let tar_bytes = unzstd(&archive);
    let entries = entry_ranges(&tar_bytes);
    assert!(entries.len() >= 4, "the database, the image's sizes and the manifest: {entries:?}");
    for (name, start, size) in &entries {
        let mut damaged = tar_bytes.clone();
        damaged[(start + size / 2) as usize] ^= 0x01;
        let path = target.data_dir().join(format!("../flipped-{}.tar.zst", name.replace('/', "_")));
        zstd_to(&path, &damaged);
        let verify = failed(&ttrpg(&target.data_dir(), &env, &["backup", "verify", path.to_str().unwrap()]));
        assert!(verify.contains("is not a backup this host can trust"), "{name}: {verify}");
        if name == "manifest.json" {
            assert!(verify.contains("manifest"), "{name}: {verify}");
        } else {
            assert!(verify.contains(&format!("{name} differs from the manifest")), "{name}: {verify}");
        }
        let restore =
            failed(&ttrpg(&target.data_dir(), &env, &["restore", path.to_str().unwrap(), "--replace"]));
        assert!(restore.contains("is not a backup this host can trust"), "{name}: {restore}");
        assert_eq!(
            fingerprint(&target.data_dir()),
            before,
            "a refused restore ({name}) changed the data folder"
        );
    }

    // A flipped byte in the compressed stream, and the archive cut short at several points.
    let compressed = std::fs::read(&archive).unwrap();
    let mut cases = vec![("flipped-stream", {
        let mut bytes = compressed.clone();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x20;
        bytes
    })];
    for fraction in [0.1, 0.5, 0.9] {
        cases.push(("cut", compressed[..(compressed.len() as f64 * fraction) as usize].to_vec()));
    }
    cases.push(("cut", compressed[..compressed.len() - 1].to_vec()));
    for (n, (what, bytes)) in cases.iter().enumerate() {
        let path = target.data_dir().join(format!("../{what}-{n}.tar.zst"));
        std::fs::write(&path, bytes).unwrap();
        let verify = failed(&ttrpg(&target.data_dir(), &env, &["backup", "verify", path.to_str().unwrap()]));
        assert!(verify.contains("is not a backup this host can trust"), "{what} {n}: {verify}");
        let restore =
            failed(&ttrpg(&target.data_dir(), &env, &["restore", path.to_str().unwrap(), "--replace"]));
        assert!(restore.contains("is not a backup this host can trust"), "{what} {n}: {restore}");
        assert_eq!(
            fingerprint(&target.data_dir()),
            before,
            "a refused restore ({what} {n}) changed the data folder"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_is_refused_while_a_server_runs() {
    let env: Vec<(String, String)> = Vec::new();
    let source = Scratch::new();
    state(&source.data_dir(), None, &["Running"], 5, "");
    let archive = source.data_dir().join("../running.tar.zst");
    ok(ttrpg(&source.data_dir(), &env, &["backup", "--out", archive.to_str().unwrap()]));
    let server = HttpServer::start(&source).await;
    let refused =
        failed(&ttrpg(&source.data_dir(), &env, &["restore", archive.to_str().unwrap(), "--replace"]));
    assert!(refused.contains("stop it first"), "{refused}");
    server.kill().await;
    let restored = ok_json(ttrpg(
        &source.data_dir(),
        &env,
        &["restore", archive.to_str().unwrap(), "--replace", "--json"],
    ));
    assert!(restored["restored"]["safety_backup"].is_string(), "{restored}");
}
