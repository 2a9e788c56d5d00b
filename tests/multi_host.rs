//! Several hosts that share nothing in memory: `ttrpg serve --transport http` processes, each
//! with its own data folder, on one PostgreSQL database, one Redis of the test's own and one
//! Qdrant server started from `../shared/bin/`, behind a proxy that sends every request to
//! the next host in turn.
//!
//! - A session opened through the proxy works on every host: `campaign_use` on one host
//!   decides the plugin tools the next request sees on another.
//! - A plugin installed through one host runs on the other, which fetches its component
//!   from the database and checks it against the recorded sha256.
//! - A plugin disabled through host A sends `tools/list_changed` to a session on host B.
//! - A book ingested through A is found through B at once.
//! - Rules search gives the same hits on Qdrant Edge and on the Qdrant server for one book.
//! - What a session chose through one host holds on the other: the toolsets it enabled are
//!   listed, and the combat it subscribed to reaches it from whichever host holds its stream,
//!   until it unsubscribes (through either).
//!
//! Every part is started here; when one cannot start, the test fails saying which.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "e2e/pdf.rs"]
mod pdf;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "../host/vectors/tests/common/qdrant.rs"]
mod qdrant;
#[path = "support/redis.rs"]
mod redis;
#[path = "support/round_robin.rs"]
mod round_robin;

use std::path::Path;
use std::time::Duration;

use client::{Client, HttpServer, Notifications, Scratch, connect_url, embedding_env, passages, str_of};
use postgres::TestDb;
use qdrant::QdrantServer;
use redis::RedisServer;
use round_robin::RoundRobin;
use serde_json::json;

/// How long a notification from another host may take.
const NOTIFY_WAIT: Duration = Duration::from_secs(10);

/// The services every host shares, started for one test.
struct Services {
    db: TestDb,
    _redis: RedisServer,
    _qdrant: QdrantServer,
    env: Vec<(String, String)>,
}

