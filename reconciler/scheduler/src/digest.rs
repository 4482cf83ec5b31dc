//! Parameter digests: how Pacemaker notices that a resource's definition changed since an
//! operation ran. The controller records with each result an MD5 of the operation's parameters
//! (`op-digest`), and for agents that support reload also an MD5 of only the parameters whose
//! change needs a restart (`op-restart-digest`, listed in `op-force-restart`). The scheduler
//! computes the same digests from the current configuration and compares
//! (`rsc_action_digest_cmp`, `pcmk__check_action_config` in 2.1.5): a changed restart digest,
//! or any change for an agent without reload, restarts the resource; other changes reload it.
//!
//! The hashed text is Pacemaker's v1 XML digest of a `<parameters>` element: one space,
//! `<parameters`, then ` name="value"` for every parameter in byte order of the names, `/>`
//! and a newline. Values are escaped as `crm_xml_escape` does. The parameters are the
//! resource's instance attributes as the CIB holds them, overridden by the operation's own
//! instance attributes; `CRM_meta_*` and a few bookkeeping names are left out, except that a
//! recurring operation's digest includes its timeout (`CRM_meta_timeout`, milliseconds).
//! The unit tests use digests recorded by real Pacemaker controllers in its regression inputs.

use crate::status::{Digest, OpDigests, OpRecord};
use crate::unpack::WorkingSet;
use md5::{Digest as _, Md5};
use quorate_schema::model::{Model, Param, Primitive};
use std::collections::BTreeMap;

/// Pacemaker's default operation timeout (`CRM_DEFAULT_OP_TIMEOUT_S`), in milliseconds.
const DEFAULT_OP_TIMEOUT_MS: u64 = 20_000;

/// Parameter names never part of a digest (`should_filter_for_digest`), besides `CRM_meta_*`.
const FILTERED: &[&str] = &[
    "id",
    "crm_feature_set",
    "op-digest",
    "on_node",
    "on_node_uuid",
    "pcmk_external_ip",
];

fn filtered(name: &str) -> bool {
    name.starts_with("CRM_meta_") || FILTERED.contains(&name)
}

