//! The observed cluster: node membership and attributes, quorum, and every resource's operation
//! history, as Pacemaker's CIB `<status>` section records them. [`ClusterStatus::from_cib_xml`]
//! reads a CIB so that Pacemaker's own inputs run directly; the builder methods make statuses in
//! code (tests, the benchmark, the agent's replicated state).

use std::collections::BTreeMap;

/// Why a CIB's status could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Not well-formed XML.
    #[error("the CIB is not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    /// The root element is not `<cib>`.
    #[error("the document's root element is <{0}>, not <cib>")]
    NotCib(String),
}

/// What kind of node a `<node>` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A cluster member (`type` absent, `member` or `normal`).
    Member,
    /// A Pacemaker Remote node.
    Remote,
    /// A quorum-only node that never runs resources.
    Ping,
}

/// Membership as the controller recorded it in `<node_state>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeState {
    /// `in_ccm`: in the Corosync membership (`None` when the attribute is missing).
    pub in_ccm: Option<bool>,
    /// `crmd`: `online` when the controller runs.
    pub crmd: Option<String>,
    /// `join`: `member`, `down`, `pending`, `banned`.
    pub join: Option<String>,
    /// `expected`: `member` or `down`.
    pub expected: Option<String>,
    /// Transient node attributes (`fail-count-*`, `last-failure-*`, `standby`, `shutdown`, ...).
    pub transient: BTreeMap<String, String>,
}

impl NodeState {
    /// A healthy member.
    pub fn online() -> NodeState {
        NodeState {
            in_ccm: Some(true),
            crmd: Some("online".into()),
            join: Some("member".into()),
            expected: Some("member".into()),
            transient: BTreeMap::new(),
        }
    }

    /// A node that left cleanly.
    pub fn offline() -> NodeState {
        NodeState {
            in_ccm: Some(false),
            crmd: Some("offline".into()),
            join: Some("down".into()),
            expected: Some("down".into()),
            transient: BTreeMap::new(),
        }
    }

    /// A node that vanished while it was expected up (it must be fenced).
    pub fn lost() -> NodeState {
        NodeState {
            in_ccm: Some(false),
            crmd: Some("offline".into()),
            join: Some("member".into()),
            expected: Some("member".into()),
            transient: BTreeMap::new(),
        }
    }
}

/// One node: configuration attributes plus the recorded membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    /// Node id as the CIB writes it.
    pub id: String,
    /// Node name (uname).
    pub name: String,
    /// Kind.
    pub kind: NodeKind,
    /// `score` of the `<node>` element (its base weight for every resource).
    pub base_score: i64,
    /// Permanent node attributes (`<nodes>` instance attributes: `standby`, `maintenance`, ...).
    pub attributes: BTreeMap<String, String>,
    /// `None` when no `<node_state>` was ever recorded (never seen).
    pub state: Option<NodeState>,
}

impl NodeStatus {
    /// A member node named `name` with the given state.
    pub fn new(name: &str, state: Option<NodeState>) -> NodeStatus {
        NodeStatus {
            id: name.to_string(),
            name: name.to_string(),
            kind: NodeKind::Member,
            base_score: 0,
            attributes: BTreeMap::new(),
            state,
        }
    }
}

/// One `lrm_rsc_op`: an operation's last recorded result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpRecord {
    /// The record id (`rsc1_monitor_0`, `rsc1_last_failure_0`).
    pub id: String,
    /// `start`, `stop`, `monitor`, `promote`, ...
    pub operation: String,
    /// Interval in ms (0: one-off; a `monitor` with 0 is a probe).
    pub interval_ms: u64,
    /// The agent's exit code.
    pub rc: i32,
    /// The executor's status (0 done, -1 pending, 2 timeout, 4 error, 5 hard error, 6 fatal,
    /// 7 not installed, ...).
    pub op_status: i32,
    /// Call id on its node (-1 while pending).
    pub call_id: i64,
    /// `last-rc-change`, epoch seconds.
    pub last_rc_change: Option<i64>,
    /// The rc the controller expected (last field of `transition-key`).
    pub target_rc: Option<i32>,
    /// The transition number in `transition-key` (orders pending operations).
    pub transition: Option<i64>,
    /// The parameter digests the controller recorded with the result (`op-digest`, ...);
    /// `None` when none was recorded, and then the parameters are not compared.
    pub digests: Option<Box<OpDigests>>,
}

