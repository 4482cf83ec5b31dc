//! No delivery from outside the configuration: a node delivers only messages of its installed
//! regular configuration's ring, from a member of it, and the event's sender is the node that
//! broadcast the message.

use super::{Invariant, NodeInc, Observation};
use crate::wire::RingId;
use std::collections::HashMap;

/// See the module doc.
#[derive(Debug, Default)]
pub struct InConfiguration {
    installed: HashMap<NodeInc, (RingId, Vec<u32>)>,
}

impl Invariant for InConfiguration {
    fn name(&self) -> &'static str {
        "no delivery from outside the configuration"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        match what {
            Observation::Configuration {
                ring,
                members,
                transitional: false,
            } => {
                self.installed.insert(who, (*ring, members.to_vec()));
            }
            Observation::Delivered {
                ring, sender, msg, ..
            } => {
                if *sender != msg.sender {
                    return Err(format!("node {} got sender {sender} for {msg:?}", who.node));
                }
                let Some((current, members)) = self.installed.get(&who) else {
                    return Err(format!(
                        "node {} delivered {msg:?} before any configuration",
                        who.node
                    ));
                };
                if ring != current {
                    return Err(format!(
                        "node {} delivered {msg:?} of ring {ring} while in ring {current}",
                        who.node
                    ));
                }
                if !members.contains(sender) {
                    return Err(format!(
                        "node {} delivered {msg:?} from {sender}, not a member of {current} {members:?}",
                        who.node
                    ));
                }
            }
            Observation::Crashed => {
                self.installed.remove(&who);
            }
            _ => {}
        }
        Ok(())
    }
}
