//! Quorum intersection: no two nodes hold quorum at the same time in disjoint configurations.
//! Each node incarnation runs votequorum (the options given, by default Corosync's plain majority)
//! over the regular configurations it installs; whenever one changes, its view is compared with
//! every other live node's current view. (With `two_node`, disjoint quorate halves are by design:
//! fencing breaks that tie, so the simulator runs this with plain majority.)

use super::{Invariant, NodeInc, Observation};
use crate::votequorum::{QuorumOptions, Votequorum};
use std::collections::HashMap;

/// See the module doc.
#[derive(Debug)]
pub struct QuorumIntersection {
    options: QuorumOptions,
    nodelist: Vec<(u32, u32)>,
    views: HashMap<NodeInc, (Votequorum, Vec<u32>, bool)>,
}

impl QuorumIntersection {
    /// For nodes `1..=nodes`, one vote each, with `options`.
    pub fn new(nodes: usize, options: QuorumOptions) -> Self {
        Self {
            options,
            nodelist: (1..=nodes as u32).map(|id| (id, 1)).collect(),
            views: HashMap::new(),
        }
    }
}

impl Invariant for QuorumIntersection {
    fn name(&self) -> &'static str {
        "quorum intersection"
    }

    fn observe(&mut self, who: NodeInc, what: &Observation<'_>) -> Result<(), String> {
        match what {
            Observation::Configuration {
                members,
                transitional: false,
                ..
            } => {
                let (options, nodelist) = (&self.options, &self.nodelist);
                let view = self.views.entry(who).or_insert_with(|| {
                    (
                        Votequorum::new(options.clone(), nodelist),
                        Vec::new(),
                        false,
                    )
                });
                let status = view.0.membership(0, members, &[]);
                view.1 = members.to_vec();
                view.2 = status.quorate;
                if !status.quorate {
                    return Ok(());
                }
                for (other, (_, their_members, quorate)) in &self.views {
                    if *other != who
                        && *quorate
                        && !their_members.iter().any(|m| members.contains(m))
                    {
                        return Err(format!(
                            "node {} is quorate in {members:?} while node {} is quorate in {their_members:?}",
                            who.node, other.node
                        ));
                    }
                }
            }
            Observation::Crashed => {
                self.views.remove(&who);
            }
            _ => {}
        }
        Ok(())
    }
}
