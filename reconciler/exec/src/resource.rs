//! Resource agent actions: OCF scripts, LSB init scripts and systemd units, run synchronously.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::agent_ref::AgentRef;
use crate::config::{is_executable, ExecConfig};
use crate::error::ExecError;
use crate::fence::{run_fence_action, FenceAction, FenceOutcome, FenceRequest};
use crate::metadata::unit_name;
use crate::process::{run_process, Exit, ProcessOutcome, ProcessSpec};
use crate::result::{
    exit_reason, ActionResult, Captured, ExecStatus, OcfResult, EXIT_REASON_PREFIX,
};
use crate::secret::{redact, resolve_params, ParamValue, ParamsDebug, SecretValue};

/// The actions a resource agent can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceAction {
    /// `start`
    Start,
    /// `stop`
    Stop,
    /// `monitor` (`status` for LSB); with interval 0 a probe.
    Monitor,
    /// `promote`
    Promote,
    /// `demote`
    Demote,
    /// `notify` (clone notifications; the details come as `CRM_meta_notify_*` meta).
    Notify,
    /// `reload`
    Reload,
    /// `reload-agent` (OCF 1.1: reloadable parameters changed).
    ReloadAgent,
    /// `migrate_to`
    MigrateTo,
    /// `migrate_from`
    MigrateFrom,
    /// `validate-all`
    ValidateAll,
    /// `meta-data`
    MetaData,
}

impl ResourceAction {
    /// Every action, in declaration order.
    pub const ALL: [ResourceAction; 12] = [
        ResourceAction::Start,
        ResourceAction::Stop,
        ResourceAction::Monitor,
        ResourceAction::Promote,
        ResourceAction::Demote,
        ResourceAction::Notify,
        ResourceAction::Reload,
        ResourceAction::ReloadAgent,
        ResourceAction::MigrateTo,
        ResourceAction::MigrateFrom,
        ResourceAction::ValidateAll,
        ResourceAction::MetaData,
    ];

    /// The name the agent is called with.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceAction::Start => "start",
            ResourceAction::Stop => "stop",
            ResourceAction::Monitor => "monitor",
            ResourceAction::Promote => "promote",
            ResourceAction::Demote => "demote",
            ResourceAction::Notify => "notify",
            ResourceAction::Reload => "reload",
            ResourceAction::ReloadAgent => "reload-agent",
            ResourceAction::MigrateTo => "migrate_to",
            ResourceAction::MigrateFrom => "migrate_from",
            ResourceAction::ValidateAll => "validate-all",
            ResourceAction::MetaData => "meta-data",
        }
    }
}

impl fmt::Display for ResourceAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceAction {
    type Err = ExecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ExecError::InvalidRequest(format!("unknown resource action `{s}`")))
    }
}

/// One action on one resource.
#[derive(Clone)]
pub struct ActionRequest {
    /// The resource's id (`OCF_RESOURCE_INSTANCE`); actions with the same id never overlap.
    pub resource: String,
    /// Its agent.
    pub agent: AgentRef,
    /// What to do.
    pub action: ResourceAction,
    /// Instance parameters (`OCF_RESKEY_<name>`), plus the operation's own instance attributes
    /// such as `OCF_CHECK_LEVEL` (passed as `OCF_RESKEY_OCF_CHECK_LEVEL`, as Pacemaker does).
    pub params: BTreeMap<String, ParamValue>,
    /// Meta attributes (`OCF_RESKEY_CRM_meta_<name>`, `-` written as `_`), e.g. `clone-max`.
    pub meta: BTreeMap<String, String>,
    /// Recurring interval (0 for a one-shot action or a probe); `OCF_RESKEY_CRM_meta_interval`.
    pub interval_ms: u64,
    /// Timeout; the agent's process group is killed when it expires. `OCF_RESKEY_CRM_meta_timeout`.
    pub timeout_ms: u64,
}

