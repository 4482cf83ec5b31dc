//! What an agent run produced: execution status, exit code and its OCF meaning, captured output.

use std::fmt;

/// An exit code's meaning under the OCF standard (Pacemaker's `enum ocf_exitcode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OcfResult {
    /// 0: success (for `monitor`: running).
    Success,
    /// 1: generic error.
    GenericError,
    /// 2: invalid argument.
    InvalidArgument,
    /// 3: unimplemented action.
    Unimplemented,
    /// 4: insufficient privileges.
    InsufficientPrivileges,
    /// 5: required software not installed.
    NotInstalled,
    /// 6: not configured (bad parameters; the resource cannot run anywhere).
    NotConfigured,
    /// 7: not running (a clean stop; the expected result of a probe).
    NotRunning,
    /// 8: running in the promoted role.
    RunningPromoted,
    /// 9: failed in the promoted role.
    FailedPromoted,
    /// 190: running but degraded.
    Degraded,
    /// 191: promoted but degraded.
    DegradedPromoted,
    /// Any other code; treated as a generic error by policy.
    Other(i32),
}

impl OcfResult {
    /// The meaning of an OCF agent's exit code.
    pub fn from_code(code: i32) -> OcfResult {
        match code {
            0 => OcfResult::Success,
            1 => OcfResult::GenericError,
            2 => OcfResult::InvalidArgument,
            3 => OcfResult::Unimplemented,
            4 => OcfResult::InsufficientPrivileges,
            5 => OcfResult::NotInstalled,
            6 => OcfResult::NotConfigured,
            7 => OcfResult::NotRunning,
            8 => OcfResult::RunningPromoted,
            9 => OcfResult::FailedPromoted,
            190 => OcfResult::Degraded,
            191 => OcfResult::DegradedPromoted,
            other => OcfResult::Other(other),
        }
    }

    /// The OCF exit code.
    pub fn code(self) -> i32 {
        match self {
            OcfResult::Success => 0,
            OcfResult::GenericError => 1,
            OcfResult::InvalidArgument => 2,
            OcfResult::Unimplemented => 3,
            OcfResult::InsufficientPrivileges => 4,
            OcfResult::NotInstalled => 5,
            OcfResult::NotConfigured => 6,
            OcfResult::NotRunning => 7,
            OcfResult::RunningPromoted => 8,
            OcfResult::FailedPromoted => 9,
            OcfResult::Degraded => 190,
            OcfResult::DegradedPromoted => 191,
            OcfResult::Other(code) => code,
        }
    }

    /// The meaning of an LSB init script's exit code for `action` (Pacemaker's
    /// `services__lsb2ocf`). `status` has its own codes: 0 running; 1 dead with a pid file, 2 dead
    /// with a lock file, 3 not running (all "not running"); 150/151 are Pacemaker's extensions for
    /// not installed / insufficient privileges; anything else is an error. For the other actions LSB
    /// and OCF share codes 0-7 and anything above is a generic error.
    pub fn from_lsb(action: &str, code: i32) -> OcfResult {
        if action == "status" || action == "monitor" {
            return match code {
                0 => OcfResult::Success,
                1..=3 => OcfResult::NotRunning,
                150 => OcfResult::NotInstalled,
                151 => OcfResult::InsufficientPrivileges,
                _ => OcfResult::GenericError,
            };
        }
        match code {
            0..=7 => OcfResult::from_code(code),
            _ => OcfResult::GenericError,
        }
    }

    /// Pacemaker's short name for the result.
    pub fn name(self) -> &'static str {
        match self {
            OcfResult::Success => "ok",
            OcfResult::GenericError => "error",
            OcfResult::InvalidArgument => "invalid parameter",
            OcfResult::Unimplemented => "unimplemented feature",
            OcfResult::InsufficientPrivileges => "insufficient privileges",
            OcfResult::NotInstalled => "not installed",
            OcfResult::NotConfigured => "not configured",
            OcfResult::NotRunning => "not running",
            OcfResult::RunningPromoted => "promoted",
            OcfResult::FailedPromoted => "promoted (failed)",
            OcfResult::Degraded => "OCF_DEGRADED",
            OcfResult::DegradedPromoted => "promoted (degraded)",
            OcfResult::Other(_) => "unknown",
        }
    }
}

impl fmt::Display for OcfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// How the run itself went, separately from what the agent said (Pacemaker's execution status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecStatus {
    /// The agent ran and exited; its exit code is meaningful.
    Done,
    /// The agent did not finish within its timeout; its whole process group was killed.
    TimedOut,
    /// The agent was killed by a signal it did not get from us.
    Signaled(i32),
    /// The agent's executable does not exist (nothing was run).
    NotInstalled,
    /// The service is between states (systemd `activating`/`deactivating`): ask again later.
    Pending,
}

/// Up to a bound of an output stream.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes, up to the capture limit (secret values replaced by `(sensitive)`).
    pub bytes: Vec<u8>,
    /// How many bytes the agent wrote in total.
    pub total_bytes: u64,
}

impl Captured {
    /// Whether bytes were dropped because of the capture limit.
    pub fn truncated(&self) -> bool {
        self.total_bytes > self.bytes.len() as u64
    }

