//! Promotable clones, as Pacemaker 2.1.5 decides roles (`pcmk_sched_promotable.c`): promotion
//! scores from the `master-<rsc>` node attributes (where the instance's state is known), the
//! promotion priority of each assigned instance (score, `role=Promoted` locations, role
//! colocations), the best `promoted-max` instances (at most `promoted-node-max` per node)
//! promoted and the others unpromoted; then the promote and demote actions, their orderings,
//! and the summary lines with roles (`Promote R:0 ( Unpromoted -> Promoted node1 )`).
//!
//! An instance's `Role::Started` means "unpromoted" here, as Pacemaker turns a promotable
//! instance's started role into unpromoted.

use crate::actions::{Graph, ROrder, IMPLIES_THEN, RUNNABLE_LEFT};
use crate::assign::{Coloc, Colocs, RRef};
use crate::score::{self, INF};
use crate::transition::ActionKind;
use crate::unpack::{Role, WorkingSet};
use quorate_schema::model::{Placement, ResourceRef, RuleScore};
use quorate_schema::types::{NoQuorumPolicy, Role as CfgRole};
use std::cmp::Ordering;

fn is_promoted(r: Option<CfgRole>) -> bool {
    matches!(r, Some(CfgRole::Promoted) | Some(CfgRole::Master))
}

fn is_unpromoted(r: Option<CfgRole>) -> bool {
    matches!(r, Some(CfgRole::Unpromoted) | Some(CfgRole::Slave))
}

/// The role a colocation asks for, as an instance's next role: `Started` for unpromoted.
fn wanted(r: Option<CfgRole>) -> Option<Role> {
    if is_promoted(r) {
        Some(Role::Promoted)
    } else if is_unpromoted(r) {
        Some(Role::Started)
    } else {
        None
    }
}

