//! Agent metadata: the `meta-data` XML of OCF and fence agents, parsed, cached per agent, and
//! checked against a resource's parameters.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use crate::agent_ref::AgentRef;
use crate::config::{is_executable, AgentRoots, ExecConfig};
use crate::error::ExecError;
use crate::process::{run_process, Exit, ProcessSpec};

/// What an agent says about itself in its `meta-data`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentMetadata {
    /// The `name` attribute of `<resource-agent>`.
    pub name: String,
    /// The agent's own version (`version` attribute), when given.
    pub version: Option<String>,
    /// One-line description.
    pub shortdesc: Option<String>,
    /// Long description.
    pub longdesc: Option<String>,
    /// Parameters, in the agent's order.
    pub parameters: Vec<ParameterMeta>,
    /// Actions, in the agent's order (an action may appear more than once, e.g. `monitor` per role).
    pub actions: Vec<ActionMeta>,
}

/// One `<parameter>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParameterMeta {
    /// Parameter name (`OCF_RESKEY_<name>` for OCF agents, `<name>=` on stdin for fence agents).
    pub name: String,
    /// `required="1"`.
    pub required: bool,
    /// `unique="1"`: no two resources of this agent may share the value.
    pub unique: bool,
    /// `reloadable="1"` (OCF 1.1): a change needs `reload-agent`, not a restart.
    pub reloadable: bool,
    /// `deprecated="1"` or an OCF 1.1 `<deprecated/>` element.
    pub deprecated: bool,
    /// The deprecated parameter this one replaces (fence agents: `obsoletes="passwd"`).
    pub obsoletes: Option<String>,
    /// `<content type=...>`: `string`, `integer`, `boolean`, `select`, `second`, ...
    pub content_type: String,
    /// `<content default=...>`.
    pub default: Option<String>,
    /// For `select`: the allowed `<option value=...>`s.
    pub options: Vec<String>,
    /// One-line description.
    pub shortdesc: Option<String>,
    /// Long description.
    pub longdesc: Option<String>,
}

/// One `<action>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionMeta {
    /// Action name (`start`, `monitor`, `off`...).
    pub name: String,
    /// Suggested timeout.
    pub timeout_ms: Option<u64>,
    /// Suggested interval (recurring `monitor`).
    pub interval_ms: Option<u64>,
    /// `depth` (OCF_CHECK_LEVEL) of a monitor.
    pub depth: Option<u32>,
    /// `role` of a monitor (`Promoted`, `Unpromoted`, or the older `Master`/`Slave`).
    pub role: Option<String>,
}

/// A parameter problem found by [`AgentMetadata::check_params`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamProblem {
    /// The agent has no such parameter.
    Unknown(String),
    /// The agent requires this parameter and it is not given.
    MissingRequired(String),
}

/// Parameters of a fence device that the fencer fills in itself or consumes (never passed to
/// the agent as configured): they are neither unknown when given nor missing when absent.
const FENCER_SUPPLIED: [&str; 5] = ["action", "port", "plug", "nodename", "nodeid"];

impl AgentMetadata {
    /// The parameter called `name`.
    pub fn parameter(&self, name: &str) -> Option<&ParameterMeta> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The first action called `name`.
    pub fn action(&self, name: &str) -> Option<&ActionMeta> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// Checks the names of a resource's (or fence device's) parameters against this metadata:
    /// unknown names and missing required parameters, sorted. For `stonith` agents, `pcmk_*`
    /// parameters are the fencer's and always accepted, and `action`, `port`, `plug`, `nodename`
    /// and `nodeid` are supplied per operation, so never reported missing.
    pub fn check_params<'a>(
        &self,
        class: &str,
        given: impl IntoIterator<Item = &'a str>,
    ) -> Vec<ParamProblem> {
        let stonith = class == "stonith";
        let given: Vec<&str> = given.into_iter().collect();
        let mut problems = Vec::new();
        for name in &given {
            let fencer_param =
                stonith && (name.starts_with("pcmk_") || FENCER_SUPPLIED.contains(name));
            if self.parameter(name).is_none() && !fencer_param {
                problems.push(ParamProblem::Unknown((*name).to_owned()));
            }
        }
        for param in self.parameters.iter().filter(|p| p.required) {
            let supplied = stonith && FENCER_SUPPLIED.contains(&param.name.as_str());
            // A required parameter is satisfied by the one it obsoletes, or by its replacement.
            let satisfied = given.iter().any(|name| {
                *name == param.name
                    || param.obsoletes.as_deref() == Some(*name)
                    || self.parameter(name).and_then(|p| p.obsoletes.as_deref())
                        == Some(param.name.as_str())
            });
            if !supplied && !satisfied {
                problems.push(ParamProblem::MissingRequired(param.name.clone()));
            }
        }
        problems.sort();
        problems
    }
}

