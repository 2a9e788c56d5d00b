//! Backups of a PostgreSQL database with its own tools.
//!
//! [`dump`] holds a read-only `REPEATABLE READ` transaction with an exported snapshot
//! ([`crate::storage::SnapshotStore::hold_snapshot`]), reads there which plugins and image
//! files the database names, and runs `pg_dump --format=custom --snapshot=ID`, so the dump
//! holds exactly the rows those reads saw while the server writes on. [`restore_dump`]
//! runs `pg_restore --clean --if-exists --single-transaction`: the database holds either the
//! old rows or the restored ones. Point-in-time recovery (WAL archiving, base backups) is the
//! database's own business, and the docs say so.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::storage::{SnapshotContents, Storage};

use super::BackupError;

/// The archive entry of a PostgreSQL dump.
pub const DUMP_ENTRY: &str = "database/ttrpg.pgdump";

/// A connection URL without its password, and the password (for `PGPASSWORD`, so that it
/// never shows in the process list).
fn split_password(url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|err| BackupError::Refused(format!("the database URL is not a URL: {err}")))?;
    let password = parsed.password().map(percent_decode);
    if password.is_some() {
        let _ = parsed.set_password(None);
    }
    Ok((parsed.to_string(), password))
}

/// Decodes `%XX` escapes (a URL's password may carry them).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes.get(i + 1..i + 3).and_then(|hex| std::str::from_utf8(hex).ok());
        if bytes[i] == b'%'
            && let Some(Ok(byte)) = escaped.map(|hex| u8::from_str_radix(hex, 16))
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs one of PostgreSQL's client tools against `url`; a tool that is not installed is
/// named with how to get it.
async fn run_tool(tool: &str, url: &str, args: &[String]) -> Result<(), BackupError> {
    let (url, password) = split_password(url)?;
    let mut command = tokio::process::Command::new(tool);
    command.args(args).arg(format!("--dbname={url}")).stdin(std::process::Stdio::null());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            BackupError::Refused(format!(
                "{tool} is not installed; a PostgreSQL database is backed up and restored with PostgreSQL's own \
                 client tools (Debian: apt-get install postgresql-client, of the server's major version or newer)"
            ))
        } else {
            BackupError::Io { path: tool.to_string(), message: err.to_string() }
        }
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(BackupError::Refused(format!("{tool} failed ({}): {}", output.status, stderr.trim())));
    }
    Ok(())
}

/// Dumps the database into `scratch` from a snapshot held while the lists are read;
/// returns the dump and what it holds.
pub async fn dump(
    config: &Config,
    store: &dyn Storage,
    scratch: &Path,
) -> Result<(PathBuf, SnapshotContents), BackupError> {
    let held = store.hold_snapshot().await?;
    let file = scratch.join("ttrpg.pgdump");
    let args = vec![
        "--format=custom".to_string(),
        "--no-owner".to_string(),
        "--no-privileges".to_string(),
        format!("--snapshot={}", held.id),
        format!("--file={}", file.display()),
    ];
    run_tool("pg_dump", &config.database_url(), &args).await?;
    let contents = held.contents.clone();
    drop(held);
    Ok((file, contents))
}

/// Replaces the database's rows with the dump's, in one transaction.
pub async fn restore_dump(config: &Config, dump: &Path) -> Result<(), BackupError> {
    let args = vec![
        "--clean".to_string(),
        "--if-exists".to_string(),
        "--no-owner".to_string(),
        "--no-privileges".to_string(),
        "--single-transaction".to_string(),
        "--exit-on-error".to_string(),
        dump.display().to_string(),
    ];
    run_tool("pg_restore", &config.database_url(), &args).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) = split_password("postgres://alice:p%40ss@db.example:5432/ttrpg").unwrap();
        assert_eq!(url, "postgres://alice@db.example:5432/ttrpg");
        assert_eq!(password.as_deref(), Some("p@ss"));
        let (url, password) = split_password("postgres://postgres@127.0.0.1:5432/ttrpg").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/ttrpg");
        assert_eq!(password, None);
    }
}
