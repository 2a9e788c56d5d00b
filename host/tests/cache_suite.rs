//! The two-level cache's behaviour, on L1 alone and on L1 over the real Redis at
//! 127.0.0.1:6379 (each test under its own key prefix, deleted afterwards): round trips,
//! values of another format are misses, invalidation by tag, a second host sharing the
//! Redis (promotion into its L1, invalidation reaching it), and Redis going away mid-test
//! (a `redis-server` the test starts on its own port and kills): calls keep working, the
//! level reports itself down, and after a restart it is used again.
//!
//! Without Redis on 127.0.0.1:6379 the shared-level tests say SKIPPED and why.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::sync::Arc;
use std::time::Duration;

use ttrpg_host::cache::{Kind, RedisL2, SharedCache, TwoLevelCache};

const REDIS: &str = "redis://127.0.0.1:6379";

/// A prefix no other test run uses.
fn prefix(name: &str) -> String {
    format!("ttrpg-test-{name}-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple())
}

fn redis_up() -> bool {
    std::process::Command::new("redis-cli")
        .args(["-p", "6379", "ping"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Deletes every key under `prefix`.
fn clean(prefix: &str) {
    let keys = std::process::Command::new("redis-cli")
        .args(["-p", "6379", "--scan", "--pattern", &format!("{prefix}:*")])
        .output();
    if let Ok(keys) = keys {
        for key in String::from_utf8_lossy(&keys.stdout).lines().filter(|k| !k.is_empty()) {
            let _ = std::process::Command::new("redis-cli").args(["-p", "6379", "del", key]).output();
        }
    }
}

fn shared(prefix: &str) -> TwoLevelCache {
    let l2: Arc<dyn SharedCache> = Arc::new(RedisL2::new(REDIS).unwrap());
    TwoLevelCache::new(8 << 20, Some(l2), prefix)
}

/// The behaviour every configuration must have.
async fn behaves(cache: &TwoLevelCache) {
    assert_eq!(cache.get::<Vec<String>>(Kind::RulesAnswer, "q1").await, None, "empty at first");
    cache.put(Kind::RulesAnswer, "q1", &vec!["grappled".to_string()]).await;
    assert_eq!(cache.get::<Vec<String>>(Kind::RulesAnswer, "q1").await, Some(vec!["grappled".to_string()]));
    assert_eq!(cache.get::<Vec<String>>(Kind::QueryEmbedding, "q1").await, None, "kinds do not share keys");
    assert_eq!(cache.get::<u32>(Kind::RulesAnswer, "q1").await, None, "a value of another type is a miss");
    let before = cache.generation("library").await;
    cache.invalidate("library").await;
    let after = cache.generation("library").await;
    assert!(after > before, "invalidation moves the generation: {before} -> {after}");
    let stats = cache.stats().snapshot();
    let answers = stats.iter().find(|s| s.kind == "rules_answer").unwrap();
    assert!(answers.l1_hits >= 1 && answers.bytes_stored > 0, "{answers:?}");
}

#[tokio::test]
async fn l1_alone() {
    let cache = TwoLevelCache::local(8 << 20);
    behaves(&cache).await;
    assert_eq!(cache.shared_level(), None);
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

#[tokio::test]
async fn a_second_host_sees_entries_and_invalidations() {
    if !redis_up() {
        println!("SKIPPED: two hosts on one Redis: no Redis on 127.0.0.1:6379");
        return;
    }
    let prefix = prefix("hosts");
    let (a, b) = (shared(&prefix), shared(&prefix));
    let generation = a.generation("library").await;
    let key = format!("{generation}:how does grappling work");
    a.put(Kind::RulesAnswer, &key, &"Grappled, p. 292".to_string()).await;
    assert_eq!(b.get::<String>(Kind::RulesAnswer, &key).await.as_deref(), Some("Grappled, p. 292"));
    let stats = b.stats().snapshot();
    assert_eq!(stats[0].l2_hits, 1, "B found it in Redis: {stats:?}");
    assert_eq!(b.get::<String>(Kind::RulesAnswer, &key).await.as_deref(), Some("Grappled, p. 292"));
    assert_eq!(b.stats().snapshot()[0].l1_hits, 1, "and promoted it into its L1");
    // A book ingested through A: B's next lookup uses the new generation and misses.
    a.invalidate("library").await;
    let now = b.generation("library").await;
    assert!(now > generation, "B sees A's invalidation at once");
    assert_eq!(b.get::<String>(Kind::RulesAnswer, &format!("{now}:how does grappling work")).await, None);
    clean(&prefix);
}

/// A `redis-server` of this test's own on a free port.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting redis-server");
        for _ in 0..100 {
            let ping =
                std::process::Command::new("redis-cli").args(["-p", &port.to_string(), "ping"]).output();
            if ping.is_ok_and(|o| o.status.success()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnRedis { child, port }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn redis_going_away_and_coming_back() {
    if std::process::Command::new("redis-server").arg("--version").output().is_err() {
        println!("SKIPPED: Redis going away: no redis-server on this machine");
        return;
    }
    let port = free_port();
    let redis = OwnRedis::start(port);
    let l2: Arc<dyn SharedCache> =
        Arc::new(RedisL2::new(&format!("redis://127.0.0.1:{}", redis.port)).unwrap());
    let cache = TwoLevelCache::new(8 << 20, Some(l2), "ttrpg-outage");
    cache.put(Kind::RulesAnswer, "k", &1u32).await;
    assert_eq!(cache.shared_level(), Some(true));
    redis.kill();

    // Reads and writes go on (L1 and the caller's own computation); nothing waits long.
    let started = std::time::Instant::now();
    for i in 0..20u32 {
        cache.put(Kind::RulesAnswer, &format!("during-{i}"), &i).await;
        assert_eq!(
            cache.get::<u32>(Kind::RulesAnswer, &format!("during-{i}")).await,
            Some(i),
            "L1 still answers"
        );
        assert_eq!(cache.get::<u32>(Kind::RulesAnswer, &format!("absent-{i}")).await, None);
    }
    assert!(started.elapsed() < Duration::from_secs(5), "an outage made calls slow: {:?}", started.elapsed());
    assert_eq!(cache.shared_level(), Some(false), "the level reports itself down");
    assert!(cache.stats().snapshot()[0].errors > 0);

    // Back again: after the reconnect pause the shared level is used again.
    let redis = OwnRedis::start(port);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut back = false;
    for _ in 0..20 {
        cache.put(Kind::RulesAnswer, "after", &7u32).await;
        if cache.shared_level() == Some(true) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "the cache never used Redis again after it came back");
    let other: Arc<dyn SharedCache> = Arc::new(RedisL2::new(&format!("redis://127.0.0.1:{port}")).unwrap());
    let second = TwoLevelCache::new(8 << 20, Some(other), "ttrpg-outage");
    assert_eq!(
        second.get::<u32>(Kind::RulesAnswer, "after").await,
        Some(7),
        "written to Redis after the restart"
    );
    redis.kill();
}
