//! Backups a GM can trust: one `tar` + zstd archive holding a transaction-consistent copy of
//! the database, the installed plugin components, and a manifest listing every file with
//! its size and SHA-256; checked entry by entry before anything is restored.
//!
//! **Taking one** ([`create`]) works while the server serves writes: SQLite copies itself
//! with `VACUUM INTO` (one read transaction, never a file copy of a live database). What
//! else goes in is read from that copy, not from the live database: the plugin components
//! its install records name (each checked against its recorded SHA-256), so a plugin
//! installed after the snapshot is not half-included. The vector index is not copied: the
//! database is the source of truth, and [`restore`] rebuilds the index from the chunk rows.
//! The archive is written beside its destination and renamed into place when whole.
//!
//! **Restoring** ([`restore`], with the server stopped) first reads the whole archive and
//! checks every entry against the manifest ([`verify`]); a damaged or hostile archive
//! (a path that climbs out, a file that differs, one that is missing or extra) is refused
//! before anything is written. The database is readied in a scratch folder (a newer schema
//! refused, an older one migrated, every chunk marked for indexing again, the engine's
//! integrity check passed), the state in place is backed up, and the new database is
//! renamed over the old one in one step.
//!
//! **On PostgreSQL** (`postgres.rs`) the database goes in as a `pg_dump --format=custom`
//! of a snapshot the host exports and holds while it reads the plugin and image lists, so
//! the dump and the files agree; restore is `pg_restore --single-transaction`. Point-in-time
//! recovery is the database's own tooling (WAL archiving), and the docs say so.

pub mod manifest;
pub mod pending;
mod postgres;
mod restore;
pub mod schedule;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::digest::hex;
pub use crate::telemetry::Watch;
use crate::telemetry::watch::Cancelled;

pub use manifest::{MANIFEST_FORMAT, Manifest, ManifestCounts, ManifestFile};
pub use restore::{FAULT_PAUSE_ENV, Restored, restore};

use crate::config::Config;
use crate::images::{BlobStore, FolderBlobs, Size};
use crate::storage::{self, Engine, ImageFilter, MigrateOnOpen, SnapshotContents, Storage, StorageError};

/// The name of the manifest entry.
pub const MANIFEST: &str = "manifest.json";
/// The archive entry of the database copy (SQLite).
pub const DATABASE_ENTRY: &str = "database/ttrpg.db";
/// The zstd level: level 3 compresses a SQLite file about 3× at hundreds of MB/s.
const ZSTD_LEVEL: i32 = 3;
/// The largest manifest a host reads (a hostile archive cannot make it read more).
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// Why a backup could not be taken, checked or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The archive is not a whole, unchanged backup of this kind.
    #[error("{file} is not a backup this host can trust: {reason}")]
    Damaged {
        /// The archive.
        file: String,
        /// What is wrong, first problem first.
        reason: String,
    },
    /// What was asked cannot be done here (PostgreSQL, an existing file).
    #[error("{0}")]
    Refused(String),
    /// The backup was stopped before it was whole ([`Watch::cancel`]); nothing was written.
    #[error("the backup was cancelled before it was whole; no archive was written")]
    Cancelled,
}

impl From<Cancelled> for BackupError {
    fn from(_: Cancelled) -> Self {
        BackupError::Cancelled
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |err| BackupError::Io { path: path.display().to_string(), message: err.to_string() }
}

/// What [`create`] made.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Created {
    /// The archive.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its manifest.
    pub manifest: Manifest,
}

/// Where backups go by default: `<data>/backups`.
pub fn default_dir(config: &Config) -> PathBuf {
    config.data_dir.join("backups")
}

/// A scratch folder in the data folder, removed when dropped.
struct Scratch(PathBuf);

/// The prefix of every scratch folder's name (`.backup-…`, `.restore-…`): what a killed
/// backup or restore leaves behind, removed by the next restore.
const SCRATCH_PREFIXES: [&str; 2] = [".backup-", ".restore-"];

