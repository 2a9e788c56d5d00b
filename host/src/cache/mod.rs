//! The two-level cache: L1 in process (moka, bounded by bytes, a time to live per kind), L2
//! in Redis shared by every host (off unless `cache.redis_url` is set).
//!
//! A read tries L1, then L2 (promoting a hit into L1), then the caller computes; a write goes
//! to both. Values are stored as one format byte ([`FORMAT`]) and JSON, so a host never reads
//! an entry written in a format it does not know (it is a miss).
//!
//! **Invalidation is by tag.** An entry is either keyed by its content ([`Scope::Content`]:
//! a query's embedding; never stale) or
//! carries a tag's generation ([`Scope::Tagged`] with a [`Stamp`] from
//! [`TwoLevelCache::stamp`]). [`TwoLevelCache::invalidate`] bumps the tag's generation in
//! Redis and publishes the tag on one channel in the same transaction, so every entry made
//! before is unreachable on every host: the other hosts drop their copies (and their L1
//! entries of the tag) when the message arrives, and old entries in Redis are deleted in
//! the background with `SCAN`, never `KEYS`. A stamp is taken before the source of truth is
//! read, so an answer computed across a change is stored under the old generation, where
//! nobody looks.
//!
//! **Redis away.** When Redis is down or slow (a 50 ms deadline), nothing fails: entries keyed
//! by content are served from L1, and tagged reads go to the source of truth (another host's
//! change could not reach this one); one warning is logged per outage, [`CacheStats`] counts
//! the errors and bypasses, the connection and the subscription are tried again on their
//! own, and tags invalidated meanwhile are bumped in Redis as soon as it answers.

mod generations;
mod listener;
mod redis_l2;
mod stats;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use generations::Generations;
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
    /// A search of a system's records (monsters, spells, …).
    RecordSearch,
    /// A campaign row.
    Campaign,
    /// A character row.
    Character,
    /// A campaign's running combat.
    Combat,
}

impl Kind {
    /// Every kind, for stats.
    pub const ALL: [Kind; 6] = [
        Kind::RulesAnswer,
        Kind::QueryEmbedding,
        Kind::RecordSearch,
        Kind::Campaign,
        Kind::Character,
        Kind::Combat,
    ];

    /// The name stats and keys use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RulesAnswer => "rules_answer",
            Kind::QueryEmbedding => "query_embedding",
            Kind::RecordSearch => "record_search",
            Kind::Campaign => "campaign",
            Kind::Character => "character",
            Kind::Combat => "combat",
        }
    }

    /// How long an entry lives (invalidation ends it sooner; this bounds what an entry of a
    /// tag nobody touches costs).
    pub fn ttl(self) -> Duration {
        match self {
            Kind::RulesAnswer | Kind::RecordSearch => Duration::from_secs(3600),
            Kind::QueryEmbedding => Duration::from_secs(24 * 3600),
            Kind::Campaign | Kind::Character | Kind::Combat => Duration::from_secs(600),
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn of_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The tags the host's entries carry, one per thing whose change makes entries stale.
pub mod tag {
    /// A campaign's row.
    pub fn campaign(id: &str) -> String {
        format!("campaign:{id}")
    }

    /// A character's row.
    pub fn character(id: &str) -> String {
        format!("character:{id}")
    }

    /// A campaign's running combat.
    pub fn combat(campaign_id: &str) -> String {
        format!("combat:{campaign_id}")
    }

    /// A game system's records (what record searches read).
    pub fn records(system: &str) -> String {
        format!("records:{system}")
    }
}

/// A tag's generation as read before computing a value: entries stored with it are found by
/// readers of the same generation only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    tag: String,
    /// `None` when the shared level could not say (it is away): the read bypasses the cache.
    generation: Option<u64>,
}

impl Stamp {
    /// The generation, when it is known.
    pub fn generation(&self) -> Option<u64> {
        self.generation
    }
}

/// What an entry's key is tied to.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// The key names the content itself (never stale).
    Content,
    /// The entry is stale once the stamp's tag is invalidated.
    Tagged(&'a Stamp),
}

/// The shared level: a byte store with counters and a channel, reached over the network.
#[async_trait::async_trait]
pub trait SharedCache: Send + Sync {
    /// The value under `key`, if any. `Err` when the store cannot be reached in time.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;
    /// Stores `value` under `key` for `ttl`.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError>;
    /// The counter under `key` (0 when absent).
    async fn counter(&self, key: &str) -> Result<u64, CacheError>;
    /// Adds one to the counter under `key` and publishes `message` on `channel`, in one
    /// transaction; returns the counter's new value.
    async fn bump(&self, key: &str, channel: &str, message: &str) -> Result<u64, CacheError>;
    /// Deletes the keys matching the glob `pattern` for which `stale` says yes, walking the
    /// keys with `SCAN`; returns how many it deleted.
    async fn delete_matching(
        &self,
        pattern: &str,
        stale: &(dyn for<'k> Fn(&'k str) -> bool + Send + Sync),
    ) -> Result<usize, CacheError>;
    /// Subscribes to `channel` and reports to `sink` until the subscription is lost, the
    /// store stops answering, or the sink is gone (then `Ok`).
    async fn listen(&self, channel: &str, sink: &dyn InvalidationSink) -> Result<(), CacheError>;
    /// Asks the store to answer now (within the deadline).
    async fn ping(&self) -> Result<(), CacheError>;
    /// Whether the store answers now.
    fn is_up(&self) -> bool;
}

