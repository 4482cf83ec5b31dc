//! A deterministic simulator: N Totem nodes in one thread, one seeded PRNG, simulated time, a
//! network with loss, duplication, reordering by delay, symmetric and asymmetric partitions,
//! isolation, crash and restart (with the persisted ring seq), and slow nodes. Every event every
//! node emits goes through the invariants of [`invariants`] as it happens.
//!
//! A run ([`run_seed`]) has a safety phase (workload and faults) and a liveness phase (faults off,
//! crashed nodes restarted): within [`SimOptions::liveness_bound_ms`] one ring with every node must
//! form, every node must deliver a probe from every node, and every node must have delivered all it
//! broadcast. The same seed gives the same run, bit for bit.

pub mod invariants;

use crate::config::TotemConfig;
use crate::rng::SimRng;
use crate::srp::{Destination, Event, Instant, State, Totem};
use crate::wire::RingId;
use invariants::self_delivery::SelfDelivery;
use invariants::{Invariant, MsgId, NodeInc, Observation};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

/// The most datagrams in flight before the network drops new ones (a bound like any other).
pub const IN_FLIGHT_MAX: usize = 1 << 20;

/// Faults injected during the safety phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Chance that a datagram is lost, percent.
    pub loss_pct: f64,
    /// Chance that a datagram is delivered twice, percent.
    pub duplicate_pct: f64,
    /// Extra random delay up to this, µs (reorders datagrams).
    pub jitter_us: u64,
    /// Mean time between fault actions (partition, heal, crash, ...), ms; 0 = none.
    pub action_interval_ms: u64,
    /// Allow symmetric partitions.
    pub partitions: bool,
    /// Allow one-way cuts.
    pub asymmetric: bool,
    /// Allow isolating one node.
    pub isolate: bool,
    /// Allow crash and restart.
    pub crashes: bool,
    /// Allow slow nodes (extra delay on everything they send and receive).
    pub slow: bool,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Self {
            loss_pct: 0.0,
            duplicate_pct: 0.0,
            jitter_us: 0,
            action_interval_ms: 0,
            partitions: false,
            asymmetric: false,
            isolate: false,
            crashes: false,
            slow: false,
        }
    }

    /// A mix drawn from `rng`: every kind of fault, at rates that vary from seed to seed.
    pub fn random(rng: &mut SimRng) -> Self {
        Self {
            loss_pct: [0.0, 1.0, 5.0, 15.0][rng.below(4) as usize],
            duplicate_pct: [0.0, 2.0, 10.0][rng.below(3) as usize],
            jitter_us: [0, 500, 5_000][rng.below(3) as usize],
            action_interval_ms: rng.range(300, 1500),
            partitions: true,
            asymmetric: rng.chance(50.0),
            isolate: true,
            crashes: true,
            slow: rng.chance(50.0),
        }
    }
}

/// One simulation's settings.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Nodes (ids 1..=nodes).
    pub nodes: usize,
    /// Seed of the one PRNG.
    pub seed: u64,
    /// `totem.token`, ms.
    pub token_ms: u64,
    /// quorate's heartbeat suspicion.
    pub fast_failure_detection: bool,
    /// One-way latency range, µs.
    pub latency_us: (u64, u64),
    /// Safety-phase faults.
    pub faults: Faults,
    /// Length of the safety phase, ms.
    pub safety_ms: u64,
    /// Mean interval between broadcasts of one node in the safety phase, ms (0 = none).
    pub broadcast_interval_ms: u64,
    /// Largest payload, bytes (payloads above the MTU exercise fragmentation).
    pub payload_len_max: usize,
    /// Bound on the liveness phase, simulated ms.
    pub liveness_bound_ms: u64,
}

impl SimOptions {
    /// The options `run_seed` derives from a seed: 3, 5 or 8 nodes, token 1000, random faults.
    pub fn for_seed(seed: u64) -> Self {
        let nodes = [3, 5, 8][(seed % 3) as usize];
        Self::for_seed_with_nodes(seed, nodes)
    }

