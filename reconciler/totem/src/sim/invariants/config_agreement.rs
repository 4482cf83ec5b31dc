//! Configuration agreement: every node that installs a ring reports the same members and is one of
//! them; nodes coming into it from the same old ring report the same transitional members; and a
//! regular configuration always follows the transitional one of the same ring.

use super::{Invariant, NodeInc, Observation};
use crate::wire::RingId;
use std::collections::HashMap;

/// See the module doc.
#[derive(Debug, Default)]
pub struct ConfigAgreement {
    regular: HashMap<RingId, Vec<u32>>,
    transitional: HashMap<(Option<RingId>, RingId), Vec<u32>>,
    installed: HashMap<NodeInc, RingId>,
    pending_transitional: HashMap<NodeInc, RingId>,
}

impl Invariant for ConfigAgreement {
    fn name(&self) -> &'static str {
        "configuration agreement"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        match what {
            Observation::Configuration {
                ring,
                members,
                transitional,
            } => {
                if !members.contains(&who.node) {
                    return Err(format!(
                        "node {} got configuration {ring} {members:?} without itself",
                        who.node
                    ));
                }
                if !members.windows(2).all(|w| w[0] < w[1]) {
                    return Err(format!(
                        "configuration {ring} members not sorted: {members:?}"
                    ));
                }
                if *transitional {
                    let old = self.installed.get(&who).copied();
                    let key = (old, *ring);
                    if old.is_some() {
                        if let Some(prev) = self.transitional.get(&key) {
                            if prev.as_slice() != *members {
                                return Err(format!(
                                    "node {} has transitional {members:?} into {ring}, another had {prev:?}",
                                    who.node
                                ));
                            }
                        } else {
                            self.transitional.insert(key, members.to_vec());
                        }
                    }
                    self.pending_transitional.insert(who, *ring);
                } else {
                    if self.pending_transitional.remove(&who) != Some(*ring) {
                        return Err(format!(
                            "node {} installed {ring} without its transitional configuration",
                            who.node
                        ));
                    }
                    if let Some(prev) = self.regular.get(ring) {
                        if prev.as_slice() != *members {
                            return Err(format!(
                                "node {} installed ring {ring} as {members:?}, another as {prev:?}",
                                who.node
                            ));
                        }
                    } else {
                        self.regular.insert(*ring, members.to_vec());
                    }
                    self.installed.insert(who, *ring);
                }
            }
            Observation::Crashed => {
                self.installed.remove(&who);
                self.pending_transitional.remove(&who);
            }
            _ => {}
        }
        Ok(())
    }
}
