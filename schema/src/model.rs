//! The validated model: what the desired state means, with defaults resolved, ids assigned and
//! references checked. No serde here: the YAML types are the boundary, this is the core.
//!
//! **Invariant:** a `Model` exists only for a desired state without errors. Every id in it is
//! unique across the cluster and a legal XML id; every reference (group member, clone child,
//! constraint resource, fencing device, host) names an object of the right kind.

use crate::source::Span;
use crate::types::{
    Action, AttrOp, BoolOp, DateOp, NoQuorumPolicy, OnFail, OrderKind, Role, Score, SecretRef,
    StonithAction, TieBreaker, Transport,
};
use std::collections::BTreeMap;

pub use crate::types::FORMAT_VERSION;

/// A cluster's validated desired state.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Cluster name.
    pub name: String,
    /// Nodes in the order written.
    pub nodes: Vec<Node>,
    /// Totem settings with Corosync's defaults resolved.
    pub totem: TotemConfig,
    /// Votequorum settings with defaults resolved.
    pub quorum: QuorumConfig,
    /// Cluster properties as written, by Pacemaker name (rendered as `crm_config` nvpairs).
    pub properties: BTreeMap<String, String>,
    /// The properties the rest of quorate acts on, with Pacemaker's defaults.
    pub policy: Policy,
    /// `rsc_defaults` meta attributes by name.
    pub rsc_defaults: BTreeMap<String, String>,
    /// `op_defaults` attributes by name.
    pub op_defaults: BTreeMap<String, String>,
    /// Every resource (primitives, groups, clones) by id.
    pub resources: BTreeMap<String, Resource>,
    /// Constraints in the order written (locations, then colocations, then orders).
    pub constraints: Vec<Constraint>,
    /// Fencing devices by id.
    pub fence_devices: BTreeMap<String, Primitive>,
    /// Fencing levels, per target in the order written.
    pub fencing_levels: Vec<FencingLevel>,
    /// Alerts by id.
    pub alerts: BTreeMap<String, Alert>,
    /// The group or clone that holds each member or cloned child, by the child's id.
    pub parents: BTreeMap<String, String>,
    /// Ids of resources, groups, clones and fencing devices in the order they are written
    /// (files in load order, then position in the file); empty for a document built in memory
    /// without positions. Pacemaker breaks ties between equal resources by document order.
    pub resource_order: Vec<String>,
}

impl Model {
    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The primitive `id` (a resource, not a fencing device).
    pub fn primitive(&self, id: &str) -> Option<&Primitive> {
        match self.resources.get(id) {
            Some(Resource::Primitive(p)) => Some(p),
            _ => None,
        }
    }

    /// Top-level resources: those not inside a group or clone, in id order.
    pub fn top_level(&self) -> impl Iterator<Item = &Resource> {
        self.resources
            .values()
            .filter(|r| self.parent_of(r.id()).is_none())
    }

    /// The group or clone that contains `id`, if any.
    pub fn parent_of(&self, id: &str) -> Option<&Resource> {
        self.resources.get(self.parents.get(id)?)
    }
}

/// A node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Name (uname).
    pub name: String,
    /// Corosync nodeid.
    pub id: u32,
    /// Ring addresses in link order.
    pub addrs: Vec<String>,
    /// Votes (default 1).
    pub votes: u32,
    /// Permanent attributes.
    pub attributes: BTreeMap<String, String>,
    /// Utilization capacity.
    pub utilization: BTreeMap<String, u64>,
    /// Where it was written.
    pub span: Option<Span>,
}

/// Totem settings; `None` keeps Corosync's default, which [`TotemConfig`]'s methods compute.
#[derive(Clone, Debug, PartialEq)]
pub struct TotemConfig {
    /// Transport.
    pub transport: Transport,
    /// Every key as written, by corosync.conf name, for rendering (`token` -> `1000`).
    pub settings: BTreeMap<String, String>,
    /// `crypto_cipher`, `crypto_hash`, `crypto_model` when set.
    pub crypto: BTreeMap<String, String>,
    /// Per-link settings by link number, each by corosync.conf name.
    pub interfaces: BTreeMap<u8, BTreeMap<String, String>>,
}

impl TotemConfig {
    fn get(&self, key: &str) -> Option<u64> {
        self.settings.get(key).and_then(|v| v.parse().ok())
    }

