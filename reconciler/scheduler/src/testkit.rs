//! Building inputs in code: models from YAML text (through the real loader, without the
//! validation gate so that test clusters without fencing devices still lower), simple models,
//! and statuses with every node online.

use crate::status::{ClusterStatus, NodeState, NodeStatus};
use quorate_schema::model::Model;

/// Lowers a YAML desired state to a `Model` even when validation reports errors.
pub fn model_from_yaml(yaml: &str) -> Model {
    let loaded = quorate_schema::load_sources(vec![("test.yaml".into(), yaml.to_string())]);
    quorate_schema::lower_unvalidated(&loaded).0
}

/// YAML for `nodes` and Dummy primitives `prims`, fencing off, quorum ignored.
pub fn yaml(nodes: &[&str], prims: &[&str]) -> String {
    let mut y = String::from("version: 1\ncluster: test\nnodes:\n");
    for (i, n) in nodes.iter().enumerate() {
        y.push_str(&format!(
            "  - {{ name: {n}, id: {}, addrs: [{n}] }}\n",
            i + 1
        ));
    }
    y.push_str("properties:\n  stonith-enabled: false\n  no-quorum-policy: ignore\n");
    if !prims.is_empty() {
        y.push_str("resources:\n");
        for p in prims {
            y.push_str(&format!("  {p}: {{ agent: \"ocf:heartbeat:Dummy\" }}\n"));
        }
    }
    y
}

/// A model of `nodes` and Dummy primitives `prims`, fencing off, quorum ignored.
pub fn model(nodes: &[&str], prims: &[&str]) -> Model {
    model_from_yaml(&yaml(nodes, prims))
}

/// A quorate status with every node online and nothing probed.
pub fn online(nodes: &[&str]) -> ClusterStatus {
    let mut st = ClusterStatus::new(true);
    for n in nodes {
        st.set_node(NodeStatus::new(n, Some(NodeState::online())));
    }
    st
}

/// splitmix64: a small seeded generator, so every generated cluster replays from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// How a generated node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenNode {
    /// A healthy member.
    Online,
    /// Cleanly down.
    Offline,
    /// A member in standby.
    Standby,
    /// Vanished while expected up: unclean, fenced when fencing is on.
    Lost,
}

