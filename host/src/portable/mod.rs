//! Campaign export and import: one campaign as a portable JSON document that another
//! server (or this one) makes into a new campaign.
//!
//! [`export`] reads every row of the campaign in one snapshot
//! ([`crate::storage::TransferStore::campaign_rows`]) and adds the original bytes of every
//! image it shows, base64-encoded and named by their SHA-256. [`import`] checks the whole
//! document before it writes anything (format and version, every reference inside it,
//! every file's hash, the plugins it needs), gives every row a new id and rewrites the
//! references (sessions of notes and rolls, characters in combats, notes on map pins), stores
//! the image files, and writes the rows in one transaction.
//!
//! Users belong to a server, not to a campaign: an import makes the importer the GM, and
//! unlinks characters from player accounts (the result says how many, so the GM invites
//! the players again).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::sha256_hex;
use crate::images::{ImageError, ImageLibrary};
use crate::storage::{CampaignRows, IMAGE_QUOTA_SPACE, InstalledPluginRecord, Storage, StorageError};
use crate::telemetry::Watch;
use crate::telemetry::watch::Cancelled;

/// What the document's `format` field says.
pub const FORMAT: &str = "ttrpg-campaign";
/// The newest version of the document this host writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One campaign, whole, as [`export`] writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CampaignExport {
    /// Always [`FORMAT`].
    pub format: String,
    /// The document's version ([`FORMAT_VERSION`] when written by this host).
    pub version: u32,
    /// The ttrpg that wrote it.
    pub product_version: String,
    /// When it was written.
    pub exported_at: DateTime<Utc>,
    /// Every row, with the ids of the server it came from.
    #[serde(flatten)]
    pub rows: CampaignRows,
    /// The original bytes of every image file the images show.
    pub files: Vec<ExportedFile>,
}

impl CampaignExport {
    /// How many rows of each kind it holds.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.rows.counts()
    }
}

/// One image file in an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedFile {
    /// The SHA-256 (hex) of the bytes.
    pub hash: String,
    /// Their MIME type.
    pub mime: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum PortableError {
    /// The document is not a campaign export this host can read, or is inconsistent.
    #[error("this is not a campaign export this ttrpg can import: {0}")]
    Invalid(String),
    /// It needs plugins this server does not have.
    #[error(
        "the campaign enables plugins this server cannot provide: {0}; install them first, or import with \
         allow_missing_plugins (the campaign then comes without them)"
    )]
    MissingPlugins(String),
    /// The database failed (or the campaign does not exist).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An image could not be read or stored.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The import was stopped before its rows were written; the files it had stored for it
    /// were removed again, and no campaign was made.
    #[error("the import was cancelled before the campaign was written; nothing was imported")]
    Cancelled,
}

impl From<Cancelled> for PortableError {
    fn from(_: Cancelled) -> Self {
        PortableError::Cancelled
    }
}

/// What [`import`] made.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Imported {
    /// The new campaign's id.
    pub campaign_id: String,
    /// Its name.
    pub name: String,
    /// The id it had where it was exported.
    pub source_campaign_id: String,
    /// How many rows of each kind were imported.
    pub counts: BTreeMap<String, usize>,
    /// The plugins enabled, as `id@version` (the version installed here that meets the
    /// campaign's requirement).
    pub plugins_enabled: Vec<String>,
    /// Plugins the campaign enabled that this server cannot provide (only with
    /// `allow_missing_plugins`), with why.
    pub plugins_missing: Vec<String>,
    /// Characters that were linked to a player's account on the other server: unlinked
    /// here, until the player is invited again.
    pub player_links_cleared: usize,
    /// Image files that were new to this server (the rest were stored here already).
    pub image_files_added: usize,
}

/// Options of [`import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The user who becomes the new campaign's GM.
    pub gm_user_id: Option<String>,
    /// Import even when plugins the campaign enables are not installed here.
    pub allow_missing_plugins: bool,
}