impl Scratch {
    fn new(config: &Config, purpose: &str) -> Result<Scratch, BackupError> {
        let path = config.data_dir.join(format!(".{purpose}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Takes a backup of the store and plugins `config` names into `out` (default: a
/// time-stamped file in [`default_dir`]), while the server may keep serving; `watch` hears
/// each archived file and may stop it.
pub async fn create(
    config: &Config,
    store: &dyn Storage,
    out: Option<&Path>,
    watch: &Watch,
) -> Result<Created, BackupError> {
    let created_at = chrono::Utc::now();
    let out = match out {
        Some(out) => out.to_path_buf(),
        None => {
            default_dir(config).join(format!("ttrpg-{}.tar.zst", created_at.format("%Y%m%dT%H%M%S%.3fZ")))
        }
    };
    if out.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already; a backup never overwrites one",
            out.display()
        )));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let scratch = Scratch::new(config, "backup")?;
    // The database at one point in time, and what that point holds: everything else is
    // read from it, nothing newer.
    let (engine, database_entry, database_file, contents) = match store.engine() {
        Engine::Sqlite => {
            let (copy, contents) = sqlite_copy(store, &scratch.0).await?;
            ("sqlite", DATABASE_ENTRY, copy, contents)
        }
        Engine::Postgres => {
            let (dump, contents) = postgres::dump(config, store, &scratch.0).await?;
            ("postgres", postgres::DUMP_ENTRY, dump, contents)
        }
    };
    let SnapshotContents { plugins, documents, image_files, campaigns, images, schema_version } = contents;
    let counts = ManifestCounts {
        campaigns,
        documents: documents.len() as u64,
        chunks: documents.iter().map(|d| u64::try_from(d.chunk_count).unwrap_or(0)).sum(),
        plugins: plugins.len() as u64,
        images,
        image_files: image_files.len() as u64,
    };

    let mut sources = vec![(database_entry.to_string(), database_file, None)];
    for plugin in &plugins {
        let path = config.plugins_dir().join(&plugin.id).join(&plugin.version).join("plugin.wasm");
        sources.push((
            format!("plugins/{}/{}/plugin.wasm", plugin.id, plugin.version),
            path,
            Some(plugin.sha256.clone()),
        ));
    }
    // Every size of every image file the snapshot records, checked against its recorded
    // SHA-256: a file added after the snapshot is not in it, and one damaged on disk stops
    // the backup rather than going in.
    let blobs = FolderBlobs::new(config.images_dir());
    for file in &image_files {
        for size in &file.sizes {
            let Some(known) = Size::parse(&size.size) else { continue };
            let path = blobs.path(&file.hash, known).map_err(io(&config.images_dir()))?;
            sources.push((image_entry(&file.hash, known), path, Some(size.sha256.clone())));
        }
    }
    let manifest_base = Manifest {
        format: MANIFEST_FORMAT,
        product_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version,
        engine: engine.into(),
        created_at: created_at.to_rfc3339(),
        vectors: "not copied: rebuilt from the chunk rows on restore".into(),
        compiled_cache_keys: plugins.iter().map(|p| p.sha256.clone()).collect(),
        files: Vec::new(),
        counts,
    };
    watch.check()?;
    let (out_for_task, watch_for_task) = (out.clone(), watch.clone());
    let manifest = tokio::task::spawn_blocking(move || {
        write_archive(&out_for_task, sources, manifest_base, &watch_for_task)
    })
    .await
    .map_err(|err| BackupError::Refused(format!("the backup task failed: {err}")))??;
    drop(scratch);
    let bytes = std::fs::metadata(&out).map_err(io(&out))?.len();
    Ok(Created { path: out.display().to_string(), bytes, manifest })
}

/// A transaction-consistent copy of a SQLite database in `scratch` (`VACUUM INTO`), and
/// what it holds, read from the copy.
async fn sqlite_copy(
    store: &dyn Storage,
    scratch: &Path,
) -> Result<(PathBuf, SnapshotContents), BackupError> {
    let copy = scratch.join("ttrpg.db");
    store.snapshot_into(&copy).await?;
    let snapshot = storage::open(&format!("sqlite://{}", copy.display()), MigrateOnOpen::Skip).await?;
    let campaigns = snapshot.list_campaigns(true).await?;
    let mut images = 0;
    for campaign in &campaigns {
        images += snapshot.images(&campaign.id, &ImageFilter::default()).await?.len() as u64;
    }
    let contents = SnapshotContents {
        plugins: snapshot.list_plugins().await?,
        documents: snapshot.list_documents().await?,
        image_files: snapshot.image_files().await?,
        campaigns: campaigns.len() as u64,
        images,
        schema_version: snapshot.health().await?.schema_version,
    };
    Ok((copy, contents))
}

/// The archive entry of one size of an image file: `images/AB/HASH/SIZE`, the layout of
/// the data folder's `images/`.
fn image_entry(hash: &str, size: Size) -> String {
    format!("images/{}/{hash}/{}", &hash[..2], size.as_str())
}

/// The SHA-256 (hex) and size of a file, read in one pass.
fn digest_file(path: &Path) -> Result<(String, u64), BackupError> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok((hex(&hasher.finalize()), bytes))
}

