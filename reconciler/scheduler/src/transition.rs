//! The scheduler's output: where every resource ends up, and the transition (actions with the
//! ordering edges between them) that gets it there, in the vocabulary of `crm_simulate`.

use std::collections::BTreeMap;

/// What an action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// A one-off monitor (`monitor_0`) that finds out whether the resource runs on a node.
    Probe,
    /// Stop a resource on a node.
    Stop,
    /// Start a resource on a node.
    Start,
    /// Demote a promoted instance.
    Demote,
    /// Promote an instance.
    Promote,
    /// Fence (reboot or off) a node.
    Fence,
    /// Let a node that asked to leave shut down.
    Shutdown,
    /// Clear a resource's expired fail count on a node.
    ClearFailcount,
    /// Apply changed parameters to a running resource with its agent's reload.
    Reload,
    /// Unfence a node (fence it with the `on` action) before it runs what needs unfencing.
    Unfence,
}

impl ActionKind {
    /// The verb as `pcmk-oracle.sh` prints it.
    pub fn verb(self) -> &'static str {
        match self {
            ActionKind::Probe => "probe",
            ActionKind::Stop => "stop",
            ActionKind::Start => "start",
            ActionKind::Demote => "demote",
            ActionKind::Promote => "promote",
            ActionKind::Fence => "fence",
            ActionKind::Shutdown => "shutdown",
            ActionKind::ClearFailcount => "clear_failcount",
            ActionKind::Reload => "reload",
            ActionKind::Unfence => "unfence",
        }
    }
}

/// One action of a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// The resource (none for node actions).
    pub resource: Option<String>,
    /// The node it runs on (for fencing: the target).
    pub node: String,
    /// Why, when the scheduler knows (`node availability`, `rsc1 failed there`, ...).
    pub reason: Option<String>,
}

impl Action {
    /// The resource as Pacemaker's transition graph names it: an anonymous clone instance
    /// (`R:1`) by its primitive's id (`R`); everything else by its own id.
    pub fn graph_resource(&self) -> Option<&str> {
        let r = self.resource.as_deref()?;
        Some(match r.rsplit_once(':') {
            Some((base, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => base,
            _ => r,
        })
    }

    /// The action as `pcmk-oracle.sh` prints it (`start R on node1` for instance `R:0`).
    pub fn graph_string(&self) -> String {
        match self.graph_resource() {
            Some(r) => format!("{} {r} on {}", self.kind.verb(), self.node),
            None => format!("{} {}", self.kind.verb(), self.node),
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.resource, self.kind) {
            (Some(r), k) => write!(f, "{} {r} on {}", k.verb(), self.node),
            (None, k) => write!(f, "{} {}", k.verb(), self.node),
        }
    }
}

/// The actions and the edges `(before, after)` between them, by index into `actions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transition {
    /// Actions in a stable order (fencing first, then by resource order).
    pub actions: Vec<Action>,
    /// Ordering edges: `actions[a]` must complete before `actions[b]` starts.
    pub edges: Vec<(usize, usize)>,
}

/// Where a resource runs after the transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Not running.
    Stopped,
    /// Running on one node.
    On(String),
    /// Running on several nodes (multiply active and not recoverable, or a clone).
    Many(Vec<String>),
}

/// The full result of one scheduler run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Every primitive (and active orphan) by id: where it runs once the transition completes;
    /// a clone's primitive by its own id, on the sorted list of its instances' nodes.
    pub placements: BTreeMap<String, Placement>,
    /// The node each primitive was assigned to (its target), `None` when it cannot run.
    pub targets: BTreeMap<String, Option<String>>,
    /// The transition.
    pub transition: Transition,
    /// `crm_simulate`-style "Transition Summary" lines (Start, Stop, Move, Recover, Restart,
    /// Fence, Shutdown), fencing first, then resources in configuration order.
    pub summary: Vec<String>,
    /// What the model asks for that this scheduler does not decide yet (a clone of a group,
    /// a globally-unique clone, an interleaved order), one sentence each, so that callers
    /// can say so instead of presenting a partial transition as Pacemaker's.
    pub unsupported: Vec<String>,
}

impl Schedule {
    /// Actions as `pcmk-oracle.sh` prints them (sorted, de-duplicated); probes and fail-count
    /// clearing only with `monitors`.
    pub fn action_strings(&self, monitors: bool) -> Vec<String> {
        let mut v: Vec<String> = self
            .transition
            .actions
            .iter()
            .filter(|a| {
                monitors || !matches!(a.kind, ActionKind::Probe | ActionKind::ClearFailcount)
            })
            .map(Action::graph_string)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// `{"placements": {...}, "actions": [...]}` exactly as `pcmk-oracle.sh` shapes it.
    pub fn to_json(&self) -> serde_json::Value {
        let mut placements = serde_json::Map::new();
        for (id, p) in &self.placements {
            let v = match p {
                Placement::Stopped => serde_json::Value::Null,
                Placement::On(n) => serde_json::Value::String(n.clone()),
                Placement::Many(ns) => serde_json::Value::Array(
                    ns.iter()
                        .map(|n| serde_json::Value::String(n.clone()))
                        .collect(),
                ),
            };
            placements.insert(id.clone(), v);
        }
        let actions = self
            .action_strings(false)
            .into_iter()
            .map(serde_json::Value::String)
            .collect();
        let mut o = serde_json::Map::new();
        o.insert("actions".into(), serde_json::Value::Array(actions));
        o.insert("placements".into(), serde_json::Value::Object(placements));
        serde_json::Value::Object(o)
    }
}
