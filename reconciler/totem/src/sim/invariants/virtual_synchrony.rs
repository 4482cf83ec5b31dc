//! Virtual synchrony: nodes that move together from one configuration to the next (they install
//! the same new ring coming from the same old ring) delivered the same set of messages in the old
//! one, so the change sits at the same point in their streams.

use super::{mix, Invariant, NodeInc, Observation};
use crate::wire::RingId;
use std::collections::HashMap;

/// See the module doc.
#[derive(Debug, Default)]
pub struct VirtualSynchrony {
    /// Per incarnation: installed ring, and the digest and count of what it delivered in it.
    current: HashMap<NodeInc, (RingId, u64, u64)>,
    /// (old ring, new ring) -> (node that recorded it first, digest, count).
    transitions: HashMap<(RingId, RingId), (u32, u64, u64)>,
}

impl Invariant for VirtualSynchrony {
    fn name(&self) -> &'static str {
        "virtual synchrony"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        match what {
            Observation::Delivered { msg, .. } => {
                if let Some(cur) = self.current.get_mut(&who) {
                    cur.1 = cur.1.wrapping_add(mix(*msg));
                    cur.2 += 1;
                }
            }
            Observation::Configuration {
                ring,
                transitional: true,
                ..
            } => {
                if let Some((old, digest, count)) = self.current.get(&who).copied() {
                    match self.transitions.get(&(old, *ring)) {
                        Some((first, d, c)) if (*d, *c) != (digest, count) => {
                            return Err(format!(
                                "nodes {first} and {} moved together from ring {old} to {ring} but delivered different sets there ({c} vs {count} messages)",
                                who.node
                            ));
                        }
                        Some(_) => {}
                        None => {
                            self.transitions
                                .insert((old, *ring), (who.node, digest, count));
                        }
                    }
                }
            }
            Observation::Configuration {
                ring,
                transitional: false,
                ..
            } => {
                self.current.insert(who, (*ring, 0, 0));
            }
            Observation::Crashed => {
                self.current.remove(&who);
            }
            Observation::Broadcast { .. } => {}
        }
        Ok(())
    }
}
