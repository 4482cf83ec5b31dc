//! Golden tests of `quorate validate`: every file (or directory) in `tests/invalid/` holds one
//! mistake and `<name>.expected` lists the diagnostics it must produce, with file:line:col and
//! hint. `QUORATE_BLESS=1 cargo test` rewrites the expected files after a deliberate change.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn quorate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run quorate")
}

/// One line per diagnostic, `path:line:col: severity[code]: message`, then its hint and related
/// places indented.
fn compact(json: &str) -> (String, usize, usize) {
    let v: Value = serde_json::from_str(json).expect("validate --format json prints JSON");
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for d in v.as_array().expect("an array") {
        let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
        let n = |k: &str| d[k].as_u64().map_or("?".to_string(), |x| x.to_string());
        match d["severity"].as_str() {
            Some("error") => errors += 1,
            Some("warning") => warnings += 1,
            _ => {}
        }
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            s("file"),
            n("line"),
            n("column"),
            s("severity"),
            s("code"),
            s("message")
        ));
        if let Some(h) = d["hint"].as_str() {
            out.push_str(&format!("    hint: {h}\n"));
        }
        for r in d["related"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "    related: {}:{}:{}: {}\n",
                r["file"].as_str().unwrap_or(""),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap_or("")
            ));
        }
    }
    (out, errors, warnings)
}

fn cases() -> Vec<String> {
    let dir = repo().join("tests/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/invalid exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yaml") || dir.join(n).is_dir())
        .collect();
    names.sort();
    names
}

#[test]
fn every_invalid_input_reports_its_expected_diagnostics() {
    let dir = repo().join("tests/invalid");
    let bless = std::env::var_os("QUORATE_BLESS").is_some();
    let mut failures = Vec::new();
    let names = cases();
    assert!(
        names.len() >= 30,
        "expected the golden corpus, found {}",
        names.len()
    );
    for name in &names {
        let out = quorate(
            &dir,
            &["validate", "--no-agent-metadata", "--format", "json", name],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (got, errors, warnings) = compact(&stdout);
        let stem = name.trim_end_matches(".yaml");
        let expected_path = dir.join(format!("{stem}.expected"));
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected");
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{name}: diagnostics differ\n--- expected\n{want}+++ got\n{got}"
            ));
        }
        // Exit code: 1 with any error, 0 with warnings only.
        let code = out.status.code();
        let want_code = if errors > 0 { 1 } else { 0 };
        if code != Some(want_code) {
            failures.push(format!("{name}: exit {code:?}, expected {want_code}"));
        }
        if errors + warnings == 0 {
            failures.push(format!("{name}: reports nothing"));
        }
        // Every error and warning has a place and a hint.
        let v: Value = serde_json::from_str(&stdout).expect("json");
        for d in v.as_array().into_iter().flatten() {
            if d["severity"] != "note" && (d["line"].is_null() || d["hint"].is_null()) {
                failures.push(format!("{name}: diagnostic without place or hint: {d}"));
            }
        }
        // Warnings fail under --strict.
        if errors == 0 {
            let strict = quorate(&dir, &["validate", "--no-agent-metadata", "--strict", name]);
            if strict.status.code() != Some(1) {
                failures.push(format!("{name}: --strict did not fail on warnings"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn text_output_shows_place_snippet_caret_and_hint() {
    let dir = repo().join("tests/invalid");
    let out = quorate(
        &dir,
        &["validate", "--no-agent-metadata", "unknown-key-typo.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "diagnostics go to stderr, stdout stays empty"
    );
    let got = String::from_utf8_lossy(&out.stderr).to_string();
    let path = dir.join("unknown-key-typo.stderr");
    if std::env::var_os("QUORATE_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write");
    }
    assert_eq!(got, std::fs::read_to_string(&path).expect("snapshot"));
    assert!(!got.contains('\x1b'), "NO_COLOR output has no escape codes");
}

#[test]
fn every_example_is_valid_and_only_the_lab_one_fails_strict() {
    let examples = repo().join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4);
    for d in dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let out = quorate(&examples, &["validate", &name]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let strict = quorate(&examples, &["validate", "--strict", &name]);
        let want = if name == "apache-active-passive" {
            1
        } else {
            0
        };
        assert_eq!(
            strict.status.code(),
            Some(want),
            "{name} --strict: {}",
            String::from_utf8_lossy(&strict.stderr)
        );
        // Every example points editors at the schema.
        for f in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            let text = std::fs::read_to_string(f.path()).unwrap();
            assert!(
                text.starts_with(
                    "# yaml-language-server: $schema=../../schema/quorate.schema.json"
                ),
                "{} lacks the schema comment",
                f.path().display()
            );
        }
    }
}

#[test]
fn committed_json_schema_is_fresh() {
    let out = quorate(&repo(), &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("schema/quorate.schema.json"))
        .expect("schema/quorate.schema.json is committed");
    if std::env::var_os("QUORATE_BLESS").is_some() {
        std::fs::write(repo().join("schema/quorate.schema.json"), &out.stdout).unwrap();
        return;
    }
    assert!(
        committed.as_bytes() == out.stdout.as_slice(),
        "schema/quorate.schema.json is stale: run `cargo run -p quorate -- schema > schema/quorate.schema.json`"
    );
}

#[test]
fn missing_path_is_a_clear_error() {
    let out = quorate(&repo(), &["validate", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read does/not/exist.yaml"), "{err}");
}

/// Parameters are checked against the installed agents' own metadata: unknown names with a
/// suggestion, missing required ones, values that must be unique, and one note for agents that
/// are not installed. Needs Debian's resource-agents and fence-agents (`.ci/run` installs them).
#[test]
fn params_are_checked_against_installed_agent_metadata() {
    assert!(
        Path::new("/usr/lib/ocf/resource.d/heartbeat/IPaddr2").exists()
            && Path::new("/usr/sbin/fence_ipmilan").exists(),
        "this test needs Debian's resource-agents and fence-agents: apt-get install -y resource-agents fence-agents"
    );
    let dir = repo().join("tests/agent-metadata");
    let out = quorate(
        &dir,
        &[
            "validate",
            "--format",
            "json",
            "unknown-and-missing-params.yaml",
        ],
    );
    let (got, errors, _) = compact(&String::from_utf8_lossy(&out.stdout));
    let path = dir.join("unknown-and-missing-params.expected");
    if std::env::var_os("QUORATE_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write");
    }
    assert_eq!(got, std::fs::read_to_string(&path).expect("expected file"));
    assert_eq!(errors, 4);
    assert_eq!(out.status.code(), Some(1));
    // Without metadata checks the same file is valid.
    let out = quorate(
        &dir,
        &[
            "validate",
            "--no-agent-metadata",
            "unknown-and-missing-params.yaml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