impl Services {
    async fn start(purpose: &str) -> Services {
        let embeddings = embedding_env().unwrap_or_else(|why| panic!("{purpose}: no embeddings: {why}"));
        let db =
            TestDb::create(purpose).await.unwrap_or_else(|why| panic!("{purpose}: no PostgreSQL: {why}"));
        let redis = RedisServer::start().unwrap_or_else(|why| panic!("{purpose}: no Redis: {why}"));
        let qdrant = start_qdrant(purpose).await;
        let mut env = embeddings;
        env.extend([
            ("TTRPG_DATABASE_URL".to_string(), db.url.clone()),
            ("TTRPG_REDIS_URL".to_string(), redis.url.clone()),
            ("TTRPG_QDRANT_URL".to_string(), qdrant.url.clone()),
        ]);
        Services { db, _redis: redis, _qdrant: qdrant, env }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
}

async fn start_qdrant(purpose: &str) -> QdrantServer {
    tokio::task::spawn_blocking(|| QdrantServer::start(1))
        .await
        .unwrap()
        .unwrap_or_else(|why| panic!("{purpose}: no Qdrant server: {why}"))
}

/// Writes a small book into `data_dir/library/` and returns its file name.
fn write_book(data_dir: &Path, name: &str, chapters: &[(&str, &[&str])]) -> String {
    let library = data_dir.join("library");
    std::fs::create_dir_all(&library).unwrap();
    let file = format!("{name}.pdf");
    std::fs::write(library.join(&file), pdf::chapters(chapters)).unwrap();
    file
}

/// `ttrpg plugin install FILE` on `data_dir` with `env`.
fn install_plugin(data_dir: &Path, env: &[(&str, &str)], file: &Path) {
    let output = client::ttrpg_output(data_dir, env, &["plugin", "install", file.to_str().unwrap()]);
    assert!(output.status.success(), "plugin install: {}", String::from_utf8_lossy(&output.stderr));
}

/// The tools a client lists now.
async fn tools(client: &Client) -> Vec<String> {
    client.tool_names().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_plugins_events_and_books_cross_hosts() {
    let services = Services::start("multi_host").await;
    let env = services.env();
    let (scratch_a, scratch_b) = (Scratch::new(), Scratch::new());
    let echo = tokio::task::spawn_blocking(|| fixtures::wasm("fixture-echo")).await.unwrap();
    install_plugin(&scratch_a.data_dir(), &env, &echo);
    let book = write_book(
        &scratch_a.data_dir(),
        "wyrm",
        &[("Chapter 1: The Wyrm of Thornwood", &["The green wyrm Verdigrast sleeps beneath the Thornwood."])],
    );
    let host_a = HttpServer::start_with_env(&scratch_a, &env).await;
    let host_b = HttpServer::start_with_env(&scratch_b, &env).await;
    let proxy = RoundRobin::start(&[&host_a.url, &host_b.url]).await;

    // One session through the proxy: its requests alternate between the hosts.
    let through = connect_url(&proxy.url(), "proxy", None, Notifications::default()).await;
    let made = through.ok("campaign_create", json!({"name": "Thornwood", "system": "dnd5e"})).await;
    let campaign = str_of(&made, "/campaign/id").to_string();
    through.ok("plugin_enable", json!({"campaign_id": campaign, "plugin": "echo"})).await;
    let used = through.ok("campaign_use", json!({"campaign_id": campaign})).await;
    assert!(
        used["plugin_tools"].as_array().unwrap().iter().any(|t| t == "echo__echo"),
        "campaign_use offers the plugin's tools: {used}"
    );
    for round in 0..6 {
        let listed = tools(&through).await;
        assert!(
            listed.contains(&"echo__echo".to_string()),
            "round {round}: tools/list lost the campaign: {listed:?}"
        );
        let echoed = through.ok("echo__echo", json!({"text": format!("round {round}")})).await;
        assert!(echoed.to_string().contains(&format!("round {round}")), "{echoed}");
    }
    let counts = proxy.counts();
    assert!(counts.iter().all(|&c| c >= 6), "both hosts served the session's requests: {counts:?}");
    let fetched = scratch_b.data_dir().join("plugins/echo");
    assert!(fetched.exists(), "host B ran the plugin from the component it fetched from the database");

    // A plugin disabled through A reaches a session on B as tools/list_changed.
    let on_b = host_b.connect("b").await;
    on_b.ok("campaign_use", json!({"campaign_id": campaign})).await;
    assert!(tools(&on_b).await.contains(&"echo__echo".to_string()));
    let on_a = host_a.connect("a").await;
    let seen = on_b.notifications.tool_list_changed();
    on_a.ok("plugin_disable", json!({"campaign_id": campaign, "plugin": "echo"})).await;
    let now = on_b.notifications.wait_tool_list_changed(seen, NOTIFY_WAIT).await;
    assert!(now > seen, "the session on B heard that A disabled the plugin");
    assert!(!tools(&on_b).await.contains(&"echo__echo".to_string()), "B no longer lists the plugin's tools");

    // A book ingested through A is found through B at once.
    on_a.ok("ingest_document", json!({"path": book, "book": "Thornwood"})).await;
    let question = json!({"query": "Where does the wyrm Verdigrast sleep?", "limit": 3});
    let found = on_b.ok("search_rules", question).await;
    assert!(
        passages(&found).first().is_some_and(|p| p.contains("Verdigrast")),
        "B finds the book A ingested: {found}"
    );

    through.close().await;
    on_a.close().await;
    on_b.close().await;
    host_a.kill().await;
    host_b.kill().await;
    services.db.drop_now().await;
}

/// A hit as compared: (book, first page, passage).
type Passage = (String, i64, String);

/// Hits of equal fused score (the score times 10⁴, rounded), in a fixed order.
type TiedHits = (i64, Vec<Passage>);

/// The hits of each question: groups of equal fused score, best first, each group the
/// (book, page, passage) of its hits in a fixed order (hits tied on score may come back in
/// either order from either engine).
async fn hits(client: &Client, questions: &[&str]) -> Vec<Vec<TiedHits>> {
    let mut all = Vec::new();
    for question in questions {
        let result = client.ok("search_rules", json!({"query": question, "limit": 5})).await;
        let hits = result["hits"].as_array().unwrap_or_else(|| panic!("no hits array: {result}"));
        let mut groups: Vec<TiedHits> = Vec::new();
        for hit in hits {
            let score = (hit["score"].as_f64().unwrap() * 10_000.0).round() as i64;
            let entry = (
                str_of(hit, "/book").to_string(),
                hit["page_start"].as_i64().unwrap(),
                str_of(hit, "/text").to_string(),
            );
            match groups.last_mut() {
                Some((last, members)) if *last == score => members.push(entry),
                _ => groups.push((score, vec![entry])),
            }
        }
        for (_, members) in &mut groups {
            members.sort();
        }
        all.push(groups);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_search_gives_the_same_hits_on_edge_and_on_the_qdrant_server() {
    let embeddings = embedding_env().unwrap_or_else(|why| panic!("no embeddings: {why}"));
    let qdrant = start_qdrant("edge vs server").await;
    let chapters: &[(&str, &[&str])] = &[
        (
            "Chapter 1: Combat",
            &[
                "A creature that is prone can only crawl unless it spends half its movement to stand up.",
                "Attack rolls against a prone creature have advantage if the attacker is within 5 feet.",
            ],
        ),
        (
            "Chapter 2: Resting",
            &[
                "A long rest restores all lost hit points and half of your total Hit Dice.",
                "On a short rest you can spend Hit Dice to regain hit points.",
            ],
        ),
        (
            "Chapter 3: Spells",
            &[
                "Fireball: each creature in a 20-foot-radius sphere takes 8d6 fire damage on a failed save.",
                "Concentration ends if you fail a Constitution saving throw after taking damage.",
            ],
        ),
        (
            "Chapter 4: Travel",
            &[
                "Difficult terrain costs 2 feet of movement for every 1 foot moved.",
                "Falling damage is 1d6 bludgeoning for every 10 feet fallen, to a maximum of 20d6.",
            ],
        ),
    ];
    let questions = [
        "Can I stand up from prone?",
        "How many hit points does a long rest give back?",
        "fireball damage",
        "What happens to my concentration when I get hit?",
        "difficult terrain movement cost",
        "How much damage from falling 30 feet?",
    ];
    let mut results = Vec::new();
    for remote in [false, true] {
        let scratch = Scratch::new();
        let book = write_book(&scratch.data_dir(), "rules", chapters);
        let mut env: Vec<(&str, &str)> = embeddings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if remote {
            env.push(("TTRPG_QDRANT_URL", qdrant.url.as_str()));
        }
        let host = HttpServer::start_with_env(&scratch, &env).await;
        let client = host.connect(if remote { "server" } else { "edge" }).await;
        client.ok("ingest_document", json!({"path": book, "book": "Rules"})).await;
        let doctor = client::ttrpg_output(&scratch.data_dir(), &env, &["doctor", "--json"]);
        let described = String::from_utf8_lossy(&doctor.stdout);
        assert_eq!(
            described.contains("qdrant server"),
            remote,
            "the host uses the backend asked for: {described}"
        );
        results.push(hits(&client, &questions).await);
        client.close().await;
        host.kill().await;
    }
    let (edge, server) = (&results[0], &results[1]);
    for (i, question) in questions.iter().enumerate() {
        assert!(!edge[i].is_empty(), "{question}: edge found nothing");
        assert_eq!(edge[i], server[i], "{question}: the two backends disagree");
    }
}

/// A book of `pages` pages, each its own chapter with a distinct passage (one chunk each).
fn long_book(title: &str, pages: usize) -> Vec<u8> {
    let headings: Vec<String> = (0..pages).map(|i| format!("Chapter {i}: The {title} Ward {i}")).collect();
    let bodies: Vec<[String; 2]> = (0..pages)
        .map(|i| {
            [
                format!(
                    "In ward {i} of {title} the lamplighters keep {} brass lanterns and {} ropes.",
                    i * 3,
                    i + 7
                ),
                format!(
                    "The watch of ward {i} answers to captain number {} and rings bell {}.",
                    i * 11,
                    i % 13
                ),
            ]
        })
        .collect();
    let lines: Vec<Vec<&str>> = bodies.iter().map(|b| b.iter().map(String::as_str).collect()).collect();
    let chapters: Vec<(&str, &[&str])> =
        headings.iter().zip(&lines).map(|(h, l)| (h.as_str(), l.as_slice())).collect();
    pdf::chapters(&chapters)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_is_ingested_once_by_two_hosts_and_finished_by_another_when_its_host_dies() {
    let services = Services::start("ingest_leases").await;
    let library = tempfile::tempdir().unwrap();
    std::fs::write(library.path().join("ledger.pdf"), long_book("Ledger", 40)).unwrap();
    std::fs::write(library.path().join("harbour.pdf"), long_book("Harbour", 400)).unwrap();
    let roots = library.path().display().to_string();
    let mut env = services.env();
    env.extend([("TTRPG_LIBRARY_ROOTS", roots.as_str()), ("TTRPG_INGEST_LEASE_SECS", "2")]);
    let (scratch_a, scratch_b) = (Scratch::new(), Scratch::new());
    let host_a = HttpServer::start_with_env(&scratch_a, &env).await;
    let host_b = HttpServer::start_with_env(&scratch_b, &env).await;
    let (a, b) = (host_a.connect("a").await, host_b.connect("b").await);

    // The same file through both hosts at once: one does the work, the other waits for it.
    let ledger = json!({"path": "ledger.pdf", "book": "Ledger"});
    let (on_a, on_b) =
        tokio::join!(a.ok("ingest_document", ledger.clone()), b.ok("ingest_document", ledger.clone()));
    assert_eq!(on_a["document"]["id"], on_b["document"]["id"], "one document: {on_a} {on_b}");
    let chunks = on_a["chunks"].as_u64().unwrap();
    assert!(chunks >= 40, "{on_a}");
    let indexed: u64 = [&on_a, &on_b].iter().map(|r| r["indexed_now"].as_u64().unwrap()).sum();
    assert_eq!(indexed, chunks, "every chunk was embedded once between the two hosts: {on_a} {on_b}");
    assert!(
        [&on_a, &on_b].iter().filter(|r| r["already_ingested"] == true).count() == 1,
        "one of the two found the work done: {on_a} {on_b}"
    );

    // Host A dies mid-ingest; B takes the document over once A's lease runs out.
    let harbour = json!({"path": "harbour.pdf", "book": "Harbour"});
    let dying = tokio::spawn(async move {
        let _ = a.call("ingest_document", harbour.clone()).await;
    });
    let pool = sqlx::PgPool::connect(&services.db.url).await.unwrap();
    let document = loop {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT d.id, (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id AND c.indexed = 1) \
             FROM documents d WHERE d.book = 'Harbour' AND d.status = 'ingesting' AND d.lease_holder IS NOT NULL",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some((id, indexed)) = row
            && indexed > 0
        {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    host_a.kill().await;
    dying.abort();
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chunks WHERE document_id = $1 AND indexed = 1")
            .bind(&document)
            .fetch_one(&pool)
            .await
            .unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM documents WHERE id = $1")
        .bind(&document)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "ingesting", "host A was killed before it finished");
    let started = std::time::Instant::now();
    let finished = b.ok("ingest_document", json!({"path": "harbour.pdf", "book": "Harbour"})).await;
    assert_eq!(finished["document"]["id"], document.as_str(), "{finished}");
    assert_eq!(finished["resumed"], true, "{finished}");
    assert_eq!(finished["document"]["status"], "ready", "{finished}");
    let total = finished["chunks"].as_u64().unwrap();
    assert!(total >= 400, "{finished}");
    assert_eq!(
        finished["indexed_now"].as_u64().unwrap() + before as u64,
        total,
        "B embedded only what A had not (A had {before} of {total})"
    );
    eprintln!("host B took over after {:?} (lease 2 s)", started.elapsed());
    let found =
        b.ok("search_rules", json!({"query": "lamplighters of ward 377 in Harbour", "limit": 3})).await;
    assert!(passages(&found).iter().any(|p| p.contains("ward 377")), "{found}");
    pool.close().await;
    b.close().await;
    host_b.kill().await;
    services.db.drop_now().await;
}

/// Two hosts behind the round-robin proxy, and a client of the proxy.
struct Behind {
    scratch_a: Scratch,
    scratch_b: Scratch,
    host_a: HttpServer,
    host_b: HttpServer,
    client: Client,
    _proxy: RoundRobin,
}

impl Behind {
    async fn proxy(env: &[(&str, &str)]) -> Behind {
        let (scratch_a, scratch_b) = (Scratch::new(), Scratch::new());
        let host_a = HttpServer::start_with_env(&scratch_a, env).await;
        let host_b = HttpServer::start_with_env(&scratch_b, env).await;
        let proxy = RoundRobin::start(&[&host_a.url, &host_b.url]).await;
        let client = connect_url(&proxy.url(), "proxy", None, Notifications::default()).await;
        Behind { scratch_a, scratch_b, host_a, host_b, client, _proxy: proxy }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_carries_on_through_the_other_host_when_its_host_is_killed() {
    let services = Services::start("host_killed").await;
    let env = services.env();
    let Behind { scratch_a: _a, scratch_b: _b, host_a, host_b, client, _proxy } = Behind::proxy(&env).await;
    let made = client.ok("campaign_create", json!({"name": "Harbour watch", "system": "dnd5e"})).await;
    let campaign = str_of(&made, "/campaign/id").to_string();
    client.ok("campaign_use", json!({"campaign_id": campaign})).await;
    let mut acknowledged = Vec::new();
    let roll =
        |i: usize| json!({"expression": "1d20+3", "campaign_id": campaign, "purpose": format!("watch {i}")});
    for i in 0..10 {
        acknowledged.push(str_of(&client.ok("roll_dice", roll(i)).await, "/roll_id").to_string());
    }
    // The host that opened the session dies; the proxy sends every request to the other one,
    // which serves the same session.
    let killed_at = std::time::Instant::now();
    host_a.kill().await;
    for i in 10..30 {
        acknowledged.push(str_of(&client.ok("roll_dice", roll(i)).await, "/roll_id").to_string());
    }
    eprintln!("20 rolls acknowledged through host B within {:?} of host A's death", killed_at.elapsed());
    let used = client.ok("campaign_use", json!({"campaign_id": campaign})).await;
    assert_eq!(used["campaign"]["id"], campaign.as_str());

    let pool = sqlx::PgPool::connect(&services.db.url).await.unwrap();
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT id FROM dice_rolls WHERE campaign_id = $1 ORDER BY id")
            .bind(&campaign)
            .fetch_all(&pool)
            .await
            .unwrap();
    acknowledged.sort();
    assert_eq!(stored, acknowledged, "every acknowledged roll is stored exactly once, and nothing else");
    pool.close().await;
    client.close().await;
    host_b.kill().await;
    services.db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sessions_toolsets_and_subscriptions_hold_on_every_host_it_reaches() {
    let services = Services::start("session_choices").await;
    let mut env = services.env();
    env.extend([("TTRPG_DYNAMIC_TOOLSETS", "true"), ("TTRPG_TOOLSETS", "campaigns")]);
    let Behind { scratch_a, scratch_b, host_a, host_b, client, _proxy } = Behind::proxy(&env).await;
    let made = client.ok("campaign_create", json!({"name": "Bridge toll", "system": "dnd5e"})).await;
    let campaign = str_of(&made, "/campaign/id").to_string();
    let listed = tools(&client).await;
    assert!(!listed.iter().any(|t| t == "initiative_next"), "combat is listed before it is enabled");

    // Enabled through one host, listed through both (consecutive listings alternate hosts).
    let seen = client.notifications.tool_list_changed();
    client.ok("toolset_enable", json!({"toolsets": ["combat"]})).await;
    assert!(
        client.notifications.wait_tool_list_changed(seen, NOTIFY_WAIT).await > seen,
        "no tools/list_changed reached the client after toolset_enable\n{}\n{}",
        scratch_a.logs(),
        scratch_b.logs()
    );
    for listing in 0..4 {
        let names = tools(&client).await;
        assert!(
            names.iter().any(|t| t == "initiative_next"),
            "listing {listing} lacks the combat tools: {names:?}"
        );
        assert!(!names.iter().any(|t| t == "roll_dice"), "listing {listing} holds a toolset not enabled");
    }

    // Subscribed through one host; every step, made through either, reaches the client.
    let uri = format!("ttrpg://campaigns/{campaign}/combat");
    #[allow(deprecated, reason = "resources/subscribe is this protocol version's")]
    client.service.peer().subscribe(rmcp::model::SubscribeRequestParams::new(&uri)).await.unwrap();
    client.ok("initiative_start", json!({"campaign_id": campaign})).await;
    client
        .ok("initiative_add", json!({"campaign_id": campaign, "name": "Troll", "initiative": 12, "hp": 84}))
        .await;
    client
        .ok("initiative_add", json!({"campaign_id": campaign, "name": "Aria", "initiative": 17, "hp": 20}))
        .await;
    for _ in 0..4 {
        client.ok("initiative_next", json!({"campaign_id": campaign})).await;
    }
    let steps = 3 + 4;
    let heard = client.notifications.wait_updated(steps, NOTIFY_WAIT).await;
    assert!(heard >= steps, "heard {heard} updates of {steps} steps made through two hosts");
    assert!(client.notifications.updated.lock().unwrap().iter().all(|u| u == &uri));

    // Unsubscribed through one host: no host sends it more.
    #[allow(deprecated, reason = "resources/unsubscribe is this protocol version's")]
    client.service.peer().unsubscribe(rmcp::model::UnsubscribeRequestParams::new(&uri)).await.unwrap();
    let before = client.notifications.updated.lock().unwrap().len();
    client.ok("initiative_next", json!({"campaign_id": campaign})).await;
    client.ok("initiative_next", json!({"campaign_id": campaign})).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(client.notifications.updated.lock().unwrap().len(), before, "updates after unsubscribing");

    client.close().await;
    host_a.kill().await;
    host_b.kill().await;
    services.db.drop_now().await;
}
