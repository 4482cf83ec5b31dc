//! quorate-totem: the Totem single-ring protocol as a sans-IO state machine, on Corosync 3.1's wire
//! format, with votequorum arithmetic and a deterministic simulator.
//!
//! The crate does no I/O: it reads no clock, no randomness and no socket. A driver (the agent's UDP
//! loop, or [`sim`]) feeds a [`Totem`] with datagrams ([`Totem::handle_datagram`]), timeouts
//! ([`Totem::handle_timeout`]) and payloads to send ([`Totem::broadcast`]), then drains datagrams
//! ([`Totem::poll_transmit`]), the next deadline ([`Totem::poll_timeout`]) and events
//! ([`Totem::poll_event`]).

pub mod config;
pub mod pg;
pub mod rng;
pub mod srp;
pub mod votequorum;
pub mod wire;

pub use config::{Timers, TotemConfig};
pub use srp::{BroadcastError, Destination, Event, Instant, State, Stats, Totem, Transmit};
pub use wire::RingId;
pub mod sim;
