//! totempg: packing of small messages and fragmentation of large ones inside one mcast payload.
//!
//! Layout (`shared/reference/corosync-wire.md` §1.3): an 8-byte header (`i16 version`, `i16 type`,
//! `u8 fragmented`, `u8 continuation`, `u16 msg_count`), `u16 msg_len[msg_count]`, then the messages.
//! Each message is a group message: `u16 group_count`, `u16 group_len[]`, the group names, the payload.
//! A packet whose `fragmented` is non-zero ends with a piece of a message that continues in the next
//! packet of the same sender; that packet's `continuation` repeats the fragment number, and a receiver
//! that does not hold the matching piece throws the continuation away.

use std::collections::VecDeque;
use thiserror::Error;

/// Size of `struct totempg_mcast`.
pub const PG_HEADER_LEN: usize = 8;
/// The group quorate's payloads travel in: Corosync's service group.
pub const GROUP_NAME: &[u8] = b"a";
/// The largest application message [`Packer::push`] accepts (Corosync's `max_atomic_msgsize`).
pub const MESSAGE_LEN_MAX: usize = 1_047_552;
/// The most bytes a partly assembled message may hold before it is dropped.
pub const ASSEMBLY_LEN_MAX: usize = MESSAGE_LEN_MAX + 64;
/// The most messages one packet may list.
pub const PACKET_MESSAGES_MAX: usize = 1024;

/// Why a totempg packet or group message could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PgError {
    /// The packet ends before a field or message it announces.
    #[error("truncated totempg packet")]
    Truncated,
    /// More messages than [`PACKET_MESSAGES_MAX`].
    #[error("too many messages in one packet: {0}")]
    TooManyMessages(usize),
    /// Bytes after the last announced message.
    #[error("{0} trailing bytes after the last message")]
    TrailingBytes(usize),
}

/// One totempg packet, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgPacket {
    /// `header.version` (0).
    pub version: i16,
    /// `header.type` (0).
    pub msg_type: i16,
    /// Non-zero: the last message continues in the next packet; the value is its fragment number.
    pub fragmented: u8,
    /// Non-zero: the first message continues the fragment of that number.
    pub continuation: u8,
    /// The messages (or pieces).
    pub messages: Vec<Vec<u8>>,
}

impl PgPacket {
    /// Decodes a packet.
    pub fn decode(bytes: &[u8]) -> Result<Self, PgError> {
        if bytes.len() < PG_HEADER_LEN {
            return Err(PgError::Truncated);
        }
        let version = i16::from_le_bytes([bytes[0], bytes[1]]);
        let msg_type = i16::from_le_bytes([bytes[2], bytes[3]]);
        let fragmented = bytes[4];
        let continuation = bytes[5];
        let count = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
        if count > PACKET_MESSAGES_MAX {
            return Err(PgError::TooManyMessages(count));
        }
        let lens_end = PG_HEADER_LEN + 2 * count;
        if bytes.len() < lens_end {
            return Err(PgError::Truncated);
        }
        let mut pos = lens_end;
        let mut messages = Vec::with_capacity(count);
        for i in 0..count {
            let at = PG_HEADER_LEN + 2 * i;
            let len = u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
            let end = pos + len;
            if end > bytes.len() {
                return Err(PgError::Truncated);
            }
            messages.push(bytes[pos..end].to_vec());
            pos = end;
        }
        if pos != bytes.len() {
            return Err(PgError::TrailingBytes(bytes.len() - pos));
        }
        Ok(Self {
            version,
            msg_type,
            fragmented,
            continuation,
            messages,
        })
    }

    /// Encodes a packet.
    pub fn encode(&self) -> Vec<u8> {
        let body: usize = self.messages.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(PG_HEADER_LEN + 2 * self.messages.len() + body);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.msg_type.to_le_bytes());
        out.push(self.fragmented);
        out.push(self.continuation);
        out.extend_from_slice(&(self.messages.len() as u16).to_le_bytes());
        for m in &self.messages {
            out.extend_from_slice(&(m.len() as u16).to_le_bytes());
        }
        for m in &self.messages {
            out.extend_from_slice(m);
        }
        out
    }
}

/// Wraps `payload` as a group message of group [`GROUP_NAME`].
pub fn group_message(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + GROUP_NAME.len() + payload.len());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(GROUP_NAME.len() as u16).to_le_bytes());
    out.extend_from_slice(GROUP_NAME);
    out.extend_from_slice(payload);
    out
}

