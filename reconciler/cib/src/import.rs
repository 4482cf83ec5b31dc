//! Pacemaker CIB XML -> quorate's YAML document.
//!
//! Keeps everything the model covers; leaves out what Pacemaker maintains itself (`dc-version`,
//! `cluster-infrastructure`, `cluster-name`, `have-watchdog`, `last-lrm-refresh`) and runtime-only
//! constraints (`cli-prefer-*`, `cli-ban-*`), saying so; turns clear-text secrets into
//! references with a warning saying where the value must go; and reports by id anything it
//! cannot represent. Nothing is dropped silently.

use crate::render::cibsecret_path;
use quorate_schema::types::*;
use roxmltree::{Document, Node};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The result of an import.
#[derive(Debug)]
pub struct Imported {
    /// The desired state.
    pub doc: ClusterDoc,
    /// What was left out, changed or could not be represented, one line each, by id.
    pub report: Vec<ImportNote>,
}

/// One thing the operator should know about an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportNote {
    /// How much it matters.
    pub level: NoteLevel,
    /// The CIB id concerned (or the element name).
    pub id: String,
    /// What happened.
    pub message: String,
}

/// Levels of import notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteLevel {
    /// Left out on purpose (managed by Pacemaker, runtime-only).
    Info,
    /// Changed, or needs the operator (a secret to place, an id renumbered).
    Warning,
    /// Present in the CIB but not representable: lost unless handled by hand.
    Unsupported,
}

impl std::fmt::Display for ImportNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = match self.level {
            NoteLevel::Info => "info",
            NoteLevel::Warning => "warning",
            NoteLevel::Unsupported => "unsupported",
        };
        write!(f, "{l}: {}: {}", self.id, self.message)
    }
}

/// Why a CIB could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not well-formed XML.
    #[error("the CIB is not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    /// No `configuration` element.
    #[error("no <configuration> element: is this a CIB (`cibadmin --query` output)?")]
    NoConfiguration,
}

/// Deprecated names of cluster properties that Pacemaker 2.1 still reads, with the current
/// name.
pub const PROPERTY_ALIASES: &[(&str, &str)] = &[("crmd-transition-delay", "transition-delay")];

/// The current name of a deprecated property name.
pub fn property_alias(name: &str) -> Option<&'static str> {
    PROPERTY_ALIASES
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

/// Properties Pacemaker writes itself.
pub const MANAGED_PROPERTIES: &[&str] = &[
    "dc-version",
    "cluster-infrastructure",
    "cluster-name",
    "have-watchdog",
    "last-lrm-refresh",
];

struct Ctx {
    notes: Vec<ImportNote>,
    schema: Value,
}

impl Ctx {
    fn note(&mut self, level: NoteLevel, id: &str, message: impl Into<String>) {
        self.notes.push(ImportNote {
            level,
            id: id.to_string(),
            message: message.into(),
        });
    }

    /// The JSON types (`boolean`, `integer`, ...) the schema allows for `key` of `$defs[def]`.
    fn types_of(&self, def: &str, key: &str) -> Option<Vec<String>> {
        let prop = self
            .schema
            .pointer(&format!("/$defs/{def}/properties/{key}"))?;
        let mut out = Vec::new();
        collect_types(&self.schema, prop, &mut out, 0);
        Some(out)
    }

    /// Converts a CIB nvpair value for `key` of `$defs[def]` to the JSON value serde expects.
    fn coerce(&self, def: &str, key: &str, raw: &str) -> Option<Value> {
        let types = self.types_of(def, key)?;
        if key == "target-role" || key == "role" {
            return Some(Value::String(role_name(raw).to_string()));
        }
        let has = |t: &str| types.iter().any(|x| x == t);
        if has("boolean") {
            return crm_bool(raw).map(Value::Bool);
        }
        if has("integer") {
            if let Ok(i) = raw.trim().parse::<i64>() {
                return Some(Value::from(i));
            }
            // Pacemaker reads integers with strtol: `1.0` is 1.
            if let Ok(f) = raw.trim().parse::<f64>() {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    return Some(Value::from(f as i64));
                }
            }
        }
        Some(Value::String(raw.to_string()))
    }

    /// Builds a typed name-value struct (Properties, Meta, Op, ...) from nvpairs, key by key, so
    /// that one unknown or bad entry is reported without losing the others.
    fn typed<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        def: &str,
        pairs: &[(String, String, String)],
        what: &str,
        skip: &[&str],
    ) -> T {
        let mut obj = Map::new();
        for (id, name, value) in pairs {
            if skip.contains(&name.as_str()) {
                continue;
            }
            let Some(v) = self.coerce(def, name, value) else {
                self.note(
                    NoteLevel::Unsupported,
                    id,
                    format!("{what} `{name}={value}` is not one quorate models; it was left out"),
                );
                continue;
            };
            let single = Value::Object(Map::from_iter([(name.clone(), v.clone())]));
            if serde_json::from_value::<T>(single).is_err() {
                self.note(
                    NoteLevel::Unsupported,
                    id,
                    format!(
                        "{what} `{name}={value}` has a value quorate cannot read; it was left out"
                    ),
                );
                continue;
            }
            obj.insert(name.clone(), v);
        }
        serde_json::from_value(Value::Object(obj)).unwrap_or_default()
    }
}

