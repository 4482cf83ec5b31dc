//! `Executor`: the async face of the crate for the node agent. Bounded parallelism, one action at a
//! time per resource (and per fence device), and recurring monitors that report changes.
//!
//! Agents run on tokio's blocking pool through the synchronous runners; the per-resource lock and
//! the parallelism permit move into the blocking task, so they are released only when the agent
//! process has ended, even if the caller's future is dropped first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch, OwnedMutexGuard, Semaphore};
use tokio::task::JoinHandle;

use crate::agent_ref::AgentRef;
use crate::config::ExecConfig;
use crate::error::ExecError;
use crate::fence::{run_fence_action, FenceRequest, FenceResult};
use crate::metadata::{AgentMetadata, MetadataCache};
use crate::resource::{run_resource_action, ActionRequest, ResourceAction};
use crate::result::{ActionResult, ExecStatus, OcfResult};

/// Runs agents for one node. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ExecConfig,
    /// Resource actions in flight, at most `config.max_parallel`.
    slots: Arc<Semaphore>,
    /// One FIFO lock per resource id (`rsc:<id>`) and fence device (`fence:<id>`). Entries are
    /// kept for the executor's life: there is one per configured resource.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    metadata: MetadataCache,
}

impl Executor {
    /// An executor with `config` (`max_parallel` of at least 1 is used).
    pub fn new(config: ExecConfig) -> Executor {
        let slots = Arc::new(Semaphore::new(config.max_parallel.max(1)));
        Executor {
            inner: Arc::new(Inner {
                config,
                slots,
                locks: Mutex::new(HashMap::new()),
                metadata: MetadataCache::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ExecConfig {
        &self.inner.config
    }

    async fn lock(&self, key: String) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.inner.locks.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(locks.entry(key).or_default())
        };
        lock.lock_owned().await
    }

    /// Runs one resource action. Waits (in submission order) for earlier actions on the same
    /// resource, then for a free slot; the agent then runs on the blocking pool. For a `stonith:`
    /// resource the resource id is the fence device id: its monitor never overlaps a fencing
    /// action of that device.
    pub async fn run(&self, request: ActionRequest) -> Result<ActionResult, ExecError> {
        // A fence device managed as a resource shares its lock with fencing through that device.
        let key = if request.agent.class == "stonith" {
            format!("fence:{}", request.resource)
        } else {
            format!("rsc:{}", request.resource)
        };
        let guard = self.lock(key).await;
        let permit = Arc::clone(&self.inner.slots)
            .acquire_owned()
            .await
            .map_err(|e| ExecError::Task(e.to_string()))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _held = (guard, permit);
            run_resource_action(&inner.config, &request)
        })
        .await
        .map_err(|e| ExecError::Task(e.to_string()))?
    }

    /// Runs one fence agent action. Actions on one device are serialized; fencing does not count
    /// against `max_parallel` (as in Pacemaker, where only resource actions are throttled).
    pub async fn fence(&self, request: FenceRequest) -> Result<FenceResult, ExecError> {
        let guard = self.lock(format!("fence:{}", request.device)).await;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _held = guard;
            run_fence_action(&inner.config, &request)
        })
        .await
        .map_err(|e| ExecError::Task(e.to_string()))?
    }

    /// The metadata of `agent` (cached per agent); `Ok(None)` if it is not installed.
    pub async fn metadata(
        &self,
        agent: &AgentRef,
    ) -> Result<Option<Arc<AgentMetadata>>, ExecError> {
        let inner = Arc::clone(&self.inner);
        let agent = agent.clone();
        tokio::task::spawn_blocking(move || inner.metadata.get(&inner.config, &agent))
            .await
            .map_err(|e| ExecError::Task(e.to_string()))?
    }

    /// Starts a recurring monitor: `request` (a `monitor` with `interval_ms > 0`) runs now and
    /// then `interval_ms` after each run ends. The receiver gets the first result and then only
    /// results that differ from the last one reported (execution status or OCF result), as
    /// Pacemaker's executor notifies its controller. No policy: what a change means is the
    /// caller's business. Must be called within a tokio runtime.
    pub fn start_recurring(
        &self,
        request: ActionRequest,
    ) -> Result<(RecurringMonitor, mpsc::UnboundedReceiver<MonitorChange>), ExecError> {
        if request.action != ResourceAction::Monitor || request.interval_ms == 0 {
            return Err(ExecError::InvalidRequest(format!(
                "a recurring monitor needs action monitor and an interval above 0 (got {} every {} ms)",
                request.action, request.interval_ms
            )));
        }
        let (changes_tx, changes_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        let executor = self.clone();
        let resource = request.resource.clone();
        let interval_ms = request.interval_ms;
        let task = tokio::spawn(monitor_loop(executor, request, changes_tx, stop_rx));
        Ok((
            RecurringMonitor {
                resource,
                interval_ms,
                stop: stop_tx,
                task: Some(task),
            },
            changes_rx,
        ))
    }
}

/// What a recurring monitor's run produced, compared for change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorState {
    /// The agent ran (or timed out) with this status and result.
    Ran(ExecStatus, OcfResult),
    /// It could not be run; the error's text.
    Error(String),
}

/// A change of a recurring monitor's result.
#[derive(Debug)]
pub struct MonitorChange {
    /// The resource.
    pub resource: String,
    /// The monitor's interval.
    pub interval_ms: u64,
    /// The state last reported, `None` for the first report.
    pub previous: Option<MonitorState>,
    /// The new state.
    pub state: MonitorState,
    /// The run that produced it.
    pub result: Result<ActionResult, ExecError>,
}

async fn monitor_loop(
    executor: Executor,
    request: ActionRequest,
    changes: mpsc::UnboundedSender<MonitorChange>,
    mut stop: watch::Receiver<bool>,
) {
    let interval = Duration::from_millis(request.interval_ms);
    let mut last: Option<MonitorState> = None;
    loop {
        let result = executor.run(request.clone()).await;
        if *stop.borrow() {
            return; // Cancelled while running: the result is not reported.
        }
        let state = match &result {
            Ok(r) => MonitorState::Ran(r.status, r.result),
            Err(e) => MonitorState::Error(e.to_string()),
        };
        if last.as_ref() != Some(&state) {
            let change = MonitorChange {
                resource: request.resource.clone(),
                interval_ms: request.interval_ms,
                previous: last.replace(state.clone()),
                state,
                result,
            };
            if changes.send(change).is_err() {
                return; // Nobody listens any more.
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            // A cancel, or the handle dropped.
            _ = stop.changed() => return,
        }
    }
}

/// A running recurring monitor. Dropping it stops the monitor after any run in flight;
/// [`RecurringMonitor::cancel`] also waits for that.
#[derive(Debug)]
pub struct RecurringMonitor {
    resource: String,
    interval_ms: u64,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RecurringMonitor {
    /// The monitored resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The interval.
    pub fn interval_ms(&self) -> u64 {
        self.interval_ms
    }

    /// Stops the monitor and waits until no run of it is in flight. No change is reported after
    /// this returns (the receiver then yields `None` once drained).
    pub async fn cancel(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RecurringMonitor {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