/// Splits a group message into its group names and payload.
pub fn parse_group_message(message: &[u8]) -> Result<(Vec<&[u8]>, &[u8]), PgError> {
    if message.len() < 2 {
        return Err(PgError::Truncated);
    }
    let count = u16::from_le_bytes([message[0], message[1]]) as usize;
    let mut pos = 2 + 2 * count;
    if message.len() < pos {
        return Err(PgError::Truncated);
    }
    let mut groups = Vec::with_capacity(count);
    for i in 0..count {
        let at = 2 + 2 * i;
        let len = u16::from_le_bytes([message[at], message[at + 1]]) as usize;
        if message.len() < pos + len {
            return Err(PgError::Truncated);
        }
        groups.push(&message[pos..pos + len]);
        pos += len;
    }
    Ok((groups, &message[pos..]))
}

/// A message waiting to be packed, with how much of it went out already.
#[derive(Clone, Debug)]
struct Outgoing {
    bytes: Vec<u8>,
    sent: usize,
}

/// Sender side: a queue of group messages cut into packets of at most `packet_len_max` bytes.
#[derive(Clone, Debug)]
pub struct Packer {
    queue: VecDeque<Outgoing>,
    queued_bytes: usize,
    packet_len_max: usize,
    next_frag_num: u8,
    /// The fragment number the next packet continues, when the front message is half sent.
    pending_continuation: u8,
}

impl Packer {
    /// A packer producing packets of at most `packet_len_max` bytes (at least 64).
    pub fn new(packet_len_max: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            queued_bytes: 0,
            packet_len_max: packet_len_max.max(64),
            next_frag_num: 1,
            pending_continuation: 0,
        }
    }

    /// Queues one group message.
    pub fn push(&mut self, message: Vec<u8>) {
        self.queued_bytes += message.len();
        self.queue.push_back(Outgoing {
            bytes: message,
            sent: 0,
        });
    }

    /// Messages queued (including a half-sent one).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Bytes queued.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Forgets what was sent of a half-sent message, so it goes out whole again. Called when the
    /// ring changes: receivers drop half-assembled messages at a configuration change.
    pub fn restart_partial(&mut self) {
        if let Some(front) = self.queue.front_mut() {
            front.sent = 0;
        }
        self.pending_continuation = 0;
    }

    /// Builds the next packet, or `None` when the queue is empty.
    pub fn next_packet(&mut self) -> Option<PgPacket> {
        self.queue.front()?;
        let mut packet = PgPacket {
            version: 0,
            msg_type: 0,
            fragmented: 0,
            continuation: self.pending_continuation,
            messages: Vec::new(),
        };
        self.pending_continuation = 0;
        let mut used = PG_HEADER_LEN;
        while let Some(front) = self.queue.front_mut() {
            // Each message costs its length field plus its bytes; u16 lengths cap a piece at 65535.
            let room = self
                .packet_len_max
                .saturating_sub(used + 2)
                .min(u16::MAX as usize);
            let remaining = front.bytes.len() - front.sent;
            if remaining <= room {
                packet.messages.push(front.bytes[front.sent..].to_vec());
                used += 2 + remaining;
                self.queued_bytes -= front.bytes.len();
                self.queue.pop_front();
                if packet.messages.len() == PACKET_MESSAGES_MAX {
                    break;
                }
                continue;
            }
            // Does not fit: fragment it, unless the packet already holds something and the piece
            // would be tiny (then it starts the next packet).
            if !packet.messages.is_empty() && room < 64 {
                break;
            }
            packet
                .messages
                .push(front.bytes[front.sent..front.sent + room].to_vec());
            front.sent += room;
            let frag = self.next_frag_num;
            self.next_frag_num = if frag == u8::MAX { 1 } else { frag + 1 };
            packet.fragmented = frag;
            self.pending_continuation = frag;
            break;
        }
        Some(packet)
    }
}

/// Receiver side, one per sender: joins fragments back together.
#[derive(Clone, Debug, Default)]
pub struct Assembler {
    partial: Vec<u8>,
    /// Fragment number the partial message waits on (0 = none).
    last_frag_num: u8,
}

/// One complete message out of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembled {
    /// Position of the message in its packet (a completed continuation is 0).
    pub index: u16,
    /// The complete group message.
    pub message: Vec<u8>,
}

