//! `AgentRoots` (where agents live) and `ExecConfig` (how they are run).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where agents are installed. The defaults are Debian's (and every major distribution's) paths;
/// tests point them at temporary directories.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentRoots {
    /// `OCF_ROOT`; OCF agents are `<ocf_root>/resource.d/<provider>/<type>`. Default `/usr/lib/ocf`.
    pub ocf_root: PathBuf,
    /// Directory of fence agents (`fence_*`). Default `/usr/sbin`.
    pub fence_dir: PathBuf,
    /// Directory of LSB init scripts. Default `/etc/init.d`.
    pub lsb_dir: PathBuf,
    /// Exists exactly when systemd is the running init (`sd_booted()`). Default `/run/systemd/system`.
    pub systemd_runtime_dir: PathBuf,
    /// Directories searched for unit files when asking whether a unit is installed.
    pub systemd_unit_dirs: Vec<PathBuf>,
    /// The `systemctl` executable. Default `systemctl` (looked up in [`ExecConfig::path_env`]).
    pub systemctl: PathBuf,
}

impl Default for AgentRoots {
    fn default() -> Self {
        AgentRoots {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            fence_dir: PathBuf::from("/usr/sbin"),
            lsb_dir: PathBuf::from("/etc/init.d"),
            systemd_runtime_dir: PathBuf::from("/run/systemd/system"),
            systemd_unit_dirs: [
                "/etc/systemd/system",
                "/run/systemd/system",
                "/usr/lib/systemd/system",
                "/lib/systemd/system",
            ]
            .iter()
            .map(PathBuf::from)
            .collect(),
            systemctl: PathBuf::from("systemctl"),
        }
    }
}

impl AgentRoots {
    /// `<ocf_root>/resource.d/<provider>/<kind>`.
    pub fn ocf_agent(&self, provider: &str, kind: &str) -> PathBuf {
        self.ocf_root.join("resource.d").join(provider).join(kind)
    }

    /// `<fence_dir>/<kind>`.
    pub fn fence_agent(&self, kind: &str) -> PathBuf {
        self.fence_dir.join(kind)
    }

    /// `<lsb_dir>/<kind>`.
    pub fn lsb_script(&self, kind: &str) -> PathBuf {
        self.lsb_dir.join(kind)
    }

    /// Whether systemd is the running init, checked the way `sd_booted()` does.
    pub fn systemd_running(&self) -> bool {
        self.systemd_runtime_dir.is_dir()
    }

    /// The first unit file for `unit` found in [`AgentRoots::systemd_unit_dirs`].
    pub fn systemd_unit_file(&self, unit: &str) -> Option<PathBuf> {
        self.systemd_unit_dirs
            .iter()
            .map(|dir| dir.join(unit))
            .find(|path| path.exists())
    }
}

/// How agents are run: locations plus process limits.
#[derive(Debug, Clone)]
pub struct ExecConfig {
    /// Where the agents are.
    pub roots: AgentRoots,
    /// A command prepended to every agent invocation, e.g. `["ip", "netns", "exec", "ns1"]`. It must
    /// `exec` the agent (keep its pid) so that the timeout still kills the agent's process group.
    pub launcher: Vec<OsString>,
    /// `PATH` given to agents (their environment is otherwise cleared, so runs are reproducible).
    pub path_env: OsString,
    /// Extra environment variables for every agent (e.g. `HA_LOGFACILITY`).
    pub extra_env: Vec<(OsString, OsString)>,
    /// Bytes kept of each of stdout and stderr; the rest is read and counted but dropped.
    pub capture_limit_bytes: usize,
    /// After the agent exits, how long to wait for its pipes to close. A daemon or a background
    /// child it left behind may hold them open for much longer; it does not delay the result.
    pub drain_grace_ms: u64,
    /// Timeout for running an agent's `meta-data` action.
    pub metadata_timeout_ms: u64,
    /// How many resource actions run at the same time (Pacemaker's `node-action-limit`).
    pub max_parallel: usize,
}

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            roots: AgentRoots::default(),
            launcher: Vec::new(),
            path_env: OsString::from(
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ),
            extra_env: Vec::new(),
            capture_limit_bytes: 64 * 1024,
            drain_grace_ms: 200,
            metadata_timeout_ms: 30_000,
            max_parallel: 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl ExecConfig {
    /// The default configuration with other agent locations.
    pub fn with_roots(roots: AgentRoots) -> ExecConfig {
        ExecConfig {
            roots,
            ..ExecConfig::default()
        }
    }
}

/// Whether `path` is a regular file with an execute bit.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