/// Who hears what arrives on the invalidation channel.
pub trait InvalidationSink: Send + Sync {
    /// The subscription holds.
    fn subscribed(&self);
    /// A host invalidated `tag`.
    fn invalidated(&self, tag: &str);
    /// Whether anyone still listens (the cache was not dropped).
    fn alive(&self) -> bool;
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

/// One L1 entry: its kind (for its time to live and the stats) and its encoded value.
struct Entry {
    kind: Kind,
    bytes: Vec<u8>,
}

/// The two levels together.
pub struct TwoLevelCache {
    inner: Arc<Inner>,
}

struct Inner {
    l1: moka::sync::Cache<String, Arc<Entry>>,
    l2: Option<Arc<dyn SharedCache>>,
    prefix: String,
    stats: CacheStats,
    generations: Generations,
    listener_started: AtomicBool,
}

/// Gives each L1 entry its kind's time to live.
struct KindExpiry;

impl moka::Expiry<String, Arc<Entry>> for KindExpiry {
    fn expire_after_create(&self, _key: &String, value: &Arc<Entry>, _now: Instant) -> Option<Duration> {
        Some(value.kind.ttl())
    }
}

impl TwoLevelCache {
    /// An L1 of `l1_bytes`, over `l2` when given; every key starts with `prefix`.
    pub fn new(l1_bytes: u64, l2: Option<Arc<dyn SharedCache>>, prefix: &str) -> Self {
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
            let evictions = weak.clone();
            let l1 = moka::sync::Cache::builder()
                .max_capacity(l1_bytes)
                .weigher(|key: &String, value: &Arc<Entry>| {
                    u32::try_from(key.len() + value.bytes.len() + 64).unwrap_or(u32::MAX)
                })
                .expire_after(KindExpiry)
                .support_invalidation_closures()
                .eviction_listener(move |_key, value: Arc<Entry>, cause| {
                    if cause.was_evicted()
                        && let Some(inner) = evictions.upgrade()
                    {
                        inner.stats.evicted(value.kind);
                    }
                })
                .build();
            Inner {
                l1,
                l2,
                prefix: prefix.to_string(),
                stats: CacheStats::default(),
                generations: Generations::new(),
                listener_started: AtomicBool::new(false),
            }
        });
        TwoLevelCache { inner }
    }

    /// L1 only (no service needed): what a host without `cache.redis_url` runs.
    pub fn local(l1_bytes: u64) -> Self {
        Self::new(l1_bytes, None, "ttrpg")
    }

    /// The counts so far.
    pub fn stats(&self) -> &CacheStats {
        &self.inner.stats
    }

    /// Whether a shared level is configured, and whether it answers now.
    pub fn shared_level(&self) -> Option<bool> {
        self.inner.l2.as_ref().map(|l2| l2.is_up())
    }

    /// Whether this host hears other hosts' invalidations now (`None` without a shared level).
    pub fn listening(&self) -> Option<bool> {
        self.inner.l2.as_ref().map(|_| self.inner.generations.listening())
    }

    /// Empties this host's L1 (the shared level and the generations are untouched): what a
    /// fresh host would find, for benchmarks and operators freeing memory.
    pub fn forget_local(&self) {
        self.inner.l1.invalidate_all();
        self.inner.l1.run_pending_tasks();
    }

    /// Asks the shared level to answer (`None` without one).
    pub async fn ping(&self) -> Option<Result<(), CacheError>> {
        match &self.inner.l2 {
            Some(l2) => Some(l2.ping().await),
            None => None,
        }
    }

    /// The bytes L1 holds now.
    pub fn l1_bytes(&self) -> u64 {
        self.inner.l1.run_pending_tasks();
        self.inner.l1.weighted_size()
    }

    /// The current generation of `tag`: take it before reading the source of truth, and
    /// store what was computed with it.
    pub async fn stamp(&self, tag: &str) -> Stamp {
        let inner = &self.inner;
        let Some(l2) = &inner.l2 else {
            return Stamp {
                tag: tag.to_string(),
                generation: Some(inner.generations.known(tag).unwrap_or(0)),
            };
        };
        self.start_listener();
        if inner.generations.has_pending() && !inner.replay_pending(l2.as_ref()).await {
            return Stamp { tag: tag.to_string(), generation: None };
        }
        if inner.generations.listening()
            && l2.is_up()
            && let Some(generation) = inner.generations.known(tag)
        {
            return Stamp { tag: tag.to_string(), generation: Some(generation) };
        }
        let seen = inner.generations.version();
        match l2.counter(&inner.generation_key(tag)).await {
            Ok(generation) => {
                inner.generations.remember(tag, generation, seen);
                Stamp { tag: tag.to_string(), generation: Some(generation) }
            }
            Err(_) => Stamp { tag: tag.to_string(), generation: None },
        }
    }

    /// The value of `kind` under `key` in `scope`: L1, then L2 (a hit is promoted into L1),
    /// or `None`.
    pub async fn get<T: DeserializeOwned>(&self, kind: Kind, scope: Scope<'_>, key: &str) -> Option<T> {
        let inner = &self.inner;
        let Some(full) = inner.key(kind, scope, key) else {
            inner.stats.bypassed(kind);
            return None;
        };
        if let Some(entry) = inner.l1.get(&full) {
            if let Some(value) = decode(&entry.bytes) {
                inner.stats.hit(kind, 1);
                return Some(value);
            }
            inner.l1.invalidate(&full);
        }
        inner.stats.miss(kind, 1);
        let l2 = inner.l2.as_ref()?;
        match l2.get(&full).await {
            Ok(Some(bytes)) => match decode(&bytes) {
                Some(value) => {
                    inner.stats.hit(kind, 2);
                    inner.l1.insert(full, Arc::new(Entry { kind, bytes }));
                    Some(value)
                }
                None => {
                    inner.stats.miss(kind, 2);
                    None
                }
            },
            Ok(None) => {
                inner.stats.miss(kind, 2);
                None
            }
            Err(_) => {
                inner.stats.error(kind);
                None
            }
        }
    }

    /// Stores `value` of `kind` under `key` in `scope`, in both levels.
    pub async fn put<T: Serialize>(&self, kind: Kind, scope: Scope<'_>, key: &str, value: &T) {
        let inner = &self.inner;
        let Some(full) = inner.key(kind, scope, key) else { return };
        let Some(bytes) = encode(value) else { return };
        inner.stats.stored(kind, bytes.len());
        if let Some(l2) = &inner.l2
            && l2.set(&full, &bytes, kind.ttl()).await.is_err()
        {
            inner.stats.error(kind);
        }
        inner.l1.insert(full, Arc::new(Entry { kind, bytes }));
    }

    /// Makes every entry stamped with `tag` unreachable, here and on every host sharing the
    /// level, before it returns (on other hosts: as soon as the message arrives).
    pub async fn invalidate(&self, tag: &str) {
        let inner = &self.inner;
        inner.drop_local(tag);
        let Some(l2) = &inner.l2 else {
            inner.generations.bump_local(tag);
            return;
        };
        match l2.bump(&inner.generation_key(tag), &inner.channel(), tag).await {
            Ok(generation) => {
                inner.generations.forget(tag);
                inner.spawn_cleanup(tag, generation);
            }
            Err(_) => inner.generations.add_pending(tag),
        }
    }

    /// Starts listening for other hosts' invalidations (once; needs a Tokio runtime).
    fn start_listener(&self) {
        if self.inner.listener_started.swap(true, Ordering::AcqRel) {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            self.inner.listener_started.store(false, Ordering::Release);
            return;
        }
        listener::spawn(Arc::downgrade(&self.inner));
    }
}

