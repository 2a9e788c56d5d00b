//! The two-level cache: L1 in process (moka, bounded by bytes), L2 in Redis shared by every
//! host (off unless `cache.redis_url` is set).
//!
//! A read tries L1, then L2 (promoting a hit into L1), then the caller computes; a write goes
//! to both. Values are stored as one format byte ([`FORMAT`]) and JSON, so a host never reads
//! an entry written in a format it does not know (it is a miss). Invalidation is by tag:
//! [`TwoLevelCache::generation`] is a counter per tag (in Redis when it is configured, so
//! every host sees the same one) that callers put in their keys, and
//! [`TwoLevelCache::invalidate`] bumps it, so every entry made before is unreachable on
//! every host at once. When Redis is down or slow (a 50 ms deadline), reads and writes go
//! on with L1 and the source of truth; one warning is logged per outage, [`CacheStats`]
//! counts the errors, and the connection is tried again on its own.

mod redis_l2;
mod stats;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use redis_l2::RedisL2;
pub use stats::{CacheStats, KindStats};

/// The format byte every stored value starts with; bump it when the encoding changes.
pub const FORMAT: u8 = 1;

/// What kind of entry a key holds: its time to live and the name stats report it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A rules-search answer (its key names the query, filters, reader and library generation).
    RulesAnswer,
    /// The embedding of a query text.
    QueryEmbedding,
}

impl Kind {
    /// Every kind, for stats.
    pub const ALL: [Kind; 2] = [Kind::RulesAnswer, Kind::QueryEmbedding];

    /// The name stats and keys use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RulesAnswer => "rules_answer",
            Kind::QueryEmbedding => "query_embedding",
        }
    }

    /// How long an entry lives.
    pub fn ttl(self) -> Duration {
        match self {
            Kind::RulesAnswer => Duration::from_secs(3600),
            Kind::QueryEmbedding => Duration::from_secs(24 * 3600),
        }
    }
}

/// The shared level: a byte store with counters, reached over the network.
#[async_trait::async_trait]
pub trait SharedCache: Send + Sync {
    /// The value under `key`, if any. `Err` when the store cannot be reached in time.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;
    /// Stores `value` under `key` for `ttl`.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError>;
    /// The counter under `key` (0 when absent).
    async fn counter(&self, key: &str) -> Result<u64, CacheError>;
    /// Adds one to the counter under `key`; returns its new value.
    async fn increment(&self, key: &str) -> Result<u64, CacheError>;
    /// Whether the store answers now.
    fn is_up(&self) -> bool;
}

/// Why the shared level failed (the caller goes on without it).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The store did not answer within the deadline.
    #[error("the cache did not answer within {0:?}")]
    Timeout(Duration),
    /// The store answered with an error, or the connection failed.
    #[error("the cache failed: {0}")]
    Store(String),
}

/// The two levels together.
pub struct TwoLevelCache {
    l1: moka::sync::Cache<String, Arc<Vec<u8>>>,
    l2: Option<Arc<dyn SharedCache>>,
    prefix: String,
    stats: Arc<CacheStats>,
    /// Generations of tags when there is no shared level.
    local_generations: moka::sync::Cache<String, u64>,
}

impl TwoLevelCache {
    /// An L1 of `l1_bytes`, over `l2` when given; every key starts with `prefix`.
    pub fn new(l1_bytes: u64, l2: Option<Arc<dyn SharedCache>>, prefix: &str) -> Self {
        let stats = Arc::new(CacheStats::default());
        let evictions = stats.clone();
        let l1 = moka::sync::Cache::builder()
            .max_capacity(l1_bytes)
            .weigher(|key: &String, value: &Arc<Vec<u8>>| {
                u32::try_from(key.len() + value.len() + 64).unwrap_or(u32::MAX)
            })
            .time_to_live(Kind::QueryEmbedding.ttl())
            .eviction_listener(move |key: Arc<String>, _value, cause| {
                if cause.was_evicted() {
                    evictions.evicted(kind_of_key(&key));
                }
            })
            .build();
        TwoLevelCache {
            l1,
            l2,
            prefix: prefix.to_string(),
            stats,
            local_generations: moka::sync::Cache::new(10_000),
        }
    }

