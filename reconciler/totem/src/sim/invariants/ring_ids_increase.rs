//! Ring ids increase: each node (across crashes and restarts, thanks to the persisted ring seq)
//! installs rings of strictly increasing seq.

use super::{Invariant, NodeInc, Observation};
use std::collections::HashMap;

/// See the module doc.
#[derive(Debug, Default)]
pub struct RingIdsIncrease {
    last: HashMap<u32, u64>,
}

impl Invariant for RingIdsIncrease {
    fn name(&self) -> &'static str {
        "ring ids increase"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        if let Observation::Configuration {
            ring,
            transitional: false,
            ..
        } = what
        {
            if let Some(last) = self.last.insert(who.node, ring.seq) {
                if ring.seq <= last {
                    return Err(format!(
                        "node {} installed ring {ring} after a ring of seq {last:x}",
                        who.node
                    ));
                }
            }
        }
        Ok(())
    }
}
