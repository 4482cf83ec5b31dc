//! `quorate apply --pacemaker` against a file-backed CIB (`CIB_file=`), with the real
//! `cibadmin`, `crm_diff`, `crm_attribute` and `crm_verify`: apply, apply again (no change),
//! change the desired state and apply, dry runs change nothing, runtime-owned parts survive,
//! and a concurrent edit between read and patch is detected and refused.

mod common;

use common::repo_root as repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> common::Scratch {
    common::scratch("apply", name)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("command runs")
}

fn quorate(cib: &Path, args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(args)
        .env("CIB_file", cib)
        .env("NO_COLOR", "1"))
}

fn empty_cib(dir: &Path) -> PathBuf {
    let out = run(Command::new("cibadmin").arg("--empty"));
    assert!(
        out.status.success(),
        "cibadmin --empty (install pacemaker-cli-utils)"
    );
    let p = dir.join("cib.xml");
    std::fs::write(&p, &out.stdout).unwrap();
    p
}

fn query(cib: &Path) -> String {
    let out = run(Command::new("cibadmin").arg("--query").env("CIB_file", cib));
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn epoch(cib: &Path) -> u64 {
    let q = query(cib);
    let doc = roxmltree::Document::parse(&q).unwrap();
    doc.root_element()
        .attribute("epoch")
        .unwrap()
        .parse()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn apply_converges_and_is_idempotent_and_dry_run_changes_nothing() {
    let s = scratch("converge");
    let cib = empty_cib(&s.0);
    let example = repo().join("examples/two-node-apache");
    let ex = example.to_str().unwrap();

    let before = std::fs::read(&cib).unwrap();
    let dry = quorate(&cib, &["apply", "--pacemaker", "--dry-run", ex]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        text(&dry).contains("<group id=\"WebServerGroup\">"),
        "{}",
        text(&dry)
    );
    assert_eq!(
        std::fs::read(&cib).unwrap(),
        before,
        "--dry-run must not touch the CIB"
    );

    let first = quorate(&cib, &["apply", "--pacemaker", ex]);
    assert!(first.status.success(), "{}", text(&first));
    let q = query(&cib);
    assert!(
        q.contains("id=\"ClusterVIP\"") && q.contains("location-ipmi-node1-node1--INFINITY"),
        "{q}"
    );
    let e1 = epoch(&cib);

    let again = quorate(&cib, &["apply", "--pacemaker", ex]);
    assert!(again.status.success());
    assert!(text(&again).contains("no changes"), "{}", text(&again));
    assert_eq!(epoch(&cib), e1, "a converged CIB is not rewritten");

    // The applied configuration passes the real verifier's schema and semantic checks.
    let v = run(Command::new("crm_verify").arg("--xml-file").arg(&cib));
    assert!(!text(&v).contains("error"), "{}", text(&v));
}

#[test]
fn a_changed_desired_state_is_applied_and_runtime_parts_survive() {
    let s = scratch("change");
    let cib = empty_cib(&s.0);
    let desired = s.0.join("desired");
    std::fs::create_dir_all(&desired).unwrap();
    let original =
        std::fs::read_to_string(repo().join("examples/two-node-apache/cluster.yaml")).unwrap();
    std::fs::write(desired.join("cluster.yaml"), &original).unwrap();
    let d = desired.to_str().unwrap();
    assert!(quorate(&cib, &["apply", "--pacemaker", d]).status.success());

    // An operator puts node1 in standby and moves the group by hand.
    let st = run(Command::new("crm_attribute")
        .args(["--node", "node1", "--name", "standby", "--update", "on"])
        .env("CIB_file", &cib));
    assert!(st.status.success(), "{}", text(&st));
    let mv = run(Command::new("cibadmin")
        .args(["--create", "-o", "constraints", "-X"])
        .arg(r#"<rsc_location id="cli-prefer-WebServerGroup" rsc="WebServerGroup" node="node2" score="INFINITY"/>"#)
        .env("CIB_file", &cib));
    assert!(mv.status.success(), "{}", text(&mv));

    // The VIP moves to another address in git.
    std::fs::write(
        desired.join("cluster.yaml"),
        original.replace("ip: 192.168.1.100", "ip: 192.168.1.200"),
    )
    .unwrap();
    let dry = quorate(&cib, &["apply", "--pacemaker", "--dry-run", d]);
    let dt = text(&dry);
    assert!(dt.contains("value=192.168.1.200"), "{dt}");
    assert!(
        !dt.contains("standby") && !dt.contains("cli-prefer"),
        "runtime parts are not touched: {dt}"
    );
    let applied = quorate(&cib, &["apply", "--pacemaker", d]);
    assert!(applied.status.success(), "{}", text(&applied));
    let q = query(&cib);
    assert!(q.contains(r#"value="192.168.1.200""#), "{q}");
    assert!(!q.contains(r#"value="192.168.1.100""#), "{q}");
    assert!(
        q.contains("cli-prefer-WebServerGroup"),
        "runtime constraint kept: {q}"
    );
    assert!(
        q.contains(r#"name="standby" value="on""#),
        "standby kept: {q}"
    );
}

#[test]
fn a_concurrent_edit_is_detected_and_nothing_is_applied() {
    let s = scratch("race");
    let cib = empty_cib(&s.0);
    let ex = repo().join("examples/two-node-apache");
    assert!(
        quorate(&cib, &["apply", "--pacemaker", ex.to_str().unwrap()])
            .status
            .success()
    );
    let e1 = epoch(&cib);
    let other = repo().join("examples/mysql-shared-storage");
    // Someone changes a property between quorate's read and its patch.
    let out = run(Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(["apply", "--pacemaker", other.to_str().unwrap()])
        .env("CIB_file", &cib)
        .env(
            "QUORATE_FAULT_BEFORE_PATCH",
            "crm_attribute --type crm_config --name cluster-delay --update 61s",
        ));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("concurrent edit"), "{}", text(&out));
    let q = query(&cib);
    assert!(
        q.contains(r#"name="cluster-delay" value="61s""#),
        "the other edit stays: {q}"
    );
    assert!(!q.contains("mysql"), "quorate applied nothing: {q}");
    assert_eq!(
        epoch(&cib),
        e1 + 1,
        "only the concurrent edit moved the epoch"
    );
}
