//! `quorate render cib|corosync`: the desired state in Pacemaker's and Corosync's formats.

use crate::color_stderr;
use anyhow::{bail, Result};
use clap::Subcommand;
use quorate_cib::{render_cib, CibSchema, RenderOptions};
use quorate_schema::{load_paths, validate, Model, NoCatalog, Options};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// What to render.
#[derive(Debug, Subcommand)]
pub enum RenderCommand {
    /// Print the CIB `configuration` section (or a whole `<cib>` with --full).
    #[command(
        after_help = "Examples:\n  quorate render cib examples/two-node-apache/ > cib.xml\n  quorate render cib --full --schema pacemaker-4.0 cluster/"
    )]
    Cib {
        /// YAML files or directories of the desired state.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print a whole `<cib>` element with an empty status section.
        #[arg(long)]
        full: bool,
        /// Target CIB schema: pacemaker-3.9 (Pacemaker 2.1) or pacemaker-4.0 (Pacemaker 3).
        #[arg(long, default_value = "pacemaker-3.9")]
        schema: String,
    },
    /// Print `corosync.conf` (in the layout pcs writes).
    #[command(
        after_help = "Example:\n  quorate render corosync --logfile /var/log/corosync/corosync.log examples/two-node-apache/"
    )]
    Corosync {
        /// YAML files or directories of the desired state.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Log file in the `logging` section (Debian's corosync logs to /var/log/corosync/).
        #[arg(long, default_value = quorate_cib::corosync::LOGFILE_DEFAULT)]
        logfile: String,
    },
}

/// Loads and validates `paths`; prints diagnostics and fails when invalid.
pub fn load_model(paths: &[PathBuf]) -> Result<Model> {
    let loaded = load_paths(paths);
    let (model, diags) = validate(
        &loaded,
        &Options {
            strict: false,
            catalog: &NoCatalog,
        },
    );
    if model.is_none() {
        let mut err = std::io::stderr().lock();
        write!(
            err,
            "{}",
            diags.render_text(&loaded.sources, color_stderr())
        )?;
        bail!("the desired state is invalid; fix the errors above (see `quorate validate`)");
    }
    Ok(model.expect("checked above"))
}

/// Runs a render subcommand.
pub fn run(cmd: &RenderCommand) -> Result<ExitCode> {
    match cmd {
        RenderCommand::Cib {
            paths,
            full,
            schema,
        } => {
            let Some(schema) = CibSchema::parse(schema) else {
                bail!("unknown schema `{schema}`; use pacemaker-3.9 or pacemaker-4.0");
            };
            let model = load_model(paths)?;
            let xml = render_cib(
                &model,
                &RenderOptions {
                    schema,
                    full: *full,
                },
            )?;
            std::io::stdout().lock().write_all(xml.as_bytes())?;
        }
        RenderCommand::Corosync { paths, logfile } => {
            let model = load_model(paths)?;
            let opts = quorate_cib::corosync::CorosyncRenderOptions {
                logfile: logfile.clone(),
            };
            let conf = quorate_cib::corosync::render_corosync_with(&model, &opts);
            std::io::stdout().lock().write_all(conf.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