/// A recorded MD5 digest: 16 bytes when it is 32 hex digits, as Pacemaker writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Digest {
    /// 32 hex digits.
    Md5([u8; 16]),
    /// Anything else (it matches no computed digest).
    Other(Box<str>),
}

impl Digest {
    /// Reads a digest as recorded in an `lrm_rsc_op`.
    pub fn parse(text: &str) -> Digest {
        let b = text.as_bytes();
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if b.len() == 32 {
            let mut out = [0u8; 16];
            let mut ok = true;
            for (i, o) in out.iter_mut().enumerate() {
                match (hex(b[2 * i]), hex(b[2 * i + 1])) {
                    (Some(h), Some(l)) => *o = (h << 4) | l,
                    _ => ok = false,
                }
            }
            if ok {
                return Digest::Md5(out);
            }
        }
        Digest::Other(text.into())
    }
}

/// The parameter digests of one recorded operation: what the scheduler compares with the
/// resource's current definition to find parameter changes (`rsc_action_digest_cmp`). The
/// rarer partial digests are boxed so that a record with only `op-digest` stays small.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpDigests {
    /// `op-digest`: all parameters of the operation.
    pub all: Option<Digest>,
    /// `op-restart-digest` over the parameters `op-force-restart` names (those whose change
    /// needs a restart); recorded only for agents that support reload.
    pub restart: Option<Box<PartialDigest>>,
    /// `op-secure-digest` over the parameters but those `op-secure-params` names (sensitive).
    pub secure: Option<Box<PartialDigest>>,
    /// Recorded by a controller older than feature set 3.16.0, whose secure digest covers
    /// only the resource's own parameters, without fencing parameters (`pcmk_host_list`, ...).
    pub secure_legacy: bool,
}

/// A digest over part of the parameters, with the parameter names that choose the part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialDigest {
    /// The digest.
    pub digest: Digest,
    /// Parameter names, space separated and surrounded, as recorded (`" state "`); `None`
    /// when none were recorded.
    pub params: Option<Box<str>>,
}

impl OpRecord {
    /// A completed operation with result `rc` that was expected to return `target_rc`.
    pub fn done(
        operation: &str,
        interval_ms: u64,
        rc: i32,
        target_rc: i32,
        call_id: i64,
    ) -> OpRecord {
        OpRecord {
            id: format!("{operation}_{interval_ms}"),
            operation: operation.to_string(),
            interval_ms,
            rc,
            op_status: if rc == target_rc { 0 } else { 4 },
            call_id,
            last_rc_change: None,
            target_rc: Some(target_rc),
            transition: None,
            digests: None,
        }
    }
}

/// The recorded operations of one resource on one node, oldest first once sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceHistory {
    /// Node name.
    pub node: String,
    /// Resource id.
    pub resource: String,
    /// Agent class as recorded (`ocf`, `stonith`, ...).
    pub class: Option<String>,
    /// Operations in document order.
    pub ops: Vec<OpRecord>,
}

