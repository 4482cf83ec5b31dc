//! Tidy checks over the whole repository, as ordinary tests: every Rust file opens with a `//!`
//! line, crate dependencies point the way DESIGN.md says, and pure crates touch no clock, no OS
//! randomness, no network and no files.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if name == "target" || name.starts_with('.') {
                continue;
            }
            rust_files(&p, out);
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&repo().join("schema"), &mut files);
    rust_files(&repo().join("reconciler"), &mut files);
    assert!(files.len() > 10);
    let bad: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        bad.is_empty(),
        "files without a leading `//!` line:\n{}",
        bad.join("\n")
    );
}

/// Our crates each crate may depend on (DESIGN.md, "dependencies point one way").
fn allowed(krate: &str) -> Option<&'static [&'static str]> {
    Some(match krate {
        "quorate-schema" | "quorate-totem" | "quorate-exec" => &[],
        "quorate-cib" | "quorate-scheduler" => &["quorate-schema"],
        "quorate-plan" => &["quorate-schema", "quorate-scheduler", "quorate-cib"],
        "quorate-agent" => &[
            "quorate-schema",
            "quorate-scheduler",
            "quorate-cib",
            "quorate-totem",
            "quorate-exec",
        ],
        "quorate" => &[
            "quorate-schema",
            "quorate-scheduler",
            "quorate-cib",
            "quorate-plan",
            "quorate-totem",
            "quorate-exec",
            "quorate-agent",
        ],
        _ => return None,
    })
}

fn manifests() -> Vec<PathBuf> {
    let mut v = vec![repo().join("schema/Cargo.toml")];
    if let Ok(rd) = std::fs::read_dir(repo().join("reconciler")) {
        for e in rd.filter_map(|e| e.ok()) {
            let m = e.path().join("Cargo.toml");
            if m.exists() {
                v.push(m);
            }
        }
    }
    v.sort();
    v
}

/// (package name, our crates it depends on in any dependency section).
fn read_manifest(path: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("manifest");
    let mut name = String::new();
    let mut section = String::new();
    let mut deps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section == "[package]" {
            if let Some(v) = line.strip_prefix("name") {
                name = v
                    .trim_start_matches([' ', '='])
                    .trim_matches('"')
                    .to_string();
            }
        }
        if section.ends_with("dependencies]") && line.starts_with("quorate") {
            let dep = line
                .split(['=', '.', ' '])
                .next()
                .unwrap_or_default()
                .to_string();
            deps.push(dep);
        }
    }
    (name, deps)
}

#[test]
fn dependencies_point_one_way() {
    let mut problems = Vec::new();
    for m in manifests() {
        let (name, deps) = read_manifest(&m);
        let Some(ok) = allowed(&name) else {
            problems.push(format!(
                "{name}: a crate unknown to this test; add it to `allowed`"
            ));
            continue;
        };
        for d in deps {
            if !ok.contains(&d.as_str()) {
                problems.push(format!("{name} must not depend on {d}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn pure_crates_do_no_io() {
    const PURE: &[&str] = &[
        "reconciler/cib",
        "reconciler/scheduler",
        "reconciler/plan",
        "reconciler/totem",
    ];
    const FORBIDDEN: &[&str] = &[
        "Instant::now",
        "SystemTime::now",
        "thread_rng",
        "OsRng",
        "std::net",
        "tokio",
        "std::fs",
        "File::open",
    ];
    let mut problems = Vec::new();
    for krate in PURE {
        let mut files = Vec::new();
        rust_files(&repo().join(krate).join("src"), &mut files);
        for f in files {
            // Binaries (benchmarks, tools) drive the pure core and may measure time.
            let rel = f.strip_prefix(repo()).unwrap_or(&f).display().to_string();
            if rel.contains("/bin/") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for word in FORBIDDEN {
                if text.contains(word) {
                    problems.push(format!("{rel} uses {word}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "pure crates must not do I/O:\n{}",
        problems.join("\n")
    );
}
