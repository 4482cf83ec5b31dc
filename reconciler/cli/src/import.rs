//! `quorate import`: an existing Pacemaker cluster (CIB, and optionally corosync.conf) as
//! quorate YAML, with a report of everything left out or changed.

use crate::color_stderr;
use anyhow::{bail, Context, Result};
use quorate_cib::{import_cib, NoteLevel};
use quorate_schema::emit::to_yaml;
use quorate_schema::{load_sources, validate, NoCatalog, Options, Severity};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quorate import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cibadmin --query > cib.xml && quorate import --cib cib.xml -o cluster/\n  quorate import --cib cib.xml > cluster.yaml"
)]
pub struct ImportArgs {
    /// A CIB as `cibadmin --query` prints it.
    #[arg(long, value_name = "FILE", required_unless_present = "corosync")]
    cib: Option<PathBuf>,
    /// The cluster's corosync.conf: cluster name, nodes with ring addresses, totem and quorum.
    #[arg(long, value_name = "FILE")]
    corosync: Option<PathBuf>,
    /// Write `cluster.yaml` into this directory instead of printing it.
    #[arg(short = 'o', long, value_name = "DIR")]
    output: Option<PathBuf>,
}

/// Imports, writes the YAML, and reports. Exit 0 when the result validates, 1 otherwise (the
/// YAML is still written, so the operator can fix what the report names).
pub fn run(args: &ImportArgs) -> Result<ExitCode> {
    let mut err = std::io::stderr().lock();
    let mut imported = match &args.cib {
        Some(cib) => {
            let xml = std::fs::read_to_string(cib)
                .with_context(|| format!("cannot read {}", cib.display()))?;
            import_cib(&xml).with_context(|| format!("cannot import {}", cib.display()))?
        }
        None => quorate_cib::Imported {
            doc: Default::default(),
            report: Vec::new(),
        },
    };
    if let Some(conf) = &args.corosync {
        let bytes =
            std::fs::read(conf).with_context(|| format!("cannot read {}", conf.display()))?;
        match quorate_cib::corosync::import_corosync_bytes(&bytes) {
            Ok(imp) => {
                for n in &imp.notes {
                    writeln!(err, "{}:{n}", conf.display())?;
                }
                if args.cib.is_some() {
                    imp.apply_to(&mut imported.doc);
                    // The CIB had no addresses; corosync.conf has the real ones.
                    imported.report.retain(|n| n.id != "nodes");
                } else {
                    imported.doc = imp.to_doc();
                }
            }
            Err(quorate_cib::corosync::CorosyncError::Syntax(e)) => {
                bail!("{}:{}: {}", conf.display(), e.line, e.message)
            }
            Err(quorate_cib::corosync::CorosyncError::Values(v)) => {
                for e in &v {
                    writeln!(
                        err,
                        "{}:{}: {}: {}",
                        conf.display(),
                        e.line,
                        e.path,
                        e.message
                    )?;
                }
                bail!(
                    "{} has {} value(s) quorate cannot read",
                    conf.display(),
                    v.len()
                );
            }
        }
    }
    imported.doc.version = Some(quorate_schema::types::FORMAT_VERSION);
    let (schema_comment, target) = match &args.output {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            (None, Some(dir.join("cluster.yaml")))
        }
        None => (None, None),
    };
    let yaml = to_yaml(&imported.doc, schema_comment);
    for n in &imported.report {
        writeln!(err, "{n}")?;
    }
    let unsupported = imported
        .report
        .iter()
        .filter(|n| n.level == NoteLevel::Unsupported)
        .count();
    // The result must load and validate like any desired state.
    let shown = target
        .as_ref()
        .map_or("(stdout)".to_string(), |p| p.display().to_string());
    let loaded = load_sources(vec![(shown.clone(), yaml.clone())]);
    let (model, diags) = validate(
        &loaded,
        &Options {
            strict: false,
            catalog: &NoCatalog,
        },
    );
    match &target {
        Some(path) => std::fs::write(path, &yaml)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(yaml.as_bytes())?,
    }
    if diags.count(Severity::Error) + diags.count(Severity::Warning) > 0 {
        write!(
            err,
            "{}",
            diags.render_text(&loaded.sources, color_stderr())
        )?;
    }
    writeln!(
        err,
        "imported {}: {} node(s), {} resource(s), {} group(s), {} clone(s); {} item(s) not representable{}",
        args.cib.as_ref().or(args.corosync.as_ref()).map(|p| p.display().to_string()).unwrap_or_default(),
        imported.doc.nodes.len(),
        imported.doc.resources.len(),
        imported.doc.groups.len(),
        imported.doc.clones.len(),
        unsupported,
        if model.is_some() {
            ""
        } else {
            "; the result does not validate yet: see above"
        }
    )?;
    Ok(if model.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