    /// `token` as written (default 3000 ms).
    pub fn token_ms(&self) -> u64 {
        self.get("token").unwrap_or(3000)
    }

    /// The token timeout Corosync actually uses for `nodes` nodes:
    /// token + (nodes - 2) x token_coefficient (default 650).
    pub fn effective_token_ms(&self, nodes: usize) -> u64 {
        let coeff = self.get("token_coefficient").unwrap_or(650);
        self.token_ms() + (nodes.saturating_sub(2) as u64) * coeff
    }

    /// Consensus timeout (default 1.2 x the effective token).
    pub fn consensus_ms(&self, nodes: usize) -> u64 {
        self.get("consensus")
            .unwrap_or(self.effective_token_ms(nodes) * 12 / 10)
    }
}

/// Votequorum settings.
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumConfig {
    /// Expected votes when written.
    pub expected_votes: Option<u32>,
    /// `two_node`.
    pub two_node: bool,
    /// `wait_for_all` (implied by `two_node` unless written false).
    pub wait_for_all: bool,
    /// `last_man_standing`.
    pub last_man_standing: bool,
    /// `last_man_standing_window`, ms.
    pub last_man_standing_window_ms: u32,
    /// `auto_tie_breaker`.
    pub auto_tie_breaker: bool,
    /// `auto_tie_breaker_node`.
    pub auto_tie_breaker_node: Option<TieBreaker>,
    /// `allow_downscale`.
    pub allow_downscale: bool,
    /// Every key as written, by corosync.conf name, for rendering.
    pub settings: BTreeMap<String, String>,
}

/// Cluster properties that quorate acts on, with Pacemaker's defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// `stonith-enabled` (default true).
    pub stonith_enabled: bool,
    /// `stonith-action` (default reboot).
    pub stonith_action: StonithAction,
    /// `no-quorum-policy` (default stop).
    pub no_quorum_policy: NoQuorumPolicy,
    /// `symmetric-cluster` (default true).
    pub symmetric_cluster: bool,
    /// `maintenance-mode` (default false).
    pub maintenance_mode: bool,
    /// `stop-all-resources` (default false).
    pub stop_all_resources: bool,
    /// `start-failure-is-fatal` (default true).
    pub start_failure_is_fatal: bool,
}

/// An agent reference, `class[:provider]:type`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentSpec {
    /// `ocf`, `lsb`, `systemd`, `service`, `stonith`, `nagios`.
    pub class: String,
    /// OCF provider (`heartbeat`, `pacemaker`, ...), only for `ocf`.
    pub provider: Option<String>,
    /// The agent name (`IPaddr2`, `fence_ipmilan`, a systemd unit).
    pub kind: String,
}

/// Agent classes Pacemaker knows.
pub const AGENT_CLASSES: &[&str] = &[
    "ocf", "lsb", "systemd", "service", "stonith", "nagios", "upstart",
];

impl AgentSpec {
    /// Parses `ocf:heartbeat:IPaddr2`, `systemd:nginx`, `stonith:fence_ipmilan`.
    pub fn parse(s: &str) -> Result<AgentSpec, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let (class, provider, kind) = match parts.as_slice() {
            [class, provider, kind] => (*class, Some(*provider), *kind),
            [class, kind] => (*class, None, *kind),
            _ => {
                return Err(
                    "an agent is written `class:provider:type` (ocf) or `class:type`".into(),
                )
            }
        };
        if class == "ocf" && provider.is_none() {
            return Err("an OCF agent needs a provider: `ocf:heartbeat:IPaddr2`".into());
        }
        if class != "ocf" && provider.is_some() {
            return Err(format!(
                "only OCF agents have a provider; write `{class}:{kind}`"
            ));
        }
        if kind.is_empty() || provider.is_some_and(str::is_empty) {
            return Err("the agent type is empty".into());
        }
        Ok(AgentSpec {
            class: class.to_string(),
            provider: provider.map(str::to_string),
            kind: kind.to_string(),
        })
    }
}

impl std::fmt::Display for AgentSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{}:{p}:{}", self.class, self.kind),
            None => write!(f, "{}:{}", self.class, self.kind),
        }
    }
}

