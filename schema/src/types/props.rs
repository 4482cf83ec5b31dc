//! Pacemaker's name-value sections: cluster properties, meta attributes and operations.

use super::values::{Duration, OneOrMany, ParamValue, Score};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Cluster properties (`crm_config` / `cib-bootstrap-options`) by Pacemaker's names. Properties
/// Pacemaker maintains itself (`dc-version`, `cluster-infrastructure`, `have-watchdog`, ...) are
/// not desired state and are rejected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Properties {
    /// Fence nodes that fail or are lost (default true). Without it, data integrity is at risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stonith_enabled: Option<bool>,
    /// What fencing does to a node: `reboot` (default) or `off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stonith_action: Option<StonithAction>,
    /// Time to wait for a fencing action to complete (default 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stonith_timeout: Option<Duration>,
    /// Attempts to fence a target before giving up (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stonith_max_attempts: Option<u32>,
    /// Watchdog self-fencing timeout when SBD is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stonith_watchdog_timeout: Option<Duration>,
    /// Fence nodes not yet seen when the cluster starts (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_fencing: Option<bool>,
    /// Allow fencing several nodes at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_fencing: Option<bool>,
    /// What a node does when told it was fenced: `stop` or `panic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(stop|panic)$"))]
    pub fence_reaction: Option<String>,
    /// Extra delay before fencing the node that holds the most important resources (split brain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_fencing_delay: Option<Duration>,
    /// What to do without quorum: `stop` (default), `freeze`, `ignore`, `demote`, `suicide`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_quorum_policy: Option<NoQuorumPolicy>,
    /// Resources may run anywhere unless constrained (default true); false makes an opt-in cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetric_cluster: Option<bool>,
    /// Leave every resource alone: no starts, stops or monitors acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_mode: Option<bool>,
    /// Stop every resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_all_resources: Option<bool>,
    /// Stop resources that are no longer configured (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_orphan_resources: Option<bool>,
    /// Cancel recurring operations that are no longer configured (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_orphan_actions: Option<bool>,
    /// A failed start bans the resource from that node (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_failure_is_fatal: Option<bool>,
    /// Probe resources on nodes when they join (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_startup_probes: Option<bool>,
    /// Keep a cleanly stopped node's resources stopped until it returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_lock: Option<bool>,
    /// How long `shutdown-lock` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_lock_limit: Option<Duration>,
    /// Time after which the scheduler runs again even without events (default 15min).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_recheck_interval: Option<Duration>,
    /// Expected round-trip delay of the cluster's network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_delay: Option<Duration>,
    /// Actions run in parallel cluster-wide (0: automatic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_limit: Option<i32>,
    /// Live migrations in parallel per node (-1: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_limit: Option<i32>,
    /// Actions in parallel per node (0: automatic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_action_limit: Option<u32>,
    /// How utilization is used: `default`, `utilization`, `minimal`, `balanced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(default|utilization|minimal|balanced)$"))]
    pub placement_strategy: Option<String>,
    /// How node health attributes affect placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(none|migrate-on-red|only-green|progressive|custom)$"))]
    pub node_health_strategy: Option<String>,
    /// Base score of node health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_health_base: Option<Score>,
    /// Score of a green health attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_health_green: Option<Score>,
    /// Score of a yellow health attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_health_yellow: Option<Score>,
    /// Score of a red health attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_health_red: Option<Score>,
    /// Time to wait for other nodes at startup before electing a DC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_deadtime: Option<Duration>,
    /// Time an election may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_timeout: Option<Duration>,
    /// Time after which a node shutting down gives up waiting for its resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_escalation: Option<Duration>,
    /// Time the DC waits for joining nodes to be integrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_integration_timeout: Option<Duration>,
    /// Time the DC waits for joining nodes to be finalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_finalization_timeout: Option<Duration>,
    /// Delay before a new transition starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_delay: Option<Duration>,
    /// CPU load above which the cluster throttles (`80%`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?%?$"))]
    pub load_threshold: Option<String>,
    /// Scheduler inputs kept after errors (-1: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pe_error_series_max: Option<i32>,
    /// Scheduler inputs kept after warnings (-1: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pe_warn_series_max: Option<i32>,
    /// Scheduler inputs kept (-1: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pe_input_series_max: Option<i32>,
    /// Node IPC message limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_ipc_limit: Option<u32>,
}

