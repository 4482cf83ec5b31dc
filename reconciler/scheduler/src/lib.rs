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
    ws.transition(&co)
}
