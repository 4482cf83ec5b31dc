//! A canonical form of a CIB `configuration`, for deciding whether two configurations mean the
//! same thing.
//!
//! quorate re-derives the ids of nested elements (attribute sets, nvpairs, operations, fencing
//! levels, nodes' numeric ids) the way pcs does, writes defaults explicitly (pcs writes
//! `first-action="start"`), merges several attribute sets of one kind into one, and orders
//! resources and constraints by id. The canonical form undoes exactly those differences and
//! nothing else: nested ids dropped, sets merged and sorted by name, default-valued attributes
//! removed, role aliases and `+INFINITY` spelled one way, containers sorted by id, empty
//! containers dropped, and the properties Pacemaker maintains itself removed. Two
//! configurations with equal canonical forms configure the same cluster.

use crate::import::{crm_bool, MANAGED_PROPERTIES};
use crate::xml::XmlWriter;
use roxmltree::{Document, Node};
use std::collections::BTreeMap;

/// An element of the canonical tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Elem {
    tag: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Elem>,
}

/// Tags whose `id` is derived by quorate and therefore not compared.
const DERIVED_ID: &[&str] = &[
    "nvpair",
    "cluster_property_set",
    "meta_attributes",
    "instance_attributes",
    "utilization",
    "op",
    "operations",
    "fencing-level",
    "node",
    "duration",
    "date_spec",
];

const NVSETS: &[&str] = &[
    "cluster_property_set",
    "meta_attributes",
    "instance_attributes",
    "utilization",
];

/// The canonical `configuration` of a CIB (or of a bare `configuration` element), as XML text.
pub fn canonical_configuration(xml: &str) -> Result<String, roxmltree::Error> {
    let doc = Document::parse(xml)?;
    let Some(config) = doc.descendants().find(|n| n.has_tag_name("configuration")) else {
        return Ok(String::new());
    };
    let node_names: BTreeMap<String, String> = config
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .filter_map(|n| {
            Some((
                n.attribute("id")?.to_string(),
                n.attribute("uname")?.to_string(),
            ))
        })
        .collect();
    let e = canon(config, &node_names, "configuration");
    let mut w = XmlWriter::new();
    write(&mut w, &e);
    Ok(w.finish())
}

/// The id canonical form gives an element whose real id quorate derives: built from what the
/// element is, so that `crm_diff` (which matches elements by id) pairs the right ones.
fn synthetic_id(tag: &str, owner: &str, a: &BTreeMap<String, String>) -> String {
    let get = |k: &str| a.get(k).map(String::as_str).unwrap_or("");
    match tag {
        "op" => {
            let ms = crate::import::interval_ms(get("interval")).unwrap_or(0);
            format!("{owner}-op-{}-{ms}-{}", get("name"), get("role"))
        }
        "node" => format!("node-{}", get("uname")),
        "fencing-level" => format!(
            "fl-{}{}{}={}-{}",
            get("target"),
            get("target-pattern"),
            get("target-attribute"),
            get("target-value"),
            get("index")
        ),
        _ => format!("{owner}-{tag}"),
    }
}

