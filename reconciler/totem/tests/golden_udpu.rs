//! Golden test: every totem packet of a real Corosync 3.1.7 udpu capture decodes, carries the fields
//! the wire reference names, and encodes back to the same bytes.

use quorate_totem::pg::{parse_group_message, PgPacket};
use quorate_totem::wire::{Message, MessageType, RingId, MESSAGE_NOT_ENCAPSULATED};
use std::collections::BTreeMap;

const CAPTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/corosync-captures/udpu.pcap"
);

/// One UDP datagram of the capture.
struct Datagram {
    frame: usize,
    src_ip: [u8; 4],
    src_port: u16,
    dst_port: u16,
    payload: Vec<u8>,
}

fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads a little-endian pcapng file of Ethernet frames and returns its IPv4/UDP datagrams.
fn read_pcapng(bytes: &[u8]) -> Vec<Datagram> {
    assert_eq!(
        u32_le(&bytes[0..4]),
        0x0A0D_0D0A,
        "not a pcapng section header"
    );
    assert_eq!(
        u32_le(&bytes[8..12]),
        0x1A2B_3C4D,
        "not little-endian pcapng"
    );
    let mut out = Vec::new();
    let mut pos = 0;
    let mut frame = 0;
    while pos + 12 <= bytes.len() {
        let block_type = u32_le(&bytes[pos..]);
        let block_len = u32_le(&bytes[pos + 4..]) as usize;
        assert!(
            block_len >= 12 && pos + block_len <= bytes.len(),
            "bad block at {pos}"
        );
        let body = &bytes[pos + 8..pos + block_len - 4];
        if block_type == 1 {
            assert_eq!(
                u16::from_le_bytes([body[0], body[1]]),
                1,
                "link type is not Ethernet"
            );
        }
        if block_type == 6 {
            frame += 1;
            let captured = u32_le(&body[12..]) as usize;
            let eth = &body[20..20 + captured];
            assert_eq!(&eth[12..14], &[0x08, 0x00], "frame {frame} is not IPv4");
            let ip = &eth[14..];
            let ihl = ((ip[0] & 0x0f) as usize) * 4;
            assert_eq!(ip[9], 17, "frame {frame} is not UDP");
            let udp = &ip[ihl..];
            let udp_len = u16::from_be_bytes([udp[4], udp[5]]) as usize;
            out.push(Datagram {
                frame,
                src_ip: [ip[12], ip[13], ip[14], ip[15]],
                src_port: u16::from_be_bytes([udp[0], udp[1]]),
                dst_port: u16::from_be_bytes([udp[2], udp[3]]),
                payload: udp[8..udp_len].to_vec(),
            });
        }
        pos += block_len;
    }
    out
}

