//! The `quorate` command: one binary for validating, planning and running HA clusters from YAML.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod apply;
mod catalog;
mod import;
mod plan;
mod render;
mod simulate;
mod snapshot;
mod validate;

/// quorate keeps a high-availability cluster (Pacemaker + Corosync model) converged to a desired
/// state written as YAML in git.
#[derive(Debug, Parser)]
#[command(name = "quorate", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 invalid input or error.\nColour: on for terminals; set NO_COLOR=1 to turn it off."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a desired state: schema, references, HA policy. Every problem is reported with
    /// file:line:col and a hint.
    #[command(
        after_help = "Examples:\n  quorate validate examples/two-node-apache/\n  quorate validate --strict --format json cluster/ > diagnostics.json"
    )]
    Validate(ValidateArgs),
    /// Print the JSON Schema of the desired-state YAML (for editors and yaml-language-server).
    Schema,
    /// Render the desired state in Pacemaker's and Corosync's formats.
    #[command(subcommand)]
    Render(render::RenderCommand),
    /// Turn an existing Pacemaker cluster's CIB into quorate YAML.
    Import(import::ImportArgs),
    /// Converge a running Pacemaker cluster's CIB to the desired state (cibadmin, crm_diff).
    Apply(apply::ApplyArgs),
    /// Show what a change to the desired state does, against a git revision or a live CIB.
    Plan(plan::PlanArgs),
    /// Export a live-state snapshot (JSON) from a Pacemaker CIB, for `plan --live`.
    Snapshot(snapshot::SnapshotArgs),
    /// Schedule a CIB (or YAML with a CIB's status) as Pacemaker would: transition summary and
    /// placement, or JSON comparable with crm_simulate.
    Simulate(simulate::SimulateArgs),
}

#[derive(Debug, clap::Args)]
struct ValidateArgs {
    /// YAML files or directories (merged into one desired state; read recursively).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Output format: `text` writes diagnostics to stderr; `json` writes a JSON array to stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Do not check parameters against installed agents' metadata.
    #[arg(long)]
    no_agent_metadata: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// True when stderr should be coloured: a terminal, and `NO_COLOR` unset or empty.
fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema => print_schema().map(|()| ExitCode::SUCCESS),
        Command::Render(cmd) => render::run(&cmd),
        Command::Import(args) => import::run(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Simulate(args) => simulate::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_schema() -> Result<()> {
    let schema = quorate_schema::json_schema();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string_pretty(&schema)?)?;
    Ok(())
}
