//! Backups under load, over the real binary.
//!
//! 1. Twenty MCP clients write for thirty seconds (each rolls dice, adds a note and steps
//!    its own combat, again and again, recording when every write was acknowledged) while
//!    `ttrpg backup` runs as another process. Restored into a fresh data folder, the
//!    database passes its integrity check and holds every write acknowledged before the
//!    manifest's `created_at` (taken just before the snapshot); per writer, what it holds is
//!    a prefix of that writer's writes (a consistent point in time, not a mix); nothing sent
//!    after the backup finished is in it; each combat's saved round and turn are those of
//!    the last step it holds. Search over the rebuilt vector index answers as before.
//! 2. A server with `TTRPG_BACKUP_EVERY=2s` and `TTRPG_BACKUP_KEEP=2` takes backups by
//!    itself and keeps the newest two scheduled ones, never pruning one taken by hand; each
//!    verifies, and `server_health` reports the schedule as the folder shows it.
//!
//! The first test needs the embedding model and ONNX Runtime (scripts/test provides them);
//! without them it says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "e2e/pdf.rs"]
mod pdf;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use client::{Client, HttpServer, Scratch, embedding_env, open_db, str_of};
use serde_json::{Value, json};
use sqlx::Row as _;

fn ttrpg_in(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    client::ttrpg_output(data_dir, env, args)
}

use client::json_printed as ok_json;

fn time_of(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("{text:?} is not RFC 3339: {err}"))
        .with_timezone(&Utc)
}

const WRITERS: usize = 20;
const WRITE_FOR: Duration = Duration::from_secs(30);
const BACKUP_AFTER: Duration = Duration::from_secs(12);
/// Goblins in every writer's combat: a round is this many steps.
const COMBATANTS: u32 = 3;

/// The book: one chapter a page, each with a fact only it holds.
const CHAPTERS: [(&str, &[&str]); 6] = [
    (
        "Chapter 1: The Wyrm of Thornwood",
        &["The green wyrm Verdigrast sleeps beneath the Thornwood and hoards silver bells."],
    ),
    (
        "Chapter 2: The Salt Mines of Keld",
        &["Miners in Keld trade one pound of rock salt for a lantern of whale oil."],
    ),
    (
        "Chapter 3: The Clockwork Abbey",
        &["The abbots of Orrin wind a brass heart every dawn so that the abbey bells keep time."],
    ),
    (
        "Chapter 4: The Drowned Library",
        &["Scrolls in the drowned library of Vessa can be read only by the light of glowworms."],
    ),
    (
        "Chapter 5: The Ember Court",
        &["Queen Ashka of the Ember Court accepts only tribute of obsidian and cinnamon."],
    ),
    (
        "Chapter 6: The Frozen Ferry",
        &["The ferryman Ulmo carries travellers over the ice river for a single copper tooth."],
    ),
];

/// (query, a word the best hit must contain)
const QUERIES: [(&str, &str); 4] = [
    ("Where does the wyrm Verdigrast sleep?", "Verdigrast"),
    ("What do the miners trade rock salt for?", "salt"),
    ("How can the drowned scrolls be read?", "glowworms"),
    ("What tribute does the queen accept?", "obsidian"),
];

/// The chunk ids of every query's hits, best first.
async fn search_all(client: &Client) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for (query, word) in QUERIES {
        let found = client.ok("search_rules", json!({"query": query, "limit": 3})).await;
        let hits = found["hits"].as_array().unwrap();
        assert!(!hits.is_empty(), "{query}: no hits: {found}");
        assert!(str_of(&hits[0], "/text").contains(word), "{query}: the best hit lacks {word:?}: {found}");
        all.push(hits.iter().map(|h| str_of(h, "/chunk_id").to_string()).collect());
    }
    all
}

/// One writer's campaign and combat.
struct Combat {
    campaign_id: String,
    encounter_id: String,
    /// The combat's version in the database before the first step (each step adds one).
    base_version: i64,
}

/// What a write was.
#[derive(Debug, Clone)]
enum What {
    Roll(String),
    Note(String),
    /// The n-th step of the combat (1-based) and where it left the combat.
    Step {
        n: u64,
        round: u64,
        current: String,
    },
}

/// One acknowledged write: when it was sent, what it was, when its answer arrived.
#[derive(Debug, Clone)]
struct Write {
    sent: DateTime<Utc>,
    what: What,
    acked: DateTime<Utc>,
}

