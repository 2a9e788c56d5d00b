//! A real Qdrant server for the remote tests, started with `../shared/bin/qdrant-start` (one
//! peer or a cluster on free loopback ports, each with its own storage) and stopped when
//! dropped. Used by the vector crate's tests and, through `#[path]`, by the host's
//! multi-host tests.
#![allow(dead_code, reason = "not every test binary uses every helper")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Running Qdrant peers.
pub struct QdrantServer {
    /// The gRPC URL of the first peer (what `RemoteIndex::connect` takes).
    pub url: String,
    /// The gRPC URL of every peer.
    pub urls: Vec<String>,
    pids: Vec<u32>,
    dir: Option<PathBuf>,
    /// Whether dropping this removes the storage folder (not after [`QdrantServer::crash`]).
    owns_dir: bool,
}

/// The start script in `shared/bin/` beside the repository (found from any crate of it).
fn script() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/bin/qdrant-start"))
        .find(|script| script.exists())
        .unwrap_or_else(|| manifest.join("../../../shared/bin/qdrant-start"))
}

impl QdrantServer {
    /// Starts `peers` peers, or says why it cannot.
    pub fn start(peers: usize) -> Result<QdrantServer, String> {
        Self::start_in(peers, None)
    }

    /// Starts `peers` peers on the storage under `dir` (what an earlier server there left,
    /// which this one recovers), or under a new folder when `dir` is `None`.
    pub fn start_in(peers: usize, dir: Option<&Path>) -> Result<QdrantServer, String> {
        let script = script();
        if !script.exists() {
            return Err(format!("{} is missing", script.display()));
        }
        let mut command = Command::new("bash");
        command.arg(&script).args(["--peers", &peers.to_string()]);
        if let Some(dir) = dir {
            command.arg("--dir").arg(dir);
        }
        let output = command.output().map_err(|err| format!("running {}: {err}", script.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        let value = |name: &str| {
            printed
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .map(|v| v.trim_matches('"').to_string())
                .ok_or_else(|| format!("qdrant-start printed no {name}: {printed}"))
        };
        Ok(QdrantServer {
            url: value("QDRANT_URL")?,
            urls: value("QDRANT_URLS")?.split_whitespace().map(str::to_string).collect(),
            pids: value("QDRANT_PIDS")?.split_whitespace().filter_map(|p| p.parse().ok()).collect(),
            dir: value("QDRANT_DIR").ok().map(PathBuf::from),
            owns_dir: true,
        })
    }

    /// The storage folder of the peers.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Kills peer `i` (0-based) with SIGKILL, as a crash would, and waits until it is gone.
    pub fn kill_peer(&mut self, i: usize) {
        let pid = self.pids[i];
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        for _ in 0..100 {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Kills every peer with SIGKILL and keeps the storage folder for a restart.
    pub fn crash(mut self) -> PathBuf {
        for i in 0..self.pids.len() {
            self.kill_peer(i);
        }
        self.owns_dir = false;
        self.dir.clone().expect("qdrant-start printed its folder")
    }
}

impl Drop for QdrantServer {
    fn drop(&mut self) {
        let pids: Vec<String> = self.pids.iter().map(u32::to_string).collect();
        let _ = Command::new("bash").arg(script()).args(["--stop", &pids.join(" ")]).status();
        if let (Some(dir), true) = (&self.dir, self.owns_dir) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
