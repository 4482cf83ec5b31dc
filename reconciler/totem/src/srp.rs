//! The Totem single-ring protocol as a sans-IO state machine: token passing and agreed-order
//! delivery, the GATHER / COMMIT / RECOVERY / OPERATIONAL membership machine, recovery of old-ring
//! messages, retransmit requests, flow control, merge detection, leave, and quorate's per-peer
//! suspicion for faster failure detection.
//!
//! Extended virtual synchrony holds by construction: a node delivers the messages of a ring only
//! while that ring is its installed configuration (and the rest of them, gaps skipped, just before it
//! installs the next); members that move together from one ring to the next first give each other
//! every old-ring message any of them holds (RECOVERY), and none of them takes an old-ring message
//! from anywhere else once it has reported its state on the commit token.

use crate::config::{Timers, TotemConfig};
use crate::pg::{self, Assembler, Packer, PgPacket};
use crate::wire::{
    CommitMembEntry, CommitToken, Header, Heartbeat, Join, Mcast, MergeDetect, Message, OrfToken,
    RingId, RtrItem, TokenHoldCancel, LEAVE_DUMMY_NODEID, MCAST_HEADER_LEN, MESSAGE_ENCAPSULATED,
    MESSAGE_NOT_ENCAPSULATED, PROCESSOR_COUNT_MAX, RETRANSMIT_ENTRIES_MAX,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;
use thiserror::Error;

/// The most messages a ring store holds beyond the ring's aru; a sender never runs further ahead
/// (`RECEIVE_WINDOW_MAX` bounds memory and the retransmit search).
pub const RECEIVE_WINDOW_MAX: u32 = 2048;
/// The most application messages waiting for the token.
pub const NEW_MESSAGE_QUEUE_MAX: usize = 4096;
/// The most bytes waiting for the token.
pub const NEW_MESSAGE_QUEUE_BYTES_MAX: usize = 16 << 20;
/// The most datagrams waiting to be drained by the driver before new ones are dropped (a driver bug
/// guard, never reached by a driver that drains after every call).
pub const TRANSMIT_QUEUE_MAX: usize = 65_536;
/// The most events waiting to be drained (same guard).
pub const EVENT_QUEUE_MAX: usize = 1 << 20;
/// The highest message seq accepted on the wire. Seqs do not wrap here: tokens and messages
/// beyond it are dropped as malformed, so a ring that ever got there would lose its token and
/// reform with fresh seqs; and no seq arithmetic can overflow.
pub const SEQ_MAX: u32 = u32::MAX / 2;
/// The highest ring seq accepted on the wire (same reasoning, for ring ids).
pub const RING_SEQ_MAX: u64 = u64::MAX / 4;
/// Token visits whose aru is remembered before messages are freed.
const ARU_HISTORY: usize = 3;

/// A point in time, in microseconds since an arbitrary origin chosen by the driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// An instant `micros` after the origin.
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// An instant `millis` after the origin.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis * 1000)
    }

    /// Microseconds since the origin.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self` (zero if `earlier` is later).
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.as_micros() as u64))
    }
}

/// Where a datagram goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    /// One node (possibly this one: the driver loops it back).
    Node(u32),
    /// Every configured node but this one (udpu's fan-out).
    AllPeers,
}

/// A datagram to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub destination: Destination,
    /// The totem datagram.
    pub datagram: Vec<u8>,
}

/// What the protocol tells its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message delivered in agreed order.
    Delivered {
        /// Ring the message was ordered in.
        ring: RingId,
        /// Totem sequence number of the mcast that completed it.
        seq: u32,
        /// Position in that mcast (packed messages share a seq).
        index: u16,
        /// Node that broadcast it.
        sender: u32,
        /// The payload given to [`Totem::broadcast`].
        payload: Vec<u8>,
    },
    /// A configuration change: first the transitional one (the members that came with us from our
    /// old ring), then the regular one (the new ring).
    Configuration {
        /// The new ring.
        ring: RingId,
        /// Members, ascending.
        members: Vec<u32>,
        /// Nodes of the old configuration that are gone (transitional only).
        left: Vec<u32>,
        /// Nodes new to us (regular only).
        joined: Vec<u32>,
        /// Transitional (true) or regular (false).
        transitional: bool,
    },
    /// The driver must store this ring id durably before it sends the datagrams that follow, and
    /// hand its seq back to [`Totem::new`] after a restart, so ring ids only grow.
    PersistRingId {
        /// The ring this node has committed to.
        ring: RingId,
    },
}

/// Why [`Totem::broadcast`] refused a payload.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BroadcastError {
    /// The payload exceeds [`pg::MESSAGE_LEN_MAX`].
    #[error("message of {0} bytes exceeds the maximum")]
    TooLarge(usize),
    /// [`NEW_MESSAGE_QUEUE_MAX`] or [`NEW_MESSAGE_QUEUE_BYTES_MAX`] reached: retry later.
    #[error("send queue full")]
    QueueFull,
    /// The node left the cluster.
    #[error("node has left")]
    Left,
}

/// Counters, for metrics and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams handed to [`Totem::handle_datagram`].
    pub datagrams_received: u64,
    /// Datagrams that did not decode.
    pub malformed_dropped: u64,
    /// Datagrams from nodes not in the nodelist.
    pub unlisted_dropped: u64,
    /// mcasts whose totempg payload did not parse.
    pub malformed_payload_dropped: u64,
    /// Messages dropped as duplicates or out of the receive window.
    pub duplicate_or_window_dropped: u64,
    /// Messages or tokens of a ring we are not on.
    pub foreign_ring_dropped: u64,
    /// Fragment continuations thrown away.
    pub fragments_thrown_away: u64,
    /// Messages re-sent on retransmit requests.
    pub messages_retransmitted: u64,
    /// Tokens re-sent by the token retransmit timer.
    pub tokens_retransmitted: u64,
    /// Regular configurations installed.
    pub configurations: u64,
    /// Times GATHER was entered.
    pub gathers: u64,
    /// Peers put in a failed list because they were suspect.
    pub suspicions_applied: u64,
}

/// Membership state (`enum memb_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Token circulating, messages flowing.
    Operational,
    /// Exchanging joins.
    Gather,
    /// Commit token going round.
    Commit,
    /// Old-ring messages being exchanged on the new ring.
    Recovery,
    /// This node left; it does nothing more.
    Left,
}

