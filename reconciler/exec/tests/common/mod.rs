//! Helpers shared by the integration tests: test agent locations, network namespaces that clean
//! up after themselves, and checks that no process was left behind.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use quorate_exec::{AgentRoots, ExecConfig};

/// `tests/data/agents` at the repository root.
pub fn agents_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/agents")
}

/// Roots with our test OCF agents (`ocf:quorate:Test`) and test fence agents.
pub fn test_roots() -> AgentRoots {
    AgentRoots {
        ocf_root: agents_dir().join("ocf"),
        fence_dir: agents_dir().join("fence"),
        ..AgentRoots::default()
    }
}

/// Runs a command and panics with its output if it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A network namespace created for one test and deleted, with every process in it killed, when
/// dropped (also when the test panics).
pub struct NetNs {
    pub name: String,
}

impl NetNs {
    /// Creates `qx<tag>-<pid>-<n>` with loopback up.
    pub fn new(tag: &str) -> NetNs {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "qx{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        run("ip", &["netns", "add", &name]);
        let ns = NetNs { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n <ns> <args>`.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// A veth pair living entirely inside the namespace, both ends up, `addr` (CIDR) on `qa`.
    pub fn veth_with(&self, addr: &str) {
        self.ip(&["link", "add", "qa", "type", "veth", "peer", "name", "qb"]);
        self.ip(&["link", "set", "qa", "up"]);
        self.ip(&["link", "set", "qb", "up"]);
        self.ip(&["addr", "add", addr, "dev", "qa"]);
    }

    /// The launcher that runs an agent inside the namespace.
    pub fn launcher(&self) -> Vec<OsString> {
        ["ip", "netns", "exec", self.name.as_str()]
            .iter()
            .map(OsString::from)
            .collect()
    }

    /// An executor configuration whose agents run inside the namespace.
    pub fn config(&self, roots: AgentRoots) -> ExecConfig {
        ExecConfig {
            launcher: self.launcher(),
            ..ExecConfig::with_roots(roots)
        }
    }

    /// The IPv4 addresses on `dev`, as `a.b.c.d/len`.
    pub fn addresses(&self, dev: &str) -> Vec<String> {
        self.ip(&["-4", "-o", "addr", "show", "dev", dev])
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                words.find(|w| *w == "inet")?;
                words.next().map(str::to_owned)
            })
            .collect()
    }

    /// Pids of the processes in the namespace.
    pub fn pids(&self) -> Vec<i32> {
        run("ip", &["netns", "pids", &self.name])
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        for pid in self.pids() {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Kills the listed processes when dropped: the safety net for daemons a test starts through an
/// agent whose stop might fail.
pub struct KillOnDrop(pub Vec<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for pid in &self.0 {
            if let Some(pid) = rustix::process::Pid::from_raw(*pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// A process's state letter and process group, from `/proc/<pid>/stat`.
fn stat(pid: &str) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: split after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Live (not zombie) processes whose process group is `pgid`.
pub fn live_group_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| matches!(stat(pid), Some((state, pgrp)) if pgrp == pgid && state != 'Z'))
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// Whether `pid` is alive (exists and is not a zombie).
pub fn alive(pid: i32) -> bool {
    matches!(stat(&pid.to_string()), Some((state, _)) if state != 'Z')
}

/// Polls `condition` until it holds or `deadline` passes (for states with no event to await).
pub fn eventually(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + deadline;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
