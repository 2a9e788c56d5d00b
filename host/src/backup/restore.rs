//! Restoring a backup so that a kill at any moment leaves the data folder holding either
//! the old state or the new one, never a mix.
//!
//! The steps, in order (each named as [`FAULT_PAUSE_ENV`] names it):
//! 1. `extracted`: the archive is checked whole, then extracted into a scratch folder in
//!    the data folder and checked again. Nothing in place has changed.
//! 2. `staged`: the copy is readied there (newer schema refused, older migrated, every chunk
//!    marked for indexing, the engine's integrity check passed).
//! 3. `safety-backup`: the state in place is backed up and its write-ahead log emptied.
//! 4. `files-added`: plugins and images join those in place. They are named by version and
//!    by content hash, so either database finds every file it names.
//! 5. `index-marked`: the vector index in place is marked to be discarded by the next host
//!    that opens it (the database is the source of truth; the index is rebuilt from it).
//! 6. `swapped`: the restored database is renamed over the old one: the one step that
//!    switches states.
//! 7. `index-removed`, then image files only the old state used are deleted.
//!
//! A restore also refuses to run while a server holds the data folder
//! ([`crate::config::Config::serve_lock`]), and removes what killed backups and restores
//! left behind before it starts.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::{
    BackupError, DATABASE_ENTRY, Manifest, SCRATCH_PREFIXES, Scratch, Watch, create, io, read_archive,
};
use crate::config::Config;
use crate::images::{BlobStore, FolderBlobs};
use crate::storage::{self, Engine, MigrateOnOpen};

/// Fault injection for tests of kill safety: when this variable names a step of a restore
/// (see the module docs), the restore prints `restore paused after STEP` to stderr after
/// that step and waits to be killed.
pub const FAULT_PAUSE_ENV: &str = "TTRPG_FAULT_PAUSE_RESTORE";

/// What [`restore`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// The backup taken of the state in place before it was replaced, if there was one.
    pub safety_backup: Option<String>,
    /// Migrations applied to bring the restored schema up to date.
    pub migrations_applied: usize,
    /// Chunks marked for indexing again (the caller rebuilds the vector index).
    pub chunks_to_index: u64,
    /// Folders and partial files earlier killed backups or restores left, now removed.
    pub leftovers_removed: usize,
}

/// Restores `file` into the data folder `config` names (the server must be stopped).
///
/// Nothing in place is touched until the archive has been checked whole, extracted into a
/// scratch folder and checked again, refused if its schema is newer than this host knows,
/// migrated if older, and found consistent by the engine. With a database in place,
/// `replace` must be set: the state in place is backed up first (the path is returned), and
/// the restored database is renamed over it in one step, so a kill leaves either the old
/// state or the new one.
pub async fn restore(config: &Config, file: &Path, replace: bool) -> Result<Restored, BackupError> {
    let url = config.database_url();
    let engine = Engine::from_url(&url)?;
    // Checked whole before anything is written, even the lock file.
    let file_owned = file.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || read_archive(&file_owned, None))
        .await
        .map_err(|err| BackupError::Refused(format!("the restore task failed: {err}")))??;
    let here = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    if manifest.engine != here {
        return Err(BackupError::Refused(format!(
            "{} is a backup of a {} database, and this server's database is {here}; a backup restores into the \
             engine it came from (move campaigns between engines with campaign_export and campaign_import)",
            file.display(),
            manifest.engine
        )));
    }
    if engine == Engine::Postgres {
        return restore_postgres(config, file, replace, &manifest).await;
    }
    let target = PathBuf::from(url.trim_start_matches("sqlite://").trim_start_matches("sqlite:"));
    if target.exists() && !replace {
        return Err(BackupError::Refused(format!(
            "{} holds a database already; pass --replace to restore over it (the state in place is backed up first)",
            target.display()
        )));
    }
    let (_lock, leftovers_removed, scratch, manifest) = extract(config, file).await?;
    pause_after("extracted");

    let staged = scratch.0.join(DATABASE_ENTRY);
    let (migrations_applied, chunks_to_index, restored_images) = ready(&staged, file, &manifest).await?;
    pause_after("staged");

    let mut safety_backup = None;
    if target.exists() {
        let current = storage::open(&url, MigrateOnOpen::Skip).await?;
        let taken = create(config, current.as_ref(), None, &Watch::default()).await?;
        current.checkpoint().await?;
        drop(current);
        safety_backup = Some(taken.path);
    }
    pause_after("safety-backup");

    add_named_files(config, &scratch.0, &manifest)?;
    pause_after("files-added");

    mark_index_for_discarding(config)?;
    pause_after("index-marked");

    // The old log was emptied by the checkpoint; its files go before the swap so that the
    // new database never meets them.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(io(&side))?;
        }
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::rename(&staged, &target).map_err(io(&staged))?;
    if let Some(parent) = target.parent() {
        sync_dir(parent)?;
    }
    pause_after("swapped");

    remove_index(config)?;
    pause_after("index-removed");
    remove_images_except(config, &restored_images)?;
    Ok(Restored { manifest, safety_backup, migrations_applied, chunks_to_index, leftovers_removed })
}