impl fmt::Debug for ActionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionRequest")
            .field("resource", &self.resource)
            .field("agent", &format_args!("{}", self.agent))
            .field("action", &self.action)
            .field("params", &ParamsDebug(&self.params))
            .field("meta", &self.meta)
            .field("interval_ms", &self.interval_ms)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl ActionRequest {
    /// A request with no parameters, interval 0 and a 20 s timeout (Pacemaker's default).
    pub fn new(
        resource: impl Into<String>,
        agent: AgentRef,
        action: ResourceAction,
    ) -> ActionRequest {
        ActionRequest {
            resource: resource.into(),
            agent,
            action,
            params: BTreeMap::new(),
            meta: BTreeMap::new(),
            interval_ms: 0,
            timeout_ms: 20_000,
        }
    }

    /// Adds an instance parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Adds a meta attribute.
    pub fn meta(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(name.into(), value.into());
        self
    }

    /// Sets the timeout.
    pub fn timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// Sets the interval.
    pub fn interval_ms(mut self, interval_ms: u64) -> Self {
        self.interval_ms = interval_ms;
        self
    }

    /// The same request for another action.
    pub fn with_action(&self, action: ResourceAction) -> ActionRequest {
        ActionRequest {
            action,
            ..self.clone()
        }
    }
}

/// Whether `name` can be the tail of an environment variable name.
fn env_safe(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// The OCF environment Pacemaker's executor gives an agent.
fn ocf_env(
    config: &ExecConfig,
    request: &ActionRequest,
    params: &[(String, String)],
) -> Result<Vec<(OsString, OsString)>, ExecError> {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("OCF_ROOT".into(), config.roots.ocf_root.clone().into()),
        ("OCF_RA_VERSION_MAJOR".into(), "1".into()),
        ("OCF_RA_VERSION_MINOR".into(), "1".into()),
        (
            "OCF_RESOURCE_INSTANCE".into(),
            request.resource.clone().into(),
        ),
        (
            "OCF_RESOURCE_TYPE".into(),
            request.agent.kind.clone().into(),
        ),
        (
            "OCF_RESOURCE_PROVIDER".into(),
            request.agent.provider.clone().unwrap_or_default().into(),
        ),
        ("OCF_EXIT_REASON_PREFIX".into(), EXIT_REASON_PREFIX.into()),
    ];
    for (name, value) in params {
        if !env_safe(name) || name.contains(['-', '.']) {
            return Err(ExecError::InvalidRequest(format!(
                "parameter name `{name}` cannot be passed to an OCF agent"
            )));
        }
        env.push((format!("OCF_RESKEY_{name}").into(), value.into()));
    }
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &request.meta {
        if !env_safe(name) {
            return Err(ExecError::InvalidRequest(format!(
                "meta attribute name `{name}` cannot be passed to an OCF agent"
            )));
        }
        meta.insert(name.replace(['-', '.'], "_"), value.clone());
    }
    meta.insert("interval".into(), request.interval_ms.to_string());
    meta.insert("timeout".into(), request.timeout_ms.to_string());
    for (name, value) in meta {
        env.push((format!("OCF_RESKEY_CRM_meta_{name}").into(), value.into()));
    }
    Ok(env)
}

/// Turns a process outcome into an action result, mapping the exit code with `map`.
fn to_result(
    outcome: ProcessOutcome,
    secrets: &[SecretValue],
    map: impl Fn(i32) -> OcfResult,
) -> ActionResult {
    let ProcessOutcome {
        exit,
        mut stdout,
        mut stderr,
        elapsed,
    } = outcome;
    redact(&mut stdout, secrets);
    redact(&mut stderr, secrets);
    let (status, result, exit_code) = match exit {
        Exit::Code(code) => (ExecStatus::Done, map(code), Some(code)),
        Exit::Signal(signal) => (ExecStatus::Signaled(signal), OcfResult::GenericError, None),
        Exit::TimedOut => (ExecStatus::TimedOut, OcfResult::GenericError, None),
    };
    ActionResult {
        status,
        result,
        exit_code,
        exit_reason: exit_reason(&stderr),
        stdout,
        stderr,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    }
}

