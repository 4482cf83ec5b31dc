//! No duplicates: a node (over all its incarnations) delivers each message at most once.

use super::{Invariant, MsgId, NodeInc, Observation};
use std::collections::{HashMap, HashSet};

/// See the module doc.
#[derive(Debug, Default)]
pub struct NoDuplicates {
    seen: HashMap<u32, HashSet<MsgId>>,
}

impl Invariant for NoDuplicates {
    fn name(&self) -> &'static str {
        "no duplicates"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        if let Observation::Delivered { msg, .. } = what {
            if !self.seen.entry(who.node).or_default().insert(*msg) {
                return Err(format!("node {} delivered {msg:?} twice", who.node));
            }
        }
        Ok(())
    }
}
