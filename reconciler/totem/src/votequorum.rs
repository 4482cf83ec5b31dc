//! votequorum arithmetic as Corosync 3.1 documents it (`votequorum(5)`), as a pure state machine.
//!
//! Fed the regular configurations totem delivers ([`Votequorum::membership`]) and the time
//! ([`Votequorum::handle_timeout`] for the last-man-standing window), it answers whether this
//! partition is quorate. Rules, each with the option that enables it:
//! - quorum = `expected_votes / 2 + 1`, where `expected_votes` is `quorum.expected_votes` or the sum
//!   of the nodelist's votes, raised whenever more votes are present; quorum never decreases except
//!   through last_man_standing or allow_downscale.
//! - `two_node`: with exactly two configured nodes, quorum is 1; it implies `wait_for_all` unless
//!   that is set explicitly.
//! - `wait_for_all`: not quorate until all expected votes have been present at once (once per start).
//! - `auto_tie_breaker`: in an even split (exactly half the expected votes present) the partition
//!   holding the tie-breaker node (lowest or highest configured node id, or the first configured node
//!   of a list) stays quorate, provided the nodes that left could not hold quorum themselves.
//! - `last_man_standing`: when nodes left and the partition stayed quorate, after
//!   `last_man_standing_window` without change `expected_votes` drops to the votes present.
//! - `allow_downscale`: nodes that leave cleanly (shutdown) take their votes out of `expected_votes`.

use std::collections::BTreeMap;

/// Default `last_man_standing_window`, ms.
pub const LAST_MAN_STANDING_WINDOW_MS_DEFAULT: u64 = 10_000;

/// Which node breaks an even split (`auto_tie_breaker_node`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TieBreaker {
    /// The lowest configured node id (the default).
    Lowest,
    /// The highest configured node id.
    Highest,
    /// The first node of the list that is in the nodelist.
    List(Vec<u32>),
}

/// The `quorum { }` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumOptions {
    /// `expected_votes`; `None` = the nodelist's total.
    pub expected_votes: Option<u32>,
    /// `two_node`.
    pub two_node: bool,
    /// `wait_for_all`; `None` = implied by `two_node`.
    pub wait_for_all: Option<bool>,
    /// `last_man_standing`.
    pub last_man_standing: bool,
    /// `last_man_standing_window`, ms.
    pub last_man_standing_window_ms: u64,
    /// `auto_tie_breaker` with its `auto_tie_breaker_node`; `None` = off.
    pub auto_tie_breaker: Option<TieBreaker>,
    /// `allow_downscale`.
    pub allow_downscale: bool,
}

impl Default for QuorumOptions {
    fn default() -> Self {
        Self {
            expected_votes: None,
            two_node: false,
            wait_for_all: None,
            last_man_standing: false,
            last_man_standing_window_ms: LAST_MAN_STANDING_WINDOW_MS_DEFAULT,
            auto_tie_breaker: None,
            allow_downscale: false,
        }
    }
}

/// What votequorum reports (as `corosync-quorumtool -s` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumStatus {
    /// Whether this partition may run resources.
    pub quorate: bool,
    /// Votes needed.
    pub quorum: u32,
    /// Votes present.
    pub total_votes: u32,
    /// Expected votes now.
    pub expected_votes: u32,
    /// Still waiting for all nodes (wait_for_all).
    pub waiting_for_all: bool,
}

/// votequorum state of one node.
#[derive(Clone, Debug)]
pub struct Votequorum {
    options: QuorumOptions,
    /// Configured nodes and their votes.
    nodelist: BTreeMap<u32, u32>,
    two_node_active: bool,
    wait_for_all: bool,
    waiting_for_all: bool,
    expected_votes: u32,
    quorum: u32,
    members: Vec<u32>,
    quorate: bool,
    lms_deadline_ms: Option<u64>,
}

impl Votequorum {
    /// A node's votequorum for `nodelist` (node id, votes) and `options`, before any membership.
    pub fn new(options: QuorumOptions, nodelist: &[(u32, u32)]) -> Self {
        let nodelist: BTreeMap<u32, u32> = nodelist.iter().copied().collect();
        let configured: u32 = nodelist.values().sum();
        let expected_votes = options.expected_votes.unwrap_or(configured).max(1);
        // votequorum ignores two_node when more than two nodes are configured.
        let two_node_active = options.two_node && nodelist.len() <= 2;
        let wait_for_all = options.wait_for_all.unwrap_or(two_node_active);
        let mut vq = Self {
            options,
            nodelist,
            two_node_active,
            wait_for_all,
            waiting_for_all: wait_for_all,
            expected_votes,
            quorum: 0,
            members: Vec::new(),
            quorate: false,
            lms_deadline_ms: None,
        };
        vq.quorum = vq.compute_quorum(false);
        vq
    }