/// Messages of one ring, by seq.
#[derive(Clone, Debug)]
struct RingStore {
    ring: RingId,
    msgs: BTreeMap<u32, Mcast>,
    /// All received up to.
    aru: u32,
    /// Highest seq received.
    high_seq: u32,
    /// Highest seq delivered (or passed over).
    delivered: u32,
}

impl RingStore {
    fn new(ring: RingId) -> Self {
        Self {
            ring,
            msgs: BTreeMap::new(),
            aru: 0,
            high_seq: 0,
            delivered: 0,
        }
    }

    /// Stores a message of this ring; false if it was a duplicate or out of the window.
    fn insert(&mut self, m: Mcast) -> bool {
        let seq = m.seq;
        if seq <= self.aru || seq > self.aru.saturating_add(RECEIVE_WINDOW_MAX) {
            return false;
        }
        if self.msgs.contains_key(&seq) {
            return false;
        }
        self.msgs.insert(seq, m);
        self.high_seq = self.high_seq.max(seq);
        while self.msgs.contains_key(&(self.aru + 1)) {
            self.aru += 1;
        }
        true
    }

    /// Frees messages every member has and this node delivered.
    fn free_up_to(&mut self, seq: u32) {
        let limit = seq.min(self.delivered);
        while let Some((&first, _)) = self.msgs.first_key_value() {
            if first > limit {
                break;
            }
            self.msgs.remove(&first);
        }
    }
}

/// One node's Totem protocol instance.
#[derive(Debug)]
pub struct Totem {
    config: TotemConfig,
    timers: Timers,
    my_id: u32,
    peers: Vec<u32>,
    state: State,
    stats: Stats,

    /// Installed (regular) ring; `rep == 0` until the first ring forms.
    ring: RingId,
    members: Vec<u32>,
    store: RingStore,
    /// Highest ring seq seen anywhere or persisted.
    ring_seq_max: u64,
    /// Ring seq put in our joins: the last ring we committed to.
    join_ring_seq: u64,

    // Token state of the ring we pass tokens on (installed ring, or the new ring in RECOVERY).
    token_ring: Option<RingId>,
    token_seq_last: Option<u32>,
    last_token_sent: Option<(u32, Vec<u8>)>,
    last_token_sent_seq: u32,
    held_token: Option<OrfToken>,
    unchanged_rotations: u32,
    last_visit_seq: u32,
    my_last_fcc: u32,
    my_last_backlog: u32,
    aru_history: VecDeque<u32>,
    aru_at_last_visit: u32,
    aru_stuck_visits: u32,
    this_seqno: u32,
    hold_cancel_sent: bool,

    packer: Packer,
    assemblers: BTreeMap<u32, Assembler>,

    // GATHER.
    proc_set: BTreeSet<u32>,
    failed_set: BTreeSet<u32>,
    consensus: BTreeSet<u32>,

    // COMMIT / RECOVERY.
    new_ring: RingId,
    new_members: Vec<u32>,
    commit_token_seq_forwarded: u32,
    originated_token: bool,
    new_store: RingStore,
    recovery_queue: VecDeque<Mcast>,
    recovery_high: u32,
    recovery_trans: Vec<u32>,
    retrans_zero_visits: u32,
    recovery_target: Option<u32>,

    // Failure detection.
    last_heard: BTreeMap<u32, Instant>,

    // Timers.
    token_deadline: Option<Instant>,
    token_retransmit_deadline: Option<Instant>,
    join_deadline: Option<Instant>,
    consensus_deadline: Option<Instant>,
    merge_deadline: Option<Instant>,
    hold_deadline: Option<Instant>,
    heartbeat_deadline: Option<Instant>,

    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

fn sentinel_ring(seq: u64) -> RingId {
    RingId { seq, rep: 0 }
}

/// Two old rings are the same ring (a start-up sentinel never matches anything).
fn same_ring(a: RingId, b: RingId) -> bool {
    a == b && a.rep != 0
}

impl Totem {
    /// A node starting at `now` with the ring seq it persisted last time (0 on first start). It
    /// starts in GATHER, like Corosync, and forms a singleton ring before merging with its peers.
    pub fn new(config: TotemConfig, persisted_ring_seq: u64, now: Instant) -> Self {
        let timers = config.timers();
        let my_id = config.node_id;
        let mut peers: Vec<u32> = config
            .nodelist
            .iter()
            .copied()
            .filter(|n| *n != my_id && *n != 0)
            .collect();
        peers.sort_unstable();
        peers.dedup();
        let last_heard = peers.iter().map(|p| (*p, now)).collect();
        let packet_len_max = config.frame_len_max() - MCAST_HEADER_LEN;
        let ring = sentinel_ring(persisted_ring_seq);
        let mut totem = Self {
            timers,
            my_id,
            peers,
            state: State::Gather,
            stats: Stats::default(),
            ring,
            members: vec![my_id],
            store: RingStore::new(ring),
            ring_seq_max: persisted_ring_seq,
            join_ring_seq: persisted_ring_seq,
            token_ring: None,
            token_seq_last: None,
            last_token_sent: None,
            last_token_sent_seq: 0,
            held_token: None,
            unchanged_rotations: 0,
            last_visit_seq: 0,
            my_last_fcc: 0,
            my_last_backlog: 0,
            aru_history: VecDeque::new(),
            aru_at_last_visit: 0,
            aru_stuck_visits: 0,
            this_seqno: 0,
            hold_cancel_sent: false,
            packer: Packer::new(packet_len_max),
            assemblers: BTreeMap::new(),
            proc_set: BTreeSet::new(),
            failed_set: BTreeSet::new(),
            consensus: BTreeSet::new(),
            new_ring: ring,
            new_members: Vec::new(),
            commit_token_seq_forwarded: 0,
            originated_token: false,
            new_store: RingStore::new(ring),
            recovery_queue: VecDeque::new(),
            recovery_high: 0,
            recovery_trans: Vec::new(),
            retrans_zero_visits: 0,
            recovery_target: None,
            last_heard,
            token_deadline: None,
            token_retransmit_deadline: None,
            join_deadline: None,
            consensus_deadline: None,
            merge_deadline: None,
            hold_deadline: None,
            heartbeat_deadline: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        };
        if totem.config.fast_failure_detection {
            totem.heartbeat_deadline = Some(now);
        }
        totem.gather_enter(now);
        totem
    }

    /// This node's id.
    pub fn node_id(&self) -> u32 {
        self.my_id
    }

