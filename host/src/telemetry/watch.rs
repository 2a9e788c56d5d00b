//! [`Watch`]: how a long job below the tools (a backup, a campaign import) reports progress
//! and learns it was cancelled, without knowing who watches. The tool that runs the job
//! turns its reports into MCP progress and holds [`Watch::cancel_on_drop`], so a client's
//! `notifications/cancelled` (which drops the call) stops the job at its next step, where it
//! undoes what it had started.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A job's watcher: hears `(done, total)` after each step and may stop it.
#[derive(Clone, Default)]
pub struct Watch {
    cancelled: Arc<AtomicBool>,
    progress: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
}

/// The job was cancelled ([`Watch::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

impl Watch {
    /// A watch that hears `(steps done, steps in all)` after each step.
    pub fn reporting(progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Watch {
        Watch { cancelled: Arc::default(), progress: Some(Arc::new(progress)) }
    }

    /// Stops the job at its next step.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// A guard that cancels the job when dropped: held by a call whose future is dropped
    /// when its client cancels it (the job may run on another task, which the drop would not
    /// stop).
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }

    /// `Err(Cancelled)` once the job was cancelled: called by the job between steps.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.cancelled.load(Ordering::Relaxed) { Err(Cancelled) } else { Ok(()) }
    }

    /// Reports that `done` of `total` steps are finished.
    pub fn report(&self, done: u64, total: u64) {
        if let Some(progress) = &self.progress {
            progress(done, total);
        }
    }
}

/// Cancels its [`Watch`] when dropped (see [`Watch::cancel_on_drop`]).
pub struct CancelOnDrop(Watch);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watch_reports_and_a_dropped_guard_cancels() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = seen.clone();
        let watch = Watch::reporting(move |done, total| {
            heard.lock().unwrap_or_else(|p| p.into_inner()).push((done, total))
        });
        watch.report(1, 2);
        assert_eq!(watch.check(), Ok(()));
        drop(watch.cancel_on_drop());
        assert_eq!(watch.check(), Err(Cancelled));
        assert_eq!(*seen.lock().unwrap_or_else(|p| p.into_inner()), vec![(1, 2)]);
    }
}
