//! Totem configuration: the `corosync.conf` `totem { }` values and the timers Corosync 3.1.7 derives
//! from them (`exec/totemconfig.c`, `totem_volatile_config_read`), plus quorate's heartbeat timers.

use std::time::Duration;

/// `TOKEN_TIMEOUT` default of 3.1.7, ms.
pub const TOKEN_MS_DEFAULT: u64 = 3000;
/// `token_coefficient` default, ms.
pub const TOKEN_COEFFICIENT_MS_DEFAULT: u64 = 650;
/// `token_retransmits_before_loss_const` default.
pub const TOKEN_RETRANSMITS_BEFORE_LOSS_DEFAULT: u32 = 4;
/// `join` default, ms.
pub const JOIN_MS_DEFAULT: u64 = 50;
/// `merge` default, ms.
pub const MERGE_MS_DEFAULT: u64 = 200;
/// `seqno_unchanged_const` default: idle rotations before the token is held.
pub const SEQNO_UNCHANGED_CONST_DEFAULT: u32 = 30;
/// `fail_recv_const` default.
pub const FAIL_RECV_CONST_DEFAULT: u32 = 2500;
/// `window_size` default: messages per rotation, ring-wide.
pub const WINDOW_SIZE_DEFAULT: u32 = 50;
/// `max_messages` default: messages one node sends per token visit.
pub const MAX_MESSAGES_DEFAULT: u32 = 17;
/// `netmtu` default for udp/udpu.
pub const NETMTU_DEFAULT: usize = 1500;
/// What Corosync takes off `netmtu` for IP/UDP and its own framing (1500 gives "Maximum network
/// MTU 1410").
pub const NETMTU_OVERHEAD: usize = 90;
/// `MINIMUM_TIMEOUT`: floor of every derived timeout, ms (`(1000/HZ)*3`).
pub const MINIMUM_TIMEOUT_MS: u64 = 30;
/// `1000/HZ` that Corosync subtracts from the hold timer, ms.
const HZ_TICK_MS: u64 = 10;

/// The `totem { }` settings of one node. `None` means "derive as Corosync does".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotemConfig {
    /// This node's id (non-zero).
    pub node_id: u32,
    /// Every configured node id, this one included.
    pub nodelist: Vec<u32>,
    /// `token`, ms.
    pub token_ms: u64,
    /// `token_coefficient`, ms.
    pub token_coefficient_ms: u64,
    /// `token_retransmits_before_loss_const`.
    pub token_retransmits_before_loss_const: u32,
    /// `token_retransmit`, ms.
    pub token_retransmit_ms: Option<u64>,
    /// `hold`, ms.
    pub hold_ms: Option<u64>,
    /// `join`, ms.
    pub join_ms: u64,
    /// `consensus`, ms.
    pub consensus_ms: Option<u64>,
    /// `merge`, ms.
    pub merge_ms: u64,
    /// `seqno_unchanged_const`.
    pub seqno_unchanged_const: u32,
    /// `fail_recv_const`: token visits without our aru moving (while the ring's seq is ahead)
    /// before we give the ring up.
    pub fail_recv_const: u32,
    /// `window_size`.
    pub window_size: u32,
    /// `max_messages`.
    pub max_messages: u32,
    /// `netmtu`.
    pub netmtu: usize,
    /// quorate: per-peer heartbeats and suspicion (faster failure detection). Off = Corosync's
    /// behaviour exactly.
    pub fast_failure_detection: bool,
    /// quorate: heartbeat period, ms (default: effective token / 8).
    pub heartbeat_interval_ms: Option<u64>,
    /// quorate: silence after which a peer is suspect, ms (default: effective token / 2).
    pub suspect_timeout_ms: Option<u64>,
}

impl TotemConfig {
    /// Corosync's defaults for `node_id` in `nodelist`, with fast failure detection on.
    pub fn new(node_id: u32, nodelist: Vec<u32>) -> Self {
        Self {
            node_id,
            nodelist,
            token_ms: TOKEN_MS_DEFAULT,
            token_coefficient_ms: TOKEN_COEFFICIENT_MS_DEFAULT,
            token_retransmits_before_loss_const: TOKEN_RETRANSMITS_BEFORE_LOSS_DEFAULT,
            token_retransmit_ms: None,
            hold_ms: None,
            join_ms: JOIN_MS_DEFAULT,
            consensus_ms: None,
            merge_ms: MERGE_MS_DEFAULT,
            seqno_unchanged_const: SEQNO_UNCHANGED_CONST_DEFAULT,
            fail_recv_const: FAIL_RECV_CONST_DEFAULT,
            window_size: WINDOW_SIZE_DEFAULT,
            max_messages: MAX_MESSAGES_DEFAULT,
            netmtu: NETMTU_DEFAULT,
            fast_failure_detection: true,
            heartbeat_interval_ms: None,
            suspect_timeout_ms: None,
        }
    }