fn collect_types(root: &Value, s: &Value, out: &mut Vec<String>, depth: u32) {
    if depth > 16 {
        return;
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        if let Some(d) = root.pointer(&format!("/$defs/{name}")) {
            collect_types(root, d, out, depth + 1);
        }
    }
    match s.get("type") {
        Some(Value::String(t)) => out.push(t.clone()),
        Some(Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(Value::as_str).map(str::to_string))
        }
        _ => {}
    }
    for k in ["anyOf", "oneOf"] {
        if let Some(Value::Array(bs)) = s.get(k) {
            for b in bs {
                collect_types(root, b, out, depth + 1);
            }
        }
    }
}

/// An interval as Pacemaker reads it (`30s`, `30000ms`, `1min`, a bare number of seconds).
pub fn interval_ms(s: &str) -> Option<u64> {
    if s.is_empty() {
        return Some(0);
    }
    quorate_schema::types::Duration::parse(s).map(|d| d.ms)
}

/// Pacemaker's notion of true and false (`crm_is_true`).
pub fn crm_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn children<'a, 'i>(n: Node<'a, 'i>, tag: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.has_tag_name(tag))
}

fn child<'a, 'i>(n: Node<'a, 'i>, tag: &'a str) -> Option<Node<'a, 'i>> {
    children(n, tag).next()
}

fn id_of(n: Node<'_, '_>) -> String {
    n.attribute("id").unwrap_or(n.tag_name().name()).to_string()
}

/// `(nvpair id, name, value)` of every nvpair in the `tag` sets of `n`, in document order.
/// Sets with rules are reported (conditional attributes are not modelled) and skipped.
fn nvpairs(cx: &mut Ctx, n: Node<'_, '_>, tag: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for set in children(n, tag) {
        if child(set, "rule").is_some() {
            cx.note(
                NoteLevel::Unsupported,
                &id_of(set),
                format!("{tag} with a rule (conditional attributes) is not modelled; left out"),
            );
            continue;
        }
        if let Some(r) = set.attribute("id-ref") {
            cx.note(
                NoteLevel::Unsupported,
                &id_of(set),
                format!("{tag} by reference (id-ref={r}) is not modelled; left out"),
            );
            continue;
        }
        for p in children(set, "nvpair") {
            let (Some(name), value) = (p.attribute("name"), p.attribute("value")) else {
                cx.note(
                    NoteLevel::Unsupported,
                    &id_of(p),
                    "nvpair without a name; left out",
                );
                continue;
            };
            let Some(value) = value else {
                cx.note(
                    NoteLevel::Info,
                    &id_of(p),
                    format!("nvpair `{name}` has no value, which sets nothing; left out"),
                );
                continue;
            };
            out.push((id_of(p), name.to_string(), value.to_string()));
        }
    }
    out
}

