//! Which files an MCP client may have the server ingest: only regular files inside the
//! configured library folders, found after every symlink is resolved, and no larger than
//! the cap. A refusal never says whether a path outside the folders exists.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a requested book path was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SandboxError {
    /// The path is not a readable regular file inside a library folder: missing, outside,
    /// or a link that leads outside (the message is the same for all three).
    #[error(
        "{requested:?} is not a readable file in the library folders ({roots}); put the book there \
         (or ingest it with `ttrpg ingest` on the server's own command line)"
    )]
    OutsideLibrary {
        /// The path as the client gave it.
        requested: String,
        /// The library folders, as configured.
        roots: String,
    },
    /// The file is inside the library but over the size cap.
    #[error(
        "{requested:?} is {size_mb} MiB, over the {max_mb} MiB limit for ingest_document (library.max_file_mb)"
    )]
    TooLarge {
        /// The path as the client gave it.
        requested: String,
        /// Its size, rounded up to MiB.
        size_mb: u64,
        /// The cap.
        max_mb: u64,
    },
}

/// Resolves `requested` to a file inside one of `roots`: a relative path is taken inside
/// the first root; the result is canonical (symlinks and `..` resolved) and must lie inside
/// a root's canonical path and be at most `max_mb` MiB.
pub fn resolve(roots: &[PathBuf], requested: &str, max_mb: u64) -> Result<PathBuf, SandboxError> {
    let outside = || SandboxError::OutsideLibrary {
        requested: requested.to_string(),
        roots: roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", "),
    };
    let given = Path::new(requested);
    let candidate = match (given.is_absolute(), roots.first()) {
        (true, _) => given.to_path_buf(),
        (false, Some(first)) => first.join(given),
        (false, None) => return Err(outside()),
    };
    let canonical = candidate.canonicalize().map_err(|_| outside())?;
    let inside = roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| canonical.starts_with(&root) && canonical != root);
    let metadata = std::fs::metadata(&canonical).map_err(|_| outside())?;
    if !inside || !metadata.is_file() {
        return Err(outside());
    }
    let size_mb = metadata.len().div_ceil(1 << 20);
    if metadata.len() > max_mb.saturating_mul(1 << 20) {
        return Err(SandboxError::TooLarge { requested: requested.to_string(), size_mb, max_mb });
    }
    Ok(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        root: PathBuf,
        outside: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("library");
        std::fs::create_dir_all(root.join("core")).unwrap();
        std::fs::write(root.join("core/book.pdf"), b"%PDF-1.7 small").unwrap();
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, b"not for clients").unwrap();
        Fixture { root, outside, _dir: dir }
    }

    #[test]
    fn a_file_inside_a_root_resolves_absolute_or_relative() {
        let f = fixture();
        let roots = [f.root.clone()];
        let expected = f.root.join("core/book.pdf").canonicalize().unwrap();
        assert_eq!(
            resolve(&roots, f.root.join("core/book.pdf").to_str().unwrap(), 512),
            Ok(expected.clone())
        );
        assert_eq!(resolve(&roots, "core/book.pdf", 512), Ok(expected));
    }

    #[test]
    fn outside_missing_and_escaping_paths_get_the_same_answer() {
        let f = fixture();
        let roots = [f.root.clone()];
        std::os::unix::fs::symlink(&f.outside, f.root.join("core/link.pdf")).unwrap();
        let attempts = [
            f.outside.display().to_string(),
            f.root.join("core/missing.pdf").display().to_string(),
            "core/link.pdf".to_string(),
            "../secret.txt".to_string(),
            "core".to_string(),
            "/etc/passwd".to_string(),
        ];
        for requested in attempts {
            let err = resolve(&roots, &requested, 512).unwrap_err();
            let SandboxError::OutsideLibrary { requested: named, .. } = &err else { panic!("{err:?}") };
            assert_eq!(named, &requested);
            let message = err.to_string();
            assert!(!message.contains("exist") && !message.contains("denied"), "says too much: {message}");
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_naming_the_cap() {
        let f = fixture();
        std::fs::write(f.root.join("big.pdf"), vec![0_u8; (1 << 20) + 1]).unwrap();
        let err = resolve(std::slice::from_ref(&f.root), "big.pdf", 1).unwrap_err();
        assert_eq!(err, SandboxError::TooLarge { requested: "big.pdf".into(), size_mb: 2, max_mb: 1 });
        assert!(err.to_string().contains("library.max_file_mb"), "{err}");
    }
}