    fn votes_of(&self, node: u32) -> u32 {
        self.nodelist.get(&node).copied().unwrap_or(1)
    }

    fn total_votes(&self) -> u32 {
        self.members.iter().map(|n| self.votes_of(*n)).sum()
    }

    fn compute_quorum(&self, allow_decrease: bool) -> u32 {
        let total = self.total_votes();
        let mut quorum = (self.expected_votes / 2 + 1).max(total / 2 + 1);
        if !allow_decrease {
            quorum = quorum.max(self.quorum);
        }
        if self.two_node_active && self.members.len() <= 2 {
            quorum = 1;
        }
        quorum
    }

    fn tie_breaker_node(&self) -> Option<u32> {
        match self.options.auto_tie_breaker.as_ref()? {
            TieBreaker::Lowest => self.nodelist.keys().next().copied(),
            TieBreaker::Highest => self.nodelist.keys().next_back().copied(),
            TieBreaker::List(list) => list.iter().copied().find(|n| self.nodelist.contains_key(n)),
        }
    }

    fn evaluate(&mut self, left_votes: u32) {
        let total = self.total_votes();
        if self.wait_for_all && self.waiting_for_all {
            if total < self.expected_votes {
                self.quorate = false;
                return;
            }
            self.waiting_for_all = false;
        }
        let mut quorate = total >= self.quorum;
        if !quorate {
            if let Some(tb) = self.tie_breaker_node() {
                // An even split (or half-1 with odd expected votes), the other side cannot hold
                // quorum, and the tie-breaker is with us.
                if total == self.expected_votes / 2
                    && left_votes < self.quorum
                    && self.members.contains(&tb)
                {
                    quorate = true;
                }
            }
        }
        self.quorate = quorate;
    }

    /// A new regular configuration at `now_ms`: its members, and those of the nodes that left which
    /// announced a clean shutdown (they count for allow_downscale).
    pub fn membership(
        &mut self,
        now_ms: u64,
        members: &[u32],
        left_cleanly: &[u32],
    ) -> QuorumStatus {
        let mut members = members.to_vec();
        members.sort_unstable();
        members.dedup();
        let left: Vec<u32> = self
            .members
            .iter()
            .copied()
            .filter(|n| !members.contains(n))
            .collect();
        let left_votes: u32 = left.iter().map(|n| self.votes_of(*n)).sum();
        self.members = members;
        let total = self.total_votes();
        if total > self.expected_votes {
            self.expected_votes = total;
        }
        let mut allow_decrease = false;
        if self.options.allow_downscale {
            let downscale: u32 = left
                .iter()
                .filter(|n| left_cleanly.contains(n))
                .map(|n| self.votes_of(*n))
                .sum();
            if downscale > 0 {
                self.expected_votes = self
                    .expected_votes
                    .saturating_sub(downscale)
                    .max(total)
                    .max(1);
                allow_decrease = true;
            }
        }
        self.quorum = self.compute_quorum(allow_decrease);
        self.evaluate(left_votes);
        if self.options.last_man_standing && !left.is_empty() {
            // Nodes left: (re)start the window if we are still quorate (also when the tie-breaker
            // keeps us), else drop it. Joins leave a running window alone, as Corosync does.
            self.lms_deadline_ms = self
                .quorate
                .then_some(now_ms + self.options.last_man_standing_window_ms);
        }
        self.status()
    }