/// Imports the `configuration` of a CIB.
pub fn import_cib(xml: &str) -> Result<Imported, ImportError> {
    let doc = Document::parse(xml)?;
    let config = doc
        .descendants()
        .find(|n| n.has_tag_name("configuration"))
        .ok_or(ImportError::NoConfiguration)?;
    let mut cx = Ctx {
        notes: Vec::new(),
        schema: quorate_schema::json_schema(),
    };
    let mut out = ClusterDoc {
        version: Some(FORMAT_VERSION),
        ..ClusterDoc::default()
    };
    for section in config.children().filter(|c| c.is_element()) {
        match section.tag_name().name() {
            "crm_config" => {
                let pairs = nvpairs(&mut cx, section, "cluster_property_set");
                let mut keep = Vec::new();
                for (id, name, value) in pairs {
                    let name = match property_alias(&name) {
                        Some(current) => {
                            cx.note(NoteLevel::Warning, &id, format!("`{name}` is Pacemaker's deprecated name of `{current}`; written as `{current}`"));
                            current.to_string()
                        }
                        None => name,
                    };
                    if MANAGED_PROPERTIES.contains(&name.as_str()) {
                        if name == "cluster-name" {
                            out.cluster = Some(value.clone());
                        }
                        cx.note(
                            NoteLevel::Info,
                            &id,
                            format!("`{name}` is maintained by Pacemaker; left out"),
                        );
                    } else {
                        keep.push((id, name, value));
                    }
                }
                let props: Properties = cx.typed("Properties", &keep, "cluster property", &[]);
                if props != Properties::default() {
                    out.properties = Some(props);
                }
            }
            "nodes" => out.nodes = nodes(&mut cx, section),
            "resources" => resources(&mut cx, section, &mut out),
            "constraints" => out.constraints = constraints(&mut cx, section),
            "fencing-topology" => {
                out.fencing.get_or_insert_with(Fencing::default).topology =
                    topology(&mut cx, section)
            }
            "rsc_defaults" => {
                let pairs = nvpairs(&mut cx, section, "meta_attributes");
                let m: Meta = cx.typed("Meta", &pairs, "resource default", &[]);
                if m != Meta::default() {
                    out.rsc_defaults = Some(m);
                }
            }
            "op_defaults" => {
                let pairs = nvpairs(&mut cx, section, "meta_attributes");
                let o: Op = cx.typed("Op", &pairs, "operation default", &[]);
                if o != Op::default() {
                    out.op_defaults = Some(o);
                }
            }
            "alerts" => out.alerts = alerts(&mut cx, section),
            other => cx.note(
                NoteLevel::Unsupported,
                other,
                format!("<{other}> is not modelled by quorate; left out"),
            ),
        }
    }
    if out
        .fencing
        .as_ref()
        .is_some_and(|f| f.devices.is_empty() && f.topology.is_empty())
    {
        out.fencing = None;
    }
    Ok(Imported {
        doc: out,
        report: cx.notes,
    })
}

fn nodes(cx: &mut Ctx, section: Node<'_, '_>) -> Vec<NodeSpec> {
    let mut out = Vec::new();
    let mut used: Vec<u32> = section
        .children()
        .filter(|c| c.has_tag_name("node"))
        .filter_map(|n| n.attribute("id")?.parse().ok())
        .collect();
    for n in children(section, "node") {
        let id_attr = n.attribute("id").unwrap_or_default();
        let Some(uname) = n.attribute("uname") else {
            cx.note(
                NoteLevel::Unsupported,
                id_attr,
                "node without a uname; left out",
            );
            continue;
        };
        if n.attribute("type")
            .is_some_and(|t| t != "member" && t != "normal")
        {
            cx.note(
                NoteLevel::Unsupported,
                id_attr,
                format!(
                    "node of type `{}` (remote or ping nodes) is not modelled; left out",
                    n.attribute("type").unwrap_or("")
                ),
            );
            continue;
        }
        if n.attribute("score").is_some() {
            cx.note(
                NoteLevel::Unsupported,
                id_attr,
                "the deprecated node `score` attribute is not modelled; use a location constraint",
            );
        }
        let id = match id_attr.parse::<u32>() {
            Ok(i) if i > 0 => i,
            _ => {
                let next = (1..).find(|i| !used.contains(i)).unwrap_or(1);
                used.push(next);
                cx.note(NoteLevel::Warning, id_attr, format!("node id `{id_attr}` is not a corosync nodeid; node `{uname}` gets nodeid {next}"));
                next
            }
        };
        let mut attributes = BTreeMap::new();
        for (_, k, v) in nvpairs(cx, n, "instance_attributes") {
            attributes.insert(k, ParamValue::Text(v));
        }
        let utilization = utilization(cx, n);
        out.push(NodeSpec {
            name: uname.to_string(),
            id,
            addrs: vec![uname.to_string()],
            quorum_votes: None,
            attributes,
            utilization,
            description: n.attribute("description").map(str::to_string),
        });
    }
    if !out.is_empty() {
        cx.note(
            NoteLevel::Warning,
            "nodes",
            "the CIB has no ring addresses: each node's name is used as its address (import corosync.conf with --corosync for the real ones)",
        );
    }
    out
}

/// A node's or resource's utilization; values that are not whole numbers are reported.
fn utilization(cx: &mut Ctx, n: Node<'_, '_>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (pid, k, v) in nvpairs(cx, n, "utilization") {
        match v.parse::<u64>() {
            Ok(x) => {
                out.insert(k, x);
            }
            Err(_) => cx.note(
                NoteLevel::Unsupported,
                &pid,
                format!("utilization `{k}={v}` is not a whole number; left out"),
            ),
        }
    }
    out
}

fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.contains("passw") || n.contains("secret") || n.contains("passphrase"))
        && !n.ends_with("_script")
}

