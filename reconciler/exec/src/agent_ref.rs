//! `AgentRef`: which agent a resource or fence device uses, as written in YAML (`ocf:heartbeat:IPaddr2`).

use std::fmt;
use std::str::FromStr;

use crate::error::ExecError;

/// The agent standards quorate knows how to run.
pub const KNOWN_CLASSES: [&str; 5] = ["ocf", "lsb", "systemd", "service", "stonith"];

/// A reference to an agent: `class[:provider]:kind`.
///
/// `ocf` needs a provider (`ocf:heartbeat:IPaddr2`); the other classes take none
/// (`lsb:ssh`, `systemd:nginx`, `service:cron`, `stonith:fence_ipmilan`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentRef {
    /// One of [`KNOWN_CLASSES`].
    pub class: String,
    /// The OCF provider (`heartbeat`, `pacemaker`, ...); `None` for other classes.
    pub provider: Option<String>,
    /// The agent's name: OCF script, init script, unit, or fence agent executable.
    pub kind: String,
}

impl AgentRef {
    /// Parses `ocf:heartbeat:IPaddr2`, `stonith:fence_ipmilan`, `lsb:ssh`, `systemd:nginx.service`.
    pub fn parse(spec: &str) -> Result<AgentRef, ExecError> {
        let bad = |why: &str| ExecError::InvalidAgent {
            spec: spec.to_owned(),
            reason: why.to_owned(),
        };
        let parts: Vec<&str> = spec.split(':').collect();
        let agent = match parts.as_slice() {
            [class, provider, kind] => AgentRef {
                class: (*class).to_owned(),
                provider: Some((*provider).to_owned()),
                kind: (*kind).to_owned(),
            },
            [class, kind] => AgentRef {
                class: (*class).to_owned(),
                provider: None,
                kind: (*kind).to_owned(),
            },
            _ => return Err(bad("expected class:provider:type or class:type")),
        };
        agent.check().map_err(|why| bad(&why))?;
        Ok(agent)
    }

    /// Checks the class is known, the provider is present exactly for `ocf`, and that no part can
    /// escape its directory (agents are looked up by path).
    pub fn check(&self) -> Result<(), String> {
        if !KNOWN_CLASSES.contains(&self.class.as_str()) {
            return Err(format!(
                "unknown agent class `{}` (expected one of {})",
                self.class,
                KNOWN_CLASSES.join(", ")
            ));
        }
        match (&self.provider, self.class.as_str()) {
            (None, "ocf") => return Err("an ocf agent needs a provider: ocf:PROVIDER:TYPE".into()),
            (Some(_), class) if class != "ocf" => {
                return Err(format!("class `{class}` takes no provider: {class}:TYPE"))
            }
            _ => {}
        }
        for part in self.provider.iter().chain(std::iter::once(&self.kind)) {
            if !safe_component(part) {
                return Err(format!("`{part}` is not a valid agent name component"));
            }
        }
        Ok(())
    }

    /// Shorthand for `ocf:<provider>:<kind>`.
    pub fn ocf(provider: &str, kind: &str) -> AgentRef {
        AgentRef {
            class: "ocf".into(),
            provider: Some(provider.into()),
            kind: kind.into(),
        }
    }

    /// Shorthand for `stonith:<kind>`.
    pub fn stonith(kind: &str) -> AgentRef {
        AgentRef {
            class: "stonith".into(),
            provider: None,
            kind: kind.into(),
        }
    }
}

/// A path component an agent may have: not empty, no `/`, not `.` or `..`, no NUL.
fn safe_component(part: &str) -> bool {
    !part.is_empty() && part != "." && part != ".." && !part.contains(['/', '\0'])
}

impl FromStr for AgentRef {
    type Err = ExecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentRef::parse(s)
    }
}

impl fmt::Display for AgentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(provider) => write!(f, "{}:{}:{}", self.class, provider, self.kind),
            None => write!(f, "{}:{}", self.class, self.kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_usual_specs() {
        for spec in [
            "ocf:heartbeat:IPaddr2",
            "ocf:pacemaker:Dummy",
            "stonith:fence_ipmilan",
            "lsb:ssh",
            "systemd:nginx.service",
            "service:cron",
        ] {
            let agent = AgentRef::parse(spec).unwrap();
            assert_eq!(agent.to_string(), spec);
        }
        let vip: AgentRef = "ocf:heartbeat:IPaddr2".parse().unwrap();
        assert_eq!(vip, AgentRef::ocf("heartbeat", "IPaddr2"));
    }

    #[test]
    fn rejects_malformed_specs() {
        for spec in [
            "IPaddr2",
            "ocf:IPaddr2",
            "stonith:rhcs:fence_x",
            "upstart:foo",
            "ocf:heartbeat:../../bin/sh",
            "ocf:..:Dummy",
            "lsb:",
            "a:b:c:d",
        ] {
            assert!(AgentRef::parse(spec).is_err(), "{spec} should be rejected");
        }
    }
}
