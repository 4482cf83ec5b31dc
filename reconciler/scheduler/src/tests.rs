//! One test per scheduling rule, each on a small cluster written as YAML and a status built in
//! code; the expected decisions are Pacemaker 2.1.5's (the comment names the regression input
//! that shows the same rule where there is one).

use crate::status::{ClusterStatus, NodeState, NodeStatus, OpRecord};
use crate::testkit::{model_from_yaml, online};
use crate::{schedule, ActionKind, Placement, Schedule};

/// A cluster of `nodes` with `properties` (YAML lines under `properties:`) and `body`.
pub(crate) fn cluster(nodes: &[&str], properties: &str, body: &str) -> String {
    let mut y = String::from("version: 1\ncluster: t\nnodes:\n");
    for (i, n) in nodes.iter().enumerate() {
        y.push_str(&format!(
            "  - {{ name: {n}, id: {}, addrs: [{n}] }}\n",
            i + 1
        ));
    }
    y.push_str("properties:\n");
    if properties.is_empty() {
        y.push_str("  stonith-enabled: false\n  no-quorum-policy: ignore\n");
    } else {
        y.push_str(properties);
    }
    y.push_str(body);
    y
}

pub(crate) fn run(yaml: &str, st: &ClusterStatus) -> Schedule {
    schedule(&model_from_yaml(yaml), st)
}

fn on(s: &Schedule, r: &str) -> Option<String> {
    match s.placements.get(r) {
        Some(Placement::On(n)) => Some(n.clone()),
        Some(Placement::Stopped) | None => None,
        Some(Placement::Many(v)) => Some(v.join(",")),
    }
}

pub(crate) fn acts(s: &Schedule) -> Vec<String> {
    s.action_strings(false)
}

/// Summary lines with runs of spaces collapsed (the real lines are column-aligned).
pub(crate) fn summary(s: &Schedule) -> Vec<String> {
    s.summary
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

const DUMMY: &str = "{ agent: \"ocf:heartbeat:Dummy\" }";

fn prims(ids: &[&str]) -> String {
    let mut y = String::from("resources:\n");
    for id in ids {
        y.push_str(&format!("  {id}: {DUMMY}\n"));
    }
    y
}

#[test]
fn equal_scores_spread_by_assigned_count_then_name() {
    // rsc_dep1/rsc_dep2: with all-zero scores, the least-loaded node wins, then the name.
    let y = cluster(&["n1", "n2"], "", &prims(&["a", "b", "c"]));
    let s = run(&y, &online(&["n1", "n2"]));
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert_eq!(on(&s, "b").as_deref(), Some("n2"));
    assert_eq!(on(&s, "c").as_deref(), Some("n1"));
    assert_eq!(
        acts(&s),
        vec!["start a on n1", "start b on n2", "start c on n1"]
    );
}

#[test]
fn location_scores_and_uname_rules() {
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: a, node: n2, score: 100 }}\n    - {{ resource: b, rules: [ {{ score: -INFINITY, expressions: [ {{ attribute: \"#uname\", operation: ne, value: n3 }} ] }} ] }}\n",
        prims(&["a", "b"])
    );
    let y = cluster(&["n1", "n2", "n3"], "", &body);
    let s = run(&y, &online(&["n1", "n2", "n3"]));
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
    assert_eq!(
        on(&s, "b").as_deref(),
        Some("n3"),
        "`#uname ne n3` bans every other node"
    );
}

#[test]
fn negative_infinity_everywhere_leaves_a_resource_stopped_and_stops_it() {
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: a, node: n1, score: -INFINITY }}\n",
        prims(&["a"])
    );
    let y = cluster(&["n1"], "", &body);
    let mut st = online(&["n1"]);
    st.running("a", "n1");
    let s = run(&y, &st);
    assert_eq!(on(&s, "a"), None);
    assert_eq!(acts(&s), vec!["stop a on n1"]);
    assert_eq!(
        s.transition.actions[0].reason.as_deref(),
        Some("node availability")
    );
}

#[test]
fn stickiness_keeps_a_resource_where_it_runs() {
    // simple8: without stickiness a 50-point preference moves the resource; with 100 it stays.
    let body = |stick: &str| {
        format!(
            "rsc_defaults: {{ resource-stickiness: {stick} }}\n{}constraints:\n  location:\n    - {{ resource: a, node: n2, score: 50 }}\n",
            prims(&["a"])
        )
    };
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1");
    let s = run(&cluster(&["n1", "n2"], "", &body("0")), &st);
    assert_eq!(acts(&s), vec!["start a on n2", "stop a on n1"]);
    assert_eq!(summary(&s), vec!["Move a ( n1 -> n2 )"]);
    let s = run(&cluster(&["n1", "n2"], "", &body("100")), &st);
    assert!(acts(&s).is_empty());
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
}

#[test]
fn a_tie_keeps_the_current_node_only_when_the_score_is_positive() {
    // group9: a running resource with score 0 everywhere may move to a less loaded node.
    let y = cluster(&["n1", "n2"], "", &prims(&["a", "b"]));
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1").running("b", "n1");
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert_eq!(
        on(&s, "b").as_deref(),
        Some("n2"),
        "b moves to the emptier node"
    );
}

#[test]
fn infinite_colocation_follows_the_primary_and_minus_infinity_avoids_it() {
    // rsc_dep3/rsc_dep7 and rsc_dep1.
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: p, node: n2, score: 10 }}\n  colocation:\n    - {{ resource: d, with: p, score: INFINITY }}\n    - {{ resource: x, with: p, score: -INFINITY }}\n",
        prims(&["p", "d", "x"])
    );
    let y = cluster(&["n1", "n2"], "", &body);
    let s = run(&y, &online(&["n1", "n2"]));
    assert_eq!(on(&s, "p").as_deref(), Some("n2"));
    assert_eq!(on(&s, "d").as_deref(), Some("n2"));
    assert_eq!(on(&s, "x").as_deref(), Some("n1"));
}

