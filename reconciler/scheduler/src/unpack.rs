//! Building the working set: nodes with their online/unclean/standby state (as
//! `determine_online_status` decides), primitives with their resolved meta attributes, and each
//! resource's state from its operation history (roles, failures, on-fail, bans, fail counts).

use crate::score::{self, INF};
use crate::status::{is_true, ClusterStatus, NodeKind, OpRecord};
use quorate_schema::model::{Constraint, Location, Model, Resource};
use quorate_schema::types::{NoQuorumPolicy, OnFail};
use std::collections::{BTreeMap, BTreeSet};

/// A node as the scheduler sees it.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub name: String,
    pub online: bool,
    pub unclean: bool,
    pub standby: bool,
    pub maintenance: bool,
    pub shutdown: bool,
    pub pending: bool,
    /// Base weight: the `<node score>` while online, -INF once offline or shutting down.
    pub weight: i64,
    /// The configured base score.
    pub base: i64,
    pub attrs: BTreeMap<String, String>,
    pub fence_reason: Option<String>,
    pub num_resources: usize,
    /// Its history was read (fencing enabled or online).
    pub history_read: bool,
}

impl Node {
    /// `pcmk__node_available` without the score: can host resources at all.
    pub fn available(&self) -> bool {
        self.online && !self.shutdown && !self.unclean && !self.standby && !self.maintenance
    }

    fn fence(&mut self, reason: &str) {
        if self.fence_reason.is_none() {
            self.fence_reason = Some(reason.to_string());
        }
        self.unclean = true;
    }
}

/// What `requires` a resource's start has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Requires {
    Nothing,
    Quorum,
    Fencing,
}

/// `multiple-active`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MultipleActive {
    StopStart,
    StopOnly,
    Block,
    StopUnexpected,
}

/// Resource roles in Pacemaker's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Unknown,
    Stopped,
    Started,
    Promoted,
}

/// Accumulated on-fail, in `cmp_on_fail` severity order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fail {
    Ignore,
    Demote,
    Recover,
    Migrate,
    Block,
    Stop,
    Standby,
    Fence,
}

/// A primitive (or fencing device, or orphan found only in the history).
#[derive(Clone, Debug)]
pub(crate) struct Prim {
    pub id: String,
    pub group: Option<usize>,
    pub priority: i64,
    pub stickiness: i64,
    pub migration_threshold: i64,
    pub failure_timeout_s: i64,
    pub managed: bool,
    /// In maintenance (`maintenance-mode` or the `maintenance` meta attribute).
    pub maintenance: bool,
    pub blocked: bool,
    pub orphan: bool,
    pub is_stonith: bool,
    pub critical: bool,
    pub target_stopped: bool,
    pub multiple_active: MultipleActive,
    pub requires: Requires,
    pub ops: Vec<quorate_schema::model::Operation>,
    pub role: Role,
    pub next_stopped: bool,
    pub running_on: Vec<usize>,
    pub known_on: BTreeSet<usize>,
    pub failed: bool,
    pub stop_flag: bool,
    pub failure_ignored: bool,
    pub start_pending: bool,
    /// Nodes whose failures ignore failure-timeout (an on-fail=block op failed there).
    pub block_failed_on: BTreeSet<usize>,
    /// Nodes where a required stop was created at unpack (recovery).
    pub recover_on: BTreeSet<usize>,
    /// Allowed-node table: `None` = not allowed at all.
    pub scores: Vec<Option<i64>>,
    pub assigned: Option<usize>,
    pub provisional: bool,
    pub assigning: bool,
    pub merging: bool,
    /// Clear fail count on these nodes (the failure expired).
    pub clear_failcount_on: BTreeSet<usize>,
    /// Its parameters changed so that it must restart (`force_restart`, see `digest`).
    pub definition_changed: bool,
    /// Nodes where its changed parameters are applied by a reload (see `digest`).
    pub reload_on: BTreeSet<usize>,
    /// The clone this primitive is an instance of (`crate::clone`).
    pub clone: Option<usize>,
    /// Clone instances: the clone's colocations appended to this instance's own lists
    /// (`append_parent_colocation`), as indices into `Colocs::all`.
    pub inherited_this_with: Vec<usize>,
    pub inherited_with_this: Vec<usize>,
    /// Clone instances: the node `distribute_children` pre-assigns this instance to.
    pub prefer: Option<usize>,
    /// Promotable clone instances: the role chosen by `promote::set_instance_roles`
    /// (`Started` = unpromoted).
    pub role_next: Option<Role>,
    /// Promotable clone instances: the promotion order (`sort_index`).
    pub sort_index: i64,
}

