//! What this host knows of the tags' generations, and when it may trust it.
//!
//! Without a shared level the generations live here alone. With one, the generation in Redis
//! is the truth; this host keeps a copy of each tag's generation only while its subscription
//! to the invalidation channel holds and the store answers (then every bump anywhere reaches
//! it as a message, which drops the copy). Every message, subscription and bump moves
//! [`Generations::version`], and a copy read from Redis is only kept when no such event
//! happened during the read, so a message can never be overtaken by the value it replaces.
//! Tags invalidated while the store was away are kept as pending and bumped in Redis as soon
//! as it answers again.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The generations of tags, as this host knows them.
pub(super) struct Generations {
    known: moka::sync::Cache<String, u64>,
    version: AtomicU64,
    listening: AtomicBool,
    pending: Mutex<BTreeSet<String>>,
}

impl Generations {
    pub(super) fn new() -> Self {
        Generations {
            known: moka::sync::Cache::new(100_000),
            version: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            pending: Mutex::new(BTreeSet::new()),
        }
    }

    /// The count of events so far (to pass to [`Generations::remember`]).
    pub(super) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The generation of `tag` held here, if any (the caller decides whether it may trust it).
    pub(super) fn known(&self, tag: &str) -> Option<u64> {
        self.known.get(tag)
    }

    /// Keeps `generation` for `tag`, read when [`Generations::version`] was `seen`, unless an
    /// event came between.
    pub(super) fn remember(&self, tag: &str, generation: u64, seen: u64) {
        if self.version() == seen {
            self.known.insert(tag.to_string(), generation);
        }
    }

    /// The local generation of `tag` plus one (no shared level).
    pub(super) fn bump_local(&self, tag: &str) -> u64 {
        self.version.fetch_add(1, Ordering::AcqRel);
        let next = self.known.get(tag).unwrap_or(0) + 1;
        self.known.insert(tag.to_string(), next);
        next
    }

    /// `tag` changed somewhere: forget its copy.
    pub(super) fn forget(&self, tag: &str) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.known.invalidate(tag);
    }

    /// The subscription holds (again): copies from before may have missed messages.
    pub(super) fn subscribed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.known.invalidate_all();
        self.listening.store(true, Ordering::Release);
    }

    /// The subscription was lost: copies are no longer trusted.
    pub(super) fn unsubscribed(&self) {
        self.listening.store(false, Ordering::Release);
        self.version.fetch_add(1, Ordering::AcqRel);
        self.known.invalidate_all();
    }

    /// Whether the subscription holds.
    pub(super) fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Notes that `tag` was invalidated while the store was away.
    pub(super) fn add_pending(&self, tag: &str) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(tag.to_string());
        }
        self.forget(tag);
    }

    /// Takes the tags still to bump in the shared level.
    pub(super) fn take_pending(&self) -> Vec<String> {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p).into_iter().collect()).unwrap_or_default()
    }

    /// Whether tags are waiting to be bumped.
    pub(super) fn has_pending(&self) -> bool {
        self.pending.lock().is_ok_and(|p| !p.is_empty())
    }
}