/// An agent parameter's value.
#[derive(Clone, PartialEq, Eq)]
pub enum Param {
    /// Plain text.
    Text(String),
    /// A secret resolved on the node; only the reference is known here.
    Secret(SecretRef),
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Param::Text(t) => write!(f, "{t:?}"),
            Param::Secret(r) => write!(f, "(sensitive: {r})"),
        }
    }
}

/// A primitive resource or fencing device.
#[derive(Clone, Debug, PartialEq)]
pub struct Primitive {
    /// Id.
    pub id: String,
    /// Agent.
    pub agent: AgentSpec,
    /// Description.
    pub description: Option<String>,
    /// Parameters by name.
    pub params: BTreeMap<String, Param>,
    /// Operations in a stable order (as [`crate::types::Ops::iter`] yields them).
    pub ops: Vec<Operation>,
    /// Meta attributes by Pacemaker name.
    pub meta: BTreeMap<String, String>,
    /// Utilization.
    pub utilization: BTreeMap<String, u64>,
    /// Where it was written.
    pub span: Option<Span>,
}

/// One configured operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// `monitor`, `start`, ...
    pub name: String,
    /// Interval in ms (0 for one-off operations).
    pub interval_ms: u64,
    /// The interval as written (`30s`), or `0s`.
    pub interval_text: String,
    /// Timeout in ms when written.
    pub timeout_ms: Option<u64>,
    /// Timeout as written.
    pub timeout_text: Option<String>,
    /// Role restriction.
    pub role: Option<Role>,
    /// On-fail policy.
    pub on_fail: Option<OnFail>,
    /// Other attributes by Pacemaker name (`start-delay`, `enabled`, `OCF_CHECK_LEVEL`, ...).
    pub attrs: BTreeMap<String, String>,
    /// Parameters for this operation only (its `instance_attributes`, besides `OCF_CHECK_LEVEL`).
    pub params: BTreeMap<String, Param>,
}

/// A group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Id.
    pub id: String,
    /// Member primitive ids in start order.
    pub members: Vec<String>,
    /// Meta attributes.
    pub meta: BTreeMap<String, String>,
    /// Description.
    pub description: Option<String>,
    /// Where it was written.
    pub span: Option<Span>,
}

/// A clone.
#[derive(Clone, Debug, PartialEq)]
pub struct Clone {
    /// Id.
    pub id: String,
    /// The cloned primitive or group.
    pub child: String,
    /// Promotable.
    pub promotable: bool,
    /// Meta attributes.
    pub meta: BTreeMap<String, String>,
    /// Description.
    pub description: Option<String>,
    /// Where it was written.
    pub span: Option<Span>,
}

/// Any resource.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    /// A primitive.
    Primitive(Primitive),
    /// A group.
    Group(Group),
    /// A clone.
    Clone(Clone),
}

impl Resource {
    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Resource::Primitive(p) => &p.id,
            Resource::Group(g) => &g.id,
            Resource::Clone(c) => &c.id,
        }
    }

    /// Its meta attributes.
    pub fn meta(&self) -> &BTreeMap<String, String> {
        match self {
            Resource::Primitive(p) => &p.meta,
            Resource::Group(g) => &g.meta,
            Resource::Clone(c) => &c.meta,
        }
    }
}

/// A constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    /// Location.
    Location(Location),
    /// Colocation.
    Colocation(Colocation),
    /// Order.
    Order(Order),
}

impl Constraint {
    /// The constraint id.
    pub fn id(&self) -> &str {
        match self {
            Constraint::Location(c) => &c.id,
            Constraint::Colocation(c) => &c.id,
            Constraint::Order(c) => &c.id,
        }
    }
}

/// What a location constraint applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceRef {
    /// One resource.
    Id(String),
    /// Resources whose id matches a regular expression.
    Pattern(String),
}

/// A location constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// Id.
    pub id: String,
    /// The resource(s).
    pub resource: ResourceRef,
    /// Role restriction.
    pub role: Option<Role>,
    /// A node score, or rules.
    pub placement: Placement,
    /// `resource-discovery`.
    pub resource_discovery: Option<String>,
}

