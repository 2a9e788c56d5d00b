//! Progress of long work (ingesting a book), reported to whoever waits for it: a terminal
//! progress bar for the CLI, MCP progress notifications for a client that asked for them.

/// A step of ingestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the pages' text.
    Extracting,
    /// Splitting pages into chunks.
    Chunking,
    /// Embedding chunks and writing them to the index.
    Indexing,
}

impl Stage {
    /// What the stage is called on a progress bar.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Extracting => "extracting pages",
            Stage::Chunking => "chunking",
            Stage::Indexing => "embedding and indexing chunks",
        }
    }
}

/// Receives progress. Called from worker threads; must be cheap.
pub trait Progress: Send + Sync {
    /// `done` of `total` units of `stage` are finished.
    fn update(&self, stage: Stage, done: u64, total: u64);
}

/// Progress nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _stage: Stage, _done: u64, _total: u64) {}
}

tokio::task_local! {
    /// The progress sink of the tool call running on this task, set by the MCP layer when
    /// the client asked for progress notifications.
    pub static CALL_PROGRESS: std::sync::Arc<dyn Progress>;
}

/// The progress sink of the current tool call, if its client asked for progress.
pub fn current_progress() -> Option<std::sync::Arc<dyn Progress>> {
    CALL_PROGRESS.try_with(|p| p.clone()).ok()
}