/// A generated cluster: configuration and status, printable as YAML (for the `Model`) and as a
/// CIB (for `crm_simulate`).
#[derive(Clone, Debug, Default)]
pub struct GenCluster {
    /// `stonith-enabled`, with one fencing device `fencer` when true.
    pub stonith: bool,
    /// The partition has quorum.
    pub quorum: bool,
    /// `no-quorum-policy` (`ignore`, `stop`, `freeze`).
    pub no_quorum_policy: &'static str,
    /// Node states, named `node1`, `node2`, ...
    pub nodes: Vec<GenNode>,
    /// Primitive ids in order.
    pub prims: Vec<String>,
    /// Groups: id and member ids.
    pub groups: Vec<(String, Vec<String>)>,
    /// `rsc_defaults` resource-stickiness.
    pub stickiness: i64,
    /// `rsc_defaults` migration-threshold (0 = not set).
    pub migration_threshold: i64,
    /// Locations: resource, node index, score text.
    pub locations: Vec<(String, usize, String)>,
    /// Colocations: dependent, primary, score text.
    pub colocations: Vec<(String, String, String)>,
    /// Orders: first, then, kind.
    pub orders: Vec<(String, String, &'static str)>,
    /// Running primitives: id, node index.
    pub running: Vec<(String, usize)>,
    /// Failed recurring monitors (rc 1) with a fail count of 1: id, node index.
    pub failed: Vec<(String, usize)>,
    /// Probed-stopped entries: id, node index.
    pub probed: Vec<(String, usize)>,
    /// Clones (`GenCluster::random_with_clones`), after the other resources.
    pub clones: Vec<GenClone>,
    /// Locations for the promoted role: resource, node index, score text.
    pub promoted_locations: Vec<(String, usize, String)>,
    /// Colocations with roles: dependent, its role, primary, its role, score text (roles
    /// `Master` or `Slave`, as `pacemaker-3.0` spells them, or none).
    pub role_colocations: Vec<GenRoleColocation>,
}

/// A colocation with roles: dependent, its role, primary, its role, score text.
pub type GenRoleColocation = (
    String,
    Option<&'static str>,
    String,
    Option<&'static str>,
    String,
);

/// A generated clone of one primitive (`ocf:pacemaker:Dummy`, or `ocf:pacemaker:Stateful` when
/// promotable) and its instances' state.
#[derive(Clone, Debug, Default)]
pub struct GenClone {
    /// The clone's id.
    pub id: String,
    /// The cloned primitive's id.
    pub child: String,
    /// Promotable.
    pub promotable: bool,
    /// `clone-max`, when set.
    pub clone_max: Option<usize>,
    /// `promoted-max`, when set.
    pub promoted_max: Option<usize>,
    /// `interleave=true`.
    pub interleave: bool,
    /// Nodes (indices) where an instance runs.
    pub running: Vec<usize>,
    /// Nodes where the running instance is promoted.
    pub promoted: Vec<usize>,
    /// Nodes where a running instance's monitor failed (fail count 1).
    pub failed: Vec<usize>,
    /// Nodes where a probe found it stopped.
    pub probed: Vec<usize>,
    /// Promotion scores (`master-CHILD` transient attributes): node index, score.
    pub promotion: Vec<(usize, i64)>,
}

const SCORES: &[&str] = &["INFINITY", "-INFINITY", "100", "-100", "50", "200"];

impl GenCluster {
    /// A random small cluster for differential testing.
    pub fn random(seed: u64) -> GenCluster {
        let mut r = Rng::new(seed);
        let n_nodes = 2 + r.below(4);
        let mut g = GenCluster {
            stickiness: [0, 0, 50, 100][r.below(4)],
            migration_threshold: [0, 0, 1, 3][r.below(4)],
            stonith: r.chance(30),
            quorum: !r.chance(20),
            no_quorum_policy: ["ignore", "ignore", "stop", "freeze"][r.below(4)],
            ..GenCluster::default()
        };
        for _ in 0..n_nodes {
            g.nodes.push(match r.below(12) {
                0 => GenNode::Offline,
                1 => GenNode::Standby,
                2 => GenNode::Lost,
                _ => GenNode::Online,
            });
        }
        let n_prims = 2 + r.below(8);
        for i in 0..n_prims {
            g.prims.push(format!("r{}", i + 1));
        }
        let mut i = 0;
        while i + 1 < n_prims {
            if r.chance(25) {
                let len = 2 + r.below(2).min(n_prims - i - 2);
                let members: Vec<String> = g.prims[i..i + len].to_vec();
                g.groups.push((format!("g{}", g.groups.len() + 1), members));
                i += len;
            } else {
                i += 1;
            }
        }
        let tops = g.top_level();
        for _ in 0..r.below(4) {
            let rsc = tops[r.below(tops.len())].clone();
            g.locations.push((
                rsc,
                r.below(n_nodes),
                SCORES[r.below(SCORES.len())].to_string(),
            ));
        }
        if tops.len() > 1 {
            for _ in 0..r.below(3) {
                let a = r.below(tops.len());
                let b = r.below(tops.len());
                if a != b {
                    g.colocations.push((
                        tops[a].clone(),
                        tops[b].clone(),
                        SCORES[r.below(SCORES.len())].to_string(),
                    ));
                }
            }
            for _ in 0..r.below(3) {
                // Orders only point forward, so they never form a cycle (crm_simulate refuses
                // a transition graph with a loop).
                let a = r.below(tops.len());
                let b = r.below(tops.len());
                if a < b {
                    g.orders.push((
                        tops[a].clone(),
                        tops[b].clone(),
                        if r.chance(70) {
                            "Mandatory"
                        } else {
                            "Optional"
                        },
                    ));
                }
            }
        }
        let online: Vec<usize> = (0..n_nodes)
            .filter(|&n| g.nodes[n] != GenNode::Offline)
            .collect();
        if g.stonith && !online.is_empty() {
            g.running
                .push(("fencer".into(), online[r.below(online.len())]));
        }
        if !online.is_empty() {
            for p in g.prims.clone() {
                match r.below(10) {
                    0..=3 => g.running.push((p, online[r.below(online.len())])),
                    4 => g.failed.push((p, online[r.below(online.len())])),
                    _ => {}
                }
            }
        }
        g
    }

