//! Fuzzes the protocol core with hostile but well-formed traffic: node 2 of a 3-node cluster is fed
//! a sequence of messages built from the input (tokens, mcasts, joins, commit tokens, merge
//! detects, hold cancels, raw bytes), from senders chosen by the input, with time passing and
//! timeouts firing; its own datagrams to itself are looped back. It must never panic, and its queues
//! stay within their named bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quorate_totem::srp::{EVENT_QUEUE_MAX, TRANSMIT_QUEUE_MAX};
use quorate_totem::wire::*;
use quorate_totem::{Destination, Instant, Totem, TotemConfig};

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn small(&mut self) -> Option<u32> {
        Some(self.byte()? as u32 % 8)
    }
    fn seq(&mut self) -> Option<u32> {
        let b = self.byte()?;
        Some(if b == 0xFF {
            u32::MAX - self.byte()? as u32
        } else {
            b as u32
        })
    }
    fn ring(&mut self) -> Option<RingId> {
        let b = self.byte()?;
        Some(RingId {
            seq: (b as u64 & 0x3f) * 4 + (b as u64 >> 6),
            rep: self.small()?,
        })
    }
    fn ids(&mut self) -> Option<Vec<u32>> {
        let mask = self.byte()?;
        Some(
            (0..8)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| i as u32)
                .collect(),
        )
    }
}

fn message(input: &mut Input<'_>) -> Option<Vec<u8>> {
    let from = 1 + input.small()? % 4;
    let header = Header::from_node(from);
    let m = match input.byte()? % 8 {
        0 => Message::OrfToken(OrfToken {
            header,
            seq: input.seq()?,
            token_seq: input.seq()?,
            aru: input.seq()?,
            aru_addr: input.small()?,
            ring_id: input.ring()?,
            backlog: input.seq()?,
            fcc: input.seq()?,
            retrans_flg: input.small()?,
            rtr_list: (0..input.small()?)
                .map(|_| {
                    Some(RtrItem {
                        ring_id: input.ring()?,
                        seq: input.seq()?,
                    })
                })
                .collect::<Option<_>>()?,
        }),
        1 => Message::Mcast(Mcast {
            header: Header {
                encapsulated: 1 + input.byte()? % 2,
                ..header
            },
            system_from: from,
            seq: input.seq()?,
            this_seqno: 0,
            ring_id: input.ring()?,
            node_id: 0,
            guarantee: 0,
            payload: {
                let n = input.byte()? as usize;
                let take = n.min(input.0.len());
                let (p, rest) = input.0.split_at(take);
                input.0 = rest;
                p.to_vec()
            },
        }),
        2 => Message::Join(Join {
            header: if input.byte()? % 4 == 0 {
                Header::from_node(0)
            } else {
                header
            },
            system_from: from,
            proc_list: input.ids()?,
            failed_list: input.ids()?,
            ring_seq: input.ring()?.seq,
        }),
        3 => {
            let addr = input.ids()?;
            let memb_list = addr
                .iter()
                .map(|_| {
                    Some(CommitMembEntry {
                        ring_id: input.ring()?,
                        aru: input.seq()?,
                        high_delivered: input.seq()?,
                        received_flg: input.byte()? as u32 % 2,
                    })
                })
                .collect::<Option<_>>()?;
            Message::CommitToken(CommitToken {
                header,
                token_seq: input.seq()?,
                ring_id: input.ring()?,
                retrans_flg: 0,
                memb_index: input.small()?,
                addr,
                memb_list,
            })
        }
        4 => Message::MergeDetect(MergeDetect {
            header,
            system_from: from,
            ring_id: input.ring()?,
        }),
        5 => Message::TokenHoldCancel(TokenHoldCancel {
            header,
            ring_id: input.ring()?,
        }),
        6 => Message::Heartbeat(Heartbeat {
            header,
            ring_seq: 0,
        }),
        _ => {
            let n = (input.byte()? as usize).min(input.0.len());
            let (raw, rest) = input.0.split_at(n);
            input.0 = rest;
            return Some([&[from as u8], raw].concat());
        }
    };
    Some([&[from as u8], &m.encode()[..]].concat())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mut now = 0u64;
    let mut totem = Totem::new(
        TotemConfig::new(2, vec![1, 2, 3]),
        8,
        Instant::from_micros(now),
    );
    let _ = totem.broadcast(Instant::from_micros(now), b"hello");
    let mut loopback: Vec<Vec<u8>> = Vec::new();
    while let Some(framed) = message(&mut input) {
        let from = framed[0] as u32;
        now += 7_000;
        totem.handle_datagram(Instant::from_micros(now), from, &framed[1..]);
        for d in std::mem::take(&mut loopback) {
            totem.handle_datagram(Instant::from_micros(now), 2, &d);
        }
        if from == 4 {
            if let Some(t) = totem.poll_timeout() {
                now = now.max(t.as_micros());
                totem.handle_timeout(Instant::from_micros(now));
            }
        }
        let mut transmits = 0;
        while let Some(t) = totem.poll_transmit() {
            transmits += 1;
            if t.destination == Destination::Node(2) {
                loopback.push(t.datagram);
            }
        }
        let mut events = 0;
        while totem.poll_event().is_some() {
            events += 1;
        }
        assert!(transmits <= TRANSMIT_QUEUE_MAX && events <= EVENT_QUEUE_MAX);
    }
});
