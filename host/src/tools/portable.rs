//! `campaign_export` and `campaign_import`: a campaign moved whole between servers as
//! portable JSON (see [`crate::portable`]).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolError;
use super::images::image_error;
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use crate::access::Need;
use crate::portable::{self, ImportOptions, Imported, PortableError};

/// Arguments of `campaign_export`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportArgs {
    /// The campaign to export.
    pub campaign_id: String,
}

/// What `campaign_export` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Exported {
    /// The campaign's name.
    pub name: String,
    /// How many rows of each kind the export holds.
    pub counts: std::collections::BTreeMap<String, usize>,
    /// The export document (format "ttrpg-campaign"): give it as is to campaign_import on
    /// this or another server, or save it as a .json file.
    pub export: serde_json::Value,
}

/// Arguments of `campaign_import`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    /// The export document campaign_export returned (the object, or its JSON text); give
    /// this or path.
    #[serde(default)]
    pub export: Option<serde_json::Value>,
    /// A .json export in the server's library folder; give this or export.
    #[serde(default)]
    pub path: Option<String>,
    /// Import even when plugins the campaign enables are not installed here; the campaign
    /// then comes without them (default false: refused, naming them).
    #[serde(default)]
    pub allow_missing_plugins: bool,
}

/// The tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "campaign_export",
            "Export a campaign",
            "Export one campaign whole as a portable JSON document: sessions and their notes, campaign notes, \
             characters, combats, dice rolls, enabled plugins with their versions and stored data, and images \
             (original bytes, base64). campaign_import makes it a new campaign on this or another server. GM only.",
            ToolHints::READ,
            Need::Gm,
            export,
        ),
        typed_tool(
            "campaign_import",
            "Import a campaign",
            "Make a new campaign from a campaign_export document: every row gets a new id and references are \
             rewritten; you become its GM. The whole document is checked first (format, version, references, \
             image hashes, plugins this server must have), and nothing is written unless all of it can be.",
            ToolHints::ADD,
            Need::Player,
            import,
        ),
    ]
}

fn portable_error(err: PortableError) -> ToolError {
    match err {
        PortableError::Storage(storage) => storage.into(),
        PortableError::Image(image) => image_error(image),
        PortableError::MissingPlugins(_) => ToolError::Conflict(err.to_string()),
        PortableError::Invalid(_) => ToolError::InvalidArguments(err.to_string()),
        PortableError::Cancelled => ToolError::Cancelled(err.to_string()),
    }
}

async fn export(app: ToolCall, args: ExportArgs) -> Result<Exported, ToolError> {
    let made = portable::export(app.storage.as_ref(), &app.images, &args.campaign_id)
        .await
        .map_err(portable_error)?;
    let counts = made.counts();
    let name = made.rows.campaign.name.clone();
    let export = serde_json::to_value(&made).map_err(|err| ToolError::Internal(err.to_string()))?;
    Ok(Exported { name, counts, export })
}

async fn import(app: ToolCall, args: ImportArgs) -> Result<Imported, ToolError> {
    let document = match (args.export, args.path) {
        (Some(serde_json::Value::String(text)), None) => serde_json::from_str(&text)
            .map_err(|err| ToolError::InvalidArguments(format!("export is not JSON: {err}")))?,
        (Some(value), None) => value,
        (None, Some(path)) => {
            let max_mb = app.config.images.max_file_mb.saturating_mul(4);
            let path = crate::library::sandbox::resolve(&app.config.library_roots(), &path, max_mb)
                .map_err(|err| ToolError::InvalidArguments(err.to_string()))?;
            let text = tokio::fs::read(&path).await.map_err(|err| {
                ToolError::InvalidArguments(format!("cannot read {}: {err}", path.display()))
            })?;
            serde_json::from_slice(&text).map_err(|err| {
                ToolError::InvalidArguments(format!("{} is not JSON: {err}", path.display()))
            })?
        }
        _ => return Err(ToolError::invalid("give the export as exactly one of export or path")),
    };
    let parsed = portable::parse(&document).map_err(portable_error)?;
    let options = ImportOptions {
        gm_user_id: app.viewer.user_id().map(str::to_owned),
        allow_missing_plugins: args.allow_missing_plugins,
    };
    let watch = match crate::library::ingest::current_progress() {
        Some(progress) => crate::telemetry::Watch::reporting(move |done, total| {
            progress.update(crate::library::ingest::Stage::Importing, done, total)
        }),
        None => crate::telemetry::Watch::default(),
    };
    // The import runs on a task of its own, so that when the client cancels (dropping this
    // call) it still reaches its next step, sees the guard's cancel and removes the files it
    // had stored; its rows are one transaction, written whole or not at all.
    let _stop_when_dropped = watch.cancel_on_drop();
    let app_for_task = app.app.clone();
    let task = tokio::spawn(async move {
        portable::import(app_for_task.storage.as_ref(), &app_for_task.images, parsed, &options, &watch).await
    });
    let imported = task
        .await
        .map_err(|err| ToolError::Internal(format!("the import task failed: {err}")))?
        .map_err(portable_error)?;
    tracing::info!(campaign_id = %imported.campaign_id, from = %imported.source_campaign_id, "campaign imported");
    Ok(imported)
}
