//! Tidy checks of this crate's own sources: every `.rs` file opens with a `//!` line, and the
//! protocol core stays sans-IO (no clock, no OS randomness, no sockets, no threads, no files).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == "corpus" || n == "artifacts")
            {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "fuzz/fuzz_targets"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not open with //!",
            f.display()
        );
    }
}

#[test]
fn the_protocol_core_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    for f in files
        .iter()
        .filter(|f| !f.to_string_lossy().contains("/bin/"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        for banned in [
            "Instant::now",
            "SystemTime",
            "std::net",
            "std::fs",
            "std::thread",
            "tokio",
            "thread_rng",
            "getrandom",
        ] {
            assert!(!text.contains(banned), "{} mentions {banned}", f.display());
        }
    }
}