fn canon(n: Node<'_, '_>, node_names: &BTreeMap<String, String>, owner: &str) -> Elem {
    let tag = n.tag_name().name().to_string();
    let mut attrs: BTreeMap<String, String> = n
        .attributes()
        .map(|a| (a.name().to_string(), canonical_value(a.name(), a.value())))
        .collect();
    drop_defaults(&tag, &mut attrs);
    // A fencing level's target may be written by node id in old CIBs; use names.
    if let Some(t) = attrs.get("target").and_then(|t| node_names.get(t)) {
        attrs.insert("target".into(), t.clone());
    }
    if tag == "nvpair" {
        if let (Some(n), Some(v)) = (attrs.get("name").cloned(), attrs.get("value").cloned()) {
            let (n, v) = canonical_nvpair(&n, &v);
            attrs.insert("name".into(), n);
            attrs.insert("value".into(), v);
        }
    }
    if DERIVED_ID.contains(&tag.as_str()) {
        let id = synthetic_id(&tag, owner, &attrs);
        attrs.insert("id".into(), id);
    }
    let here = attrs
        .get("id")
        .cloned()
        .unwrap_or_else(|| format!("{owner}-{tag}"));
    let mut children: Vec<Elem> = Vec::new();
    let mut merged: BTreeMap<String, Vec<Elem>> = BTreeMap::new();
    for c in n.children().filter(|c| c.is_element()) {
        // An nvpair without a value sets nothing.
        if c.has_tag_name("nvpair") && c.attribute("value").is_none() {
            continue;
        }
        // Runtime constraints from `crm_resource --move/--ban` are not configuration.
        let cid = c.attribute("id").unwrap_or_default();
        if tag == "constraints" && (cid.starts_with("cli-prefer-") || cid.starts_with("cli-ban-")) {
            continue;
        }
        let ce = canon(c, node_names, &here);
        if NVSETS.contains(&ce.tag.as_str()) && !ce.children.iter().any(|x| x.tag == "rule") {
            merged
                .entry(ce.tag.clone())
                .or_default()
                .extend(ce.children);
        } else {
            children.push(ce);
        }
    }
    for (set_tag, mut pairs) in merged {
        if set_tag == "cluster_property_set" {
            pairs.retain(|p| {
                !p.attrs
                    .get("name")
                    .is_some_and(|x| MANAGED_PROPERTIES.contains(&x.as_str()))
            });
        }
        pairs.sort_by(|a, b| a.attrs.get("name").cmp(&b.attrs.get("name")));
        // The last nvpair of a name wins, as in Pacemaker's unpacking of one set.
        pairs.dedup_by(|later, earlier| {
            if later.attrs.get("name") == earlier.attrs.get("name") {
                *earlier = later.clone();
                true
            } else {
                false
            }
        });
        let set_id = format!("{here}-{set_tag}");
        for p in &mut pairs {
            let name = p.attrs.get("name").cloned().unwrap_or_default();
            p.attrs.insert("id".into(), format!("{set_id}-{name}"));
        }
        if !pairs.is_empty() {
            children.push(Elem {
                tag: set_tag,
                attrs: BTreeMap::from([("id".to_string(), set_id)]),
                children: pairs,
            });
        }
    }
    // Order does not matter among resources, constraints, nodes, sets of attributes, or
    // operations; it does inside groups (member order), resource sets and rules.
    if !matches!(tag.as_str(), "group" | "resource_set") {
        children.sort();
    } else if tag == "group" {
        // Keep primitives in order, sort the rest after them.
        let (mut prims, mut rest): (Vec<Elem>, Vec<Elem>) =
            children.into_iter().partition(|c| c.tag == "primitive");
        rest.sort();
        prims.extend(rest);
        children = prims;
    }
    // Empty containers say nothing.
    children.retain(|c| {
        !(c.children.is_empty()
            && c.attrs.keys().all(|k| k == "id")
            && matches!(
                c.tag.as_str(),
                "constraints"
                    | "resources"
                    | "nodes"
                    | "crm_config"
                    | "operations"
                    | "rsc_defaults"
                    | "op_defaults"
                    | "alerts"
                    | "fencing-topology"
            ))
    });
    if tag == "operations" || tag == "rsc_defaults" || tag == "op_defaults" {
        children.retain(|c| !(c.children.is_empty() && c.attrs.keys().all(|k| k == "id")));
    }
    Elem {
        tag,
        attrs,
        children,
    }
}

/// Names of boolean attributes in quorate's model (properties, meta attributes, operations),
/// whose CIB values may be any of Pacemaker's spellings of true and false.
fn boolean_names() -> &'static std::collections::BTreeSet<String> {
    static NAMES: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| names_of_type("\"boolean\""))
}

/// Names of integer attributes, whose CIB values Pacemaker reads with strtol (`1.0` is 1).
fn integer_names() -> &'static std::collections::BTreeSet<String> {
    static NAMES: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| names_of_type("\"integer\""))
}

fn names_of_type(json_type: &str) -> std::collections::BTreeSet<String> {
    let schema = quorate_schema::json_schema();
    let mut out = std::collections::BTreeSet::new();
    for def in ["Properties", "Meta", "Op", "AlertMeta"] {
        let Some(props) = schema
            .pointer(&format!("/$defs/{def}/properties"))
            .and_then(|p| p.as_object())
        else {
            continue;
        };
        for (k, v) in props {
            if v.to_string().contains(json_type) {
                out.insert(k.clone());
            }
        }
    }
    out
}