    /// The membership state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The installed ring and its members (`rep == 0` before the first ring).
    pub fn configuration(&self) -> (RingId, &[u32]) {
        (self.ring, &self.members)
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The derived timers in force.
    pub fn timers(&self) -> &Timers {
        &self.timers
    }

    /// A one-line summary of the internal state, for simulator diagnostics.
    pub fn debug_summary(&self) -> String {
        format!(
            "state {:?} ring {} members {:?} aru {} high {} delivered {} stored {} token_seq_last {:?} held {} proc {:?} failed {:?}",
            self.state,
            self.ring,
            self.members,
            self.store.aru,
            self.store.high_seq,
            self.store.delivered,
            self.store.msgs.len(),
            self.token_seq_last,
            self.held_token.is_some(),
            self.proc_set,
            self.failed_set
        )
    }

    /// Messages waiting for the token.
    pub fn backlog(&self) -> usize {
        self.packer.len()
    }

    /// Queues `payload` for agreed-order delivery to the ring (this node included).
    pub fn broadcast(&mut self, now: Instant, payload: &[u8]) -> Result<(), BroadcastError> {
        if self.state == State::Left {
            return Err(BroadcastError::Left);
        }
        if payload.len() > pg::MESSAGE_LEN_MAX {
            return Err(BroadcastError::TooLarge(payload.len()));
        }
        if self.packer.len() >= NEW_MESSAGE_QUEUE_MAX
            || self.packer.queued_bytes() + payload.len() > NEW_MESSAGE_QUEUE_BYTES_MAX
        {
            return Err(BroadcastError::QueueFull);
        }
        self.packer.push(pg::group_message(payload));
        if self.state == State::Operational {
            if let Some(token) = self.held_token.take() {
                // We hold the idle token: use it now.
                self.hold_deadline = None;
                self.unchanged_rotations = 0;
                self.process_token(now, token);
            } else if !self.hold_cancel_sent && self.members.len() > 1 {
                // Someone may be holding it: ask for it.
                self.hold_cancel_sent = true;
                let msg = Message::TokenHoldCancel(TokenHoldCancel {
                    header: Header::from_node(self.my_id),
                    ring_id: self.ring,
                });
                self.send(Destination::AllPeers, &msg);
            }
        }
        Ok(())
    }

    /// Leaves the cluster: announces it (a join with node id 0 listing us as failed) and stops.
    pub fn leave(&mut self, _now: Instant) {
        if self.state == State::Left {
            return;
        }
        let mut proc_list: Vec<u32> = self.proc_set.iter().copied().collect();
        if !proc_list.contains(&self.my_id) {
            proc_list.push(self.my_id);
            proc_list.sort_unstable();
        }
        let msg = Message::Join(Join {
            header: Header::from_node(LEAVE_DUMMY_NODEID),
            system_from: self.my_id,
            proc_list,
            failed_list: vec![self.my_id],
            ring_seq: self.join_ring_seq,
        });
        self.send(Destination::AllPeers, &msg);
        self.state = State::Left;
        self.cancel_all_timers();
        self.held_token = None;
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline; call [`Totem::handle_timeout`] then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.token_deadline,
            self.token_retransmit_deadline,
            self.join_deadline,
            self.consensus_deadline,
            self.merge_deadline,
            self.hold_deadline,
            self.heartbeat_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs every timer that is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Left {
            return;
        }
        if due(self.heartbeat_deadline, now) {
            self.heartbeat_deadline = Some(now + self.timers.heartbeat_interval);
            let msg = Message::Heartbeat(Heartbeat {
                header: Header::from_node(self.my_id),
                ring_seq: self.ring.seq,
            });
            self.send(Destination::AllPeers, &msg);
        }
        if due(self.hold_deadline, now) {
            self.hold_deadline = None;
            if let Some(token) = self.held_token.take() {
                self.forward_token(now, token);
            }
        }
        if due(self.token_retransmit_deadline, now) {
            self.token_retransmit_deadline = Some(now + self.timers.token_retransmit);
            if let Some((to, bytes)) = self.last_token_sent.clone() {
                self.stats.tokens_retransmitted += 1;
                self.push_transmit(Destination::Node(to), bytes);
            }
        }
        if due(self.merge_deadline, now) {
            self.merge_deadline = Some(now + self.timers.merge);
            self.send_merge_detect();
        }
        if due(self.join_deadline, now) {
            self.join_deadline = Some(now + self.timers.join);
            if self.state == State::Gather {
                if self.apply_suspicion(now) {
                    self.gather_enter(now);
                } else {
                    self.send_join();
                }
            }
        }
        if due(self.consensus_deadline, now) {
            self.consensus_deadline = None;
            if self.state == State::Gather {
                let silent: Vec<u32> = self
                    .proc_set
                    .iter()
                    .copied()
                    .filter(|n| !self.failed_set.contains(n) && !self.consensus.contains(n))
                    .collect();
                self.failed_set.extend(silent);
                self.failed_set.remove(&self.my_id);
                self.gather_enter(now);
            }
        }
        if due(self.token_deadline, now) {
            self.token_deadline = None;
            match self.state {
                State::Operational | State::Commit | State::Recovery => self.gather_enter(now),
                State::Gather | State::Left => {}
            }
        }
    }

    /// Handles one datagram that arrived from node `from` (the transport's source).
    pub fn handle_datagram(&mut self, now: Instant, from: u32, datagram: &[u8]) {
        self.stats.datagrams_received += 1;
        if self.state == State::Left {
            return;
        }
        if from != self.my_id && !self.peers.contains(&from) {
            self.stats.unlisted_dropped += 1;
            return;
        }
        let message = match Message::decode(datagram) {
            Ok(m) => m,
            Err(_) => {
                self.stats.malformed_dropped += 1;
                return;
            }
        };
        if !within_bounds(&message) {
            self.stats.malformed_dropped += 1;
            return;
        }
        if from != self.my_id {
            self.last_heard.insert(from, now);
        }
        match message {
            Message::Heartbeat(_) => {}
            Message::OrfToken(t) => self.handle_token(now, t),
            Message::Mcast(m) => self.handle_mcast(now, m),
            Message::Join(j) => self.handle_join(now, j),
            Message::CommitToken(c) => self.handle_commit_token(now, c),
            Message::MergeDetect(m) => self.handle_merge_detect(now, m),
            Message::TokenHoldCancel(c) => {
                if self.state == State::Operational && c.ring_id == self.ring {
                    if let Some(token) = self.held_token.take() {
                        self.hold_deadline = None;
                        self.unchanged_rotations = 0;
                        self.forward_token(now, token);
                    }
                }
            }
        }
    }

    // ----- output helpers -----

    fn push_transmit(&mut self, destination: Destination, datagram: Vec<u8>) {
        if self.transmits.len() < TRANSMIT_QUEUE_MAX {
            self.transmits.push_back(Transmit {
                destination,
                datagram,
            });
        }
    }

    fn send(&mut self, destination: Destination, message: &Message) {
        if destination == Destination::AllPeers && self.peers.is_empty() {
            return;
        }
        self.push_transmit(destination, message.encode());
    }

    fn emit(&mut self, event: Event) {
        if self.events.len() < EVENT_QUEUE_MAX {
            self.events.push_back(event);
        }
    }

    fn cancel_all_timers(&mut self) {
        self.token_deadline = None;
        self.token_retransmit_deadline = None;
        self.join_deadline = None;
        self.consensus_deadline = None;
        self.merge_deadline = None;
        self.hold_deadline = None;
        self.heartbeat_deadline = None;
    }

    fn is_suspect(&self, node: u32, now: Instant) -> bool {
        self.config.fast_failure_detection
            && node != self.my_id
            && self
                .last_heard
                .get(&node)
                .is_some_and(|t| now.saturating_since(*t) > self.timers.suspect_timeout)
    }

    /// Moves suspect members of the proc set to the failed set; true if any moved.
    fn apply_suspicion(&mut self, now: Instant) -> bool {
        let suspects: Vec<u32> = self
            .proc_set
            .iter()
            .copied()
            .filter(|n| !self.failed_set.contains(n) && self.is_suspect(*n, now))
            .collect();
        self.stats.suspicions_applied += suspects.len() as u64;
        let any = !suspects.is_empty();
        self.failed_set.extend(suspects);
        any
    }

    // ----- GATHER -----

    fn gather_enter(&mut self, now: Instant) {
        self.stats.gathers += 1;
        if self.state == State::Recovery {
            // Abandon the new ring; the old ring's store keeps what recovery brought in.
            self.recovery_queue.clear();
            self.new_store = RingStore::new(self.ring);
        }
        self.state = State::Gather;
        self.proc_set.insert(self.my_id);
        self.failed_set.remove(&self.my_id);
        self.apply_suspicion(now);
        self.consensus.clear();
        self.consensus.insert(self.my_id);
        self.token_ring = None;
        self.held_token = None;
        self.last_token_sent = None;
        self.token_deadline = None;
        self.token_retransmit_deadline = None;
        self.merge_deadline = None;
        self.hold_deadline = None;
        self.join_deadline = Some(now + self.timers.join);
        self.consensus_deadline = Some(now + self.timers.consensus);
        self.send_join();
        self.check_consensus(now);
    }

    fn send_join(&mut self) {
        let msg = Message::Join(Join {
            header: Header::from_node(self.my_id),
            system_from: self.my_id,
            proc_list: self.proc_set.iter().copied().collect(),
            failed_list: self.failed_set.iter().copied().collect(),
            ring_seq: self.join_ring_seq,
        });
        self.send(Destination::AllPeers, &msg);
    }

    fn handle_join(&mut self, now: Instant, join: Join) {
        self.ring_seq_max = self.ring_seq_max.max(join.ring_seq);
        let from = join.system_from;
        if from == self.my_id || from == 0 {
            return;
        }
        let is_leave = join.header.nodeid == LEAVE_DUMMY_NODEID;
        match self.state {
            State::Left => {}
            State::Operational => {
                // A join from a member older than our ring is left over from the gather that formed it.
                if self.members.contains(&from) && join.ring_seq < self.ring.seq && !is_leave {
                    return;
                }
                self.process_join(now, join, is_leave);
            }
            State::Gather => self.process_join(now, join, is_leave),
            State::Commit | State::Recovery => {
                if self.new_members.contains(&from)
                    && (is_leave || join.ring_seq >= self.new_ring.seq)
                {
                    self.process_join(now, join, is_leave);
                }
            }
        }
    }

    fn process_join(&mut self, now: Instant, join: Join, is_leave: bool) {
        let from = join.system_from;
        if join.proc_list.len() > PROCESSOR_COUNT_MAX
            || join.failed_list.len() > PROCESSOR_COUNT_MAX
        {
            return;
        }
        if is_leave {
            if self.failed_set.contains(&from) && self.state == State::Gather {
                return;
            }
            self.proc_set.insert(from);
            self.failed_set.insert(from);
            self.gather_enter(now);
            return;
        }
        let jproc: BTreeSet<u32> = join.proc_list.iter().copied().filter(|n| *n != 0).collect();
        let jfailed: BTreeSet<u32> = join
            .failed_list
            .iter()
            .copied()
            .filter(|n| *n != 0)
            .collect();
        if self.state == State::Gather {
            if jproc == self.proc_set && jfailed == self.failed_set {
                self.consensus.insert(from);
                self.check_consensus(now);
                return;
            }
            if self.failed_set.contains(&from) {
                return;
            }
            if jproc.is_subset(&self.proc_set) && jfailed.is_subset(&self.failed_set) {
                // It will catch up with us.
                return;
            }
        }
        let known: BTreeSet<u32> = self.config.nodelist.iter().copied().collect();
        self.proc_set
            .extend(jproc.iter().filter(|n| known.contains(n)));
        self.proc_set.insert(from);
        if jfailed.contains(&self.my_id) {
            self.failed_set.insert(from);
        } else {
            self.failed_set
                .extend(jfailed.iter().filter(|n| known.contains(n)));
        }
        self.failed_set.remove(&self.my_id);
        self.gather_enter(now);
    }

    fn check_consensus(&mut self, now: Instant) {
        if self.state != State::Gather {
            return;
        }
        let candidates: Vec<u32> = self
            .proc_set
            .iter()
            .copied()
            .filter(|n| !self.failed_set.contains(n))
            .collect();
        if !candidates.iter().all(|n| self.consensus.contains(n)) {
            return;
        }
        if candidates.first() != Some(&self.my_id) {
            return;
        }
        // We are the representative: create the commit token.
        let seq = self.ring_seq_max.max(self.join_ring_seq) + 4;
        let n = candidates.len();
        let token = CommitToken {
            header: Header::from_node(self.my_id),
            token_seq: 0,
            ring_id: RingId {
                seq,
                rep: self.my_id,
            },
            retrans_flg: 0,
            memb_index: 0,
            addr: candidates,
            memb_list: vec![CommitMembEntry::default(); n],
        };
        self.commit_enter(now, token);
    }

    // ----- COMMIT -----

    fn my_old_entry(&self) -> CommitMembEntry {
        CommitMembEntry {
            ring_id: self.ring,
            aru: self.store.aru,
            high_delivered: self.store.high_seq,
            received_flg: 1,
        }
    }

    fn commit_enter(&mut self, now: Instant, mut token: CommitToken) {
        let Some(index) = token.addr.iter().position(|n| *n == self.my_id) else {
            return;
        };
        self.state = State::Commit;
        self.new_ring = token.ring_id;
        self.new_members = token.addr.clone();
        self.ring_seq_max = self.ring_seq_max.max(token.ring_id.seq);
        self.join_ring_seq = token.ring_id.seq;
        self.emit(Event::PersistRingId {
            ring: token.ring_id,
        });
        token.memb_list[index] = self.my_old_entry();
        self.join_deadline = None;
        self.consensus_deadline = None;
        self.token_deadline = Some(now + self.timers.token);
        self.originated_token = false;
        let n = token.addr.len();
        token.memb_index = ((index + 1) as u32).min(n as u32);
        self.forward_commit_token(token, index);
    }

    fn forward_commit_token(&mut self, mut token: CommitToken, my_index: usize) {
        let next = token.addr[(my_index + 1) % token.addr.len()];
        token.token_seq = token.token_seq.wrapping_add(1);
        token.header = Header::from_node(self.my_id);
        self.commit_token_seq_forwarded = token.token_seq;
        self.send(Destination::Node(next), &Message::CommitToken(token));
    }

    fn handle_commit_token(&mut self, now: Instant, token: CommitToken) {
        self.ring_seq_max = self.ring_seq_max.max(token.ring_id.seq);
        let Some(index) = token.addr.iter().position(|n| *n == self.my_id) else {
            return;
        };
        if token.memb_list.len() != token.addr.len() || !token.addr.windows(2).all(|w| w[0] < w[1])
        {
            self.stats.malformed_dropped += 1;
            return;
        }
        let all_filled = token.memb_list.iter().all(|e| e.received_flg == 1);
        match self.state {
            State::Gather => {
                let view: Vec<u32> = self
                    .proc_set
                    .iter()
                    .copied()
                    .filter(|n| !self.failed_set.contains(n))
                    .collect();
                if token.addr == view && token.ring_id.seq > self.join_ring_seq && !all_filled {
                    self.commit_enter(now, token);
                }
            }
            State::Commit => {
                if token.ring_id == self.new_ring && all_filled {
                    self.recovery_enter(now, token, index);
                }
            }
            State::Recovery => {
                if token.ring_id == self.new_ring
                    && self.new_ring.rep == self.my_id
                    && !self.originated_token
                    && all_filled
                    && token.token_seq >= self.commit_token_seq_forwarded
                {
                    self.originated_token = true;
                    let first = OrfToken {
                        header: Header::from_node(self.my_id),
                        seq: 0,
                        token_seq: 0,
                        aru: 0,
                        aru_addr: 0,
                        ring_id: self.new_ring,
                        backlog: 0,
                        fcc: 0,
                        retrans_flg: 0,
                        rtr_list: Vec::new(),
                    };
                    self.process_token(now, first);
                }
            }
            State::Operational | State::Left => {}
        }
    }

    // ----- RECOVERY -----

    fn recovery_enter(&mut self, now: Instant, token: CommitToken, my_index: usize) {
        self.state = State::Recovery;
        let old = self.ring;
        let mut low_aru = self.store.aru;
        let mut high = self.store.high_seq;
        let mut trans = Vec::new();
        for (i, (node, entry)) in token.addr.iter().zip(&token.memb_list).enumerate() {
            if i == my_index || same_ring(entry.ring_id, old) {
                trans.push(*node);
                low_aru = low_aru.min(entry.aru);
                high = high.max(entry.high_delivered);
            }
        }
        self.recovery_trans = trans;
        self.recovery_high = high;
        self.recovery_queue = if low_aru < high {
            self.store
                .msgs
                .range(low_aru + 1..=high)
                .map(|(_, m)| m.clone())
                .collect()
        } else {
            VecDeque::new()
        };
        self.new_store = RingStore::new(self.new_ring);
        self.token_ring = Some(self.new_ring);
        self.token_seq_last = None;
        self.last_token_sent = None;
        self.last_token_sent_seq = 0;
        self.held_token = None;
        self.aru_history.clear();
        self.aru_at_last_visit = 0;
        self.aru_stuck_visits = 0;
        self.my_last_fcc = 0;
        self.my_last_backlog = 0;
        self.last_visit_seq = 0;
        self.unchanged_rotations = 0;
        self.retrans_zero_visits = 0;
        self.recovery_target = None;
        self.token_deadline = Some(now + self.timers.token);
        self.forward_commit_token(token, my_index);
    }

    fn operational_enter(&mut self, now: Instant) {
        let old_ring = self.ring;
        let old_members = std::mem::take(&mut self.members);
        // 1. The rest of the old ring's messages, gaps skipped (all our companions hold the same).
        if old_ring.rep != 0 && self.store.delivered < self.recovery_high {
            let high = self.recovery_high;
            let from = self.store.delivered + 1;
            let pending: Vec<(u32, Mcast)> = self
                .store
                .msgs
                .range(from..=high)
                .map(|(s, m)| (*s, m.clone()))
                .collect();
            for (seq, m) in pending {
                self.deliver_mcast(old_ring, seq, &m);
            }
            self.store.delivered = self.store.delivered.max(high);
        }
        // 2. Transitional configuration.
        let trans = std::mem::take(&mut self.recovery_trans);
        let left: Vec<u32> = old_members
            .iter()
            .copied()
            .filter(|n| !trans.contains(n) && old_ring.rep != 0)
            .collect();
        self.emit(Event::Configuration {
            ring: self.new_ring,
            members: trans.clone(),
            left,
            joined: Vec::new(),
            transitional: true,
        });
        // Half-assembled messages die with the old ring; a half-sent one goes out whole again.
        for a in self.assemblers.values_mut() {
            a.reset();
        }
        self.packer.restart_partial();
        // 3. Regular configuration.
        let joined: Vec<u32> = self
            .new_members
            .iter()
            .copied()
            .filter(|n| !trans.contains(n))
            .collect();
        self.emit(Event::Configuration {
            ring: self.new_ring,
            members: self.new_members.clone(),
            left: Vec::new(),
            joined,
            transitional: false,
        });
        self.stats.configurations += 1;
        self.ring = self.new_ring;
        self.members = self.new_members.clone();
        self.store = std::mem::replace(&mut self.new_store, RingStore::new(self.new_ring));
        self.state = State::Operational;
        self.proc_set = self.members.iter().copied().collect();
        self.failed_set.clear();
        self.consensus.clear();
        self.recovery_queue.clear();
        self.hold_cancel_sent = false;
        self.merge_deadline = if self.members.first() == Some(&self.my_id) {
            Some(now + self.timers.merge)
        } else {
            None
        };
        self.deliver_ready();
    }

    // ----- messages -----

    fn handle_mcast(&mut self, now: Instant, m: Mcast) {
        self.ring_seq_max = self.ring_seq_max.max(m.ring_id.seq);
        match self.state {
            State::Operational => {
                if m.ring_id == self.ring {
                    if m.seq > self.last_token_sent_seq {
                        // Sent after our token: the next node has it.
                        self.token_retransmit_deadline = None;
                    }
                    if self.store.insert(m) {
                        self.deliver_ready();
                    } else {
                        self.stats.duplicate_or_window_dropped += 1;
                    }
                } else if !self.members.contains(&m.system_from) && m.system_from != 0 {
                    // A foreign ring: merge with it.
                    self.stats.foreign_ring_dropped += 1;
                    if self.config.nodelist.contains(&m.system_from) {
                        self.proc_set.insert(m.system_from);
                        self.gather_enter(now);
                    }
                } else {
                    self.stats.foreign_ring_dropped += 1;
                }
            }
            State::Gather => {
                if m.ring_id == self.ring && self.ring.rep != 0 {
                    if !self.store.insert(m) {
                        self.stats.duplicate_or_window_dropped += 1;
                    }
                } else {
                    self.stats.foreign_ring_dropped += 1;
                }
            }
            State::Recovery => {
                if m.ring_id != self.new_ring {
                    self.stats.foreign_ring_dropped += 1;
                    return;
                }
                if m.seq > self.last_token_sent_seq {
                    self.token_retransmit_deadline = None;
                }
                let inner = if m.is_encapsulated() {
                    Some(m.payload.clone())
                } else {
                    None
                };
                if !self.new_store.insert(m) {
                    self.stats.duplicate_or_window_dropped += 1;
                    return;
                }
                if let Some(inner) = inner {
                    match Message::decode(&inner) {
                        Ok(Message::Mcast(old)) => {
                            if same_ring(old.ring_id, self.ring)
                                && old.seq <= self.recovery_high
                                && !old.is_encapsulated()
                            {
                                self.store.insert(old);
                            }
                        }
                        _ => self.stats.malformed_dropped += 1,
                    }
                }
            }
            State::Commit | State::Left => self.stats.foreign_ring_dropped += 1,
        }
    }

    fn deliver_ready(&mut self) {
        while self.store.delivered < self.store.aru {
            let seq = self.store.delivered + 1;
            let Some(m) = self.store.msgs.get(&seq).cloned() else {
                break;
            };
            self.store.delivered = seq;
            let ring = self.store.ring;
            self.deliver_mcast(ring, seq, &m);
        }
    }

    fn deliver_mcast(&mut self, ring: RingId, seq: u32, m: &Mcast) {
        if m.is_encapsulated() {
            return;
        }
        let packet = match PgPacket::decode(&m.payload) {
            Ok(p) => p,
            Err(_) => {
                self.stats.malformed_payload_dropped += 1;
                return;
            }
        };
        let assembler = self.assemblers.entry(m.system_from).or_default();
        let (done, threw) = assembler.feed(packet);
        if threw {
            self.stats.fragments_thrown_away += 1;
        }
        for a in done {
            match pg::parse_group_message(&a.message) {
                Ok((groups, payload)) if groups.contains(&pg::GROUP_NAME) => {
                    let payload = payload.to_vec();
                    self.emit(Event::Delivered {
                        ring,
                        seq,
                        index: a.index,
                        sender: m.system_from,
                        payload,
                    });
                }
                Ok(_) => {}
                Err(_) => self.stats.malformed_payload_dropped += 1,
            }
        }
    }

    // ----- token -----

    fn handle_token(&mut self, now: Instant, token: OrfToken) {
        self.ring_seq_max = self.ring_seq_max.max(token.ring_id.seq);
        if !matches!(self.state, State::Operational | State::Recovery)
            || Some(token.ring_id) != self.token_ring
        {
            self.stats.foreign_ring_dropped += 1;
            return;
        }
        if token.rtr_list.len() > RETRANSMIT_ENTRIES_MAX {
            self.stats.malformed_dropped += 1;
            return;
        }
        if let Some(last) = self.token_seq_last {
            if token.token_seq <= last {
                self.stats.duplicate_or_window_dropped += 1;
                return;
            }
        }
        self.process_token(now, token);
    }

    fn process_token(&mut self, now: Instant, mut token: OrfToken) {
        self.token_seq_last = Some(token.token_seq);
        self.token_retransmit_deadline = None;
        self.last_token_sent = None;
        self.token_deadline = Some(now + self.timers.token);
        self.hold_cancel_sent = false;
        let recovery = self.state == State::Recovery;

        // 1. Answer retransmit requests we can.
        let mut kept = Vec::with_capacity(token.rtr_list.len());
        let mut resend = Vec::new();
        {
            let store = if recovery {
                &self.new_store
            } else {
                &self.store
            };
            for item in token.rtr_list.drain(..) {
                match store.msgs.get(&item.seq) {
                    Some(m) if item.ring_id == store.ring => resend.push(m.clone()),
                    _ => kept.push(item),
                }
            }
        }
        for m in resend {
            self.stats.messages_retransmitted += 1;
            self.send(Destination::AllPeers, &Message::Mcast(m));
        }
        token.rtr_list = kept;

        // 2. Ask for what we miss.
        {
            let store = if recovery {
                &self.new_store
            } else {
                &self.store
            };
            let ring = store.ring;
            let top = token.seq.min(store.aru.saturating_add(RECEIVE_WINDOW_MAX));
            let mut seq = store.aru + 1;
            while seq <= top && token.rtr_list.len() < RETRANSMIT_ENTRIES_MAX {
                if !store.msgs.contains_key(&seq)
                    && !token
                        .rtr_list
                        .iter()
                        .any(|i| i.seq == seq && i.ring_id == ring)
                {
                    token.rtr_list.push(RtrItem { ring_id: ring, seq });
                }
                seq += 1;
            }
        }

        // 3. Send new messages within the flow-control window.
        let had_recovery_items = recovery && !self.recovery_queue.is_empty();
        let others_fcc = token.fcc.saturating_sub(self.my_last_fcc);
        let store_aru = if recovery {
            self.new_store.aru
        } else {
            self.store.aru
        };
        let outstanding = token.seq.saturating_sub(token.aru.min(store_aru));
        let mut budget = self
            .config
            .max_messages
            .min(self.config.window_size.saturating_sub(others_fcc))
            .min(
                RECEIVE_WINDOW_MAX
                    .saturating_sub(outstanding)
                    .saturating_sub(1),
            );
        let mut sent = 0u32;
        while budget > 0 {
            let (payload, encapsulated) = if recovery {
                match self.recovery_queue.pop_front() {
                    Some(old) => (Message::Mcast(old).encode(), MESSAGE_ENCAPSULATED),
                    None => break,
                }
            } else {
                match self.packer.next_packet() {
                    Some(p) => (p.encode(), MESSAGE_NOT_ENCAPSULATED),
                    None => break,
                }
            };
            token.seq += 1;
            self.this_seqno = self.this_seqno.wrapping_add(1);
            let m = Mcast {
                header: Header {
                    encapsulated,
                    nodeid: self.my_id,
                    target_nodeid: 0,
                },
                system_from: self.my_id,
                seq: token.seq,
                this_seqno: self.this_seqno,
                ring_id: token.ring_id,
                node_id: 0,
                guarantee: 0,
                payload,
            };
            self.send(Destination::AllPeers, &Message::Mcast(m.clone()));
            if recovery {
                self.new_store.insert(m);
            } else {
                self.store.insert(m);
            }
            budget -= 1;
            sent += 1;
        }
        token.fcc = others_fcc.saturating_add(sent);
        self.my_last_fcc = sent;
        let backlog = if recovery {
            self.recovery_queue.len()
        } else {
            self.packer.len()
        } as u32;
        token.backlog = token
            .backlog
            .saturating_sub(self.my_last_backlog)
            .saturating_add(backlog);
        self.my_last_backlog = backlog;

        // 4. The ring's aru.
        let my_aru = if recovery {
            self.new_store.aru
        } else {
            self.store.aru
        };
        if my_aru < token.aru || token.aru_addr == self.my_id || token.aru_addr == 0 {
            token.aru = my_aru;
            token.aru_addr = if token.aru == token.seq {
                0
            } else {
                self.my_id
            };
        }

        // 5. Free what everybody has.
        self.aru_history.push_back(token.aru);
        if self.aru_history.len() > ARU_HISTORY {
            self.aru_history.pop_front();
        }
        if self.aru_history.len() == ARU_HISTORY {
            let safe = self.aru_history.iter().copied().min().unwrap_or(0);
            // The new ring's store is kept whole during RECOVERY (bounded by the window): it may
            // hold messages of members already OPERATIONAL that we deliver later.
            if !recovery {
                self.store.free_up_to(safe);
            }
        }

        // 6. Deliver, or finish recovery.
        if recovery {
            // The flag names the last node that still had old-ring messages; only that node
            // clears it, at its next visit, if nobody set it since. So a flag seen clear on two
            // consecutive visits means nobody had any for a whole rotation. (Corosync only tests
            // the flag against zero, so a node id here reads as "set" to it.)
            if had_recovery_items {
                token.retrans_flg = self.my_id;
            } else if token.retrans_flg == self.my_id {
                token.retrans_flg = 0;
            }
            if token.retrans_flg == 0 {
                self.retrans_zero_visits += 1;
            } else {
                self.retrans_zero_visits = 0;
            }
            if self.retrans_zero_visits >= 2 && self.recovery_target.is_none() {
                // Nobody sent old-ring messages for a whole rotation: all of them are at or
                // below this seq.
                self.recovery_target = Some(token.seq);
            }
            if let Some(target) = self.recovery_target {
                if self.new_store.aru >= target {
                    self.operational_enter(now);
                }
            }
        } else {
            self.deliver_ready();
            // fail_recv_const: our aru has not moved for that many visits while the ring moved on
            // (someone's messages never reach us): give the ring up and let membership sort it out.
            if self.store.aru < token.seq && self.store.aru == self.aru_at_last_visit {
                self.aru_stuck_visits += 1;
            } else {
                self.aru_stuck_visits = 0;
            }
            self.aru_at_last_visit = self.store.aru;
            if self.aru_stuck_visits > self.config.fail_recv_const {
                self.aru_stuck_visits = 0;
                self.forward_token(now, token);
                self.gather_enter(now);
                return;
            }
        }

        // 7. Pass it on, or hold it while the ring is idle.
        let idle = sent == 0 && token.rtr_list.is_empty() && token.seq == self.last_visit_seq;
        self.unchanged_rotations = if idle {
            self.unchanged_rotations + 1
        } else {
            0
        };
        self.last_visit_seq = token.seq;
        // Only the representative holds, so an idle rotation costs one hold, not one per member.
        if self.state == State::Operational
            && self.unchanged_rotations >= self.config.seqno_unchanged_const
            && self.packer.is_empty()
            && self.members.first() == Some(&self.my_id)
        {
            self.held_token = Some(token);
            self.hold_deadline = Some(now + self.timers.hold);
            return;
        }
        self.forward_token(now, token);
    }

    fn forward_token(&mut self, now: Instant, mut token: OrfToken) {
        let ring_members = if self.state == State::Recovery {
            &self.new_members
        } else {
            &self.members
        };
        let Some(pos) = ring_members.iter().position(|n| *n == self.my_id) else {
            return;
        };
        let next = ring_members[(pos + 1) % ring_members.len()];
        token.token_seq = token.token_seq.wrapping_add(1);
        token.header = Header::from_node(self.my_id);
        self.last_token_sent_seq = token.seq;
        let bytes = Message::OrfToken(token).encode();
        self.last_token_sent = Some((next, bytes.clone()));
        self.token_retransmit_deadline = Some(now + self.timers.token_retransmit);
        self.push_transmit(Destination::Node(next), bytes);
    }

    // ----- merge detection -----

    fn send_merge_detect(&mut self) {
        if self.state != State::Operational || self.members.first() != Some(&self.my_id) {
            self.merge_deadline = None;
            return;
        }
        let msg = Message::MergeDetect(MergeDetect {
            header: Header::from_node(self.my_id),
            system_from: self.my_id,
            ring_id: self.ring,
        });
        let outsiders: Vec<u32> = self
            .peers
            .iter()
            .copied()
            .filter(|p| !self.members.contains(p))
            .collect();
        for p in outsiders {
            self.send(Destination::Node(p), &msg);
        }
    }

    fn handle_merge_detect(&mut self, now: Instant, m: MergeDetect) {
        self.ring_seq_max = self.ring_seq_max.max(m.ring_id.seq);
        if self.state != State::Operational || m.ring_id == self.ring {
            return;
        }
        if !self.members.contains(&m.system_from) || m.ring_id.seq > self.ring.seq {
            self.proc_set.insert(m.system_from);
            self.gather_enter(now);
        }
    }
}

/// Whether every seq and ring seq of `message` is within [`SEQ_MAX`] and [`RING_SEQ_MAX`].
fn within_bounds(message: &Message) -> bool {
    let ring_ok = |r: &RingId| r.seq <= RING_SEQ_MAX;
    match message {
        Message::OrfToken(t) => {
            t.seq <= SEQ_MAX
                && t.aru <= SEQ_MAX
                && ring_ok(&t.ring_id)
                && t.rtr_list
                    .iter()
                    .all(|i| i.seq <= SEQ_MAX && ring_ok(&i.ring_id))
        }
        Message::Mcast(m) => m.seq <= SEQ_MAX && ring_ok(&m.ring_id),
        Message::Join(j) => j.ring_seq <= RING_SEQ_MAX,
        Message::CommitToken(c) => {
            ring_ok(&c.ring_id)
                && c.memb_list
                    .iter()
                    .all(|e| e.aru <= SEQ_MAX && e.high_delivered <= SEQ_MAX && ring_ok(&e.ring_id))
        }
        Message::MergeDetect(m) => ring_ok(&m.ring_id),
        Message::TokenHoldCancel(t) => ring_ok(&t.ring_id),
        Message::Heartbeat(_) => true,
    }
}

fn due(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|d| d <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MessageType;

    fn kinds(out: &[Transmit]) -> Vec<(Destination, MessageType)> {
        out.iter()
            .map(|tx| {
                (
                    tx.destination,
                    Message::decode(&tx.datagram).unwrap().message_type(),
                )
            })
            .collect()
    }

    fn drain(t: &mut Totem) -> Vec<Transmit> {
        std::iter::from_fn(|| t.poll_transmit()).collect()
    }

    #[test]
    fn a_lone_node_forms_a_singleton_ring_step_by_step() {
        let t0 = Instant::from_millis(0);
        let mut t = Totem::new(TotemConfig::new(1, vec![1, 2]), 40, t0);
        // GATHER sends a join to the peers; alone in its proc set, the node has consensus at once
        // and commits to ring 1.44 (persisted ring seq 40 + 4), sending the commit token to itself.
        assert_eq!(t.state(), State::Commit);
        let ring = RingId { seq: 44, rep: 1 };
        assert_eq!(t.poll_event(), Some(Event::PersistRingId { ring }));
        let out = drain(&mut t);
        assert_eq!(
            kinds(&out),
            vec![
                (Destination::AllPeers, MessageType::Join),
                (Destination::Node(1), MessageType::CommitToken),
            ]
        );
        // The commit token's return: RECOVERY, and the second rotation starts.
        t.handle_datagram(t0, 1, &out[1].datagram);
        assert_eq!(t.state(), State::Recovery);
        let out = drain(&mut t);
        assert_eq!(
            kinds(&out),
            vec![(Destination::Node(1), MessageType::CommitToken)]
        );
        // Its return: the ORF token; two visits with nothing to recover end RECOVERY.
        t.handle_datagram(t0, 1, &out[0].datagram);
        let mut visits = 0;
        while t.state() != State::Operational {
            let out = drain(&mut t);
            assert_eq!(
                kinds(&out),
                vec![(Destination::Node(1), MessageType::OrfToken)]
            );
            t.handle_datagram(t0, 1, &out[0].datagram);
            visits += 1;
            assert!(visits < 5, "still in {:?}", t.state());
        }
        let events: Vec<Event> = std::iter::from_fn(|| t.poll_event()).collect();
        let config = |transitional| Event::Configuration {
            ring,
            members: vec![1],
            left: vec![],
            joined: vec![],
            transitional,
        };
        assert_eq!(events, vec![config(true), config(false)]);
        assert_eq!(t.configuration(), (ring, &[1u32][..]));
        // A broadcast now goes out on the next token visit and is delivered to ourselves.
        t.broadcast(t0, b"x").unwrap();
        for _ in 0..3 {
            for tx in drain(&mut t) {
                if tx.destination == Destination::Node(1) {
                    t.handle_datagram(t0, 1, &tx.datagram);
                }
            }
        }
        let delivered: Vec<Event> = std::iter::from_fn(|| t.poll_event()).collect();
        assert_eq!(
            delivered,
            vec![Event::Delivered {
                ring,
                seq: 1,
                index: 0,
                sender: 1,
                payload: b"x".to_vec()
            }]
        );
    }

    #[test]
    fn hostile_seqs_are_dropped_as_malformed() {
        let mut t = Totem::new(TotemConfig::new(1, vec![1, 2]), 0, Instant::from_millis(0));
        let token = Message::OrfToken(OrfToken {
            header: Header::from_node(2),
            seq: u32::MAX,
            token_seq: 1,
            aru: 0,
            aru_addr: 0,
            ring_id: RingId { seq: 4, rep: 1 },
            backlog: 0,
            fcc: 0,
            retrans_flg: 0,
            rtr_list: vec![],
        });
        t.handle_datagram(Instant::from_millis(1), 2, &token.encode());
        assert_eq!(t.stats().malformed_dropped, 1);
    }
}
