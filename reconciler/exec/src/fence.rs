//! Fence agents: the `fence-agents` stdin protocol (`key=value` lines), their exit codes, and
//! secret parameters resolved at run time.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::agent_ref::AgentRef;
use crate::config::{is_executable, ExecConfig};
use crate::error::ExecError;
use crate::process::{run_process, Exit, ProcessSpec};
use crate::result::{Captured, ExecStatus};
use crate::secret::{redact, resolve_params, ParamValue, ParamsDebug};

/// The actions of the fence agent protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FenceAction {
    /// Power the target off.
    Off,
    /// Power the target on.
    On,
    /// Power cycle the target.
    Reboot,
    /// Power state of the target: exit 0 on, 2 off.
    Status,
    /// The targets the device can fence, one per line (`name[,alias]`).
    List,
    /// Whether the device itself is reachable.
    Monitor,
    /// The agent's metadata XML.
    Metadata,
    /// Check the parameters.
    ValidateAll,
}

impl FenceAction {
    /// The `action=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            FenceAction::Off => "off",
            FenceAction::On => "on",
            FenceAction::Reboot => "reboot",
            FenceAction::Status => "status",
            FenceAction::List => "list",
            FenceAction::Monitor => "monitor",
            FenceAction::Metadata => "metadata",
            FenceAction::ValidateAll => "validate-all",
        }
    }

    /// Whether the action is aimed at one target (and so gets `port=`/`nodename=`).
    pub fn targets_a_node(self) -> bool {
        matches!(
            self,
            FenceAction::Off | FenceAction::On | FenceAction::Reboot | FenceAction::Status
        )
    }
}

impl FromStr for FenceAction {
    type Err = ExecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "off" => FenceAction::Off,
            "on" => FenceAction::On,
            "reboot" => FenceAction::Reboot,
            "status" => FenceAction::Status,
            "list" => FenceAction::List,
            "monitor" => FenceAction::Monitor,
            "metadata" => FenceAction::Metadata,
            "validate-all" => FenceAction::ValidateAll,
            other => {
                return Err(ExecError::InvalidRequest(format!(
                    "unknown fence action `{other}`"
                )))
            }
        })
    }
}

impl fmt::Display for FenceAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run of a fence agent.
#[derive(Clone)]
pub struct FenceRequest {
    /// The fence device's id; actions on one device never overlap (Pacemaker's default
    /// `pcmk_action_limit=1`).
    pub device: String,
    /// The agent, `stonith:fence_*`.
    pub agent: AgentRef,
    /// What to do.
    pub action: FenceAction,
    /// The node (or plug) to act on, for `off`/`on`/`reboot`/`status`.
    pub target: Option<String>,
    /// The parameter the target is passed as (`pcmk_host_argument`): `port` by default, `plug` for
    /// newer agents, `none` to omit it.
    pub host_argument: String,
    /// Device parameters. `pcmk_*` ones are the fencer's and are not passed to the agent.
    pub params: BTreeMap<String, ParamValue>,
    /// Timeout; the agent's process group is killed when it expires.
    pub timeout_ms: u64,
}

impl fmt::Debug for FenceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FenceRequest")
            .field("device", &self.device)
            .field("agent", &format_args!("{}", self.agent))
            .field("action", &self.action)
            .field("target", &self.target)
            .field("host_argument", &self.host_argument)
            .field("params", &ParamsDebug(&self.params))
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl FenceRequest {
    /// A request with no parameters, `port` as host argument and a 60 s timeout (Pacemaker's default).
    pub fn new(device: impl Into<String>, agent: AgentRef, action: FenceAction) -> FenceRequest {
        FenceRequest {
            device: device.into(),
            agent,
            action,
            target: None,
            host_argument: "port".into(),
            params: BTreeMap::new(),
            timeout_ms: 60_000,
        }
    }

    /// Sets the target node.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Adds a device parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Sets the timeout.
    pub fn timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// The same request for another action.
    pub fn with_action(&self, action: FenceAction) -> FenceRequest {
        FenceRequest {
            action,
            ..self.clone()
        }
    }
}