impl Assembler {
    /// Feeds one packet of this sender (in agreed order); returns the messages it completes and
    /// whether a continuation was thrown away.
    pub fn feed(&mut self, packet: PgPacket) -> (Vec<Assembled>, bool) {
        let mut out = Vec::new();
        let mut threw_away = false;
        let count = packet.messages.len();
        for (i, piece) in packet.messages.into_iter().enumerate() {
            let last = i + 1 == count;
            let mut message = if i == 0 && packet.continuation != 0 {
                if self.last_frag_num != packet.continuation || self.partial.is_empty() {
                    // The start of this message never reached us (lost to a ring change).
                    threw_away = true;
                    self.partial.clear();
                    self.last_frag_num = 0;
                    if last && packet.fragmented != 0 {
                        // A middle piece: keep throwing away until a fresh message starts.
                        continue;
                    }
                    continue;
                }
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(&piece);
                whole
            } else {
                if !self.partial.is_empty() {
                    // A new message while one was pending: the pending one can never finish.
                    threw_away = true;
                    self.partial.clear();
                }
                piece
            };
            if last && packet.fragmented != 0 {
                if message.len() > ASSEMBLY_LEN_MAX {
                    threw_away = true;
                    self.last_frag_num = 0;
                    continue;
                }
                self.partial = std::mem::take(&mut message);
                self.last_frag_num = packet.fragmented;
                continue;
            }
            self.last_frag_num = 0;
            out.push(Assembled {
                index: i as u16,
                message,
            });
        }
        (out, threw_away)
    }

    /// Drops a half-assembled message (at a configuration change).
    pub fn reset(&mut self) {
        self.partial.clear();
        self.last_frag_num = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(packer: &mut Packer) -> Vec<PgPacket> {
        std::iter::from_fn(|| packer.next_packet()).collect()
    }

    #[test]
    fn small_messages_are_packed_into_one_packet() {
        let mut packer = Packer::new(1400);
        for i in 0..3u8 {
            packer.push(group_message(&[i; 30]));
        }
        let packets = drain(&mut packer);
        assert_eq!(packets.len(), 1);
        assert_eq!(packets[0].messages.len(), 3);
        assert_eq!(packets[0].fragmented, 0);
        let decoded = PgPacket::decode(&packets[0].encode()).unwrap();
        assert_eq!(decoded, packets[0]);
    }

    #[test]
    fn a_large_message_is_fragmented_and_reassembled() {
        let mut packer = Packer::new(500);
        let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        packer.push(group_message(&big));
        packer.push(group_message(b"tail"));
        let packets = drain(&mut packer);
        assert!(packets.len() >= 7, "{} packets", packets.len());
        assert!(packets.iter().all(|p| p.encode().len() <= 500));
        assert_ne!(packets[0].fragmented, 0);
        assert_eq!(packets[1].continuation, packets[0].fragmented);
        let mut asm = Assembler::default();
        let mut got = Vec::new();
        for p in packets {
            let (done, threw) = asm.feed(PgPacket::decode(&p.encode()).unwrap());
            assert!(!threw);
            got.extend(done);
        }
        assert_eq!(got.len(), 2);
        assert_eq!(parse_group_message(&got[0].message).unwrap().1, &big[..]);
        assert_eq!(parse_group_message(&got[1].message).unwrap().1, b"tail");
    }

    #[test]
    fn a_continuation_without_its_start_is_thrown_away() {
        let mut packer = Packer::new(200);
        packer.push(group_message(&[7; 500]));
        packer.push(group_message(b"next"));
        let packets = drain(&mut packer);
        let mut asm = Assembler::default();
        let mut got = Vec::new();
        let mut threw_any = false;
        for p in packets.into_iter().skip(1) {
            let (done, threw) = asm.feed(p);
            threw_any |= threw;
            got.extend(done);
        }
        assert!(threw_any);
        assert_eq!(got.len(), 1);
        assert_eq!(parse_group_message(&got[0].message).unwrap().1, b"next");
    }

    #[test]
    fn restart_partial_sends_the_message_whole_again() {
        let mut packer = Packer::new(200);
        packer.push(group_message(&[9; 500]));
        let first = packer.next_packet().unwrap();
        assert_ne!(first.fragmented, 0);
        packer.restart_partial();
        let packets = drain(&mut packer);
        assert_eq!(packets[0].continuation, 0);
        let mut asm = Assembler::default();
        let got: Vec<_> = packets.into_iter().flat_map(|p| asm.feed(p).0).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(
            parse_group_message(&got[0].message).unwrap().1,
            &[9; 500][..]
        );
    }

    #[test]
    fn the_captured_group_message_parses() {
        // From udpu.pcap frame 2: one message of 37 bytes in group "a".
        let (groups, payload) = parse_group_message(&[1, 0, 1, 0, b'a', 0xaa]).unwrap();
        assert_eq!(groups, vec![&b"a"[..]]);
        assert_eq!(payload, &[0xaa]);
    }
}
