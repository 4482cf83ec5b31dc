//! One test per clone and promotable-clone rule (`clone`, `promote`), each on a small cluster
//! written as YAML with a status built in code; the expected decisions are those of Pacemaker
//! 2.1.5's `crm_simulate` (the differential test compares whole random clusters with it).

use crate::status::{ClusterStatus, OpRecord};
use crate::testkit::online;
use crate::tests::{acts, run, summary};
use crate::{Placement, Schedule};

/// Nodes `n1..`, fencing off, and `body` (resources, clones, constraints).
fn cluster(nodes: &[&str], body: &str) -> String {
    crate::tests::cluster(nodes, "", body)
}

fn nodes_of(s: &Schedule, r: &str) -> Vec<String> {
    match s.placements.get(r) {
        Some(Placement::Many(v)) => v.clone(),
        Some(Placement::On(n)) => vec![n.clone()],
        _ => Vec::new(),
    }
}

const CLONE: &str =
    "resources:\n  r: { agent: \"ocf:heartbeat:Dummy\" }\nclones:\n  c: { resource: r }\n";

/// The clone `c` of `r`, with `vip` too when the constraints name it.
fn clone_with(meta: &str, constraints: &str) -> String {
    let mut y = String::from("resources:\n  r: { agent: \"ocf:heartbeat:Dummy\" }\n");
    if constraints.contains("vip") {
        y.push_str("  vip: { agent: \"ocf:heartbeat:Dummy\" }\n");
    }
    y.push_str("clones:\n");
    y.push_str(&format!("  c: {{ resource: r{meta} }}\n"));
    y.push_str(constraints);
    y
}

const N3: &[&str] = &["n1", "n2", "n3"];

#[test]
fn a_clone_runs_one_instance_on_every_node_by_default() {
    let s = run(&cluster(N3, CLONE), &online(N3));
    assert_eq!(nodes_of(&s, "r"), vec!["n1", "n2", "n3"]);
    // A placement of a clone's primitive is always a list, even of one node.
    assert!(matches!(s.placements.get("r"), Some(Placement::Many(_))));
    assert!(acts(&s).contains(&"start r on n3".to_string()));
    let sum = summary(&s);
    assert!(sum.contains(&"Start r:0 ( n1 )".to_string()), "{sum:?}");
    assert!(sum.contains(&"Start r:2 ( n3 )".to_string()), "{sum:?}");
}

#[test]
fn clone_max_limits_the_instances_and_running_ones_stay() {
    let y = cluster(N3, &clone_with(", meta: { clone-max: 2 }", ""));
    let s = run(&y, &online(N3));
    assert_eq!(nodes_of(&s, "r"), vec!["n1", "n2"]);
    let mut st = online(N3);
    st.running("r", "n2").running("r", "n3");
    let s = run(&y, &st);
    assert_eq!(nodes_of(&s, "r"), vec!["n2", "n3"]);
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
}

#[test]
fn history_is_matched_to_instances_node_by_node() {
    // The same primitive id on two nodes is two instances; a probe is needed once per node.
    let mut st = online(N3);
    st.running("r", "n1").running("r", "n2");
    let s = run(&cluster(N3, CLONE), &st);
    assert_eq!(summary(&s), vec!["Start r:2 ( n3 )".to_string()]);
    let probes: Vec<String> = s
        .action_strings(true)
        .into_iter()
        .filter(|a| a.starts_with("probe r "))
        .collect();
    assert_eq!(probes, vec!["probe r on n3".to_string()]);
}

#[test]
fn a_failed_instance_bans_the_whole_clone_from_its_node() {
    let y = cluster(
        N3,
        &clone_with(", meta: { clone-max: 2 }", "").replace(
            "resources:\n",
            "rsc_defaults: { migration-threshold: 1 }\nresources:\n",
        ),
    );
    let mut st = online(N3);
    st.running("r", "n1").running("r", "n2");
    st.failed("r", "n1", "monitor", 10000, 1);
    st.set_transient("n1", "fail-count-r", "1");
    let s = run(&y, &st);
    assert_eq!(nodes_of(&s, "r"), vec!["n2", "n3"]);
    assert_eq!(summary(&s), vec!["Recover r:0 ( n1 -> n3 )".to_string()]);
}

#[test]
fn locations_on_the_clone_apply_to_every_instance() {
    let y = cluster(
        N3,
        &clone_with(
            ", meta: { clone-max: 2 }",
            "constraints:\n  location:\n    - { resource: c, node: n3, score: 100 }\n    - { resource: c, node: n1, score: -INFINITY }\n",
        ),
    );
    let s = run(&y, &online(N3));
    assert_eq!(nodes_of(&s, "r"), vec!["n2", "n3"]);
}

#[test]
fn a_resource_colocated_with_a_clone_runs_where_an_instance_runs() {
    let y = cluster(
        N3,
        &clone_with(
            ", meta: { clone-max: 1 }",
            "constraints:\n  location:\n    - { resource: c, node: n2, score: 50 }\n  colocation:\n    - { resource: vip, with: c, score: INFINITY }\n  order:\n    - { first: c, then: vip }\n",
        ),
    );
    let s = run(&y, &online(N3));
    assert_eq!(nodes_of(&s, "r"), vec!["n2"]);
    assert_eq!(s.placements.get("vip"), Some(&Placement::On("n2".into())));
    // "c then vip": vip's start comes after the instance's start.
    let t = &s.transition;
    let idx = |x: &str| {
        t.actions
            .iter()
            .position(|a| a.graph_string() == x)
            .unwrap()
    };
    let (r_start, vip_start) = (idx("start r on n2"), idx("start vip on n2"));
    assert!(t.edges.contains(&(r_start, vip_start)), "{:?}", t.edges);
}

