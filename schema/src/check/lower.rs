//! Lowering: the YAML document becomes the [`Model`]: defaults resolved, ids assigned the way
//! pcs assigns them, and every id checked for uniqueness and XML legality.

use super::Cx;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::source::Span;
use crate::types::{self, Action, BoolOp, NoQuorumPolicy, OrderKind, ParamValue, StonithAction};
use crate::walk::pointer_segment;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Where each constraint and fencing level was written, by id, for later checks.
#[derive(Debug, Default)]
pub struct Pointers {
    /// JSON pointer of each constraint, fencing level and alert recipient by id.
    pub by_id: BTreeMap<String, String>,
}

/// Builds the model, checks the id namespace, and records where constraints were written.
pub fn lower(cx: &mut Cx<'_>) -> Model {
    let (model, ptrs) = lower_with_pointers(cx);
    cx.ptrs = ptrs.by_id;
    model
}

/// True for a legal XML id (NCName without colons), which Pacemaker requires of every id.
pub fn is_xml_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Replaces what an XML id cannot hold, as pcs does when it derives ids.
pub fn sanitize_id(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

struct Ids {
    seen: BTreeMap<String, Span>,
}

impl Ids {
    fn claim(&mut self, cx: &mut Cx<'_>, id: &str, span: Span, what: &str) {
        if !is_xml_id(id) {
            cx.push(
                Diagnostic::error(
                    "invalid-id",
                    span,
                    format!("`{id}` is not a valid id for a {what}"),
                )
                .with_hint(format!(
                    "ids start with a letter or `_` and hold only letters, digits, `_`, `-` and `.`; for example `{}`",
                    sanitize_id(id)
                )),
            );
        }
        if let Some(first) = self.seen.get(id) {
            cx.push(
                Diagnostic::error(
                    "duplicate-id",
                    span,
                    format!("id `{id}` is already used; Pacemaker ids share one namespace across the cluster"),
                )
                .with_related(*first, "first used here")
                .with_hint("rename one of them"),
            );
            return;
        }
        self.seen.insert(id.to_string(), span);
    }

    /// A derived id, made unique with `-1`, `-2`, ... as pcs does.
    fn derive(&mut self, base: &str, span: Span) -> String {
        let base = sanitize_id(base);
        let mut id = base.clone();
        let mut n = 1;
        while self.seen.contains_key(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.seen.insert(id.clone(), span);
        id
    }
}

/// Renders a serde value as Pacemaker nvpair text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A serde struct of optional attributes as `name -> text`.
pub fn attrs<T: Serialize>(t: &T) -> BTreeMap<String, String> {
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Corosync writes booleans as `1` / `0`.
fn corosync_attrs<T: Serialize>(t: &T, skip: &[&str]) -> BTreeMap<String, String> {
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .filter_map(|(k, v)| {
                let s = match v {
                    Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                    Value::Array(a) => a.iter().filter_map(text).collect::<Vec<_>>().join(" "),
                    other => text(other)?,
                };
                Some((k.clone(), s))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn params(p: &BTreeMap<String, ParamValue>) -> BTreeMap<String, Param> {
    p.iter()
        .map(|(k, v)| {
            let v = match v {
                ParamValue::Text(t) => Param::Text(t.clone()),
                ParamValue::Secret(s) => Param::Secret(s.clone()),
            };
            (k.clone(), v)
        })
        .collect()
}

fn operations(ops: &types::Ops) -> Vec<Operation> {
    ops.iter()
        .map(|(name, _, op)| {
            let mut a = attrs(op);
            for k in ["interval", "timeout", "role", "on-fail", "params"] {
                a.remove(k);
            }
            Operation {
                name: name.to_string(),
                interval_ms: op.interval.as_ref().map_or(0, |d| d.ms),
                interval_text: op.interval.as_ref().map_or("0s".into(), |d| d.text.clone()),
                timeout_ms: op.timeout.as_ref().map(|d| d.ms),
                timeout_text: op.timeout.as_ref().map(|d| d.text.clone()),
                role: op.role,
                on_fail: op.on_fail,
                attrs: a,
                params: params(&op.params),
            }
        })
        .collect()
}

/// The parts of a primitive or fencing device as written.
struct PrimitiveSrc<'a> {
    agent: &'a str,
    description: &'a Option<String>,
    params: &'a BTreeMap<String, ParamValue>,
    ops: &'a types::Ops,
    meta: &'a types::Meta,
    utilization: &'a BTreeMap<String, u64>,
}

fn primitive(cx: &mut Cx<'_>, id: &str, pointer: &str, src: PrimitiveSrc<'_>) -> Option<Primitive> {
    let PrimitiveSrc {
        agent,
        description,
        params: p,
        ops,
        meta,
        utilization,
    } = src;
    let class = agent.split(':').next().unwrap_or_default();
    if agent.contains(':') && !AGENT_CLASSES.contains(&class) {
        let mut d = Diagnostic::error(
            "unknown-class",
            cx.at(&format!("{pointer}/agent")),
            format!("unknown agent class `{class}` in `{agent}`"),
        );
        d = match crate::suggest::did_you_mean(class, AGENT_CLASSES.iter().copied()) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None => d.with_hint(format!("agent classes are: {}", AGENT_CLASSES.join(", "))),
        };
        cx.push(d);
        return None;
    }
    let spec = match AgentSpec::parse(agent) {
        Ok(s) => s,
        Err(e) => {
            cx.push(
                Diagnostic::error("bad-agent", cx.at(&format!("{pointer}/agent")), format!("`{agent}` is not a valid agent: {e}"))
                    .with_hint("agents look like `ocf:heartbeat:IPaddr2`, `systemd:nginx` or `stonith:fence_ipmilan`"),
            );
            return None;
        }
    };
    Some(Primitive {
        id: id.to_string(),
        agent: spec,
        description: description.clone(),
        params: params(p),
        ops: operations(ops),
        meta: attrs(meta),
        utilization: utilization.clone(),
        span: Some(cx.key(pointer)),
    })
}

fn lower_with_pointers(cx: &mut Cx<'_>) -> (Model, Pointers) {
    let doc = &cx.l.doc;
    let mut ptrs = Pointers::default();
    let mut ids = Ids {
        seen: BTreeMap::new(),
    };

    let name = match &doc.cluster {
        Some(n) => n.clone(),
        None => {
            if all_parsed(cx) {
                let s = cx.at("");
                cx.push(
                    Diagnostic::error("missing-key", s, "the desired state has no cluster name")
                        .with_hint("add `cluster: <name>` to one file"),
                );
            }
            String::new()
        }
    };

    // Nodes.
    let mut nodes = Vec::new();
    for (i, n) in doc.nodes.iter().enumerate() {
        nodes.push(Node {
            name: n.name.clone(),
            id: n.id,
            addrs: n.addrs.clone(),
            votes: n.quorum_votes.unwrap_or(1),
            attributes: n
                .attributes
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        ParamValue::Text(t) => t.clone(),
                        ParamValue::Secret(_) => String::new(),
                    };
                    (k.clone(), v)
                })
                .collect(),
            utilization: n.utilization.clone(),
            span: Some(cx.at(&format!("/nodes/{i}"))),
        });
    }
    if nodes.is_empty()
        && all_parsed(cx)
        && doc.nodes.is_empty()
        && cx.l.spans.get("/nodes").is_none()
    {
        let s = cx.at("");
        cx.push(
            Diagnostic::error("missing-key", s, "the desired state has no nodes")
                .with_hint("add `nodes:` with each node's name, id and addrs"),
        );
    }

    // Totem and quorum.
    let t = doc.totem.clone().unwrap_or_default();
    let totem = TotemConfig {
        transport: t.transport.unwrap_or(types::Transport::Knet),
        settings: corosync_attrs(&t, &["transport", "crypto", "interfaces"]),
        crypto: t
            .crypto
            .as_ref()
            .map(|c| {
                corosync_attrs(c, &[])
                    .into_iter()
                    .map(|(k, v)| (format!("crypto_{k}"), v))
                    .collect()
            })
            .unwrap_or_default(),
        interfaces: t
            .interfaces
            .iter()
            .map(|i| (i.linknumber, corosync_attrs(i, &["linknumber"])))
            .collect(),
    };
    let q = doc.quorum.clone().unwrap_or_default();
    let two_node = q.two_node.unwrap_or(false);
    let quorum = QuorumConfig {
        expected_votes: q.expected_votes,
        two_node,
        wait_for_all: q.wait_for_all.unwrap_or(two_node),
        last_man_standing: q.last_man_standing.unwrap_or(false),
        last_man_standing_window_ms: q.last_man_standing_window.unwrap_or(10_000),
        auto_tie_breaker: q.auto_tie_breaker.unwrap_or(false),
        auto_tie_breaker_node: q.auto_tie_breaker_node.clone(),
        allow_downscale: q.allow_downscale.unwrap_or(false),
        settings: corosync_attrs(&q, &[]),
    };

    // Properties.
    let props = doc.properties.clone().unwrap_or_default();
    let policy = Policy {
        stonith_enabled: props.stonith_enabled.unwrap_or(true),
        stonith_action: props.stonith_action.unwrap_or(StonithAction::Reboot),
        no_quorum_policy: props.no_quorum_policy.unwrap_or(NoQuorumPolicy::Stop),
        symmetric_cluster: props.symmetric_cluster.unwrap_or(true),
        maintenance_mode: props.maintenance_mode.unwrap_or(false),
        stop_all_resources: props.stop_all_resources.unwrap_or(false),
        start_failure_is_fatal: props.start_failure_is_fatal.unwrap_or(true),
    };

    // Resources: claim every top-level id first, in a fixed order, so duplicates point at the
    // later definition.
    let mut resources = BTreeMap::new();
    for (id, p) in &doc.resources {
        let ptr = format!("/resources/{}", pointer_segment(id));
        ids.claim(cx, id, cx.key(&ptr), "resource");
        let src = PrimitiveSrc {
            agent: &p.agent,
            description: &p.description,
            params: &p.params,
            ops: &p.ops,
            meta: &p.meta,
            utilization: &p.utilization,
        };
        if let Some(prim) = primitive(cx, id, &ptr, src) {
            resources.insert(id.clone(), Resource::Primitive(prim));
        }
    }
    for (id, g) in &doc.groups {
        let ptr = format!("/groups/{}", pointer_segment(id));
        ids.claim(cx, id, cx.key(&ptr), "group");
        let (meta, description) = match g {
            types::Group::Members(_) => (BTreeMap::new(), None),
            types::Group::Full(f) => (attrs(&f.meta), f.description.clone()),
        };
        resources.insert(
            id.clone(),
            Resource::Group(Group {
                id: id.clone(),
                members: g.members().to_vec(),
                meta,
                description,
                span: Some(cx.key(&ptr)),
            }),
        );
    }
    for (id, c) in &doc.clones {
        let ptr = format!("/clones/{}", pointer_segment(id));
        ids.claim(cx, id, cx.key(&ptr), "clone");
        resources.insert(
            id.clone(),
            Resource::Clone(Clone {
                id: id.clone(),
                child: c.resource.clone(),
                promotable: c.promotable,
                meta: attrs(&c.meta),
                description: c.description.clone(),
                span: Some(cx.key(&ptr)),
            }),
        );
    }
    let mut fence_devices = BTreeMap::new();
    let fencing = doc.fencing.clone().unwrap_or_default();
    for (id, d) in &fencing.devices {
        let ptr = format!("/fencing/devices/{}", pointer_segment(id));
        ids.claim(cx, id, cx.key(&ptr), "fencing device");
        let no_utilization = BTreeMap::new();
        let src = PrimitiveSrc {
            agent: &d.agent,
            description: &d.description,
            params: &d.params,
            ops: &d.ops,
            meta: &d.meta,
            utilization: &no_utilization,
        };
        if let Some(mut prim) = primitive(cx, id, &ptr, src) {
            if !d.hosts.is_empty() {
                prim.params
                    .insert("pcmk_host_list".into(), Param::Text(d.hosts.join(" ")));
            }
            fence_devices.insert(id.clone(), prim);
        }
    }
    for id in doc.alerts.keys() {
        let ptr = format!("/alerts/{}", pointer_segment(id));
        ids.claim(cx, id, cx.key(&ptr), "alert");
    }

    // Explicit ids of constraints and their parts, before any derived id.
    let cons = doc.constraints.clone().unwrap_or_default();
    let explicit = |cx: &mut Cx<'_>, ids: &mut Ids, id: &Option<String>, ptr: String| {
        if let Some(id) = id {
            ids.claim(cx, id, cx.at(&format!("{ptr}/id")), "constraint");
        }
    };
    for (i, c) in cons.location.iter().enumerate() {
        let p = format!("/constraints/location/{i}");
        explicit(cx, &mut ids, &c.id, p.clone());
        for (j, r) in c.rules.iter().enumerate() {
            explicit_rule_ids(cx, &mut ids, r, &format!("{p}/rules/{j}"));
        }
    }
    for (i, c) in cons.colocation.iter().enumerate() {
        let p = format!("/constraints/colocation/{i}");
        explicit(cx, &mut ids, &c.id, p.clone());
        for (j, s) in c.sets.iter().enumerate() {
            explicit(cx, &mut ids, &s.id, format!("{p}/sets/{j}"));
        }
    }
    for (i, c) in cons.order.iter().enumerate() {
        let p = format!("/constraints/order/{i}");
        explicit(cx, &mut ids, &c.id, p.clone());
        for (j, s) in c.sets.iter().enumerate() {
            explicit(cx, &mut ids, &s.id, format!("{p}/sets/{j}"));
        }
    }

    let mut constraints = Vec::new();
    for (i, c) in cons.location.iter().enumerate() {
        let p = format!("/constraints/location/{i}");
        let span = cx.at(&p);
        let target = match (&c.resource, &c.resource_pattern) {
            (Some(r), _) => ResourceRef::Id(r.clone()),
            (None, Some(pat)) => ResourceRef::Pattern(pat.clone()),
            (None, None) => ResourceRef::Id(String::new()),
        };
        let rsc_name = match &target {
            ResourceRef::Id(r) => r.clone(),
            ResourceRef::Pattern(p) => p.clone(),
        };
        let id = c.id.clone().unwrap_or_else(|| match (&c.node, &c.score) {
            (Some(n), Some(s)) => ids.derive(&format!("location-{rsc_name}-{n}-{s}"), span),
            _ => ids.derive(&format!("location-{rsc_name}"), span),
        });
        let placement = if c.rules.is_empty() {
            Placement::Node {
                node: c.node.clone().unwrap_or_default(),
                score: c.score.unwrap_or(types::Score::Infinity),
            }
        } else {
            let mut rules = Vec::new();
            for (j, r) in c.rules.iter().enumerate() {
                rules.push(lower_rule(&mut ids, r, &format!("{id}-rule"), span, j));
            }
            Placement::Rules(rules)
        };
        ptrs.by_id.insert(id.clone(), p);
        constraints.push(Constraint::Location(Location {
            id,
            resource: target,
            role: c.role,
            placement,
            resource_discovery: c.resource_discovery.clone(),
        }));
    }
    for (i, c) in cons.colocation.iter().enumerate() {
        let p = format!("/constraints/colocation/{i}");
        let span = cx.at(&p);
        let score = c.score.unwrap_or(types::Score::Infinity);
        let (kind, base) = if c.sets.is_empty() {
            let r = c.resource.clone().unwrap_or_default();
            let w = c.with.clone().unwrap_or_default();
            let base = format!("colocation-{r}-{w}-{score}");
            (
                ColocationKind::Pair {
                    resource: r,
                    role: c.role,
                    with: w,
                    with_role: c.with_role,
                },
                base,
            )
        } else {
            let sets = lower_sets(&mut ids, &c.sets, span);
            let base = format!(
                "pcs_rsc_colocation_{}",
                sets.iter()
                    .map(|s| s.id.trim_start_matches("pcs_rsc_").to_string())
                    .collect::<Vec<_>>()
                    .join("_")
            );
            (ColocationKind::Sets(sets), base)
        };
        let id = c.id.clone().unwrap_or_else(|| ids.derive(&base, span));
        ptrs.by_id.insert(id.clone(), p);
        constraints.push(Constraint::Colocation(Colocation {
            id,
            score,
            kind,
            node_attribute: c.node_attribute.clone(),
        }));
    }
    for (i, c) in cons.order.iter().enumerate() {
        let p = format!("/constraints/order/{i}");
        let span = cx.at(&p);
        let kind = c.kind.unwrap_or(OrderKind::Mandatory);
        let kind_text = match kind {
            OrderKind::Mandatory => "mandatory",
            OrderKind::Optional => "optional",
            OrderKind::Serialize => "serialize",
        };
        let (spec, base) = if c.sets.is_empty() {
            let first = c.first.clone().unwrap_or_default();
            let then = c.then.clone().unwrap_or_default();
            let first_action = c.first_action.unwrap_or(Action::Start);
            let base = format!("order-{first}-{then}-{kind_text}");
            (
                OrderSpec::Pair {
                    first,
                    first_action,
                    then,
                    then_action: c.then_action.unwrap_or(first_action),
                },
                base,
            )
        } else {
            let sets = lower_sets(&mut ids, &c.sets, span);
            let base = format!(
                "pcs_rsc_order_{}",
                sets.iter()
                    .map(|s| s.id.trim_start_matches("pcs_rsc_").to_string())
                    .collect::<Vec<_>>()
                    .join("_")
            );
            (OrderSpec::Sets(sets), base)
        };
        let id = c.id.clone().unwrap_or_else(|| ids.derive(&base, span));
        ptrs.by_id.insert(id.clone(), p);
        constraints.push(Constraint::Order(Order {
            id,
            kind,
            symmetrical: c.symmetrical,
            spec,
        }));
    }

    // Fencing levels: `fl-<target>-<index>` as pcs names them.
    let mut fencing_levels = Vec::new();
    for (i, t) in fencing.topology.iter().enumerate() {
        let p = format!("/fencing/topology/{i}");
        let span = cx.at(&p);
        let (target, label) = match (&t.target, &t.target_pattern, &t.target_attribute) {
            (Some(n), _, _) => (FencingTarget::Node(n.clone()), n.clone()),
            (None, Some(pat), _) => (FencingTarget::Pattern(pat.clone()), pat.clone()),
            (None, None, Some(a)) => (
                FencingTarget::Attribute {
                    name: a.name.clone(),
                    value: a.value.clone(),
                },
                format!("{}_{}", a.name, a.value),
            ),
            _ => (FencingTarget::Node(String::new()), String::new()),
        };
        for (j, devices) in t.levels.iter().enumerate() {
            let index = j as u32 + 1;
            let id = ids.derive(&format!("fl-{label}-{index}"), span);
            ptrs.by_id.insert(id.clone(), format!("{p}/levels/{j}"));
            fencing_levels.push(FencingLevel {
                id,
                target: target.clone(),
                index,
                devices: devices.clone(),
            });
        }
    }

    // Alerts.
    let mut alerts = BTreeMap::new();
    for (id, a) in &doc.alerts {
        let span = cx.key(&format!("/alerts/{}", pointer_segment(id)));
        let recipients = a
            .recipients
            .iter()
            .map(|r| Recipient {
                id: r
                    .id
                    .clone()
                    .unwrap_or_else(|| ids.derive(&format!("{id}-recipient"), span)),
                value: r.value.clone(),
                params: params(&r.params),
                meta: attrs(&r.meta),
            })
            .collect();
        alerts.insert(
            id.clone(),
            Alert {
                id: id.clone(),
                path: a.path.clone(),
                description: a.description.clone(),
                params: params(&a.params),
                meta: attrs(&a.meta),
                select: a
                    .select
                    .iter()
                    .map(|k| {
                        text(&serde_json::to_value(k).unwrap_or(Value::Null)).unwrap_or_default()
                    })
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                recipients,
            },
        );
    }

    // Who holds whom; the first holder wins (a second one is reported by the checks).
    let mut parents = BTreeMap::new();
    for r in resources.values() {
        match r {
            Resource::Group(g) => {
                for m in &g.members {
                    parents.entry(m.clone()).or_insert_with(|| g.id.clone());
                }
            }
            Resource::Clone(c) => {
                parents
                    .entry(c.child.clone())
                    .or_insert_with(|| c.id.clone());
            }
            Resource::Primitive(_) => {}
        }
    }
    let resource_order = document_order(cx, &resources, &fence_devices);
    let model = Model {
        parents,
        resource_order,
        name,
        nodes,
        totem,
        quorum,
        properties: attrs(&props),
        policy,
        rsc_defaults: doc.rsc_defaults.as_ref().map(attrs).unwrap_or_default(),
        op_defaults: doc.op_defaults.as_ref().map(attrs).unwrap_or_default(),
        resources,
        constraints,
        fence_devices,
        fencing_levels,
        alerts,
    };
    (model, ptrs)
}

