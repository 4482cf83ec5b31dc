//! The async `Executor`: parallelism up to a bound, no overlap on one resource (even when the
//! caller gives up on a future), and recurring monitors that report only changes.

mod common;

use std::path::Path;
use std::time::Duration;

use common::test_roots;
use quorate_exec::{
    ActionRequest, AgentRef, ExecConfig, ExecError, ExecStatus, Executor, FenceAction,
    FenceRequest, MonitorState, OcfResult, ResourceAction,
};

fn executor(max_parallel: usize) -> Executor {
    Executor::new(ExecConfig {
        max_parallel,
        ..ExecConfig::with_roots(test_roots())
    })
}

/// A start of `ocf:quorate:Test` that records concurrency in `dir`.
fn busy(resource: &str, dir: &Path, work: &str) -> ActionRequest {
    ActionRequest::new(
        resource,
        AgentRef::ocf("quorate", "Test"),
        ResourceAction::Start,
    )
    .param("dir", dir.to_str().unwrap())
    .param("work", work)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_on_different_resources_run_in_parallel() {
    let dir = tempfile::tempdir().unwrap();
    let exec = executor(2);
    // Each waits (up to 5 s) for the other to have started: serialized, the first would fail.
    let a = exec.run(busy("a", dir.path(), "0.1").param("wait_for", "b"));
    let b = exec.run(busy("b", dir.path(), "0.1").param("wait_for", "a"));
    let (a, b) = tokio::join!(a, b);
    assert_eq!(a.unwrap().result, OcfResult::Success);
    assert_eq!(b.unwrap().result, OcfResult::Success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallelism_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let exec = executor(2);
    let runs: Vec<_> = ["r1", "r2", "r3", "r4", "r5"]
        .iter()
        .map(|r| {
            let (exec, request) = (exec.clone(), busy(r, dir.path(), "0.5"));
            async move { exec.run(request).await }
        })
        .collect();
    for result in futures_join_all(runs).await {
        assert_eq!(result.unwrap().result, OcfResult::Success);
    }
    let counts: Vec<usize> = read_lines(&dir.path().join("counts"))
        .iter()
        .map(|c| c.trim().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 5);
    assert!(
        counts.iter().all(|c| *c <= 2),
        "more than 2 at once: {counts:?}"
    );
    assert!(counts.contains(&2), "never 2 at once: {counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_on_one_resource_never_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let exec = executor(4);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (exec, request) = (exec.clone(), busy("same", dir.path(), "0.1"));
            async move { exec.run(request).await }
        })
        .collect();
    for result in futures_join_all(runs).await {
        assert_eq!(result.unwrap().result, OcfResult::Success);
    }
    assert_eq!(read_lines(&dir.path().join("done")).len(), 4);
    assert!(
        read_lines(&dir.path().join("overlaps")).is_empty(),
        "{:?}",
        read_lines(&dir.path().join("overlaps"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_future_keeps_its_resource_locked_until_the_agent_ends() {
    let dir = tempfile::tempdir().unwrap();
    let exec = executor(4);
    // Give up on a long start, then run another action on the same resource at once.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(200),
        exec.run(busy("r", dir.path(), "1")),
    )
    .await;
    assert!(abandoned.is_err(), "the caller gave up first");
    let next = exec.run(busy("r", dir.path(), "0.1")).await.unwrap();
    assert_eq!(next.result, OcfResult::Success);
    assert!(
        read_lines(&dir.path().join("overlaps")).is_empty(),
        "{:?}",
        read_lines(&dir.path().join("overlaps"))
    );
    assert_eq!(
        read_lines(&dir.path().join("done")),
        ["r start", "r start"],
        "the abandoned run finished first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurring_monitor_reports_changes_only_until_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("dummy.state");
    let exec = Executor::new(ExecConfig::default());
    let base = ActionRequest::new(
        "mon",
        AgentRef::ocf("heartbeat", "Dummy"),
        ResourceAction::Start,
    )
    .param("state", state.to_str().unwrap());
    assert_eq!(
        exec.run(base.clone()).await.unwrap().result,
        OcfResult::Success
    );

    let monitor = base.with_action(ResourceAction::Monitor).interval_ms(50);
    let (handle, mut changes) = exec.start_recurring(monitor).unwrap();
    assert_eq!((handle.resource(), handle.interval_ms()), ("mon", 50));

    // Phase 1: the first result is reported.
    let first = changes.recv().await.unwrap();
    assert_eq!(first.previous, None);
    assert_eq!(
        first.state,
        MonitorState::Ran(ExecStatus::Done, OcfResult::Success)
    );
    assert_eq!(first.result.unwrap().result, OcfResult::Success);

    // Phase 2: unchanged results (several runs at 50 ms) are not reported.
    let quiet = tokio::time::timeout(Duration::from_millis(300), changes.recv()).await;
    assert!(
        quiet.is_err(),
        "an unchanged result was reported: {quiet:?}"
    );

    // Phase 3: the service dies behind our back: reported once, with what it was before.
    std::fs::remove_file(&state).unwrap();
    let failed = changes.recv().await.unwrap();
    assert_eq!(
        failed.previous,
        Some(MonitorState::Ran(ExecStatus::Done, OcfResult::Success))
    );
    assert_eq!(
        failed.state,
        MonitorState::Ran(ExecStatus::Done, OcfResult::NotRunning)
    );

    // Phase 4: it comes back.
    std::fs::write(&state, "").unwrap();
    let back = changes.recv().await.unwrap();
    assert_eq!(
        back.state,
        MonitorState::Ran(ExecStatus::Done, OcfResult::Success)
    );

    // Phase 5: cancelled: the channel ends, and nothing more is reported.
    handle.cancel().await;
    std::fs::remove_file(&state).unwrap();
    assert!(changes.recv().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_needs_a_monitor_with_an_interval() {
    let exec = executor(1);
    let probe = ActionRequest::new(
        "r",
        AgentRef::ocf("quorate", "Test"),
        ResourceAction::Monitor,
    );
    assert!(matches!(
        exec.start_recurring(probe.clone()),
        Err(ExecError::InvalidRequest(_))
    ));
    let start = probe.with_action(ResourceAction::Start).interval_ms(1000);
    assert!(matches!(
        exec.start_recurring(start),
        Err(ExecError::InvalidRequest(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fencing_and_metadata_through_the_executor() {
    let exec = executor(1);
    let meta = exec
        .metadata(&AgentRef::stonith("fence_quorate_test"))
        .await
        .unwrap()
        .unwrap();
    assert!(meta.action("reboot").is_some());
    assert!(exec
        .metadata(&AgentRef::ocf("quorate", "Missing"))
        .await
        .unwrap()
        .is_none());

    // A device without a state directory fails its monitor (exit 1).
    let request = FenceRequest::new(
        "dev",
        AgentRef::stonith("fence_quorate_test"),
        FenceAction::Monitor,
    )
    .param("ip", "127.0.0.1");
    let result = exec.fence(request).await.unwrap();
    assert!(!result.succeeded(), "{result:?}");
    assert_eq!(result.exit_code, Some(1));
}

/// Awaits every future, in order (no `futures` dependency for one helper).
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fence_device_monitor_never_overlaps_fencing_through_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("plugs")).unwrap();
    std::fs::write(dir.path().join("plugs/node1"), "on\n").unwrap();
    std::fs::write(dir.path().join("credentials"), "admin pw\n").unwrap();
    let exec = executor(4);
    let state_dir = dir.path().to_str().unwrap();
    let fence = FenceRequest::new(
        "sw",
        AgentRef::stonith("fence_quorate_test"),
        FenceAction::Off,
    )
    .target("node1")
    .param("ip", "127.0.0.1")
    .param("username", "admin")
    .param("password", "pw")
    .param("state_dir", state_dir)
    .param("delay", "0.3");
    let monitor = ActionRequest::new(
        "sw",
        AgentRef::stonith("fence_quorate_test"),
        ResourceAction::Monitor,
    )
    .param("ip", "127.0.0.1")
    .param("username", "admin")
    .param("password", "pw")
    .param("state_dir", state_dir)
    .param("delay", "0.3");
    let (fenced, monitored) = tokio::join!(exec.fence(fence), exec.run(monitor));
    assert!(fenced.unwrap().succeeded());
    assert_eq!(monitored.unwrap().result, OcfResult::Success);
    assert!(
        read_lines(&dir.path().join("overlaps")).is_empty(),
        "{:?}",
        read_lines(&dir.path().join("overlaps"))
    );
    assert_eq!(read_lines(&dir.path().join("log")).len(), 2);
}
