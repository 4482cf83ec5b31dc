//! Fencing devices, fencing topology and alerts.

use super::props::{Meta, Ops};
use super::resources::is_default;
use super::values::{Duration, ParamValue};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Fencing: the devices and the order in which they are tried.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fencing {
    /// Fencing devices by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub devices: BTreeMap<String, FenceDevice>,
    /// Fencing levels per target, tried in order until one succeeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology: Vec<FencingTarget>,
}

/// A fencing device (a `stonith` primitive).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FenceDevice {
    /// The agent, `stonith:fence_*`.
    #[schemars(length(min = 1))]
    pub agent: String,
    /// Nodes this device can fence (rendered as `pcmk_host_list`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Agent parameters (`ip`, `username`, `password: { file: ... }`, `pcmk_*`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Operations (usually one `monitor`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub ops: Ops,
    /// Meta attributes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: Meta,
}

/// The fencing levels of one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FencingTarget {
    /// A node name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A regular expression matching node names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_pattern: Option<String>,
    /// Nodes with this attribute value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_attribute: Option<TargetAttribute>,
    /// Levels in order (index 1, 2, ...); each is the devices that must all succeed.
    #[schemars(length(min = 1, max = 9))]
    pub levels: Vec<Vec<String>>,
}

/// `target-attribute` / `target-value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetAttribute {
    /// Node attribute name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// An alert agent, called on cluster events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The alert agent's path on the nodes.
    #[schemars(length(min = 1))]
    pub path: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parameters passed to the agent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Alert meta attributes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: AlertMeta,
    /// Kinds of events sent (default all): `nodes`, `fencing`, `resources`, `attributes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select: Vec<AlertKind>,
    /// Recipients (addresses, files) passed to the agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Recipient>,
}

/// Alert meta attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AlertMeta {
    /// Time the agent may run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// strftime format of the timestamp passed to the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_format: Option<String>,
}

/// Kinds of alert events.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// Node events.
    Nodes,
    /// Fencing events.
    Fencing,
    /// Resource events.
    Resources,
    /// Node attribute changes.
    Attributes,
}

/// An alert recipient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Recipient id (default `<alert>-recipient-<n>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The recipient (an address, a file).
    pub value: String,
    /// Parameters for this recipient.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Meta attributes for this recipient.
    #[serde(default, skip_serializing_if = "is_default")]
    pub meta: AlertMeta,
}
