//! The storage test suite: every case runs against both engines.
//!
//! Each case is an async function in [`cases`] that takes a [`Ctx`] (a freshly migrated
//! store and the URL it was opened from). The `storage_suite!` macro turns every case
//! into three tests, `sqlite::<case>` (a temporary SQLite file), `cached::<case>` (the
//! same, read through the two-level cache over the real Redis when it answers) and
//! `postgres::<case>` (a fresh database on the PostgreSQL server, dropped again when the
//! test ends).
//!
//! PostgreSQL: the server named by `TTRPG_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) must be reachable; the PostgreSQL tests
//! fail with instructions when it is not, unless `TTRPG_SKIP_POSTGRES=1` is set.
//!
//! Run: `cargo test -p ttrpg-host --test storage_suite` (add `sqlite::` or `postgres::`
//! to run one engine).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::future::Future;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use serde_json::json;
use sqlx::{Connection, Executor};
use ttrpg_host::storage::{
    self, CampaignPatch, CampaignStatus, CharacterFields, CharacterKind, CharacterPatch, DiceRollFilter,
    Engine, MemberRole, MigrateOnOpen, NewCampaign, NewDiceRoll, SessionStatus, Storage, StorageError,
    StorageResult, TokenRole, Visibility,
};

#[path = "../../tests/support/redis.rs"]
mod redis_support;

/// How long one case may take before it is declared hung.
const CASE_TIMEOUT: Duration = Duration::from_secs(120);

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const START_PG_HINT: &str = "start it with:\n    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
     or point TTRPG_TEST_PG_URL at another server, or set TTRPG_SKIP_POSTGRES=1 to skip the PostgreSQL tests";

/// What a case gets: a migrated store and the URL it was opened from (to reopen it).
pub struct Ctx {
    store: Arc<dyn Storage>,
    url: String,
}

// ---------------------------------------------------------------------------------------
// Harness: one store per test, on either engine.
// ---------------------------------------------------------------------------------------

async fn run_case<F, Fut>(engine: &str, case: &str, ctx: Ctx, f: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    if tokio::time::timeout(CASE_TIMEOUT, f(ctx)).await.is_err() {
        panic!("{engine} case {case} did not finish within {CASE_TIMEOUT:?}");
    }
}

/// Runs a case against a fresh SQLite file in a temporary folder.
async fn run_sqlite<F, Fut>(case: &str, f: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store =
        storage::open(&url, MigrateOnOpen::Apply).await.unwrap_or_else(|err| panic!("opening {url}: {err}"));
    assert_eq!(store.engine(), Engine::Sqlite);
    run_case("sqlite", case, Ctx { store, url }, f).await;
    drop(dir);
}

/// Runs a case against a fresh SQLite file read through the two-level cache (over the Redis
/// at 127.0.0.1:6379 when it answers, under a prefix of the test's own; in process
/// otherwise): every case's reads after its writes then prove that the writes invalidate
/// what the reads cached.
async fn run_cached<F, Fut>(case: &str, f: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let redis_up = redis_support::up();
    let prefix = format!("ttrpg-storage-{case}-{}", uuid::Uuid::now_v7().simple());
    let l2: Option<Arc<dyn ttrpg_host::cache::SharedCache>> = if redis_up {
        Some(Arc::new(ttrpg_host::cache::RedisL2::new("redis://127.0.0.1:6379").expect("a Redis URL")))
    } else {
        None
    };
    let cache = Arc::new(ttrpg_host::cache::TwoLevelCache::new(8 << 20, l2, &prefix));
    let store = storage::open_cached(&url, MigrateOnOpen::Apply, Some(cache.clone()))
        .await
        .unwrap_or_else(|err| panic!("opening {url}: {err}"));
    run_case("cached", case, Ctx { store, url }, f).await;
    if redis_up {
        redis_support::delete_prefix(&prefix);
    }
    drop(dir);
}

/// Runs a case against a fresh PostgreSQL database, dropped afterwards (also on failure).
async fn run_postgres<F, Fut>(case: &str, f: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = PgTestDb::create().await else { return };
    let store = storage::open(&db.url, MigrateOnOpen::Apply)
        .await
        .unwrap_or_else(|err| panic!("opening the test database {}: {err}", db.name));
    assert_eq!(store.engine(), Engine::Postgres);
    run_case("postgres", case, Ctx { store, url: db.url.clone() }, f).await;
    drop(db);
}

fn skip_postgres() -> bool {
    std::env::var("TTRPG_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

fn admin_pg_url() -> String {
    std::env::var("TTRPG_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// `url` with its database name replaced by `db` (query string kept).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{db}?{query}"),
        None => format!("{root}/{db}"),
    }
}

static SWEPT: AtomicBool = AtomicBool::new(false);
static SKIP_ANNOUNCED: AtomicBool = AtomicBool::new(false);
static SEQ: AtomicU32 = AtomicU32::new(0);

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970")
}

/// A database created for one test; dropped (forcibly) when this guard is dropped.
struct PgTestDb {
    admin_url: String,
    name: String,
    url: String,
}

impl PgTestDb {
    /// Creates a fresh database, or returns `None` when PostgreSQL tests are skipped.
    async fn create() -> Option<Self> {
        if skip_postgres() {
            if SKIP_ANNOUNCED.swap(true, Ordering::SeqCst) {
                return None;
            }
            // Straight to stderr, not through `eprintln!`: the test harness captures
            // the macros' output of passing tests, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n************************************************************\n\
                 SKIPPED: PostgreSQL tests (TTRPG_SKIP_POSTGRES=1)\n\
                 ************************************************************"
            );
            return None;
        }
        let admin_url = admin_pg_url();
        let shown = storage::redact_url(&admin_url);
        let mut conn = match tokio::time::timeout(
            Duration::from_secs(10),
            sqlx::PgConnection::connect(&admin_url),
        )
        .await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(err)) => panic!("PostgreSQL is not reachable at {shown}: {err}\n{START_PG_HINT}"),
            Err(_) => panic!("PostgreSQL at {shown} did not answer within 10s\n{START_PG_HINT}"),
        };
        if !SWEPT.swap(true, Ordering::SeqCst) {
            sweep_stale_databases(&mut conn).await;
        }
        let now = unix_now();
        // The creation time (unix seconds) is the third field, for the stale sweep.
        let name = format!(
            "ttrpg_test_{}_{}_{}_{}",
            now.as_secs(),
            std::process::id(),
            now.subsec_nanos(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap_or_else(|err| panic!("CREATE DATABASE {name} on {shown}: {err}"));
        conn.close().await.ok();
        let url = with_database(&admin_url, &name);
        Some(PgTestDb { admin_url, name, url })
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside the test's runtime (or while unwinding from a failed
        // assertion): do the async work on a thread of its own.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                drop_database(&mut conn, &name).await?;
                conn.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("warning: could not drop test database {}: {err}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

async fn drop_database(conn: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).await?;
    Ok(())
}

/// Drops `ttrpg_test_*` databases older than an hour left behind by killed runs.
async fn sweep_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = match sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'ttrpg\\_test\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut *conn)
    .await
    {
        Ok(names) => names,
        Err(err) => {
            eprintln!("warning: listing stale test databases: {err}");
            return;
        }
    };
    let cutoff = unix_now().as_secs().saturating_sub(3600);
    for name in names {
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok());
        if created.is_none_or(|secs| secs < cutoff)
            && let Err(err) = drop_database(conn, &name).await
        {
            eprintln!("warning: dropping stale test database {name}: {err}");
        }
    }
}

/// Generates `sqlite::<case>`, `cached::<case>` (SQLite through the cache) and
/// `postgres::<case>` for every case in [`cases`].
macro_rules! storage_suite {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run_sqlite(stringify!($case), super::cases::$case).await;
                }
            )+
        }
        mod cached {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run_cached(stringify!($case), super::cases::$case).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run_postgres(stringify!($case), super::cases::$case).await;
                }
            )+
        }
    };
}

storage_suite!(
    ping_names_the_engine,
    snapshot_is_a_whole_copy_or_refused,
    campaign_create_get_round_trip,
    campaign_list_newest_first_archived_hidden,
    campaign_update_patches_only_given_fields,
    campaign_archive_is_idempotent,
    campaign_unknown_id_is_not_found,
    hostile_text_round_trips_verbatim,
    session_numbering_and_conflicts,
    session_archived_campaign_conflict,
    session_notes_in_order_with_tags,
    session_unknown_ids_not_found,
    session_concurrent_starts_one_wins,
    character_create_defaults_and_round_trip,
    character_update_merges_stats,
    character_list_by_kind,
    character_unknown_ids_not_found,
    character_concurrent_updates_lose_nothing,
    initiative_lifecycle_and_optimistic_locking,
    initiative_concurrent_saves_exactly_one_wins,
    initiative_concurrent_creates_exactly_one_wins,
    initiative_validation,
    dice_record_and_filter,
    dice_rejects_bad_references,
    migrations_all_applied_after_open,
    migrations_down_and_up_again,
    migrations_skip_on_open_leaves_schema_alone,
    data_survives_reopen,
    unknown_stored_values_are_refused,
    library_document_lifecycle_and_resume,
    users_tokens_and_revocation,
    database_health_reports_engine_size_and_schema,
    campaign_members_and_roles,
    visibility_filters_in_the_read,
    plugin_kv_quota_refuses_a_write_past_it,
    plugin_kv_concurrent_writes_never_overshoot_the_quota,
    images_share_files_filter_patch_and_count_against_the_quota,
    images_concurrent_adds_never_overshoot_the_quota,
    campaign_rows_read_whole_and_written_anew_under_new_ids,
    mcp_session_choices_are_kept_with_the_session_and_go_with_it,
);

// ---------------------------------------------------------------------------------------
// Helpers shared by the cases.
// ---------------------------------------------------------------------------------------

fn campaign(name: &str) -> NewCampaign {
    NewCampaign { name: name.to_string(), system: "dnd5e".to_string(), gm_user_id: None, settings: json!({}) }
}

fn character(campaign_id: &str, name: &str, kind: CharacterKind) -> CharacterFields {
    CharacterFields {
        campaign_id: campaign_id.to_string(),
        name: name.to_string(),
        kind,
        player_name: None,
        player_id: None,
        level: None,
        class: None,
        ancestry: None,
        max_hp: None,
        current_hp: None,
        armor_class: None,
        init_modifier: 0,
        stats: json!({}),
        notes: None,
    }
}

fn roll(campaign_id: Option<&str>, session_id: Option<&str>, expression: &str, total: i64) -> NewDiceRoll {
    NewDiceRoll {
        campaign_id: campaign_id.map(str::to_string),
        session_id: session_id.map(str::to_string),
        expression: expression.to_string(),
        total,
        rendered: format!("{expression} = {total}"),
        breakdown: json!({"dice": [total], "modifier": 0}),
        purpose: None,
        seed: 42,
        crit: "none".to_string(),
    }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|item| id(item).to_string()).collect()
}

/// Asserts a `NotFound` error whose message names `id`.
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: StorageResult<T>, kind: &str, id: &str) {
    match result {
        Err(err @ StorageError::NotFound { .. }) => {
            let StorageError::NotFound { kind: got_kind, id: got_id } = &err else { unreachable!() };
            assert_eq!(*got_kind, kind, "NotFound kind in {err}");
            assert_eq!(got_id, id, "NotFound id in {err}");
            assert!(err.to_string().contains(id), "message {:?} should name the id {id:?}", err.to_string());
        }
        other => panic!("expected NotFound for {kind} {id:?}, got {other:?}"),
    }
}

/// Runs statements on a raw connection as a newer host's schema would allow them: on
/// PostgreSQL the named CHECK constraint is dropped first, on SQLite CHECKs are ignored
/// for the connection.
async fn raw_sql_without_checks(url: &str, statements: &[(&str, &str)]) {
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("raw connection");
        for (constraint, statement) in statements {
            let table = constraint.split('_').next().expect("table prefix");
            conn.execute(sqlx::AssertSqlSafe(format!("ALTER TABLE {table} DROP CONSTRAINT {constraint}")))
                .await
                .expect("drop the check");
            conn.execute(sqlx::AssertSqlSafe(statement.to_string())).await.expect("raw update");
        }
    } else {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).expect("url");
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("raw connection");
        conn.execute("PRAGMA ignore_check_constraints = ON").await.expect("pragma");
        for (_, statement) in statements {
            conn.execute(sqlx::AssertSqlSafe(statement.to_string())).await.expect("raw update");
        }
    }
}

