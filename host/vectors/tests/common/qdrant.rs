//! A real Qdrant server for the remote tests, started with `../shared/bin/qdrant-start` (one
//! peer or a cluster on free loopback ports, each with its own storage) and stopped when
//! dropped.

use std::path::PathBuf;
use std::process::Command;

/// Running Qdrant peers.
pub struct QdrantServer {
    /// The gRPC URL of the first peer (what `RemoteIndex::connect` takes).
    pub url: String,
    /// The gRPC URL of every peer.
    pub urls: Vec<String>,
    pids: String,
    dir: Option<PathBuf>,
}

/// The start script beside the repository.
fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bin/qdrant-start")
}

impl QdrantServer {
    /// Starts `peers` peers, or says why it cannot.
    pub fn start(peers: usize) -> Result<QdrantServer, String> {
        let script = script();
        if !script.exists() {
            return Err(format!("{} is missing", script.display()));
        }
        let output = Command::new("bash")
            .arg(&script)
            .args(["--peers", &peers.to_string()])
            .output()
            .map_err(|err| format!("running {}: {err}", script.display()))?;
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
            pids: value("QDRANT_PIDS")?,
            dir: value("QDRANT_DIR").ok().map(PathBuf::from),
        })
    }
}

impl Drop for QdrantServer {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(script()).args(["--stop", &self.pids]).status();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
