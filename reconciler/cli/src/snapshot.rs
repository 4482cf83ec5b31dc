//! `quorate snapshot`: the live state of a Pacemaker cluster (its CIB) as a quorate snapshot,
//! the versioned JSON that `quorate plan --live` reads and the node agent will export.

use anyhow::{Context, Result};
use quorate_cib::import_cib;
use quorate_plan::snapshot::Snapshot;
use quorate_scheduler::ClusterStatus;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quorate snapshot`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  cibadmin --query > cib.xml && quorate snapshot --cib cib.xml > snapshot.json"
)]
pub struct SnapshotArgs {
    /// A CIB with its status section, as `cibadmin --query` prints it.
    #[arg(long, value_name = "FILE")]
    cib: PathBuf,
    /// The revision of the desired state the cluster runs (recorded in the snapshot).
    #[arg(long, value_name = "REV")]
    revision: Option<String>,
}

/// Prints the snapshot as JSON.
pub fn run(args: &SnapshotArgs) -> Result<ExitCode> {
    let xml = std::fs::read_to_string(&args.cib)
        .with_context(|| format!("cannot read {}", args.cib.display()))?;
    let imported =
        import_cib(&xml).with_context(|| format!("cannot import {}", args.cib.display()))?;
    let status = ClusterStatus::from_cib_xml(&xml)
        .with_context(|| format!("cannot read the status of {}", args.cib.display()))?;
    let snap = Snapshot::from_status(imported.doc, &status, args.revision.clone());
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&snap)?
    )?;
    Ok(ExitCode::SUCCESS)
}
