//! quorate-exec: runs the real resource and fence agents, exactly as Pacemaker's executor and
//! fencer do: OCF scripts (`resource-agents`), LSB init scripts, systemd units (through
//! `systemctl`, when systemd is the running init) and fence agents (`fence-agents`).
//!
//! # Contract for `quorate validate` (synchronous, no tokio needed)
//!
//! ```no_run
//! use quorate_exec::{installed_metadata, AgentRef, AgentRoots};
//!
//! let agent: AgentRef = "ocf:heartbeat:IPaddr2".parse()?;           // or AgentRef::parse(..)
//! match installed_metadata(&agent, &AgentRoots::default())? {
//!     None => println!("note: {agent} is not installed here; its params are not checked"),
//!     Some(meta) => {
//!         for problem in meta.check_params(&agent.class, ["ip", "cidr_netmask"]) {
//!             println!("{problem:?}"); // ParamProblem::Unknown(name) | MissingRequired(name)
//!         }
//!     }
//! }
//! # Ok::<(), quorate_exec::ExecError>(())
//! ```
//!
//! - `pub fn installed_metadata(spec: &AgentRef, roots: &AgentRoots) -> Result<Option<AgentMetadata>, ExecError>`:
//!   `Ok(None)` = not installed under `roots`; `Ok(Some(meta))` = its parsed `meta-data`
//!   (synthesized, with no parameters, for `lsb`/`systemd`/`service`); `Err` = invalid spec, or
//!   installed but `meta-data` failed or did not parse. Cached per agent for the process's life
//!   (refetched when the agent file's mtime changes). Blocks at most 30 s.
//! - `AgentRef { class: String, provider: Option<String>, kind: String }`; `class` is one of
//!   `ocf|lsb|systemd|service|stonith`; parsed from `ocf:heartbeat:IPaddr2` or
//!   `stonith:fence_ipmilan` by `AgentRef::parse` / `FromStr`; `Display` prints it back.
//! - `AgentMetadata { name, version, shortdesc, longdesc, parameters: Vec<ParameterMeta>,
//!   actions: Vec<ActionMeta> }`;
//!   `ParameterMeta { name, required: bool, unique: bool, reloadable: bool, deprecated: bool,
//!   obsoletes: Option<String>, content_type: String, default: Option<String>,
//!   options: Vec<String>, shortdesc, longdesc }`;
//!   `ActionMeta { name, timeout_ms: Option<u64>, interval_ms: Option<u64>, depth: Option<u32>,
//!   role: Option<String> }`.
//! - `AgentMetadata::check_params(&self, class: &str, given: impl IntoIterator<Item = &str>) ->
//!   Vec<ParamProblem>`: unknown and missing-required names, sorted; for `stonith`, `pcmk_*` and
//!   the per-operation `action`/`port`/`plug`/`nodename`/`nodeid` are never reported.
//! - `AgentRoots::default()`: `ocf_root=/usr/lib/ocf`, `fence_dir=/usr/sbin`,
//!   `lsb_dir=/etc/init.d`, `systemd_runtime_dir=/run/systemd/system`; every field is public so
//!   tests point them elsewhere.
//!
//! # Running actions
//!
//! - Synchronous core: [`run_resource_action`] and [`run_fence_action`] take an [`ExecConfig`]
//!   and a request, block until the agent ends or its timeout kills its whole process group, and
//!   return the exit code with its meaning ([`OcfResult`], LSB status codes mapped, or
//!   [`FenceOutcome`]) plus bounded stdout/stderr. A `stonith:` agent given to
//!   `run_resource_action` is a fence device managed as a resource: `start`/`monitor` run its
//!   `monitor`, `stop` runs nothing.
//! - Async, for the node agent: [`Executor`] runs them on tokio's blocking pool with at most
//!   `max_parallel` resource actions at once, never two on the same resource (or fence device),
//!   in submission order per resource; [`Executor::start_recurring`] runs a monitor every interval
//!   and reports only changes of its result.
//! - Secrets ([`ParamValue::Secret`]: a file, an environment variable, or a script's output) are
//!   resolved just before the agent runs, never appear in `Debug` output, and are replaced by
//!   `(sensitive)` in captured output.
//!
//! # Invariants
//!
//! - Every agent runs in its own process group with a cleared environment (plus `PATH`, the OCF
//!   variables, and configured extras); on timeout the whole group gets SIGKILL.
//! - Two actions on one resource never overlap, even when the caller drops a future mid-run.
//! - This crate decides nothing: it runs what it is told and reports what happened.

mod agent_ref;
mod config;
mod error;
mod executor;
mod fence;
mod metadata;
mod process;
mod resource;
mod result;
mod secret;

pub use agent_ref::{AgentRef, KNOWN_CLASSES};
pub use config::{AgentRoots, ExecConfig};
pub use error::ExecError;
pub use executor::{Executor, MonitorChange, MonitorState, RecurringMonitor};
pub use fence::{
    parse_list, run_fence_action, FenceAction, FenceFailure, FenceOutcome, FenceRequest,
    FenceResult,
};
pub use metadata::{
    installed_metadata, parse_duration_ms, parse_metadata, ActionMeta, AgentMetadata,
    MetadataCache, ParamProblem, ParameterMeta,
};
pub use resource::{run_resource_action, ActionRequest, ResourceAction};
pub use result::{ActionResult, Captured, ExecStatus, OcfResult, EXIT_REASON_PREFIX};
pub use secret::{is_sensitive_name, ParamValue, SecretSource, REDACTED};
