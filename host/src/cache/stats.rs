//! What the cache counts: hits and misses per level and kind, reads that bypassed the cache,
//! evictions, errors and bytes stored, and the hit rate.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::Kind;

/// Counters of one kind of entry.
#[derive(Debug, Default)]
struct Counters {
    l1_hits: AtomicU64,
    l1_misses: AtomicU64,
    l2_hits: AtomicU64,
    l2_misses: AtomicU64,
    bypassed: AtomicU64,
    evictions: AtomicU64,
    errors: AtomicU64,
    bytes_stored: AtomicU64,
}

/// The counts of every kind.
#[derive(Debug, Default)]
pub struct CacheStats {
    kinds: [Counters; Kind::ALL.len()],
}

/// One kind's counts, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindStats {
    /// The kind (`rules_answer`, …).
    pub kind: &'static str,
    /// Reads answered in process.
    pub l1_hits: u64,
    /// Reads not found in process.
    pub l1_misses: u64,
    /// Reads answered by the shared level.
    pub l2_hits: u64,
    /// Reads the shared level did not have either.
    pub l2_misses: u64,
    /// Reads that went straight to the source of truth because the shared level could not
    /// say whether another host had changed the entry (it was away).
    pub bypassed: u64,
    /// Entries dropped from L1 to stay within its bytes.
    pub evictions: u64,
    /// Reads and writes the shared level failed.
    pub errors: u64,
    /// Bytes written.
    pub bytes_stored: u64,
    /// Hits (either level) per read, 0 to 1.
    pub hit_rate: f64,
}

impl CacheStats {
    fn of(&self, kind: Kind) -> &Counters {
        &self.kinds[kind.index()]
    }

    pub(super) fn hit(&self, kind: Kind, level: u8) {
        let c = self.of(kind);
        if level == 1 { &c.l1_hits } else { &c.l2_hits }.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn miss(&self, kind: Kind, level: u8) {
        let c = self.of(kind);
        if level == 1 { &c.l1_misses } else { &c.l2_misses }.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn bypassed(&self, kind: Kind) {
        self.of(kind).bypassed.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn error(&self, kind: Kind) {
        self.of(kind).errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn evicted(&self, kind: Kind) {
        self.of(kind).evictions.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn stored(&self, kind: Kind, bytes: usize) {
        self.of(kind).bytes_stored.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// The counts of `kind`.
    pub fn of_kind(&self, kind: Kind) -> KindStats {
        let c = self.of(kind);
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (l1_hits, l1_misses, l2_hits) = (load(&c.l1_hits), load(&c.l1_misses), load(&c.l2_hits));
        let bypassed = load(&c.bypassed);
        let reads = l1_hits + l1_misses + bypassed;
        KindStats {
            kind: kind.name(),
            l1_hits,
            l1_misses,
            l2_hits,
            l2_misses: load(&c.l2_misses),
            bypassed,
            evictions: load(&c.evictions),
            errors: load(&c.errors),
            bytes_stored: load(&c.bytes_stored),
            hit_rate: if reads == 0 { 0.0 } else { (l1_hits + l2_hits) as f64 / reads as f64 },
        }
    }

    /// Every kind's counts.
    pub fn snapshot(&self) -> Vec<KindStats> {
        Kind::ALL.into_iter().map(|kind| self.of_kind(kind)).collect()
    }
}
