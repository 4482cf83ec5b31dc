//! Self-delivery: a node delivers every message it broadcast unless it crashes first. During the
//! run it checks that a node never delivers, as its own, a message it did not send; at the end
//! [`SelfDelivery::undelivered`] lists what a live node still owes itself.

use super::{Invariant, MsgId, NodeInc, Observation};
use std::collections::{BTreeSet, HashMap};

/// See the module doc.
#[derive(Debug, Default)]
pub struct SelfDelivery {
    pending: HashMap<NodeInc, BTreeSet<MsgId>>,
}

impl SelfDelivery {
    /// Messages that live incarnation `who` broadcast and has not delivered.
    pub fn undelivered(&self, who: NodeInc) -> Vec<MsgId> {
        self.pending
            .get(&who)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }
}

impl Invariant for SelfDelivery {
    fn name(&self) -> &'static str {
        "self-delivery"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        match what {
            Observation::Broadcast { msg } => {
                self.pending.entry(who).or_default().insert(*msg);
            }
            Observation::Delivered { msg, .. } if msg.sender == who.node => {
                let known = self.pending.get_mut(&who).is_some_and(|s| s.remove(msg));
                if !known {
                    return Err(format!(
                        "node {} incarnation {} delivered its own {msg:?}, which this incarnation never sent",
                        who.node, who.incarnation
                    ));
                }
            }
            Observation::Crashed => {
                self.pending.remove(&who);
            }
            _ => {}
        }
        Ok(())
    }
}