/// Restores a PostgreSQL backup: the same steps as SQLite's, with `pg_restore
/// --single-transaction` as the one step that switches the rows from the old state to the
/// new.
async fn restore_postgres(
    config: &Config,
    file: &Path,
    replace: bool,
    manifest: &Manifest,
) -> Result<Restored, BackupError> {
    let url = config.database_url();
    let store = storage::open(&url, MigrateOnOpen::Skip).await?;
    let status = store.migration_status().await?;
    let known = status.migrations.iter().map(|m| m.version).max();
    if manifest.schema_version > known {
        return Err(newer_schema(file, manifest.schema_version.unwrap_or_default(), manifest));
    }
    let in_place = status.migrations.iter().any(|m| m.applied) || !status.unknown_applied.is_empty();
    if in_place && !replace {
        return Err(BackupError::Refused(format!(
            "{} holds a ttrpg database already; pass --replace to restore over it (the state in place is backed up first)",
            crate::config::redact_url(&url)
        )));
    }
    let (_lock, leftovers_removed, scratch, _) = extract(config, file).await?;
    pause_after("extracted");
    pause_after("staged");
    let mut safety_backup = None;
    if in_place {
        safety_backup = Some(create(config, store.as_ref(), None, &Watch::default()).await?.path);
    }
    pause_after("safety-backup");
    add_named_files(config, &scratch.0, manifest)?;
    pause_after("files-added");
    mark_index_for_discarding(config)?;
    pause_after("index-marked");
    super::postgres::restore_dump(config, &scratch.0.join(super::postgres::DUMP_ENTRY)).await?;
    pause_after("swapped");
    let migrations_applied = store.migrate_up().await?;
    let chunks_to_index = store.forget_index().await?;
    remove_index(config)?;
    pause_after("index-removed");
    let restored_images: BTreeSet<String> = store.image_files().await?.into_iter().map(|f| f.hash).collect();
    remove_images_except(config, &restored_images)?;
    Ok(Restored {
        manifest: manifest.clone(),
        safety_backup,
        migrations_applied,
        chunks_to_index,
        leftovers_removed,
    })
}

/// Readies the extracted database: its schema checked and brought up to date, its index
/// forgotten, its consistency checked. Returns the migrations applied, the chunks to index
/// and the image files it names.
async fn ready(
    staged: &Path,
    file: &Path,
    manifest: &Manifest,
) -> Result<(usize, u64, BTreeSet<String>), BackupError> {
    let store = storage::open(&format!("sqlite://{}", staged.display()), MigrateOnOpen::Skip).await?;
    let status = store.migration_status().await?;
    if let Some(newer) = status.unknown_applied.iter().max() {
        return Err(newer_schema(file, *newer, manifest));
    }
    let applied = store.migrate_up().await?;
    let forgotten = store.forget_index().await?;
    let integrity = store.integrity_check().await?;
    if integrity != "ok" {
        return Err(BackupError::Damaged {
            file: file.display().to_string(),
            reason: format!("its database: {integrity}"),
        });
    }
    store.checkpoint().await?;
    let hashes = store.image_files().await?.into_iter().map(|f| f.hash).collect();
    Ok((applied, forgotten, hashes))
}

/// The refusal of a backup whose schema has `migration`, newer than this host knows.
fn newer_schema(file: &Path, migration: i64, manifest: &Manifest) -> BackupError {
    BackupError::Refused(format!(
        "{} comes from a newer schema (migration {migration}) than this ttrpg {} knows; restore it with ttrpg {} or newer",
        file.display(),
        env!("CARGO_PKG_VERSION"),
        manifest.product_version
    ))
}

