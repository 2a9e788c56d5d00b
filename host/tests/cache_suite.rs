//! The two-level cache's behaviour, on L1 alone and on L1 over the real Redis at
//! 127.0.0.1:6379 (each test under its own key prefix, deleted afterwards): round trips,
//! values of another format are misses, invalidation by tag, a second host sharing the
//! Redis (promotion into its L1, invalidation reaching it through pub/sub without reading
//! the generation again, old entries deleted with `SCAN`), and Redis going away mid-test
//! (a `redis-server` the test starts on its own port and kills): calls keep working, tagged
//! reads bypass the cache, the level reports itself down, and after a restart it is used
//! again, with the invalidations made meanwhile applied.
//!
//! Without Redis on 127.0.0.1:6379 the shared-level tests say SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::sync::Arc;
use std::time::Duration;

use ttrpg_host::cache::{Kind, RedisL2, Scope, SharedCache, TwoLevelCache};

#[path = "../../tests/support/redis.rs"]
mod redis_support;

const REDIS: &str = "redis://127.0.0.1:6379";

/// A prefix no other test run uses.
fn prefix(name: &str) -> String {
    format!("ttrpg-test-{name}-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple())
}

use redis_support::{delete_prefix as clean, keys, up as redis_up};

fn shared(prefix: &str) -> TwoLevelCache {
    let l2: Arc<dyn SharedCache> = Arc::new(RedisL2::new(REDIS).unwrap());
    TwoLevelCache::new(8 << 20, Some(l2), prefix)
}

/// Waits until `cache` hears the invalidation channel (it subscribes on first use).
async fn until_listening(cache: &TwoLevelCache) {
    cache.stamp("warm-up").await;
    for _ in 0..100 {
        if cache.listening() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the cache never subscribed to the invalidation channel");
}

/// The rules answer to "grappling" under `stamp`.
async fn read(cache: &TwoLevelCache, stamp: &ttrpg_host::cache::Stamp) -> Option<String> {
    cache.get::<String>(Kind::RulesAnswer, Scope::Tagged(stamp), "grappling").await
}

/// The behaviour every configuration must have.
async fn behaves(cache: &TwoLevelCache) {
    let stamp = cache.stamp("library").await;
    let tagged = Scope::Tagged(&stamp);
    assert_eq!(cache.get::<Vec<String>>(Kind::RulesAnswer, tagged, "q1").await, None, "empty at first");
    cache.put(Kind::RulesAnswer, tagged, "q1", &vec!["grappled".to_string()]).await;
    assert_eq!(
        cache.get::<Vec<String>>(Kind::RulesAnswer, tagged, "q1").await,
        Some(vec!["grappled".to_string()])
    );
    assert_eq!(
        cache.get::<Vec<String>>(Kind::QueryEmbedding, tagged, "q1").await,
        None,
        "kinds do not share keys"
    );
    assert_eq!(
        cache.get::<u32>(Kind::RulesAnswer, tagged, "q1").await,
        None,
        "a value of another type is a miss"
    );
    cache.put(Kind::QueryEmbedding, Scope::Content, "e1", &vec![0.5f32, 0.25]).await;

    cache.invalidate("library").await;
    let after = cache.stamp("library").await;
    assert!(
        after.generation() > stamp.generation(),
        "invalidation moves the generation: {stamp:?} -> {after:?}"
    );
    assert_eq!(
        cache.get::<Vec<String>>(Kind::RulesAnswer, Scope::Tagged(&after), "q1").await,
        None,
        "stale now"
    );
    assert_eq!(
        cache.get::<Vec<f32>>(Kind::QueryEmbedding, Scope::Content, "e1").await,
        Some(vec![0.5, 0.25]),
        "content-keyed entries outlive every invalidation"
    );
    // Other tags are untouched by the library's invalidation.
    let campaign = cache.stamp("campaign:c1").await;
    cache.put(Kind::Campaign, Scope::Tagged(&campaign), "c1", &"Curse".to_string()).await;
    cache.invalidate("library").await;
    let campaign_now = cache.stamp("campaign:c1").await;
    assert_eq!(campaign_now, campaign);
    assert_eq!(
        cache.get::<String>(Kind::Campaign, Scope::Tagged(&campaign_now), "c1").await.as_deref(),
        Some("Curse")
    );

    let answers = cache.stats().of_kind(Kind::RulesAnswer);
    assert!(answers.l1_hits >= 1 && answers.bytes_stored > 0, "{answers:?}");
    assert!(cache.l1_bytes() > 0);
}

#[tokio::test]
async fn l1_alone() {
    let cache = TwoLevelCache::local(8 << 20);
    behaves(&cache).await;
    assert_eq!(cache.shared_level(), None);
    assert_eq!(cache.listening(), None);
}

#[tokio::test]
async fn l1_over_redis() {
    if !redis_up() {
        println!("SKIPPED: the cache over Redis: no Redis on 127.0.0.1:6379");
        return;
    }
    let prefix = prefix("behaves");
    let cache = shared(&prefix);
    behaves(&cache).await;
    assert_eq!(cache.shared_level(), Some(true));
    clean(&prefix);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_host_sees_entries_and_invalidations() {
    if !redis_up() {
        println!("SKIPPED: two hosts on one Redis: no Redis on 127.0.0.1:6379");
        return;
    }
    let prefix = prefix("hosts");
    let (a, b) = (shared(&prefix), shared(&prefix));
    until_listening(&a).await;
    until_listening(&b).await;
    let stamp = a.stamp("library").await;
    a.put(Kind::RulesAnswer, Scope::Tagged(&stamp), "grappling", &"Grappled, p. 292".to_string()).await;
    let b_stamp = b.stamp("library").await;
    assert_eq!(b_stamp, stamp, "both hosts read the same generation");
    assert_eq!(read(&b, &b_stamp).await.as_deref(), Some("Grappled, p. 292"));
    assert_eq!(b.stats().of_kind(Kind::RulesAnswer).l2_hits, 1, "B found it in Redis");
    assert_eq!(read(&b, &b_stamp).await.as_deref(), Some("Grappled, p. 292"));
    assert_eq!(b.stats().of_kind(Kind::RulesAnswer).l1_hits, 1, "and promoted it into its L1");

    // A book ingested through A: B hears of it on the channel and drops its copy of the
    // generation and its L1 entry, without asking Redis on every read.
    let bytes_before = b.l1_bytes();
    a.invalidate("library").await;
    let mut now = b.stamp("library").await;
    for _ in 0..50 {
        if now.generation() > stamp.generation() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = b.stamp("library").await;
    }
    assert!(now.generation() > stamp.generation(), "B sees A's invalidation: {stamp:?} -> {now:?}");
    assert_eq!(read(&b, &now).await, None, "the answer is gone on B");
    assert!(
        b.l1_bytes() < bytes_before,
        "B dropped its L1 entry of the tag ({bytes_before} -> {})",
        b.l1_bytes()
    );

    // Redis keeps no entry of the old generation for long: it is deleted with SCAN.
    let mut old = usize::MAX;
    for _ in 0..50 {
        old = keys(&prefix)
            .iter()
            .filter(|k| k.contains(&format!("library@{}:", stamp.generation().unwrap())))
            .count();
        if old == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(old, 0, "old entries left in Redis: {:?}", keys(&prefix));
    clean(&prefix);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_and_coming_back() {
    if std::process::Command::new("redis-server").arg("--version").output().is_err() {
        println!("SKIPPED: Redis going away: no redis-server on this machine");
        return;
    }
    let mut redis =
        redis_support::RedisServer::start().unwrap_or_else(|why| panic!("Redis going away: {why}"));
    let url = redis.url.clone();
    let prefix = prefix("outage");
    let host = |url: &str| {
        let l2: Arc<dyn SharedCache> = Arc::new(RedisL2::new(url).unwrap());
        TwoLevelCache::new(8 << 20, Some(l2), &prefix)
    };
    let cache = host(&url);
    until_listening(&cache).await;
    let stamp = cache.stamp("campaign:c1").await;
    cache.put(Kind::Campaign, Scope::Tagged(&stamp), "c1", &1u32).await;
    cache.put(Kind::QueryEmbedding, Scope::Content, "e", &vec![1.0f32]).await;
    assert_eq!(cache.shared_level(), Some(true));
    redis.down();
    // The host notices within a ping interval (500 ms): its subscription and pings fail.
    for _ in 0..100 {
        if cache.listening() == Some(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(cache.listening(), Some(false), "the lost subscription was noticed");

    // Calls go on and nothing waits long: content-keyed entries come from L1; tagged reads go
    // to the source of truth (another host's change could not reach this one now).
    let started = std::time::Instant::now();
    for i in 0..20u32 {
        assert_eq!(cache.get::<Vec<f32>>(Kind::QueryEmbedding, Scope::Content, "e").await, Some(vec![1.0]));
        let during = cache.stamp("campaign:c1").await;
        assert_eq!(cache.get::<u32>(Kind::Campaign, Scope::Tagged(&during), "c1").await, None, "round {i}");
        cache.put(Kind::Campaign, Scope::Tagged(&during), "c1", &i).await;
    }
    // A write made during the outage is remembered and bumped once Redis is back.
    cache.invalidate("campaign:c1").await;
    assert!(started.elapsed() < Duration::from_secs(5), "an outage made calls slow: {:?}", started.elapsed());
    assert_eq!(cache.shared_level(), Some(false), "the level reports itself down");
    let campaign = cache.stats().of_kind(Kind::Campaign);
    assert!(campaign.bypassed >= 20, "{campaign:?}");

    // Back again: after the reconnect pause the shared level is used again, and the
    // invalidation made while it was away has reached it.
    redis.up().unwrap_or_else(|why| panic!("Redis coming back: {why}"));
    let mut back = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = cache.stamp("campaign:c1").await;
        if now.generation().is_some() && cache.shared_level() == Some(true) {
            back = Some(now);
            break;
        }
    }
    let back = back.expect("the cache never used Redis again after it came back");
    assert!(
        back.generation() > stamp.generation(),
        "the outage's invalidation was replayed: {stamp:?} -> {back:?}"
    );
    cache.put(Kind::Campaign, Scope::Tagged(&back), "c1", &7u32).await;
    let second = host(&url);
    let seen = second.stamp("campaign:c1").await;
    assert_eq!(seen, back);
    assert_eq!(
        second.get::<u32>(Kind::Campaign, Scope::Tagged(&seen), "c1").await,
        Some(7),
        "written to Redis after the restart"
    );
    drop(redis);
}
