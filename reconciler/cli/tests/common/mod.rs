//! Helpers shared by the CLI's integration tests: the repository root, and scratch
//! directories that remove themselves.

use std::path::{Path, PathBuf};

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A directory under the system temp dir, removed (with everything in it) when dropped.
#[derive(Debug)]
pub struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory named after the test group and the process.
pub fn scratch(group: &str, name: &str) -> Scratch {
    let p = std::env::temp_dir().join(format!(
        "quorate-{group}-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("create a scratch directory");
    Scratch(p)
}