impl Prim {
    /// A primitive as nothing configures it (Pacemaker's defaults) and nothing is known of it
    /// yet: stopped, unassigned, with the allowed-node `scores` it starts from.
    fn unconfigured(id: String, scores: Vec<Option<i64>>) -> Prim {
        Prim {
            id,
            group: None,
            priority: 0,
            stickiness: 0,
            migration_threshold: INF,
            failure_timeout_s: 0,
            managed: true,
            maintenance: false,
            blocked: false,
            orphan: false,
            is_stonith: false,
            critical: true,
            target_stopped: false,
            multiple_active: MultipleActive::StopStart,
            requires: Requires::Quorum,
            ops: Vec::new(),
            role: Role::Stopped,
            next_stopped: false,
            running_on: Vec::new(),
            known_on: BTreeSet::new(),
            failed: false,
            stop_flag: false,
            failure_ignored: false,
            start_pending: false,
            block_failed_on: BTreeSet::new(),
            recover_on: BTreeSet::new(),
            scores,
            assigned: None,
            provisional: true,
            assigning: false,
            merging: false,
            clear_failcount_on: BTreeSet::new(),
            definition_changed: false,
            reload_on: BTreeSet::new(),
            clone: None,
            inherited_this_with: Vec::new(),
            inherited_with_this: Vec::new(),
            prefer: None,
            role_next: None,
            sort_index: 0,
        }
    }
}

/// A group: members in order.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub id: String,
    pub members: Vec<usize>,
    pub priority: i64,
    pub assigning: bool,
    pub assigned: bool,
    /// Its colocations were expanded to its members (it started being assigned).
    pub expanded: bool,
    /// Being merged into another resource's scores (loop guard).
    pub merging: bool,
}

/// Top-level resources, in assignment order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Top {
    Prim(usize),
    Group(usize),
    Clone(usize),
}

/// Everything the scheduler works on.
#[derive(Debug)]
pub(crate) struct WorkingSet<'a> {
    pub model: &'a Model,
    pub status: &'a ClusterStatus,
    pub nodes: Vec<Node>,
    pub prims: Vec<Prim>,
    pub groups: Vec<Group>,
    pub tops: Vec<Top>,
    pub prim_by_id: BTreeMap<String, usize>,
    pub group_by_id: BTreeMap<String, usize>,
    pub clones: Vec<crate::clone::CloneSet>,
    /// Clones by their own id and by their child's id.
    pub clone_by_id: BTreeMap<String, usize>,
    pub stonith_enabled: bool,
    pub have_stonith_resource: bool,
    pub have_quorum: bool,
    pub no_quorum: NoQuorumPolicy,
    pub symmetric: bool,
    pub stop_all: bool,
}

pub(crate) fn meta_get<'m>(
    own: &'m BTreeMap<String, String>,
    parent: Option<&'m BTreeMap<String, String>>,
    defaults: &'m BTreeMap<String, String>,
    key: &str,
) -> Option<&'m str> {
    own.get(key)
        .or_else(|| parent.and_then(|p| p.get(key)))
        .or_else(|| defaults.get(key))
        .map(String::as_str)
}