/// Where a location constraint places.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// A score on one node.
    Node {
        /// Node name.
        node: String,
        /// Score.
        score: Score,
    },
    /// Rules.
    Rules(Vec<Rule>),
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Id.
    pub id: String,
    /// Score, or the node attribute it comes from.
    pub score: RuleScore,
    /// Role restriction.
    pub role: Option<Role>,
    /// How expressions combine.
    pub boolean_op: BoolOp,
    /// Expressions.
    pub expressions: Vec<Expression>,
}

/// A rule's score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleScore {
    /// A fixed score.
    Score(Score),
    /// Taken from a node attribute.
    Attribute(String),
}

/// A rule expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expression {
    /// Node attribute comparison.
    Attribute {
        /// Id.
        id: String,
        /// Attribute name.
        attribute: String,
        /// Operation.
        operation: AttrOp,
        /// Value compared with.
        value: Option<String>,
        /// Comparison type.
        kind: Option<String>,
        /// Value source.
        value_source: Option<String>,
    },
    /// Date expression.
    Date {
        /// Id.
        id: String,
        /// Operation.
        operation: DateOp,
        /// Start.
        start: Option<String>,
        /// End.
        end: Option<String>,
        /// Duration fields.
        duration: BTreeMap<String, String>,
        /// Date-spec fields.
        date_spec: BTreeMap<String, String>,
    },
    /// Nested rule.
    Rule(Rule),
}

/// A colocation constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Colocation {
    /// Id.
    pub id: String,
    /// Score.
    pub score: Score,
    /// A pair or sets.
    pub kind: ColocationKind,
    /// `node-attribute`.
    pub node_attribute: Option<String>,
}

/// The two forms of colocation.
#[derive(Clone, Debug, PartialEq)]
pub enum ColocationKind {
    /// `resource` with `with`.
    Pair {
        /// Dependent resource.
        resource: String,
        /// Its role.
        role: Option<Role>,
        /// The resource followed.
        with: String,
        /// Its role.
        with_role: Option<Role>,
    },
    /// Resource sets.
    Sets(Vec<ResourceSet>),
}

/// An order constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    /// Id.
    pub id: String,
    /// Kind (default Mandatory).
    pub kind: OrderKind,
    /// `symmetrical` as written.
    pub symmetrical: Option<bool>,
    /// A pair or sets.
    pub spec: OrderSpec,
}

/// The two forms of order.
#[derive(Clone, Debug, PartialEq)]
pub enum OrderSpec {
    /// `first` then `then`.
    Pair {
        /// First resource.
        first: String,
        /// Its action (default start).
        first_action: Action,
        /// Then resource.
        then: String,
        /// Its action (default: first's).
        then_action: Action,
    },
    /// Resource sets.
    Sets(Vec<ResourceSet>),
}

/// A resource set.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceSet {
    /// Id.
    pub id: String,
    /// Members.
    pub resources: Vec<String>,
    /// `sequential`.
    pub sequential: Option<bool>,
    /// `require-all`.
    pub require_all: Option<bool>,
    /// `action`.
    pub action: Option<Action>,
    /// `role`.
    pub role: Option<Role>,
}

/// Who a fencing level applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FencingTarget {
    /// A node.
    Node(String),
    /// Node names matching a pattern.
    Pattern(String),
    /// Nodes with an attribute value.
    Attribute {
        /// Attribute name.
        name: String,
        /// Value.
        value: String,
    },
}

/// One fencing level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FencingLevel {
    /// Id (`fl-<target>-<index>`).
    pub id: String,
    /// Target.
    pub target: FencingTarget,
    /// Index, from 1.
    pub index: u32,
    /// Devices that must all succeed.
    pub devices: Vec<String>,
}

/// An alert.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Id.
    pub id: String,
    /// Agent path.
    pub path: String,
    /// Description.
    pub description: Option<String>,
    /// Parameters.
    pub params: BTreeMap<String, Param>,
    /// Meta attributes.
    pub meta: BTreeMap<String, String>,
    /// Selected event kinds (empty: all).
    pub select: Vec<String>,
    /// Recipients.
    pub recipients: Vec<Recipient>,
}

/// An alert recipient.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    /// Id.
    pub id: String,
    /// Value.
    pub value: String,
    /// Parameters.
    pub params: BTreeMap<String, Param>,
    /// Meta attributes.
    pub meta: BTreeMap<String, String>,
}
