//! The Corosync 3.1 totemsrp wire format: decoding and encoding of the six totem message types.
//!
//! Layouts follow `shared/reference/corosync-wire.md` §1.1–1.2 (all structs packed, every multi-byte
//! field in the sender's byte order; we send little-endian and accept only little-endian). Decoding is
//! total: any byte string gives either a message or a [`DecodeError`], never a panic, and
//! `encode(decode(b)) == b` for every datagram that decodes, including the fields Corosync leaves
//! uninitialised on udpu (`target_nodeid`), so a capture round-trips byte for byte.

use thiserror::Error;

/// `TOTEM_MH_MAGIC`: the first two bytes of every totem message, in the sender's byte order.
pub const TOTEM_MH_MAGIC: u16 = 0xC070;
/// `TOTEM_MH_VERSION` of Corosync 3.x; every other version is dropped.
pub const TOTEM_MH_VERSION: u8 = 0x03;
/// Size of `struct totem_message_header`.
pub const HEADER_LEN: usize = 13;
/// `RETRANSMIT_ENTRIES_MAX`: the most retransmit requests one token carries.
pub const RETRANSMIT_ENTRIES_MAX: usize = 30;
/// `PROCESSOR_COUNT_MAX`: the most node ids a join or commit token may list.
pub const PROCESSOR_COUNT_MAX: usize = 384;
/// The largest datagram we accept or produce (knet's netmtu; udpu uses far less).
pub const DATAGRAM_LEN_MAX: usize = 65_536;
/// `MESSAGE_ENCAPSULATED`: an mcast that carries an old-ring mcast during RECOVERY.
pub const MESSAGE_ENCAPSULATED: u8 = 1;
/// `MESSAGE_NOT_ENCAPSULATED`: an ordinary mcast.
pub const MESSAGE_NOT_ENCAPSULATED: u8 = 2;
/// `LEAVE_DUMMY_NODEID`: the header node id of a leave message.
pub const LEAVE_DUMMY_NODEID: u32 = 0;
/// Size of the fixed part of an mcast (header included); the totempg payload follows.
pub const MCAST_HEADER_LEN: usize = 45;
/// Size of the fixed part of an orf token.
pub const ORF_TOKEN_FIXED_LEN: usize = 57;
/// Size of one `rtr_item` on a token.
pub const RTR_ITEM_LEN: usize = 16;
/// Size of the fixed part of a join.
pub const JOIN_FIXED_LEN: usize = 33;
/// Size of the fixed part of a commit token.
pub const COMMIT_TOKEN_FIXED_LEN: usize = 41;
/// Size of one `memb_commit_token_memb_entry`.
pub const COMMIT_MEMB_ENTRY_LEN: usize = 24;
/// Size of a merge-detect message.
pub const MERGE_DETECT_LEN: usize = 29;
/// Size of a token-hold-cancel message.
pub const TOKEN_HOLD_CANCEL_LEN: usize = 25;
/// Size of a quorate link heartbeat (header + `u64` ring seq).
pub const HEARTBEAT_LEN: usize = 21;

/// Message type byte of `enum message_type` (`exec/totemsrp.c:146`), plus quorate's heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// `MESSAGE_TYPE_ORF_TOKEN`.
    OrfToken = 0,
    /// `MESSAGE_TYPE_MCAST`.
    Mcast = 1,
    /// `MESSAGE_TYPE_MEMB_MERGE_DETECT`.
    MergeDetect = 2,
    /// `MESSAGE_TYPE_MEMB_JOIN`.
    Join = 3,
    /// `MESSAGE_TYPE_MEMB_COMMIT_TOKEN`.
    CommitToken = 4,
    /// `MESSAGE_TYPE_TOKEN_HOLD_CANCEL`.
    TokenHoldCancel = 5,
    /// quorate's per-peer link heartbeat. Not a Corosync type: Corosync drops it as unsupported, and
    /// over knet the knet ping plays this role.
    Heartbeat = 0x40,
}

impl MessageType {
    fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0 => Self::OrfToken,
            1 => Self::Mcast,
            2 => Self::MergeDetect,
            3 => Self::Join,
            4 => Self::CommitToken,
            5 => Self::TokenHoldCancel,
            0x40 => Self::Heartbeat,
            _ => return None,
        })
    }
}