    /// The captured bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl fmt::Debug for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Captured")
            .field("text", &self.text())
            .field("total_bytes", &self.total_bytes)
            .finish()
    }
}

/// The result of one resource agent action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    /// How the run went.
    pub status: ExecStatus,
    /// The OCF meaning. For a timeout or a signal it is [`OcfResult::GenericError`] (as Pacemaker
    /// records it); for a missing agent [`OcfResult::NotInstalled`].
    pub result: OcfResult,
    /// The raw exit code, when the agent exited.
    pub exit_code: Option<i32>,
    /// The last `ocf-exit-reason:` line the agent wrote to stderr.
    pub exit_reason: Option<String>,
    /// Captured standard output.
    pub stdout: Captured,
    /// Captured standard error.
    pub stderr: Captured,
    /// Wall time from spawn to exit (or to the kill on timeout).
    pub elapsed_ms: u64,
}

impl ActionResult {
    /// Whether the action timed out.
    pub fn timed_out(&self) -> bool {
        self.status == ExecStatus::TimedOut
    }

    /// A result for an agent that is not installed: nothing was run.
    pub(crate) fn not_installed(reason: String) -> ActionResult {
        ActionResult {
            status: ExecStatus::NotInstalled,
            result: OcfResult::NotInstalled,
            exit_code: None,
            exit_reason: Some(reason),
            stdout: Captured::default(),
            stderr: Captured::default(),
            elapsed_ms: 0,
        }
    }
}

impl fmt::Display for ActionResult {
    /// One line for logs: `ok (0) in 12 ms`, `not configured (6) in 40 ms: bad ip`,
    /// `timed out after 20000 ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            ExecStatus::Done => write!(f, "{} in {} ms", self.result, self.elapsed_ms)?,
            ExecStatus::TimedOut => write!(f, "timed out after {} ms", self.elapsed_ms)?,
            ExecStatus::Signaled(signal) => {
                write!(f, "killed by signal {signal} after {} ms", self.elapsed_ms)?
            }
            ExecStatus::NotInstalled => write!(f, "not installed")?,
            ExecStatus::Pending => write!(f, "pending after {} ms", self.elapsed_ms)?,
        }
        match &self.exit_reason {
            Some(reason) => write!(f, ": {reason}"),
            None => Ok(()),
        }
    }
}

/// The prefix Pacemaker gives agents in `OCF_EXIT_REASON_PREFIX`.
pub const EXIT_REASON_PREFIX: &str = "ocf-exit-reason:";

/// The last exit reason an agent wrote to stderr.
pub(crate) fn exit_reason(stderr: &Captured) -> Option<String> {
    stderr
        .text()
        .lines()
        .filter_map(|line| {
            line.split_once(EXIT_REASON_PREFIX)
                .map(|(_, reason)| reason.trim().to_owned())
        })
        .rfind(|reason| !reason.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocf_codes_round_trip() {
        for code in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191, 42] {
            assert_eq!(OcfResult::from_code(code).code(), code);
        }
        assert_eq!(OcfResult::from_code(7), OcfResult::NotRunning);
        assert_eq!(OcfResult::from_code(191), OcfResult::DegradedPromoted);
    }

    #[test]
    fn lsb_status_codes_differ_from_action_codes() {
        assert_eq!(OcfResult::from_lsb("status", 0), OcfResult::Success);
        assert_eq!(OcfResult::from_lsb("status", 1), OcfResult::NotRunning);
        assert_eq!(OcfResult::from_lsb("status", 2), OcfResult::NotRunning);
        assert_eq!(OcfResult::from_lsb("status", 3), OcfResult::NotRunning);
        assert_eq!(OcfResult::from_lsb("status", 4), OcfResult::GenericError);
        assert_eq!(OcfResult::from_lsb("status", 150), OcfResult::NotInstalled);
        assert_eq!(OcfResult::from_lsb("start", 3), OcfResult::Unimplemented);
        assert_eq!(OcfResult::from_lsb("start", 2), OcfResult::InvalidArgument);
        assert_eq!(OcfResult::from_lsb("stop", 7), OcfResult::NotRunning);
        assert_eq!(OcfResult::from_lsb("start", 8), OcfResult::GenericError);
    }

    #[test]
    fn results_print_as_one_log_line() {
        let mut result = ActionResult {
            status: ExecStatus::Done,
            result: OcfResult::NotConfigured,
            exit_code: Some(6),
            exit_reason: Some("bad ip".into()),
            stdout: Captured::default(),
            stderr: Captured::default(),
            elapsed_ms: 40,
        };
        assert_eq!(result.to_string(), "not configured (6) in 40 ms: bad ip");
        result.status = ExecStatus::TimedOut;
        result.exit_reason = None;
        assert_eq!(result.to_string(), "timed out after 40 ms");
    }

    #[test]
    fn exit_reason_is_the_last_prefixed_line() {
        let stderr = Captured {
            bytes: b"noise\nocf-exit-reason:first\nINFO: x\nocf-exit-reason:IP address (the ip parameter) is mandatory\n"
                .to_vec(),
            total_bytes: 0,
        };
        assert_eq!(
            exit_reason(&stderr).as_deref(),
            Some("IP address (the ip parameter) is mandatory")
        );
        assert_eq!(exit_reason(&Captured::default()), None);
    }
}
