//! ONNX Runtime sessions of one model, shared by every caller without one lock.
//!
//! A session runs one batch at a time, so one session behind one mutex makes a rules
//! question wait for an ingestion's batch to finish. The pool holds up to
//! [`SessionPool::capacity`] sessions, made on demand from the same model bytes:
//! - a call takes a free session if there is one, makes a new one while under capacity,
//!   and only then waits (on the sessions in turn);
//! - a call of many texts ([`SessionPool::run_batches`]) runs its batches on up to
//!   `bulk_workers` sessions at once, each on one thread of its own, and leaves the rest of
//!   the pool to other callers: on two cores, ingestion embeds on two sessions and a search
//!   still finds the third free.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use fastembed::TextEmbedding;

use super::EmbedError;

/// Builds one more session of the pool's model.
pub(crate) type MakeSession = Box<dyn Fn() -> Result<TextEmbedding, EmbedError> + Send + Sync>;

/// Sessions of one model (see the module docs).
pub(crate) struct SessionPool {
    slots: Vec<OnceLock<Mutex<TextEmbedding>>>,
    /// Serializes making sessions (each costs the model's load time and memory).
    making: Mutex<()>,
    make: MakeSession,
    /// Where the next wait starts, so waiting callers spread over the sessions.
    next: AtomicUsize,
    bulk_workers: usize,
}

impl SessionPool {
    /// A pool of at most `capacity` sessions whose first one is `first`; a call of many
    /// batches uses at most `bulk_workers` of them at once.
    pub(crate) fn new(first: TextEmbedding, make: MakeSession, capacity: usize, bulk_workers: usize) -> Self {
        let slots: Vec<OnceLock<Mutex<TextEmbedding>>> =
            (0..capacity.max(1)).map(|_| OnceLock::new()).collect();
        let _ = slots[0].set(Mutex::new(first));
        SessionPool {
            slots,
            making: Mutex::new(()),
            make,
            next: AtomicUsize::new(0),
            bulk_workers: bulk_workers.clamp(1, capacity.max(1)),
        }
    }

    /// How many sessions it may hold.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many sessions it holds now.
    pub(crate) fn made(&self) -> usize {
        self.slots.iter().filter(|slot| slot.get().is_some()).count()
    }

    /// A session to run on: a free one, else a new one while under capacity, else the next
    /// one to come free in turn.
    pub(crate) fn acquire(&self) -> Result<MutexGuard<'_, TextEmbedding>, EmbedError> {
        for slot in &self.slots {
            if let Some(session) = slot.get()
                && let Ok(guard) = session.try_lock()
            {
                return Ok(guard);
            }
        }
        if let Some(guard) = self.make_one()? {
            return Ok(guard);
        }
        let made = self.made().max(1);
        let at = self.next.fetch_add(1, Ordering::Relaxed) % made;
        let session = self.slots.iter().filter_map(OnceLock::get).nth(at).expect("the first session exists");
        Ok(session.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Makes a session in the first empty slot and returns it locked; `None` when the pool
    /// is full.
    fn make_one(&self) -> Result<Option<MutexGuard<'_, TextEmbedding>>, EmbedError> {
        let _making = self.making.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(slot) = self.slots.iter().find(|slot| slot.get().is_none()) else { return Ok(None) };
        let session = (self.make)()?;
        let _ = slot.set(Mutex::new(session));
        let session = slot.get().expect("just set");
        Ok(session.try_lock().ok())
    }

    /// Runs `run` on each of `batches` (in any order, on up to `bulk_workers` sessions at
    /// once) and returns the results in the order of `batches`.
    pub(crate) fn run_batches<B: Sync, T: Send>(
        &self,
        batches: &[B],
        run: impl Fn(&mut TextEmbedding, &B) -> Result<T, EmbedError> + Sync,
    ) -> Result<Vec<T>, EmbedError> {
        let workers = self.bulk_workers.min(batches.len());
        if workers <= 1 {
            let mut session = self.acquire()?;
            return batches.iter().map(|batch| run(&mut session, batch)).collect();
        }
        let taken = AtomicUsize::new(0);
        let results: Vec<Result<Vec<(usize, T)>, EmbedError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut session = self.acquire()?;
                        let mut done = Vec::new();
                        loop {
                            let i = taken.fetch_add(1, Ordering::Relaxed);
                            let Some(batch) = batches.get(i) else { break };
                            done.push((i, run(&mut session, batch)?));
                        }
                        Ok(done)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|_| Err(EmbedError::Inference("an embedding thread panicked".into())))
                })
                .collect()
        });
        let mut ordered: Vec<Option<T>> = (0..batches.len()).map(|_| None).collect();
        for result in results {
            for (i, value) in result? {
                ordered[i] = Some(value);
            }
        }
        ordered
            .into_iter()
            .map(|value| value.ok_or_else(|| EmbedError::Inference("a batch was not embedded".into())))
            .collect()
    }
}
