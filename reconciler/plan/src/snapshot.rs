//! The live-state snapshot the quorate agent exports and `quorate plan --live` reads: the
//! desired state the cluster was last converged to, plus what runs where. Versioned JSON, so a
//! plan can be made in CI from a snapshot taken on a node.
//!
//! ```json
//! { "format": "quorate-snapshot", "format_version": 1, "cluster": "webcluster",
//!   "taken_at": 1763785200, "quorate": true, "applied_revision": "3f2a...",
//!   "applied": { ...the desired-state document... },
//!   "nodes": [ { "name": "node1", "state": "online", "attributes": { "standby": "on" } } ],
//!   "resources": [ { "id": "ClusterVIP", "node": "node1", "state": "started" },
//!                  { "id": "WebServer", "node": "node2", "state": "failed", "fail_count": 1 } ],
//!   "overrides": [ { "id": "cli-prefer-WebServer", "resource": "WebServer", "node": "node1",
//!                    "score": "INFINITY" } ] }
//! ```

use quorate_scheduler::{
    ClusterStatus, NodeState, NodeStatus, OpRecord, Placement, ResourceHistory,
};
use quorate_schema::model::{Location, Placement as LocPlacement, ResourceRef};
use quorate_schema::types::{ClusterDoc, Role, Score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` value of every snapshot.
pub const SNAPSHOT_FORMAT: &str = "quorate-snapshot";
/// The version of the snapshot format. Readers refuse other versions.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// A live-state snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always `quorate-snapshot`.
    pub format: String,
    /// [`SNAPSHOT_FORMAT_VERSION`].
    pub format_version: u32,
    /// Cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// When it was taken, seconds since the epoch (the scheduler's "now" for failure-timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<i64>,
    /// Whether the partition that took it had quorum.
    pub quorate: bool,
    /// The revision of the desired state last applied (a git commit, or a directory generation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_revision: Option<String>,
    /// The desired state last applied.
    pub applied: ClusterDoc,
    /// Every node's state.
    pub nodes: Vec<NodeSnapshot>,
    /// Every active or failed resource instance.
    pub resources: Vec<ResourceSnapshot>,
    /// Runtime moves and bans (`crm_resource --move/--ban`) in force: not desired state, but
    /// resources are placed by them until they are cleared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideSnapshot>,
}

/// A runtime move or ban: a location of `resource` on `node` with `score`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideSnapshot {
    /// Its id (`cli-prefer-R`, `cli-ban-R-on-N`).
    pub id: String,
    /// The resource.
    pub resource: String,
    /// The node.
    pub node: String,
    /// The score (`INFINITY` to move there, `-INFINITY` to ban).
    pub score: Score,
    /// The role it applies to (`Promoted`, `Unpromoted`, `Started`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// A node in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSnapshot {
    /// Node name.
    pub name: String,
    /// Membership state.
    pub state: NodeRunState,
    /// Runtime attributes (`standby`, `maintenance`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// A node's membership state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRunState {
    /// A member.
    Online,
    /// Left cleanly.
    Offline,
    /// Gone while expected up: must be fenced.
    Lost,
}

/// A resource instance in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSnapshot {
    /// Primitive id.
    pub id: String,
    /// Node.
    pub node: String,
    /// What it is doing there.
    pub state: ResourceRunState,
    /// Failures counted on this node.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fail_count: u32,
    /// When it last failed, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<i64>,
    /// For a failed instance: the operation that failed (`start`, `monitor`, `stop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_op: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A resource instance's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceRunState {
    /// Running.
    Started,
    /// Running promoted.
    Promoted,
    /// Its last operation failed (`failed_op` says which).
    Failed,
    /// Not running, but with a fail count on this node.
    Stopped,
}

/// Why a snapshot could not be read.
#[derive(Debug)]
pub struct SnapshotError(pub String);

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SnapshotError {}