    /// As [`SimOptions::for_seed`] with a given node count.
    pub fn for_seed_with_nodes(seed: u64, nodes: usize) -> Self {
        let mut rng = SimRng::new(seed ^ 0xFA17);
        let faults = Faults::random(&mut rng);
        let token_ms = 1000;
        Self {
            nodes,
            seed,
            token_ms,
            fast_failure_detection: rng.chance(75.0),
            latency_us: (50, rng.range(100, 2_000)),
            faults,
            safety_ms: rng.range(3_000, 12_000),
            broadcast_interval_ms: rng.range(5, 80),
            payload_len_max: if rng.chance(30.0) { 4_000 } else { 200 },
            liveness_bound_ms: liveness_bound_ms(nodes, token_ms),
        }
    }
}

/// The liveness bound for `nodes` and `token_ms`: time for stale GATHER rounds to die out and one
/// ring to form (two token timeouts and two consensus timeouts) plus two seconds to deliver probes.
pub fn liveness_bound_ms(nodes: usize, token_ms: u64) -> u64 {
    let t = TotemConfig {
        token_ms,
        ..TotemConfig::new(1, (1..=nodes as u32).collect())
    }
    .timers();
    let token = t.token.as_millis() as u64;
    let consensus = t.consensus.as_millis() as u64;
    2 * token + 2 * consensus + 2_000
}

/// Why a run failed.
#[derive(Clone, Debug)]
pub struct SimFailure {
    /// Seed of the run.
    pub seed: u64,
    /// Node count.
    pub nodes: usize,
    /// Simulated time, µs.
    pub at_us: u64,
    /// The invariant (or "liveness").
    pub invariant: String,
    /// What happened.
    pub detail: String,
}

impl fmt::Display for SimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} ({} nodes) at {:.3} s: {} violated: {}\n  replay: cargo run --release -p quorate-totem --bin totem-sim -- --seed {} --nodes {}\n      or: QUORATE_SIM_SEED={} QUORATE_SIM_NODES={} cargo test --release -p quorate-totem --test sim replay -- --nocapture",
            self.seed,
            self.nodes,
            self.at_us as f64 / 1e6,
            self.invariant,
            self.detail,
            self.seed,
            self.nodes,
            self.seed,
            self.nodes
        )
    }
}

/// What a clean run measured.
#[derive(Clone, Debug, Default)]
pub struct SimReport {
    /// Messages delivered (all nodes together).
    pub deliveries: u64,
    /// Messages broadcast.
    pub broadcasts: u64,
    /// Regular configurations installed (all nodes together).
    pub configurations: u64,
    /// Crashes injected.
    pub crashes: u64,
    /// Time the liveness phase took to form one ring, ms.
    pub converge_ms: u64,
    /// Simulated time in total, ms.
    pub sim_ms: u64,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    order: u64,
    to: usize,
    from: usize,
    datagram: Vec<u8>,
}

/// One simulated node.
#[derive(Debug)]
pub struct SimNode {
    /// Node id.
    pub id: u32,
    /// The protocol instance; `None` while crashed.
    pub totem: Option<Totem>,
    /// The ring seq it persisted.
    pub persisted_seq: u64,
    /// Starts so far.
    pub incarnation: u32,
    /// Extra delay on everything it sends and receives, µs.
    pub slow_us: u64,
    /// Regular configurations it installed in this incarnation: (time µs, ring, members).
    pub configurations: Vec<(u64, RingId, Vec<u32>)>,
    /// Messages it delivered in this incarnation.
    pub delivered: u64,
}

