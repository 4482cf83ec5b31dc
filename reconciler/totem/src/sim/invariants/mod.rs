//! The safety invariants the simulator checks after every step, one module each. Each sees every
//! event every node emits (tagged with the node and its incarnation) and returns the first
//! violation it finds as a sentence naming the property.

pub mod agreed_order;
pub mod config_agreement;
pub mod in_configuration;
pub mod no_duplicates;
pub mod ring_ids_increase;
pub mod self_delivery;
pub mod virtual_synchrony;

use crate::wire::RingId;

/// One application message as the simulator tags it: who broadcast it and its unique id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId {
    /// Node that broadcast it.
    pub sender: u32,
    /// Globally unique number.
    pub id: u64,
}

/// What a node did, as the invariants see it.
#[derive(Clone, Debug)]
pub enum Observation<'a> {
    /// The node broadcast a message (accepted by `broadcast`).
    Broadcast {
        /// The message.
        msg: MsgId,
    },
    /// The node delivered a message.
    Delivered {
        /// Ring.
        ring: RingId,
        /// Seq.
        seq: u32,
        /// Index in the mcast.
        index: u16,
        /// Sender field of the event.
        sender: u32,
        /// Decoded payload tag.
        msg: MsgId,
    },
    /// The node delivered a configuration.
    Configuration {
        /// Ring.
        ring: RingId,
        /// Members.
        members: &'a [u32],
        /// Transitional or regular.
        transitional: bool,
    },
    /// The node crashed (its incarnation ends).
    Crashed,
}

/// A node incarnation: node id and how many times it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeInc {
    /// Node id.
    pub node: u32,
    /// Start count.
    pub incarnation: u32,
}

/// One invariant.
pub trait Invariant {
    /// Its name, printed with a violation.
    fn name(&self) -> &'static str;
    /// Sees one observation; `Err` describes a violation.
    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String>;
}

/// All invariants, in a fixed order.
pub fn all() -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(agreed_order::AgreedOrder::default()),
        Box::new(virtual_synchrony::VirtualSynchrony::default()),
        Box::new(no_duplicates::NoDuplicates::default()),
        Box::new(in_configuration::InConfiguration::default()),
        Box::new(self_delivery::SelfDelivery::default()),
        Box::new(config_agreement::ConfigAgreement::default()),
        Box::new(ring_ids_increase::RingIdsIncrease::default()),
    ]
}

/// Mixes a message id into a set digest (order-independent when summed).
pub(crate) fn mix(msg: MsgId) -> u64 {
    let mut z = msg.id ^ ((msg.sender as u64) << 48) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
