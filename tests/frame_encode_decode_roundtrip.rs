//! Property: a header encodes to the shortest form and decodes to itself, for every opcode,
//! mask and payload lengths around the 125 / 126 / 65535 / 65536 boundaries; whole messages
//! sent by one role arrive intact at the other.
mod common;
use common::*;
use proptest::prelude::*;
use sca_ws::{
    frame::{Header as FrameHeader, OpCode, apply_mask},
    ws::{DataKind, Event},
};

fn opcode() -> impl Strategy<Value = OpCode> {
    prop_oneof![
        Just(OpCode::Continuation),
        Just(OpCode::Text),
        Just(OpCode::Binary),
        Just(OpCode::Close),
        Just(OpCode::Ping),
        Just(OpCode::Pong),
    ]
}

fn length() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..=3,
        124u64..=127,
        65534u64..=65537,
        any::<u64>().prop_map(|n| n >> 1),
    ]
}

proptest! {
    #[test]
    fn header_roundtrip(op in opcode(), fin in any::<bool>(), mask in any::<Option<[u8; 4]>>(), len in length()) {
        let control = op.is_control();
        let header = FrameHeader {
            fin: fin || control,
            rsv: 0,
            opcode: op,
            mask,
            payload_len: if control { len.min(125) } else { len },
        };
        let mut out = bytes::BytesMut::new();
        header.encode(&mut out);
        prop_assert_eq!(out.len(), header.encoded_len());
        prop_assert_eq!(FrameHeader::decode(&out), Ok(Some((header, out.len()))));
        let minimal = match header.payload_len { 0..=125 => 2, 126..=65535 => 4, _ => 10 };
        prop_assert_eq!(out.len(), minimal + if mask.is_some() { 4 } else { 0 });
    }

    #[test]
    fn mask_twice_is_identity(data in proptest::collection::vec(any::<u8>(), 0..300), key in any::<[u8; 4]>(), phase in 0usize..8) {
        let mut buf = data.clone();
        apply_mask(&mut buf, key, phase);
        apply_mask(&mut buf, key, phase);
        prop_assert_eq!(buf, data);
    }

    #[test]
    fn messages_cross_from_client_to_server_intact(
        text in "\\PC{0,300}",
        binary in proptest::collection::vec(any::<u8>(), 0..70_000),
        cut in 0usize..300,
        seed in any::<u64>(),
    ) {
        let now = t0();
        let mut c = sca_ws::ws::Connection::new(sca_ws::ws::Role::Client, quiet(), now, seed);
        let mut s = server(now);
        c.send_text(now, &text).unwrap();
        c.send_binary(now, &binary).unwrap();
        let cut = cut.min(binary.len());
        c.send_fragment(now, DataKind::Binary, &binary[..cut], false).unwrap();
        c.send_fragment(now, DataKind::Binary, &binary[cut..], true).unwrap();
        s.handle_input(now, &transmitted(&drain(&mut c)));
        let got = events(&drain(&mut s));
        prop_assert_eq!(got.len(), 3);
        prop_assert!(matches!(&got[0], Event::Text(t) if t.as_str() == text));
        prop_assert!(matches!(&got[1], Event::Binary(b) if b[..] == binary[..]));
        prop_assert!(matches!(&got[2], Event::Binary(b) if b[..] == binary[..]));
    }
}
