//! Backups the server takes by itself: every `backup.every`, keeping the newest
//! `backup.keep` of them (older scheduled ones are deleted, oldest first; backups taken by
//! hand are never pruned). What happened is kept in a [`ScheduleStatus`] that health reports.
//!
//! The first one is due `every` after the newest scheduled backup already in the folder (at
//! once when there is none or it is older), so a server restarted often still backs up on
//! time and one restarted in a loop does not back up on every start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BackupError, create, default_dir};
use crate::config::{BackupConfig, Config};
use crate::storage::Storage;

/// What every scheduled backup's file name starts with.
pub const SCHEDULED_PREFIX: &str = "ttrpg-scheduled-";

/// Parses `backup.every`: a whole number and a unit, `s`, `m`, `h` or `d` (`30m`, `6h`, `1d`).
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!(
            "backup.every = {text:?} is not a duration: write a whole number and a unit, such as 6h or 1d"
        )
    })?;
    let seconds = match unit.trim() {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        other => {
            return Err(format!(
                "backup.every = {text:?}: the unit {other:?} is not s, m, h or d (such as 6h or 1d)"
            ));
        }
    };
    if seconds == 0 {
        return Err(format!("backup.every = {text:?} is no time at all"));
    }
    Ok(Duration::from_secs(seconds))
}

/// What the schedule has done, for health.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ScheduleStatus {
    /// `backup.every`, when a schedule runs.
    pub every: Option<String>,
    /// `backup.keep`.
    pub keep: usize,
    /// The scheduled backups in the folder now.
    pub kept: usize,
    /// The newest scheduled backup's file.
    pub last_path: Option<String>,
    /// When the last scheduled backup finished.
    pub last_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, if it did (cleared by the next success).
    pub last_error: Option<String>,
    /// When the next one is due.
    pub next_at: Option<DateTime<Utc>>,
}

/// The schedule's status, shared between its task and health.
#[derive(Debug, Default)]
pub struct Schedule {
    status: Mutex<ScheduleStatus>,
}

impl Schedule {
    /// What the schedule has done so far.
    pub fn status(&self) -> ScheduleStatus {
        self.status.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, change: impl FnOnce(&mut ScheduleStatus)) {
        change(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Starts the schedule `config.backup` describes (nothing when `every` is unset); returns
/// an error naming the setting when it does not parse.
pub fn start(config: &Config, storage: Arc<dyn Storage>, schedule: Arc<Schedule>) -> Result<(), String> {
    let BackupConfig { every, keep } = &config.backup;
    let Some(every_text) = every.clone() else { return Ok(()) };
    let every = parse_every(&every_text)?;
    let keep = (*keep).max(1);
    let dir = default_dir(config);
    let newest = scheduled(&dir).ok().and_then(|files| files.last().cloned());
    let first = newest
        .as_deref()
        .and_then(|path| std::fs::metadata(path).ok()?.modified().ok())
        .and_then(|at| at.elapsed().ok())
        .map(|age| every.saturating_sub(age))
        .unwrap_or(Duration::ZERO);
    schedule.update(|s| {
        s.every = Some(every_text.clone());
        s.keep = keep;
        s.kept = scheduled(&dir).map(|f| f.len()).unwrap_or(0);
        s.last_path = newest.as_ref().map(|p| p.display().to_string());
        s.next_at = Some(Utc::now() + chrono::Duration::from_std(first).unwrap_or_default());
    });
    let config = config.clone();
    tokio::spawn(async move {
        tokio::time::sleep(first).await;
        loop {
            let outcome = take(&config, storage.as_ref(), keep).await;
            let next = Utc::now() + chrono::Duration::from_std(every).unwrap_or_default();
            match outcome {
                Ok((path, kept)) => {
                    tracing::info!(path = %path.display(), kept, "scheduled backup taken");
                    schedule.update(|s| {
                        s.last_path = Some(path.display().to_string());
                        s.last_at = Some(Utc::now());
                        s.last_error = None;
                        s.kept = kept;
                        s.next_at = Some(next);
                    });
                }
                Err(err) => {
                    tracing::warn!(error = %err, "scheduled backup failed");
                    schedule.update(|s| {
                        s.last_error = Some(err.to_string());
                        s.next_at = Some(next);
                    });
                }
            }
            tokio::time::sleep(every).await;
        }
    });
    Ok(())
}

/// Takes one scheduled backup and prunes the oldest beyond `keep`; returns its path and how
/// many scheduled backups are left.
pub async fn take(
    config: &Config,
    storage: &dyn Storage,
    keep: usize,
) -> Result<(PathBuf, usize), BackupError> {
    let dir = default_dir(config);
    let name = format!("{SCHEDULED_PREFIX}{}.tar.zst", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let created = create(config, storage, Some(&dir.join(name)), &super::Watch::default()).await?;
    let files = scheduled(&dir)
        .map_err(|err| BackupError::Io { path: dir.display().to_string(), message: err.to_string() })?;
    let excess = files.len().saturating_sub(keep.max(1));
    for old in &files[..excess] {
        std::fs::remove_file(old)
            .map_err(|err| BackupError::Io { path: old.display().to_string(), message: err.to_string() })?;
    }
    Ok((PathBuf::from(created.path), files.len() - excess))
}

/// The scheduled backups in `dir`, oldest first (their names sort by time).
fn scheduled(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name.starts_with(SCHEDULED_PREFIX) && name.ends_with(".tar.zst")
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_takes_a_number_and_a_unit() {
        assert_eq!(parse_every("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_every(" 1d "), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "h", "6", "6 hours", "1.5h", "0s", "-1h"] {
            assert!(parse_every(bad).is_err(), "{bad:?}");
        }
        assert!(parse_every("6w").unwrap_err().contains("not s, m, h or d"));
    }
}