/// `stonith-action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StonithAction {
    /// Power-cycle the node (default).
    Reboot,
    /// Power the node off.
    Off,
    /// Deprecated alias of `off`.
    Poweroff,
}

/// `no-quorum-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoQuorumPolicy {
    /// Stop every resource in the partition (default).
    Stop,
    /// Keep running what runs, start nothing new.
    Freeze,
    /// Carry on as if quorate (two-node labs only).
    Ignore,
    /// Demote promoted instances, stop the rest.
    Demote,
    /// Fence every node of the partition.
    Suicide,
}

/// A resource role, as Pacemaker 2.1 names them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Role {
    /// Stopped.
    Stopped,
    /// Started (any role).
    Started,
    /// Running as unpromoted (formerly `Slave`).
    Unpromoted,
    /// Running as promoted (formerly `Master`).
    Promoted,
    /// Deprecated name of `Unpromoted`.
    Slave,
    /// Deprecated name of `Promoted`.
    Master,
}

impl Role {
    /// The role with deprecated names mapped to current ones.
    pub fn normalized(self) -> Role {
        match self {
            Role::Slave => Role::Unpromoted,
            Role::Master => Role::Promoted,
            r => r,
        }
    }

    /// Pacemaker's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
            Role::Slave => "Slave",
            Role::Master => "Master",
        }
    }
}

/// Resource meta attributes, by Pacemaker's names. Clone attributes (`clone-max`, ...) are only
/// accepted on clones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Meta {
    /// Priority when not every resource can run (higher wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The role the cluster should keep the resource in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_role: Option<Role>,
    /// False: the cluster neither starts nor stops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_managed: Option<bool>,
    /// True: unmanaged and not monitored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<bool>,
    /// Preference for staying where it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_stickiness: Option<Score>,
    /// What must hold before it may start: `nothing`, `quorum`, `fencing`, `unfencing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(nothing|quorum|fencing|unfencing)$"))]
    pub requires: Option<String>,
    /// Failures on a node before the resource is moved away from it (default INFINITY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_threshold: Option<Score>,
    /// Time after which a failure is forgotten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_timeout: Option<Duration>,
    /// What to do when it is found active on several nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(block|stop_only|stop_start|stop_unexpected)$"))]
    pub multiple_active: Option<String>,
    /// Move by live migration where the agent supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_migrate: Option<bool>,
    /// May run on nodes whose health is red.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_unhealthy_nodes: Option<bool>,
    /// Whether it counts for colocation influence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<bool>,
    /// Deprecated by Pacemaker (2.1 still honours it): `restart` makes an optional order that
    /// has this resource as `then` restart it whenever `first` is started or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(ignore|restart)$"))]
    pub restart_type: Option<String>,
    /// Fencing devices: `unfencing` for devices that must unfence a node before it runs
    /// resources (fence_scsi, fence_mpath).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^unfencing$"))]
    pub provides: Option<String>,
    /// Clones: instances in the whole cluster (default: number of nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_max: Option<u32>,
    /// Clones: instances per node (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_node_max: Option<u32>,
    /// Clones: instances that must run before dependents start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_min: Option<u32>,
    /// Clones: send notify actions before and after each change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Clones: instances are distinct (not interchangeable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub globally_unique: Option<bool>,
    /// Clones: start instances one after another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<bool>,
    /// Clones: order against other clones per node instance, not the whole clone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleave: Option<bool>,
    /// Promotable clones: instances promoted in the whole cluster (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_max: Option<u32>,
    /// Promotable clones: instances promoted per node (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_node_max: Option<u32>,
}