fn params(cx: &mut Ctx, rsc: &str, n: Node<'_, '_>) -> BTreeMap<String, ParamValue> {
    let mut out = BTreeMap::new();
    let fence = n.attribute("class") == Some("stonith");
    for (pid, k, v) in nvpairs(cx, n, "instance_attributes") {
        // What `render` writes for a fence agent's secret reference reads back as the reference.
        if fence {
            if let Some(base) = k.strip_suffix("_script") {
                let secret = if let Some(path) = v.strip_prefix("/bin/cat ") {
                    Some(SecretRef::File(path.to_string()))
                } else {
                    v.strip_prefix("/usr/bin/printenv ")
                        .map(|var| SecretRef::Env(var.to_string()))
                };
                if let Some(s) = secret.filter(|_| !v.contains(' ') || v.matches(' ').count() == 1)
                {
                    out.insert(base.to_string(), ParamValue::Secret(s));
                    continue;
                }
            }
        }
        let value = if v == "lrm://" {
            ParamValue::Secret(SecretRef::File(cibsecret_path(rsc, &k)))
        } else if is_sensitive(&k) {
            let path = format!("/etc/quorate/secrets/{rsc}-{k}");
            cx.note(
                NoteLevel::Warning,
                &pid,
                format!("`{rsc}` has a clear-text `{k}` in the CIB; it is now a reference to {path}: put the value in that file on every node (mode 0600)"),
            );
            ParamValue::Secret(SecretRef::File(path))
        } else {
            ParamValue::Text(v)
        };
        out.insert(k, value);
    }
    out
}

fn ops(cx: &mut Ctx, rsc: &str, n: Node<'_, '_>) -> Ops {
    let mut by_name: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for opsec in children(n, "operations") {
        for op in children(opsec, "op") {
            let id = id_of(op);
            let Some(name) = op.attribute("name") else {
                cx.note(
                    NoteLevel::Unsupported,
                    &id,
                    "operation without a name; left out",
                );
                continue;
            };
            let mut pairs: Vec<(String, String, String)> = op
                .attributes()
                .filter(|a| !matches!(a.name(), "id" | "name"))
                .map(|a| (id.clone(), a.name().to_string(), a.value().to_string()))
                .collect();
            let mut op_params = BTreeMap::new();
            for (pid, k, v) in nvpairs(cx, op, "instance_attributes") {
                if k == "OCF_CHECK_LEVEL" {
                    pairs.push((pid, k, v));
                } else {
                    op_params.insert(k, ParamValue::Text(v));
                }
            }
            for (pid, k, v) in nvpairs(cx, op, "meta_attributes") {
                pairs.push((pid, k, v));
            }
            let mut parsed: Op = cx.typed(
                "Op",
                &pairs,
                &format!("operation attribute of `{rsc}`"),
                &[],
            );
            parsed.params = op_params;
            // A zero interval is the default (pcs writes `0s` for start and stop).
            if parsed.interval.as_ref().is_some_and(|d| d.ms == 0) {
                parsed.interval = None;
            }
            if !order.contains(&name.to_string()) {
                order.push(name.to_string());
            }
            by_name.entry(name.to_string()).or_default().push(parsed);
        }
    }
    let mut obj = Map::new();
    for name in order {
        let list = by_name.remove(&name).unwrap_or_default();
        let v = if list.len() == 1 {
            serde_json::to_value(&list[0])
        } else {
            serde_json::to_value(&list)
        };
        let Ok(v) = v else { continue };
        let single = Value::Object(Map::from_iter([(name.clone(), v.clone())]));
        if serde_json::from_value::<Ops>(single).is_err() {
            cx.note(
                NoteLevel::Unsupported,
                rsc,
                format!("operation `{name}` is not one quorate models; left out"),
            );
            continue;
        }
        obj.insert(name, v);
    }
    serde_json::from_value(Value::Object(obj)).unwrap_or_default()
}

fn agent_of(n: Node<'_, '_>) -> Option<String> {
    let class = n.attribute("class")?;
    let kind = n.attribute("type")?;
    Some(match n.attribute("provider") {
        Some(p) => format!("{class}:{p}:{kind}"),
        None => format!("{class}:{kind}"),
    })
}