/// Runs one resource action to completion (or timeout), blocking the calling thread.
///
/// This is the synchronous core; [`crate::Executor`] adds concurrency limits, per-resource
/// serialization and recurring monitors on top. An agent that runs and fails is `Ok` with its
/// OCF meaning; `Err` means nothing could be run (bad request, systemd absent, secret unresolvable).
pub fn run_resource_action(
    config: &ExecConfig,
    request: &ActionRequest,
) -> Result<ActionResult, ExecError> {
    request
        .agent
        .check()
        .map_err(|reason| ExecError::InvalidAgent {
            spec: request.agent.to_string(),
            reason,
        })?;
    let unsupported = || ExecError::UnsupportedAction {
        class: request.agent.class.clone(),
        action: request.action.as_str().to_owned(),
    };
    let timeout = Duration::from_millis(request.timeout_ms);
    let roots = &config.roots;
    match request.agent.class.as_str() {
        "ocf" => {
            let provider = request.agent.provider.as_deref().unwrap_or_default();
            let path = roots.ocf_agent(provider, &request.agent.kind);
            if !is_executable(&path) {
                return Ok(ActionResult::not_installed(format!(
                    "{} is not installed ({} not found)",
                    request.agent,
                    path.display()
                )));
            }
            let (params, secrets) = resolve_params(config, &request.params)?;
            let env = ocf_env(config, request, &params)?;
            let outcome = run_process(
                config,
                ProcessSpec {
                    program: path,
                    args: vec![request.action.as_str().into()],
                    env,
                    stdin: None,
                    timeout,
                },
            )?;
            Ok(to_result(outcome, &secrets, OcfResult::from_code))
        }
        "lsb" => run_lsb(config, request, timeout),
        "systemd" => run_systemd(config, request, timeout),
        "service" => {
            let unit = unit_name(&request.agent.kind);
            if roots.systemd_running() && roots.systemd_unit_file(&unit).is_some() {
                run_systemd(config, request, timeout)
            } else if is_executable(&roots.lsb_script(&request.agent.kind))
                || !roots.systemd_running()
            {
                run_lsb(config, request, timeout)
            } else {
                run_systemd(config, request, timeout)
            }
        }
        "stonith" => run_stonith_resource(config, request, unsupported),
        _ => Err(unsupported()),
    }
}

/// A fence device managed as a resource, as Pacemaker's executor does it: `start` and `monitor`
/// run the agent's `monitor` (is the device reachable?), `stop` runs nothing (a device holds no
/// state on the node), `validate-all` and `meta-data` run those agent actions. Fencing itself goes
/// through [`crate::run_fence_action`].
fn run_stonith_resource(
    config: &ExecConfig,
    request: &ActionRequest,
    unsupported: impl Fn() -> ExecError,
) -> Result<ActionResult, ExecError> {
    let action = match request.action {
        ResourceAction::Start | ResourceAction::Monitor => FenceAction::Monitor,
        ResourceAction::ValidateAll => FenceAction::ValidateAll,
        ResourceAction::MetaData => FenceAction::Metadata,
        ResourceAction::Stop => {
            return Ok(ActionResult {
                status: ExecStatus::Done,
                result: OcfResult::Success,
                exit_code: None,
                exit_reason: None,
                stdout: Captured::default(),
                stderr: Captured::default(),
                elapsed_ms: 0,
            })
        }
        _ => return Err(unsupported()),
    };
    let fence = FenceRequest {
        device: request.resource.clone(),
        agent: request.agent.clone(),
        action,
        target: None,
        host_argument: "port".into(),
        params: request.params.clone(),
        timeout_ms: request.timeout_ms,
    };
    let result = run_fence_action(config, &fence)?;
    let meaning = match (result.status, result.outcome) {
        (ExecStatus::NotInstalled, _) => OcfResult::NotInstalled,
        (_, FenceOutcome::Success) => OcfResult::Success,
        (_, _) => OcfResult::GenericError,
    };
    Ok(ActionResult {
        status: result.status,
        result: meaning,
        exit_code: result.exit_code,
        exit_reason: None,
        stdout: result.stdout,
        stderr: result.stderr,
        elapsed_ms: result.elapsed_ms,
    })
}