    /// `random(seed)` plus an anonymous clone and (when `promotable`) a promotable clone, with
    /// constraints between them and the other resources. The extra choices come from a second
    /// generator, so the rest of the cluster is exactly `random(seed)`'s.
    pub fn random_with_clones(seed: u64, promotable: bool) -> GenCluster {
        let mut g = GenCluster::random(seed);
        let mut r = Rng::new(seed ^ 0x636C_6F6E_6573);
        let n_nodes = g.nodes.len();
        let online: Vec<usize> = (0..n_nodes)
            .filter(|&n| g.nodes[n] != GenNode::Offline)
            .collect();
        let kinds: &[bool] = if promotable { &[false, true] } else { &[false] };
        for &prom in kinds {
            let k = g.clones.len() + 1;
            let mut c = GenClone {
                id: format!("{}{k}", if prom { "ms" } else { "cl" }),
                child: format!("{}{k}", if prom { "st" } else { "cr" }),
                promotable: prom,
                ..GenClone::default()
            };
            c.clone_max = [None, None, Some(1), Some(2), Some(n_nodes + 1)][r.below(5)];
            if prom {
                c.promoted_max = [None, None, Some(2)][r.below(3)];
            }
            c.interleave = r.chance(20);
            for &n in &online {
                match r.below(10) {
                    0..=4 => {
                        c.running.push(n);
                        if prom && r.chance(40) {
                            c.promoted.push(n);
                        }
                    }
                    5 => c.failed.push(n),
                    6 | 7 => c.probed.push(n),
                    _ => {}
                }
                if prom && r.chance(70) {
                    c.promotion.push((n, [5, 10, 100, -1][r.below(4)]));
                }
            }
            g.clones.push(c);
        }
        let mut tops = g.top_level();
        let clone_ids: Vec<String> = g.clones.iter().map(|c| c.id.clone()).collect();
        for cid in &clone_ids {
            if r.chance(50) {
                g.locations.push((
                    cid.clone(),
                    r.below(n_nodes),
                    SCORES[r.below(SCORES.len())].to_string(),
                ));
            }
            for _ in 0..r.below(3) {
                let other = tops[r.below(tops.len())].clone();
                let score = SCORES[r.below(SCORES.len())].to_string();
                if r.chance(50) {
                    g.colocations.push((other, cid.clone(), score));
                } else {
                    g.colocations.push((cid.clone(), other, score));
                }
            }
            if r.chance(50) {
                // Orders point from the clones to the resources before them in `tops` order or
                // after: never both ways between the same pair, so no cycle.
                let other = tops[r.below(tops.len())].clone();
                let kind = if r.chance(70) {
                    "Mandatory"
                } else {
                    "Optional"
                };
                g.orders.push((cid.clone(), other, kind));
            }
            tops.push(cid.clone());
        }
        if clone_ids.len() == 2 && r.chance(50) {
            let score = SCORES[r.below(SCORES.len())].to_string();
            g.colocations
                .push((clone_ids[0].clone(), clone_ids[1].clone(), score));
        }
        // Role constraints on the promotable clone.
        if let Some(ms) = g.clones.iter().find(|c| c.promotable).map(|c| c.id.clone()) {
            if r.chance(50) {
                let score = SCORES[r.below(SCORES.len())].to_string();
                g.promoted_locations
                    .push((ms.clone(), r.below(n_nodes), score));
            }
            let others: Vec<String> = tops.iter().filter(|t| **t != ms).cloned().collect();
            if r.chance(50) {
                let other = others[r.below(others.len())].clone();
                let score = SCORES[r.below(SCORES.len())].to_string();
                let role = if r.chance(80) { "Master" } else { "Slave" };
                g.role_colocations
                    .push((other, None, ms.clone(), Some(role), score));
            }
            if r.chance(30) {
                let other = others[r.below(others.len())].clone();
                let score = SCORES[r.below(SCORES.len())].to_string();
                g.role_colocations
                    .push((ms.clone(), Some("Master"), other, None, score));
            }
        }
        g
    }

