//! `quorate plan` as CI runs it: snapshot tests (exit code, stdout, stderr) over pairs of
//! commits in git repositories the tests build with git2, a plan against a recorded live CIB,
//! and the GitHub Actions and GitLab CI jobs of `deploy/ci/` run step by step on a repository
//! the test builds. `QUORATE_BLESS=1` rewrites the snapshots in `tests/golden/plan/`.

mod common;

use common::{repo_root, Scratch};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> Scratch {
    common::scratch("plan", name)
}

/// Commits the files (path, content) of `files` on top of HEAD (replacing the tree's cluster/).
fn commit(repo: &git2::Repository, files: &[(&str, String)], message: &str) -> git2::Oid {
    let workdir = repo.workdir().unwrap().to_path_buf();
    let cluster = workdir.join("cluster");
    let _ = std::fs::remove_dir_all(&cluster);
    std::fs::create_dir_all(&cluster).unwrap();
    for (name, text) in files {
        std::fs::write(cluster.join(name), text).unwrap();
    }
    let mut index = repo.index().unwrap();
    index.remove_all(["cluster"], None).unwrap();
    index
        .add_all(["cluster"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new(
        "quorate test",
        "test@quorate.invalid",
        &git2::Time::new(1_700_000_000, 0),
    )
    .unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
        .unwrap()
}

fn example() -> String {
    std::fs::read_to_string(repo_root().join("examples/two-node-apache/cluster.yaml")).unwrap()
}

fn plan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quorate"))
        .arg("plan")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `quorate plan ARGS --format json`, which must exit 0 (without `--exit-code`, changes still
/// do), parsed.
fn plan_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = plan(dir, &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "quorate plan {}: {}",
        all.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn snapshot(name: &str, out: &Output) {
    let got = format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let path = repo_root().join(format!("tests/golden/plan/{name}.txt"));
    if std::env::var_os("QUORATE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(got, want, "snapshot {name} differs");
}

/// A repository whose first commit is the two-node example and whose second applies `change`.
fn two_commits(name: &str, change: impl Fn(String) -> String) -> (Scratch, git2::Repository) {
    let s = scratch(name);
    let repo = git2::Repository::init(&s.0).unwrap();
    commit(&repo, &[("cluster.yaml", example())], "base");
    commit(&repo, &[("cluster.yaml", change(example()))], "change");
    (s, repo)
}

#[test]
fn adding_a_resource() {
    let (s, _r) = two_commits("add", |t| {
        t.replace(
            "groups:",
            "  Backup:\n    agent: ocf:heartbeat:Dummy\n    ops:\n      monitor: { interval: 60s }\n\ngroups:",
        )
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--exit-code"]);
    assert_eq!(out.status.code(), Some(2));
    snapshot("add-resource", &out);
}

#[test]
fn removing_a_resource() {
    let (s, _r) = two_commits("remove", |t| {
        t.replace("  WebServerGroup: [ClusterVIP, WebServer]", "  WebServerGroup: [ClusterVIP]")
            .replace(
                "  WebServer:\n    agent: ocf:heartbeat:apache\n    params:\n      configfile: /etc/httpd/conf/httpd.conf\n      statusurl: \"http://localhost/server-status\"\n    ops:\n      monitor: { interval: 30s }\n\n",
                "",
            )
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--exit-code"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("- resource WebServer"), "{text}");
    snapshot("remove-resource", &out);
}

#[test]
fn moving_the_vip_by_a_location_score() {
    let (s, _r) = two_commits("move", |t| {
        t.replace(
            "    - { resource: ipmi-node1, node: node1, score: -INFINITY }",
            "    - { resource: WebServerGroup, node: node2, score: 1000 }\n    - { resource: ipmi-node1, node: node1, score: -INFINITY }",
        )
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --exit-code, changes still exit 0"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["summary"]["add"], 1);
    assert_eq!(v["objects"][0]["id"], "location-WebServerGroup-node2-1000");
    // The group moves: both members stop on node1 and start on node2.
    let moves = v["transition"]["moves"].as_array().unwrap();
    let moved: Vec<(&str, &str, &str)> = moves
        .iter()
        .map(|m| {
            (
                m["resource"].as_str().unwrap(),
                m["from"].as_str().unwrap(),
                m["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        moved.contains(&("ClusterVIP", "node1", "node2")),
        "{moved:?}"
    );
    assert!(
        moved.contains(&("WebServer", "node1", "node2")),
        "{moved:?}"
    );
    let actions: Vec<&str> = v["transition"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"stop ClusterVIP on node1")
            && actions.contains(&"start ClusterVIP on node2"),
        "{actions:?}"
    );
    snapshot("move-vip", &out);
}

#[test]
fn adding_a_node_needs_a_corosync_reload_and_changes_quorum() {
    let (s, _r) = two_commits("node", |t| {
        t.replace(
            "  - { name: node2, id: 2, addrs: [192.168.122.102] }",
            "  - { name: node2, id: 2, addrs: [192.168.122.102] }\n  - { name: node3, id: 3, addrs: [192.168.122.103] }",
        )
        .replace("  two_node: true\n  wait_for_all: true\n", "  wait_for_all: true\n")
        .replace("      hosts: [node2]", "      hosts: [node2, node3]")
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("corosync reload"), "{text}");
    assert!(
        text.contains("expected votes 2 -> 3, quorum 1 -> 2"),
        "{text}"
    );
    snapshot("add-node", &out);
}

#[test]
fn a_changed_fence_password_reference_shows_without_its_value() {
    let (s, _r) = two_commits("secret", |t| {
        t.replace(
            "/etc/quorate/secrets/ipmi-node1",
            "/etc/quorate/secrets/ipmi-node1-rotated",
        )
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--exit-code"]);
    assert_eq!(out.status.code(), Some(2));
    for format in ["text", "json", "markdown"] {
        let o = plan(&s.0, &["cluster", "--base", "HEAD~1", "--format", format]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("ipmi-node1"), "{format}: {text}");
        assert!(
            !text.contains("rotated") && !text.contains("/etc/quorate/secrets"),
            "{format} leaks the reference: {text}"
        );
        assert!(text.contains("(sensitive)"), "{format}: {text}");
    }
    snapshot("change-secret", &out);
}

#[test]
fn an_invalid_change_is_an_error_with_nothing_on_stdout() {
    let (s, _r) = two_commits("invalid", |t| {
        t.replace("agent: ocf:heartbeat:apache", "agnet: ocf:heartbeat:apache")
    });
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `agent`?"));
    snapshot("invalid", &out);
}

#[test]
fn no_change_and_unknown_revision() {
    let (s, _r) = two_commits("same", |t| t);
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1", "--exit-code"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No changes"));
    let out = plan(&s.0, &["cluster", "--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown revision `no-such-branch`"));
}

#[test]
fn a_plan_against_the_live_cib_of_the_same_state_is_empty() {
    let s = scratch("live");
    let ex = repo_root().join("examples/two-node-apache");
    let cib = Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(["render", "cib", "--full"])
        .arg(&ex)
        .output()
        .unwrap();
    assert!(cib.status.success());
    let live = s.0.join("cib.xml");
    std::fs::write(&live, &cib.stdout).unwrap();
    let out = plan(
        &s.0,
        &[
            ex.to_str().unwrap(),
            "--live",
            live.to_str().unwrap(),
            "--exit-code",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // And a different desired state shows its differences against that live CIB.
    let other = repo_root().join("examples/apache-active-passive");
    let out = plan(
        &s.0,
        &[
            other.to_str().unwrap(),
            "--live",
            live.to_str().unwrap(),
            "--exit-code",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("- group WebServerGroup"));
}

/// The `run:` scripts of the GitHub workflow steps and the GitLab job's script lines.
fn ci_commands(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("deploy/ci").join(file)).unwrap();
    let (tree, diags) = quorate_schema::yaml::parse(quorate_schema::FileId(0), &text);
    assert!(diags.is_empty(), "{file} is valid YAML: {diags:?}");
    let tree = tree.unwrap();
    let get = |n: &quorate_schema::yaml::Node, key: &str| -> Option<quorate_schema::yaml::Node> {
        match &n.kind {
            quorate_schema::yaml::NodeKind::Map(e) => e
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    };
    let items = |n: Option<quorate_schema::yaml::Node>| match n.map(|n| n.kind) {
        Some(quorate_schema::yaml::NodeKind::Seq(v)) => v,
        _ => Vec::new(),
    };
    if file.starts_with("github") {
        let steps = items(get(
            &get(&get(&tree, "jobs").unwrap(), "plan").unwrap(),
            "steps",
        ));
        steps
            .iter()
            .filter(|s| {
                matches!(
                    get(s, "name")
                        .and_then(|n| n.as_str().map(str::to_string))
                        .as_deref(),
                    Some("Validate" | "Plan")
                )
            })
            .filter_map(|s| get(s, "run").and_then(|r| r.as_str().map(str::to_string)))
            .collect()
    } else {
        items(get(&get(&tree, "quorate-plan").unwrap(), "script"))
            .iter()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect()
    }
}

#[test]
fn the_ci_jobs_run_on_a_repository_with_a_change() {
    let s = scratch("ci");
    // An "origin" repository with main, and a clone with a change on a branch.
    let origin_dir = s.0.join("origin");
    let origin = git2::Repository::init(&origin_dir).unwrap();
    commit(&origin, &[("cluster.yaml", example())], "base");
    let clone_dir = s.0.join("work");
    let work = git2::Repository::clone(origin_dir.to_str().unwrap(), &clone_dir).unwrap();
    let base_branch = origin.head().unwrap().shorthand().unwrap().to_string();
    commit(
        &work,
        &[(
            "cluster.yaml",
            example().replace("ip: 192.168.1.100", "ip: 192.168.1.150"),
        )],
        "move the VIP",
    );
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_quorate"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for file in ["github-actions.yml", "gitlab-ci.yml"] {
        let cmds = ci_commands(file);
        assert!(cmds.len() >= 2, "{file}: {cmds:?}");
        let _ = std::fs::remove_file(clone_dir.join("plan.md"));
        for cmd in &cmds {
            let out = Command::new("bash")
                .args(["-e", "-o", "pipefail", "-c", cmd])
                .current_dir(&clone_dir)
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .env("QUORATE_DIR", "cluster")
                .env("GITHUB_BASE_REF", &base_branch)
                .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", &base_branch)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{file}: `{cmd}` failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let md = std::fs::read_to_string(clone_dir.join("plan.md")).unwrap();
        assert!(
            md.contains("quorate plan: 0 to add, 1 to change, 0 to remove"),
            "{file}: {md}"
        );
        assert!(md.contains("192.168.1.150"), "{file}: {md}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(clone_dir.join("plan.json")).unwrap())
                .unwrap();
        assert_eq!(json["summary"]["change"], 1);
    }
}

#[test]
fn what_if_node_failure_shows_where_resources_go_and_quorum() {
    let (s, _r) = two_commits("whatif", |t| t);
    let v = plan_json(
        &s.0,
        &["cluster", "--base", "HEAD~1", "--what-if", "node-failure"],
    );
    let w = v["what_if"].as_array().unwrap();
    assert_eq!(w.len(), 2);
    // Two-node quorum: the survivor keeps quorum with 1 of 2 votes and takes over the group.
    let node1 = w.iter().find(|x| x["node"] == "node1").unwrap();
    assert_eq!(node1["quorate"], true);
    assert_eq!(node1["fenced"], true);
    let moved: Vec<&str> = node1["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["resource"].as_str().unwrap())
        .collect();
    assert!(
        moved.contains(&"ClusterVIP") && moved.contains(&"WebServer"),
        "{node1}"
    );
    snapshot(
        "what-if",
        &plan(
            &s.0,
            &["cluster", "--base", "HEAD~1", "--what-if", "node-failure"],
        ),
    );
}

/// A plan against a recorded CIB whose desired state is that same CIB's configuration shows no
/// configuration change, and exactly the transition the scheduler computes for the CIB.
#[test]
fn live_plans_on_pacemaker_inputs_agree_with_the_scheduler() {
    let s = scratch("livecorpus");
    let dir = repo_root().join("tests/data/pacemaker-scheduler/xml");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut checked = 0;
    for input in names {
        let xml = std::fs::read_to_string(&input).unwrap();
        let Ok(imported) = quorate_cib::import_cib(&xml) else {
            continue;
        };
        let mut doc = imported.doc;
        doc.cluster = Some("live".into());
        let yaml = quorate_schema::emit::to_yaml(&doc, None);
        let loaded = quorate_schema::load_sources(vec![("c.yaml".into(), yaml.clone())]);
        let (Some(model), _) =
            quorate_schema::validate(&loaded, &quorate_schema::Options::default())
        else {
            continue;
        };
        let desired = s.0.join("desired.yaml");
        std::fs::write(&desired, &yaml).unwrap();
        let v = plan_json(&s.0, &["desired.yaml", "--live", input.to_str().unwrap()]);
        assert_eq!(v["summary"]["add"], 0, "{}", input.display());
        assert_eq!(v["summary"]["remove"], 0, "{}", input.display());
        let status = quorate_scheduler::ClusterStatus::from_cib_xml(&xml).unwrap();
        let sched = quorate_scheduler::schedule(&model, &status);
        let mut want: Vec<String> = sched
            .transition
            .actions
            .iter()
            .filter(|a| a.kind != quorate_scheduler::ActionKind::Probe)
            .map(|a| a.to_string())
            .collect();
        want.sort();
        want.dedup();
        let got: Vec<String> = v["transition"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{}", input.display());
        checked += 1;
    }
    println!("live plans checked against the scheduler: {checked}");
    assert!(
        checked >= 10,
        "only {checked} inputs validated as desired states"
    );
}

/// A snapshot taken from a CIB plans like the CIB itself: for Pacemaker's inputs, the
/// transition from `quorate snapshot`'s JSON equals the one from the CIB's status, for at least
/// the floor in `tests/data/pacemaker-scheduler/snapshot-floor.txt`. (A snapshot keeps states,
/// failures and fail counts, not each operation's history.) The CLI reads both forms.
#[test]
fn snapshots_plan_like_the_cibs_they_come_from() {
    use quorate_plan::snapshot::Snapshot;
    let dir = repo_root().join("tests/data/pacemaker-scheduler/xml");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let (mut total, mut agree, mut differ) = (0, 0, Vec::new());
    for input in &names {
        let xml = std::fs::read_to_string(input).unwrap();
        let Ok(imported) = quorate_cib::import_cib(&xml) else {
            continue;
        };
        let mut doc = imported.doc;
        doc.cluster = Some("live".into());
        let loaded = quorate_schema::load_sources(vec![(
            "c.yaml".into(),
            quorate_schema::emit::to_yaml(&doc, None),
        )]);
        let (Some(model), _) =
            quorate_schema::validate(&loaded, &quorate_schema::Options::default())
        else {
            continue;
        };
        let status = quorate_scheduler::ClusterStatus::from_cib_xml(&xml).unwrap();
        let snap = Snapshot::from_status(doc, &status, Some("r1".into()));
        let json = serde_json::to_string_pretty(&snap).unwrap();
        let back = Snapshot::from_json(&json).unwrap();
        assert_eq!(
            back,
            snap,
            "{}: the snapshot survives JSON",
            input.display()
        );
        total += 1;
        let a = quorate_plan::transition_from_live(&status, &model).actions;
        let b = quorate_plan::transition_from_live(&back.to_status(), &model).actions;
        if a == b {
            agree += 1;
        } else {
            differ.push(input.file_stem().unwrap().to_string_lossy().to_string());
        }
    }
    let floor: usize = std::fs::read_to_string(
        repo_root().join("tests/data/pacemaker-scheduler/snapshot-floor.txt"),
    )
    .unwrap()
    .lines()
    .find(|l| !l.starts_with('#'))
    .and_then(|l| l.trim().parse().ok())
    .unwrap();
    println!(
        "snapshot plans equal to CIB plans: {agree} of {total}; differ: {}",
        differ.join(" ")
    );
    assert!(
        agree >= floor,
        "{agree} < floor {floor}; differ: {differ:?}"
    );

    // The CLI takes a snapshot and plans against it; other versions are refused.
    let s = scratch("snapshot");
    let ex = repo_root().join("examples/two-node-apache");
    let cib = Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(["render", "cib", "--full"])
        .arg(&ex)
        .output()
        .unwrap();
    std::fs::write(s.0.join("cib.xml"), &cib.stdout).unwrap();
    let snap = Command::new(env!("CARGO_BIN_EXE_quorate"))
        .args(["snapshot", "--cib", "cib.xml", "--revision", "abc123"])
        .current_dir(&s.0)
        .output()
        .unwrap();
    assert!(
        snap.status.success(),
        "{}",
        String::from_utf8_lossy(&snap.stderr)
    );
    let text = String::from_utf8_lossy(&snap.stdout).to_string();
    assert!(
        text.contains("\"format_version\": 1") && text.contains("\"applied_revision\": \"abc123\""),
        "{text}"
    );
    // The rendered CIB has no status: no node was ever seen, so nothing may start.
    std::fs::write(s.0.join("snap.json"), &text).unwrap();
    let v = plan_json(&s.0, &[ex.to_str().unwrap(), "--live", "snap.json"]);
    assert_eq!(v["transition"]["actions"], serde_json::json!([]), "{v}");
    // Once both nodes are online members of a quorate cluster, the plan starts everything.
    let up = text
        .replace("\"state\": \"offline\"", "\"state\": \"online\"")
        .replace("\"quorate\": false", "\"quorate\": true");
    std::fs::write(s.0.join("snap.json"), &up).unwrap();
    let v = plan_json(&s.0, &[ex.to_str().unwrap(), "--live", "snap.json"]);
    let actions: Vec<&str> = v["transition"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with("start ClusterVIP on ")),
        "{actions:?}"
    );
    std::fs::write(
        s.0.join("v2.json"),
        text.replace("\"format_version\": 1", "\"format_version\": 2"),
    )
    .unwrap();
    let out = plan(&s.0, &[ex.to_str().unwrap(), "--live", "v2.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("snapshot format version 2 is not supported")
    );
}

#[test]
fn a_cloned_primitive_with_new_parameters_restarts_on_every_node_and_a_new_clone_starts() {
    // The clones example: `ping` is cloned on every node; a new `host_list` restarts each
    // instance where it runs.
    let base = std::fs::read_to_string(repo_root().join("examples/clones-and-rules/cluster.yaml"))
        .unwrap();
    let s = scratch("clone-params");
    let repo = git2::Repository::init(&s.0).unwrap();
    commit(&repo, &[("cluster.yaml", base.clone())], "base");
    let changed = base.replace("host_list: 10.1.0.254", "host_list: 10.1.0.253");
    commit(&repo, &[("cluster.yaml", changed)], "change");
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for n in ["alpha", "beta", "gamma"] {
        assert!(
            text.contains(&format!("restart ping on {n}")),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A second clone added: its instances start, one per node, named by instance.
    let added = base.replace(
        "clones:\n",
        "  web: { agent: \"ocf:heartbeat:Dummy\" }\n\nclones:\n  web-clone: { resource: web }\n",
    );
    commit(&repo, &[("cluster.yaml", added)], "add a clone");
    let out = plan(&s.0, &["cluster", "--base", "HEAD~1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for (i, n) in ["alpha", "beta", "gamma"].iter().enumerate() {
        assert!(text.contains(&format!("start web:{i} on {n}")), "{text}");
    }
}