    /// The last-man-standing deadline, if armed.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.lms_deadline_ms
    }

    /// Time passes; returns the new status when the last-man-standing window closed.
    pub fn handle_timeout(&mut self, now_ms: u64) -> Option<QuorumStatus> {
        let deadline = self.lms_deadline_ms?;
        if now_ms < deadline {
            return None;
        }
        self.lms_deadline_ms = None;
        if !self.quorate {
            return None;
        }
        self.expected_votes = self.total_votes().max(1);
        self.quorum = self.compute_quorum(true);
        self.evaluate(0);
        Some(self.status())
    }

    /// The current status.
    pub fn status(&self) -> QuorumStatus {
        QuorumStatus {
            quorate: self.quorate,
            quorum: self.quorum,
            total_votes: self.total_votes(),
            expected_votes: self.expected_votes,
            waiting_for_all: self.wait_for_all && self.waiting_for_all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: u32) -> Vec<(u32, u32)> {
        (1..=n).map(|id| (id, 1)).collect()
    }

    /// (time ms, members, left cleanly, quorate, quorum, expected votes)
    type Step = (u64, Vec<u32>, Vec<u32>, bool, u32, u32);

    /// One row: a configuration, then a sequence of memberships, with the expected outcome after each.
    struct Row {
        what: &'static str,
        options: QuorumOptions,
        nodelist: Vec<(u32, u32)>,
        steps: Vec<Step>,
    }

    fn run(rows: Vec<Row>) {
        for row in rows {
            let mut vq = Votequorum::new(row.options.clone(), &row.nodelist);
            for (i, (now, members, clean, quorate, quorum, expected)) in
                row.steps.iter().enumerate()
            {
                if let Some(deadline) = vq.poll_timeout() {
                    if deadline <= *now {
                        vq.handle_timeout(deadline);
                    }
                }
                let st = if members.is_empty() {
                    vq.status()
                } else {
                    vq.membership(*now, members, clean)
                };
                assert_eq!(
                    (st.quorate, st.quorum, st.expected_votes),
                    (*quorate, *quorum, *expected),
                    "{}: step {i} members {members:?}: {st:?}",
                    row.what
                );
            }
        }
    }

    #[test]
    fn simple_majority() {
        run(vec![
            Row {
                what: "3 nodes: 2 of 3 keep quorum, 1 of 3 loses it",
                options: QuorumOptions::default(),
                nodelist: nodes(3),
                steps: vec![
                    (0, vec![1, 2, 3], vec![], true, 2, 3),
                    (1, vec![1, 2], vec![], true, 2, 3),
                    (2, vec![1], vec![], false, 2, 3),
                ],
            },
            Row {
                what: "4 nodes: an even split has no quorum without a tie-breaker",
                options: QuorumOptions::default(),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![1, 2], vec![], false, 3, 4),
                ],
            },
            Row {
                what: "quorum.expected_votes overrides the nodelist",
                options: QuorumOptions {
                    expected_votes: Some(5),
                    ..Default::default()
                },
                nodelist: nodes(3),
                steps: vec![
                    (0, vec![1, 2, 3], vec![], true, 3, 5),
                    (1, vec![1, 2], vec![], false, 3, 5),
                ],
            },
            Row {
                what: "weighted votes: a node with 3 of 5 votes is quorate alone",
                options: QuorumOptions::default(),
                nodelist: vec![(1, 3), (2, 1), (3, 1)],
                steps: vec![
                    (0, vec![1], vec![], true, 3, 5),
                    (1, vec![2, 3], vec![], false, 3, 5),
                ],
            },
            Row {
                what: "expected votes rise when more votes are present than configured",
                options: QuorumOptions {
                    expected_votes: Some(2),
                    ..Default::default()
                },
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![1, 2], vec![], false, 3, 4),
                ],
            },
        ]);
    }

    #[test]
    fn two_node_and_wait_for_all() {
        run(vec![
            Row {
                what: "two_node: first node alone waits for all, then each half is quorate with quorum 1",
                options: QuorumOptions { two_node: true, ..Default::default() },
                nodelist: nodes(2),
                steps: vec![
                    (0, vec![1], vec![], false, 1, 2),
                    (1, vec![1, 2], vec![], true, 1, 2),
                    (2, vec![1], vec![], true, 1, 2),
                ],
            },
            Row {
                what: "two_node with wait_for_all: 0 is quorate alone from the start",
                options: QuorumOptions { two_node: true, wait_for_all: Some(false), ..Default::default() },
                nodelist: nodes(2),
                steps: vec![(0, vec![2], vec![], true, 1, 2)],
            },
            Row {
                what: "two_node is ignored with three configured nodes",
                options: QuorumOptions { two_node: true, ..Default::default() },
                nodelist: nodes(3),
                steps: vec![(0, vec![1, 2, 3], vec![], true, 2, 3), (1, vec![1], vec![], false, 2, 3)],
            },
            Row {
                what: "wait_for_all: 3 of 5 at start wait; after all 5 were seen, 3 of 5 are quorate",
                options: QuorumOptions { wait_for_all: Some(true), ..Default::default() },
                nodelist: nodes(5),
                steps: vec![
                    (0, vec![1, 2, 3], vec![], false, 3, 5),
                    (1, vec![1, 2, 3, 4, 5], vec![], true, 3, 5),
                    (2, vec![1, 2, 3], vec![], true, 3, 5),
                ],
            },
        ]);
    }

    #[test]
    fn auto_tie_breaker() {
        let atb = |tb: TieBreaker| QuorumOptions {
            auto_tie_breaker: Some(tb),
            ..Default::default()
        };
        run(vec![
            Row {
                what: "lowest: the half with node 1 stays quorate",
                options: atb(TieBreaker::Lowest),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![1, 3], vec![], true, 3, 4),
                ],
            },
            Row {
                what: "lowest: the half without node 1 does not",
                options: atb(TieBreaker::Lowest),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![2, 4], vec![], false, 3, 4),
                ],
            },
            Row {
                what: "highest: the half with node 4 stays quorate",
                options: atb(TieBreaker::Highest),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![3, 4], vec![], true, 3, 4),
                ],
            },
            Row {
                what: "list: the first configured node of the list decides",
                options: atb(TieBreaker::List(vec![9, 3, 1])),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![1, 2], vec![], false, 3, 4),
                ],
            },
            Row {
                what: "list: ... and its half wins",
                options: atb(TieBreaker::List(vec![9, 3, 1])),
                nodelist: nodes(4),
                steps: vec![
                    (0, vec![1, 2, 3, 4], vec![], true, 3, 4),
                    (1, vec![3, 4], vec![], true, 3, 4),
                ],
            },
            Row {
                what: "lowest: fewer than half is no tie",
                options: atb(TieBreaker::Lowest),
                nodelist: nodes(6),
                steps: vec![
                    (0, vec![1, 2, 3, 4, 5, 6], vec![], true, 4, 6),
                    (1, vec![1, 2], vec![], false, 4, 6),
                ],
            },
        ]);
    }

    #[test]
    fn last_man_standing() {
        let lms = QuorumOptions {
            last_man_standing: true,
            ..Default::default()
        };
        run(vec![
            Row {
                what: "8 nodes go down 3, 2, 1 with a full window between: expected follows, two remain quorate",
                options: lms.clone(),
                nodelist: nodes(8),
                steps: vec![
                    (0, (1..=8).collect(), vec![], true, 5, 8),
                    (1_000, (1..=5).collect(), vec![], true, 5, 8),
                    (20_000, (1..=3).collect(), vec![], true, 3, 5),
                    (40_000, (1..=2).collect(), vec![], true, 2, 3),
                    (60_000, vec![1], vec![], false, 2, 2),
                ],
            },
            Row {
                what: "a second failure inside the window finds the old expected votes",
                options: lms.clone(),
                nodelist: nodes(8),
                steps: vec![
                    (0, (1..=8).collect(), vec![], true, 5, 8),
                    (1_000, (1..=5).collect(), vec![], true, 5, 8),
                    (5_000, (1..=4).collect(), vec![], false, 5, 8),
                ],
            },
            Row {
                what: "with auto_tie_breaker the last node standing is the tie-breaker",
                options: QuorumOptions { auto_tie_breaker: Some(TieBreaker::Lowest), ..lms },
                nodelist: nodes(3),
                steps: vec![
                    (0, vec![1, 2, 3], vec![], true, 2, 3),
                    (1_000, vec![1, 2], vec![], true, 2, 3),
                    (20_000, vec![1], vec![], true, 2, 2),
                ],
            },
        ]);
    }

    #[test]
    fn allow_downscale() {
        run(vec![Row {
            what: "clean shutdowns lower expected votes; a crash afterwards still leaves quorum",
            options: QuorumOptions {
                allow_downscale: true,
                ..Default::default()
            },
            nodelist: nodes(5),
            steps: vec![
                (0, (1..=5).collect(), vec![], true, 3, 5),
                (1, vec![1, 2, 3], vec![4, 5], true, 2, 3),
                (2, vec![1, 2], vec![], true, 2, 3),
            ],
        }]);
    }

    #[test]
    fn the_window_deadline_is_reported_and_survives_a_join() {
        let mut vq = Votequorum::new(
            QuorumOptions {
                last_man_standing: true,
                last_man_standing_window_ms: 500,
                ..Default::default()
            },
            &nodes(3),
        );
        vq.membership(0, &[1, 2, 3], &[]);
        assert_eq!(vq.poll_timeout(), None);
        vq.membership(100, &[1, 2], &[]);
        assert_eq!(vq.poll_timeout(), Some(600));
        assert_eq!(vq.handle_timeout(599), None);
        vq.membership(300, &[1, 2, 3], &[]);
        assert_eq!(vq.poll_timeout(), Some(600));
        let st = vq.handle_timeout(600).expect("window closes");
        assert_eq!((st.quorate, st.quorum, st.expected_votes), (true, 2, 3));
        assert_eq!(vq.poll_timeout(), None);
    }
}