impl Meta {
    /// Names of the clone-only attributes that are set, for the check that rejects them elsewhere.
    pub fn clone_only_keys(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let pairs: [(&'static str, bool); 9] = [
            ("clone-max", self.clone_max.is_some()),
            ("clone-node-max", self.clone_node_max.is_some()),
            ("clone-min", self.clone_min.is_some()),
            ("notify", self.notify.is_some()),
            ("globally-unique", self.globally_unique.is_some()),
            ("ordered", self.ordered.is_some()),
            ("interleave", self.interleave.is_some()),
            ("promoted-max", self.promoted_max.is_some()),
            ("promoted-node-max", self.promoted_node_max.is_some()),
        ];
        for (k, set) in pairs {
            if set {
                v.push(k);
            }
        }
        v
    }
}

/// What to do when an operation fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnFail {
    /// Pretend it succeeded.
    Ignore,
    /// Do nothing more to the resource.
    Block,
    /// Stop it and leave it stopped.
    Stop,
    /// Stop and start it (default for most operations).
    Restart,
    /// Fence the node.
    Fence,
    /// Move every resource away from the node.
    Standby,
    /// Demote a promoted instance.
    Demote,
    /// Restart the container (bundles).
    #[serde(rename = "restart-container")]
    RestartContainer,
}

/// One operation of a resource (`op` element).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Op {
    /// How often it runs; 0 (the default) for one-off operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// How long it may take before it counts as failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// What a failure leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<OnFail>,
    /// Run only in this role (monitors of promotable clones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Delay before the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_delay: Option<Duration>,
    /// Align a recurring operation to this time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_origin: Option<String>,
    /// Record the operation as pending while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_pending: Option<bool>,
    /// False disables a recurring operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Depth of a monitor (`OCF_CHECK_LEVEL`).
    #[serde(
        default,
        rename = "OCF_CHECK_LEVEL",
        skip_serializing_if = "Option::is_none"
    )]
    pub ocf_check_level: Option<u32>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parameters passed to the agent for this operation only (`trace_ra: 1`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
}

/// The operations of a resource by name; a name may hold a list (monitors per role).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ops {
    /// `start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<OneOrMany<Op>>,
    /// `stop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<OneOrMany<Op>>,
    /// `monitor`: recurring health checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<OneOrMany<Op>>,
    /// `promote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promote: Option<OneOrMany<Op>>,
    /// `demote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demote: Option<OneOrMany<Op>>,
    /// `notify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<OneOrMany<Op>>,
    /// `reload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload: Option<OneOrMany<Op>>,
    /// `reload-agent`.
    #[serde(
        default,
        rename = "reload-agent",
        skip_serializing_if = "Option::is_none"
    )]
    pub reload_agent: Option<OneOrMany<Op>>,
    /// `migrate_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrate_to: Option<OneOrMany<Op>>,
    /// `migrate_from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrate_from: Option<OneOrMany<Op>>,
    /// `status` (LSB scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OneOrMany<Op>>,
    /// `validate-all`.
    #[serde(
        default,
        rename = "validate-all",
        skip_serializing_if = "Option::is_none"
    )]
    pub validate_all: Option<OneOrMany<Op>>,
    /// `meta-data`.
    #[serde(default, rename = "meta-data", skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<OneOrMany<Op>>,
}

impl Ops {
    /// Every operation with its name, in a fixed order (start, stop, monitor, ...).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, usize, &Op)> {
        let all: [(&'static str, &Option<OneOrMany<Op>>); 13] = [
            ("start", &self.start),
            ("stop", &self.stop),
            ("monitor", &self.monitor),
            ("promote", &self.promote),
            ("demote", &self.demote),
            ("notify", &self.notify),
            ("reload", &self.reload),
            ("reload-agent", &self.reload_agent),
            ("migrate_to", &self.migrate_to),
            ("migrate_from", &self.migrate_from),
            ("status", &self.status),
            ("validate-all", &self.validate_all),
            ("meta-data", &self.meta_data),
        ];
        all.into_iter().flat_map(|(name, ops)| {
            let many = matches!(ops, Some(OneOrMany::Many(_)));
            ops.iter()
                .flat_map(|o| o.as_slice().iter().enumerate())
                .map(move |(i, op)| (name, if many { i } else { usize::MAX }, op))
        })
    }
}

/// Free-form name-value attributes (utilization, node attributes) with agent-parameter values.
pub type Attributes = BTreeMap<String, ParamValue>;