/// The simulated cluster.
pub struct Sim {
    /// Settings.
    pub options: SimOptions,
    rng: SimRng,
    now_us: u64,
    /// Nodes, index i is node id i+1.
    pub nodes: Vec<SimNode>,
    blocked: Vec<Vec<bool>>,
    queue: BinaryHeap<Reverse<InFlight>>,
    order: u64,
    invariants: Vec<Box<dyn Invariant>>,
    self_delivery: SelfDelivery,
    next_msg_id: u64,
    faults_on: bool,
    /// Counters.
    pub report: SimReport,
    /// Deliveries seen per node since the last [`Sim::clear_probe_counts`], keyed by message.
    probe_seen: Vec<std::collections::HashSet<MsgId>>,
    failure: Option<SimFailure>,
    /// Record delivered messages for [`Sim::has_delivered`] (off in the bench).
    pub track_probes: bool,
    /// Run the invariants (off in the throughput bench, which measures the protocol alone).
    pub check_invariants: bool,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.options.seed)
            .field("now_us", &self.now_us)
            .finish()
    }
}

/// A payload: 8-byte message id, 4-byte sender, padding.
pub fn payload(msg: MsgId, len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(len.max(12));
    p.extend_from_slice(&msg.id.to_le_bytes());
    p.extend_from_slice(&msg.sender.to_le_bytes());
    p.resize(len.max(12), (msg.id % 251) as u8);
    p
}

fn parse_payload(p: &[u8]) -> Option<MsgId> {
    if p.len() < 12 {
        return None;
    }
    Some(MsgId {
        id: u64::from_le_bytes(p[0..8].try_into().ok()?),
        sender: u32::from_le_bytes(p[8..12].try_into().ok()?),
    })
}

impl Sim {
    /// A cluster of `options.nodes` nodes, all started at time 0.
    pub fn new(options: SimOptions) -> Self {
        let n = options.nodes;
        let rng = SimRng::new(options.seed);
        let mut sim = Self {
            rng,
            now_us: 0,
            nodes: (1..=n as u32)
                .map(|id| SimNode {
                    id,
                    totem: None,
                    persisted_seq: 0,
                    incarnation: 0,
                    slow_us: 0,
                    configurations: Vec::new(),
                    delivered: 0,
                })
                .collect(),
            blocked: vec![vec![false; n]; n],
            queue: BinaryHeap::new(),
            order: 0,
            invariants: invariants::all(n),
            self_delivery: SelfDelivery::default(),
            next_msg_id: 1,
            faults_on: true,
            report: SimReport::default(),
            probe_seen: vec![Default::default(); n],
            failure: None,
            track_probes: true,
            check_invariants: true,
            options,
        };
        for i in 0..n {
            sim.start(i);
        }
        sim
    }

    fn config_for(&self, id: u32) -> TotemConfig {
        TotemConfig {
            token_ms: self.options.token_ms,
            fast_failure_detection: self.options.fast_failure_detection,
            ..TotemConfig::new(id, (1..=self.options.nodes as u32).collect())
        }
    }

    fn start(&mut self, i: usize) {
        let config = self.config_for(self.nodes[i].id);
        let node = &mut self.nodes[i];
        node.incarnation += 1;
        node.configurations.clear();
        node.delivered = 0;
        node.totem = Some(Totem::new(
            config,
            node.persisted_seq,
            Instant::from_micros(self.now_us),
        ));
        self.drain(i);
    }

    /// Simulated time, µs.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// The first invariant violation, if any.
    pub fn failure(&self) -> Option<&SimFailure> {
        self.failure.as_ref()
    }

    fn fail(&mut self, invariant: &str, detail: String) {
        if self.failure.is_none() {
            self.failure = Some(SimFailure {
                seed: self.options.seed,
                nodes: self.options.nodes,
                at_us: self.now_us,
                invariant: invariant.to_string(),
                detail,
            });
        }
    }

    fn observe(&mut self, who: NodeInc, what: Observation<'_>) {
        if !self.check_invariants {
            return;
        }
        for inv in &mut self.invariants {
            if let Err(detail) = inv.observe(who, &what) {
                let name = inv.name();
                if self.failure.is_none() {
                    self.failure = Some(SimFailure {
                        seed: self.options.seed,
                        nodes: self.options.nodes,
                        at_us: self.now_us,
                        invariant: name.to_string(),
                        detail,
                    });
                }
            }
        }
        if let Err(detail) = self.self_delivery.observe(who, &what) {
            self.fail("self-delivery", detail);
        }
    }

