//! RFC 6455 §5.4: a continuation needs a message to continue; a new message may not start
//! inside a fragmented one.
mod common;
use common::*;
use sca_ws::ws::{Error as WsError, Event};

#[test]
fn rejects_continuation_without_a_message() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x80, b"x"));
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Failed(WsError::UnexpectedContinuation)]
    );
}

#[test]
fn rejects_new_message_inside_fragmented_one() {
    let now = t0();
    let mut c = client(now);
    let mut wire = unmasked(0x01, b"a");
    wire.extend(unmasked(0x81, b"b"));
    c.handle_input(now, &wire);
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Failed(WsError::ExpectedContinuation)]
    );
}

#[test]
fn reassembles_many_fragments_into_one_message() {
    let now = t0();
    let mut c = client(now);
    let mut wire = unmasked(0x02, b"ab");
    wire.extend(unmasked(0x00, b""));
    wire.extend(unmasked(0x00, b"cd"));
    wire.extend(unmasked(0x80, b"e"));
    c.handle_input(now, &wire);
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Binary(bytes::Bytes::from_static(b"abcde"))]
    );
}