#[test]
fn every_totem_packet_of_the_udpu_capture_decodes_and_reencodes_byte_for_byte() {
    let bytes = std::fs::read(CAPTURE).expect("capture present");
    let datagrams = read_pcapng(&bytes);
    assert_eq!(datagrams.len(), 228, "frames in udpu.pcap");
    let mut by_type: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut rings_seen = Vec::new();
    for d in &datagrams {
        assert_eq!(d.dst_port, 5405, "frame {}", d.frame);
        // Magic 0xC070 in little-endian and version 3 on every packet.
        assert_eq!(&d.payload[0..3], &[0x70, 0xc0, 0x03], "frame {}", d.frame);
        let message = Message::decode(&d.payload)
            .unwrap_or_else(|e| panic!("frame {} does not decode: {e}", d.frame));
        assert_eq!(
            message.encode(),
            d.payload,
            "frame {} re-encodes differently",
            d.frame
        );
        assert_eq!(message.encoded_len(), d.payload.len());
        // The sender's node id is the last octet of its address (10.77.0.N = nodeid N), except on
        // a leave, whose header node id is LEAVE_DUMMY_NODEID.
        let sender = d.src_ip[3] as u32;
        match &message {
            Message::OrfToken(t) => {
                *by_type.entry("orf_token").or_default() += 1;
                assert_eq!(t.header.nodeid, sender);
                assert_eq!(d.src_port, 5405, "tokens leave from the bound socket");
                assert!(t.rtr_list.len() <= 30);
                assert!(t.ring_id.rep == 1 || t.ring_id.rep == 2);
                if t.token_seq == 0 {
                    // The first token of a ring (reference §1.2).
                    assert_eq!((t.seq, t.aru, t.aru_addr), (0, 0xffff_ffff, t.ring_id.rep));
                }
                rings_seen.push(t.ring_id);
            }
            Message::Mcast(m) => {
                *by_type.entry("mcast").or_default() += 1;
                assert_eq!(m.header.nodeid, sender);
                assert_eq!(m.system_from, sender);
                assert_eq!(m.header.encapsulated, MESSAGE_NOT_ENCAPSULATED);
                assert_eq!((m.node_id, m.guarantee), (0, 0));
                let packet = PgPacket::decode(&m.payload)
                    .unwrap_or_else(|e| panic!("frame {} totempg: {e}", d.frame));
                assert_eq!(
                    packet.encode(),
                    m.payload,
                    "frame {} totempg re-encodes",
                    d.frame
                );
                assert_eq!((packet.version, packet.msg_type), (0, 0));
                if packet.continuation == 0 {
                    let (groups, _) = parse_group_message(&packet.messages[0]).unwrap();
                    assert!(
                        groups == vec![&b"a"[..]] || groups == vec![&b"sync"[..]],
                        "frame {} groups {groups:?}",
                        d.frame
                    );
                }
            }
            Message::Join(j) => {
                *by_type.entry("memb_join").or_default() += 1;
                assert_eq!(j.system_from, sender);
                assert!(j.proc_list.iter().all(|n| *n == 1 || *n == 2));
                if j.header.nodeid == 0 {
                    // A leave: the leaving node lists itself as failed.
                    *by_type.entry("leave").or_default() += 1;
                    assert!(j.failed_list.contains(&sender));
                } else {
                    assert_eq!(j.header.nodeid, sender);
                }
            }
            Message::CommitToken(c) => {
                *by_type.entry("memb_commit_token").or_default() += 1;
                assert_eq!(c.header.nodeid, sender);
                assert!(
                    c.addr.windows(2).all(|w| w[0] < w[1]),
                    "addr sorted by nodeid"
                );
                assert_eq!(
                    c.ring_id.rep, c.addr[0],
                    "the lowest nodeid creates the ring"
                );
                assert_eq!(c.memb_list.len(), c.addr.len());
                assert!(
                    (c.memb_index as usize) <= c.addr.len(),
                    "memb_index counts hops up to n"
                );
            }
            Message::MergeDetect(m) => {
                *by_type.entry("memb_merge_detect").or_default() += 1;
                assert_eq!(m.system_from, sender);
                assert_eq!(
                    m.ring_id.rep, sender,
                    "the representative sends merge detect"
                );
            }
            Message::TokenHoldCancel(_) => {
                *by_type.entry("token_hold_cancel").or_default() += 1;
            }
            Message::Heartbeat(_) => {
                panic!("frame {}: corosync sends no quorate heartbeat", d.frame)
            }
        }
        assert_ne!(message.message_type(), MessageType::Heartbeat);
    }
    // The types the capture README promises.
    for kind in ["orf_token", "mcast", "memb_join", "memb_commit_token"] {
        assert!(
            by_type.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} in {by_type:?}"
        );
    }
    // The ring seen on the wire steps by 4 from the singleton rings (…5) to the pair (1.9).
    assert!(
        rings_seen.contains(&RingId { seq: 9, rep: 1 }),
        "{rings_seen:?}"
    );
    eprintln!("udpu.pcap message types: {by_type:?}");
}

#[test]
fn the_first_commit_token_matches_the_reference_example() {
    let bytes = std::fs::read(CAPTURE).expect("capture present");
    let first = read_pcapng(&bytes)
        .into_iter()
        .find_map(|d| match Message::decode(&d.payload) {
            Ok(Message::CommitToken(c)) => Some(c),
            _ => None,
        })
        .expect("a commit token");
    // Reference §1.2: token_seq=1 ring=1.9 memb_index=1 addrs=(1,2) memb=[(1.5,8,8,1),(0.0,0,0,0)].
    assert_eq!(first.token_seq, 1);
    assert_eq!(first.ring_id, RingId { seq: 9, rep: 1 });
    assert_eq!(first.memb_index, 1);
    assert_eq!(first.addr, vec![1, 2]);
    let e = first.memb_list[0];
    assert_eq!(
        (e.ring_id, e.aru, e.high_delivered, e.received_flg),
        (RingId { seq: 5, rep: 1 }, 8, 8, 1)
    );
    assert_eq!(first.memb_list[1], Default::default());
}