    /// Drains node `i`'s events (into the invariants) and datagrams (into the network).
    fn drain(&mut self, i: usize) {
        let who = NodeInc {
            node: self.nodes[i].id,
            incarnation: self.nodes[i].incarnation,
        };
        while let Some(event) = self.nodes[i].totem.as_mut().and_then(Totem::poll_event) {
            match event {
                Event::PersistRingId { ring } => {
                    let node = &mut self.nodes[i];
                    node.persisted_seq = node.persisted_seq.max(ring.seq);
                }
                Event::Delivered {
                    ring,
                    seq,
                    index,
                    sender,
                    payload,
                } => {
                    self.report.deliveries += 1;
                    self.nodes[i].delivered += 1;
                    match parse_payload(&payload) {
                        Some(msg) => {
                            if self.track_probes {
                                self.probe_seen[i].insert(msg);
                            }
                            self.observe(
                                who,
                                Observation::Delivered {
                                    ring,
                                    seq,
                                    index,
                                    sender,
                                    msg,
                                },
                            );
                        }
                        None => self.fail(
                            "payload integrity",
                            format!("node {} delivered an unknown payload", who.node),
                        ),
                    }
                }
                Event::Configuration {
                    ring,
                    members,
                    transitional,
                    ..
                } => {
                    if !transitional {
                        self.report.configurations += 1;
                        self.nodes[i]
                            .configurations
                            .push((self.now_us, ring, members.clone()));
                    }
                    self.observe(
                        who,
                        Observation::Configuration {
                            ring,
                            members: &members,
                            transitional,
                        },
                    );
                }
            }
        }
        while let Some(t) = self.nodes[i].totem.as_mut().and_then(Totem::poll_transmit) {
            match t.destination {
                Destination::Node(id) => {
                    if let Some(j) = self.index_of(id) {
                        self.send(i, j, t.datagram);
                    }
                }
                Destination::AllPeers => {
                    for j in 0..self.nodes.len() {
                        if j != i {
                            self.send(i, j, t.datagram.clone());
                        }
                    }
                }
            }
        }
    }

    fn index_of(&self, id: u32) -> Option<usize> {
        (id >= 1 && (id as usize) <= self.nodes.len()).then(|| id as usize - 1)
    }

    fn send(&mut self, from: usize, to: usize, datagram: Vec<u8>) {
        if self.queue.len() >= IN_FLIGHT_MAX {
            return;
        }
        if from == to {
            // Loopback: never lost, no delay.
            self.enqueue(self.now_us, from, to, datagram);
            return;
        }
        if self.blocked[from][to] {
            return;
        }
        let faults = self.faults_on;
        if faults
            && self.options.faults.loss_pct > 0.0
            && self.rng.chance(self.options.faults.loss_pct)
        {
            return;
        }
        let copies = if faults
            && self.options.faults.duplicate_pct > 0.0
            && self.rng.chance(self.options.faults.duplicate_pct)
        {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let (lo, hi) = self.options.latency_us;
            let mut delay = if hi > lo { self.rng.range(lo, hi) } else { lo };
            if faults && self.options.faults.jitter_us > 0 {
                delay += self.rng.below(self.options.faults.jitter_us);
            }
            delay += self.nodes[from].slow_us + self.nodes[to].slow_us;
            self.enqueue(self.now_us + delay, from, to, datagram.clone());
        }
    }

    fn enqueue(&mut self, at: u64, from: usize, to: usize, datagram: Vec<u8>) {
        self.order += 1;
        self.queue.push(Reverse(InFlight {
            at,
            order: self.order,
            to,
            from,
            datagram,
        }));
    }

    // ----- manual controls -----

    /// Cuts both directions between nodes `a` and `b` (ids).
    pub fn cut(&mut self, a: u32, b: u32) {
        self.cut_one_way(a, b);
        self.cut_one_way(b, a);
    }

    /// Cuts datagrams from `a` to `b` only.
    pub fn cut_one_way(&mut self, a: u32, b: u32) {
        if let (Some(i), Some(j)) = (self.index_of(a), self.index_of(b)) {
            self.blocked[i][j] = true;
        }
    }