/// Takes the data folder's lock, removes what killed runs left, and extracts the archive
/// (checked again as it is written) into a new scratch folder. Returns the lock, how many
/// leftovers went, the scratch folder and the manifest.
async fn extract(config: &Config, file: &Path) -> Result<(File, usize, Scratch, Manifest), BackupError> {
    std::fs::create_dir_all(&config.data_dir).map_err(io(&config.data_dir))?;
    let lock = hold_data_folder(config)?;
    let leftovers_removed = remove_leftovers(config)?;
    let scratch = Scratch::new(config, "restore")?;
    let (file_owned, root) = (file.to_path_buf(), scratch.0.clone());
    let manifest = tokio::task::spawn_blocking(move || read_archive(&file_owned, Some(&root)))
        .await
        .map_err(|err| BackupError::Refused(format!("the restore task failed: {err}")))??;
    Ok((lock, leftovers_removed, scratch, manifest))
}

/// Marks the in-process vector index, if there is one, to be discarded by the next host
/// that opens it ([`Config::vectors_discard_marker`]), durably.
fn mark_index_for_discarding(config: &Config) -> Result<(), BackupError> {
    let vectors = config.vectors_dir();
    if vectors.exists() {
        let marker = config.vectors_discard_marker();
        File::create(&marker).and_then(|f| f.sync_all()).map_err(io(&marker))?;
        sync_dir(&vectors)?;
    }
    Ok(())
}

/// Removes the in-process vector index (the restored database rebuilds it).
fn remove_index(config: &Config) -> Result<(), BackupError> {
    let vectors = config.vectors_dir();
    if vectors.exists() {
        std::fs::remove_dir_all(&vectors).map_err(io(&vectors))?;
    }
    Ok(())
}

/// Deletes the image files the restored database does not name: only the old state used
/// them (a kill before this leaves extra files, never missing ones).
fn remove_images_except(config: &Config, restored: &BTreeSet<String>) -> Result<(), BackupError> {
    let blobs = FolderBlobs::new(config.images_dir());
    for hash in blobs.hashes().map_err(io(&config.images_dir()))? {
        if !restored.contains(&hash) {
            blobs.remove(&hash).map_err(io(&config.images_dir()))?;
        }
    }
    Ok(())
}

/// Moves the restored plugins and images in beside those in place.
fn add_named_files(config: &Config, root: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    for file in &manifest.files {
        let to = if let Some(rest) = file.path.strip_prefix("plugins/") {
            config.plugins_dir().join(rest)
        } else if let Some(rest) = file.path.strip_prefix("images/") {
            config.images_dir().join(rest)
        } else {
            continue;
        };
        let from = root.join(&file.path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(&from, &to).map_err(io(&from))?;
    }
    Ok(())
}

/// Takes the data folder's lock for the restore: refused while a server holds it.
fn hold_data_folder(config: &Config) -> Result<File, BackupError> {
    let path = config.serve_lock();
    let lock = File::options().create(true).truncate(false).write(true).open(&path).map_err(io(&path))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::Refused(format!(
            "a ttrpg server (or another restore) is using {}; stop it first, then restore",
            config.data_dir.display()
        ))),
        Err(std::fs::TryLockError::Error(err)) => Err(io(&path)(err)),
    }
}

/// Removes scratch folders of killed backups and restores, and partial archives in the
/// default backup folder. Returns how many it removed.
fn remove_leftovers(config: &Config) -> Result<usize, BackupError> {
    let mut removed = 0;
    let entries = std::fs::read_dir(&config.data_dir).map_err(io(&config.data_dir))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if SCRATCH_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) && entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).map_err(io(&entry.path()))?;
            removed += 1;
        }
    }
    if let Ok(entries) = std::fs::read_dir(super::default_dir(config)) {
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().ends_with(".partial") {
                std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Makes a folder's entries (a rename, a new file) durable.
fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Waits to be killed after `step` when [`FAULT_PAUSE_ENV`] names it.
fn pause_after(step: &str) {
    if std::env::var(FAULT_PAUSE_ENV).is_ok_and(|wanted| wanted == step) {
        eprintln!("restore paused after {step}");
        loop {
            std::thread::park();
        }
    }
}
