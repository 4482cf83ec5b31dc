//! Model -> Pacemaker CIB XML, with the ids pcs would give, byte-stable.
//!
//! Ids follow pcs: `R-instance_attributes`, `R-instance_attributes-ip`, `R-meta_attributes-...`,
//! `R-monitor-interval-30s`, `cib-bootstrap-options-stonith-enabled`, `nodes-1-...`, and the
//! constraint ids the Model assigned (`location-R-node1-INFINITY`, ...). Attributes are written
//! in alphabetical order, as pcs's output has them, so a diff against a pcs-built CIB is clean.

use crate::xml::XmlWriter;
use quorate_schema::model::*;
use quorate_schema::types::{Action, BoolOp, DateOp};
use std::collections::{BTreeMap, BTreeSet};

/// The CIB schema to render for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CibSchema {
    /// `pacemaker-3.9`: Pacemaker 2.1 (Debian 12).
    #[default]
    Pacemaker39,
    /// `pacemaker-4.0`: Pacemaker 3 (no `nagios`/`upstart` classes, no legacy role names).
    Pacemaker40,
}

impl CibSchema {
    /// The `validate-with` name.
    pub fn name(self) -> &'static str {
        match self {
            CibSchema::Pacemaker39 => "pacemaker-3.9",
            CibSchema::Pacemaker40 => "pacemaker-4.0",
        }
    }

    /// Parses `pacemaker-3.9` / `pacemaker-4.0`.
    pub fn parse(s: &str) -> Option<CibSchema> {
        match s {
            "pacemaker-3.9" | "3.9" => Some(CibSchema::Pacemaker39),
            "pacemaker-4.0" | "4.0" => Some(CibSchema::Pacemaker40),
            _ => None,
        }
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Target schema.
    pub schema: CibSchema,
    /// A whole `<cib>` (with an empty `status`) instead of just `configuration`.
    pub full: bool,
}

/// What cannot be rendered for the chosen schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    /// A construct the target schema has no way to express.
    #[error("{what} cannot be expressed in {schema}")]
    Unsupported {
        /// The construct, naming the object.
        what: String,
        /// The schema.
        schema: &'static str,
    },
}

pub use quorate_schema::cib_params::{cib_params, cibsecret_path};

/// Renders the configuration (or a whole CIB) for `model`.
pub fn render_cib(model: &Model, opts: &RenderOptions) -> Result<String, RenderError> {
    check_schema(model, opts.schema)?;
    let mut w = XmlWriter::new();
    if opts.full {
        w.open(
            "cib",
            &[
                ("admin_epoch", "0"),
                ("epoch", "1"),
                ("num_updates", "0"),
                ("validate-with", opts.schema.name()),
            ],
        );
    }
    w.open("configuration", &[]);
    crm_config(&mut w, model);
    nodes(&mut w, model);
    resources(&mut w, model);
    constraints(&mut w, model);
    topology(&mut w, model);
    defaults(&mut w, "rsc_defaults", &model.rsc_defaults);
    defaults(&mut w, "op_defaults", &model.op_defaults);
    alerts(&mut w, model);
    w.close("configuration");
    if opts.full {
        w.leaf("status", &[]);
        w.close("cib");
    }
    Ok(w.finish())
}

fn check_schema(model: &Model, schema: CibSchema) -> Result<(), RenderError> {
    if schema == CibSchema::Pacemaker40 {
        let prims = model
            .resources
            .values()
            .filter_map(|r| match r {
                Resource::Primitive(p) => Some(p),
                _ => None,
            })
            .chain(model.fence_devices.values());
        for p in prims {
            if matches!(p.agent.class.as_str(), "nagios" | "upstart") {
                return Err(RenderError::Unsupported {
                    what: format!("resource `{}` with a `{}` agent", p.id, p.agent.class),
                    schema: schema.name(),
                });
            }
        }
    }
    Ok(())
}

/// Writes an element with attributes sorted by name (pcs's order), skipping `None`s.
fn attrs<'a>(pairs: &[(&'a str, Option<&'a str>)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| Some((*k, (*v)?)))
        .collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn nvset(w: &mut XmlWriter, element: &str, id: &str, pairs: &BTreeMap<String, String>) {
    if pairs.is_empty() {
        return;
    }
    w.open(element, &[("id", id)]);
    for (k, v) in pairs {
        let nid = format!("{id}-{k}");
        w.leaf(
            "nvpair",
            &attrs(&[("id", Some(&nid)), ("name", Some(k)), ("value", Some(v))]),
        );
    }
    w.close(element);
}

