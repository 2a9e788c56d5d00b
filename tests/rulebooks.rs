//! Rulebooks end to end, with the real `ttrpg` binary, the real SRD 5.1 PDF, the real
//! all-MiniLM-L6-v2 model on ONNX Runtime and Qdrant Edge in process:
//!
//! - bad files (a text file named .pdf, a truncated PDF) are refused with a clear message
//!   and leave the library empty;
//! - `ttrpg ingest` killed with SIGKILL half-way leaves nothing visible, and a rerun
//!   resumes and ends with exactly the chunks of a clean run (done over MCP with
//!   `ingest_document`, which reports progress to a client that asked);
//! - both ingestions go through the dnd5e plugin's chunker (`--system dnd5e`): its stat
//!   blocks and spells become records that `dnd5e__monster_lookup` and `spell_lookup` answer
//!   with their page, with no Open5e import; at least 95% of the SRD's monsters and spells
//!   are records with AC, HP and CR (level and school) exactly as Open5e has them;
//! - `ttrpg book remove` takes a book away with its pages, chunks, records and vectors;
//! - re-ingesting is a no-op that says so; every page has its text; 403 pages;
//! - `ttrpg eval` prints recall@1, recall@5 and MRR@10 on tests/eval/srd51.json, and on the
//!   paraphrase tune and development sets with and without the glossary;
//! - over MCP: `search_rules` with citations and filters, `get_page`, page resources,
//!   `note_add` / `note_search`.
//!
//! Without the PDF, the model or ONNX Runtime the test says SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/srd_records.rs"]
mod srd_records;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use client::{Scratch, binary, connect_stdio_with_env, open_db, shared};
use rmcp::model::{CallToolRequestParams, NumberOrString, ProgressToken, RequestMetaObject};
use serde_json::{Value, json};

const SRD_PAGES: i64 = 403;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The SRD PDF and the environment the server needs for embeddings, or why not.
fn prerequisites() -> Result<(PathBuf, Vec<(String, String)>), String> {
    let pdf = shared().join("data/srd51/SRD5.1-CCBY4.0License.pdf");
    if !pdf.exists() {
        return Err(format!("{} not found", pdf.display()));
    }
    let mut env = client::embedding_env()?;
    // The SRD's folder is the MCP server's library (ingest_document reads only there).
    let library = pdf.parent().ok_or("the SRD has no folder")?.display().to_string();
    env.push(("TTRPG_LIBRARY_ROOTS".to_string(), library));
    Ok((pdf, env))
}

/// `ttrpg --data-dir DIR ARGS…` with the embedding environment.
fn ttrpg(data_dir: &Path, env: &[(String, String)], args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--log")
        .arg("warn")
        .args(args);
    command
}

/// Runs a command to the end; returns (success, stdout, stderr).
fn run(mut command: std::process::Command) -> (bool, String, String) {
    let out = command.output().expect("running ttrpg");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn scalar(db: &Path, sql: &'static str) -> i64 {
    let mut connection = open_db(db).await;
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut connection).await.unwrap_or(0)
}

/// Installs the dnd5e plugin (built from source) into a data folder.
async fn install_dnd5e(data_dir: &Path, env: &[(String, String)]) {
    let wasm = tokio::task::spawn_blocking(|| fixtures::wasm("plugin-dnd5e")).await.unwrap();
    let (ok, stdout, stderr) = run(ttrpg(data_dir, env, &["plugin", "install", wasm.to_str().unwrap()]));
    assert!(ok, "installing dnd5e: {stdout}{stderr}");
}

