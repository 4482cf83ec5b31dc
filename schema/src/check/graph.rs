//! Whole-graph checks: order cycles, and colocations or locations that contradict each other.

use super::Cx;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::types::{Action, OrderKind, Score};
use std::collections::{BTreeMap, BTreeSet};

/// Runs the graph checks.
pub fn check(cx: &mut Cx<'_>, m: &Model) {
    order_cycles(cx, m);
    colocation_contradictions(cx, m);
}

type Act = (String, Action);

fn inverse(a: Action) -> Action {
    match a {
        Action::Start => Action::Stop,
        Action::Stop => Action::Start,
        Action::Promote => Action::Demote,
        Action::Demote => Action::Promote,
    }
}

/// Edges `before -> after` with the id of the constraint (or group) that implies each.
fn order_edges(m: &Model) -> Vec<(Act, Act, String)> {
    let mut edges = Vec::new();
    let mut add = |a: Act, b: Act, src: &str, symmetrical: bool| {
        if symmetrical {
            edges.push((
                (b.0.clone(), inverse(b.1)),
                (a.0.clone(), inverse(a.1)),
                src.to_string(),
            ));
        }
        edges.push((a, b, src.to_string()));
    };
    for r in m.resources.values() {
        if let Resource::Group(g) = r {
            for w in g.members.windows(2) {
                add(
                    (w[0].clone(), Action::Start),
                    (w[1].clone(), Action::Start),
                    &format!("group {}", g.id),
                    true,
                );
            }
        }
    }
    for c in &m.constraints {
        let Constraint::Order(o) = c else { continue };
        if o.kind == OrderKind::Serialize {
            continue;
        }
        let sym = o.symmetrical.unwrap_or(true);
        match &o.spec {
            OrderSpec::Pair {
                first,
                first_action,
                then,
                then_action,
            } => add(
                (first.clone(), *first_action),
                (then.clone(), *then_action),
                &o.id,
                sym,
            ),
            OrderSpec::Sets(sets) => {
                for s in sets {
                    let a = s.action.unwrap_or(Action::Start);
                    if s.sequential.unwrap_or(true) {
                        for w in s.resources.windows(2) {
                            add((w[0].clone(), a), (w[1].clone(), a), &o.id, sym);
                        }
                    }
                }
                for w in sets.windows(2) {
                    let (a, b) = (
                        w[0].action.unwrap_or(Action::Start),
                        w[1].action.unwrap_or(Action::Start),
                    );
                    for x in &w[0].resources {
                        for y in &w[1].resources {
                            add((x.clone(), a), (y.clone(), b), &o.id, sym);
                        }
                    }
                }
            }
        }
    }
    edges
}

fn order_cycles(cx: &mut Cx<'_>, m: &Model) {
    let edges = order_edges(m);
    let mut adj: BTreeMap<&Act, Vec<(&Act, &str)>> = BTreeMap::new();
    for (a, b, src) in &edges {
        adj.entry(a).or_default().push((b, src));
    }
    // Find cycles by depth-first search; report each set of constraints once.
    let mut reported: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    let mut done: BTreeSet<&Act> = BTreeSet::new();
    let starts: Vec<&Act> = adj.keys().copied().collect();
    for s in starts {
        if done.contains(s) {
            continue;
        }
        let mut stack: Vec<(&Act, usize)> = vec![(s, 0)];
        let mut on_path: Vec<(&Act, &str)> = vec![(s, "")];
        let mut visiting: BTreeSet<&Act> = BTreeSet::from([s]);
        while let Some((node, idx)) = stack.pop() {
            let next = adj.get(node).and_then(|v| v.get(idx)).copied();
            match next {
                None => {
                    done.insert(node);
                    visiting.remove(node);
                    on_path.pop();
                }
                Some((to, src)) => {
                    stack.push((node, idx + 1));
                    if visiting.contains(to) {
                        let pos = on_path.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let mut cycle: Vec<(&Act, &str)> = on_path[pos..].to_vec();
                        cycle.push((to, src));
                        let srcs: BTreeSet<String> =
                            cycle.iter().skip(1).map(|(_, s)| s.to_string()).collect();
                        if reported.insert(srcs.clone()) {
                            report_cycle(cx, &cycle, &srcs);
                        }
                    } else if !done.contains(to) {
                        visiting.insert(to);
                        on_path.push((to, src));
                        stack.push((to, 0));
                    }
                }
            }
        }
    }
}