/// Writes the archive to `out` (through `out.partial`, renamed when whole).
fn write_archive(
    out: &Path,
    sources: Vec<(String, PathBuf, Option<String>)>,
    mut manifest: Manifest,
    watch: &Watch,
) -> Result<Manifest, BackupError> {
    let partial = out.with_extension("partial");
    let written = (|| {
        let file = File::create(&partial).map_err(io(&partial))?;
        let encoder = zstd::Encoder::new(file, ZSTD_LEVEL).map_err(io(&partial))?;
        let mut tar = tar::Builder::new(encoder);
        let total = sources.len() as u64;
        for (done, (name, path, expected)) in sources.into_iter().enumerate() {
            watch.check()?;
            let (sha256, bytes) = digest_file(&path)?;
            if let Some(expected) = expected
                && expected != sha256
            {
                return Err(BackupError::Refused(format!(
                    "{} changed on disk since it was stored (sha256 {expected} recorded, {sha256} found); \
                     reinstall the plugin or run `ttrpg image regenerate` before backing up",
                    path.display()
                )));
            }
            let mut source = File::open(&path).map_err(io(&path))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes);
            header.set_mode(0o600);
            header.set_cksum();
            tar.append_data(&mut header, &name, (&mut source).take(bytes)).map_err(io(&path))?;
            manifest.files.push(ManifestFile { path: name, bytes, sha256 });
            watch.report(done as u64 + 1, total);
        }
        watch.check()?;
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|err| BackupError::Refused(format!("writing the manifest: {err}")))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, MANIFEST, json.as_slice()).map_err(io(&partial))?;
        let encoder = tar.into_inner().map_err(io(&partial))?;
        let file = encoder.finish().map_err(io(&partial))?;
        file.sync_all().map_err(io(&partial))?;
        Ok(())
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(manifest)
}

/// An entry's path when it is a plain relative path (no `..`, no root, nothing odd).
fn safe_entry_path(path: &Path) -> Option<PathBuf> {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!clean.as_os_str().is_empty()).then_some(clean)
}

