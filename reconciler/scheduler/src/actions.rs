//! Actions and their ordering: each primitive's restart and role-transition actions
//! (`pcmk__primitive_create_actions`), probes, fencing and shutdown, the orderings (a
//! primitive's stop before its start, group members, order constraints) and the propagation of
//! "required" and "runnable" along them to a fixpoint (`pcmk__update_action_for_orderings`).

use crate::assign::{Colocs, RRef};
use crate::score::INF;
use crate::transition::{Action, ActionKind, Placement, Schedule};
use crate::unpack::{MultipleActive, Requires, Role, Top, WorkingSet};
use quorate_schema::model::{Constraint, OrderSpec};
use quorate_schema::types::{Action as CfgAction, NoQuorumPolicy, OrderKind};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) const IMPLIES_THEN: u8 = 1;
const IMPLIES_FIRST: u8 = 2;
pub(crate) const RUNNABLE_LEFT: u8 = 4;
const RESTART: u8 = 8;
const ASYMMETRIC: u8 = 16;

/// One scheduled action with Pacemaker's flags.
#[derive(Clone, Debug)]
pub(crate) struct Act {
    pub kind: ActionKind,
    pub prim: Option<usize>,
    pub node: usize,
    pub optional: bool,
    pub runnable: bool,
    pub pseudo: bool,
    /// In the graph even while optional (a start that is already pending).
    pub print_always: bool,
    pub reason: Option<String>,
}

impl Act {
    /// A required node-level action (fence, unfence, shutdown): no resource.
    fn node_action(kind: ActionKind, node: usize, reason: Option<String>) -> Act {
        Act {
            kind,
            prim: None,
            node,
            optional: false,
            runnable: true,
            pseudo: false,
            print_always: false,
            reason,
        }
    }
}

/// A resource-level ordering: every `first` action of a resource before every `then` action.
#[derive(Clone, Debug)]
pub(crate) struct ROrder {
    pub first: (RRef, ActionKind),
    pub then: (RRef, ActionKind),
    pub flags: u8,
}

/// The action graph under construction.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub acts: Vec<Act>,
    index: BTreeMap<(usize, ActionKind, usize), usize>,
    by_prim: Vec<Vec<usize>>,
    node_acts: Vec<usize>,
    pub orders: Vec<ROrder>,
}

impl Graph {
    pub(crate) fn rsc_action(
        &mut self,
        p: usize,
        kind: ActionKind,
        node: usize,
        optional: bool,
    ) -> usize {
        if let Some(&i) = self.index.get(&(p, kind, node)) {
            if !optional {
                self.acts[i].optional = false;
            }
            return i;
        }
        let i = self.acts.len();
        self.acts.push(Act {
            kind,
            prim: Some(p),
            node,
            optional,
            runnable: true,
            pseudo: false,
            print_always: false,
            reason: None,
        });
        self.index.insert((p, kind, node), i);
        self.by_prim[p].push(i);
        i
    }

    pub(crate) fn of(&self, p: usize, kind: ActionKind) -> impl Iterator<Item = usize> + '_ {
        self.by_prim[p]
            .iter()
            .copied()
            .filter(move |&i| self.acts[i].kind == kind)
    }

    fn emitted(&self, i: usize) -> bool {
        let a = &self.acts[i];
        (!a.optional || a.print_always) && a.runnable && !a.pseudo
    }
}

/// The "first" side of an ordering, as evaluated during propagation.
#[derive(Clone, Copy)]
enum First {
    Act(usize),
    Virtual { required: bool, runnable: bool },
}