fn crm_config(w: &mut XmlWriter, m: &Model) {
    w.open("crm_config", &[]);
    nvset(
        w,
        "cluster_property_set",
        "cib-bootstrap-options",
        &m.properties,
    );
    w.close("crm_config");
}

fn nodes(w: &mut XmlWriter, m: &Model) {
    if m.nodes.is_empty() {
        w.leaf("nodes", &[]);
        return;
    }
    w.open("nodes", &[]);
    for n in &m.nodes {
        let id = n.id.to_string();
        let a = attrs(&[("id", Some(&id)), ("uname", Some(&n.name))]);
        if n.attributes.is_empty() && n.utilization.is_empty() {
            w.leaf("node", &a);
            continue;
        }
        w.open("node", &a);
        nvset(
            w,
            "instance_attributes",
            &format!("nodes-{id}"),
            &n.attributes,
        );
        let util: BTreeMap<String, String> = n
            .utilization
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        nvset(w, "utilization", &format!("nodes-{id}-utilization"), &util);
        w.close("node");
    }
    w.close("nodes");
}

fn resources(w: &mut XmlWriter, m: &Model) {
    let top: Vec<&Resource> = m.top_level().collect();
    if top.is_empty() && m.fence_devices.is_empty() {
        w.leaf("resources", &[]);
        return;
    }
    w.open("resources", &[]);
    // Pacemaker breaks ties between equally placed resources by their order in the CIB, and
    // quorate's scheduler breaks them by the order of the YAML (`Model::resource_order`). So the
    // CIB lists top-level resources and fencing devices in that order, and Pacemaker running it
    // decides what `quorate plan` predicted. A model without positions (built in memory) lists
    // fencing devices first, as pcs does when they are created first, then resources by id.
    let rank: BTreeMap<&str, usize> = m
        .resource_order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut entries: Vec<(usize, usize, Entry<'_>)> = m
        .fence_devices
        .values()
        .map(Entry::Fence)
        .chain(top.into_iter().map(Entry::Resource))
        .enumerate()
        .map(|(i, e)| (rank.get(e.id()).copied().unwrap_or(usize::MAX), i, e))
        .collect();
    entries.sort_by_key(|&(r, i, _)| (r, i));
    for (_, _, e) in entries {
        match e {
            Entry::Fence(d) => primitive(w, d, true),
            Entry::Resource(r) => resource(w, m, r),
        }
    }
    w.close("resources");
}

/// A top-level entry of `<resources>`.
enum Entry<'a> {
    Fence(&'a Primitive),
    Resource(&'a Resource),
}

impl Entry<'_> {
    fn id(&self) -> &str {
        match self {
            Entry::Fence(p) => &p.id,
            Entry::Resource(r) => r.id(),
        }
    }
}

fn resource(w: &mut XmlWriter, m: &Model, r: &Resource) {
    match r {
        Resource::Primitive(p) => primitive(w, p, false),
        Resource::Group(g) => {
            w.open(
                "group",
                &attrs(&[
                    ("description", g.description.as_deref()),
                    ("id", Some(&g.id)),
                ]),
            );
            for mem in &g.members {
                if let Some(p) = m.primitive(mem) {
                    primitive(w, p, false);
                }
            }
            nvset(
                w,
                "meta_attributes",
                &format!("{}-meta_attributes", g.id),
                &g.meta,
            );
            w.close("group");
        }
        Resource::Clone(c) => {
            w.open(
                "clone",
                &attrs(&[
                    ("description", c.description.as_deref()),
                    ("id", Some(&c.id)),
                ]),
            );
            if let Some(child) = m.resources.get(&c.child) {
                resource(w, m, child);
            }
            let mut meta = c.meta.clone();
            if c.promotable {
                meta.insert("promotable".into(), "true".into());
            }
            nvset(
                w,
                "meta_attributes",
                &format!("{}-meta_attributes", c.id),
                &meta,
            );
            w.close("clone");
        }
    }
}

/// Parameters of an alert, a recipient or an operation as the CIB holds them: text as is,
/// secrets as cibsecret's `lrm://` marker.
fn lrm_params(params: &BTreeMap<String, Param>) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Param::Text(t) => t.clone(),
                Param::Secret(_) => "lrm://".into(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn primitive(w: &mut XmlWriter, p: &Primitive, fence: bool) {
    w.open(
        "primitive",
        &attrs(&[
            ("class", Some(&p.agent.class)),
            ("description", p.description.as_deref()),
            ("id", Some(&p.id)),
            ("provider", p.agent.provider.as_deref()),
            ("type", Some(&p.agent.kind)),
        ]),
    );
    nvset(
        w,
        "instance_attributes",
        &format!("{}-instance_attributes", p.id),
        &cib_params(p, fence),
    );
    nvset(
        w,
        "meta_attributes",
        &format!("{}-meta_attributes", p.id),
        &p.meta,
    );
    let util: BTreeMap<String, String> = p
        .utilization
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    nvset(w, "utilization", &format!("{}-utilization", p.id), &util);
    if !p.ops.is_empty() {
        w.open("operations", &[]);
        let mut used = BTreeSet::new();
        for op in &p.ops {
            let base = format!("{}-{}-interval-{}", p.id, op.name, op.interval_text);
            let mut id = base.clone();
            let mut n = 1;
            while !used.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            let role = op.role.map(|r| r.normalized().as_str());
            let on_fail = op.on_fail.map(on_fail_text);
            let mut extra: BTreeMap<String, String> = op.attrs.clone();
            let check_level = extra.remove("OCF_CHECK_LEVEL");
            let mut a: Vec<(&str, Option<&str>)> = vec![
                ("id", Some(&id)),
                ("interval", Some(&op.interval_text)),
                ("name", Some(&op.name)),
                ("on-fail", on_fail),
                ("role", role),
                ("timeout", op.timeout_text.as_deref()),
            ];
            for (k, v) in &extra {
                a.push((k.as_str(), Some(v.as_str())));
            }
            let a = attrs(&a);
            let mut op_params = lrm_params(&op.params);
            if let Some(level) = check_level {
                op_params.insert("OCF_CHECK_LEVEL".to_string(), level);
            }
            if op_params.is_empty() {
                w.leaf("op", &a);
            } else {
                w.open("op", &a);
                nvset(
                    w,
                    "instance_attributes",
                    &format!("{id}-instance_attributes"),
                    &op_params,
                );
                w.close("op");
            }
        }
        w.close("operations");
    }
    w.close("primitive");
}

fn on_fail_text(o: quorate_schema::types::OnFail) -> &'static str {
    use quorate_schema::types::OnFail::*;
    match o {
        Ignore => "ignore",
        Block => "block",
        Stop => "stop",
        Restart => "restart",
        Fence => "fence",
        Standby => "standby",
        Demote => "demote",
        RestartContainer => "restart-container",
    }
}

fn constraints(w: &mut XmlWriter, m: &Model) {
    if m.constraints.is_empty() {
        w.leaf("constraints", &[]);
        return;
    }
    w.open("constraints", &[]);
    for c in &m.constraints {
        match c {
            Constraint::Location(l) => location(w, l),
            Constraint::Colocation(c) => colocation(w, c),
            Constraint::Order(o) => order(w, o),
        }
    }
    w.close("constraints");
}

fn location(w: &mut XmlWriter, l: &Location) {
    let (rsc, pattern) = match &l.resource {
        ResourceRef::Id(r) => (Some(r.as_str()), None),
        ResourceRef::Pattern(p) => (None, Some(p.as_str())),
    };
    let role = l.role.map(|r| r.normalized().as_str());
    match &l.placement {
        Placement::Node { node, score } => {
            let s = score.to_string();
            w.leaf(
                "rsc_location",
                &attrs(&[
                    ("id", Some(&l.id)),
                    ("node", Some(node)),
                    ("resource-discovery", l.resource_discovery.as_deref()),
                    ("role", role),
                    ("rsc", rsc),
                    ("rsc-pattern", pattern),
                    ("score", Some(&s)),
                ]),
            );
        }
        Placement::Rules(rules) => {
            w.open(
                "rsc_location",
                &attrs(&[
                    ("id", Some(&l.id)),
                    ("resource-discovery", l.resource_discovery.as_deref()),
                    ("role", role),
                    ("rsc", rsc),
                    ("rsc-pattern", pattern),
                ]),
            );
            for r in rules {
                rule(w, r);
            }
            w.close("rsc_location");
        }
    }
}

fn rule(w: &mut XmlWriter, r: &Rule) {
    let (score, score_attr) = match &r.score {
        RuleScore::Score(s) => (Some(s.to_string()), None),
        RuleScore::Attribute(a) => (None, Some(a.as_str())),
    };
    let role = r.role.map(|x| x.normalized().as_str());
    let bop = match r.boolean_op {
        BoolOp::And => "and",
        BoolOp::Or => "or",
    };
    w.open(
        "rule",
        &attrs(&[
            ("boolean-op", Some(bop)),
            ("id", Some(&r.id)),
            ("role", role),
            ("score", score.as_deref()),
            ("score-attribute", score_attr),
        ]),
    );
    for e in &r.expressions {
        match e {
            Expression::Attribute {
                id,
                attribute,
                operation,
                value,
                kind,
                value_source,
            } => w.leaf(
                "expression",
                &attrs(&[
                    ("attribute", Some(attribute)),
                    ("id", Some(id)),
                    ("operation", Some(operation.as_str())),
                    ("type", kind.as_deref()),
                    ("value", value.as_deref()),
                    ("value-source", value_source.as_deref()),
                ]),
            ),
            Expression::Date {
                id,
                operation,
                start,
                end,
                duration,
                date_spec,
            } => {
                let op = match operation {
                    DateOp::InRange => "in_range",
                    DateOp::Gt => "gt",
                    DateOp::Lt => "lt",
                    DateOp::DateSpec => "date_spec",
                };
                let a = attrs(&[
                    ("end", end.as_deref()),
                    ("id", Some(id)),
                    ("operation", Some(op)),
                    ("start", start.as_deref()),
                ]);
                if duration.is_empty() && date_spec.is_empty() {
                    w.leaf("date_expression", &a);
                } else {
                    w.open("date_expression", &a);
                    for (el, fields, suffix) in [
                        ("duration", duration, "duration"),
                        ("date_spec", date_spec, "date_spec"),
                    ] {
                        if fields.is_empty() {
                            continue;
                        }
                        let fid = format!("{id}-{suffix}");
                        let mut v: Vec<(&str, Option<&str>)> = vec![("id", Some(&fid))];
                        for (k, x) in fields {
                            v.push((k.as_str(), Some(x.as_str())));
                        }
                        w.leaf(el, &attrs(&v));
                    }
                    w.close("date_expression");
                }
            }
            Expression::Rule(n) => rule(w, n),
        }
    }
    w.close("rule");
}

fn action_text(a: Action) -> &'static str {
    a.as_str()
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn sets(w: &mut XmlWriter, sets: &[ResourceSet]) {
    for s in sets {
        let seq = s.sequential.map(bool_text);
        let req = s.require_all.map(bool_text);
        w.open(
            "resource_set",
            &attrs(&[
                ("action", s.action.map(action_text)),
                ("id", Some(&s.id)),
                ("require-all", req),
                ("role", s.role.map(|r| r.normalized().as_str())),
                ("sequential", seq),
            ]),
        );
        for r in &s.resources {
            w.leaf("resource_ref", &[("id", r)]);
        }
        w.close("resource_set");
    }
}

fn colocation(w: &mut XmlWriter, c: &Colocation) {
    let score = c.score.to_string();
    match &c.kind {
        ColocationKind::Pair {
            resource,
            role,
            with,
            with_role,
        } => w.leaf(
            "rsc_colocation",
            &attrs(&[
                ("id", Some(&c.id)),
                ("node-attribute", c.node_attribute.as_deref()),
                ("rsc", Some(resource)),
                ("rsc-role", role.map(|r| r.normalized().as_str())),
                ("score", Some(&score)),
                ("with-rsc", Some(with)),
                ("with-rsc-role", with_role.map(|r| r.normalized().as_str())),
            ]),
        ),
        ColocationKind::Sets(s) => {
            w.open(
                "rsc_colocation",
                &attrs(&[
                    ("id", Some(&c.id)),
                    ("node-attribute", c.node_attribute.as_deref()),
                    ("score", Some(&score)),
                ]),
            );
            sets(w, s);
            w.close("rsc_colocation");
        }
    }
}

fn order(w: &mut XmlWriter, o: &Order) {
    let kind = match o.kind {
        quorate_schema::types::OrderKind::Mandatory => "Mandatory",
        quorate_schema::types::OrderKind::Optional => "Optional",
        quorate_schema::types::OrderKind::Serialize => "Serialize",
    };
    let sym = o.symmetrical.map(bool_text);
    match &o.spec {
        OrderSpec::Pair {
            first,
            first_action,
            then,
            then_action,
        } => w.leaf(
            "rsc_order",
            &attrs(&[
                ("first", Some(first)),
                ("first-action", Some(action_text(*first_action))),
                ("id", Some(&o.id)),
                ("kind", Some(kind)),
                ("symmetrical", sym),
                ("then", Some(then)),
                ("then-action", Some(action_text(*then_action))),
            ]),
        ),
        OrderSpec::Sets(s) => {
            w.open(
                "rsc_order",
                &attrs(&[
                    ("id", Some(&o.id)),
                    ("kind", Some(kind)),
                    ("symmetrical", sym),
                ]),
            );
            sets(w, s);
            w.close("rsc_order");
        }
    }
}

fn topology(w: &mut XmlWriter, m: &Model) {
    if m.fencing_levels.is_empty() {
        return;
    }
    w.open("fencing-topology", &[]);
    for l in &m.fencing_levels {
        let index = l.index.to_string();
        let devices = l.devices.join(",");
        let (target, pattern, attr, value) = match &l.target {
            FencingTarget::Node(n) => (Some(n.as_str()), None, None, None),
            FencingTarget::Pattern(p) => (None, Some(p.as_str()), None, None),
            FencingTarget::Attribute { name, value } => {
                (None, None, Some(name.as_str()), Some(value.as_str()))
            }
        };
        w.leaf(
            "fencing-level",
            &attrs(&[
                ("devices", Some(&devices)),
                ("id", Some(&l.id)),
                ("index", Some(&index)),
                ("target", target),
                ("target-attribute", attr),
                ("target-pattern", pattern),
                ("target-value", value),
            ]),
        );
    }
    w.close("fencing-topology");
}

fn defaults(w: &mut XmlWriter, element: &str, pairs: &BTreeMap<String, String>) {
    if pairs.is_empty() {
        return;
    }
    w.open(element, &[]);
    nvset(w, "meta_attributes", &format!("{element}-options"), pairs);
    w.close(element);
}

fn alerts(w: &mut XmlWriter, m: &Model) {
    if m.alerts.is_empty() {
        return;
    }
    w.open("alerts", &[]);
    for a in m.alerts.values() {
        w.open(
            "alert",
            &attrs(&[
                ("description", a.description.as_deref()),
                ("id", Some(&a.id)),
                ("path", Some(&a.path)),
            ]),
        );
        let params = lrm_params(&a.params);
        nvset(
            w,
            "instance_attributes",
            &format!("{}-instance_attributes", a.id),
            &params,
        );
        nvset(
            w,
            "meta_attributes",
            &format!("{}-meta_attributes", a.id),
            &a.meta,
        );
        if !a.select.is_empty() {
            w.open("select", &[]);
            for s in &a.select {
                w.leaf(&format!("select_{s}"), &[]);
            }
            w.close("select");
        }
        for r in &a.recipients {
            let params = lrm_params(&r.params);
            if params.is_empty() && r.meta.is_empty() {
                w.leaf(
                    "recipient",
                    &attrs(&[("id", Some(&r.id)), ("value", Some(&r.value))]),
                );
            } else {
                w.open(
                    "recipient",
                    &attrs(&[("id", Some(&r.id)), ("value", Some(&r.value))]),
                );
                nvset(
                    w,
                    "instance_attributes",
                    &format!("{}-instance_attributes", r.id),
                    &params,
                );
                nvset(
                    w,
                    "meta_attributes",
                    &format!("{}-meta_attributes", r.id),
                    &r.meta,
                );
                w.close("recipient");
            }
        }
        w.close("alert");
    }
    w.close("alerts");
}