/// How a fence agent's run failed, by the `fence-agents` exit codes (`fencing.py`, `EC_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FenceFailure {
    /// 1: generic error.
    Generic,
    /// 2: bad arguments (for any action but `status`, where 2 means off).
    BadArguments,
    /// 3: login denied.
    LoginDenied,
    /// 4: connection lost.
    ConnectionLost,
    /// 5: the device timed out.
    DeviceTimedOut,
    /// 6: timed out waiting for power on.
    WaitingOn,
    /// 7: timed out waiting for power off.
    WaitingOff,
    /// 8: cannot obtain the plug's status, or the plug is not available.
    Status,
    /// 9: cannot obtain the status (HMC).
    StatusHmc,
    /// 10: no password given.
    PasswordMissing,
    /// 11: insufficient privileges.
    InvalidPrivileges,
    /// 12: cannot fetch the VM's UUID.
    FetchVmUuid,
    /// Any other exit code.
    Other(i32),
    /// Our timeout expired and the agent's process group was killed.
    TimedOut,
    /// The agent died of a signal.
    Signaled(i32),
}

impl FenceFailure {
    fn from_code(code: i32) -> FenceFailure {
        match code {
            1 => FenceFailure::Generic,
            2 => FenceFailure::BadArguments,
            3 => FenceFailure::LoginDenied,
            4 => FenceFailure::ConnectionLost,
            5 => FenceFailure::DeviceTimedOut,
            6 => FenceFailure::WaitingOn,
            7 => FenceFailure::WaitingOff,
            8 => FenceFailure::Status,
            9 => FenceFailure::StatusHmc,
            10 => FenceFailure::PasswordMissing,
            11 => FenceFailure::InvalidPrivileges,
            12 => FenceFailure::FetchVmUuid,
            other => FenceFailure::Other(other),
        }
    }
}

/// What a fence agent reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FenceOutcome {
    /// Exit 0: done (for `status`: the target is on).
    Success,
    /// `status` only, exit 2: the target is off.
    PoweredOff,
    /// Anything else.
    Failed(FenceFailure),
}

/// The result of one fence agent run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceResult {
    /// How the run went.
    pub status: ExecStatus,
    /// What it means.
    pub outcome: FenceOutcome,
    /// The raw exit code, when the agent exited.
    pub exit_code: Option<i32>,
    /// Captured standard output (secrets replaced by `(sensitive)`).
    pub stdout: Captured,
    /// Captured standard error (secrets replaced by `(sensitive)`).
    pub stderr: Captured,
    /// Wall time.
    pub elapsed_ms: u64,
}

impl FenceResult {
    /// Whether the action succeeded (for `status`: the answer is on or off, not an error).
    pub fn succeeded(&self) -> bool {
        matches!(
            self.outcome,
            FenceOutcome::Success | FenceOutcome::PoweredOff
        )
    }

    /// For `list`: the targets printed, with their aliases.
    pub fn list_targets(&self) -> Vec<(String, Option<String>)> {
        parse_list(&self.stdout.text())
    }
}

/// Parses `list` output: one `name[,alias]` per line (spaces or commas as separators).
pub fn parse_list(stdout: &str) -> Vec<(String, Option<String>)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line
                .split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|p| !p.is_empty());
            let name = parts.next()?.to_owned();
            Some((name, parts.next().map(str::to_owned)))
        })
        .collect()
}

/// Builds the agent's stdin. Values with a newline cannot be sent and are refused.
fn stdin_lines(request: &FenceRequest, params: &[(String, String)]) -> Result<Vec<u8>, ExecError> {
    let mut lines = vec![("action".to_owned(), request.action.as_str().to_owned())];
    let host_argument = request.host_argument.as_str();
    if request.action.targets_a_node() {
        let target = request.target.clone().ok_or_else(|| {
            ExecError::InvalidRequest(format!("fence action {} needs a target", request.action))
        })?;
        if host_argument != "none" {
            lines.push((host_argument.to_owned(), target.clone()));
        }
        lines.push(("nodename".to_owned(), target));
    }
    for (name, value) in params {
        let per_op = name == "action"
            || name == "nodename"
            || (request.action.targets_a_node() && name == host_argument);
        if name.starts_with("pcmk_") || per_op {
            continue;
        }
        lines.push((name.clone(), value.clone()));
    }
    let mut stdin = Vec::new();
    for (name, value) in lines {
        if name.contains(['=', '\n', '\0']) || value.contains(['\n', '\0']) {
            return Err(ExecError::InvalidRequest(format!(
                "fence parameter `{name}` has a name or value that cannot be sent on one line"
            )));
        }
        stdin.extend_from_slice(format!("{name}={value}\n").as_bytes());
    }
    Ok(stdin)
}

