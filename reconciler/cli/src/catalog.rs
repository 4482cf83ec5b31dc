//! The agent catalog `quorate validate` uses: installed agents' metadata read by quorate-exec,
//! adapted to quorate-schema's [`AgentCatalog`] (the schema crate knows nothing of processes).

use quorate_exec::{installed_metadata, AgentRef, AgentRoots};
use quorate_schema::model::AgentSpec;
use quorate_schema::{AgentCatalog, AgentInfo, ParamInfo};

/// Looks agents up on this machine, under the standard roots.
#[derive(Debug, Default)]
pub struct InstalledAgents {
    roots: AgentRoots,
}

impl AgentCatalog for InstalledAgents {
    fn lookup(&self, agent: &AgentSpec) -> Result<Option<AgentInfo>, String> {
        let r = AgentRef {
            class: agent.class.clone(),
            provider: agent.provider.clone(),
            kind: agent.kind.clone(),
        };
        // Classes the executor cannot run (nagios, upstart) are simply not checked.
        if !matches!(r.class.as_str(), "ocf" | "stonith") {
            return Ok(None);
        }
        let Some(meta) = installed_metadata(&r, &self.roots).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let params = meta
            .parameters
            .iter()
            .map(|p| ParamInfo {
                name: p.name.clone(),
                required: p.required,
                unique: p.unique,
                deprecated: p.deprecated,
                replaced_by: meta
                    .parameters
                    .iter()
                    .find(|o| o.obsoletes.as_deref() == Some(p.name.as_str()))
                    .map(|o| o.name.clone()),
            })
            .collect();
        Ok(Some(AgentInfo { params }))
    }
}