/// The observed state of the cluster: the scheduler's second input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterStatus {
    /// The partition has quorum.
    pub have_quorum: bool,
    /// "Now" in epoch seconds, for failure-timeout; `None` means later than every recorded time.
    pub now_epoch_s: Option<i64>,
    /// Nodes: those of `<nodes>` in document order, then any only seen in `<status>`.
    pub nodes: Vec<NodeStatus>,
    /// Operation history per resource and node, in document order.
    pub history: Vec<ResourceHistory>,
    /// Every resource id in the CIB configuration's document order (groups before their
    /// members). Pacemaker assigns resources of equal priority in this order; the `Model` keeps
    /// resources by id, so without it resources are taken in id order.
    pub resource_order: Vec<String>,
    /// `no-quorum-panic` on `<cib>`: keeps `no-quorum-policy=suicide` for a partition that never
    /// had quorum.
    pub no_quorum_panic: bool,
    /// Fail counts are per operation (`fail-count-RSC#OP_INTERVAL`), as written by CIBs with
    /// `crm_feature_set` 3.0.13 or later; otherwise per resource (`fail-count-RSC`).
    pub fail_counts_per_operation: bool,
    /// Every node has already probed every resource of the model and found it stopped, as if
    /// each pair had a probe record (rc 7) older than anything in `history`. The plan's
    /// synthetic statuses set it instead of recording one probe per resource and node
    /// (160,000 records for 32 nodes x 5,000 resources); a CIB never does.
    pub probed_everywhere: bool,
    /// Runtime location constraints an operator added with `crm_resource --move` / `--ban`
    /// (`cli-prefer-*`, `cli-ban-*` in the CIB's constraints): not desired state, but Pacemaker
    /// places by them until they are cleared, so the scheduler adds them to the model's.
    pub overrides: Vec<quorate_schema::model::Location>,
}

/// A `cli-prefer-*` / `cli-ban-*` location with a node and a score, as `crm_resource` writes
/// it without `--lifetime`. Those with a lifetime are rules with a date expression, and are
/// not read (the configuration's own locations with rules are the model's).
fn runtime_override(n: roxmltree::Node<'_, '_>) -> Option<quorate_schema::model::Location> {
    use quorate_schema::model::{Location, Placement, ResourceRef};
    use quorate_schema::types::{Role, Score};
    let id = n.attribute("id")?;
    if !(id.starts_with("cli-prefer-") || id.starts_with("cli-ban-")) {
        return None;
    }
    let role = match n.attribute("role") {
        None => None,
        Some(r) => Some(match r {
            "Started" => Role::Started,
            "Stopped" => Role::Stopped,
            "Promoted" | "Master" => Role::Promoted,
            "Unpromoted" | "Slave" => Role::Unpromoted,
            _ => return None,
        }),
    };
    Some(Location {
        id: id.to_string(),
        resource: ResourceRef::Id(n.attribute("rsc")?.to_string()),
        role,
        placement: Placement::Node {
            node: n.attribute("node")?.to_string(),
            score: Score::parse(n.attribute("score")?)?,
        },
        resource_discovery: None,
    })
}

fn attr_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Whether a Pacemaker boolean attribute value is true.
pub fn is_true(v: &str) -> bool {
    attr_bool(v).unwrap_or(false)
}

fn nvpairs(n: roxmltree::Node<'_, '_>, set_tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for set in n.children().filter(|c| c.has_tag_name(set_tag)) {
        for p in set.children().filter(|c| c.has_tag_name("nvpair")) {
            if let (Some(k), Some(v)) = (p.attribute("name"), p.attribute("value")) {
                out.push((k.to_string(), v.to_string()));
            }
        }
    }
    out
}

fn parse_op(op: roxmltree::Node<'_, '_>, cib_feature_set: Option<&str>) -> Option<OpRecord> {
    let operation = op.attribute("operation")?.to_string();
    let num = |k: &str| op.attribute(k).and_then(|v| v.trim().parse::<i64>().ok());
    let key = op.attribute("transition-key").or_else(|| {
        op.attribute("transition-magic")
            .and_then(|m| m.split_once(';').map(|(_, k)| k))
    });
    let (transition, target_rc) = match key {
        Some(k) => {
            let f: Vec<&str> = k.split(':').collect();
            if f.len() >= 4 {
                (f[1].parse().ok(), f[2].parse().ok())
            } else {
                (None, None)
            }
        }
        None => (None, None),
    };
    Some(OpRecord {
        id: op.attribute("id").unwrap_or_default().to_string(),
        operation,
        interval_ms: op
            .attribute("interval")
            .and_then(crate::score::parse_duration_ms)
            .map(|ms| {
                // A bare number in an op history is milliseconds, not seconds.
                if op
                    .attribute("interval")
                    .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()))
                {
                    ms / 1000
                } else {
                    ms
                }
            })
            .unwrap_or(0),
        rc: num("rc-code").unwrap_or(0) as i32,
        op_status: num("op-status").unwrap_or(0) as i32,
        call_id: num("call-id").unwrap_or(0),
        last_rc_change: num("last-rc-change").or_else(|| num("last-run")),
        target_rc,
        transition,
        digests: op_digests(op, cib_feature_set),
    })
}

