//! The plan: what changes between two desired states, object by object, and what that means
//! for Corosync (reload or restart) and quorum (expected votes).

use crate::objects::{masked, objects, objects_against, KINDS};
use quorate_schema::emit::entry_to_yaml;
use quorate_schema::types::ClusterDoc;
use serde::Serialize;
use serde_json::Value;

/// Version of the plan's JSON format. Bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// A plan.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// Counts.
    pub summary: Summary,
    /// Changed objects in plan order.
    pub objects: Vec<ObjectChange>,
    /// What the change needs from Corosync and does to quorum.
    pub corosync: CorosyncImpact,
    /// Policy findings of validation on the new state (warnings), as `file:line:col: message`.
    pub findings: Vec<String>,
    /// What the scheduler does to the cluster, when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<crate::TransitionView>,
    /// For each node, what happens if it fails right after the change (`--what-if`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub what_if: Vec<crate::WhatIf>,
}

/// How many objects are added, changed and removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Added objects.
    pub add: usize,
    /// Changed objects.
    pub change: usize,
    /// Removed objects.
    pub remove: usize,
}

/// What happens to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// New.
    Add,
    /// Modified.
    Change,
    /// Gone.
    Remove,
}

/// One changed object. Secret references are shown as `(sensitive)`.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectChange {
    /// `resource`, `node`, `constraint`, ...
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Add, change or remove.
    pub action: Action,
    /// Changed fields (JSON pointers into the object), with values before and after.
    pub changes: Vec<FieldChange>,
    /// The object before (absent when added).
    pub before: Option<Value>,
    /// The object after (absent when removed).
    pub after: Option<Value>,
    /// Unified diff of the object's YAML.
    pub diff: String,
}

/// One changed field.
#[derive(Clone, Debug, Serialize)]
pub struct FieldChange {
    /// JSON pointer into the object (`/params/ip`).
    pub field: String,
    /// Value before (null when absent).
    pub before: Value,
    /// Value after (null when absent).
    pub after: Value,
}

/// How Corosync takes the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorosyncAction {
    /// `corosync-cfgtool -R` on every node applies it.
    Reload,
    /// Every node's corosync must restart together: nodes with different settings cannot form
    /// one ring (transport, crypto, links, cluster name).
    Restart,
}

/// Corosync-level consequences of a plan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CorosyncImpact {
    /// The strongest action needed, if any.
    pub action: Option<CorosyncAction>,
    /// Why, one line each.
    pub reasons: Vec<String>,
    /// Expected votes before and after.
    pub expected_votes: (u32, u32),
    /// Votes needed for quorum before and after.
    pub quorum: (u32, u32),
}

/// Votequorum's expected votes and quorum of a document.
pub fn votes(doc: &ClusterDoc) -> (u32, u32) {
    let total: u32 = doc.nodes.iter().map(|n| n.quorum_votes.unwrap_or(1)).sum();
    let q = doc.quorum.clone().unwrap_or_default();
    let expected = q.expected_votes.unwrap_or(total);
    let quorum = if q.two_node == Some(true) && expected == 2 {
        1
    } else {
        expected / 2 + 1
    };
    (expected, quorum)
}

