//! Tidy: checks over the source tree that keep the code the way ARCHITECTURE.md says it is
//! (in the style of rust-analyzer's `tidy` test).
//!
//! - every Rust file opens with a module doc (`//!`);
//! - the host's modules import only modules below them, in the layers that ARCHITECTURE.md
//!   draws between the `<!-- layers -->` markers (read from there, so the drawing and the
//!   code cannot disagree);
//! - every repository path ARCHITECTURE.md names in backticks exists.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every `.rs` file git knows (tracked or new, not ignored), relative to the repository.
fn rust_files() -> Vec<PathBuf> {
    git_files("*.rs")
}

/// Every file git knows that matches `pattern`, relative to the repository.
fn git_files(pattern: &str) -> Vec<PathBuf> {
    let output = std::process::Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard", pattern])
        .current_dir(repo())
        .output()
        .expect("git ls-files");
    assert!(output.status.success(), "git ls-files failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .filter(|path| repo().join(path).exists())
        .collect()
}

#[test]
fn every_rust_file_has_a_module_doc() {
    let mut missing = Vec::new();
    for path in rust_files() {
        let text = std::fs::read_to_string(repo().join(&path)).unwrap();
        let first_code = text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with("#!") && !line.starts_with("// "));
        if !first_code.is_some_and(|line| line.starts_with("//!")) {
            missing.push(path.display().to_string());
        }
    }
    assert!(missing.is_empty(), "these files need a module doc (`//!` first): {missing:#?}");
}

/// The host's layers from ARCHITECTURE.md, top first: module name → layer number (higher
/// is further up). The block is a fenced list between `<!-- layers -->` and
/// `<!-- /layers -->`, one layer a line, modules of a layer separated by spaces.
fn layers(architecture: &str) -> BTreeMap<String, usize> {
    let start = architecture.find("<!-- layers -->").expect("ARCHITECTURE.md has a <!-- layers --> block");
    let end = architecture.find("<!-- /layers -->").expect("the layers block is closed");
    let lines: Vec<&str> = architecture[start..end]
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("```"))
        .collect();
    let mut rank = BTreeMap::new();
    for (depth, line) in lines.iter().enumerate() {
        for module in line.split_whitespace() {
            let module = module.trim_matches('`');
            assert!(
                rank.insert(module.to_string(), lines.len() - depth).is_none(),
                "{module} is drawn twice"
            );
        }
    }
    rank
}

/// The top-level host modules that a source file's code refers to through `crate::`,
/// with the line each is first named on (comments and doc comments are not code).
fn crate_references(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // `ttrpg_host::crate`-like names or `$crate`
            }
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((name, number + 1));
            }
        }
        // `use crate::{a, b}` names several modules at once.
        if let Some(group) = code.trim_start().strip_prefix("use crate::{") {
            for name in group.split([',', '}']).map(|s| s.trim().split("::").next().unwrap_or("")) {
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    found.push((name.to_string(), number + 1));
                }
            }
        }
    }
    found
}

/// Which top-level module a file under `host/src/` belongs to (`None` for the crate root).
fn module_of(path: &Path) -> Option<String> {
    let inside = path.strip_prefix("host/src").ok()?;
    let first = inside.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        file => Some(file.trim_end_matches(".rs").to_string()),
    }
}

/// Every import of a module from one at the same layer or above it, as messages.
fn layer_violations(rank: &BTreeMap<String, usize>, files: &[(PathBuf, String)]) -> Vec<String> {
    let mut violations = Vec::new();
    for (path, text) in files {
        let Some(module) = module_of(path) else { continue };
        let Some(&own) = rank.get(&module) else {
            violations.push(format!("{}: module `{module}` is not in the layers drawing", path.display()));
            continue;
        };
        for (target, line) in crate_references(text) {
            if target == module {
                continue;
            }
            match rank.get(&target) {
                None => violations.push(format!(
                    "{}:{line}: `crate::{target}` is not a module in the layers drawing",
                    path.display()
                )),
                Some(&other) if other >= own => violations.push(format!(
                    "{}:{line}: `{module}` imports `{target}`, which is not below it",
                    path.display()
                )),
                Some(_) => {}
            }
        }
    }
    violations
}

fn host_sources() -> Vec<(PathBuf, String)> {
    rust_files()
        .into_iter()
        .filter(|path| path.starts_with("host/src"))
        .map(|path| {
            let text = std::fs::read_to_string(repo().join(&path)).unwrap();
            (path, text)
        })
        .collect()
}

#[test]
fn host_modules_import_only_modules_below_them() {
    let architecture = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).unwrap();
    let rank = layers(&architecture);
    let files = host_sources();
    let violations = layer_violations(&rank, &files);
    assert!(
        violations.is_empty(),
        "imports that run upwards (see ARCHITECTURE.md, Layers):\n{}",
        violations.join("\n")
    );

    // Every module the crate root declares is drawn.
    let lib = std::fs::read_to_string(repo().join("host/src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line.trim().strip_prefix("pub mod ").and_then(|rest| rest.strip_suffix(';')) {
            assert!(
                rank.contains_key(name),
                "module `{name}` (host/src/lib.rs) is not in the layers drawing"
            );
        }
    }
}

#[test]
fn the_layer_check_catches_an_upward_import() {
    // The same check on a deliberate violation: storage reaching up into tools.
    let rank = layers("<!-- layers -->\n```\ntools\nstorage\nconfig\n```\n<!-- /layers -->");
    let files = vec![
        (
            PathBuf::from("host/src/storage/mod.rs"),
            "use crate::tools::ToolError;\nuse crate::config::Config;\n".to_string(),
        ),
        (
            PathBuf::from("host/src/tools/mod.rs"),
            "// crate::nowhere in a comment\nuse crate::{config, storage::Storage};\n".to_string(),
        ),
    ];
    let violations = layer_violations(&rank, &files);
    assert_eq!(
        violations,
        vec!["host/src/storage/mod.rs:1: `storage` imports `tools`, which is not below it".to_string()]
    );
}

#[test]
fn paths_named_in_architecture_exist() {
    let architecture = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).unwrap();
    let files: Vec<String> = git_files("*").iter().map(|f| format!("/{}", f.display())).collect();
    let mut missing = Vec::new();
    for (index, piece) in architecture.split('`').enumerate() {
        // Odd pieces are inside backticks.
        if index % 2 == 0 {
            continue;
        }
        let candidate = piece.trim().trim_end_matches(':');
        let looks_like_path = !candidate.starts_with('.')
            && !candidate.contains(' ')
            && !candidate.contains("::")
            && !candidate.contains('{')
            && !candidate.contains('<')
            && !candidate.contains('*')
            && (candidate.ends_with('/')
                || Path::new(candidate).extension().is_some_and(|e| {
                    ["rs", "md", "toml", "sql", "json", "sh", "txt", "wit"]
                        .contains(&e.to_str().unwrap_or(""))
                }));
        if !looks_like_path {
            continue;
        }
        // A path is taken relative to the repository, or as the end of a known file's path
        // (`tools/initiative.rs`), or, for a folder, as a part of one (`bm25/`).
        let exists = repo().join(candidate).exists()
            || files.iter().any(|f| {
                f.ends_with(&format!("/{candidate}"))
                    || (candidate.ends_with('/') && f.contains(&format!("/{candidate}")))
            });
        if !exists {
            missing.push(candidate.to_string());
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "ARCHITECTURE.md names paths that do not exist: {missing:#?}");
}
