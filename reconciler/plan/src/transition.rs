//! The physical side of a plan: what the scheduler does when the new desired state meets the
//! cluster (every start, stop, move, promote, demote and fence, per node), and what happens if a
//! node fails right after the change.

use quorate_scheduler::{
    schedule, ActionKind, ClusterStatus, NodeState, NodeStatus, OpRecord, Placement,
    ResourceHistory, Schedule,
};
use quorate_schema::Model;
use serde::Serialize;
use std::collections::BTreeMap;

/// The transition of a plan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TransitionView {
    /// Every action but probes, as `start R on N`, `stop R on N`, `fence N`, sorted.
    pub actions: Vec<String>,
    /// Resources that change node: `{ resource, from, to }`.
    pub moves: Vec<Move>,
    /// Resources that end up stopped (not running anywhere).
    pub stopped: Vec<String>,
    /// Actions per node.
    pub by_node: BTreeMap<String, Vec<String>>,
    /// Counts per verb (`start`, `stop`, `move`, `promote`, `demote`, `fence`).
    pub counts: BTreeMap<String, usize>,
    /// What the scheduler does not decide yet for this configuration (see
    /// `quorate_scheduler::unsupported`): the transition may be incomplete there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<String>,
}

/// A resource moving between nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// The resource.
    pub resource: String,
    /// Where it runs now.
    pub from: String,
    /// Where it will run.
    pub to: String,
}

/// What happens when one node fails right after the change.
#[derive(Clone, Debug, Serialize)]
pub struct WhatIf {
    /// The node that fails.
    pub node: String,
    /// Whether the survivors keep quorum.
    pub quorate: bool,
    /// Votes of the survivors, and votes needed.
    pub votes: (u32, u32),
    /// Where the failed node's resources go.
    pub moves: Vec<Move>,
    /// Resources that end up stopped.
    pub stopped: Vec<String>,
    /// Whether the node is fenced first.
    pub fenced: bool,
}

/// A status in which every node of `model` is online and quorate and has probed every
/// resource, with resources running where `placements` says (nothing running when `None`).
///
/// "Probed everywhere" is the scheduler's [`ClusterStatus::probed_everywhere`] flag rather than
/// one probe record per resource and node, so neither the status nor the schedule grows with
/// resources x nodes, and the schedule plans no probes.
pub fn healthy_status(
    model: &Model,
    placements: Option<&BTreeMap<String, Placement>>,
) -> ClusterStatus {
    let mut st = ClusterStatus::new(true);
    st.probed_everywhere = true;
    for n in &model.nodes {
        st.set_node(NodeStatus::new(&n.name, Some(NodeState::online())));
    }
    if let Some(p) = placements {
        // One successful start per running instance, built directly: `ClusterStatus::running`
        // searches the history on every call, which is quadratic for thousands of resources.
        let mut call_id: i64 = 0;
        for (rsc, place) in p {
            let nodes: Vec<&String> = match place {
                Placement::On(n) => vec![n],
                Placement::Many(ns) => ns.iter().collect(),
                Placement::Stopped => Vec::new(),
            };
            for n in nodes.into_iter().filter(|n| model.node(n).is_some()) {
                call_id += 1;
                st.history.push(ResourceHistory {
                    node: n.clone(),
                    resource: rsc.clone(),
                    class: None,
                    ops: vec![OpRecord::done("start", 0, 0, 0, call_id)],
                });
            }
        }
    }
    st
}

/// The converged placement of `model` on a healthy cluster whose nodes have all been probed
/// (nothing found running), so the scheduler places without planning a probe per resource
/// and node.
pub fn converged(model: &Model) -> BTreeMap<String, Placement> {
    schedule(model, &healthy_status(model, None)).placements
}

fn node_of(p: Option<&Placement>) -> Option<&str> {
    match p {
        Some(Placement::On(n)) => Some(n),
        _ => None,
    }
}

/// Summarises a schedule relative to where resources ran before.
pub fn view(before: &BTreeMap<String, Placement>, s: &Schedule) -> TransitionView {
    let mut v = TransitionView {
        unsupported: s.unsupported.clone(),
        ..TransitionView::default()
    };
    for a in s
        .transition
        .actions
        .iter()
        .filter(|a| a.kind != ActionKind::Probe)
    {
        let text = a.to_string();
        v.by_node
            .entry(a.node.clone())
            .or_default()
            .push(text.clone());
        v.actions.push(text);
        *v.counts.entry(a.kind.verb().to_string()).or_default() += 1;
    }
    v.actions.sort();
    v.actions.dedup();
    for list in v.by_node.values_mut() {
        list.sort();
        list.dedup();
    }
    for (rsc, after) in &s.placements {
        match (node_of(before.get(rsc)), after) {
            (Some(from), Placement::On(to)) if from != to => v.moves.push(Move {
                resource: rsc.clone(),
                from: from.to_string(),
                to: to.clone(),
            }),
            (_, Placement::Stopped) => v.stopped.push(rsc.clone()),
            _ => {}
        }
    }
    if !v.moves.is_empty() {
        v.counts.insert("move".into(), v.moves.len());
    }
    v
}

/// The transition from `before` (converged and healthy) to `after`.
pub fn transition_from_base(before: &Model, after: &Model) -> TransitionView {
    transition_from_converged(before, &converged(before), after)
}