/// Asserts a `Conflict` error and returns its message.
#[track_caller]
fn conflict_message<T: std::fmt::Debug>(result: StorageResult<T>) -> String {
    match result {
        Err(StorageError::Conflict(message)) => message,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

/// Asserts an `Invalid` error and returns its message.
#[track_caller]
fn invalid_message<T: std::fmt::Debug>(result: StorageResult<T>) -> String {
    match result {
        Err(StorageError::Invalid(message)) => message,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn count_rolls(store: &dyn Storage) -> usize {
    store.list_rolls(DiceRollFilter { limit: 10_000, ..Default::default() }).await.expect("list rolls").len()
}

// ---------------------------------------------------------------------------------------
// The cases, each run against both engines.
// ---------------------------------------------------------------------------------------

mod cases {
    use super::*;

    pub async fn ping_names_the_engine(ctx: Ctx) {
        let version = ctx.store.ping().await.expect("ping");
        let expected = match ctx.store.engine() {
            Engine::Sqlite => "SQLite ",
            Engine::Postgres => "PostgreSQL ",
        };
        assert!(version.starts_with(expected), "ping returned {version:?}");
    }

    // --- campaigns ---

    pub async fn campaign_create_get_round_trip(ctx: Ctx) {
        let s = ctx.store;
        let before = Utc::now() - chrono::Duration::seconds(1);
        let settings = json!({
            "house_rules": {"flanking": true, "crit": "max+roll"},
            "xp": "milestone",
            "big": u64::MAX,
            "neg": -7,
            "ratio": 3.25,
            "list": [1, "two", null, false],
        });
        let created = s
            .create_campaign(NewCampaign {
                name: "Curse of the Crimson Throne".into(),
                system: "dnd5e".into(),
                gm_user_id: Some("gm-42".into()),
                settings: settings.clone(),
            })
            .await
            .expect("create campaign");
        let after = Utc::now() + chrono::Duration::seconds(1);

        let uuid = uuid::Uuid::parse_str(&created.id).expect("campaign id is a UUID");
        assert_eq!(uuid.get_version_num(), 7, "campaign id should be a UUID v7");
        assert_eq!(created.name, "Curse of the Crimson Throne");
        assert_eq!(created.system, "dnd5e");
        assert_eq!(created.gm_user_id.as_deref(), Some("gm-42"));
        assert_eq!(created.settings, settings);
        assert_eq!(created.status, CampaignStatus::Active);
        assert_eq!(created.created_at, created.updated_at);
        assert!(
            before <= created.created_at && created.created_at <= after,
            "created_at {}",
            created.created_at
        );

        let fetched = s.get_campaign(&created.id).await.expect("get campaign");
        assert_eq!(fetched, created, "get must return exactly what create returned (timestamps included)");

        // A campaign without GM and with empty settings.
        let bare = s.create_campaign(campaign("Bare")).await.expect("create");
        let bare_fetched = s.get_campaign(&bare.id).await.expect("get");
        assert_eq!(bare_fetched, bare);
        assert_eq!(bare_fetched.gm_user_id, None);
        assert_eq!(bare_fetched.settings, json!({}));
        assert_ne!(bare.id, created.id);
    }

    pub async fn campaign_list_newest_first_archived_hidden(ctx: Ctx) {
        let s = ctx.store;
        assert!(s.list_campaigns(true).await.expect("list").is_empty(), "a fresh database has no campaigns");
        let a = s.create_campaign(campaign("A")).await.unwrap();
        let b = s.create_campaign(campaign("B")).await.unwrap();
        let c = s.create_campaign(campaign("C")).await.unwrap();

        let listed = s.list_campaigns(false).await.unwrap();
        assert_eq!(ids(&listed, |x| &x.id), vec![c.id.clone(), b.id.clone(), a.id.clone()], "newest first");
        assert_eq!(listed[0], c, "listed rows equal the created ones");

        s.archive_campaign(&b.id).await.unwrap();
        let active = s.list_campaigns(false).await.unwrap();
        assert_eq!(ids(&active, |x| &x.id), vec![c.id.clone(), a.id.clone()], "archived hidden by default");
        let all = s.list_campaigns(true).await.unwrap();
        assert_eq!(
            ids(&all, |x| &x.id),
            vec![c.id.clone(), b.id.clone(), a.id.clone()],
            "archived shown on request"
        );
        assert_eq!(all[1].status, CampaignStatus::Archived);
        assert_eq!(all[0].status, CampaignStatus::Active);
    }

    pub async fn campaign_update_patches_only_given_fields(ctx: Ctx) {
        let s = ctx.store;
        let created = s
            .create_campaign(NewCampaign {
                name: "Old name".into(),
                system: "dnd5e".into(),
                gm_user_id: Some("gm-1".into()),
                settings: json!({"a": 1, "keep": true}),
            })
            .await
            .unwrap();

        let renamed = s
            .update_campaign(
                &created.id,
                CampaignPatch { name: Some("New name".into()), ..Default::default() },
            )
            .await
            .expect("rename");
        assert_eq!(renamed.name, "New name");
        assert_eq!(renamed.system, "dnd5e");
        assert_eq!(renamed.gm_user_id.as_deref(), Some("gm-1"));
        assert_eq!(renamed.settings, json!({"a": 1, "keep": true}));
        assert_eq!(renamed.status, CampaignStatus::Active);
        assert_eq!(renamed.created_at, created.created_at);
        assert!(renamed.updated_at >= created.updated_at);
        assert_eq!(s.get_campaign(&created.id).await.unwrap(), renamed, "update is persisted as returned");

        let resettled = s
            .update_campaign(
                &created.id,
                CampaignPatch { settings: Some(json!({"b": 2})), ..Default::default() },
            )
            .await
            .expect("new settings");
        assert_eq!(resettled.settings, json!({"b": 2}), "settings are replaced wholesale");
        assert_eq!(resettled.name, "New name", "an earlier patch is kept");
        assert_eq!(resettled.gm_user_id.as_deref(), Some("gm-1"));

        let moved = s
            .update_campaign(
                &created.id,
                CampaignPatch {
                    system: Some("fate".into()),
                    gm_user_id: Some("gm-2".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("system and gm");
        assert_eq!(moved.system, "fate");
        assert_eq!(moved.gm_user_id.as_deref(), Some("gm-2"));
        assert_eq!(moved.name, "New name");
        assert_eq!(moved.settings, json!({"b": 2}));

        let untouched = s.update_campaign(&created.id, CampaignPatch::default()).await.expect("empty patch");
        assert_eq!(
            (&untouched.name, &untouched.system, &untouched.gm_user_id),
            (&moved.name, &moved.system, &moved.gm_user_id)
        );
        assert_eq!(untouched.settings, moved.settings);
        assert_eq!(untouched.created_at, created.created_at);

        // Another campaign is not touched by any of this.
        let other = s.create_campaign(campaign("Other")).await.unwrap();
        s.update_campaign(&created.id, CampaignPatch { name: Some("Again".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(s.get_campaign(&other.id).await.unwrap(), other);
    }

    pub async fn campaign_archive_is_idempotent(ctx: Ctx) {
        let s = ctx.store;
        let created = s.create_campaign(campaign("To archive")).await.unwrap();
        let first = s.archive_campaign(&created.id).await.expect("archive");
        assert_eq!(first.status, CampaignStatus::Archived);
        let second = s.archive_campaign(&created.id).await.expect("archive again is not an error");
        assert_eq!(second.status, CampaignStatus::Archived);
        assert_eq!((&second.id, &second.name, &second.system), (&created.id, &created.name, &created.system));
        assert_eq!(second.settings, created.settings);
        assert_eq!(second.created_at, created.created_at);
        let fetched = s.get_campaign(&created.id).await.unwrap();
        assert_eq!(fetched.status, CampaignStatus::Archived);
        assert_eq!(fetched, second);
        // Archived campaigns can still be read and updated; their data is kept.
        let renamed = s
            .update_campaign(
                &created.id,
                CampaignPatch { name: Some("Renamed".into()), ..Default::default() },
            )
            .await
            .expect("update archived campaign");
        assert_eq!(renamed.status, CampaignStatus::Archived, "an update does not un-archive");
    }

    pub async fn campaign_unknown_id_is_not_found(ctx: Ctx) {
        let s = ctx.store;
        let id = "no-such-campaign-7f3a";
        assert_not_found(s.get_campaign(id).await, "campaign", id);
        assert_not_found(
            s.update_campaign(id, CampaignPatch { name: Some("x".into()), ..Default::default() }).await,
            "campaign",
            id,
        );
        assert_not_found(s.archive_campaign(id).await, "campaign", id);
        assert_not_found(s.list_sessions(id).await, "campaign", id);
        assert_not_found(s.list_characters(id, None).await, "campaign", id);
        assert_not_found(s.active_encounter(id).await, "campaign", id);
        assert!(s.list_campaigns(true).await.unwrap().is_empty(), "nothing was created by the failed calls");
        // An id that looks like SQL is just an unknown id.
        let sneaky = "x' OR '1'='1";
        assert_not_found(s.get_campaign(sneaky).await, "campaign", sneaky);
    }

    pub async fn hostile_text_round_trips_verbatim(ctx: Ctx) {
        let s = ctx.store;
        let long: String =
            "Robert'); DROP TABLE campaigns;-- 🐉 ünï \"q\" ".chars().cycle().take(10_000).collect();
        assert_eq!(long.chars().count(), 10_000);
        let texts: Vec<String> = vec![
            "Robert'); DROP TABLE campaigns;--".into(),
            "'; DELETE FROM sessions; SELECT '".into(),
            "it's \"double\" and 'single' and `back` quotes, \\backslash\\ and \\' escapes".into(),
            "Ünïcödé — 日本語 — العربية — עברית — Ελληνικά — ∑∫√".into(),
            "emoji 🐉🎲🧙‍♀️👨‍👩‍👧 flags 🇫🇷 skin 👍🏽".into(),
            "placeholders $1 ? :name @p1 %s %_ LIKE '%'".into(),
            "line\nbreak\ttab\r\nand trailing spaces   ".into(),
            "{\"looks\": \"like json\"}".into(),
            String::new(),
            long.clone(),
        ];
        let mut created_ids = Vec::new();
        for text in &texts {
            let c = s
                .create_campaign(NewCampaign {
                    name: text.clone(),
                    system: text.clone(),
                    gm_user_id: Some(text.clone()),
                    settings: json!({ "text": text, text.clone(): [text] }),
                })
                .await
                .unwrap_or_else(|err| panic!("create campaign named {:?}: {err}", short(text)));
            let got = s.get_campaign(&c.id).await.unwrap();
            assert_eq!(got.name, *text, "name read back verbatim");
            assert_eq!(got.system, *text);
            assert_eq!(got.gm_user_id.as_deref(), Some(text.as_str()));
            assert_eq!(got.settings, json!({ "text": text, text.clone(): [text] }));

            let session = s.start_session(&c.id, Some(text.clone())).await.expect("start session");
            assert_eq!(s.get_session(&session.id).await.unwrap().title.as_deref(), Some(text.as_str()));
            let tags = vec![text.clone(), "npc".to_string()];
            s.add_session_note(&session.id, text, &tags, Visibility::Gm).await.expect("add note");
            let notes = s.list_session_notes(&session.id, false).await.unwrap();
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0].body, *text);
            assert_eq!(notes[0].tags, tags);
            let ended = s.end_session(&session.id, Some(text.clone())).await.expect("end session");
            assert_eq!(ended.summary.as_deref(), Some(text.as_str()));

            let mut new = character(&c.id, text, CharacterKind::Npc);
            new.notes = Some(text.clone());
            new.class = Some(text.clone());
            new.stats = json!({ text.clone(): text });
            let ch = s.create_character(new).await.expect("create character");
            let got = s.get_character(&ch.id).await.unwrap();
            assert_eq!(got.fields.name, *text);
            assert_eq!(got.fields.notes.as_deref(), Some(text.as_str()));
            assert_eq!(got.fields.class.as_deref(), Some(text.as_str()));
            assert_eq!(got.fields.stats, json!({ text.clone(): text }));

            let mut r = roll(Some(&c.id), Some(&session.id), text, 7);
            r.rendered = text.clone();
            r.purpose = Some(text.clone());
            let recorded = s.record_roll(r).await.expect("record roll");
            assert_eq!(recorded.expression, *text);
            let listed = s
                .list_rolls(DiceRollFilter {
                    campaign_id: Some(c.id.clone()),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(listed, vec![recorded.clone()]);
            assert_eq!(listed[0].rendered, *text);
            assert_eq!(listed[0].purpose.as_deref(), Some(text.as_str()));

            let enc = s
                .create_encounter(&c.id, None, Some(text), json!({ "log": [text] }))
                .await
                .expect("encounter");
            let active = s.active_encounter(&c.id).await.unwrap().expect("active encounter");
            assert_eq!(active.name.as_deref(), Some(text.as_str()));
            assert_eq!(active.state, json!({ "log": [text] }));
            s.end_encounter(&enc.id).await.unwrap();
            created_ids.push(c.id);
        }

        // The tables are all still there and hold everything.
        let listed = s.list_campaigns(true).await.expect("campaigns table still exists");
        assert_eq!(listed.len(), texts.len());
        for id in &created_ids {
            assert_eq!(s.list_sessions(id).await.expect("sessions table still exists").len(), 1);
            assert_eq!(s.list_characters(id, None).await.expect("characters table still exists").len(), 1);
        }
        assert_eq!(count_rolls(&*s).await, texts.len());
        let fresh =
            s.create_campaign(campaign("after the injection attempts")).await.expect("still writable");
        assert_eq!(s.get_campaign(&fresh.id).await.unwrap().name, "after the injection attempts");
    }

    fn short(text: &str) -> String {
        text.chars().take(40).collect()
    }

    // --- sessions ---

    pub async fn session_numbering_and_conflicts(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Sessions")).await.unwrap();
        assert!(s.list_sessions(&c.id).await.unwrap().is_empty());

        let s1 = s.start_session(&c.id, Some("The Siege of Phlan".into())).await.expect("start 1");
        assert_eq!(s1.number, 1);
        assert_eq!(s1.campaign_id, c.id);
        assert_eq!(s1.status, SessionStatus::Active);
        assert_eq!(s1.title.as_deref(), Some("The Siege of Phlan"));
        assert_eq!(s1.ended_at, None);
        assert_eq!(s1.summary, None);
        assert_eq!(s.get_session(&s1.id).await.unwrap(), s1);

        let message = conflict_message(s.start_session(&c.id, None).await);
        assert!(message.contains(&s1.id), "conflict should name the running session {:?}: {message}", s1.id);
        assert!(message.contains("#1"), "conflict should give the running session's number: {message}");

        let e1 = s.end_session(&s1.id, Some("They held the gate.".into())).await.expect("end 1");
        assert_eq!(e1.status, SessionStatus::Ended);
        assert_eq!(e1.summary.as_deref(), Some("They held the gate."));
        let ended_at = e1.ended_at.expect("ended_at set");
        assert!(ended_at >= e1.started_at);
        assert_eq!(e1.started_at, s1.started_at);
        assert_eq!(s.get_session(&s1.id).await.unwrap(), e1);

        let message = conflict_message(s.end_session(&s1.id, Some("again".into())).await);
        assert!(message.contains(&s1.id), "second end should name the session: {message}");
        let still = s.get_session(&s1.id).await.unwrap();
        assert_eq!(still, e1, "a refused end changes nothing");

        let s2 = s.start_session(&c.id, None).await.expect("start 2");
        assert_eq!(s2.number, 2);
        assert_eq!(s2.title, None);
        let e2 = s.end_session(&s2.id, None).await.expect("end 2 without summary");
        assert_eq!(e2.summary, None);
        let s3 = s.start_session(&c.id, Some("Three".into())).await.expect("start 3");
        assert_eq!(s3.number, 3);

        let message = conflict_message(s.start_session(&c.id, Some("Four".into())).await);
        assert!(message.contains(&s3.id), "conflict should name the running session #3: {message}");

        let listed = s.list_sessions(&c.id).await.unwrap();
        assert_eq!(listed.iter().map(|x| x.number).collect::<Vec<_>>(), vec![3, 2, 1], "newest first");
        assert_eq!(listed[0], s3);
        assert_eq!(listed[2], e1);

        // Numbering is per campaign.
        let other = s.create_campaign(campaign("Other")).await.unwrap();
        let o1 = s.start_session(&other.id, None).await.expect("other campaign's session runs alongside");
        assert_eq!(o1.number, 1);
        assert_eq!(s.list_sessions(&other.id).await.unwrap(), vec![o1]);
    }

    pub async fn session_archived_campaign_conflict(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Shelved")).await.unwrap();
        s.archive_campaign(&c.id).await.unwrap();
        let message = conflict_message(s.start_session(&c.id, None).await);
        assert!(message.contains(&c.id), "conflict should name the campaign: {message}");
        assert!(message.contains("archived"), "conflict should say why: {message}");
        assert!(s.list_sessions(&c.id).await.unwrap().is_empty(), "no session was created");
    }

    pub async fn session_notes_in_order_with_tags(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Notes")).await.unwrap();
        let session = s.start_session(&c.id, None).await.unwrap();
        assert!(s.list_session_notes(&session.id, false).await.unwrap().is_empty());

        let n1 = s
            .add_session_note(&session.id, "Met Ser Vallin at the inn", &["npc".to_string()], Visibility::Gm)
            .await
            .unwrap();
        let n2 = s.add_session_note(&session.id, "No tags here", &[], Visibility::Gm).await.unwrap();
        let n3 = s
            .add_session_note(
                &session.id,
                "Found 300 gp and a map",
                &["loot".to_string(), "plot".to_string()],
                Visibility::Gm,
            )
            .await
            .unwrap();
        for note in [&n1, &n2, &n3] {
            assert_eq!(note.session_id, session.id);
            assert_eq!(note.campaign_id, c.id);
        }
        assert_eq!(n1.tags, vec!["npc"]);
        assert!(n2.tags.is_empty());
        assert_eq!(n3.tags, vec!["loot", "plot"], "tag order is kept");

        let listed = s.list_session_notes(&session.id, false).await.unwrap();
        assert_eq!(listed, vec![n1.clone(), n2.clone(), n3.clone()], "oldest first, exactly as written");

        // Notes of another session are not mixed in.
        s.end_session(&session.id, None).await.unwrap();
        let next = s.start_session(&c.id, None).await.unwrap();
        let other = s
            .add_session_note(&next.id, "Next evening", &["recap".to_string()], Visibility::Gm)
            .await
            .unwrap();
        assert_eq!(s.list_session_notes(&next.id, false).await.unwrap(), vec![other]);
        assert_eq!(s.list_session_notes(&session.id, false).await.unwrap().len(), 3);
    }

    pub async fn session_unknown_ids_not_found(ctx: Ctx) {
        let s = ctx.store;
        let campaign_id = "no-such-campaign-for-session";
        assert_not_found(s.start_session(campaign_id, None).await, "campaign", campaign_id);
        let id = "no-such-session-91b2";
        assert_not_found(s.get_session(id).await, "session", id);
        assert_not_found(s.end_session(id, Some("recap".into())).await, "session", id);
        assert_not_found(s.add_session_note(id, "lost note", &[], Visibility::Gm).await, "session", id);
        assert_not_found(s.list_session_notes(id, false).await, "session", id);
    }

    pub async fn session_concurrent_starts_one_wins(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Race")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..10 {
            let s = Arc::clone(&s);
            let id = c.id.clone();
            tasks.push(tokio::spawn(async move { s.start_session(&id, Some(format!("try {i}"))).await }));
        }
        let mut won = Vec::new();
        for task in tasks {
            match task.await.expect("task") {
                Ok(session) => won.push(session),
                Err(StorageError::Conflict(_)) => {}
                Err(other) => panic!("a losing start must be a Conflict, got {other:?}"),
            }
        }
        assert_eq!(won.len(), 1, "exactly one concurrent start succeeds: {won:?}");
        assert_eq!(won[0].number, 1);
        assert_eq!(s.list_sessions(&c.id).await.unwrap(), won);
    }

    // --- characters ---

    pub async fn character_create_defaults_and_round_trip(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Characters")).await.unwrap();
        let full = CharacterFields {
            campaign_id: c.id.clone(),
            name: "Lia Brightwater".into(),
            kind: CharacterKind::Pc,
            player_name: Some("Sam".into()),
            player_id: None,
            level: Some(3),
            class: Some("Cleric".into()),
            ancestry: Some("Halfling".into()),
            max_hp: Some(30),
            current_hp: None,
            armor_class: Some(16),
            init_modifier: -1,
            stats: json!({"str": 10, "wis": 17, "skills": {"medicine": 5}}),
            notes: Some("Carries a lantern".into()),
        };
        let lia = s.create_character(full.clone()).await.expect("create");
        assert_eq!(lia.fields.current_hp, Some(30), "current_hp defaults to max_hp");
        assert_eq!(lia.fields.max_hp, Some(30));
        assert_eq!(lia.fields.campaign_id, c.id);
        assert_eq!(lia.fields.kind, CharacterKind::Pc);
        assert_eq!(lia.fields.player_name.as_deref(), Some("Sam"));
        assert_eq!(
            (lia.fields.level, lia.fields.armor_class, lia.fields.init_modifier),
            (Some(3), Some(16), -1)
        );
        assert_eq!(lia.fields.class.as_deref(), Some("Cleric"));
        assert_eq!(lia.fields.ancestry.as_deref(), Some("Halfling"));
        assert_eq!(lia.fields.stats, full.stats);
        assert_eq!(lia.fields.notes.as_deref(), Some("Carries a lantern"));
        assert_eq!(lia.created_at, lia.updated_at);
        assert_eq!(s.get_character(&lia.id).await.unwrap(), lia, "round trip, timestamps included");

        let hurt = s
            .create_character(CharacterFields { current_hp: Some(5), max_hp: Some(20), ..full.clone() })
            .await
            .unwrap();
        assert_eq!(hurt.fields.current_hp, Some(5), "an explicit current_hp is kept");

        let bare = s.create_character(character(&c.id, "Nameless", CharacterKind::Monster)).await.unwrap();
        assert_eq!((bare.fields.max_hp, bare.fields.current_hp), (None, None));
        assert_eq!(bare.fields.kind, CharacterKind::Monster);
        assert_eq!(bare.fields.stats, json!({}));
        assert_eq!(s.get_character(&bare.id).await.unwrap(), bare);
    }

    pub async fn character_update_merges_stats(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Merge")).await.unwrap();
        let mut new = character(&c.id, "Brak", CharacterKind::Pc);
        new.max_hp = Some(40);
        new.level = Some(5);
        new.class = Some("Fighter".into());
        new.stats = json!({"str": 16, "dex": 12, "skills": {"stealth": 4}});
        let brak = s.create_character(new).await.unwrap();

        let merged = s
            .update_character(
                &brak.id,
                CharacterPatch {
                    stats: Some(json!({"dex": null, "con": 14, "skills": {"perception": 2}})),
                    ..Default::default()
                },
            )
            .await
            .expect("merge stats");
        assert_eq!(
            merged.fields.stats,
            json!({"str": 16, "con": 14, "skills": {"perception": 2}}),
            "keys are merged at the top level; null removes a key"
        );
        assert_eq!(merged.fields.name, "Brak");
        assert_eq!(
            (merged.fields.max_hp, merged.fields.current_hp, merged.fields.level),
            (Some(40), Some(40), Some(5))
        );
        assert_eq!(merged.fields.class.as_deref(), Some("Fighter"));
        assert_eq!(merged.created_at, brak.created_at);
        assert!(merged.updated_at >= brak.updated_at);
        assert_eq!(s.get_character(&brak.id).await.unwrap(), merged, "update is persisted as returned");

        let damaged = s
            .update_character(&brak.id, CharacterPatch { current_hp: Some(12), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(
            (damaged.fields.max_hp, damaged.fields.current_hp),
            (Some(40), Some(12)),
            "only current_hp changes"
        );
        assert_eq!(damaged.fields.stats, merged.fields.stats, "stats untouched without a stats patch");

        let promoted = s
            .update_character(
                &brak.id,
                CharacterPatch {
                    name: Some("Brak the Bold".into()),
                    kind: Some(CharacterKind::Npc),
                    level: Some(6),
                    init_modifier: Some(3),
                    notes: Some("Retired to run a tavern".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(promoted.fields.name, "Brak the Bold");
        assert_eq!(promoted.fields.kind, CharacterKind::Npc);
        assert_eq!((promoted.fields.level, promoted.fields.init_modifier), (Some(6), 3));
        assert_eq!(promoted.fields.current_hp, Some(12));
        assert_eq!(promoted.fields.notes.as_deref(), Some("Retired to run a tavern"));

        let message = invalid_message(
            s.update_character(&brak.id, CharacterPatch { stats: Some(json!([1, 2])), ..Default::default() })
                .await,
        );
        assert!(message.contains("object"), "{message}");
        assert_eq!(s.get_character(&brak.id).await.unwrap(), promoted, "a refused update changes nothing");
    }

    pub async fn character_list_by_kind(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Cast")).await.unwrap();
        let other = s.create_campaign(campaign("Other cast")).await.unwrap();
        let zed = s.create_character(character(&c.id, "Zed", CharacterKind::Pc)).await.unwrap();
        let anna = s.create_character(character(&c.id, "Anna", CharacterKind::Pc)).await.unwrap();
        let bob = s.create_character(character(&c.id, "Bob", CharacterKind::Npc)).await.unwrap();
        let gob = s.create_character(character(&c.id, "Goblin", CharacterKind::Monster)).await.unwrap();
        s.create_character(character(&other.id, "Outsider", CharacterKind::Pc)).await.unwrap();

        let all = s.list_characters(&c.id, None).await.unwrap();
        assert_eq!(
            ids(&all, |x| &x.id),
            ids(&[&anna, &bob, &gob, &zed], |x| &x.id),
            "all of the campaign's characters, by name, none of another campaign's"
        );
        assert_eq!(all[0], anna);
        let pcs = s.list_characters(&c.id, Some(CharacterKind::Pc)).await.unwrap();
        assert_eq!(ids(&pcs, |x| &x.id), vec![anna.id.clone(), zed.id.clone()]);
        let npcs = s.list_characters(&c.id, Some(CharacterKind::Npc)).await.unwrap();
        assert_eq!(npcs, vec![bob]);
        let monsters = s.list_characters(&c.id, Some(CharacterKind::Monster)).await.unwrap();
        assert_eq!(monsters, vec![gob]);
        let empty = s.create_campaign(campaign("Empty")).await.unwrap();
        assert!(s.list_characters(&empty.id, None).await.unwrap().is_empty());
        assert!(s.list_characters(&other.id, Some(CharacterKind::Monster)).await.unwrap().is_empty());
    }

    pub async fn character_unknown_ids_not_found(ctx: Ctx) {
        let s = ctx.store;
        let campaign_id = "no-such-campaign-for-characters";
        assert_not_found(
            s.create_character(character(campaign_id, "Ghost", CharacterKind::Pc)).await,
            "campaign",
            campaign_id,
        );
        assert_not_found(
            s.list_characters(campaign_id, Some(CharacterKind::Pc)).await,
            "campaign",
            campaign_id,
        );
        let id = "no-such-character-5c1d";
        assert_not_found(s.get_character(id).await, "character", id);
        assert_not_found(
            s.update_character(id, CharacterPatch { current_hp: Some(1), ..Default::default() }).await,
            "character",
            id,
        );
    }

    pub async fn character_concurrent_updates_lose_nothing(ctx: Ctx) {
        // Ten requests change the same character at once, each touching its own stats
        // key (and one of them the hit points): a read-merge-write that does not lock
        // the row loses some of them.
        let s = ctx.store;
        let c = s.create_campaign(campaign("Busy sheet")).await.unwrap();
        let mut new = character(&c.id, "Popular", CharacterKind::Pc);
        new.max_hp = Some(50);
        let hero = s.create_character(new).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..10 {
            let s = Arc::clone(&s);
            let id = hero.id.clone();
            tasks.push(tokio::spawn(async move {
                let patch = CharacterPatch {
                    stats: Some(json!({ format!("k{i}"): i })),
                    current_hp: (i == 0).then_some(7),
                    ..Default::default()
                };
                s.update_character(&id, patch).await
            }));
        }
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => {}
                Err(StorageError::Conflict(_)) => {}
                Err(other) => panic!("a concurrent update failed: {other:?}"),
            }
        }
        let after = s.get_character(&hero.id).await.unwrap();
        let keys: Vec<&String> = after.fields.stats.as_object().expect("stats object").keys().collect();
        assert_eq!(keys.len(), 10, "every concurrent stats change is kept, got {keys:?}");
        assert_eq!(after.fields.current_hp, Some(7), "the concurrent hit point change is kept");
    }

    // --- initiative ---

    pub async fn initiative_lifecycle_and_optimistic_locking(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Combat")).await.unwrap();
        assert_eq!(s.active_encounter(&c.id).await.unwrap(), None);

        let state0 = json!({"round": 0, "combatants": [{"name": "Goblin", "init": 14}]});
        let enc = s
            .create_encounter(&c.id, None, Some("Ambush at the ford"), state0.clone())
            .await
            .expect("create");
        assert!(enc.active);
        assert_eq!(enc.version, 1);
        assert_eq!(enc.round, 0);
        assert_eq!(enc.state, state0);
        assert_eq!(enc.campaign_id, c.id);
        assert_eq!(enc.session_id, None);
        assert_eq!(enc.name.as_deref(), Some("Ambush at the ford"));
        assert_eq!(
            s.active_encounter(&c.id).await.unwrap(),
            Some(enc.clone()),
            "active_encounter returns it"
        );

        let message = conflict_message(s.create_encounter(&c.id, None, Some("Second"), json!({})).await);
        assert!(message.contains(&c.id), "{message}");
        assert_eq!(
            s.active_encounter(&c.id).await.unwrap(),
            Some(enc.clone()),
            "the refused create changed nothing"
        );

        let state1 = json!({"round": 1, "combatants": [{"name": "Goblin", "init": 14, "hp": 3}]});
        let saved =
            s.save_encounter(&enc.id, 1, 1, state1.clone()).await.expect("save with the read version");
        assert_eq!(saved.version, 2);
        assert_eq!(saved.round, 1);
        assert_eq!(saved.state, state1);
        assert_eq!(saved.created_at, enc.created_at);
        assert!(saved.updated_at >= enc.updated_at);
        assert_eq!(s.active_encounter(&c.id).await.unwrap(), Some(saved.clone()));

        match s.save_encounter(&enc.id, 1, 5, json!({"stale": true})).await {
            Err(StorageError::Stale { kind: "combat", id, expected: 1, found: 2 }) => assert_eq!(id, enc.id),
            other => panic!("a save naming an old version must be Stale, got {other:?}"),
        }
        assert_eq!(
            s.active_encounter(&c.id).await.unwrap(),
            Some(saved.clone()),
            "a stale save changes nothing"
        );
        let stale = s.save_encounter(&enc.id, 99, 5, json!({"future": true})).await.unwrap_err();
        assert!(matches!(stale, StorageError::Stale { expected: 99, found: 2, .. }), "{stale:?}");
        assert!(stale.to_string().contains("changed by another request"), "{stale}");

        let saved3 = s.save_encounter(&enc.id, 2, 2, json!({"round": 2})).await.expect("second save");
        assert_eq!(saved3.version, 3);

        let ended = s.end_encounter(&enc.id).await.expect("end");
        assert!(!ended.active);
        assert_eq!(ended.state, json!({"round": 2}), "the final state is kept");
        assert_eq!(ended.round, 2);
        assert!(ended.version > saved3.version, "ending bumps the version");
        assert_eq!(s.active_encounter(&c.id).await.unwrap(), None, "no active encounter after end");

        let message =
            conflict_message(s.save_encounter(&enc.id, ended.version, 3, json!({"round": 3})).await);
        assert!(message.contains("ended"), "{message}");
        let message = conflict_message(s.end_encounter(&enc.id).await);
        assert!(message.contains("ended"), "{message}");

        // A new combat can start once the old one ended, tied to a session this time.
        let session = s.start_session(&c.id, None).await.unwrap();
        let next = s.create_encounter(&c.id, Some(&session.id), None, json!({})).await.expect("new combat");
        assert_ne!(next.id, enc.id);
        assert_eq!(next.session_id.as_deref(), Some(session.id.as_str()));
        assert_eq!(next.name, None);
        assert_eq!(next.version, 1);
        assert_eq!(s.active_encounter(&c.id).await.unwrap(), Some(next));
    }

    pub async fn initiative_concurrent_saves_exactly_one_wins(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Concurrent combat")).await.unwrap();
        let enc = s.create_encounter(&c.id, None, None, json!({"round": 0})).await.unwrap();
        let read = s.active_encounter(&c.id).await.unwrap().expect("active");
        let mut tasks = Vec::new();
        for writer in 0..10_i64 {
            let s = Arc::clone(&s);
            let id = enc.id.clone();
            let version = read.version;
            tasks.push(tokio::spawn(async move {
                (writer, s.save_encounter(&id, version, writer, json!({"writer": writer})).await)
            }));
        }
        let version_read = read.version;
        let mut winners = Vec::new();
        for task in tasks {
            let (writer, result) = task.await.expect("task");
            match result {
                Ok(saved) => winners.push((writer, saved)),
                Err(StorageError::Stale { expected, .. }) => assert_eq!(expected, version_read),
                Err(other) => panic!("a losing save must be Stale, got {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one concurrent save succeeds, got {}", winners.len());
        let (writer, saved) = &winners[0];
        assert_eq!(saved.version, read.version + 1);
        let now = s.active_encounter(&c.id).await.unwrap().expect("still active");
        assert_eq!(now.version, read.version + 1);
        assert_eq!(now.state, json!({"writer": writer}), "the winner's state is stored");
        assert_eq!(now.round, *writer);
    }

    pub async fn initiative_concurrent_creates_exactly_one_wins(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Concurrent creates")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..10 {
            let s = Arc::clone(&s);
            let id = c.id.clone();
            tasks.push(tokio::spawn(
                async move { s.create_encounter(&id, None, None, json!({"by": i})).await },
            ));
        }
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.expect("task") {
                Ok(enc) => winners.push(enc),
                Err(StorageError::Conflict(_)) => {}
                Err(other) => panic!("a losing create must be a Conflict, got {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one concurrent create succeeds");
        assert_eq!(s.active_encounter(&c.id).await.unwrap(), Some(winners.remove(0)));
    }

    pub async fn initiative_validation(ctx: Ctx) {
        let s = ctx.store;
        let missing = "no-such-campaign-for-combat";
        assert_not_found(s.create_encounter(missing, None, None, json!({})).await, "campaign", missing);
        let a = s.create_campaign(campaign("A")).await.unwrap();
        let b = s.create_campaign(campaign("B")).await.unwrap();
        let session_b = s.start_session(&b.id, None).await.unwrap();
        let message = invalid_message(s.create_encounter(&a.id, Some(&session_b.id), None, json!({})).await);
        assert!(message.contains(&session_b.id), "{message}");
        assert_eq!(s.active_encounter(&a.id).await.unwrap(), None, "nothing was created");
        let missing_session = "no-such-session-for-combat";
        assert_not_found(
            s.create_encounter(&a.id, Some(missing_session), None, json!({})).await,
            "session",
            missing_session,
        );
        let id = "no-such-combat-3e4f";
        assert!(
            matches!(s.save_encounter(id, 1, 1, json!({})).await, Err(StorageError::NotFound { .. })),
            "saving an unknown combat is NotFound"
        );
        assert!(matches!(s.end_encounter(id).await, Err(StorageError::NotFound { .. })));
        let err = s.end_encounter(id).await.unwrap_err();
        assert!(err.to_string().contains(id), "{err}");
    }

    // --- dice ---

    pub async fn dice_record_and_filter(ctx: Ctx) {
        let s = ctx.store;
        let c1 = s.create_campaign(campaign("Dice 1")).await.unwrap();
        let c2 = s.create_campaign(campaign("Dice 2")).await.unwrap();
        let s1 = s.start_session(&c1.id, None).await.unwrap();

        let mut first = roll(Some(&c1.id), Some(&s1.id), "1d20+5", 17);
        first.purpose = Some("Stealth check".into());
        first.seed = u64::MAX;
        first.crit = "success".into();
        first.breakdown = json!({"dice": [{"sides": 20, "value": 12}], "modifier": 5});
        let r1 = s.record_roll(first.clone()).await.expect("roll with campaign and session");
        assert_eq!(r1.campaign_id.as_deref(), Some(c1.id.as_str()));
        assert_eq!(r1.session_id.as_deref(), Some(s1.id.as_str()));
        assert_eq!((r1.expression.as_str(), r1.total, r1.rendered.as_str()), ("1d20+5", 17, "1d20+5 = 17"));
        assert_eq!(r1.purpose.as_deref(), Some("Stealth check"));
        assert_eq!(r1.seed, u64::MAX.to_string(), "the u64 seed survives as a decimal string");
        assert_eq!(r1.crit, "success");
        assert_eq!(r1.breakdown, first.breakdown);

        let r2 = s.record_roll(roll(Some(&c1.id), None, "2d6", 7)).await.expect("roll with campaign only");
        assert_eq!(r2.session_id, None);
        let r3 = s.record_roll(roll(None, None, "1d4", 3)).await.expect("roll with neither");
        assert_eq!((r3.campaign_id.as_deref(), r3.session_id.as_deref()), (None, None));
        let r4 = s.record_roll(roll(Some(&c2.id), None, "1d8", 5)).await.unwrap();
        let r5 = s.record_roll(roll(Some(&c1.id), Some(&s1.id), "1d100", 42)).await.unwrap();

        let all = s.list_rolls(DiceRollFilter { limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(
            all,
            vec![r5.clone(), r4.clone(), r3.clone(), r2.clone(), r1.clone()],
            "newest first, exactly as recorded"
        );

        let by_campaign = s
            .list_rolls(DiceRollFilter { campaign_id: Some(c1.id.clone()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(ids(&by_campaign, |x| &x.id), ids(&[&r5, &r2, &r1], |x| &x.id));
        let by_session = s
            .list_rolls(DiceRollFilter { session_id: Some(s1.id.clone()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(ids(&by_session, |x| &x.id), ids(&[&r5, &r1], |x| &x.id));
        let by_both = s
            .list_rolls(DiceRollFilter {
                campaign_id: Some(c1.id.clone()),
                session_id: Some(s1.id.clone()),
                limit: 1,
            })
            .await
            .unwrap();
        assert_eq!(by_both, vec![r5.clone()], "both filters and the limit apply");
        let by_other = s
            .list_rolls(DiceRollFilter { campaign_id: Some(c2.id.clone()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(by_other, vec![r4.clone()]);

        let limited = s.list_rolls(DiceRollFilter { limit: 2, ..Default::default() }).await.unwrap();
        assert_eq!(limited, vec![r5.clone(), r4.clone()], "limit keeps the newest");
        let limited = s
            .list_rolls(DiceRollFilter { campaign_id: Some(c1.id.clone()), limit: 2, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(limited, vec![r5, r2]);
        let none = s
            .list_rolls(DiceRollFilter {
                campaign_id: Some("no-such-campaign".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(none.is_empty());
    }

    pub async fn dice_rejects_bad_references(ctx: Ctx) {
        let s = ctx.store;
        let c1 = s.create_campaign(campaign("Dice A")).await.unwrap();
        let c2 = s.create_campaign(campaign("Dice B")).await.unwrap();
        let s2 = s.start_session(&c2.id, None).await.unwrap();
        s.record_roll(roll(Some(&c2.id), Some(&s2.id), "1d6", 4)).await.unwrap();
        assert_eq!(count_rolls(&*s).await, 1);

        let message = invalid_message(s.record_roll(roll(Some(&c1.id), Some(&s2.id), "1d6", 4)).await);
        assert!(message.contains(&s2.id), "{message}");
        assert_eq!(count_rolls(&*s).await, 1, "a refused roll is not recorded");

        let missing = "no-such-campaign-for-dice";
        assert_not_found(s.record_roll(roll(Some(missing), None, "1d6", 4)).await, "campaign", missing);
        assert_not_found(
            s.record_roll(roll(Some(missing), Some(&s2.id), "1d6", 4)).await,
            "campaign",
            missing,
        );
        assert_eq!(count_rolls(&*s).await, 1, "nothing recorded for an unknown campaign");

        let missing_session = "no-such-session-for-dice";
        assert_not_found(
            s.record_roll(roll(None, Some(missing_session), "1d6", 4)).await,
            "session",
            missing_session,
        );
        assert_not_found(
            s.record_roll(roll(Some(&c1.id), Some(missing_session), "1d6", 4)).await,
            "session",
            missing_session,
        );
        assert_eq!(count_rolls(&*s).await, 1, "nothing recorded for an unknown session");
    }

    // --- migrations ---

    pub async fn migrations_all_applied_after_open(ctx: Ctx) {
        let s = ctx.store;
        let status = s.migration_status().await.expect("status");
        assert_eq!(status.engine, s.engine().name());
        assert!(!status.migrations.is_empty(), "the host knows at least one migration");
        assert!(status.migrations.iter().all(|m| m.applied), "all applied after open: {status:?}");
        assert_eq!(status.pending(), 0);
        assert!(status.unknown_applied.is_empty(), "{status:?}");
        let versions: Vec<i64> = status.migrations.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        assert_eq!(versions, sorted, "oldest first");
        assert_eq!(s.migrate_up().await.expect("migrate_up again"), 0, "nothing left to apply");
    }

    pub async fn migrations_down_and_up_again(ctx: Ctx) {
        let s = ctx.store;
        let total = s.migration_status().await.unwrap().migrations.len();
        s.create_campaign(campaign("Before the downgrade")).await.unwrap();

        // One step: only the newest migration is reverted, then re-applied.
        assert_eq!(s.migrate_down(1).await.expect("migrate_down(1)"), 1);
        let status = s.migration_status().await.unwrap();
        assert_eq!(status.pending(), 1, "{status:?}");
        assert!(
            !status.migrations.last().expect("a migration").applied,
            "the newest one was reverted: {status:?}"
        );
        assert!(
            status.migrations[..total - 1].iter().all(|m| m.applied),
            "the older ones stay applied: {status:?}"
        );
        assert_eq!(s.migrate_up().await.expect("migrate_up"), 1);
        assert_eq!(s.migration_status().await.unwrap().pending(), 0);

        // Every step: the core tables are gone, so the store refuses to work.
        assert_eq!(s.migrate_down(total).await.expect("migrate_down(all)"), total);
        let status = s.migration_status().await.unwrap();
        assert_eq!(status.pending(), total, "{status:?}");
        match s.create_campaign(campaign("No table")).await {
            Err(StorageError::Database(_)) => {}
            other => panic!("creating a campaign without tables must fail with a database error: {other:?}"),
        }
        assert!(s.list_campaigns(true).await.is_err(), "the campaigns table is gone");
        assert_eq!(s.migrate_down(1).await.unwrap(), 0, "nothing left to revert");

        // And back up: everything works again, on empty tables.
        assert_eq!(s.migrate_up().await.expect("migrate_up"), total);
        let status = s.migration_status().await.unwrap();
        assert_eq!(status.pending(), 0, "{status:?}");
        assert_eq!(s.migrate_up().await.unwrap(), 0, "nothing left to apply");
        let after = s.create_campaign(campaign("After the upgrade")).await.expect("works again");
        let listed = s.list_campaigns(true).await.unwrap();
        assert_eq!(ids(&listed, |c| &c.id), vec![after.id.clone()], "the downgrade dropped the old data");
        let session = s.start_session(&after.id, None).await.expect("sessions work again");
        s.add_session_note(&session.id, "still fine", &[], Visibility::Gm).await.expect("notes work again");
        s.record_roll(roll(Some(&after.id), Some(&session.id), "1d20", 11)).await.expect("dice work again");
        s.create_encounter(&after.id, None, None, json!({})).await.expect("initiative works again");
        s.create_character(character(&after.id, "Back", CharacterKind::Pc))
            .await
            .expect("characters work again");

        // Reverting more steps than are applied reverts what there is.
        assert_eq!(s.migrate_down(total + 5).await.unwrap(), total);
        assert_eq!(s.migration_status().await.unwrap().pending(), total);
        assert_eq!(s.migrate_up().await.unwrap(), total);
    }

    pub async fn migrations_skip_on_open_leaves_schema_alone(ctx: Ctx) {
        let total = ctx.store.migration_status().await.unwrap().migrations.len();
        assert_eq!(ctx.store.migrate_down(total).await.unwrap(), total);
        drop(ctx.store);

        let skipped = storage::open(&ctx.url, MigrateOnOpen::Skip).await.expect("open without migrating");
        assert_eq!(skipped.migration_status().await.unwrap().pending(), total, "Skip applies nothing");
        drop(skipped);

        let applied = storage::open(&ctx.url, MigrateOnOpen::Apply).await.expect("open and migrate");
        assert_eq!(
            applied.migration_status().await.unwrap().pending(),
            0,
            "Apply brings the schema up to date"
        );
        applied.create_campaign(campaign("Migrated on open")).await.expect("usable");
    }

    // --- backups ---

    pub async fn snapshot_is_a_whole_copy_or_refused(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Kept")).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.db");
        match s.engine() {
            Engine::Sqlite => {
                s.snapshot_into(&copy).await.unwrap();
                let read = storage::open(&format!("sqlite://{}", copy.display()), MigrateOnOpen::Skip)
                    .await
                    .unwrap();
                assert_eq!(read.get_campaign(&c.id).await.unwrap().name, "Kept");
                let again = s.snapshot_into(&copy).await.unwrap_err();
                assert!(matches!(again, StorageError::Invalid(_)), "a snapshot never overwrites: {again:?}");
            }
            Engine::Postgres => {
                let err = s.snapshot_into(&copy).await.unwrap_err();
                assert!(
                    matches!(err, StorageError::Unsupported(_)) && err.to_string().contains("pg_dump"),
                    "{err:?}"
                );
                assert!(!copy.exists());
            }
        }
        assert_eq!(s.forget_index().await.unwrap(), 0, "no chunks, nothing to index again");
    }

    // --- durability ---

    pub async fn data_survives_reopen(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Persistent")).await.unwrap();
        let session = s.start_session(&c.id, Some("Night one".into())).await.unwrap();
        let note = s
            .add_session_note(&session.id, "Remember the password: mellon", &["plot".into()], Visibility::Gm)
            .await
            .unwrap();
        let mut new = character(&c.id, "Durin", CharacterKind::Pc);
        new.max_hp = Some(22);
        new.stats = json!({"con": 16});
        let durin = s.create_character(new).await.unwrap();
        let enc =
            s.create_encounter(&c.id, Some(&session.id), Some("Bridge"), json!({"round": 0})).await.unwrap();
        let enc = s.save_encounter(&enc.id, enc.version, 1, json!({"round": 1})).await.unwrap();
        let r = s.record_roll(roll(Some(&c.id), Some(&session.id), "1d20", 20)).await.unwrap();
        drop(s);

        // "Restart": a new store on the same database.
        let s = storage::open(&ctx.url, MigrateOnOpen::Apply).await.expect("reopen");
        assert_eq!(s.migrate_up().await.unwrap(), 0, "nothing to migrate on reopen");
        assert_eq!(s.get_campaign(&c.id).await.expect("campaign survives"), c);
        assert_eq!(s.get_session(&session.id).await.expect("session survives"), session);
        assert_eq!(s.list_session_notes(&session.id, false).await.unwrap(), vec![note]);
        assert_eq!(s.get_character(&durin.id).await.unwrap(), durin);
        assert_eq!(
            s.active_encounter(&c.id).await.unwrap(),
            Some(enc.clone()),
            "the running combat survives"
        );
        let rolls = s
            .list_rolls(DiceRollFilter { campaign_id: Some(c.id.clone()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(rolls, vec![r]);
        // And the restarted store keeps enforcing the rules on the old data.
        conflict_message(s.start_session(&c.id, None).await);
        let stale = s.save_encounter(&enc.id, enc.version - 1, 2, json!({})).await;
        assert!(matches!(stale, Err(StorageError::Stale { .. })), "{stale:?}");
        s.save_encounter(&enc.id, enc.version, 2, json!({"round": 2}))
            .await
            .expect("save with the stored version");
    }

    /// A row whose status or kind this host does not know (written by a newer host that
    /// widened the column's CHECK) is refused with a typed error, never read as a default.
    pub async fn unknown_stored_values_are_refused(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("From the future")).await.unwrap();
        let pc = s.create_character(character(&c.id, "Visitor", CharacterKind::Pc)).await.unwrap();
        raw_sql_without_checks(
            &ctx.url,
            &[
                (
                    "campaigns_status_check",
                    &format!("UPDATE campaigns SET status = 'paused' WHERE id = '{}'", c.id),
                ),
                (
                    "characters_kind_check",
                    &format!("UPDATE characters SET kind = 'familiar' WHERE id = '{}'", pc.id),
                ),
            ],
        )
        .await;
        // Raw SQL goes around the store and so around its cache: read with a fresh store.
        let s = storage::open(&ctx.url, MigrateOnOpen::Skip).await.unwrap();
        match s.get_campaign(&c.id).await {
            Err(StorageError::UnknownValue { table: "campaigns", id, column: "status", value }) => {
                assert_eq!((id.as_str(), value.as_str()), (c.id.as_str(), "paused"));
            }
            other => panic!("an unknown campaign status must be refused, got {other:?}"),
        }
        let err = s.get_character(&pc.id).await.unwrap_err();
        assert!(
            matches!(&err, StorageError::UnknownValue { column: "kind", value, .. } if value == "familiar"),
            "{err:?}"
        );
        assert!(err.to_string().contains("newer version"), "the message says why: {err}");
    }

    // --- plugin key-value spaces ---

    pub async fn plugin_kv_quota_refuses_a_write_past_it(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Quota")).await.unwrap();
        let other = s.create_campaign(campaign("Elsewhere")).await.unwrap();
        // Each entry costs its key, its value and 10 bytes; the quota is 100.
        let (quota, overhead) = (100, 10);
        s.kv_set("p", &c.id, "a", vec![0; 39], quota, overhead).await.unwrap(); // 50
        s.kv_set("p", &c.id, "b", vec![0; 39], quota, overhead).await.unwrap(); // 100
        assert_eq!(s.kv_usage("p", &c.id, overhead).await.unwrap(), 100);
        let err = s.kv_set("p", &c.id, "c", Vec::new(), quota, overhead).await.unwrap_err();
        assert!(matches!(err, StorageError::QuotaExceeded { quota: 100, would_hold: 111, .. }), "{err:?}");
        assert!(err.to_string().contains("quota of 100 bytes"), "{err}");
        assert_eq!(s.kv_get("p", &c.id, "c").await.unwrap(), None, "nothing was written");
        // Replacing an entry counts it once: the same size fits, a larger one does not.
        s.kv_set("p", &c.id, "a", vec![1; 39], quota, overhead).await.unwrap();
        assert!(matches!(
            s.kv_set("p", &c.id, "a", vec![1; 40], quota, overhead).await,
            Err(StorageError::QuotaExceeded { .. })
        ));
        assert_eq!(s.kv_get("p", &c.id, "a").await.unwrap(), Some(vec![1; 39]), "the old value stays");
        // Keys count in bytes, not characters.
        assert!(matches!(
            s.kv_set("p", &other.id, &"é".repeat(46), Vec::new(), quota, overhead).await,
            Err(StorageError::QuotaExceeded { would_hold: 102, .. })
        ));
        // Deleting frees room; other plugins and campaigns have their own spaces.
        assert!(s.kv_delete("p", &c.id, "b").await.unwrap());
        s.kv_set("p", &c.id, "c", vec![0; 39], quota, overhead).await.unwrap();
        s.kv_set("q", &c.id, "a", vec![0; 89], quota, overhead).await.unwrap();
        s.kv_set("p", &other.id, "a", vec![0; 89], quota, overhead).await.unwrap();
        assert_eq!(s.kv_usage("q", &c.id, overhead).await.unwrap(), 100);
    }

    pub async fn plugin_kv_concurrent_writes_never_overshoot_the_quota(ctx: Ctx) {
        let s = ctx.store;
        let c = s.create_campaign(campaign("Race for space")).await.unwrap();
        // Twenty writers of 1 KiB each race for a space with room for five.
        let (quota, overhead) = (5 * (9 + 1024), 0);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let s = Arc::clone(&s);
            let id = c.id.clone();
            tasks.push(tokio::spawn(async move {
                s.kv_set("p", &id, &format!("key-{i:05}"), vec![0; 1024], quota, overhead).await
            }));
        }
        let mut written = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(()) => written += 1,
                Err(StorageError::QuotaExceeded { .. }) => {}
                Err(other) => panic!("a refused write must be QuotaExceeded, got {other:?}"),
            }
        }
        assert_eq!(written, 5, "exactly as many writes as fit succeed");
        assert_eq!(s.kv_usage("p", &c.id, overhead).await.unwrap(), quota);
        assert_eq!(s.kv_list("p", &c.id, "", 100).await.unwrap().len(), 5);
    }

    // --- campaign export and import ---

    pub async fn campaign_rows_read_whole_and_written_anew_under_new_ids(ctx: Ctx) {
        use ttrpg_host::storage::{
            CampaignPluginRecord, ImageKind, ImagePatch, InstalledPluginRecord, MapGrid, MapPin,
            NewCampaignNote,
        };
        let s = ctx.store;
        let c = s.create_campaign(campaign("Whole")).await.unwrap();
        let session = s.start_session(&c.id, Some("One".into())).await.unwrap();
        s.add_session_note(&session.id, "Met the duke.", &["court".into()], Visibility::Players)
            .await
            .unwrap();
        let note = s
            .add_campaign_note(NewCampaignNote {
                campaign_id: c.id.clone(),
                kind: "location".into(),
                title: "Keep".into(),
                body: "Walls of basalt.".into(),
                tags: vec!["act-1".into()],
                visibility: Visibility::Gm,
            })
            .await
            .unwrap();
        let hero = s.create_character(character(&c.id, "Aria", CharacterKind::Pc)).await.unwrap();
        let state =
            json!({"round": 1, "combatants": [{"id": "c1", "name": "Aria", "character_id": hero.id}]});
        s.create_encounter(&c.id, Some(&session.id), Some("Gate"), state).await.unwrap();
        s.record_roll(NewDiceRoll {
            campaign_id: Some(c.id.clone()),
            session_id: Some(session.id.clone()),
            expression: "1d20".into(),
            total: 12,
            rendered: "1d20 (12) = 12".into(),
            breakdown: json!({"dice": [12]}),
            purpose: Some("attack".into()),
            seed: 99,
            crit: "none".into(),
        })
        .await
        .unwrap();
        s.record_plugin(InstalledPluginRecord {
            id: "echo".into(),
            version: "1.0.0".into(),
            sha256: "e".repeat(64),
            api_version: "0.2.0".into(),
            system: "echo-system".into(),
            manifest: json!({}),
            installed_at: Utc::now(),
        })
        .await
        .unwrap();
        s.enable_plugin(CampaignPluginRecord {
            campaign_id: c.id.clone(),
            plugin_id: "echo".into(),
            version_req: "^1".into(),
            version: "1.0.0".into(),
            grants: vec!["kv".into()],
            enabled_at: Utc::now(),
        })
        .await
        .unwrap();
        s.kv_set("echo", &c.id, "door", b"open".to_vec(), 1 << 20, 64).await.unwrap();
        let hash = "d".repeat(64);
        s.put_image_file(image_file(&hash, 900)).await.unwrap();
        let map = s.add_image(new_image(&c.id, &hash, "Gate map", ImageKind::Map), None).await.unwrap().image;
        let patch = ImagePatch {
            grid: Some(Some(MapGrid { cell_px: 50.0, cell_feet: 5.0, offset_x: 0.0, offset_y: 0.0 })),
            pins: Some(vec![MapPin {
                x: 10.0,
                y: 20.0,
                label: "Gate".into(),
                note_id: Some(note.id.clone()),
            }]),
            ..Default::default()
        };
        s.update_image(&map.id, patch).await.unwrap();

        let rows = s.campaign_rows(&c.id).await.unwrap();
        let counts: Vec<usize> = rows.counts().into_values().collect();
        assert!(counts.iter().all(|n| *n == 1), "one of each kind: {:?}", rows.counts());
        let (copy, _) = ttrpg_host::portable::renumber(rows.clone(), None);
        s.insert_campaign_rows(&copy).await.unwrap();
        let read = s.campaign_rows(&copy.campaign.id).await.unwrap();
        assert_eq!(read, copy, "what was written is what reads back, field for field");
        assert_ne!(read.characters[0].id, hero.id);
        assert_eq!(read.combats[0].state["combatants"][0]["character_id"], json!(read.characters[0].id));
        assert_eq!(read.images[0].pins[0].note_id.as_deref(), Some(read.notes[0].id.as_str()));
        assert_eq!(read.rolls[0].session_id.as_deref(), Some(read.sessions[0].id.as_str()));
        assert_eq!(s.kv_get("echo", &copy.campaign.id, "door").await.unwrap().as_deref(), Some(&b"open"[..]));
        // The source is as it was, and a second insert of the same rows changes nothing.
        assert_eq!(s.campaign_rows(&c.id).await.unwrap(), rows);
        assert!(s.insert_campaign_rows(&copy).await.is_err());
        assert_eq!(s.campaign_rows(&copy.campaign.id).await.unwrap(), read);
        assert!(matches!(s.campaign_rows("no-such-campaign").await, Err(StorageError::NotFound { .. })));
    }

    // --- images ---

    fn image_file(hash: &str, bytes: u64) -> ttrpg_host::storage::ImageFile {
        use ttrpg_host::storage::{ImageFile, ImageSize};
        let size = |name: &str, mime: &str, side: u32, bytes: u64| ImageSize {
            size: name.into(),
            mime: mime.into(),
            width: side,
            height: side / 2,
            bytes,
            sha256: hash.into(),
        };
        ImageFile {
            hash: hash.into(),
            mime: "image/png".into(),
            width: 4000,
            height: 2000,
            bytes,
            sizes: vec![
                size("original", "image/png", 4000, bytes.saturating_sub(30)),
                size("thumbnail", "image/jpeg", 256, 30),
            ],
            created_at: Utc::now(),
        }
    }

    fn new_image(
        campaign_id: &str,
        hash: &str,
        title: &str,
        kind: ttrpg_host::storage::ImageKind,
    ) -> ttrpg_host::storage::NewImage {
        ttrpg_host::storage::NewImage {
            campaign_id: campaign_id.into(),
            hash: hash.into(),
            title: title.into(),
            kind,
            tags: vec!["act-1".into()],
            visibility: Visibility::Gm,
        }
    }

    pub async fn images_share_files_filter_patch_and_count_against_the_quota(ctx: Ctx) {
        use ttrpg_host::storage::{ImageFilter, ImageKind, ImagePatch, MapGrid, MapPin};
        let s = ctx.store;
        let c = s.create_campaign(campaign("Maps")).await.unwrap();
        let other = s.create_campaign(campaign("Other maps")).await.unwrap();
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let stored = s.put_image_file(image_file(&a, 1000)).await.unwrap();
        assert_eq!(stored.sizes.len(), 2);
        assert_eq!(stored.width, 4000);
        // A second put of the same hash leaves the first as it was.
        let again = s.put_image_file(image_file(&a, 5)).await.unwrap();
        assert_eq!(again.bytes, 1000);
        s.put_image_file(image_file(&b, 400)).await.unwrap();

        let map = s.add_image(new_image(&c.id, &a, "Lair", ImageKind::Map), Some(10_000)).await.unwrap();
        assert!(map.created);
        assert_eq!((map.image.width, map.image.bytes, map.image.mime.as_str()), (4000, 1000, "image/png"));
        let same = s.add_image(new_image(&c.id, &a, "Copy", ImageKind::Handout), Some(10_000)).await.unwrap();
        assert!(!same.created, "the same file twice in a campaign is one image");
        assert_eq!((same.image.id.as_str(), same.image.title.as_str()), (map.image.id.as_str(), "Lair"));
        let mut letter = new_image(&c.id, &b, "Letter", ImageKind::Handout);
        letter.visibility = Visibility::Players;
        letter.tags = vec!["clue".into()];
        let letter = s.add_image(letter, Some(10_000)).await.unwrap().image;
        s.add_image(new_image(&other.id, &a, "Shared", ImageKind::Map), None).await.unwrap();
        assert_eq!(s.campaign_image_bytes(&c.id).await.unwrap(), 1400);
        // Past the quota: refused, and nothing added.
        let third = "c".repeat(64);
        s.put_image_file(image_file(&third, 700)).await.unwrap();
        let err =
            s.add_image(new_image(&c.id, &third, "Too much", ImageKind::Map), Some(2000)).await.unwrap_err();
        assert!(matches!(err, StorageError::QuotaExceeded { quota: 2000, would_hold: 2100, .. }), "{err:?}");
        assert!(s.remove_image_file_if_unused(&third).await.unwrap(), "an unused file can go");
        assert!(!s.remove_image_file_if_unused(&a).await.unwrap(), "a used one stays");

        let all = s.images(&c.id, &ImageFilter::default()).await.unwrap();
        assert_eq!(ids(&all, |i| &i.title), vec!["Lair", "Letter"]);
        let maps =
            s.images(&c.id, &ImageFilter { kind: Some(ImageKind::Map), ..Default::default() }).await.unwrap();
        assert_eq!(ids(&maps, |i| &i.title), vec!["Lair"]);
        let clues =
            s.images(&c.id, &ImageFilter { tag: Some("clue".into()), ..Default::default() }).await.unwrap();
        assert_eq!(ids(&clues, |i| &i.title), vec!["Letter"]);
        let shared =
            s.images(&c.id, &ImageFilter { players_only: true, ..Default::default() }).await.unwrap();
        assert_eq!(ids(&shared, |i| &i.title), vec!["Letter"]);
        assert_eq!(s.images_of_file(&a).await.unwrap().len(), 2);

        let grid = MapGrid { cell_px: 70.0, cell_feet: 5.0, offset_x: 3.0, offset_y: 0.0 };
        let pins = vec![MapPin { x: 10.0, y: 20.0, label: "Door".into(), note_id: None }];
        let patched = s
            .update_image(
                &map.image.id,
                ImagePatch {
                    grid: Some(Some(grid.clone())),
                    pins: Some(pins.clone()),
                    title: Some("Lair (lit)".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (patched.grid.as_ref(), patched.pins.as_slice(), patched.title.as_str()),
            (Some(&grid), pins.as_slice(), "Lair (lit)")
        );
        assert_eq!(patched.tags, vec!["act-1".to_string()], "fields not given are kept");
        let cleared = s
            .update_image(&map.image.id, ImagePatch { grid: Some(None), ..Default::default() })
            .await
            .unwrap();
        assert_eq!((cleared.grid, cleared.pins.len()), (None, 1));
        assert_not_found(s.update_image("nope", ImagePatch::default()).await, "image", "nope");

        // Removing: the file goes with the last image that uses it.
        assert_eq!(s.remove_image(&map.image.id).await.unwrap(), None, "the other campaign still uses it");
        assert_eq!(s.remove_image(&letter.id).await.unwrap(), Some(b.clone()));
        assert!(s.image_file(&b).await.unwrap().is_none());
        assert_not_found(s.get_image(&letter.id).await, "image", &letter.id);
        let files = s.image_files().await.unwrap();
        assert_eq!(ids(&files, |f| &f.hash), vec![a.clone()]);
    }

    pub async fn images_concurrent_adds_never_overshoot_the_quota(ctx: Ctx) {
        use ttrpg_host::storage::ImageKind;
        let s = ctx.store;
        let c = s.create_campaign(campaign("Race for pixels")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..12u32 {
            let hash = format!("{i:064x}");
            s.put_image_file(image_file(&hash, 100)).await.unwrap();
            let s = Arc::clone(&s);
            let id = c.id.clone();
            tasks.push(tokio::spawn(async move {
                s.add_image(new_image(&id, &hash, "Map", ImageKind::Map), Some(450)).await
            }));
        }
        let mut added = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => added += 1,
                Err(StorageError::QuotaExceeded { .. }) => {}
                Err(other) => panic!("a refused add must be QuotaExceeded, got {other:?}"),
            }
        }
        assert_eq!(added, 4, "exactly as many images as fit are added");
        assert_eq!(s.campaign_image_bytes(&c.id).await.unwrap(), 400);
    }

    // --- the rulebook library ---

    pub async fn library_document_lifecycle_and_resume(ctx: Ctx) {
        use ttrpg_host::storage::{ChunkRecord, DocumentStatus, NewCampaignNote, NewDocument, PageRecord};
        let s = ctx.store;
        let new = NewDocument {
            content_hash: "ab".repeat(32),
            book: "SRD 5.1".into(),
            system: None,
            campaign_id: None,
            file_name: "srd.pdf".into(),
            page_count: 2,
            chunker: "built-in".into(),
            visibility: Visibility::Players,
        };
        let doc = s.create_document(new.clone()).await.expect("create document");
        assert_eq!(doc.status, DocumentStatus::Ingesting);
        let err = s.create_document(new).await.expect_err("same content twice");
        assert!(err.to_string().contains("already"), "{err}");
        assert_eq!(s.find_document_by_hash(&"ab".repeat(32)).await.unwrap().unwrap().id, doc.id);
        assert_eq!(s.unready_documents().await.unwrap(), std::slice::from_ref(&doc.id));
        let page = |n: i64, text: &str| PageRecord {
            document_id: doc.id.clone(),
            number: n,
            text: text.into(),
            problem: None,
        };
        s.save_pages(vec![page(1, "old"), page(2, "two")]).await.unwrap();
        s.save_pages(vec![page(1, "# One\n\nText 'quoted' ; DROP TABLE chunks;")]).await.unwrap();
        assert_eq!(s.get_page(&doc.id, 1).await.unwrap().text, "# One\n\nText 'quoted' ; DROP TABLE chunks;");
        assert!(matches!(s.get_page(&doc.id, 3).await, Err(StorageError::NotFound { .. })));
        let chunk = |id: &str, ordinal: i64| ChunkRecord {
            id: id.into(),
            document_id: doc.id.clone(),
            ordinal,
            page_start: 1,
            page_end: 2,
            section: "One › Two".into(),
            content_type: "rules".into(),
            text: format!("chunk {id}"),
            metadata: json!({"n": ordinal}),
            text_hash: format!("hash-{id}"),
            indexed: false,
            visibility: Visibility::Players,
        };
        assert_eq!(s.insert_chunks(vec![chunk("c1", 0), chunk("c2", 1)]).await.unwrap(), 2);
        // A resumed run inserts the same chunks again: nothing is duplicated.
        assert_eq!(s.insert_chunks(vec![chunk("c1", 0), chunk("c2", 1), chunk("c3", 2)]).await.unwrap(), 1);
        let pending = s.unindexed_chunks(&doc.id, 2).await.unwrap();
        assert_eq!(pending.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c1", "c2"]);
        assert_eq!(pending[0].metadata, json!({"n": 0}));
        s.mark_chunks_indexed(&["c1".into(), "c2".into()]).await.unwrap();
        let err = s.finish_document(&doc.id).await.expect_err("c3 has no vectors yet");
        assert!(err.to_string().contains("1 chunks"), "{err}");
        assert!(s.ready_chunks(&["c1".into()], &[]).await.unwrap().is_empty(), "not ready: invisible");
        s.mark_chunks_indexed(&["c3".into()]).await.unwrap();
        let ready = s.finish_document(&doc.id).await.unwrap();
        assert_eq!((ready.status, ready.chunk_count), (DocumentStatus::Ready, 3));
        assert!(s.unready_documents().await.unwrap().is_empty());
        let mut found = s.ready_chunks(&["c3".into(), "c1".into(), "nope".into()], &[]).await.unwrap();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c1", "c3"]);
        assert!(found.iter().all(|c| c.indexed && c.section == "One › Two"));

        // Hiding a section (and what is under it, never a sibling that shares its prefix) makes
        // its chunks the GM's: a read that hides the shared library's GM chunks leaves them out.
        assert_eq!(s.set_document_visibility(&doc.id, Some("One"), Visibility::Gm).await.unwrap(), 3);
        assert_eq!(s.set_document_visibility(&doc.id, Some("On"), Visibility::Players).await.unwrap(), 0);
        let ids: Vec<String> = ["c1", "c2", "c3"].map(String::from).to_vec();
        assert!(s.ready_chunks(&ids, &["global".into()]).await.unwrap().is_empty(), "hidden from players");
        assert_eq!(
            s.ready_chunks(&ids, &["some-campaign".into()]).await.unwrap().len(),
            3,
            "another scope's filter"
        );
        assert_eq!(
            s.unindexed_chunks(&doc.id, 10).await.unwrap().len(),
            3,
            "indexed again with the new visibility"
        );
        assert_eq!(s.set_document_visibility(&doc.id, None, Visibility::Players).await.unwrap(), 3);
        assert_eq!(s.get_document(&doc.id).await.unwrap().visibility, Visibility::Players);
        s.mark_chunks_indexed(&ids).await.unwrap();

        let camp = s.create_campaign(campaign("Notes")).await.unwrap();
        let note = s
            .add_campaign_note(NewCampaignNote {
                campaign_id: camp.id.clone(),
                kind: "npc".into(),
                title: "Sildar".into(),
                body: "A knight.".into(),
                tags: vec!["ally".into()],
                visibility: Visibility::Gm,
            })
            .await
            .unwrap();
        assert_eq!(s.campaign_notes(&camp.id, None, true, false).await.unwrap().len(), 1);
        s.mark_notes_indexed(std::slice::from_ref(&note.id)).await.unwrap();
        assert!(s.campaign_notes(&camp.id, None, true, false).await.unwrap().is_empty());
        let by_id =
            s.campaign_notes(&camp.id, Some(std::slice::from_ref(&note.id)), false, false).await.unwrap();
        assert_eq!(by_id, [note]);

        s.delete_document(&doc.id).await.unwrap();
        assert!(s.list_documents().await.unwrap().is_empty());
        assert!(matches!(s.get_page(&doc.id, 1).await, Err(StorageError::NotFound { .. })));
    }

    // --- users, tokens, members, visibility ---

    pub async fn database_health_reports_engine_size_and_schema(ctx: Ctx) {
        let s = &ctx.store;
        s.create_campaign(campaign("Health")).await.unwrap();
        let health = s.health().await.unwrap();
        assert_eq!(health.engine, s.engine().name());
        assert!(!health.version.is_empty());
        assert!(health.size_bytes.is_some_and(|b| b > 0), "{health:?}");
        let status = s.migration_status().await.unwrap();
        let newest = status.migrations.iter().map(|m| m.version).max();
        assert_eq!(health.schema_version, newest, "{health:?}");
        assert_eq!(health.pending_migrations, 0);
        assert!(health.pool_max >= 1 && health.pool_idle <= health.pool_open, "{health:?}");
    }

    pub async fn mcp_session_choices_are_kept_with_the_session_and_go_with_it(ctx: Ctx) {
        let s = &ctx.store;
        let unknown = s.mcp_session_subscribe("s1", "ttrpg://campaigns/c", 3).await;
        assert!(matches!(unknown, Err(StorageError::NotFound { .. })), "{unknown:?}");
        s.mcp_session_save("s1", "{}").await.unwrap();
        s.mcp_session_save("s2", "{}").await.unwrap();
        for n in 0..3 {
            assert!(s.mcp_session_subscribe("s1", &format!("ttrpg://campaigns/{n}"), 3).await.unwrap());
        }
        assert!(
            s.mcp_session_subscribe("s1", "ttrpg://campaigns/0", 3).await.unwrap(),
            "a watched URI again"
        );
        assert!(!s.mcp_session_subscribe("s1", "ttrpg://campaigns/9", 3).await.unwrap(), "one past the most");
        assert!(
            s.mcp_session_subscribe("s2", "ttrpg://campaigns/9", 3).await.unwrap(),
            "another session's own"
        );
        assert_eq!(
            s.mcp_session_subscriptions("s1").await.unwrap(),
            ["ttrpg://campaigns/0", "ttrpg://campaigns/1", "ttrpg://campaigns/2"]
        );
        assert!(s.mcp_session_unsubscribe("s1", "ttrpg://campaigns/1").await.unwrap());
        assert!(!s.mcp_session_unsubscribe("s1", "ttrpg://campaigns/1").await.unwrap());
        assert_eq!(s.mcp_session_subscriptions("s2").await.unwrap(), ["ttrpg://campaigns/9"]);
        s.mcp_session_subscribe("s2", "ttrpg://campaigns/0", 3).await.unwrap();
        assert_eq!(s.mcp_sessions_watching("ttrpg://campaigns/0").await.unwrap(), ["s1", "s2"]);
        assert!(s.mcp_sessions_watching("ttrpg://campaigns/1").await.unwrap().is_empty());

        s.mcp_session_add_toolsets("s1", &["dice".into(), "combat".into(), "dice".into()]).await.unwrap();
        s.mcp_session_add_toolsets("s1", &["combat".into()]).await.unwrap();
        assert_eq!(s.mcp_session_toolsets("s1").await.unwrap(), ["combat", "dice"]);
        assert!(s.mcp_session_toolsets("s2").await.unwrap().is_empty());
        let unknown = s.mcp_session_add_toolsets("nobody", &["dice".into()]).await;
        assert!(matches!(unknown, Err(StorageError::NotFound { .. })), "{unknown:?}");

        // A session that is gone takes what it chose with it.
        assert!(s.mcp_session_delete("s2").await.unwrap());
        assert!(s.mcp_session_subscriptions("s2").await.unwrap().is_empty());
        assert_eq!(s.mcp_sessions_prune(Utc::now() + chrono::Duration::seconds(60)).await.unwrap(), 1);
        assert!(s.mcp_session_subscriptions("s1").await.unwrap().is_empty());
        assert!(s.mcp_session_toolsets("s1").await.unwrap().is_empty());
    }

    pub async fn users_tokens_and_revocation(ctx: Ctx) {
        let s = &ctx.store;
        assert!(!s.any_live_token().await.unwrap(), "a new database has no token");
        let alice = s.create_user("alice").await.unwrap();
        let taken = s.create_user("alice").await.unwrap_err();
        assert!(matches!(taken, StorageError::Conflict(_)), "{taken:?}");
        assert_eq!(s.user_by_name("alice").await.unwrap(), alice);
        assert!(matches!(s.user_by_name("nobody").await, Err(StorageError::NotFound { .. })));
        let token =
            s.create_token(&alice.id, TokenRole::Admin, "hash-1", Some("laptop".into())).await.unwrap();
        assert_eq!(
            (token.role, token.user.name.as_str(), token.label.as_deref()),
            (TokenRole::Admin, "alice", Some("laptop"))
        );
        assert!(s.any_live_token().await.unwrap());
        assert_eq!(s.token_by_hash("hash-1").await.unwrap().map(|t| t.id), Some(token.id.clone()));
        assert!(s.token_by_hash("hash-2").await.unwrap().is_none());
        s.touch_token(&token.id).await.unwrap();
        assert!(s.token_by_hash("hash-1").await.unwrap().unwrap().last_used_at.is_some());
        let revoked = s.revoke_token(&token.id).await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(s.token_by_hash("hash-1").await.unwrap().is_none(), "a revoked token is not found");
        assert!(!s.any_live_token().await.unwrap());
        let again = s.revoke_token(&token.id).await.unwrap();
        assert_eq!(again.revoked_at, revoked.revoked_at, "revoking twice keeps the first time");
        assert_eq!(s.list_tokens().await.unwrap().len(), 1);
        assert!(matches!(s.revoke_token("nope").await, Err(StorageError::NotFound { .. })));
    }

    pub async fn campaign_members_and_roles(ctx: Ctx) {
        let s = &ctx.store;
        let gm = s.create_user("gwen").await.unwrap();
        let pat = s.create_user("pat").await.unwrap();
        let mut new = campaign("Members");
        new.gm_user_id = Some(gm.id.clone());
        let c = s.create_campaign(new).await.unwrap();
        let other = s.create_campaign(campaign("Other")).await.unwrap();
        assert_eq!(s.member_role(&c.id, &pat.id).await.unwrap(), None);
        let member = s.set_member(&c.id, &pat.id, MemberRole::Player).await.unwrap();
        assert_eq!((member.role, member.user.name.as_str()), (MemberRole::Player, "pat"));
        assert_eq!(s.member_role(&c.id, &pat.id).await.unwrap(), Some(MemberRole::Player));
        s.set_member(&c.id, &pat.id, MemberRole::Gm).await.unwrap();
        assert_eq!(
            s.member_role(&c.id, &pat.id).await.unwrap(),
            Some(MemberRole::Gm),
            "inviting again changes the role"
        );
        assert_eq!(s.members(&c.id).await.unwrap().len(), 1);
        let mine: Vec<String> =
            s.list_campaigns_of(&gm.id, false).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(mine, std::slice::from_ref(&c.id), "the GM's campaigns, not the other one");
        let pats: Vec<String> =
            s.list_campaigns_of(&pat.id, false).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(pats, std::slice::from_ref(&c.id));
        assert!(s.list_campaigns_of(&pat.id, false).await.unwrap().iter().all(|x| x.id != other.id));
        assert!(s.remove_member(&c.id, &pat.id).await.unwrap());
        assert!(!s.remove_member(&c.id, &pat.id).await.unwrap());
        assert!(s.list_campaigns_of(&pat.id, false).await.unwrap().is_empty());
        assert!(matches!(
            s.set_member(&c.id, "nobody", MemberRole::Player).await,
            Err(StorageError::NotFound { .. })
        ));
    }

    pub async fn visibility_filters_in_the_read(ctx: Ctx) {
        use ttrpg_host::storage::NewCampaignNote;
        let s = &ctx.store;
        let c = s.create_campaign(campaign("Secrets")).await.unwrap();
        let session = s.start_session(&c.id, None).await.unwrap();
        s.add_session_note(&session.id, "the GM's", &[], Visibility::Gm).await.unwrap();
        let shared = s.add_session_note(&session.id, "the table's", &[], Visibility::Players).await.unwrap();
        assert_eq!(s.list_session_notes(&session.id, false).await.unwrap().len(), 2);
        assert_eq!(s.list_session_notes(&session.id, true).await.unwrap(), vec![shared]);
        let note = |title: &str, visibility| NewCampaignNote {
            campaign_id: c.id.clone(),
            kind: "npc".into(),
            title: title.into(),
            body: "b".into(),
            tags: vec![],
            visibility,
        };
        let secret = s.add_campaign_note(note("secret", Visibility::Gm)).await.unwrap();
        s.add_campaign_note(note("open", Visibility::Players)).await.unwrap();
        let players: Vec<String> =
            s.campaign_notes(&c.id, None, false, true).await.unwrap().into_iter().map(|n| n.title).collect();
        assert_eq!(players, ["open"]);
        s.mark_notes_indexed(std::slice::from_ref(&secret.id)).await.unwrap();
        let revealed = s.set_note_visibility(&secret.id, Visibility::Players).await.unwrap();
        assert_eq!(revealed.visibility, Visibility::Players);
        assert_eq!(
            s.campaign_notes(&c.id, None, true, false).await.unwrap().len(),
            2,
            "a revealed note is indexed again"
        );
        assert_eq!(s.get_campaign_note(&secret.id).await.unwrap().visibility, Visibility::Players);
        assert_eq!(s.campaign_notes(&c.id, None, false, true).await.unwrap().len(), 2);
    }
}

// ---------------------------------------------------------------------------------------
// SQLite only.
// ---------------------------------------------------------------------------------------

mod sqlite_only {
    use super::*;

    #[tokio::test]
    async fn journal_mode_is_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}", path.display());
        let s = storage::open(&url, MigrateOnOpen::Apply).await.unwrap();
        s.create_campaign(campaign("WAL")).await.unwrap();

        let wal = dir.path().join("t.db-wal");
        assert!(wal.exists(), "{} should exist after a write (WAL journaling)", wal.display());

        // A separate connection that sets no journal mode itself sees the file's mode.
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap();
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        // ...and reads what the store wrote.
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM campaigns").fetch_one(&mut conn).await.unwrap();
        assert_eq!(count, 1);
        conn.close().await.unwrap();
    }

    #[tokio::test]
    async fn open_creates_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("deeper").join("t.db");
        let url = format!("sqlite://{}", path.display());
        let s = storage::open(&url, MigrateOnOpen::Apply).await.expect("open creates the folders");
        s.create_campaign(campaign("Nested")).await.unwrap();
        assert!(path.exists());
    }

    #[tokio::test]
    async fn reopen_after_process_style_restart_keeps_data() {
        // The same as `sqlite::data_survives_reopen`, but also proves the data is in the
        // file: a brand-new raw connection (no pool) reads it.
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let s = storage::open(&url, MigrateOnOpen::Apply).await.unwrap();
        let c = s.create_campaign(campaign("On disk")).await.unwrap();
        drop(s);
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let name: String = sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1")
            .bind(&c.id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(name, "On disk");
        conn.close().await.unwrap();
        let s = storage::open(&url, MigrateOnOpen::Apply).await.unwrap();
        assert_eq!(s.get_campaign(&c.id).await.unwrap(), c);
    }
}

// ---------------------------------------------------------------------------------------
// URLs and engine selection (no database needed).
// ---------------------------------------------------------------------------------------

mod urls {
    use super::*;

    #[test]
    fn engine_from_url_recognizes_known_schemes() {
        assert_eq!(Engine::from_url("postgres://postgres@127.0.0.1:5432/db").unwrap(), Engine::Postgres);
        assert_eq!(Engine::from_url("postgresql://user:pw@db.example/ttrpg").unwrap(), Engine::Postgres);
        assert_eq!(Engine::from_url("sqlite://data/ttrpg.db").unwrap(), Engine::Sqlite);
        assert_eq!(Engine::from_url("sqlite:ttrpg.db").unwrap(), Engine::Sqlite);
        assert_eq!(Engine::from_url("sqlite::memory:").unwrap(), Engine::Sqlite);
        assert_eq!(Engine::Sqlite.name(), "sqlite");
        assert_eq!(Engine::Postgres.name(), "postgres");
    }

    #[test]
    fn engine_from_url_rejects_unknown_schemes() {
        for url in ["mysql://x", "", "http://example.com/db", "postgres:/missing-slash", "file:///tmp/x.db"] {
            match Engine::from_url(url) {
                Err(err @ StorageError::Config(_)) => {
                    assert!(err.to_string().contains(url), "the error should name {url:?}: {err}")
                }
                other => panic!("{url:?} should be a Config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn engine_from_url_error_hides_the_password() {
        let err = Engine::from_url("mysql://admin:hunter2@db.example/ttrpg").unwrap_err();
        assert!(matches!(err, StorageError::Config(_)), "{err:?}");
        let message = err.to_string();
        assert!(!message.contains("hunter2"), "the password leaked: {message}");
        assert!(message.contains("mysql://admin:***@db.example/ttrpg"), "{message}");
    }

    #[test]
    fn redact_url_hides_passwords() {
        let cases = [
            ("postgres://alice:s3cret@db.example:5432/ttrpg", "postgres://alice:***@db.example:5432/ttrpg"),
            (
                "postgresql://alice:s3cret@db.example/ttrpg?sslmode=require",
                "postgresql://alice:***@db.example/ttrpg?sslmode=require",
            ),
            // A password containing '@' and ':' is hidden whole.
            ("postgres://alice:p@ss:w0rd@host/db", "postgres://alice:***@host/db"),
            // Nothing to hide.
            ("postgres://alice@host/db", "postgres://alice@host/db"),
            ("postgres://host/db", "postgres://host/db"),
            ("sqlite://data/ttrpg.db", "sqlite://data/ttrpg.db"),
            ("sqlite::memory:", "sqlite::memory:"),
        ];
        for (url, expected) in cases {
            assert_eq!(storage::redact_url(url), expected, "redact_url({url:?})");
        }
        assert!(!storage::redact_url("postgres://alice:p@ss:w0rd@host/db").contains("w0rd"));
    }

    #[test]
    fn redact_url_hides_query_string_passwords() {
        // libpq-style URLs may carry the password as a query parameter, and sqlx reads it.
        for url in
            ["postgres://alice@host/db?password=s3cret", "postgres://host/db?sslmode=disable&password=s3cret"]
        {
            let shown = storage::redact_url(url);
            assert!(!shown.contains("s3cret"), "redact_url({url:?}) leaked the password: {shown}");
        }
    }

    #[tokio::test]
    async fn open_errors_hide_the_password() {
        // Nothing listens on port 1: the connection is refused at once.
        let url = "postgres://alice:hunter2@127.0.0.1:1/ttrpg";
        let err = match storage::open(url, MigrateOnOpen::Skip).await {
            Err(err) => err,
            Ok(_) => panic!("connecting to port 1 should fail"),
        };
        assert!(matches!(err, StorageError::Config(_)), "{err:?}");
        let message = err.to_string();
        assert!(!message.contains("hunter2"), "the password leaked: {message}");
        assert!(message.contains("alice:***@127.0.0.1:1"), "{message}");
    }

    #[test]
    fn test_database_urls_are_built_correctly() {
        assert_eq!(with_database(DEFAULT_PG_URL, "t1"), "postgres://postgres@127.0.0.1:5432/t1");
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
