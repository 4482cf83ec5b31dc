//! `quorate import`: an existing Pacemaker cluster (CIB, and optionally corosync.conf) as
//! quorate YAML, with a report of everything left out or changed.

use crate::color_stderr;
use anyhow::{Context, Result};
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
    #[arg(long, value_name = "FILE")]
    cib: PathBuf,
    /// Write `cluster.yaml` into this directory instead of printing it.
    #[arg(short = 'o', long, value_name = "DIR")]
    output: Option<PathBuf>,
}

/// Imports, writes the YAML, and reports. Exit 0 when the result validates, 1 otherwise (the
/// YAML is still written, so the operator can fix what the report names).
pub fn run(args: &ImportArgs) -> Result<ExitCode> {
    let xml = std::fs::read_to_string(&args.cib)
        .with_context(|| format!("cannot read {}", args.cib.display()))?;
    let imported =
        import_cib(&xml).with_context(|| format!("cannot import {}", args.cib.display()))?;
    let (schema_comment, target) = match &args.output {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            (None, Some(dir.join("cluster.yaml")))
        }
        None => (None, None),
    };
    let yaml = to_yaml(&imported.doc, schema_comment);
    let mut err = std::io::stderr().lock();
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
        "imported {}: {} resource(s), {} group(s), {} clone(s); {} item(s) not representable{}",
        args.cib.display(),
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