/// Exports one campaign with every row and image file.
pub async fn export(
    storage: &dyn Storage,
    images: &ImageLibrary,
    campaign_id: &str,
) -> Result<CampaignExport, PortableError> {
    let rows = storage.campaign_rows(campaign_id).await?;
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for image in &rows.images {
        if !seen.insert(image.hash.clone()) {
            continue;
        }
        let (bytes, mime) = images.read(&image.hash, &image.sizes, crate::images::Size::Original).await?;
        files.push(ExportedFile {
            hash: image.hash.clone(),
            mime,
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }
    Ok(CampaignExport {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        product_version: env!("CARGO_PKG_VERSION").into(),
        exported_at: Utc::now(),
        rows,
        files,
    })
}

/// Reads an export from JSON, refusing anything that is not one this host can import.
pub fn parse(json: &Value) -> Result<CampaignExport, PortableError> {
    let format = json.get("format").and_then(Value::as_str);
    if format != Some(FORMAT) {
        return Err(PortableError::Invalid(format!(
            "its \"format\" is {}, not {FORMAT:?}",
            format.map(|f| format!("{f:?}")).unwrap_or_else(|| "missing".into())
        )));
    }
    let version = json.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version > u64::from(FORMAT_VERSION) {
        return Err(PortableError::Invalid(format!(
            "it is of version {version}, newer than this ttrpg {} reads ({FORMAT_VERSION}); import it with the \
             ttrpg that wrote it ({}) or newer",
            env!("CARGO_PKG_VERSION"),
            json.get("product_version").and_then(Value::as_str).unwrap_or("unknown")
        )));
    }
    serde_json::from_value(json.clone()).map_err(|err| PortableError::Invalid(err.to_string()))
}

/// Makes the export a new campaign on this server: all of it or nothing.
pub async fn import(
    storage: &dyn Storage,
    images: &ImageLibrary,
    export: CampaignExport,
    options: &ImportOptions,
    watch: &Watch,
) -> Result<Imported, PortableError> {
    let originals = check_files(&export)?;
    check_references(&export.rows)?;
    let installed = storage.list_plugins().await?;
    let (plugins, plugins_missing) =
        resolve_plugins(&export.rows, &installed, options.allow_missing_plugins)?;
    let source_campaign_id = export.rows.campaign.id.clone();
    let (mut rows, player_links_cleared) = renumber(export.rows, options.gm_user_id.clone());
    rows.plugins = plugins;
    for plugin in &mut rows.plugins {
        plugin.campaign_id = rows.campaign.id.clone();
    }
    rows.plugin_data.retain(|kv| rows.plugins.iter().any(|p| p.plugin_id == kv.plugin_id));

    // The files first (a row never names bytes that are not there), then the rows at once.
    let mut fresh = Vec::new();
    let mut total = 0u64;
    // Steps watched: each file, then the rows.
    let steps = originals.len() as u64 + 1;
    let stored = async {
        for (done, (hash, bytes)) in originals.into_iter().enumerate() {
            watch.check()?;
            let (file, new) = images.store_file_for_import(bytes).await?;
            debug_assert_eq!(file.hash, hash);
            total = total.saturating_add(file.bytes);
            if new {
                fresh.push(file.hash.clone());
            }
            watch.report(done as u64 + 1, steps);
        }
        if total > images.quota_bytes() {
            return Err(PortableError::Storage(StorageError::QuotaExceeded {
                space: IMAGE_QUOTA_SPACE,
                quota: images.quota_bytes(),
                would_hold: total,
            }));
        }
        watch.check()?;
        storage.insert_campaign_rows(&rows).await?;
        watch.report(steps, steps);
        Ok(())
    }
    .await;
    if let Err(err) = stored {
        for hash in &fresh {
            images.forget_unused(hash).await;
        }
        return Err(err);
    }
    let counts = rows.counts();
    Ok(Imported {
        campaign_id: rows.campaign.id.clone(),
        name: rows.campaign.name.clone(),
        source_campaign_id,
        counts,
        plugins_enabled: rows.plugins.iter().map(|p| format!("{}@{}", p.plugin_id, p.version)).collect(),
        plugins_missing,
        player_links_cleared,
        image_files_added: fresh.len(),
    })
}

/// Decodes every file and checks it against its hash; every image's file must be there.
fn check_files(export: &CampaignExport) -> Result<Vec<(String, Vec<u8>)>, PortableError> {
    let mut originals = Vec::new();
    for file in &export.files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(file.data.as_bytes())
            .map_err(|err| PortableError::Invalid(format!("file {} is not base64: {err}", file.hash)))?;
        let found = sha256_hex(&bytes);
        if found != file.hash {
            return Err(PortableError::Invalid(format!(
                "file {} has changed: its bytes hash to {found}",
                file.hash
            )));
        }
        originals.push((found, bytes));
    }
    for image in &export.rows.images {
        if !originals.iter().any(|(hash, _)| hash == &image.hash) {
            return Err(PortableError::Invalid(format!(
                "image {:?} shows file {}, which is not in \"files\"",
                image.title, image.hash
            )));
        }
    }
    Ok(originals)
}

/// Every reference inside the document names something in it.
fn check_references(rows: &CampaignRows) -> Result<(), PortableError> {
    let invalid = |what: String| Err(PortableError::Invalid(what));
    let sessions: BTreeSet<&str> = rows.sessions.iter().map(|s| s.id.as_str()).collect();
    let notes: BTreeSet<&str> = rows.notes.iter().map(|n| n.id.as_str()).collect();
    for note in &rows.session_notes {
        if !sessions.contains(note.session_id.as_str()) {
            return invalid(format!(
                "session note {} names session {}, which is not in it",
                note.id, note.session_id
            ));
        }
    }
    for (what, id, session) in rows
        .rolls
        .iter()
        .map(|r| ("roll", &r.id, &r.session_id))
        .chain(rows.combats.iter().map(|c| ("combat", &c.id, &c.session_id)))
    {
        if let Some(session) = session
            && !sessions.contains(session.as_str())
        {
            return invalid(format!("{what} {id} names session {session}, which is not in it"));
        }
    }
    for image in &rows.images {
        for pin in &image.pins {
            if let Some(note) = &pin.note_id
                && !notes.contains(note.as_str())
            {
                return invalid(format!(
                    "a pin on image {:?} names note {note}, which is not in it",
                    image.title
                ));
            }
        }
    }
    let mut numbers = BTreeSet::new();
    for session in &rows.sessions {
        if !numbers.insert(session.number) {
            return invalid(format!("session number {} appears twice", session.number));
        }
    }
    Ok(())
}

/// For each plugin the campaign enables, the version installed here that meets its
/// requirement (the exported version when it is installed, else the highest that matches).
fn resolve_plugins(
    rows: &CampaignRows,
    installed: &[InstalledPluginRecord],
    allow_missing: bool,
) -> Result<(Vec<crate::storage::CampaignPluginRecord>, Vec<String>), PortableError> {
    let mut resolved = Vec::new();
    let mut missing = Vec::new();
    for enabled in &rows.plugins {
        let versions: Vec<semver::Version> = installed
            .iter()
            .filter(|p| p.id == enabled.plugin_id)
            .filter_map(|p| semver::Version::parse(&p.version).ok())
            .collect();
        let chosen = match semver::VersionReq::parse(&enabled.version_req) {
            Ok(req) => versions
                .iter()
                .find(|v| v.to_string() == enabled.version && req.matches(v))
                .or_else(|| versions.iter().filter(|v| req.matches(v)).max()),
            Err(_) => None,
        };
        match chosen {
            Some(version) => {
                let mut record = enabled.clone();
                record.version = version.to_string();
                resolved.push(record);
            }
            None => missing.push(format!(
                "{} {} (installed here: {})",
                enabled.plugin_id,
                enabled.version_req,
                if versions.is_empty() {
                    "none".to_string()
                } else {
                    versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                }
            )),
        }
    }
    if !missing.is_empty() && !allow_missing {
        return Err(PortableError::MissingPlugins(missing.join("; ")));
    }
    Ok((resolved, missing))
}

/// Gives every row a new id and rewrites every reference to it; `gm_user_id` becomes the
/// GM and characters lose their link to another server's accounts (returned: how many).
pub fn renumber(mut rows: CampaignRows, gm_user_id: Option<String>) -> (CampaignRows, usize) {
    let new_id = || uuid::Uuid::now_v7().to_string();
    let campaign_id = new_id();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let fresh = |old: &mut String, ids: &mut BTreeMap<String, String>| {
        let id = new_id();
        ids.insert(std::mem::replace(old, id.clone()), id);
    };
    rows.campaign.id = campaign_id.clone();
    rows.campaign.gm_user_id = gm_user_id;
    for s in &mut rows.sessions {
        fresh(&mut s.id, &mut ids);
        s.campaign_id = campaign_id.clone();
    }
    for n in &mut rows.notes {
        fresh(&mut n.id, &mut ids);
        n.campaign_id = campaign_id.clone();
    }
    let mut player_links_cleared = 0;
    for c in &mut rows.characters {
        fresh(&mut c.id, &mut ids);
        c.fields.campaign_id = campaign_id.clone();
        if c.fields.player_id.take().is_some() {
            player_links_cleared += 1;
        }
    }
    let mapped =
        |id: &Option<String>, ids: &BTreeMap<String, String>| id.as_ref().and_then(|id| ids.get(id).cloned());
    for n in &mut rows.session_notes {
        fresh(&mut n.id, &mut ids);
        n.campaign_id = campaign_id.clone();
        n.session_id = ids.get(&n.session_id).cloned().unwrap_or_default();
    }
    for r in &mut rows.rolls {
        fresh(&mut r.id, &mut ids);
        r.campaign_id = Some(campaign_id.clone());
        r.session_id = mapped(&r.session_id, &ids);
    }
    for e in &mut rows.combats {
        fresh(&mut e.id, &mut ids);
        e.campaign_id = campaign_id.clone();
        e.session_id = mapped(&e.session_id, &ids);
        remap_combatants(&mut e.state, &ids);
    }
    for p in &mut rows.plugins {
        p.campaign_id = campaign_id.clone();
    }
    for i in &mut rows.images {
        fresh(&mut i.id, &mut ids);
        i.campaign_id = campaign_id.clone();
        for pin in &mut i.pins {
            pin.note_id = mapped(&pin.note_id, &ids);
        }
    }
    (rows, player_links_cleared)
}

/// Points each combatant's `character_id` at the character's new id (a combatant whose
/// character is not in the campaign keeps no link).
fn remap_combatants(state: &mut Value, ids: &BTreeMap<String, String>) {
    let Some(combatants) = state.get_mut("combatants").and_then(Value::as_array_mut) else { return };
    for combatant in combatants {
        if let Some(link) = combatant.get_mut("character_id")
            && let Some(old) = link.as_str()
        {
            *link = ids.get(old).map(|id| Value::String(id.clone())).unwrap_or(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A SQLite store and an image library in `dir`, with one campaign holding an image of
    /// each colour.
    async fn campaign_with_images(
        dir: &std::path::Path,
        colours: [[u8; 3]; 2],
    ) -> (Arc<dyn Storage>, ImageLibrary, String) {
        use crate::images::{AddRequest, FolderBlobs};
        use crate::storage::{ImageKind, MigrateOnOpen, NewCampaign, Visibility};
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let storage =
            crate::storage::open(&url, MigrateOnOpen::Apply).await.unwrap_or_else(|e| panic!("{e}"));
        let blobs = Arc::new(FolderBlobs::new(dir.join("images")));
        let images = ImageLibrary::new(storage.clone(), blobs, &crate::config::ImagesConfig::default());
        let campaign = storage
            .create_campaign(NewCampaign {
                name: "Moving".into(),
                system: "dnd5e".into(),
                gm_user_id: None,
                settings: serde_json::json!({}),
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for (n, colour) in colours.into_iter().enumerate() {
            let picture = image::RgbImage::from_pixel(8, 8, image::Rgb(colour));
            let mut png = std::io::Cursor::new(Vec::new());
            picture.write_to(&mut png, image::ImageFormat::Png).unwrap_or_else(|e| panic!("{e}"));
            let request = AddRequest {
                campaign_id: campaign.id.clone(),
                title: format!("map {n}"),
                kind: ImageKind::Map,
                tags: Vec::new(),
                visibility: Visibility::Gm,
            };
            images.add(request, png.into_inner()).await.unwrap_or_else(|e| panic!("{e}"));
        }
        (storage, images, campaign.id)
    }

    #[tokio::test]
    async fn a_cancelled_import_makes_no_campaign_and_keeps_no_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (storage, images, campaign_id) =
            campaign_with_images(dir.path(), [[200, 10, 10], [10, 200, 10]]).await;
        let document =
            export(storage.as_ref(), &images, &campaign_id).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(document.files.len(), 2);
        // Into a second server's store (other images: every file is new there), cancelled
        // once its first file is stored.
        let other = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (storage, images, _) = campaign_with_images(other.path(), [[1, 2, 3], [4, 5, 6]]).await;
        let before = storage.list_campaigns(true).await.unwrap_or_else(|e| panic!("{e}")).len();
        let files_before = storage.image_files().await.unwrap_or_else(|e| panic!("{e}")).len();
        let cancel = Arc::new(std::sync::OnceLock::<Watch>::new());
        let from_inside = cancel.clone();
        let reports = Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = reports.clone();
        let watch = Watch::reporting(move |done, total| {
            heard.lock().unwrap_or_else(|p| p.into_inner()).push((done, total));
            if let Some(watch) = from_inside.get() {
                watch.cancel();
            }
        });
        let _ = cancel.set(watch.clone());
        let options = ImportOptions { gm_user_id: None, allow_missing_plugins: true };
        let mut document = document;
        document.rows.campaign.name = "Moved".into();
        let outcome = import(storage.as_ref(), &images, document.clone(), &options, &watch).await;
        assert!(matches!(outcome, Err(PortableError::Cancelled)), "{:?}", outcome.map(|i| i.campaign_id));
        assert_eq!(
            *reports.lock().unwrap_or_else(|p| p.into_inner()),
            vec![(1, 3)],
            "it stopped after one file"
        );
        assert_eq!(storage.list_campaigns(true).await.unwrap_or_else(|e| panic!("{e}")).len(), before);
        assert_eq!(storage.image_files().await.unwrap_or_else(|e| panic!("{e}")).len(), files_before);
        // Not cancelled, the same import is whole, and reports every step.
        let watch = Watch::default();
        let imported = import(storage.as_ref(), &images, document, &options, &watch)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(imported.name, "Moved");
        assert_eq!(imported.image_files_added, 2);
        assert_eq!(storage.list_campaigns(true).await.unwrap_or_else(|e| panic!("{e}")).len(), before + 1);
        assert_eq!(storage.image_files().await.unwrap_or_else(|e| panic!("{e}")).len(), files_before + 2);
    }

    #[test]
    fn combatants_follow_their_characters_to_new_ids() {
        let ids = BTreeMap::from([("old-aria".to_string(), "new-aria".to_string())]);
        let mut state = serde_json::json!({"combatants": [
            {"id": "c1", "character_id": "old-aria"},
            {"id": "c2", "character_id": "elsewhere"},
            {"id": "c3", "character_id": null},
        ]});
        remap_combatants(&mut state, &ids);
        assert_eq!(state["combatants"][0]["character_id"], "new-aria");
        assert_eq!(state["combatants"][1]["character_id"], Value::Null);
        assert_eq!(state["combatants"][2]["character_id"], Value::Null);
    }

    #[test]
    fn a_document_of_another_format_or_a_newer_version_is_refused() {
        let other = parse(&serde_json::json!({"format": "foundry-world"})).unwrap_err();
        assert!(other.to_string().contains("\"foundry-world\", not \"ttrpg-campaign\""), "{other}");
        let newer = parse(&serde_json::json!({"format": FORMAT, "version": 99, "product_version": "9.0.0"}))
            .unwrap_err();
        assert!(newer.to_string().contains("version 99, newer"), "{newer}");
    }
}
