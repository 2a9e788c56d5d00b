//! Which HTTP sessions watch a resource that changed, read from the database once per change
//! and host, whichever of the host's sessions asks first (the others wait for that read).
//!
//! Each change has its own id (`crate::app::AppEvent::ResourceUpdated`), and the read happens
//! after the change was made, so a subscription made through any host before the change is
//! seen; nothing is cached across changes.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::storage::Storage;
use crate::tools::ToolError;

/// How long one change's read is kept for the host's sessions that have not asked yet.
const KEPT_FOR: Duration = Duration::from_secs(30);

/// The sessions watching each recent change, per host.
pub struct Watchers {
    storage: Arc<dyn Storage>,
    reads: moka::sync::Cache<String, Arc<OnceCell<Arc<Vec<String>>>>>,
}

impl Watchers {
    /// Reads over `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Watchers {
            storage,
            reads: moka::sync::Cache::builder().max_capacity(4096).time_to_live(KEPT_FOR).build(),
        }
    }

    /// Whether `session_id` watches `uri`, as of the change `change_id` (an empty id, from a
    /// host that sends none, is read on its own).
    pub async fn watches(&self, change_id: &str, uri: &str, session_id: &str) -> Result<bool, ToolError> {
        let watching = if change_id.is_empty() {
            Arc::new(self.storage.mcp_sessions_watching(uri).await?)
        } else {
            let cell = self.reads.get_with(format!("{change_id}\u{1f}{uri}"), || Arc::new(OnceCell::new()));
            cell.get_or_try_init(|| async { self.storage.mcp_sessions_watching(uri).await.map(Arc::new) })
                .await?
                .clone()
        };
        Ok(watching.iter().any(|watcher| watcher == session_id))
    }
}
