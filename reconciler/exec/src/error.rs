//! `ExecError`: what can go wrong before an agent produces a result.
//!
//! An agent that runs and fails is not an error here: it is an [`crate::ActionResult`] with its
//! OCF meaning. These errors are about requests that cannot be run at all.

use std::path::PathBuf;

/// Why an action could not be run (as opposed to: it ran and reported a failure).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The agent reference is malformed.
    #[error("invalid agent `{spec}`: {reason}")]
    InvalidAgent {
        /// The text as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// This class of agent has no such action.
    #[error("agent class `{class}` does not support action `{action}`")]
    UnsupportedAction {
        /// Agent class.
        class: String,
        /// Requested action.
        action: String,
    },
    /// A `systemd:` (or `service:` resolved to systemd) agent on a node where systemd does not run.
    #[error("systemd is not available on this node: {reason}")]
    SystemdUnavailable {
        /// What was checked.
        reason: String,
    },
    /// A secret parameter could not be resolved. Never carries the secret's value.
    #[error("cannot resolve secret parameter `{param}`: {reason}")]
    Secret {
        /// Parameter name.
        param: String,
        /// What failed (file unreadable, variable unset, script failed).
        reason: String,
    },
    /// The agent exists but could not be started.
    #[error("cannot run {path}: {source}")]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Reading pipes, polling or waiting failed.
    #[error("i/o error while running an agent: {0}")]
    Io(#[from] std::io::Error),
    /// The agent's `meta-data` could not be obtained or parsed.
    #[error("bad metadata from {agent}: {reason}")]
    Metadata {
        /// The agent.
        agent: String,
        /// What went wrong.
        reason: String,
    },
    /// A request is not well formed (e.g. a recurring monitor with interval 0).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The blocking task running the agent panicked or was cancelled.
    #[error("executor task failed: {0}")]
    Task(String),
}