impl Inner {
    /// The full key, or `None` when the scope's generation is unknown.
    fn key(&self, kind: Kind, scope: Scope<'_>, key: &str) -> Option<String> {
        match scope {
            Scope::Content => Some(format!("{}:{}:-:{key}", self.prefix, kind.name())),
            Scope::Tagged(stamp) => {
                let generation = stamp.generation?;
                Some(format!("{}:{}:{}@{generation}:{key}", self.prefix, kind.name(), stamp.tag))
            }
        }
    }

    fn generation_key(&self, tag: &str) -> String {
        format!("{}:generation:{tag}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:invalidations", self.prefix)
    }

    /// The tag and generation a full key carries (`None` for content keys and others).
    fn tag_of<'k>(&self, key: &'k str) -> Option<(&'k str, u64)> {
        let rest = key.strip_prefix(self.prefix.as_str())?.strip_prefix(':')?;
        let (kind, rest) = rest.split_once(':')?;
        Kind::of_name(kind)?;
        // Tags may hold ':' (`campaign:ID`), generations do not: the tag ends at the last '@'
        // before the first ':' that follows an '@'.
        let at = rest.find('@')?;
        let after = &rest[at + 1..];
        let end = after.find(':')?;
        Some((&rest[..at], after[..end].parse().ok()?))
    }

    /// Drops this host's L1 entries of `tag`.
    fn drop_local(self: &Arc<Self>, tag: &str) {
        let (me, tag) = (Arc::downgrade(self), tag.to_string());
        let dropped = self.l1.invalidate_entries_if(move |key, _| {
            me.upgrade().is_some_and(|inner| inner.tag_of(key).is_some_and(|(t, _)| t == tag))
        });
        if dropped.is_err() {
            self.l1.invalidate_all();
        }
    }

    /// Bumps the tags invalidated while the store was away; false when it is still away.
    async fn replay_pending(&self, l2: &dyn SharedCache) -> bool {
        for tag in self.generations.take_pending() {
            if l2.bump(&self.generation_key(&tag), &self.channel(), &tag).await.is_err() {
                self.generations.add_pending(&tag);
                return false;
            }
        }
        true
    }

    /// Deletes the shared level's entries of `tag` older than `generation`, in the background.
    fn spawn_cleanup(self: &Arc<Self>, tag: &str, generation: u64) {
        let Some(l2) = self.l2.clone() else { return };
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let (me, tag) = (Arc::downgrade(self), tag.to_string());
        let pattern = format!("{}:*:{}@*", glob_escape(&self.prefix), glob_escape(&tag));
        tokio::spawn(async move {
            let stale = move |key: &str| {
                me.upgrade()
                    .is_some_and(|inner| inner.tag_of(key).is_some_and(|(t, g)| t == tag && g < generation))
            };
            if let Err(err) = l2.delete_matching(&pattern, &stale).await {
                tracing::debug!("deleting old cache entries: {err}");
            }
        });
    }
}

