//! OCF resource agents through the executor: the real `ocf:heartbeat:Dummy` and
//! `ocf:pacemaker:Dummy` from `resource-agents`/`pacemaker`, and our own `ocf:quorate:Test` for
//! the environment, exit codes, capture limits, secrets and timeouts.

mod common;

use std::time::{Duration, Instant};

use common::{alive, eventually, live_group_members, test_roots};
use quorate_exec::{
    run_resource_action, ActionRequest, AgentRef, ExecConfig, ExecStatus, OcfResult,
    ResourceAction, SecretSource,
};

fn dummy_lifecycle(provider: &str) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("dummy.state");
    let config = ExecConfig::default();
    let base = ActionRequest::new(
        format!("dummy-{provider}"),
        AgentRef::ocf(provider, "Dummy"),
        ResourceAction::Monitor,
    )
    .param("state", state.to_str().unwrap());
    let run = |action| run_resource_action(&config, &base.with_action(action)).unwrap();

    // Phase 1: a probe finds it stopped.
    let probe = run(ResourceAction::Monitor);
    assert_eq!(probe.result, OcfResult::NotRunning, "{probe:?}");

    // Phase 2: start, and monitor sees it running.
    let start = run(ResourceAction::Start);
    assert_eq!(
        (start.status, start.result),
        (ExecStatus::Done, OcfResult::Success),
        "{start:?}"
    );
    assert!(state.exists(), "the agent's state file marks it started");
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(monitor.result, OcfResult::Success, "{monitor:?}");

    // Phase 3: stop, and monitor sees it stopped.
    let stop = run(ResourceAction::Stop);
    assert_eq!(stop.result, OcfResult::Success, "{stop:?}");
    assert!(!state.exists());
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(monitor.result, OcfResult::NotRunning, "{monitor:?}");
    assert_eq!(monitor.exit_code, Some(7));

    // validate-all works; meta-data prints the agent's XML.
    assert_eq!(run(ResourceAction::ValidateAll).result, OcfResult::Success);
    let meta = run(ResourceAction::MetaData);
    assert!(meta.stdout.text().contains("<resource-agent"), "{meta:?}");
}

#[test]
fn heartbeat_dummy_start_monitor_stop_monitor() {
    dummy_lifecycle("heartbeat");
}

#[test]
fn pacemaker_dummy_start_monitor_stop_monitor() {
    dummy_lifecycle("pacemaker");
}

#[test]
fn pacemaker_stateful_promotes_notifies_demotes_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let config = ExecConfig::default();
    let base = ActionRequest::new(
        "stateful",
        AgentRef::ocf("pacemaker", "Stateful"),
        ResourceAction::Monitor,
    )
    .param("state", dir.path().join("stateful.state").to_str().unwrap())
    .meta("clone-max", "1")
    .meta("promoted-max", "1");
    let run = |action| run_resource_action(&config, &base.with_action(action)).unwrap();

    assert_eq!(run(ResourceAction::Start).result, OcfResult::Success);
    assert_eq!(
        run(ResourceAction::Monitor).result,
        OcfResult::Success,
        "started unpromoted"
    );
    assert_eq!(run(ResourceAction::Promote).result, OcfResult::Success);
    let promoted = run(ResourceAction::Monitor);
    assert_eq!(
        (promoted.exit_code, promoted.result),
        (Some(8), OcfResult::RunningPromoted)
    );
    let notify = base
        .with_action(ResourceAction::Notify)
        .meta("notify_type", "post")
        .meta("notify_operation", "promote");
    assert_eq!(
        run_resource_action(&config, &notify).unwrap().result,
        OcfResult::Success
    );
    assert_eq!(run(ResourceAction::ReloadAgent).result, OcfResult::Success);
    assert_eq!(run(ResourceAction::Demote).result, OcfResult::Success);
    assert_eq!(
        run(ResourceAction::Monitor).result,
        OcfResult::Success,
        "demoted"
    );
    assert_eq!(run(ResourceAction::Stop).result, OcfResult::Success);
    assert_eq!(run(ResourceAction::Monitor).result, OcfResult::NotRunning);
}

