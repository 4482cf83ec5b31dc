//! `quorate plan`: the configuration diff between the desired state in the working tree and
//! either a git revision of the same repository (read with git2, no checkout) or a recorded
//! live CIB.

use crate::color_stderr;
use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use quorate_cib::import_cib;
use quorate_plan::render::{render_markdown, render_text};
use quorate_plan::snapshot::Snapshot;
use quorate_plan::{
    converged, transition_from_converged, transition_from_live, what_if_node_failure,
};
use quorate_scheduler::ClusterStatus;
use quorate_schema::types::ClusterDoc;
use quorate_schema::{
    load_paths, load_sources, lower_only, validate, NoCatalog, Options, Severity,
};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `quorate plan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 success; 1 error (invalid desired state, unreadable base or live state);\nwith --exit-code, 2 when there are changes.\n\nExamples:\n  quorate plan cluster/ --base origin/main --format markdown > plan.md\n  quorate plan cluster/ --live cib.xml --exit-code"
)]
pub struct PlanArgs {
    /// The desired state (a YAML file or directory) in the working tree.
    #[arg(default_value = ".", value_name = "PATH")]
    path: PathBuf,
    /// Compare with the same path at this git revision (branch, tag, commit).
    #[arg(
        long,
        value_name = "REF",
        conflicts_with = "live",
        required_unless_present = "live"
    )]
    base: Option<String>,
    /// Compare with a recorded live state: a CIB as `cibadmin --query` prints it, or a quorate
    /// snapshot (JSON, `quorate snapshot`).
    #[arg(long, value_name = "FILE")]
    live: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Exit 2 when the plan has changes (as terraform plan -detailed-exitcode).
    #[arg(long)]
    exit_code: bool,
    /// Also show, for each node, what happens if it fails right after the change.
    #[arg(long, value_enum, value_name = "SCENARIO")]
    what_if: Option<WhatIfScenario>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum WhatIfScenario {
    /// One node fails (each node in turn).
    NodeFailure,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Markdown,
}

/// Reads the YAML files under `path` as they are at `rev`, without touching the work tree.
fn load_at_revision(path: &Path, rev: &str) -> Result<Vec<(String, String)>> {
    let abs =
        std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
    let repo = git2::Repository::discover(&abs)
        .with_context(|| format!("{} is not inside a git repository", path.display()))?;
    let workdir = repo.workdir().context("the repository is bare")?;
    let workdir = std::fs::canonicalize(workdir)?;
    let rel = abs
        .strip_prefix(&workdir)
        .context("the path is outside the repository")?;
    let obj = repo
        .revparse_single(rev)
        .with_context(|| format!("unknown revision `{rev}`"))?;
    let tree = obj
        .peel_to_tree()
        .with_context(|| format!("`{rev}` does not name a tree"))?;
    let mut files = Vec::new();
    let rel_str = rel.to_string_lossy().replace('\\', "/");
    let entry = if rel_str.is_empty() {
        None
    } else {
        Some(
            tree.get_path(rel)
                .with_context(|| format!("{rel_str} does not exist at {rev}"))?,
        )
    };
    match entry {
        Some(e) if e.kind() == Some(git2::ObjectType::Blob) => {
            let blob = repo.find_blob(e.id())?;
            files.push((
                format!("{rev}:{rel_str}"),
                String::from_utf8_lossy(blob.content()).to_string(),
            ));
        }
        other => {
            let sub = match other {
                Some(e) => repo.find_tree(e.id())?,
                None => tree,
            };
            let prefix = if rel_str.is_empty() {
                String::new()
            } else {
                format!("{rel_str}/")
            };
            sub.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
                let name = e.name().unwrap_or_default();
                if e.kind() == Some(git2::ObjectType::Blob)
                    && (name.ends_with(".yaml") || name.ends_with(".yml"))
                    && !name.starts_with('.')
                {
                    if let Ok(blob) = repo.find_blob(e.id()) {
                        files.push((
                            format!("{rev}:{prefix}{dir}{name}"),
                            String::from_utf8_lossy(blob.content()).to_string(),
                        ));
                    }
                }
                git2::TreeWalkResult::Ok
            })?;
            files.sort();
        }
    }
    if files.is_empty() {
        bail!("no YAML file under {rel_str} at {rev}");
    }
    Ok(files)
}

/// Keeps only what a CIB holds, so a live CIB compares with the desired state fairly.
fn pacemaker_view(mut doc: ClusterDoc) -> ClusterDoc {
    doc.version = None;
    doc.cluster = None;
    doc.totem = None;
    doc.quorum = None;
    for n in &mut doc.nodes {
        n.addrs.clear();
        n.quorum_votes = None;
    }
    doc
}

/// The base revision, loaded and lowered, with its converged placement.
struct Base {
    loaded: quorate_schema::Loaded,
    model: Arc<quorate_schema::Model>,
    placed: std::collections::BTreeMap<String, quorate_scheduler::Placement>,
}

/// Runs `quorate plan`.
pub fn run(args: &PlanArgs) -> Result<ExitCode> {
    let mut err = std::io::stderr().lock();
    // The base revision is read, loaded and lowered on a second thread while this one loads
    // and validates the new state: the two are independent, and large clusters take time.
    // The second thread then hands the base over and schedules its converged placement while
    // this one diffs the configurations.
    let (base, after_loaded, (model, diags), findings, diff) = std::thread::scope(|scope| {
        let (handover, received) = std::sync::mpsc::channel();
        let base = args.base.as_ref().map(|rev| {
            scope.spawn(move || -> Result<_> {
                let loaded = load_sources(load_at_revision(&args.path, rev)?);
                // Only the model: the base's diagnostics are not shown (beyond its
                // structural errors), so its semantic checks would be wasted work.
                let model = Arc::new(lower_only(&loaded));
                let _ = handover.send((loaded, Arc::clone(&model)));
                Ok(converged(&model))
            })
        });
        let after_loaded = load_paths(std::slice::from_ref(&args.path));
        let (model, diags) = validate(
            &after_loaded,
            &Options {
                strict: false,
                catalog: &NoCatalog,
            },
        );
        let findings: Vec<String> = diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| match d.span {
                Some(s) => format!("{}: {}", after_loaded.sources.location(s), d.message),
                None => d.message.clone(),
            })
            .collect();
        let handed = base.as_ref().and_then(|_| received.recv().ok());
        // Both models are at hand: the diff takes constraint ids from them.
        let diff = match (&handed, &model) {
            (Some((loaded, before)), Some(after)) => Some(quorate_plan::plan_with_models(
                (&loaded.doc, before),
                (&after_loaded.doc, after),
                findings.clone(),
            )),
            _ => None,
        };
        let base = base.map(|h| {
            let placed = h
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("reading the base revision failed")))?;
            let (loaded, model) = handed.context("reading the base revision failed")?;
            Ok::<_, anyhow::Error>(Base {
                loaded,
                model,
                placed,
            })
        });
        (base, after_loaded, (model, diags), findings, diff)
    });
    if model.is_none() {
        write!(
            err,
            "{}",
            diags.render_text(&after_loaded.sources, color_stderr())
        )?;
        bail!(
            "the desired state at {} is invalid; nothing to plan",
            args.path.display()
        );
    }
    let after_model = model.expect("checked above");
    let mut base_kept: Option<Base> = None;
    let mut plan = match (&args.base, &args.live) {
        (Some(rev), _) => {
            let Base {
                loaded,
                model: before_model,
                placed,
            } = base_kept.insert(base.expect("spawned for --base")?);
            if loaded.diags.fails(false) {
                write!(
                    err,
                    "{}",
                    loaded.diags.render_text(&loaded.sources, color_stderr())
                )?;
                writeln!(
                    err,
                    "warning: the desired state at {rev} has errors; planning against what loaded"
                )?;
            }
            let t = transition_from_converged(before_model, placed, &after_model);
            let mut plan = diff.expect("made once both models were at hand");
            plan.transition = Some(t);
            plan
        }
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            if text.trim_start().starts_with('{') {
                // A quorate snapshot: the applied desired state plus what runs where.
                let snap = Snapshot::from_json(&text)
                    .with_context(|| format!("cannot read the snapshot {}", file.display()))?;
                let t = transition_from_live(&snap.to_status(), &after_model);
                let mut plan = quorate_plan::plan(&snap.applied, &after_loaded.doc, findings);
                plan.transition = Some(t);
                plan
            } else {
                let imported = import_cib(&text)
                    .with_context(|| format!("cannot read the live state {}", file.display()))?;
                let status = ClusterStatus::from_cib_xml(&text)
                    .with_context(|| format!("cannot read the status of {}", file.display()))?;
                let t = transition_from_live(&status, &after_model);
                let mut plan = quorate_plan::plan(
                    &pacemaker_view(imported.doc),
                    &pacemaker_view(after_loaded.doc.clone()),
                    findings,
                );
                plan.transition = Some(t);
                plan
            }
        }
        (None, None) => bail!("give --base REF or --live FILE"),
    };
    if args.what_if == Some(WhatIfScenario::NodeFailure) {
        plan.what_if = what_if_node_failure(&after_model);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        PlanFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?,
        PlanFormat::Markdown => write!(out, "{}", render_markdown(&plan))?,
        PlanFormat::Text => {
            let color = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            write!(out, "{}", render_text(&plan, color))?;
        }
    }
    let code = if args.exit_code && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    };
    // The process exits right after this: freeing both documents, models and span indexes
    // (hundreds of thousands of small allocations, ~30 ms for 5,000 resources) would only
    // delay the exit, so they are left to the operating system.
    std::mem::forget((base_kept, after_loaded, after_model, plan));
    Ok(code)
}
