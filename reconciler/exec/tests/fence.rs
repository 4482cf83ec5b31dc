//! Fence agents: our own `fence_quorate_test` (tests/data/agents/fence) speaking the fence-agents
//! stdin protocol, and the metadata of the real `fence_ipmilan`.

mod common;

use std::path::{Path, PathBuf};

use common::{agents_dir, test_roots};
use quorate_exec::{
    installed_metadata, parse_metadata, run_fence_action, AgentRef, AgentRoots, ExecConfig,
    ExecStatus, FenceAction, FenceFailure, FenceOutcome, FenceRequest, ParamProblem, SecretSource,
};

/// A fake power switch: two plugs on, credentials `admin` / `s3cret-pw`.
struct Device {
    dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("plugs")).unwrap();
        for plug in ["node1", "node2"] {
            std::fs::write(dir.path().join("plugs").join(plug), "on\n").unwrap();
        }
        std::fs::write(dir.path().join("credentials"), "admin s3cret-pw\n").unwrap();
        std::fs::write(dir.path().join("pw"), "s3cret-pw\n").unwrap();
        Device { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn plug(&self, plug: &str) -> String {
        std::fs::read_to_string(self.path().join("plugs").join(plug))
            .unwrap()
            .trim()
            .to_owned()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("log")).unwrap_or_default()
    }

    fn request(&self, action: FenceAction) -> FenceRequest {
        FenceRequest::new("switch1", AgentRef::stonith("fence_quorate_test"), action)
            .param("ip", "127.0.0.1")
            .param("username", "admin")
            .param("password", SecretSource::File(self.path().join("pw")))
            .param("state_dir", self.path().to_str().unwrap())
            .param("pcmk_host_list", "node1 node2")
            .timeout_ms(10_000)
    }
}

fn config() -> ExecConfig {
    ExecConfig::with_roots(test_roots())
}

#[test]
fn power_actions_status_and_list_follow_the_protocol() {
    let device = Device::new();
    let run = |request: FenceRequest| run_fence_action(&config(), &request).unwrap();

    // Phase 1: status of a powered plug is "on" (exit 0).
    let status = run(device.request(FenceAction::Status).target("node1"));
    assert_eq!(status.outcome, FenceOutcome::Success, "{status:?}");
    assert!(status.stdout.text().contains("Status: ON"));

    // Phase 2: off, then status is "off" (exit 2), on again.
    let off = run(device.request(FenceAction::Off).target("node1"));
    assert_eq!(
        (off.status, off.outcome),
        (ExecStatus::Done, FenceOutcome::Success),
        "{off:?}"
    );
    assert_eq!(device.plug("node1"), "off");
    let status = run(device.request(FenceAction::Status).target("node1"));
    assert_eq!(
        (status.outcome, status.exit_code),
        (FenceOutcome::PoweredOff, Some(2))
    );
    assert!(status.succeeded());
    assert_eq!(
        run(device.request(FenceAction::On).target("node1")).outcome,
        FenceOutcome::Success
    );
    assert_eq!(device.plug("node1"), "on");

    // Phase 3: reboot, list, monitor.
    assert_eq!(
        run(device.request(FenceAction::Reboot).target("node2")).outcome,
        FenceOutcome::Success
    );
    assert!(
        device.log().contains("reboot plug=node2"),
        "{}",
        device.log()
    );
    let list = run(device.request(FenceAction::List));
    assert_eq!(
        list.list_targets(),
        [("node1".to_owned(), None), ("node2".to_owned(), None)]
    );
    assert_eq!(
        run(device.request(FenceAction::Monitor)).outcome,
        FenceOutcome::Success
    );

    // What went over stdin: the per-operation keys and device params, never pcmk_* ones (the
    // agent fails on unknown keys, so pcmk_host_list would have been an error).
    let first = device.log().lines().next().unwrap().to_owned();
    assert_eq!(
        first,
        "status plug=node1 keys= action port nodename ip password state_dir username"
    );
}