    /// A benchmark cluster: `nodes` online nodes and `resources` primitives (a third of them in
    /// groups of three, a location preference for every tenth), with `running_percent` of them
    /// running (spread round-robin) and the rest probed, or nothing probed when 0.
    pub fn bench(nodes: usize, resources: usize, running_percent: usize) -> GenCluster {
        let mut g = GenCluster {
            nodes: vec![GenNode::Online; nodes],
            quorum: true,
            no_quorum_policy: "ignore",
            stickiness: 100,
            ..GenCluster::default()
        };
        for i in 0..resources {
            g.prims.push(format!("r{}", i + 1));
        }
        let grouped = resources / 3 / 3 * 3;
        for k in 0..grouped / 3 {
            g.groups
                .push((format!("g{}", k + 1), g.prims[3 * k..3 * k + 3].to_vec()));
        }
        for (i, t) in g.top_level().into_iter().enumerate() {
            if i % 10 == 0 {
                g.locations.push((t, i % nodes, "100".into()));
            }
        }
        if running_percent > 0 {
            let running = resources * running_percent / 100;
            for (i, p) in g.prims.clone().into_iter().enumerate() {
                let top = g.groups.iter().position(|(_, m)| m.contains(&p));
                let node = match top {
                    Some(gi) => gi % nodes,
                    None => i % nodes,
                };
                if i < running {
                    g.running.push((p.clone(), node));
                }
                for n in 0..nodes {
                    if i >= running || n != node {
                        g.probed.push((p.clone(), n));
                    }
                }
            }
        }
        g
    }

    /// Top-level resources: groups and ungrouped primitives, in order.
    pub fn top_level(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.prims {
            match self.groups.iter().find(|(_, m)| m.contains(p)) {
                Some((g, m)) if m.first() == Some(p) => out.push(g.clone()),
                Some(_) => {}
                None => out.push(p.clone()),
            }
        }
        out
    }

    fn node_name(i: usize) -> String {
        format!("node{}", i + 1)
    }