async fn write_for(client: Client, writer: usize, combat_campaign: String, until: Instant) -> Vec<Write> {
    let mut writes = Vec::new();
    let mut steps = 0;
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let sent = Utc::now();
        let rolled =
            client.ok("roll_dice", json!({"expression": "1d20+3", "campaign_id": combat_campaign})).await;
        let acked = Utc::now();
        writes.push(Write { sent, what: What::Roll(str_of(&rolled, "/roll_id").to_string()), acked });

        let sent = Utc::now();
        let added = client
            .ok(
                "note_add",
                json!({
                    "campaign_id": combat_campaign,
                    "kind": "lore",
                    "title": format!("Writer {writer} note {n}"),
                    "body": format!("Writer {writer} saw goblin sign number {n} near the old mill."),
                }),
            )
            .await;
        let acked = Utc::now();
        writes.push(Write { sent, what: What::Note(str_of(&added, "/note/id").to_string()), acked });

        let sent = Utc::now();
        let stepped = client.ok("initiative_next", json!({"campaign_id": combat_campaign})).await;
        let acked = Utc::now();
        steps += 1;
        let round = stepped["encounter"]["round"].as_u64().unwrap();
        let current = str_of(&stepped, "/encounter/current").to_string();
        writes.push(Write { sent, what: What::Step { n: steps, round, current }, acked });
    }
    writes
}