fn report_cycle(cx: &mut Cx<'_>, cycle: &[(&Act, &str)], srcs: &BTreeSet<String>) {
    let path: Vec<String> = cycle
        .iter()
        .map(|((r, a), _)| format!("{} {r}", a.as_str()))
        .collect();
    let constraint_srcs: Vec<&String> = srcs.iter().filter(|s| !s.starts_with("group ")).collect();
    let Some(first) = constraint_srcs.first() else {
        return;
    };
    let mut d = Diagnostic::error(
        "order-cycle",
        cx.at_id(first),
        format!("order constraints form a cycle: {}", path.join(" -> ")),
    )
    .with_hint("remove or reverse one of the orders in the cycle");
    for s in constraint_srcs.iter().skip(1) {
        d = d.with_related(cx.at_id(s), format!("`{s}` is part of the cycle"));
    }
    for s in srcs.iter().filter(|s| s.starts_with("group ")) {
        d = d.with_related(
            cx.key(&format!("/groups/{}", &s[6..])),
            format!("{s} orders its members"),
        );
    }
    cx.push(d);
}

struct Components {
    parent: BTreeMap<String, String>,
}

impl Components {
    fn find(&mut self, x: &str) -> String {
        let p = self.parent.get(x).cloned().unwrap_or_else(|| x.to_string());
        if p == x {
            return p;
        }
        let root = self.find(&p);
        self.parent.insert(x.to_string(), root.clone());
        root
    }

    fn union(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
        }
    }
}

fn colocation_contradictions(cx: &mut Cx<'_>, m: &Model) {
    let mut comp = Components {
        parent: BTreeMap::new(),
    };
    for r in m.resources.values() {
        if let Resource::Group(g) = r {
            for mem in &g.members {
                comp.union(&g.id, mem);
            }
        }
    }
    let mut negative: Vec<(&str, &str, &str)> = Vec::new();
    for c in &m.constraints {
        let Constraint::Colocation(co) = c else {
            continue;
        };
        if co.node_attribute.is_some() {
            continue;
        }
        match &co.kind {
            ColocationKind::Pair {
                resource,
                role,
                with,
                with_role,
            } => {
                if role.is_some() || with_role.is_some() {
                    continue;
                }
                match co.score {
                    Score::Infinity => comp.union(resource, with),
                    Score::NegInfinity => negative.push((resource, with, &co.id)),
                    Score::Value(_) => {}
                }
            }
            ColocationKind::Sets(sets) => {
                if co.score == Score::Infinity {
                    for s in sets
                        .iter()
                        .filter(|s| s.sequential.unwrap_or(true) && s.role.is_none())
                    {
                        for w in s.resources.windows(2) {
                            comp.union(&w[0], &w[1]);
                        }
                    }
                }
            }
        }
    }
    for (a, b, id) in negative {
        if comp.find(a) == comp.find(b) {
            cx.push(
                Diagnostic::error(
                    "colocation-contradiction",
                    cx.at_id(id),
                    format!("`{a}` must run apart from `{b}` (-INFINITY), but other constraints or a group make them run together (INFINITY)"),
                )
                .with_hint("remove one of the contradicting constraints"),
            );
        }
    }
    // Locations: a component banned and required on the same node, or banned everywhere.
    let mut by_comp: BTreeMap<String, BTreeMap<String, Vec<(Score, String)>>> = BTreeMap::new();
    for c in &m.constraints {
        let Constraint::Location(l) = c else { continue };
        let (ResourceRef::Id(r), Placement::Node { node, score }, None) =
            (&l.resource, &l.placement, l.role)
        else {
            continue;
        };
        if !matches!(score, Score::Infinity | Score::NegInfinity) {
            continue;
        }
        let root = comp.find(r);
        by_comp
            .entry(root)
            .or_default()
            .entry(node.clone())
            .or_default()
            .push((*score, l.id.clone()));
    }
    for (root, nodes) in by_comp {
        for (node, scores) in &nodes {
            let pos = scores.iter().find(|(s, _)| *s == Score::Infinity);
            let neg = scores.iter().find(|(s, _)| *s == Score::NegInfinity);
            if let (Some((_, p)), Some((_, n))) = (pos, neg) {
                cx.push(
                    Diagnostic::error(
                        "location-contradiction",
                        cx.at_id(n),
                        format!("resources that run together (with `{root}`) are both required (INFINITY) and banned (-INFINITY) on node `{node}`"),
                    )
                    .with_related(cx.at_id(p), "the INFINITY location")
                    .with_hint("remove one of the two location constraints"),
                );
            }
        }
        let banned: BTreeSet<&str> = nodes
            .iter()
            .filter(|(_, s)| s.iter().any(|(s, _)| *s == Score::NegInfinity))
            .map(|(n, _)| n.as_str())
            .collect();
        if !m.nodes.is_empty() && m.nodes.iter().all(|n| banned.contains(n.name.as_str())) {
            let first = nodes
                .values()
                .flatten()
                .find(|(s, _)| *s == Score::NegInfinity)
                .map(|(_, id)| id.clone())
                .unwrap_or_default();
            cx.push(
                Diagnostic::error("location-contradiction", cx.at_id(&first), format!("`{root}` (and what runs with it) is banned from every node, so it can never run"))
                    .with_hint("allow at least one node"),
            );
        }
    }
}
