//! LSB init scripts (with LSB's own status codes) and systemd units (through systemctl when
//! systemd runs, a clear error when it does not).

mod common;

use std::os::unix::fs::PermissionsExt;

use quorate_exec::{
    run_resource_action, ActionRequest, AgentRef, AgentRoots, ExecConfig, ExecError, ExecStatus,
    OcfResult, ResourceAction,
};

/// Installs tests/data/agents/lsb/quorate-test into a temporary init directory, with its state
/// file in a temporary directory.
fn install_lsb() -> (tempfile::TempDir, ExecConfig, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    std::fs::create_dir(&state_dir).unwrap();
    let init_dir = dir.path().join("init.d");
    std::fs::create_dir(&init_dir).unwrap();
    let template = std::fs::read_to_string(common::agents_dir().join("lsb/quorate-test")).unwrap();
    let script = init_dir.join("quorate-test");
    std::fs::write(
        &script,
        template.replace(
            "QUORATE_TEST_STATE",
            state_dir.join("running").to_str().unwrap(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let roots = AgentRoots {
        lsb_dir: init_dir,
        // Whatever this machine runs, `service:` must resolve to the LSB script here.
        systemd_runtime_dir: dir.path().join("no-systemd"),
        ..AgentRoots::default()
    };
    (dir, ExecConfig::with_roots(roots), state_dir)
}

#[test]
fn lsb_script_lifecycle_with_lsb_status_codes() {
    let (_dir, config, state_dir) = install_lsb();
    for spec in ["lsb:quorate-test", "service:quorate-test"] {
        let base = ActionRequest::new(
            "lsb-svc",
            AgentRef::parse(spec).unwrap(),
            ResourceAction::Monitor,
        );
        let run = |action| run_resource_action(&config, &base.with_action(action)).unwrap();

        // status exit 3 is "not running" (for `start`, 3 would mean "unimplemented").
        let probe = run(ResourceAction::Monitor);
        assert_eq!(
            (probe.exit_code, probe.result),
            (Some(3), OcfResult::NotRunning),
            "{spec}"
        );
        assert_eq!(run(ResourceAction::Start).result, OcfResult::Success);
        assert_eq!(run(ResourceAction::Monitor).result, OcfResult::Success);
        assert_eq!(run(ResourceAction::Reload).result, OcfResult::Success);
        assert_eq!(run(ResourceAction::Stop).result, OcfResult::Success);
        assert_eq!(run(ResourceAction::Monitor).result, OcfResult::NotRunning);
    }

    // status exit 4 ("unknown") is an error.
    std::fs::remove_dir(&state_dir).unwrap();
    let unknown = run_resource_action(
        &config,
        &ActionRequest::new(
            "lsb-svc",
            AgentRef::parse("lsb:quorate-test").unwrap(),
            ResourceAction::Monitor,
        ),
    )
    .unwrap();
    assert_eq!(
        (unknown.exit_code, unknown.result),
        (Some(4), OcfResult::GenericError)
    );
}

#[test]
fn lsb_refuses_what_lsb_cannot_do() {
    let (_dir, config, _) = install_lsb();
    let agent = AgentRef::parse("lsb:quorate-test").unwrap();
    let promote = ActionRequest::new("lsb-svc", agent.clone(), ResourceAction::Promote);
    assert!(matches!(
        run_resource_action(&config, &promote),
        Err(ExecError::UnsupportedAction { .. })
    ));
    let with_params = ActionRequest::new("lsb-svc", agent, ResourceAction::Start).param("x", "1");
    assert!(matches!(
        run_resource_action(&config, &with_params),
        Err(ExecError::InvalidRequest(_))
    ));
    let missing = ActionRequest::new(
        "lsb-svc",
        AgentRef::parse("lsb:absent").unwrap(),
        ResourceAction::Start,
    );
    assert_eq!(
        run_resource_action(&config, &missing).unwrap().status,
        ExecStatus::NotInstalled
    );
}

#[test]
fn systemd_units_run_through_systemctl_or_fail_clearly() {
    let roots = AgentRoots::default();
    let config = ExecConfig::with_roots(roots.clone());
    let request = ActionRequest::new(
        "unit",
        AgentRef::parse("systemd:quorate-no-such-unit").unwrap(),
        ResourceAction::Monitor,
    );
    let result = run_resource_action(&config, &request);
    if roots.systemd_running() {
        // A machine booted with systemd: the unit does not exist.
        assert_eq!(result.unwrap().result, OcfResult::NotInstalled);
    } else {
        let err = result.unwrap_err();
        assert!(matches!(err, ExecError::SystemdUnavailable { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("systemd is not available") && text.contains("/run/systemd/system"),
            "{text}"
        );
    }
}