/// The ids a query returns.
async fn ids(db: &mut sqlx::SqliteConnection, query: &'static str) -> HashSet<String> {
    sqlx::query(query).fetch_all(db).await.unwrap().iter().map(|r| r.get("id")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_twenty_writers_restores_every_acknowledged_write() {
    let env = match embedding_env() {
        Ok(env) => env,
        Err(why) => {
            println!("SKIPPED: a backup under load (search and the index rebuild need embeddings): {why}");
            return;
        }
    };
    let server_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let source = Scratch::new();
    let library = source.data_dir().join("library");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(library.join("atlas.pdf"), pdf::chapters(&CHAPTERS)).unwrap();
    let server = HttpServer::start_with_env(&source, &server_env).await;
    let gm = server.connect("gm").await;
    let ingested = gm.ok("ingest_document", json!({"path": "atlas.pdf", "book": "Atlas"})).await;
    let chunks = ingested["chunks"].as_u64().unwrap();
    assert!(chunks >= CHAPTERS.len() as u64, "a chunk per chapter at least: {ingested}");
    let before = search_all(&gm).await;

    // Every writer owns a campaign and its combat, so their steps never conflict.
    let mut combats = Vec::new();
    {
        let mut db = open_db(&source.db_path()).await;
        for writer in 0..WRITERS {
            let made =
                gm.ok("campaign_create", json!({"name": format!("Table {writer}"), "system": "dnd5e"})).await;
            let campaign_id = str_of(&made, "/campaign/id").to_string();
            let started =
                gm.ok("initiative_start", json!({"campaign_id": campaign_id, "name": "Ambush"})).await;
            let encounter_id = str_of(&started, "/encounter/encounter_id").to_string();
            gm.ok(
                "initiative_add",
                json!({"campaign_id": campaign_id, "name": "Goblin", "count": COMBATANTS, "hp": 7, "ac": 15}),
            )
            .await;
            let base_version: i64 = sqlx::query("SELECT version FROM initiative_tracker WHERE id = $1")
                .bind(&encounter_id)
                .fetch_one(&mut db)
                .await
                .unwrap()
                .get("version");
            combats.push(Combat { campaign_id, encounter_id, base_version });
        }
    }

    let started = Instant::now();
    let until = started + WRITE_FOR;
    let mut writers = Vec::new();
    for (writer, combat) in combats.iter().enumerate() {
        let client = server.connect(&format!("writer-{writer}")).await;
        writers.push(tokio::spawn(write_for(client, writer, combat.campaign_id.clone(), until)));
    }

    tokio::time::sleep_until((started + BACKUP_AFTER).into()).await;
    let archive = source.data_dir().join("../under-load.tar.zst");
    let backup_sent = Utc::now();
    let created = {
        let (source_dir, env, archive) = (source.data_dir(), env.clone(), archive.clone());
        tokio::task::spawn_blocking(move || {
            ttrpg_in(&source_dir, &env, &["backup", "--json", "--out", archive.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    let backup_done = Utc::now();
    let created = ok_json(&created);
    let snapshot_at = time_of(created["manifest"]["created_at"].as_str().unwrap());
    assert!(backup_sent <= snapshot_at && snapshot_at <= backup_done, "{created}");
    let mut written = Vec::new();
    for writer in writers {
        written.push(writer.await.unwrap());
    }
    server.kill().await;
    drop(gm);

    let target = Scratch::new();
    let restored =
        ok_json(&ttrpg_in(&target.data_dir(), &env, &["restore", archive.to_str().unwrap(), "--json"]));
    assert!(restored["index_error"].is_null(), "{restored}");
    assert!(restored["indexed"].as_u64().unwrap() >= chunks, "the index was rebuilt: {restored}");

    // What the restored database holds.
    let mut db = open_db(&target.db_path()).await;
    let integrity: Vec<String> = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
    assert_eq!(integrity, ["ok"], "the restored database is consistent");
    let rolls = ids(&mut db, "SELECT id FROM dice_rolls").await;
    let notes = ids(&mut db, "SELECT id FROM campaign_notes").await;

    let (mut before_snapshot, mut during_backup, mut after_backup, mut present_after_snapshot) = (0, 0, 0, 0);
    let mut steps_before_snapshot = 0;
    for (writer, (writes, combat)) in written.iter().zip(&combats).enumerate() {
        let row = sqlx::query("SELECT round, state, version FROM initiative_tracker WHERE id = $1")
            .bind(&combat.encounter_id)
            .fetch_one(&mut db)
            .await
            .unwrap();
        let steps_held = u64::try_from(row.get::<i64, _>("version") - combat.base_version).unwrap();
        let round: i64 = row.get("round");
        let state: Value = serde_json::from_str(&row.get::<String, _>("state")).unwrap();

        let held: Vec<bool> = writes
            .iter()
            .map(|w| match &w.what {
                What::Roll(id) => rolls.contains(id),
                What::Note(id) => notes.contains(id),
                What::Step { n, .. } => *n <= steps_held,
            })
            .collect();
        for (write, held) in writes.iter().zip(&held) {
            if write.acked < snapshot_at {
                before_snapshot += 1;
                if matches!(write.what, What::Step { .. }) {
                    steps_before_snapshot += 1;
                }
                assert!(
                    held,
                    "writer {writer}: {:?} was acknowledged at {} before the snapshot at {snapshot_at} but is \
                     not in the restored database (the combat holds {steps_held} steps)",
                    write.what, write.acked
                );
            } else if *held {
                present_after_snapshot += 1;
            }
            if write.sent > backup_done {
                after_backup += 1;
                assert!(
                    !held,
                    "writer {writer}: {:?} was sent at {} after the backup finished at {backup_done} but is in it",
                    write.what, write.sent
                );
            } else if write.acked >= backup_sent {
                during_backup += 1;
            }
        }
        // One writer writes one thing at a time: a consistent snapshot holds a prefix of them.
        let prefix = held.iter().take_while(|h| **h).count();
        assert!(
            held[prefix..].iter().all(|h| !h),
            "writer {writer}: the snapshot holds write {} but not write {prefix} ({:?}): not one point in time",
            prefix + held[prefix..].iter().position(|h| *h).unwrap(),
            writes[prefix].what
        );
        // The combat as saved is the one its last held step left.
        let steps: Vec<&What> =
            writes.iter().map(|w| &w.what).filter(|w| matches!(w, What::Step { .. })).collect();
        assert!(steps_held as usize <= steps.len(), "writer {writer}: more steps saved than were taken");
        if steps_held > 0 {
            let What::Step { round: acked_round, current, .. } = steps[steps_held as usize - 1] else {
                unreachable!()
            };
            let turn = state["turn"].as_u64().unwrap() as usize;
            assert_eq!(round as u64, *acked_round, "writer {writer}: the round of step {steps_held}");
            assert_eq!(
                state["combatants"][turn]["id"].as_str(),
                Some(current.as_str()),
                "writer {writer}: whose turn step {steps_held} left: {state}"
            );
        }
    }
    let total: usize = written.iter().map(Vec::len).sum();
    println!(
        "{total} writes acknowledged by {WRITERS} writers; {before_snapshot} before the snapshot at {snapshot_at} \
         ({steps_before_snapshot} combat steps), all restored; {present_after_snapshot} acknowledged later were \
         in it too; {during_backup} acknowledged while `ttrpg backup` ran ({} ms); {after_backup} sent after it \
         finished, none in it",
        (backup_done - backup_sent).num_milliseconds()
    );
    assert!(before_snapshot > 100, "too few writes before the snapshot to prove anything: {before_snapshot}");
    assert!(steps_before_snapshot > 0 && after_backup > 0, "writes went on after the backup");

    // Served from the restored folder, search answers as before.
    let server = HttpServer::start_with_env(&target, &server_env).await;
    let reader = server.connect("reader").await;
    let after = search_all(&reader).await;
    assert_eq!(after, before, "the restored library answers every query with the same passages, in order");
    server.kill().await;
}

/// The backups in `dir`: (file name, path), sorted by name.
fn backups_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    found.sort();
    found
}

fn file_name(path: &str) -> String {
    Path::new(path).file_name().unwrap().to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_taken_pruned_and_reported() {
    const SCHEDULED: &str = "ttrpg-scheduled-";
    let scratch = Scratch::new();
    let no_env: Vec<(String, String)> = Vec::new();
    let server =
        HttpServer::start_with_env(&scratch, &[("TTRPG_BACKUP_EVERY", "2s"), ("TTRPG_BACKUP_KEEP", "2")])
            .await;
    let operator = server.connect("operator").await;
    operator.ok("campaign_create", json!({"name": "Scheduled", "system": "dnd5e"})).await;
    let backups = scratch.data_dir().join("backups");

    // One by hand, into the default folder, beside the scheduled ones.
    let by_hand = ok_json(&ttrpg_in(&scratch.data_dir(), &no_env, &["backup", "--json"]));
    let by_hand_name = file_name(by_hand["path"].as_str().unwrap());
    assert!(!by_hand_name.starts_with(SCHEDULED), "{by_hand}");
    assert_eq!(Path::new(by_hand["path"].as_str().unwrap()).parent().unwrap(), backups, "{by_hand}");

    // Watch the schedule's status until at least three scheduled backups were taken; then,
    // just after one finished (before the next is due), look at the folder and keep a copy
    // of every file in it, while the status says nothing changed in between.
    let copies = scratch.data_dir().join("../copies");
    std::fs::create_dir_all(&copies).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen: Vec<String> = Vec::new();
    let (status, listing) = loop {
        assert!(
            Instant::now() < deadline,
            "fewer than three scheduled backups in 120 s: {seen:?}\n{}",
            scratch.logs()
        );
        let status = operator.ok("server_health", json!({})).await["backups"].clone();
        assert!(status["last_error"].is_null(), "a scheduled backup failed: {status}");
        let last = status["last_path"].as_str().map(file_name);
        let fresh = last.is_some() && last.as_ref() != seen.last();
        if let Some(last) = last.filter(|_| fresh) {
            seen.push(last);
        }
        if fresh && seen.len() >= 3 {
            let next_at = time_of(status["next_at"].as_str().unwrap());
            let listing = backups_in(&backups);
            for (name, path) in &listing {
                std::fs::copy(path, copies.join(name)).unwrap();
            }
            let again = operator.ok("server_health", json!({})).await["backups"].clone();
            if again["last_path"] == status["last_path"] && Utc::now() < next_at {
                break (status, listing);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    server.kill().await;

    let names: Vec<&str> = listing.iter().map(|(name, _)| name.as_str()).collect();
    let scheduled: Vec<&str> =
        names.iter().copied().filter(|n| n.starts_with(SCHEDULED) && n.ends_with(".tar.zst")).collect();
    println!("scheduled backups seen: {seen:?}; the folder held {names:?}");
    assert_eq!(scheduled.len(), 2, "exactly keep = 2 scheduled backups are kept: {names:?}");
    assert_eq!(scheduled.last(), seen.last().map(String::as_str).as_ref(), "the newest is kept: {seen:?}");
    for old in &seen[..seen.len() - 2] {
        assert!(!names.contains(&old.as_str()), "{old} was not pruned (keep = 2): {names:?}");
    }
    assert!(names.contains(&by_hand_name.as_str()), "the backup taken by hand is never pruned: {names:?}");
    assert_eq!(names.len(), 3, "nothing else is left in the folder: {names:?}");

    // Every file in it is a whole backup.
    let mut created = Vec::new();
    for name in &names {
        let copy = copies.join(name);
        let manifest = ok_json(&ttrpg_in(
            &scratch.data_dir(),
            &no_env,
            &["backup", "verify", copy.to_str().unwrap(), "--json"],
        ));
        assert_eq!(manifest["engine"], "sqlite", "{name}: {manifest}");
        assert_eq!(manifest["counts"]["campaigns"], 1, "{name}: {manifest}");
        created.push(time_of(manifest["created_at"].as_str().unwrap()));
    }

    // Health says what the folder shows.
    assert_eq!(status["every"], "2s", "{status}");
    assert_eq!(status["keep"], 2, "{status}");
    assert_eq!(status["kept"], 2, "{status}");
    assert!(status["last_error"].is_null(), "{status}");
    let last_path = status["last_path"].as_str().unwrap();
    assert_eq!(Path::new(last_path), backups.join(scheduled[1]), "the last is the newest kept: {status}");
    let last_at = time_of(status["last_at"].as_str().unwrap());
    let next_at = time_of(status["next_at"].as_str().unwrap());
    let newest = names.iter().position(|n| *n == scheduled[1]).unwrap();
    assert!(created[newest] <= last_at, "the last backup finished after it began: {status}");
    assert!(
        last_at < next_at && next_at <= last_at + chrono::Duration::seconds(2),
        "the next is due `every` after the last: {status}"
    );
}