#[test]
fn heartbeat_dummy_reloads_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("d.state");
    let config = ExecConfig::default();
    let base = ActionRequest::new(
        "mover",
        AgentRef::ocf("heartbeat", "Dummy"),
        ResourceAction::Start,
    )
    .param("state", state.to_str().unwrap());
    let run = |request: &ActionRequest| run_resource_action(&config, request).unwrap();
    assert_eq!(run(&base).result, OcfResult::Success);
    assert_eq!(
        run(&base.with_action(ResourceAction::Reload)).result,
        OcfResult::Success
    );

    // A live migration: migrate_to on the source stops it there, migrate_from on the target
    // starts it; the agent reads the peer from CRM_meta_migrate_target / _source.
    let to = base
        .with_action(ResourceAction::MigrateTo)
        .meta("migrate_target", "node2");
    let result = run(&to);
    assert_eq!(result.result, OcfResult::Success);
    assert!(result.stderr.text().contains("to node2"), "{result:?}");
    assert!(!state.exists());
    let from = base
        .with_action(ResourceAction::MigrateFrom)
        .meta("migrate_source", "node1");
    assert_eq!(run(&from).result, OcfResult::Success);
    assert!(state.exists());
    assert_eq!(
        run(&base.with_action(ResourceAction::Stop)).result,
        OcfResult::Success
    );
}

/// Pids of live processes whose command line is exactly `argv`.
fn processes_running(argv: &[&str]) -> Vec<i32> {
    let wanted: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted) && alive(*pid)
        })
        .collect()
}

#[test]
fn pacemaker_dummy_op_sleep_beyond_the_timeout_is_killed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("slow.state");
    // A number no other test uses, so the sleep it runs can be found in /proc.
    let op_sleep = "617";
    let request = ActionRequest::new(
        "slow",
        AgentRef::ocf("pacemaker", "Dummy"),
        ResourceAction::Monitor,
    )
    .param("state", state.to_str().unwrap())
    .param("op_sleep", op_sleep)
    .timeout_ms(1_000);
    let started = Instant::now();
    let result = run_resource_action(&ExecConfig::default(), &request).unwrap();
    assert_eq!(result.status, ExecStatus::TimedOut, "{result:?}");
    assert!(result.timed_out());
    assert_eq!(result.result, OcfResult::GenericError);
    assert_eq!(result.exit_code, None);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        eventually(Duration::from_secs(5), || processes_running(&[
            "sleep", op_sleep
        ])
        .is_empty()),
        "the agent's sleep survived the timeout: {:?}",
        processes_running(&["sleep", op_sleep])
    );
}

#[test]
fn a_hung_agent_and_its_children_are_killed_as_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let request = ActionRequest::new(
        "hung",
        AgentRef::ocf("quorate", "Test"),
        ResourceAction::Start,
    )
    .param("hang", "1")
    .param("pidfile", pidfile.to_str().unwrap())
    .timeout_ms(500);
    let config = ExecConfig::with_roots(test_roots());
    let result = run_resource_action(&config, &request).unwrap();
    assert_eq!(result.status, ExecStatus::TimedOut, "{result:?}");
    assert!(
        result.elapsed_ms >= 500 && result.elapsed_ms < 5_000,
        "{result:?}"
    );

    let pids: Vec<i32> = std::fs::read_to_string(&pidfile)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    let (agent, child) = (pids[0], pids[1]);
    assert!(
        eventually(Duration::from_secs(5), || live_group_members(agent)
            .is_empty()),
        "left in the agent's process group: {:?}",
        live_group_members(agent)
    );
    assert!(!alive(agent) && !alive(child));
}