    /// Cuts node `a` off from everyone.
    pub fn isolate(&mut self, a: u32) {
        for b in 1..=self.nodes.len() as u32 {
            if b != a {
                self.cut(a, b);
            }
        }
    }

    /// Splits the cluster into the given groups (nodes in no group are isolated).
    pub fn partition(&mut self, groups: &[Vec<u32>]) {
        let n = self.nodes.len();
        let group_of = |id: u32| groups.iter().position(|g| g.contains(&id));
        for i in 0..n {
            for j in 0..n {
                let (gi, gj) = (group_of(i as u32 + 1), group_of(j as u32 + 1));
                self.blocked[i][j] = i != j && (gi.is_none() || gi != gj);
            }
        }
    }

    /// Restores every link.
    pub fn heal(&mut self) {
        for row in &mut self.blocked {
            row.iter_mut().for_each(|b| *b = false);
        }
    }

    /// Crashes node `id` (its state is lost; the persisted ring seq stays).
    pub fn crash(&mut self, id: u32) {
        let Some(i) = self.index_of(id) else { return };
        if self.nodes[i].totem.take().is_some() {
            self.report.crashes += 1;
            let who = NodeInc {
                node: id,
                incarnation: self.nodes[i].incarnation,
            };
            self.observe(who, Observation::Crashed);
        }
    }

    /// Restarts a crashed node `id`.
    pub fn restart(&mut self, id: u32) {
        if let Some(i) = self.index_of(id) {
            if self.nodes[i].totem.is_none() {
                self.start(i);
            }
        }
    }

    /// Node `id` leaves gracefully.
    pub fn leave(&mut self, id: u32) {
        if let Some(i) = self.index_of(id) {
            let now = Instant::from_micros(self.now_us);
            if let Some(t) = self.nodes[i].totem.as_mut() {
                t.leave(now);
            }
            self.drain(i);
        }
    }

    /// Makes node `id` slow by `extra_us` on every datagram (0 = normal).
    pub fn set_slow(&mut self, id: u32, extra_us: u64) {
        if let Some(i) = self.index_of(id) {
            self.nodes[i].slow_us = extra_us;
        }
    }

    /// Turns random per-datagram faults (loss, duplication, jitter) on or off.
    pub fn set_faults(&mut self, on: bool) {
        self.faults_on = on;
    }

    /// Node `id` broadcasts a fresh tagged payload of `len` bytes; returns its tag if accepted.
    pub fn broadcast(&mut self, id: u32, len: usize) -> Option<MsgId> {
        let i = self.index_of(id)?;
        let msg = MsgId {
            sender: id,
            id: self.next_msg_id,
        };
        let now = Instant::from_micros(self.now_us);
        let totem = self.nodes[i].totem.as_mut()?;
        if totem.broadcast(now, &payload(msg, len)).is_err() {
            return None;
        }
        self.next_msg_id += 1;
        self.report.broadcasts += 1;
        let who = NodeInc {
            node: id,
            incarnation: self.nodes[i].incarnation,
        };
        self.observe(who, Observation::Broadcast { msg });
        self.drain(i);
        Some(msg)
    }

    /// Whether node `id` delivered `msg` (in its current incarnation, when probes are tracked).
    pub fn has_delivered(&self, id: u32, msg: MsgId) -> bool {
        self.index_of(id)
            .is_some_and(|i| self.probe_seen[i].contains(&msg))
    }

    /// The live nodes' installed rings, if they are all OPERATIONAL in one ring holding exactly
    /// the live nodes.
    pub fn one_ring(&self) -> Option<RingId> {
        let live: Vec<u32> = self
            .nodes
            .iter()
            .filter(|n| n.totem.is_some())
            .map(|n| n.id)
            .collect();
        let mut ring = None;
        for n in &self.nodes {
            let Some(t) = &n.totem else { continue };
            if t.state() != State::Operational {
                return None;
            }
            let (r, members) = t.configuration();
            if members != live.as_slice() || ring.is_some_and(|x| x != r) {
                return None;
            }
            ring = Some(r);
        }
        ring
    }

