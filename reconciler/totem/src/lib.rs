//! quorate-totem: the Totem single-ring protocol as a sans-IO state machine, on Corosync 3.1's wire
//! format, with votequorum arithmetic and a deterministic simulator.
//!
//! The crate does no I/O: it reads no clock, no randomness and no socket. A driver (the agent's UDP
//! loop, or [`sim`]) feeds a [`Totem`] with datagrams ([`Totem::handle_datagram`]), timeouts
//! ([`Totem::handle_timeout`]) and payloads to send ([`Totem::broadcast`]), then drains events
//! ([`Totem::poll_event`]: persist [`Event::PersistRingId`] before sending anything further),
//! datagrams ([`Totem::poll_transmit`]) and the next deadline ([`Totem::poll_timeout`]).
//!
//! A complete driver for two nodes, with a perfect zero-latency network:
//!
//! ```
//! use quorate_totem::{Destination, Event, Instant, Totem, TotemConfig};
//!
//! let nodes = vec![1, 2];
//! let mut totems: Vec<Totem> = nodes
//!     .iter()
//!     .map(|id| Totem::new(TotemConfig::new(*id, nodes.clone()), 0, Instant::from_millis(0)))
//!     .collect();
//! let mut now = Instant::from_millis(0);
//! let mut delivered = vec![Vec::new(), Vec::new()];
//! let mut persisted = [0u64; 2];
//! let mut sent = false;
//! for _ in 0..200_000 {
//!     // Drain every node: events first (persist ring ids), then datagrams.
//!     let mut in_flight = Vec::new();
//!     for (i, t) in totems.iter_mut().enumerate() {
//!         while let Some(event) = t.poll_event() {
//!             match event {
//!                 Event::PersistRingId { ring } => persisted[i] = ring.seq,
//!                 Event::Delivered { payload, .. } => delivered[i].push(payload),
//!                 Event::Configuration { .. } => {}
//!             }
//!         }
//!         while let Some(tx) = t.poll_transmit() {
//!             let from = t.node_id();
//!             match tx.destination {
//!                 Destination::Node(to) => in_flight.push((from, to, tx.datagram)),
//!                 Destination::AllPeers => {
//!                     for to in nodes.iter().copied().filter(|n| *n != from) {
//!                         in_flight.push((from, to, tx.datagram.clone()));
//!                     }
//!                 }
//!             }
//!         }
//!     }
//!     if in_flight.is_empty() {
//!         // Nothing on the wire: jump to the earliest deadline.
//!         now = totems.iter().filter_map(|t| t.poll_timeout()).min().unwrap();
//!         totems.iter_mut().for_each(|t| t.handle_timeout(now));
//!     }
//!     for (from, to, datagram) in in_flight {
//!         totems[to as usize - 1].handle_datagram(now, from, &datagram);
//!     }
//!     let (_, members) = totems[0].configuration();
//!     if !sent && members == [1, 2] && totems[1].configuration().1 == [1, 2] {
//!         totems[0].broadcast(now, b"hello").unwrap();
//!         sent = true;
//!     }
//!     if delivered.iter().all(|d| d.len() == 1) {
//!         break;
//!     }
//! }
//! assert_eq!(delivered, vec![vec![b"hello".to_vec()], vec![b"hello".to_vec()]]);
//! assert!(persisted.iter().all(|seq| *seq > 0));
//! ```
//!
//! Modules: [`wire`] (the Corosync 3.1 totemsrp codec), [`pg`] (totempg packing and
//! fragmentation), [`config`] (timers derived as Corosync 3.1.7 does), [`srp`] (the protocol),
//! [`votequorum`] (quorum arithmetic), [`sim`] (the deterministic simulator and its invariants),
//! [`rng`] (the simulator's seeded PRNG).

pub mod config;
pub mod pg;
pub mod rng;
pub mod sim;
pub mod srp;
pub mod votequorum;
pub mod wire;

pub use config::{Timers, TotemConfig};
pub use srp::{BroadcastError, Destination, Event, Instant, State, Stats, Totem, Transmit};
pub use wire::RingId;