/// Imports one primitive into `resources` or `fencing.devices`. Returns its id.
fn primitive(cx: &mut Ctx, n: Node<'_, '_>, out: &mut ClusterDoc) -> Option<String> {
    let id = id_of(n);
    if n.attribute("template").is_some() {
        cx.note(
            NoteLevel::Unsupported,
            &id,
            "primitives from templates are not modelled; left out",
        );
        return None;
    }
    let Some(agent) = agent_of(n) else {
        cx.note(
            NoteLevel::Unsupported,
            &id,
            "primitive without class or type; left out",
        );
        return None;
    };
    let p = params(cx, &id, n);
    let o = ops(cx, &id, n);
    let pairs = nvpairs(cx, n, "meta_attributes");
    let meta: Meta = cx.typed("Meta", &pairs, &format!("meta attribute of `{id}`"), &[]);
    let utilization = utilization(cx, n);
    let description = n.attribute("description").map(str::to_string);
    if agent.starts_with("stonith:") {
        let mut params = p;
        // `pcmk_host_list` becomes `hosts` when it is a plain list of names written as `hosts`
        // renders it (separated by single spaces). Any other spelling (commas) stays a
        // parameter as written: the controller's parameter digest covers the exact text, so a
        // respelling would read as a definition change and restart the device.
        let hosts = match params.get("pcmk_host_list") {
            Some(ParamValue::Text(t)) => {
                let hs: Vec<String> = t
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if !hs.is_empty() && hs.join(" ") == *t {
                    params.remove("pcmk_host_list");
                    hs
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        out.fencing
            .get_or_insert_with(Fencing::default)
            .devices
            .insert(
                id.clone(),
                FenceDevice {
                    agent,
                    hosts,
                    description,
                    params,
                    ops: o,
                    meta,
                },
            );
    } else {
        out.resources.insert(
            id.clone(),
            Primitive {
                agent,
                description,
                params: p,
                ops: o,
                meta,
                utilization,
            },
        );
    }
    Some(id)
}

fn resources(cx: &mut Ctx, section: Node<'_, '_>, out: &mut ClusterDoc) {
    for r in section.children().filter(|c| c.is_element()) {
        resource(cx, r, out);
    }
}

/// Imports a resource element; returns its id when it was imported.
fn resource(cx: &mut Ctx, r: Node<'_, '_>, out: &mut ClusterDoc) -> Option<String> {
    let id = id_of(r);
    match r.tag_name().name() {
        "primitive" => primitive(cx, r, out),
        "group" => {
            let mut members = Vec::new();
            for p in children(r, "primitive") {
                if let Some(m) = primitive(cx, p, out) {
                    if out.resources.contains_key(&m) {
                        members.push(m);
                    } else {
                        cx.note(NoteLevel::Unsupported, &m, format!("a fencing device inside group `{id}` is not modelled; it is imported as a fencing device outside the group"));
                    }
                }
            }
            unmodelled_sets(cx, r, &id, &["instance_attributes", "utilization"]);
            let pairs = nvpairs(cx, r, "meta_attributes");
            let meta: Meta = cx.typed("Meta", &pairs, &format!("meta attribute of `{id}`"), &[]);
            let description = r.attribute("description").map(str::to_string);
            let g = if meta == Meta::default() && description.is_none() {
                Group::Members(members)
            } else {
                Group::Full(Box::new(quorate_schema::types::GroupSpec {
                    resources: members,
                    meta,
                    description,
                }))
            };
            out.groups.insert(id.clone(), g);
            Some(id)
        }
        "clone" | "master" => {
            let inner = r
                .children()
                .find(|c| c.has_tag_name("primitive") || c.has_tag_name("group"))?;
            let child_id = resource(cx, inner, out)?;
            unmodelled_sets(cx, r, &id, &["instance_attributes", "utilization"]);
            let pairs = nvpairs(cx, r, "meta_attributes");
            let mut promotable = r.has_tag_name("master");
            if r.has_tag_name("master") {
                cx.note(
                    NoteLevel::Warning,
                    &id,
                    "the legacy <master> element becomes a promotable clone",
                );
            }
            if let Some((_, _, v)) = pairs.iter().find(|(_, k, _)| k == "promotable") {
                promotable = crm_bool(v).unwrap_or(false);
            }
            // Legacy names of the promoted limits.
            let pairs: Vec<(String, String, String)> = pairs
                .into_iter()
                .map(|(i, k, v)| match k.as_str() {
                    "master-max" => (i, "promoted-max".into(), v),
                    "master-node-max" => (i, "promoted-node-max".into(), v),
                    _ => (i, k, v),
                })
                .collect();
            let meta: Meta = cx.typed(
                "Meta",
                &pairs,
                &format!("meta attribute of `{id}`"),
                &["promotable"],
            );
            out.clones.insert(
                id.clone(),
                Clone_ {
                    resource: child_id,
                    promotable,
                    meta,
                    description: r.attribute("description").map(str::to_string),
                },
            );
            Some(id)
        }
        other => {
            cx.note(
                NoteLevel::Unsupported,
                &id,
                format!("<{other}> resources are not modelled; left out"),
            );
            None
        }
    }
}

/// Pacemaker reads role names case-insensitively.
fn role_name(v: &str) -> &str {
    match v.to_ascii_lowercase().as_str() {
        "started" => "Started",
        "stopped" => "Stopped",
        "promoted" => "Promoted",
        "unpromoted" => "Unpromoted",
        "master" => "Master",
        "slave" => "Slave",
        _ => v,
    }
}

/// Reports attribute sets quorate does not model on this kind of element.
fn unmodelled_sets(cx: &mut Ctx, n: Node<'_, '_>, id: &str, tags: &[&str]) {
    for t in tags {
        for set in children(n, t) {
            let names: Vec<&str> = children(set, "nvpair")
                .filter_map(|p| p.attribute("name"))
                .collect();
            cx.note(
                NoteLevel::Unsupported,
                &id_of(set),
                format!(
                    "<{t}> of `{id}` ({}) is not modelled for a {}; left out",
                    names.join(", "),
                    n.tag_name().name()
                ),
            );
        }
    }
}

fn role(cx: &mut Ctx, id: &str, v: Option<&str>) -> Option<Role> {
    let v = v?;
    match serde_json::from_value::<Role>(Value::String(role_name(v).to_string())) {
        Ok(r) => Some(r),
        Err(_) => {
            cx.note(
                NoteLevel::Unsupported,
                id,
                format!("role `{v}` is not known; left out"),
            );
            None
        }
    }
}

fn score(cx: &mut Ctx, id: &str, v: Option<&str>) -> Option<Score> {
    let v = v?;
    let s = Score::parse(v);
    if s.is_none() {
        cx.note(
            NoteLevel::Unsupported,
            id,
            format!("score `{v}` is not a number or INFINITY; left out"),
        );
    }
    s
}

fn constraints(cx: &mut Ctx, section: Node<'_, '_>) -> Option<Constraints> {
    let mut c = Constraints::default();
    for n in section.children().filter(|c| c.is_element()) {
        let id = id_of(n);
        if id.starts_with("cli-prefer-") || id.starts_with("cli-ban-") {
            cx.note(NoteLevel::Info, &id, "a runtime constraint from `crm_resource --move/--ban`; not desired state, left out");
            continue;
        }
        if n.attribute("lifetime").is_some() || child(n, "lifetime").is_some() {
            cx.note(
                NoteLevel::Unsupported,
                &id,
                "constraint lifetimes are not modelled; the lifetime was left out",
            );
        }
        match n.tag_name().name() {
            "rsc_location" => {
                let mut rules = Vec::new();
                for r in children(n, "rule") {
                    if let Some(r) = rule(cx, r) {
                        rules.push(r);
                    }
                }
                c.location.push(Location {
                    id: Some(id.clone()),
                    resource: n.attribute("rsc").map(str::to_string),
                    resource_pattern: n.attribute("rsc-pattern").map(str::to_string),
                    role: role(cx, &id, n.attribute("role")),
                    node: n.attribute("node").map(str::to_string),
                    score: if rules.is_empty() {
                        score(cx, &id, n.attribute("score"))
                    } else {
                        None
                    },
                    rules,
                    resource_discovery: n.attribute("resource-discovery").map(str::to_string),
                });
                if n.attribute("score-attribute").is_some() {
                    cx.note(
                        NoteLevel::Unsupported,
                        &id,
                        "score-attribute on a location without a rule is not modelled",
                    );
                }
            }
            "rsc_colocation" => {
                let sets = sets(cx, n);
                c.colocation.push(Colocation {
                    id: Some(id.clone()),
                    resource: n.attribute("rsc").map(str::to_string),
                    with: n.attribute("with-rsc").map(str::to_string),
                    score: score(cx, &id, n.attribute("score")),
                    role: role(cx, &id, n.attribute("rsc-role")),
                    with_role: role(cx, &id, n.attribute("with-rsc-role")),
                    node_attribute: n.attribute("node-attribute").map(str::to_string),
                    sets,
                });
            }
            "rsc_order" => {
                let sets = sets(cx, n);
                let action = |cx: &mut Ctx, a: Option<&str>| -> Option<Action> {
                    let a = a?;
                    match serde_json::from_value::<Action>(Value::String(a.to_string())) {
                        Ok(x) => Some(x),
                        Err(_) => {
                            cx.note(
                                NoteLevel::Unsupported,
                                &id,
                                format!("order action `{a}` is not modelled"),
                            );
                            None
                        }
                    }
                };
                let mut kind = n.attribute("kind").and_then(|k| {
                    serde_json::from_value::<OrderKind>(Value::String(k.to_string())).ok()
                });
                if let (Some(k), None) = (n.attribute("kind"), kind) {
                    cx.note(NoteLevel::Unsupported, &id, format!("order kind `{k}` is not one Pacemaker knows; left out (Mandatory applies)"));
                }
                if n.attribute("kind").is_none() {
                    if let Some(s) = n.attribute("score").and_then(Score::parse) {
                        // The deprecated score form: 0 is Optional, anything else Mandatory.
                        kind = Some(if s == Score::Value(0) {
                            OrderKind::Optional
                        } else {
                            OrderKind::Mandatory
                        });
                        cx.note(
                            NoteLevel::Warning,
                            &id,
                            "the deprecated order `score` became `kind`",
                        );
                    }
                }
                // Defaults are left out, as an operator would write them (pcs writes them all).
                let first_action = action(cx, n.attribute("first-action"));
                let then_action = action(cx, n.attribute("then-action"));
                let then_action =
                    then_action.filter(|t| Some(*t) != first_action.or(Some(Action::Start)));
                let first_action =
                    first_action.filter(|f| *f != Action::Start || then_action.is_some());
                if kind == Some(OrderKind::Mandatory) {
                    kind = None;
                }
                c.order.push(Order {
                    id: Some(id.clone()),
                    first: n.attribute("first").map(str::to_string),
                    then: n.attribute("then").map(str::to_string),
                    kind,
                    first_action,
                    then_action,
                    symmetrical: n.attribute("symmetrical").and_then(crm_bool),
                    sets,
                });
            }
            other => cx.note(
                NoteLevel::Unsupported,
                &id,
                format!("<{other}> constraints are not modelled; left out"),
            ),
        }
    }
    (c != Constraints::default()).then_some(c)
}

fn sets(cx: &mut Ctx, n: Node<'_, '_>) -> Vec<ResourceSet> {
    let mut out = Vec::new();
    for s in children(n, "resource_set") {
        let id = id_of(s);
        out.push(ResourceSet {
            id: Some(id.clone()),
            resources: children(s, "resource_ref")
                .filter_map(|r| r.attribute("id").map(str::to_string))
                .collect(),
            sequential: s.attribute("sequential").and_then(crm_bool),
            require_all: s.attribute("require-all").and_then(crm_bool),
            action: s
                .attribute("action")
                .and_then(|a| serde_json::from_value(Value::String(a.to_string())).ok()),
            role: role(cx, &id, s.attribute("role")),
        });
    }
    out
}

fn rule(cx: &mut Ctx, r: Node<'_, '_>) -> Option<Rule> {
    let id = id_of(r);
    let mut expressions = Vec::new();
    for e in r.children().filter(|c| c.is_element()) {
        let eid = id_of(e);
        match e.tag_name().name() {
            "expression" => {
                let Some(op) = e.attribute("operation").and_then(|o| {
                    serde_json::from_value::<AttrOp>(Value::String(o.to_string())).ok()
                }) else {
                    cx.note(
                        NoteLevel::Unsupported,
                        &eid,
                        "expression with an unknown operation; left out",
                    );
                    continue;
                };
                expressions.push(Expression::Attribute(AttrExpression {
                    id: Some(eid),
                    attribute: e.attribute("attribute").unwrap_or_default().to_string(),
                    operation: op,
                    value: e
                        .attribute("value")
                        .map(|v| ParamValue::Text(v.to_string())),
                    kind: e.attribute("type").map(str::to_string),
                    value_source: e.attribute("value-source").map(str::to_string),
                }));
            }
            "date_expression" => {
                let Some(op) = e.attribute("operation").and_then(|o| {
                    serde_json::from_value::<DateOp>(Value::String(o.to_string())).ok()
                }) else {
                    cx.note(
                        NoteLevel::Unsupported,
                        &eid,
                        "date expression with an unknown operation; left out",
                    );
                    continue;
                };
                let fields = |tag: &str| -> Option<DateFields> {
                    let f = child(e, tag)?;
                    let obj: Map<String, Value> = f
                        .attributes()
                        .filter(|a| a.name() != "id")
                        .map(|a| (a.name().to_string(), Value::String(a.value().to_string())))
                        .collect();
                    serde_json::from_value(Value::Object(obj)).ok()
                };
                expressions.push(Expression::Date(DateWrapper {
                    date: Box::new(DateExpression {
                        id: Some(eid),
                        operation: op,
                        start: e.attribute("start").map(str::to_string),
                        end: e.attribute("end").map(str::to_string),
                        duration: fields("duration"),
                        date_spec: fields("date_spec"),
                    }),
                }));
            }
            "rule" => {
                if let Some(n) = rule(cx, e) {
                    expressions.push(Expression::Rule(RuleWrapper { rule: Box::new(n) }));
                }
            }
            other => cx.note(
                NoteLevel::Unsupported,
                &eid,
                format!("<{other}> in a rule is not modelled; left out"),
            ),
        }
    }
    if expressions.is_empty() {
        cx.note(
            NoteLevel::Unsupported,
            &id,
            "a rule without expressions; left out",
        );
        return None;
    }
    Some(Rule {
        id: Some(id.clone()),
        score: score(cx, &id, r.attribute("score")),
        score_attribute: r.attribute("score-attribute").map(str::to_string),
        role: role(cx, &id, r.attribute("role")),
        boolean_op: r
            .attribute("boolean-op")
            .and_then(|b| serde_json::from_value(Value::String(b.to_string())).ok())
            .filter(|b| *b != BoolOp::And),
        expressions,
    })
}

/// A fencing target: node, pattern, or attribute and value.
type TargetKey = (Option<String>, Option<String>, Option<(String, String)>);

fn topology(cx: &mut Ctx, section: Node<'_, '_>) -> Vec<FencingTarget> {
    // Group levels by target, in index order.
    let mut by_target: BTreeMap<TargetKey, BTreeMap<u32, Vec<String>>> = BTreeMap::new();
    for l in children(section, "fencing-level") {
        let id = id_of(l);
        let Some(index) = l.attribute("index").and_then(|i| i.parse::<u32>().ok()) else {
            cx.note(
                NoteLevel::Unsupported,
                &id,
                "fencing level without a valid index; left out",
            );
            continue;
        };
        let devices: Vec<String> = l
            .attribute("devices")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let key = (
            l.attribute("target").map(str::to_string),
            l.attribute("target-pattern").map(str::to_string),
            match (l.attribute("target-attribute"), l.attribute("target-value")) {
                (Some(a), Some(v)) => Some((a.to_string(), v.to_string())),
                _ => None,
            },
        );
        by_target.entry(key).or_default().insert(index, devices);
    }
    by_target
        .into_iter()
        .map(|((target, pattern, attr), levels)| {
            let indexes: Vec<u32> = levels.keys().copied().collect();
            if indexes.iter().enumerate().any(|(i, x)| *x != i as u32 + 1) {
                cx.note(
                    NoteLevel::Warning,
                    target
                        .as_deref()
                        .or(pattern.as_deref())
                        .unwrap_or("fencing-topology"),
                    "fencing level indexes were renumbered 1, 2, ... in order",
                );
            }
            FencingTarget {
                target,
                target_pattern: pattern,
                target_attribute: attr.map(|(name, value)| TargetAttribute { name, value }),
                levels: levels.into_values().collect(),
            }
        })
        .collect()
}

fn alerts(cx: &mut Ctx, section: Node<'_, '_>) -> BTreeMap<String, Alert> {
    let mut out = BTreeMap::new();
    for a in children(section, "alert") {
        let id = id_of(a);
        let alert_params = params(cx, &id, a);
        let pairs = nvpairs(cx, a, "meta_attributes");
        let meta: AlertMeta = cx.typed(
            "AlertMeta",
            &pairs,
            &format!("meta attribute of alert `{id}`"),
            &[],
        );
        let mut select = Vec::new();
        if let Some(s) = child(a, "select") {
            for k in s.children().filter(|c| c.is_element()) {
                match k.tag_name().name() {
                    "select_nodes" => select.push(AlertKind::Nodes),
                    "select_fencing" => select.push(AlertKind::Fencing),
                    "select_resources" => select.push(AlertKind::Resources),
                    "select_attributes" => {
                        select.push(AlertKind::Attributes);
                        if child(k, "attribute").is_some() {
                            cx.note(NoteLevel::Unsupported, &id, "selecting individual attributes is not modelled; all attributes are selected");
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut recipients = Vec::new();
        for r in children(a, "recipient") {
            let rid = id_of(r);
            let rp = params(cx, &rid, r);
            let rpairs = nvpairs(cx, r, "meta_attributes");
            let rmeta: AlertMeta = cx.typed(
                "AlertMeta",
                &rpairs,
                &format!("meta attribute of recipient `{rid}`"),
                &[],
            );
            recipients.push(Recipient {
                id: Some(rid),
                value: r.attribute("value").unwrap_or_default().to_string(),
                params: rp,
                meta: rmeta,
            });
        }
        out.insert(
            id.clone(),
            Alert {
                path: a.attribute("path").unwrap_or_default().to_string(),
                description: a.attribute("description").map(str::to_string),
                params: alert_params,
                meta,
                select,
                recipients,
            },
        );
    }
    out
}
