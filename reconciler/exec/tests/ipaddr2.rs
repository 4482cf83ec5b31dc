//! `ocf:heartbeat:IPaddr2` from `resource-agents`, run inside a network namespace this test
//! creates (the address exists only there, on a veth pair that lives entirely inside it).

mod common;

use common::NetNs;
use quorate_exec::{
    run_resource_action, ActionRequest, AgentRef, AgentRoots, ExecStatus, OcfResult, ResourceAction,
};

#[test]
fn ipaddr2_adds_monitors_and_removes_an_address_in_a_namespace() {
    let ns = NetNs::new("ip");
    ns.veth_with("10.213.1.1/24");
    let config = ns.config(AgentRoots::default());
    let vip = ActionRequest::new(
        "vip",
        AgentRef::ocf("heartbeat", "IPaddr2"),
        ResourceAction::Monitor,
    )
    .param("ip", "10.213.1.10")
    .param("cidr_netmask", "24");
    let run = |action| run_resource_action(&config, &vip.with_action(action)).unwrap();

    // Phase 1: probe: not there.
    let probe = run(ResourceAction::Monitor);
    assert_eq!(probe.result, OcfResult::NotRunning, "{probe:?}");

    // Phase 2: start adds the address on the interface that routes it; monitor sees it.
    let start = run(ResourceAction::Start);
    assert_eq!(start.result, OcfResult::Success, "{start:?}");
    assert!(
        ns.addresses("qa").contains(&"10.213.1.10/24".to_owned()),
        "{:?}",
        ns.addresses("qa")
    );
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(monitor.result, OcfResult::Success, "{monitor:?}");

    // Phase 3: stop removes it; monitor sees it gone.
    let stop = run(ResourceAction::Stop);
    assert_eq!(stop.result, OcfResult::Success, "{stop:?}");
    assert_eq!(ns.addresses("qa"), ["10.213.1.1/24"]);
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(monitor.result, OcfResult::NotRunning, "{monitor:?}");
}

#[test]
fn ipaddr2_with_a_bad_ip_is_not_configured() {
    let ns = NetNs::new("bad");
    ns.veth_with("10.213.3.1/24");
    let config = ns.config(AgentRoots::default());
    let request = ActionRequest::new(
        "badvip",
        AgentRef::ocf("heartbeat", "IPaddr2"),
        ResourceAction::Start,
    )
    .param("ip", "not-an-ip");
    let result = run_resource_action(&config, &request).unwrap();
    assert_eq!(result.status, ExecStatus::Done);
    assert_eq!(
        (result.exit_code, result.result),
        (Some(6), OcfResult::NotConfigured),
        "{result:?}"
    );
    assert!(result.exit_reason.is_some(), "IPaddr2 says why: {result:?}");
    assert_eq!(ns.addresses("qa"), ["10.213.3.1/24"], "nothing was added");
}