#[test]
fn an_instance_starting_elsewhere_does_not_restart_what_is_ordered_after_the_clone() {
    // The clone's "running" counts as required for `vip` only when an instance starts on
    // vip's node (crm_simulate judges a clone's flags per node of the "then" action).
    let y = cluster(
        N3,
        &clone_with(
            ", meta: { clone-max: 2 }",
            "constraints:\n  order:\n    - { first: c, then: vip }\n",
        )
        .replace(
            "resources:\n",
            "rsc_defaults: { resource-stickiness: 100 }\nresources:\n",
        ),
    );
    let mut st = online(N3);
    st.running("r", "n1").running("vip", "n1");
    let s = run(&y, &st);
    assert_eq!(summary(&s), vec!["Start r:1 ( n2 )".to_string()]);
}

/// The promotable clone `ms` of `db`, with `vip` too when the constraints name it.
fn promotable(meta: &str, constraints: &str) -> String {
    let vip = if constraints.contains("vip") {
        "  vip: { agent: \"ocf:heartbeat:Dummy\" }\n"
    } else {
        ""
    };
    format!(
        "resources:\n  db: {{ agent: \"ocf:pacemaker:Stateful\" }}\n{vip}clones:\n  ms: {{ resource: db, promotable: true{meta} }}\n{constraints}"
    )
}

const N2: &[&str] = &["n1", "n2"];

fn unpromoted_on_both() -> ClusterStatus {
    let mut st = online(N2);
    st.running("db", "n1").running("db", "n2");
    st
}

#[test]
fn the_instance_with_the_best_promotion_score_is_promoted() {
    let mut st = unpromoted_on_both();
    st.set_transient("n1", "master-db", "5");
    st.set_transient("n2", "master-db", "10");
    let s = run(&cluster(N2, &promotable("", "")), &st);
    assert_eq!(acts(&s), vec!["promote db on n2".to_string()]);
    assert_eq!(
        summary(&s),
        vec!["Promote db:1 ( Unpromoted -> Promoted n2 )".to_string()]
    );
}

#[test]
fn without_a_promotion_score_nothing_is_promoted() {
    let s = run(&cluster(N2, &promotable("", "")), &unpromoted_on_both());
    assert!(acts(&s).is_empty(), "{:?}", acts(&s));
}

#[test]
fn promoted_max_and_promoted_role_locations() {
    let mut st = unpromoted_on_both();
    st.set_transient("n1", "master-db", "5");
    st.set_transient("n2", "master-db", "10");
    // Two may be promoted.
    let s = run(
        &cluster(N2, &promotable(", meta: { promoted-max: 2 }", "")),
        &st,
    );
    assert_eq!(
        acts(&s),
        vec![
            "promote db on n1".to_string(),
            "promote db on n2".to_string()
        ]
    );
    // A location for the promoted role outweighs the scores.
    let loc =
        "constraints:\n  location:\n    - { resource: ms, role: Promoted, node: n1, score: 100 }\n";
    let s = run(&cluster(N2, &promotable("", loc)), &st);
    assert_eq!(acts(&s), vec!["promote db on n1".to_string()]);
}

#[test]
fn a_promoted_instance_without_a_score_is_demoted_and_a_better_one_promoted() {
    let mut st = online(N2);
    st.record("db", "n1", OpRecord::done("promote", 0, 0, 0, 1));
    st.running("db", "n2");
    st.set_transient("n2", "master-db", "10");
    let s = run(&cluster(N2, &promotable("", "")), &st);
    assert_eq!(
        acts(&s),
        vec![
            "demote db on n1".to_string(),
            "promote db on n2".to_string()
        ]
    );
    assert_eq!(
        summary(&s),
        vec![
            "Demote db:0 ( Promoted -> Unpromoted n1 )".to_string(),
            "Promote db:1 ( Unpromoted -> Promoted n2 )".to_string()
        ]
    );
}

#[test]
fn a_resource_colocated_with_the_promoted_role_follows_the_promoted_instance() {
    let mut st = unpromoted_on_both();
    st.set_transient("n1", "master-db", "5");
    st.set_transient("n2", "master-db", "10");
    let c = "constraints:\n  colocation:\n    - { resource: vip, with: ms, with-role: Promoted, score: INFINITY }\n";
    let s = run(&cluster(N2, &promotable("", c)), &st);
    assert_eq!(s.placements.get("vip"), Some(&Placement::On("n2".into())));
}

#[test]
fn a_stopped_instance_is_started_and_promoted_in_one_transition() {
    let mut st = online(N2);
    st.probed_stopped("db", "n1").probed_stopped("db", "n2");
    st.set_transient("n1", "master-db", "10");
    let s = run(
        &cluster(N2, &promotable(", meta: { clone-max: 1 }", "")),
        &st,
    );
    assert_eq!(
        acts(&s),
        vec!["promote db on n1".to_string(), "start db on n1".to_string()]
    );
    assert_eq!(
        summary(&s),
        vec!["Promote db:0 ( Stopped -> Promoted n1 )".to_string()]
    );
}
