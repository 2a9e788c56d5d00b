//! Builds the test fixture plugins (and the plugin template) from source, once per test
//! process, for `wasm32-wasip2`, into a target folder of their own so the build never
//! waits on the outer `cargo test`.
//!
//! Needs the target installed: `rustup target add wasm32-wasip2` (scripts/test does it).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The crates built, by package name.
pub const PACKAGES: &[&str] = &[
    "plugin-template",
    "fixture-echo",
    "fixture-echo-v2",
    "fixture-other",
    "fixture-hostile",
    "fixture-future-api",
    "fixture-legacy-api",
    "fixture-api-0-2",
    "plugin-fate",
    "plugin-dnd5e",
];

/// The workspace root: the nearest folder above the crate holding `Cargo.lock`.
fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("Cargo.lock").exists() {
        assert!(dir.pop(), "no Cargo.lock above {}", env!("CARGO_MANIFEST_DIR"));
    }
    dir
}

fn wasm_target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TTRPG_WASM_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("wasm-plugins"),
        None => workspace_root().join("target").join("wasm-plugins"),
    }
}

/// The folder holding the built `.wasm` components.
pub fn built_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = wasm_target_dir();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut command = Command::new(cargo);
            command
                .current_dir(workspace_root())
                .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"])
                .arg(&target)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS");
            for package in PACKAGES {
                command.args(["-p", package]);
            }
            let status = command.status().expect("running cargo to build the fixture plugins");
            assert!(
                status.success(),
                "building the fixture plugins for wasm32-wasip2 failed; is the target installed? \
                 (rustup target add wasm32-wasip2)"
            );
            target.join("wasm32-wasip2").join("release")
        })
        .clone()
}

/// The built component of a package (`fixture-echo` → `fixture_echo.wasm`).
pub fn wasm(package: &str) -> PathBuf {
    let path = built_dir().join(format!("{}.wasm", package.replace('-', "_")));
    assert!(path.exists(), "{} was not built", path.display());
    path
}