impl Snapshot {
    /// Parses a snapshot, refusing other formats and versions.
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SnapshotError(format!("not JSON: {e}")))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(SNAPSHOT_FORMAT) {
            return Err(SnapshotError(format!(
                "not a quorate snapshot (`format` must be `{SNAPSHOT_FORMAT}`)"
            )));
        }
        let version = v.get("format_version").and_then(|f| f.as_u64());
        if version != Some(u64::from(SNAPSHOT_FORMAT_VERSION)) {
            return Err(SnapshotError(format!(
                "snapshot format version {} is not supported (this quorate reads version {SNAPSHOT_FORMAT_VERSION})",
                version.map_or("(missing)".to_string(), |v| v.to_string())
            )));
        }
        serde_json::from_value(v).map_err(|e| SnapshotError(format!("invalid snapshot: {e}")))
    }

    /// A snapshot of a cluster whose status the scheduler has read (a CIB's status section).
    pub fn from_status(
        applied: ClusterDoc,
        status: &ClusterStatus,
        revision: Option<String>,
    ) -> Snapshot {
        let is_failure_attr =
            |k: &str| k.starts_with("fail-count-") || k.starts_with("last-failure-");
        let nodes = status
            .nodes
            .iter()
            .map(|n| {
                let state = match &n.state {
                    Some(s) if s.in_ccm == Some(true) && s.crmd.as_deref() == Some("online") => {
                        NodeRunState::Online
                    }
                    Some(s) if s.expected.as_deref() == Some("member") => NodeRunState::Lost,
                    _ => NodeRunState::Offline,
                };
                let mut attributes = n.attributes.clone();
                if let Some(s) = &n.state {
                    for (k, v) in s.transient.iter().filter(|(k, _)| !is_failure_attr(k)) {
                        attributes.insert(k.clone(), v.clone());
                    }
                }
                NodeSnapshot {
                    name: n.name.clone(),
                    state,
                    attributes,
                }
            })
            .collect();
        // Fail counts and last failures by (resource, node), summed over operations.
        let mut failures: BTreeMap<(String, String), (u32, Option<i64>)> = BTreeMap::new();
        for n in &status.nodes {
            let Some(s) = &n.state else { continue };
            for (k, v) in &s.transient {
                let (rsc, count) = if let Some(r) = k.strip_prefix("fail-count-") {
                    let c = if v.contains("INFINITY") {
                        1_000_000
                    } else {
                        v.parse::<u32>().unwrap_or(0)
                    };
                    (r, Some(c))
                } else if let Some(r) = k.strip_prefix("last-failure-") {
                    (r, None)
                } else {
                    continue;
                };
                let rsc = rsc.split('#').next().unwrap_or(rsc).to_string();
                let e = failures.entry((rsc, n.name.clone())).or_default();
                match count {
                    Some(c) => e.0 = e.0.saturating_add(c),
                    None => e.1 = e.1.max(v.parse().ok()),
                }
            }
        }
        let running = crate::active_in(status);
        let mut resources = Vec::new();
        for h in &status.history {
            let Some(last) = h
                .ops
                .iter()
                .filter(|o| o.op_status == 0 || o.rc != 0)
                .max_by_key(|o| o.call_id)
            else {
                continue;
            };
            let probe = last.operation == "monitor" && last.interval_ms == 0;
            let expected = last.target_rc.unwrap_or(if probe { 7 } else { 0 });
            let failed = !probe
                && last.rc != expected
                && !(last.operation == "monitor" && matches!((last.rc, expected), (8, 0) | (0, 8)));
            let runs = match running.get(&h.resource) {
                Some(Placement::On(n)) => *n == h.node,
                Some(Placement::Many(ns)) => ns.contains(&h.node),
                _ => false,
            };
            if !failed && !runs {
                continue;
            }
            let promoted = last.rc == 8 || last.operation == "promote";
            let (fail_count, last_failure) = failures
                .remove(&(h.resource.clone(), h.node.clone()))
                .unwrap_or_default();
            resources.push(ResourceSnapshot {
                id: h.resource.clone(),
                node: h.node.clone(),
                state: if failed {
                    ResourceRunState::Failed
                } else if promoted {
                    ResourceRunState::Promoted
                } else {
                    ResourceRunState::Started
                },
                fail_count,
                last_failure,
                failed_op: failed.then(|| last.operation.clone()),
            });
        }
        // Fail counts of instances that are neither running nor failed now.
        for ((id, node), (fail_count, last_failure)) in failures {
            if fail_count > 0 {
                resources.push(ResourceSnapshot {
                    id,
                    node,
                    state: ResourceRunState::Stopped,
                    fail_count,
                    last_failure,
                    failed_op: None,
                });
            }
        }
        resources.sort_by(|a, b| (&a.id, &a.node).cmp(&(&b.id, &b.node)));
        Snapshot {
            format: SNAPSHOT_FORMAT.into(),
            format_version: SNAPSHOT_FORMAT_VERSION,
            cluster: applied.cluster.clone(),
            taken_at: status.now_epoch_s,
            quorate: status.have_quorum,
            applied_revision: revision,
            applied,
            nodes,
            resources,
            overrides: status
                .overrides
                .iter()
                .filter_map(override_snapshot)
                .collect(),
        }
    }

    /// The status the scheduler reads: node states and one operation record per instance.
    pub fn to_status(&self) -> ClusterStatus {
        let mut st = ClusterStatus::new(self.quorate);
        st.now_epoch_s = self.taken_at;
        for n in &self.nodes {
            let mut state = match n.state {
                NodeRunState::Online => NodeState::online(),
                NodeRunState::Offline => NodeState::offline(),
                NodeRunState::Lost => NodeState::lost(),
            };
            for (k, v) in &n.attributes {
                state.transient.insert(k.clone(), v.clone());
            }
            let mut ns = NodeStatus::new(&n.name, Some(state));
            ns.attributes = n.attributes.clone();
            st.set_node(ns);
        }
        let mut call_id = 0;
        for r in &self.resources {
            call_id += 1;
            let mut ops = vec![OpRecord::done("start", 0, 0, 0, call_id)];
            match r.state {
                ResourceRunState::Started => {}
                ResourceRunState::Promoted => {
                    call_id += 1;
                    ops.push(OpRecord::done("promote", 0, 0, 0, call_id));
                }
                ResourceRunState::Stopped => {
                    call_id += 1;
                    ops.push(OpRecord::done("stop", 0, 0, 0, call_id));
                }
                ResourceRunState::Failed => match r.failed_op.as_deref() {
                    Some("start") => ops = vec![OpRecord::done("start", 0, 1, 0, call_id)],
                    Some("stop") => {
                        call_id += 1;
                        ops.push(OpRecord::done("stop", 0, 1, 0, call_id));
                    }
                    Some(op) => {
                        call_id += 1;
                        ops.push(OpRecord::done(op, 10_000, 1, 0, call_id));
                    }
                    None => {
                        call_id += 1;
                        ops.push(OpRecord::done("monitor", 10_000, 1, 0, call_id));
                    }
                },
            }
            st.history.push(ResourceHistory {
                node: r.node.clone(),
                resource: r.id.clone(),
                class: None,
                ops,
            });
            if r.fail_count > 0 {
                if let Some(n) = st.node_mut(&r.node) {
                    let s = n.state.get_or_insert_with(NodeState::online);
                    s.transient
                        .insert(format!("fail-count-{}", r.id), r.fail_count.to_string());
                    if let Some(t) = r.last_failure {
                        s.transient
                            .insert(format!("last-failure-{}", r.id), t.to_string());
                    }
                }
            }
        }
        st.overrides = self.overrides.iter().map(override_location).collect();
        st
    }
}