fn op_digests(
    op: roxmltree::Node<'_, '_>,
    cib_feature_set: Option<&str>,
) -> Option<Box<OpDigests>> {
    let partial = |digest: &str, params: &str| {
        op.attribute(digest).map(|d| {
            Box::new(PartialDigest {
                digest: Digest::parse(d),
                params: op.attribute(params).map(Box::from),
            })
        })
    };
    let mut d = OpDigests {
        all: op.attribute("op-digest").map(Digest::parse),
        restart: partial("op-restart-digest", "op-force-restart"),
        secure: partial("op-secure-digest", "op-secure-params"),
        secure_legacy: false,
    };
    if d == OpDigests::default() {
        return None;
    }
    d.secure_legacy = op
        .attribute("crm_feature_set")
        .or(cib_feature_set)
        .is_some_and(|v| !version_at_least(v, &[3, 16, 0]));
    Some(Box::new(d))
}

/// `compare_version(v, min) >= 0` for dotted versions.
fn version_at_least(v: &str, min: &[u64]) -> bool {
    let parts: Vec<u64> = v
        .split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect();
    for (i, m) in min.iter().enumerate() {
        let x = parts.get(i).copied().unwrap_or(0);
        if x != *m {
            return x > *m;
        }
    }
    true
}

/// Parses `execution-date` (epoch seconds) when it is a number.
fn execution_date(root: roxmltree::Node<'_, '_>) -> Option<i64> {
    root.attribute("execution-date")?.trim().parse().ok()
}

impl ClusterStatus {
    /// An empty status: no nodes, no history, quorum as given.
    pub fn new(have_quorum: bool) -> ClusterStatus {
        ClusterStatus {
            have_quorum,
            ..ClusterStatus::default()
        }
    }

    /// Adds (or replaces) a node.
    pub fn set_node(&mut self, node: NodeStatus) -> &mut Self {
        self.nodes.retain(|n| n.name != node.name);
        self.nodes.push(node);
        self
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&NodeStatus> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The node named `name`, mutably.
    pub fn node_mut(&mut self, name: &str) -> Option<&mut NodeStatus> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }

    /// Sets a transient attribute (`standby`, `fail-count-rsc`, ...) on `node`'s state.
    pub fn set_transient(&mut self, node: &str, name: &str, value: &str) -> &mut Self {
        if let Some(n) = self.node_mut(node) {
            n.state
                .get_or_insert_with(NodeState::online)
                .transient
                .insert(name.to_string(), value.to_string());
        }
        self
    }

    /// Records an operation of `resource` on `node`.
    pub fn record(&mut self, resource: &str, node: &str, op: OpRecord) -> &mut Self {
        match self
            .history
            .iter_mut()
            .find(|h| h.resource == resource && h.node == node)
        {
            Some(h) => h.ops.push(op),
            None => self.history.push(ResourceHistory {
                node: node.to_string(),
                resource: resource.to_string(),
                class: None,
                ops: vec![op],
            }),
        }
        self
    }