fn no_params(request: &ActionRequest) -> Result<(), ExecError> {
    if request.params.is_empty() {
        Ok(())
    } else {
        Err(ExecError::InvalidRequest(format!(
            "{} takes no parameters",
            request.agent
        )))
    }
}

/// An LSB init script: `/etc/init.d/<kind> <action>`, `monitor` run as `status`.
fn run_lsb(
    config: &ExecConfig,
    request: &ActionRequest,
    timeout: Duration,
) -> Result<ActionResult, ExecError> {
    let action = match request.action {
        ResourceAction::Start => "start",
        ResourceAction::Stop => "stop",
        ResourceAction::Monitor => "status",
        ResourceAction::Reload => "force-reload",
        _ => {
            return Err(ExecError::UnsupportedAction {
                class: request.agent.class.clone(),
                action: request.action.as_str().to_owned(),
            })
        }
    };
    no_params(request)?;
    let path = config.roots.lsb_script(&request.agent.kind);
    if !is_executable(&path) {
        return Ok(ActionResult::not_installed(format!(
            "{} is not installed ({} not found)",
            request.agent,
            path.display()
        )));
    }
    let outcome = run_process(
        config,
        ProcessSpec {
            program: path,
            args: vec![action.into()],
            env: Vec::new(),
            stdin: None,
            timeout,
        },
    )?;
    Ok(to_result(outcome, &[], |code| {
        OcfResult::from_lsb(action, code)
    }))
}

/// Why systemd cannot be used here, in words an operator can act on.
fn systemd_unavailable(config: &ExecConfig) -> ExecError {
    let init = std::fs::read_to_string("/proc/1/comm")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    ExecError::SystemdUnavailable {
        reason: format!(
            "{} does not exist, so systemd is not the running init (PID 1 is `{init}`); use an ocf or lsb agent for this resource",
            config.roots.systemd_runtime_dir.display()
        ),
    }
}

/// A systemd unit through `systemctl`: `start`/`stop`/`reload` wait for the job; `monitor` reads
/// `LoadState` and `ActiveState`.
fn run_systemd(
    config: &ExecConfig,
    request: &ActionRequest,
    timeout: Duration,
) -> Result<ActionResult, ExecError> {
    let verb = match request.action {
        ResourceAction::Start => "start",
        ResourceAction::Stop => "stop",
        ResourceAction::Reload => "reload",
        ResourceAction::Monitor => "show",
        _ => {
            return Err(ExecError::UnsupportedAction {
                class: request.agent.class.clone(),
                action: request.action.as_str().to_owned(),
            })
        }
    };
    no_params(request)?;
    if !config.roots.systemd_running() {
        return Err(systemd_unavailable(config));
    }
    let unit = unit_name(&request.agent.kind);
    let mut args: Vec<OsString> = vec![verb.into()];
    if verb == "show" {
        args.push("--property=LoadState,ActiveState".into());
    }
    args.push(unit.clone().into());
    let program: PathBuf = config.roots.systemctl.clone();
    let outcome = run_process(
        config,
        ProcessSpec {
            program,
            args,
            env: Vec::new(),
            stdin: None,
            timeout,
        },
    )?;
    let mut result = to_result(outcome, &[], |code| OcfResult::from_lsb(verb, code));
    if verb == "show" && result.status == ExecStatus::Done && result.exit_code == Some(0) {
        let (state, pending) = systemd_state(&result.stdout.text());
        result.result = state;
        if pending {
            result.status = ExecStatus::Pending;
        }
    }
    Ok(result)
}