    /// Time of the next thing that happens, µs.
    fn next_time(&self) -> Option<(u64, Option<usize>)> {
        let mut best: Option<(u64, Option<usize>)> =
            self.queue.peek().map(|Reverse(f)| (f.at, None));
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(t) = n.totem.as_ref().and_then(Totem::poll_timeout) {
                let at = t.as_micros().max(self.now_us);
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, Some(i)));
                }
            }
        }
        best
    }

    /// Runs one step (a datagram or a timer) no later than `until_us`; false if nothing is due.
    pub fn step(&mut self, until_us: u64) -> bool {
        let Some((at, timer)) = self.next_time() else {
            return false;
        };
        if at > until_us {
            return false;
        }
        self.now_us = self.now_us.max(at);
        let now = Instant::from_micros(self.now_us);
        match timer {
            Some(i) => {
                if let Some(t) = self.nodes[i].totem.as_mut() {
                    t.handle_timeout(now);
                }
                self.drain(i);
            }
            None => {
                let Some(Reverse(f)) = self.queue.pop() else {
                    return false;
                };
                if self.blocked[f.from][f.to] && f.from != f.to {
                    return true;
                }
                let from_id = self.nodes[f.from].id;
                if let Some(t) = self.nodes[f.to].totem.as_mut() {
                    t.handle_datagram(now, from_id, &f.datagram);
                }
                self.drain(f.to);
            }
        }
        true
    }

    /// Runs until `until_us` (or the first violation).
    pub fn run_until(&mut self, until_us: u64) {
        while self.failure.is_none() && self.step(until_us) {}
        if self.failure.is_none() {
            self.now_us = self.now_us.max(until_us);
        }
    }

    /// Runs until `pred` holds (checked after every step) or `until_us`; returns whether it held.
    pub fn run_until_pred(&mut self, until_us: u64, mut pred: impl FnMut(&Sim) -> bool) -> bool {
        loop {
            if pred(self) {
                return true;
            }
            if self.failure.is_some() || !self.step(until_us) {
                if pred(self) {
                    return true;
                }
                self.now_us = self.now_us.max(until_us);
                return false;
            }
        }
    }

    fn random_fault_action(&mut self) {
        let n = self.nodes.len() as u32;
        let f = self.options.faults.clone();
        let pick = |rng: &mut SimRng| rng.range(1, n as u64) as u32;
        match self.rng.below(8) {
            0 if f.partitions => {
                let mut a = Vec::new();
                let mut b = Vec::new();
                for id in 1..=n {
                    if self.rng.chance(50.0) {
                        a.push(id)
                    } else {
                        b.push(id)
                    }
                }
                self.partition(&[a, b]);
            }
            1 if f.asymmetric => {
                let (a, b) = (pick(&mut self.rng), pick(&mut self.rng));
                if a != b {
                    self.cut_one_way(a, b);
                }
            }
            2 if f.isolate => {
                let a = pick(&mut self.rng);
                self.isolate(a);
            }
            3 | 4 => self.heal(),
            5 if f.crashes => {
                let a = pick(&mut self.rng);
                if self.nodes[a as usize - 1].totem.is_none() {
                    self.restart(a);
                } else if self.rng.chance(25.0) {
                    // A graceful shutdown: leave, then stop.
                    self.leave(a);
                    self.crash(a);
                } else {
                    self.crash(a);
                }
            }
            6 if f.crashes => {
                let a = pick(&mut self.rng);
                self.restart(a);
            }
            7 if f.slow => {
                let a = pick(&mut self.rng);
                let extra = [0, 20_000, 200_000][self.rng.below(3) as usize];
                self.set_slow(a, extra);
            }
            _ => {}
        }
    }

    /// The safety phase: workload and faults for `options.safety_ms`.
    pub fn safety_phase(&mut self) {
        let end = self.now_us + self.options.safety_ms * 1000;
        let mut next_action = self.now_us + self.next_action_gap();
        let mut next_broadcast = self.now_us + self.next_broadcast_gap();
        while self.failure.is_none() && self.now_us < end {
            let until = next_action.min(next_broadcast).min(end);
            self.run_until(until);
            if self.failure.is_some() {
                break;
            }
            if self.now_us >= next_action {
                self.random_fault_action();
                next_action = self.now_us + self.next_action_gap();
            }
            if self.now_us >= next_broadcast {
                let id = self.rng.range(1, self.nodes.len() as u64) as u32;
                let len = self
                    .rng
                    .range(12, self.options.payload_len_max.max(12) as u64)
                    as usize;
                self.broadcast(id, len);
                next_broadcast = self.now_us + self.next_broadcast_gap();
            }
        }
    }

    fn next_action_gap(&mut self) -> u64 {
        match self.options.faults.action_interval_ms {
            0 => u64::MAX / 4,
            ms => self.rng.range(ms / 2, ms * 3 / 2) * 1000,
        }
    }

    fn next_broadcast_gap(&mut self) -> u64 {
        match self.options.broadcast_interval_ms {
            0 => u64::MAX / 4,
            ms => {
                let per_node = ms * 1000 / self.nodes.len() as u64;
                self.rng.range(1, 2 * per_node.max(1))
            }
        }
    }

    pub(crate) fn liveness_failure(&mut self, probes: Option<&[MsgId]>, probe_ms: u64) {
        if self.failure.is_some() {
            return;
        }
        let detail: Vec<String> = self
            .nodes
            .iter()
            .map(|n| {
                let missing = probes
                    .unwrap_or(&[])
                    .iter()
                    .filter(|p| !self.has_delivered(n.id, **p))
                    .count();
                match &n.totem {
                    Some(t) => format!(
                        "{}: missing {missing} backlog {} {} recent configurations {:?}",
                        n.id,
                        t.backlog(),
                        t.debug_summary(),
                        &n.configurations[n.configurations.len().saturating_sub(3)..]
                    ),
                    None => format!("{}: down", n.id),
                }
            })
            .collect();
        let what = match probes {
            None => "no single ring held".to_string(),
            Some(p) => format!("probes {p:?} sent at {probe_ms} ms not delivered everywhere"),
        };
        self.fail(
            "liveness",
            format!(
                "{what} within {} ms of the faults stopping:\n    {}",
                self.options.liveness_bound_ms,
                detail.join("\n    ")
            ),
        );
    }

    /// The liveness phase: faults off, everyone restarted and reconnected; one ring with every
    /// node forms, every node delivers a probe from every node, and nobody owes itself a message,
    /// all within `options.liveness_bound_ms`.
    pub fn liveness_phase(&mut self) {
        if self.failure.is_some() {
            return;
        }
        self.heal();
        self.set_faults(false);
        for id in 1..=self.nodes.len() as u32 {
            self.set_slow(id, 0);
            self.restart(id);
        }
        let start = self.now_us;
        let deadline = start + self.options.liveness_bound_ms * 1000;
        // A ring that was already formed when the faults stopped may still break (a failure not
        // yet detected, datagrams still in flight): wait for one ring that holds for a token
        // timeout, probe it, and probe again if it changes before the probes are in.
        let token_us = self.config_for(1).timers().token.as_micros() as u64;
        loop {
            if !self.run_until_pred(deadline, |s| s.one_ring().is_some()) {
                self.liveness_failure(None, 0);
                return;
            }
            let ring = self.one_ring();
            self.report.converge_ms = (self.now_us - start) / 1000;
            let stable_until = (self.now_us + token_us).min(deadline);
            if self.run_until_pred(stable_until, |s| s.one_ring() != ring) {
                continue;
            }
            if self.now_us >= deadline {
                self.liveness_failure(None, 0);
                return;
            }
            let probe_ms = self.now_us / 1000;
            let ids: Vec<u32> = (1..=self.nodes.len() as u32).collect();
            let probes: Vec<MsgId> = ids
                .iter()
                .filter_map(|id| self.broadcast(*id, 16))
                .collect();
            if probes.len() != ids.len() {
                self.fail("liveness", "a node refused a probe".to_string());
                return;
            }
            let mut changed = false;
            let done = self.run_until_pred(deadline, |s| {
                if s.one_ring() != ring {
                    changed = true;
                    return true;
                }
                ids.iter()
                    .all(|id| probes.iter().all(|p| s.has_delivered(*id, *p)))
                    && s.nodes
                        .iter()
                        .all(|n| n.totem.as_ref().is_some_and(|t| t.backlog() == 0))
            });
            if done && !changed {
                break;
            }
            if !done {
                self.liveness_failure(Some(&probes), probe_ms);
                return;
            }
        }
        // Let retransmissions settle, then nobody may owe itself a message.
        let settle = self.now_us + 50_000;
        self.run_until(settle);
        for n in 0..self.nodes.len() {
            let who = NodeInc {
                node: self.nodes[n].id,
                incarnation: self.nodes[n].incarnation,
            };
            let owed = self.self_delivery.undelivered(who);
            if !owed.is_empty() {
                self.fail(
                    "self-delivery",
                    format!(
                        "node {} never delivered its own {:?}",
                        who.node,
                        &owed[..owed.len().min(5)]
                    ),
                );
                return;
            }
        }
        self.report.sim_ms = self.now_us / 1000;
    }
}

