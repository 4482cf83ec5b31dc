//! Anonymous clones, as Pacemaker 2.1.5 schedules them (`clone.c`, `pcmk_sched_clone.c`,
//! `pcmk__cmp_instance`): a clone of a primitive `R` becomes the instances `R:0` ..
//! `R:(clone-max - 1)`, each an ordinary primitive of the working set that knows its clone.
//! History entries of `R` are matched to instances node by node (`find_anonymous_clone`);
//! failures ban the whole clone; the clone has its own allowed-node table that locations and
//! "with this" colocations shape, and `distribute_children` assigns the instances from it
//! (current nodes first, at most `clone-node-max` per node). Colocations with a clone as the
//! primary use the nodes its instances were assigned to.

use crate::assign::{Coloc, Colocs, RRef};
use crate::score::{self, INF};
use crate::unpack::{meta_get, Requires, Top, WorkingSet};
use quorate_schema::model::Clone as ModelClone;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A clone and its instances.
#[derive(Clone, Debug)]
pub(crate) struct CloneSet {
    pub id: String,
    /// The cloned primitive's id: the name its instances have in the history.
    pub child_id: String,
    /// Instances in instance-number order (orphans found in the history last).
    pub instances: Vec<usize>,
    /// Instances in the order they were assigned (`pcmk__cmp_instance`): the clone's child
    /// list while colocations with it are applied.
    pub assign_order: Vec<usize>,
    pub clone_max: usize,
    pub clone_node_max: usize,
    pub promotable: bool,
    pub promoted_max: usize,
    pub promoted_node_max: usize,
    /// `interleave`: as a dependent, each instance is colocated with the primary clone's
    /// instance on its node (orders are not interleaved yet).
    pub interleave: bool,
    pub priority: i64,
    /// The clone's own allowed-node table (`None` = not allowed).
    pub scores: Vec<Option<i64>>,
    pub assigned: bool,
    pub assigning: bool,
    pub merging: bool,
    /// Instances assigned per node while distributing (`node->count` of the clone's table).
    pub counts: Vec<usize>,
}

/// `pcmk__scan_min_int(.., 0)`: a number, at least 0; invalid text counts as 0.
fn scan_min0(v: &str) -> usize {
    v.trim()
        .parse::<i64>()
        .map(|x| x.max(0) as usize)
        .unwrap_or(0)
}

/// Marks a node "unusable" while merging scores without turning non-negative ones negative
/// (Pacemaker's `INFINITY_HACK`); it becomes 1 once the merge is done.
pub(crate) const UNUSABLE: i64 = -INF * 100;

