//! Where ONNX Runtime is when nothing names it: the library inside the `onnxruntime` Python
//! wheel, found by asking the machine's `python3` where the package is (`pip install
//! onnxruntime==1.31.1` is how the README and `scripts/test` install it). Asked once per
//! process, with a deadline, and only when the configuration names no library.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What to do when ONNX Runtime is not found.
pub const INSTALL_ONNXRUNTIME: &str = "install it with `python3 -m pip install onnxruntime==1.31.1` (it is then \
found on its own), or point TTRPG_ONNXRUNTIME (or ORT_DYLIB_PATH) at a libonnxruntime.so.1.31.1";

/// What rules search, notes search and ingestion lack on this machine under `config`, each
/// with what to do; empty when nothing is missing. Finds, loads nothing: cheap enough for
/// `ttrpg serve` to say at start.
pub fn what_search_lacks(config: &crate::config::Config) -> Vec<String> {
    let mut lacks = Vec::new();
    if onnxruntime_library(config.search.onnxruntime.as_deref()).is_none() {
        lacks.push(format!("ONNX Runtime is not found: {INSTALL_ONNXRUNTIME}"));
    }
    if let Err(missing) = super::model_folder::find_configured(config) {
        lacks.push(missing.to_string());
    }
    lacks
}

/// How long `python3` may take to answer.
const PROBE_DEADLINE: Duration = Duration::from_secs(10);

/// What `python3` runs: the wheel's `capi/libonnxruntime.so.*`, or nothing.
const PROBE: &str = "import pathlib, onnxruntime\n\
for lib in sorted(pathlib.Path(onnxruntime.__file__).parent.joinpath('capi').glob('libonnxruntime.so.*')):\n    print(lib)";

/// The ONNX Runtime library to load: `configured` when given, else the one in the
/// `onnxruntime` wheel of the machine's `python3`, if it has one.
pub fn onnxruntime_library(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_path_buf());
    }
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND.get_or_init(probe_python_wheel).clone()
}

/// Asks `python3` where the `onnxruntime` wheel's library is.
fn probe_python_wheel() -> Option<PathBuf> {
    let mut child = Command::new("python3")
        .args(["-c", PROBE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < PROBE_DEADLINE => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).lines().map(PathBuf::from).rfind(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_library_is_taken_as_it_is() {
        let configured = Path::new("/opt/ort/libonnxruntime.so.1.31.1");
        assert_eq!(onnxruntime_library(Some(configured)).as_deref(), Some(configured));
    }

    #[test]
    fn the_wheel_is_found_where_python_has_it() {
        // Whether this machine's python3 has the wheel decides what the probe must find.
        let has_wheel = Command::new("python3")
            .args(["-c", "import onnxruntime"])
            .output()
            .is_ok_and(|o| o.status.success());
        let found = probe_python_wheel();
        assert_eq!(found.is_some(), has_wheel, "probe found {found:?}; python3 has the wheel: {has_wheel}");
        if let Some(path) = found {
            assert!(
                path.is_file() && path.to_string_lossy().contains("libonnxruntime.so."),
                "{}",
                path.display()
            );
        }
    }
}
