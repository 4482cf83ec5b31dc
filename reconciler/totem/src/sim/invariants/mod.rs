//! The safety invariants the simulator checks after every step, one module each. Each sees every
//! event every node emits (tagged with the node and its incarnation) and returns the first
//! violation it finds as a sentence naming the property.

pub mod agreed_order;
pub mod config_agreement;
pub mod in_configuration;
pub mod no_duplicates;
pub mod quorum_intersection;
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

/// All invariants for a cluster of `nodes` nodes, in a fixed order.
pub fn all(nodes: usize) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(agreed_order::AgreedOrder::default()),
        Box::new(virtual_synchrony::VirtualSynchrony::default()),
        Box::new(no_duplicates::NoDuplicates::default()),
        Box::new(in_configuration::InConfiguration::default()),
        Box::new(self_delivery::SelfDelivery::default()),
        Box::new(config_agreement::ConfigAgreement::default()),
        Box::new(ring_ids_increase::RingIdsIncrease::default()),
        Box::new(quorum_intersection::QuorumIntersection::new(
            nodes,
            crate::votequorum::QuorumOptions::default(),
        )),
    ]
}

/// Mixes a message id into a set digest (order-independent when summed).
pub(crate) fn mix(msg: MsgId) -> u64 {
    let mut z = msg.id ^ ((msg.sender as u64) << 48) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    //! Each invariant rejects the violation it names (so a clean simulation means something).
    use super::*;

    const A: NodeInc = NodeInc {
        node: 1,
        incarnation: 1,
    };
    const B: NodeInc = NodeInc {
        node: 2,
        incarnation: 1,
    };
    const R1: RingId = RingId { seq: 4, rep: 1 };
    const R2: RingId = RingId { seq: 8, rep: 1 };
    const M1: MsgId = MsgId { sender: 1, id: 1 };
    const M2: MsgId = MsgId { sender: 2, id: 2 };

    fn cfg(ring: RingId, members: &[u32], transitional: bool) -> Observation<'_> {
        Observation::Configuration {
            ring,
            members,
            transitional,
        }
    }

    fn del(ring: RingId, seq: u32, msg: MsgId) -> Observation<'static> {
        Observation::Delivered {
            ring,
            seq,
            index: 0,
            sender: msg.sender,
            msg,
        }
    }

    fn run(inv: &mut dyn Invariant, steps: &[(NodeInc, Observation<'_>)]) -> Result<(), String> {
        steps
            .iter()
            .try_for_each(|(who, what)| inv.observe(*who, what))
    }

    fn installed(who: NodeInc, ring: RingId) -> Vec<(NodeInc, Observation<'static>)> {
        vec![
            (who, cfg(ring, &[1, 2], true)),
            (who, cfg(ring, &[1, 2], false)),
        ]
    }

    #[test]
    fn agreed_order_rejects_two_messages_at_one_position_and_going_backwards() {
        let mut inv = agreed_order::AgreedOrder::default();
        assert!(run(&mut inv, &[(A, del(R1, 1, M1)), (B, del(R1, 1, M2))]).is_err());
        let mut inv = agreed_order::AgreedOrder::default();
        assert!(run(&mut inv, &[(A, del(R1, 2, M1)), (A, del(R1, 1, M2))]).is_err());
        let mut inv = agreed_order::AgreedOrder::default();
        assert!(run(
            &mut inv,
            &[
                (A, del(R1, 1, M1)),
                (B, del(R1, 1, M1)),
                (A, del(R2, 1, M2))
            ]
        )
        .is_ok());
    }

    #[test]
    fn no_duplicates_rejects_a_second_delivery() {
        let mut inv = no_duplicates::NoDuplicates::default();
        assert!(run(&mut inv, &[(A, del(R1, 1, M1)), (A, del(R2, 1, M1))]).is_err());
    }

    #[test]
    fn in_configuration_rejects_foreign_rings_and_non_members() {
        let mut inv = in_configuration::InConfiguration::default();
        assert!(
            run(&mut inv, &[(A, del(R1, 1, M1))]).is_err(),
            "before any configuration"
        );
        let mut inv = in_configuration::InConfiguration::default();
        let mut steps = installed(A, R1);
        steps.push((A, del(R2, 1, M1)));
        assert!(run(&mut inv, &steps).is_err(), "wrong ring");
        let mut inv = in_configuration::InConfiguration::default();
        let mut steps = installed(A, R1);
        steps.push((A, del(R1, 1, MsgId { sender: 3, id: 9 })));
        assert!(run(&mut inv, &steps).is_err(), "sender not a member");
    }

    #[test]
    fn self_delivery_tracks_what_is_owed() {
        let mut inv = self_delivery::SelfDelivery::default();
        run(&mut inv, &[(A, Observation::Broadcast { msg: M1 })]).unwrap();
        assert_eq!(inv.undelivered(A), vec![M1]);
        run(&mut inv, &[(A, del(R1, 1, M1))]).unwrap();
        assert!(inv.undelivered(A).is_empty());
        assert!(
            run(&mut inv, &[(A, del(R1, 2, M1))]).is_err(),
            "own message never sent"
        );
    }

    #[test]
    fn virtual_synchrony_rejects_companions_with_different_old_sets() {
        let mut inv = virtual_synchrony::VirtualSynchrony::default();
        let mut steps = installed(A, R1);
        steps.extend(installed(B, R1));
        steps.push((A, del(R1, 1, M1)));
        steps.push((A, cfg(R2, &[1, 2], true)));
        steps.push((B, cfg(R2, &[1, 2], true)));
        assert!(run(&mut inv, &steps).is_err());
    }

    #[test]
    fn config_agreement_rejects_different_members_for_one_ring() {
        let mut inv = config_agreement::ConfigAgreement::default();
        let steps = vec![
            (A, cfg(R1, &[1, 2], true)),
            (A, cfg(R1, &[1, 2], false)),
            (B, cfg(R1, &[2], true)),
            (B, cfg(R1, &[2], false)),
        ];
        assert!(run(&mut inv, &steps).is_err());
        let mut inv = config_agreement::ConfigAgreement::default();
        assert!(
            run(&mut inv, &[(A, cfg(R1, &[1], false))]).is_err(),
            "regular without transitional"
        );
    }

    #[test]
    fn quorum_intersection_holds_for_majorities_and_flags_two_node_halves() {
        use crate::votequorum::QuorumOptions;
        let c = NodeInc {
            node: 3,
            incarnation: 1,
        };
        let steps = vec![(A, cfg(R1, &[1, 2], false)), (c, cfg(R2, &[3], false))];
        let mut majority =
            quorum_intersection::QuorumIntersection::new(3, QuorumOptions::default());
        assert!(
            run(&mut majority, &steps).is_ok(),
            "{{3}} of 3 is not quorate"
        );
        let two_node = QuorumOptions {
            two_node: true,
            wait_for_all: Some(false),
            ..Default::default()
        };
        let mut halves = quorum_intersection::QuorumIntersection::new(2, two_node);
        let steps = vec![(A, cfg(R1, &[1], false)), (B, cfg(R2, &[2], false))];
        assert!(
            run(&mut halves, &steps).is_err(),
            "two_node halves are both quorate"
        );
    }

    #[test]
    fn ring_ids_must_grow_across_incarnations() {
        let mut inv = ring_ids_increase::RingIdsIncrease::default();
        let again = NodeInc {
            node: 1,
            incarnation: 2,
        };
        let steps = vec![(A, cfg(R2, &[1], false)), (again, cfg(R1, &[1], false))];
        assert!(run(&mut inv, &steps).is_err());
    }
}
