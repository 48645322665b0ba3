//! RFC 6455 §5.3: every client frame is masked, with a fresh key from the caller's seed; a
//! server never masks.
mod common;
use common::*;
use sca_ws::{
    frame::{CloseCode, Header as FrameHeader},
    ws::DataKind,
};

#[test]
fn client_masks_every_frame_with_seeded_keys() {
    let now = t0();
    let mut c = client(now);
    c.send_text(now, "one").unwrap();
    c.send_binary(now, b"two").unwrap();
    c.send_fragment(now, DataKind::Binary, b"a", false).unwrap();
    c.send_fragment(now, DataKind::Binary, b"b", true).unwrap();
    c.send_ping(now, b"p").unwrap();
    c.close(now, CloseCode::NORMAL, "").unwrap();
    let wire = transmitted(&drain(&mut c));
    let mut rest = &wire[..];
    let mut keys = Vec::new();
    while let Ok(Some((h, used))) = FrameHeader::decode(rest) {
        keys.push(h.mask.expect("client frames are masked"));
        rest = &rest[used + h.payload_len as usize..];
    }
    assert_eq!(keys.len(), 6);
    keys.dedup();
    assert_eq!(keys.len(), 6, "a new key per frame");
    // Same seed, same keys: the library draws no hidden randomness.
    let mut again = client(now);
    again.send_text(now, "one").unwrap();
    assert_eq!(transmitted(&drain(&mut again))[..], wire[..9]);
}

#[test]
fn server_never_masks() {
    let now = t0();
    let mut s = server(now);
    s.send_text(now, "x").unwrap();
    assert_eq!(transmitted(&drain(&mut s)), [0x81, 0x01, b'x']);
}
