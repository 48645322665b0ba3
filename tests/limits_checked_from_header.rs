//! RFC 6455 §10.4: frame and message limits are enforced from the header, before the payload
//! is buffered, with close code 1009.
mod common;
use common::*;
use sca_ws::ws::{Config as WsConfig, Connection, Error as WsError, Event, Role};

fn limited() -> WsConfig {
    WsConfig {
        max_frame_payload: 100,
        max_message_size: 150,
        ..quiet()
    }
}

#[test]
fn frame_too_big_fails_on_header_alone() {
    let now = t0();
    let mut s = Connection::new(Role::Server, limited(), now, 3);
    s.handle_input(now, &[0x82, 0xFE, 0x00, 101, 1, 2, 3, 4]);
    let out = drain(&mut s);
    assert_eq!(
        events(&out),
        [Event::Failed(WsError::FrameTooBig {
            len: 101,
            limit: 100
        })]
    );
    assert_eq!(server_frames(&transmitted(&out))[0].1, [0x03, 0xF1]);
}

#[test]
fn message_too_big_fails_on_the_fragment_header_that_crosses_it() {
    let now = t0();
    let mut c = Connection::new(Role::Client, limited(), now, 3);
    c.handle_input(now, &unmasked(0x02, &[0; 100]));
    assert!(drain(&mut c).is_empty());
    c.handle_input(now, &[0x80, 51]);
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Failed(WsError::MessageTooBig {
            len: 151,
            limit: 150
        })]
    );
}

#[test]
fn message_at_the_limit_is_accepted() {
    let now = t0();
    let mut c = Connection::new(Role::Client, limited(), now, 3);
    let mut wire = unmasked(0x02, &[1; 100]);
    wire.extend(unmasked(0x80, &[2; 50]));
    c.handle_input(now, &wire);
    assert!(matches!(&events(&drain(&mut c))[..], [Event::Binary(b)] if b.len() == 150));
}