#[test]
fn infinite_colocation_with_a_stopped_primary_stops_the_dependent() {
    // rsc_dep10/group13.
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: p, node: n1, score: -INFINITY }}\n  colocation:\n    - {{ resource: d, with: p, score: INFINITY }}\n",
        prims(&["p", "d"])
    );
    let y = cluster(&["n1"], "", &body);
    let s = run(&y, &online(&["n1"]));
    assert_eq!(on(&s, "p"), None);
    assert_eq!(on(&s, "d"), None);
}

#[test]
fn finite_colocation_scales_the_dependents_preference_onto_the_primary() {
    // coloc_fp_logic: A with B 500000; B stays (its own stickiness beats half of A's), A follows.
    let body = format!(
        "rsc_defaults: {{ resource-stickiness: 100 }}\n{}constraints:\n  colocation:\n    - {{ resource: a, with: b, score: 500000 }}\n",
        prims(&["a", "b"])
    );
    let y = cluster(&["n1", "n2"], "", &body);
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1").running("b", "n2");
    let s = run(&y, &st);
    assert_eq!(on(&s, "b").as_deref(), Some("n2"));
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
    assert_eq!(acts(&s), vec!["start a on n2", "stop a on n1"]);
}

#[test]
fn a_group_runs_together_in_order_and_a_member_that_cannot_run_stops_the_rest() {
    let body = format!(
        "{}groups:\n  g: [a, b, c]\nconstraints:\n  location:\n    - {{ resource: g, node: n2, score: 10 }}\n    - {{ resource: b, node: n2, score: -INFINITY }}\n",
        prims(&["a", "b", "c"])
    );
    let y = cluster(&["n1", "n2"], "", &body);
    let s = run(&y, &online(&["n1", "n2"]));
    // b cannot run on n2, where a prefers to be, so the whole group goes to n1 (bug-n-385265-2).
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert_eq!(on(&s, "b").as_deref(), Some("n1"));
    assert_eq!(on(&s, "c").as_deref(), Some("n1"));
    let st_act = |r: &str| {
        s.transition
            .actions
            .iter()
            .position(|x| x.kind == ActionKind::Start && x.resource.as_deref() == Some(r))
            .unwrap()
    };
    assert!(
        s.transition.edges.contains(&(st_act("a"), st_act("b"))),
        "a starts before b"
    );
    assert!(
        s.transition.edges.contains(&(st_act("b"), st_act("c"))),
        "b starts before c"
    );
    // With b banned everywhere, a still runs and c stops with b (group13, 994).
    let body = format!(
        "{}groups:\n  g: [a, b, c]\nconstraints:\n  location:\n    - {{ resource: b, node: n1, score: -INFINITY }}\n",
        prims(&["a", "b", "c"])
    );
    let mut st = online(&["n1"]);
    st.running("a", "n1").running("b", "n1").running("c", "n1");
    let s = run(&cluster(&["n1"], "", &body), &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert_eq!(on(&s, "b"), None);
    assert_eq!(on(&s, "c"), None);
    assert_eq!(acts(&s), vec!["stop b on n1", "stop c on n1"]);
}

#[test]
fn a_mandatory_order_restarts_then_when_first_restarts_and_blocks_it_when_first_cannot_run() {
    // order6/order7.
    let body = format!(
        "{}constraints:\n  order:\n    - {{ first: a, then: b, kind: Mandatory }}\n",
        prims(&["a", "b"])
    );
    let y = cluster(&["n1"], "", &body);
    let mut st = online(&["n1"]);
    st.failed("a", "n1", "monitor", 10_000, 1);
    st.running("b", "n1");
    let s = run(&y, &st);
    assert_eq!(
        acts(&s),
        vec![
            "start a on n1",
            "start b on n1",
            "stop a on n1",
            "stop b on n1"
        ]
    );
    assert!(
        summary(&s).contains(&"Recover a ( n1 )".to_string()),
        "{:?}",
        s.summary
    );
    assert!(
        summary(&s)
            .iter()
            .any(|l| l.starts_with("Restart b ( n1 )")),
        "{:?}",
        s.summary
    );
    // a cannot run anywhere: b cannot start.
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: a, node: n1, score: -INFINITY }}\n  order:\n    - {{ first: a, then: b, kind: Mandatory }}\n",
        prims(&["a", "b"])
    );
    let s = run(&cluster(&["n1"], "", &body), &online(&["n1"]));
    assert_eq!(on(&s, "b"), None);
    assert!(acts(&s).is_empty());
    // An optional order changes nothing.
    let body = format!(
        "{}constraints:\n  location:\n    - {{ resource: a, node: n1, score: -INFINITY }}\n  order:\n    - {{ first: a, then: b, kind: Optional }}\n",
        prims(&["a", "b"])
    );
    let s = run(&cluster(&["n1"], "", &body), &online(&["n1"]));
    assert_eq!(on(&s, "b").as_deref(), Some("n1"));
}