impl WorkingSet<'_> {
    /// `clone_unpack`: the clone's options and its `clone-max` instances. Clones of groups are
    /// not scheduled (returns `None`).
    pub(crate) fn add_clone(
        &mut self,
        c: &ModelClone,
        fencing_default: Requires,
        maintenance_mode: bool,
        initial: &[Option<i64>],
    ) -> Option<(i64, Top)> {
        let model = self.model;
        // A cloned fencing device is kept with the fencing devices.
        let child = model
            .primitive(&c.child)
            .or_else(|| model.fence_devices.get(&c.child))?;
        let defaults = &model.rsc_defaults;
        let get = |k: &str| meta_get(&c.meta, None, defaults, k);
        let clone_max = get("clone-max")
            .map(scan_min0)
            .unwrap_or(self.nodes.len().max(1));
        // Anonymous clones run at most one instance per node.
        let clone_node_max = get("clone-node-max").map(scan_min0).unwrap_or(1).min(1);
        let promoted_max = get("promoted-max")
            .or_else(|| get("master-max"))
            .map(scan_min0)
            .unwrap_or(1);
        let promoted_node_max = get("promoted-node-max")
            .or_else(|| get("master-node-max"))
            .map(scan_min0)
            .unwrap_or(1);
        let priority = get("priority").map(score::parse).unwrap_or(0);
        // The clone's meta as its instances inherit it: made "ever so slightly sticky".
        let mut parent: BTreeMap<String, String> = c.meta.clone();
        if !parent.contains_key("resource-stickiness")
            && !defaults.contains_key("resource-stickiness")
        {
            parent.insert("resource-stickiness".into(), "1".into());
        }
        let ci = self.clones.len();
        self.clones.push(CloneSet {
            id: c.id.clone(),
            child_id: child.id.clone(),
            instances: Vec::new(),
            assign_order: Vec::new(),
            clone_max,
            clone_node_max,
            promotable: c.promotable,
            promoted_max,
            promoted_node_max,
            interleave: crate::unpack::parse_bool(get("interleave")).unwrap_or(false),
            priority,
            scores: initial.to_vec(),
            assigned: false,
            assigning: false,
            merging: false,
            counts: vec![0; self.nodes.len()],
        });
        self.clone_by_id.insert(c.id.clone(), ci);
        self.clone_by_id.insert(child.id.clone(), ci);
        for k in 0..clone_max.max(1) {
            let pi = self.add_prim(
                child,
                None,
                Some(&parent),
                fencing_default,
                maintenance_mode,
                initial,
            );
            self.init_instance(pi, ci, k, k >= clone_max);
        }
        Some((priority, Top::Clone(ci)))
    }

    fn init_instance(&mut self, pi: usize, ci: usize, k: usize, orphan: bool) {
        let id = format!("{}:{k}", self.clones[ci].child_id);
        let base = self.clones[ci].child_id.clone();
        if self.prim_by_id.get(&base) == Some(&pi) {
            self.prim_by_id.remove(&base);
        }
        self.prim_by_id.insert(id.clone(), pi);
        let prim = &mut self.prims[pi];
        prim.id = id;
        prim.clone = Some(ci);
        prim.orphan = orphan;
        self.clones[ci].instances.push(pi);
    }

    /// The name a primitive has in the history and in fail-count attributes: an anonymous
    /// clone instance goes by its clone's child id.
    pub(crate) fn history_id(&self, p: usize) -> &str {
        match self.prims[p].clone {
            Some(c) => &self.clones[c].child_id,
            None => &self.prims[p].id,
        }
    }

    /// The clone whose child a history entry names (`R` or `R:N`).
    pub(crate) fn clone_of_history(&self, rsc: &str) -> Option<usize> {
        let base = match rsc.rsplit_once(':') {
            Some((b, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => b,
            _ => rsc,
        };
        let &c = self.clone_by_id.get(base)?;
        (self.clones[c].child_id == base).then_some(c)
    }

    /// `find_anonymous_clone`: the instance a history entry on `node` belongs to: an inactive
    /// instance (the first), or a new orphan when the entry is a second one for an instance
    /// already active here, or when every instance is taken.
    pub(crate) fn clone_instance_for_history(&mut self, rsc: &str, node: usize) -> Option<usize> {
        let c = self.clone_of_history(rsc)?;
        let mut found = None;
        let mut skip_inactive = false;
        let mut inactive = None;
        for &i in &self.clones[c].instances {
            let prim = &self.prims[i];
            if let Some(&n) = prim.running_on.first() {
                if n == node {
                    skip_inactive = true;
                }
            } else if !skip_inactive && inactive.is_none() && !prim.blocked {
                inactive = Some(i);
            }
        }
        if !skip_inactive {
            found = inactive;
        }
        // An instance on a node that is gone, which fencing will not make safe, is not
        // counted: it becomes an orphan so an instance can start elsewhere.
        if let Some(i) = found {
            let n = &self.nodes[node];
            if self.prims[i].requires != Requires::Fencing && (!n.online || n.unclean) {
                found = None;
            }
        }
        if found.is_some() {
            return found;
        }
        let k = self.clones[c].instances.len();
        let model = self.model;
        let child = model
            .primitive(&self.clones[c].child_id)
            .or_else(|| model.fence_devices.get(&self.clones[c].child_id))?;
        let defaults = &model.rsc_defaults;
        let cm = match model.resources.get(&self.clones[c].id) {
            Some(quorate_schema::model::Resource::Clone(cm)) => cm,
            _ => return None,
        };
        let mut parent: BTreeMap<String, String> = cm.meta.clone();
        if !parent.contains_key("resource-stickiness")
            && !defaults.contains_key("resource-stickiness")
        {
            parent.insert("resource-stickiness".into(), "1".into());
        }
        let fencing_default = self.prims[self.clones[c].instances[0]].requires;
        let initial: Vec<Option<i64>> = self
            .nodes
            .iter()
            .map(|n| if self.symmetric { Some(n.base) } else { None })
            .collect();
        let pi = self.add_prim(
            child,
            None,
            Some(&parent),
            fencing_default,
            model.policy.maintenance_mode,
            &initial,
        );
        // The inherited `requires` must not depend on which instance came first.
        self.prims[pi].requires = fencing_default;
        self.init_instance(pi, c, k, true);
        Some(pi)
    }

    /// `resource_location` on a clone: its own table and every instance's.
    pub(crate) fn clone_location(&mut self, c: usize, node: Option<usize>, s: i64) {
        let nodes: Vec<usize> = match node {
            Some(n) => vec![n],
            None => (0..self.nodes.len()).collect(),
        };
        for n in nodes {
            let w = self.nodes[n].weight;
            let slot = &mut self.clones[c].scores[n];
            *slot = Some(score::add(slot.unwrap_or(w), s));
            for i in self.clones[c].instances.clone() {
                self.rsc_location(i, n, s);
            }
        }
    }

    /// A failure's ban (-INFINITY on `node`, or everywhere): an anonymous clone instance's
    /// failure bans the whole clone.
    pub(crate) fn fail_ban(&mut self, p: usize, node: Option<usize>) {
        match (self.prims[p].clone, node) {
            (Some(c), _) => self.clone_location(c, node, -INF),
            (None, Some(n)) => self.rsc_location(p, n, -INF),
            (None, None) => self.ban_everywhere(p),
        }
    }

    pub(crate) fn clone_running(&self, c: usize) -> bool {
        self.clones[c]
            .instances
            .iter()
            .any(|&i| !self.prims[i].running_on.is_empty())
    }

    /// `pcmk__clone_allocate`.
    pub(crate) fn assign_clone(&mut self, c: usize, co: &Colocs) {
        if self.clones[c].assigned || self.clones[c].assigning {
            return;
        }
        self.clones[c].assigning = true;
        for ci in co.clone_this_with[c].clone() {
            let pri = co.all[ci].pri;
            self.assign_rref(pri, co);
        }
        for ci in co.clone_with_this[c].clone() {
            let col = &co.all[ci];
            if !self.has_influence(col) {
                continue;
            }
            let table = self.clones[c].scores.clone();
            let factor = col.score as f32 / INF as f32;
            let merged = self.merge_weights(col.dep, table, &col.attr, factor, true, co);
            self.clones[c].scores = merged;
        }
        if self.clones[c].promotable {
            self.add_promotion_scores(c);
        }
        let mut order = self.clones[c].instances.clone();
        order.sort_by(|&a, &b| self.cmp_instance(c, a, b, co));
        self.clones[c].assign_order = order.clone();
        self.distribute(c, &order, co);
        if self.clones[c].promotable {
            self.set_instance_roles(c, co);
        }
        self.clones[c].assigning = false;
        self.clones[c].assigned = true;
    }

    fn node_ok(&self, n: usize) -> bool {
        self.nodes[n].available()
    }

    /// `pcmk__cmp_instance`: the order instances are assigned in.
    pub(crate) fn cmp_instance(&mut self, c: usize, a: usize, b: usize, co: &Colocs) -> Ordering {
        let (pa, pb) = (&self.prims[a], &self.prims[b]);
        let (na, nb) = (pa.running_on.len(), pb.running_on.len());
        if na > 0 && nb > 0 && na != nb {
            return na.cmp(&nb);
        }
        // Active on a node the instance may no longer run on: last.
        let allowed = |p: usize| -> Option<usize> {
            let prim = &self.prims[p];
            let n = *prim.running_on.first()?;
            prim.scores[n].filter(|&w| w >= 0).map(|_| n)
        };
        let cur_a = pa.running_on.first().copied();
        let cur_b = pb.running_on.first().copied();
        let (node_a, node_b) = (allowed(a), allowed(b));
        let can_a = cur_a.is_none() || node_a.is_some();
        let can_b = cur_b.is_none() || node_b.is_some();
        if can_a != can_b {
            return if can_a {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        if pa.priority != pb.priority {
            return pb.priority.cmp(&pa.priority);
        }
        let (node_a, node_b) = match (node_a, node_b) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) => (x, y),
        };
        let (ok_a, ok_b) = (self.node_ok(node_a), self.node_ok(node_b));
        if ok_a != ok_b {
            return if ok_a {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let top_a = self.clones[c].scores[node_a].is_some();
        let top_b = self.clones[c].scores[node_b].is_some();
        match (top_a, top_b) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Greater,
            (true, false) => return Ordering::Less,
            _ => {}
        }
        let (fa, fb) = (self.prims[a].failed, self.prims[b].failed);
        if fa != fb {
            return if fa {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (
            self.colocated_score_on(c, node_a, co),
            self.colocated_score_on(c, node_b, co),
        );
        if sa != sb {
            return sb.cmp(&sa);
        }
        self.instance_number(a).cmp(&self.instance_number(b))
    }

    fn instance_number(&self, p: usize) -> usize {
        self.prims[p]
            .id
            .rsplit_once(':')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    }

    /// `cmp_instance_by_colocation`: a one-node table with the clone's colocations merged in.
    fn colocated_score_on(&mut self, c: usize, node: usize, co: &Colocs) -> i64 {
        let mut table: Vec<Option<i64>> = vec![None; self.nodes.len()];
        table[node] = Some(self.nodes[node].weight);
        for ci in co.clone_this_with[c].clone() {
            let col = co.all[ci].clone();
            let f = col.score as f32 / INF as f32;
            table = self.merge_weights(col.pri, table, &col.attr, f, false, co);
        }
        for ci in co.clone_with_this[c].clone() {
            let col = co.all[ci].clone();
            if !self.has_influence(&col) {
                continue;
            }
            let f = col.score as f32 / INF as f32;
            table = self.merge_weights(col.dep, table, &col.attr, f, true, co);
        }
        table[node].unwrap_or(-INF)
    }

    /// `distribute_children`.
    fn distribute(&mut self, c: usize, order: &[usize], co: &Colocs) {
        let max = self.clones[c].clone_max;
        let per_node = self.clones[c].clone_node_max;
        let n_nodes = self.nodes.len();
        self.clones[c].counts = vec![0; n_nodes];
        let available = (0..n_nodes)
            .filter(|&n| self.clones[c].scores[n].is_some() && self.node_ok(n))
            .count();
        let all_coloc = max < available;
        let loop_max = max.checked_div(available).unwrap_or(0).max(1);
        let mut allocated = 0;
        // Keep active instances where they are, up to an even share per node.
        for &i in order {
            if allocated >= max {
                break;
            }
            let prim = &self.prims[i];
            let Some(&cur) = prim.running_on.first() else {
                continue;
            };
            if !prim.provisional || prim.failed {
                continue;
            }
            if !self.node_ok(cur) || self.nodes[cur].weight < 0 {
                continue;
            }
            if self.clones[c].scores[cur].is_some() && self.clones[c].counts[cur] >= loop_max {
                continue;
            }
            if self
                .assign_instance(c, i, Some(cur), all_coloc, per_node, co)
                .is_some()
            {
                allocated += 1;
            }
        }
        for &i in order {
            if !self.prims[i].provisional {
                continue;
            }
            if allocated >= max {
                // Left provisional, as Pacemaker leaves it: it runs nowhere.
                for n in 0..n_nodes {
                    self.rsc_location(i, n, -INF);
                }
                continue;
            }
            if self
                .assign_instance(c, i, None, all_coloc, per_node, co)
                .is_some()
            {
                allocated += 1;
            }
        }
    }

    /// `append_parent_colocation`: the clone's colocations, as the instance's own.
    fn append_parent_colocations(&mut self, c: usize, i: usize, all: bool, co: &Colocs) {
        for &ci in &co.clone_this_with[c] {
            let s = co.all[ci].score;
            if all || s < 0 || s == INF {
                self.prims[i].inherited_this_with.insert(0, ci);
            }
        }
        for &ci in &co.clone_with_this[c] {
            let col = &co.all[ci];
            if !(col.influence || self.prims[i].running_on.is_empty()) {
                continue;
            }
            if all || col.score < 0 {
                self.prims[i].inherited_with_this.insert(0, ci);
            }
        }
        // Kept sorted the way `g_list_insert_sorted` keeps them (new before equal).
        let mut tw = std::mem::take(&mut self.prims[i].inherited_this_with);
        tw.sort_by(|&a, &b| self.cmp_coloc_by(co.all[a].pri, co.all[b].pri));
        self.prims[i].inherited_this_with = tw;
        let mut wt = std::mem::take(&mut self.prims[i].inherited_with_this);
        wt.sort_by(|&a, &b| self.cmp_coloc_by(co.all[a].dep, co.all[b].dep));
        self.prims[i].inherited_with_this = wt;
    }

    /// `allocate_instance`.
    fn assign_instance(
        &mut self,
        c: usize,
        i: usize,
        prefer: Option<usize>,
        all_coloc: bool,
        limit: usize,
        co: &Colocs,
    ) -> Option<usize> {
        if !self.prims[i].provisional {
            return self.prims[i].assigned;
        }
        if self.prims[i].assigning {
            return None;
        }
        self.append_parent_colocations(c, i, all_coloc, co);
        if let Some(pn) = prefer {
            if self.prims[i].scores[pn].is_none_or(|w| w < 0) {
                return None;
            }
        }
        // can_run_instance
        for n in 0..self.nodes.len() {
            if self.prims[i].scores[n].is_none() {
                continue;
            }
            let ok = self.node_ok(n)
                && !self.prims[i].orphan
                && match self.clones[c].scores[n] {
                    None => false,
                    Some(w) if w < 0 => {
                        self.rsc_location(i, n, w);
                        false
                    }
                    Some(_) => self.clones[c].counts[n] < limit,
                };
            if !ok {
                self.rsc_location(i, n, -INF);
            }
        }
        let backup = self.prims[i].scores.clone();
        self.prims[i].prefer = prefer;
        let mut chosen = self.assign_prim(i, co);
        self.prims[i].prefer = None;
        if let (Some(ch), Some(pn)) = (chosen, prefer) {
            if ch != pn {
                self.prims[i].scores = backup;
                self.prims[i].assigned = None;
                self.prims[i].provisional = true;
                self.nodes[ch].num_resources -= 1;
                chosen = None;
            }
        }
        if let Some(ch) = chosen {
            if self.clones[c].scores[ch].is_some() {
                self.clones[c].counts[ch] += 1;
            }
        }
        chosen
    }

    /// `pcmk__clone_apply_coloc_score` with the clone as the primary (no interleave): +INFINITY
    /// keeps the dependent to nodes with an instance; other scores count once per instance.
    pub(crate) fn apply_coloc_with_clone(&mut self, p: usize, c: usize, col: &Coloc) {
        if !self.clones[c].assigned {
            return;
        }
        if self.clones[c].promotable && col.pri_role.is_some() {
            self.update_dependent_with_promotable(p, c, col);
            return;
        }
        // An interleaved dependent clone's instance follows one instance of the primary: the
        // one on the best of its own allowed nodes (find_compatible_child).
        if let Some(d) = self.prims[p].clone {
            if d != c && self.clones[d].interleave {
                let mut nodes: Vec<usize> = (0..self.nodes.len())
                    .filter(|&n| self.prims[p].scores[n].is_some())
                    .collect();
                nodes.sort_by(|&a, &b| {
                    let (wa, wb) = (self.prims[p].scores[a], self.prims[p].scores[b]);
                    // pcmk__sort_nodes: score, then fewer assigned resources, then name.
                    wb.cmp(&wa)
                        .then(
                            self.nodes[a]
                                .num_resources
                                .cmp(&self.nodes[b].num_resources),
                        )
                        .then_with(|| self.nodes[a].name.cmp(&self.nodes[b].name))
                });
                let pair = nodes.iter().find_map(|&n| {
                    self.clones[c]
                        .instances
                        .iter()
                        .copied()
                        .find(|&i| self.prims[i].assigned == Some(n) && !self.prims[i].blocked)
                });
                match pair {
                    Some(i) => {
                        let one = Coloc {
                            pri: RRef::Prim(i),
                            ..col.clone()
                        };
                        self.apply_coloc_to_weights(p, &one);
                    }
                    None if col.score >= INF => {
                        for n in 0..self.nodes.len() {
                            if self.prims[p].scores[n].is_some() {
                                self.prims[p].scores[n] = Some(-INF);
                            }
                        }
                    }
                    None => {}
                }
                return;
            }
        }
        if col.score >= INF {
            let mut allowed = vec![false; self.nodes.len()];
            for &i in &self.clones[c].instances {
                let inst = &self.prims[i];
                if let Some(n) = inst.assigned {
                    if !inst.blocked {
                        allowed[n] = true;
                    }
                }
            }
            for (n, slot) in self.prims[p].scores.iter_mut().enumerate() {
                if slot.is_some() && !allowed[n] {
                    *slot = Some(-INF);
                }
            }
            return;
        }
        for i in self.clones[c].assign_order.clone() {
            let one = Coloc {
                pri: RRef::Prim(i),
                ..col.clone()
            };
            self.apply_coloc_to_weights(p, &one);
        }
    }

    /// `probe_anonymous_clone`: the instance that probes clone `c` on `node`, if any: none when
    /// an instance is known there, else the one assigned there, else the first.
    pub(crate) fn probe_instance(&self, c: usize, node: usize) -> Option<usize> {
        let inst = &self.clones[c].instances;
        if inst.iter().any(|&i| self.prims[i].known_on.contains(&node)) {
            return None;
        }
        inst.iter()
            .copied()
            .find(|&i| self.prims[i].assigned == Some(node))
            .or_else(|| inst.first().copied())
    }
}