/// Resource, group, clone and fencing device ids in the order their keys are written (file
/// in load order, line, column). Ids without a recorded position (a document built in memory)
/// follow in id order; with no positions at all the order is empty.
fn document_order(
    cx: &Cx<'_>,
    resources: &BTreeMap<String, Resource>,
    fence_devices: &BTreeMap<String, Primitive>,
) -> Vec<String> {
    let section = |r: &Resource| match r {
        Resource::Primitive(_) => "resources",
        Resource::Group(_) => "groups",
        Resource::Clone(_) => "clones",
    };
    let mut placed: Vec<((u32, u32, u32), &String)> = Vec::new();
    let mut unplaced: Vec<&String> = Vec::new();
    let ids = resources
        .iter()
        .map(|(id, r)| (id, format!("/{}/{}", section(r), pointer_segment(id))))
        .chain(
            fence_devices
                .keys()
                .map(|id| (id, format!("/fencing/devices/{}", pointer_segment(id)))),
        );
    for (id, ptr) in ids {
        match cx.l.spans.key(&ptr) {
            Some(s) => placed.push(((s.file.0, s.start.line, s.start.col), id)),
            None => unplaced.push(id),
        }
    }
    if placed.is_empty() {
        return Vec::new();
    }
    placed.sort();
    placed
        .into_iter()
        .map(|(_, id)| id.clone())
        .chain(unplaced.into_iter().cloned())
        .collect()
}