/// Appends `value` escaped as `crm_xml_escape` does: XML's five entities, a tab as four
/// spaces, `\n` and `\r` spelled out, other control characters in octal (`\001`). At the first
/// non-ASCII character it stops escaping and copies the rest unchanged, as Pacemaker does.
fn escape_into(out: &mut String, value: &str) {
    for (i, c) in value.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '&' => out.push_str("&amp;"),
            '\t' => out.push_str("    "),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if !c.is_ascii() => {
                out.push_str(&value[i..]);
                return;
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\{:03o}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// The text Pacemaker hashes for a set of (already filtered) parameters.
pub fn canonical_text(params: &BTreeMap<String, String>) -> String {
    let mut s = String::from(" <parameters");
    for (k, v) in params {
        s.push(' ');
        s.push_str(k);
        s.push_str("=\"");
        escape_into(&mut s, v);
        s.push('"');
    }
    s.push_str("/>\n");
    s
}

/// The MD5 digest of a set of (already filtered) parameters.
pub fn digest(params: &BTreeMap<String, String>) -> [u8; 16] {
    Md5::digest(canonical_text(params).as_bytes()).into()
}

/// A digest as Pacemaker writes it: 32 lowercase hex digits.
pub fn to_hex(d: &[u8; 16]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn matches(recorded: &Digest, computed: &[u8; 16]) -> bool {
    matches!(recorded, Digest::Md5(d) if d == computed)
}

/// `pcmk_stonith_param`: parameters Pacemaker itself gives fence devices.
fn fencing_param(name: &str) -> bool {
    if matches!(name, "provides" | "stonith-timeout") {
        return true;
    }
    let Some(rest) = name.strip_prefix("pcmk_") else {
        return false;
    };
    if matches!(
        rest,
        "action_limit"
            | "delay_base"
            | "delay_max"
            | "host_argument"
            | "host_check"
            | "host_list"
            | "host_map"
    ) {
        return true;
    }
    rest.find('_')
        .is_some_and(|i| matches!(&rest[i..], "_action" | "_timeout" | "_retries"))
}

/// Whether `list` (names separated and surrounded by spaces, as recorded) names `name`.
fn listed(list: &str, name: &str) -> bool {
    list.contains(&format!(" {name} "))
}

/// A primitive's instance attributes as the CIB that `quorate-cib` renders holds them (so as
/// the controller saw them), without those the digest filters out.
fn cib_params(p: &Primitive, out: &mut BTreeMap<String, String>) {
    let fence = p.agent.class == "stonith";
    out.extend(
        quorate_schema::cib_params::cib_params(p, fence)
            .into_iter()
            .filter(|(name, _)| !filtered(name)),
    );
}

/// The configured operation `task` with `interval_ms` (`find_rsc_op_entry`), if enabled.
fn configured_op<'p>(
    p: &'p Primitive,
    task: &str,
    interval_ms: u64,
) -> Option<&'p quorate_schema::model::Operation> {
    p.ops.iter().find(|o| {
        o.name == task
            && o.interval_ms == interval_ms
            && o.attrs
                .get("enabled")
                .is_none_or(|v| crate::status::is_true(v))
    })
}

/// The parameters of operation `task` at `interval_ms` as Pacemaker digests them, and whether
/// the operation has instance attributes of its own.
pub fn operation_params(
    model: &Model,
    p: &Primitive,
    task: &str,
    interval_ms: u64,
) -> (BTreeMap<String, String>, bool) {
    let mut params = BTreeMap::new();
    cib_params(p, &mut params);
    let op = configured_op(p, task, interval_ms);
    let mut extra = false;
    if let Some(op) = op {
        // The model keeps `OCF_CHECK_LEVEL` with the operation's attributes; the CIB holds it
        // with the operation's instance attributes.
        if let Some(level) = op.attrs.get("OCF_CHECK_LEVEL") {
            extra = true;
            params.insert("OCF_CHECK_LEVEL".into(), level.clone());
        }
        for (k, v) in &op.params {
            extra = true;
            if filtered(k) {
                continue;
            }
            let value = match v {
                Param::Text(t) => t.clone(),
                Param::Secret(_) => "lrm://".to_string(),
            };
            params.insert(k.clone(), value);
        }
    }
    if interval_ms > 0 {
        // The timeout of a recurring operation is part of its digest: the operation's own,
        // else the operation defaults', else Pacemaker's default.
        let timeout_ms = op
            .and_then(|o| o.timeout_ms)
            .or_else(|| {
                model
                    .op_defaults
                    .get("timeout")
                    .and_then(|t| crate::score::parse_duration_ms(t))
            })
            .filter(|&t| t > 0)
            .unwrap_or(DEFAULT_OP_TIMEOUT_MS);
        params.insert("CRM_meta_timeout".into(), timeout_ms.to_string());
    }
    (params, extra)
}

/// The parameters of `op`'s secure digest (`calculate_secure_digest`): the operation's
/// parameters without the sensitive ones the record names. A controller older than feature
/// set 3.16.0 digested only the resource's own parameters, without fencing parameters.
/// Parameters that are secret references in the model are left out too: quorate does not know
/// their values, as a sanitized CIB does not.
pub fn secure_params(
    model: &Model,
    p: &Primitive,
    op: &OpRecord,
    rec: &OpDigests,
) -> BTreeMap<String, String> {
    let mut params = if rec.secure_legacy {
        let mut own = BTreeMap::new();
        cib_params(p, &mut own);
        own
    } else {
        operation_params(model, p, &op.operation, op.interval_ms).0
    };
    params.remove("CRM_meta_timeout");
    if let Some(list) = rec.secure.as_ref().and_then(|s| s.params.as_deref()) {
        params.retain(|k, _| !listed(list, k));
    }
    if rec.secure_legacy && p.agent.class == "stonith" {
        params.retain(|k, _| !fencing_param(k));
    }
    let mut secret_names = BTreeMap::new();
    let secrets = Primitive {
        params: p
            .params
            .iter()
            .filter(|(_, v)| matches!(v, Param::Secret(_)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        ..p.clone()
    };
    cib_params(&secrets, &mut secret_names);
    params.retain(|k, _| !secret_names.contains_key(k));
    params
}

/// `only_sanitized_changed`: the parameters differ only in sensitive ones, which a sanitized
/// CIB (and quorate's model, which holds references) does not show. `crm_simulate` runs
/// sanitized, and so does quorate.
fn only_sanitized_changed(model: &Model, p: &Primitive, op: &OpRecord) -> bool {
    let Some(rec) = op.digests.as_deref() else {
        return false;
    };
    rec.secure.as_ref().is_some_and(|recorded| {
        matches(&recorded.digest, &digest(&secure_params(model, p, op, rec)))
    })
}

/// What comparing a recorded operation's digests with the current definition found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestCheck {
    /// The parameters are unchanged.
    Match,
    /// No `op-digest` was recorded, so nothing is known.
    Unknown,
    /// Parameters changed that a reload can apply (or a recurring operation's parameters).
    Changed,
    /// Parameters changed that need a restart.
    Restart,
}

/// Compares `op`'s recorded digests with those of `p`'s current definition
/// (`rsc_action_digest_cmp`). `None` when the record carries no digest at all.
pub fn compare(model: &Model, p: &Primitive, op: &OpRecord) -> Option<DigestCheck> {
    let rec: &OpDigests = op.digests.as_deref()?;
    let (all, extra) = operation_params(model, p, &op.operation, op.interval_ms);
    if let Some(restart) = &rec.restart {
        // Only the parameters named in op-force-restart (all of them when it is absent).
        let restart_params: BTreeMap<String, String> = match restart.params.as_deref() {
            Some(list) => all
                .iter()
                .filter(|(k, _)| listed(list, k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            None => all.clone(),
        };
        if !matches(&restart.digest, &digest(&restart_params)) {
            return Some(DigestCheck::Restart);
        }
    }
    let Some(recorded) = &rec.all else {
        return Some(DigestCheck::Unknown);
    };
    if matches(recorded, &digest(&all)) {
        Some(DigestCheck::Match)
    } else if op.interval_ms == 0 && extra {
        // A one-off operation with parameters of its own restarts rather than reloads, so that
        // the new parameters apply to it.
        Some(DigestCheck::Restart)
    } else {
        Some(DigestCheck::Changed)
    }
}

/// `calculate_active_ops`: the index of the last start (or what implies one) and of the last
/// successful stop in a call-id-sorted history; -1 when there is none.
fn active_ops(ops: &[&OpRecord]) -> (isize, isize) {
    let (mut start, mut stop) = (-1isize, -1isize);
    let (mut implied_monitor, mut implied_clone) = (-1isize, -1isize);
    for (i, op) in ops.iter().enumerate() {
        let i = i as isize;
        match op.operation.as_str() {
            "stop" if op.op_status == 0 => stop = i,
            "start" | "migrate_from" => start = i,
            "monitor" if implied_monitor <= stop && matches!(op.rc, 0 | 8) => implied_monitor = i,
            "promote" | "demote" => implied_clone = i,
            _ => {}
        }
    }
    if start == -1 {
        start = if implied_clone != -1 {
            implied_clone
        } else {
            implied_monitor
        };
    }
    (start, stop)
}

impl WorkingSet<'_> {
    /// The model's definition of primitive `p` (a resource or a fencing device).
    pub(crate) fn definition(&self, p: usize) -> Option<&Primitive> {
        let id = &self.prims[p].id;
        self.model
            .primitive(id)
            .or_else(|| self.model.fence_devices.get(id))
    }

    /// A failed start or monitor recorded as `*_last_failure_0` whose parameters changed since
    /// has its fail count cleared (`should_clear_for_param_change`).
    pub(crate) fn failure_params_changed(&self, p: usize, op: &OpRecord) -> bool {
        if !op.id.ends_with("_last_failure_0")
            || !matches!(op.operation.as_str(), "start" | "monitor")
        {
            return false;
        }
        let Some(def) = self.definition(p) else {
            return false;
        };
        matches!(
            compare(self.model, def, op),
            Some(DigestCheck::Changed | DigestCheck::Restart)
        )
    }

    /// `pcmk__handle_rsc_config_changes`: for each active resource on a node that can run
    /// resources, compares the digests of the operations since its last start with its current
    /// definition; a change restarts or reloads it, and clears its fail count there.
    pub(crate) fn check_definition_changes(&mut self) {
        let status = self.status;
        for h in &status.history {
            let Some(node) = self.node_idx(&h.node) else {
                continue;
            };
            let n = &self.nodes[node];
            if !(n.maintenance || n.available()) {
                continue;
            }
            let Some(&p) = self.prim_by_id.get(&h.resource) else {
                continue;
            };
            if self.prims[p].orphan || !self.prims[p].running_on.contains(&node) {
                continue;
            }
            let mut ops: Vec<&OpRecord> = h.ops.iter().rev().collect();
            ops.sort_by(|a, b| crate::unpack::op_age_cmp(a, b));
            let (start, stop) = active_ops(&ops);
            if start < stop {
                continue;
            }
            for (i, op) in ops.iter().enumerate() {
                if (i as isize) < start {
                    continue;
                }
                let recurring = op.interval_ms > 0;
                if recurring && (self.prims[p].maintenance || self.nodes[node].maintenance) {
                    // Maintenance cancels recurring operations; nothing is compared.
                    continue;
                }
                if !recurring
                    && !matches!(
                        op.operation.as_str(),
                        "monitor" | "start" | "promote" | "migrate_from"
                    )
                {
                    continue;
                }
                if self.check_action_config(p, node, op) && self.effective_fail_count(p, node) != 0
                {
                    self.prims[p].clear_failcount_on.insert(node);
                }
            }
        }
    }

    /// `pcmk__check_action_config`: whether operation `op` of `p` on `node` changed, scheduling
    /// the restart or reload it needs.
    fn check_action_config(&mut self, p: usize, node: usize, op: &OpRecord) -> bool {
        let Some(def) = self.definition(p) else {
            return false;
        };
        // quorate checks only records that carry digests, as every record a controller writes
        // does: statuses built in code (the plan's converged base, a snapshot) record none, and
        // their operations stand for the configuration rather than record it (Pacemaker would
        // restart such a resource, and cancel a recurring operation it does not know).
        if op.digests.is_none() {
            return false;
        }
        if op.interval_ms > 0 && configured_op(def, &op.operation, op.interval_ms).is_none() {
            // A recurring operation no longer configured is cancelled.
            return true;
        }
        let Some(check) = compare(self.model, def, op) else {
            return false;
        };
        if check != DigestCheck::Match && only_sanitized_changed(self.model, def, op) {
            return false;
        }
        let reloadable = op.digests.as_ref().is_some_and(|d| d.restart.is_some());
        match check {
            DigestCheck::Match => false,
            // A recurring operation is only rescheduled with its new parameters.
            _ if op.interval_ms > 0 => true,
            DigestCheck::Restart => {
                self.prims[p].definition_changed = true;
                true
            }
            DigestCheck::Changed | DigestCheck::Unknown => {
                if reloadable {
                    self.schedule_reload(p, node);
                } else {
                    self.prims[p].definition_changed = true;
                }
                true
            }
        }
    }

    /// `schedule_reload`: reload `p` on `node`, unless it is unmanaged or failed; with a start
    /// still pending it is stopped (and so restarted) instead.
    fn schedule_reload(&mut self, p: usize, node: usize) {
        let prim = &mut self.prims[p];
        if !prim.managed || prim.failed {
            return;
        }
        if prim.start_pending {
            prim.recover_on.insert(node);
            return;
        }
        prim.reload_on.insert(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Digests recorded by Pacemaker controllers, from Pacemaker's scheduler regression inputs
    // (tests/data/pacemaker-scheduler/xml/, GPL-2.0-or-later test data).

    #[test]
    fn no_parameters() {
        // Every parameterless Dummy's start in the corpus (e.g. bug-5025-3, resource B).
        assert_eq!(canonical_text(&BTreeMap::new()), " <parameters/>\n");
        assert_eq!(
            to_hex(&digest(&BTreeMap::new())),
            "f2317cad3d54cec5d7d7aa7d0bf35cf8"
        );
    }

    #[test]
    fn fence_device_start() {
        // bug-5025-1: virt-fencing's start, parameters in byte order of their names.
        let p = params(&[
            ("pcmk_host_check", "static-list"),
            ("pcmk_host_list", "fc16-builder,fc16-builder2,fc16-builder3"),
            ("action", "reboot"),
            ("debug", "1"),
        ]);
        assert_eq!(to_hex(&digest(&p)), "7e3dbcf6815893c8d95c1b9fa1fd82ae");
    }

    #[test]
    fn recurring_monitor_includes_its_timeout() {
        // restart-with-extra-op-params: dummy1's 10 s monitor with a 20 s timeout.
        let p = params(&[
            ("passwd", "whatever"),
            ("fake", "foo"),
            ("CRM_meta_timeout", "20000"),
        ]);
        assert_eq!(to_hex(&digest(&p)), "f9a51bfe2c3d74c3b72202f3101682b7");
        // ... its start (no timeout), and the restart digest over `passwd` alone.
        let start = params(&[("passwd", "whatever"), ("fake", "foo")]);
        assert_eq!(to_hex(&digest(&start)), "457016173e548c394dcf3896e3066412");
        let restart = params(&[("passwd", "whatever")]);
        assert_eq!(
            to_hex(&digest(&restart)),
            "5de129d7fe42dbcfe537f2c63b1921b6"
        );
    }

    #[test]
    fn values_are_escaped_as_pacemaker_does() {
        let p = params(&[("a", "<&\"'>"), ("b", "x\ty\nz\u{1}"), ("c", "é<")]);
        assert_eq!(
            canonical_text(&p),
            " <parameters a=\"&lt;&amp;&quot;&apos;&gt;\" b=\"x    y\\nz\\001\" c=\"é<\"/>\n"
        );
    }

    /// A status where `vip` was started on node1 with parameters whose digests are given.
    fn started_with(all: &BTreeMap<String, String>, reload: bool) -> crate::ClusterStatus {
        let mut st = crate::testkit::online(&["node1", "node2"]);
        for n in ["node1", "node2"] {
            st.probed_stopped("vip", n);
        }
        st.running("vip", "node1");
        let h = st.history.iter_mut().find(|h| h.node == "node1").unwrap();
        let start = h.ops.last_mut().unwrap();
        start.digests = Some(Box::new(OpDigests {
            all: Some(Digest::Md5(digest(all))),
            // Only `ip` needs a restart.
            restart: reload.then(|| {
                Box::new(crate::status::PartialDigest {
                    digest: Digest::Md5(digest(&params(&[("ip", "10.0.0.1")]))),
                    params: Some(" ip ".into()),
                })
            }),
            ..OpDigests::default()
        }));
        st
    }

    fn actions(model: &Model, st: &crate::ClusterStatus) -> Vec<String> {
        crate::schedule(model, st).action_strings(false)
    }

    #[test]
    fn a_changed_definition_restarts_or_reloads() {
        let model = crate::testkit::model_from_yaml(
            &(crate::testkit::yaml(&["node1", "node2"], &[])
                + "resources:\n  vip: { agent: \"ocf:heartbeat:Dummy\", params: { ip: 10.0.0.1, nic: eth1 } }\n"),
        );
        let now = params(&[("ip", "10.0.0.1"), ("nic", "eth1")]);
        // Phase 1: unchanged parameters, nothing to do.
        assert!(actions(&model, &started_with(&now, false)).is_empty());
        // Phase 2: `nic` changed and the agent cannot reload: restart in place.
        let before = params(&[("ip", "10.0.0.1"), ("nic", "eth0")]);
        assert_eq!(
            actions(&model, &started_with(&before, false)),
            ["start vip on node1", "stop vip on node1"]
        );
        // Phase 3: the agent can reload and `nic` is not a restart parameter: reload.
        assert_eq!(
            actions(&model, &started_with(&before, true)),
            ["reload vip on node1"]
        );
        // Phase 4: no digest recorded (a status built in code): nothing is compared.
        let mut st = started_with(&before, false);
        for h in &mut st.history {
            for op in &mut h.ops {
                op.digests = None;
            }
        }
        assert!(actions(&model, &st).is_empty());
    }

    #[test]
    fn recorded_digests_parse() {
        assert_eq!(
            Digest::parse("f2317cad3d54cec5d7d7aa7d0bf35cf8"),
            Digest::Md5(digest(&BTreeMap::new()))
        );
        assert!(matches!(Digest::parse("f2317cad"), Digest::Other(_)));
        assert!(matches!(
            Digest::parse("g2317cad3d54cec5d7d7aa7d0bf35cf8"),
            Digest::Other(_)
        ));
    }
}