/// Why a datagram could not be decoded. Every variant is an operating error: the datagram is
/// dropped and counted.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The datagram ends before a field the layout requires.
    #[error("truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// Bytes the layout needs.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// The first two bytes are not `0xC070` in little-endian.
    #[error("bad magic {0:#06x}")]
    BadMagic(u16),
    /// The magic is byte-swapped: a big-endian sender, which we do not accept.
    #[error("big-endian sender (magic 0x70c0)")]
    ForeignEndian,
    /// The header version is not 3.
    #[error("unsupported totem version {0}")]
    BadVersion(u8),
    /// The type byte is no known message type.
    #[error("unknown message type {0}")]
    UnknownType(u8),
    /// A list count exceeds its named bound.
    #[error("{field} count {count} exceeds {max}")]
    TooManyEntries {
        /// The count field.
        field: &'static str,
        /// The value found.
        count: u32,
        /// The bound.
        max: usize,
    },
    /// Bytes follow the last field of a fixed-size message.
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    /// The datagram is larger than [`DATAGRAM_LEN_MAX`].
    #[error("datagram of {0} bytes is too large")]
    TooLarge(usize),
}

/// `struct memb_ring_id`: the representative's node id and the ring sequence number.
///
/// Ring ids order by `seq` first: the seq only grows, and two rings with the same seq are told
/// apart by their representative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RingId {
    /// Sequence number (Corosync steps it by 4).
    pub seq: u64,
    /// Node id of the ring's representative (its lowest member).
    pub rep: u32,
}

impl std::fmt::Display for RingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:x}.{:x}", self.rep, self.seq)
    }
}

/// `struct totem_message_header` without magic, version and type (implied by the message).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// `encapsulated`: 1 or 2 on mcasts, 0 elsewhere.
    pub encapsulated: u8,
    /// Sender node id (0 on a leave).
    pub nodeid: u32,
    /// knet's unicast target; garbage on udpu, kept only so encoding gives the same bytes.
    pub target_nodeid: u32,
}

impl Header {
    /// A header from `nodeid` with no target and the encapsulation byte 0.
    pub fn from_node(nodeid: u32) -> Self {
        Self {
            encapsulated: 0,
            nodeid,
            target_nodeid: 0,
        }
    }
}

/// `struct rtr_item`: one retransmit request on the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RtrItem {
    /// Ring the missing message belongs to.
    pub ring_id: RingId,
    /// Its sequence number.
    pub seq: u32,
}

/// `struct orf_token`: the ordering token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrfToken {
    /// Header.
    pub header: Header,
    /// Highest message sequence number assigned on the ring.
    pub seq: u32,
    /// Token hop counter, used to drop duplicate tokens.
    pub token_seq: u32,
    /// All received up to: the lowest aru seen on the ring.
    pub aru: u32,
    /// Node that lowered the aru (0 = nobody).
    pub aru_addr: u32,
    /// Ring this token belongs to.
    pub ring_id: RingId,
    /// Sum of queued messages (flow control).
    pub backlog: u32,
    /// Flow-control count: messages sent this rotation.
    pub fcc: u32,
    /// Retransmit flag (RECOVERY: some node still has old-ring messages to send).
    pub retrans_flg: u32,
    /// Retransmit requests.
    pub rtr_list: Vec<RtrItem>,
}

/// `struct mcast`: one ordered message (its payload is a totempg packet, or an old-ring mcast when
/// encapsulated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mcast {
    /// Header (`encapsulated` 1 or 2).
    pub header: Header,
    /// Original sender.
    pub system_from: u32,
    /// Ring-wide sequence number: the total order.
    pub seq: u32,
    /// Per-sender counter.
    pub this_seqno: u32,
    /// Ring of `seq`.
    pub ring_id: RingId,
    /// Unused (0 on the wire).
    pub node_id: u32,
    /// Unused (0 on the wire).
    pub guarantee: u32,
    /// The totempg packet, or the whole old-ring mcast when encapsulated.
    pub payload: Vec<u8>,
}

impl Mcast {
    /// Whether this mcast carries an old-ring mcast.
    pub fn is_encapsulated(&self) -> bool {
        self.header.encapsulated == MESSAGE_ENCAPSULATED
    }
}

/// `struct memb_join`: a membership proposal (and, with header node id 0, a leave).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    /// Header.
    pub header: Header,
    /// Sender.
    pub system_from: u32,
    /// Processors the sender believes in.
    pub proc_list: Vec<u32>,
    /// Processors the sender believes failed.
    pub failed_list: Vec<u32>,
    /// The sender's current ring seq.
    pub ring_seq: u64,
}