    /// The desired state as quorate YAML.
    pub fn to_yaml(&self) -> String {
        let mut y = String::from("version: 1\ncluster: gen\nnodes:\n");
        for i in 0..self.nodes.len() {
            let n = Self::node_name(i);
            y.push_str(&format!(
                "  - {{ name: {n}, id: {}, addrs: [{n}] }}\n",
                i + 1
            ));
        }
        y.push_str(&format!(
            "properties:\n  stonith-enabled: {}\n  no-quorum-policy: {}\n",
            self.stonith, self.no_quorum_policy
        ));
        if self.stonith {
            let hosts: Vec<String> = (0..self.nodes.len()).map(Self::node_name).collect();
            y.push_str(&format!(
                "fencing:\n  devices:\n    fencer: {{ agent: \"stonith:fence_xvm\", hosts: [{}] }}\n",
                hosts.join(", ")
            ));
        }
        let mut defaults = Vec::new();
        if self.stickiness != 0 {
            defaults.push(format!("resource-stickiness: {}", self.stickiness));
        }
        if self.migration_threshold != 0 {
            defaults.push(format!("migration-threshold: {}", self.migration_threshold));
        }
        if !defaults.is_empty() {
            y.push_str(&format!("rsc_defaults: {{ {} }}\n", defaults.join(", ")));
        }
        y.push_str("resources:\n");
        for p in &self.prims {
            y.push_str(&format!("  {p}: {{ agent: \"ocf:pacemaker:Dummy\", ops: {{ monitor: {{ interval: 10s }} }} }}\n"));
        }
        for c in &self.clones {
            let agent = if c.promotable {
                "ocf:pacemaker:Stateful"
            } else {
                "ocf:pacemaker:Dummy"
            };
            y.push_str(&format!(
                "  {}: {{ agent: \"{agent}\", ops: {{ monitor: {{ interval: 10s }} }} }}\n",
                c.child
            ));
        }
        if !self.clones.is_empty() {
            y.push_str("clones:\n");
            for c in &self.clones {
                let meta = c.meta();
                let meta = if meta.is_empty() {
                    String::new()
                } else {
                    let kv: Vec<String> = meta.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!(", meta: {{ {} }}", kv.join(", "))
                };
                y.push_str(&format!(
                    "  {}: {{ resource: {}{}{meta} }}\n",
                    c.id,
                    c.child,
                    if c.promotable {
                        ", promotable: true"
                    } else {
                        ""
                    }
                ));
            }
        }
        if !self.groups.is_empty() {
            y.push_str("groups:\n");
            for (g, m) in &self.groups {
                y.push_str(&format!("  {g}: [{}]\n", m.join(", ")));
            }
        }
        let yaml_role = |r: &str| {
            if r == "Master" {
                "Promoted"
            } else {
                "Unpromoted"
            }
        };
        if !(self.locations.is_empty()
            && self.colocations.is_empty()
            && self.orders.is_empty()
            && self.promoted_locations.is_empty()
            && self.role_colocations.is_empty())
        {
            y.push_str("constraints:\n");
            if !(self.locations.is_empty() && self.promoted_locations.is_empty()) {
                y.push_str("  location:\n");
                for (i, (r, n, s)) in self.locations.iter().enumerate() {
                    y.push_str(&format!(
                        "    - {{ id: loc{i}, resource: {r}, node: {}, score: {s} }}\n",
                        Self::node_name(*n)
                    ));
                }
                for (i, (r, n, s)) in self.promoted_locations.iter().enumerate() {
                    y.push_str(&format!(
                        "    - {{ id: ploc{i}, resource: {r}, role: Promoted, node: {}, score: {s} }}\n",
                        Self::node_name(*n)
                    ));
                }
            }
            if !(self.colocations.is_empty() && self.role_colocations.is_empty()) {
                y.push_str("  colocation:\n");
                for (i, (d, p, s)) in self.colocations.iter().enumerate() {
                    y.push_str(&format!(
                        "    - {{ id: col{i}, resource: {d}, with: {p}, score: {s} }}\n"
                    ));
                }
                for (i, (d, dr, p, pr, s)) in self.role_colocations.iter().enumerate() {
                    let dr = dr
                        .map(|r| format!(", role: {}", yaml_role(r)))
                        .unwrap_or_default();
                    let pr = pr
                        .map(|r| format!(", with-role: {}", yaml_role(r)))
                        .unwrap_or_default();
                    y.push_str(&format!(
                        "    - {{ id: rcol{i}, resource: {d}{dr}, with: {p}{pr}, score: {s} }}\n"
                    ));
                }
            }
            if !self.orders.is_empty() {
                y.push_str("  order:\n");
                for (i, (f, t, k)) in self.orders.iter().enumerate() {
                    y.push_str(&format!(
                        "    - {{ id: ord{i}, first: {f}, then: {t}, kind: {k} }}\n"
                    ));
                }
            }
        }
        y
    }