    fn next_call_id(&self, node: &str) -> i64 {
        self.history
            .iter()
            .filter(|h| h.node == node)
            .flat_map(|h| h.ops.iter().map(|o| o.call_id))
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Records a successful start of `resource` on `node`.
    pub fn running(&mut self, resource: &str, node: &str) -> &mut Self {
        let id = self.next_call_id(node);
        self.record(resource, node, OpRecord::done("start", 0, 0, 0, id))
    }

    /// Records a probe that found `resource` stopped on `node`.
    pub fn probed_stopped(&mut self, resource: &str, node: &str) -> &mut Self {
        let id = self.next_call_id(node);
        self.record(resource, node, OpRecord::done("monitor", 0, 7, 7, id))
    }

    /// Records a failed operation (expected rc 0, got `rc`).
    pub fn failed(
        &mut self,
        resource: &str,
        node: &str,
        operation: &str,
        interval_ms: u64,
        rc: i32,
    ) -> &mut Self {
        let id = self.next_call_id(node);
        self.record(
            resource,
            node,
            OpRecord::done(operation, interval_ms, rc, 0, id),
        )
    }

    /// Reads a CIB: `have-quorum` (and `execution-date` as "now") from `<cib>`, the nodes of
    /// `<configuration><nodes>` with their attributes, every `<node_state>` with its transient
    /// attributes and `lrm_resource` histories, and the configuration's resource order.
    pub fn from_cib_xml(xml: &str) -> Result<ClusterStatus, StatusError> {
        let doc = roxmltree::Document::parse(xml)?;
        let root = doc.root_element();
        if !root.has_tag_name("cib") {
            return Err(StatusError::NotCib(root.tag_name().name().to_string()));
        }
        let mut st = ClusterStatus {
            have_quorum: root.attribute("have-quorum").is_some_and(is_true),
            now_epoch_s: execution_date(root),
            fail_counts_per_operation: root
                .attribute("crm_feature_set")
                .is_some_and(|v| version_at_least(v, &[3, 0, 13])),
            no_quorum_panic: root
                .attribute("no-quorum-panic")
                .is_some_and(|v| is_true(v) || v.trim().parse::<i64>().is_ok_and(|x| x != 0)),
            ..ClusterStatus::default()
        };
        let config = root.children().find(|c| c.has_tag_name("configuration"));
        if let Some(cfg) = config {
            if let Some(nodes) = cfg.children().find(|c| c.has_tag_name("nodes")) {
                for n in nodes.children().filter(|c| c.has_tag_name("node")) {
                    let id = n.attribute("id").unwrap_or_default().to_string();
                    let name = n.attribute("uname").unwrap_or(&id).to_string();
                    let kind = match n.attribute("type") {
                        None | Some("member") | Some("normal") => NodeKind::Member,
                        Some("remote") => NodeKind::Remote,
                        Some(_) => NodeKind::Ping,
                    };
                    st.nodes.push(NodeStatus {
                        id,
                        name,
                        kind,
                        base_score: n.attribute("score").map(crate::score::parse).unwrap_or(0),
                        attributes: nvpairs(n, "instance_attributes").into_iter().collect(),
                        state: None,
                    });
                }
            }
            if let Some(res) = cfg.children().find(|c| c.has_tag_name("resources")) {
                for d in res.descendants().filter(|d| {
                    d.has_tag_name("primitive")
                        || d.has_tag_name("group")
                        || d.has_tag_name("clone")
                        || d.has_tag_name("master")
                }) {
                    if let Some(id) = d.attribute("id") {
                        st.resource_order.push(id.to_string());
                    }
                }
            }
        }
        if let Some(cons) =
            config.and_then(|c| c.children().find(|c| c.has_tag_name("constraints")))
        {
            st.overrides = cons
                .children()
                .filter(|c| c.has_tag_name("rsc_location"))
                .filter_map(runtime_override)
                .collect();
        }
        let Some(status) = root.children().find(|c| c.has_tag_name("status")) else {
            return Ok(st);
        };
        for ns in status.children().filter(|c| c.has_tag_name("node_state")) {
            let id = ns.attribute("id").unwrap_or_default();
            let uname = ns.attribute("uname");
            let idx = st
                .nodes
                .iter()
                .position(|n| n.id == id)
                .or_else(|| uname.and_then(|u| st.nodes.iter().position(|n| n.name == u)));
            let idx = match idx {
                Some(i) => i,
                // Pacemaker ignores node_states of nodes it does not know.
                None => continue,
            };
            let mut state = NodeState {
                in_ccm: ns
                    .attribute("in_ccm")
                    .map(|v| is_true(v) || v.parse::<u64>().is_ok_and(|x| x > 0)),
                crmd: ns.attribute("crmd").map(str::to_string),
                join: ns.attribute("join").map(str::to_string),
                expected: ns.attribute("expected").map(str::to_string),
                transient: BTreeMap::new(),
            };
            for ta in ns
                .children()
                .filter(|c| c.has_tag_name("transient_attributes"))
            {
                for (k, v) in nvpairs(ta, "instance_attributes") {
                    state.transient.insert(k, v);
                }
            }
            let node_name = st.nodes[idx].name.clone();
            st.nodes[idx].state = Some(state);
            for lrm in ns.children().filter(|c| c.has_tag_name("lrm")) {
                for lrs in lrm.children().filter(|c| c.has_tag_name("lrm_resources")) {
                    for lr in lrs.children().filter(|c| c.has_tag_name("lrm_resource")) {
                        let Some(rid) = lr.attribute("id") else {
                            continue;
                        };
                        let mut ops: Vec<OpRecord> = lr
                            .children()
                            .filter(|c| c.has_tag_name("lrm_rsc_op"))
                            .filter_map(|op| parse_op(op, root.attribute("crm_feature_set")))
                            .collect();
                        // Most histories hold one or two records; a collected Vec starts with
                        // room for four.
                        ops.shrink_to_fit();
                        st.history.push(ResourceHistory {
                            node: node_name.clone(),
                            resource: rid.to_string(),
                            class: lr.attribute("class").map(str::to_string),
                            ops,
                        });
                    }
                }
            }
        }
        st.history.shrink_to_fit();
        Ok(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIB: &str = r#"<cib have-quorum="1" execution-date="1000">
  <configuration>
    <nodes>
      <node id="uuid1" uname="node1" type="member"><instance_attributes id="a"><nvpair id="b" name="standby" value="on"/></instance_attributes></node>
      <node id="uuid2" uname="node2" score="100"/>
      <node id="uuid3" uname="node3"/>
    </nodes>
    <resources><group id="g"><primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/></group><primitive id="r0" class="stonith" type="x"/></resources>
  </configuration>
  <status>
    <node_state id="uuid2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="t"><instance_attributes id="ti"><nvpair id="f" name="fail-count-r1" value="INFINITY"/></instance_attributes></transient_attributes>
      <lrm id="l"><lrm_resources><lrm_resource id="r1" class="ocf">
        <lrm_rsc_op id="r1_start_0" operation="start" interval="0" op-status="0" rc-code="0" call-id="3" transition-key="1:7:0:abc" last-rc-change="900"/>
        <lrm_rsc_op id="r1_monitor_10000" operation="monitor" interval="10000" op-status="4" rc-code="7" call-id="4" transition-key="2:7:0:abc"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="ghost" uname="ghost" in_ccm="true"/>
  </status>
</cib>"#;

    #[test]
    fn reads_nodes_states_and_history() {
        let st = ClusterStatus::from_cib_xml(CIB).unwrap();
        assert!(st.have_quorum);
        assert_eq!(st.now_epoch_s, Some(1000));
        assert_eq!(st.nodes.len(), 3, "the unknown node_state is ignored");
        assert_eq!(
            st.nodes[0].attributes.get("standby").map(String::as_str),
            Some("on")
        );
        assert_eq!(st.nodes[1].base_score, 100);
        assert!(st.nodes[0].state.is_none() && st.nodes[2].state.is_none());
        let s2 = st.nodes[1].state.as_ref().unwrap();
        assert_eq!(s2.in_ccm, Some(true));
        assert_eq!(
            s2.transient.get("fail-count-r1").map(String::as_str),
            Some("INFINITY")
        );
        assert_eq!(st.history.len(), 1);
        let h = &st.history[0];
        assert_eq!((h.node.as_str(), h.resource.as_str()), ("node2", "r1"));
        assert_eq!(h.ops[1].interval_ms, 10_000);
        assert_eq!(h.ops[1].target_rc, Some(0));
        assert_eq!(h.ops[1].op_status, 4);
        assert_eq!(h.ops[0].last_rc_change, Some(900));
        assert_eq!(st.resource_order, vec!["g", "r1", "r0"]);
    }

    #[test]
    fn rejects_what_is_not_a_cib() {
        assert!(matches!(
            ClusterStatus::from_cib_xml("<x/>"),
            Err(StatusError::NotCib(_))
        ));
        assert!(matches!(
            ClusterStatus::from_cib_xml("<cib"),
            Err(StatusError::Xml(_))
        ));
    }
}
