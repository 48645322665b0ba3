//! RFC 6455 §5.1: a server fails the connection (1002) on an unmasked frame.
mod common;
use common::*;
use sca_ws::ws::{Error as WsError, Event};

#[test]
fn rejects_unmasked_client_frame() {
    let now = t0();
    let mut s = server(now);
    s.handle_input(now, &unmasked(0x81, b"hi"));
    let out = drain(&mut s);
    assert_eq!(events(&out), [Event::Failed(WsError::UnmaskedFrame)]);
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x88, vec![0x03, 0xEA])]
    );
    assert!(closes_transport(&out), "a server closes TCP first");
}
