//! What validation needs to know about installed agents, without depending on the executor.
//!
//! `quorate-exec` reads agents' `meta-data`; the CLI adapts it to [`AgentCatalog`] so that this
//! crate checks parameters against it while knowing nothing of processes.

use crate::model::AgentSpec;

/// One agent's parameters as its metadata declares them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentInfo {
    /// The parameters.
    pub params: Vec<ParamInfo>,
}

/// One parameter of an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamInfo {
    /// Name.
    pub name: String,
    /// Must be set.
    pub required: bool,
    /// No two resources of this agent may share a value.
    pub unique: bool,
    /// Deprecated; `replaced_by` names the successor when known.
    pub deprecated: bool,
    /// The parameter that replaces this deprecated one.
    pub replaced_by: Option<String>,
}

/// Looks agents up. `Ok(None)`: the agent is not installed here; `Err`: it is installed but its
/// metadata could not be read (the message says why).
pub trait AgentCatalog {
    /// The metadata of `agent`.
    fn lookup(&self, agent: &AgentSpec) -> Result<Option<AgentInfo>, String>;

    /// False for a catalog that never knows anything ([`NoCatalog`]): no "not installed" note.
    fn enabled(&self) -> bool {
        true
    }
}

/// A catalog that knows no agent: validation without metadata checks.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCatalog;

impl AgentCatalog for NoCatalog {
    fn lookup(&self, _: &AgentSpec) -> Result<Option<AgentInfo>, String> {
        Ok(None)
    }

    fn enabled(&self) -> bool {
        false
    }
}
