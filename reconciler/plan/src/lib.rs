//! quorate-plan: the dry-run diff CI shows on every change to a cluster's desired state: each
//! object added, changed or removed (with a unified diff of its YAML), what Corosync needs to
//! take the change (reload or restart) and what it does to quorum. Pure: two documents in, a
//! [`Plan`] out, rendered as text, JSON ([`PLAN_FORMAT_VERSION`]) or Markdown. Secret
//! references appear only as `(sensitive)`.

pub mod objects;
mod plan;
pub mod render;
pub mod snapshot;
mod transition;

pub use plan::{
    plan, plan_with_models, votes, Action, CorosyncAction, CorosyncImpact, FieldChange,
    ObjectChange, Plan, Summary, PLAN_FORMAT_VERSION,
};
pub use transition::{
    active_in, converged, healthy_status, transition_from_base, transition_from_converged,
    transition_from_live, what_if_node_failure, Move, TransitionView, WhatIf,
};
