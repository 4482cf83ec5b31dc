//! Constraints: location (with rules), colocation and order, with resource sets.

use super::props::Role;
use super::values::Score;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// All constraints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Where resources may, should or must not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub location: Vec<Location>,
    /// Which resources run together, or apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub colocation: Vec<Colocation>,
    /// In which order resources start and stop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<Order>,
}

/// A location constraint: a score for one node, or rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Location {
    /// Constraint id (default: `location-<resource>-<node>-<score>` as pcs names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The constrained resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// A regular expression matching resource ids, instead of `resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_pattern: Option<String>,
    /// Apply only to this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The node, with `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The score for `node`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    /// Rules, instead of `node` and `score`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Whether the cluster probes for the resource on nodes: `always`, `never`, `exclusive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(always|never|exclusive)$"))]
    pub resource_discovery: Option<String>,
}

/// A rule: a score given to the nodes where its expressions hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rule {
    /// Rule id (default derived from the constraint's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The score where the rule holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    /// Take the score from this node attribute instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_attribute: Option<String>,
    /// Apply only to this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// How expressions combine: `and` (default) or `or`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boolean_op: Option<BoolOp>,
    /// The expressions.
    #[schemars(length(min = 1))]
    pub expressions: Vec<Expression>,
}

/// `and` / `or`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BoolOp {
    /// All must hold.
    And,
    /// One must hold.
    Or,
}

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Expression {
    /// A node attribute compared with a value.
    Attribute(AttrExpression),
    /// A date or time condition.
    Date(DateWrapper),
    /// A nested rule.
    Rule(RuleWrapper),
}

/// `{ date: {...} }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateWrapper {
    /// The date expression.
    pub date: Box<DateExpression>,
}

/// `{ rule: {...} }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleWrapper {
    /// The nested rule.
    pub rule: Box<Rule>,
}

/// A node attribute expression (`#uname eq node1`, `site defined`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AttrExpression {
    /// Expression id (default derived from the rule's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Node attribute name; `#uname`, `#id`, `#kind` are built in.
    #[schemars(length(min = 1))]
    pub attribute: String,
    /// Comparison.
    pub operation: AttrOp,
    /// The value compared with (not for `defined` / `not_defined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<super::values::ParamValue>,
    /// How to compare: `string` (default), `integer`, `number`, `version`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(string|integer|number|version)$"))]
    pub kind: Option<String>,
    /// Where `value` comes from: `literal` (default), `param`, `meta`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(literal|param|meta)$"))]
    pub value_source: Option<String>,
}

/// Attribute comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttrOp {
    /// Less than.
    Lt,
    /// Greater than.
    Gt,
    /// Less than or equal.
    Lte,
    /// Greater than or equal.
    Gte,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// The attribute exists.
    Defined,
    /// The attribute does not exist.
    NotDefined,
}

impl AttrOp {
    /// Pacemaker's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrOp::Lt => "lt",
            AttrOp::Gt => "gt",
            AttrOp::Lte => "lte",
            AttrOp::Gte => "gte",
            AttrOp::Eq => "eq",
            AttrOp::Ne => "ne",
            AttrOp::Defined => "defined",
            AttrOp::NotDefined => "not_defined",
        }
    }
}

/// A date expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DateExpression {
    /// Expression id (default derived from the rule's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `in_range`, `gt`, `lt` or `date_spec`.
    pub operation: DateOp,
    /// Start, ISO 8601 (`2026-01-01` or `2026-01-01 08:00:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Length of the range from `start`, instead of `end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DateFields>,
    /// Recurring times, for `date_spec` (`hours: 9-17`, `weekdays: 1-5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_spec: Option<DateFields>,
}

/// Date operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateOp {
    /// Between `start` and `end` (or `start` + `duration`).
    InRange,
    /// After `start`.
    Gt,
    /// Before `end`.
    Lt,
    /// Matches `date-spec`.
    DateSpec,
}

/// Fields of a date spec or duration; values are numbers or ranges (`9-17`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateFields {
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<super::values::ParamValue>,
    /// Minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<super::values::ParamValue>,
    /// Hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<super::values::ParamValue>,
    /// Days (durations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<super::values::ParamValue>,
    /// Days of the month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthdays: Option<super::values::ParamValue>,
    /// Days of the week, 1 (Monday) to 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<super::values::ParamValue>,
    /// Days of the year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yeardays: Option<super::values::ParamValue>,
    /// Weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks: Option<super::values::ParamValue>,
    /// Months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<super::values::ParamValue>,
    /// Years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<super::values::ParamValue>,
    /// ISO week-numbering years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekyears: Option<super::values::ParamValue>,
}

/// A colocation: `resource` runs with (or, with a negative score, away from) `with`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Colocation {
    /// Constraint id (default: `colocation-<resource>-<with>-<score>` as pcs names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The dependent resource: placed after, and relative to, `with`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The resource `resource` follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// How strongly (default INFINITY: must; -INFINITY: must not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    /// Role of `resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Role of `with`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_role: Option<Role>,
    /// Colocate on nodes sharing this attribute's value instead of on the same node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_attribute: Option<String>,
    /// Resource sets, instead of `resource` and `with`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<ResourceSet>,
}

/// Kinds of order constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OrderKind {
    /// `then` waits for `first` (default).
    Mandatory,
    /// Ordered only when both change in one transition.
    Optional,
    /// Never run the two actions at the same time, either order.
    Serialize,
}

/// Resource actions that orders refer to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Start.
    Start,
    /// Stop.
    Stop,
    /// Promote.
    Promote,
    /// Demote.
    Demote,
}

impl Action {
    /// Pacemaker's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Promote => "promote",
            Action::Demote => "demote",
        }
    }
}

/// An order constraint: `then` after `first`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Order {
    /// Constraint id (default: `order-<first>-<then>-<kind>` as pcs names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The resource acted on first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The resource acted on after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<String>,
    /// `Mandatory` (default), `Optional` or `Serialize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OrderKind>,
    /// Action of `first` (default start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_action: Option<Action>,
    /// Action of `then` (default: the same as `first-action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then_action: Option<Action>,
    /// Also stop in reverse order (default true, false for Serialize).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetrical: Option<bool>,
    /// Resource sets, instead of `first` and `then`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<ResourceSet>,
}

/// A resource set of a colocation or order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ResourceSet {
    /// Set id (default derived from the constraint's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Members.
    #[schemars(length(min = 1))]
    pub resources: Vec<String>,
    /// Members depend on each other in list order (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<bool>,
    /// For orders: all members must be done before the next set (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_all: Option<bool>,
    /// For orders: the action of the members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// For colocations: the role of the members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}
