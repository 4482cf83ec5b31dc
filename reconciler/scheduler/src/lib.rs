//! quorate's scheduler: given the desired state (`quorate_schema::Model`) and the observed
//! cluster ([`ClusterStatus`]), decide where every resource runs and which actions get there,
//! as Pacemaker 2.1.5's scheduler decides for the features quorate supports.
//!
//! Pure and deterministic: no clock, no files, no randomness, and every map is ordered, so the
//! same input gives the same [`Schedule`] byte for byte. "Now" (for failure-timeout) is part of
//! the input ([`ClusterStatus::now_epoch_s`]).
//!
//! ```
//! use quorate_scheduler::{schedule, ClusterStatus, NodeState, NodeStatus, Placement};
//! # let model = quorate_scheduler::testkit::model(&["node1", "node2"], &["vip"]);
//! let mut status = ClusterStatus::new(true);
//! status.set_node(NodeStatus::new("node1", Some(NodeState::online())));
//! status.set_node(NodeStatus::new("node2", Some(NodeState::online())));
//! status.running("vip", "node2");
//! let s = schedule(&model, &status);
//! assert_eq!(s.placements["vip"], Placement::On("node2".into()));
//! assert!(s.transition.actions.iter().all(|a| a.kind == quorate_scheduler::ActionKind::Probe));
//! ```
//!
//! The pipeline follows Pacemaker's (`pcmk__schedule_actions`): unpack nodes, resources and
//! history (`unpack`); location constraints, stickiness and fail-count bans; assignment with
//! colocations (`assign`); action creation, fencing, orderings and flag propagation (`actions`).
//! Clones of primitives become instances `R:0`, `R:1`, ... (`clone`); promotable clones' roles
//! are decided in `promote`.

mod actions;
mod assign;
mod clone;
#[cfg(test)]
mod clone_tests;
pub mod digest;
mod promote;
pub mod score;
pub mod status;
pub mod testkit;
#[cfg(test)]
mod tests;
pub mod transition;
mod unfence;
mod unpack;

pub use status::{
    ClusterStatus, Digest, NodeKind, NodeState, NodeStatus, OpDigests, OpRecord, PartialDigest,
    ResourceHistory, StatusError,
};
pub use transition::{Action, ActionKind, Placement, Schedule, Transition};

use quorate_schema::model::Model;

/// Schedules `model` against `status`: the placement of every primitive and the transition.
pub fn schedule(model: &Model, status: &ClusterStatus) -> Schedule {
    let mut ws = unpack::WorkingSet::new(model, status);
    ws.apply_node_criteria();
    // After the node criteria, as in Pacemaker: a fail count cleared for a definition change
    // does not lift the migration-threshold ban of this transition.
    ws.check_definition_changes();
    let co = ws.build_colocations();
    ws.assign_all(&co);
    let mut sched = ws.transition(&co);
    sched.unsupported = unsupported(model);
    sched
}

/// What `model` asks for that [`schedule`] does not decide as Pacemaker would, in id order.
pub fn unsupported(model: &Model) -> Vec<String> {
    use quorate_schema::model::{Constraint, OrderSpec, Resource};
    let mut out = Vec::new();
    let is_true = |v: Option<&String>| {
        v.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1"))
    };
    for r in model.resources.values() {
        let Resource::Clone(c) = r else { continue };
        if matches!(model.resources.get(&c.child), Some(Resource::Group(_))) {
            out.push(format!(
                "clone {} of group {} is not scheduled yet: its members are left out of the transition",
                c.id, c.child
            ));
        }
        if is_true(c.meta.get("globally-unique")) {
            out.push(format!(
                "clone {} is globally-unique: it is scheduled as an anonymous clone",
                c.id
            ));
        }
    }
    let clone_of = |id: &str| match model.resources.get(id) {
        Some(Resource::Clone(c)) => Some(c),
        _ => None,
    };
    for c in &model.constraints {
        let Constraint::Order(o) = c else { continue };
        let OrderSpec::Pair { first, then, .. } = &o.spec else {
            continue;
        };
        let (Some(first), Some(then)) = (clone_of(first), clone_of(then)) else {
            continue;
        };
        if is_true(then.meta.get("interleave")) {
            out.push(format!(
                "order {} between clones {} and {} is interleaved: it is scheduled as if it were not",
                o.id, first.id, then.id
            ));
        }
    }
    out
}