    /// The runtime timers, derived as Corosync 3.1.7 does.
    pub fn timers(&self) -> Timers {
        let nodes = self.nodelist.len() as u64;
        let mut token_ms = self.token_ms;
        if nodes > 2 {
            token_ms += (nodes - 2) * self.token_coefficient_ms;
        }
        let token_ms = token_ms.max(MINIMUM_TIMEOUT_MS);
        let retransmits = self.token_retransmits_before_loss_const.max(1) as f64;
        let token_retransmit_ms = self
            .token_retransmit_ms
            .unwrap_or((token_ms as f64 / (retransmits + 0.2)) as u64)
            .max(MINIMUM_TIMEOUT_MS);
        let hold_ms = self
            .hold_ms
            .unwrap_or(((token_retransmit_ms as f64 * 0.8) as u64).saturating_sub(HZ_TICK_MS))
            .max(MINIMUM_TIMEOUT_MS);
        let consensus_ms = self
            .consensus_ms
            .unwrap_or((token_ms as f64 * 1.2) as u64)
            .max(self.join_ms);
        Timers {
            token: Duration::from_millis(token_ms),
            token_retransmit: Duration::from_millis(token_retransmit_ms),
            hold: Duration::from_millis(hold_ms),
            join: Duration::from_millis(self.join_ms.max(1)),
            consensus: Duration::from_millis(consensus_ms),
            merge: Duration::from_millis(self.merge_ms.max(1)),
            heartbeat_interval: Duration::from_millis(
                self.heartbeat_interval_ms.unwrap_or(token_ms / 8).max(10),
            ),
            suspect_timeout: Duration::from_millis(
                self.suspect_timeout_ms.unwrap_or(token_ms / 2).max(20),
            ),
        }
    }

    /// Largest totem datagram this node sends (the "Maximum network MTU").
    pub fn frame_len_max(&self) -> usize {
        self.netmtu.saturating_sub(NETMTU_OVERHEAD).max(256)
    }
}

/// The derived runtime timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timers {
    /// Token timeout (with the coefficient applied).
    pub token: Duration,
    /// Token retransmit timeout.
    pub token_retransmit: Duration,
    /// Token hold on an idle ring.
    pub hold: Duration,
    /// Join resend period in GATHER.
    pub join: Duration,
    /// Consensus timeout.
    pub consensus: Duration,
    /// Merge-detect period of a ring representative.
    pub merge: Duration,
    /// quorate heartbeat period.
    pub heartbeat_interval: Duration,
    /// quorate suspicion timeout.
    pub suspect_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(d: Duration) -> u64 {
        d.as_millis() as u64
    }

    #[test]
    fn defaults_match_the_corosync_3_1_7_log_line() {
        // "Token Timeout (3000 ms) retransmit timeout (714 ms) … token hold (561 ms) … join (50 ms)
        // … consensus (3600 ms) merge (200 ms)" for a two-node nodelist.
        let t = TotemConfig::new(1, vec![1, 2]).timers();
        assert_eq!(
            (
                ms(t.token),
                ms(t.token_retransmit),
                ms(t.hold),
                ms(t.join),
                ms(t.consensus),
                ms(t.merge)
            ),
            (3000, 714, 561, 50, 3600, 200)
        );
    }

    #[test]
    fn the_token_coefficient_applies_above_two_nodes() {
        // The measurement: 3 nodes with token 1000 give 1650 ms and consensus 1980 ms.
        let mut c = TotemConfig::new(1, vec![1, 2, 3]);
        c.token_ms = 1000;
        let t = c.timers();
        assert_eq!((ms(t.token), ms(t.consensus)), (1650, 1980));
        let mut c = TotemConfig::new(1, (1..=8).collect());
        c.token_ms = 3000;
        assert_eq!(ms(c.timers().token), 3000 + 6 * 650);
    }

    #[test]
    fn configured_values_win_and_consensus_is_at_least_join() {
        let mut c = TotemConfig::new(1, vec![1, 2]);
        c.consensus_ms = Some(10);
        c.join_ms = 60;
        c.token_retransmit_ms = Some(100);
        let t = c.timers();
        assert_eq!(
            (ms(t.consensus), ms(t.token_retransmit), ms(t.hold)),
            (60, 100, 70)
        );
        assert_eq!(c.frame_len_max(), 1410);
    }
}
