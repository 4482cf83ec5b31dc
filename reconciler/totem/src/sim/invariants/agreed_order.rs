//! Agreed order: any two nodes deliver their common messages in the same order. Checked as two
//! facts that imply it: a position (ring, seq, index) names the same message at every node, and
//! each node delivers positions in strictly increasing order (rings by seq, then rep).

use super::{Invariant, MsgId, NodeInc, Observation};
use crate::wire::RingId;
use std::collections::HashMap;

type Position = (u64, u32, u32, u16);

/// See the module doc.
#[derive(Debug, Default)]
pub struct AgreedOrder {
    at: HashMap<(RingId, u32, u16), MsgId>,
    last: HashMap<u32, Position>,
}

impl Invariant for AgreedOrder {
    fn name(&self) -> &'static str {
        "agreed order"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        let Observation::Delivered {
            ring,
            seq,
            index,
            msg,
            ..
        } = what
        else {
            return Ok(());
        };
        if let Some(prev) = self.at.insert((*ring, *seq, *index), *msg) {
            if prev != *msg {
                return Err(format!(
                    "node {} delivered {msg:?} at ring {ring} seq {seq}.{index}, where another node delivered {prev:?}",
                    who.node
                ));
            }
        }
        let pos = (ring.seq, ring.rep, *seq, *index);
        if let Some(last) = self.last.insert(who.node, pos) {
            if pos <= last {
                return Err(format!(
                    "node {} delivered position {pos:?} after {last:?}",
                    who.node
                ));
            }
        }
        Ok(())
    }
}