/// Parses a Pacemaker duration (`20s`, `20`, `2min`, `100ms`, `1h`) into milliseconds. A bare
/// number is seconds, as in Pacemaker's `crm_get_msec`.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor_us: u64 = match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000,
        "ms" | "msec" | "msecs" => 1_000,
        "us" | "usec" | "usecs" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000_000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000_000,
        _ => return None,
    };
    Some(number.checked_mul(factor_us)? / 1_000)
}

/// Parses `meta-data` XML (OCF 1.0 / 1.1 and the fence-agents dialect).
pub fn parse_metadata(xml: &str) -> Result<AgentMetadata, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(xml, options).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "resource-agent" {
        return Err(format!(
            "root element is <{}>, expected <resource-agent>",
            root.tag_name().name()
        ));
    }
    let flag = |node: roxmltree::Node, attr: &str| {
        matches!(node.attribute(attr), Some("1" | "true" | "yes"))
    };
    let mut meta = AgentMetadata {
        name: root.attribute("name").unwrap_or_default().to_owned(),
        version: root
            .attribute("version")
            .map(str::to_owned)
            .or_else(|| child_text(root, "version")),
        shortdesc: desc(root, "shortdesc")
            .or_else(|| root.attribute("shortdesc").map(str::to_owned)),
        longdesc: desc(root, "longdesc"),
        ..AgentMetadata::default()
    };
    if let Some(params) = child(root, "parameters") {
        for node in params.children().filter(|n| n.has_tag_name("parameter")) {
            let name = node
                .attribute("name")
                .ok_or("a <parameter> has no name")?
                .to_owned();
            let content = child(node, "content");
            meta.parameters.push(ParameterMeta {
                name,
                required: flag(node, "required"),
                unique: flag(node, "unique"),
                reloadable: flag(node, "reloadable"),
                deprecated: flag(node, "deprecated") || child(node, "deprecated").is_some(),
                obsoletes: node.attribute("obsoletes").map(str::to_owned),
                content_type: content
                    .and_then(|c| c.attribute("type"))
                    .unwrap_or("string")
                    .to_owned(),
                default: content
                    .and_then(|c| c.attribute("default"))
                    .map(str::to_owned),
                options: content
                    .map(|c| {
                        c.children()
                            .filter(|n| n.has_tag_name("option"))
                            .filter_map(|n| n.attribute("value").map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                shortdesc: desc(node, "shortdesc"),
                longdesc: desc(node, "longdesc"),
            });
        }
    }
    if let Some(actions) = child(root, "actions") {
        for node in actions.children().filter(|n| n.has_tag_name("action")) {
            let name = node
                .attribute("name")
                .ok_or("an <action> has no name")?
                .to_owned();
            let duration = |attr: &str| -> Result<Option<u64>, String> {
                node.attribute(attr)
                    .map(|text| {
                        parse_duration_ms(text)
                            .ok_or_else(|| format!("action {name}: bad {attr} `{text}`"))
                    })
                    .transpose()
            };
            meta.actions.push(ActionMeta {
                timeout_ms: duration("timeout")?,
                interval_ms: duration("interval")?,
                depth: node.attribute("depth").and_then(|d| d.trim().parse().ok()),
                role: node.attribute("role").map(str::to_owned),
                name,
            });
        }
    }
    Ok(meta)
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn child_text(node: roxmltree::Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The English (or first) description element of that name.
fn desc(node: roxmltree::Node, name: &str) -> Option<String> {
    let candidates: Vec<_> = node.children().filter(|n| n.has_tag_name(name)).collect();
    candidates
        .iter()
        .find(|n| n.attribute("lang").is_none_or(|l| l == "en"))
        .or(candidates.first())
        .and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Metadata Pacemaker synthesizes for LSB init scripts (they have no `meta-data` action).
fn lsb_metadata(kind: &str) -> AgentMetadata {
    let action = |name: &str, interval_ms: Option<u64>| ActionMeta {
        name: name.to_owned(),
        timeout_ms: Some(15_000),
        interval_ms,
        ..ActionMeta::default()
    };
    AgentMetadata {
        name: kind.to_owned(),
        shortdesc: Some(format!("LSB init script {kind}")),
        actions: vec![
            action("meta-data", None),
            action("start", None),
            action("stop", None),
            action("status", None),
            action("restart", None),
            action("force-reload", None),
            action("monitor", Some(15_000)),
        ],
        ..AgentMetadata::default()
    }
}

/// Metadata Pacemaker synthesizes for systemd units.
fn systemd_metadata(unit: &str) -> AgentMetadata {
    let action = |name: &str, timeout_ms: u64, interval_ms: Option<u64>| ActionMeta {
        name: name.to_owned(),
        timeout_ms: Some(timeout_ms),
        interval_ms,
        ..ActionMeta::default()
    };
    AgentMetadata {
        name: unit.to_owned(),
        shortdesc: Some(format!("systemd unit file for {unit}")),
        actions: vec![
            action("start", 100_000, None),
            action("stop", 100_000, None),
            action("status", 100_000, None),
            action("monitor", 100_000, Some(60_000)),
            action("meta-data", 5_000, None),
        ],
        ..AgentMetadata::default()
    }
}

/// `nginx` -> `nginx.service`; names with a unit suffix are kept.
pub(crate) fn unit_name(kind: &str) -> String {
    if kind.contains('.') {
        kind.to_owned()
    } else {
        format!("{kind}.service")
    }
}

/// Where the metadata of `agent` comes from, or `None` if it is not installed.
enum Source {
    /// Run this executable.
    Run { path: PathBuf, fence: bool },
    /// Synthesized, for the file at this path.
    Synth(PathBuf, AgentMetadata),
}

fn locate(roots: &AgentRoots, agent: &AgentRef) -> Option<Source> {
    let exe =
        |path: PathBuf, fence: bool| is_executable(&path).then_some(Source::Run { path, fence });
    let lsb = || {
        let path = roots.lsb_script(&agent.kind);
        is_executable(&path).then(|| Source::Synth(path, lsb_metadata(&agent.kind)))
    };
    let systemd = || {
        let unit = unit_name(&agent.kind);
        roots
            .systemd_unit_file(&unit)
            .map(|path| Source::Synth(path, systemd_metadata(&unit)))
    };
    match agent.class.as_str() {
        "ocf" => exe(
            roots.ocf_agent(agent.provider.as_deref()?, &agent.kind),
            false,
        ),
        "stonith" => exe(roots.fence_agent(&agent.kind), true),
        "lsb" => lsb(),
        "systemd" => systemd(),
        "service" => lsb().or_else(systemd),
        _ => None,
    }
}

/// Runs an agent's `meta-data` action and parses it.
fn fetch(
    config: &ExecConfig,
    agent: &AgentRef,
    path: PathBuf,
    fence: bool,
) -> Result<AgentMetadata, ExecError> {
    let spec = if fence {
        ProcessSpec {
            program: path,
            args: Vec::new(),
            env: Vec::new(),
            stdin: Some(b"action=metadata\n".to_vec()),
            timeout: Duration::from_millis(config.metadata_timeout_ms),
        }
    } else {
        let env = [
            ("OCF_ROOT", config.roots.ocf_root.as_os_str()),
            ("OCF_RA_VERSION_MAJOR", "1".as_ref()),
            ("OCF_RA_VERSION_MINOR", "1".as_ref()),
            ("OCF_RESOURCE_INSTANCE", agent.kind.as_ref()),
            ("OCF_RESOURCE_TYPE", agent.kind.as_ref()),
            (
                "OCF_RESOURCE_PROVIDER",
                agent.provider.as_deref().unwrap_or_default().as_ref(),
            ),
        ];
        ProcessSpec {
            program: path,
            args: vec!["meta-data".into()],
            env: env
                .iter()
                .map(|(k, v)| (k.into(), (*v).to_owned()))
                .collect(),
            stdin: None,
            timeout: Duration::from_millis(config.metadata_timeout_ms),
        }
    };
    let outcome = run_process(config, spec)?;
    let bad = |reason: String| ExecError::Metadata {
        agent: agent.to_string(),
        reason,
    };
    if outcome.exit != Exit::Code(0) {
        return Err(bad(format!(
            "meta-data ended with {:?}: {}",
            outcome.exit,
            outcome.stderr.text().trim()
        )));
    }
    if outcome.stdout.truncated() {
        return Err(bad(format!(
            "meta-data output is larger than the capture limit ({} bytes)",
            config.capture_limit_bytes
        )));
    }
    parse_metadata(&outcome.stdout.text()).map_err(bad)
}

/// A cached fetch: the agent file it came from, that file's modification time, the result.
type CacheEntry = (PathBuf, Option<SystemTime>, Arc<AgentMetadata>);

/// Metadata per agent, fetched once and kept while the agent's file is unchanged (a package
/// upgrade changes its modification time and so refetches it).
#[derive(Debug, Default)]
pub struct MetadataCache {
    entries: Mutex<HashMap<(AgentRoots, AgentRef), CacheEntry>>,
}

impl MetadataCache {
    /// An empty cache.
    pub fn new() -> MetadataCache {
        MetadataCache::default()
    }

    /// The metadata of `agent`, or `Ok(None)` when it is not installed under `config.roots`.
    pub fn get(
        &self,
        config: &ExecConfig,
        agent: &AgentRef,
    ) -> Result<Option<Arc<AgentMetadata>>, ExecError> {
        agent.check().map_err(|reason| ExecError::InvalidAgent {
            spec: agent.to_string(),
            reason,
        })?;
        let Some(source) = locate(&config.roots, agent) else {
            return Ok(None);
        };
        let path = match &source {
            Source::Run { path, .. } | Source::Synth(path, _) => path.clone(),
        };
        let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let key = (config.roots.clone(), agent.clone());
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((cached_path, cached_mtime, meta)) = entries.get(&key) {
                if *cached_path == path && *cached_mtime == mtime {
                    return Ok(Some(Arc::clone(meta)));
                }
            }
        }
        // Fetched without holding the lock: two concurrent misses run the agent twice, harmlessly.
        let meta = Arc::new(match source {
            Source::Run { path, fence } => fetch(config, agent, path, fence)?,
            Source::Synth(_, meta) => meta,
        });
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (path, mtime, Arc::clone(&meta)));
        Ok(Some(meta))
    }
}

/// The metadata of an installed agent, for `quorate validate` and other synchronous callers.
///
/// `Ok(None)`: the agent is not installed under `roots` (no executable OCF script or fence agent,
/// no init script, no unit file). `Ok(Some(_))`: its `meta-data`, parsed (synthesized for LSB and
/// systemd, which take no parameters). `Err(_)`: the spec is invalid, or the agent is installed
/// but its `meta-data` failed or did not parse. Results are cached per agent for the life of the
/// process. Blocks while the agent runs (at most 30 s); never needs a tokio runtime.
pub fn installed_metadata(
    spec: &AgentRef,
    roots: &AgentRoots,
) -> Result<Option<AgentMetadata>, ExecError> {
    static CACHE: OnceLock<MetadataCache> = OnceLock::new();
    let config = ExecConfig::with_roots(roots.clone());
    Ok(CACHE
        .get_or_init(MetadataCache::new)
        .get(&config, spec)?
        .map(|meta| (*meta).clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_pacemaker() {
        assert_eq!(parse_duration_ms("20s"), Some(20_000));
        assert_eq!(parse_duration_ms("20"), Some(20_000));
        assert_eq!(parse_duration_ms("100ms"), Some(100));
        assert_eq!(parse_duration_ms("2min"), Some(120_000));
        assert_eq!(parse_duration_ms(" 1h "), Some(3_600_000));
        assert_eq!(parse_duration_ms("0"), Some(0));
        assert_eq!(parse_duration_ms("soon"), None);
        assert_eq!(parse_duration_ms("10 parsecs"), None);
    }

    const OCF_11: &str = r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Example" version="1.2">
<version>1.1</version>
<shortdesc lang="en">An example</shortdesc>
<longdesc lang="en">Long text.</longdesc>
<parameters>
<parameter name="ip" unique="1" required="1">
  <shortdesc lang="en">IP</shortdesc>
  <content type="string" default="" />
</parameter>
<parameter name="mode" reloadable="1">
  <deprecated/>
  <content type="select" default="fast"><option value="fast"/><option value="slow"/></content>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="monitor" timeout="20s" interval="10s" depth="0" />
<action name="monitor" role="Promoted" timeout="20" interval="9" />
<action name="meta-data" timeout="5s" />
</actions>
</resource-agent>"#;

    #[test]
    fn parses_ocf_metadata_with_a_doctype() {
        let meta = parse_metadata(OCF_11).unwrap();
        assert_eq!(meta.name, "Example");
        assert_eq!(meta.version.as_deref(), Some("1.2"));
        assert_eq!(meta.shortdesc.as_deref(), Some("An example"));
        let ip = meta.parameter("ip").unwrap();
        assert!(ip.required && ip.unique && !ip.reloadable && !ip.deprecated);
        assert_eq!(ip.default.as_deref(), Some(""));
        let mode = meta.parameter("mode").unwrap();
        assert!(mode.reloadable && mode.deprecated && !mode.required);
        assert_eq!(mode.content_type, "select");
        assert_eq!(mode.options, ["fast", "slow"]);
        let monitors: Vec<_> = meta
            .actions
            .iter()
            .filter(|a| a.name == "monitor")
            .collect();
        assert_eq!(monitors.len(), 2);
        assert_eq!(
            (monitors[0].timeout_ms, monitors[0].interval_ms),
            (Some(20_000), Some(10_000))
        );
        assert_eq!(monitors[1].role.as_deref(), Some("Promoted"));
        assert_eq!(monitors[1].interval_ms, Some(9_000));
        assert_eq!(meta.action("meta-data").unwrap().timeout_ms, Some(5_000));
    }

    #[test]
    fn rejects_what_is_not_agent_metadata() {
        assert!(parse_metadata("<html/>").is_err());
        assert!(parse_metadata("not xml").is_err());
        assert!(parse_metadata(r#"<resource-agent><actions><action name="x" timeout="soon"/></actions></resource-agent>"#).is_err());
    }

    #[test]
    fn check_params_reports_unknown_and_missing_sorted() {
        let meta = parse_metadata(OCF_11).unwrap();
        assert_eq!(
            meta.check_params("ocf", ["mode"]),
            [ParamProblem::MissingRequired("ip".into())]
        );
        assert_eq!(
            meta.check_params("ocf", ["ip", "zeta", "alpha"]),
            [
                ParamProblem::Unknown("alpha".into()),
                ParamProblem::Unknown("zeta".into())
            ]
        );
        assert!(meta.check_params("ocf", ["ip"]).is_empty());
    }

    #[test]
    fn synthesized_metadata_for_lsb_and_systemd_has_no_parameters() {
        assert!(lsb_metadata("ssh").parameters.is_empty());
        assert_eq!(
            systemd_metadata("nginx.service")
                .action("monitor")
                .unwrap()
                .interval_ms,
            Some(60_000)
        );
        assert_eq!(unit_name("nginx"), "nginx.service");
        assert_eq!(unit_name("foo.socket"), "foo.socket");
    }
}