    /// L1 only (no service needed): what a host without `cache.redis_url` runs.
    pub fn local(l1_bytes: u64) -> Self {
        Self::new(l1_bytes, None, "ttrpg")
    }

    /// The counts so far.
    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    /// Whether a shared level is configured, and whether it answers now.
    pub fn shared_level(&self) -> Option<bool> {
        self.l2.as_ref().map(|l2| l2.is_up())
    }

    fn key(&self, kind: Kind, key: &str) -> String {
        format!("{}:{}:{key}", self.prefix, kind.name())
    }

    /// The value of `kind` under `key`: L1, then L2 (a hit is promoted into L1), or `None`.
    pub async fn get<T: DeserializeOwned>(&self, kind: Kind, key: &str) -> Option<T> {
        let full = self.key(kind, key);
        if let Some(bytes) = self.l1.get(&full) {
            if let Some(value) = decode(&bytes) {
                self.stats.hit(kind, 1);
                return Some(value);
            }
            self.l1.invalidate(&full);
        }
        self.stats.miss(kind, 1);
        let l2 = self.l2.as_ref()?;
        match l2.get(&full).await {
            Ok(Some(bytes)) => match decode(&bytes) {
                Some(value) => {
                    self.stats.hit(kind, 2);
                    self.l1.insert(full, Arc::new(bytes));
                    Some(value)
                }
                None => {
                    self.stats.miss(kind, 2);
                    None
                }
            },
            Ok(None) => {
                self.stats.miss(kind, 2);
                None
            }
            Err(_) => {
                self.stats.error(kind);
                None
            }
        }
    }

    /// Stores `value` of `kind` under `key` in both levels.
    pub async fn put<T: Serialize>(&self, kind: Kind, key: &str, value: &T) {
        let Some(bytes) = encode(value) else { return };
        let full = self.key(kind, key);
        self.stats.stored(kind, bytes.len());
        if let Some(l2) = &self.l2
            && l2.set(&full, &bytes, kind.ttl()).await.is_err()
        {
            self.stats.error(kind);
        }
        self.l1.insert(full, Arc::new(bytes));
    }

    /// The generation of `tag`: put it in the keys of entries that `tag`'s changes make stale.
    pub async fn generation(&self, tag: &str) -> u64 {
        let key = format!("{}:generation:{tag}", self.prefix);
        match &self.l2 {
            Some(l2) => match l2.counter(&key).await {
                Ok(generation) => {
                    self.local_generations.insert(key, generation);
                    generation
                }
                // The shared level is away: keep using the last generation seen here, plus what
                // this host invalidated since (so its own writes still invalidate).
                Err(_) => self.local_generations.get(&key).unwrap_or(0),
            },
            None => self.local_generations.get(&key).unwrap_or(0),
        }
    }

    /// Makes every entry keyed with `tag`'s generation unreachable, on every host sharing the
    /// level, and forgets this host's L1 entries.
    pub async fn invalidate(&self, tag: &str) {
        let key = format!("{}:generation:{tag}", self.prefix);
        let local = self.local_generations.get(&key).unwrap_or(0) + 1;
        let generation = match &self.l2 {
            Some(l2) => l2.increment(&key).await.unwrap_or(local).max(local),
            None => local,
        };
        self.local_generations.insert(key, generation);
        self.l1.invalidate_all();
    }
}

/// The kind a full key names (for eviction stats).
fn kind_of_key(key: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| key.split(':').nth(1) == Some(kind.name()))
}

fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    let mut bytes = vec![FORMAT];
    serde_json::to_writer(&mut bytes, value).ok()?;
    Some(bytes)
}

/// A value in the current format, or `None` (another format, or not this type).
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match bytes.split_first() {
        Some((&FORMAT, json)) => serde_json::from_slice(json).ok(),
        _ => None,
    }
}