/// The leaf-level differences between two values.
fn field_changes(a: &Value, b: &Value, path: &str, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                field_changes(p, q, &format!("{path}/{k}"), out);
            }
        }
        _ if a != b => out.push(FieldChange {
            field: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

/// The shortest prefix of `pointer` that is a masked secret in `v`.
fn sensitive_prefix(v: &Value, pointer: &str) -> Option<String> {
    let mut p = String::new();
    for seg in pointer.split('/').skip(1) {
        p.push('/');
        p.push_str(seg);
        if v.pointer(&p) == Some(&Value::String("(sensitive)".into())) {
            return Some(p);
        }
    }
    None
}

fn yaml_of(id: &str, v: &Value) -> String {
    entry_to_yaml(id, v)
}

/// The plan from `before` to `after`. `findings` are validation warnings on `after`.
pub fn plan(before: &ClusterDoc, after: &ClusterDoc, findings: Vec<String>) -> Plan {
    plan_from(objects(before), objects(after), before, after, findings)
}

/// As [`plan`], with both documents' models at hand (saves lowering them again).
pub fn plan_with_models(
    before: (&ClusterDoc, &quorate_schema::Model),
    after: (&ClusterDoc, &quorate_schema::Model),
    findings: Vec<String>,
) -> Plan {
    // Objects equal on both sides are left as null on both: only changed ones are serialized.
    let a = objects_against(before.0, Some(before.1), Some(after.0));
    let b = objects_against(after.0, Some(after.1), Some(before.0));
    plan_from(a, b, before.0, after.0, findings)
}

fn plan_from(
    a: std::collections::BTreeMap<(usize, String), Value>,
    b: std::collections::BTreeMap<(usize, String), Value>,
    before: &ClusterDoc,
    after: &ClusterDoc,
    findings: Vec<String>,
) -> Plan {
    let mut keys: Vec<&(usize, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut changes = Vec::new();
    let mut summary = Summary::default();
    for key in keys {
        let (x, y) = (a.get(key), b.get(key));
        if x == y {
            continue;
        }
        let action = match (x, y) {
            (None, Some(_)) => Action::Add,
            (Some(_), None) => Action::Remove,
            _ => Action::Change,
        };
        match action {
            Action::Add => summary.add += 1,
            Action::Change => summary.change += 1,
            Action::Remove => summary.remove += 1,
        }
        let (mx, my) = (x.map(masked), y.map(masked));
        let mut fields = Vec::new();
        if let (Some(x), Some(y)) = (x, y) {
            field_changes(x, y, "", &mut fields);
            let (mxx, myy) = (masked(x), masked(y));
            for f in &mut fields {
                // A changed secret reference shows as changed, without its value.
                if let Some(p) =
                    sensitive_prefix(&mxx, &f.field).or_else(|| sensitive_prefix(&myy, &f.field))
                {
                    let shown = |v: &Value| v.pointer(&p).map_or(Value::Null, Clone::clone);
                    f.before = shown(&mxx);
                    f.after = shown(&myy);
                    f.field = p;
                }
            }
            fields.dedup_by(|l, r| l.field == r.field);
        }
        let id = key.1.clone();
        let old = mx.as_ref().map(|v| yaml_of(&id, v)).unwrap_or_default();
        let new = my.as_ref().map(|v| yaml_of(&id, v)).unwrap_or_default();
        let diff = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header("before", "after")
            .to_string();
        changes.push(ObjectChange {
            kind: KINDS[key.0].to_string(),
            id,
            action,
            changes: fields,
            before: mx,
            after: my,
            diff,
        });
    }
    let corosync = corosync_impact(before, after, &changes);
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        summary,
        objects: changes,
        corosync,
        findings,
        transition: None,
        what_if: Vec::new(),
    }
}

fn corosync_impact(
    before: &ClusterDoc,
    after: &ClusterDoc,
    changes: &[ObjectChange],
) -> CorosyncImpact {
    let mut reasons = Vec::new();
    let mut action: Option<CorosyncAction> = None;
    let mut need = |a: CorosyncAction, why: String, reasons: &mut Vec<String>| {
        action = Some(action.map_or(a, |x| x.max(a)));
        reasons.push(why);
    };
    const RESTART_TOTEM: &[&str] = &["/transport", "/crypto", "/interfaces", "/ip_version"];
    for c in changes {
        match (c.kind.as_str(), c.action) {
            ("cluster", _) => need(
                CorosyncAction::Restart,
                "the cluster name changes".into(),
                &mut reasons,
            ),
            ("node", Action::Add) => need(
                CorosyncAction::Reload,
                format!("node {} joins the nodelist", c.id),
                &mut reasons,
            ),
            ("node", Action::Remove) => need(
                CorosyncAction::Reload,
                format!("node {} leaves the nodelist", c.id),
                &mut reasons,
            ),
            ("node", Action::Change) => {
                for f in &c.changes {
                    if f.field == "/id" {
                        need(
                            CorosyncAction::Restart,
                            format!("node {} changes nodeid", c.id),
                            &mut reasons,
                        );
                    } else if f.field.starts_with("/addrs") || f.field == "/quorum_votes" {
                        need(
                            CorosyncAction::Reload,
                            format!("node {} changes {}", c.id, &f.field[1..]),
                            &mut reasons,
                        );
                    }
                }
            }
            ("totem", _) => {
                for f in &c.changes {
                    if RESTART_TOTEM.iter().any(|p| f.field.starts_with(p))
                        || c.action != Action::Change
                    {
                        need(
                            CorosyncAction::Restart,
                            format!("totem {} changes", f.field.trim_start_matches('/')),
                            &mut reasons,
                        );
                    } else {
                        need(
                            CorosyncAction::Reload,
                            format!("totem {} changes", f.field.trim_start_matches('/')),
                            &mut reasons,
                        );
                    }
                }
                if c.changes.is_empty() {
                    need(
                        CorosyncAction::Restart,
                        "the totem section changes".into(),
                        &mut reasons,
                    );
                }
            }
            ("quorum", _) => need(
                CorosyncAction::Reload,
                "votequorum settings change".into(),
                &mut reasons,
            ),
            _ => {}
        }
    }
    let (e0, q0) = votes(before);
    let (e1, q1) = votes(after);
    CorosyncImpact {
        action,
        reasons,
        expected_votes: (e0, e1),
        quorum: (q0, q1),
    }
}

impl Plan {
    /// True when anything changes, in the configuration or in the cluster.
    pub fn has_changes(&self) -> bool {
        !self.objects.is_empty()
            || self
                .transition
                .as_ref()
                .is_some_and(|t| !t.actions.is_empty())
    }

    /// The one-line summary: `3 to add, 1 to change, 0 to remove; transition: 2 starts, 1 move`.
    pub fn summary_line(&self) -> String {
        let s = self.summary;
        let mut line = format!(
            "{} to add, {} to change, {} to remove",
            s.add, s.change, s.remove
        );
        if let Some(t) = &self.transition {
            let parts: Vec<String> = [
                "fence", "stop", "start", "restart", "move", "demote", "promote",
            ]
            .iter()
            .filter_map(|k| {
                let n = *t.counts.get(*k)?;
                let plural = if n == 1 {
                    ""
                } else if k.ends_with('h') {
                    "es"
                } else {
                    "s"
                };
                Some(format!("{n} {k}{plural}"))
            })
            .collect();
            line.push_str("; transition: ");
            line.push_str(&if parts.is_empty() {
                "nothing to do".into()
            } else {
                parts.join(", ")
            });
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorate_schema::{load_sources, lower_unvalidated};

    fn load(yaml: &str) -> quorate_schema::Loaded {
        let l = load_sources(vec![("c.yaml".into(), yaml.into())]);
        assert!(!l.diags.fails(false), "{:?}", l.diags);
        l
    }

    /// `plan_with_models` leaves objects equal on both sides out before serializing them; the
    /// plan must be the one `plan` makes from every object.
    #[test]
    fn plan_with_models_equals_plan() {
        let base = "cluster: c\nnodes:\n  - { name: n1, id: 1, addrs: [a] }\n  - { name: n2, id: 2, addrs: [b] }\nresources:\n  keep: { agent: 'ocf:pacemaker:Dummy' }\n  change: { agent: 'ocf:pacemaker:Dummy', params: { state: /a } }\n  gone: { agent: 'ocf:pacemaker:Dummy' }\ngroups:\n  g: [keep, change]\nconstraints:\n  location:\n    - { resource: keep, node: n1, score: 10 }\n";
        let new = "cluster: c\nnodes:\n  - { name: n1, id: 1, addrs: [a] }\n  - { name: n2, id: 2, addrs: [c] }\nresources:\n  keep: { agent: 'ocf:pacemaker:Dummy' }\n  change: { agent: 'ocf:pacemaker:Dummy', params: { state: /b } }\n  new: { agent: 'ocf:pacemaker:Dummy' }\ngroups:\n  g: [keep, change]\nconstraints:\n  location:\n    - { resource: keep, node: n1, score: 20 }\n";
        let (b, n) = (load(base), load(new));
        let (bm, nm) = (lower_unvalidated(&b).0, lower_unvalidated(&n).0);
        let whole = plan(&b.doc, &n.doc, Vec::new());
        let fast = plan_with_models((&b.doc, &bm), (&n.doc, &nm), Vec::new());
        // Added: `new` and the location (its id holds the score); changed: n2 and `change`.
        assert_eq!(
            whole.summary,
            Summary {
                add: 2,
                change: 2,
                remove: 2
            }
        );
        assert_eq!(
            serde_json::to_string(&fast).expect("serializes"),
            serde_json::to_string(&whole).expect("serializes")
        );
    }
}
