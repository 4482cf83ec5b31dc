//! `quorate apply --pacemaker`: converge a real Pacemaker cluster's CIB to the desired state.
//!
//! Reads the live CIB with `cibadmin --query` (honouring `CIB_file=` like every Pacemaker tool),
//! builds the desired CIB (live CIB, desired configuration, runtime-owned parts kept), diffs the
//! two with `crm_diff --no-version`, and applies the patch with `cibadmin --patch` only if the
//! live `(admin_epoch, epoch)` has not moved since it was read: a concurrent edit is reported,
//! never overwritten.

use crate::render::load_model;
use anyhow::{bail, Context, Result};
use quorate_cib::{cib_version, desired_cib, CibSchema};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Arguments of `quorate apply`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  quorate apply --pacemaker --dry-run cluster/\n  CIB_file=/tmp/cib.xml quorate apply --pacemaker cluster/"
)]
pub struct ApplyArgs {
    /// YAML files or directories of the desired state.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Converge a Pacemaker cluster through cibadmin (the only backend today).
    #[arg(long, required = true)]
    pacemaker: bool,
    /// Print the changes and apply nothing.
    #[arg(long)]
    dry_run: bool,
    /// Target CIB schema.
    #[arg(long, default_value = "pacemaker-3.9")]
    schema: String,
}

/// Environment variable naming a command run between reading the CIB and applying the patch.
/// Fault injection for tests of the concurrency check; never set it in production.
pub const FAULT_BEFORE_PATCH: &str = "QUORATE_FAULT_BEFORE_PATCH";

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir> {
    let p = std::env::temp_dir().join(format!("quorate-apply-{}", std::process::id()));
    std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
    Ok(TempDir(p))
}

fn query() -> Result<String> {
    let out = Command::new("cibadmin")
        .arg("--query")
        .output()
        .context("cannot run cibadmin (install pacemaker-cli-utils)")?;
    if !out.status.success() {
        bail!(
            "cibadmin --query failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).context("cibadmin printed non-UTF-8 output")
}

/// One line per change of a format-2 patch: `create`, `delete`, `modify`, `move` and the path.
fn summarize(patch: &str) -> Vec<String> {
    let Ok(doc) = roxmltree::Document::parse(patch) else {
        return vec![patch.to_string()];
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("change"))
        .map(|c| {
            let op = c.attribute("operation").unwrap_or("?");
            let path = c.attribute("path").unwrap_or("?").replace("&apos;", "'");
            let detail = match op {
                "create" => c
                    .first_element_child()
                    .map(|e| {
                        format!(
                            " <{} id=\"{}\">",
                            e.tag_name().name(),
                            e.attribute("id").unwrap_or("")
                        )
                    })
                    .unwrap_or_default(),
                "modify" => {
                    let sets: Vec<String> = c
                        .descendants()
                        .filter(|n| n.has_tag_name("change-attr"))
                        .map(|s| match s.attribute("operation") {
                            Some("unset") => format!("unset {}", s.attribute("name").unwrap_or("")),
                            _ => format!(
                                "{}={}",
                                s.attribute("name").unwrap_or(""),
                                s.attribute("value").unwrap_or("")
                            ),
                        })
                        .collect();
                    if sets.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", sets.join(", "))
                    }
                }
                _ => String::new(),
            };
            format!("{op:<6} {path}{detail}")
        })
        .collect()
}

/// Runs `quorate apply`.
pub fn run(args: &ApplyArgs) -> Result<ExitCode> {
    let Some(schema) = CibSchema::parse(&args.schema) else {
        bail!(
            "unknown schema `{}`; use pacemaker-3.9 or pacemaker-4.0",
            args.schema
        );
    };
    let _ = args.pacemaker;
    let model = load_model(&args.paths)?;
    let live = query()?;
    let read_version = cib_version(&live)?;
    let desired = desired_cib(&live, &model, schema)?;
    let tmp = tempdir()?;
    let live_path = tmp.0.join("live.xml");
    let desired_path = tmp.0.join("desired.xml");
    std::fs::write(&live_path, &live)?;
    std::fs::write(&desired_path, &desired)?;
    let diff = Command::new("crm_diff")
        .args(["--no-version", "--original"])
        .arg(&live_path)
        .arg("--new")
        .arg(&desired_path)
        .output()
        .context("cannot run crm_diff (install pacemaker-cli-utils)")?;
    let patch = String::from_utf8_lossy(&diff.stdout).to_string();
    let mut out = std::io::stdout().lock();
    match diff.status.code() {
        Some(0) => {
            writeln!(
                out,
                "no changes: the CIB already holds the desired configuration (epoch {})",
                read_version.1
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(1) => {}
        _ => bail!(
            "crm_diff failed: {}",
            String::from_utf8_lossy(&diff.stderr).trim()
        ),
    }
    let changes = summarize(&patch);
    if args.dry_run {
        writeln!(
            out,
            "would apply {} change(s) to the CIB at epoch {}.{}:",
            changes.len(),
            read_version.0,
            read_version.1
        )?;
        for c in &changes {
            writeln!(out, "  {c}")?;
        }
        writeln!(out, "dry run: nothing applied")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(cmd) = std::env::var_os(FAULT_BEFORE_PATCH) {
        let _ = Command::new("sh").arg("-c").arg(cmd).status();
    }
    // Optimistic concurrency: refuse when anyone changed the configuration meanwhile.
    let now = cib_version(&query()?)?;
    if (now.0, now.1) != (read_version.0, read_version.1) {
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "error: the CIB changed while quorate was preparing its patch (admin_epoch.epoch {}.{} -> {}.{}): a concurrent edit; nothing was applied\nhint: run `quorate apply` again to converge from the new configuration",
            read_version.0, read_version.1, now.0, now.1
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let patch_path = tmp.0.join("patch.xml");
    std::fs::write(&patch_path, &patch)?;
    apply_patch(&patch_path)?;
    let after = cib_version(&query()?)?;
    writeln!(
        out,
        "applied {} change(s): epoch {} -> {}",
        changes.len(),
        read_version.1,
        after.1
    )?;
    for c in &changes {
        writeln!(out, "  {c}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn apply_patch(path: &Path) -> Result<()> {
    let out = Command::new("cibadmin")
        .arg("--patch")
        .arg("--xml-file")
        .arg(path)
        .output()
        .context("cannot run cibadmin")?;
    if !out.status.success() {
        bail!(
            "cibadmin --patch failed: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
