//! The top-level `Cluster` document and its corosync-level sections: nodes, totem and quorum.

use super::{Alert, Clone_, Constraints, Fencing, Group, Meta, Op, Primitive, Properties};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The current format version of the document.
pub const FORMAT_VERSION: u32 = 1;

/// A cluster's desired state. A directory of files is merged into one of these; every section is
/// optional in a single file, and `cluster` and `nodes` must be present after merging.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "quorate Cluster")]
pub struct ClusterDoc {
    /// Format version of this document. Only `1` exists today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// The cluster name (corosync `totem.cluster_name`, Pacemaker's `cluster-name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,32}$"))]
    pub cluster: Option<String>,
    /// The cluster's nodes (corosync's `nodelist`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeSpec>,
    /// Corosync `totem` settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totem: Option<Totem>,
    /// Corosync `quorum` settings (votequorum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Quorum>,
    /// Pacemaker cluster properties (`crm_config`), by their Pacemaker names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Properties>,
    /// Default meta attributes of every resource (`rsc_defaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsc_defaults: Option<Meta>,
    /// Default attributes of every operation (`op_defaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_defaults: Option<Op>,
    /// Primitive resources by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, Primitive>,
    /// Groups by id: an ordered list of primitives that run together, started in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Group>,
    /// Clones and promotable clones by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub clones: BTreeMap<String, Clone_>,
    /// Location, colocation and order constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Constraints>,
    /// Fencing devices and fencing topology.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fencing: Option<Fencing>,
    /// Alert agents by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alerts: BTreeMap<String, Alert>,
}

/// A cluster node (a corosync `nodelist.node`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// The node name (corosync `name`, Pacemaker's `uname`).
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"))]
    pub name: String,
    /// Corosync `nodeid`: unique, 1 to 2^32-1.
    #[schemars(range(min = 1))]
    pub id: u32,
    /// Ring addresses in link order (`ring0_addr`, `ring1_addr`, ...): IP addresses or host names.
    #[schemars(length(min = 1, max = 8))]
    pub addrs: Vec<String>,
    /// Votes this node has in votequorum (corosync `quorum_votes`, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum_votes: Option<u32>,
    /// Permanent node attributes (Pacemaker `instance_attributes` of the node).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, super::values::ParamValue>,
    /// Capacity for utilization-based placement (`cpu: 8`, `memory: 16384`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub utilization: BTreeMap<String, u64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Corosync transports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Kronosnet: multiple links, encryption (Corosync 3's default).
    Knet,
    /// UDP unicast to every node.
    Udpu,
    /// UDP multicast.
    Udp,
}

/// Corosync `totem` settings, by corosync.conf's names. Times are milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Totem {
    /// Transport (default knet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// Token timeout in ms (default 3000; 1000 is common for fast failover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub token: Option<u32>,
    /// Added to `token` per node above two, in ms (default 650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_coefficient: Option<u32>,
    /// Token retransmits before the token is declared lost (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_retransmits_before_loss_const: Option<u32>,
    /// Time to reach consensus before a new membership round, ms (default 1.2 x token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus: Option<u32>,
    /// Time to wait for join messages, ms (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<u32>,
    /// Time to check for a partition merge, ms (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<u32>,
    /// Time to check whether a failed ring came back, ms (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downcheck: Option<u32>,
    /// Rotations of the token without receiving messages before a failure is declared (default 2500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_recv_const: Option<u32>,
    /// Rotations without new messages before the node may go idle (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seqno_unchanged_const: Option<u32>,
    /// Upper bound of a random delay before sending a join, ms (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_join: Option<u32>,
    /// Messages a node may send per token rotation (default 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_messages: Option<u32>,
    /// Messages in flight per token rotation, all nodes together (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub window_size: Option<u32>,
    /// Maximum network delay before retransmitting, ms (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_network_delay: Option<u32>,
    /// IP version (`ipv6-4` by default for knet, `ipv4` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(ipv4|ipv6|ipv4-6|ipv6-4)$"))]
    pub ip_version: Option<String>,
    /// On-wire encryption and authentication (knet only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto: Option<Crypto>,
    /// Per-link settings (`interface` sections).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
}

/// Corosync `crypto_cipher`, `crypto_hash` and `crypto_model`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Crypto {
    /// `crypto_cipher`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(none|aes256|aes192|aes128)$"))]
    pub cipher: Option<String>,
    /// `crypto_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(none|md5|sha1|sha256|sha384|sha512)$"))]
    pub hash: Option<String>,
    /// `crypto_model` (knet's crypto library).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(nss|openssl)$"))]
    pub model: Option<String>,
}

/// A corosync `interface` section: settings of one link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// The link this applies to (0 to 7).
    #[schemars(range(max = 7))]
    pub linknumber: u8,
    /// UDP port (default 5405).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcastport: Option<u16>,
    /// Multicast address (udp transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9A-Fa-f:.]+$"))]
    pub mcastaddr: Option<String>,
    /// Network to bind to (udp transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9A-Fa-f:.]+$"))]
    pub bindnetaddr: Option<String>,
    /// Multicast TTL (udp transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u8>,
    /// knet link priority (higher wins in passive mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knet_link_priority: Option<u8>,
    /// knet heartbeat interval, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knet_ping_interval: Option<u32>,
    /// knet heartbeat timeout, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knet_ping_timeout: Option<u32>,
    /// knet heartbeats averaged for latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knet_ping_precision: Option<u32>,
    /// knet pongs needed before a link is up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knet_pong_count: Option<u32>,
    /// knet link protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(udp|sctp)$"))]
    pub knet_transport: Option<String>,
}

/// Votequorum settings, by corosync.conf's names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quorum {
    /// Total votes expected (default: the sum of the nodes' votes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub expected_votes: Option<u32>,
    /// Two-node mode: quorum with one vote of two (implies `wait_for_all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_node: Option<bool>,
    /// Quorum only after all nodes have been seen at least once together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_all: Option<bool>,
    /// Recompute expected votes as nodes leave, one step per window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_man_standing: Option<bool>,
    /// Window for `last_man_standing`, ms (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_man_standing_window: Option<u32>,
    /// Break an even split in favour of one partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_tie_breaker: Option<bool>,
    /// Which partition wins a tie: `lowest`, `highest` or a list of nodeids in preference order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_tie_breaker_node: Option<TieBreaker>,
    /// Lower expected votes when nodes are removed cleanly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_downscale: Option<bool>,
}

/// `auto_tie_breaker_node`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TieBreaker {
    /// `lowest` or `highest` nodeid.
    Named(TieBreakerNamed),
    /// Nodeids in preference order.
    Nodes(Vec<u32>),
}

/// `lowest` or `highest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TieBreakerNamed {
    /// The partition with the lowest nodeid wins.
    Lowest,
    /// The partition with the highest nodeid wins.
    Highest,
}
