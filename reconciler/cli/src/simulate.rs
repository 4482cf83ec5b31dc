//! `quorate simulate`: run the scheduler on a CIB (configuration and status from one file, as
//! `crm_simulate -x` does), or on a YAML desired state with the status of a CIB, and print the
//! transition summary and the resulting placement, or the same JSON as `pcmk-oracle.sh`.

use anyhow::{bail, Context, Result};
use quorate_scheduler::{schedule, ClusterStatus, Placement};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quorate simulate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cibadmin --query > cib.xml && quorate simulate cib.xml\n  quorate simulate cluster/ --status cib.xml --format json"
)]
pub struct SimulateArgs {
    /// A CIB XML file (configuration and status), or YAML files/directories with `--status`.
    #[arg(required = true, value_name = "CIB.xml | PATH")]
    paths: Vec<PathBuf>,
    /// A CIB whose `<status>` is the observed cluster (needed with YAML input).
    #[arg(long, value_name = "CIB.xml")]
    status: Option<PathBuf>,
    /// "Now" in seconds since the epoch, for failure-timeout (default: the CIB's
    /// `execution-date`, else the current time).
    #[arg(long, value_name = "EPOCH_S")]
    now: Option<i64>,
    /// Override the CIB's `have-quorum`.
    #[arg(long, value_name = "BOOL")]
    quorum: Option<bool>,
    /// Output: `text` (transition summary and placement) or `json` (`placements`, `actions`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also list probes and fail-count clearing.
    #[arg(long)]
    monitors: bool,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human text.
    Text,
    /// `{"placements": ..., "actions": [...]}`.
    Json,
}

fn read(p: &PathBuf) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
}

/// Schedules and prints. Exit 0 on success, 1 when the input cannot be read.
pub fn run(args: &SimulateArgs) -> Result<ExitCode> {
    let is_cib = args.paths.len() == 1 && args.status.is_none();
    let (model, status_xml) = if is_cib {
        let xml = read(&args.paths[0])?;
        let imported = quorate_cib::import_cib(&xml)
            .with_context(|| format!("cannot import {}", args.paths[0].display()))?;
        let model =
            quorate_schema::lower_unvalidated(&quorate_schema::Loaded::from_doc(imported.doc)).0;
        (model, xml)
    } else {
        let Some(status) = &args.status else {
            bail!(
                "YAML input needs --status CIB.xml\nhint: `cibadmin --query > cib.xml` gives one"
            );
        };
        let loaded = quorate_schema::load_paths(&args.paths);
        let (model, diags) = quorate_schema::lower_unvalidated(&loaded);
        let errors = diags
            .iter()
            .filter(|d| d.severity == quorate_schema::Severity::Error)
            .count();
        if errors > 0 {
            eprintln!(
                "warning: the desired state has {errors} error(s); `quorate validate` lists them"
            );
        }
        (model, read(status)?)
    };
    let mut status =
        ClusterStatus::from_cib_xml(&status_xml).context("cannot read the CIB status")?;
    if let Some(q) = args.quorum {
        status.have_quorum = q;
    }
    status.now_epoch_s = args.now.or(status.now_epoch_s).or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
    });
    let sched = schedule(&model, &status);
    for u in &sched.unsupported {
        eprintln!("warning: {u}");
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let mut v = sched.to_json();
            if args.monitors {
                v["actions"] = serde_json::Value::from(sched.action_strings(true));
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Format::Text => {
            writeln!(out, "Transition Summary:")?;
            for l in &sched.summary {
                writeln!(out, "  * {l}")?;
            }
            writeln!(out, "\nActions:")?;
            for a in sched.action_strings(args.monitors) {
                writeln!(out, "  * {a}")?;
            }
            writeln!(out, "\nPlacement:")?;
            for (id, p) in &sched.placements {
                let where_ = match p {
                    Placement::Stopped => "Stopped".to_string(),
                    Placement::On(n) => format!("Started {n}"),
                    Placement::Many(ns) => format!("Started [ {} ]", ns.join(" ")),
                };
                writeln!(out, "  * {id}\t{where_}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