/// `struct memb_commit_token_memb_entry`: one member's old-ring state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommitMembEntry {
    /// The member's old ring.
    pub ring_id: RingId,
    /// Its aru in that ring.
    pub aru: u32,
    /// Highest seq it delivered (we put the highest received: what recovery needs).
    pub high_delivered: u32,
    /// 1 once the member filled the entry.
    pub received_flg: u32,
}

/// `struct memb_commit_token`: goes round the new ring twice to form it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitToken {
    /// Header.
    pub header: Header,
    /// Hop counter.
    pub token_seq: u32,
    /// The new ring.
    pub ring_id: RingId,
    /// Retransmit flag.
    pub retrans_flg: u32,
    /// Index of the member the token is addressed to.
    pub memb_index: u32,
    /// New members, ascending.
    pub addr: Vec<u32>,
    /// One entry per member, filled as the token passes.
    pub memb_list: Vec<CommitMembEntry>,
}

/// `struct memb_merge_detect`: a ring representative announcing its ring to outsiders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeDetect {
    /// Header.
    pub header: Header,
    /// Sender.
    pub system_from: u32,
    /// Its ring.
    pub ring_id: RingId,
}

/// `struct token_hold_cancel`: asks the holder of an idle token to pass it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenHoldCancel {
    /// Header.
    pub header: Header,
    /// Ring.
    pub ring_id: RingId,
}

/// quorate's link heartbeat: header plus the sender's ring seq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// Header.
    pub header: Header,
    /// Sender's current ring seq (informational).
    pub ring_seq: u64,
}

/// One totem datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Ordering token.
    OrfToken(OrfToken),
    /// Ordered message.
    Mcast(Mcast),
    /// Merge detection.
    MergeDetect(MergeDetect),
    /// Join or leave.
    Join(Join),
    /// Commit token.
    CommitToken(CommitToken),
    /// Token hold cancel.
    TokenHoldCancel(TokenHoldCancel),
    /// Link heartbeat (quorate extension).
    Heartbeat(Heartbeat),
}

