//! Resources: primitives, groups and clones.

use super::props::{Meta, Ops};
use super::values::ParamValue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A primitive resource: one service managed through its agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Primitive {
    /// The agent as `class[:provider]:type`: `ocf:heartbeat:IPaddr2`, `systemd:nginx`, `lsb:foo`.
    #[schemars(length(min = 1))]
    pub agent: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Agent parameters (`OCF_RESKEY_*`). Secrets are references, never literals.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Operations: `monitor`, `start`, `stop`, ... with interval, timeout and on-fail.
    #[serde(default, skip_serializing_if = "is_default")]
    pub ops: Ops,
    /// Meta attributes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: Meta,
    /// What the resource consumes, matched against node utilization.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub utilization: BTreeMap<String, u64>,
}

pub(crate) fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// A group: primitives that run on one node, started in list order and stopped in reverse.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Group {
    /// Just the members: `WebServerGroup: [ClusterVIP, WebServer]`.
    Members(Vec<String>),
    /// Members with meta attributes.
    Full(Box<GroupSpec>),
}

/// The long form of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Member primitives in start order.
    #[schemars(length(min = 1))]
    pub resources: Vec<String>,
    /// Meta attributes of the group.
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: Meta,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Group {
    /// The member ids in order.
    pub fn members(&self) -> &[String] {
        match self {
            Group::Members(m) => m,
            Group::Full(g) => &g.resources,
        }
    }

    /// The group's meta attributes (empty for the short form).
    pub fn meta(&self) -> Option<&Meta> {
        match self {
            Group::Members(_) => None,
            Group::Full(g) => Some(&g.meta),
        }
    }
}

/// A clone: a primitive or group run on several nodes at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clone_ {
    /// The primitive or group that is cloned.
    pub resource: String,
    /// Instances have promoted and unpromoted roles (a promotable clone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub promotable: bool,
    /// Meta attributes: `clone-max`, `clone-node-max`, `promoted-max`, `interleave`, ...
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: Meta,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