/// Runs one seed with the options derived from it; `Err` carries the seed and how to replay it.
pub fn run_seed(seed: u64) -> Result<SimReport, SimFailure> {
    run(SimOptions::for_seed(seed))
}

/// Runs one simulation: safety phase, then liveness phase.
pub fn run(options: SimOptions) -> Result<SimReport, SimFailure> {
    let mut sim = Sim::new(options);
    sim.safety_phase();
    sim.liveness_phase();
    match sim.failure {
        Some(f) => Err(f),
        None => Ok(sim.report),
    }
}

/// Crash-to-configuration time: `nodes` nodes form one ring and idle for `idle_ms`, then the
/// highest node crashes; returns the simulated ms until every survivor has installed a regular
/// configuration without it. Latency is 0–`latency_us`; no other faults.
pub fn crash_to_configuration_ms(
    nodes: usize,
    token_ms: u64,
    fast_failure_detection: bool,
    idle_ms: u64,
    latency_us: u64,
    seed: u64,
) -> Result<u64, SimFailure> {
    let mut sim = Sim::new(SimOptions {
        nodes,
        seed,
        token_ms,
        fast_failure_detection,
        latency_us: (0, latency_us),
        faults: Faults::none(),
        safety_ms: 0,
        broadcast_interval_ms: 0,
        payload_len_max: 64,
        liveness_bound_ms: liveness_bound_ms(nodes, token_ms),
    });
    let bound = sim.options.liveness_bound_ms * 1000;
    if !sim.run_until_pred(bound, |s| s.one_ring().is_some()) {
        sim.liveness_failure(None, 0);
        return Err(sim.failure.clone().expect("failure recorded"));
    }
    let t = sim.now_us + idle_ms * 1000;
    sim.run_until(t);
    let victim = nodes as u32;
    let crashed_at = sim.now_us;
    sim.crash(victim);
    let survivors: Vec<usize> = (0..nodes - 1).collect();
    let seen_before: Vec<usize> = survivors
        .iter()
        .map(|i| sim.nodes[*i].configurations.len())
        .collect();
    let done = sim.run_until_pred(crashed_at + bound, |s| {
        survivors.iter().zip(&seen_before).all(|(i, before)| {
            s.nodes[*i].configurations[*before..]
                .iter()
                .any(|(_, _, members)| !members.contains(&victim))
        })
    });
    if let Some(f) = sim.failure {
        return Err(f);
    }
    if !done {
        sim.liveness_failure(None, 0);
        return Err(sim.failure.expect("failure recorded"));
    }
    Ok((sim.now_us - crashed_at) / 1000)
}
