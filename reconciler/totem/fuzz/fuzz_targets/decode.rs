//! Fuzzes the wire decoder: any bytes give a message or an error, never a panic; whatever decodes
//! encodes back to the same bytes, and so does any totempg packet inside an mcast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quorate_totem::pg::{parse_group_message, PgPacket};
use quorate_totem::wire::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::decode(data) {
        assert_eq!(message.encode(), data);
        assert_eq!(message.encoded_len(), data.len());
        if let Message::Mcast(m) = &message {
            if let Ok(packet) = PgPacket::decode(&m.payload) {
                assert_eq!(packet.encode(), m.payload);
                for msg in &packet.messages {
                    let _ = parse_group_message(msg);
                }
            }
        }
    }
    if let Ok(packet) = PgPacket::decode(data) {
        assert_eq!(packet.encode(), data);
    }
});