#[test]
fn the_agent_gets_the_ocf_environment() {
    let config = ExecConfig::with_roots(test_roots());
    let request = ActionRequest::new(
        "env-check",
        AgentRef::ocf("quorate", "Test"),
        ResourceAction::Monitor,
    )
    .param("rc", "0")
    .meta("clone-max", "2")
    .meta("notify_type", "pre")
    .interval_ms(10_000)
    .timeout_ms(15_000);
    let result = run_resource_action(&config, &request).unwrap();
    assert_eq!(result.result, OcfResult::Success, "{result:?}");
    let env = result.stdout.text();
    let root = format!("OCF_ROOT={}", test_roots().ocf_root.display());
    for line in [
        root.as_str(),
        "OCF_RESOURCE_INSTANCE=env-check",
        "OCF_RESOURCE_TYPE=Test",
        "OCF_RESOURCE_PROVIDER=quorate",
        "OCF_RESKEY_rc=0",
        "OCF_RESKEY_CRM_meta_clone_max=2",
        "OCF_RESKEY_CRM_meta_notify_type=pre",
        "OCF_RESKEY_CRM_meta_interval=10000",
        "OCF_RESKEY_CRM_meta_timeout=15000",
        "OCF_RA_VERSION_MAJOR=1",
        "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
    ] {
        assert!(env.lines().any(|l| l == line), "missing {line} in:\n{env}");
    }
}

#[test]
fn exit_codes_map_to_their_ocf_meaning_with_the_exit_reason() {
    let config = ExecConfig::with_roots(test_roots());
    for (code, meaning) in [
        (0, OcfResult::Success),
        (1, OcfResult::GenericError),
        (2, OcfResult::InvalidArgument),
        (3, OcfResult::Unimplemented),
        (4, OcfResult::InsufficientPrivileges),
        (5, OcfResult::NotInstalled),
        (6, OcfResult::NotConfigured),
        (7, OcfResult::NotRunning),
        (8, OcfResult::RunningPromoted),
        (9, OcfResult::FailedPromoted),
        (190, OcfResult::Degraded),
        (191, OcfResult::DegradedPromoted),
        (42, OcfResult::Other(42)),
    ] {
        let request = ActionRequest::new(
            "codes",
            AgentRef::ocf("quorate", "Test"),
            ResourceAction::Monitor,
        )
        .param("rc", code.to_string())
        .param("reason", format!("because {code}"));
        let result = run_resource_action(&config, &request).unwrap();
        assert_eq!(
            (result.exit_code, result.result),
            (Some(code), meaning),
            "{result:?}"
        );
        assert_eq!(result.exit_reason, Some(format!("because {code}")));
    }
}

#[test]
fn output_is_bounded_and_secrets_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "correct-horse-battery\n").unwrap();
    let config = ExecConfig {
        capture_limit_bytes: 4096,
        ..ExecConfig::with_roots(test_roots())
    };
    let request = ActionRequest::new(
        "noisy",
        AgentRef::ocf("quorate", "Test"),
        ResourceAction::Start,
    )
    .param("noise", "1000000")
    .param("secret", SecretSource::File(secret_file));
    let result = run_resource_action(&config, &request).unwrap();
    assert_eq!(result.result, OcfResult::Success, "{:?}", result.stderr);
    // The limit applies before redaction, which shortens the kept bytes.
    assert!(
        (4000..=4096).contains(&result.stdout.bytes.len()),
        "{}",
        result.stdout.bytes.len()
    );
    assert!(result.stdout.truncated() && result.stdout.total_bytes > 1_000_000);
    // The secret reached the agent (it echoes it) and was redacted on the way back.
    let stderr = result.stderr.text();
    assert!(stderr.contains("debug: secret is (sensitive)"), "{stderr}");
    assert!(!stderr.contains("correct-horse-battery"), "{stderr}");
    assert!(!format!("{request:?}{result:?}").contains("correct-horse-battery"));
}

#[test]
fn a_missing_agent_is_not_installed_without_running_anything() {
    let request = ActionRequest::new(
        "ghost",
        AgentRef::ocf("heartbeat", "NoSuchAgent"),
        ResourceAction::Start,
    );
    let result = run_resource_action(&ExecConfig::default(), &request).unwrap();
    assert_eq!(
        (result.status, result.result),
        (ExecStatus::NotInstalled, OcfResult::NotInstalled)
    );
    assert!(result.exit_reason.unwrap().contains("NoSuchAgent"));
}