/// Maps `systemctl show --property=LoadState,ActiveState` output as Pacemaker maps unit states:
/// `active`/`reloading` run, `activating`/`deactivating` are pending, the rest are not running; a
/// unit that does not load is not installed.
pub(crate) fn systemd_state(show: &str) -> (OcfResult, bool) {
    let value = |key: &str| {
        show.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
    };
    if value("LoadState") == Some("not-found") {
        return (OcfResult::NotInstalled, false);
    }
    match value("ActiveState") {
        Some("active" | "reloading") => (OcfResult::Success, false),
        Some("activating" | "deactivating") => (OcfResult::NotRunning, true),
        _ => (OcfResult::NotRunning, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentRoots;
    use crate::secret::SecretSource;

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in ResourceAction::ALL {
            assert_eq!(action.as_str().parse::<ResourceAction>().unwrap(), action);
        }
        assert!("restart".parse::<ResourceAction>().is_err());
    }

    #[test]
    fn ocf_environment_has_instance_params_and_meta() {
        let request = ActionRequest::new(
            "vip",
            AgentRef::ocf("heartbeat", "IPaddr2"),
            ResourceAction::Monitor,
        )
        .param("ip", "10.213.0.1")
        .meta("clone-max", "2")
        .interval_ms(10_000)
        .timeout_ms(20_000);
        let (params, _) = resolve_params(&ExecConfig::default(), &request.params).unwrap();
        let env = ocf_env(&ExecConfig::default(), &request, &params).unwrap();
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.to_str().unwrap().to_owned())
        };
        assert_eq!(get("OCF_ROOT").as_deref(), Some("/usr/lib/ocf"));
        assert_eq!(get("OCF_RESOURCE_INSTANCE").as_deref(), Some("vip"));
        assert_eq!(get("OCF_RESOURCE_TYPE").as_deref(), Some("IPaddr2"));
        assert_eq!(get("OCF_RESOURCE_PROVIDER").as_deref(), Some("heartbeat"));
        assert_eq!(get("OCF_RESKEY_ip").as_deref(), Some("10.213.0.1"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_clone_max").as_deref(), Some("2"));
        assert_eq!(
            get("OCF_RESKEY_CRM_meta_interval").as_deref(),
            Some("10000")
        );
        assert_eq!(get("OCF_RESKEY_CRM_meta_timeout").as_deref(), Some("20000"));
    }

    #[test]
    fn bad_parameter_names_are_refused() {
        let request = ActionRequest::new(
            "r",
            AgentRef::ocf("heartbeat", "Dummy"),
            ResourceAction::Start,
        )
        .param("a=b", "x");
        let (params, _) = resolve_params(&ExecConfig::default(), &request.params).unwrap();
        assert!(ocf_env(&ExecConfig::default(), &request, &params).is_err());
    }

    #[test]
    fn request_debug_redacts_secrets() {
        let request = ActionRequest::new(
            "db",
            AgentRef::ocf("heartbeat", "mysql"),
            ResourceAction::Start,
        )
        .param("test_passwd", "hunter2")
        .param(
            "replication_passwd",
            SecretSource::File("/etc/quorate/secrets/repl".into()),
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("/etc/quorate/secrets/repl"), "{shown}");
    }

    #[test]
    fn systemd_states_map_like_pacemaker() {
        assert_eq!(
            systemd_state("LoadState=loaded\nActiveState=active\n"),
            (OcfResult::Success, false)
        );
        assert_eq!(
            systemd_state("LoadState=loaded\nActiveState=inactive\n"),
            (OcfResult::NotRunning, false)
        );
        assert_eq!(
            systemd_state("LoadState=loaded\nActiveState=failed\n"),
            (OcfResult::NotRunning, false)
        );
        assert_eq!(
            systemd_state("LoadState=loaded\nActiveState=activating\n"),
            (OcfResult::NotRunning, true)
        );
        assert_eq!(
            systemd_state("LoadState=not-found\nActiveState=inactive\n"),
            (OcfResult::NotInstalled, false)
        );
    }

    #[test]
    fn systemd_without_systemd_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let roots = AgentRoots {
            systemd_runtime_dir: dir.path().join("absent"),
            ..AgentRoots::default()
        };
        let config = ExecConfig::with_roots(roots);
        let request = ActionRequest::new(
            "web",
            AgentRef::parse("systemd:nginx").unwrap(),
            ResourceAction::Start,
        );
        let err = run_resource_action(&config, &request).unwrap_err();
        assert!(matches!(err, ExecError::SystemdUnavailable { .. }), "{err}");
        assert!(
            err.to_string().contains("systemd is not available"),
            "{err}"
        );
    }
}