    /// The cluster as a CIB with configuration and status, as `crm_simulate -x` reads it.
    pub fn to_cib(&self) -> String {
        let mut x = format!("<cib crm_feature_set=\"3.0.14\" validate-with=\"pacemaker-3.0\" epoch=\"1\" num_updates=\"1\" admin_epoch=\"0\" have-quorum=\"{}\" dc-uuid=\"1\">\n  <configuration>\n    <crm_config>\n      <cluster_property_set id=\"cib-bootstrap-options\">\n        <nvpair id=\"o-stonith\" name=\"stonith-enabled\" value=\"{}\"/>\n        <nvpair id=\"o-nqp\" name=\"no-quorum-policy\" value=\"{}\"/>\n      </cluster_property_set>\n    </crm_config>\n    <nodes>\n", u8::from(self.quorum), self.stonith, self.no_quorum_policy);
        for i in 0..self.nodes.len() {
            let n = Self::node_name(i);
            x.push_str(&format!("      <node id=\"{}\" uname=\"{n}\"/>\n", i + 1));
        }
        x.push_str("    </nodes>\n    <resources>\n");
        if self.stonith {
            x.push_str("      <primitive id=\"fencer\" class=\"stonith\" type=\"fence_xvm\"/>\n");
        }
        let prim = |p: &str| {
            format!("<primitive id=\"{p}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"><operations><op id=\"{p}-monitor-interval-10s\" name=\"monitor\" interval=\"10s\"/></operations></primitive>")
        };
        for t in self.top_level() {
            match self.groups.iter().find(|(g, _)| *g == t) {
                Some((g, m)) => {
                    x.push_str(&format!("      <group id=\"{g}\">"));
                    for p in m {
                        x.push_str(&prim(p));
                    }
                    x.push_str("</group>\n");
                }
                None => x.push_str(&format!("      {}\n", prim(&t))),
            }
        }
        for c in &self.clones {
            let mut meta = c.meta();
            if c.promotable {
                meta.insert(0, ("promotable", "true".into()));
            }
            x.push_str(&format!("      <clone id=\"{}\">", c.id));
            if !meta.is_empty() {
                x.push_str(&format!("<meta_attributes id=\"{}-meta\">", c.id));
                for (k, v) in meta {
                    x.push_str(&format!(
                        "<nvpair id=\"{}-meta-{k}\" name=\"{k}\" value=\"{v}\"/>",
                        c.id
                    ));
                }
                x.push_str("</meta_attributes>");
            }
            if c.promotable {
                x.push_str(&prim(&c.child).replace("\"Dummy\"", "\"Stateful\""));
            } else {
                x.push_str(&prim(&c.child));
            }
            x.push_str("</clone>\n");
        }
        x.push_str("    </resources>\n    <constraints>\n");
        for (i, (r, n, s)) in self.locations.iter().enumerate() {
            x.push_str(&format!(
                "      <rsc_location id=\"loc{i}\" rsc=\"{r}\" node=\"{}\" score=\"{s}\"/>\n",
                Self::node_name(*n)
            ));
        }
        for (i, (d, p, s)) in self.colocations.iter().enumerate() {
            x.push_str(&format!("      <rsc_colocation id=\"col{i}\" rsc=\"{d}\" with-rsc=\"{p}\" score=\"{s}\"/>\n"));
        }
        for (i, (r, n, s)) in self.promoted_locations.iter().enumerate() {
            x.push_str(&format!(
                "      <rsc_location id=\"ploc{i}\" rsc=\"{r}\" role=\"Master\" node=\"{}\" score=\"{s}\"/>\n",
                Self::node_name(*n)
            ));
        }
        for (i, (d, dr, p, pr, s)) in self.role_colocations.iter().enumerate() {
            let dr = dr.map(|r| format!(" rsc-role=\"{r}\"")).unwrap_or_default();
            let pr = pr
                .map(|r| format!(" with-rsc-role=\"{r}\""))
                .unwrap_or_default();
            x.push_str(&format!("      <rsc_colocation id=\"rcol{i}\" rsc=\"{d}\"{dr} with-rsc=\"{p}\"{pr} score=\"{s}\"/>\n"));
        }
        for (i, (f, t, k)) in self.orders.iter().enumerate() {
            x.push_str(&format!(
                "      <rsc_order id=\"ord{i}\" first=\"{f}\" then=\"{t}\" kind=\"{k}\"/>\n"
            ));
        }
        x.push_str("    </constraints>\n");
        let mut defaults = Vec::new();
        if self.stickiness != 0 {
            defaults.push(("resource-stickiness", self.stickiness));
        }
        if self.migration_threshold != 0 {
            defaults.push(("migration-threshold", self.migration_threshold));
        }
        if !defaults.is_empty() {
            x.push_str("    <rsc_defaults>\n      <meta_attributes id=\"rsc-options\">\n");
            for (k, v) in defaults {
                x.push_str(&format!(
                    "        <nvpair id=\"rsc-options-{k}\" name=\"{k}\" value=\"{v}\"/>\n"
                ));
            }
            x.push_str("      </meta_attributes>\n    </rsc_defaults>\n");
        }
        x.push_str("  </configuration>\n  <status>\n");
        for (i, st) in self.nodes.iter().enumerate() {
            let n = Self::node_name(i);
            let id = i + 1;
            if *st == GenNode::Offline {
                x.push_str(&format!("    <node_state id=\"{id}\" uname=\"{n}\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\"/>\n"));
                continue;
            }
            if *st == GenNode::Lost {
                x.push_str(&format!("    <node_state id=\"{id}\" uname=\"{n}\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"member\">\n"));
            } else {
                x.push_str(&format!("    <node_state id=\"{id}\" uname=\"{n}\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\">\n"));
            }
            let mut attrs = Vec::new();
            if *st == GenNode::Standby {
                attrs.push(("standby".to_string(), "on".to_string()));
            }
            let failed_here = self
                .failed
                .iter()
                .filter(|(_, fnode)| *fnode == i)
                .map(|(p, _)| p.clone())
                .chain(
                    self.clones
                        .iter()
                        .filter(|c| c.failed.contains(&i))
                        .map(|c| c.child.clone()),
                );
            for p in failed_here {
                attrs.push((format!("fail-count-{p}#monitor_10000"), "1".into()));
                attrs.push((
                    format!("last-failure-{p}#monitor_10000"),
                    "1500000000".into(),
                ));
            }
            for c in &self.clones {
                for (_, s) in c.promotion.iter().filter(|(n, _)| *n == i) {
                    attrs.push((format!("master-{}", c.child), s.to_string()));
                }
            }
            if !attrs.is_empty() {
                x.push_str(&format!("      <transient_attributes id=\"{id}\"><instance_attributes id=\"status-{id}\">"));
                for (k, v) in attrs {
                    x.push_str(&format!(
                        "<nvpair id=\"status-{id}-{k}\" name=\"{k}\" value=\"{v}\"/>"
                    ));
                }
                x.push_str("</instance_attributes></transient_attributes>\n");
            }
            x.push_str(&format!("      <lrm id=\"{id}\"><lrm_resources>\n"));
            let mut call = 1;
            let mut op = |x: &mut String,
                          p: &str,
                          task: &str,
                          interval: u64,
                          rc: i32,
                          target: i32| {
                let key = if interval > 0 {
                    format!("{p}_{task}_{interval}")
                } else {
                    format!("{p}_last_0")
                };
                let status = if rc == target { 0 } else { 4 };
                // The digest Pacemaker computes for a parameterless Dummy's one-off operations;
                // without it every running resource would look reconfigured and restart.
                let digest = if interval == 0 {
                    " op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\""
                } else {
                    ""
                };
                x.push_str(&format!("<lrm_rsc_op id=\"{key}\" operation_key=\"{p}_{task}_{interval}\" operation=\"{task}\" crm-debug-origin=\"gen\" crm_feature_set=\"3.0.14\" transition-key=\"{call}:1:{target}:00000000-0000-0000-0000-000000000000\" transition-magic=\"{status}:{rc};{call}:1:{target}:00000000-0000-0000-0000-000000000000\" call-id=\"{call}\" rc-code=\"{rc}\" op-status=\"{status}\" interval=\"{interval}\" last-rc-change=\"1500000000\" exec-time=\"0\" queue-time=\"0\"{digest}/>"));
                call += 1;
            };
            let fencer = ["fencer".to_string()];
            let extra: &[String] = if self.stonith { &fencer } else { &[] };
            for p in self.prims.iter().chain(extra) {
                let running = self.running.iter().any(|(r, rn)| r == p && *rn == i);
                let failed = self.failed.iter().any(|(r, rn)| r == p && *rn == i);
                let probed = self.probed.iter().any(|(r, rn)| r == p && *rn == i);
                if !(running || failed || probed) {
                    continue;
                }
                if p == "fencer" {
                    x.push_str(
                        "        <lrm_resource id=\"fencer\" class=\"stonith\" type=\"fence_xvm\">",
                    );
                } else {
                    x.push_str(&format!("        <lrm_resource id=\"{p}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">"));
                }
                if running || failed {
                    op(&mut x, p, "start", 0, 0, 0);
                }
                if failed {
                    op(&mut x, p, "monitor", 10000, 1, 0);
                } else if !running {
                    op(&mut x, p, "monitor", 0, 7, 7);
                }
                x.push_str("</lrm_resource>\n");
            }
            for c in &self.clones {
                let running = c.running.contains(&i);
                let failed = c.failed.contains(&i);
                let probed = c.probed.contains(&i);
                if !(running || failed || probed) {
                    continue;
                }
                let agent = if c.promotable { "Stateful" } else { "Dummy" };
                x.push_str(&format!("        <lrm_resource id=\"{}\" class=\"ocf\" provider=\"pacemaker\" type=\"{agent}\">", c.child));
                // A promoted instance's last one-off operation was its promote.
                if running && c.promoted.contains(&i) {
                    op(&mut x, &c.child, "promote", 0, 0, 0);
                } else if running || failed {
                    op(&mut x, &c.child, "start", 0, 0, 0);
                }
                if failed {
                    op(&mut x, &c.child, "monitor", 10000, 1, 0);
                } else if !running {
                    op(&mut x, &c.child, "monitor", 0, 7, 7);
                }
                x.push_str("</lrm_resource>\n");
            }
            x.push_str("      </lrm_resources></lrm>\n    </node_state>\n");
        }
        x.push_str("  </status>\n</cib>\n");
        x
    }
}

impl GenClone {
    /// The clone's meta attributes, in a stable order.
    fn meta(&self) -> Vec<(&'static str, String)> {
        let mut m = Vec::new();
        if let Some(v) = self.clone_max {
            m.push(("clone-max", v.to_string()));
        }
        if let Some(v) = self.promoted_max {
            m.push(("promoted-max", v.to_string()));
        }
        if self.interleave {
            m.push(("interleave", "true".to_string()));
        }
        m
    }
}

#[cfg(test)]
mod gen_tests {
    use super::*;

    #[test]
    fn generated_clusters_replay_from_their_seed() {
        let a = GenCluster::random(7);
        let b = GenCluster::random(7);
        assert_eq!(a.to_cib(), b.to_cib());
        assert_eq!(a.to_yaml(), b.to_yaml());
        assert!(roxmltree::Document::parse(&a.to_cib()).is_ok());
    }

    #[test]
    fn the_yaml_and_the_cib_describe_the_same_cluster() {
        for seed in 0..20 {
            let g = GenCluster::random(seed);
            let m = model_from_yaml(&g.to_yaml());
            assert_eq!(m.nodes.len(), g.nodes.len(), "seed {seed}");
            let st = ClusterStatus::from_cib_xml(&g.to_cib()).unwrap();
            let s = crate::schedule(&m, &st);
            assert_eq!(
                s.placements.len(),
                g.prims.len() + usize::from(g.stonith),
                "seed {seed}"
            );
        }
    }
}