/// True when every file was read and parsed, so a missing section is really missing.
fn all_parsed(cx: &Cx<'_>) -> bool {
    cx.l.sources.files().next().is_some()
        && !cx
            .l
            .diags
            .iter()
            .any(|d| matches!(d.code, "yaml-syntax" | "io" | "yaml-limit"))
}

fn explicit_rule_ids(cx: &mut Cx<'_>, ids: &mut Ids, r: &types::Rule, ptr: &str) {
    if let Some(id) = &r.id {
        ids.claim(cx, id, cx.at(&format!("{ptr}/id")), "rule");
    }
    for (k, e) in r.expressions.iter().enumerate() {
        let ep = format!("{ptr}/expressions/{k}");
        match e {
            types::Expression::Attribute(a) => {
                if let Some(id) = &a.id {
                    ids.claim(cx, id, cx.at(&format!("{ep}/id")), "expression");
                }
            }
            types::Expression::Date(d) => {
                if let Some(id) = &d.date.id {
                    ids.claim(cx, id, cx.at(&format!("{ep}/date/id")), "expression");
                }
            }
            types::Expression::Rule(r) => {
                explicit_rule_ids(cx, ids, &r.rule, &format!("{ep}/rule"))
            }
        }
    }
}

fn lower_rule(ids: &mut Ids, r: &types::Rule, base: &str, span: Span, _index: usize) -> Rule {
    let id = r.id.clone().unwrap_or_else(|| ids.derive(base, span));
    let score = match (&r.score_attribute, r.score) {
        (Some(a), _) => RuleScore::Attribute(a.clone()),
        (None, s) => RuleScore::Score(s.unwrap_or(types::Score::Infinity)),
    };
    let mut expressions = Vec::new();
    for e in &r.expressions {
        expressions.push(match e {
            types::Expression::Attribute(a) => Expression::Attribute {
                id: a
                    .id
                    .clone()
                    .unwrap_or_else(|| ids.derive(&format!("{id}-expr"), span)),
                attribute: a.attribute.clone(),
                operation: a.operation,
                value: a.value.as_ref().map(|v| match v {
                    ParamValue::Text(t) => t.clone(),
                    ParamValue::Secret(_) => String::new(),
                }),
                kind: a.kind.clone(),
                value_source: a.value_source.clone(),
            },
            types::Expression::Date(d) => {
                let d = &d.date;
                Expression::Date {
                    id: d
                        .id
                        .clone()
                        .unwrap_or_else(|| ids.derive(&format!("{id}-expr"), span)),
                    operation: d.operation,
                    start: d.start.clone(),
                    end: d.end.clone(),
                    duration: d.duration.as_ref().map(attrs).unwrap_or_default(),
                    date_spec: d.date_spec.as_ref().map(attrs).unwrap_or_default(),
                }
            }
            types::Expression::Rule(n) => {
                Expression::Rule(lower_rule(ids, &n.rule, &format!("{id}-rule"), span, 0))
            }
        });
    }
    Rule {
        id,
        score,
        role: r.role,
        boolean_op: r.boolean_op.unwrap_or(BoolOp::And),
        expressions,
    }
}

fn lower_sets(ids: &mut Ids, sets: &[types::ResourceSet], span: Span) -> Vec<ResourceSet> {
    sets.iter()
        .map(|s| ResourceSet {
            id: s.id.clone().unwrap_or_else(|| {
                ids.derive(&format!("pcs_rsc_set_{}", s.resources.join("_")), span)
            }),
            resources: s.resources.clone(),
            sequential: s.sequential,
            require_all: s.require_all,
            action: s.action,
            role: s.role,
        })
        .collect()
}
