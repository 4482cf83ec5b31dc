//! `quorate validate`.

use crate::catalog::InstalledAgents;
use crate::{color_stderr, Format, ValidateArgs};
use anyhow::Result;
use quorate_schema::{load_paths, validate, NoCatalog, Options, Severity};
use std::io::Write;
use std::process::ExitCode;

/// Loads, validates and reports. Exit 0 when valid (warnings allowed unless `--strict`), 1 otherwise.
pub fn run(args: &ValidateArgs) -> Result<ExitCode> {
    let loaded = load_paths(&args.paths);
    let installed = InstalledAgents::default();
    let opts = Options {
        strict: args.strict,
        catalog: if args.no_agent_metadata {
            &NoCatalog
        } else {
            &installed
        },
    };
    let (model, diags) = validate(&loaded, &opts);
    match args.format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", diags.render_json(&loaded.sources))?;
        }
        Format::Text => {
            let mut err = std::io::stderr().lock();
            write!(
                err,
                "{}",
                diags.render_text(&loaded.sources, color_stderr())
            )?;
            let (e, w) = (diags.count(Severity::Error), diags.count(Severity::Warning));
            let what = args
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let plural = |n: usize, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
            match &model {
                Some(m) => writeln!(
                    err,
                    "{what}: valid: cluster `{}`, {} node(s), {} resource(s), {} constraint(s); {}",
                    m.name,
                    m.nodes.len(),
                    m.resources.len(),
                    m.constraints.len(),
                    plural(w, "warning")
                )?,
                None => writeln!(
                    err,
                    "{what}: invalid: {}, {}",
                    plural(e, "error"),
                    plural(w, "warning")
                )?,
            }
        }
    }
    Ok(if model.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
