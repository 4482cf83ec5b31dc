//! The process runner under every agent: spawn in a new process group, feed stdin, capture bounded
//! stdout and stderr, enforce the timeout by killing the whole group.
//!
//! One thread does it all with `poll(2)` on the pipes and on a pidfd of the agent, so the timeout
//! and the exit are both events; no thread is left behind when a daemon the agent started keeps a
//! pipe open (we stop reading `drain_grace_ms` after the agent exits and close our ends).

use std::ffi::OsString;
use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::process::{kill_process_group, pidfd_open, Pid, PidfdFlags, Signal};

use crate::config::ExecConfig;
use crate::error::ExecError;
use crate::result::Captured;

/// What to run. Its `Debug` never shows environment values or stdin: they may hold secrets.
pub(crate) struct ProcessSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Added to a cleared environment (plus `PATH` and the configured extras).
    pub env: Vec<(OsString, OsString)>,
    /// Written to the agent's stdin, which is then closed; `None` gives it `/dev/null`.
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl fmt::Debug for ProcessSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env_names: Vec<_> = self.env.iter().map(|(name, _)| name).collect();
        f.debug_struct("ProcessSpec")
            .field("program", &self.program)
            .field("args", &self.args)
            .field("env_names", &env_names)
            .field("stdin_bytes", &self.stdin.as_ref().map(Vec::len))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    Signal(i32),
    /// Still running at the deadline: its process group was sent SIGKILL.
    TimedOut,
}

#[derive(Debug)]
pub(crate) struct ProcessOutcome {
    pub exit: Exit,
    pub stdout: Captured,
    pub stderr: Captured,
    pub elapsed: Duration,
}

/// One output pipe being drained into a bounded buffer.
struct Sink<R> {
    pipe: Option<R>,
    captured: Captured,
}

impl<R: Read> Sink<R> {
    /// Reads everything available now. Returns when the pipe would block or is at EOF.
    fn drain(&mut self, limit: usize) -> std::io::Result<()> {
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(());
        };
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => {
                    self.pipe = None;
                    return Ok(());
                }
                Ok(n) => {
                    let room = limit.saturating_sub(self.captured.bytes.len());
                    self.captured.bytes.extend_from_slice(&buf[..n.min(room)]);
                    self.captured.total_bytes += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Runs `spec` to completion or timeout. Spawn failures are [`ExecError::Spawn`].
pub(crate) fn run_process(
    config: &ExecConfig,
    spec: ProcessSpec,
) -> Result<ProcessOutcome, ExecError> {
    let mut command = match config.launcher.split_first() {
        None => Command::new(&spec.program),
        Some((launcher, launcher_args)) => {
            let mut command = Command::new(launcher);
            command.args(launcher_args).arg(&spec.program);
            command
        }
    };
    command
        .args(&spec.args)
        .env_clear()
        .env("PATH", &config.path_env)
        .envs(config.extra_env.iter().map(|(k, v)| (k, v)))
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir("/")
        .process_group(0)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let mut started = Instant::now();
    let mut attempt = 0;
    let mut child = loop {
        match command.spawn() {
            Ok(child) => break child,
            // The agent file is open for writing somewhere: a package upgrade in progress, or
            // another thread of ours that forked while writing a file. Both pass quickly.
            Err(e) if e.kind() == ErrorKind::ExecutableFileBusy && attempt < 5 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(10 << attempt));
                started = Instant::now();
            }
            Err(source) => {
                return Err(ExecError::Spawn {
                    path: spec.program.clone(),
                    source,
                })
            }
        }
    };
    let pid = Pid::from_child(&child);
    // From here on the child must not be left running if anything fails.
    let guard = KillOnError { pid: Some(pid) };

    let pidfd = pidfd_open(pid, PidfdFlags::empty()).map_err(std::io::Error::from)?;
    let mut stdin = child.stdin.take();
    let stdin_data = spec.stdin.unwrap_or_default();
    let mut stdin_pos = 0usize;
    let mut stdout = Sink {
        pipe: child.stdout.take(),
        captured: Captured::default(),
    };
    let mut stderr = Sink {
        pipe: child.stderr.take(),
        captured: Captured::default(),
    };
    for fd in [
        stdout
            .pipe
            .as_ref()
            .map(|p| rustix::io::ioctl_fionbio(p, true)),
        stderr
            .pipe
            .as_ref()
            .map(|p| rustix::io::ioctl_fionbio(p, true)),
        stdin.as_ref().map(|p| rustix::io::ioctl_fionbio(p, true)),
    ]
    .into_iter()
    .flatten()
    {
        fd.map_err(std::io::Error::from)?;
    }
    if stdin_data.is_empty() {
        stdin = None;
    }

    let limit = config.capture_limit_bytes;
    let grace = Duration::from_millis(config.drain_grace_ms);
    let deadline = started + spec.timeout;
    let mut exit: Option<(Exit, Instant)> = None;