impl Message {
    /// The message type byte.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::OrfToken(_) => MessageType::OrfToken,
            Self::Mcast(_) => MessageType::Mcast,
            Self::MergeDetect(_) => MessageType::MergeDetect,
            Self::Join(_) => MessageType::Join,
            Self::CommitToken(_) => MessageType::CommitToken,
            Self::TokenHoldCancel(_) => MessageType::TokenHoldCancel,
            Self::Heartbeat(_) => MessageType::Heartbeat,
        }
    }

    /// The header.
    pub fn header(&self) -> &Header {
        match self {
            Self::OrfToken(m) => &m.header,
            Self::Mcast(m) => &m.header,
            Self::MergeDetect(m) => &m.header,
            Self::Join(m) => &m.header,
            Self::CommitToken(m) => &m.header,
            Self::TokenHoldCancel(m) => &m.header,
            Self::Heartbeat(m) => &m.header,
        }
    }

    /// Decodes one datagram.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > DATAGRAM_LEN_MAX {
            return Err(DecodeError::TooLarge(bytes.len()));
        }
        let mut r = Reader { bytes, pos: 0 };
        let magic = r.u16()?;
        if magic == TOTEM_MH_MAGIC.swap_bytes() {
            return Err(DecodeError::ForeignEndian);
        }
        if magic != TOTEM_MH_MAGIC {
            return Err(DecodeError::BadMagic(magic));
        }
        let version = r.u8()?;
        if version != TOTEM_MH_VERSION {
            return Err(DecodeError::BadVersion(version));
        }
        let type_byte = r.u8()?;
        let message_type =
            MessageType::from_byte(type_byte).ok_or(DecodeError::UnknownType(type_byte))?;
        let header = Header {
            encapsulated: r.u8()?,
            nodeid: r.u32()?,
            target_nodeid: r.u32()?,
        };
        let message = match message_type {
            MessageType::OrfToken => {
                let seq = r.u32()?;
                let token_seq = r.u32()?;
                let aru = r.u32()?;
                let aru_addr = r.u32()?;
                let ring_id = r.ring_id()?;
                let backlog = r.u32()?;
                let fcc = r.u32()?;
                let retrans_flg = r.u32()?;
                let entries = r.count("rtr_list_entries", RETRANSMIT_ENTRIES_MAX)?;
                r.need(entries * RTR_ITEM_LEN)?;
                let mut rtr_list = Vec::with_capacity(entries);
                for _ in 0..entries {
                    let ring_id = r.ring_id()?;
                    let seq = r.u32()?;
                    rtr_list.push(RtrItem { ring_id, seq });
                }
                Self::OrfToken(OrfToken {
                    header,
                    seq,
                    token_seq,
                    aru,
                    aru_addr,
                    ring_id,
                    backlog,
                    fcc,
                    retrans_flg,
                    rtr_list,
                })
            }
            MessageType::Mcast => {
                let system_from = r.u32()?;
                let seq = r.u32()?;
                let this_seqno = r.u32()?;
                let ring_id = r.ring_id()?;
                let node_id = r.u32()?;
                let guarantee = r.u32()?;
                let payload = r.rest().to_vec();
                return Ok(Self::Mcast(Mcast {
                    header,
                    system_from,
                    seq,
                    this_seqno,
                    ring_id,
                    node_id,
                    guarantee,
                    payload,
                }));
            }
            MessageType::MergeDetect => Self::MergeDetect(MergeDetect {
                header,
                system_from: r.u32()?,
                ring_id: r.ring_id()?,
            }),
            MessageType::Join => {
                let system_from = r.u32()?;
                let procs = r.count("proc_list_entries", PROCESSOR_COUNT_MAX)?;
                let failed = r.count("failed_list_entries", PROCESSOR_COUNT_MAX)?;
                let ring_seq = r.u64()?;
                r.need((procs + failed) * 4)?;
                let proc_list = (0..procs).map(|_| r.u32()).collect::<Result<_, _>>()?;
                let failed_list = (0..failed).map(|_| r.u32()).collect::<Result<_, _>>()?;
                Self::Join(Join {
                    header,
                    system_from,
                    proc_list,
                    failed_list,
                    ring_seq,
                })
            }
            MessageType::CommitToken => {
                let token_seq = r.u32()?;
                let ring_id = r.ring_id()?;
                let retrans_flg = r.u32()?;
                let memb_index = r.u32()?;
                let entries = r.count("addr_entries", PROCESSOR_COUNT_MAX)?;
                r.need(entries * (4 + COMMIT_MEMB_ENTRY_LEN))?;
                let addr = (0..entries).map(|_| r.u32()).collect::<Result<_, _>>()?;
                let mut memb_list = Vec::with_capacity(entries);
                for _ in 0..entries {
                    memb_list.push(CommitMembEntry {
                        ring_id: r.ring_id()?,
                        aru: r.u32()?,
                        high_delivered: r.u32()?,
                        received_flg: r.u32()?,
                    });
                }
                Self::CommitToken(CommitToken {
                    header,
                    token_seq,
                    ring_id,
                    retrans_flg,
                    memb_index,
                    addr,
                    memb_list,
                })
            }
            MessageType::TokenHoldCancel => Self::TokenHoldCancel(TokenHoldCancel {
                header,
                ring_id: r.ring_id()?,
            }),
            MessageType::Heartbeat => Self::Heartbeat(Heartbeat {
                header,
                ring_seq: r.u64()?,
            }),
        };
        let trailing = r.rest().len();
        if trailing != 0 {
            return Err(DecodeError::TrailingBytes(trailing));
        }
        Ok(message)
    }

    /// Encodes into a fresh buffer.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// The encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::OrfToken(t) => ORF_TOKEN_FIXED_LEN + RTR_ITEM_LEN * t.rtr_list.len(),
            Self::Mcast(m) => MCAST_HEADER_LEN + m.payload.len(),
            Self::MergeDetect(_) => MERGE_DETECT_LEN,
            Self::Join(j) => JOIN_FIXED_LEN + 4 * (j.proc_list.len() + j.failed_list.len()),
            Self::CommitToken(c) => {
                COMMIT_TOKEN_FIXED_LEN
                    + 4 * c.addr.len()
                    + COMMIT_MEMB_ENTRY_LEN * c.memb_list.len()
            }
            Self::TokenHoldCancel(_) => TOKEN_HOLD_CANCEL_LEN,
            Self::Heartbeat(_) => HEARTBEAT_LEN,
        }
    }

    /// Appends the encoding to `out`.
    ///
    /// Lists longer than their bound are a programmer error of the caller (the protocol core never
    /// builds them); they are encoded as given.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let header = self.header();
        out.extend_from_slice(&TOTEM_MH_MAGIC.to_le_bytes());
        out.push(TOTEM_MH_VERSION);
        out.push(self.message_type() as u8);
        out.push(header.encapsulated);
        put_u32(out, header.nodeid);
        put_u32(out, header.target_nodeid);
        match self {
            Self::OrfToken(t) => {
                put_u32(out, t.seq);
                put_u32(out, t.token_seq);
                put_u32(out, t.aru);
                put_u32(out, t.aru_addr);
                put_ring(out, t.ring_id);
                put_u32(out, t.backlog);
                put_u32(out, t.fcc);
                put_u32(out, t.retrans_flg);
                put_u32(out, t.rtr_list.len() as u32);
                for item in &t.rtr_list {
                    put_ring(out, item.ring_id);
                    put_u32(out, item.seq);
                }
            }
            Self::Mcast(m) => {
                put_u32(out, m.system_from);
                put_u32(out, m.seq);
                put_u32(out, m.this_seqno);
                put_ring(out, m.ring_id);
                put_u32(out, m.node_id);
                put_u32(out, m.guarantee);
                out.extend_from_slice(&m.payload);
            }
            Self::MergeDetect(m) => {
                put_u32(out, m.system_from);
                put_ring(out, m.ring_id);
            }
            Self::Join(j) => {
                put_u32(out, j.system_from);
                put_u32(out, j.proc_list.len() as u32);
                put_u32(out, j.failed_list.len() as u32);
                out.extend_from_slice(&j.ring_seq.to_le_bytes());
                for id in j.proc_list.iter().chain(&j.failed_list) {
                    put_u32(out, *id);
                }
            }
            Self::CommitToken(c) => {
                put_u32(out, c.token_seq);
                put_ring(out, c.ring_id);
                put_u32(out, c.retrans_flg);
                put_u32(out, c.memb_index);
                put_u32(out, c.addr.len() as u32);
                for id in &c.addr {
                    put_u32(out, *id);
                }
                for e in &c.memb_list {
                    put_ring(out, e.ring_id);
                    put_u32(out, e.aru);
                    put_u32(out, e.high_delivered);
                    put_u32(out, e.received_flg);
                }
            }
            Self::TokenHoldCancel(t) => put_ring(out, t.ring_id),
            Self::Heartbeat(h) => out.extend_from_slice(&h.ring_seq.to_le_bytes()),
        }
    }
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_ring(out: &mut Vec<u8>, ring: RingId) {
    put_u32(out, ring.rep);
    out.extend_from_slice(&ring.seq.to_le_bytes());
}