impl InvalidationSink for std::sync::Weak<Inner> {
    fn subscribed(&self) {
        if let Some(inner) = self.upgrade() {
            inner.generations.subscribed();
        }
    }

    fn invalidated(&self, tag: &str) {
        if let Some(inner) = self.upgrade() {
            inner.generations.forget(tag);
            inner.drop_local(tag);
        }
    }

    fn alive(&self) -> bool {
        self.strong_count() > 0
    }
}

/// `text` with the glob characters of Redis patterns escaped.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_tag_and_generation() {
        let cache = TwoLevelCache::local(1 << 20);
        let stamp = Stamp { tag: "campaign:0190-ab".into(), generation: Some(7) };
        let key = cache.inner.key(Kind::Campaign, Scope::Tagged(&stamp), "x:y").unwrap();
        assert_eq!(key, "ttrpg:campaign:campaign:0190-ab@7:x:y");
        assert_eq!(cache.inner.tag_of(&key), Some(("campaign:0190-ab", 7)));
        let content = cache.inner.key(Kind::QueryEmbedding, Scope::Content, "abc").unwrap();
        assert_eq!(cache.inner.tag_of(&content), None);
        let unknown = Stamp { tag: "library".into(), generation: None };
        assert_eq!(cache.inner.key(Kind::RulesAnswer, Scope::Tagged(&unknown), "q"), None);
    }

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