/// Runs one fence agent action, blocking the calling thread. `Err` means nothing could be run.
pub fn run_fence_action(
    config: &ExecConfig,
    request: &FenceRequest,
) -> Result<FenceResult, ExecError> {
    request
        .agent
        .check()
        .map_err(|reason| ExecError::InvalidAgent {
            spec: request.agent.to_string(),
            reason,
        })?;
    if request.agent.class != "stonith" {
        return Err(ExecError::InvalidAgent {
            spec: request.agent.to_string(),
            reason: "a fence device needs a stonith: agent".into(),
        });
    }
    let path = config.roots.fence_agent(&request.agent.kind);
    if !is_executable(&path) {
        return Ok(FenceResult {
            status: ExecStatus::NotInstalled,
            outcome: FenceOutcome::Failed(FenceFailure::Generic),
            exit_code: None,
            stdout: Captured::default(),
            stderr: Captured {
                bytes: format!("{} not found", path.display()).into_bytes(),
                total_bytes: 0,
            },
            elapsed_ms: 0,
        });
    }
    let (params, secrets) = resolve_params(config, &request.params)?;
    let stdin = stdin_lines(request, &params)?;
    let outcome = run_process(
        config,
        ProcessSpec {
            program: path,
            args: Vec::new(),
            env: Vec::new(),
            stdin: Some(stdin),
            timeout: Duration::from_millis(request.timeout_ms),
        },
    )?;
    let elapsed_ms = u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX);
    let (mut stdout, mut stderr) = (outcome.stdout, outcome.stderr);
    redact(&mut stdout, &secrets);
    redact(&mut stderr, &secrets);
    let (status, outcome, exit_code) = match outcome.exit {
        Exit::Code(0) => (ExecStatus::Done, FenceOutcome::Success, Some(0)),
        Exit::Code(2) if request.action == FenceAction::Status => {
            (ExecStatus::Done, FenceOutcome::PoweredOff, Some(2))
        }
        Exit::Code(code) => (
            ExecStatus::Done,
            FenceOutcome::Failed(FenceFailure::from_code(code)),
            Some(code),
        ),
        Exit::Signal(signal) => (
            ExecStatus::Signaled(signal),
            FenceOutcome::Failed(FenceFailure::Signaled(signal)),
            None,
        ),
        Exit::TimedOut => (
            ExecStatus::TimedOut,
            FenceOutcome::Failed(FenceFailure::TimedOut),
            None,
        ),
    };
    Ok(FenceResult {
        status,
        outcome,
        exit_code,
        stdout,
        stderr,
        elapsed_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretSource;

    #[test]
    fn stdin_carries_action_target_and_params_but_not_pcmk_ones() {
        let request = FenceRequest::new(
            "ipmi-node1",
            AgentRef::stonith("fence_ipmilan"),
            FenceAction::Reboot,
        )
        .target("node1")
        .param("ip", "10.0.0.11")
        .param("pcmk_host_list", "node1")
        .param("action", "off");
        let stdin = stdin_lines(
            &request,
            &[
                ("ip".into(), "10.0.0.11".into()),
                ("pcmk_host_list".into(), "node1".into()),
                ("action".into(), "off".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(stdin).unwrap(),
            "action=reboot\nport=node1\nnodename=node1\nip=10.0.0.11\n"
        );
    }

    #[test]
    fn host_argument_none_omits_the_port_and_targetless_actions_have_none() {
        let mut request =
            FenceRequest::new("d", AgentRef::stonith("fence_x"), FenceAction::Off).target("n2");
        request.host_argument = "none".into();
        assert_eq!(
            stdin_lines(&request, &[]).unwrap(),
            b"action=off\nnodename=n2\n"
        );
        let list = FenceRequest::new("d", AgentRef::stonith("fence_x"), FenceAction::List);
        assert_eq!(stdin_lines(&list, &[]).unwrap(), b"action=list\n");
        let no_target = FenceRequest::new("d", AgentRef::stonith("fence_x"), FenceAction::Off);
        assert!(stdin_lines(&no_target, &[]).is_err());
    }

    #[test]
    fn multi_line_values_are_refused() {
        let request = FenceRequest::new("d", AgentRef::stonith("fence_x"), FenceAction::Monitor);
        assert!(stdin_lines(&request, &[("ip".into(), "1.2.3.4\naction=off".into())]).is_err());
    }

    #[test]
    fn list_output_parses_names_and_aliases() {
        assert_eq!(
            parse_list("node1,n1\nnode2\n\nnode3 n3\n"),
            [
                ("node1".into(), Some("n1".into())),
                ("node2".into(), None),
                ("node3".into(), Some("n3".into()))
            ]
        );
    }

    #[test]
    fn debug_redacts_the_password() {
        let request = FenceRequest::new("d", AgentRef::stonith("fence_ipmilan"), FenceAction::Off)
            .param("password", "hunter2")
            .param("passwd", SecretSource::Env("IPMI_PW".into()));
        let shown = format!("{request:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