/// Every record recognized in a book of the data folder's database, with its fields.
async fn book_records(db: &Path) -> Vec<(String, Value, i64)> {
    let mut connection = open_db(db).await;
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT collection, data, page_start FROM collection_records WHERE document_id IS NOT NULL",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    rows.into_iter().map(|(c, data, page)| (c, serde_json::from_str(&data).unwrap(), page)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srd_ingest_resume_search_and_eval() {
    let (pdf, env) = match prerequisites() {
        Ok(found) => found,
        Err(why) => {
            println!("SKIPPED: rulebook end-to-end test: {why}");
            return;
        }
    };
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // --- bad files are refused and nothing is stored ---
    let killed = Scratch::new();
    let bad = killed.data_dir().join("notes.pdf");
    std::fs::write(&bad, "These are my session notes, not a PDF.\n").unwrap();
    let (ok, _, stderr) =
        run(ttrpg(&killed.data_dir(), &env, &["ingest", bad.to_str().unwrap(), "--book", "Notes"]));
    assert!(!ok && stderr.contains("is not a readable PDF"), "text file named .pdf: {stderr}");
    let bytes = std::fs::read(&pdf).unwrap();
    let truncated = killed.data_dir().join("truncated.pdf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 50]).unwrap();
    let (ok, stdout, stderr) =
        run(ttrpg(&killed.data_dir(), &env, &["ingest", truncated.to_str().unwrap(), "--book", "Broken"]));
    assert!(!ok, "a truncated PDF must be refused: {stdout}");
    assert!(stderr.contains("truncated.pdf"), "the message names the file: {stderr}");
    let db = killed.db_path();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM documents").await, 0, "bad files left a document");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM chunks").await, 0);

    // --- kill -9 in the middle of indexing, then resume ---
    install_dnd5e(&killed.data_dir(), &env).await;
    let ingest_srd = ["ingest", pdf.to_str().unwrap(), "--book", "SRD 5.1", "--system", "dnd5e", "--json"];
    let mut child = ttrpg(&killed.data_dir(), &env, &ingest_srd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawning ttrpg ingest");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            panic!("ingest finished before it could be killed");
        }
        if db.exists() && scalar(&db, "SELECT COUNT(*) FROM chunks WHERE indexed = 1").await >= 256 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "no chunk was indexed within 10 minutes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let indexed_at_kill = scalar(&db, "SELECT COUNT(*) FROM chunks WHERE indexed = 1").await;
    let status: String = {
        let mut connection = open_db(&db).await;
        sqlx::query_scalar("SELECT status FROM documents").fetch_one(&mut connection).await.unwrap()
    };
    assert_eq!(status, "ingesting", "a killed ingestion is not ready");
    let (ok, stdout, stderr) =
        run(ttrpg(&killed.data_dir(), &env, &["search", "grappled condition", "--json"]));
    assert!(ok, "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), json!([]), "a half-ingested book is visible");
    let (ok, stdout, stderr) = run(ttrpg(&killed.data_dir(), &env, &ingest_srd));
    assert!(ok, "resuming failed: {stderr}");
    let resumed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(resumed["resumed"], true, "{resumed:#}");
    let resumed_chunks = resumed["chunks"].as_i64().unwrap();
    assert_eq!(resumed["indexed_now"].as_i64().unwrap(), resumed_chunks - indexed_at_kill, "{resumed:#}");
    println!(
        "killed after {indexed_at_kill} chunks were indexed; the rerun finished {resumed_chunks} chunks"
    );
    let resumed_records = resumed["records"].as_i64().unwrap();
    // The SRD has 325 monsters and 319 spells in Open5e, and a few conditions.
    assert!(resumed_records > 600, "the resumed ingestion recognized {resumed_records} records");

    // --- removing the book takes everything of it away ---
    let (ok, stdout, stderr) = run(ttrpg(&killed.data_dir(), &env, &["book", "remove", "SRD 5.1", "--json"]));
    assert!(ok, "book remove: {stdout}{stderr}");
    let removed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(removed["records"].as_i64(), Some(resumed_records), "{removed:#}");
    for table in ["documents", "document_pages", "chunks", "collection_records"] {
        let sql: &'static str = Box::leak(format!("SELECT COUNT(*) FROM {table}").into_boxed_str());
        assert_eq!(scalar(&db, sql).await, 0, "{table} keeps rows of a removed book");
    }
    let (ok, stdout, stderr) =
        run(ttrpg(&killed.data_dir(), &env, &["search", "grappled condition", "--json"]));
    assert!(ok, "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), json!([]), "a removed book is found");
    let (ok, _, stderr) = run(ttrpg(&killed.data_dir(), &env, &["book", "remove", "SRD 5.1"]));
    assert!(!ok && stderr.contains("no book \"SRD 5.1\""), "{stderr}");

    // --- a clean ingestion over MCP, with progress ---
    let clean = Scratch::new();
    install_dnd5e(&clean.data_dir(), &env).await;
    let mcp = connect_stdio_with_env(&clean, &env_refs).await;
    let mut meta = RequestMetaObject::default();
    meta.set_progress_token(ProgressToken(NumberOrString::Number(7)));
    let mut params = CallToolRequestParams::new("ingest_document");
    params.meta = Some(meta);
    let params = params.with_arguments(
        json!({"path": pdf.to_str().unwrap(), "book": "SRD 5.1", "system": "dnd5e"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let result = tokio::time::timeout(Duration::from_secs(1800), mcp.service.peer().call_tool(params))
        .await
        .expect("ingest_document timed out")
        .expect("ingest_document failed at the protocol level");
    assert_ne!(result.is_error, Some(true), "ingest_document: {}", client::text_of(&result));
    let report = result.structured_content.clone().expect("structured report");
    assert_eq!(report["pages"], SRD_PAGES, "{report:#}");
    assert_eq!(report["page_problems"], json!([]), "pages without text: {report:#}");
    assert_eq!(
        report["chunks"].as_i64().unwrap(),
        resumed_chunks,
        "a kill and a rerun must equal a clean run"
    );
    let progress = mcp.notifications.progress.lock().unwrap().clone();
    assert!(progress.len() >= 10, "too few progress notifications: {progress:?}");
    assert!(progress.windows(2).all(|w| w[0].1 < w[1].1), "progress must increase: {progress:?}");
    // The client library may put its own token on the request; every notification carries it.
    assert!(progress.iter().all(|p| p.0 == progress[0].0 && p.2 == Some(100.0)), "{progress:?}");
    assert_eq!(progress.last().unwrap().1, 100.0, "{progress:?}");
    println!(
        "{} chunks, {} progress notifications, {:.0} s",
        report["chunks"],
        progress.len(),
        report["seconds"].as_f64().unwrap()
    );

    assert_eq!(report["records"].as_i64(), Some(resumed_records), "{report:#}");

    // The book's stat blocks and spells are records, scored against Open5e.
    let records = book_records(&clean.db_path()).await;
    let entries: Vec<srd_records::Entry> = records
        .iter()
        .map(|(collection, fields, page)| srd_records::Entry { collection, fields, page: *page })
        .collect();
    let srd = pdf.parent().unwrap();
    let monsters = srd_records::Score::of(
        "monsters",
        &entries,
        &srd_records::open5e(srd, "open5e-Creature.json"),
        srd_records::MONSTER_FIELDS,
    );
    let spells = srd_records::Score::of(
        "spells",
        &entries,
        &srd_records::open5e(srd, "open5e-Spell.json"),
        srd_records::SPELL_FIELDS,
    );
    for score in [&monsters, &spells] {
        score.print();
        assert!(
            score.percent(score.all_exact) >= srd_records::REQUIRED_PERCENT,
            "only {:.1}% of the SRD's {} became records with every compared field right",
            score.percent(score.all_exact),
            score.collection
        );
    }

    // Every page has text.
    let empty = scalar(&clean.db_path(), "SELECT COUNT(*) FROM document_pages WHERE length(text) < 20").await;
    assert_eq!(empty, 0, "pages lost their text");

    // Re-ingesting is a no-op that says so.
    let again = mcp
        .ok("ingest_document", json!({"path": pdf.to_str().unwrap(), "book": "SRD 5.1", "system": "dnd5e"}))
        .await;
    assert_eq!(again["already_ingested"], true, "{again:#}");
    assert_eq!(again["records"].as_i64(), Some(resumed_records), "records are written anew: {again:#}");
    assert!(again["warnings"][0].as_str().unwrap().contains("already ingested"), "{again:#}");

    // Over MCP nothing outside the library folders is read, and a refusal does not say
    // whether the path exists (the CLI above read the same book from any path).
    let outside = mcp.err("ingest_document", json!({"path": "/etc/passwd", "book": "Secrets"})).await;
    let missing = mcp.err("ingest_document", json!({"path": "/etc/no-such-file", "book": "Secrets"})).await;
    assert!(outside.contains("not a readable file in the library folders"), "{outside}");
    assert_eq!(outside.replace("/etc/passwd", "P"), missing.replace("/etc/no-such-file", "P"));

    // --- search with citations and filters ---
    let hits =
        mcp.ok("search_rules", json!({"query": "What does the grappled condition do?", "limit": 5})).await;
    let hits = hits["hits"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 5);
    for hit in &hits {
        assert_eq!(hit["book"], "SRD 5.1");
        assert!(hit["citation"].as_str().unwrap().starts_with("SRD 5.1, p"), "{hit:#}");
        assert!(hit["page_start"].as_i64().unwrap() >= 1 && hit["page_end"].as_i64().unwrap() <= SRD_PAGES);
    }
    assert!(
        hits.iter().any(|h| h["text"].as_str().unwrap().contains("speed becomes 0")),
        "the Grappled condition's text is among the hits: {hits:#?}"
    );
    let none = mcp.ok("search_rules", json!({"query": "grappled", "book": "Another Book"})).await;
    assert_eq!(none["hits"], json!([]));
    let err = mcp.err("search_rules", json!({"query": "  "})).await;
    assert!(err.contains("empty"), "{err}");

    // --- pages: tool and resources ---
    let first = &hits[0];
    let page = mcp.ok("get_page", json!({"book": "SRD 5.1", "page": first["page_start"]})).await;
    assert!(page["text"].as_str().unwrap().len() > 200, "{page:#}");
    let err = mcp.err("get_page", json!({"book": "SRD 5.1", "page": 999})).await;
    assert!(err.contains("pages 1 to 403"), "{err}");
    let listed = mcp.service.peer().list_resources(None).await.expect("resources/list");
    assert_eq!(listed.resources.len(), 100);
    assert!(listed.next_cursor.is_some());
    let uri = listed.resources[10].uri.clone();
    let read = mcp
        .service
        .peer()
        .read_resource(rmcp::model::ReadResourceRequestParams::new(uri.clone()))
        .await
        .expect("resources/read");
    let text = serde_json::to_value(&read.contents[0]).unwrap()["text"].as_str().unwrap().to_owned();
    assert_eq!(
        text,
        mcp.ok("get_page", json!({"book": "SRD 5.1", "page": 11})).await["text"].as_str().unwrap()
    );

    // --- campaign notes ---
    let campaign = mcp.ok("campaign_create", json!({"name": "Lost Mine", "system": "dnd5e"})).await;
    let campaign_id = campaign["campaign"]["id"].as_str().unwrap().to_owned();

    // --- look-ups from the book alone (nothing was imported from Open5e) ---
    mcp.ok("plugin_enable", json!({"campaign_id": campaign_id, "plugin": "dnd5e", "grants": ["search"]}))
        .await;
    mcp.ok("campaign_use", json!({"campaign_id": campaign_id})).await;
    mcp.list_tools().await;
    let dragon = mcp.ok("dnd5e__monster_lookup", json!({"name": "Adult Red Dragon"})).await;
    let stat_block = &dragon["monster"];
    assert_eq!(
        (
            stat_block["challenge_rating"].as_f64(),
            stat_block["armor_class"].as_i64(),
            stat_block["hit_points"].as_i64()
        ),
        (Some(17.0), Some(19), Some(256)),
        "{dragon:#}"
    );
    assert_eq!(dragon["exact_match"], true);
    let citation = dragon["citation"].as_str().unwrap_or_default();
    assert!(citation.starts_with("SRD 5.1, p"), "the stat block cites its page: {dragon:#}");
    let page: i64 = citation
        .trim_start_matches("SRD 5.1, p. ")
        .trim_start_matches("SRD 5.1, pp. ")
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let printed = mcp.ok("get_page", json!({"book": "SRD 5.1", "page": page})).await;
    assert!(printed["text"].as_str().unwrap().contains("Adult Red Dragon"), "p. {page} is not the dragon's");
    let fireball = mcp.ok("dnd5e__spell_lookup", json!({"name": "Fireball"})).await;
    assert_eq!(
        (fireball["spell"]["level"].as_i64(), fireball["spell"]["school"].as_str()),
        (Some(3), Some("evocation")),
        "{fireball:#}"
    );
    assert!(fireball["citation"].as_str().unwrap_or_default().starts_with("SRD 5.1, p"), "{fireball:#}");

    // --- a house rule travels with the rule it changes ---
    let ruling = "At our table, standing up from prone costs 10 feet of movement, not half your speed.";
    let added = mcp
        .ok(
            "house_rule_add",
            json!({"campaign_id": campaign_id, "text": ruling, "about": "the prone condition"}),
        )
        .await;
    let passage = &added["passage"];
    assert!(
        passage["text"].as_str().unwrap().contains("Prone")
            || passage["section"].as_str().unwrap().contains("Prone"),
        "the ruling is kept against the Prone passage: {added:#}"
    );
    let rule_id = added["house_rule"]["id"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let carrying = |hits: &Value| -> Vec<Value> {
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["house_rules"].as_array().is_some_and(|r| !r.is_empty()))
            .cloned()
            .collect()
    };
    let about = json!({"query": "the prone condition", "campaign_id": campaign_id, "limit": 10});
    let hits = mcp.ok("search_rules", about).await;
    let found = carrying(&hits);
    assert!(
        found.iter().any(|h| h["chunk_id"] == passage["chunk_id"]),
        "the passage lacks the ruling: {hits:#}"
    );
    for hit in &found {
        assert_eq!(hit["house_rules"][0]["ruling"], ruling);
        assert_eq!(hit["house_rules"][0]["label"], format!("House rule (ruled {today})"));
        assert!(hit["chunk_id"] == passage["chunk_id"] || hit["section"] == passage["section"], "{hit:#}");
    }
    // A ruling on the passage a player's own words find, named by its chunk.
    let question = "Is it easier to hit someone lying on the ground?";
    let asked = json!({"query": question, "campaign_id": campaign_id, "limit": 10});
    let top = mcp.ok("search_rules", asked.clone()).await["hits"][0].clone();
    let second =
        "Attacks against a prone creature from within 5 feet have advantage; from farther, no disadvantage.";
    mcp.ok(
        "house_rule_add",
        json!({"campaign_id": campaign_id, "text": second, "about": question, "chunk_id": top["chunk_id"]}),
    )
    .await;
    let again = mcp.ok("search_rules", asked.clone()).await;
    let rulings: Vec<&str> = again["hits"][0]["house_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruling"].as_str().unwrap())
        .collect();
    assert!(rulings.contains(&second), "the hit named by chunk_id lacks its ruling: {again:#}");
    let wrong = mcp
        .err(
            "house_rule_add",
            json!({"campaign_id": campaign_id, "text": "x", "about": "prone", "chunk_id": "no-such-chunk"}),
        )
        .await;
    assert!(wrong.contains("no-such-chunk"), "{wrong}");
    let outside = mcp.ok("search_rules", json!({"query": question, "limit": 10})).await;
    assert!(carrying(&outside).is_empty(), "a ruling leaked outside its campaign: {outside:#}");
    let listed = mcp.ok("house_rule_list", json!({"campaign_id": campaign_id})).await;
    assert_eq!(listed["house_rules"][0]["id"], rule_id.as_str());
    assert_eq!(listed["house_rules"].as_array().unwrap().len(), 2, "{listed:#}");
    let unknown =
        mcp.err("house_rule_add", json!({"campaign_id": campaign_id, "text": "x", "about": "   "})).await;
    assert!(unknown.contains("about"), "{unknown}");
    for rule in listed["house_rules"].as_array().unwrap() {
        mcp.ok("house_rule_remove", json!({"campaign_id": campaign_id, "house_rule_id": rule["id"]})).await;
    }
    let hits = mcp.ok("search_rules", asked).await;
    assert!(carrying(&hits).is_empty(), "a removed ruling is still shown: {hits:#}");

    for (kind, title, body) in [
        (
            "npc",
            "Gundren Rockseeker",
            "A dwarf prospector who hired the party to escort a wagon to Phandalin.",
        ),
        (
            "location",
            "Cragmaw Hideout",
            "A goblin cave with a stream running through it; Sildar is held here.",
        ),
        ("plot", "The Black Spider", "A drow villain searching for the lost Wave Echo Cave and its forge."),
    ] {
        mcp.ok("note_add", json!({"campaign_id": campaign_id, "kind": kind, "title": title, "body": body}))
            .await;
    }
    let found = mcp
        .ok(
            "note_search",
            json!({"campaign_id": campaign_id, "query": "who hired us to take the cart to town?"}),
        )
        .await;
    assert_eq!(found["hits"][0]["note"]["title"], "Gundren Rockseeker", "{found:#}");
    let found = mcp
        .ok("note_search", json!({"campaign_id": campaign_id, "query": "goblin cave", "kind": "plot"}))
        .await;
    assert!(found["hits"].as_array().unwrap().iter().all(|h| h["note"]["kind"] == "plot"), "{found:#}");
    let err = mcp
        .err("note_add", json!({"campaign_id": campaign_id, "kind": "gossip", "title": "x", "body": "y"}))
        .await;
    assert!(err.contains("unknown note kind"), "{err}");
    mcp.close().await;

    // --- retrieval quality on the evaluation set ---
    let questions = repo().join("tests/eval/srd51.json");
    let (ok, stdout, stderr) =
        run(ttrpg(&clean.data_dir(), &env, &["eval", questions.to_str().unwrap(), "--json"]));
    assert!(ok, "{stderr}");
    let eval: Value = serde_json::from_str(&stdout).unwrap();
    let (r1, r5, mrr) = (
        eval["recall_at_1"].as_f64().unwrap(),
        eval["recall_at_5"].as_f64().unwrap(),
        eval["mrr_at_10"].as_f64().unwrap(),
    );
    println!(
        "evaluation set ({} questions): recall@1 {r1:.3}, recall@5 {r5:.3}, MRR@10 {mrr:.3}",
        eval["questions"]
    );
    for miss in
        eval["results"].as_array().unwrap().iter().filter(|r| r["rank"].as_u64().is_none_or(|r| r > 5))
    {
        println!(
            "  miss@5: {} {} expected {} top {}",
            miss["id"], miss["question"], miss["expected"], miss["top"]
        );
    }
    for (kind, figures) in eval["by_kind"].as_object().unwrap() {
        println!(
            "  {kind}: {} questions, recall@1 {:.3}, recall@5 {:.3}, recall@10 {:.3}, MRR@10 {:.3}",
            figures["questions"],
            figures["recall_at_1"].as_f64().unwrap(),
            figures["recall_at_5"].as_f64().unwrap(),
            figures["recall_at_10"].as_f64().unwrap(),
            figures["mrr_at_10"].as_f64().unwrap()
        );
    }
    let kinds = eval["by_kind"].as_object().unwrap();
    let asked: u64 = kinds.values().map(|f| f["questions"].as_u64().unwrap()).sum();
    assert_eq!(asked, eval["questions"].as_u64().unwrap(), "every question is in one kind");
    // Floors per kind at what the search reaches today, a question or two below it (figures
    // move by that much with chunk boundaries): questions in the player's own words are the
    // weak kind (#14 item 2).
    for (kind, floor) in [("keyword", 0.90), ("natural", 0.90), ("table", 0.90), ("paraphrase", 0.86)] {
        let r5 = kinds[kind]["recall_at_5"].as_f64().unwrap();
        assert!(r5 >= floor, "{kind} questions: recall@5 {r5:.3} is below {floor}");
    }
    assert!(eval["questions"].as_u64().unwrap() >= 40);
    assert!(r5 >= 0.90, "recall@5 {r5:.3} is below 0.90");

    // --- questions in the player's own words (tests/eval/README.md): the tune set, which
    // the dnd5e glossary was tuned on, with and without the glossary; the development set,
    // only measured ---
    let paraphrases = |set: &str, glossary: &str| -> (f64, f64) {
        let mut env = env.clone();
        env.push(("TTRPG_SEARCH_GLOSSARY".into(), glossary.into()));
        let questions = repo().join("tests/eval").join(set);
        let (ok, stdout, stderr) =
            run(ttrpg(&clean.data_dir(), &env, &["eval", questions.to_str().unwrap(), "--json"]));
        assert!(ok, "{stderr}");
        let eval: Value = serde_json::from_str(&stdout).unwrap();
        let figures = (eval["recall_at_5"].as_f64().unwrap(), eval["mrr_at_10"].as_f64().unwrap());
        println!("{set} (glossary {glossary}): recall@5 {:.3}, MRR@10 {:.3}", figures.0, figures.1);
        figures
    };
    let (tune_with, _) = paraphrases("srd51_paraphrase_tune.json", "true");
    let (tune_without, _) = paraphrases("srd51_paraphrase_tune.json", "false");
    let (dev_with, _) = paraphrases("srd51_paraphrase_dev.json", "true");
    let (dev_without, _) = paraphrases("srd51_paraphrase_dev.json", "false");
    assert!(tune_with >= 0.90, "tune set with the glossary: recall@5 {tune_with:.3} is below 0.90");
    assert!(
        tune_with > tune_without + 0.2,
        "the glossary moves the tune set: {tune_without:.3} → {tune_with:.3}"
    );
    assert!(dev_with >= 0.62, "development set: recall@5 {dev_with:.3} is below 0.62");
    assert!(
        dev_with >= dev_without,
        "the glossary does not hurt the development set: {dev_without:.3} → {dev_with:.3}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingestion_the_client_cancels_stops_and_stays_resumable() {
    let (pdf, env) = match prerequisites() {
        Ok(found) => found,
        Err(why) => {
            println!("SKIPPED: cancelling an ingestion: {why}");
            return;
        }
    };
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let scratch = Scratch::new();
    let mcp = connect_stdio_with_env(&scratch, &env_refs).await;
    let arguments = json!({"path": pdf.display().to_string(), "book": "SRD 5.1"});
    let params =
        CallToolRequestParams::new("ingest_document").with_arguments(arguments.as_object().cloned().unwrap());
    // Dropping the call's future makes rmcp's client send notifications/cancelled.
    let cut = tokio::time::timeout(Duration::from_secs(8), mcp.service.peer().call_tool(params)).await;
    assert!(cut.is_err(), "the whole SRD was ingested within 8 s; the test needs a longer book");
    // The server keeps answering, and the book stays invisible: it is not whole.
    let started = Instant::now();
    mcp.ok("roll_dice", json!({"expression": "1d20"})).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the server was slow after the cancel");
    let db = scratch.db_path();
    let chunks_then = scalar(&db, "SELECT COUNT(*) FROM chunks WHERE indexed = 1").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let chunks_now = scalar(&db, "SELECT COUNT(*) FROM chunks WHERE indexed = 1").await;
    assert_eq!(chunks_then, chunks_now, "indexing went on after the client cancelled");
    let ready = scalar(&db, "SELECT COUNT(*) FROM documents WHERE status = 'ready'").await;
    assert_eq!(ready, 0, "a cancelled book must not become searchable");
    let hits = mcp.ok("search_rules", json!({"query": "grappled condition"})).await;
    assert!(hits["hits"].as_array().unwrap().is_empty(), "{hits}");
    mcp.close().await;
}
