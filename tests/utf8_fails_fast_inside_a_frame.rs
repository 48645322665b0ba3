//! RFC 6455 §8.1 and Autobahn 6.4.x: invalid UTF-8 fails the connection (1007) as soon as
//! the byte that makes it invalid arrives, before the rest of the frame.
mod common;
use common::*;
use sca_ws::ws::{Error as WsError, Event, Output};

#[test]
fn fails_before_the_frame_is_complete() {
    let now = t0();
    let mut c = client(now);
    // A 20-byte text frame; its 7th byte (0xED 0xA0: a surrogate) is already invalid.
    let mut payload = b"hello".to_vec();
    payload.extend_from_slice(&[0xED, 0xA0, 0x80]);
    payload.extend_from_slice(b"world, again");
    let wire = unmasked(0x81, &payload);
    c.handle_input(now, &wire[..2 + 6]);
    assert!(drain(&mut c).is_empty(), "still plausible text");
    c.handle_input(now, &wire[8..9]);
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::InvalidUtf8)]);
    assert_eq!(server_frames(&transmitted(&out))[0].1, [0x03, 0xEF]);
}

#[test]
fn fails_in_a_later_fragment_before_its_end() {
    let now = t0();
    let mut s = server(now);
    let key = [1, 2, 3, 4];
    let mut wire = masked(0x01, "κόσμε".as_bytes(), key);
    let second = masked(0x00, &[0xCE, 0xBA, 0xF4, 0x90, 0x80, 0x80, b'x', b'y'], key);
    let cut = wire.len() + 6 + 4; // up to and including 0x90, which F4 may not precede
    wire.extend(second);
    s.handle_input(now, &wire[..cut - 1]);
    assert!(events(&drain(&mut s)).is_empty());
    s.handle_input(now, &wire[cut - 1..cut]);
    let out = drain(&mut s);
    assert_eq!(events(&out), [Event::Failed(WsError::InvalidUtf8)]);
    assert_eq!(out.last(), Some(&Output::CloseTransport));
}

#[test]
fn truncated_code_point_at_message_end_fails() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x81, &[b'a', 0xE2, 0x82]));
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Failed(WsError::InvalidUtf8)]
    );
}

#[test]
fn invalid_close_reason_fails_with_1007() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x88, &[0x03, 0xE8, 0xFF]));
    let out = drain(&mut c);
    assert!(matches!(&events(&out)[..], [Event::Failed(_)]));
    assert_eq!(server_frames(&transmitted(&out))[0].1, [0x03, 0xEF]);
}
