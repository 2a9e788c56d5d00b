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
    /// Writing files into a backup archive (a backup reports through the same sinks).
    Archiving,
    /// Storing a campaign import's files, then its rows.
    Importing,
    /// A plugin tool running: milliseconds of its time limit gone.
    PluginCall,
}

impl Stage {
    /// What the stage is called on a progress bar.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Extracting => "extracting pages",
            Stage::Chunking => "chunking",
            Stage::Indexing => "embedding and indexing chunks",
            Stage::Archiving => "archiving files",
            Stage::Importing => "importing files and rows",
            Stage::PluginCall => "running the plugin tool, milliseconds of its time limit",
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

/// One ingestion in progress, as health reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RunningIngest {
    /// The book's title.
    pub book: String,
    /// The file's name (never its folder).
    pub file: String,
    /// `queued` (waiting for a slot), or the stage's label.
    pub stage: String,
    /// Units of the stage done.
    pub done: u64,
    /// Units of the stage in all.
    pub total: u64,
    /// Seconds since the ingestion was asked for.
    pub seconds: u64,
}

/// The ingestions this host runs now.
#[derive(Default)]
pub struct RunningIngests {
    next: std::sync::atomic::AtomicU64,
    running: std::sync::Mutex<std::collections::BTreeMap<u64, (std::time::Instant, RunningIngest)>>,
}

impl RunningIngests {
    /// Notes an ingestion of `file` as `book`, queued; it is forgotten when the guard drops.
    pub fn start(&self, book: &str, file: &str) -> IngestGuard<'_> {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let entry = RunningIngest {
            book: book.to_string(),
            file: file.to_string(),
            stage: "queued".into(),
            done: 0,
            total: 0,
            seconds: 0,
        };
        if let Ok(mut running) = self.running.lock() {
            running.insert(id, (std::time::Instant::now(), entry));
        }
        IngestGuard { ingests: self, id }
    }

    /// What runs now, oldest first.
    pub fn snapshot(&self) -> Vec<RunningIngest> {
        let Ok(running) = self.running.lock() else { return Vec::new() };
        running
            .values()
            .map(|(started, entry)| RunningIngest { seconds: started.elapsed().as_secs(), ..entry.clone() })
            .collect()
    }
}

/// One ingestion's entry in [`RunningIngests`]; a [`Progress`] that keeps it up to date.
pub struct IngestGuard<'a> {
    ingests: &'a RunningIngests,
    id: u64,
}

impl Progress for IngestGuard<'_> {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        if let Ok(mut running) = self.ingests.running.lock()
            && let Some((_, entry)) = running.get_mut(&self.id)
        {
            entry.stage = stage.label().to_string();
            entry.done = done;
            entry.total = total;
        }
    }
}

impl Drop for IngestGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut running) = self.ingests.running.lock() {
            running.remove(&self.id);
        }
    }
}

/// Reports to two sinks at once.
pub struct BothProgress<'a>(pub &'a dyn Progress, pub &'a dyn Progress);

impl Progress for BothProgress<'_> {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        self.0.update(stage, done, total);
        self.1.update(stage, done, total);
    }
}
