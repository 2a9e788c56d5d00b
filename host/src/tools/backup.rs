//! `backup_create`: the operator takes a backup while the server serves (see
//! [`crate::backup`]). `backup_restore`: after the person agreed, the operator asks for a
//! restore that the server does when it next starts ([`crate::backup::pending`]): a restore
//! needs the data folder alone, which a running server holds.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolError;
use super::confirm::require_confirmation;
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use crate::access::Need;
use crate::backup::pending::PendingRestore;
use crate::backup::{self, BackupError, Created, Manifest};
use crate::storage::Engine;

/// Arguments of `backup_create` (none: the file goes to `<data>/backups`, named by time).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupArgs {}

/// Arguments of `backup_restore`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreArgs {
    /// The backup: its file name in the data folder's backups/ (as backup_create returned it),
    /// or its path there.
    pub file: String,
    /// Only where this client cannot ask the person (no MCP elicitation): true once they
    /// agreed to the question this tool returned.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// What `backup_restore` arranged.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RestoreRequested {
    /// The restore waiting for the next start.
    pub pending: PendingRestore,
    /// What the backup holds.
    pub manifest: Manifest,
    /// What happens next.
    pub next: String,
}

/// The backup tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "backup_create",
            "Back up the server",
            "Take a backup now, while the server keeps serving: a transaction-consistent copy of the database \
         (SQLite's VACUUM INTO, or a pg_dump of one snapshot on PostgreSQL), the installed plugins and every \
         image, in one tar + zstd archive under the data folder's backups/, with a manifest of every file's \
         size and SHA-256. Returns the file and what it holds. Restore it with backup_restore, or with \
         `ttrpg restore FILE` on the server's machine with the server stopped.",
            ToolHints::ADD,
            Need::Operator,
            create,
        ),
        typed_tool(
            "backup_restore",
            "Restore a backup",
            "Replace everything on this server (campaigns, books, plugins, images) with a backup from the data \
             folder's backups/, after asking the person. The archive is checked whole now; the restore itself \
             happens when the server next starts (a running server cannot swap its own database), after backing \
             up what is there then. SQLite only: on PostgreSQL, stop every host and run `ttrpg restore FILE \
             --replace` on one.",
            ToolHints::CHANGE,
            Need::Operator,
            restore,
        ),
    ]
}

async fn restore(app: ToolCall, args: RestoreArgs) -> Result<RestoreRequested, ToolError> {
    let engine = Engine::from_url(&app.config.database_url()).map_err(ToolError::from)?;
    if engine == Engine::Postgres {
        return Err(ToolError::Conflict(
            "backup_restore restores a SQLite server at its next start; on PostgreSQL several hosts may share the \
             database: stop every host, then run `ttrpg restore FILE --replace` on one"
                .into(),
        ));
    }
    let file = backup_file(&app, &args.file)?;
    let checked = file.clone();
    let manifest = tokio::task::spawn_blocking(move || backup::verify(&checked))
        .await
        .map_err(|err| ToolError::Internal(format!("checking the backup failed: {err}")))?
        .map_err(|err| ToolError::InvalidArguments(err.to_string()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let counts = &manifest.counts;
    let question = format!(
        "Replace everything on this server with the backup {name}, taken {} ({} campaigns, {} books, {} plugins, \
         {} images)? The server restores it when it next starts, after backing up what is there then.",
        manifest.created_at, counts.campaigns, counts.documents, counts.plugins, counts.images
    );
    require_confirmation(&app, "backup_restore", &question, args.confirm).await?;
    let pending = backup::pending::request(&app.config, &file, &manifest)
        .map_err(|err| ToolError::Internal(err.to_string()))?;
    tracing::warn!(file = %file.display(), "a restore is asked for: it happens when the server next starts");
    Ok(RestoreRequested {
        pending,
        manifest,
        next: "Restart the server (for a stdio client, restart the client or reconnect the server): it restores \
               the backup before it serves, backing up what is there first. Until then nothing has changed."
            .into(),
    })
}

/// The archive `given` names in the data folder's backups/; a file anywhere else is refused.
fn backup_file(app: &ToolCall, given: &str) -> Result<std::path::PathBuf, ToolError> {
    let dir = backup::default_dir(&app.config);
    let named = std::path::Path::new(given);
    let candidate = if named.is_absolute() { named.to_path_buf() } else { dir.join(named) };
    let not_found = || {
        ToolError::NotFound(format!(
            "no backup {given:?} in {}; backup_create makes one there (copy another archive there first)",
            dir.display()
        ))
    };
    let found = candidate.canonicalize().map_err(|_| not_found())?;
    let dir = dir.canonicalize().map_err(|_| not_found())?;
    if !found.starts_with(&dir) || !found.is_file() {
        return Err(not_found());
    }
    Ok(found)
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