#[test]
fn migration_threshold_bans_a_node_once_reached() {
    // simple4/rec-rsc-1.
    let body = "rsc_defaults: { migration-threshold: 2 }\nresources:\n  a: { agent: \"ocf:heartbeat:Dummy\" }\n";
    let y = cluster(&["n1", "n2"], "", body);
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1");
    st.set_transient("n1", "fail-count-a", "1");
    assert_eq!(
        on(&run(&y, &st), "a").as_deref(),
        Some("n1"),
        "one failure of two allowed"
    );
    st.set_transient("n1", "fail-count-a", "2");
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
}

#[test]
fn failure_timeout_expires_a_fail_count() {
    let body = "rsc_defaults: { migration-threshold: 1, failure-timeout: 60s }\nresources:\n  a: { agent: \"ocf:heartbeat:Dummy\" }\n";
    let y = cluster(&["n1", "n2"], "", body);
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1");
    st.set_transient("n1", "fail-count-a", "1");
    st.set_transient("n1", "last-failure-a", "1000");
    st.now_epoch_s = Some(1030);
    assert_eq!(
        on(&run(&y, &st), "a").as_deref(),
        Some("n2"),
        "not yet expired"
    );
    st.now_epoch_s = Some(1100);
    let s = run(&y, &st);
    assert_eq!(
        on(&s, "a").as_deref(),
        Some("n1"),
        "expired: the fail count no longer counts"
    );
    assert!(acts(&s).is_empty());
    // An expired failed operation is forgotten and its fail count cleared.
    let mut op = OpRecord::done("monitor", 10_000, 1, 0, 9);
    op.last_rc_change = Some(1000);
    st.record("a", "n1", op);
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
    assert!(s
        .action_strings(true)
        .contains(&"clear_failcount a on n1".to_string()));
    st.now_epoch_s = Some(1030);
    let s = run(&y, &st);
    assert_eq!(
        on(&s, "a").as_deref(),
        Some("n2"),
        "unexpired: recovered elsewhere"
    );
}

