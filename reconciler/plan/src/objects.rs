//! A desired state as a list of addressable objects (`resource WebServer`, `node node1`,
//! `constraint order-A-B-mandatory`, ...), each with its YAML value, so two states can be diffed
//! object by object the way an operator thinks about them.

use quorate_schema::types::ClusterDoc;
use quorate_schema::{lower_unvalidated, Loaded};
use serde_json::Value;
use std::collections::BTreeMap;

/// Kinds of objects, in the order a plan lists them.
pub const KINDS: &[&str] = &[
    "cluster",
    "node",
    "totem",
    "quorum",
    "properties",
    "rsc_defaults",
    "op_defaults",
    "fencing-device",
    "fencing-level",
    "resource",
    "group",
    "clone",
    "constraint",
    "alert",
];

/// The objects of a document, keyed by `(kind, id)` in [`KINDS`] order then id.
pub fn objects(doc: &ClusterDoc) -> BTreeMap<(usize, String), Value> {
    let model = doc
        .constraints
        .as_ref()
        .map(|_| lower_unvalidated(&Loaded::from_doc(doc.clone())).0);
    objects_with(doc, model.as_ref())
}

/// As [`objects`], with the document's model already at hand (constraint ids come from it).
pub fn objects_with(
    doc: &ClusterDoc,
    model: Option<&quorate_schema::Model>,
) -> BTreeMap<(usize, String), Value> {
    objects_against(doc, model, None)
}

/// As [`objects_with`], except that a node, resource or group equal to the one of the same id
/// in `other` is `Value::Null`: a diff against `other` skips it either way, and a large
/// document changed in a few places then serializes only those few objects.
pub fn objects_against(
    doc: &ClusterDoc,
    model: Option<&quorate_schema::Model>,
    other: Option<&ClusterDoc>,
) -> BTreeMap<(usize, String), Value> {
    let other_nodes: BTreeMap<&str, &quorate_schema::types::NodeSpec> = other
        .map(|o| o.nodes.iter().map(|n| (n.name.as_str(), n)).collect())
        .unwrap_or_default();
    let kind = |k: &str| KINDS.iter().position(|x| *x == k).expect("known kind");
    let mut out = BTreeMap::new();
    let mut put = |k: &str, id: String, v: Value| {
        out.insert((kind(k), id), v);
    };
    if let Some(c) = &doc.cluster {
        put("cluster", "name".into(), Value::String(c.clone()));
    }
    for n in &doc.nodes {
        let same = other_nodes.get(n.name.as_str()) == Some(&n);
        put(
            "node",
            n.name.clone(),
            if same { Value::Null } else { to_value(n) },
        );
    }
    if let Some(t) = &doc.totem {
        put("totem", "totem".into(), to_value(t));
    }
    if let Some(q) = &doc.quorum {
        put("quorum", "quorum".into(), to_value(q));
    }
    if let Some(p) = &doc.properties {
        put("properties", "cluster".into(), to_value(p));
    }
    if let Some(d) = &doc.rsc_defaults {
        put("rsc_defaults", "rsc_defaults".into(), to_value(d));
    }
    if let Some(d) = &doc.op_defaults {
        put("op_defaults", "op_defaults".into(), to_value(d));
    }
    for (id, r) in &doc.resources {
        let same = other.and_then(|o| o.resources.get(id)) == Some(r);
        put(
            "resource",
            id.clone(),
            if same { Value::Null } else { to_value(r) },
        );
    }
    for (id, g) in &doc.groups {
        let same = other.and_then(|o| o.groups.get(id)) == Some(g);
        put(
            "group",
            id.clone(),
            if same { Value::Null } else { to_value(g) },
        );
    }
    for (id, c) in &doc.clones {
        put("clone", id.clone(), to_value(c));
    }
    for (id, a) in &doc.alerts {
        put("alert", id.clone(), to_value(a));
    }
    if let Some(f) = &doc.fencing {
        for (id, d) in &f.devices {
            put("fencing-device", id.clone(), to_value(d));
        }
        for t in &f.topology {
            let target = t
                .target
                .clone()
                .or_else(|| t.target_pattern.clone().map(|p| format!("pattern {p}")))
                .or_else(|| {
                    t.target_attribute
                        .as_ref()
                        .map(|a| format!("{}={}", a.name, a.value))
                })
                .unwrap_or_default();
            put("fencing-level", target, to_value(t));
        }
    }
    // Constraints by the id the model gives them (explicit, or derived as pcs would).
    if let (Some(c), Some(model)) = (&doc.constraints, model) {
        let values: Vec<Value> = c
            .location
            .iter()
            .map(to_value)
            .chain(c.colocation.iter().map(to_value))
            .chain(c.order.iter().map(to_value))
            .collect();
        let kinds = c
            .location
            .iter()
            .map(|_| "location")
            .chain(c.colocation.iter().map(|_| "colocation"))
            .chain(c.order.iter().map(|_| "order"));
        for ((v, k), m) in values.into_iter().zip(kinds).zip(&model.constraints) {
            let mut v = v;
            if let Value::Object(o) = &mut v {
                o.remove("id");
                o.insert("type".into(), Value::String(k.into()));
            }
            put("constraint", m.id().to_string(), v);
        }
    }
    out
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("document types serialize")
}

/// The value with every secret reference (a parameter whose value is `{ file }` or `{ env }`)
/// replaced by `"(sensitive)"`.
pub fn masked(v: &Value) -> Value {
    mask(v, false)
}

fn mask(v: &Value, in_params: bool) -> Value {
    match v {
        Value::Object(m) if in_params => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let x = if x.is_object() {
                        Value::String("(sensitive)".into())
                    } else {
                        x.clone()
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), mask(x, k == "params" || k == "attributes")))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| mask(x, false)).collect()),
        other => other.clone(),
    }
}
