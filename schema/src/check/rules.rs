//! Semantic checks and HA policy: references, nodes, agents, parameters, operations, fencing.

use super::Cx;
use crate::catalog::AgentCatalog;
use crate::diag::{Diagnostic, Severity};
use crate::model::*;
use crate::suggest::did_you_mean;
use crate::types::{self, OrderKind, ParamValue, Transport};
use crate::walk::pointer_segment;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Runs every check of this module.
pub fn check(cx: &mut Cx<'_>, m: &Model, opts: &super::Options<'_>) {
    nodes(cx, m);
    totem_and_quorum(cx, m);
    agents_and_params(cx, m, opts.catalog);
    groups_and_clones(cx, m);
    constraints(cx, m);
    fencing(cx, m);
    policy(cx, m);
}

fn ptr(section: &str, id: &str) -> String {
    format!("/{section}/{}", pointer_segment(id))
}

/// Parameter names whose values are secrets and must be references.
pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.contains("passw")
        || n.contains("passwd")
        || n.contains("secret")
        || n.contains("passphrase"))
        && !n.ends_with("_script")
}

fn nodes(cx: &mut Cx<'_>, m: &Model) {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ids: BTreeMap<u32, usize> = BTreeMap::new();
    let mut addrs: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in m.nodes.iter().enumerate() {
        let p = format!("/nodes/{i}");
        if let Some(&j) = names.get(n.name.as_str()) {
            cx.push(
                Diagnostic::error(
                    "duplicate-node",
                    cx.at(&format!("{p}/name")),
                    format!("node `{}` is listed twice", n.name),
                )
                .with_hint("list each node once")
                .with_related(cx.at(&format!("/nodes/{j}/name")), "first listed here"),
            );
        } else {
            names.insert(&n.name, i);
        }
        if let Some(&j) = ids.get(&n.id) {
            cx.push(
                Diagnostic::error(
                    "duplicate-nodeid",
                    cx.at(&format!("{p}/id")),
                    format!(
                        "nodeid {} is already used by node `{}`",
                        n.id, m.nodes[j].name
                    ),
                )
                .with_related(cx.at(&format!("/nodes/{j}/id")), "first used here")
                .with_hint("every node needs its own corosync nodeid"),
            );
        } else {
            ids.insert(n.id, i);
        }
        for (k, a) in n.addrs.iter().enumerate() {
            let ap = format!("{p}/addrs/{k}");
            if a.parse::<IpAddr>().is_err() && !is_hostname(a) {
                cx.push(
                    Diagnostic::error("bad-address", cx.at(&ap), format!("`{a}` is neither an IP address nor a host name"))
                        .with_hint("write an address such as 192.168.122.11 or a resolvable name, without a prefix length"),
                );
            }
            if let Some(&j) = addrs.get(a.as_str()) {
                cx.push(
                    Diagnostic::error(
                        "duplicate-address",
                        cx.at(&ap),
                        format!(
                            "address `{a}` is already used by node `{}`",
                            m.nodes[j].name
                        ),
                    )
                    .with_hint("each node needs its own ring addresses"),
                );
            } else {
                addrs.insert(a, i);
            }
        }
    }
    // Every node has the same number of links.
    if let Some(first) = m.nodes.first() {
        for (i, n) in m.nodes.iter().enumerate().skip(1) {
            if n.addrs.len() != first.addrs.len() {
                cx.push(
                    Diagnostic::error(
                        "ring-count",
                        cx.at(&format!("/nodes/{i}/addrs")),
                        format!(
                            "node `{}` has {} ring address(es) but `{}` has {}",
                            n.name,
                            n.addrs.len(),
                            first.name,
                            first.addrs.len()
                        ),
                    )
                    .with_related(cx.at("/nodes/0/addrs"), "first node's addresses")
                    .with_hint("every node needs one address per link, in the same link order"),
                );
            }
        }
    }
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && !s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn totem_and_quorum(cx: &mut Cx<'_>, m: &Model) {
    let links = m.nodes.first().map_or(0, |n| n.addrs.len());
    if m.totem.transport != Transport::Knet {
        if links > 1 {
            cx.push(
                Diagnostic::error(
                    "transport-links",
                    cx.at("/nodes/0/addrs"),
                    format!(
                        "transport {:?} supports one link, but nodes have {links} addresses",
                        m.totem.transport
                    )
                    .to_lowercase(),
                )
                .with_hint("use `transport: knet` for several links"),
            );
        }
        let enc = m
            .totem
            .crypto
            .iter()
            .any(|(k, v)| k != "crypto_model" && v != "none");
        if enc {
            cx.push(
                Diagnostic::error(
                    "crypto-transport",
                    cx.at("/totem/crypto"),
                    "encryption needs the knet transport",
                )
                .with_hint("use `transport: knet`, or remove `crypto`"),
            );
        }
    }
    if let (Some(c), Some(h)) = (
        m.totem.crypto.get("crypto_cipher"),
        m.totem.crypto.get("crypto_hash"),
    ) {
        if c != "none" && h == "none" {
            cx.push(
                Diagnostic::error(
                    "crypto-hash",
                    cx.at("/totem/crypto/hash"),
                    "a cipher without a hash is refused by corosync",
                )
                .with_hint("set `hash: sha256` (or another hash)"),
            );
        }
    }
    // Interface settings belong to one transport; corosync refuses the others.
    for (i, (link, settings)) in m.totem.interfaces.iter().enumerate() {
        for key in settings.keys() {
            let allowed = match key.as_str() {
                "ttl" | "mcastaddr" => m.totem.transport == Transport::Udp,
                "bindnetaddr" => m.totem.transport != Transport::Knet,
                k if k.starts_with("knet_") => m.totem.transport == Transport::Knet,
                _ => true,
            };
            if !allowed {
                let transport = format!("{:?}", m.totem.transport).to_lowercase();
                cx.push(
                    Diagnostic::error(
                        "interface-transport",
                        cx.key(&format!("/totem/interfaces/{i}/{key}")),
                        format!("`{key}` on link {link} does not apply to the {transport} transport; corosync refuses it"),
                    )
                    .with_hint(if key.starts_with("knet_") {
                        "knet_* settings need `transport: knet`".to_string()
                    } else if key == "bindnetaddr" {
                        "`bindnetaddr` needs `transport: udp` or `udpu`".to_string()
                    } else {
                        format!("`{key}` needs `transport: udp` (multicast)")
                    }),
                );
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, iface) in m.totem.interfaces.keys().enumerate() {
        if usize::from(*iface) >= links.max(1) {
            cx.push(
                Diagnostic::error(
                    "bad-link",
                    cx.at(&format!("/totem/interfaces/{i}/linknumber")),
                    format!("link {iface} does not exist: nodes have {links} address(es)"),
                )
                .with_hint("link numbers count from 0, one per node address"),
            );
        }
        seen.insert(*iface);
    }
    let n = m.nodes.len();
    if let Some(c) = m
        .totem
        .settings
        .get("consensus")
        .and_then(|v| v.parse::<u64>().ok())
    {
        let min = m.totem.effective_token_ms(n) * 12 / 10;
        if c < min {
            cx.push(
                Diagnostic::error("consensus", cx.at("/totem/consensus"), format!("consensus {c} ms is below 1.2 x the token timeout ({min} ms), which corosync refuses"))
                    .with_hint("leave `consensus` out to get corosync's default"),
            );
        }
    }
    let q = &m.quorum;
    if q.two_node && n != 2 && n > 0 {
        cx.push(
            Diagnostic::warning(
                "two-node",
                cx.at("/quorum/two_node"),
                format!("`two_node` is set but the cluster has {n} nodes; votequorum ignores it"),
            )
            .with_hint("remove `two_node` unless the cluster has exactly two nodes"),
        );
    }
    if q.two_node && !q.wait_for_all {
        cx.push(
            Diagnostic::warning(
                "two-node-wfa",
                cx.at("/quorum/wait_for_all"),
                "`two_node` without `wait_for_all` lets a lone booting node fence its peer",
            )
            .with_hint("keep `wait_for_all` (two_node turns it on by default)"),
        );
    }
    if q.two_node && q.auto_tie_breaker {
        cx.push(
            Diagnostic::error(
                "quorum-options",
                cx.at("/quorum/auto_tie_breaker"),
                "`two_node` and `auto_tie_breaker` cannot be used together",
            )
            .with_hint("use `two_node` for two nodes, `auto_tie_breaker` for larger even clusters"),
        );
    }
    if let Some(types::TieBreaker::Nodes(list)) = &q.auto_tie_breaker_node {
        for (i, id) in list.iter().enumerate() {
            if !m.nodes.iter().any(|n| n.id == *id) {
                cx.push(
                    Diagnostic::error(
                        "dangling-reference",
                        cx.at(&format!("/quorum/auto_tie_breaker_node/{i}")),
                        format!("no node has nodeid {id}"),
                    )
                    .with_hint("use the nodeid of a listed node"),
                );
            }
        }
    }
    if q.settings.contains_key("last_man_standing_window") && !q.last_man_standing {
        cx.push(
            Diagnostic::warning(
                "quorum-options",
                cx.at("/quorum/last_man_standing_window"),
                "`last_man_standing_window` has no effect without `last_man_standing`",
            )
            .with_hint("add `last_man_standing: true` or remove the window"),
        );
    }
    let votes: u32 = m.nodes.iter().map(|n| n.votes).sum();
    if let Some(ev) = q.expected_votes {
        if ev < votes && !m.nodes.is_empty() {
            cx.push(
                Diagnostic::warning("expected-votes", cx.at("/quorum/expected_votes"), format!("expected_votes {ev} is below the {votes} votes the nodes have: two partitions could both be quorate"))
                    .with_hint("leave `expected_votes` out; votequorum counts the nodes"),
            );
        }
    }
}

fn agents_and_params(cx: &mut Cx<'_>, m: &Model, catalog: &dyn AgentCatalog) {
    let mut not_installed: BTreeSet<String> = BTreeSet::new();
    type UniqueKey = (String, String, String);
    let mut unique_seen: BTreeMap<UniqueKey, Vec<(String, String)>> = BTreeMap::new();
    let mut items: Vec<(&Primitive, String, bool)> = Vec::new();
    for r in m.resources.values() {
        if let Resource::Primitive(p) = r {
            items.push((p, ptr("resources", &p.id), false));
        }
    }
    for p in m.fence_devices.values() {
        items.push((p, ptr("fencing/devices", &p.id), true));
    }
    for (p, at, fence) in items {
        let agent_at = format!("{at}/agent");
        let class = p.agent.class.as_str();
        if !AGENT_CLASSES.contains(&class) {
            let mut d = Diagnostic::error(
                "unknown-class",
                cx.at(&agent_at),
                format!("unknown agent class `{class}`"),
            );
            d = match did_you_mean(class, AGENT_CLASSES.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!("agent classes are: {}", AGENT_CLASSES.join(", "))),
            };
            cx.push(d);
            continue;
        }
        if fence && class != "stonith" {
            cx.push(
                Diagnostic::error(
                    "fence-agent",
                    cx.at(&agent_at),
                    format!("fencing device `{}` uses a `{class}` agent", p.id),
                )
                .with_hint(
                    "fencing devices use `stonith:fence_*` agents; put services under `resources`",
                ),
            );
        }
        if !fence && class == "stonith" {
            cx.push(
                Diagnostic::error(
                    "fence-agent",
                    cx.at(&agent_at),
                    format!(
                        "`{}` is a fencing device but is listed under `resources`",
                        p.id
                    ),
                )
                .with_hint("move it to `fencing.devices`"),
            );
        }
        if p.agent.class == "upstart" {
            cx.push(
                Diagnostic::warning(
                    "agent-class",
                    cx.at(&agent_at),
                    "upstart agents are deprecated and unsupported by Pacemaker 2.1+",
                )
                .with_hint("use a systemd unit"),
            );
        }
        // Secrets.
        for (name, v) in &p.params {
            if is_sensitive(name) {
                if let Param::Text(_) = v {
                    cx.push(
                        Diagnostic::error("literal-secret", cx.at(&format!("{at}/params/{}", pointer_segment(name))), format!("`{name}` holds a literal secret, which would be stored in git"))
                            .with_hint(format!("reference it instead: `{name}: {{ file: /etc/quorate/secrets/{} }}` or `{{ env: VARIABLE }}`, or use `password_script`", p.id)),
                    );
                }
            } else if let Param::Secret(_) = v {
                // A reference for a non-secret parameter is allowed: resolved on the node too.
            }
        }
        if p.agent.class == "ocf" && p.agent.kind == "IPaddr2" {
            ipaddr2(cx, p, &at);
        }
        // Operations: name and interval unique.
        let mut seen: BTreeMap<(String, u64), usize> = BTreeMap::new();
        let op_ptrs = op_pointers(cx, &at);
        for (k, op) in p.ops.iter().enumerate() {
            let op_at = op_ptrs
                .get(k)
                .cloned()
                .unwrap_or_else(|| format!("{at}/ops"));
            if let Some(&j) = seen.get(&(op.name.clone(), op.interval_ms)) {
                cx.push(
                    Diagnostic::error("duplicate-op", cx.key(&op_at), format!("`{}` has two `{}` operations with interval {}", p.id, op.name, op.interval_text))
                        .with_related(cx.key(op_ptrs.get(j).map_or(&op_at, |s| s)), "the other one")
                        .with_hint("Pacemaker identifies operations by name and interval: give each a different interval"),
                );
            } else {
                seen.insert((op.name.clone(), op.interval_ms), k);
            }
            if op.name == "monitor"
                && op.interval_ms == 0
                && op.attrs.get("enabled").is_none_or(|e| e != "false")
            {
                cx.push(Diagnostic::warning("monitor-interval", cx.key(&op_at), format!("the monitor of `{}` has no interval, so it never runs as a recurring check", p.id)).with_hint("set `interval: 30s` or similar"));
            }
            if let (Some(t), true) = (op.timeout_ms, op.interval_ms > 0) {
                if t == 0 {
                    cx.push(
                        Diagnostic::error(
                            "op-timeout",
                            cx.key(&op_at),
                            "an operation timeout of 0 never lets it succeed",
                        )
                        .with_hint("give the operation a timeout such as 20s"),
                    );
                }
            }
        }
        for k in clone_only(&p.meta) {
            cx.push(
                Diagnostic::error(
                    "clone-meta",
                    cx.key(&format!("{at}/meta/{k}")),
                    format!("`{k}` only applies to clones, but `{}` is not one", p.id),
                )
                .with_hint("set it in the clone's `meta`"),
            );
        }
        // Agent metadata.
        match catalog.lookup(&p.agent) {
            Ok(None) => {
                not_installed.insert(p.agent.to_string());
            }
            Err(e) => cx.push(Diagnostic::warning(
                "agent-metadata",
                cx.at(&agent_at),
                format!("the metadata of `{}` could not be read: {e}", p.agent),
            )),
            Ok(Some(info)) => {
                let known: Vec<&str> = info.params.iter().map(|p| p.name.as_str()).collect();
                for name in p.params.keys() {
                    if fence && is_fencer_param(name) {
                        continue;
                    }
                    let pat = format!("{at}/params/{}", pointer_segment(name));
                    match info.params.iter().find(|i| &i.name == name) {
                        None => {
                            let mut d = Diagnostic::error(
                                "unknown-param",
                                cx.key(&pat),
                                format!("`{}` has no parameter `{name}`", p.agent),
                            );
                            d = match did_you_mean(name, known.iter().copied()) {
                                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                                None => d.with_hint(format!(
                                    "`{}` takes: {}",
                                    p.agent,
                                    known.join(", ")
                                )),
                            };
                            cx.push(d);
                        }
                        Some(i) if i.deprecated => {
                            let hint = match &i.replaced_by {
                                Some(r) => format!("use `{r}` instead"),
                                None => "see the agent's metadata for its replacement".into(),
                            };
                            cx.push(
                                Diagnostic::warning(
                                    "deprecated-param",
                                    cx.key(&pat),
                                    format!("`{}` marks `{name}` as deprecated", p.agent),
                                )
                                .with_hint(hint),
                            );
                        }
                        Some(_) => {}
                    }
                }
                for i in &info.params {
                    // A deprecated alias satisfies its replacement (`passwd` for `password`).
                    let satisfied = p.params.contains_key(&i.name)
                        || (fence && is_fencer_supplied(&i.name))
                        || i.replaced_by
                            .as_ref()
                            .is_some_and(|r| p.params.contains_key(r))
                        || info.params.iter().any(|o| {
                            o.replaced_by.as_deref() == Some(i.name.as_str())
                                && p.params.contains_key(&o.name)
                        });
                    if i.required && !satisfied {
                        cx.push(
                            Diagnostic::error(
                                "missing-param",
                                cx.key(&at),
                                format!(
                                    "`{}` needs the parameter `{}`, which `{}` does not set",
                                    p.agent, i.name, p.id
                                ),
                            )
                            .with_hint(format!("add `{}:` under `params`", i.name)),
                        );
                    }
                    if i.unique {
                        if let Some(Param::Text(v)) = p.params.get(&i.name) {
                            unique_seen
                                .entry((p.agent.to_string(), i.name.clone(), v.clone()))
                                .or_default()
                                .push((
                                    p.id.clone(),
                                    format!("{at}/params/{}", pointer_segment(&i.name)),
                                ));
                        }
                    }
                }
            }
        }
    }
    for ((agent, name, value), users) in unique_seen {
        if users.len() > 1 {
            let mut d = Diagnostic::error(
                "unique-param",
                cx.at(&users[1].1),
                format!(
                    "`{}` and `{}` both set `{name}: {value}`, which `{agent}` requires to be unique",
                    users[0].0, users[1].0
                ),
            )
            .with_hint("give each resource its own value");
            d = d.with_related(cx.at(&users[0].1), "first set here");
            cx.push(d);
        }
    }
    if !not_installed.is_empty() && catalog.enabled() {
        cx.push(
            Diagnostic::new(
                Severity::Note,
                "agent-not-installed",
                None,
                format!(
                    "parameters not checked against agent metadata: not installed here: {}",
                    not_installed.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
            .with_hint("install those agents (resource-agents and fence-agents hold the standard ones) to check their parameters too"),
        );
    }
}

/// Parameters the fencer itself reads, which no fence agent's metadata lists.
fn is_fencer_param(name: &str) -> bool {
    name.starts_with("pcmk_") || matches!(name, "priority" | "provides")
}

/// Parameters the fencer passes to a fence agent on each operation: never configured.
fn is_fencer_supplied(name: &str) -> bool {
    matches!(name, "action" | "port" | "plug" | "nodename" | "nodeid")
}

fn op_pointers(cx: &Cx<'_>, at: &str) -> Vec<String> {
    // Operations are lowered in `Ops::iter` order; rebuild their pointers the same way.
    let doc = &cx.l.doc;
    let ops = if let Some(id) = at.strip_prefix("/resources/") {
        doc.resources
            .get(&id.replace("~1", "/").replace("~0", "~"))
            .map(|p| &p.ops)
    } else if let Some(id) = at.strip_prefix("/fencing/devices/") {
        doc.fencing
            .as_ref()
            .and_then(|f| f.devices.get(&id.replace("~1", "/").replace("~0", "~")))
            .map(|d| &d.ops)
    } else {
        None
    };
    ops.map(|o| {
        o.iter()
            .map(|(name, i, _)| {
                if i == usize::MAX {
                    format!("{at}/ops/{name}")
                } else {
                    format!("{at}/ops/{name}/{i}")
                }
            })
            .collect()
    })
    .unwrap_or_default()
}

fn clone_only(meta: &BTreeMap<String, String>) -> Vec<String> {
    const CLONE_KEYS: &[&str] = &[
        "clone-max",
        "clone-node-max",
        "clone-min",
        "notify",
        "globally-unique",
        "ordered",
        "interleave",
        "promoted-max",
        "promoted-node-max",
    ];
    meta.keys()
        .filter(|k| CLONE_KEYS.contains(&k.as_str()))
        .cloned()
        .collect()
}

fn ipaddr2(cx: &mut Cx<'_>, p: &Primitive, at: &str) {
    let ip_at = format!("{at}/params/ip");
    let ip = match p.params.get("ip") {
        Some(Param::Text(t)) => t.clone(),
        Some(Param::Secret(_)) => return,
        None => {
            cx.push(
                Diagnostic::error(
                    "missing-param",
                    cx.key(at),
                    format!("`{}` (IPaddr2) needs `ip`", p.id),
                )
                .with_hint("add `ip: 192.168.1.100` under `params`"),
            );
            return;
        }
    };
    let parsed = match ip.parse::<IpAddr>() {
        Ok(a) => a,
        Err(_) => {
            let mut d = Diagnostic::error(
                "bad-ip",
                cx.at(&ip_at),
                format!("`{ip}` is not an IP address"),
            );
            d = if let Some((addr, len)) = ip.split_once('/') {
                d.with_hint(format!(
                    "write the prefix length separately: `ip: {addr}` and `cidr_netmask: {len}`"
                ))
            } else {
                d.with_hint("write an IPv4 or IPv6 address such as 192.168.1.100")
            };
            cx.push(d);
            return;
        }
    };
    let Some(Param::Text(mask)) = p.params.get("cidr_netmask") else {
        return;
    };
    let mask_at = format!("{at}/params/cidr_netmask");
    let max = if parsed.is_ipv4() { 32 } else { 128 };
    match mask.parse::<u8>() {
        Ok(len) if len <= max => {
            if let IpAddr::V4(v4) = parsed {
                if (1..=30).contains(&len) {
                    let bits = u32::from(v4);
                    let host = bits & (u32::MAX >> len);
                    if host == 0 || host == u32::MAX >> len {
                        cx.push(
                            Diagnostic::error(
                                "bad-ip",
                                cx.at(&ip_at),
                                format!(
                                    "`{ip}` is the {} address of its /{len} network",
                                    if host == 0 { "network" } else { "broadcast" }
                                ),
                            )
                            .with_hint("pick a host address inside the network"),
                        );
                    }
                }
            }
        }
        _ => {
            let mut d = Diagnostic::error(
                "bad-netmask",
                cx.at(&mask_at),
                format!(
                    "`{mask}` is not a prefix length for {}",
                    if max == 32 {
                        "IPv4 (0-32)"
                    } else {
                        "IPv6 (0-128)"
                    }
                ),
            );
            if mask.contains('.') {
                d = d.with_hint(
                    "IPaddr2 takes the prefix length (24), not a dotted netmask (255.255.255.0)",
                );
            }
            cx.push(d);
        }
    }
}

fn groups_and_clones(cx: &mut Cx<'_>, m: &Model) {
    let mut grouped: BTreeMap<&str, &str> = BTreeMap::new();
    let mut cloned: BTreeMap<&str, &str> = BTreeMap::new();
    for r in m.resources.values() {
        if let Resource::Group(g) = r {
            let gp = ptr("groups", &g.id);
            if g.members.is_empty() {
                cx.push(
                    Diagnostic::error(
                        "empty-group",
                        cx.key(&gp),
                        format!("group `{}` has no members", g.id),
                    )
                    .with_hint("list the member primitives, or remove the group"),
                );
            }
            let members_at = if matches!(cx.l.doc.groups.get(&g.id), Some(types::Group::Full(_))) {
                format!("{gp}/resources")
            } else {
                gp.clone()
            };
            let mut in_this = BTreeSet::new();
            for (i, mem) in g.members.iter().enumerate() {
                let at = cx.at(&format!("{members_at}/{i}"));
                if !in_this.insert(mem.as_str()) {
                    cx.push(
                        Diagnostic::error(
                            "duplicate-member",
                            at,
                            format!("`{mem}` is listed twice in group `{}`", g.id),
                        )
                        .with_hint("list each member once"),
                    );
                    continue;
                }
                match m.resources.get(mem) {
                    Some(Resource::Primitive(_)) => {}
                    Some(other) => {
                        cx.push(
                            Diagnostic::error("group-member", at, format!("group `{}` can only hold primitives, but `{mem}` is a {}", g.id, kind(other)))
                                .with_hint("list the primitives themselves; clone the group instead of grouping a clone"),
                        );
                        continue;
                    }
                    None => {
                        dangling(cx, m, at, mem, "resource");
                        continue;
                    }
                }
                if let Some(prev) = grouped.insert(mem, &g.id) {
                    cx.push(
                        Diagnostic::error(
                            "two-groups",
                            at,
                            format!("`{mem}` is in group `{prev}` and in group `{}`", g.id),
                        )
                        .with_related(cx.key(&ptr("groups", prev)), "the other group")
                        .with_hint("a primitive belongs to at most one group"),
                    );
                }
            }
        }
    }
    for r in m.resources.values() {
        if let Resource::Clone(c) = r {
            let cp = ptr("clones", &c.id);
            let at = cx.at(&format!("{cp}/resource"));
            match m.resources.get(&c.child) {
                Some(Resource::Clone(_)) => {
                    cx.push(
                        Diagnostic::error(
                            "clone-child",
                            at,
                            format!("clone `{}` wraps another clone, `{}`", c.id, c.child),
                        )
                        .with_hint("clone a primitive or a group"),
                    );
                    continue;
                }
                Some(_) => {}
                None => {
                    dangling(cx, m, at, &c.child, "primitive or group");
                    continue;
                }
            }
            if let Some(g) = grouped.get(c.child.as_str()) {
                cx.push(
                    Diagnostic::error(
                        "grouped-and-cloned",
                        at,
                        format!(
                            "`{}` is in group `{g}` and also cloned by `{}`",
                            c.child, c.id
                        ),
                    )
                    .with_related(cx.key(&ptr("groups", g)), "the group")
                    .with_hint(format!("clone the whole group `{g}` instead")),
                );
            }
            if let Some(prev) = cloned.insert(&c.child, &c.id) {
                cx.push(
                    Diagnostic::error(
                        "cloned-twice",
                        at,
                        format!("`{}` is cloned by `{prev}` and by `{}`", c.child, c.id),
                    )
                    .with_hint("clone a resource once")
                    .with_related(cx.key(&ptr("clones", prev)), "the other clone"),
                );
            }
            if !c.promotable {
                for k in ["promoted-max", "promoted-node-max"] {
                    if c.meta.contains_key(k) {
                        cx.push(
                            Diagnostic::error(
                                "clone-meta",
                                cx.key(&format!("{cp}/meta/{k}")),
                                format!("`{k}` needs a promotable clone"),
                            )
                            .with_hint("add `promotable: true`"),
                        );
                    }
                }
            }
        }
    }
}

fn kind(r: &Resource) -> &'static str {
    match r {
        Resource::Primitive(_) => "primitive",
        Resource::Group(_) => "group",
        Resource::Clone(_) => "clone",
    }
}

fn dangling(cx: &mut Cx<'_>, m: &Model, at: crate::source::Span, name: &str, what: &str) {
    if cx.broken(name) {
        return;
    }
    let mut all: Vec<&str> = m.resources.keys().map(String::as_str).collect();
    all.extend(m.fence_devices.keys().map(String::as_str));
    let mut d = Diagnostic::error(
        "dangling-reference",
        at,
        format!("no {what} is named `{name}`"),
    );
    if let Some(s) = did_you_mean(name, all) {
        d = d.with_hint(format!("did you mean `{s}`?"));
    } else {
        d = d.with_hint("define it under `resources`, `groups` or `clones`");
    }
    cx.push(d);
}

fn dangling_node(cx: &mut Cx<'_>, m: &Model, at: crate::source::Span, name: &str) {
    if cx.broken(name) {
        return;
    }
    let mut d = Diagnostic::error(
        "dangling-reference",
        at,
        format!("no node is named `{name}`"),
    );
    d = match did_you_mean(name, m.nodes.iter().map(|n| n.name.as_str())) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None => d.with_hint(format!(
            "nodes are: {}",
            m.nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    cx.push(d);
}

/// Checks a constraint's resource reference: it exists, and is not inside a clone.
fn resource_ref(cx: &mut Cx<'_>, m: &Model, at: crate::source::Span, name: &str) {
    if name.is_empty() {
        return;
    }
    if !m.resources.contains_key(name) && !m.fence_devices.contains_key(name) {
        dangling(cx, m, at, name, "resource");
        return;
    }
    if let Some(Resource::Clone(c)) = m.parent_of(name) {
        cx.push(
            Diagnostic::error(
                "cloned-reference",
                at,
                format!(
                    "`{name}` is cloned by `{}`; constraints must name the clone",
                    c.id
                ),
            )
            .with_hint(format!("write `{}`", c.id)),
        );
    }
}

fn constraints(cx: &mut Cx<'_>, m: &Model) {
    let doc_cons = cx.l.doc.constraints.clone().unwrap_or_default();
    for c in &m.constraints {
        let base = cx.ptrs.get(c.id()).cloned().unwrap_or_default();
        match c {
            Constraint::Location(l) => {
                let src = base
                    .strip_prefix("/constraints/location/")
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| doc_cons.location.get(i));
                let Some(src) = src else { continue };
                match (&src.resource, &src.resource_pattern) {
                    (Some(r), None) => resource_ref(cx, m, cx.at(&format!("{base}/resource")), r),
                    (None, Some(p)) => {
                        if let Err(e) = regex::Regex::new(p) {
                            cx.push(Diagnostic::error("bad-pattern", cx.at(&format!("{base}/resource-pattern")), format!("`{p}` is not a valid regular expression: {}", e.to_string().lines().last().unwrap_or_default())).with_hint("write a regular expression such as `^web-.*`"));
                        }
                    }
                    _ => cx.push(Diagnostic::error("location-target", cx.at(&base), "a location constraint needs exactly one of `resource` and `resource-pattern`").with_hint("write `resource: <id>`")),
                }
                match (&src.node, src.rules.is_empty()) {
                    (Some(n), true) => {
                        if m.node(n).is_none() {
                            dangling_node(cx, m, cx.at(&format!("{base}/node")), n);
                        }
                        if src.score.is_none() {
                            cx.push(Diagnostic::error("missing-key", cx.at(&format!("{base}/node")), "a location constraint with `node` needs a `score`").with_hint("add `score: INFINITY` (must), a number (prefer) or `-INFINITY` (never)"));
                        }
                    }
                    (None, false) => {
                        for (j, r) in src.rules.iter().enumerate() {
                            rule(cx, m, r, &format!("{base}/rules/{j}"));
                        }
                    }
                    (Some(_), false) => cx.push(Diagnostic::error(
                        "location-placement",
                        cx.at(&format!("{base}/node")),
                        "a location constraint has either `node` and `score`, or `rules`, not both",
                    ).with_hint("remove `node` and `score`, or `rules`")),
                    (None, true) => cx.push(Diagnostic::error(
                        "location-placement",
                        cx.at(&base),
                        "a location constraint needs `node` and `score`, or `rules`",
                    ).with_hint("add `node: <name>` and `score: INFINITY`")),
                }
                let _ = l;
            }
            Constraint::Colocation(co) => match &co.kind {
                ColocationKind::Pair { resource, with, .. } => {
                    let src_ok = !resource.is_empty() && !with.is_empty();
                    if !src_ok {
                        cx.push(
                            Diagnostic::error(
                                "colocation-form",
                                cx.at(&base),
                                "a colocation needs `resource` and `with`, or `sets`",
                            )
                            .with_hint("write `resource: <id>` and `with: <id>`"),
                        );
                        continue;
                    }
                    resource_ref(cx, m, cx.at(&format!("{base}/resource")), resource);
                    resource_ref(cx, m, cx.at(&format!("{base}/with")), with);
                    if resource == with {
                        cx.push(
                            Diagnostic::error(
                                "self-colocation",
                                cx.at(&format!("{base}/with")),
                                format!("`{resource}` is colocated with itself"),
                            )
                            .with_hint("name two different resources"),
                        );
                    }
                }
                ColocationKind::Sets(sets) => sets_refs(cx, m, sets, &base),
            },
            Constraint::Order(o) => {
                if o.kind == OrderKind::Serialize && o.symmetrical == Some(true) {
                    cx.push(
                        Diagnostic::error(
                            "order-symmetrical",
                            cx.at(&format!("{base}/symmetrical")),
                            "a Serialize order cannot be symmetrical",
                        )
                        .with_hint("remove `symmetrical`"),
                    );
                }
                match &o.spec {
                    OrderSpec::Pair { first, then, .. } => {
                        if first.is_empty() || then.is_empty() {
                            cx.push(
                                Diagnostic::error(
                                    "order-form",
                                    cx.at(&base),
                                    "an order needs `first` and `then`, or `sets`",
                                )
                                .with_hint("write `first: <id>` and `then: <id>`"),
                            );
                            continue;
                        }
                        resource_ref(cx, m, cx.at(&format!("{base}/first")), first);
                        resource_ref(cx, m, cx.at(&format!("{base}/then")), then);
                        if first == then {
                            cx.push(
                                Diagnostic::error(
                                    "order-cycle",
                                    cx.at(&format!("{base}/then")),
                                    format!("`{first}` is ordered after itself"),
                                )
                                .with_hint("name two different resources"),
                            );
                        }
                    }
                    OrderSpec::Sets(sets) => sets_refs(cx, m, sets, &base),
                }
            }
        }
    }
    // A constraint written with both forms.
    for (i, c) in doc_cons.colocation.iter().enumerate() {
        if !c.sets.is_empty() && (c.resource.is_some() || c.with.is_some()) {
            cx.push(
                Diagnostic::error(
                    "colocation-form",
                    cx.at(&format!("/constraints/colocation/{i}/sets")),
                    "a colocation has `resource` and `with`, or `sets`, not both",
                )
                .with_hint("use one form"),
            );
        }
    }
    for (i, c) in doc_cons.order.iter().enumerate() {
        if !c.sets.is_empty() && (c.first.is_some() || c.then.is_some()) {
            cx.push(
                Diagnostic::error(
                    "order-form",
                    cx.at(&format!("/constraints/order/{i}/sets")),
                    "an order has `first` and `then`, or `sets`, not both",
                )
                .with_hint("use one form"),
            );
        }
    }
}

fn sets_refs(cx: &mut Cx<'_>, m: &Model, sets: &[ResourceSet], base: &str) {
    for (j, s) in sets.iter().enumerate() {
        for (k, r) in s.resources.iter().enumerate() {
            resource_ref(cx, m, cx.at(&format!("{base}/sets/{j}/resources/{k}")), r);
        }
    }
}

fn rule(cx: &mut Cx<'_>, m: &Model, r: &types::Rule, at: &str) {
    if r.score.is_some() && r.score_attribute.is_some() {
        cx.push(
            Diagnostic::error(
                "rule-score",
                cx.at(&format!("{at}/score-attribute")),
                "a rule has `score` or `score-attribute`, not both",
            )
            .with_hint("remove one of them"),
        );
    }
    for (k, e) in r.expressions.iter().enumerate() {
        let ep = format!("{at}/expressions/{k}");
        match e {
            types::Expression::Attribute(a) => {
                let needs_value = !matches!(
                    a.operation,
                    types::AttrOp::Defined | types::AttrOp::NotDefined
                );
                if needs_value && a.value.is_none() {
                    cx.push(
                        Diagnostic::error(
                            "rule-value",
                            cx.key(&format!("{ep}/operation")),
                            format!("`{}` needs a `value`", a.operation.as_str()),
                        )
                        .with_hint("add `value: ...`"),
                    );
                }
                if !needs_value && a.value.is_some() {
                    cx.push(
                        Diagnostic::error(
                            "rule-value",
                            cx.at(&format!("{ep}/value")),
                            format!("`{}` takes no `value`", a.operation.as_str()),
                        )
                        .with_hint("remove `value`"),
                    );
                }
                if a.attribute == "#uname" && a.operation == types::AttrOp::Eq {
                    if let Some(ParamValue::Text(v)) = &a.value {
                        if m.node(v).is_none() && !m.nodes.is_empty() {
                            dangling_node(cx, m, cx.at(&format!("{ep}/value")), v);
                        }
                    }
                }
                if let (Some(kind), Some(ParamValue::Text(v))) = (&a.kind, &a.value) {
                    let ok = match kind.as_str() {
                        "integer" => v.parse::<i64>().is_ok(),
                        "number" => v.parse::<f64>().is_ok(),
                        _ => true,
                    };
                    if !ok {
                        cx.push(
                            Diagnostic::error(
                                "rule-value",
                                cx.at(&format!("{ep}/value")),
                                format!("`{v}` is not a {kind}"),
                            )
                            .with_hint(format!("write a {kind} value")),
                        );
                    }
                }
            }
            types::Expression::Date(d) => {
                let d = &d.date;
                let dp = format!("{ep}/date");
                for (k, v) in [("start", &d.start), ("end", &d.end)] {
                    if let Some(v) = v {
                        if !is_iso_date(v) {
                            cx.push(
                                Diagnostic::error(
                                    "bad-date",
                                    cx.at(&format!("{dp}/{k}")),
                                    format!("`{v}` is not an ISO 8601 date"),
                                )
                                .with_hint("write `2026-12-31` or `2026-12-31 23:59:59`"),
                            );
                        }
                    }
                }
                let ok = match d.operation {
                    types::DateOp::InRange => {
                        d.start.is_some() && (d.end.is_some() || d.duration.is_some())
                            || d.end.is_some()
                    }
                    types::DateOp::Gt => d.start.is_some(),
                    types::DateOp::Lt => d.end.is_some(),
                    types::DateOp::DateSpec => d.date_spec.is_some(),
                };
                if !ok {
                    let need = match d.operation {
                        types::DateOp::InRange => "`start` and `end` (or `duration`)",
                        types::DateOp::Gt => "`start`",
                        types::DateOp::Lt => "`end`",
                        types::DateOp::DateSpec => "`date-spec`",
                    };
                    cx.push(
                        Diagnostic::error(
                            "date-expression",
                            cx.key(&format!("{dp}/operation")),
                            format!("this date expression needs {need}"),
                        )
                        .with_hint("add the missing dates"),
                    );
                }
            }
            types::Expression::Rule(n) => rule(cx, m, &n.rule, &format!("{ep}/rule")),
        }
    }
}

fn is_iso_date(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?$")
            .expect("static regex")
    });
    if !re.is_match(s) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn fencing(cx: &mut Cx<'_>, m: &Model) {
    let doc_f = cx.l.doc.fencing.clone().unwrap_or_default();
    for (id, d) in &doc_f.devices {
        let at = ptr("fencing/devices", id);
        for (i, h) in d.hosts.iter().enumerate() {
            if m.node(h).is_none() {
                dangling_node(cx, m, cx.at(&format!("{at}/hosts/{i}")), h);
            }
        }
        if let Some(v) = d.params.get("pcmk_host_list") {
            let vp = format!("{at}/params/pcmk_host_list");
            if !d.hosts.is_empty() {
                cx.push(
                    Diagnostic::error(
                        "host-list",
                        cx.key(&vp),
                        "`pcmk_host_list` and `hosts` say the same thing",
                    )
                    .with_hint("keep `hosts:` and remove `pcmk_host_list`"),
                );
            }
            if let ParamValue::Text(t) = v {
                for h in t.split([' ', ',', ';']).filter(|s| !s.is_empty()) {
                    let name = h.split(':').next().unwrap_or(h);
                    if m.node(name).is_none() {
                        dangling_node(cx, m, cx.at(&vp), name);
                    }
                }
            }
        }
    }
    let mut targets: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in doc_f.topology.iter().enumerate() {
        let at = format!("/fencing/topology/{i}");
        let forms = [
            t.target.is_some(),
            t.target_pattern.is_some(),
            t.target_attribute.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if forms != 1 {
            cx.push(Diagnostic::error("fencing-target", cx.at(&at), "a fencing topology entry needs exactly one of `target`, `target-pattern` and `target-attribute`").with_hint("write `target: <node>`"));
        }
        if let Some(n) = &t.target {
            if m.node(n).is_none() {
                dangling_node(cx, m, cx.at(&format!("{at}/target")), n);
            }
        }
        if let Some(p) = &t.target_pattern {
            if regex::Regex::new(p).is_err() {
                cx.push(
                    Diagnostic::error(
                        "bad-pattern",
                        cx.at(&format!("{at}/target-pattern")),
                        format!("`{p}` is not a valid regular expression"),
                    )
                    .with_hint("write a regular expression such as `^node[0-9]+$`"),
                );
            }
        }
        let key = format!(
            "{:?}{:?}{:?}",
            t.target, t.target_pattern, t.target_attribute
        );
        if let Some(j) = targets.insert(key, i) {
            cx.push(
                Diagnostic::error(
                    "duplicate-target",
                    cx.at(&at),
                    "this fencing target already has levels",
                )
                .with_related(cx.at(&format!("/fencing/topology/{j}")), "first entry")
                .with_hint("list all of a target's levels in one entry"),
            );
        }
        for (j, level) in t.levels.iter().enumerate() {
            if level.is_empty() {
                cx.push(
                    Diagnostic::error(
                        "empty-level",
                        cx.at(&format!("{at}/levels/{j}")),
                        format!("fencing level {} has no devices", j + 1),
                    )
                    .with_hint("list at least one fencing device in each level"),
                );
            }
            for (k, dev) in level.iter().enumerate() {
                if !m.fence_devices.contains_key(dev) && !cx.broken(dev) {
                    let mut d = Diagnostic::error(
                        "dangling-reference",
                        cx.at(&format!("{at}/levels/{j}/{k}")),
                        format!("no fencing device is named `{dev}`"),
                    );
                    if let Some(s) = did_you_mean(dev, m.fence_devices.keys().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    } else {
                        d = d.with_hint("define it under `fencing.devices`");
                    }
                    cx.push(d);
                }
            }
        }
    }
}

fn policy(cx: &mut Cx<'_>, m: &Model) {
    let props_at = "/properties/stonith-enabled";
    let explicit = cx.l.spans.get(props_at).is_some();
    if m.policy.stonith_enabled && m.fence_devices.is_empty() && !m.nodes.is_empty() {
        let at = if explicit { cx.at(props_at) } else { cx.at("") };
        cx.push(
            Diagnostic::error("no-fencing", at, "fencing is enabled (`stonith-enabled` defaults to true) but no fencing device is configured")
                .with_hint("add devices under `fencing.devices`; for a lab without fencing, set `stonith-enabled: false` explicitly"),
        );
    }
    if !m.policy.stonith_enabled {
        cx.push(
            Diagnostic::warning("fencing-disabled", cx.at(props_at), "fencing is disabled: a node that stops responding can corrupt shared data, and its resources are not recovered safely")
                .with_hint("configure fencing devices and remove `stonith-enabled: false` before production"),
        );
    }
    // Count-based advice only when every node entry loaded.
    let all_nodes =
        cx.l.spans
            .get(&format!("/nodes/{}", m.nodes.len()))
            .is_none();
    if all_nodes && m.nodes.len() == 2 && !m.quorum.two_node && !m.quorum.auto_tie_breaker {
        cx.push(
            Diagnostic::warning(
                "two-node-quorum",
                cx.at("/nodes"),
                "a two-node cluster without `two_node` loses quorum whenever one node fails",
            )
            .with_hint("set `quorum: { two_node: true }` (it implies `wait_for_all`)"),
        );
    }
    if m.policy.no_quorum_policy == types::NoQuorumPolicy::Ignore {
        cx.push(
            Diagnostic::warning("no-quorum-ignore", cx.at("/properties/no-quorum-policy"), "`no-quorum-policy: ignore` keeps resources running in a partition without quorum: both sides of a split may run them")
                .with_hint("use `two_node` for two-node clusters and keep the default `stop`"),
        );
    }
    if !m.policy.symmetric_cluster {
        for r in m.top_level() {
            let positive = m.constraints.iter().any(|c| match c {
                Constraint::Location(l) => {
                    matches!(&l.resource, ResourceRef::Id(id) if id == r.id())
                        && match &l.placement {
                            Placement::Node { score, .. } => score.as_i64() > 0,
                            Placement::Rules(_) => true,
                        }
                }
                _ => false,
            });
            if !positive {
                let section = match r {
                    Resource::Primitive(_) => "resources",
                    Resource::Group(_) => "groups",
                    Resource::Clone(_) => "clones",
                };
                let at = cx.key(&ptr(section, r.id()));
                cx.push(Diagnostic::warning("opt-in-unplaced", at, format!("`{}` has no positive location constraint, so in this opt-in cluster (`symmetric-cluster: false`) it runs nowhere", r.id())).with_hint("add a location constraint with a positive score"));
            }
        }
    }
}