#[test]
fn on_fail_variants() {
    let y = |on_fail: &str| {
        cluster(
            &["n1", "n2"],
            "",
            &format!("resources:\n  a: {{ agent: \"ocf:heartbeat:Dummy\", ops: {{ monitor: {{ interval: 10s, on-fail: {on_fail} }} }} }}\n"),
        )
    };
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1");
    st.failed("a", "n1", "monitor", 10_000, 7);
    // restart: recover in place (rec-rsc-2).
    let s = run(&y("restart"), &st);
    assert_eq!(acts(&s), vec!["start a on n1", "stop a on n1"]);
    assert_eq!(summary(&s), vec!["Recover a ( n1 )"]);
    // ignore: nothing (on-fail-ignore).
    assert!(acts(&run(&y("ignore"), &st)).is_empty());
    // block: nothing may be done (rec-rsc-4).
    let s = run(&y("block"), &st);
    assert!(acts(&s).is_empty());
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    // stop: stopped everywhere (monitor-onfail-stop).
    let s = run(&y("stop"), &st);
    assert_eq!(acts(&s), vec!["stop a on n1"]);
    // standby: the node goes into standby and the resource moves.
    let s = run(&y("standby"), &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
}

#[test]
fn a_failed_start_with_start_failure_fail_count_moves_the_resource() {
    let y = cluster(&["n1", "n2"], "", &prims(&["a"]));
    let mut st = online(&["n1", "n2"]);
    st.failed("a", "n1", "start", 0, 1);
    st.set_transient("n1", "fail-count-a", "INFINITY");
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
    assert_eq!(acts(&s), vec!["start a on n2", "stop a on n1"]);
}

#[test]
fn standby_and_maintenance_nodes() {
    let y = cluster(&["n1", "n2"], "", &prims(&["a", "b"]));
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1").running("b", "n2");
    st.set_transient("n1", "standby", "on");
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n2"), "standby empties a node");
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1");
    st.set_transient("n1", "maintenance", "true");
    st.failed("a", "n1", "monitor", 10_000, 7);
    let s = run(&y, &st);
    assert_eq!(
        on(&s, "a").as_deref(),
        Some("n1"),
        "resources on a maintenance node are left alone"
    );
    assert!(
        acts(&s).iter().all(|a| !a.contains(" a ")),
        "{:?}",
        acts(&s)
    );
}

#[test]
fn unmanaged_and_maintenance_mode_leave_resources_alone() {
    let mut st = online(&["n1"]);
    st.failed("a", "n1", "monitor", 10_000, 1);
    let y = cluster(
        &["n1"],
        "",
        "resources:\n  a: { agent: \"ocf:heartbeat:Dummy\", meta: { is-managed: false } }\n",
    );
    assert!(acts(&run(&y, &st)).is_empty());
    let y = cluster(
        &["n1"],
        "  stonith-enabled: false\n  no-quorum-policy: ignore\n  maintenance-mode: true\n",
        &prims(&["a", "b"]),
    );
    let s = run(&y, &st);
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
    assert_eq!(on(&s, "b"), None, "nothing starts in maintenance mode");
}

#[test]
fn target_role_stopped_stops() {
    // group11, bug-5014-A-stop-B-started.
    let y = cluster(
        &["n1"],
        "",
        "resources:\n  a: { agent: \"ocf:heartbeat:Dummy\", meta: { target-role: Stopped } }\n",
    );
    let mut st = online(&["n1"]);
    st.running("a", "n1");
    let s = run(&y, &st);
    assert_eq!(acts(&s), vec!["stop a on n1"]);
}

#[test]
fn no_quorum_policies() {
    let y = |policy: &str| {
        cluster(
            &["n1", "n2"],
            &format!("  stonith-enabled: false\n  no-quorum-policy: {policy}\n"),
            &prims(&["a", "b"]),
        )
    };
    let mut st = online(&["n1", "n2"]);
    st.have_quorum = false;
    st.running("a", "n1");
    // stop: running resources stop, nothing starts (quorum-3).
    let s = run(&y("stop"), &st);
    assert_eq!(acts(&s), vec!["stop a on n1"]);
    assert_eq!(
        summary(&s),
        vec![
            "Stop a ( n1 ) due to no quorum",
            "Start b ( n2 ) due to no quorum (blocked)"
        ]
    );
    // freeze: running ones stay, stopped ones stay stopped (quorum-2).
    let s = run(&y("freeze"), &st);
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    // ignore: business as usual (quorum-1).
    let s = run(&y("ignore"), &st);
    assert_eq!(acts(&s), vec!["start b on n2"]);
}

#[test]
fn an_unclean_node_is_fenced_before_its_resources_move() {
    // rec-node-4/rec-rsc-5.
    let body = "resources:\n  a: { agent: \"ocf:heartbeat:Dummy\" }\nfencing:\n  devices:\n    f: { agent: \"stonith:fence_dummy\", hosts: [n1, n2] }\n";
    let y = cluster(&["n1", "n2"], "  stonith-enabled: true\n", body);
    let mut st = online(&["n2"]);
    st.set_node(NodeStatus::new("n1", Some(NodeState::lost())));
    st.running("a", "n1").running("f", "n2");
    let s = run(&y, &st);
    assert_eq!(acts(&s), vec!["fence n1", "start a on n2"]);
    assert_eq!(
        s.summary[0],
        "Fence (reboot) n1 'peer is no longer part of the cluster'"
    );
    let fence = s
        .transition
        .actions
        .iter()
        .position(|a| a.kind == ActionKind::Fence)
        .unwrap();
    let start = s
        .transition
        .actions
        .iter()
        .position(|a| a.kind == ActionKind::Start)
        .unwrap();
    assert!(
        s.transition.edges.contains(&(fence, start)),
        "the start waits for the fence"
    );
    assert_eq!(on(&s, "a").as_deref(), Some("n2"));
}

#[test]
fn without_fencing_the_history_of_an_offline_node_is_ignored() {
    // rec-node-3/rec-node-5.
    let y = cluster(&["n1", "n2"], "", &prims(&["a"]));
    let mut st = online(&["n2"]);
    st.set_node(NodeStatus::new("n1", Some(NodeState::lost())));
    st.running("a", "n1");
    let s = run(&y, &st);
    assert_eq!(acts(&s), vec!["start a on n2"]);
}

#[test]
fn an_unfenceable_unclean_node_blocks_recovery() {
    // rec-node-10: fencing enabled but no quorum to fence with.
    let body = "resources:\n  a: { agent: \"ocf:heartbeat:Dummy\" }\nfencing:\n  devices:\n    f: { agent: \"stonith:fence_dummy\", hosts: [n1, n2] }\n";
    let y = cluster(
        &["n1", "n2"],
        "  stonith-enabled: true\n  no-quorum-policy: stop\n",
        body,
    );
    let mut st = online(&["n2"]);
    st.have_quorum = false;
    st.set_node(NodeStatus::new("n1", Some(NodeState::lost())));
    st.running("a", "n1");
    let s = run(&y, &st);
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
}

#[test]
fn multiply_active_resources_are_stopped_everywhere_and_started_once() {
    // rec-rsc-6/multi1.
    let y = cluster(&["n1", "n2"], "", &prims(&["a"]));
    let mut st = online(&["n1", "n2"]);
    st.running("a", "n1").running("a", "n2");
    let s = run(&y, &st);
    assert_eq!(
        acts(&s),
        vec!["start a on n1", "stop a on n1", "stop a on n2"]
    );
}

#[test]
fn probes_for_unknown_resources_and_none_for_known_ones() {
    let y = cluster(&["n1", "n2"], "", &prims(&["a"]));
    let mut st = online(&["n1", "n2"]);
    st.probed_stopped("a", "n1");
    let s = run(&y, &st);
    let with = s.action_strings(true);
    assert!(with.contains(&"probe a on n2".to_string()));
    assert!(!with.contains(&"probe a on n1".to_string()));
    let probe = s
        .transition
        .actions
        .iter()
        .position(|a| a.kind == ActionKind::Probe)
        .unwrap();
    let start = s
        .transition
        .actions
        .iter()
        .position(|a| a.kind == ActionKind::Start)
        .unwrap();
    assert!(s.transition.edges.contains(&(probe, start)));
}

#[test]
fn probed_everywhere_is_a_stopped_probe_of_every_resource_on_every_node() {
    let body = format!(
        "{}groups:\n  g: [c, d]\nconstraints:\n  colocation:\n    - {{ resource: a, with: g, score: 100 }}\n",
        prims(&["a", "b", "c", "d"])
    );
    let y = cluster(&["n1", "n2", "n3"], "", &body);
    let mut recorded = online(&["n1", "n2", "n3"]);
    for r in ["a", "b", "c", "d"] {
        for n in ["n1", "n2", "n3"] {
            recorded.probed_stopped(r, n);
        }
    }
    recorded.running("b", "n3");
    let mut flagged = online(&["n1", "n2", "n3"]);
    flagged.probed_everywhere = true;
    flagged.running("b", "n3");
    let (by_records, by_flag) = (run(&y, &recorded), run(&y, &flagged));
    assert_eq!(by_flag.placements, by_records.placements);
    assert_eq!(
        by_flag.action_strings(true),
        by_records.action_strings(true)
    );
    assert!(by_flag
        .transition
        .actions
        .iter()
        .all(|a| a.kind != ActionKind::Probe));
    assert_eq!(
        on(&by_flag, "b").as_deref(),
        Some("n3"),
        "history still counts"
    );
}

#[test]
fn op_history_is_read_oldest_first_by_call_id() {
    let y = cluster(&["n1"], "", &prims(&["a"]));
    let mut st = online(&["n1"]);
    // Written newest first: the stop (call 5) is newer than the start (call 2).
    st.record("a", "n1", OpRecord::done("stop", 0, 0, 0, 5));
    st.record("a", "n1", OpRecord::done("start", 0, 0, 0, 2));
    let s = run(&y, &st);
    assert_eq!(
        acts(&s),
        vec!["start a on n1"],
        "stopped, so it starts again"
    );
}

#[test]
fn same_input_same_output() {
    let body = format!(
        "{}groups:\n  g: [c, d]\nconstraints:\n  colocation:\n    - {{ resource: a, with: g, score: 100 }}\n  order:\n    - {{ first: b, then: g, kind: Mandatory }}\n",
        prims(&["a", "b", "c", "d"])
    );
    let y = cluster(&["n1", "n2", "n3"], "", &body);
    let mut st = online(&["n1", "n2", "n3"]);
    st.running("c", "n2").running("d", "n2");
    let first = run(&y, &st);
    for _ in 0..5 {
        assert_eq!(run(&y, &st), first);
    }
}

/// rec-rsc-9's situation in a desired state: `b` follows `a` by an optional order, and only
/// with the deprecated `restart-type: restart` does `a`'s recovery restart `b` too.
#[test]
fn restart_type_restart_makes_an_optional_order_restart_then() {
    let y = |meta: &str| {
        cluster(
            &["n1", "n2"],
            "",
            &format!("resources:\n  a: {{ agent: \"ocf:heartbeat:Dummy\" }}\n  b: {{ agent: \"ocf:heartbeat:Dummy\"{meta} }}\nconstraints:\n  order:\n    - {{ first: a, then: b, kind: Optional }}\n  colocation:\n    - {{ resource: b, with: a, score: INFINITY }}\n"),
        )
    };
    let mut st = online(&["n1", "n2"]);
    for r in ["a", "b"] {
        st.probed_stopped(r, "n2");
        st.running(r, "n1");
    }
    st.failed("a", "n1", "monitor", 10_000, 7);
    assert_eq!(
        acts(&run(&y(""), &st)),
        ["start a on n1", "stop a on n1"],
        "an optional order does not restart b"
    );
    assert_eq!(
        acts(&run(&y(", meta: { restart-type: restart }"), &st)),
        [
            "start a on n1",
            "start b on n1",
            "stop a on n1",
            "stop b on n1"
        ],
        "restart-type=restart does"
    );
}

/// unfence-device in a desired state: with a fence_scsi device that provides unfencing, nodes
/// never unfenced are unfenced before the device and the resources that require unfencing
/// are probed or started there; a node already unfenced is left alone.
#[test]
fn unfencing_precedes_probes_and_starts() {
    let body = "resources:\n  a: { agent: \"ocf:heartbeat:Dummy\" }\nfencing:\n  devices:\n    f: { agent: \"stonith:fence_scsi\", hosts: [n1, n2], meta: { provides: unfencing } }\n";
    let y = cluster(&["n1", "n2"], "  stonith-enabled: true\n", body);
    let mut st = online(&["n1", "n2"]);
    st.set_transient("n2", "#node-unfenced", "1700000000");
    let s = run(&y, &st);
    let a = acts(&s);
    assert!(a.contains(&"unfence n1".to_string()), "{a:?}");
    assert!(!a.contains(&"unfence n2".to_string()), "{a:?}");
    // The first probe that needs it (resource order: `a` before `f`) gives the reason.
    assert!(
        s.summary
            .iter()
            .any(|l| l == "Fence (on) n1 'required by a monitor'"),
        "{:?}",
        s.summary
    );
    // The unfencing comes before every probe and start on n1.
    let idx = |t: &str| s.transition.actions.iter().position(|x| x.to_string() == t);
    let u = idx("unfence n1").unwrap();
    let mut waiting = 0;
    for (y, act) in s.transition.actions.iter().enumerate() {
        if act.node == "n1" && matches!(act.kind, ActionKind::Probe | ActionKind::Start) {
            waiting += 1;
            assert!(
                s.transition.edges.contains(&(u, y)),
                "{act} waits for the unfencing"
            );
        }
    }
    assert!(waiting >= 2, "both probes on n1");
    // Without `provides: unfencing` nothing is unfenced.
    let plain = y.replace(", meta: { provides: unfencing }", "");
    assert!(!acts(&run(&plain, &st))
        .iter()
        .any(|a| a.starts_with("unfence")));
}

/// Equal resources are assigned in document order (Pacemaker takes them in CIB order): from a
/// desired state, the order written, across files in load order, not id order. The first
/// assigned takes the emptier node that sorts first.
#[test]
fn equal_resources_are_assigned_in_the_order_written() {
    let head = cluster(&["n1", "n2"], "", "");
    let one = format!(
        "{head}resources:\n  zeta: {{ agent: \"ocf:heartbeat:Dummy\" }}\n  alpha: {{ agent: \"ocf:heartbeat:Dummy\" }}\n"
    );
    let model = model_from_yaml(&one);
    assert_eq!(model.resource_order, ["zeta", "alpha"]);
    let st = online(&["n1", "n2"]);
    let s = schedule(&model, &st);
    assert_eq!(on(&s, "zeta").as_deref(), Some("n1"), "written first");
    assert_eq!(on(&s, "alpha").as_deref(), Some("n2"));
    // Without document order (a model built in memory) ids decide: alpha first.
    let mut by_id = model.clone();
    by_id.resource_order.clear();
    let s = schedule(&by_id, &st);
    assert_eq!(on(&s, "alpha").as_deref(), Some("n1"));
    // Across files: the file loaded first comes first.
    let loaded = quorate_schema::load_sources(vec![
        (
            "a.yaml".into(),
            format!("{head}resources:\n  zeta: {{ agent: \"ocf:heartbeat:Dummy\" }}\n"),
        ),
        (
            "b.yaml".into(),
            "resources:\n  alpha: { agent: \"ocf:heartbeat:Dummy\" }\n  beta: { agent: \"ocf:heartbeat:Dummy\" }\n".into(),
        ),
    ]);
    let merged = quorate_schema::lower_unvalidated(&loaded).0;
    assert_eq!(merged.resource_order, ["zeta", "alpha", "beta"]);
}

#[test]
fn runtime_move_and_ban_constraints_from_the_cib_place_resources() {
    // promoted-stop: `crm_resource --ban` / `--move` leave cli-ban-* / cli-prefer-* locations
    // in the CIB; they are not desired state, but Pacemaker places by them until cleared.
    let y = cluster(&["n1", "n2", "n3"], "", &prims(&["a", "b"]));
    let cib = r#"<cib have-quorum="1"><configuration><nodes>
        <node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3"/></nodes>
        <resources/><constraints>
          <rsc_location id="cli-ban-a-on-n1" rsc="a" node="n1" score="-INFINITY" role="Started"/>
          <rsc_location id="cli-prefer-b" rsc="b" node="n3" score="INFINITY"/>
          <rsc_location id="operator-own" rsc="b" node="n2" score="INFINITY"/>
        </constraints></configuration><status>
          <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
          <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
          <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
        </status></cib>"#;
    let st = ClusterStatus::from_cib_xml(cib).unwrap();
    let ids: Vec<&str> = st.overrides.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        ["cli-ban-a-on-n1", "cli-prefer-b"],
        "only cli-* are overrides"
    );
    let s = run(&y, &st);
    assert_eq!(on(&s, "a").as_deref(), Some("n2"), "banned from n1");
    assert_eq!(on(&s, "b").as_deref(), Some("n3"), "moved to n3");
    // Without the overrides the same cluster spreads a to n1 and b to n2.
    let mut plain = st.clone();
    plain.overrides.clear();
    let s = run(&y, &plain);
    assert_eq!(on(&s, "a").as_deref(), Some("n1"));
    assert_eq!(on(&s, "b").as_deref(), Some("n2"));
}

#[test]
fn what_is_not_scheduled_yet_is_said() {
    // A clone of a group and a globally-unique clone are not decided as Pacemaker would: the
    // schedule says so, so that plan and simulate do not pass a partial transition off as whole.
    let body = format!(
        "{}groups:\n  g: [a, b]\nclones:\n  g-clone: {{ resource: g }}\n  c-clone: {{ resource: c, meta: {{ globally-unique: true }} }}\n",
        prims(&["a", "b", "c"])
    );
    let y = cluster(&["n1", "n2"], "", &body);
    let s = run(&y, &online(&["n1", "n2"]));
    assert_eq!(
        s.unsupported,
        [
            "clone c-clone is globally-unique: it is scheduled as an anonymous clone",
            "clone g-clone of group g is not scheduled yet: its members are left out of the transition",
        ]
    );
    let plain = cluster(&["n1", "n2"], "", &prims(&["a"]));
    assert!(run(&plain, &online(&["n1", "n2"])).unsupported.is_empty());
}