/// The canonical form of an nvpair: booleans spelled `true`/`false`, roles capitalised, host
/// lists space-separated, and secrets (clear text, `password_script`, `lrm://`) reduced to
/// "a secret is configured here", since import turns clear text into references on purpose.
fn canonical_nvpair(name: &str, value: &str) -> (String, String) {
    let name = crate::import::property_alias(name).unwrap_or(name);
    let lower = name.to_ascii_lowercase();
    let secret_base = lower.strip_suffix("_script").unwrap_or(&lower);
    if secret_base.contains("passw")
        || secret_base.contains("secret")
        || secret_base.contains("passphrase")
    {
        let base = if secret_base == "passwd" {
            "password"
        } else {
            secret_base
        };
        return (format!("secret-{base}"), "(sensitive)".into());
    }
    if boolean_names().contains(name) {
        if let Some(b) = crm_bool(value) {
            return (name.into(), b.to_string());
        }
    }
    if integer_names().contains(name) {
        if let Ok(f) = value.trim().parse::<f64>() {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                return (name.into(), (f as i64).to_string());
            }
        }
    }
    match name {
        "target-role" => (name.into(), canonical_role(value)),
        "pcmk_host_list" => (
            name.into(),
            value
                .split([' ', ',', ';'])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => (name.into(), value.into()),
    }
}

fn canonical_role(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "master" | "promoted" => "Promoted".into(),
        "slave" | "unpromoted" => "Unpromoted".into(),
        "started" => "Started".into(),
        "stopped" => "Stopped".into(),
        _ => v.into(),
    }
}

fn canonical_value(name: &str, v: &str) -> String {
    match (name, v) {
        (_, "+INFINITY") => "INFINITY".into(),
        ("role" | "rsc-role" | "with-rsc-role", r) => canonical_role(r),
        ("symmetrical" | "sequential" | "require-all" | "enabled" | "record-pending", b) => {
            crm_bool(b).map_or(b.to_string(), |x| x.to_string())
        }
        _ => v.to_string(),
    }
}

fn drop_defaults(tag: &str, a: &mut BTreeMap<String, String>) {
    let is = |a: &BTreeMap<String, String>, k: &str, v: &str| a.get(k).is_some_and(|x| x == v);
    match tag {
        "rsc_order" => {
            let first = a
                .get("first-action")
                .cloned()
                .unwrap_or_else(|| "start".into());
            if is(a, "then-action", &first) {
                a.remove("then-action");
            }
            if is(a, "first-action", "start") {
                a.remove("first-action");
            }
            if is(a, "kind", "Mandatory") {
                a.remove("kind");
            }
        }
        "rule" | "expression" if is(a, "boolean-op", "and") => {
            a.remove("boolean-op");
        }
        "node" if is(a, "type", "member") || is(a, "type", "normal") => {
            a.remove("type");
        }
        "op" if a
            .get("interval")
            .is_some_and(|i| matches!(i.as_str(), "0" | "0s" | "0ms" | "0m" | "0h")) =>
        {
            a.remove("interval");
        }
        _ => {}
    }
}

fn write(w: &mut XmlWriter, e: &Elem) {
    let attrs: Vec<(&str, &str)> = e
        .attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if e.children.is_empty() {
        w.leaf(&e.tag, &attrs);
    } else {
        w.open(&e.tag, &attrs);
        for c in &e.children {
            write(w, c);
        }
        w.close(&e.tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_quorate_introduces_vanish_and_real_ones_stay() {
        let a = r#"<cib><configuration><crm_config>
            <cluster_property_set id="a"><nvpair id="x" name="stonith-enabled" value="false"/></cluster_property_set>
            <cluster_property_set id="b"><nvpair id="y" name="dc-version" value="2.1"/></cluster_property_set>
            </crm_config><resources/><constraints>
            <rsc_order id="o" first="A" then="B"/></constraints></configuration></cib>"#;
        let b = r#"<configuration><crm_config>
            <cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/></cluster_property_set>
            </crm_config><constraints>
            <rsc_order id="o" first="A" first-action="start" then="B" then-action="start" kind="Mandatory"/></constraints></configuration>"#;
        assert_eq!(
            canonical_configuration(a).unwrap(),
            canonical_configuration(b).unwrap()
        );
        let c = b.replace("first=\"A\"", "first=\"C\"");
        assert_ne!(
            canonical_configuration(a).unwrap(),
            canonical_configuration(&c).unwrap()
        );
    }
}
