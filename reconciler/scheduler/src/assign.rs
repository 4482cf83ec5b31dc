//! Node scores and assignment: location constraints and rules, stickiness, migration-threshold
//! bans, colocations in both directions (`pcmk__apply_coloc_to_weights` for "this with",
//! `pcmk__native_merge_weights` for "with this"), groups, and `assign_best_node`'s tie-breaks.

use crate::score::{self, INF};
use crate::unpack::{Role, Top, WorkingSet};
use quorate_schema::model::{
    ColocationKind, Constraint, Expression, Placement, ResourceRef, Rule, RuleScore,
};
use quorate_schema::types::{AttrOp, BoolOp, Role as CfgRole};
use std::collections::BTreeMap;

/// One side of a colocation: a primitive, a group or a clone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RRef {
    Prim(usize),
    Group(usize),
    Clone(usize),
}

/// A colocation between two resources, as Pacemaker stores it.
#[derive(Clone, Debug)]
pub(crate) struct Coloc {
    pub dep: RRef,
    pub pri: RRef,
    /// Role restrictions (`Some(Started)` is none); used with promotable clones.
    pub dep_role: Option<CfgRole>,
    pub pri_role: Option<CfgRole>,
    pub score: i64,
    pub influence: bool,
    pub attr: Option<String>,
}

/// The colocation lists of every primitive and group.
#[derive(Clone, Debug, Default)]
pub(crate) struct Colocs {
    pub all: Vec<Coloc>,
    pub this_with: Vec<Vec<usize>>,
    pub with_this: Vec<Vec<usize>>,
    /// "X with group" per group, added to the last member's list once the group is assigned.
    pub group_with_this: Vec<Vec<usize>>,
    /// The group whose last member each primitive is.
    pub last_member_of: Vec<Option<usize>>,
    /// [`WorkingSet::attr_classes`] of every colocation's node attribute (and of `#uname`),
    /// computed once: node attributes do not change while resources are assigned.
    pub attr_classes: BTreeMap<Option<String>, Vec<Option<usize>>>,
    /// Each clone's "this with" and "with this" colocations.
    pub clone_this_with: Vec<Vec<usize>>,
    pub clone_with_this: Vec<Vec<usize>>,
}

fn is_promoted(r: Option<CfgRole>) -> bool {
    matches!(r, Some(CfgRole::Promoted) | Some(CfgRole::Master))
}