#[test]
fn agent_exit_codes_map_to_fence_failures() {
    let device = Device::new();
    let status = run_fence_action(
        &config(),
        &device.request(FenceAction::Status).target("node9"),
    )
    .unwrap();
    assert_eq!(
        status.outcome,
        FenceOutcome::Failed(FenceFailure::Status),
        "{status:?}"
    );
    assert!(!status.succeeded());

    std::fs::write(device.path().join("wrong"), "not-the-password\n").unwrap();
    let wrong = device
        .request(FenceAction::Off)
        .target("node1")
        .param("password", SecretSource::File(device.path().join("wrong")));
    let result = run_fence_action(&config(), &wrong).unwrap();
    assert_eq!(
        (result.outcome, result.exit_code),
        (FenceOutcome::Failed(FenceFailure::LoginDenied), Some(3))
    );
    assert_eq!(device.plug("node1"), "on", "a failed login changes nothing");
}

#[test]
fn the_password_reaches_the_agent_but_never_our_output() {
    let device = Device::new();
    let request = device.request(FenceAction::Monitor);
    let result = run_fence_action(&config(), &request).unwrap();
    assert_eq!(result.outcome, FenceOutcome::Success, "{result:?}");
    let stderr = result.stderr.text();
    assert!(
        stderr.contains("debug: login admin/(sensitive) at 127.0.0.1"),
        "{stderr}"
    );
    let everything = format!("{request:?} {result:?}");
    assert!(!everything.contains("s3cret-pw"), "{everything}");
    assert!(!device.log().contains("s3cret-pw"));
}

#[test]
fn a_secret_that_cannot_be_resolved_runs_nothing() {
    let device = Device::new();
    let request = device.request(FenceAction::Off).target("node1").param(
        "password",
        SecretSource::Env("QUORATE_TEST_NO_SUCH_VAR".into()),
    );
    let err = run_fence_action(&config(), &request).unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    assert_eq!(device.log(), "", "the agent was not run");
}

#[test]
fn a_hanging_fence_agent_times_out() {
    let device = Device::new();
    let request = device
        .request(FenceAction::Off)
        .target("node1")
        .param("delay", "30")
        .timeout_ms(500);
    let result = run_fence_action(&config(), &request).unwrap();
    assert_eq!(
        (result.status, result.outcome),
        (
            ExecStatus::TimedOut,
            FenceOutcome::Failed(FenceFailure::TimedOut)
        )
    );
    assert!(result.elapsed_ms < 5_000, "{result:?}");
}

#[test]
fn a_missing_fence_agent_is_not_installed() {
    let request = FenceRequest::new(
        "x",
        AgentRef::stonith("fence_no_such_agent"),
        FenceAction::Monitor,
    );
    let result = run_fence_action(&config(), &request).unwrap();
    assert_eq!(result.status, ExecStatus::NotInstalled);
}

#[test]
fn our_test_agent_metadata_checks_device_params() {
    let agent = AgentRef::stonith("fence_quorate_test");
    let meta = installed_metadata(&agent, &test_roots())
        .unwrap()
        .expect("installed");
    assert_eq!(meta.name, "fence_quorate_test");
    assert!(meta.parameter("state_dir").unwrap().required);
    assert!(meta
        .check_params(
            "stonith",
            ["ip", "username", "password", "state_dir", "pcmk_host_list"]
        )
        .is_empty());
    assert_eq!(
        meta.check_params("stonith", ["ip", "bogus"]),
        [
            ParamProblem::Unknown("bogus".into()),
            ParamProblem::MissingRequired("state_dir".into()),
            ParamProblem::MissingRequired("username".into()),
        ]
    );
}

fn captured_ipmilan() -> PathBuf {
    agents_dir().join("fence/fence_ipmilan.metadata.xml")
}