/// A bounds-checked little-endian cursor.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn need(&self, len: usize) -> Result<(), DecodeError> {
        let have = self.bytes.len() - self.pos;
        if have < len {
            return Err(DecodeError::Truncated {
                needed: self.pos + len,
                got: self.bytes.len(),
            });
        }
        Ok(())
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.need(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take()?))
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take()?))
    }

    fn ring_id(&mut self) -> Result<RingId, DecodeError> {
        let rep = self.u32()?;
        let seq = self.u64()?;
        Ok(RingId { seq, rep })
    }

    fn count(&mut self, field: &'static str, max: usize) -> Result<usize, DecodeError> {
        let count = self.u32()?;
        if count as usize > max {
            return Err(DecodeError::TooManyEntries { field, count, max });
        }
        Ok(count as usize)
    }

    fn rest(&mut self) -> &'a [u8] {
        let rest = &self.bytes[self.pos..];
        self.pos = self.bytes.len();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_a_join_is_rejected_as_truncated() {
        let join = Message::Join(Join {
            header: Header::from_node(2),
            system_from: 2,
            proc_list: vec![1, 2],
            failed_list: vec![3],
            ring_seq: 9,
        });
        let bytes = join.encode();
        assert_eq!(Message::decode(&bytes), Ok(join));
        for len in 0..bytes.len() {
            assert!(
                matches!(
                    Message::decode(&bytes[..len]),
                    Err(DecodeError::Truncated { .. })
                ),
                "prefix of {len} bytes"
            );
        }
    }

    #[test]
    fn a_swapped_magic_is_reported_as_foreign_endian() {
        let mut bytes = Message::TokenHoldCancel(TokenHoldCancel {
            header: Header::from_node(1),
            ring_id: RingId { seq: 4, rep: 1 },
        })
        .encode();
        bytes.swap(0, 1);
        assert_eq!(Message::decode(&bytes), Err(DecodeError::ForeignEndian));
    }

    #[test]
    fn a_huge_list_count_is_refused_before_allocating() {
        let mut bytes = Message::Join(Join {
            header: Header::from_node(2),
            system_from: 2,
            proc_list: vec![],
            failed_list: vec![],
            ring_seq: 0,
        })
        .encode();
        bytes[17..21].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Message::decode(&bytes),
            Err(DecodeError::TooManyEntries { .. })
        ));
    }
}
