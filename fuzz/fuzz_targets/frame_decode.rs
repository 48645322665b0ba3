//! Frame codec on arbitrary bytes: never panics, never claims more bytes than it was given,
//! and whatever it accepts re-encodes to a header that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sca_ws::frame::{ClosePayload, Header as FrameHeader, apply_mask};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((header, used))) = FrameHeader::decode(data) {
        assert!(used <= data.len() && used <= FrameHeader::MAX_LEN);
        assert_eq!(header.rsv, 0);
        assert!(header.payload_len >> 63 == 0);
        if header.opcode.is_control() {
            assert!(header.fin && header.payload_len <= 125);
        }
        let mut out = bytes::BytesMut::new();
        header.encode(&mut out);
        assert!(out.len() <= used, "re-encoding uses the shortest form");
        assert_eq!(FrameHeader::decode(&out), Ok(Some((header, out.len()))));
    }
    if let Ok(close) = ClosePayload::decode(data) {
        assert!(data.is_empty() || close.code.is_valid_on_wire());
        assert_eq!(close.encoded_len(), data.len());
    }
    let mut masked = data.to_vec();
    apply_mask(&mut masked, [1, 2, 3, 4], data.len() % 4);
    apply_mask(&mut masked, [1, 2, 3, 4], data.len() % 4);
    assert_eq!(masked, data);
});