fn assert_ipmilan_shape(meta: &quorate_exec::AgentMetadata) {
    assert_eq!(meta.name, "fence_ipmilan");
    for name in [
        "ip",
        "username",
        "password",
        "password_script",
        "plug",
        "lanplus",
        "method",
        "ipport",
    ] {
        assert!(meta.parameter(name).is_some(), "fence_ipmilan has {name}");
    }
    let passwd = meta.parameter("passwd").unwrap();
    assert!(passwd.deprecated);
    assert_eq!(
        meta.parameter("password").unwrap().obsoletes.as_deref(),
        Some("passwd")
    );
    assert!(meta.parameter("action").unwrap().required);
    assert_eq!(
        meta.parameter("action").unwrap().default.as_deref(),
        Some("reboot")
    );
    assert_eq!(
        meta.parameter("auth").unwrap().options,
        ["md5", "password", "none"]
    );
    for action in [
        "on",
        "off",
        "reboot",
        "status",
        "monitor",
        "metadata",
        "validate-all",
    ] {
        assert!(
            meta.action(action).is_some(),
            "fence_ipmilan supports {action}"
        );
    }
    // A device configured as in DESIGN.md's example is valid; `action` and `plug` come per operation.
    assert!(meta
        .check_params(
            "stonith",
            ["ip", "username", "password", "lanplus", "pcmk_host_list"]
        )
        .is_empty());
    assert_eq!(
        meta.check_params("stonith", ["ipaddress"]),
        [ParamProblem::Unknown("ipaddress".into())]
    );
}

#[test]
fn captured_fence_ipmilan_metadata_parses() {
    let xml = std::fs::read_to_string(captured_ipmilan()).unwrap();
    assert_ipmilan_shape(&parse_metadata(&xml).unwrap());
}

#[test]
fn installed_fence_ipmilan_metadata_parses_like_the_capture() {
    let agent: AgentRef = "stonith:fence_ipmilan".parse().unwrap();
    let meta = installed_metadata(&agent, &AgentRoots::default())
        .unwrap()
        .expect("fence-agents is installed (.ci/run installs it)");
    assert_ipmilan_shape(&meta);
    let captured = parse_metadata(&std::fs::read_to_string(captured_ipmilan()).unwrap()).unwrap();
    let names = |m: &quorate_exec::AgentMetadata| {
        m.parameters
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&meta),
        names(&captured),
        "the capture is fence-agents 4.12's output"
    );
}

#[test]
fn a_fence_device_as_a_resource_starts_and_monitors_through_the_agent_monitor() {
    use quorate_exec::{run_resource_action, ActionRequest, OcfResult, ResourceAction};
    let device = Device::new();
    let base = ActionRequest::new(
        "switch1",
        AgentRef::stonith("fence_quorate_test"),
        ResourceAction::Start,
    )
    .param("ip", "127.0.0.1")
    .param("username", "admin")
    .param("password", SecretSource::File(device.path().join("pw")))
    .param("state_dir", device.path().to_str().unwrap())
    .param("pcmk_host_list", "node1 node2");
    let run = |action| run_resource_action(&config(), &base.with_action(action)).unwrap();
    assert_eq!(run(ResourceAction::Start).result, OcfResult::Success);
    assert_eq!(run(ResourceAction::Monitor).result, OcfResult::Success);
    assert_eq!(
        device
            .log()
            .lines()
            .filter(|l| l.starts_with("monitor "))
            .count(),
        2
    );
    assert_eq!(run(ResourceAction::Stop).result, OcfResult::Success);
    assert_eq!(device.log().lines().count(), 2, "stop runs nothing");

    // A device whose credentials no longer work fails its monitor.
    std::fs::write(device.path().join("credentials"), "admin changed\n").unwrap();
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(
        (monitor.result, monitor.exit_code),
        (OcfResult::GenericError, Some(3))
    );
    assert!(run(ResourceAction::MetaData)
        .stdout
        .text()
        .contains("fence_quorate_test"));
}