    loop {
        if exit.is_some() && stdout.pipe.is_none() && stderr.pipe.is_none() {
            break;
        }
        let now = Instant::now();
        let wake = match exit {
            None => deadline,
            Some((_, at)) => at + grace,
        };
        if now >= wake {
            if exit.is_some() {
                break; // Something the agent left behind still holds a pipe; keep what we have.
            }
            // Timeout: kill the whole group (the agent and anything it forked that stayed in it).
            let _ = kill_process_group(pid, Signal::KILL);
            child.wait()?;
            stdin = None;
            exit = Some((Exit::TimedOut, Instant::now()));
            continue;
        }

        let (in_ready, out_ready, err_ready, pid_ready) = {
            let mut fds = Vec::with_capacity(4);
            fds.push(PollFd::new(
                &pidfd,
                if exit.is_none() {
                    PollFlags::IN
                } else {
                    PollFlags::empty()
                },
            ));
            let out_ix = stdout.pipe.as_ref().map(|p| {
                fds.push(PollFd::new(p, PollFlags::IN));
                fds.len() - 1
            });
            let err_ix = stderr.pipe.as_ref().map(|p| {
                fds.push(PollFd::new(p, PollFlags::IN));
                fds.len() - 1
            });
            let in_ix = stdin.as_ref().map(|p| {
                fds.push(PollFd::new(p, PollFlags::OUT));
                fds.len() - 1
            });
            let timeout = Timespec::try_from(wake - now).unwrap_or(Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            });
            match poll(&mut fds, Some(&timeout)) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(std::io::Error::from(e).into()),
            }
            let ready = |ix: Option<usize>| ix.is_some_and(|ix| !fds[ix].revents().is_empty());
            (
                ready(in_ix),
                ready(out_ix),
                ready(err_ix),
                exit.is_none() && !fds[0].revents().is_empty(),
            )
        };

        if out_ready {
            stdout.drain(limit)?;
        }
        if err_ready {
            stderr.drain(limit)?;
        }
        if in_ready {
            if let Some(pipe) = stdin.as_mut() {
                match pipe.write(&stdin_data[stdin_pos..]) {
                    Ok(n) => {
                        stdin_pos += n;
                        if stdin_pos >= stdin_data.len() {
                            stdin = None; // EOF for the agent.
                        }
                    }
                    Err(e)
                        if e.kind() == ErrorKind::WouldBlock
                            || e.kind() == ErrorKind::Interrupted => {}
                    // The agent closed its stdin without reading everything: its business.
                    Err(_) => stdin = None,
                }
            }
        }
        if pid_ready {
            let status = child.wait()?;
            stdin = None;
            let how = match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                (None, None) => Exit::Code(-1),
            };
            exit = Some((how, Instant::now()));
        }
    }

    let (exit, ended) = exit.expect("the loop only ends after the agent ended");
    guard.disarm();
    Ok(ProcessOutcome {
        exit,
        stdout: stdout.captured,
        stderr: stderr.captured,
        elapsed: ended - started,
    })
}

/// Kills the agent's process group if the runner bails out with an error while it runs.
struct KillOnError {
    pid: Option<Pid>,
}

impl KillOnError {
    fn disarm(mut self) {
        self.pid = None;
    }
}

impl Drop for KillOnError {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> ProcessSpec {
        ProcessSpec {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".into(), script.into()],
            env: vec![("GREETING".into(), "hello".into())],
            stdin: None,
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[test]
    fn captures_exit_code_and_both_streams_with_a_clean_environment() {
        let out = run_process(
            &ExecConfig::default(),
            sh("echo $GREETING; echo ${HOME:-nohome} >&2; exit 3", 5000),
        )
        .unwrap();
        assert_eq!(out.exit, Exit::Code(3));
        assert_eq!(out.stdout.text(), "hello\n");
        assert_eq!(out.stderr.text(), "nohome\n");
    }

    #[test]
    fn output_beyond_the_limit_is_counted_not_kept() {
        let config = ExecConfig {
            capture_limit_bytes: 10,
            ..ExecConfig::default()
        };
        let out = run_process(&config, sh("head -c 100000 /dev/zero", 5000)).unwrap();
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(out.stdout.bytes.len(), 10);
        assert_eq!(out.stdout.total_bytes, 100_000);
        assert!(out.stdout.truncated());
    }

    #[test]
    fn stdin_is_fed_and_closed() {
        let mut spec = sh("cat", 5000);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        spec.stdin = Some(data.clone());
        let config = ExecConfig {
            capture_limit_bytes: 1 << 20,
            ..ExecConfig::default()
        };
        let out = run_process(&config, spec).unwrap();
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(out.stdout.bytes, data);
    }

    #[test]
    fn a_background_child_holding_the_pipe_does_not_delay_the_result() {
        // The child exits at once; its background sleeper keeps stdout open for 30 s.
        let started = Instant::now();
        let out = run_process(
            &ExecConfig::default(),
            sh("echo $$; (sleep 30; echo late) & exit 0", 5000),
        )
        .unwrap();
        // Clean up the sleeper left behind on purpose: it is in the agent's process group.
        let pgid: i32 = out.stdout.text().trim().parse().unwrap();
        kill_process_group(Pid::from_raw(pgid).unwrap(), Signal::KILL).unwrap();
        assert_eq!(out.exit, Exit::Code(0));
        assert!(!out.stdout.text().contains("late"));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_signal_is_reported() {
        let out = run_process(&ExecConfig::default(), sh("kill -TERM $$", 5000)).unwrap();
        assert_eq!(out.exit, Exit::Signal(15));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let mut spec = sh("", 1000);
        spec.program = PathBuf::from("/nonexistent/agent");
        assert!(matches!(
            run_process(&ExecConfig::default(), spec),
            Err(ExecError::Spawn { .. })
        ));
    }

    #[test]
    fn debug_shows_no_environment_values_or_stdin() {
        let mut spec = sh("true", 1000);
        spec.env
            .push(("OCF_RESKEY_password".into(), "hunter2".into()));
        spec.stdin = Some(b"password=hunter2\n".to_vec());
        let shown = format!("{spec:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("OCF_RESKEY_password"));
    }
}