impl WorkingSet<'_> {
    pub(crate) fn start_runnable(&self, p: usize, node: usize) -> Result<(), &'static str> {
        let n = &self.nodes[node];
        if !n.online {
            return Err("node offline");
        }
        if n.pending {
            return Err("node pending");
        }
        let prim = &self.prims[p];
        if prim.requires == Requires::Nothing || self.have_quorum {
            return Ok(());
        }
        match self.no_quorum {
            NoQuorumPolicy::Ignore => Ok(()),
            NoQuorumPolicy::Freeze => {
                if prim.running_on.is_empty() {
                    Err("quorum freeze")
                } else {
                    Ok(())
                }
            }
            _ => Err("no quorum"),
        }
    }

    fn create_prim_actions(&self, g: &mut Graph, p: usize) {
        let prim = &self.prims[p];
        let mut next_role = self.next_role(p);
        // A promotable instance's promotion is `promote::create_role_actions`'s; here it only
        // needs to run.
        if next_role == Role::Promoted && self.is_promotable_instance(p) {
            next_role = Role::Started;
        }
        let assigned = if next_role == Role::Stopped {
            None
        } else {
            prim.assigned
        };
        // pe__find_active_on: without requires=fencing, an unclean node's copy does not count.
        let clean = |n: &usize| self.nodes[*n].online && !self.nodes[*n].unclean;
        let current = if prim.requires == Requires::Fencing {
            prim.running_on.first().copied()
        } else {
            prim.running_on
                .iter()
                .copied()
                .find(clean)
                .or_else(|| prim.running_on.first().copied())
        };
        let mut need_stop = false;
        let moving = matches!((current, assigned), (Some(c), Some(a)) if c != a);
        if moving {
            need_stop = true;
        }
        let active_count = if prim.requires == Requires::Fencing {
            prim.running_on.len()
        } else {
            prim.running_on
                .iter()
                .filter(|&&n| self.nodes[n].online && !self.nodes[n].unclean)
                .count()
        };
        let mut stop_unexpected = false;
        if active_count > 1 {
            match prim.multiple_active {
                MultipleActive::StopStart => need_stop = true,
                MultipleActive::StopUnexpected => {
                    need_stop = true;
                    stop_unexpected = true;
                }
                _ => {}
            }
        }
        // Not moving: a failed resource is recovered, a blocked one keeps a (blocked) stop.
        if !moving && ((prim.failed && prim.stop_flag) || prim.blocked) {
            need_stop = true;
        }
        let role = if prim.role > Role::Stopped {
            Role::Started
        } else {
            Role::Stopped
        };
        let mut stops: Vec<usize> = Vec::new();
        // Restart actions: down to Stopped on the current nodes, back up to the current role.
        if role == Role::Started {
            for &n in &prim.running_on {
                if stop_unexpected && Some(n) == assigned {
                    continue;
                }
                stops.push(g.rsc_action(p, ActionKind::Stop, n, !need_stop));
            }
            if next_role >= Role::Started && !prim.blocked {
                if let Some(a) = assigned {
                    let i = g.rsc_action(p, ActionKind::Start, a, !need_stop);
                    // multiple-active=stop_unexpected: the start where it stays is a pseudo-action.
                    if stop_unexpected && prim.running_on.contains(&a) {
                        g.acts[i].pseudo = true;
                    }
                }
            }
        }
        // Recovery stops created while reading the history.
        for &n in &prim.recover_on {
            if prim.running_on.contains(&n) {
                stops.push(g.rsc_action(p, ActionKind::Stop, n, false));
            }
        }
        // Role transition actions.
        if role != next_role {
            if next_role == Role::Stopped {
                for &n in &prim.running_on {
                    stops.push(g.rsc_action(p, ActionKind::Stop, n, false));
                }
            } else if let Some(a) = assigned {
                g.rsc_action(p, ActionKind::Start, a, false);
            }
        }
        // A definition change (see `digest`) requires the start where it is assigned; the
        // restart ordering then requires the stop. An unmanaged resource's actions stay
        // optional.
        if prim.definition_changed && prim.managed && next_role >= Role::Started && !prim.blocked {
            if let Some(a) = assigned {
                let i = g.rsc_action(p, ActionKind::Start, a, false);
                if g.acts[i].reason.is_none() {
                    g.acts[i].reason = Some("resource definition change".into());
                }
            }
        }
        if prim.start_pending {
            if let Some(a) = assigned {
                let i = g.rsc_action(p, ActionKind::Start, a, true);
                g.acts[i].print_always = true;
            }
        }
        for &i in &stops {
            let a = &mut g.acts[i];
            if !prim.managed || !self.nodes[a.node].online {
                a.runnable = false;
            }
            if assigned.is_none() && a.reason.is_none() {
                a.reason = Some("node availability".into());
            } else if stop_unexpected && a.reason.is_none() {
                a.reason = Some("being multiply active".into());
            }
        }
        let starts: Vec<usize> = g.of(p, ActionKind::Start).collect();
        for i in starts {
            let node = g.acts[i].node;
            if let Err(why) = self.start_runnable(p, node) {
                g.acts[i].runnable = false;
                g.acts[i].reason = Some(why.into());
            }
        }
    }

    fn rref_of(&self, id: &str) -> Option<RRef> {
        self.rref(id)
    }

    fn build_orders(&self, g: &mut Graph) {
        let mut orders = Vec::new();
        // An inactive resource cannot start before every probe of it could run.
        for (p, prim) in self.prims.iter().enumerate() {
            if prim.running_on.is_empty() && prim.group.is_none() {
                // A clone instance's probe gates the clone's start.
                let then = match prim.clone {
                    Some(c) => RRef::Clone(c),
                    None => RRef::Prim(p),
                };
                orders.push(ROrder {
                    first: (RRef::Prim(p), ActionKind::Probe),
                    then: (then, ActionKind::Start),
                    flags: RUNNABLE_LEFT,
                });
            }
        }
        for p in 0..self.prims.len() {
            orders.push(ROrder {
                first: (RRef::Prim(p), ActionKind::Stop),
                then: (RRef::Prim(p), ActionKind::Start),
                flags: IMPLIES_THEN | RESTART,
            });
        }
        for grp in &self.groups {
            for w in grp.members.windows(2) {
                orders.push(ROrder {
                    first: (RRef::Prim(w[0]), ActionKind::Start),
                    then: (RRef::Prim(w[1]), ActionKind::Start),
                    flags: IMPLIES_THEN | RUNNABLE_LEFT,
                });
                orders.push(ROrder {
                    first: (RRef::Prim(w[1]), ActionKind::Stop),
                    then: (RRef::Prim(w[0]), ActionKind::Stop),
                    flags: RESTART,
                });
            }
        }
        for c in &self.model.constraints {
            let Constraint::Order(o) = c else { continue };
            let mut pairs: Vec<(String, CfgAction, String, CfgAction)> = Vec::new();
            match &o.spec {
                OrderSpec::Pair {
                    first,
                    first_action,
                    then,
                    then_action,
                } => {
                    pairs.push((first.clone(), *first_action, then.clone(), *then_action));
                }
                OrderSpec::Sets(sets) => {
                    for set in sets {
                        if set.sequential == Some(false) {
                            continue;
                        }
                        let a = set.action.unwrap_or(CfgAction::Start);
                        for w in set.resources.windows(2) {
                            pairs.push((w[0].clone(), a, w[1].clone(), a));
                        }
                    }
                    for w in sets.windows(2) {
                        if let (Some(f), Some(t)) = (w[0].resources.last(), w[1].resources.first())
                        {
                            pairs.push((
                                f.clone(),
                                w[0].action.unwrap_or(CfgAction::Start),
                                t.clone(),
                                w[1].action.unwrap_or(CfgAction::Start),
                            ));
                        }
                    }
                }
            }
            let symmetrical = o.symmetrical.unwrap_or(o.kind != OrderKind::Serialize);
            for (f, fa, t, ta) in pairs {
                let (Some(fr), Some(tr)) = (self.rref_of(&f), self.rref_of(&t)) else {
                    continue;
                };
                // Orderings between a fencing device and anything else are ignored.
                let stonith = |r: RRef| matches!(r, RRef::Prim(p) if self.prims[p].is_stonith);
                if stonith(fr) != stonith(tr) {
                    continue;
                }
                let (Some(fk), Some(tk)) = (kind_of(fa), kind_of(ta)) else {
                    continue;
                };
                match o.kind {
                    // The deprecated `restart-type=restart` of "then" makes an optional order
                    // imply "then" (its inverse would imply "first", which changes nothing for
                    // a primitive's action in 2.1.5).
                    OrderKind::Optional if self.restart_type_restart(tr) => {
                        orders.push(ROrder {
                            first: (fr, fk),
                            then: (tr, tk),
                            flags: IMPLIES_THEN,
                        });
                    }
                    OrderKind::Optional | OrderKind::Serialize => {
                        orders.push(ROrder {
                            first: (fr, fk),
                            then: (tr, tk),
                            flags: 0,
                        });
                    }
                    OrderKind::Mandatory if !symmetrical => {
                        orders.push(ROrder {
                            first: (fr, fk),
                            then: (tr, tk),
                            flags: ASYMMETRIC,
                        });
                    }
                    OrderKind::Mandatory => {
                        let rl = if fk == ActionKind::Start || fk == ActionKind::Promote {
                            RUNNABLE_LEFT
                        } else {
                            0
                        };
                        orders.push(ROrder {
                            first: (fr, fk),
                            then: (tr, tk),
                            flags: IMPLIES_THEN | rl,
                        });
                        if let (Some(ti), Some(fi)) = (inverse(tk), inverse(fk)) {
                            orders.push(ROrder {
                                first: (tr, ti),
                                then: (fr, fi),
                                flags: IMPLIES_FIRST,
                            });
                        }
                    }
                }
            }
        }
        g.orders = orders;
    }

    /// The resource's `restart-type` meta attribute (or the resource defaults') is `restart`.
    fn restart_type_restart(&self, r: RRef) -> bool {
        use quorate_schema::model::Resource;
        // A clone instance has its primitive's meta attributes, then the clone's.
        let ids: Vec<&str> = match r {
            RRef::Prim(p) => match self.prims[p].clone {
                Some(c) => vec![&self.clones[c].child_id, &self.clones[c].id],
                None => vec![&self.prims[p].id],
            },
            RRef::Group(g) => vec![&self.groups[g].id],
            RRef::Clone(c) => vec![&self.clones[c].id, &self.clones[c].child_id],
        };
        let meta = |id: &str| match self.model.resources.get(id) {
            Some(Resource::Primitive(p)) => Some(&p.meta),
            Some(Resource::Group(g)) => Some(&g.meta),
            Some(Resource::Clone(c)) => Some(&c.meta),
            None => self.model.fence_devices.get(id).map(|p| &p.meta),
        };
        ids.into_iter()
            .find_map(|id| meta(id).and_then(|m| m.get("restart-type")))
            .or_else(|| self.model.rsc_defaults.get("restart-type"))
            .is_some_and(|v| v.eq_ignore_ascii_case("restart"))
    }

    fn members(&self, r: RRef) -> Vec<usize> {
        match r {
            RRef::Prim(p) => vec![p],
            RRef::Group(g) => self.groups[g].members.clone(),
            RRef::Clone(c) => self.clones[c].instances.clone(),
        }
    }

    fn firsts(&self, g: &Graph, r: RRef, kind: ActionKind) -> Option<Vec<First>> {
        match r {
            RRef::Prim(p) => {
                let v: Vec<First> = g.of(p, kind).map(First::Act).collect();
                if v.is_empty() {
                    if matches!(
                        kind,
                        ActionKind::Stop | ActionKind::Demote | ActionKind::Probe
                    ) {
                        return None;
                    }
                    return Some(vec![First::Virtual {
                        required: false,
                        runnable: false,
                    }]);
                }
                Some(v)
            }
            RRef::Group(gi) => {
                let mut required = false;
                let mut runnable = true;
                for &m in &self.groups[gi].members {
                    let acts: Vec<usize> = g.of(m, kind).collect();
                    if acts.is_empty() && kind != ActionKind::Stop && kind != ActionKind::Demote {
                        runnable = false;
                    }
                    for i in acts {
                        required |= !g.acts[i].optional;
                        runnable &= g.acts[i].runnable;
                    }
                }
                Some(vec![First::Virtual { required, runnable }])
            }
            RRef::Clone(c) => {
                // summary_action_flags: required if any instance's is, runnable if any is.
                let mut required = false;
                let mut runnable = false;
                let mut any = false;
                for &m in &self.clones[c].instances {
                    for i in g.of(m, kind) {
                        any = true;
                        required |= !g.acts[i].optional;
                        runnable |= g.acts[i].runnable;
                    }
                }
                if !any && matches!(kind, ActionKind::Stop | ActionKind::Demote) {
                    return None;
                }
                Some(vec![First::Virtual { required, runnable }])
            }
        }
    }

    /// Whether an action of clone `c`'s instances is required (on `node`, or anywhere).
    fn clone_required_on(
        &self,
        g: &Graph,
        c: usize,
        kind: ActionKind,
        node: Option<usize>,
    ) -> bool {
        // Pacemaker leaves a start that cannot run optional (`start_resource`); this crate
        // marks it required to print "Start ... (blocked)", so it does not count here.
        self.clones[c].instances.iter().any(|&m| {
            g.of(m, kind).any(|i| {
                let a = &g.acts[i];
                !a.optional
                    && (a.runnable || kind != ActionKind::Start)
                    && node.is_none_or(|n| a.node == n)
            })
        })
    }

    /// How Pacemaker names the "first" side in a reason: `rsc4 start`, `bar running`.
    fn first_name(&self, g: &Graph, f: First, o: &ROrder) -> String {
        match (f, o.first.0) {
            (First::Act(i), _) => {
                let a = &g.acts[i];
                let id = a.prim.map(|p| self.prims[p].id.as_str()).unwrap_or("");
                format!("{id} {}", a.kind.verb())
            }
            (First::Virtual { .. }, RRef::Group(_) | RRef::Clone(_)) => {
                let task = match o.first.1 {
                    ActionKind::Start => "running",
                    ActionKind::Stop => "stopped",
                    ActionKind::Promote => "promoted",
                    ActionKind::Demote => "demoted",
                    k => k.verb(),
                };
                let id = match o.first.0 {
                    RRef::Group(gi) => &self.groups[gi].id,
                    RRef::Clone(c) => &self.clones[c].id,
                    RRef::Prim(p) => &self.prims[p].id,
                };
                format!("{id} {task}")
            }
            (First::Virtual { .. }, RRef::Prim(p)) => {
                format!("{} {}", self.prims[p].id, o.first.1.verb())
            }
        }
    }

    /// Sets `t`'s reason (if it has none) when `f` belongs to another resource.
    fn because(&self, g: &mut Graph, t: usize, f: First, o: &ROrder, word: &str) {
        let other = match f {
            First::Act(i) => g.acts[i].prim != g.acts[t].prim,
            First::Virtual { .. } => true,
        };
        if other && g.acts[t].reason.is_none() {
            let name = self.first_name(g, f, o);
            g.acts[t].reason = Some(format!("{word} {name}"));
        }
    }

    fn apply_order(&self, g: &mut Graph, o: &ROrder) -> bool {
        let Some(firsts) = self.firsts(g, o.first.0, o.first.1) else {
            return false;
        };
        let thens: Vec<usize> = self
            .members(o.then.0)
            .into_iter()
            .flat_map(|m| g.of(m, o.then.1).collect::<Vec<_>>())
            .collect();
        let mut changed = false;
        for f in firsts {
            for &t in &thens {
                // A clone as "first" is judged on the node of "then" (action_flags_for_ordering):
                // required only when an instance's action there is.
                let f = match (f, o.first.0, o.then.0) {
                    (First::Virtual { runnable, .. }, RRef::Clone(c), then) => {
                        let node = match then {
                            RRef::Clone(_) => None,
                            _ => Some(g.acts[t].node),
                        };
                        First::Virtual {
                            required: self.clone_required_on(g, c, o.first.1, node),
                            runnable,
                        }
                    }
                    _ => f,
                };
                let (f_req, f_run) = match f {
                    First::Act(i) => (!g.acts[i].optional, g.acts[i].runnable),
                    First::Virtual { required, runnable } => (required, runnable),
                };
                // The blocked stop of an unmanaged, blocked resource blocks what depends on it.
                if let First::Act(i) = f {
                    let fa = &g.acts[i];
                    if fa.kind == ActionKind::Stop
                        && !fa.runnable
                        && fa
                            .prim
                            .is_some_and(|p| !self.prims[p].managed && self.prims[p].blocked)
                        && o.flags & (IMPLIES_THEN | IMPLIES_FIRST | RESTART) != 0
                        && g.acts[t].runnable
                    {
                        g.acts[t].runnable = false;
                        self.because(g, t, f, o, "unrunnable");
                        changed = true;
                    }
                }
                if o.flags & IMPLIES_THEN != 0 && f_req && g.acts[t].optional {
                    g.acts[t].optional = false;
                    self.because(g, t, f, o, "required");
                    changed = true;
                }
                if o.flags & RESTART != 0 {
                    let tp = g.acts[t].prim;
                    let same = matches!(f, First::Act(i) if g.acts[i].prim == tp);
                    let managed = tp.is_some_and(|p| self.prims[p].managed);
                    let reason = !g.acts[t].optional || (!g.acts[t].runnable && managed && same);
                    if reason {
                        if let First::Act(i) = f {
                            if (g.acts[i].runnable || !g.acts[t].optional) && g.acts[i].optional {
                                g.acts[i].optional = false;
                                if g.acts[i].prim != g.acts[t].prim && g.acts[i].reason.is_none() {
                                    let then = &g.acts[t];
                                    let id = then
                                        .prim
                                        .map(|p| self.prims[p].id.clone())
                                        .unwrap_or_default();
                                    g.acts[i].reason =
                                        Some(format!("required {id} {}", then.kind.verb()));
                                }
                                changed = true;
                            }
                            if !g.acts[i].optional && !g.acts[i].runnable && g.acts[t].runnable {
                                g.acts[t].runnable = false;
                                self.because(g, t, f, o, "unrunnable");
                                changed = true;
                            }
                        }
                    }
                }
                let (f_req, f_run) = match f {
                    First::Act(i) => (!g.acts[i].optional, g.acts[i].runnable),
                    First::Virtual { .. } => (f_req, f_run),
                };
                if o.flags & RUNNABLE_LEFT != 0 && !f_run && g.acts[t].runnable {
                    g.acts[t].runnable = false;
                    self.because(g, t, f, o, "unrunnable");
                    changed = true;
                }
                // IMPLIES_FIRST changes nothing when "first" is a primitive's action: Pacemaker
                // 2.1.5 compares the action's flags with themselves there.
                let _ = f_req;
                if o.flags & ASYMMETRIC != 0 && !f_run {
                    let ta = &g.acts[t];
                    let tp = ta.prim.map(|p| &self.prims[p]);
                    let noop = match (ta.kind, tp) {
                        (ActionKind::Start, Some(pr)) => ta.optional && pr.running_on == [ta.node],
                        (ActionKind::Stop, Some(pr)) => pr.running_on.is_empty(),
                        _ => false,
                    };
                    if !noop && (g.acts[t].runnable || g.acts[t].optional) {
                        if g.acts[t].optional {
                            g.acts[t].optional = false;
                            self.because(g, t, f, o, "required");
                        }
                        if g.acts[t].runnable {
                            g.acts[t].runnable = false;
                            self.because(g, t, f, o, "unrunnable");
                        }
                        changed = true;
                    }
                }
            }
        }
        changed
    }

    /// Unrunnable starts of primaries make the starts of their +INF dependents unrunnable.
    fn block_colocation_dependents(&self, g: &mut Graph, co: &Colocs) {
        loop {
            let mut changed = false;
            for c in &co.all {
                if c.score < INF {
                    continue;
                }
                // The primary is blocked only when none of its (instances') starts can run.
                let (primaries, name) = match c.pri {
                    RRef::Prim(pp) if self.prims[pp].group.is_none() => {
                        (vec![pp], self.prims[pp].id.clone())
                    }
                    RRef::Clone(k) => (self.clones[k].instances.clone(), self.clones[k].id.clone()),
                    _ => continue,
                };
                let mut blocked = true;
                for &pp in &primaries {
                    let starts: Vec<usize> = g.of(pp, ActionKind::Start).collect();
                    if starts.is_empty() || starts.iter().any(|&i| g.acts[i].runnable) {
                        blocked = false;
                    }
                }
                if !blocked {
                    continue;
                }
                let deps: Vec<usize> = match c.dep {
                    RRef::Prim(d) => vec![d],
                    RRef::Group(gi) => match self.groups[gi].members.first() {
                        Some(&d) => vec![d],
                        None => continue,
                    },
                    RRef::Clone(k) => self.clones[k].instances.clone(),
                };
                for dep in deps {
                    let ds: Vec<usize> = g.of(dep, ActionKind::Start).collect();
                    for i in ds {
                        if g.acts[i].runnable {
                            g.acts[i].runnable = false;
                            g.acts[i].reason = Some(format!("colocation with {name}"));
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn can_fence(&self, node: usize) -> bool {
        self.stonith_enabled
            && self.have_stonith_resource
            && (self.have_quorum
                || self.no_quorum == NoQuorumPolicy::Ignore
                || self.nodes[node].online)
    }

    /// The unfencing actions (see `unfence`), in the order Pacemaker creates them: for changed
    /// fencing devices, then for probes, then for starts. A required unfencing requires the
    /// starts it precedes and the stops of resources that need unfencing on its node.
    fn schedule_unfencing(&self, g: &mut Graph) -> Vec<Act> {
        if !self.unfencing_enabled() {
            return Vec::new();
        }
        let mut reasons: Vec<Option<String>> = vec![None; self.nodes.len()];
        let mut triggered: Vec<usize> = Vec::new();
        let mut trigger = |n: usize, why: String| {
            if self.can_unfence(n) && self.can_fence(n) && reasons[n].is_none() {
                reasons[n] = Some(why);
                triggered.push(n);
            }
        };
        for prim in &self.prims {
            if !prim.is_stonith || prim.orphan {
                continue;
            }
            if prim.definition_changed {
                for &n in &prim.running_on {
                    trigger(n, "Device parameters changed".into());
                }
            }
            for &n in &prim.reload_on {
                trigger(n, "Device parameters changed (reload)".into());
            }
        }
        for kind in [ActionKind::Probe, ActionKind::Start] {
            for a in &g.acts {
                let Some(p) = a.prim else { continue };
                if a.kind == kind && self.waits_for_unfencing(p) && !self.node_unfenced(a.node) {
                    let task = if kind == ActionKind::Probe {
                        "monitor"
                    } else {
                        "start"
                    };
                    trigger(a.node, format!("required by {} {task}", self.prims[p].id));
                }
            }
        }
        for a in g.acts.iter_mut() {
            let Some(p) = a.prim else { continue };
            if reasons[a.node].is_none() {
                continue;
            }
            let implied = match a.kind {
                ActionKind::Start => self.waits_for_unfencing(p),
                ActionKind::Stop => self.needs_unfencing(p),
                _ => false,
            };
            if implied {
                a.optional = false;
            }
        }
        triggered
            .into_iter()
            .map(|n| Act::node_action(ActionKind::Unfence, n, reasons[n].clone()))
            .collect()
    }

    /// Creates every action, propagates the orderings and produces the schedule.
    pub fn transition(&mut self, co: &Colocs) -> Schedule {
        let mut g = Graph {
            by_prim: vec![Vec::new(); self.prims.len()],
            ..Graph::default()
        };
        // Probes first (they only gate starts), then each primitive's actions in resource order.
        let order = self.prim_order();
        for n in 0..self.nodes.len() {
            let node = &self.nodes[n];
            if !node.online || node.unclean {
                continue;
            }
            for &p in &order {
                let prim = &self.prims[p];
                if prim.orphan || prim.known_on.contains(&n) {
                    continue;
                }
                // An anonymous clone is probed once per node, through one instance.
                if let Some(c) = prim.clone {
                    if self.probe_instance(c, n) != Some(p) {
                        continue;
                    }
                }
                let i = g.rsc_action(p, ActionKind::Probe, n, false);
                // A probe on a pending node cannot run yet.
                g.acts[i].runnable = !node.pending;
            }
        }
        for &p in &order {
            self.create_prim_actions(&mut g, p);
            self.create_role_actions(&mut g, p);
            for &n in &self.prims[p].clear_failcount_on {
                g.rsc_action(p, ActionKind::ClearFailcount, n, false);
            }
        }
        let mut node_actions: Vec<Act> = self.schedule_unfencing(&mut g);
        // Fencing and shutdown.
        let any_managed = self.prims.iter().any(|p| p.managed);
        let mut fenced: BTreeSet<usize> = BTreeSet::new();
        for n in 0..self.nodes.len() {
            let node = &self.nodes[n];
            if node.unclean && any_managed && self.can_fence(n) {
                fenced.insert(n);
                node_actions.push(Act::node_action(
                    ActionKind::Fence,
                    n,
                    node.fence_reason.clone(),
                ));
            } else if node.online && node.shutdown {
                node_actions.push(Act::node_action(ActionKind::Shutdown, n, None));
            }
        }
        for a in g.acts.iter_mut() {
            if a.kind == ActionKind::Stop && fenced.contains(&a.node) {
                if let Some(p) = a.prim {
                    if self.prims[p].managed {
                        a.pseudo = true;
                        a.runnable = true;
                    }
                }
            }
        }
        self.build_orders(&mut g);
        self.build_role_orders(&mut g);
        self.block_colocation_dependents(&mut g, co);
        let orders = std::mem::take(&mut g.orders);
        // Propagate to a fixpoint; each pass only clears flags, so this terminates.
        loop {
            let mut changed = false;
            for o in &orders {
                changed |= self.apply_order(&mut g, o);
            }
            // Pacemaker blocks colocation dependents again whenever a start becomes unrunnable.
            if changed {
                self.block_colocation_dependents(&mut g, co);
            } else {
                break;
            }
        }
        g.orders = orders;
        // A reload is cancelled by any required stop or demote of its resource.
        for p in 0..self.prims.len() {
            let cancelled = g
                .of(p, ActionKind::Stop)
                .chain(g.of(p, ActionKind::Demote))
                .any(|i| !g.acts[i].optional);
            if cancelled {
                continue;
            }
            for &n in &self.prims[p].reload_on {
                let i = g.rsc_action(p, ActionKind::Reload, n, false);
                g.acts[i].reason = Some("resource definition change".into());
            }
        }
        // A resource found promoted (a primitive whose agent reported "running promoted") is
        // demoted before each of its stops, as the role state machine goes Promoted ->
        // Unpromoted -> Stopped.
        for p in 0..self.prims.len() {
            if self.prims[p].role != Role::Promoted {
                continue;
            }
            let stops: Vec<usize> = g.of(p, ActionKind::Stop).collect();
            for i in stops {
                let (node, optional, runnable, pseudo) = {
                    let a = &g.acts[i];
                    (a.node, a.optional, a.runnable, a.pseudo)
                };
                let d = g.rsc_action(p, ActionKind::Demote, node, optional);
                g.acts[d].runnable = runnable;
                g.acts[d].pseudo = pseudo;
                g.orders.push(ROrder {
                    first: (RRef::Prim(p), ActionKind::Demote),
                    then: (RRef::Prim(p), ActionKind::Stop),
                    flags: 0,
                });
            }
        }
        // A shutdown waits for every stop on its node; a blocked stop blocks it.
        for na in node_actions.iter_mut() {
            if na.kind == ActionKind::Shutdown {
                // pcmk__order_stops_before_shutdown: resources in maintenance, and unmanaged ones
                // that are not blocked, are left out.
                let node_maint = self.nodes[na.node].maintenance;
                let blocked = g.acts.iter().any(|a| {
                    a.kind == ActionKind::Stop
                        && a.node == na.node
                        && !a.optional
                        && !a.runnable
                        && !node_maint
                        && a.prim.is_some_and(|p| {
                            let pr = &self.prims[p];
                            !pr.maintenance && (pr.managed || pr.blocked)
                        })
                });
                if blocked {
                    na.runnable = false;
                }
            }
        }
        for na in node_actions {
            g.node_acts.push(g.acts.len());
            g.acts.push(na);
        }
        self.output(&g, &order, &fenced)
    }

    /// Primitives in configuration order (group members in member order).
    fn prim_order(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut tops = self.tops.clone();
        // Output follows configuration order, not priority order.
        let index: BTreeMap<&str, usize> = self
            .document_order()
            .iter()
            .enumerate()
            .rev()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let pos = |t: &Top| match t {
            Top::Prim(p) => index.get(self.prims[*p].id.as_str()).copied(),
            Top::Group(g) => index.get(self.groups[*g].id.as_str()).copied(),
            Top::Clone(c) => index.get(self.clones[*c].id.as_str()).copied(),
        };
        tops.sort_by_key(|t| pos(t).unwrap_or(usize::MAX));
        for t in tops {
            match t {
                Top::Prim(p) => out.push(p),
                Top::Group(g) => out.extend(self.groups[g].members.iter().copied()),
                Top::Clone(c) => out.extend(self.clones[c].instances.iter().copied()),
            }
        }
        out
    }

    fn output(&self, g: &Graph, order: &[usize], fenced: &BTreeSet<usize>) -> Schedule {
        let mut sched = Schedule::default();
        // Actions: node actions first, then by resource order.
        let mut emitted: Vec<usize> = g
            .node_acts
            .iter()
            .copied()
            .filter(|&i| g.emitted(i))
            .collect();
        for &p in order {
            let mut v: Vec<usize> = g.by_prim[p]
                .iter()
                .copied()
                .filter(|&i| g.emitted(i))
                .collect();
            v.sort_by_key(|&i| (g.acts[i].kind, self.nodes[g.acts[i].node].name.clone()));
            emitted.extend(v);
        }
        let mut pos: BTreeMap<usize, usize> = BTreeMap::new();
        for (k, &i) in emitted.iter().enumerate() {
            pos.insert(i, k);
            let a = &g.acts[i];
            sched.transition.actions.push(Action {
                kind: a.kind,
                resource: a.prim.map(|p| self.prims[p].id.clone()),
                node: self.nodes[a.node].name.clone(),
                reason: a.reason.clone(),
            });
        }
        // Edges between emitted actions.
        let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
        for o in &g.orders {
            let fs: Vec<usize> = self
                .members(o.first.0)
                .into_iter()
                .flat_map(|m| g.of(m, o.first.1).collect::<Vec<_>>())
                .collect();
            let ts: Vec<usize> = self
                .members(o.then.0)
                .into_iter()
                .flat_map(|m| g.of(m, o.then.1).collect::<Vec<_>>())
                .collect();
            for f in &fs {
                for t in &ts {
                    if let (Some(&a), Some(&b)) = (pos.get(f), pos.get(t)) {
                        if a != b {
                            edges.insert((a, b));
                        }
                    }
                }
            }
        }
        for (i, a) in g.acts.iter().enumerate() {
            let Some(&b) = pos.get(&i) else { continue };
            let Some(p) = a.prim else { continue };
            if a.kind == ActionKind::Start {
                for pr in g.of(p, ActionKind::Probe) {
                    if let Some(&x) = pos.get(&pr) {
                        edges.insert((x, b));
                    }
                }
                if self.prims[p].requires == Requires::Fencing {
                    for &na in &g.node_acts {
                        if g.acts[na].kind == ActionKind::Fence {
                            if let Some(&x) = pos.get(&na) {
                                edges.insert((x, b));
                            }
                        }
                    }
                }
            }
            // Unfencing before the probes and starts that wait for it, after the stops of
            // resources that need it.
            for &na in &g.node_acts {
                let u = &g.acts[na];
                if u.kind != ActionKind::Unfence || u.node != a.node {
                    continue;
                }
                let Some(&x) = pos.get(&na) else { continue };
                match a.kind {
                    ActionKind::Probe | ActionKind::Start if self.waits_for_unfencing(p) => {
                        edges.insert((x, b));
                    }
                    ActionKind::Stop if self.needs_unfencing(p) => {
                        edges.insert((b, x));
                    }
                    _ => {}
                }
            }
            if a.kind == ActionKind::Stop {
                for &na in &g.node_acts {
                    if g.acts[na].kind == ActionKind::Shutdown && g.acts[na].node == a.node {
                        if let Some(&x) = pos.get(&na) {
                            edges.insert((b, x));
                        }
                    }
                }
            }
        }
        sched.transition.edges = edges.into_iter().collect();
        // Placements after the transition.
        for (p, prim) in self.prims.iter().enumerate() {
            let mut on: BTreeSet<usize> = prim.running_on.iter().copied().collect();
            for &i in &g.by_prim[p] {
                let a = &g.acts[i];
                if a.kind == ActionKind::Stop && !a.optional && a.runnable {
                    on.remove(&a.node);
                }
            }
            for n in fenced {
                on.remove(n);
            }
            for &i in &g.by_prim[p] {
                let a = &g.acts[i];
                if a.kind == ActionKind::Start && g.emitted(i) {
                    on.insert(a.node);
                }
            }
            let mut names: Vec<String> = on.iter().map(|&n| self.nodes[n].name.clone()).collect();
            names.sort();
            let pl = match names.len() {
                0 => Placement::Stopped,
                1 => Placement::On(names.remove(0)),
                _ => Placement::Many(names),
            };
            if let Some(c) = prim.clone {
                // A clone's primitive runs on the sorted list of its instances' nodes.
                let id = self.clones[c].child_id.clone();
                let mut all = match sched.placements.remove(&id) {
                    Some(Placement::Many(v)) => v,
                    _ => Vec::new(),
                };
                match pl {
                    Placement::On(n) => all.push(n),
                    Placement::Many(v) => all.extend(v),
                    Placement::Stopped => {}
                }
                all.sort();
                all.dedup();
                sched.placements.insert(
                    id,
                    if all.is_empty() {
                        Placement::Stopped
                    } else {
                        Placement::Many(all)
                    },
                );
            } else if prim.orphan && pl == Placement::Stopped {
                continue;
            } else {
                sched.placements.insert(prim.id.clone(), pl);
            }
            let target = if self.next_role(p) == Role::Stopped {
                None
            } else {
                prim.assigned
            };
            sched
                .targets
                .insert(prim.id.clone(), target.map(|n| self.nodes[n].name.clone()));
        }
        // The summary follows the resource list as Pacemaker sorts it (priority, then CIB order).
        let mut by_priority = Vec::with_capacity(order.len());
        for t in &self.tops {
            match *t {
                Top::Prim(p) => by_priority.push(p),
                Top::Group(gi) => by_priority.extend(self.groups[gi].members.iter().copied()),
                Top::Clone(c) => by_priority.extend(self.clones[c].instances.iter().copied()),
            }
        }
        sched.summary = self.summary(g, &by_priority);
        sched
    }

    fn summary(&self, g: &Graph, order: &[usize]) -> Vec<String> {
        let mut out = Vec::new();
        // Fencing lines come in reverse node order (Pacemaker prepends them); shutdowns are not
        // summary lines.
        for &i in g.node_acts.iter().rev() {
            let a = &g.acts[i];
            if !g.emitted(i) {
                continue;
            }
            let n = &self.nodes[a.node].name;
            if a.kind == ActionKind::Unfence {
                let why = a.reason.clone().unwrap_or_default();
                out.push(format!("Fence (on) {n} '{why}'"));
            }
            if a.kind == ActionKind::Fence {
                let how = match self.model.policy.stonith_action {
                    quorate_schema::types::StonithAction::Reboot => "reboot",
                    _ => "off",
                };
                let why = a.reason.clone().unwrap_or_else(|| "node is unclean".into());
                out.push(format!("Fence ({how}) {n} '{why}'"));
            }
        }
        // (change, resource, details, reason) per primitive, then aligned as
        // pcmk_output.c's rsc_action_item does: "%-8s   %-*s   ( %*s )%s%s".
        let mut items: Vec<(&str, &str, String, Option<String>)> = Vec::new();
        for &p in order {
            let prim = &self.prims[p];
            if !prim.managed {
                continue;
            }
            if self.is_promotable_instance(p) {
                items.extend(self.promotable_summary(g, p));
                continue;
            }
            let start = g.of(p, ActionKind::Start).next().map(|i| &g.acts[i]);
            let stops: Vec<&Act> = g.of(p, ActionKind::Stop).map(|i| &g.acts[i]).collect();
            let current = prim.running_on.first().map(|&n| self.nodes[n].name.clone());
            let next = start.map(|a| self.nodes[a.node].name.clone());
            let reason = |a: &Act| match (&a.reason, a.runnable) {
                (Some(r), false) => Some(format!("due to {r} (blocked)")),
                (Some(r), true) => Some(format!("due to {r}")),
                (None, false) => Some("blocked".to_string()),
                (None, true) => None,
            };
            let start_req = start.is_some_and(|a| !a.optional);
            let required_stop = stops.iter().find(|a| !a.optional).copied();
            let id = prim.id.as_str();
            // One "Stop" line per node where a stop is required, in the order it runs there.
            let stop_lines =
                |why_fallback: Option<&Act>| -> Vec<(&str, &str, String, Option<String>)> {
                    prim.running_on
                        .iter()
                        .filter_map(|&n| stops.iter().find(|a| a.node == n && !a.optional))
                        .map(|stop| {
                            let why = stop
                                .reason
                                .as_ref()
                                .or_else(|| why_fallback.and_then(|s| s.reason.as_ref()));
                            let text = match (why, stop.runnable) {
                                (Some(r), false) => Some(format!("due to {r} (blocked)")),
                                (Some(r), true) => Some(format!("due to {r}")),
                                (None, false) => Some("blocked".to_string()),
                                (None, true) => None,
                            };
                            ("Stop", id, self.nodes[stop.node].name.clone(), text)
                        })
                        .collect()
                };
            let item = match (&current, start) {
                // Pacemaker says "Reload" once it decided to reload, even when a required stop
                // cancelled the reload.
                (Some(c), _)
                    if !prim.reload_on.is_empty()
                        && self.next_role(p) >= Role::Started
                        && next.as_deref() == Some(c.as_str()) =>
                {
                    Some(("Reload", id, c.clone(), None))
                }
                (None, Some(s)) if start_req => {
                    Some(("Start", id, next.clone().unwrap_or_default(), reason(s)))
                }
                (Some(_), Some(s)) if start_req && !s.runnable && required_stop.is_some() => {
                    // The reason comes from the stop, else the start; "blocked" from the stop.
                    items.extend(stop_lines(Some(s)));
                    None
                }
                (Some(c), Some(s)) if start_req && next.as_deref() != Some(c.as_str()) => Some((
                    if prim.failed { "Recover" } else { "Move" },
                    id,
                    if prim.role == Role::Promoted {
                        // A promoted primitive leaves its role behind when it moves.
                        format!(
                            "Promoted {c} -> Started {}",
                            next.clone().unwrap_or_default()
                        )
                    } else {
                        format!("{c} -> {}", next.clone().unwrap_or_default())
                    },
                    if s.runnable {
                        None
                    } else {
                        Some("blocked".to_string())
                    },
                )),
                (Some(c), Some(s)) if start_req && required_stop.is_some() => {
                    // Recover takes its reason from the stop, Restart from the start.
                    let source = if prim.failed { required_stop } else { Some(s) };
                    Some((
                        if prim.failed { "Recover" } else { "Restart" },
                        id,
                        c.clone(),
                        source.and_then(|a| a.reason.as_ref().map(|r| format!("due to {r}"))),
                    ))
                }
                (Some(_), _) if required_stop.is_some() && !start_req => {
                    items.extend(stop_lines(None));
                    None
                }
                _ => None,
            };
            if let Some(it) = item {
                items.push(it);
            }
        }
        let mut rsc_width = 5;
        for (_, id, _, _) in &items {
            if id.len() > rsc_width {
                rsc_width = id.len() + 2;
            }
        }
        let detail_width = items.iter().map(|it| it.2.len()).max().unwrap_or(0).max(5);
        for (change, id, details, reason) in items {
            out.push(format!(
                "{change:<8}   {id:<rsc_width$}   ( {details:>detail_width$} ){}",
                reason.map(|r| format!("  {r}")).unwrap_or_default()
            ));
        }
        out
    }
}

fn kind_of(a: CfgAction) -> Option<ActionKind> {
    Some(match a {
        CfgAction::Start => ActionKind::Start,
        CfgAction::Stop => ActionKind::Stop,
        CfgAction::Promote => ActionKind::Promote,
        CfgAction::Demote => ActionKind::Demote,
    })
}

fn inverse(k: ActionKind) -> Option<ActionKind> {
    Some(match k {
        ActionKind::Start => ActionKind::Stop,
        ActionKind::Stop => ActionKind::Start,
        ActionKind::Promote => ActionKind::Demote,
        ActionKind::Demote => ActionKind::Promote,
        _ => return None,
    })
}