/// Reads the whole archive, checking every entry; with `extract_to`, also writes the
/// entries there (each checked again as it is written).
fn read_archive(file: &Path, extract_to: Option<&Path>) -> Result<Manifest, BackupError> {
    let shown = file.display().to_string();
    let damaged = |reason: String| BackupError::Damaged { file: shown.clone(), reason };
    let archive = File::open(file).map_err(io(file))?;
    let decoder = zstd::Decoder::new(archive).map_err(|err| damaged(format!("not zstd: {err}")))?;
    let mut tar = tar::Archive::new(decoder);
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let entries = tar.entries().map_err(|err| damaged(format!("not a tar archive: {err}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| damaged(format!("a damaged entry: {err}")))?;
        if !entry.header().entry_type().is_file() {
            return Err(damaged(format!("an entry that is not a plain file: {:?}", entry.path().ok())));
        }
        let raw = entry
            .path()
            .map_err(|err| damaged(format!("an entry with an unreadable name: {err}")))?
            .into_owned();
        let path = safe_entry_path(&raw)
            .ok_or_else(|| damaged(format!("an entry outside the archive: {}", raw.display())))?;
        let name = path.to_string_lossy().replace('\\', "/");
        if seen.contains_key(&name) {
            return Err(damaged(format!("{name} appears twice")));
        }
        if name == MANIFEST {
            if entry.size() > MAX_MANIFEST_BYTES {
                return Err(damaged(format!("a manifest of {} bytes", entry.size())));
            }
            let mut json = Vec::new();
            entry.read_to_end(&mut json).map_err(|err| damaged(format!("the manifest: {err}")))?;
            manifest =
                Some(serde_json::from_slice(&json).map_err(|err| damaged(format!("the manifest: {err}")))?);
            seen.insert(name, (json.len() as u64, String::new()));
            continue;
        }
        let mut hasher = Sha256::new();
        let bytes = match extract_to {
            Some(root) => {
                let target = root.join(&path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(io(parent))?;
                }
                let mut out = File::create(&target).map_err(io(&target))?;
                let mut tee = Tee(&mut out, &mut hasher);
                let n =
                    std::io::copy(&mut entry, &mut tee).map_err(|err| damaged(format!("{name}: {err}")))?;
                out.sync_all().map_err(io(&target))?;
                n
            }
            None => {
                std::io::copy(&mut entry, &mut hasher).map_err(|err| damaged(format!("{name}: {err}")))?
            }
        };
        seen.insert(name, (bytes, hex(&hasher.finalize())));
    }
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest.json".into()))?;
    if manifest.format > MANIFEST_FORMAT {
        return Err(damaged(format!(
            "its manifest is of format {}, newer than this ttrpg reads ({MANIFEST_FORMAT}); restore it with ttrpg {} or newer",
            manifest.format, manifest.product_version
        )));
    }
    for file in &manifest.files {
        match seen.remove(&file.path) {
            None => return Err(damaged(format!("{} is in the manifest but not in the archive", file.path))),
            Some((bytes, sha256)) if bytes != file.bytes || sha256 != file.sha256 => {
                return Err(damaged(format!(
                    "{} differs from the manifest ({bytes} bytes, sha256 {sha256}; the manifest says {} bytes, {})",
                    file.path, file.bytes, file.sha256
                )));
            }
            Some(_) => {}
        }
    }
    seen.remove(MANIFEST);
    if let Some(extra) = seen.keys().next() {
        return Err(damaged(format!("{extra} is in the archive but not in the manifest")));
    }
    let database = if manifest.engine == "postgres" { postgres::DUMP_ENTRY } else { DATABASE_ENTRY };
    if !manifest.files.iter().any(|f| f.path == database) {
        return Err(damaged(format!("it holds no {database}")));
    }
    Ok(manifest)
}

/// Writes to a file and a hasher at once.
struct Tee<'a>(&'a mut File, &'a mut Sha256);

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Reads the whole archive and checks every file against its manifest; returns the manifest.
pub fn verify(file: &Path) -> Result<Manifest, BackupError> {
    read_archive(file, None)
}

/// One backup in a folder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    /// The archive.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// When the file was last written (RFC 3339).
    pub modified: String,
}

/// The backups (`*.tar.zst`) in `dir`, newest first (by name: the default names sort by time).
pub fn list(dir: &Path) -> Result<Vec<Listed>, BackupError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut listed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".tar.zst") {
            continue;
        }
        let meta = entry.metadata().map_err(io(&path))?;
        let modified = meta
            .modified()
            .map(chrono::DateTime::<chrono::Utc>::from)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        listed.push(Listed { path: path.display().to_string(), bytes: meta.len(), modified });
    }
    listed.sort_by(|a, b| b.path.cmp(&a.path));
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_that_climb_out_are_refused() {
        assert_eq!(safe_entry_path(Path::new("database/ttrpg.db")), Some(PathBuf::from("database/ttrpg.db")));
        assert_eq!(
            safe_entry_path(Path::new("./plugins/a/1/plugin.wasm")),
            Some(PathBuf::from("plugins/a/1/plugin.wasm"))
        );
        for bad in ["../etc/passwd", "/etc/passwd", "plugins/../../x", ""] {
            assert_eq!(safe_entry_path(Path::new(bad)), None, "{bad}");
        }
    }

    /// Three files to archive in `dir`, and an empty manifest.
    fn sources(dir: &Path) -> (Vec<(String, PathBuf, Option<String>)>, Manifest) {
        let mut sources = Vec::new();
        for n in 0..3 {
            let path = dir.join(format!("f{n}"));
            std::fs::write(&path, format!("file {n}").repeat(100)).unwrap_or_else(|e| panic!("{e}"));
            sources.push((format!("files/f{n}"), path, None));
        }
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            product_version: "test".into(),
            schema_version: None,
            engine: "sqlite".into(),
            created_at: "2026-12-04T00:00:00Z".into(),
            vectors: "none".into(),
            compiled_cache_keys: Vec::new(),
            files: Vec::new(),
            counts: ManifestCounts {
                campaigns: 0,
                documents: 0,
                chunks: 0,
                plugins: 0,
                images: 0,
                image_files: 0,
            },
        };
        (sources, manifest)
    }

    #[test]
    fn an_archive_reports_each_file_it_writes() {
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (sources, manifest) = sources(dir.path());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = seen.clone();
        let watch = Watch::reporting(move |done, total| {
            heard.lock().unwrap_or_else(|p| p.into_inner()).push((done, total))
        });
        let out = dir.path().join("b.tar.zst");
        let written = write_archive(&out, sources, manifest, &watch).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(written.files.len(), 3);
        assert_eq!(*seen.lock().unwrap_or_else(|p| p.into_inner()), vec![(1, 3), (2, 3), (3, 3)]);
        assert!(out.exists());
    }

    #[test]
    fn a_cancelled_archive_leaves_no_file_behind() {
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (sources, manifest) = sources(dir.path());
        // Cancelled while the first file is being written: it stops before the second.
        let cancel = Arc::new(std::sync::OnceLock::<Watch>::new());
        let from_inside = cancel.clone();
        let watch = Watch::reporting(move |_, _| {
            if let Some(watch) = from_inside.get() {
                watch.cancel();
            }
        });
        let _ = cancel.set(watch.clone());
        let out = dir.path().join("b.tar.zst");
        let outcome = write_archive(&out, sources, manifest, &watch);
        assert!(matches!(outcome, Err(BackupError::Cancelled)), "{:?}", outcome.map(|m| m.files.len()));
        assert!(!out.exists(), "a cancelled backup left an archive");
        assert!(!out.with_extension("partial").exists(), "a cancelled backup left its partial file");
    }
}