impl WorkingSet<'_> {
    pub(crate) fn rref(&self, id: &str) -> Option<RRef> {
        // A clone's child named in a constraint means the clone.
        if let Some(&c) = self.clone_by_id.get(id) {
            return Some(RRef::Clone(c));
        }
        if let Some(&p) = self.prim_by_id.get(id) {
            return Some(RRef::Prim(p));
        }
        self.group_by_id.get(id).map(|&g| RRef::Group(g))
    }

    fn rref_priority(&self, r: RRef) -> (i64, u8, &str) {
        match r {
            RRef::Prim(p) => (self.prims[p].priority, 0, self.prims[p].id.as_str()),
            RRef::Group(g) => (self.groups[g].priority, 1, self.groups[g].id.as_str()),
            RRef::Clone(c) => (self.clones[c].priority, 2, self.clones[c].id.as_str()),
        }
    }

    /// The order of a resource's colocation lists: by the other side's priority, then
    /// variant, then id.
    pub(crate) fn cmp_coloc_by(&self, a: RRef, b: RRef) -> std::cmp::Ordering {
        let (pa, va, ia) = self.rref_priority(a);
        let (pb, vb, ib) = self.rref_priority(b);
        pb.cmp(&pa).then(vb.cmp(&va)).then(ia.cmp(ib))
    }

    /// Location constraints (applied in reverse, as Pacemaker's prepended list does), then
    /// stickiness, then migration-threshold bans.
    pub fn apply_node_criteria(&mut self) {
        let locs: Vec<_> = self.locations().collect();
        for l in locs.into_iter().rev() {
            if is_promoted(l.role) {
                continue;
            }
            let ResourceRef::Id(id) = &l.resource else {
                continue;
            };
            let Some(target) = self.rref(id) else {
                continue;
            };
            let mut scored: Vec<(usize, i64)> = Vec::new();
            match &l.placement {
                Placement::Node { node, score } => {
                    if let Some(n) = self.node_idx(node) {
                        scored.push((n, score.as_i64()));
                    }
                }
                Placement::Rules(rules) => {
                    for r in rules {
                        if is_promoted(r.role) {
                            continue;
                        }
                        for n in 0..self.nodes.len() {
                            if self.rule_matches(r, n) {
                                let s = match &r.score {
                                    RuleScore::Score(s) => s.as_i64(),
                                    RuleScore::Attribute(a) => self.nodes[n]
                                        .attrs
                                        .get(a)
                                        .map(|v| score::parse(v))
                                        .unwrap_or(-INF),
                                };
                                scored.push((n, s));
                            }
                        }
                    }
                }
            }
            let members: Vec<usize> = match target {
                RRef::Prim(p) => vec![p],
                RRef::Group(g) => self.groups[g].members.clone(),
                RRef::Clone(c) => {
                    // clone_rsc_location: the clone's own table, then every instance's.
                    for &(n, s) in &scored {
                        let slot = &mut self.clones[c].scores[n];
                        *slot = Some(match *slot {
                            Some(w) => score::add(w, s),
                            None => s,
                        });
                    }
                    self.clones[c].instances.clone()
                }
            };
            let every_member = matches!(target, RRef::Clone(_));
            for (i, &p) in members.iter().enumerate() {
                for &(n, s) in &scored {
                    let s = if i == 0 || every_member { s } else { 0 };
                    let slot = &mut self.prims[p].scores[n];
                    *slot = Some(match *slot {
                        Some(w) => score::add(w, s),
                        None => s,
                    });
                }
            }
        }
        for p in 0..self.prims.len() {
            let prim = &self.prims[p];
            if prim.managed && prim.stickiness >= 1 && prim.running_on.len() == 1 {
                let n = prim.running_on[0];
                if self.symmetric || prim.scores[n].is_some() {
                    let s = prim.stickiness;
                    self.rsc_location(p, n, s);
                }
            }
        }
        for n in 0..self.nodes.len() {
            for p in 0..self.prims.len() {
                let prim = &self.prims[p];
                if prim.migration_threshold == 0
                    || prim.failure_ignored
                    || prim.clear_failcount_on.contains(&n)
                {
                    continue;
                }
                let fc = self.effective_fail_count(p, n);
                if fc > 0 && prim.migration_threshold - fc <= 0 {
                    // An anonymous clone instance's failures ban the whole clone.
                    self.fail_ban(p, Some(n));
                }
            }
        }
    }

    pub(crate) fn rule_matches(&self, r: &Rule, n: usize) -> bool {
        let mut results = r.expressions.iter().map(|e| self.expr_matches(e, n));
        match r.boolean_op {
            BoolOp::And => results.all(|x| x),
            BoolOp::Or => results.any(|x| x),
        }
    }

    fn expr_matches(&self, e: &Expression, n: usize) -> bool {
        match e {
            Expression::Rule(r) => self.rule_matches(r, n),
            // Date expressions need a clock this version does not take.
            Expression::Date { .. } => false,
            Expression::Attribute {
                attribute,
                operation,
                value,
                kind,
                ..
            } => {
                let have = self.nodes[n].attrs.get(attribute);
                match operation {
                    AttrOp::Defined => have.is_some(),
                    AttrOp::NotDefined => have.is_none(),
                    op => {
                        let (Some(h), Some(v)) = (have, value) else {
                            return matches!(op, AttrOp::Ne) && have.is_none();
                        };
                        let numeric = matches!(kind.as_deref(), Some("number") | Some("integer"))
                            || (kind.is_none() && !matches!(op, AttrOp::Eq | AttrOp::Ne));
                        let ord = if numeric {
                            match (h.trim().parse::<f64>(), v.trim().parse::<f64>()) {
                                (Ok(a), Ok(b)) => a.partial_cmp(&b),
                                _ => Some(h.as_str().cmp(v.as_str())),
                            }
                        } else if kind.as_deref() == Some("version") {
                            Some(score::natural_cmp(h, v))
                        } else {
                            Some(h.to_ascii_lowercase().cmp(&v.to_ascii_lowercase()))
                        };
                        let Some(ord) = ord else { return false };
                        use std::cmp::Ordering::*;
                        match op {
                            AttrOp::Eq => ord == Equal,
                            AttrOp::Ne => ord != Equal,
                            AttrOp::Lt => ord == Less,
                            AttrOp::Lte => ord != Greater,
                            AttrOp::Gt => ord == Greater,
                            AttrOp::Gte => ord != Less,
                            AttrOp::Defined | AttrOp::NotDefined => unreachable!("handled above"),
                        }
                    }
                }
            }
        }
    }

    /// Builds every colocation (group internals included) and each resource's sorted lists.
    pub fn build_colocations(&mut self) -> Colocs {
        let mut all: Vec<Coloc> = Vec::new();
        for c in &self.model.constraints {
            let Constraint::Colocation(co) = c else {
                continue;
            };
            let s = co.score.as_i64();
            if s == 0 {
                continue;
            }
            let mut pairs: Vec<(String, Option<CfgRole>, String, Option<CfgRole>)> = Vec::new();
            match &co.kind {
                ColocationKind::Pair {
                    resource,
                    role,
                    with,
                    with_role,
                } => {
                    pairs.push((resource.clone(), *role, with.clone(), *with_role));
                }
                ColocationKind::Sets(sets) => {
                    for set in sets {
                        if set.sequential == Some(false) {
                            continue;
                        }
                        for w in set.resources.windows(2) {
                            pairs.push((w[1].clone(), set.role, w[0].clone(), set.role));
                        }
                    }
                    for w in sets.windows(2) {
                        if let (Some(d), Some(p)) = (w[0].resources.first(), w[1].resources.last())
                        {
                            pairs.push((d.clone(), w[0].role, p.clone(), w[1].role));
                        }
                    }
                }
            }
            for (d, dr, p, pr) in pairs {
                let (Some(dep), Some(pri)) = (self.rref(&d), self.rref(&p)) else {
                    continue;
                };
                // Role colocations matter only where a promotable clone is involved.
                let promotable = |r: RRef| matches!(r, RRef::Clone(c) if self.clones[c].promotable);
                if s > 0
                    && (is_promoted(dr) || is_promoted(pr))
                    && !(promotable(dep) || promotable(pri))
                {
                    continue;
                }
                let influence = match dep {
                    RRef::Prim(x) => self.prims[x].critical,
                    RRef::Group(_) | RRef::Clone(_) => true,
                };
                let role = |r: Option<CfgRole>| r.filter(|r| !matches!(r, CfgRole::Started));
                all.push(Coloc {
                    dep,
                    pri,
                    dep_role: role(dr),
                    pri_role: role(pr),
                    score: s,
                    influence,
                    attr: co.node_attribute.clone(),
                });
            }
        }
        for g in &self.groups {
            for w in g.members.windows(2) {
                all.push(Coloc {
                    dep: RRef::Prim(w[1]),
                    pri: RRef::Prim(w[0]),
                    dep_role: None,
                    pri_role: None,
                    score: INF,
                    influence: self.prims[w[1]].critical,
                    attr: None,
                });
            }
        }
        let np = self.prims.len();
        let ng = self.groups.len();
        let nc = self.clones.len();
        let mut this_with: Vec<Vec<usize>> = vec![Vec::new(); np + ng + nc];
        let mut with_this: Vec<Vec<usize>> = vec![Vec::new(); np + ng + nc];
        let slot = |r: RRef| match r {
            RRef::Prim(p) => p,
            RRef::Group(g) => np + g,
            RRef::Clone(c) => np + ng + c,
        };
        // g_list_insert_sorted puts a new entry before the equal ones already there, so equal
        // keys end up newest first: push newest first, then sort stably.
        for (i, c) in all.iter().enumerate().rev() {
            this_with[slot(c.dep)].push(i);
            with_this[slot(c.pri)].push(i);
        }
        for l in &mut this_with {
            l.sort_by(|&a, &b| self.cmp_coloc_by(all[a].pri, all[b].pri));
        }
        for l in &mut with_this {
            l.sort_by(|&a, &b| self.cmp_coloc_by(all[a].dep, all[b].dep));
        }
        let clone_this_with: Vec<Vec<usize>> = this_with[np + ng..].to_vec();
        let clone_with_this: Vec<Vec<usize>> = with_this[np + ng..].to_vec();
        // expand_group_colocations: "group with X" becomes "first member with X", "X with group"
        // becomes "X with last member" (appended after the members' own).
        // Each is inserted as `g_list_insert_sorted` does: before the first entry that does
        // not sort before it, so equal ones end up in the group's reverse order.
        for (g, grp) in self.groups.iter().enumerate() {
            if let Some(&first) = grp.members.first() {
                let extra = this_with[np + g].clone();
                for ci in extra {
                    let list = &this_with[first];
                    let at = list
                        .iter()
                        .position(|&x| self.cmp_coloc_by(all[ci].pri, all[x].pri).is_le())
                        .unwrap_or(list.len());
                    this_with[first].insert(at, ci);
                }
            }
        }
        // "X with group" joins the last member's list only once the group is assigned
        // (Pacemaker expands then); until then merges through the group do not see it.
        let group_with_this: Vec<Vec<usize>> = (0..ng).map(|g| with_this[np + g].clone()).collect();
        let last_member_of: Vec<Option<usize>> = {
            let mut v = vec![None; np];
            for (g, grp) in self.groups.iter().enumerate() {
                if let Some(&last) = grp.members.last() {
                    v[last] = Some(g);
                }
            }
            v
        };
        this_with.truncate(np);
        with_this.truncate(np);
        let mut attr_classes = BTreeMap::new();
        for attr in std::iter::once(None).chain(all.iter().map(|c| c.attr.clone())) {
            if let std::collections::btree_map::Entry::Vacant(e) = attr_classes.entry(attr) {
                let classes = self.attr_classes(e.key());
                e.insert(classes);
            }
        }
        Colocs {
            all,
            group_with_this,
            last_member_of,
            this_with,
            with_this,
            attr_classes,
            clone_this_with,
            clone_with_this,
        }
    }

    /// `p`'s "with this" colocations, with its group's once the group has been expanded.
    fn with_this_of(&self, p: usize, co: &Colocs) -> Vec<usize> {
        let mut v = co.with_this[p].clone();
        if self.prims[p].clone.is_some() {
            v.extend(self.prims[p].inherited_with_this.iter().copied());
        }
        if let Some(g) = co.last_member_of[p] {
            if self.groups[g].expanded {
                v.extend(co.group_with_this[g].iter().copied());
            }
        }
        v
    }

    fn any_available(&self, table: &[Option<i64>]) -> bool {
        table
            .iter()
            .enumerate()
            .any(|(n, w)| w.is_some_and(|w| w >= 0) && self.nodes[n].available())
    }

    fn rref_running(&self, r: RRef) -> bool {
        match r {
            RRef::Clone(c) => self.clone_running(c),
            RRef::Prim(p) => !self.prims[p].running_on.is_empty(),
            RRef::Group(g) => self.groups[g]
                .members
                .iter()
                .any(|&m| !self.prims[m].running_on.is_empty()),
        }
    }

    pub(crate) fn has_influence(&self, c: &Coloc) -> bool {
        c.influence || !self.rref_running(c.dep)
    }

    fn attr_of<'n>(&'n self, n: usize, attr: &Option<String>) -> Option<&'n str> {
        self.nodes[n]
            .attrs
            .get(attr.as_deref().unwrap_or("#uname"))
            .map(String::as_str)
    }

    pub(crate) fn same_attr(&self, a: usize, b: usize, attr: &Option<String>) -> bool {
        match (self.attr_of(a, attr), self.attr_of(b, attr)) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => false,
        }
    }

    /// For each node, the index of its value of `attr` among the nodes' distinct values
    /// (ignoring ASCII case), `None` when the node has no such attribute: two nodes have the
    /// same class exactly when [`Self::same_attr`] holds for them.
    fn attr_classes(&self, attr: &Option<String>) -> Vec<Option<usize>> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        (0..self.nodes.len())
            .map(|n| {
                let v = self.attr_of(n, attr)?.to_ascii_lowercase();
                let next = seen.len();
                Some(*seen.entry(v).or_insert(next))
            })
            .collect()
    }

    /// Assigns every resource, in priority order.
    pub fn assign_all(&mut self, co: &Colocs) {
        let tops = self.tops.clone();
        for t in tops {
            match t {
                Top::Prim(p) => {
                    self.assign_prim(p, co);
                }
                Top::Group(g) => self.assign_group(g, co),
                Top::Clone(c) => self.assign_clone(c, co),
            }
        }
    }

    fn assign_group(&mut self, g: usize, co: &Colocs) {
        if self.groups[g].assigned || self.groups[g].assigning {
            return;
        }
        self.groups[g].assigning = true;
        self.groups[g].expanded = true;
        let members = self.groups[g].members.clone();
        for m in members {
            self.assign_prim(m, co);
        }
        self.groups[g].assigning = false;
        self.groups[g].assigned = true;
    }

    pub(crate) fn assign_rref(&mut self, r: RRef, co: &Colocs) {
        match r {
            RRef::Prim(p) => {
                self.assign_prim(p, co);
            }
            RRef::Group(g) => self.assign_group(g, co),
            RRef::Clone(c) => self.assign_clone(c, co),
        }
    }

    pub(crate) fn assign_prim(&mut self, p: usize, co: &Colocs) -> Option<usize> {
        if let Some(g) = self.prims[p].group {
            if !self.groups[g].assigning && !self.groups[g].assigned {
                self.assign_group(g, co);
            }
        }
        if let Some(c) = self.prims[p].clone {
            if !self.clones[c].assigning && !self.clones[c].assigned {
                self.assign_clone(c, co);
            }
        }
        if !self.prims[p].provisional {
            return self.prims[p].assigned;
        }
        if self.prims[p].assigning {
            return None;
        }
        self.prims[p].assigning = true;
        let mut this_with = co.this_with[p].clone();
        this_with.extend(self.prims[p].inherited_this_with.iter().copied());
        for ci in this_with {
            let c = &co.all[ci];
            let archive = if c.score < 0 && c.score > -INF {
                Some(self.prims[p].scores.clone())
            } else {
                None
            };
            self.assign_rref(c.pri, co);
            self.apply_coloc_to_weights(p, c);
            if let Some(a) = archive {
                if !self.any_available(&self.prims[p].scores) {
                    self.prims[p].scores = a;
                }
            }
        }
        for ci in self.with_this_of(p, co) {
            let c = &co.all[ci];
            if !self.has_influence(c) {
                continue;
            }
            let table = self.prims[p].scores.clone();
            let factor = c.score as f32 / INF as f32;
            let merged = self.merge_weights(c.dep, table, &c.attr, factor, false, co);
            self.prims[p].scores = merged;
        }
        if self.prims[p].next_stopped {
            self.ban_everywhere(p);
        }
        if self.stonith_enabled && !self.have_stonith_resource {
            self.prims[p].managed = false;
        }
        let current = self.prims[p].running_on.first().copied();
        let chosen = if !self.prims[p].managed {
            current
        } else if self.stop_all {
            None
        } else {
            self.best_node(p, current, self.prims[p].prefer)
        };
        if let Some(n) = chosen {
            self.nodes[n].num_resources += 1;
        }
        let prim = &mut self.prims[p];
        prim.assigned = chosen;
        prim.provisional = false;
        prim.assigning = false;
        chosen
    }

    fn best_node(&self, p: usize, current: Option<usize>, prefer: Option<usize>) -> Option<usize> {
        let table = &self.prims[p].scores;
        let mut cands: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| table[n].is_some())
            .collect();
        let eff = |n: usize| {
            if self.nodes[n].available() {
                table[n].unwrap_or(-INF)
            } else {
                -INF
            }
        };
        cands.sort_by(|&a, &b| {
            eff(b)
                .cmp(&eff(a))
                .then(
                    self.nodes[a]
                        .num_resources
                        .cmp(&self.nodes[b].num_resources),
                )
                .then_with(|| match current {
                    Some(c) if c == a => std::cmp::Ordering::Less,
                    Some(c) if c == b => std::cmp::Ordering::Greater,
                    _ => std::cmp::Ordering::Equal,
                })
                .then_with(|| self.nodes[a].name.cmp(&self.nodes[b].name))
        });
        let &best = cands.first()?;
        let best_w = table[best].unwrap_or(-INF);
        // A preferred node (a clone instance's current one) wins when it is as good as the best.
        if let Some(pn) = prefer {
            if let Some(w) = table[pn] {
                if w >= best_w && w >= 0 && self.nodes[pn].available() {
                    return Some(pn);
                }
            }
        }
        let mut chosen = best;
        if best_w > 0 && self.nodes[best].available() {
            if let Some(cur) = current {
                if self.nodes[cur].available() && self.nodes[cur].weight >= 0 {
                    for &n in &cands[1..] {
                        if table[n] != Some(best_w) {
                            break;
                        }
                        if n == cur {
                            chosen = cur;
                        }
                    }
                }
            }
        }
        let w = table[chosen].unwrap_or(-INF);
        if w < 0 || !self.nodes[chosen].available() {
            return None;
        }
        Some(chosen)
    }

    fn primary_node(&self, c: &Coloc) -> Option<usize> {
        match c.pri {
            RRef::Prim(q) => self.prims[q].assigned,
            RRef::Clone(_) => None,
            RRef::Group(g) => {
                let m = &self.groups[g].members;
                let q = if c.score >= INF { m.last() } else { m.first() };
                q.and_then(|&q| self.prims[q].assigned)
            }
        }
    }

    fn rref_provisional(&self, r: RRef) -> bool {
        match r {
            RRef::Prim(q) => self.prims[q].provisional,
            RRef::Group(g) => !self.groups[g].assigned,
            RRef::Clone(k) => !self.clones[k].assigned,
        }
    }

    pub(crate) fn apply_coloc_to_weights(&mut self, p: usize, c: &Coloc) {
        // colocation_affects: a positive colocation for a dependent role is decided with roles;
        // so is any for a promotable clone's instances (crm_simulate shows no location effect).
        if c.dep_role.is_some() && (c.score > 0 || self.is_promotable_instance(p)) {
            return;
        }
        if let RRef::Clone(k) = c.pri {
            self.apply_coloc_with_clone(p, k, c);
            return;
        }
        // A primary still being assigned (a colocation loop) affects nothing.
        if self.rref_provisional(c.pri) {
            return;
        }
        let pn = self.primary_node(c);
        if pn.is_none() && c.score < 0 {
            return;
        }
        let mut work = self.prims[p].scores.clone();
        for (n, slot) in work.iter_mut().enumerate() {
            let Some(w) = *slot else { continue };
            *slot = Some(match pn {
                None => score::add(-c.score, w),
                Some(pn) if self.same_attr(n, pn, &c.attr) => {
                    if c.score < INF {
                        score::add(c.score, w)
                    } else {
                        w
                    }
                }
                Some(_) if c.score >= INF => -INF,
                Some(_) => w,
            });
        }
        if c.score <= -INF || c.score >= INF || self.any_available(&work) {
            self.prims[p].scores = work;
        }
    }

    /// `pcmk__add_colocated_node_scores`: `table` with `dep`'s best scores (per node attribute
    /// value) added at `factor`, then the resources colocated with `dep`, recursively; rolled
    /// back when no node would remain available. With `only_positive` a merge never turns a
    /// non-negative score negative (clones merging their dependents).
    pub(crate) fn merge_weights(
        &mut self,
        dep: RRef,
        table: Vec<Option<i64>>,
        attr: &Option<String>,
        factor: f32,
        only_positive: bool,
        co: &Colocs,
    ) -> Vec<Option<i64>> {
        let (src, with_this) = match dep {
            RRef::Prim(q) => {
                if self.prims[q].merging {
                    return table;
                }
                self.prims[q].merging = true;
                (self.prims[q].scores.clone(), self.with_this_of(q, co))
            }
            RRef::Clone(c) => {
                if self.clones[c].merging {
                    return table;
                }
                self.clones[c].merging = true;
                (self.clones[c].scores.clone(), co.clone_with_this[c].clone())
            }
            RRef::Group(g) => {
                // init_group_colocated_nodes: the first member's scores (and its chain), then
                // the last member's "with this" colocations.
                let (Some(&first), Some(&last)) = (
                    self.groups[g].members.first(),
                    self.groups[g].members.last(),
                ) else {
                    return table;
                };
                if self.groups[g].merging {
                    return table;
                }
                self.groups[g].merging = true;
                let mut work = self.merge_weights(
                    RRef::Prim(first),
                    table.clone(),
                    attr,
                    factor,
                    only_positive,
                    co,
                );
                if self.any_available(&work) {
                    let sign: f32 = if factor < 0.0 { -1.0 } else { 1.0 };
                    for ci in self.with_this_of(last, co) {
                        let c = &co.all[ci];
                        if !self.has_influence(c) {
                            continue;
                        }
                        let f = sign * c.score as f32 / INF as f32;
                        work = self.merge_weights(c.dep, work, &c.attr, f, only_positive, co);
                    }
                } else {
                    work = table;
                }
                self.groups[g].merging = false;
                return work;
            }
        };
        let mut work = table.clone();
        // The best score of `dep` on an available node of each `attr` value (compared ignoring
        // ASCII case, as `same_attr` does): one pass over the nodes and a lookup per node
        // instead of comparing every pair of nodes.
        let computed;
        let classes = match co.attr_classes.get(attr) {
            Some(c) => c,
            None => {
                computed = self.attr_classes(attr);
                &computed
            }
        };
        let mut best_of = vec![-INF; self.nodes.len()];
        for (m, class) in classes.iter().enumerate() {
            if let (Some(c), Some(s)) = (*class, src[m]) {
                if s > best_of[c] && self.nodes[m].available() {
                    best_of[c] = s;
                }
            }
        }
        for (n, slot) in work.iter_mut().enumerate() {
            let Some(w) = *slot else { continue };
            let best = classes[n].map_or(-INF, |c| best_of[c]);
            if factor < 0.0 && best < 0 {
                continue;
            }
            if w == crate::clone::UNUSABLE {
                continue;
            }
            let wf = factor * best as f32;
            let mut add = if wf < 0.0 {
                (wf - 0.5) as i64
            } else {
                (wf + 0.5) as i64
            };
            if add == 0 && best != 0 {
                add = if factor > 0.0 { 1 } else { -1 };
            }
            let new = score::add(add, w);
            if only_positive && new < 0 && w > 0 {
                *slot = Some(crate::clone::UNUSABLE);
                continue;
            }
            if only_positive && new < 0 && w == 0 {
                continue;
            }
            *slot = Some(new);
        }
        let clear = |ws: &mut Self| match dep {
            RRef::Prim(q) => ws.prims[q].merging = false,
            RRef::Clone(c) => ws.clones[c].merging = false,
            RRef::Group(_) => {}
        };
        if !self.any_available(&work) {
            clear(self);
            return table;
        }
        let sign: f32 = if factor < 0.0 { -1.0 } else { 1.0 };
        for ci in with_this {
            let c = &co.all[ci];
            if !self.has_influence(c) {
                continue;
            }
            let f = sign * c.score as f32 / INF as f32;
            work = self.merge_weights(c.dep, work, &c.attr, f, only_positive, co);
        }
        if only_positive {
            for w in work.iter_mut().flatten() {
                if *w == crate::clone::UNUSABLE {
                    *w = 1;
                }
            }
        }
        clear(self);
        work
    }

    /// The role a primitive should have once the transition completes.
    pub fn next_role(&self, p: usize) -> Role {
        let prim = &self.prims[p];
        if prim.assigned.is_some() && !prim.next_stopped {
            if let Some(r) = prim.role_next {
                return r;
            }
            if !prim.managed {
                prim.role.max(Role::Stopped)
            } else {
                Role::Started
            }
        } else {
            Role::Stopped
        }
    }
}
