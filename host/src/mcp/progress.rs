//! MCP progress notifications for long tool calls (ingesting a book, taking a backup, importing a
//! campaign, a plugin tool nearing its time limit).
//!
//! A client that sends a `progressToken` with `tools/call` gets `notifications/progress`
//! with one overall percentage that only goes up (extraction is the first 20%, chunking
//! the next 5%, embedding and indexing the rest) and a message naming the stage.

use std::sync::Mutex;

use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::Peer;
use tokio::sync::mpsc;

use crate::library::ingest::{Progress, Stage};

/// Sends a call's progress to its client, in order, at most once per percent.
pub struct McpProgress {
    sender: mpsc::UnboundedSender<ProgressNotificationParam>,
    token: ProgressToken,
    last_percent: Mutex<f64>,
}

impl McpProgress {
    /// Progress for the request that carried `token`, sent through `peer`.
    pub fn new(peer: Peer<RoleServer>, token: ProgressToken) -> Self {
        let (sender, mut receiver) = mpsc::unbounded_channel::<ProgressNotificationParam>();
        tokio::spawn(async move {
            while let Some(notification) = receiver.recv().await {
                if peer.notify_progress(notification).await.is_err() {
                    break;
                }
            }
        });
        McpProgress { sender, token, last_percent: Mutex::new(-1.0) }
    }
}

/// Where each stage sits in the overall percentage.
fn span(stage: Stage) -> (f64, f64) {
    match stage {
        Stage::Extracting => (0.0, 20.0),
        Stage::Chunking => (20.0, 25.0),
        Stage::Indexing => (25.0, 100.0),
        Stage::Archiving | Stage::Importing | Stage::PluginCall => (0.0, 100.0),
    }
}

impl Progress for McpProgress {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        let (from, to) = span(stage);
        let fraction = if total == 0 { 0.0 } else { (done as f64 / total as f64).min(1.0) };
        let percent = (from + (to - from) * fraction).floor();
        let mut last = self.last_percent.lock().unwrap_or_else(|p| p.into_inner());
        if percent <= *last {
            return;
        }
        *last = percent;
        let notification = ProgressNotificationParam::new(self.token.clone(), percent)
            .with_total(100.0)
            .with_message(format!("{} {done}/{total}", stage.label()));
        let _ = self.sender.send(notification);
    }
}