fn override_snapshot(l: &Location) -> Option<OverrideSnapshot> {
    let (ResourceRef::Id(resource), LocPlacement::Node { node, score }) =
        (&l.resource, &l.placement)
    else {
        return None;
    };
    Some(OverrideSnapshot {
        id: l.id.clone(),
        resource: resource.clone(),
        node: node.clone(),
        score: *score,
        role: l.role,
    })
}

fn override_location(o: &OverrideSnapshot) -> Location {
    Location {
        id: o.id.clone(),
        resource: ResourceRef::Id(o.resource.clone()),
        role: o.role,
        placement: LocPlacement::Node {
            node: o.node.clone(),
            score: o.score,
        },
        resource_discovery: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_moves_and_bans_survive_a_snapshot() {
        let cib = r#"<cib have-quorum="1"><configuration><nodes>
            <node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources/><constraints>
              <rsc_location id="cli-ban-db-on-n1" rsc="db" node="n1" score="-INFINITY" role="Promoted"/>
              <rsc_location id="cli-prefer-vip" rsc="vip" node="n2" score="INFINITY"/>
            </constraints></configuration><status/></cib>"#;
        let status = ClusterStatus::from_cib_xml(cib).unwrap();
        assert_eq!(status.overrides.len(), 2);
        let snap = Snapshot::from_status(ClusterDoc::default(), &status, None);
        let json = serde_json::to_string(&snap).unwrap();
        assert!(json.contains(r#""id":"cli-ban-db-on-n1","resource":"db","node":"n1","score":"-INFINITY","role":"Promoted""#), "{json}");
        let back = Snapshot::from_json(&json).unwrap().to_status();
        assert_eq!(back.overrides, status.overrides);
        // A malformed override is refused with the reason, not silently dropped.
        let bad = json.replace(r#""score":"-INFINITY""#, r#""score":"lots""#);
        let err = Snapshot::from_json(&bad).unwrap_err().to_string();
        assert!(err.contains("`lots` is not a score"), "{err}");
    }
}
