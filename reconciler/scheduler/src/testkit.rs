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