/// As [`transition_from_base`], with `placed` = [`converged`]`(before)` already computed (the
/// CLI computes it on the thread that loads the base, while the new state loads).
pub fn transition_from_converged(
    before: &Model,
    placed: &BTreeMap<String, Placement>,
    after: &Model,
) -> TransitionView {
    let status = healthy_status(after, Some(placed));
    let s = schedule(after, &status);
    let mut v = view(placed, &s);
    add_definition_restarts(before, after, placed, &s, &mut v);
    v
}

/// Pacemaker restarts a running primitive whose definition (agent or parameters) changed, and
/// with it the members that follow it in its group. The scheduler sees no operation digests in
/// a synthetic status, so the plan adds these restarts itself.
fn add_definition_restarts(
    before: &Model,
    after: &Model,
    placed: &BTreeMap<String, Placement>,
    s: &Schedule,
    v: &mut TransitionView,
) {
    fn prim<'m>(m: &'m Model, id: &str) -> Option<&'m quorate_schema::model::Primitive> {
        m.primitive(id).or_else(|| m.fence_devices.get(id))
    }
    let mut restart: Vec<String> = Vec::new();
    let ids: Vec<&String> = after
        .resources
        .keys()
        .chain(after.fence_devices.keys())
        .collect();
    for id in ids {
        let (Some(new), Some(old)) = (prim(after, id), prim(before, id)) else {
            continue;
        };
        if new.agent == old.agent && new.params == old.params {
            continue;
        }
        if !restart.contains(id) {
            restart.push(id.clone());
        }
        if let Some(quorate_schema::model::Resource::Group(g)) = after.parent_of(id) {
            let pos = g.members.iter().position(|m| m == id).unwrap_or(0);
            for m in &g.members[pos + 1..] {
                if !restart.contains(m) {
                    restart.push(m.clone());
                }
            }
        }
    }
    for id in restart {
        // Nodes where it runs before and after: a move is already shown; a clone's instances
        // restart on every node they stay on.
        let staying: Vec<&String> = match (placed.get(&id), s.placements.get(&id)) {
            (Some(Placement::On(from)), Some(Placement::On(to))) if from == to => vec![to],
            (Some(Placement::Many(from)), Some(Placement::Many(to))) => {
                to.iter().filter(|n| from.contains(n)).collect()
            }
            _ => Vec::new(),
        };
        for to in staying {
            let text = format!("restart {id} on {to}");
            if !v.actions.contains(&text) {
                v.actions.push(text.clone());
                v.by_node.entry(to.clone()).or_default().push(text);
                *v.counts.entry("restart".into()).or_default() += 1;
            }
        }
    }
    v.actions.sort();
}

/// Where resources run according to a recorded status: the last operation of each resource on
/// each node decides (a successful start, promote or monitor means running).
pub fn active_in(live: &ClusterStatus) -> BTreeMap<String, Placement> {
    let mut out: BTreeMap<String, Placement> = BTreeMap::new();
    for h in &live.history {
        let Some(last) = h
            .ops
            .iter()
            .filter(|o| o.op_status == 0)
            .max_by_key(|o| o.call_id)
        else {
            continue;
        };
        let running = match last.operation.as_str() {
            "stop" => false,
            "monitor" => matches!(last.rc, 0 | 8),
            "start" | "promote" | "demote" | "migrate_from" => last.rc == 0,
            _ => false,
        };
        if !running {
            continue;
        }
        let entry = out.entry(h.resource.clone()).or_insert(Placement::Stopped);
        *entry = match std::mem::replace(entry, Placement::Stopped) {
            Placement::Stopped => Placement::On(h.node.clone()),
            Placement::On(n) => Placement::Many(vec![n, h.node.clone()]),
            Placement::Many(mut ns) => {
                ns.push(h.node.clone());
                Placement::Many(ns)
            }
        };
    }
    out
}

/// The transition from a recorded live status to `after`.
pub fn transition_from_live(live: &ClusterStatus, after: &Model) -> TransitionView {
    view(&active_in(live), &schedule(after, live))
}

/// For each node of `after`: what happens if it fails once `after` is converged.
pub fn what_if_node_failure(after: &Model) -> Vec<WhatIf> {
    let placed = converged(after);
    let (expected, quorum) = votes(after);
    let mut out = Vec::new();
    for failed in &after.nodes {
        let survivors: u32 = after
            .nodes
            .iter()
            .filter(|n| n.name != failed.name)
            .map(|n| n.votes)
            .sum();
        let quorate = survivors >= quorum && expected > 0;
        let mut st = healthy_status(after, Some(&placed));
        st.have_quorum = quorate;
        st.set_node(NodeStatus::new(&failed.name, Some(NodeState::lost())));
        let s = schedule(after, &st);
        let v = view(&placed, &s);
        out.push(WhatIf {
            node: failed.name.clone(),
            quorate,
            votes: (survivors, quorum),
            moves: v.moves,
            stopped: v.stopped,
            fenced: s
                .transition
                .actions
                .iter()
                .any(|a| a.kind == ActionKind::Fence && a.node == failed.name),
        });
    }
    out
}

/// Expected votes and quorum of a model, as votequorum computes them.
pub fn votes(m: &Model) -> (u32, u32) {
    let total: u32 = m.nodes.iter().map(|n| n.votes).sum();
    let expected = m.quorum.expected_votes.unwrap_or(total);
    let quorum = if m.quorum.two_node && expected == 2 {
        1
    } else {
        expected / 2 + 1
    };
    (expected, quorum)
}
