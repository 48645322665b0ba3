//! RFC 6455 §5.4: control frames may arrive between the fragments of a message and are
//! handled at once; the message is reassembled around them.
mod common;
use bytes::Bytes;
use common::*;
use sca_ws::ws::{Event, Utf8Bytes};

#[test]
fn ping_between_fragments_is_answered_and_message_survives() {
    let now = t0();
    let mut s = server(now);
    let key = [0xA, 0xB, 0xC, 0xD];
    let mut wire = masked(0x01, "κό".as_bytes(), key);
    wire.extend(masked(0x89, b"ping", key));
    wire.extend(masked(0x8A, b"pong", key));
    wire.extend(masked(0x80, "σμε".as_bytes(), key));
    s.handle_input(now, &wire);
    let out = drain(&mut s);
    assert_eq!(
        events(&out),
        [
            Event::Ping(Bytes::from_static(b"ping")),
            Event::Pong(Bytes::from_static(b"pong")),
            Event::Text(Utf8Bytes::from("κόσμε")),
        ]
    );
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x8A, b"ping".to_vec())]
    );
}
