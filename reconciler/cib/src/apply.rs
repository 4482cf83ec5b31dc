//! The desired CIB for converging a live Pacemaker cluster: the live CIB with its
//! `configuration` replaced by the rendered desired state, keeping what Pacemaker and operators
//! own at run time (properties Pacemaker maintains, `cli-prefer`/`cli-ban` constraints, node
//! `standby` and `maintenance` attributes) and the whole `status` section. Pure; the CLI runs
//! `cibadmin` and `crm_diff` around it.

use crate::import::MANAGED_PROPERTIES;
use crate::render::{render_cib, CibSchema, RenderOptions};
use quorate_schema::Model;
use roxmltree::Document;

/// Node attributes that are runtime overrides, never desired state.
pub const RUNTIME_NODE_ATTRIBUTES: &[&str] = &["standby", "maintenance"];

/// A CIB's version: `(admin_epoch, epoch, num_updates)`.
pub type CibVersion = (u64, u64, u64);

/// Why a desired CIB could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The live CIB is not XML.
    #[error("the live CIB is not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    /// The live CIB has no `<cib>` root or no version.
    #[error("the live CIB has no <cib> element with admin_epoch and epoch")]
    NotACib,
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
}

/// The version of a CIB document.
pub fn cib_version(xml: &str) -> Result<CibVersion, ApplyError> {
    let doc = Document::parse(xml)?;
    let root = doc.root_element();
    if !root.has_tag_name("cib") {
        return Err(ApplyError::NotACib);
    }
    let num = |k: &str| root.attribute(k).and_then(|v| v.parse::<u64>().ok());
    match (num("admin_epoch"), num("epoch")) {
        (Some(a), Some(e)) => Ok((a, e, num("num_updates").unwrap_or(0))),
        _ => Err(ApplyError::NotACib),
    }
}

/// The live CIB with the desired configuration, as a whole `<cib>` document.
pub fn desired_cib(live: &str, model: &Model, schema: CibSchema) -> Result<String, ApplyError> {
    let doc = Document::parse(live)?;
    let root = doc.root_element();
    if !root.has_tag_name("cib") {
        return Err(ApplyError::NotACib);
    }
    let mut model = model.clone();
    // Properties Pacemaker maintains stay as they are.
    for p in root.descendants().filter(|n| n.has_tag_name("nvpair")) {
        let in_crm_config = p.ancestors().any(|a| a.has_tag_name("crm_config"));
        if let (true, Some(name), Some(value)) =
            (in_crm_config, p.attribute("name"), p.attribute("value"))
        {
            if MANAGED_PROPERTIES.contains(&name) {
                model.properties.insert(name.to_string(), value.to_string());
            }
        }
    }
    // Standby and maintenance set on nodes at run time stay.
    for n in root
        .descendants()
        .filter(|n| n.has_tag_name("node") && n.ancestors().any(|a| a.has_tag_name("nodes")))
    {
        let Some(uname) = n.attribute("uname") else {
            continue;
        };
        let Some(node) = model.nodes.iter_mut().find(|x| x.name == uname) else {
            continue;
        };
        for p in n.descendants().filter(|p| {
            p.has_tag_name("nvpair")
                && p.parent()
                    .is_some_and(|s| s.has_tag_name("instance_attributes"))
        }) {
            if let (Some(name), Some(value)) = (p.attribute("name"), p.attribute("value")) {
                if RUNTIME_NODE_ATTRIBUTES.contains(&name) {
                    node.attributes.insert(name.to_string(), value.to_string());
                }
            }
        }
    }
    let mut config = render_cib(
        &model,
        &RenderOptions {
            schema,
            full: false,
        },
    )?;
    // Runtime constraints (`crm_resource --move/--ban`) stay, verbatim.
    let runtime: Vec<&str> = root
        .descendants()
        .filter(|c| c.parent().is_some_and(|p| p.has_tag_name("constraints")))
        .filter(|c| {
            c.attribute("id")
                .is_some_and(|id| id.starts_with("cli-prefer-") || id.starts_with("cli-ban-"))
        })
        .map(|c| &live[c.range()])
        .collect();
    if !runtime.is_empty() {
        let extra: String = runtime.iter().map(|c| format!("    {c}\n")).collect();
        if config.contains("  <constraints/>\n") {
            config = config.replacen(
                "  <constraints/>\n",
                &format!("  <constraints>\n{extra}  </constraints>\n"),
                1,
            );
        } else {
            config = config.replacen(
                "  </constraints>\n",
                &format!("{extra}  </constraints>\n"),
                1,
            );
        }
    }
    // Reassemble: the live root's attributes, the new configuration, the live status.
    let mut out = String::from("<cib");
    for a in root.attributes() {
        out.push_str(&format!(
            " {}=\"{}\"",
            a.name(),
            crate::xml::escape_attr(a.value())
        ));
    }
    out.push_str(">\n");
    for line in config.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if let Some(status) = root.children().find(|c| c.has_tag_name("status")) {
        out.push_str("  ");
        out.push_str(&live[status.range()]);
        out.push('\n');
    }
    out.push_str("</cib>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let loaded = quorate_schema::load_sources(vec![(
            "c.yaml".into(),
            "cluster: c\nnodes:\n  - { name: n1, id: 1, addrs: [10.0.0.1] }\nproperties: { stonith-enabled: false }\nresources:\n  r: { agent: 'ocf:pacemaker:Dummy' }\n".into(),
        )]);
        quorate_schema::validate(&loaded, &quorate_schema::Options::default())
            .0
            .expect("valid")
    }

    #[test]
    fn keeps_what_pacemaker_and_operators_own() {
        let live = r#"<cib admin_epoch="0" epoch="7" num_updates="3" validate-with="pacemaker-3.9"><configuration>
<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="d" name="dc-version" value="2.1.5"/><nvpair id="s" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"><instance_attributes id="nodes-1"><nvpair id="nodes-1-standby" name="standby" value="on"/><nvpair id="x" name="rack" value="2"/></instance_attributes></node></nodes>
<resources/><constraints><rsc_location id="cli-prefer-r" rsc="r" node="n1" score="INFINITY"/><rsc_location id="old" rsc="r" node="n1" score="5"/></constraints>
</configuration><status><node_state id="1" uname="n1"/></status></cib>"#;
        assert_eq!(cib_version(live).unwrap(), (0, 7, 3));
        let d = desired_cib(live, &model(), CibSchema::Pacemaker39).unwrap();
        assert!(d.contains(r#"name="dc-version" value="2.1.5""#), "{d}");
        assert!(d.contains(r#"name="stonith-enabled" value="false""#), "{d}");
        assert!(d.contains(r#"name="standby" value="on""#), "{d}");
        assert!(
            !d.contains("rack"),
            "desired node attributes replace the rest: {d}"
        );
        assert!(d.contains("cli-prefer-r"), "{d}");
        assert!(!d.contains(r#"id="old""#), "{d}");
        assert!(d.contains(r#"<node_state id="1" uname="n1"/>"#), "{d}");
        assert!(d.starts_with(r#"<cib admin_epoch="0" epoch="7""#), "{d}");
        roxmltree::Document::parse(&d).expect("well-formed");
    }
}