pub(crate) fn parse_bool(v: Option<&str>) -> Option<bool> {
    let v = v?;
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

impl<'a> WorkingSet<'a> {
    pub fn new(model: &'a Model, status: &'a ClusterStatus) -> WorkingSet<'a> {
        let p = &model.policy;
        let mut no_quorum = p.no_quorum_policy;
        if no_quorum == NoQuorumPolicy::Suicide
            && (!p.stonith_enabled || !(status.have_quorum || status_panic(status)))
        {
            no_quorum = NoQuorumPolicy::Stop;
        }
        let mut ws = WorkingSet {
            model,
            status,
            nodes: Vec::new(),
            prims: Vec::new(),
            groups: Vec::new(),
            tops: Vec::new(),
            prim_by_id: BTreeMap::new(),
            group_by_id: BTreeMap::new(),
            clones: Vec::new(),
            clone_by_id: BTreeMap::new(),
            stonith_enabled: p.stonith_enabled,
            have_stonith_resource: false,
            have_quorum: status.have_quorum,
            no_quorum,
            symmetric: p.symmetric_cluster,
            stop_all: p.stop_all_resources,
        };
        ws.unpack_nodes();
        ws.unpack_resources();
        if status.probed_everywhere {
            ws.unpack_probed_everywhere();
        }
        ws.unpack_history();
        ws
    }

    /// Resource ids in document order: the CIB's when the status was read from one, else the
    /// order they are written in the desired state (both may be empty: then id order).
    pub fn document_order(&self) -> &'a [String] {
        if self.status.resource_order.is_empty() {
            &self.model.resource_order
        } else {
            &self.status.resource_order
        }
    }

    /// Every location constraint in force: the model's, then the runtime moves and bans of
    /// the status (`ClusterStatus::overrides`).
    pub fn locations(&self) -> impl DoubleEndedIterator<Item = &'a Location> + 'a {
        let model: &'a Model = self.model;
        let status: &'a ClusterStatus = self.status;
        model
            .constraints
            .iter()
            .filter_map(|c| match c {
                Constraint::Location(l) => Some(l),
                _ => None,
            })
            .chain(&status.overrides)
    }

    pub fn node_idx(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    fn unpack_nodes(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for n in &self.model.nodes {
            if !names.contains(&n.name) {
                names.push(n.name.clone());
            }
        }
        for n in &self.status.nodes {
            if n.kind == NodeKind::Member && !names.contains(&n.name) {
                names.push(n.name.clone());
            }
        }
        names.sort_by(|a, b| score::natural_cmp(a, b));
        let fencing = self.stonith_enabled;
        for name in names {
            let st = self.status.node(&name);
            let mut attrs: BTreeMap<String, String> = BTreeMap::new();
            if let Some(m) = self.model.node(&name) {
                attrs.extend(m.attributes.clone());
            }
            if let Some(s) = st {
                attrs.extend(s.attributes.clone());
            }
            let base = st.map(|s| s.base_score).unwrap_or(0);
            let mut node = Node {
                name: name.clone(),
                online: false,
                unclean: false,
                standby: false,
                maintenance: false,
                shutdown: false,
                pending: false,
                weight: base,
                base,
                attrs,
                fence_reason: None,
                num_resources: 0,
                history_read: false,
            };
            if fencing {
                // startup-fencing: unseen nodes are unclean until their state says otherwise.
                node.unclean = true;
                node.fence_reason = Some("node is unclean".into());
            }
            if let Some(state) = st.and_then(|s| s.state.as_ref()) {
                for (k, v) in &state.transient {
                    node.attrs.insert(k.clone(), v.clone());
                }
                node.unclean = false;
                node.fence_reason = None;
                let shutdown = state
                    .transient
                    .get("shutdown")
                    .is_some_and(|v| v.trim() != "0" && !v.trim().is_empty());
                node.shutdown = shutdown;
                let terminate = state
                    .transient
                    .get("terminate")
                    .is_some_and(|v| is_true(v) || v.trim().parse::<i64>().is_ok_and(|x| x > 0));
                let in_ccm = state.in_ccm;
                let crmd_online = state.crmd.as_deref() == Some("online");
                let join = state.join.as_deref().unwrap_or("down");
                let expected = state.expected.as_deref().unwrap_or("down");
                if fencing {
                    if shutdown {
                        node.online = crmd_online;
                    } else if in_ccm.is_none() {
                        node.fence("peer has not been seen by the cluster");
                    } else if join == "banned" {
                        node.fence("peer failed Pacemaker membership criteria");
                    } else if !terminate && expected == "down" {
                        if in_ccm == Some(true) || crmd_online {
                            node.online = in_ccm == Some(true);
                            node.standby = true;
                            node.pending = true;
                        }
                    } else if terminate && join == "down" && in_ccm == Some(false) && !crmd_online {
                        // just shot
                    } else if in_ccm == Some(false) {
                        node.fence("peer is no longer part of the cluster");
                    } else if !crmd_online {
                        node.fence("peer process is no longer available");
                    } else if terminate {
                        node.fence("termination was requested");
                    } else if join == "member" {
                        node.online = true;
                    } else if join == "pending" || join == "down" {
                        node.online = true;
                        node.standby = true;
                        node.pending = true;
                    } else {
                        node.fence("peer was in an unknown state");
                    }
                } else if in_ccm != Some(true) {
                    node.online = false;
                } else if crmd_online {
                    node.online = join == "member";
                } else if expected == "member" {
                    node.unclean = true;
                    node.fence_reason = Some("peer is unexpectedly down".into());
                }
            }
            let attr_true = |k: &str| node.attrs.get(k).is_some_and(|v| is_true(v));
            if attr_true("standby") {
                node.standby = true;
            }
            if attr_true("maintenance") {
                node.maintenance = true;
            }
            if !node.online || node.shutdown {
                node.weight = -INF;
            }
            node.attrs.insert("#uname".into(), name.clone());
            node.attrs.insert("#kind".into(), "cluster".into());
            self.nodes.push(node);
        }
        if !self.have_quorum && self.no_quorum == NoQuorumPolicy::Suicide {
            for n in &mut self.nodes {
                if n.online {
                    n.fence("cluster does not have quorum");
                }
            }
        }
    }

    fn unpack_resources(&mut self) {
        let model = self.model;
        let defaults = &model.rsc_defaults;
        let maintenance_mode = model.policy.maintenance_mode;
        // Document order (the CIB's, else the desired state's), else id order; fencing devices
        // too.
        let mut order: Vec<String> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let known =
            |id: &str| model.resources.contains_key(id) || model.fence_devices.contains_key(id);
        for id in self.document_order() {
            if known(id) && seen.insert(id.as_str()) {
                order.push(id.clone());
            }
        }
        for id in model.resources.keys().chain(model.fence_devices.keys()) {
            if seen.insert(id.as_str()) {
                order.push(id.clone());
            }
        }
        self.have_stonith_resource = !model.fence_devices.is_empty()
            || model
                .resources
                .values()
                .any(|r| matches!(r, Resource::Primitive(p) if p.agent.class == "stonith"));
        let fencing_default = if self.stonith_enabled {
            Requires::Fencing
        } else if model.policy.no_quorum_policy == NoQuorumPolicy::Ignore {
            Requires::Nothing
        } else {
            Requires::Quorum
        };
        let n_nodes = self.nodes.len();
        let initial: Vec<Option<i64>> = self
            .nodes
            .iter()
            .map(|n| if self.symmetric { Some(n.base) } else { None })
            .collect();
        let mut tops: Vec<(i64, Top)> = Vec::new();
        // Members of groups and clones are reached through their parent.
        let mut has_parent: BTreeSet<&str> = BTreeSet::new();
        for r in model.resources.values() {
            match r {
                Resource::Group(g) => has_parent.extend(g.members.iter().map(String::as_str)),
                Resource::Clone(c) => {
                    has_parent.insert(c.child.as_str());
                }
                Resource::Primitive(_) => {}
            }
        }
        for id in &order {
            if has_parent.contains(id.as_str()) {
                continue;
            }
            match (model.resources.get(id), model.fence_devices.get(id)) {
                (Some(Resource::Group(g)), _) => {
                    let gi = self.groups.len();
                    let priority = meta_get(&g.meta, None, defaults, "priority")
                        .map(score::parse)
                        .unwrap_or(0);
                    self.groups.push(Group {
                        id: g.id.clone(),
                        members: Vec::new(),
                        priority,
                        assigning: false,
                        assigned: false,
                        expanded: false,
                        merging: false,
                    });
                    self.group_by_id.insert(g.id.clone(), gi);
                    for m in &g.members {
                        if let Some(p) = model.primitive(m) {
                            let pi = self.add_prim(
                                p,
                                Some(gi),
                                Some(&g.meta),
                                fencing_default,
                                maintenance_mode,
                                &initial,
                            );
                            self.groups[gi].members.push(pi);
                        }
                    }
                    tops.push((priority, Top::Group(gi)));
                }
                (Some(Resource::Primitive(p)), _) | (None, Some(p)) => {
                    let pi =
                        self.add_prim(p, None, None, fencing_default, maintenance_mode, &initial);
                    tops.push((self.prims[pi].priority, Top::Prim(pi)));
                }
                (Some(Resource::Clone(c)), _) => {
                    if let Some(top) =
                        self.add_clone(c, fencing_default, maintenance_mode, &initial)
                    {
                        tops.push(top);
                    }
                }
                _ => {}
            }
        }
        // Stable sort by priority, descending.
        tops.sort_by_key(|t| std::cmp::Reverse(t.0));
        self.tops = tops.into_iter().map(|(_, t)| t).collect();
        debug_assert!(self.prims.iter().all(|p| p.scores.len() == n_nodes));
    }

    pub(crate) fn add_prim(
        &mut self,
        p: &quorate_schema::model::Primitive,
        group: Option<usize>,
        parent: Option<&BTreeMap<String, String>>,
        fencing_default: Requires,
        maintenance_mode: bool,
        initial: &[Option<i64>],
    ) -> usize {
        let defaults = &self.model.rsc_defaults;
        let get = |k: &str| meta_get(&p.meta, parent, defaults, k);
        let is_stonith = p.agent.class == "stonith";
        let mut managed = parse_bool(get("is-managed")).unwrap_or(!maintenance_mode);
        if parse_bool(get("maintenance")) == Some(true)
            || maintenance_mode && get("is-managed").is_none()
        {
            managed = false;
        }
        if maintenance_mode {
            managed = false;
        }
        let requires = match get("requires") {
            Some("nothing") => Requires::Nothing,
            Some("quorum") => Requires::Quorum,
            Some("fencing") | Some("unfencing") if self.stonith_enabled => Requires::Fencing,
            Some("fencing") | Some("unfencing") => Requires::Quorum,
            _ if is_stonith => Requires::Quorum,
            _ => fencing_default,
        };
        let mt = match get("migration-threshold") {
            Some(v) => {
                let x = score::parse(v);
                if x < 0 {
                    1
                } else {
                    x
                }
            }
            None => INF,
        };
        let prim = Prim {
            group,
            priority: get("priority").map(score::parse).unwrap_or(0),
            stickiness: get("resource-stickiness")
                .filter(|v| *v != "default")
                .map(score::parse)
                .unwrap_or(0),
            migration_threshold: mt,
            failure_timeout_s: get("failure-timeout")
                .and_then(score::parse_duration_ms)
                .map(|ms| (ms / 1000) as i64)
                .unwrap_or(0),
            managed,
            maintenance: maintenance_mode || parse_bool(get("maintenance")) == Some(true),
            is_stonith,
            critical: parse_bool(get("critical")).unwrap_or(true),
            target_stopped: get("target-role").is_some_and(|r| r.eq_ignore_ascii_case("stopped")),
            multiple_active: match get("multiple-active") {
                Some("block") => MultipleActive::Block,
                Some("stop_only") => MultipleActive::StopOnly,
                Some("stop_unexpected") => MultipleActive::StopUnexpected,
                _ => MultipleActive::StopStart,
            },
            requires,
            ops: p.ops.clone(),
            ..Prim::unconfigured(p.id.clone(), initial.to_vec())
        };
        let idx = self.prims.len();
        self.prim_by_id.insert(prim.id.clone(), idx);
        self.prims.push(prim);
        idx
    }

    /// `resource_location` for bans and stickiness: a node not yet allowed enters with its
    /// current weight plus the score.
    pub fn rsc_location(&mut self, p: usize, node: usize, s: i64) {
        let w = self.nodes[node].weight;
        let slot = &mut self.prims[p].scores[node];
        *slot = Some(score::add(slot.unwrap_or(w), s));
    }

    pub fn ban_everywhere(&mut self, p: usize) {
        for n in 0..self.nodes.len() {
            self.rsc_location(p, n, -INF);
        }
    }

    /// The configured on-fail of a history operation.
    fn on_fail_of(&self, p: usize, op: &OpRecord) -> Fail {
        let prim = &self.prims[p];
        let conf = prim
            .ops
            .iter()
            .find(|o| o.name == op.operation && o.interval_ms == op.interval_ms);
        let from_defaults = self.model.op_defaults.get("on-fail").map(String::as_str);
        let v: Option<String> = conf
            .and_then(|o| o.on_fail)
            .map(on_fail_name)
            .or_else(|| conf.and_then(|o| o.attrs.get("on-fail").cloned()))
            .or_else(|| from_defaults.map(str::to_string));
        let is_stop = op.operation == "stop";
        let parsed = match v.as_deref() {
            Some("ignore") | Some("nothing") => Some(Fail::Ignore),
            Some("block") => Some(Fail::Block),
            Some("fence") => Some(if self.stonith_enabled {
                Fail::Fence
            } else {
                Fail::Stop
            }),
            Some("stop") if !is_stop => Some(Fail::Stop),
            Some("standby") if !is_stop => Some(Fail::Standby),
            Some("restart") => Some(Fail::Recover),
            Some("demote") if !is_stop => Some(Fail::Demote),
            Some("restart-container") => Some(Fail::Recover),
            _ => None,
        };
        match parsed {
            Some(f) => f,
            None if is_stop => {
                if self.stonith_enabled {
                    Fail::Fence
                } else {
                    Fail::Block
                }
            }
            None => Fail::Recover,
        }
    }

    /// Fail count and last failure of `p` on `node` from the node's attributes.
    pub fn fail_count(&self, p: usize, node: usize) -> (i64, i64) {
        let id = self.history_id(p);
        let attrs = &self.nodes[node].attrs;
        let per_op = self.status.fail_counts_per_operation;
        // `^PREFIX-RSC(:[0-9]+)?$`, or with `#OP_INTERVAL` per operation (generate_fail_regex).
        let matches = |key: &str, prefix: &str| -> bool {
            let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix(id)) else {
                return false;
            };
            let rest = match rest.strip_prefix(':') {
                Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
                None => rest,
            };
            if per_op {
                rest.strip_prefix('#')
                    .and_then(|op| op.rsplit_once('_'))
                    .is_some_and(|(name, iv)| {
                        !name.is_empty() && !iv.is_empty() && iv.chars().all(|c| c.is_ascii_digit())
                    })
            } else {
                rest.is_empty()
            }
        };
        let mut fc = 0i64;
        let mut lf = 0i64;
        for (k, v) in attrs {
            if matches(k, "fail-count-") {
                fc = score::add(fc, score::parse(v));
            } else if matches(k, "last-failure-") {
                lf = lf.max(v.trim().parse::<i64>().unwrap_or(0));
            }
        }
        (fc, lf)
    }

    /// The fail count once failure-timeout is taken into account.
    pub fn effective_fail_count(&self, p: usize, node: usize) -> i64 {
        let (fc, lf) = self.fail_count(p, node);
        let prim = &self.prims[p];
        let ft = if prim.block_failed_on.contains(&node) {
            0
        } else {
            prim.failure_timeout_s
        };
        if fc > 0 && ft > 0 && lf > 0 && self.is_past(lf + ft) {
            0
        } else {
            fc
        }
    }

    /// `check_operation_expiry`'s verdict: the record is older than failure-timeout and no
    /// fail count is left unexpired.
    fn failure_expired(&self, p: usize, node: usize, op: &OpRecord) -> bool {
        let ft = self.prims[p].failure_timeout_s;
        ft > 0
            && op
                .last_rc_change
                .is_some_and(|lrc| self.is_past(lrc + ft - 1))
            && (self.fail_count(p, node).0 == 0 || self.effective_fail_count(p, node) == 0)
    }

    fn is_past(&self, t: i64) -> bool {
        match self.status.now_epoch_s {
            Some(now) => now > t,
            None => true,
        }
    }

    /// [`ClusterStatus::probed_everywhere`]: what a probe that found each primitive stopped
    /// on each node whose history is read would leave behind (known there, role stopped),
    /// before the recorded history is unpacked on top.
    fn unpack_probed_everywhere(&mut self) {
        for node in 0..self.nodes.len() {
            if !self.stonith_enabled && !self.nodes[node].online {
                continue;
            }
            self.nodes[node].history_read = true;
            for p in 0..self.prims.len() {
                self.process_rsc_state(p, node, Role::Stopped, Fail::Ignore);
            }
        }
    }

    fn unpack_history(&mut self) {
        let status = self.status;
        for h in &status.history {
            let Some(node) = self.node_idx(&h.node) else {
                continue;
            };
            if !self.stonith_enabled && !self.nodes[node].online {
                continue;
            }
            self.nodes[node].history_read = true;
            let p = match self.prim_by_id.get(&h.resource) {
                Some(&p) if self.prims[p].clone.is_none() => p,
                _ if self.clone_of_history(&h.resource).is_some() => {
                    match self.clone_instance_for_history(&h.resource, node) {
                        Some(p) => p,
                        None => continue,
                    }
                }
                Some(&p) => p,
                None => {
                    if self.model.resources.contains_key(&h.resource) {
                        // A clone or group id in the history: not a primitive we schedule.
                        continue;
                    }
                    self.add_orphan(&h.resource, h.class.as_deref() == Some("stonith"))
                }
            };
            // Pacemaker prepends (reverse document order), then stable-sorts oldest first.
            let mut ops: Vec<&OpRecord> = h.ops.iter().rev().collect();
            ops.sort_by(|a, b| op_age_cmp(a, b));
            self.note_block_failures(p, node, &ops);
            self.unpack_lrm_resource(p, node, &ops);
        }
        // Resource-level consequences: target-role, unmanaged active resources.
        for p in 0..self.prims.len() {
            if self.prims[p].target_stopped {
                self.prims[p].next_stopped = true;
            }
        }
    }

    fn add_orphan(&mut self, id: &str, stonith: bool) -> usize {
        let n = self.nodes.len();
        let stop_orphans = self
            .model
            .properties
            .get("stop-orphan-resources")
            .is_none_or(|v| is_true(v));
        let prim = Prim {
            managed: stop_orphans && !self.model.policy.maintenance_mode,
            maintenance: self.model.policy.maintenance_mode,
            orphan: true,
            is_stonith: stonith,
            next_stopped: true,
            ..Prim::unconfigured(id.to_string(), vec![Some(-INF); n])
        };
        let idx = self.prims.len();
        self.prim_by_id.insert(id.to_string(), idx);
        self.prims.push(prim);
        self.tops.push(Top::Prim(idx));
        idx
    }

    fn unpack_lrm_resource(&mut self, p: usize, node: usize, ops: &[&OpRecord]) {
        let saved_role = self.prims[p].role;
        let mut role = Role::Unknown;
        let mut on_fail = Fail::Ignore;
        let mut last_failure: Option<(String, u64)> = None;
        let ft = self.prims[p].failure_timeout_s;
        for op in ops {
            let task = op.operation.as_str();
            if task == "notify" || task == "meta-data" {
                continue;
            }
            let is_probe = task == "monitor" && op.interval_ms == 0;
            // A failure whose parameters changed since is cleared (check_operation_expiry).
            if op.op_status != 7
                && !self.failure_expired(p, node, op)
                && self.failure_params_changed(p, op)
            {
                self.prims[p].clear_failcount_on.insert(node);
            }
            // Pending operations.
            if op.op_status == -1 || op.call_id == -1 {
                if task == "start" {
                    role = Role::Started;
                    self.prims[p].start_pending = true;
                } else if task == "promote" {
                    role = Role::Promoted;
                }
                continue;
            }
            let mut rc = op.rc;
            if task == "monitor" {
                if rc == 190 {
                    rc = 0;
                } else if rc == 191 {
                    rc = 8;
                }
            }
            let target = op.target_rc.unwrap_or(rc);
            // Masked probe failure: not installed or invalid configuration found by a probe.
            if is_probe && (rc == 5 || rc == 2 || op.op_status == 7) {
                if ft > 0
                    && rc != target
                    && op
                        .last_rc_change
                        .is_some_and(|lrc| self.is_past(lrc + ft - 1))
                    && self.effective_fail_count(p, node) == 0
                {
                    // An expired masked probe failure is forgotten entirely.
                    if role <= Role::Stopped {
                        role = Role::Unknown;
                    }
                    continue;
                }
                role = Role::Stopped;
                self.fail_ban(p, Some(node));
                continue;
            }
            // Outcome: success, failure, hard (ban here) or fatal (ban everywhere).
            #[derive(PartialEq)]
            enum Out {
                Ok,
                Fail,
                Hard,
                Fatal,
            }
            let managed = self.prims[p].managed;
            let mut out;
            let mut new_role: Option<Role> = None;
            if op.op_status != 0 && op.op_status != 4 {
                out = match op.op_status {
                    1 => continue, // cancelled
                    5 | 7 => Out::Hard,
                    6 => Out::Fatal,
                    _ => Out::Fail,
                };
            } else {
                out = if rc == target { Out::Ok } else { Out::Fail };
                match rc {
                    0 if is_probe && target == 7 => out = Out::Ok,
                    7 if is_probe || rc == target || !managed => {
                        out = Out::Ok;
                        new_role = Some(Role::Stopped);
                    }
                    8 => {
                        if is_probe {
                            out = Out::Ok;
                        }
                        new_role = Some(Role::Promoted);
                    }
                    9 | 191 => {
                        out = Out::Fail;
                        new_role = Some(Role::Promoted);
                    }
                    6 => out = Out::Fatal,
                    3 => {
                        out = if op.interval_ms == 0 {
                            Out::Hard
                        } else {
                            Out::Fail
                        }
                    }
                    2 | 4 | 5 => out = Out::Hard,
                    _ => {}
                }
            }
            // failure-timeout: an expired failure is forgotten (check_operation_expiry).
            let mut expired = false;
            if ft > 0 {
                if let Some(lrc) = op.last_rc_change {
                    if self.is_past(lrc + ft - 1) {
                        expired = true;
                        let (fc, _) = self.fail_count(p, node);
                        if fc > 0 {
                            if self.effective_fail_count(p, node) == 0 {
                                self.prims[p].clear_failcount_on.insert(node);
                            } else {
                                expired = false;
                            }
                        }
                    }
                }
            }
            if expired && is_probe && matches!(op.rc, 0 | 7 | 8 | 190 | 191) {
                expired = false;
            }
            if expired && rc != target {
                continue;
            }
            if out == Out::Ok {
                // update_resource_state
                let mut clear = false;
                if let Some(Role::Stopped) = new_role {
                    role = Role::Stopped;
                    on_fail = Fail::Ignore;
                    clear = true;
                } else {
                    match task {
                        "monitor" => {
                            if last_failure
                                .as_ref()
                                .is_some_and(|(t, i)| t == "monitor" && *i == op.interval_ms)
                            {
                                clear = true;
                            }
                            if let Some(Role::Promoted) = new_role {
                                role = Role::Promoted;
                            } else if role < Role::Started {
                                role = Role::Started;
                            }
                        }
                        "start" | "migrate_from" => {
                            role = Role::Started;
                            clear = true;
                        }
                        "stop" => {
                            role = Role::Stopped;
                            clear = true;
                        }
                        "promote" => {
                            role = Role::Promoted;
                            clear = true;
                        }
                        "demote" => {
                            role = Role::Started;
                        }
                        _ => {
                            if role < Role::Started {
                                role = Role::Started;
                            }
                        }
                    }
                }
                if clear
                    && !matches!(
                        on_fail,
                        Fail::Stop | Fail::Fence | Fail::Migrate | Fail::Standby
                    )
                {
                    on_fail = Fail::Ignore;
                }
                continue;
            }
            // A failure.
            let op_fail = self.on_fail_of(p, op);
            if op_fail == Fail::Ignore && op.op_status != 7 {
                self.prims[p].failure_ignored = true;
                match task {
                    "stop" => role = Role::Stopped,
                    "start" | "monitor" | "migrate_from" => {
                        if role < Role::Started {
                            role = Role::Started;
                        }
                    }
                    _ => {
                        if role < Role::Started {
                            role = Role::Started;
                        }
                    }
                }
                continue;
            }
            let op_fail = if op_fail == Fail::Ignore {
                Fail::Migrate
            } else {
                op_fail
            };
            if op_fail > on_fail {
                on_fail = op_fail;
            }
            if op_fail == Fail::Block {
                self.prims[p].block_failed_on.insert(node);
            }
            last_failure = Some((task.to_string(), op.interval_ms));
            if task == "stop" {
                self.rsc_location(p, node, -INF);
            }
            if task == "promote" || new_role == Some(Role::Promoted) {
                role = Role::Promoted;
            } else if role < Role::Started {
                role = Role::Started;
            }
            if op_fail == Fail::Stop {
                self.prims[p].next_stopped = true;
                self.fail_ban(p, None);
            }
            match out {
                Out::Hard => self.fail_ban(p, Some(node)),
                Out::Fatal => self.fail_ban(p, None),
                _ => {}
            }
        }
        self.process_rsc_state(p, node, role, on_fail);
        if saved_role > self.prims[p].role {
            self.prims[p].role = saved_role;
        }
    }

    /// Nodes where an operation configured `on-fail=block` failed: failure-timeout does not
    /// apply to the fail count there.
    fn note_block_failures(&mut self, p: usize, node: usize, ops: &[&OpRecord]) {
        for op in ops {
            let blocks = self.prims[p].ops.iter().any(|o| {
                o.name == op.operation
                    && o.interval_ms == op.interval_ms
                    && (o.on_fail == Some(OnFail::Block)
                        || o.attrs.get("on-fail").is_some_and(|v| v == "block"))
            });
            if blocks && op.target_rc.is_some_and(|t| t != op.rc) {
                self.prims[p].block_failed_on.insert(node);
            }
        }
    }

    fn process_rsc_state(&mut self, p: usize, node: usize, role: Role, mut on_fail: Fail) {
        if role != Role::Unknown {
            self.prims[p].known_on.insert(node);
        }
        let managed = self.prims[p].managed;
        let n = &self.nodes[node];
        if role > Role::Stopped && !n.online && !n.maintenance && managed && self.stonith_enabled {
            let reason = format!("{} is thought to be active there", self.prims[p].id);
            self.nodes[node].fence(&reason);
        }
        if self.nodes[node].unclean {
            on_fail = Fail::Ignore;
        }
        match on_fail {
            Fail::Ignore | Fail::Demote => {}
            Fail::Fence => {
                let reason = format!("{} failed there", self.prims[p].id);
                self.nodes[node].fence(&reason);
            }
            Fail::Standby => self.nodes[node].standby = true,
            Fail::Block => {
                self.prims[p].managed = false;
                self.prims[p].blocked = true;
            }
            Fail::Migrate => self.rsc_location(p, node, -INF),
            Fail::Stop => self.prims[p].next_stopped = true,
            Fail::Recover => {
                if role > Role::Stopped {
                    self.prims[p].failed = true;
                    self.prims[p].stop_flag = true;
                    self.prims[p].recover_on.insert(node);
                }
            }
        }
        if role > Role::Stopped {
            if role > self.prims[p].role || self.prims[p].role == Role::Unknown {
                self.prims[p].role = role;
            }
            if self.prims[p].role < role {
                self.prims[p].role = role;
            }
            self.prims[p].running_on.push(node);
            if self.nodes[node].maintenance {
                self.prims[p].managed = false;
            }
            if !self.prims[p].managed {
                self.rsc_location(p, node, INF);
            }
            if on_fail != Fail::Ignore {
                self.prims[p].failed = true;
                if !matches!(on_fail, Fail::Demote | Fail::Block) {
                    self.prims[p].stop_flag = true;
                }
            }
            let count = if self.prims[p].requires == Requires::Fencing {
                self.prims[p].running_on.len()
            } else {
                self.prims[p]
                    .running_on
                    .iter()
                    .filter(|&&n| self.nodes[n].online && !self.nodes[n].unclean)
                    .count()
            };
            if count > 1 {
                match self.prims[p].multiple_active {
                    MultipleActive::StopOnly => self.ban_everywhere(p),
                    MultipleActive::Block => {
                        // With the group's own multiple-active=block, the whole group blocks.
                        let mut block = vec![p];
                        if let Some(g) = self.prims[p].group {
                            let gid = &self.groups[g].id;
                            let group_blocks = matches!(
                                self.model.resources.get(gid),
                                Some(Resource::Group(gr)) if gr.meta.get("multiple-active").is_some_and(|v| v == "block")
                            );
                            if group_blocks {
                                block = self.groups[g].members.clone();
                            }
                        }
                        for m in block {
                            self.prims[m].managed = false;
                            self.prims[m].blocked = true;
                        }
                    }
                    _ => {}
                }
            }
        } else if self.prims[p].role == Role::Unknown || self.prims[p].role < role {
            self.prims[p].role = role;
        }
    }
}

/// `pe__is_newer_op` as a sort order: by call id, equal call ids by last-rc-change, pending
/// operations (call id -1) last.
pub(crate) fn op_age_cmp(a: &OpRecord, b: &OpRecord) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a.call_id < 0, b.call_id < 0) {
        (true, true) => Equal,
        (true, false) => Greater,
        (false, true) => Less,
        (false, false) if a.call_id != b.call_id => a.call_id.cmp(&b.call_id),
        (false, false) => match (a.last_rc_change, b.last_rc_change) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Equal,
        },
    }
}

fn status_panic(status: &ClusterStatus) -> bool {
    status.no_quorum_panic
}

fn on_fail_name(f: OnFail) -> String {
    match f {
        OnFail::Ignore => "ignore",
        OnFail::Block => "block",
        OnFail::Stop => "stop",
        OnFail::Restart => "restart",
        OnFail::Fence => "fence",
        OnFail::Standby => "standby",
        OnFail::Demote => "demote",
        OnFail::RestartContainer => "restart-container",
    }
    .to_string()
}
