//! `backup_create`: the operator takes a backup while the server serves (see
//! [`crate::backup`]); restoring needs the server stopped, so it is `ttrpg restore` only.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::ToolError;
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use crate::access::Need;
use crate::backup::{self, BackupError, Created};

/// Arguments of `backup_create` (none: the file goes to `<data>/backups`, named by time).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupArgs {}

/// The backup tool.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![typed_tool(
        "backup_create",
        "Back up the server",
        "Take a backup now, while the server keeps serving: a transaction-consistent copy of the database \
         (SQLite's VACUUM INTO, or a pg_dump of one snapshot on PostgreSQL), the installed plugins and every \
         image, in one tar + zstd archive under the data folder's backups/, with a manifest of every file's \
         size and SHA-256. Returns the file and what it holds. Restore with `ttrpg restore FILE` on the \
         server's machine, with the server stopped.",
        ToolHints::ADD,
        Need::Operator,
        create,
    )]
}

async fn create(app: ToolCall, _args: BackupArgs) -> Result<Created, ToolError> {
    use crate::library::ingest::{Stage, current_progress};
    let watch = match current_progress() {
        Some(progress) => crate::telemetry::Watch::reporting(move |done, total| {
            progress.update(Stage::Archiving, done, total)
        }),
        None => crate::telemetry::Watch::default(),
    };
    // A client's `notifications/cancelled` drops this call: the guard stops the archive
    // writer (a blocking task the drop would not stop) and it removes its partial file.
    let _stop_when_dropped = watch.cancel_on_drop();
    backup::create(&app.config, app.storage.as_ref(), None, &watch).await.map_err(|err| match err {
        BackupError::Cancelled => ToolError::Cancelled(err.to_string()),
        BackupError::Refused(message) => ToolError::Conflict(message),
        BackupError::Storage(storage) => storage.into(),
        other => ToolError::Internal(other.to_string()),
    })
}
