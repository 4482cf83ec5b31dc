//! Fuzzes the protocol core with hostile datagrams: a node of a 3-node cluster is fed arbitrary
//! datagrams (split at 0xFF 0xFF markers, each from a node chosen by its first byte) interleaved
//! with timeouts; it must never panic, and its queues stay within their named bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quorate_totem::srp::{EVENT_QUEUE_MAX, TRANSMIT_QUEUE_MAX};
use quorate_totem::{Instant, Totem, TotemConfig};

fuzz_target!(|data: &[u8]| {
    let mut now = 0u64;
    let mut totem = Totem::new(TotemConfig::new(2, vec![1, 2, 3]), 8, Instant::from_micros(now));
    let _ = totem.broadcast(Instant::from_micros(now), b"hello");
    for chunk in data.split(|b| *b == 0xFF).filter(|c| !c.is_empty()) {
        let from = 1 + (chunk[0] % 4) as u32;
        now += 1_000 * chunk.len() as u64;
        totem.handle_datagram(Instant::from_micros(now), from, &chunk[1..]);
        if chunk[0] & 0x80 != 0 {
            if let Some(t) = totem.poll_timeout() {
                now = now.max(t.as_micros());
                totem.handle_timeout(Instant::from_micros(now));
            }
        }
        let mut transmits = 0;
        while totem.poll_transmit().is_some() {
            transmits += 1;
        }
        let mut events = 0;
        while totem.poll_event().is_some() {
            events += 1;
        }
        assert!(transmits <= TRANSMIT_QUEUE_MAX && events <= EVENT_QUEUE_MAX);
    }
});