impl WorkingSet<'_> {
    pub(crate) fn is_promotable_instance(&self, p: usize) -> bool {
        self.prims[p]
            .clone
            .is_some_and(|c| self.clones[c].promotable)
    }

    /// `promotion_score_applies`: the instance's state on `node` is known well enough for the
    /// node's promotion score to count.
    fn promotion_applies(&self, c: usize, i: usize, node: usize) -> bool {
        let inst = &self.clones[c].instances;
        let active = inst
            .iter()
            .copied()
            .find(|&x| self.prims[x].running_on.contains(&node));
        let prim = &self.prims[i];
        // Active here, or none active here but probed here, or known nowhere (cluster
        // start), or known here.
        let applies = active == Some(i)
            || (active.is_none() && inst.iter().any(|&x| self.prims[x].known_on.contains(&node)))
            || (prim.running_on.is_empty() && prim.known_on.is_empty())
            || prim.known_on.contains(&node)
            || prim.running_on.contains(&node);
        applies && prim.scores[node].is_some_and(|w| w >= 0)
    }

    /// `promotion_score`: `master-<name>` on `node`, `None` when not set (or not applicable).
    fn promotion_score(&self, c: usize, i: usize, node: usize) -> Option<i64> {
        if !self.promotion_applies(c, i, node) {
            return None;
        }
        let attrs = &self.nodes[node].attrs;
        let prim = &self.prims[i];
        // An instance with history goes by its primitive's name; one without, by its own first.
        let own = (prim.known_on.is_empty() && prim.running_on.is_empty())
            .then(|| attrs.get(&format!("master-{}", prim.id)))
            .flatten();
        own.or_else(|| attrs.get(&format!("master-{}", self.clones[c].child_id)))
            .map(|v| score::parse(v))
    }

    /// `pcmk__add_promotion_scores`: positive scores join each instance's node scores, and the
    /// best becomes its priority (which orders instance assignment).
    pub(crate) fn add_promotion_scores(&mut self, c: usize) {
        for i in self.clones[c].instances.clone() {
            for n in 0..self.nodes.len() {
                let Some(w) = self.prims[i].scores[n] else {
                    continue;
                };
                if !self.nodes[n].available() {
                    continue;
                }
                let s = self.promotion_score(c, i, n).unwrap_or(0);
                if s > 0 {
                    self.prims[i].scores[n] = Some(score::add(w, s));
                }
                if s > self.prims[i].priority {
                    self.prims[i].priority = s;
                }
            }
        }
    }

    /// Scores of `role=Promoted` locations on the clone for `node`.
    fn promoted_location_score(&self, c: usize, node: usize) -> i64 {
        let mut total = 0;
        let clone_id = &self.clones[c].id;
        let child_id = &self.clones[c].child_id;
        for l in self.locations() {
            let ResourceRef::Id(id) = &l.resource else {
                continue;
            };
            if id != clone_id && id != child_id {
                continue;
            }
            match &l.placement {
                Placement::Node { node: n, score } => {
                    if is_promoted(l.role) && self.node_idx(n) == Some(node) {
                        total = score::add(total, score.as_i64());
                    }
                }
                Placement::Rules(rules) => {
                    for r in rules {
                        if !(is_promoted(l.role) || is_promoted(r.role)) {
                            continue;
                        }
                        if self.rule_matches(r, node) {
                            let s = match &r.score {
                                RuleScore::Score(s) => s.as_i64(),
                                RuleScore::Attribute(a) => self.nodes[node]
                                    .attrs
                                    .get(a)
                                    .map(|v| score::parse(v))
                                    .unwrap_or(-INF),
                            };
                            total = score::add(total, s);
                        }
                    }
                }
            }
        }
        total
    }

    /// `pcmk__apply_coloc_to_priority`: a role colocation of an instance with a primitive or
    /// group.
    fn coloc_to_priority(&mut self, i: usize, col: &Coloc) {
        let pn = match col.pri {
            RRef::Prim(q) => self.prims[q].assigned,
            RRef::Group(g) => self.groups[g]
                .members
                .last()
                .and_then(|&q| self.prims[q].assigned),
            RRef::Clone(_) => None,
        };
        let (Some(pn), Some(dn)) = (pn, self.prims[i].assigned) else {
            return;
        };
        if !self.same_attr(dn, pn, &col.attr) {
            if col.score >= INF && is_promoted(col.dep_role) {
                self.prims[i].priority = -INF;
            }
            return;
        }
        if col.pri_role.is_some() {
            // A primitive's next role is Started: only an unrestricted primary counts.
            return;
        }
        let m = if is_unpromoted(col.dep_role) { -1 } else { 1 };
        self.prims[i].priority = score::add(m * col.score, self.prims[i].priority);
    }

    /// `pcmk__update_promotable_dependent_priority`: an instance promoted with (an instance
    /// of) another promotable clone in a role.
    fn promotable_coloc_to_priority(&mut self, i: usize, k: usize, col: &Coloc) {
        let Some(dn) = self.prims[i].assigned else {
            return;
        };
        let want = wanted(col.pri_role);
        let found = self.clones[k].instances.iter().any(|&x| {
            self.prims[x].assigned == Some(dn)
                && (want.is_none() || self.instance_next_role(x) == want.unwrap_or(Role::Started))
        });
        if found {
            self.prims[i].priority = score::add(self.prims[i].priority, col.score);
        } else if col.score >= INF {
            self.prims[i].priority = -INF;
        }
    }

    fn instance_next_role(&self, x: usize) -> Role {
        match self.prims[x].role_next {
            Some(r) => r,
            None if self.prims[x].assigned.is_some() => Role::Started,
            None => Role::Stopped,
        }
    }

    /// `pcmk__set_instance_roles`.
    pub(crate) fn set_instance_roles(&mut self, c: usize, co: &Colocs) {
        let n_nodes = self.nodes.len();
        self.clones[c].counts = vec![0; n_nodes];
        let order = self.clones[c].assign_order.clone();
        // set_instance_priority
        for &i in &order {
            let Some(chosen) = self.prims[i].assigned else {
                continue;
            };
            self.prims[i].priority = self.promotion_score(c, i, chosen).unwrap_or(-1);
            let loc = self.promoted_location_score(c, chosen);
            if loc != 0 {
                self.prims[i].priority = score::add(self.prims[i].priority, loc);
            }
            for ci in self.prims[i].inherited_this_with.clone() {
                let col = co.all[ci].clone();
                if col.dep_role.is_none() {
                    continue;
                }
                match col.pri {
                    RRef::Clone(k) if self.clones[k].promotable && col.pri_role.is_some() => {
                        if is_promoted(col.dep_role) {
                            self.promotable_coloc_to_priority(i, k, &col);
                        }
                    }
                    RRef::Clone(k) => {
                        for x in self.clones[k].assign_order.clone() {
                            let one = Coloc {
                                pri: RRef::Prim(x),
                                ..col.clone()
                            };
                            self.coloc_to_priority(i, &one);
                        }
                    }
                    _ => self.coloc_to_priority(i, &col),
                }
            }
            self.prims[i].sort_index = self.prims[i].priority;
        }
        // sort_promotable_instances (the clone is "merging": colocation chains stop at it)
        self.clones[c].merging = true;
        for &i in &order {
            let si = self.prims[i].sort_index;
            if si < 0 {
                continue;
            }
            if let Some(n) = self.prims[i].assigned {
                let w = self.clones[c].scores[n].unwrap_or(0);
                self.clones[c].scores[n] = Some(score::add(si, w));
            }
        }
        for ci in co.clone_this_with[c].clone() {
            let col = co.all[ci].clone();
            if !is_promoted(col.dep_role) {
                continue;
            }
            let table = self.clones[c].scores.clone();
            let f = col.score as f32 / INF as f32;
            self.clones[c].scores = self.merge_weights(col.pri, table, &col.attr, f, false, co);
        }
        for ci in co.clone_with_this[c].clone() {
            let col = co.all[ci].clone();
            if !is_promoted(col.pri_role) || !self.has_influence(&col) {
                continue;
            }
            let table = self.clones[c].scores.clone();
            let f = col.score as f32 / INF as f32;
            self.clones[c].scores = self.merge_weights(col.dep, table, &col.attr, f, true, co);
        }
        for &i in &order {
            let prim = &self.prims[i];
            if !prim.managed && prim.role == Role::Promoted {
                self.prims[i].sort_index = INF;
            } else if let (Some(n), true) = (prim.assigned, prim.sort_index >= 0) {
                self.prims[i].sort_index = self.clones[c].scores[n].unwrap_or(0);
            }
        }
        self.clones[c].merging = false;
        let mut sorted = order.clone();
        sorted.sort_by(|&a, &b| {
            let (pa, pb) = (&self.prims[a], &self.prims[b]);
            pb.sort_index
                .cmp(&pa.sort_index)
                .then(pb.role.cmp(&pa.role))
                .then(Ordering::Equal)
        });
        // Ties fall back to the assignment order (`pcmk__cmp_instance`), which `order` is.
        let mut promoted = 0;
        let max = self.clones[c].promoted_max;
        for &i in &sorted {
            let mut chosen = None;
            if self.prims[i].sort_index >= 0 && promoted < max {
                chosen = self.node_to_be_promoted_on(c, i);
            }
            let freeze = !self.have_quorum && self.no_quorum == NoQuorumPolicy::Freeze;
            if chosen.is_some() && self.prims[i].role < Role::Promoted && freeze {
                chosen = None;
            }
            match chosen {
                Some(n) => {
                    self.clones[c].counts[n] += 1;
                    self.prims[i].role_next = Some(Role::Promoted);
                    promoted += 1;
                }
                None => {
                    self.prims[i].role_next = Some(if self.prims[i].assigned.is_some() {
                        Role::Started
                    } else {
                        Role::Stopped
                    });
                }
            }
        }
        self.clones[c].assign_order = sorted;
        // reset_instance_priorities
        let p = self.clones[c].priority;
        for i in self.clones[c].instances.clone() {
            self.prims[i].priority = p;
        }
    }

    fn node_to_be_promoted_on(&self, c: usize, i: usize) -> Option<usize> {
        let prim = &self.prims[i];
        let node = prim.assigned?;
        if !prim.managed {
            return (prim.role == Role::Promoted).then_some(node);
        }
        if prim.priority < 0 || !self.nodes[node].available() {
            return None;
        }
        self.clones[c].scores[node]?;
        if self.clones[c].counts[node] >= self.clones[c].promoted_node_max {
            return None;
        }
        Some(node)
    }

    /// `pcmk__update_dependent_with_promotable`: a resource placed with a promotable clone's
    /// instances in a role.
    pub(crate) fn update_dependent_with_promotable(&mut self, p: usize, c: usize, col: &Coloc) {
        let want = wanted(col.pri_role).unwrap_or(Role::Started);
        let mut affected: Vec<(usize, i64)> = Vec::new();
        for i in self.clones[c].assign_order.clone() {
            let Some(n) = self.prims[i].assigned else {
                continue;
            };
            if self.instance_next_role(i) != want {
                continue;
            }
            if col.score < INF {
                for m in 0..self.nodes.len() {
                    if self.prims[p].scores[m].is_some() && self.same_attr(m, n, &col.attr) {
                        let w = self.prims[p].scores[m].unwrap_or(0);
                        self.prims[p].scores[m] = Some(score::add(w, col.score));
                    }
                }
            }
            affected.push((n, self.prims[i].scores[n].unwrap_or(0)));
        }
        if col.score >= INF && !(is_promoted(col.dep_role) && is_promoted(col.pri_role)) {
            for m in 0..self.nodes.len() {
                let Some(w) = self.prims[p].scores[m] else {
                    continue;
                };
                let mut hit = None;
                for &(n, nw) in &affected {
                    if n == m {
                        hit = Some(nw);
                    }
                }
                self.prims[p].scores[m] = Some(match hit {
                    Some(nw) => score::add(w, nw),
                    None => -INF,
                });
            }
        }
    }

    /// Promote and demote actions of a promotable instance (after its start and stop).
    pub(crate) fn create_role_actions(&self, g: &mut Graph, p: usize) {
        if !self.is_promotable_instance(p) {
            return;
        }
        let prim = &self.prims[p];
        let next = self.next_role(p);
        let current = prim.running_on.first().copied();
        let target = if next == Role::Stopped {
            None
        } else {
            prim.assigned
        };
        let start_req = target.is_some_and(|a| {
            g.of(p, ActionKind::Start)
                .any(|i| g.acts[i].node == a && !g.acts[i].optional)
        });
        if let (Role::Promoted, Some(a)) = (next, target) {
            let staying = prim.role == Role::Promoted && current == Some(a) && !start_req;
            let i = g.rsc_action(p, ActionKind::Promote, a, staying);
            // crm_simulate shows such a promote as plain "blocked", without the start's reason.
            if self.start_runnable(p, a).is_err() {
                g.acts[i].runnable = false;
            }
        }
        if prim.role == Role::Promoted {
            if let Some(n) = current {
                if next == Role::Started && target == Some(n) {
                    let i = g.rsc_action(p, ActionKind::Demote, n, false);
                    g.acts[i].runnable = prim.managed && self.nodes[n].online;
                }
            }
        }
    }

    /// Orderings of promotable instances: start before promote (and a restarted promoted
    /// instance promoted again), demote before stop.
    pub(crate) fn build_role_orders(&self, g: &mut Graph) {
        for (c, clone) in self.clones.iter().enumerate() {
            if !clone.promotable {
                continue;
            }
            for &p in &clone.instances {
                g.orders.push(ROrder {
                    first: (RRef::Prim(p), ActionKind::Start),
                    then: (RRef::Prim(p), ActionKind::Promote),
                    flags: RUNNABLE_LEFT,
                });
                if self.prims[p].role == Role::Promoted && self.next_role(p) == Role::Promoted {
                    g.orders.push(ROrder {
                        first: (RRef::Prim(p), ActionKind::Start),
                        then: (RRef::Prim(p), ActionKind::Promote),
                        flags: IMPLIES_THEN,
                    });
                }
            }
            // Promotions wait for the clone's starts.
            g.orders.push(ROrder {
                first: (RRef::Clone(c), ActionKind::Start),
                then: (RRef::Clone(c), ActionKind::Promote),
                flags: RUNNABLE_LEFT,
            });
        }
    }

    fn role_name(&self, r: Role) -> &'static str {
        match r {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }

    /// The summary line of a promotable instance (`rsc_action_default`, `rsc_action_item`).
    pub(crate) fn promotable_summary(
        &self,
        g: &Graph,
        p: usize,
    ) -> Vec<(&'static str, &str, String, Option<String>)> {
        let prim = &self.prims[p];
        let id = prim.id.as_str();
        let role = if prim.role > Role::Stopped {
            prim.role
        } else {
            Role::Stopped
        };
        let next_role = self.next_role(p);
        let current = prim.running_on.first().copied();
        let next = if next_role == Role::Stopped {
            None
        } else {
            prim.assigned
        };
        if current.is_none() && next.is_none() {
            return Vec::new();
        }
        let find = |kind: ActionKind, node: Option<usize>| {
            g.of(p, kind)
                .find(|&i| node.is_none_or(|n| g.acts[i].node == n))
                .map(|i| &g.acts[i])
        };
        let moving = matches!((current, next), (Some(c), Some(n)) if c != n);
        let start = find(ActionKind::Start, next);
        let start_node = match start {
            Some(s) if s.runnable => current,
            _ => None,
        };
        let stop = find(ActionKind::Stop, start_node);
        let promote = find(ActionKind::Promote, next);
        let demote = find(ActionKind::Demote, next);
        let name = |n: Option<usize>| n.map(|n| self.nodes[n].name.clone()).unwrap_or_default();
        let need_role = role > Role::Started || next_role > Role::Started;
        let need_role = need_role || (role == Role::Started);
        let details = |origin: Option<usize>, dest: Option<usize>| -> String {
            let same_host = origin.is_some() && origin == dest;
            let same_role = role == next_role;
            match (origin, dest) {
                (None, d) if need_role && next_role > Role::Started => format!(
                    "{} -> {} {}",
                    self.role_name(role),
                    self.role_name(next_role),
                    name(d)
                ),
                (None, d) => name(d),
                (o, None) if need_role => format!("{} {}", self.role_name(role), name(o)),
                (o, None) => name(o),
                (o, _) if same_role && same_host => format!("{} {}", self.role_name(role), name(o)),
                (o, d) if same_role => {
                    format!("{} -> {} {}", name(o), name(d), self.role_name(role))
                }
                (o, _) if same_host => format!(
                    "{} -> {} {}",
                    self.role_name(role),
                    self.role_name(next_role),
                    name(o)
                ),
                (o, d) => format!(
                    "{} {} -> {} {}",
                    self.role_name(role),
                    name(o),
                    self.role_name(next_role),
                    name(d)
                ),
            }
        };
        let why = |a: Option<&crate::actions::Act>, src: Option<&crate::actions::Act>| {
            let a = a?;
            let src = src.unwrap_or(a);
            match (&src.reason, a.runnable) {
                (Some(r), false) => Some(format!("due to {r} (blocked)")),
                (Some(r), true) => Some(format!("due to {r}")),
                (None, false) => Some("blocked".to_string()),
                (None, true) => None,
            }
        };
        let mut out = Vec::new();
        if role == next_role {
            let Some(_) = next else { return out };
            match start {
                None => {}
                Some(s)
                    if s.optional
                        && demote.is_some_and(|d| !d.optional)
                        && promote.is_some_and(|p| !p.optional) =>
                {
                    out.push((
                        "Re-promote",
                        id,
                        details(current, next),
                        why(promote, demote),
                    ));
                }
                Some(s) if s.optional => {}
                Some(s) if !s.runnable => {
                    let src = stop.filter(|st| st.reason.is_some()).or(Some(s));
                    out.push((
                        "Stop",
                        id,
                        details(current, None),
                        why(stop.or(Some(s)), src),
                    ));
                }
                Some(_) if moving => out.push((
                    if prim.failed { "Recover" } else { "Move" },
                    id,
                    details(current, next),
                    why(stop, None),
                )),
                Some(s) if prim.failed => {
                    let _ = s;
                    out.push(("Recover", id, details(current, current), why(stop, None)))
                }
                Some(s) => out.push(("Restart", id, details(current, next), why(Some(s), None))),
            }
            return out;
        }
        if stop.is_some() && (next_role == Role::Stopped || start.is_some_and(|s| !s.runnable)) {
            for &n in &prim.running_on {
                let st = g
                    .of(p, ActionKind::Stop)
                    .find(|&i| g.acts[i].node == n)
                    .map(|i| &g.acts[i]);
                let src = st.filter(|s| s.reason.is_some()).or(start);
                out.push(("Stop", id, details(Some(n), None), why(st, src)));
            }
        } else if stop.is_some() && prim.failed && prim.stop_flag {
            out.push(("Recover", id, details(current, next), why(stop, start)));
        } else if moving {
            out.push(("Move", id, details(current, next), why(stop, None)));
        } else if stop.is_some_and(|s| !s.optional) {
            out.push(("Restart", id, details(current, next), why(start, None)));
        } else if role == Role::Promoted {
            out.push(("Demote", id, details(current, next), why(demote, None)));
        } else if next_role == Role::Promoted {
            out.push(("Promote", id, details(current, next), why(promote, None)));
        } else if role == Role::Stopped && next_role > Role::Stopped {
            out.push(("Start", id, details(current, next), why(start, None)));
        }
        out
    }
}
